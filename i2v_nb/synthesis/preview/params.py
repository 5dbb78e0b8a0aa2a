"""The preview engine's parameters: defaults, limits (as data) and their checks.

>>> validate_preview_params(num_frames=49, width=512, height=512)["num_frames"]
49
>>> preview_size((1024, 768))
(512, 384)
"""

from __future__ import annotations

import math
import warnings
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from i2v_nb.errors import ParameterError
from i2v_nb.prompting import CAMERA_MOVES
from i2v_nb.synthesis.numbers import check_fps, check_number, check_whole_number, show_value

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

#: Who the messages name.
ENGINE = "the preview engine"

#: Defaults of the preview engine's parameters (``None`` = decided from the image or the prompt).
PREVIEW_DEFAULTS: dict[str, Any] = {
    "num_frames": 24,
    "fps": 12.0,
    "width": None,        # from the image: long side 512 (smaller images keep their size)
    "height": None,
    "loop": None,         # from the prompt ("seamless loop")
    "intensity": None,    # from the prompt ("subtle", "strong"); 0.5 otherwise
    "speed": None,        # from the prompt ("slowly", "fast"); 0.5 otherwise
    "camera": None,       # from the prompt
    "parallax": 0.5,      # 0 = flat moves, 1 = far pixels do not move at all
    "auto_effects": True,  # a prompt with no motion animates the sky/water/foliage found
    "fit": "crop",        # how an image is brought to width x height: crop, pad, stretch
}
#: Every parameter :func:`validate_preview_params` accepts.
PREVIEW_PARAMS: tuple[str, ...] = (*PREVIEW_DEFAULTS, "prompt", "negative_prompt",
                                   "num_inference_steps", "guidance_scale")

#: The preview engine's limits: sides in pixels (and the long side it picks by default), frames,
#: ``frames × width × height`` (~1.8 GB of uint8 RGB frames) and its frame-rate cap (the rate
#: must also be one the video writer stores: :func:`i2v_nb.io.check_fps`).
PREVIEW_LIMITS: Mapping[str, int | float] = MappingProxyType({
    "min_side": 16,
    "max_side": 4096,
    "default_long_side": 512,
    "max_frames": 1000,
    "max_voxels": 600_000_000,
    "max_fps": 240.0,
})


def _snapped(message: str, stacklevel: int) -> None:
    """Warn that a value was snapped (``stacklevel`` counted from the caller of this)."""
    from i2v_nb.synthesis.registry import ParameterSnapped

    warnings.warn(message, ParameterSnapped, stacklevel=stacklevel + 1)


def _whole(value: Any, name: str, *, stacklevel: int) -> int:
    """A whole number; a fraction is rounded with a warning (``stacklevel`` as for
    :func:`_snapped`, counted from the caller of this)."""
    v, note = check_whole_number(value, name, owner=ENGINE)
    if note is not None:
        _snapped(note, stacklevel=stacklevel + 1)
    return v


def check_preview_frames(num_frames: Any) -> int:
    """``num_frames`` as an int from 1 to ``PREVIEW_LIMITS["max_frames"]``.

    A fraction is rounded (``ParameterSnapped`` warning at the line that called the caller).

    >>> check_preview_frames(49)
    49

    Raises:
        ParameterError: not a number, or out of range.
    """
    n = _whole(num_frames, "num_frames", stacklevel=3)
    top = PREVIEW_LIMITS["max_frames"]
    if not 1 <= n <= top:
        raise ParameterError(f"num_frames={show_value(num_frames)} for {ENGINE}: a clip needs 1 "
                             f"to {top} frames")
    return n


def check_preview_fps(fps: Any) -> float:
    """``fps`` as a float: one the video writer stores (:func:`i2v_nb.io.check_fps`), at most
    ``PREVIEW_LIMITS["max_fps"]``.

    >>> check_preview_fps(12)
    12.0
    """
    return check_fps(fps, model=ENGINE, high=PREVIEW_LIMITS["max_fps"])


