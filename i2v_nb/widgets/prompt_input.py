"""``PromptInput``: the motion prompt, with vocabulary chips, a live "understood as" line and
suggestions from the image's structure.

>>> from i2v_nb.widgets import PromptInput
>>> box = PromptInput(auto_suggest=False)
>>> box.prompt = "slow zoom in"
>>> box.spec.camera
'zoom_in'
>>> box.insert("hair moving in the wind")     # what clicking a chip does
>>> box.prompt
'slow zoom in, hair moving in the wind'
>>> box.insert("pan left")                    # a clip has one camera move: it replaces
>>> box.prompt
'hair moving in the wind, pan left'
>>> box.chip_note
"Replaced 'slow zoom in' with 'pan left': a clip has one camera move."

The live line is :func:`i2v_nb.parse_prompt`; the suggestions are
:func:`i2v_nb.analyze` (``depth="classical"``) followed by :func:`i2v_nb.suggest_prompts`, run
in a background thread so typing never waits on them.
"""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets as W
import traitlets

from i2v_nb.widgets._common import (
    button,
    escape,
    html_box,
    mark_part,
    message_html,
    run_in_thread,
    with_class,
)
from i2v_nb.widgets._compat import fill_tooltips, tooltip_kwargs

__all__ = ["PromptInput", "CHIPS", "describe_spec", "insert_phrase"]

#: Chip groups: label -> phrases inserted into the prompt (each parses to a known motion).
CHIPS: dict[str, tuple[str, ...]] = {
    "Camera": ("slow zoom in", "zoom out", "pan left", "pan right", "tilt up", "orbit left",
               "dolly in", "static camera"),
    "Wind": ("hair moving in the wind", "leaves swaying in the wind",
             "clothes fluttering in the wind"),
    "Water": ("water ripples", "gentle waves"),
    "Sky & air": ("clouds drifting", "fog rolling in", "light rain", "snow falling"),
    "Subject": ("the subject turns their head", "blinking eyes", "smiles", "waves hand",
                "breathing"),
    "Timing": ("slowly", "fast", "seamless loop"),
}


def describe_spec(spec: Any) -> str:
    """One line saying what :func:`~i2v_nb.parse_prompt` understood (for the live line).

    >>> from i2v_nb.prompting import parse_prompt
    >>> describe_spec(parse_prompt("slow pan left, no wind"))
    'camera: pan left (speed 0.25) · excluded: wind'
    """
    parts = []
    if spec.camera != "static" or "static" in spec.text.lower():
        cam = spec.camera.replace("_", " ")
        parts.append(f"camera: {cam}" + (f" (speed {spec.speed:g})" if spec.camera != "static"
                                         else ""))
    if spec.subject:
        parts.append("subject: " + ", ".join(s.replace("_", " ") for s in spec.subject))
    if spec.environment:
        parts.append("environment: " + ", ".join(e.replace("_", " ") for e in spec.environment))
    if spec.atmosphere:
        parts.append("style: " + ", ".join(spec.atmosphere))
    if spec.loop:
        parts.append("seamless loop")
    if spec.negative:
        parts.append("excluded: " + ", ".join(n.replace("_", " ") for n in spec.negative))
    if not parts:
        return "no motion recognised yet (the preview engine animates sky/water/foliage subtly)"
    return " · ".join(parts)


#: Chip groups whose phrases exclude each other: a new one replaces the old one.
_TEMPOS = ("slowly", "fast")


def _clauses(prompt: str) -> list[str]:
    return [c.strip() for c in prompt.split(",") if c.strip()]


def _camera_of(clause: str) -> tuple[str | None, bool]:
    """``(camera move or None, whether the clause says nothing else)`` for one clause of a
    prompt, read with :func:`~i2v_nb.parse_prompt` (``"static"`` only when said so)."""
    from i2v_nb.prompting import parse_prompt

    try:
        spec = parse_prompt(clause)
    except Exception:  # noqa: BLE001 - an unreadable clause is no camera
        return None, False
    camera = spec.camera if spec.camera != "static" or "static" in clause.lower() else None
    alone = not (spec.subject or spec.environment or spec.atmosphere or spec.negative
                 or spec.loop or spec.free_text)
    return camera, alone


