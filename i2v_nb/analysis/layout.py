"""Layout: saliency, main subject, horizon, rule of thirds, foreground/background, relations.

>>> import numpy as np
>>> img = np.zeros((120, 160, 3), np.uint8)
>>> img[40:80, 90:130] = 230                                  # one bright square, right of centre
>>> box = subject_box(subject_mask(saliency_map(img)))
>>> [abs(a - b) <= 2 for a, b in zip(box, (90, 40, 130, 80))]
[True, True, True, True]
>>> find_horizon(img) is None
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from i2v_nb._media import to_grey
from i2v_nb.analysis._common import (as_rgb, normalize01, otsu_threshold, region_means,
                                     upsample, work_copy)

__all__ = ["saliency_map", "subject_mask", "subject_box", "find_horizon", "thirds_position",
           "foreground_mask", "spatial_relations", "subject_placement"]

_WORK_SIDE = 256


def _lab(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(rgb.astype(np.float32) * (1.0 / 255.0), cv2.COLOR_RGB2Lab)


def _spectral_residual(gray: np.ndarray) -> np.ndarray:
    """Spectral-residual saliency (Hou & Zhang, CVPR 2007) on a 64-px copy of ``gray``."""
    import cv2

    h, w = gray.shape
    s = 64.0 / max(h, w)
    small = cv2.resize(gray, (max(8, round(w * s)), max(8, round(h * s))),
                       interpolation=cv2.INTER_AREA)
    spec = np.fft.fft2(small)
    log_amp = np.log(np.abs(spec) + 1e-8)
    phase = np.angle(spec)
    residual = log_amp - cv2.blur(log_amp, (3, 3))
    sal = np.abs(np.fft.ifft2(np.exp(residual + 1j * phase))) ** 2
    sal = cv2.GaussianBlur(sal.astype(np.float32), (0, 0), 2.5)
    return cv2.resize(normalize01(sal), (w, h), interpolation=cv2.INTER_LINEAR)


def saliency_map(image: Any, *, regions: np.ndarray | None = None,
                 max_side: int = _WORK_SIDE) -> np.ndarray:
    """How much each pixel stands out, ``(H, W)`` float32 in [0, 1].

    A blend of three classical cues computed in CIE Lab on a copy with long side ≤ ``max_side``:

    * *border contrast* (0.5) — Lab distance to the nearest of 12 colours sampled along the frame's
      border (the background usually touches the border; Wei et al. 2012's boundary prior);
    * *global contrast* (0.3) — distance to the image's mean colour (Achanta et al. 2009,
      frequency-tuned saliency);
    * *spectral residual* (0.2) — Hou & Zhang 2007, which favours small, unusual details;

    times a mild centre prior (0.7 at the corners, 1 in the middle). With ``regions`` (a label map
    of the same image) the map is averaged per region half-and-half. Finally a guided filter
    (He et al. 2010) with the full-size grey image as guide snaps the coarse map to the image's
    own edges.
    """
    import cv2

    rgb = as_rgb(image)
    H, W = rgb.shape[:2]
    small, _ = work_copy(rgb, max_side)
    h, w = small.shape[:2]
    lab = cv2.GaussianBlur(_lab(small), (0, 0), 1.0)

    glob = np.linalg.norm(lab - lab.reshape(-1, 3).mean(axis=0), axis=2)

    b = max(1, min(h, w) // 30)
    strips = [lab[:b], lab[-b:], lab[:, :b].transpose(1, 0, 2), lab[:, -b:].transpose(1, 0, 2)]
    colours = []
    for strip in strips:  # 3 segments along each side
        n = strip.shape[1]
        for i in range(3):
            seg = strip[:, i * n // 3:(i + 1) * n // 3].reshape(-1, 3)
            if seg.size:
                colours.append(np.median(seg, axis=0))
    border = np.min(np.stack([np.linalg.norm(lab - c, axis=2) for c in colours]), axis=0)

    sr = _spectral_residual(lab[:, :, 0])
    sal = 0.5 * normalize01(border) + 0.3 * normalize01(glob) + 0.2 * sr
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xx - (w - 1) / 2) / w) ** 2 + ((yy - (h - 1) / 2) / h) ** 2
    sal = sal * (0.7 + 0.3 * np.exp(-r2 / (2 * 0.3 ** 2)))
    sal = cv2.GaussianBlur(sal.astype(np.float32), (0, 0), 1.0)
    sal = normalize01(sal)
    out = upsample(sal, (H, W))
    if regions is not None:
        out = 0.5 * out + 0.5 * region_means(out, np.asarray(regions).astype(np.int64))
    # edge-aware refinement at full size: the coarse map snaps to the image's own edges
    from i2v_nb.analysis.depth import guided_filter

    guide = to_grey(rgb).astype(np.float32) * (1.0 / 255.0)
    radius = max(2, int(np.ceil(2.0 * max(H, W) / max(h, w))))
    out = guided_filter(guide, out.astype(np.float32), radius, 1e-3)
    return normalize01(out)


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    import cv2

    m = mask.astype(np.uint8)
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(m)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return filled.astype(bool)


def subject_mask(saliency: np.ndarray, *, min_fraction: float = 0.002) -> np.ndarray:
    """The main subject as an ``(H, W)`` bool mask from a saliency map (all False if none).

    Otsu's threshold on the saliency (at least 0.35) picks the salient pixels; the largest
    connected part is kept together with parts at least a quarter of its size, and holes are filled.
    """
    import cv2

    s = np.asarray(saliency, dtype=np.float32)
    H, W = s.shape
    if float(s.max() - s.min()) < 0.05:
        return np.zeros((H, W), bool)
    thr = max(otsu_threshold(s), 0.35)
    mask = s > thr
    k = max(3, (min(H, W) // 100) | 1)
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, 8, cv2.CV_32S)
    if n <= 1:
        return np.zeros((H, W), bool)
    areas = stats[1:, 4]
    keep = np.zeros(n, bool)
    keep[1:] = (areas >= 0.25 * areas.max()) & (areas >= min_fraction * H * W)
    return _fill_holes(keep[labels])


def subject_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box ``(x0, y0, x1, y1)`` of a bool mask in pixels, end exclusive; None if empty."""
    m = np.asarray(mask, bool)
    rows = np.nonzero(m.any(axis=1))[0]
    cols = np.nonzero(m.any(axis=0))[0]
    if rows.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def find_horizon(image: Any, *, min_columns: float = 0.7, max_side: int = _WORK_SIDE) -> int | None:
    """The row of a horizon-like line across the whole width, or None when there is none.

    For every column, the mean Lab colour of a window above each row is compared with a window
    below it (``k`` = 1/12 of the height); a *step* (not a gradual ramp) is required, by
    subtracting the mean of the differences half a window further up and down (a step of size S
    keeps S/2, a linear ramp 0). A row is a horizon when this exceeds 5 Lab units (or 4× the
    median over the image, on textured or noisy images) in at least
    ``min_columns`` of the columns (within ±2 rows, so a slightly tilted line still counts) and
    the row is not in the top or bottom 5 %.

    Returns the first row below the line, in full-image pixels.
    """
    import cv2

    rgb = as_rgb(image)
    H = rgb.shape[0]
    small, scale = work_copy(rgb, max_side)
    h, w = small.shape[:2]
    if h < 24:
        return None
    lab = cv2.GaussianBlur(_lab(small), (0, 0), 1.0)
    k = max(3, h // 12)
    cs = np.concatenate([np.zeros((1, w, 3), np.float32), np.cumsum(lab, axis=0)], axis=0)
    ys = np.arange(k, h - k + 1)
    above = (cs[ys] - cs[ys - k]) / k
    below = (cs[ys + k] - cs[ys]) / k
    diff = np.linalg.norm(above - below, axis=2)                   # (len(ys), w)
    half = max(1, k // 2)
    up = np.vstack([np.repeat(diff[:1], half, axis=0), diff[:-half]])
    down = np.vstack([diff[half:], np.repeat(diff[-1:], half, axis=0)])
    step = diff - 0.5 * (up + down)  # S/2 at a step of size S, 0 on a linear ramp
    noise = float(np.median(np.abs(step)))  # textured or noisy images need a larger step
    strong = (step > max(5.0, 4.0 * noise)).astype(np.uint8)
    strong = cv2.dilate(strong, np.ones((5, 1), np.uint8)) > 0
    frac = strong.mean(axis=1)
    score = frac + 1e-4 * step.mean(axis=1)
    best = int(np.argmax(score))
    y = int(ys[best])
    if frac[best] < min_columns or y < 0.05 * h or y > 0.95 * h:
        return None
    # refine: the row with the largest mean step near the best one
    lo, hi = max(0, best - 2), min(len(ys), best + 3)
    y = int(ys[lo + int(np.argmax(diff[lo:hi].mean(axis=1)))])
    return int(np.clip(round(y / scale), 0, H - 1))


#: A subject box at least this fraction of the frame's width (or height) is a band, not a point.
_WIDE = 0.6


def subject_placement(box: tuple[int, int, int, int], shape: tuple[int, int]) -> str:
    """Where a subject box sits, in the words every description uses (one rule for all of them).

    A box spanning at least 60 % of the width "spans most of the width" (from the left edge / to
    the right edge when it touches one side); otherwise its centre is "centred" within 10 % of the
    middle, else "left of centre" / "right of centre". Off the middle row by more than 15 % of the
    height adds "in the upper part" / "in the lower part".

    >>> subject_placement((0, 181, 585, 281), (512, 768))
    'spans most of the width from the left edge'
    >>> subject_placement((90, 10, 130, 40), (120, 160))
    'right of centre in the upper part'
    """
    h, w = shape
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2.0 / w, (y0 + y1) / 2.0 / h
    if (x1 - x0) >= _WIDE * w:
        touches_left, touches_right = x0 <= 0.02 * w, x1 >= 0.98 * w
        horiz = "spans most of the width" + (" from the left edge" if touches_left
                                            and not touches_right else
                                            " to the right edge" if touches_right
                                            and not touches_left else "")
    elif abs(cx - 0.5) < 0.1:
        horiz = "centred"
    else:
        horiz = ("left" if cx < 0.5 else "right") + " of centre"
    vert = "" if abs(cy - 0.5) < 0.15 else (" in the upper part" if cy < 0.5
                                             else " in the lower part")
    return horiz + vert


def thirds_position(box: tuple[int, int, int, int], shape: tuple[int, int]) -> dict[str, Any]:
    """Where a box sits in the frame, in rule-of-thirds terms.

    Returns ``center`` ``(x, y)`` in [0, 1], ``column`` ("left" | "centre" | "right": the third
    of the grid the centre falls in, not a claim that the subject is centred), ``row`` ("top" |
    "middle" | "bottom"), ``span`` (box width and height as fractions of the frame),
    ``nearest_power_point`` (one of the four thirds intersections, in [0, 1]), ``distance`` to it
    (fraction of the diagonal), ``on_thirds`` (distance < 0.1 and the box narrower and lower than
    60 % of the frame: a band across the picture sits on no point) and ``centred`` (centre within
    10 % of the middle both ways).

    >>> t = thirds_position((0, 181, 585, 281), (512, 768))   # a wide band from the left edge
    >>> t["column"], t["span"], t["on_thirds"], t["centred"]
    ('centre', (0.7617, 0.1953), False, False)
    """
    h, w = shape
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2.0 / w, (y0 + y1) / 2.0 / h
    column = "left" if cx < 1 / 3 else "right" if cx > 2 / 3 else "centre"
    row = "top" if cy < 1 / 3 else "bottom" if cy > 2 / 3 else "middle"
    points = [(a, b) for a in (1 / 3, 2 / 3) for b in (1 / 3, 2 / 3)]
    dists = [np.hypot((cx - a) * w, (cy - b) * h) / np.hypot(w, h) for a, b in points]
    i = int(np.argmin(dists))
    span = ((x1 - x0) / w, (y1 - y0) / h)
    compact = span[0] < _WIDE and span[1] < _WIDE
    return {"center": (round(cx, 4), round(cy, 4)), "column": column, "row": row,
            "span": (round(span[0], 4), round(span[1], 4)),
            "nearest_power_point": (round(points[i][0], 4), round(points[i][1], 4)),
            "distance": round(float(dists[i]), 4), "on_thirds": bool(dists[i] < 0.1 and compact),
            "centred": bool(abs(cx - 0.5) < 0.1 and abs(cy - 0.5) < 0.1)}


def foreground_mask(depth: np.ndarray, subject: np.ndarray | None = None) -> np.ndarray:
    """Foreground: nearer than Otsu's split of the depth (at most its median), plus the subject.

    ``depth`` is ``(H, W)`` in [0, 1] with 0 = nearest; returns an ``(H, W)`` bool mask.
    """
    d = np.asarray(depth, np.float32)
    thr = min(otsu_threshold(d), float(np.median(d[::2, ::2])))
    fg = d <= thr
    if subject is not None:
        fg |= np.asarray(subject, bool)
    return fg


def _where(cx: float, cy: float) -> str:
    col = "left" if cx < 0.4 else "right" if cx > 0.6 else ""
    row = "top" if cy < 0.4 else "bottom" if cy > 0.6 else ""
    if not col and not row:
        return "in the centre"
    return "at the " + (f"{row} {col}".strip() if row and col else (row or col))


def spatial_relations(shape: tuple[int, int], *, subject_box: tuple[int, int, int, int] | None,
                      regions: dict[str, np.ndarray] | None = None,
                      horizon_y: int | None = None, depth: np.ndarray | None = None,
                      subject: np.ndarray | None = None, min_fraction: float = 0.02) -> list[str]:
    """Plain-language relations between the main parts, e.g. ``["subject left of centre",
    "sky above the subject", "water below the subject", "horizon in the lower third"]``.

    Args:
        shape: ``(H, W)`` of the image.
        subject_box: ``(x0, y0, x1, y1)`` or None when there is no clear subject.
        regions: named bool masks (e.g. :func:`~i2v_nb.analysis.motion_region_masks`); those that
            cover at least ``min_fraction`` of the image are placed relative to the subject.
        horizon_y: the horizon row or None.
        depth, subject: depth map (0 = near) and subject mask, to say what is in front.
    """
    h, w = shape
    out: list[str] = []
    if subject_box is not None:
        x0, y0, x1, y1 = subject_box
        out.append("subject " + subject_placement(subject_box, shape))
        if (x1 - x0) * (y1 - y0) > 0.6 * h * w:
            out.append("subject fills most of the frame")
    for name, mask in (regions or {}).items():
        m = np.asarray(mask, bool)
        if m.mean() < min_fraction:
            continue
        ys, xs = np.nonzero(m)
        mcx, mcy = xs.mean() / w, ys.mean() / h
        if subject_box is None:
            out.append(f"{name} {_where(mcx, mcy)}")
            continue
        x0, y0, x1, y1 = subject_box
        top = np.percentile(ys, 10)
        left, right = np.percentile(xs, 10), np.percentile(xs, 90)
        if np.median(ys) < y0 + 0.25 * (y1 - y0) and mcy * h < (y0 + y1) / 2:
            rel = "above the subject"
        elif top >= (y0 + y1) / 2:
            rel = "below the subject"
        elif right <= (x0 + x1) / 2:
            rel = "left of the subject"
        elif left >= (x0 + x1) / 2:
            rel = "right of the subject"
        elif name in ("hair", "fabric"):
            rel = "on the subject"
        else:
            rel = "around the subject"
        out.append(f"{name} {rel}")
    if horizon_y is not None:
        t = horizon_y / h
        part = "upper third" if t < 1 / 3 else "lower third" if t > 2 / 3 else "middle"
        out.append(f"horizon in the {part}" if part != "middle" else "horizon across the middle")
    if depth is not None and subject is not None and np.asarray(subject).any() \
            and not np.asarray(subject).all():
        d = np.asarray(depth, np.float32)
        s = np.asarray(subject, bool)
        inside, outside = float(d[s].mean()), float(d[~s].mean())
        if inside < outside - 0.08:
            out.append("subject in front of the background")
        elif inside > outside + 0.08:
            out.append("subject behind nearer parts of the scene")
    return out
