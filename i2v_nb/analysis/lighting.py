"""Lighting and shadows: exposure, contrast, colour temperature, a shadow mask, the light direction.

Angles are in image coordinates (x to the right, y *down*), measured towards where the light comes
*from*: 0° = from the right, 90° = from below, 180° = from the left, 270° = from above.

>>> import numpy as np
>>> ramp = np.tile(np.linspace(230, 40, 200)[None, :, None], (120, 1, 3)).astype(np.uint8)
>>> angle, confidence = light_direction(ramp)          # bright on the left: lit from the left
>>> round(angle), confidence > 0.9
(180, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from i2v_nb._media import to_grey
from i2v_nb.analysis._common import as_rgb, otsu_threshold, upsample, work_copy

__all__ = ["exposure_stats", "contrast_stats", "colour_temperature", "shadow_mask",
           "light_direction", "point_lights"]

_WORK_SIDE = 256


def _unlit(exclude: np.ndarray | None, rgb: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Sky and water as an ``shape`` bool mask: ``exclude`` resized, or found in ``rgb`` (the
    full image, as :func:`~i2v_nb.analysis.analyze` finds them) when None."""
    import cv2

    h, w = shape
    if exclude is None:
        from i2v_nb.analysis.motion import motion_region_masks

        masks = motion_region_masks(rgb)
        exclude = masks["sky"] | masks["water"]
    m = np.asarray(exclude, bool)
    if m.shape != (h, w):
        m = cv2.resize(m.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    return m


def exposure_stats(image: Any) -> dict[str, Any]:
    """Exposure of the luma channel.

    Returns ``histogram`` (256 counts), ``mean`` and ``median`` (0–1), ``clipped_shadows`` and
    ``clipped_highlights`` (fractions of pixels at ≤ 2 or ≥ 253) and a ``verdict``:
    ``"under-exposed"`` (mean < 0.25, or > 10 % crushed blacks and mean < 0.35),
    ``"over-exposed"`` (mean > 0.75, or > 10 % blown highlights and mean > 0.6), else
    ``"well exposed"``.
    """
    g = to_grey(as_rgb(image))
    hist = np.bincount(g.ravel(), minlength=256)
    n = g.size
    mean = float(g.mean()) / 255.0
    median = float(np.searchsorted(np.cumsum(hist), n / 2.0)) / 255.0
    low = float(hist[:3].sum()) / n
    high = float(hist[253:].sum()) / n
    if mean < 0.25 or (low > 0.10 and mean < 0.35):
        verdict = "under-exposed"
    elif mean > 0.75 or (high > 0.10 and mean > 0.6):
        verdict = "over-exposed"
    else:
        verdict = "well exposed"
    return {"histogram": hist.astype(np.int64), "mean": round(mean, 4), "median": round(median, 4),
            "clipped_shadows": round(low, 5), "clipped_highlights": round(high, 5),
            "verdict": verdict}


def contrast_stats(image: Any) -> dict[str, float]:
    """Contrast of the luma: ``rms`` (standard deviation, 0–1), ``range`` (2nd–98th percentile
    spread, 0–1) and a ``verdict`` ("low" < 0.12 rms, "high" > 0.28, else "normal")."""
    g8 = to_grey(as_rgb(image))
    rms = float(g8.std()) / 255.0
    hist = np.cumsum(np.bincount(g8.ravel(), minlength=256)) / g8.size
    p2, p98 = np.searchsorted(hist, 0.02) / 255.0, np.searchsorted(hist, 0.98) / 255.0
    verdict = "low" if rms < 0.12 else "high" if rms > 0.28 else "normal"
    return {"rms": round(rms, 4), "range": round(float(p98 - p2), 4), "verdict": verdict}


def colour_temperature(image: Any) -> dict[str, Any]:
    """Correlated colour temperature of the image's overall cast, in kelvin.

    Grey-world on the mid-tones and highlights (luma 10–95 %, saturation < 0.6): their mean linear
    sRGB is converted to CIE XYZ and xy chromaticity, and McCamy's (1992) cubic gives the CCT,
    clamped to 1500–15000 K. This describes the *look* of the picture (warm/cool cast), not a
    measurement of the light source. ``label``: "warm" < 4000 K, "cool" > 6500 K, else "neutral".
    """
    import cv2

    rgb = as_rgb(image)
    small, _ = work_copy(rgb, _WORK_SIDE)
    f = small.reshape(-1, 3).astype(np.float32) / 255.0
    g = f @ np.array([0.299, 0.587, 0.114], np.float32)  # float luma, unrounded (not to_grey)
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV).reshape(-1, 3)
    sel = (g > 0.1) & (g < 0.95) & (hsv[:, 1] < 153)
    if sel.sum() < 16:
        sel = np.ones(len(f), bool)
    lin = np.where(f <= 0.04045, f / 12.92, ((f + 0.055) / 1.055) ** 2.4)[sel].mean(axis=0)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    X, Y, Z = m @ lin
    s = X + Y + Z
    if s <= 1e-9:
        return {"kelvin": 6500, "label": "neutral", "xy": (0.3127, 0.329)}
    x, y = X / s, Y / s
    n = (x - 0.3320) / (0.1858 - y) if abs(0.1858 - y) > 1e-9 else 0.0
    cct = 449.0 * n ** 3 + 3525.0 * n ** 2 + 6823.3 * n + 5520.33
    cct = float(np.clip(cct, 1500.0, 15000.0))
    label = "warm" if cct < 4000 else "cool" if cct > 6500 else "neutral"
    return {"kelvin": int(round(cct, -1)), "label": label, "xy": (round(float(x), 4),
                                                                round(float(y), 4))}