def insert_phrase(prompt: str, phrase: str) -> tuple[str, str]:
    """``prompt`` with a chip's ``phrase`` added (comma-separated), and a note on what happened.

    A phrase already in the prompt is not added again. A camera move replaces the prompt's
    camera move (a clip has one; :func:`~i2v_nb.parse_prompt` keeps the first), and the note
    names what it replaced; when that move sits in a longer clause, nothing is changed and the
    note says which clause to edit. "slowly" and "fast" replace each other the same way.

    >>> insert_phrase("slow zoom in", "hair moving in the wind")
    ('slow zoom in, hair moving in the wind', '')
    >>> insert_phrase("pan left, clouds drifting", "pan left")
    ('pan left, clouds drifting', "'pan left' is already in the prompt.")
    >>> insert_phrase("pan left, clouds drifting", "tilt up")[0]
    'clouds drifting, tilt up'
    """
    clauses = _clauses(prompt)
    if phrase.lower() in (c.lower() for c in clauses):
        return prompt, f"'{phrase}' is already in the prompt."
    replaced: list[str] = []
    new_camera, _ = _camera_of(phrase)
    if new_camera is not None:
        for clause in clauses:
            camera, alone = _camera_of(clause)
            if camera is None:
                continue
            if camera == new_camera:
                return prompt, (f"The prompt already asks for {camera.replace('_', ' ')} "
                                f"('{clause}').")
            if not alone:
                return prompt, (f"Not added: '{clause}' already sets the camera "
                                f"({camera.replace('_', ' ')}) and a clip has one camera move. "
                                f"Edit that part to use '{phrase}'.")
            replaced.append(clause)
    elif phrase.lower() in _TEMPOS:
        replaced = [c for c in clauses if c.lower() in _TEMPOS]
    kept = [c for c in clauses if c not in replaced]
    text = ", ".join([*kept, phrase])
    if not replaced:
        return text, ""
    why = "a clip has one camera move" if new_camera is not None else "one tempo at a time"
    return text, f"Replaced {', '.join(repr(c) for c in replaced)} with '{phrase}': {why}."


def _small_button(label: str, css_class: str, tooltip: str, on_click: Any) -> W.Button:
    """A chip-sized button (a phrase chip, a suggestion) with a tooltip."""
    return button(label, css_class, on_click=on_click, **tooltip_kwargs(W.Button, tooltip))


