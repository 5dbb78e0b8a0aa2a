"""Shared checks and placement for planting defects (:mod:`i2v_nb.testing.defects`).

Parameter checks that raise :class:`~i2v_nb.errors.ParameterError` naming the parameter, seeded
frame choice (anywhere in a range, or where the clip moves) and boxes: sized by area, placed at
random, on texture, or where a pasted copy stands out; feathered blending inside a box.

>>> rng = seeded_rng(0)
>>> x0, y0, x1, y1 = random_box(48, 64, *box_shape(48, 64, 0.05, rng), rng)
>>> 0 <= x0 < x1 <= 64 and 0 <= y0 < y1 <= 48
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from i2v_nb._media import as_frames
from i2v_nb.errors import ParameterError

__all__ = [
    "Box",
    "checked_frames",
    "seeded_rng",
    "checked_number",
    "pick_frame",
    "pick_moving_frame",
    "box_shape",
    "random_box",
    "texture_integral",
    "textured_box",
    "distinct_box",
    "boxes_overlap",
    "feather",
    "blend",
]

#: ``(x0, y0, x1, y1)`` in pixels, x1 and y1 exclusive.
Box = tuple[int, int, int, int]


# ---------------------------------------------------------------------------------- checks ---

def checked_frames(frames: Any, kind: str, min_frames: int) -> tuple[np.ndarray, int, int, int]:
    """Frames as a private uint8 copy, checked for length and size."""
    out = np.array(as_frames(frames), copy=True)
    t, h, w = out.shape[:3]
    if t < min_frames:
        raise ParameterError(f"frames has {t} frame(s); planting {kind} needs at least "
                             f"{min_frames}: pass a longer clip")
    if min(h, w) < 16:
        raise ParameterError(f"frames are {w}x{h} pixels; planting a defect needs at least "
                             "16x16: pass larger frames")
    return out, t, h, w


def seeded_rng(seed: Any) -> np.random.Generator:
    """NumPy's generator for a whole-number ``seed >= 0``, else a ParameterError."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ParameterError(f"seed must be a whole number >= 0 (e.g. 0, 1, 42), got {seed!r}")
    return np.random.default_rng(int(seed))


def checked_number(name: str, value: Any, lo: float, hi: float, *, whole: bool = False) -> float:
    """``value`` as a float (int when ``whole``) in ``[lo, hi]``, else a ParameterError."""
    ok = not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)
    if ok and whole:
        ok = float(value).is_integer()
    if not ok or not math.isfinite(value) or not lo <= value <= hi:
        kind = "a whole number" if whole else "a number"
        raise ParameterError(f"{name} must be {kind} from {lo:g} to {hi:g}, got {value!r}")
    return int(value) if whole else float(value)


def pick_frame(name: str, frame: Any, lo: int, hi: int, rng: np.random.Generator,
               pick: tuple[int, int] | None = None) -> int:
    """A given frame index checked to lie in ``[lo, hi]``, or one drawn from ``pick`` (default
    ``[lo, hi]``, clamped to it)."""
    if hi < lo:
        raise ParameterError(f"the clip is too short for this defect: no valid {name} "
                             f"(needs {lo} <= {name} <= {hi}); pass a longer clip or a smaller "
                             "defect")
    if frame is None:
        a, b = pick if pick is not None else (lo, hi)
        a, b = min(max(a, lo), hi), max(min(b, hi), lo)
        return int(rng.integers(a, max(a, b) + 1))
    return checked_number(name, frame, lo, hi, whole=True)


def pick_moving_frame(name: str, frame: Any, frames: np.ndarray, lo: int, hi: int,
                      rng: np.random.Generator, pick: tuple[int, int],
                      span: Callable[[int], slice]) -> int:
    """Like :func:`pick_frame`, but a drawn frame is one where the clip moves: of the candidates
    in ``pick``, those whose pairs ``span(i)`` change at least half as much as the most changing
    candidate's (mean absolute difference of consecutive frames), so a stutter is not planted
    where a loop turns and stands still anyway."""
    if frame is not None or hi < lo:
        return pick_frame(name, frame, lo, hi, rng, pick)
    a, b = min(max(pick[0], lo), hi), max(min(pick[1], hi), lo)
    cands = np.arange(a, max(a, b) + 1)
    g = frames.astype(np.int16).sum(axis=3)
    change = np.abs(np.diff(g, axis=0)).mean(axis=(1, 2))  # change[k]: pair (k, k + 1)
    score = np.array([change[span(int(i))].sum() for i in cands])
    keep = cands[score >= 0.5 * score.max()] if score.max() > 0 else cands
    return int(rng.choice(keep))


