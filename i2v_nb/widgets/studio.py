"""``Studio``: the whole workflow in one cell — image, prompt, parameters, Generate/Stop, inline
preview and downloads, a gallery of earlier clips and their continuity diagnostics.

>>> import i2v_nb
>>> studio = i2v_nb.Studio()       # then leave `studio` as the last line of the cell
>>> studio                                                          # doctest: +SKIP

Every button calls a public function a user can call in a cell: ``load_image`` /
``sample_image``, ``parse_prompt``, ``analyze`` + ``suggest_prompts``, ``generate`` (with
``last_image=`` and ``loop=`` where the model can), ``extend`` / ``interpolate`` / ``upscale``
on a result, ``Clip.show`` / ``Clip.save_frame``, ``History.list`` / ``History.load`` and
``continuity_report``. The parts are importable alone from :mod:`i2v_nb.widgets`.

Driving it from code (what the tests do)::

    studio.image_input.load("astronaut")
    studio.prompt_input.prompt = "slow zoom in"
    studio.generate(wait=True)
    studio.preview.clip, studio.gallery.entry_ids
"""

from __future__ import annotations

import os
from typing import Any

import ipywidgets as W
import traitlets

from i2v_nb.widgets._common import (
    button,
    escape,
    html_box,
    mark_part,
    message_html,
    with_class,
)
from i2v_nb.widgets._compat import titled
from i2v_nb.widgets.diagnostics_tab import DiagnosticsTab
from i2v_nb.widgets.gallery import Gallery
from i2v_nb.widgets.image_input import ImageInput
from i2v_nb.widgets.parameters import Parameters
from i2v_nb.widgets.preview import Preview
from i2v_nb.widgets.prompt_input import PromptInput
from i2v_nb.widgets.run_controls import NoImageError, RunControls

__all__ = ["Studio", "TAB_TITLES", "EDITS"]

TAB_TITLES = ("Create", "Gallery", "Diagnostics")
#: The result's edit buttons: name → (label, verb shown while it runs, what it calls).
EDITS = {
    "extend": ("Extend +2 s", "Extending", "i2v_nb.extend(clip, seconds=2)"),
    "interpolate": ("Interpolate ×2", "Interpolating", "i2v_nb.interpolate(clip, factor=2)"),
    "upscale": ("Upscale ×2", "Upscaling", "i2v_nb.upscale(clip, scale=2)"),
}


