"""Benchmark: recall of the continuity flags on planted defects, and false flags on clean clips.

Clean clips come from the CPU preview engine: 5 sample photos (astronaut, chelsea, coffee,
rocket, lake) × 7 camera moves (static, slow pan, fast pan, zoom in, orbit, tilt, a seamless
loop), 24 frames of 192×128. Into each, every defect class of
:mod:`i2v_nb.testing.defects` is planted at a random frame, place and size, at three strengths
(:data:`~i2v_nb.testing.defect_catalogue.STRENGTHS`; "medium" is the size issue 18 measured),
wherever the class applies (a stutter needs a moving clip, a reversal one moving one way). Each
planted clip gets :func:`i2v_nb.continuity_report` (reference = the photo); a defect is found
when a flag passes :func:`~i2v_nb.testing.defect_catalogue.matching_flags`: a kind the class
accepts (``FLAG_KINDS``, the one table), at the affected frames ±1 (gradual defects: anywhere
from their start on), and, for a local defect whose flag carries a ``box``, overlapping it.

Prints recall per class and strength, the flags raised at a missed defect under another kind,
how late gradual defects are found, box overlap once flags carry boxes, the false flags on the
clean clips (every one, with its reason) and the run time. With ``--effects``, also the false
flags on clean clips whose prompts add effects (waves, wind, rain, drifting clouds, hair), which
move parts of the frame by themselves.

    .venv/bin/python benchmarks/bench_defects.py [--quick] [--seed 0] [--classes flash,stutter]
        [--levels weak,medium] [--misses] [--effects]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "lake")
#: camera label → prompt. "static" and "loop" decide which classes apply (testing.NEEDS).
MOVES = {
    "static": "static camera",
    "slow_pan": "slow pan left",
    "fast_pan": "fast pan right",
    "zoom_in": "slow zoom in",
    "orbit": "orbit left",
    "tilt": "slow tilt up",
    "loop": "slow pan right, seamless loop",
}
#: ``--effects``: clean clips with effects as well as camera moves, for false flags only (the
#: camera-only clips above are where defects are planted; these add what a clip moves by itself).
EFFECT_PROMPTS = (
    "slow zoom in on the subject, gentle waves, clouds drifting",
    "slow orbit around the subject, gentle waves",
    "slow pan right, wind in the trees",
    "dolly in, rain falling",
    "zoom out, hair moving in the wind",
    "slow zoom in, water ripples",
)
QUICK_PHOTOS = ("chelsea", "lake")
QUICK_MOVES = ("static", "slow_pan", "zoom_in", "loop")


def build_clean_clips(photos=PHOTOS, moves=tuple(MOVES), *, width: int = 192, height: int = 128,
                      num_frames: int = 24, seed: int = 0) -> list:
    """Preview-engine clips of each photo with each camera move, as ``CleanClip``s."""
    import numpy as np

    import i2v_nb
    from i2v_nb.testing import CleanClip

    clips = []
    for photo in photos:
        image = i2v_nb.sample_image(photo)
        for move in moves:
            clip = i2v_nb.generate(image, MOVES[move], seed=seed, num_frames=num_frames,
                                   width=width, height=height)
            clips.append(CleanClip(photo, move, clip.frames, np.asarray(clip.source), clip.fps))
    return clips


@dataclass
class Outcome:
    """One planted case and what the report said about it."""

    clip: str
    kind: str
    level: str
    truth: Any
    found: bool
    delay: int | None
    iou: float | None
    near: list[str]
    extra: int  # flags that are neither the defect nor on the clean clip
    stale: bool = False  # missed, but a flag the clean clip already had would have matched


@dataclass
class BenchResult:
    outcomes: list[Outcome]
    clean_flags: dict[str, list]  # clip name → flags raised on the clean clip
    reports: int
    seconds: float
    clips: list = field(repr=False, default_factory=list)

    def recall(self, kind: str | None = None, level: str | None = None) -> tuple[int, int]:
        sel = [o for o in self.outcomes if (kind is None or o.kind == kind)
               and (level is None or o.level == level)]
        return sum(o.found for o in sel), len(sel)

    @property
    def false_flag_count(self) -> int:
        return sum(len(f) for f in self.clean_flags.values())


def _report(frames, clip):
    import i2v_nb

    return i2v_nb.continuity_report(frames, reference=clip.reference, fps=clip.fps)


def clean_frame(truth, i: int) -> int | None:
    """The clean clip's index of frame ``i`` of the planted clip (None after a reversal's turn,
    where the order differs): dropped frames shift the frames after the gap."""
    if truth.kind == "dropped_frames" and i >= truth.first:
        return i + int(truth.strength)
    if truth.kind == "motion_reversal" and i >= truth.first:
        return None
    return i


def run_benchmark(clips, *, kinds=None, levels=None, seed: int = 0) -> BenchResult:
    """Plant every class × level into every clip it applies to, report and match. Flags the
    clean clip already raised (same kind, same clean frame) neither find a defect nor count as
    near misses or other flags."""
    from i2v_nb.testing import LEVELS, matching_flags, plant_catalogue
    from i2v_nb.testing.defect_catalogue import box_iou, detection_delay, near_misses

    t0 = time.perf_counter()
    clean = {c.name: _report(c.frames, c).flags for c in clips}
    outcomes = []
    n = len(clips)
    for case in plant_catalogue(clips, kinds=kinds, levels=levels or LEVELS, seed=seed):
        all_flags = _report(case.frames, case.clip).flags
        n += 1
        truth = case.truth
        before = {(f.frame, f.kind) for f in clean[case.clip.name]}
        old = [f for f in all_flags if (clean_frame(truth, f.frame), f.kind) in before]
        flags = [f for f in all_flags if f not in old]
        found = matching_flags(truth, flags)
        boxes = [f.box for f in found if getattr(f, "box", None) is not None]
        iou = max((box_iou(b, truth.box) for b in boxes), default=None) if truth.box else None
        near = near_misses(truth, flags)
        extra = [f for f in flags if f not in found and f not in near]
        outcomes.append(Outcome(case.clip.name, truth.kind, case.level, truth, bool(found),
                                detection_delay(truth, flags), iou, [f.kind for f in near],
                                len(extra), not found and bool(matching_flags(truth, old))))
    return BenchResult(outcomes, clean, n, time.perf_counter() - t0, list(clips))


def _cell(found: int, total: int) -> str:
    return f"{found:3d}/{total:<3d} {found / total:4.2f}" if total else f"{'—':>12}"


def print_result(res: BenchResult, *, levels, misses: bool = False) -> None:
    from i2v_nb.testing import DEFECT_KINDS

    kinds = [k for k in DEFECT_KINDS if any(o.kind == k for o in res.outcomes)]
    print(f"\nrecall per class (found/planted recall){'':7s}"
          + "".join(f"{lv:>14s}" for lv in levels) + f"{'all':>14s}")
    for k in kinds:
        print(f"  {k:43s}" + "".join(f"{_cell(*res.recall(k, lv)):>14s}" for lv in levels)
              + f"{_cell(*res.recall(k)):>14s}")
    print(f"  {'all classes':43s}" + "".join(f"{_cell(*res.recall(None, lv)):>14s}"
                                             for lv in levels) + f"{_cell(*res.recall()):>14s}")
    per_class = [res.recall(k)[0] / res.recall(k)[1] for k in kinds if res.recall(k)[1]]
    if per_class:
        print(f"  lowest class recall {min(per_class):.2f}, mean over classes "
              f"{statistics.mean(per_class):.2f}")

    near = defaultdict(Counter)
    for o in res.outcomes:
        if not o.found:
            near[o.kind].update(o.near)
    if any(near.values()):
        print("\nmissed, but flagged at the right frame under another kind:")
        for k, c in near.items():
            if c:
                print(f"  {k:20s} " + ", ".join(f"{kind}×{n}" for kind, n in c.most_common()))

    delays = defaultdict(list)
    for o in res.outcomes:
        if o.truth.gradual and o.delay is not None:
            delays[o.kind].append(o.delay)
    if delays:
        print("\ngradual defects found: frames from the start to the first matching flag "
              "(median, max)")
        for k, d in delays.items():
            print(f"  {k:20s} {statistics.median(d):4.1f} {max(d):4d}  ({len(d)} found)")

    local = [o for o in res.outcomes if o.found and o.truth.box is not None]
    with_box = [o.iou for o in local if o.iou is not None]
    print(f"\nlocal defects found: {len(local)}; with a flag box: {len(with_box)}"
          + (f", median IoU with the truth {statistics.median(with_box):.2f}" if with_box
             else " (flags carry no box yet: matched on frames only)"))
    stale = sum(o.stale for o in res.outcomes)
    if stale:
        print(f"missed, though a flag the clean clip already had sits there: {stale} cases "
              "(not counted as found)")
    extra = sum(o.extra for o in res.outcomes)
    print(f"other flags on planted clips (neither the defect nor on its clean clip): {extra} in "
          f"{sum(o.extra > 0 for o in res.outcomes)} of {len(res.outcomes)} cases")

    dirty = {name: f for name, f in res.clean_flags.items() if f}
    print(f"\nfalse flags on clean clips: {res.false_flag_count} in {len(dirty)} of "
          f"{len(res.clean_flags)} clips")
    for name, flags in dirty.items():
        for f in flags:
            print(f"  {name}: {f}")

    if misses:
        print("\nmissed defects:")
        for o in res.outcomes:
            if not o.found:
                print(f"  {o.clip:20s} {o.level:6s} {o.truth}"
                      + (f"  (near: {', '.join(o.near)})" if o.near else ""))


def effect_false_flags(photos, *, width: int, height: int, num_frames: int) -> int:
    """Report on clean clips of each photo × :data:`EFFECT_PROMPTS`, at ``width × height`` and
    ``num_frames`` and at 256×170 with 16 frames; print every flag (all false) and return how
    many there were."""
    import i2v_nb

    sizes = [(width, height, num_frames), (256, 170, 16)]
    count, clips, flagged = 0, 0, 0
    lines = []
    for photo in photos:
        image = i2v_nb.sample_image(photo)
        for prompt in EFFECT_PROMPTS:
            for w, h, n in sizes:
                clip = i2v_nb.generate(image, prompt, seed=0, num_frames=n, width=w, height=h)
                flags = i2v_nb.continuity_report(clip).flags
                clips += 1
                flagged += bool(flags)
                count += len(flags)
                lines += [f"  {photo}/{prompt} ({w}x{h}, {n} frames): {f}" for f in flags]
    print(f"\nfalse flags on clean clips with effects: {count} in {flagged} of {clips} clips "
          f"({len(photos)} photos × {len(EFFECT_PROMPTS)} prompts × {len(sizes)} sizes)")
    print("\n".join(lines))
    return count


def main(argv: list[str] | None = None) -> int:
    from i2v_nb.testing import DEFECT_KINDS, LEVELS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help=f"{len(QUICK_PHOTOS)} photos × {len(QUICK_MOVES)} moves instead of "
                         f"{len(PHOTOS)} × {len(MOVES)}")
    ap.add_argument("--seed", type=int, default=0, help="seed of the planted defects")
    ap.add_argument("--classes", default="", help=f"comma-separated, of {','.join(DEFECT_KINDS)}")
    ap.add_argument("--levels", default=",".join(LEVELS), help="comma-separated strength levels")
    ap.add_argument("--size", default="192x128", help="clip size WxH")
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--misses", action="store_true", help="list every missed defect")
    ap.add_argument("--effects", action="store_true",
                    help=f"also count false flags on {len(EFFECT_PROMPTS)} prompts with effects "
                         "per photo (waves, wind, rain, clouds, hair), at the clip size and at "
                         "256x170 with 16 frames")
    args = ap.parse_args(argv)
    kinds = [k.strip() for k in args.classes.split(",") if k.strip()] or list(DEFECT_KINDS)
    levels = [lv.strip() for lv in args.levels.split(",") if lv.strip()]
    width, height = (int(v) for v in args.size.lower().split("x"))
    photos, moves = (QUICK_PHOTOS, QUICK_MOVES) if args.quick else (PHOTOS, tuple(MOVES))

    t0 = time.perf_counter()
    clips = build_clean_clips(photos, moves, width=width, height=height,
                              num_frames=args.frames)
    t_clips = time.perf_counter() - t0
    print(f"clean clips: {len(clips)} ({len(photos)} photos × {len(moves)} moves: "
          f"{', '.join(moves)}), {args.frames} frames of {width}x{height}, made in "
          f"{t_clips:.1f} s; defect seed {args.seed}; {os.cpu_count()} CPUs")
    res = run_benchmark(clips, kinds=kinds, levels=levels, seed=args.seed)
    print_result(res, levels=levels, misses=args.misses)
    if args.effects:
        effect_false_flags(photos, width=width, height=height, num_frames=args.frames)
    total = time.perf_counter() - t0
    print(f"\nrun time {total:.1f} s: {res.reports} reports, "
          f"{1000 * res.seconds / max(res.reports, 1):.0f} ms each (planting included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