def shadow_mask(image: Any, *, max_side: int = _WORK_SIDE,
                exclude: np.ndarray | None = None) -> np.ndarray:
    """Shadows (and dark objects alike) as an ``(H, W)`` bool mask.

    A pixel is in shadow when its Lab lightness is below both Otsu's threshold and the mean, and
    either under 70 % of its surroundings' lightness (a Gaussian of 1/16 of the long side) or under
    half the mean. Parts smaller than 0.2 % of the image are dropped. A flat image has no shadows.
    Colour alone cannot tell a cast shadow from a black coat; the mask marks both. Sky and water
    are never shadows, however dark (a night sky is dark because nothing lights it, water because
    it reflects it): ``exclude`` is their bool mask (any size), found with
    :func:`~i2v_nb.analysis.motion_region_masks` when None; pass ``np.zeros(shape, bool)`` to
    keep every pixel.
    """
    import cv2

    rgb = as_rgb(image)
    H, W = rgb.shape[:2]
    small, _ = work_copy(rgb, max_side)
    h, w = small.shape[:2]
    L = cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)[:, :, 0]
    L = cv2.GaussianBlur(L, (0, 0), 1.0)
    if float(L.std()) < 3.0:
        return np.zeros((H, W), bool)
    local = cv2.GaussianBlur(L, (0, 0), max(h, w) / 16.0)
    mean = float(L.mean())
    dark = (L < otsu_threshold(L)) & (L < mean) & ((L < 0.7 * local) | (L < 0.5 * mean))
    unlit = _unlit(exclude, rgb, (H, W))
    dark &= ~_unlit(unlit, rgb, (h, w))
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    dark = cv2.morphologyEx(dark.astype(np.uint8), cv2.MORPH_OPEN, k)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, 8, cv2.CV_32S)
    keep = stats[:, 4] >= 0.002 * h * w
    keep[0] = False
    return upsample(keep[labels], (H, W)) & ~unlit