class Studio(W.VBox):
    """The image-to-video studio: Create, Gallery and Diagnostics tabs.

    Args:
        history: where clips are saved (an :class:`~i2v_nb.history.History` or a folder,
            default ``i2v_outputs`` beside the notebook); the Gallery reads it from disk, so it
            survives a kernel restart.
        model: the preset chosen at start (``"preview"``, the CPU engine, always runs).
        prompt: initial prompt text.
        image: an initial image (anything ``load_image`` takes, or a sample name).
        include_tiny: also offer the tiny random-weight model twins (tests, demos).
        auto_suggest: propose prompts from the image's structure when an image is loaded.

    Attributes:
        image_input, prompt_input, parameters, run_controls, preview, gallery, diagnostics:
            the parts (each usable alone).
        history: the :class:`~i2v_nb.history.History`.
        tabs: the ``Tab`` widget.
    """

    clip = traitlets.Any(None, allow_none=True)

    def __init__(self, *, history: Any = "i2v_outputs", model: str = "preview",
                 prompt: str = "", image: Any = None, include_tiny: bool = False,
                 auto_suggest: bool = True, **kwargs: Any) -> None:
        from i2v_nb.history import History

        self.history = history if hasattr(history, "list") else History(history)
        self.image_input = ImageInput()
        self.prompt_input = PromptInput(prompt, auto_suggest=auto_suggest)
        self.parameters = Parameters(model=model, include_tiny=include_tiny)
        self.last_input = ImageInput(thumbnail_size=160, css_prefix="i2v-last")
        self.last_note = html_box("i2v-last-note")
        self.last_frame = titled(W.Accordion, [W.VBox([self.last_note, self.last_input])],
                                 ["Last frame (optional)"], selected_index=None)
        self.last_frame.add_class("i2v-last-frame")
        self.loop_box = W.Checkbox(value=False, description="Loop (seamless)", indent=False,
                                   layout=W.Layout(width="auto"))
        self.loop_box.add_class("i2v-loop")
        self.run_controls = RunControls(self.request)
        traitlets.dlink((self.parameters.step_previews, "value"),
                        (self.run_controls, "show_step_previews"))
        self.preview = Preview(history=self.history,
                               save_dir=os.path.join(os.fspath(self.history.root), "frames"))
        self.gallery = Gallery(self.history, on_rerun=self.rerun, on_diagnose=self._diagnose)
        self.diagnostics = DiagnosticsTab()
        self.edit_buttons = {name: button(label, f"i2v-edit-{name}", width="130px",
                                          on_click=lambda n=name: self.edit(n),
                                          tooltip=f"{call} on the clip above, saved to the "
                                                  "history as a new clip")
                             for name, (label, _verb, call) in EDITS.items()}
        self.edit_row = W.HBox(list(self.edit_buttons.values()),
                               layout=W.Layout(flex_flow="row wrap"))
        self.edit_row.add_class("i2v-edit-row")
        self.parameters.observe(lambda _c: self._on_model(), names="model")
        self._on_model()

        self.image_input.observe(self._on_image, names="image")
        self.image_input.observe(lambda _c: self._clear_notice(), names="loads")
        self.run_controls.observe(self._on_new_clip, names="clip")
        self.gallery.observe(self._on_gallery_selected, names="selected")

        def section(title: str, *children: W.Widget) -> W.VBox:
            box = W.VBox([W.HTML(f"<b>{escape(title)}</b>"), *children],
                         layout=W.Layout(padding="4px"))
            return box

        # three columns side by side on a wide screen, one under the other on a narrow one;
        # none wider than the cell
        left = section("1 · Image", self.image_input, self.last_frame)
        left.layout.width = "300px"
        right = section("2 · Motion prompt", self.prompt_input)
        right.layout.flex = "1 1 360px"
        right.layout.min_width = "280px"
        params = section("3 · Parameters", self.parameters)
        params.layout.width = "380px"
        for column in (left, right, params):
            column.layout.max_width = "100%"
        create = with_class(W.VBox([
            W.HBox([left, right, params], layout=W.Layout(flex_flow="row wrap",
                                                          align_items="flex-start")),
            section("4 · Generate", self.loop_box, self.run_controls),
            section("5 · Result", self.preview, self.edit_row),
        ]), "i2v-create")
        self.tabs = with_class(titled(W.Tab, [create, self.gallery, self.diagnostics], TAB_TITLES),
                               "i2v-tabs")
        self.tabs.observe(self._on_tab, names="selected_index")
        self.notice = html_box("i2v-studio-notice")
        header = W.HTML('<div class="i2v-title" style="font-size:16px;font-weight:600;">'
                        "i2v_nb Studio <span style='font-weight:normal;font-size:12px;"
                        "opacity:0.7;'>image → motion prompt → video</span></div>")
        super().__init__(children=[header, self.notice, self.tabs], **kwargs)
        mark_part(self, "i2v-studio")
        if image is not None:
            self.image_input.load(image)

    def __repr__(self) -> str:
        """The text a notebook keeps beside the widget, shown where widgets cannot render
        (GitHub, nbviewer, a notebook opened without running it) instead of
        ``Studio(children=(HTML(…``."""
        return ("i2v_nb Studio: image → motion prompt → video (interactive widgets: run the "
                "cell in Jupyter to use them)")

    # -- the one request everything goes through -----------------------------------------------
    def request(self) -> dict[str, Any]:
        """The keyword arguments Generate passes to :func:`i2v_nb.generate` right now."""
        image = self.image_input.image
        if image is None:
            raise NoImageError("No image yet.")
        kwargs = dict(image=image, prompt=self.prompt_input.prompt, model=self.parameters.model,
                      seed=int(self.parameters.seed), history=self.history,
                      backend_options=self.parameters.backend_options(),
                      **self.parameters.values())
        if self.last_input.image is not None and self.parameters.can("last_frame"):
            kwargs["last_image"] = self.last_input.image
        if self.loop_box.value and not self.loop_box.disabled:
            kwargs["loop"] = True
        return kwargs

    def edit(self, kind: str, *, wait: bool = False, timeout: float | None = 300.0) -> Any:
        """Run one of the result's edit buttons (:data:`EDITS`) on the clip shown: the public
        function in a thread, with progress and Stop, the new clip saved to the history with its
        ``parent``. With ``wait=True`` block until it is done and return the new clip."""
        import i2v_nb

        clip = self.preview.clip
        if kind not in EDITS:
            raise ValueError(f"unknown edit {kind!r}; use one of {', '.join(EDITS)}")
        if clip is None:
            self.notice.value = message_html("error", "Make a clip first (Generate), or pick one "
                                                      "in the Gallery.")
            return None
        history = self.history

        def job(progress: Any = None, stop: Any = None) -> Any:
            steps = progress if progress is not None else False
            if kind == "extend":
                return i2v_nb.extend(clip, seconds=2, progress=progress, stop=stop,
                                     history=history)
            if kind == "interpolate":
                out = i2v_nb.interpolate(clip, factor=2, progress=steps, stop=stop)
            else:
                out = i2v_nb.upscale(clip, scale=2, progress=steps, stop=stop)
            out.metadata["history_id"] = history.add(out)
            return out

        self.run_controls.start(job=job, label=EDITS[kind][1])
        if wait:
            self.run_controls.wait(timeout)
            return self.run_controls.clip
        return None

    def generate(self, *, wait: bool = False, timeout: float | None = 300.0) -> Any:
        """Click Generate; with ``wait=True`` block until the clip is done and return it."""
        self.run_controls.start()
        if wait:
            self.run_controls.wait(timeout)
            return self.run_controls.clip
        return None

    def stop(self) -> None:
        """Click Stop."""
        self.run_controls.stop()

    def wait(self, timeout: float | None = 300.0) -> bool:
        """Wait for the running generation (if any)."""
        return self.run_controls.wait(timeout)

    # -- wiring --------------------------------------------------------------------------------
    def _on_model(self) -> None:
        """Offer the last frame and the loop only where the chosen model can take them."""
        from i2v_nb.synthesis.registry import models

        p = self.parameters.preset
        can_last = self.parameters.can("last_frame")
        if can_last:
            self.last_note.value = message_html("info", f"{p.name} can end on this picture.")
        else:
            able = [m.name for m in models(can="last_frame", include_tiny=False)]
            self.last_note.value = message_html(
                "warning", f"{p.name} cannot take a last frame, so a picture here is not used; "
                           f"models that can: {', '.join(able)}.")
        self.loop_box.disabled = not (p.backend == "preview" or can_last)
        self.loop_box.description = "Loop (seamless)" if not self.loop_box.disabled else \
            "Loop (this model cannot)"

    def _on_image(self, change: dict) -> None:
        image = change["new"]
        self.prompt_input.image = image
        if image is not None:
            self.parameters.aspect = image.size[0] / max(1, image.size[1])

    def _on_new_clip(self, change: dict) -> None:
        clip = change["new"]
        if clip is None:
            return
        self._clear_notice()
        self.clip = clip
        self.preview.clip = clip
        self.diagnostics.clip = clip
        self.gallery.refresh()

    def _on_gallery_selected(self, change: dict) -> None:
        entry_id = change["new"]
        if not entry_id:
            return
        current = self.diagnostics.clip
        if current is not None and current.metadata.get("history_id") == entry_id:
            self._clear_notice()
            return
        try:
            clip = self.history.load(entry_id)
        except Exception as exc:  # noqa: BLE001
            self.notice.value = message_html("error", f"Could not load {entry_id}: {exc}")
            return
        self._clear_notice()
        self.diagnostics.clip = clip

    def _clear_notice(self) -> None:
        """Forget the Studio-wide notice (a re-run's note, a load error): each new image, clip
        or clip picked in the Gallery redraws it."""
        self.notice.value = ""

    def _diagnose(self, entry: Any) -> None:
        self.tabs.selected_index = TAB_TITLES.index("Diagnostics")
        if self.diagnostics.report is None:
            self.diagnostics.run()

    def _on_tab(self, change: dict) -> None:
        if change["new"] == TAB_TITLES.index("Gallery"):
            self.gallery.refresh()
        elif change["new"] == TAB_TITLES.index("Diagnostics"):
            # opening the tab measures the selected clip once (a few seconds, in a thread)
            if self.diagnostics.clip is not None and self.diagnostics.report is None:
                self.diagnostics.run()

    def rerun(self, entry: Any) -> list[str]:
        """Fill the Create tab with a history entry's image, prompt, model, seed and parameters
        (the Gallery's Re-run); change what you like and click Generate. Returns notes."""
        notes: list[str] = []
        if entry.source_path is not None:
            self.image_input.load(entry.source_path, label=f"source of {entry.id}")
        else:
            notes.append("its source image was not saved; keeping the current image")
        self.prompt_input.prompt = entry.prompt
        notes += self.parameters.set_values(model=entry.model or None, seed=entry.seed,
                                            params=entry.metadata.get("params") or {})
        self.tabs.selected_index = TAB_TITLES.index("Create")
        text = f"Loaded the settings of {entry.id}: change what you like and click Generate."
        if notes:
            text += "\n" + "\n".join(notes)
        self.notice.value = message_html("info", text)
        return notes
