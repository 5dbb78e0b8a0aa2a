"""The validation engine: a user's request -> the parameters a model will really use.

:func:`validate_params` (what :meth:`ModelPreset.validate <i2v_nb.synthesis.preset.ModelPreset.validate>`
runs, for every preset: the diffusers models, their tiny twins and the CPU preview engine alike)
reads a preset's rule data through its rule methods (``snap_size``, ``snap_frames``,
``check_budget``...): values are snapped to the nearest legal value with a
:class:`ParameterSnapped` warning that says what changed; impossible requests raise
:class:`~i2v_nb.errors.ParameterError` naming the rule. :func:`check_frames` and
:func:`check_frame_rate` are its frame-count and frame-rate steps on their own (the preview
engine's direct entry points use them). Numbers are read by the one parser of the synthesis
layer (:mod:`i2v_nb.synthesis.numbers`: ``check_number``, ``check_fps``, ``show_value``,
re-exported here), which also holds the global limits every model shares (:data:`MAX_SIDE`,
:data:`MAX_FRAMES`, :data:`MAX_STEPS`, :data:`MAX_GUIDANCE`).

>>> check_fps(12), show_value(10**20)
(12.0, '1e+20')
"""

from __future__ import annotations

import warnings
from typing import Any

from i2v_nb.errors import I2VWarning, ParameterError
from i2v_nb.synthesis.knob import Knob
from i2v_nb.synthesis.numbers import (
    MAX_FRAMES,
    MAX_GUIDANCE,
    MAX_SIDE,
    MAX_STEPS,
    check_fps,
    check_number,
    check_whole_number,
    is_bool,
    show_value,
)

# a preset is an i2v_nb.synthesis.preset.ModelPreset, typed Any here: that module imports this one

__all__ = [
    "validate_params",
    "check_frames",
    "check_frame_rate",
    "ParameterSnapped",
    "PromptIgnored",
    "MAX_SIDE",
    "MAX_FRAMES",
    "MAX_STEPS",
    "MAX_GUIDANCE",
    "check_fps",
    "show_value",
]


class ParameterSnapped(I2VWarning):
    """A generation parameter was moved to the nearest value the model accepts."""


class PromptIgnored(I2VWarning):
    """A text prompt was given to a model that does not read text (e.g. Stable Video Diffusion)."""


