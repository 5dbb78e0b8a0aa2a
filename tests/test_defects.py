"""Planted defects (i2v_nb.testing.defects), their catalogue and matcher, and the benchmark's
machinery (benchmarks/bench_defects.py) on a few real preview clips."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from i2v_nb.errors import ParameterError, VideoInputError
from i2v_nb.testing import defect_catalogue as cat
from i2v_nb.testing import defects as d

T = 24


def textured_pan(num: int = T, height: int = 48, width: int = 64, seed: int = 0) -> np.ndarray:
    """(T, H, W, 3) uint8: a blurred-noise texture sliding 2 px left per frame."""
    import cv2

    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(rng.integers(0, 256, (height, width + 2 * num, 3), dtype=np.uint8),
                            (0, 0), 1.0)
    return np.ascontiguousarray(np.stack([base[:, 2 * t:2 * t + width] for t in range(num)]))


@pytest.fixture(scope="module")
def clean() -> np.ndarray:
    return textured_pan()


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(T, H, W) bool: pixels that differ."""
    return (a != b).any(axis=3)


# ------------------------------------------------------------------- each defect is where it says

LOCAL = ["artefact_burst", "morph", "local_blur", "duplicate_object", "partial_freeze"]


@pytest.mark.parametrize("kind", LOCAL)
@pytest.mark.parametrize("seed", [0, 7])
def test_local_defect_changes_its_box_in_its_frames_and_nothing_else(clean, kind, seed):
    out, truth = d.plant_defect(clean, kind, seed=seed)
    assert out.shape == clean.shape and truth.kind == kind and truth.box is not None
    x0, y0, x1, y1 = truth.box
    assert 0 <= x0 < x1 <= 64 and 0 <= y0 < y1 <= 48
    changed = _changed(out, clean)
    inside = np.zeros(clean.shape[1:3], bool)
    inside[y0:y1, x0:x1] = True
    assert not changed[:, ~inside].any(), "pixels outside the box changed"
    affected = np.zeros(T, bool)
    affected[truth.first:truth.last + 1] = True
    assert not changed[~affected].any(), "frames outside the truth's frames changed"
    assert all(changed[i, inside].any() for i in truth.frames), "an affected frame is unchanged"
    assert truth.gradual == (kind == "morph")
    if truth.gradual:
        assert truth.last == T - 1


def test_artefact_burst_covers_about_its_area(clean):
    out, truth = d.plant_artefact_burst(clean, area=0.05, seed=1)
    x0, y0, x1, y1 = truth.box
    assert (x1 - x0) * (y1 - y0) / (48 * 64) == pytest.approx(0.05, rel=0.2)
    assert _changed(out, clean)[truth.first, y0:y1, x0:x1].mean() > 0.9


def test_duplicate_object_is_a_copy_of_another_place(clean):
    out, truth = d.plant_duplicate_object(clean, area=0.06, length=3, frame=5, seed=2)
    x0, y0, x1, y1 = truth.box
    cy, cx = (y1 - y0) // 2, (x1 - x0) // 2  # the core of the copy (feathered rim aside)
    core = out[6, y0 + cy - 1:y0 + cy + 2, x0 + cx - 1:x0 + cx + 2]
    hits = [(y, x) for y in range(48 - (y1 - y0) + 1) for x in range(64 - (x1 - x0) + 1)
            if (y, x) != (y0, x0) and np.array_equal(
                clean[6, y + cy - 1:y + cy + 2, x + cx - 1:x + cx + 2], core)]
    assert hits, "the pasted patch is not a copy of the frame's own content"


def test_color_cast_creeps_in_one_channel_from_its_start(clean):
    out, truth = d.plant_color_cast(clean, per_frame=2.0, start=10, channel=2, seed=0)
    assert (truth.first, truth.last, truth.box, truth.gradual) == (10, T - 1, None, True)
    assert np.array_equal(out[:10], clean[:10])
    assert np.array_equal(out[..., :2], clean[..., :2])
    shift = out[..., 2].astype(float).mean(axis=(1, 2)) - clean[..., 2].astype(float).mean(
        axis=(1, 2))
    steps = np.diff(shift[9:])
    assert np.all(np.abs(steps) > 1.5) and np.all(np.abs(steps) < 2.5)
    assert len(set(np.sign(steps))) == 1  # one direction


