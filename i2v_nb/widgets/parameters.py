"""``Parameters``: model, resolution, frames, fps, steps, guidance, the model's knobs, memory
profile and seed — built from the chosen preset's rules so that illegal values cannot be picked.

>>> from i2v_nb.widgets import Parameters
>>> params = Parameters(model="preview")
>>> params.frames.value = 30
>>> params.values()["num_frames"]
30

The controls come from :func:`i2v_nb.get_model`: frame counts step in the preset's ``k·step+1``
(a value typed into a slider's readout is snapped to the nearest legal count), resolutions are
the legal sizes for the image's aspect ratio (:meth:`ModelPreset.fit_size`), fixed-size models
offer only their sizes, knobs get sliders over their legal range. Only models that can run here
are offered (the CPU preview engine always); the others are listed with the reason.
"""

from __future__ import annotations

import math
import secrets
from typing import Any

import ipywidgets as W
import traitlets

from i2v_nb.widgets._common import escape, style_widget
from i2v_nb.widgets._compat import tooltip_kwargs

__all__ = ["Parameters", "runnable_models", "legal_frames", "resolution_options"]

_PROFILES = ("auto", "fast", "balanced", "low-vram")
_PREVIEW_MAX_FRAMES = 240  # the preview engine takes up to 1000; a slider needs a sane range
_SEED_MAX = 2**31 - 1


def runnable_models(*, include_tiny: bool = False) -> tuple[list[Any], dict[str, str]]:
    """Split the registry into the presets that can run here and the others with the reason.

    The preview engine always runs; diffusers models need a CUDA GPU (their tiny random-weight
    twins run on a CPU and are offered with ``include_tiny=True``, for tests and demos).

    Returns:
        ``(runnable presets, {name: why not})``.
    """
    from i2v_nb.synthesis.generate import cuda_available
    from i2v_nb.synthesis.registry import models

    gpu = cuda_available()
    ok, why = [], {}
    for preset in models(include_tiny=include_tiny):
        if preset.backend == "preview" or preset.is_tiny:
            ok.append(preset)
        elif not gpu:
            need = preset.vram_gb.get("low-vram")
            why[preset.name] = "needs a CUDA GPU" + (f" (≥ {need:g} GB)" if need else "")
        else:
            ok.append(preset)
    return ok, why


def _frame_step(preset: Any, latent_window_size: int | None = None) -> int:
    """The slider step: the preset's :meth:`~ModelPreset.frame_stride` (1 for the preview)."""
    if preset.backend == "preview":
        return 1
    return preset.frame_stride(latent_window_size=latent_window_size)


def legal_frames(preset: Any, n: int, *, latent_window_size: int | None = None) -> int:
    """The legal frame count of ``preset`` nearest to ``n`` (ties go up), without warnings —
    :meth:`ModelPreset.snap_frames`, the rule :meth:`ModelPreset.validate` applies.

    >>> from i2v_nb.synthesis.registry import get_model
    >>> legal_frames(get_model("wan2.1-i2v-480p"), 50), legal_frames(get_model("ltx-video"), 12)
    (49, 9)
    """
    if preset.backend == "preview":
        lo, hi = _frame_range(preset)
        return int(min(max(int(n), lo), hi))
    return preset.snap_frames(int(n), latent_window_size=latent_window_size)


def _frame_range(preset: Any, *, latent_window_size: int | None = None) -> tuple[int, int]:
    """The slider range: :meth:`ModelPreset.frame_range` (1 to 240 for the preview)."""
    if preset.backend == "preview":
        return 1, _PREVIEW_MAX_FRAMES
    return preset.frame_range(latent_window_size=latent_window_size)


def _even(v: float) -> int:
    return max(16, int(round(v / 2.0)) * 2)


