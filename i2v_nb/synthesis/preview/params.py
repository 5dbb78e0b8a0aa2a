"""The preview engine's parameters: its limits, defaults and checks, all read from its preset.

The preview engine is a preset like every model (:data:`i2v_nb.synthesis.presets.PREVIEW_PRESET`,
``get_model("preview")``): its rules are fields of that preset, its parameters are checked by
the one validation engine (:func:`i2v_nb.synthesis.validation.validate_params`). The names here
are views of that data and thin calls into that engine, for the engine's own entry points
(:func:`~i2v_nb.synthesis.preview.render_preview` on any picture) and for existing callers.

>>> validate_preview_params(num_frames=49, width=512, height=512)["num_frames"]
49
>>> preview_size((1024, 768))
(512, 384)
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

from i2v_nb.synthesis.presets import PREVIEW_PRESET
from i2v_nb.synthesis.validation import check_frame_rate, check_frames, validate_params

__all__ = [
    "PREVIEW_DEFAULTS",
    "PREVIEW_PARAMS",
    "PREVIEW_LIMITS",
    "validate_preview_params",
    "check_preview_frames",
    "check_preview_fps",
    "check_preview_budget",
    "preview_size",
]

#: The preview engine's limits, from its preset: sides in pixels (and the long side it picks by
#: default), frames, ``frames × width × height`` (~1.8 GB of uint8 RGB frames) and its
#: frame-rate cap (the rate must also be one the video writer stores: :func:`i2v_nb.io.check_fps`).
PREVIEW_LIMITS: Mapping[str, int | float] = MappingProxyType({
    "min_side": PREVIEW_PRESET.min_side,
    "max_side": PREVIEW_PRESET.max_side,
    "default_long_side": PREVIEW_PRESET.auto_long_side or 0,
    "max_frames": PREVIEW_PRESET.max_frames,
    "max_voxels": PREVIEW_PRESET.max_voxels or 0,
    "max_fps": PREVIEW_PRESET.max_fps or 0.0,
})


def validate_preview_params(**params: Any) -> dict[str, Any]:
    """Check and complete the preview engine's parameters: ``get_model("preview").validate(...)``.

    Missing (or ``None``) values take the defaults (:data:`PREVIEW_DEFAULTS`; ``width`` and
    ``height`` stay ``None``: they follow the picture). Odd widths/heights are snapped to even
    numbers (video encoders need even sizes) with a ``ParameterSnapped`` warning.
    ``num_inference_steps`` and ``guidance_scale`` are accepted (so one parameter set can serve
    every model), checked and dropped: the preview has no denoising steps.

    Args:
        **params: ``num_frames`` (1–1000), ``fps`` (the writer's lowest rate, 1e-4, to 240),
            ``width``/``height`` (16–4096 or None), ``loop`` (bool or None), ``intensity``,
            ``speed`` (in [0, 1] or None),
            ``camera`` (a camera move or None), ``parallax`` (in [0, 1]), ``auto_effects`` (bool),
            ``fit`` (``"crop"``, ``"pad"``, ``"stretch"``), ``prompt``/``negative_prompt`` (str).
            The limits are :data:`PREVIEW_LIMITS`.

    Returns:
        dict with every key of :data:`PREVIEW_DEFAULTS` (plus ``prompt``/``negative_prompt``
        when given).

    Raises:
        ParameterError: unknown keys, wrong types, impossible values (0 frames, negative fps,
            sizes under 16 or over 4096 px, a clip too large for memory when both sides are
            given: with one side, ``generate`` checks :func:`check_preview_budget` once the
            other is derived from the image); ``num_inference_steps`` and ``guidance_scale`` in
            the models' ranges.

    >>> validate_preview_params(num_frames=49, width=512, height=512)["num_frames"]
    49
    >>> validate_preview_params(num_frames=0)
    Traceback (most recent call last):
    ...
    i2v_nb.errors.ParameterError: num_frames=0 for the preview engine: a clip needs 1 to 1000 frames
    """
    return validate_params(PREVIEW_PRESET, **params)


#: Defaults of the preview engine's parameters (``None`` = decided from the image or the prompt).
PREVIEW_DEFAULTS: dict[str, Any] = validate_preview_params()
#: Every parameter :func:`validate_preview_params` accepts.
PREVIEW_PARAMS: tuple[str, ...] = PREVIEW_PRESET.param_names


def check_preview_frames(num_frames: Any) -> int:
    """``num_frames`` as an int from 1 to ``PREVIEW_LIMITS["max_frames"]``
    (:func:`~i2v_nb.synthesis.validation.check_frames` for the preview preset).

    A fraction is rounded (``ParameterSnapped`` warning at the line that called the engine).

    >>> check_preview_frames(49)
    49

    Raises:
        ParameterError: not a number, or out of range.
    """
    return check_frames(PREVIEW_PRESET, num_frames)


def check_preview_fps(fps: Any) -> float:
    """``fps`` as a float: one the video writer stores (:func:`i2v_nb.io.check_fps`), at most
    ``PREVIEW_LIMITS["max_fps"]`` (:func:`~i2v_nb.synthesis.validation.check_frame_rate`).

    >>> check_preview_fps(12)
    12.0
    """
    return float(check_frame_rate(PREVIEW_PRESET, fps))


def check_preview_budget(width: int, height: int, num_frames: int) -> None:
    """Refuse a clip whose frames would not fit in memory (``width · height · num_frames`` over
    ``PREVIEW_LIMITS["max_voxels"]``): :meth:`ModelPreset.check_budget
    <i2v_nb.synthesis.preset.ModelPreset.check_budget>` of the preview preset.

    Called with the *final* size: once ``generate`` has derived a missing side from the image,
    and again by :func:`~i2v_nb.synthesis.preview.plan_preview` on the image it is given.

    >>> check_preview_budget(512, 320, 24)
    >>> check_preview_budget(4096, 4096, 1000)
    Traceback (most recent call last):
    ...
    i2v_nb.errors.ParameterError: 1000 frames of 4096x4096 need 50.3 GB (16,777,216,000 pixels × frames, over the preview engine's cap of 600,000,000): use at most 35 frames at 4096x4096, or at most 774x774 for 1000 frames

    Raises:
        ParameterError: over the cap; the message says how to make it fit.
    """
    PREVIEW_PRESET.check_budget(width, height, num_frames)


def preview_size(image_size: tuple[int, int], width: int | None = None,
                 height: int | None = None) -> tuple[int, int]:
    """The ``(width, height)`` the preview renders an image of ``image_size`` at
    (:meth:`ModelPreset.size_for_image <i2v_nb.synthesis.preset.ModelPreset.size_for_image>`).

    Missing sides follow the image's aspect ratio; with both missing the long side is 512 (or
    the image's own, if smaller). Sizes are even.

    >>> preview_size((1024, 768)), preview_size((100, 50)), preview_size((1024, 768), width=256)
    ((512, 384), (100, 50), (256, 192))
    """
    return PREVIEW_PRESET.size_for_image(image_size, width, height)
