"""The validation engine: a user's request -> the parameters a model will really use.

:func:`validate_params` (what :meth:`ModelPreset.validate <i2v_nb.synthesis.preset.ModelPreset.validate>`
runs) reads a preset's rule data through its rule methods (``snap_size``, ``snap_frames``...):
values are snapped to the nearest legal value with a :class:`ParameterSnapped` warning that says
what changed; impossible requests raise :class:`~i2v_nb.errors.ParameterError` naming the rule.
Numbers are read by the one parser of the synthesis layer (:mod:`i2v_nb.synthesis.numbers`:
``check_number``, ``check_fps``, ``show_value``, re-exported here); the global limits every
engine shares are here (:data:`MAX_SIDE`, :data:`MAX_FRAMES`, :data:`MAX_STEPS`,
:data:`MAX_GUIDANCE`).

>>> check_fps(12), show_value(10**20)
(12.0, '1e+20')
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from i2v_nb.errors import I2VWarning, ParameterError
from i2v_nb.synthesis.numbers import check_fps, check_number, check_whole_number, show_value

if TYPE_CHECKING:  # pragma: no cover
    from i2v_nb.synthesis.preset import Knob, ModelPreset

__all__ = [
    "validate_params",
    "ParameterSnapped",
    "PromptIgnored",
    "MAX_SIDE",
    "MAX_FRAMES",
    "MAX_STEPS",
    "MAX_GUIDANCE",
    "check_fps",
    "show_value",
]

#: Largest side (px) any request may ask for: larger ones are typos, not sizes to snap down.
MAX_SIDE = 16384
#: Most frames any request may ask for (larger counts are refused, smaller ones snapped).
MAX_FRAMES = 100_000
#: Most denoising steps: DDIM/DDPM-style schedulers refuse more steps than their 1000 training
#: timesteps, and no model needs more.
MAX_STEPS = 1000
#: Largest guidance scale: far above every model's useful range (1-15); more only saturates.
MAX_GUIDANCE = 100.0


class ParameterSnapped(I2VWarning):
    """A generation parameter was moved to the nearest value the model accepts."""


class PromptIgnored(I2VWarning):
    """A text prompt was given to a model that does not read text (e.g. Stable Video Diffusion)."""


def validate_params(preset: ModelPreset, **params: Any) -> dict[str, Any]:
    """Return the parameters the pipeline will really use.

    Missing (or ``None``) values take the preset's defaults. Values that break a rule but have
    a nearest legal value are snapped, with one :class:`ParameterSnapped` warning per change
    naming the old value, the new one and the rule. A text prompt for a model that ignores
    text gives :class:`PromptIgnored` and is dropped.

    Args:
        preset: the model whose rules apply.
        **params: any of ``preset.param_names`` (``width``, ``height``, ``num_frames``, ``fps``,
            ``num_inference_steps``, ``guidance_scale``, ``prompt``, ``negative_prompt`` and
            the preset's knobs).

    Returns:
        dict with every common parameter (and every knob) filled in; ``prompt`` and
        ``negative_prompt`` only when the model reads text and they were given.

    Raises:
        ParameterError: unknown keys, non-numbers (huge integers included), zero or negative
            sizes, frames, steps or fps; sides over :data:`MAX_SIDE`, more than
            :data:`MAX_FRAMES` frames or :data:`MAX_STEPS` steps; an fps the video writer
            cannot encode (:func:`check_fps`); guidance outside 0 to :data:`MAX_GUIDANCE`.

    >>> from i2v_nb.synthesis.registry import get_model
    >>> validate_params(get_model("ltx-video"), num_frames=97)["num_frames"]
    97
    """
    if preset.backend == "preview":
        from i2v_nb.synthesis.preview import validate_preview_params

        return validate_preview_params(**params)

    unknown = sorted(set(params) - set(preset.param_names))
    if unknown:
        raise ParameterError(
            f"{preset.name} does not take parameter(s) {', '.join(map(repr, unknown))}; "
            f"it accepts: {', '.join(preset.param_names)}")
    p = {k: v for k, v in params.items() if v is not None}
    out: dict[str, Any] = {}

    # --- prompt
    for key in ("prompt", "negative_prompt"):
        if key not in p:
            continue
        text = p[key]
        if not isinstance(text, str):
            raise ParameterError(f"{key} must be a string, got {type(text).__name__}")
        if not preset.uses_prompt:
            if text.strip():
                _warn(PromptIgnored(
                    f"{preset.name} does not read a text prompt; the {key} {text[:60]!r} is "
                    "ignored. Steer its motion with its knobs "
                    f"({', '.join(preset.knobs) or 'none'}) or pick a text-driven model."))
            continue
        out[key] = text

    # --- size
    width = _as_int(p.get("width", preset.defaults["width"]), "width", preset.name)
    height = _as_int(p.get("height", preset.defaults["height"]), "height", preset.name)
    for key, v in (("width", width), ("height", height)):
        if v <= 0:
            raise ParameterError(f"{key}={v} for {preset.name}: sizes must be positive "
                                 f"(rule: {preset.size_rule})")
        if v > MAX_SIDE:
            raise ParameterError(
                f"{key}={show_value(v)} for {preset.name}: at most {MAX_SIDE} px per side "
                f"(rule: {preset.size_rule}); ask for e.g. {preset.defaults['width']}x"
                f"{preset.defaults['height']}, or leave the size out to take it from the image")
    out["width"], out["height"] = _snap_size(preset, width, height)

    # --- knobs (first: FramePack's frame rule depends on latent_window_size)
    knobs = {key: _snap_knob(preset, key, knob, p.get(key, knob.default))
             for key, knob in preset.knobs.items()}

    # --- frames
    frames = _as_int(p.get("num_frames", preset.defaults["num_frames"]), "num_frames", preset.name)
    if frames <= 0:
        raise ParameterError(f"num_frames={frames} for {preset.name}: a clip needs at least one "
                             f"frame (rule: {preset.frame_rule})")
    if frames > MAX_FRAMES:
        raise ParameterError(
            f"num_frames={show_value(frames)} for {preset.name}: {preset.name} makes "
            f"{preset.min_frames} to {preset.max_frames} frames (rule: {preset.frame_rule}); ask "
            f"for at most {preset.max_frames}")
    out["num_frames"] = _snap_frames(
            preset,         frames, latent_window_size=knobs.get("latent_window_size"))

    # --- fps, steps, guidance
    fps = check_number(p.get("fps", preset.defaults["fps"]), "fps", owner=preset.name)
    check_fps(fps, model=preset.name)
    if preset.fps_conditions:
        # SVD and LTX take fps as an integer conditioning input
        fps_i = max(1, round(fps))
        if fps_i != fps:
            _warn(ParameterSnapped(f"fps {fps} -> {fps_i} for {preset.name} (rule: the model is "
                                   "conditioned on a whole number of frames per second)"))
        fps = fps_i
    out["fps"] = fps

    steps = _as_int(p.get("num_inference_steps", preset.defaults["num_inference_steps"]),
                    "num_inference_steps", preset.name)
    if steps <= 0:
        raise ParameterError(f"num_inference_steps={steps} for {preset.name}: at least one "
                             "denoising step is needed")
    if steps > MAX_STEPS:
        raise ParameterError(
            f"num_inference_steps={show_value(steps)} for {preset.name}: at most {MAX_STEPS} "
            f"(schedulers have 1000 training timesteps); {preset.name} uses "
            f"{preset.defaults['num_inference_steps']} by default")
    out["num_inference_steps"] = steps

    guidance = check_number(p.get("guidance_scale", preset.defaults["guidance_scale"]),
                            "guidance_scale", owner=preset.name)
    if not 0 <= guidance <= MAX_GUIDANCE:
        raise ParameterError(
            f"guidance_scale={show_value(guidance)} for {preset.name}: must be >= 0 and at most "
            f"{MAX_GUIDANCE:g} (1 = no classifier-free guidance; {preset.name} uses "
            f"{preset.defaults['guidance_scale']:g} by default)")
    out["guidance_scale"] = float(guidance)

    out.update(knobs)
    return out


def _snap_size(preset: ModelPreset, width: int, height: int) -> tuple[int, int]:
    """:meth:`ModelPreset.snap_size`, with a :class:`ParameterSnapped` warning when the size changes."""
    w2, h2 = preset.snap_size(width, height)
    if (w2, h2) != (width, height):
        how = "; fit_image crops or pads the picture to it" if preset.fixed_sizes is not None else ""
        _warn(ParameterSnapped(f"size {width}x{height} -> {w2}x{h2} for {preset.name} "
                               f"(rule: {preset.size_rule}){how}"))
    return w2, h2


def _snap_frames(preset: ModelPreset, frames: int, *, latent_window_size: int | None = None) -> int:
    """:meth:`ModelPreset.snap_frames`, with a :class:`ParameterSnapped` warning when the count changes."""
    snapped = preset.snap_frames(frames, latent_window_size=latent_window_size)
    if snapped != frames:
        step = preset.frame_stride(latent_window_size=latent_window_size)
        rule = f"{step}k+1: sections of {step} frames" if preset.sectioned else preset.frame_rule
        _warn(ParameterSnapped(
            f"num_frames {frames} -> {snapped} for {preset.name} (rule: {rule}, "
            f"between {preset.min_frames} and {preset.max_frames})"))
    return snapped


def _snap_knob(preset: ModelPreset, key: str, knob: Knob, value: Any) -> Any:
    """A knob's value checked by its kind and clipped to its range (with a warning)."""
    if value is None:
        return None
    if knob.kind == "bool":
        if not isinstance(value, bool):
            raise ParameterError(f"{key} for {preset.name} must be True or False, got {value!r}")
        return value
    v = _as_int(value, key, preset.name) if knob.kind == "int" else \
        float(check_number(value, key, owner=preset.name))
    clipped = v
    if knob.low is not None and v < knob.low:
        clipped = type(v)(knob.low)
    if knob.high is not None and v > knob.high:
        clipped = type(v)(knob.high)
    if clipped != v:
        _warn(ParameterSnapped(f"{key} {v} -> {clipped} for {preset.name} (rule: between "
                               f"{knob.low} and {knob.high})"))
    return clipped


#: Modules whose frames a warning skips: it points at the caller of ``ModelPreset.validate``.
_ENGINE_MODULES = frozenset({__name__, "i2v_nb.synthesis.preset"})


def _warn(w: Warning) -> None:
    """Warn at the first frame outside the validation engine (the caller of ``validate``)."""
    import sys

    frame, level = sys._getframe(0), 1
    while frame is not None and frame.f_globals.get("__name__") in _ENGINE_MODULES:
        frame, level = frame.f_back, level + 1
    warnings.warn(w, stacklevel=level)


def _as_int(value: Any, key: str, model: str) -> int:
    """:func:`~i2v_nb.synthesis.numbers.check_whole_number`, warning when it rounded."""
    v, note = check_whole_number(value, key, owner=model)
    if note is not None:
        _warn(ParameterSnapped(note))
    return v
