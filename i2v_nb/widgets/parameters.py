"""``Parameters``: model, resolution, frames, fps, steps, guidance, the model's knobs, memory
profile and seed — built from the chosen preset's rules so that illegal values cannot be picked.

>>> from i2v_nb.widgets import Parameters
>>> params = Parameters(model="preview")
>>> params.frames.value = 30
>>> params.values()["num_frames"]
30

The controls come from the chosen preset's data alone (:func:`i2v_nb.get_model`; the CPU preview
engine is a preset like the others, and nothing here branches on a model's name): frame counts
step in the preset's ``k·step+1`` over its legal range, at most its ``ui_max_frames`` (a value
typed into a slider's readout is snapped to the nearest legal count), resolutions are the legal
sizes for the image's aspect ratio (:meth:`ModelPreset.fit_size`, or "from the image" and a few
long sides for presets whose sizes follow the picture), fixed-size models offer only their sizes,
knobs get sliders over their legal range (``advanced`` knobs none), steps and guidance only where
the model uses them, the memory profile only where the backend reads it. Only models that can run
here are offered (those that need no GPU always); the others are listed with the reason.
"""

from __future__ import annotations

import math
import secrets
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import traitlets

from i2v_nb.widgets._common import escape, style_widget
from i2v_nb.widgets._compat import fill_tooltips, tooltip_kwargs

if TYPE_CHECKING:  # pragma: no cover
    from i2v_nb.synthesis.preset import ModelPreset

__all__ = ["Parameters", "runnable_models", "legal_frames", "resolution_options",
           "capabilities_html"]
_SEED_MAX = 2**31 - 1
#: Resolution choices of presets whose sizes follow the picture: these multiples of its long side.
_LONG_SIDE_SCALES = (0.5, 0.75, 1.25, 1.5)
#: Resolution choices of the others: these fractions of the default area (:meth:`fit_size`).
_AREA_FRACTIONS = (1.0, 0.5, 0.25)


def runnable_models(*, include_tiny: bool = False) -> tuple[list[ModelPreset], dict[str, str]]:
    """Split the registry into the presets that can run here and the others with the reason.

    Presets that need no GPU (``preset.needs_gpu``: the preview engine, and the tiny
    random-weight twins, offered with ``include_tiny=True`` for tests and demos) always run; the
    others need a CUDA GPU.

    Returns:
        ``(runnable presets, {name: why not})``.
    """
    from i2v_nb.synthesis.generate import cuda_available
    from i2v_nb.synthesis.plan import profile_needs
    from i2v_nb.synthesis.registry import models

    gpu = cuda_available()
    ok, why = [], {}
    for preset in models(include_tiny=include_tiny):
        if not preset.needs_gpu:
            ok.append(preset)
        elif not gpu:
            need = profile_needs(preset)["vram_gb"].get("low-vram")
            why[preset.name] = "needs a CUDA GPU" + (f" (≥ {need:g} GB)" if need else "")
        else:
            ok.append(preset)
    return ok, why


def capabilities_html(preset: ModelPreset) -> str:
    """The line under the model: what it can take besides the first frame, in words.

    >>> from i2v_nb.synthesis.registry import get_model
    >>> "a last frame" in capabilities_html(get_model("framepack"))
    True
    """
    from i2v_nb.synthesis.capabilities import CAPABILITIES, CAPABILITY_WORDS

    extra = [CAPABILITY_WORDS[c] for c in CAPABILITIES
             if c in preset.capabilities and c != "text_prompt"]
    text = ("can also take: " + ", ".join(extra)) if extra else \
        "starts from the first frame only (no last frame or keyframes)"
    if preset.superseded_by:
        text += f" · superseded by {preset.superseded_by}"
    return f'<small class="i2v-capabilities-text">{escape(text)}</small>'


