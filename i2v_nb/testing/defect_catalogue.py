"""A catalogue of planted defects over clean clips, and the rule that says whether flags found one.

The clean clips are passed in (this layer sits below :mod:`i2v_nb.synthesis`; the benchmark
``benchmarks/bench_defects.py`` makes them with the preview engine). :func:`plant_catalogue`
plants every defect class of :mod:`~i2v_nb.testing.defects` at every strength level of
:data:`STRENGTHS` into every clip it applies to; :func:`matching_flags` is the one rule that
decides whether a continuity report found a planted defect:

* the flag's ``kind`` is one :data:`FLAG_KINDS` accepts for the defect class;
* its ``frame`` is within ±:data:`FRAME_TOLERANCE` of the affected frames — for gradual defects
  anywhere from one frame before the start to the end (how late is :func:`detection_delay`);
* for a local defect, when the flag carries a box (``getattr(flag, "box", None)``, ``(x0, y0, x1,
  y1)``), the box overlaps the truth's box. Flags are read by duck typing (``frame``, ``kind``,
  optional ``box``), so this module needs nothing from :mod:`i2v_nb.diagnostics`.

>>> import numpy as np
>>> from types import SimpleNamespace as Flag
>>> clip = CleanClip("grey", "static", np.full((24, 32, 48, 3), 90, np.uint8))
>>> case = next(plant_catalogue([clip], kinds=["flash"], levels=["strong"]))
>>> case.truth.kind, case.level, case.truth.strength
('flash', 'strong', 40.0)
>>> len(matching_flags(case.truth, [Flag(frame=case.truth.first, kind="flash")]))
1
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from i2v_nb.errors import ParameterError
from i2v_nb.testing.defects import DEFECT_KINDS, PlantedDefect, plant_defect
from i2v_nb.testing.placement import boxes_overlap

__all__ = [
    "CleanClip",
    "PlantedCase",
    "LEVELS",
    "STRENGTHS",
    "NEEDS",
    "FLAG_KINDS",
    "FRAME_TOLERANCE",
    "ANOTHER_PHOTO",
    "applies_to",
    "plant_catalogue",
    "matching_flags",
    "near_misses",
    "detection_delay",
    "box_iou",
]

#: Strength levels, weakest first.
LEVELS: tuple[str, ...] = ("weak", "medium", "strong")
#: In :data:`STRENGTHS`, the scene cut's "other" clip: a clip of another photo from the catalogue.
ANOTHER_PHOTO = "another photo"
#: Parameters of each class's ``plant_*`` function per level. "medium" is the size issue 18
#: measured (~3 % of the area, 1.5 grey levels a frame, three identical frames, four dropped
#: frames); weak halves it, strong doubles it, roughly.
STRENGTHS: dict[str, dict[str, dict[str, Any]]] = {
    "artefact_burst": {"weak": {"area": 0.015}, "medium": {"area": 0.03},
                       "strong": {"area": 0.06}},
    "color_cast": {"weak": {"per_frame": 0.75}, "medium": {"per_frame": 1.5},
                   "strong": {"per_frame": 3.0}},
    "stutter": {"weak": {"repeats": 2}, "medium": {"repeats": 3}, "strong": {"repeats": 5}},
    "dropped_frames": {"weak": {"count": 2}, "medium": {"count": 4}, "strong": {"count": 8}},
    "motion_reversal": {"weak": {"length": 4}, "medium": {"length": 7},
                        "strong": {"length": 10}},
    "morph": {"weak": {"scale": 1.15}, "medium": {"scale": 1.3}, "strong": {"scale": 1.6}},
    "local_blur": {"weak": {"sigma": 1.5}, "medium": {"sigma": 3.0}, "strong": {"sigma": 6.0}},
    "duplicate_object": {"weak": {"area": 0.02}, "medium": {"area": 0.04},
                         "strong": {"area": 0.08}},
    "scene_cut": {"weak": {"zoom": 1.3}, "medium": {"zoom": 2.0},
                  "strong": {"other": ANOTHER_PHOTO}},
    "flash": {"weak": {"level": 10}, "medium": {"level": 20}, "strong": {"level": 40}},
    "partial_freeze": {"weak": {"area": 0.05}, "medium": {"area": 0.1},
                       "strong": {"area": 0.2}},
}
#: What a clean clip must do for a class to be planted in it: ``"any"`` clip, a ``"moving"`` one
#: (camera not ``"static"``), or one moving ``"one_way"`` (neither static nor a ``"loop"``, which
#: already plays back and forth).
NEEDS: dict[str, str] = {kind: "any" for kind in DEFECT_KINDS} | {
    "stutter": "moving", "dropped_frames": "moving", "partial_freeze": "moving",
    "motion_reversal": "one_way"}
#: THE table: which flag kinds count as finding each defect class. The kinds
#: :func:`~i2v_nb.diagnostics.detect_flags` raises today (cut, jump, flash, glitch, flicker, freeze,
#: identity_loss) plus names a detector may add (artefact, blur, duplicate, color_drift, morph,
#: motion_reversal, partial_freeze...).
FLAG_KINDS: dict[str, frozenset[str]] = {
    "artefact_burst": frozenset({"glitch", "artefact"}),
    "color_cast": frozenset({"color_drift", "color_cast"}),
    "stutter": frozenset({"freeze", "stutter", "jump"}),
    "dropped_frames": frozenset({"jump", "dropped_frames"}),
    "motion_reversal": frozenset({"motion_reversal", "reversal"}),
    "morph": frozenset({"identity_loss", "morph"}),
    "local_blur": frozenset({"blur", "glitch", "artefact"}),
    "duplicate_object": frozenset({"duplicate", "glitch", "artefact", "identity_loss"}),
    "scene_cut": frozenset({"cut", "jump"}),
    "flash": frozenset({"flash", "flicker"}),
    "partial_freeze": frozenset({"freeze", "partial_freeze"}),
}
#: How many frames a flag may sit before or after the affected frames.
FRAME_TOLERANCE = 1


@dataclass(frozen=True)
class CleanClip:
    """A defect-free clip to plant into.

    Attributes:
        photo: the photo it was made from (a scene cut at "strong" cuts to another photo).
        camera: its move; ``"static"`` and ``"loop"`` decide which classes apply (:data:`NEEDS`).
        frames: ``(T, H, W, 3)`` uint8.
        reference: the source image for the report (None: the first frame).
        fps: frames per second, or None.
    """

    photo: str
    camera: str
    frames: np.ndarray = field(repr=False)
    reference: np.ndarray | None = field(default=None, repr=False)
    fps: float | None = None

    @property
    def name(self) -> str:
        return f"{self.photo}/{self.camera}"


@dataclass(frozen=True)
class PlantedCase:
    """One clean clip with one planted defect."""

    clip: CleanClip
    level: str
    frames: np.ndarray = field(repr=False)
    truth: PlantedDefect
    seed: int


def applies_to(kind: str, clip: CleanClip) -> bool:
    """Whether class ``kind`` is planted in ``clip`` (see :data:`NEEDS`).

    >>> applies_to("stutter", CleanClip("a", "static", np.zeros((1, 1, 1, 3), np.uint8)))
    False
    """
    need = NEEDS[kind]
    return need == "any" or (clip.camera != "static"
                             and (need == "moving" or clip.camera != "loop"))


def _case_seed(seed: int, kind: str, level: str, clip: CleanClip) -> int:
    """A seed per case that does not change when other classes, levels or clips are chosen."""
    key = [seed, DEFECT_KINDS.index(kind), LEVELS.index(level), zlib.crc32(clip.name.encode())]
    return int(np.random.SeedSequence(key).generate_state(1)[0])


def _other_photo(clips: Sequence[CleanClip], clip: CleanClip) -> np.ndarray:
    others = [c for c in clips if c.photo != clip.photo]
    if not others:
        raise ParameterError("a strong scene_cut cuts to a clip of another photo, but every clip "
                             f"is of {clip.photo!r}: pass clips of at least two photos")
    same_move = [c for c in others if c.camera == clip.camera]
    return (same_move or others)[0].frames


def plant_catalogue(clips: Iterable[CleanClip], *, kinds: Iterable[str] | None = None,
                    levels: Iterable[str] = LEVELS, seed: int = 0) -> Iterator[PlantedCase]:
    """Yield one :class:`PlantedCase` per (class, level, clip the class applies to), in that
    order. Seeded per case: the same ``seed`` gives the same defects, whichever subset of classes,
    levels and clips is asked for. A generator: each case holds its own copy of the frames.

    Raises:
        ParameterError: an unknown class or level, or not a list of :class:`CleanClip`.
    """
    clips = list(clips)
    if not all(isinstance(c, CleanClip) for c in clips):
        raise ParameterError("clips must be CleanClip objects (photo, camera, frames); got "
                             f"{sorted({type(c).__name__ for c in clips})}")
    kinds = list(DEFECT_KINDS if kinds is None else kinds)
    levels = list(levels)
    for name, asked, known in (("kinds", kinds, DEFECT_KINDS), ("levels", levels, LEVELS)):
        bad = [k for k in asked if k not in known]
        if bad:
            raise ParameterError(f"{name} {bad} unknown; use some of {', '.join(known)}")
    for kind in kinds:
        for level in levels:
            for clip in clips:
                if not applies_to(kind, clip):
                    continue
                s = _case_seed(seed, kind, level, clip)
                params = dict(STRENGTHS[kind][level])
                if params.get("other") == ANOTHER_PHOTO:
                    params["other"] = _other_photo(clips, clip)
                frames, truth = plant_defect(clip.frames, kind, seed=s, **params)
                yield PlantedCase(clip, level, frames, truth, s)


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two ``(x0, y0, x1, y1)`` boxes.

    >>> box_iou((0, 0, 10, 10), (5, 0, 15, 10))
    0.3333333333333333
    """
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _in_place(truth: PlantedDefect, flag: Any) -> bool:
    """The flag's frame (and box, when both have one) fit the defect; its kind is not looked at."""
    lo = truth.first - FRAME_TOLERANCE
    hi = truth.last if truth.gradual else truth.last + FRAME_TOLERANCE
    if not lo <= int(flag.frame) <= hi:
        return False
    box = getattr(flag, "box", None)
    return truth.box is None or box is None or boxes_overlap(box, truth.box)