def validate_params(preset: Any, **params: Any) -> dict[str, Any]:
    """Return the parameters the pipeline will really use.

    Missing (or ``None``) values take the preset's defaults (a preset whose sizes follow the
    picture keeps a missing side ``None``). Values that break a rule but have a nearest legal
    value are snapped, with one :class:`ParameterSnapped` warning per change naming the old
    value, the new one and the rule. A text prompt for a model that ignores text gives
    :class:`PromptIgnored` and is dropped; the preset's ``ignored_params`` are checked and
    dropped.

    Args:
        preset: the model whose rules apply.
        **params: any of ``preset.param_names`` (``width``, ``height``, ``num_frames``, ``fps``,
            ``num_inference_steps``, ``guidance_scale``, ``prompt``, ``negative_prompt`` and
            the preset's knobs).

    Returns:
        dict with every common parameter (and every knob) filled in, but the ignored ones;
        ``prompt`` and ``negative_prompt`` only when the model reads text and they were given.
        Its order: the prompts, the common parameters in the order of ``preset.defaults``, the
        knobs.

    Raises:
        ParameterError: unknown keys, non-numbers (huge integers included), zero or negative
            sizes, frames, steps or fps; sides outside ``min_side`` to ``max_side`` (at most
            :data:`MAX_SIDE`), more than ``max_frames_asked`` frames (at most
            :data:`MAX_FRAMES`) or :data:`MAX_STEPS` steps; an fps the video writer cannot
            encode, or above the preset's ``max_fps`` (:func:`check_fps`); guidance outside 0 to
            :data:`MAX_GUIDANCE`; a knob outside its choices (or its range, when strict); a clip
            over the preset's memory cap (:meth:`~ModelPreset.check_budget`).

    >>> from i2v_nb.synthesis.registry import get_model
    >>> validate_params(get_model("ltx-video"), num_frames=97)["num_frames"]
    97
    >>> validate_params(get_model("preview"), num_frames=0)
    Traceback (most recent call last):
    ...
    i2v_nb.errors.ParameterError: num_frames=0 for the preview engine: a clip needs 1 to 1000 frames
    """
    who = preset.owner
    unknown = sorted(set(params) - set(preset.param_names))
    if unknown:
        raise ParameterError(
            f"{who} does not take parameter(s) {', '.join(map(repr, unknown))}; "
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

    # --- size (None: decided from the picture, for presets whose sizes follow it)
    sides = {key: p.get(key, None if preset.sizes_from_image else preset.defaults[key])
             for key in ("width", "height")}
    width, height = (None if sides[key] is None else _check_side(preset, key, sides[key])
                     for key in ("width", "height"))
    common: dict[str, Any] = {}
    common["width"], common["height"] = _snap_size(preset, width, height)

    # --- knobs (first: FramePack's frame rule depends on latent_window_size)
    knobs = {key: _snap_knob(preset, key, knob, p.get(key, knob.default))
             for key, knob in preset.knobs.items()}

    # --- frames, fps, steps, guidance
    common["num_frames"] = check_frames(
        preset, p.get("num_frames", preset.defaults["num_frames"]),
        latent_window_size=knobs.get("latent_window_size"))
    common["fps"] = check_frame_rate(preset, p.get("fps", preset.defaults["fps"]))
    common["num_inference_steps"] = _check_steps(
        preset, p.get("num_inference_steps", preset.defaults["num_inference_steps"]))
    common["guidance_scale"] = _check_guidance(
        preset, p.get("guidance_scale", preset.defaults["guidance_scale"]))
    if common["width"] is not None and common["height"] is not None:
        preset.check_budget(common["width"], common["height"], common["num_frames"])

    order = [k for k in preset.defaults if k in common] + [k for k in common
                                                           if k not in preset.defaults]
    out.update((k, common[k]) for k in order if k not in preset.ignored_params)
    out.update(knobs)
    return out


def check_frames(preset: Any, num_frames: Any, *,
                 latent_window_size: int | None = None) -> int:
    """The frame-count step of :func:`validate_params`: ``num_frames`` as a legal count.

    A fraction is rounded and a count that breaks the frame rule is snapped to the nearest legal
    one (each with a :class:`ParameterSnapped` warning); zero, negative counts and counts over
    ``preset.max_frames_asked`` are refused.

    >>> from i2v_nb.synthesis.registry import get_model
    >>> check_frames(get_model("preview"), 49)
    49

    Raises:
        ParameterError: not a number, or a count that cannot be made.
    """
    who = preset.owner
    frames = _as_int(num_frames, "num_frames", who)
    if 0 < frames <= preset.max_frames_asked:
        return _snap_frames(preset, frames, latent_window_size=latent_window_size)
    if preset.max_frames_asked <= preset.max_frames:  # no snapping range: every other count refused
        raise ParameterError(f"num_frames={show_value(num_frames)} for {who}: a clip needs "
                             f"{preset.min_frames} to {preset.max_frames} frames")
    if frames <= 0:
        raise ParameterError(f"num_frames={frames} for {who}: a clip needs at least one "
                             f"frame (rule: {preset.frame_rule})")
    raise ParameterError(
        f"num_frames={show_value(frames)} for {who}: {who} makes "
        f"{preset.min_frames} to {preset.max_frames} frames (rule: {preset.frame_rule}); ask "
        f"for at most {preset.max_frames}")


def check_frame_rate(preset: Any, fps: Any) -> float | int:
    """The frame-rate step of :func:`validate_params`: ``fps`` checked by :func:`check_fps`
    (the video writer's range, at most ``preset.max_fps``), as a float, or rounded to an int
    (with a :class:`ParameterSnapped` warning) for models conditioned on it.

    >>> from i2v_nb.synthesis.registry import get_model
    >>> check_frame_rate(get_model("preview"), 12), check_frame_rate(get_model("ltx-video"), 25)
    (12.0, 25)

    Raises:
        ParameterError: not a finite number, or outside the range.
    """
    rate = check_fps(fps, model=preset.owner, high=preset.max_fps)
    if not preset.fps_conditions:
        return rate
    # SVD and LTX take fps as an integer conditioning input
    whole = max(1, round(rate))
    if whole != rate:
        _warn(ParameterSnapped(f"fps {rate} -> {whole} for {preset.owner} (rule: the "
                               "model is conditioned on a whole number of frames per second)"))
    return whole


def _check_side(preset: Any, key: str, value: Any) -> int:
    """A side as a whole number within ``min_side`` to ``max_side`` (refused outside)."""
    who = preset.owner
    v = _as_int(value, key, who)
    if preset.min_side <= v <= preset.max_side:
        return v
    if preset.min_side > 1:  # a range of sides, not just positive ones
        hint = " or None to take it from the image" if preset.sizes_from_image else ""
        raise ParameterError(f"{key}={show_value(value)} for {who}: sizes must be "
                             f"{preset.min_side} to {preset.max_side} px; pass a size in that "
                             f"range{hint}")
    if v <= 0:
        raise ParameterError(f"{key}={v} for {who}: sizes must be positive "
                             f"(rule: {preset.size_rule})")
    raise ParameterError(
        f"{key}={show_value(v)} for {who}: at most {preset.max_side} px per side "
        f"(rule: {preset.size_rule}); ask for e.g. {preset.defaults['width']}x"
        f"{preset.defaults['height']}, or leave the size out to take it from the image")


#: Pipelines that need more than one denoising step (diffusers 0.42.1): LTXImageToVideoPipeline's
#: scheduler finds no step index for a single step and raises IndexError.
MIN_STEPS_BY_PIPELINE: dict[str, int] = {"LTXImageToVideoPipeline": 2}


def _check_steps(preset: Any, value: Any) -> int | float:
    """``num_inference_steps``: 1 to :data:`MAX_STEPS` (a whole number unless ignored)."""
    who = preset.owner
    if "num_inference_steps" in preset.ignored_params:
        steps = check_number(value, "num_inference_steps", owner=who)
        if not 1 <= steps <= MAX_STEPS:
            raise ParameterError(f"num_inference_steps={show_value(value)}: must be 1 to "
                                 f"{MAX_STEPS} ({who} ignores it)")
        return steps
    steps = _as_int(value, "num_inference_steps", who)
    if steps <= 0:
        raise ParameterError(f"num_inference_steps={steps} for {who}: at least one "
                             "denoising step is needed")
    least = MIN_STEPS_BY_PIPELINE.get(preset.pipeline_class or "", 1)
    if steps < least:
        raise ParameterError(f"num_inference_steps={steps} for {who}: its pipeline "
                             f"({preset.pipeline_class}) needs at least {least} steps")
    if steps > MAX_STEPS:
        raise ParameterError(
            f"num_inference_steps={show_value(steps)} for {who}: at most {MAX_STEPS} "
            f"(schedulers have 1000 training timesteps); {who} uses "
            f"{preset.defaults['num_inference_steps']} by default")
    return steps


def _check_guidance(preset: Any, value: Any) -> float:
    """``guidance_scale``: 0 to :data:`MAX_GUIDANCE`."""
    who = preset.owner
    guidance = check_number(value, "guidance_scale", owner=who)
    if 0 <= guidance <= MAX_GUIDANCE:
        return float(guidance)
    if "guidance_scale" in preset.ignored_params:
        raise ParameterError(f"guidance_scale={show_value(value)}: must be >= 0 and at most "
                             f"{MAX_GUIDANCE:g} ({who} ignores it)")
    raise ParameterError(
        f"guidance_scale={show_value(guidance)} for {who}: must be >= 0 and at most "
        f"{MAX_GUIDANCE:g} (1 = no classifier-free guidance; {who} uses "
        f"{preset.defaults['guidance_scale']:g} by default)")


def _snap_size(preset: Any, width: int | None,
               height: int | None) -> tuple[int | None, int | None]:
    """:meth:`ModelPreset.snap_size`, with a :class:`ParameterSnapped` warning when the size changes
    (naming the one side given, when the other follows the picture)."""
    w2, h2 = preset.snap_size(width, height)
    if (w2, h2) == (width, height):
        return w2, h2
    if width is None or height is None:
        key, old, new = ("width", width, w2) if width is not None else ("height", height, h2)
        _warn(ParameterSnapped(f"{key} {old} -> {new} for {preset.owner} "
                               f"(rule: {preset.size_rule})"))
        return w2, h2
    how = "; fit_image crops or pads the picture to it" if preset.fixed_sizes is not None else ""
    _warn(ParameterSnapped(f"size {width}x{height} -> {w2}x{h2} for {preset.owner} "
                           f"(rule: {preset.size_rule}){how}"))
    return w2, h2


def _snap_frames(preset: Any, frames: int, *, latent_window_size: int | None = None) -> int:
    """:meth:`ModelPreset.snap_frames`, with a :class:`ParameterSnapped` warning when the count changes."""
    snapped = preset.snap_frames(frames, latent_window_size=latent_window_size)
    if snapped != frames:
        step = preset.frame_stride(latent_window_size=latent_window_size)
        rule = f"{step}k+1: sections of {step} frames" if preset.sectioned else preset.frame_rule
        _warn(ParameterSnapped(
            f"num_frames {frames} -> {snapped} for {preset.owner} (rule: {rule}, "
            f"between {preset.min_frames} and {preset.max_frames})"))
    return snapped


def _snap_knob(preset: Any, key: str, knob: Knob, value: Any) -> Any:
    """A knob's value checked by its kind and clipped to its range (with a warning), or refused
    outside it when the knob is strict."""
    who = preset.owner
    if value is None:
        return None
    if knob.kind == "bool":
        if not is_bool(value):
            raise ParameterError(f"{key} for {who} must be True or False, got {value!r}")
        return bool(value)
    if knob.kind == "choice":
        choices = tuple(knob.choices or ())
        if not (isinstance(value, str) and value in choices):
            raise ParameterError(f"{key}={value!r} for {who}: use one of {', '.join(choices)}"
                                 f" ({knob.help})")
        return value
    v = _as_int(value, key, who) if knob.kind == "int" else \
        float(check_number(value, key, owner=who))
    clipped = v
    if knob.low is not None and v < knob.low:
        clipped = type(v)(knob.low)
    if knob.high is not None and v > knob.high:
        clipped = type(v)(knob.high)
    if clipped != v and knob.strict:
        low, high = ("-inf" if knob.low is None else f"{knob.low:g}",
                     "inf" if knob.high is None else f"{knob.high:g}")
        raise ParameterError(f"{key}={v} for {who}: must be in [{low}, {high}] ({knob.help})")
    if clipped != v:
        _warn(ParameterSnapped(f"{key} {v} -> {clipped} for {who} (rule: between "
                               f"{knob.low} and {knob.high})"))
    return clipped


def _warn(w: Warning) -> None:
    """Warn at the first frame outside the synthesis layer: the line that called
    ``ModelPreset.validate``, ``generate``, ``render_preview``... (the user's code)."""
    import sys

    frame, level = sys._getframe(0), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("i2v_nb.synthesis."):
        frame, level = frame.f_back, level + 1
    warnings.warn(w, stacklevel=level)


def _as_int(value: Any, key: str, model: str) -> int:
    """:func:`~i2v_nb.synthesis.numbers.check_whole_number`, warning when it rounded."""
    v, note = check_whole_number(value, key, owner=model)
    if note is not None:
        _warn(ParameterSnapped(note))
    return v