def test_flash_brightens_one_frame(clean):
    out, truth = d.plant_flash(clean, level=30, seed=4)
    diff = out.astype(int) - clean
    assert (truth.first, truth.last, truth.box) == (truth.first, truth.first, None)
    others = np.delete(np.arange(T), truth.first)
    assert not diff[others].any()
    assert diff[truth.first].min() >= 0 and diff[truth.first].mean() > 25


def test_stutter_holds_one_frame_then_catches_up(clean):
    out, truth = d.plant_stutter(clean, repeats=3, seed=5)
    held = truth.first - 1
    for i in range(T):
        expected = held if i in truth.frames else i
        assert np.array_equal(out[i], clean[expected]), i
    assert truth.last == truth.first + 1


def test_dropped_frames_removes_frames_at_its_frame(clean):
    out, truth = d.plant_dropped_frames(clean, count=4, seed=6)
    i = truth.first
    assert len(out) == T - 4 and truth.first == truth.last
    assert np.array_equal(out[:i], clean[:i]) and np.array_equal(out[i:], clean[i + 4:])


def test_motion_reversal_plays_back_from_its_frame(clean):
    out, truth = d.plant_motion_reversal(clean, length=6, seed=3)
    turn = truth.first - 1
    assert truth.gradual and len(out) == turn + 1 + 6 and truth.last == len(out) - 1
    assert np.array_equal(out[:turn + 1], clean[:turn + 1])
    for k in range(1, 7):
        assert np.array_equal(out[turn + k], clean[turn - k])


def test_scene_cut_switches_to_the_other_clip(clean):
    other = textured_pan(seed=9)
    out, truth = d.plant_scene_cut(clean, other, seed=1)
    i = truth.first
    assert truth.last == i and truth.box is None
    assert np.array_equal(out[:i], clean[:i]) and np.array_equal(out[i:], other[i:])
    jump = np.abs(out[i].astype(float) - out[i - 1]).mean()
    assert truth.strength == pytest.approx(jump, abs=0.01)


def test_jump_cut_is_the_same_clip_magnified(clean):
    out, truth = d.plant_scene_cut(clean, zoom=2.0, frame=12, seed=0)
    assert np.array_equal(out[:12], clean[:12]) and not np.array_equal(out[12], clean[12])
    # magnified 2x: the cut frame is smoother than the clean one
    assert np.abs(np.diff(out[12].astype(float), axis=1)).mean() < \
        0.8 * np.abs(np.diff(clean[12].astype(float), axis=1)).mean()


def test_motion_defects_are_planted_where_the_clip_moves():
    # still for frames 0-11, moving after: a stutter must land in the moving part
    moving = textured_pan()
    frames = np.concatenate([np.repeat(moving[:1], 12, axis=0), moving[:12]])
    for seed in range(6):
        _, truth = d.plant_stutter(frames, repeats=3, seed=seed)
        assert truth.first - 1 >= 11, truth


# ---------------------------------------------------------------- determinism and validation


@pytest.mark.parametrize("kind", d.DEFECT_KINDS)
def test_same_seed_same_defect_and_the_input_is_not_modified(clean, kind):
    before = clean.copy()
    a, ta = d.plant_defect(clean, kind, seed=11)
    b, tb = d.plant_defect(clean, kind, seed=11)
    assert ta == tb and np.array_equal(a, b)
    assert np.array_equal(clean, before)
    truths = {d.plant_defect(clean, kind, seed=s)[1] for s in range(6)}
    assert len(truths) > 1, "the seed does not change the frame or the place"