def resolution_options(preset: Any, aspect: float | None) -> list[tuple[str, Any]]:
    """``(label, (width, height) or "auto")`` choices for a preset and an image aspect ratio.

    Every choice is legal for the preset: the preview engine takes even sizes (``None`` = from
    the image, long side 512: ``"auto"``); diffusers presets get their fixed sizes, or sizes from
    :meth:`ModelPreset.fit_size` at 100 %, 50 % and 25 % of the default area.
    """
    aspect = float(aspect) if aspect and aspect > 0 and math.isfinite(aspect) else None
    if preset.backend == "preview":
        out: list[tuple[str, Any]] = [("from the image (long side 512)", "auto")]
        for long_side in (256, 384, 640, 768):
            a = aspect or 16 / 9
            w, h = (long_side, _even(long_side / a)) if a >= 1 else (_even(long_side * a),
                                                                       long_side)
            out.append((f"{w}×{h}", (w, h)))
        return out
    if preset.fixed_sizes is not None:
        return [(f"{w}×{h}", (w, h)) for w, h in preset.fixed_sizes]
    default = (int(preset.defaults["width"]), int(preset.defaults["height"]))
    sizes = []
    if aspect is not None:
        area = default[0] * default[1]
        for frac in (1.0, 0.5, 0.25):
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
        self.controls = W.VBox([])
        self.controls.add_class("i2v-param-controls")
        self.seed_box = W.BoundedIntText(value=0, min=0, max=_SEED_MAX, description="Seed",
                                         layout=W.Layout(width="220px"))
        self.seed_box.add_class("i2v-seed")
        self.new_seed_button = W.Button(description="New seed", icon="random",
                                        layout=W.Layout(width="110px"),
                                        **tooltip_kwargs(W.Button, "pick a random seed"))
        self.new_seed_button.add_class("i2v-new-seed")
        self.profile = W.Dropdown(options=list(_PROFILES), value="auto",
                                  description="Memory", layout=W.Layout(width="220px"),
                                  **tooltip_kwargs(W.Dropdown, "GPU memory profile: fast (most "
                                                               "VRAM) → low-vram"))
        self.profile.add_class("i2v-profile")
        self.step_previews = W.Checkbox(value=True, description="step previews",
                                        indent=False, layout=W.Layout(width="140px"))
        self.step_previews.add_class("i2v-step-previews")

        self.knob_widgets: dict[str, W.Widget] = {}
        self.model_select.observe(lambda c: setattr(self, "model", c["new"]), names="value")
        self.seed_box.observe(lambda c: setattr(self, "seed", int(c["new"])), names="value")
        self.new_seed_button.on_click(lambda _b: self.new_seed())
        super().__init__(children=[self.model_select, self.unavailable_note, self.rules,
                                   self.controls,
                                   W.HBox([self.seed_box, self.new_seed_button]),
                                   W.HBox([self.profile, self.step_previews])], **kwargs)
        self.add_class("i2v-parameters")
        self.add_class("i2v-part")
        self.children = (style_widget(), *self.children)
        self.model = model
        self._build()

    # -- the preset ----------------------------------------------------------------------------
    @property
    def preset(self) -> Any:
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
                                      max=hi, step=_frame_step(p), description="Frames",
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
        if p.backend != "preview":
            self.steps = W.IntSlider(value=int(d["num_inference_steps"]), min=1, max=100,
                                     description="Steps", continuous_update=False)
            self.steps.add_class("i2v-steps")
            self.guidance = W.FloatSlider(value=float(d["guidance_scale"]), min=0.0,
                                          max=max(15.0, float(d["guidance_scale"])), step=0.5,
                                          description="Guidance", continuous_update=False)
            self.guidance.add_class("i2v-guidance")
            rows += [self.steps, self.guidance]

        self.knob_widgets = {}
        for name, knob in p.knobs.items():
            value = d.get(name, knob.default)
            if value is None:  # decided at run time (by profile / the model): no control
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
        self.profile.disabled = p.backend == "preview"
        vram = ", ".join(f"{k} {v:g} GB" for k, v in p.vram_gb.items()) if \
            p.backend != "preview" else "none (CPU)"
        preview = p.backend == "preview"
        frame_rule = "1–1000" if preview else p.frame_rule
        size_rule = "even sizes" if preview else p.size_rule
        self.rules.value = (f'<small class="i2v-rules-text">{escape(p.description)}<br>'
                            f"frames: {escape(frame_rule)} · size: {escape(size_rule)}"
                            f" · text prompt: {'yes' if p.uses_prompt else 'no (motion knobs)'}"
                            f" · VRAM: {escape(vram)}</small>")

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
            self.frames.step = _frame_step(p, int(change["new"]))
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
        """``backend_options`` for :func:`i2v_nb.generate` (memory profile, step previews)."""
        if self.preset.backend == "preview":
            return {}
        return {"profile": self.profile.value, "previews": bool(self.step_previews.value)}

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
                    self.preset.backend == "preview" or self.preset.fixed_sizes is None else \
                    self.resolution.options
            if size in [v for _l, v in self.resolution.options]:
                self.resolution.value = size
            else:
                notes.append(f"size {w}×{h} is not legal for {self.model}")
        for key, widget in (("num_inference_steps", self.steps), ("guidance_scale", self.guidance)):
            if widget is not None and params.get(key) is not None:
                widget.value = max(widget.min, min(widget.max, params[key]))
        return notes