def light_direction(image: Any, *, max_side: int = _WORK_SIDE, min_confidence: float = 0.25,
                    exclude: np.ndarray | None = None) -> tuple[float | None, float]:
    """Dominant light direction from shading, in degrees (see the module docstring), and confidence.

    On a smoothed grey copy, brightness rises towards the light across lit surfaces, so the
    brightness gradients *inside* surfaces point towards it. Gradients near object boundaries
    (Canny edges, dilated), in clipped pixels and in the sky and water are left out (a sky
    brightens towards the horizon and water towards the distance without being lit from there;
    ``exclude`` as in :func:`shadow_mask`); the rest are summed as vectors.
    ``confidence`` = ``|Σ g| / Σ |g|`` (how much they agree, 0–1) times a strength factor that
    falls to 0 for nearly flat shading. Below ``min_confidence`` the angle is None ("unsure").

    Returns:
        ``(angle or None, confidence)``; angle in [0, 360).
    """
    import cv2

    rgb = as_rgb(image)
    small, _ = work_copy(rgb, max_side)
    g8 = to_grey(small)
    g = cv2.GaussianBlur(g8.astype(np.float32) / 255.0, (0, 0), 2.0)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    edges = cv2.Canny(cv2.GaussianBlur(g8, (0, 0), 1.0), 40, 100, L2gradient=True)
    near_edge = cv2.dilate(edges, np.ones((7, 7), np.uint8)) > 0
    unlit = _unlit(exclude, rgb, (small.shape[0], small.shape[1]))
    usable = ~near_edge & (g8 > 5) & (g8 < 250) & ~unlit
    mag = np.sqrt(gx * gx + gy * gy)
    if usable.sum() < 0.02 * g.size:
        return None, 0.0
    vx, vy = float(gx[usable].sum()), float(gy[usable].sum())
    total = float(mag[usable].sum())
    if total < 1e-9:
        return None, 0.0
    agreement = float(np.hypot(vx, vy) / total)
    # a shading slope of 0.5 grey levels per working pixel or more counts fully
    strength = float(np.clip(mag[usable].mean() / (0.5 / 255.0), 0.0, 1.0))
    confidence = round(agreement * strength, 4)
    if confidence < min_confidence:
        return None, confidence
    angle = float(np.degrees(np.arctan2(vy, vx)) % 360.0)
    return round(angle, 2), confidence


def point_lights(image: Any, *, max_mean: float = 0.35) -> list[tuple[int, int]]:
    """Small light sources seen in a dark scene (lamps, floodlights, street lights): their centres.

    In a scene whose mean luma is below ``max_mean`` (a night or twilight shot), a point light is a
    near-white core (luma ≥ 235, closed by 3×3) of 0.005–0.2 % of the image whose surroundings
    (a ring 1.5–3 % of the long side away) are dark (mean luma < 115): a lit white surface has
    bright surroundings, a lamp does not. In a brighter scene small highlights are glints, not the
    light, and the list is empty. Several point lights mean no single light direction.

    Returns ``(x, y)`` pixel centres, left to right.

    >>> import numpy as np
    >>> night = np.full((200, 300, 3), 20, np.uint8)
    >>> night[100:104, 50:54] = 255; night[150:154, 220:224] = 255     # two lamps in the dark
    >>> point_lights(night)
    [(52, 102), (222, 152)]
    >>> point_lights(np.full((200, 300, 3), 200, np.uint8))
    []
    """
    import cv2

    g = to_grey(as_rgb(image))
    H, W = g.shape
    if float(g.mean()) / 255.0 >= max_mean:
        return []
    core = cv2.morphologyEx((g >= 235).astype(np.uint8), cv2.MORPH_CLOSE,
                            np.ones((3, 3), np.uint8))
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(core, 8, cv2.CV_32S)
    r = max(2, round(0.015 * max(H, W)))
    out = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if not 0.00005 * H * W <= area <= 0.002 * H * W:
            continue
        x0, y0 = max(0, x - 2 * r), max(0, y - 2 * r)
        x1, y1 = min(W, x + w + 2 * r), min(H, y + h + 2 * r)
        blob = (labels[y0:y1, x0:x1] == i).astype(np.uint8)
        near = cv2.dilate(blob, np.ones((2 * r + 1, 2 * r + 1), np.uint8)) > 0
        ring = (cv2.dilate(blob, np.ones((4 * r + 1, 4 * r + 1), np.uint8)) > 0) & ~near
        if ring.any() and float(g[y0:y1, x0:x1][ring].mean()) < 115.0:
            out.append((int(round(centroids[i][0])), int(round(centroids[i][1]))))
    return sorted(out)
