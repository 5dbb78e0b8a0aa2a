"""Colour matching: bring frames to a reference's colours in a perceptual colour space.

A continuation made from a clip's last frame rarely keeps its colours exactly: models shift the
white balance or the contrast a little, and a chain of extensions adds these shifts up. The
correction here is a **per-channel statistics transfer in CIELAB** (Reinhard et al. 2001, with
Lab in place of lαβ): each channel ``c`` of the frames becomes
``(c − mean_src) · std_ref / std_src + mean_ref``, with the statistics of the reference and of
the frames' *anchor*:

* ``anchor="first"`` (default) — the statistics of the first frame only, one transform for all
  frames: right for a continuation whose first frame should equal the reference (the last frame
  of the clip it continues). Colour changes the new part makes on purpose later on are kept.
* ``anchor="all"`` — the statistics of all the frames together, one transform for all.
* ``anchor="each"`` — every frame matched on its own (flattens any change of colour over time).

The gain ``std_ref / std_src`` is clamped to [0.5, 2] so a flat frame is not blown up.

>>> import numpy as np
>>> ref = np.full((8, 8, 3), (120, 80, 60), np.uint8)
>>> frames = np.full((2, 8, 8, 3), (130, 90, 60), np.uint8)
>>> color_match(frames, ref)[0, 0, 0].tolist()
[120, 80, 60]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from i2v_nb.errors import ParameterError

__all__ = ["color_match", "lab_stats", "ANCHORS"]

#: Which frames the correction is estimated from (see the module docstring).
ANCHORS = ("first", "all", "each")
_GAIN = (0.5, 2.0)


def _to_lab(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _to_rgb(lab: np.ndarray) -> np.ndarray:
    import cv2

    rgb = cv2.cvtColor(lab.astype(np.float32), cv2.COLOR_Lab2RGB)
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


def lab_stats(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of L*, a*, b* over every pixel of one image ``(H, W, 3)`` or
    of several ``(T, H, W, 3)`` uint8 (each ``(3,)`` float64)."""
    lab = _to_lab(images.reshape(-1, images.shape[-2], 3)).reshape(-1, 3).astype(np.float64)
    return lab.mean(axis=0), lab.std(axis=0)


def _transfer(frames: np.ndarray, src: tuple[np.ndarray, np.ndarray],
              ref: tuple[np.ndarray, np.ndarray], strength: float) -> np.ndarray:
    gain = np.clip(ref[1] / np.maximum(src[1], 1e-6), *_GAIN)
    gain = 1.0 + strength * (gain - 1.0)
    shift = strength * (ref[0] - src[0])
    out = np.empty_like(frames)
    for i, f in enumerate(frames):
        lab = _to_lab(f)
        lab = (lab - src[0].astype(np.float32)) * gain.astype(np.float32) \
            + (src[0] + shift).astype(np.float32)
        out[i] = _to_rgb(lab)
    return out


def color_match(frames: Any, reference: Any, *, anchor: str = "first",
                strength: float = 1.0) -> np.ndarray:
    """Frames with the colours of ``reference`` (see the module docstring).

    Args:
        frames: ``(T, H, W, 3)`` or one ``(H, W, 3)`` frame (uint8, or anything
            :func:`i2v_nb._media.as_frames` accepts).
        reference: the image whose colours to take (path, PIL, array; any size).
        anchor: ``"first"``, ``"all"`` or ``"each"``.
        strength: 0 (no change) … 1 (full match).

    Returns:
        uint8 frames of the same shape as ``frames``.

    Raises:
        ParameterError: an unknown anchor or a strength outside [0, 1].
        VideoInputError / ImageInputError: frames or reference that cannot be read.
    """
    from i2v_nb._media import as_frames
    from i2v_nb.io import load_image

    if anchor not in ANCHORS:
        raise ParameterError(f"anchor={anchor!r} is not one of {', '.join(ANCHORS)}; use "
                             "'first' for a continuation of the reference")
    if isinstance(strength, bool) or not isinstance(strength, (int, float)) \
            or not 0.0 <= float(strength) <= 1.0:
        raise ParameterError(f"strength={strength!r} must be a number from 0 (no change) to 1 "
                             "(full match)")
    single = isinstance(frames, np.ndarray) and frames.ndim == 3
    f = as_frames(frames[None] if single else frames)
    ref = np.asarray(load_image(reference))
    ref_stats = lab_stats(ref)
    if anchor == "each":
        out = np.concatenate([_transfer(f[i:i + 1], lab_stats(f[i]), ref_stats, strength)
                              for i in range(len(f))])
    else:
        src = lab_stats(f[0] if anchor == "first" else f)
        out = _transfer(f, src, ref_stats, float(strength))
    return out[0] if single else out