def validate_preview_params(**params: Any) -> dict[str, Any]:
    """Check and complete the preview engine's parameters; return the ones it will use.

    Missing (or ``None``) values take :data:`PREVIEW_DEFAULTS`. Odd widths/heights are snapped
    to even numbers (video encoders need even sizes) with a ``ParameterSnapped`` warning.
    ``num_inference_steps`` and ``guidance_scale`` are accepted (so one parameter set can serve
    every model) and dropped: the preview has no denoising steps.

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
    unknown = sorted(set(params) - set(PREVIEW_PARAMS))
    if unknown:
        raise ParameterError(f"the preview engine does not take parameter(s) "
                             f"{', '.join(map(repr, unknown))}; it accepts: {', '.join(PREVIEW_PARAMS)}")
    p = {k: v for k, v in params.items() if v is not None}
    out: dict[str, Any] = dict(PREVIEW_DEFAULTS)

    for key in ("prompt", "negative_prompt"):
        if key in p:
            if not isinstance(p[key], str):
                raise ParameterError(f"{key} must be a string, got {type(p[key]).__name__}")
            out[key] = p[key]
    from i2v_nb.synthesis.registry import MAX_GUIDANCE, MAX_STEPS

    # accepted so one parameter set serves every model, and checked like the models check them
    if "num_inference_steps" in p:
        steps = check_number(p["num_inference_steps"], "num_inference_steps", owner=ENGINE)
        if not 1 <= steps <= MAX_STEPS:
            raise ParameterError(f"num_inference_steps={show_value(p['num_inference_steps'])}: "
                                 f"must be 1 to {MAX_STEPS} (the preview engine ignores it)")
    if "guidance_scale" in p:
        g = check_number(p["guidance_scale"], "guidance_scale", owner=ENGINE)
        if not 0 <= g <= MAX_GUIDANCE:
            raise ParameterError(f"guidance_scale={show_value(p['guidance_scale'])}: must be >= 0 "
                                 f"and at most {MAX_GUIDANCE:g} (the preview engine ignores it)")

    if "num_frames" in p:
        out["num_frames"] = check_preview_frames(p["num_frames"])
    if "fps" in p:
        out["fps"] = check_preview_fps(p["fps"])
    low, high = PREVIEW_LIMITS["min_side"], PREVIEW_LIMITS["max_side"]
    for key in ("width", "height"):
        if key in p:
            v = _whole(p[key], key, stacklevel=2)
            if not low <= v <= high:
                raise ParameterError(f"{key}={show_value(p[key])} for {ENGINE}: sizes must be "
                                     f"{low} to {high} px; pass a size in that range or None to "
                                     "take it from the image")
            if v % 2:
                _snapped(f"{key} {v} -> {v + 1} for preview (rule: even sizes, which video "
                         "encoders need)", stacklevel=2)
                v += 1
            out[key] = v
    if out["width"] is not None and out["height"] is not None:
        check_preview_budget(out["width"], out["height"], out["num_frames"])
    for key in ("loop", "auto_effects"):
        if key in p:
            if not isinstance(p[key], (bool, np.bool_)):
                raise ParameterError(f"{key} for the preview engine must be True or False, "
                                     f"got {p[key]!r}")
            out[key] = bool(p[key])
    for key in ("intensity", "speed", "parallax"):
        if key in p:
            v = float(check_number(p[key], key, owner=ENGINE))
            if not 0.0 <= v <= 1.0:
                raise ParameterError(f"{key}={v} for the preview engine: must be in [0, 1] "
                                     "(0 none, 0.5 normal, 1 most)")
            out[key] = v
    if "camera" in p:
        if p["camera"] not in CAMERA_MOVES:
            raise ParameterError(f"camera={p['camera']!r} for the preview engine: use one of "
                                 f"{', '.join(CAMERA_MOVES)} (or None to read it from the prompt)")
        out["camera"] = p["camera"]
    if "fit" in p:
        if p["fit"] not in ("crop", "pad", "stretch"):
            raise ParameterError(f"fit={p['fit']!r}: use 'crop', 'pad' or 'stretch'")
        out["fit"] = p["fit"]
    return out


def check_preview_budget(width: int, height: int, num_frames: int) -> None:
    """Refuse a clip whose frames would not fit in memory (``width · height · num_frames`` over
    ``PREVIEW_LIMITS["max_voxels"]``), with the largest frame count and the largest size that
    do fit.

    Called with the *final* size: after :func:`preview_size` has derived a missing side from the
    image, and again by :func:`~i2v_nb.synthesis.preview.plan_preview` on the image it is given.

    >>> check_preview_budget(512, 320, 24)
    >>> check_preview_budget(4096, 4096, 1000)
    Traceback (most recent call last):
    ...
    i2v_nb.errors.ParameterError: 1000 frames of 4096x4096 need 50.3 GB (16,777,216,000 pixels × frames, over the preview engine's cap of 600,000,000): use at most 35 frames at 4096x4096, or at most 774x774 for 1000 frames

    Raises:
        ParameterError: over the cap; the message says how to make it fit.
    """
    cap = PREVIEW_LIMITS["max_voxels"]
    w, h, n = int(width), int(height), int(num_frames)
    voxels = w * h * n
    if voxels <= cap:
        return
    max_frames = cap // max(w * h, 1)
    scale = math.sqrt(cap / voxels)
    fw, fh = max(16, int(w * scale) // 2 * 2), max(16, int(h * scale) // 2 * 2)
    frames_hint = f"use at most {max_frames} frames at {w}x{h}, or " if max_frames >= 1 else ""
    raise ParameterError(
        f"{n} frames of {w}x{h} need {voxels * 3 / 1e9:.1f} GB ({voxels:,} pixels × frames, over "
        f"the preview engine's cap of {cap:,}): {frames_hint}"
        f"at most {fw}x{fh} for {n} frames")


def preview_size(image_size: tuple[int, int], width: int | None = None,
                 height: int | None = None) -> tuple[int, int]:
    """The ``(width, height)`` the preview renders an image of ``image_size`` at.

    Missing sides follow the image's aspect ratio; with both missing the long side is 512 (or
    the image's own, if smaller). Sizes are even.

    >>> preview_size((1024, 768)), preview_size((100, 50)), preview_size((1024, 768), width=256)
    ((512, 384), (100, 50), (256, 192))
    """
    sw, sh = image_size
    aspect = sw / max(sh, 1)
    max_side = PREVIEW_LIMITS["max_side"]

    def even(v: float) -> int:
        return max(16, int(round(v / 2.0)) * 2)

    if width is not None and height is not None:
        return int(width), int(height)
    if width is not None:
        return int(width), min(max_side, even(width / aspect))
    if height is not None:
        return min(max_side, even(height * aspect)), int(height)
    scale = min(1.0, PREVIEW_LIMITS["default_long_side"] / max(sw, sh))
    return even(sw * scale), even(sh * scale)