def _frame_range(preset: ModelPreset, *,
                 latent_window_size: int | None = None) -> tuple[int, int]:
    """The slider range: :meth:`ModelPreset.frame_range`, up to the largest legal count not
    above ``preset.ui_max_frames`` (a slider needs a sane range)."""
    lo, hi = preset.frame_range(latent_window_size=latent_window_size)
    cap = preset.ui_max_frames
    if cap is not None and cap < hi:
        step = preset.frame_stride(latent_window_size=latent_window_size)
        hi = max(lo, lo + (cap - lo) // step * step)
    return lo, hi


def legal_frames(preset: ModelPreset, n: int, *, latent_window_size: int | None = None) -> int:
    """The legal frame count of ``preset`` nearest to ``n`` (ties go up) that a frame slider
    offers, without warnings — :meth:`ModelPreset.snap_frames`, the rule
    :meth:`ModelPreset.validate` applies, within the slider's range.

    >>> from i2v_nb.synthesis.registry import get_model
    >>> legal_frames(get_model("wan2.1-i2v-480p"), 50), legal_frames(get_model("ltx-video"), 12)
    (49, 9)
    >>> legal_frames(get_model("preview"), 500)  # the preview takes 1000; the slider offers 240
    240
    """
    snapped = preset.snap_frames(int(n), latent_window_size=latent_window_size)
    if preset.fixed_frames is not None:
        return snapped
    lo, hi = _frame_range(preset, latent_window_size=latent_window_size)
    return int(min(max(snapped, lo), hi))


def resolution_options(preset: ModelPreset, aspect: float | None) -> list[tuple[str, Any]]:
    """``(label, (width, height) or "auto")`` choices for a preset and an image aspect ratio.

    Every choice is legal for the preset: fixed-size presets get their fixed sizes; presets whose
    sizes follow the picture (``preset.sizes_from_image``: the preview engine) get "from the
    image" (``"auto"``) and a few long sides (:meth:`ModelPreset.size_for_aspect`); the others
    get sizes from :meth:`ModelPreset.fit_size` at 100 %, 50 % and 25 % of the default area.
    """
    aspect = float(aspect) if aspect and aspect > 0 and math.isfinite(aspect) else None
    if preset.fixed_sizes is not None:
        return [(f"{w}×{h}", (w, h)) for w, h in preset.fixed_sizes]
    if preset.sizes_from_image:
        long_side = int(preset.auto_long_side or 0)
        out: list[tuple[str, Any]] = [(f"from the image (long side {long_side})", "auto")]
        a = aspect or 16 / 9
        for scale in _LONG_SIDE_SCALES:
            side = int(long_side * scale)
            w, h = preset.size_for_aspect(a, width=side) if a >= 1 else \
                preset.size_for_aspect(a, height=side)
            out.append((f"{w}×{h}", (w, h)))
        return out
    default = (int(preset.defaults["width"]), int(preset.defaults["height"]))
    sizes = []
    if aspect is not None:
        area = default[0] * default[1]
        for frac in _AREA_FRACTIONS:
            size = preset.fit_size(aspect, max_pixels=max(1, int(area * frac)))
            if size not in sizes:
                sizes.append(size)
    if default not in sizes:
        sizes.append(default)
    return [(f"{w}×{h}" + (" (model default)" if (w, h) == default else ""), (w, h))
            for w, h in sizes]


class Parameters(W.VBox):
    """Model and parameter controls whose choices follow the chosen preset's rules.

    Attributes (traitlets):
        model: the chosen preset name.
        seed: the random seed.
        aspect: width / height of the input image (sets the resolution choices).

    Args:
        model: initial preset (must be runnable here; falls back to ``"preview"``).
        include_tiny: also offer the tiny random-weight twins (tests, demos).
    """

    model = traitlets.Unicode("preview")
    seed = traitlets.Int(0)
    aspect = traitlets.Float(16 / 9)

    def __init__(self, *, model: str = "preview", include_tiny: bool = False,
                 **kwargs: Any) -> None:
        self._presets, self.unavailable = runnable_models(include_tiny=include_tiny)
        names = [p.name for p in self._presets]
        labels = [(f"{p.name} — {p.description.split(':')[0]}"[:70], p.name)
                  for p in self._presets]
        if model not in names:
            model = "preview"
        self.model_select = W.Dropdown(options=labels, value=model, description="Model",
                                       layout=W.Layout(width="auto"))
        self.model_select.add_class("i2v-model")
        by_reason: dict[str, list[str]] = {}
        for name, reason in self.unavailable.items():
            by_reason.setdefault(reason.split(" (")[0], []).append(name)
        why = "; ".join(f"{', '.join(names)} ({reason})" for reason, names in by_reason.items())
        self.unavailable_note = W.HTML(
            f'<small class="i2v-unavailable">Not available here: {escape(why)}</small>'
            if why else "")
        self.rules = W.HTML("")
        self.rules.add_class("i2v-rules")
        self.capabilities_note = W.HTML("")
        self.capabilities_note.add_class("i2v-capabilities")
        self.controls = W.VBox([])
        self.controls.add_class("i2v-param-controls")
        self.seed_box = W.BoundedIntText(value=0, min=0, max=_SEED_MAX, description="Seed",
                                         layout=W.Layout(width="220px"))
        self.seed_box.add_class("i2v-seed")
        self.new_seed_button = W.Button(description="New seed", icon="random",
                                        layout=W.Layout(width="auto", min_width="110px",
                                                        flex="0 0 auto"),
                                        **tooltip_kwargs(W.Button, "pick a random seed"))
        self.new_seed_button.add_class("i2v-new-seed")
        from i2v_nb.synthesis.memory import PROFILES

        self.profile = W.Dropdown(options=["auto", *PROFILES], value="auto",
                                  description="Memory", layout=W.Layout(width="220px"),
                                  **tooltip_kwargs(W.Dropdown, "GPU memory profile: fast (most "
                                                               "VRAM) → low-vram"))
        self.profile.add_class("i2v-profile")
        self.step_previews = W.Checkbox(value=True, description="step previews",
                                        indent=False, layout=W.Layout(width="140px"))
        self.step_previews.add_class("i2v-step-previews")
        from i2v_nb.widgets._compat import titled
        from i2v_nb.widgets.speed import SpeedControls

        self.speed = SpeedControls()
        self.speed_section = titled(W.Accordion, [self.speed], ["Speed"], selected_index=None)
        self.speed_section.add_class("i2v-speed-section")

        self.knob_widgets: dict[str, W.Widget] = {}
        self.model_select.observe(lambda c: setattr(self, "model", c["new"]), names="value")
        self.seed_box.observe(lambda c: setattr(self, "seed", int(c["new"])), names="value")
        self.new_seed_button.on_click(lambda _b: self.new_seed())
        super().__init__(children=[self.model_select, self.unavailable_note, self.rules,
                                   self.capabilities_note, self.controls,
                                   W.HBox([self.seed_box, self.new_seed_button],
                                          layout=W.Layout(flex_flow="row wrap")),
                                   W.HBox([self.profile, self.step_previews],
                                          layout=W.Layout(flex_flow="row wrap")),
                                   self.speed_section], **kwargs)
        self.add_class("i2v-parameters")
        self.add_class("i2v-part")
        self.children = (style_widget(), *self.children)
        self.model = model
        self._build()

    # -- the preset ----------------------------------------------------------------------------
    def can(self, capability: str) -> bool:
        """Whether the chosen model has ``capability`` (``"last_frame"``, ``"keyframes"``…)."""
        return capability in self.preset.capabilities

    @property
    def preset(self) -> ModelPreset:
        """The chosen :class:`~i2v_nb.synthesis.registry.ModelPreset`."""
        from i2v_nb.synthesis.registry import get_model

        return get_model(self.model)

    @traitlets.validate("model")
    def _valid_model(self, proposal: dict) -> str:
        name = proposal["value"]
        if name not in [p.name for p in self._presets]:
            reason = self.unavailable.get(name, "not in the registry")
            raise traitlets.TraitError(f"model {name!r} cannot be chosen here: {reason}")
        return name

    @traitlets.observe("model")
    def _on_model(self, change: dict) -> None:
        if self.model_select.value != change["new"]:
            self.model_select.value = change["new"]
        self._build()

    @traitlets.observe("aspect")
    def _on_aspect(self, change: dict) -> None:
        self._build_resolution()

    @traitlets.observe("seed")
    def _on_seed(self, change: dict) -> None:
        if self.seed_box.value != change["new"]:
            self.seed_box.value = int(change["new"])

    def new_seed(self) -> int:
        """Pick a fresh random seed (what the "New seed" button does)."""
        self.seed = secrets.randbelow(_SEED_MAX)
        return self.seed

    def _build(self) -> None:
        p = self.preset
        d = p.defaults
        rows: list[W.Widget] = []
        self.resolution = W.Dropdown(description="Resolution", layout=W.Layout(width="auto"))
        self.resolution.add_class("i2v-resolution")
        self._build_resolution()
        rows.append(self.resolution)

        lo, hi = _frame_range(p)
        if p.fixed_frames is not None and len(p.fixed_frames) > 0:
            self.frames = W.Dropdown(options=list(p.fixed_frames),
                                     value=legal_frames(p, int(d["num_frames"])),
                                     description="Frames", disabled=len(p.fixed_frames) == 1)
        else:
            self.frames = W.IntSlider(value=legal_frames(p, int(d["num_frames"])), min=lo,
                                      max=hi, step=p.frame_stride(), description="Frames",
                                      continuous_update=False)
            self.frames.observe(self._snap_frames, names="value")
        self.frames.add_class("i2v-frames")
        rows.append(self.frames)

        fps_default = float(d.get("fps") or 8)
        if p.fps_conditions:
            self.fps = W.IntSlider(value=int(round(fps_default)), min=1, max=60,
                                   description="FPS", continuous_update=False)
        else:
            self.fps = W.FloatSlider(value=fps_default, min=1, max=60, step=1,
                                     description="FPS", continuous_update=False)
        self.fps.add_class("i2v-fps")
        rows.append(self.fps)

        self.steps = self.guidance = None
        if "num_inference_steps" not in p.ignored_params:
            self.steps = W.IntSlider(value=int(d["num_inference_steps"]), min=1, max=100,
                                     description="Steps", continuous_update=False)
            self.steps.add_class("i2v-steps")
            rows.append(self.steps)
        if "guidance_scale" not in p.ignored_params:
            self.guidance = W.FloatSlider(value=float(d["guidance_scale"]), min=0.0,
                                          max=max(15.0, float(d["guidance_scale"])), step=0.5,
                                          description="Guidance", continuous_update=False)
            self.guidance.add_class("i2v-guidance")
            rows.append(self.guidance)

        self.knob_widgets = {}
        for name, knob in p.knobs.items():
            value = d.get(name, knob.default)
            if value is None or knob.advanced:  # decided at run time, or a keyword only
                continue
            style = {"description_width": "initial"}
            if knob.kind == "bool":
                w: W.Widget = W.Checkbox(value=bool(value), description=name, indent=False,
                                         **tooltip_kwargs(W.Checkbox, knob.help))
            elif knob.kind == "int":
                w = W.IntSlider(value=int(value), min=int(knob.low if knob.low is not None else 0),
                                max=int(knob.high if knob.high is not None else 100),
                                description=name, style=style, continuous_update=False,
                                **tooltip_kwargs(W.IntSlider, knob.help))
            else:
                lo_k = float(knob.low if knob.low is not None else 0.0)
                hi_k = float(knob.high if knob.high is not None else 1.0)
                w = W.FloatSlider(value=float(value), min=lo_k, max=hi_k,
                                  step=(hi_k - lo_k) / 100 or 0.01, description=name,
                                  style=style, continuous_update=False,
                                  **tooltip_kwargs(W.FloatSlider, knob.help))
            w.add_class(f"i2v-knob-{name}")
            self.knob_widgets[name] = w
            rows.append(w)
        self.controls.children = rows
        lws = self.knob_widgets.get("latent_window_size")
        if lws is not None and getattr(p, "sectioned", False):
            lws.observe(self._on_window, names="value")
        self.profile.disabled = "profile" not in p.backend_options
        vram = "none (CPU)"
        if p.needs_gpu:
            from i2v_nb.synthesis.plan import profile_needs

            needs = profile_needs(p)
            vram = ", ".join(f"{k} {v:g} GB" for k, v in needs["vram_gb"].items() if v) + \
                " (planned: i2v_nb.plan)"
        frame_rule = p.frame_rule
        if p.fixed_frames is None and p.frame_stride() == 1:  # every count in a range: which
            frame_rule = "{}–{}".format(*p.frame_range())
        self.rules.value = (f'<small class="i2v-rules-text">{escape(p.description)}<br>'
                            f"frames: {escape(frame_rule)} · size: {escape(p.size_rule)}"
                            f" · text prompt: {'yes' if p.uses_prompt else 'no (motion knobs)'}"
                            f" · VRAM: {escape(vram)}</small>")
        self.capabilities_note.value = capabilities_html(p)
        self.speed.enable(p.backend == "diffusers",
                          f"{p.name} has no speed switches: they are for diffusers models.")
        fill_tooltips(self)  # the controls made above (None would show as "null")

    def _build_resolution(self) -> None:
        if not hasattr(self, "resolution"):
            return
        options = resolution_options(self.preset, self.aspect)
        old = self.resolution.value if self.resolution.options else None
        self.resolution.options = options
        values = [v for _l, v in options]
        self.resolution.value = old if old in values else values[0]

    def _window(self) -> int | None:
        w = self.knob_widgets.get("latent_window_size")
        return int(w.value) if w is not None else None

    def _snap_frames(self, change: dict) -> None:
        legal = legal_frames(self.preset, int(change["new"]), latent_window_size=self._window())
        if legal != change["new"]:
            self.frames.value = legal

    def _on_window(self, change: dict) -> None:
        """FramePack: a new section length changes the legal frame counts."""
        p = self.preset
        lo, hi = _frame_range(p, latent_window_size=int(change["new"]))
        value = legal_frames(p, int(self.frames.value), latent_window_size=int(change["new"]))
        with self.frames.hold_trait_notifications():
            self.frames.min, self.frames.max = min(lo, self.frames.min), max(hi, self.frames.max)
            self.frames.step = p.frame_stride(latent_window_size=int(change["new"]))
            self.frames.value = value
            self.frames.min, self.frames.max = lo, hi

    # -- reading and writing values ------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The model parameters for :func:`i2v_nb.generate` (``**params``)."""
        out: dict[str, Any] = {"num_frames": int(self.frames.value), "fps": self.fps.value}
        size = self.resolution.value
        if size != "auto":
            out["width"], out["height"] = int(size[0]), int(size[1])
        if self.steps is not None:
            out["num_inference_steps"] = int(self.steps.value)
        if self.guidance is not None:
            out["guidance_scale"] = float(self.guidance.value)
        for name, w in self.knob_widgets.items():
            out[name] = w.value
        return out

    def backend_options(self) -> dict[str, Any]:
        """``backend_options`` for :func:`i2v_nb.generate`: the memory profile and step previews,
        for a backend that reads them (``preset.backend_options``)."""
        values = {"profile": self.profile.value, "previews": bool(self.step_previews.value)}
        out = {k: v for k, v in values.items() if k in self.preset.backend_options}
        if self.preset.backend == "diffusers":
            out.update(self.speed.values())  # the speed switches (Speed section)
        return out

    def set_values(self, *, model: str | None = None, seed: int | None = None,
                   params: dict[str, Any] | None = None) -> list[str]:
        """Set the controls from a previous clip's settings (the Gallery's "Re-run").

        Values that the chosen preset's controls cannot take are snapped to legal ones.

        Returns:
            notes about what could not be set as it was.
        """
        notes: list[str] = []
        if model is not None:
            try:
                self.model = model
            except traitlets.TraitError as exc:
                notes.append(str(exc) + "; kept " + self.model)
        if seed is not None:
            self.seed = int(seed) % (_SEED_MAX + 1)
        params = dict(params or {})
        for name, widget in self.knob_widgets.items():  # knobs first: FramePack's frame rule
            if params.get(name) is not None:
                value = params[name]
                if hasattr(widget, "min"):
                    value = max(widget.min, min(widget.max, value))
                widget.value = value
        if "num_frames" in params:
            self.frames.value = legal_frames(self.preset, int(params["num_frames"]),
                                             latent_window_size=self._window())
        if params.get("fps"):
            self.fps.value = max(self.fps.min, min(self.fps.max, params["fps"]))
        w, h = params.get("width"), params.get("height")
        if w and h:
            size = (int(w), int(h))
            values = [v for _l, v in self.resolution.options]
            if size not in values:
                self.resolution.options = [*self.resolution.options, (f"{w}×{h}", size)] if \
                    self.preset.fixed_sizes is None else self.resolution.options
            if size in [v for _l, v in self.resolution.options]:
                self.resolution.value = size
            else:
                notes.append(f"size {w}×{h} is not legal for {self.model}")
        for key, widget in (("num_inference_steps", self.steps), ("guidance_scale", self.guidance)):
            if widget is not None and params.get(key) is not None:
                widget.value = max(widget.min, min(widget.max, params[key]))
        return notes