@pytest.mark.parametrize("call, word", [
    (lambda f: d.plant_flash(f, level=0), "level"),
    (lambda f: d.plant_flash(f, level=float("nan")), "level"),
    (lambda f: d.plant_flash(f, frame=T), "frame"),
    (lambda f: d.plant_flash(f, frame=2.5), "frame"),
    (lambda f: d.plant_artefact_burst(f, area=0), "area"),
    (lambda f: d.plant_artefact_burst(f, area="big"), "area"),
    (lambda f: d.plant_stutter(f, repeats=1), "repeats"),
    (lambda f: d.plant_stutter(f, repeats=True), "repeats"),
    (lambda f: d.plant_dropped_frames(f, count=T), "count"),
    (lambda f: d.plant_motion_reversal(f, length=13), "length"),
    (lambda f: d.plant_color_cast(f, channel=3), "channel"),
    (lambda f: d.plant_color_cast(f, per_frame=0.1), "per_frame"),
    (lambda f: d.plant_morph(f, scale=0.9), "scale"),
    (lambda f: d.plant_local_blur(f, sigma=-1), "sigma"),
    (lambda f: d.plant_duplicate_object(f, area=0.6), "area"),
    (lambda f: d.plant_partial_freeze(f, length=1), "length"),
    (lambda f: d.plant_scene_cut(f, f[:, :20]), "other"),
    (lambda f: d.plant_scene_cut(f, zoom=0.5), "zoom"),
    (lambda f: d.plant_flash(f, seed=-1), "seed"),
    (lambda f: d.plant_flash(f, seed=1.5), "seed"),
    (lambda f: d.plant_motion_reversal(f[:4]), "frames"),
    (lambda f: d.plant_flash(f[:, :8, :8]), "16x16"),
    (lambda f: d.plant_defect(f, "wobble"), "kind"),
    (lambda f: d.plant_defect(f, "flash", area=0.1), "area"),
])
def test_bad_parameters_raise_a_parameter_error_naming_them(clean, call, word):
    with pytest.raises(ParameterError, match=word):
        call(clean)


def test_frames_of_the_wrong_shape_are_a_video_input_error():
    with pytest.raises(VideoInputError, match="shaped"):
        d.plant_flash(np.zeros((4, 16, 16, 5), np.uint8))


# ----------------------------------------------------------------------- catalogue and matcher


def _clips(frames):
    return [cat.CleanClip("a", "static", frames), cat.CleanClip("b", "slow_pan", frames),
            cat.CleanClip("c", "loop", frames)]


def test_catalogue_plants_each_class_where_it_applies(clean):
    clips = _clips(clean)
    cases = list(cat.plant_catalogue(clips, levels=["medium"]))
    per_kind = {}
    for c in cases:
        per_kind.setdefault(c.truth.kind, []).append(c.clip.camera)
    assert per_kind["flash"] == ["static", "slow_pan", "loop"]
    assert per_kind["stutter"] == ["slow_pan", "loop"]
    assert per_kind["motion_reversal"] == ["slow_pan"]
    assert set(per_kind) == set(d.DEFECT_KINDS)
    assert all(c.level == "medium" for c in cases)
    stutter = next(c for c in cases if c.truth.kind == "stutter")
    assert stutter.truth.strength == cat.STRENGTHS["stutter"]["medium"]["repeats"]


def test_catalogue_seeds_do_not_depend_on_the_subset_asked_for(clean):
    clips = _clips(clean)
    full = {(c.truth.kind, c.level, c.clip.name): c.truth for c in cat.plant_catalogue(clips)}
    for c in cat.plant_catalogue(clips[1:2], kinds=["morph", "stutter"], levels=["strong"]):
        assert full[(c.truth.kind, c.level, c.clip.name)] == c.truth


