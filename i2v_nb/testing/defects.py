"""Planted defects: put one known continuity defect into clean frames, with its ground truth.

The measuring instrument for :func:`i2v_nb.continuity_report`'s flags: each ``plant_*`` function
takes ``(T, H, W, 3)`` uint8 frames and returns new frames (the input is never modified) and a
:class:`PlantedDefect` saying what was planted, in which frames, where and how strongly. The
classes are the defects image-to-video models produce:

=====================  ======================================================  ===============
kind                   what is planted                                         strength
=====================  ======================================================  ===============
``artefact_burst``     blocky colour noise in a box, in one frame              area fraction
``color_cast``         one channel creeps by ``per_frame`` grey levels a       grey levels per
                       frame from a start frame on (gradual)                   frame
``stutter``            ``repeats`` identical frames, then a catch-up jump      frames
``dropped_frames``     ``count`` frames removed (the clip gets shorter)        frames
``motion_reversal``    from a frame on the clip plays backwards (ping-pong)    frames back
``morph``              a round region swells progressively (gradual)           final scale
``local_blur``         a textured box goes blurry for ``length`` frames        Gaussian sigma
``duplicate_object``   a textured patch is copied elsewhere for ``length``     area fraction
                       frames
``scene_cut``          from a frame on the clip shows other content            grey change
``flash``              one frame is ``level`` grey levels brighter             grey levels
``partial_freeze``     a box stops moving for ``length`` frames while the      area fraction
                       rest moves
=====================  ======================================================  ===============

Every random choice (frame, box, place) comes from ``seed``: the same seed and frames give the
same defect. Boxes of local defects are placed where the picture has texture (the best of a few
random candidates), and defects of motion (stutter, dropped frames, reversal, partial freeze) at
frames where the clip moves, so the defect is visible. Regions stay where they are on the frame
(they do not follow the camera). Checks and placement live in :mod:`.placement`;
:mod:`.defect_catalogue` builds a catalogue of planted cases from clean clips and matches flags
against the truth.

>>> import numpy as np
>>> frames = np.random.default_rng(0).integers(0, 256, (12, 32, 48, 3), dtype=np.uint8)
>>> planted, truth = plant_flash(frames, level=40, frame=5)
>>> truth.kind, truth.first, truth.last, truth.box
('flash', 5, 5, None)
>>> bool((planted[5] >= frames[5]).all()), bool((planted[4] == frames[4]).all())
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from i2v_nb._media import as_frames
from i2v_nb.errors import ParameterError
from i2v_nb.testing.placement import (
    Box,
    blend,
    box_shape,
    checked_frames,
    checked_number,
    distinct_box,
    feather,
    pick_frame,
    pick_moving_frame,
    random_box,
    seeded_rng,
    textured_box,
)

__all__ = [
    "PlantedDefect",
    "DEFECT_KINDS",
    "GRADUAL_KINDS",
    "plant_defect",
    "plant_artefact_burst",
    "plant_color_cast",
    "plant_stutter",
    "plant_dropped_frames",
    "plant_motion_reversal",
    "plant_morph",
    "plant_local_blur",
    "plant_duplicate_object",
    "plant_scene_cut",
    "plant_flash",
    "plant_partial_freeze",
    "zoom_frames",
]

@dataclass(frozen=True)
class PlantedDefect:
    """The ground truth of one planted defect.

    Attributes:
        kind: the defect class (one of :data:`DEFECT_KINDS`).
        first: first affected frame, an index into the *returned* frames. For gradual defects
            (``gradual``) the frame where it starts.
        last: last affected frame (inclusive); for gradual defects the clip's last frame.
        box: ``(x0, y0, x1, y1)`` pixel box of a local defect (x1, y1 exclusive), ``None`` when
            the whole frame is affected.
        strength: the defect's size, in ``unit``.
        unit: what ``strength`` measures, in words.
        gradual: the defect builds up from ``first`` on (a colour cast, a morph, a reversal).
    """

    kind: str
    first: int
    last: int
    box: Box | None
    strength: float
    unit: str
    gradual: bool = False

    @property
    def frames(self) -> range:
        """The affected frame indices."""
        return range(self.first, self.last + 1)

    def __str__(self) -> str:
        when = (f"from frame {self.first}" if self.gradual else f"frame {self.first}"
                if self.first == self.last else f"frames {self.first}–{self.last}")
        where = "whole frame" if self.box is None else "box ({}, {})–({}, {})".format(*self.box)
        return f"{self.kind} {when}, {where}, {self.strength:g} {self.unit}"


# ---------------------------------------------------------------------------------- plants ---

def plant_artefact_burst(frames: Any, *, area: float = 0.03, frame: int | None = None,
                         seed: int = 0) -> tuple[np.ndarray, PlantedDefect]:
    """A burst of blocky colour noise covering ``area`` of one frame (a decoding glitch).

    >>> f = np.full((8, 32, 32, 3), 100, np.uint8)
    >>> out, truth = plant_artefact_burst(f, area=0.1, frame=3)
    >>> x0, y0, x1, y1 = truth.box; bool((out[3, y0:y1, x0:x1] != 100).any())
    True
    """
    out, t, h, w = checked_frames(frames, "artefact_burst", 3)
    rng = seeded_rng(seed)
    area = checked_number("area", area, 0.001, 0.5)
    i = pick_frame("frame", frame, 0, t - 1, rng, (2, t - 3))
    bh, bw = box_shape(h, w, area, rng)
    x0, y0, x1, y1 = box = random_box(h, w, bh, bw, rng)
    import cv2

    block = max(2, min(bh, bw) // 6)
    sh, sw = -(-bh // block), -(-bw // block)
    patch = out[i, y0:y1, x0:x1]
    coarse = cv2.resize(cv2.resize(patch, (sw, sh), interpolation=cv2.INTER_AREA), (bw, bh),
                        interpolation=cv2.INTER_NEAREST).astype(np.int16)
    tint = np.repeat(np.repeat(rng.integers(-70, 71, (sh, sw, 3)), block, 0), block, 1)[:bh, :bw]
    noise = rng.integers(-40, 41, (bh, bw, 3))
    out[i, y0:y1, x0:x1] = np.clip(coarse + tint + noise, 0, 255).astype(np.uint8)
    return out, PlantedDefect("artefact_burst", i, i, box, area, "of the frame's area")


def plant_color_cast(frames: Any, *, per_frame: float = 1.5, start: int | None = None,
                     channel: int | None = None, seed: int = 0
                     ) -> tuple[np.ndarray, PlantedDefect]:
    """A colour cast creeping in: from ``start`` on, one channel moves ``per_frame`` grey levels
    a frame further (up when the channel is mostly dark, down when mostly bright).

    >>> f = np.full((10, 32, 32, 3), 100, np.uint8)
    >>> out, truth = plant_color_cast(f, per_frame=2, start=4, channel=0)
    >>> out[3:7, 0, 0, 0].tolist(), truth.gradual
    ([100, 102, 104, 106], True)
    """
    out, t, h, w = checked_frames(frames, "color_cast", 2)
    rng = seeded_rng(seed)
    per_frame = checked_number("per_frame", per_frame, 0.5, 64)
    s = pick_frame("start", start, 0, t - 1, rng, (t // 4, t // 2))
    c = int(rng.integers(0, 3)) if channel is None else checked_number("channel", channel, 0, 2,
                                                                whole=True)
    sign = 1.0 if out[s:, ..., c].mean() < 128 else -1.0
    for k, i in enumerate(range(s, t)):
        shift = int(round(sign * per_frame * (k + 1)))
        out[i, ..., c] = np.clip(out[i, ..., c].astype(np.int16) + shift, 0, 255)
    name = ("red", "green", "blue")[c]
    return out, PlantedDefect("color_cast", s, t - 1, None, per_frame,
                              f"grey levels per frame ({'+' if sign > 0 else '-'}{name})",
                              gradual=True)


def plant_stutter(frames: Any, *, repeats: int = 3, frame: int | None = None,
                  seed: int = 0) -> tuple[np.ndarray, PlantedDefect]:
    """A stutter: frame ``frame`` is shown ``repeats`` times (replacing the frames after it),
    then the clip catches up. The truth covers the repeated copies.

    >>> f = np.arange(10, dtype=np.uint8)[:, None, None, None] * np.ones((1, 16, 16, 3), np.uint8)
    >>> out, truth = plant_stutter(f, repeats=3, frame=4)
    >>> out[:, 0, 0, 0].tolist(), (truth.first, truth.last)
    ([0, 1, 2, 3, 4, 4, 4, 7, 8, 9], (5, 6))
    """
    out, t, _, _ = checked_frames(frames, "stutter", 4)
    rng = seeded_rng(seed)
    repeats = checked_number("repeats", repeats, 2, max(2, t - 2), whole=True)
    i = pick_moving_frame("frame", frame, out, 1, t - 1 - repeats, rng,
                      (t // 4, (3 * t) // 4 - repeats), lambda i: slice(i, i + repeats))
    out[i + 1:i + repeats] = out[i]
    return out, PlantedDefect("stutter", i + 1, i + repeats - 1, None, repeats,
                              "identical frames")


def plant_dropped_frames(frames: Any, *, count: int = 4, frame: int | None = None,
                         seed: int = 0) -> tuple[np.ndarray, PlantedDefect]:
    """Drop ``count`` frames: the returned clip is shorter, and its frame ``truth.first`` is the
    first one after the gap (the jump is between it and the frame before).

    >>> f = np.arange(10, dtype=np.uint8)[:, None, None, None] * np.ones((1, 16, 16, 3), np.uint8)
    >>> out, truth = plant_dropped_frames(f, count=3, frame=4)
    >>> out[:, 0, 0, 0].tolist(), truth.first
    ([0, 1, 2, 3, 7, 8, 9], 4)
    """
    out, t, _, _ = checked_frames(frames, "dropped_frames", 5)
    rng = seeded_rng(seed)
    count = checked_number("count", count, 1, t - 3, whole=True)
    n = t - count
    i = pick_moving_frame("frame", frame, out, 1, n - 1, rng, (n // 4, (3 * n) // 4),
                      lambda i: slice(i - 1, i + count))
    out = np.ascontiguousarray(np.concatenate([out[:i], out[i + count:]]))
    return out, PlantedDefect("dropped_frames", i, i, None, count, "frames dropped")


def plant_motion_reversal(frames: Any, *, length: int = 8, frame: int | None = None,
                          seed: int = 0) -> tuple[np.ndarray, PlantedDefect]:
    """Ping-pong: after frame ``frame`` the clip plays backwards for ``length`` frames (and ends
    there: the returned clip has ``frame + 1 + length`` frames).

    >>> f = np.arange(10, dtype=np.uint8)[:, None, None, None] * np.ones((1, 16, 16, 3), np.uint8)
    >>> out, truth = plant_motion_reversal(f, length=3, frame=5)
    >>> out[:, 0, 0, 0].tolist(), (truth.first, truth.last)
    ([0, 1, 2, 3, 4, 5, 4, 3, 2], (6, 8))
    """
    out, t, _, _ = checked_frames(frames, "motion_reversal", 5)
    rng = seeded_rng(seed)
    length = checked_number("length", length, 2, max(2, (t - 1) // 2), whole=True)
    i = pick_moving_frame("frame", frame, out, length, t - 1 - length, rng, (length, t),
                      lambda i: slice(i - length, i))
    out = np.ascontiguousarray(np.concatenate([out[:i + 1], out[i - length:i][::-1]]))
    return out, PlantedDefect("motion_reversal", i + 1, i + length, None, length,
                              "frames played backwards", gradual=True)


def plant_morph(frames: Any, *, scale: float = 1.3, area: float = 0.06,
                start: int | None = None, seed: int = 0) -> tuple[np.ndarray, PlantedDefect]:
    """A round region (``area`` of the frame, placed on texture) swells progressively from
    ``start`` on, to ``scale``× at the last frame (a smooth bloat, like a liquify brush: the
    centre is magnified, the rim blends into the unchanged frame).

    >>> f = np.random.default_rng(0).integers(0, 256, (8, 48, 48, 3), dtype=np.uint8)
    >>> out, truth = plant_morph(f, scale=1.5, start=4)
    >>> bool((out[:4] == f[:4]).all()), bool((out[7] != f[7]).any())
    (True, True)
    """
    out, t, h, w = checked_frames(frames, "morph", 2)
    rng = seeded_rng(seed)
    scale = checked_number("scale", scale, 1.01, 4.0)
    area = checked_number("area", area, 0.005, 0.3)
    s = pick_frame("start", start, 1, t - 1, rng, (t // 4, t // 2))
    radius = math.sqrt(area * h * w / math.pi)
    side = min(h, w, 2 * int(math.ceil(radius)) + 1)
    x0, y0, x1, y1 = box = textured_box(out[s], side, side, rng)
    cx, cy = (x0 + x1 - 1) / 2.0, (y0 + y1 - 1) / 2.0
    radius = min(radius, side / 2.0)
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    dx, dy = xx - np.float32(cx), yy - np.float32(cy)
    weight = np.clip(1 - (dx * dx + dy * dy) / np.float32(radius * radius), 0, 1) ** 2
    import cv2

    for k, i in enumerate(range(s, t)):
        grow = (scale - 1.0) * (k + 1) / (t - s)
        f = (1.0 / (1.0 + grow * weight)).astype(np.float32)
        mx = np.where(weight > 0, np.float32(cx) + dx * f, xx).astype(np.float32)
        my = np.where(weight > 0, np.float32(cy) + dy * f, yy).astype(np.float32)
        out[i, y0:y1, x0:x1] = cv2.remap(out[i], mx, my, cv2.INTER_LINEAR,
                                         borderMode=cv2.BORDER_REFLECT)
    return out, PlantedDefect("morph", s, t - 1, box, scale, "× final scale of the region",
                              gradual=True)


def plant_local_blur(frames: Any, *, sigma: float = 3.0, area: float = 0.06, length: int = 3,
                     frame: int | None = None, seed: int = 0
                     ) -> tuple[np.ndarray, PlantedDefect]:
    """A textured box goes blurry (Gaussian ``sigma`` px, feathered edge) for ``length`` frames.

    >>> f = np.random.default_rng(0).integers(0, 256, (8, 48, 48, 3), dtype=np.uint8)
    >>> out, truth = plant_local_blur(f, sigma=2, frame=3, length=2)
    >>> [bool((out[i] != f[i]).any()) for i in range(2, 6)]
    [False, True, True, False]
    """
    out, t, h, w = checked_frames(frames, "local_blur", 3)
    rng = seeded_rng(seed)
    sigma = checked_number("sigma", sigma, 0.5, 50)
    area = checked_number("area", area, 0.001, 0.5)
    length = checked_number("length", length, 1, t - 1, whole=True)
    i = pick_frame("frame", frame, 0, t - length, rng, (2, t - length - 1))
    bh, bw = box_shape(h, w, area, rng)
    x0, y0, x1, y1 = box = textured_box(out[i], bh, bw, rng)
    alpha = feather(bh, bw)
    m = int(math.ceil(3 * sigma))
    import cv2

    for j in range(i, i + length):
        cy0, cx0 = max(0, y0 - m), max(0, x0 - m)
        crop = out[j, cy0:min(h, y1 + m), cx0:min(w, x1 + m)]
        blurred = cv2.GaussianBlur(crop, (0, 0), sigma)[y0 - cy0:y1 - cy0, x0 - cx0:x1 - cx0]
        out[j, y0:y1, x0:x1] = blend(out[j, y0:y1, x0:x1], blurred, alpha)
    return out, PlantedDefect("local_blur", i, i + length - 1, box, sigma, "px Gaussian sigma")


def plant_duplicate_object(frames: Any, *, area: float = 0.04, length: int = 4,
                           frame: int | None = None, seed: int = 0
                           ) -> tuple[np.ndarray, PlantedDefect]:
    """A textured patch (``area`` of the frame) appears a second time elsewhere — where it
    differs most from the surroundings it covers, of a few random places — for ``length``
    frames (copied from each frame's own content, feathered edge). The box is the copy's.

    >>> f = np.random.default_rng(0).integers(0, 256, (8, 48, 64, 3), dtype=np.uint8)
    >>> out, truth = plant_duplicate_object(f, frame=2, length=3)
    >>> truth.frames, bool((out[5] == f[5]).all())
    (range(2, 5), True)
    """
    out, t, h, w = checked_frames(frames, "duplicate_object", 3)
    rng = seeded_rng(seed)
    area = checked_number("area", area, 0.001, 0.25)
    length = checked_number("length", length, 1, t - 1, whole=True)
    i = pick_frame("frame", frame, 0, t - length, rng, (2, t - length - 1))
    bh, bw = box_shape(h, w, area, rng)
    sx0, sy0, sx1, sy1 = src = textured_box(out[i], bh, bw, rng)
    x0, y0, x1, y1 = box = distinct_box(out[i], src, rng)
    alpha = feather(bh, bw)
    for j in range(i, i + length):
        out[j, y0:y1, x0:x1] = blend(out[j, y0:y1, x0:x1], out[j, sy0:sy1, sx0:sx1], alpha)
    return out, PlantedDefect("duplicate_object", i, i + length - 1, box, area,
                              "of the frame's area")


def zoom_frames(frames: Any, zoom: float, *, centre: tuple[float, float] | None = None
                ) -> np.ndarray:
    """Every frame magnified ``zoom``× about ``centre`` ``(x, y)`` (default the middle), same
    size: the same scene framed tighter, for a jump cut.

    >>> zoom_frames(np.zeros((2, 20, 30, 3), np.uint8), 2.0).shape
    (2, 20, 30, 3)
    """
    import cv2

    f = as_frames(frames)
    zoom = checked_number("zoom", zoom, 1.0, 16.0)
    h, w = f.shape[1:3]
    cx, cy = centre if centre is not None else ((w - 1) / 2, (h - 1) / 2)
    m = np.float32([[zoom, 0, (1 - zoom) * cx], [0, zoom, (1 - zoom) * cy]])
    return np.stack([cv2.warpAffine(x, m, (w, h), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REFLECT) for x in f])


def plant_scene_cut(frames: Any, other: Any = None, *, zoom: float = 2.0,
                    frame: int | None = None, seed: int = 0
                    ) -> tuple[np.ndarray, PlantedDefect]:
    """A cut: from ``frame`` on, the clip shows ``other`` (frames of the same size, at least as
    many), or without ``other`` the same clip zoomed ``zoom``× about a textured point (a jump
    cut). The strength is measured: the mean grey change across the cut.

    >>> a, b = np.zeros((8, 16, 16, 3), np.uint8), np.full((8, 16, 16, 3), 90, np.uint8)
    >>> out, truth = plant_scene_cut(a, b, frame=5)
    >>> out[:, 0, 0, 0].tolist(), truth.strength
    ([0, 0, 0, 0, 0, 90, 90, 90], 90.0)
    """
    out, t, h, w = checked_frames(frames, "scene_cut", 2)
    rng = seeded_rng(seed)
    i = pick_frame("frame", frame, 1, t - 1, rng, (t // 4, (3 * t) // 4))
    if other is None:
        bh, bw = box_shape(h, w, 0.05, rng)
        x0, y0, x1, y1 = textured_box(out[i], bh, bw, rng)
        other = zoom_frames(out, zoom, centre=((x0 + x1) / 2, (y0 + y1) / 2))
    else:
        other = as_frames(other, name="other")
        if other.shape[0] < t or other.shape[1:3] != (h, w):
            raise ParameterError(f"other is {other.shape[0]} frames of {other.shape[2]}x"
                                 f"{other.shape[1]}; a cut needs at least {t} frames of {w}x{h}"
                                 " (the clip's size): resize or pad the other clip")
    out[i:] = other[i:t]
    jump = float(np.abs(out[i].astype(np.int16) - out[i - 1]).mean())
    return out, PlantedDefect("scene_cut", i, i, None, round(jump, 2),
                              "grey levels changed across the cut")


def plant_flash(frames: Any, *, level: float = 40.0, frame: int | None = None,
                seed: int = 0) -> tuple[np.ndarray, PlantedDefect]:
    """One frame ``level`` grey levels brighter (negative: darker), clipped to 0–255.

    >>> out, truth = plant_flash(np.full((6, 16, 16, 3), 100, np.uint8), level=-30, frame=2)
    >>> out[:, 0, 0, 0].tolist()
    [100, 100, 70, 100, 100, 100]
    """
    out, t, _, _ = checked_frames(frames, "flash", 2)
    rng = seeded_rng(seed)
    level = checked_number("level", level, -255, 255)
    if abs(level) < 1:
        raise ParameterError(f"level must be at least 1 grey level up or down, got {level!r}")
    i = pick_frame("frame", frame, 0, t - 1, rng, (2, t - 3))
    out[i] = np.clip(out[i].astype(np.int16) + int(round(level)), 0, 255)
    return out, PlantedDefect("flash", i, i, None, level, "grey levels")


def plant_partial_freeze(frames: Any, *, area: float = 0.1, length: int = 6,
                         frame: int | None = None, seed: int = 0
                         ) -> tuple[np.ndarray, PlantedDefect]:
    """A textured box stops moving: frames ``frame + 1`` … ``frame + length - 1`` show frame
    ``frame``'s content there (feathered edge) while the rest of the picture moves on.

    >>> from i2v_nb.testing.defects import plant_partial_freeze
    >>> f = np.random.default_rng(0).integers(0, 256, (10, 48, 48, 3), dtype=np.uint8)
    >>> out, truth = plant_partial_freeze(f, length=3, frame=4)
    >>> truth.frames
    range(5, 7)
    """
    out, t, h, w = checked_frames(frames, "partial_freeze", 4)
    rng = seeded_rng(seed)
    area = checked_number("area", area, 0.001, 0.6)
    length = checked_number("length", length, 2, t - 2, whole=True)
    i = pick_moving_frame("frame", frame, out, 0, t - length - 1, rng,
                      (t // 4, (3 * t) // 4 - length), lambda i: slice(i, i + length))
    bh, bw = box_shape(h, w, area, rng)
    x0, y0, x1, y1 = box = textured_box(out[i], bh, bw, rng)
    alpha = feather(bh, bw)
    held = out[i, y0:y1, x0:x1].copy()
    for j in range(i + 1, i + length):
        out[j, y0:y1, x0:x1] = blend(out[j, y0:y1, x0:x1], held, alpha)
    return out, PlantedDefect("partial_freeze", i + 1, i + length - 1, box, area,
                              "of the frame's area")


_PLANTERS: dict[str, Callable[..., tuple[np.ndarray, PlantedDefect]]] = {
    "artefact_burst": plant_artefact_burst,
    "color_cast": plant_color_cast,
    "stutter": plant_stutter,
    "dropped_frames": plant_dropped_frames,
    "motion_reversal": plant_motion_reversal,
    "morph": plant_morph,
    "local_blur": plant_local_blur,
    "duplicate_object": plant_duplicate_object,
    "scene_cut": plant_scene_cut,
    "flash": plant_flash,
    "partial_freeze": plant_partial_freeze,
}
#: Every defect class, in the order of the table above.
DEFECT_KINDS: tuple[str, ...] = tuple(_PLANTERS)
#: Classes that build up from a start frame (their truth's ``gradual`` is True).
GRADUAL_KINDS: frozenset[str] = frozenset({"color_cast", "morph", "motion_reversal"})


def plant_defect(frames: Any, kind: str, *, seed: int = 0, **params: Any
                 ) -> tuple[np.ndarray, PlantedDefect]:
    """Plant one defect of class ``kind`` (see :data:`DEFECT_KINDS`); ``params`` go to its
    ``plant_*`` function.

    >>> out, truth = plant_defect(np.zeros((8, 16, 16, 3), np.uint8), "flash", frame=3)
    >>> str(truth)
    'flash frame 3, whole frame, 40 grey levels'
    """
    import inspect

    if kind not in _PLANTERS:
        raise ParameterError(f"kind={kind!r} is not a defect class; use one of "
                             f"{', '.join(DEFECT_KINDS)}")
    plant = _PLANTERS[kind]
    known = set(inspect.signature(plant).parameters) - {"frames", "seed"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise ParameterError(f"plant_{kind} takes no parameter {', '.join(unknown)}; its "
                             f"parameters are {', '.join(sorted(known))}")
    return plant(frames, seed=seed, **params)