class PromptInput(W.VBox):
    """Motion prompt text area with chips, the parsed motion and image-based suggestions.

    Attributes (traitlets):
        prompt: the prompt text.
        chip_note: what the last chip click did besides adding its phrase (what it replaced,
            or why it added nothing); "" otherwise, and again once the prompt is typed in.
        spec: the :class:`~i2v_nb.prompting.MotionSpec` parsed from it (None if parsing failed).
        image: the input image (set by the Studio); suggestions are computed for it.
        suggestions: the prompts :func:`i2v_nb.suggest_prompts` proposed for ``image``.

    Args:
        prompt: initial text.
        auto_suggest: compute suggestions whenever ``image`` changes (in a thread).
    """

    prompt = traitlets.Unicode("")
    chip_note = traitlets.Unicode("")
    spec = traitlets.Any(None, allow_none=True)
    image = traitlets.Any(None, allow_none=True)
    suggestions = traitlets.List(traitlets.Unicode())

    def __init__(self, prompt: str = "", *, auto_suggest: bool = True, **kwargs: Any) -> None:
        self.auto_suggest = bool(auto_suggest)
        self._suggest_thread: threading.Thread | None = None
        self._suggest_generation = 0
        self.text = with_class(W.Textarea(value=prompt, placeholder="Describe the motion, e.g. "
                                          "'slow zoom in, hair moving in the wind, clouds "
                                          "drifting'", rows=3, layout=W.Layout(width="auto")),
                               "i2v-prompt")
        self.understood = html_box("i2v-understood")
        rows = []
        for group, phrases in CHIPS.items():
            buttons = [_small_button(phrase, "i2v-chip", f"add '{phrase}' to the prompt",
                                     lambda p=phrase: self.insert(p)) for phrase in phrases]
            label = W.HTML(f"<small><b>{escape(group)}</b></small>",
                           layout=W.Layout(width="70px"))
            rows.append(W.HBox([label, *buttons], layout=W.Layout(flex_flow="row wrap")))
        self.chips = with_class(W.VBox(rows), "i2v-chips")
        self.chip_message = html_box("i2v-chip-note")
        self.suggestion_status = W.HTML("")
        self.suggestion_box = with_class(W.HBox([], layout=W.Layout(flex_flow="row wrap")),
                                         "i2v-suggestions")

        self.text.observe(self._on_text, names="value")
        super().__init__(children=[self.text, self.understood, self.chips, self.chip_message,
                                   self.suggestion_status, self.suggestion_box], **kwargs)
        mark_part(self, "i2v-prompt-input")
        self.prompt = prompt
        self._parse(prompt)

    # -- actions -------------------------------------------------------------------------------
    def insert(self, phrase: str) -> None:
        """Add ``phrase`` to the prompt as a chip click does (:func:`insert_phrase`: never
        twice, a camera move replacing the prompt's own); ``chip_note`` says what else
        happened."""
        text, note = insert_phrase(self.prompt, phrase)
        self.prompt = text
        self.chip_note = note

    def suggest(self, *, wait: bool = False, timeout: float | None = 60.0) -> None:
        """Compute suggestions for ``image`` in a thread (``wait=True`` blocks until done)."""
        image = self.image
        self._suggest_generation += 1
        generation = self._suggest_generation
        if image is None:
            self.suggestions = []
            self.suggestion_status.value = ""
            return
        self.suggestion_status.value = '<small class="i2v-suggest-status">Looking at the ' \
                                       "image for motion ideas…</small>"

        def work() -> None:
            try:
                from i2v_nb.analysis import analyze, suggest_prompts

                report = analyze(image, depth="classical")
                found = [str(getattr(s, "prompt", s)) for s in suggest_prompts(report)]
            except Exception as exc:  # noqa: BLE001 - shown in the widget, never raised
                if generation == self._suggest_generation:
                    self.suggestion_status.value = message_html(
                        "warning", f"No suggestions for this image ({type(exc).__name__}: "
                                   f"{exc}); type a prompt or use the chips.")
                return
            if generation != self._suggest_generation:  # a newer image came meanwhile
                return
            self.suggestions = found
            self.suggestion_status.value = ('<small class="i2v-suggest-status"><b>Suggested '
                                            "for this image</b> (click to use):</small>"
                                            if found else "")

        self._suggest_thread = run_in_thread(work, name="i2v-suggest")
        if wait:
            self.wait(timeout)

    def wait(self, timeout: float | None = 60.0) -> None:
        """Block until the suggestion thread (if any) has finished."""
        if self._suggest_thread is not None:
            self._suggest_thread.join(timeout)

    # -- handlers ------------------------------------------------------------------------------
    def _on_text(self, change: dict) -> None:
        self.prompt = change["new"]
        self.chip_note = ""  # typed: the last chip's note is stale

    @traitlets.observe("chip_note")
    def _on_chip_note(self, change: dict) -> None:
        self.chip_message.value = message_html("info", change["new"])

    @traitlets.observe("prompt")
    def _on_prompt(self, change: dict) -> None:
        if self.text.value != change["new"]:
            self.text.value = change["new"]
        self._parse(change["new"])

    def _parse(self, text: str) -> None:
        from i2v_nb.prompting import parse_prompt

        try:
            spec = parse_prompt(text)
        except Exception as exc:  # noqa: BLE001 - a prompt never breaks the widget
            self.spec = None
            self.understood.value = message_html("warning", f"Could not read the prompt: {exc}")
            return
        self.spec = spec
        self.understood.value = ('<small class="i2v-understood-line"><b>Understood:</b> '
                                 f"{escape(describe_spec(spec))}</small>")

    @traitlets.observe("image")
    def _on_image(self, change: dict) -> None:
        if self.auto_suggest:
            self.suggest()
        elif change["new"] is None:
            self.suggestions = []

    @traitlets.observe("suggestions")
    def _on_suggestions(self, change: dict) -> None:
        self.suggestion_box.children = [
            _small_button(text[:70], "i2v-suggestion", text,
                          lambda t=text: setattr(self, "prompt", t)) for text in change["new"]]
        fill_tooltips(self.suggestion_box)