# ----------------------------------------------------------------------------------- boxes ---

def box_shape(h: int, w: int, area: float, rng: np.random.Generator) -> tuple[int, int]:
    """``(height, width)`` of a box covering ``area`` of an ``h``×``w`` frame, aspect drawn
    between 2:3 and 3:2, at least 4 px a side and no larger than the frame."""
    aspect = float(np.exp(rng.uniform(np.log(0.67), np.log(1.5))))
    bw = int(round(math.sqrt(area * h * w * aspect)))
    bh = int(round(area * h * w / max(bw, 1)))
    return max(4, min(bh, h)), max(4, min(bw, w))


def random_box(h: int, w: int, bh: int, bw: int, rng: np.random.Generator) -> Box:
    """A ``bh``×``bw`` box at a uniformly drawn place inside an ``h``×``w`` frame."""
    y0 = int(rng.integers(0, h - bh + 1))
    x0 = int(rng.integers(0, w - bw + 1))
    return x0, y0, x0 + bw, y0 + bh


def texture_integral(image: np.ndarray) -> np.ndarray:
    """Integral image of the gradient magnitude (|dx| + |dy| of luma), for box sums."""
    g = image.astype(np.float32).mean(axis=2)
    e = np.zeros_like(g)
    e[:, 1:] += np.abs(np.diff(g, axis=1))
    e[1:, :] += np.abs(np.diff(g, axis=0))
    return np.pad(e.cumsum(0).cumsum(1), ((1, 0), (1, 0)))


def textured_box(image: np.ndarray, bh: int, bw: int, rng: np.random.Generator,
                 tries: int = 12) -> Box:
    """The most textured of ``tries`` random boxes of size ``bh``×``bw``."""
    h, w = image.shape[:2]
    s = texture_integral(image)
    best, best_e = None, -1.0
    for _ in range(tries):
        x0, y0, x1, y1 = b = random_box(h, w, bh, bw, rng)
        e = s[y1, x1] - s[y0, x1] - s[y1, x0] + s[y0, x0]
        if e > best_e:
            best, best_e = b, e
    return best


def distinct_box(image: np.ndarray, src: Box, rng: np.random.Generator, tries: int = 12
                 ) -> Box:
    """Of ``tries`` random boxes the size of ``src`` and not overlapping it, the one whose
    content differs most from ``src``'s (so a copy pasted there stands out)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = src
    patch = image[y0:y1, x0:x1].astype(np.int16)
    best, best_d = None, -1.0
    for _ in range(tries * 8):
        b = random_box(h, w, y1 - y0, x1 - x0, rng)
        if boxes_overlap(b, src):
            continue
        d = float(np.abs(image[b[1]:b[3], b[0]:b[2]] - patch).mean())
        if d > best_d:
            best, best_d = b, d
    if best is None:
        raise ParameterError(f"cannot place two non-overlapping {x1 - x0}x{y1 - y0} boxes in a "
                             f"{w}x{h} frame; use a smaller area")
    return best


def boxes_overlap(a: Box, b: Box) -> bool:
    """Whether two boxes share at least one pixel (touching edges do not).

    >>> boxes_overlap((0, 0, 10, 10), (9, 9, 20, 20)), boxes_overlap((0, 0, 10, 10), (10, 0, 20, 9))
    (True, False)
    """
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def feather(bh: int, bw: int) -> np.ndarray:
    """``(bh, bw, 1)`` blending weights: 1 inside, ramping down towards the box edge (still > 0
    on it), so a pasted patch has no hard seam and changes nothing outside the box."""
    ramp = max(1, min(bh, bw) // 6)
    dy = np.minimum(np.arange(bh), np.arange(bh)[::-1])[:, None]
    dx = np.minimum(np.arange(bw), np.arange(bw)[::-1])[None, :]
    return np.clip((np.minimum(dy, dx) + 1) / ramp, 0, 1).astype(np.float32)[..., None]


def blend(dst: np.ndarray, src: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``alpha·src + (1 − alpha)·dst``, rounded to uint8."""
    mix = alpha * src.astype(np.float32) + (1 - alpha) * dst.astype(np.float32)
    return np.clip(np.round(mix), 0, 255).astype(np.uint8)