def test_strong_cut_goes_to_another_photo_and_needs_one(clean):
    other = textured_pan(seed=3)
    clips = [cat.CleanClip("a", "slow_pan", clean), cat.CleanClip("b", "slow_pan", other)]
    case = next(cat.plant_catalogue(clips, kinds=["scene_cut"], levels=["strong"]))
    assert np.array_equal(case.frames[case.truth.first:], other[case.truth.first:])
    with pytest.raises(ParameterError, match="another photo"):
        list(cat.plant_catalogue(clips[:1], kinds=["scene_cut"], levels=["strong"]))
    with pytest.raises(ParameterError, match="levels"):
        list(cat.plant_catalogue(clips, levels=["extreme"]))
    with pytest.raises(ParameterError, match="kinds"):
        list(cat.plant_catalogue(clips, kinds=["wobble"]))


def test_every_class_has_strengths_and_accepted_flag_kinds():
    for kind in d.DEFECT_KINDS:
        assert set(cat.STRENGTHS[kind]) == set(cat.LEVELS)
        assert cat.FLAG_KINDS[kind] and cat.NEEDS[kind] in ("any", "moving", "one_way")
    assert set(cat.FLAG_KINDS) == set(d.DEFECT_KINDS) == set(cat.STRENGTHS)


def flag(frame, kind, box=None):
    f = SimpleNamespace(frame=frame, kind=kind)
    if box is not None:
        f.box = box
    return f


def test_matcher_needs_the_kind_the_frame_and_an_overlapping_box():
    burst = d.PlantedDefect("artefact_burst", 10, 10, (20, 20, 40, 40), 0.03, "of the area")
    found = lambda f: bool(cat.matching_flags(burst, [f]))  # noqa: E731
    assert [found(flag(i, "glitch")) for i in (8, 9, 10, 11, 12)] == [False, True, True, True,
                                                                       False]
    assert not found(flag(10, "freeze"))
    assert found(flag(10, "glitch", (30, 30, 60, 60)))
    assert not found(flag(10, "glitch", (40, 20, 60, 40)))  # touches the edge, no overlap
    assert [f.kind for f in cat.near_misses(burst, [flag(10, "jump"), flag(10, "glitch"),
                                                    flag(15, "jump")])] == ["jump"]
    # a whole-frame defect accepts a flag with any box
    cut = d.PlantedDefect("scene_cut", 5, 5, None, 40.0, "grey levels")
    assert cat.matching_flags(cut, [flag(5, "cut", (0, 0, 4, 4))])


def test_gradual_defects_may_be_found_late_but_not_early():
    cast = d.PlantedDefect("color_cast", 8, 23, None, 1.5, "grey levels", gradual=True)
    assert cat.detection_delay(cast, [flag(20, "color_drift")]) == 12
    assert cat.detection_delay(cast, [flag(7, "color_drift")]) == 0
    assert cat.detection_delay(cast, [flag(6, "color_drift"), flag(12, "cut")]) is None
    assert cat.box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert cat.box_iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0.0


# ------------------------------------------------------------------ the benchmark's machinery


def _bench():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_defects.py"
    spec = importlib.util.spec_from_file_location("bench_defects", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


@pytest.mark.slow
def test_reduced_benchmark_counts_clean_flags_and_finds_gross_defects():
    import i2v_nb

    bench = _bench()
    clips = bench.build_clean_clips(("chelsea", "lake"), ("slow_pan",))
    res = bench.run_benchmark(clips, kinds=["scene_cut", "flash"], levels=["strong"])
    # the clean-flag count it reports is what the reports of the clean clips say
    direct = {c.name: i2v_nb.continuity_report(c.frames, reference=c.reference, fps=c.fps).flags
              for c in clips}
    assert {k: [str(f) for f in v] for k, v in res.clean_flags.items()} == \
        {k: [str(f) for f in v] for k, v in direct.items()}
    assert res.false_flag_count == sum(len(v) for v in direct.values())
    # one case per class and clip, each a gross defect today's detectors find
    assert [(o.kind, o.clip) for o in res.outcomes] == [
        (k, c.name) for k in ("scene_cut", "flash") for c in clips]
    assert res.recall("scene_cut") == (2, 2) and res.recall("flash") == (2, 2)
    assert res.reports == len(clips) + 4
