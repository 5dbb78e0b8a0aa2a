"""The per-pixel maps the preview engine reads: depth and region masks, checked, fitted to the
rendered size the way the image was, or computed from the image when not given.

>>> import numpy as np
>>> check_depth(np.arange(12.0).reshape(3, 4), (3, 4), "crop").max()
np.float32(1.0)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from i2v_nb.errors import ParameterError

__all__ = ["MASK_NAMES", "fit_map", "check_depth", "check_masks", "default_depth",
           "default_masks"]

#: The region masks the engine uses (a missing one counts as empty).
MASK_NAMES: tuple[str, ...] = ("sky", "water", "foliage", "hair", "fabric")


def fit_map(values: np.ndarray, size: tuple[int, int], src_size: tuple[int, int], fit: str,
            *, nearest: bool) -> np.ndarray:
    """Bring a per-pixel map of the source image to the rendered size the way the image was."""
    import cv2

    w, h = size
    sh, sw = values.shape[:2]
    interp = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    v = values.astype(np.float32)
    if (sw, sh) == (w, h):
        return v
    if fit == "stretch" or abs(sw / sh - w / h) < 1e-3:
        return cv2.resize(v, (w, h), interpolation=interp)
    if fit == "crop":
        scale = max(w / sw, h / sh)
        nw, nh = max(w, math.ceil(sw * scale - 1e-6)), max(h, math.ceil(sh * scale - 1e-6))
        r = cv2.resize(v, (nw, nh), interpolation=interp)
        left, top = (nw - w) // 2, (nh - h) // 2
        return np.ascontiguousarray(r[top:top + h, left:left + w])
    scale = min(w / sw, h / sh)
    nw, nh = max(1, min(w, round(sw * scale))), max(1, min(h, round(sh * scale)))
    r = cv2.resize(v, (nw, nh), interpolation=interp)
    left, top = (w - nw) // 2, (h - nh) // 2
    return cv2.copyMakeBorder(r, top, h - nh - top, left, w - nw - left, cv2.BORDER_REPLICATE)


def check_depth(depth: Any, shape: tuple[int, int], fit: str) -> np.ndarray:
    """A given depth map as float32 ``shape`` in [0, 1] (0 = nearest; any range is normalised).

    Raises:
        ParameterError: not an ``(H, W)`` (or ``(H, W, 1)``) array of numbers.
    """
    d = np.asarray(depth)
    if d.ndim == 3 and d.shape[-1] == 1:
        d = d[..., 0]
    if d.ndim != 2 or d.size == 0 or d.dtype.kind not in "uif":
        raise ParameterError(f"depth must be an (H, W) array of numbers (0 = nearest), got shape "
                             f"{d.shape} and dtype {d.dtype}; pass i2v_nb.analysis.classical_depth"
                             "(image) or a depth model's map")
    d = d.astype(np.float32)
    d = np.nan_to_num(d, nan=0.5, posinf=1.0, neginf=0.0)
    lo, hi = float(d.min()), float(d.max())
    if lo < 0.0 or hi > 1.0:  # accept any range: normalise to [0, 1]
        d = (d - lo) / max(hi - lo, 1e-6)
    return fit_map(d, (shape[1], shape[0]), (d.shape[1], d.shape[0]), fit, nearest=False)


def check_masks(masks: Any, shape: tuple[int, int], fit: str) -> dict[str, np.ndarray]:
    """Given region masks as bool ``shape`` arrays, one per :data:`MASK_NAMES` (missing = empty).

    Raises:
        ParameterError: not a dict, or a mask that is not an ``(H, W)`` array.
    """
    if not isinstance(masks, dict):
        raise ParameterError(f"masks must be a dict of name -> (H, W) bool arrays (keys sky, "
                             f"water, foliage, hair, fabric), got {type(masks).__name__}")
    out = {}
    for key in MASK_NAMES:
        m = masks.get(key)
        if m is None:
            out[key] = np.zeros(shape, bool)
            continue
        a = np.asarray(m)
        if a.ndim != 2 or a.size == 0:
            raise ParameterError(f"masks[{key!r}] must be an (H, W) array, got shape {a.shape}")
        a = fit_map(a.astype(np.float32), (shape[1], shape[0]), (a.shape[1], a.shape[0]), fit,
                    nearest=True)
        out[key] = a > 0.5
    return out


def default_depth(image: np.ndarray, sky: np.ndarray | None = None) -> np.ndarray:
    """Depth from the image alone (:func:`i2v_nb.analysis.classical_depth`)."""
    from i2v_nb.analysis import classical_depth

    return classical_depth(image, sky=sky)


def default_masks(image: np.ndarray) -> dict[str, np.ndarray]:
    """Region masks from the image alone (:func:`i2v_nb.analysis.motion_region_masks`)."""
    from i2v_nb.analysis import motion_region_masks

    return motion_region_masks(image)