def matching_flags(truth: PlantedDefect, flags: Iterable[Any]) -> list[Any]:
    """The flags that find the planted defect (kind in :data:`FLAG_KINDS`, right frame and box).

    >>> from types import SimpleNamespace as Flag
    >>> truth = PlantedDefect("artefact_burst", 5, 5, (0, 0, 10, 10), 0.03, "of the area")
    >>> [len(matching_flags(truth, [f])) for f in (Flag(frame=6, kind="glitch"),
    ...     Flag(frame=8, kind="glitch"), Flag(frame=5, kind="glitch", box=(20, 20, 30, 30)))]
    [1, 0, 0]
    """
    accepted = FLAG_KINDS[truth.kind]
    return [f for f in flags if f.kind in accepted and _in_place(truth, f)]


def near_misses(truth: PlantedDefect, flags: Iterable[Any]) -> list[Any]:
    """Flags at the right frame (and box) whose kind does not count for this class: the detector
    saw something there but named it otherwise."""
    accepted = FLAG_KINDS[truth.kind]
    return [f for f in flags if f.kind not in accepted and _in_place(truth, f)]


def detection_delay(truth: PlantedDefect, flags: Iterable[Any]) -> int | None:
    """Frames from the defect's first frame to the earliest matching flag (0 when on time or
    early), None when no flag matches."""
    found = matching_flags(truth, flags)
    return max(0, min(int(f.frame) for f in found) - truth.first) if found else None
