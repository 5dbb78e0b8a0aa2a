"""Small shared helpers of the analysis modules: input conversion, working-size resampling, maps.

Every public analysis function accepts an ``(H, W, 3)`` uint8 array or a PIL image, converts it
once with :func:`as_rgb`, does the slow work on a copy whose long side is at most a few hundred
pixels (:func:`work_copy`) and brings maps back to full size with :func:`upsample`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from i2v_nb.errors import ImageInputError

__all__ = ["as_rgb", "work_copy", "upsample", "normalize01", "otsu_threshold", "region_means"]


def as_rgb(image: Any) -> np.ndarray:
    """Return ``image`` as a C-contiguous ``(H, W, 3)`` uint8 RGB array.

    Accepts ``(H, W, 3)`` / ``(H, W, 4)`` (alpha dropped) / ``(H, W)`` (grey) arrays in uint8,
    uint16, bool or float in [0, 1], PIL images, and anything ``i2v_nb.load_image`` reads (paths,
    URLs, bytes).

    >>> as_rgb(np.zeros((4, 6), np.float32)).shape
    (4, 6, 3)

    Raises:
        ImageInputError: for an empty array or a shape that is not an image.
    """
    if isinstance(image, np.ndarray):
        a = image
    elif hasattr(image, "convert") and hasattr(image, "size") and hasattr(image, "mode"):  # PIL
        a = np.asarray(image.convert("RGB"))
    else:  # paths, URLs, bytes: through i2v_nb.io.load_image (EXIF, alpha, size guard)
        from i2v_nb.io import load_image

        a = np.asarray(load_image(image))
    from i2v_nb._media import to_uint8

    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    elif a.ndim == 3 and a.shape[2] == 4:
        a = a[:, :, :3]
    elif a.ndim == 3 and a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    if a.ndim != 3 or a.shape[2] != 3:
        raise ImageInputError(f"an image must be shaped (H, W, 3), (H, W, 4) or (H, W); got "
                              f"{a.shape}. Pass one frame, e.g. frames[0] of a (T, H, W, 3) clip")
    if a.shape[0] < 2 or a.shape[1] < 2:
        raise ImageInputError(f"the image is {a.shape[1]}x{a.shape[0]} pixels; analysis needs at "
                              "least 2x2 (use a real photo or a larger array)")
    return np.ascontiguousarray(to_uint8(a))


def work_copy(rgb: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """Downscale ``rgb`` so that its long side is at most ``max_side``; return it and the scale.

    The scale is ``small_size / full_size`` (1.0 when the image is already small enough).
    Area interpolation is used, so thin details average out instead of aliasing.
    """
    import cv2

    h, w = rgb.shape[:2]
    s = min(1.0, float(max_side) / max(h, w))
    if s >= 1.0:
        return rgb, 1.0
    size = (max(2, round(w * s)), max(2, round(h * s)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), s


def upsample(array: np.ndarray, shape: tuple[int, int], *, nearest: bool = False) -> np.ndarray:
    """Resize a 2-D map to ``shape = (H, W)``: linear for float maps, nearest for labels/masks.

    bool masks come back as bool, integer labels keep their dtype.
    """
    import cv2

    h, w = shape
    if array.shape[:2] == (h, w):
        return array
    if array.dtype == np.bool_:
        out = cv2.resize(array.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST
                         if nearest else cv2.INTER_LINEAR)
        return out.astype(bool) if nearest else (out > 0)
    if np.issubdtype(array.dtype, np.integer) or nearest:
        keep = array.dtype in (np.uint8, np.int32, np.uint16)
        src = array if keep else array.astype(np.int32)
        out = cv2.resize(src, (w, h), interpolation=cv2.INTER_NEAREST)
        return out.astype(array.dtype, copy=False)
    return cv2.resize(array.astype(np.float32, copy=False), (w, h), interpolation=cv2.INTER_LINEAR)


def normalize01(x: np.ndarray, *, lo_pct: float = 0.0, hi_pct: float = 100.0) -> np.ndarray:
    """Rescale ``x`` to float32 [0, 1] between two percentiles (a constant map becomes zeros)."""
    x = np.asarray(x, dtype=np.float32)
    if lo_pct <= 0 and hi_pct >= 100:
        lo, hi = float(x.min()), float(x.max())
    else:
        lo, hi = (float(v) for v in np.percentile(x, [lo_pct, hi_pct]))
    if not np.isfinite(lo) or not np.isfinite(hi) or hi - lo < 1e-8:
        return np.zeros_like(x, dtype=np.float32)
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def region_means(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each pixel's value replaced by the mean of its region: ``values`` averaged over each label
    of ``labels`` (non-negative integers, same shape), as float32.

    >>> region_means(np.array([[1.0, 3.0, 10.0]]), np.array([[0, 0, 1]])).tolist()
    [[2.0, 2.0, 10.0]]
    """
    flat = labels.ravel()
    n = int(flat.max()) + 1
    sums = np.bincount(flat, weights=values.ravel(), minlength=n)
    counts = np.bincount(flat, minlength=n)
    return (sums / np.maximum(counts, 1))[labels].astype(np.float32)


def otsu_threshold(values: np.ndarray, *, bins: int = 256, max_samples: int = 1 << 17) -> float:
    """Otsu's threshold of any real-valued array (``bins`` bins over its range).

    Arrays larger than ``max_samples`` are subsampled with a fixed stride (deterministic), which
    changes the threshold by well under one bin on natural images.
    """
    v = np.asarray(values, dtype=np.float32).ravel()
    if v.size > max_samples:
        v = v[:: int(np.ceil(v.size / max_samples))]
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0.0
    lo, hi = float(v.min()), float(v.max())
    if hi - lo < 1e-12:
        return lo
    idx = np.minimum(((v - lo) * (bins / (hi - lo))).astype(np.int64), bins - 1)
    hist = np.bincount(idx, minlength=bins).astype(np.float64)
    edges = lo + (hi - lo) * np.arange(bins + 1) / bins
    centers = 0.5 * (edges[:-1] + edges[1:])
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m = np.cumsum(hist * centers)
    mu0 = m / np.maximum(w0, 1e-12)
    mu1 = (m[-1] - m) / np.maximum(w1, 1e-12)
    between = w0 * w1 * (mu0 - mu1) ** 2
    return float(edges[int(np.argmax(between[:-1])) + 1])
