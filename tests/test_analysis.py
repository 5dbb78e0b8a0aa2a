"""Structure analysis on synthetic images whose answer is known, and on offline sample photos."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import i2v_nb
from i2v_nb.analysis import (
    StructureReport,
    analyze,
    colour_temperature,
    edge_map,
    exposure_stats,
    find_horizon,
    light_direction,
    region_map,
    region_stats,
    saliency_map,
    shadow_mask,
    spatial_relations,
    subject_box,
    subject_mask,
    suggest_prompts,
    thirds_position,
)
from i2v_nb.errors import ImageInputError
from i2v_nb.prompting import parse_prompt
from i2v_nb.samples import sample_image

SAMPLES = ["astronaut", "chelsea", "coffee", "rocket"]


def _blur(img, sigma):
    import cv2

    return cv2.GaussianBlur(img, (0, 0), sigma)


def disk_image(h=240, w=320, cx=200, cy=100, r=40, fg=235, bg=25, noise=6, seed=0):
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.full((h, w, 3), bg, np.float32)
    img[(xx - cx) ** 2 + (yy - cy) ** 2 <= r * r] = fg
    img += np.random.default_rng(seed).normal(0, noise, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def two_tone(h=240, w=320, split=150):
    img = np.zeros((h, w, 3), np.uint8)
    img[:split] = (140, 180, 225)   # pale sky
    img[split:] = (70, 95, 45)      # dark ground
    return img


def lit_ramp(h=200, w=300, from_left=True):
    ramp = np.linspace(235, 35, w) if from_left else np.linspace(35, 235, w)
    return np.tile(ramp[None, :, None], (h, 1, 3)).astype(np.uint8)


def lit_sphere(h=240, w=240, light=(-0.8, 0.0, 0.6)):
    """A Lambertian sphere on a mid-grey ground, light direction (x right, y down, z to viewer)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 0.4 * min(h, w)
    nx, ny = (xx - w / 2) / r, (yy - h / 2) / r
    inside = nx ** 2 + ny ** 2 < 1
    nz = np.sqrt(np.clip(1 - nx ** 2 - ny ** 2, 0, 1))
    lx, ly, lz = np.array(light) / np.linalg.norm(light)
    shade = np.clip(nx * lx + ny * ly + nz * lz, 0, 1)
    img = np.full((h, w), 90.0)
    img[inside] = 20 + 215 * shade[inside]
    return np.repeat(img[:, :, None], 3, axis=2).astype(np.uint8)


def angle_diff(a, b):
    return abs((a - b + 180) % 360 - 180)


# ------------------------------------------------------------------------------ the public API


def test_public_names():
    assert i2v_nb.analyze is analyze
    assert i2v_nb.StructureReport is StructureReport
    assert i2v_nb.suggest_prompts is suggest_prompts


def test_report_fields_types_and_shapes():
    img = disk_image()
    r = analyze(img, depth="classical")
    h, w = img.shape[:2]
    assert r.edges.shape == (h, w) and r.edges.dtype == np.bool_
    assert r.regions.shape == (h, w) and np.issubdtype(r.regions.dtype, np.integer)
    assert r.saliency.shape == (h, w) and r.saliency.dtype == np.float32
    assert 0 <= r.saliency.min() and r.saliency.max() <= 1
    assert r.shadow_mask.shape == (h, w) and r.shadow_mask.dtype == np.bool_
    assert r.depth.shape == (h, w) and r.depth.dtype == np.float32
    assert 0 <= r.depth.min() and r.depth.max() <= 1
    assert len(r.subject_box) == 4 and all(isinstance(v, int) for v in r.subject_box)
    assert r.horizon_y is None or isinstance(r.horizon_y, int)
    assert r.light_direction is None or 0 <= r.light_direction < 360
    assert 0 <= r.light_confidence <= 1
    assert set(r.motion_regions) == {"sky", "water", "foliage", "hair", "fabric"}
    assert all(m.shape == (h, w) and m.dtype == np.bool_ for m in r.motion_regions.values())
    assert r.depth_method == "classical"
    assert set(r.timings) >= {"boundaries", "layout", "lighting", "depth", "motion", "total"}


def test_bad_inputs():
    with pytest.raises(ValueError, match="depth='magic'"):
        analyze(disk_image(), depth="magic")
    with pytest.raises(ImageInputError):
        analyze(np.zeros((10, 10, 5), np.uint8), depth="classical")
    with pytest.raises(ImageInputError):
        analyze(np.zeros((1, 1, 3), np.uint8), depth="classical")


def test_accepts_pil_float_and_grey_inputs():
    from PIL import Image

    img = disk_image(120, 160, cx=80, cy=60, r=20)
    a = analyze(img, depth="classical")
    b = analyze(Image.fromarray(img), depth="classical")
    c = analyze(img.astype(np.float32) / 255.0, depth="classical")
    assert a.subject_box == b.subject_box == c.subject_box
    g = analyze(img[:, :, 0], depth="classical")
    assert g.depth.shape == (120, 160)


# ------------------------------------------------------------------------------ known answers


@pytest.mark.parametrize("cx,cy,r", [(200, 100, 40), (70, 170, 30), (160, 120, 60)])
def test_bright_disk_subject_box(cx, cy, r):
    img = disk_image(cx=cx, cy=cy, r=r)
    rep = analyze(img, depth="classical")
    expected = (cx - r, cy - r, cx + r + 1, cy + r + 1)
    box = rep.subject_box
    assert all(abs(a - b) <= 3 for a, b in zip(box, expected, strict=True)), box
    assert rep.has_subject and rep.subject_score > 0.4
    # the mask is the disk
    yy, xx = np.mgrid[0:img.shape[0], 0:img.shape[1]]
    disk = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    iou = (disk & rep.subject_mask).sum() / (disk | rep.subject_mask).sum()
    assert iou > 0.9
    assert rep.horizon_y is None


def test_disk_at_full_hd_like_size_box_within_a_few_px():
    img = disk_image(h=576, w=1024, cx=700, cy=250, r=90)
    rep = analyze(img, depth="classical")
    expected = (610, 160, 791, 341)
    box = rep.subject_box
    assert all(abs(a - b) <= 4 for a, b in zip(box, expected, strict=True)), box


@pytest.mark.parametrize("split", [60, 150, 200])
def test_two_tone_horizon_at_the_split(split):
    img = two_tone(split=split)
    assert abs(find_horizon(img) - split) <= 2
    rep = analyze(img, depth="classical")
    assert rep.horizon_y is not None and abs(rep.horizon_y - split) <= 2


def test_horizon_survives_noise_a_subject_and_large_sizes():
    img = two_tone(576, 1024, split=330).astype(np.float32)
    img += np.random.default_rng(1).normal(0, 8, img.shape)
    img[200:420, 450:560] = (200, 60, 60)  # something standing on the ground, crossing the line
    img = np.clip(img, 0, 255).astype(np.uint8)
    y = find_horizon(img)
    assert y is not None and abs(y - 330) <= 4


@pytest.mark.parametrize("make", [
    lambda: disk_image(),                                                     # a disk
    lambda: np.full((120, 160, 3), 128, np.uint8),                            # flat
    lambda: np.tile(np.linspace(0, 255, 200)[:, None, None], (1, 160, 3)).astype(np.uint8),  # ramp
    lambda: np.random.default_rng(0).integers(0, 256, (150, 200, 3), dtype=np.uint8),       # noise
    lambda: np.tile(((np.arange(200) // 25) % 2 * 200)[None, :, None], (150, 1, 3)).astype(
        np.uint8),                                                            # vertical stripes
    lambda: lit_ramp(),
], ids=["disk", "flat", "vertical-ramp", "noise", "stripes", "horizontal-ramp"])
def test_no_horizon(make):
    assert find_horizon(make()) is None


@pytest.mark.parametrize("from_left,expected", [(True, 180.0), (False, 0.0)])
def test_ramp_light_direction(from_left, expected):
    img = lit_ramp(from_left=from_left)
    angle, conf = light_direction(img)
    assert angle is not None and angle_diff(angle, expected) < 5 and conf > 0.8
    rep = analyze(img, depth="classical")
    assert angle_diff(rep.light_direction, expected) < 5
    if from_left:
        assert "the left" in rep.summary()


def test_vertical_ramps_light_from_above_and_below():
    top_lit = np.tile(np.linspace(230, 40, 160)[:, None, None], (1, 200, 3)).astype(np.uint8)
    a, _ = light_direction(top_lit)
    assert angle_diff(a, 270) < 5
    a, _ = light_direction(top_lit[::-1])
    assert angle_diff(a, 90) < 5


def test_lit_sphere_light_from_the_left():
    angle, conf = light_direction(lit_sphere(light=(-0.8, 0.0, 0.6)))
    assert angle is not None and angle_diff(angle, 180) < 30, (angle, conf)
    angle, conf = light_direction(lit_sphere(light=(0.0, -0.8, 0.6)))   # from above
    assert angle is not None and angle_diff(angle, 270) < 30, (angle, conf)


def test_flat_image_light_direction_is_unsure():
    angle, conf = light_direction(np.full((100, 100, 3), 120, np.uint8))
    assert angle is None and conf < 0.25
    rep = analyze(np.full((100, 100, 3), 120, np.uint8), depth="classical")
    assert rep.light_direction is None
    assert not rep.has_subject and rep.subject_box == (0, 0, 100, 100)
    assert not rep.shadow_mask.any() and not rep.edges.any()


def test_vertical_gradient_plus_blur_depth_orders_near_and_far():
    """Sharp at the bottom, blurrier and hazier upwards: classical depth puts the top far."""
    h, w = 240, 320
    base = np.random.default_rng(1).integers(0, 256, (h, w, 3), dtype=np.uint8)
    out = np.empty_like(base)
    for i, y0 in enumerate(range(0, h, 40)):
        sigma = 1.2 * (5 - i)
        out[y0:y0 + 40] = (_blur(base, sigma) if sigma > 0 else base)[y0:y0 + 40]
    grad = np.linspace(80, 0, h)[:, None, None]
    img = np.clip(out * 0.7 + grad, 0, 255).astype(np.uint8)
    rep = analyze(img, depth="classical")
    rows = rep.depth.mean(axis=1)
    thirds = [rows[:80].mean(), rows[80:160].mean(), rows[160:].mean()]
    assert thirds[0] > thirds[1] > thirds[2]
    assert rep.to_dict()["depth"]["top_mean"] > rep.to_dict()["depth"]["bottom_mean"] + 0.4


def test_shadow_mask_finds_a_cast_shadow():
    img = np.full((160, 200, 3), 200, np.uint8)
    img[100:140, 40:160] = 70  # a dark band on a bright floor
    m = shadow_mask(img)
    assert m[105:135, 45:155].mean() > 0.9 and m[:80].mean() < 0.01


def test_exposure_and_colour_temperature():
    dark = np.full((50, 50, 3), 20, np.uint8)
    assert exposure_stats(dark)["verdict"] == "under-exposed"
    bright = np.full((50, 50, 3), 254, np.uint8)
    e = exposure_stats(bright)
    assert e["verdict"] == "over-exposed" and e["clipped_highlights"] == 1.0
    assert e["histogram"].sum() == 2500
    warm = np.full((40, 40, 3), (220, 160, 110), np.uint8)
    cool = np.full((40, 40, 3), (150, 175, 225), np.uint8)
    grey = np.full((40, 40, 3), 160, np.uint8)
    kw, kc, kg = (colour_temperature(x)["kelvin"] for x in (warm, cool, grey))
    assert kw < 4000 < kg < kc and abs(kg - 6500) < 300


def test_boundaries_parts():
    img = disk_image(noise=0)
    e = edge_map(img)
    assert e.any() and e.mean() < 0.05
    labels = region_map(img)
    assert labels.shape == img.shape[:2] and labels.min() == 0
    stats = region_stats(img, labels)
    assert len(stats) == labels.max() + 1
    assert sum(s["area"] for s in stats) == img.shape[0] * img.shape[1]
    s0 = stats[0]
    x0, y0, x1, y1 = s0["bbox"]
    ys, xs = np.nonzero(labels == s0["label"])
    assert (x0, y0, x1, y1) == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    assert abs(s0["centroid"][0] - xs.mean()) < 1e-6


def test_layout_parts_and_relations():
    img = two_tone(split=100)
    img[130:200, 40:90] = (200, 40, 40)   # a red block lower left, on the ground
    sal = saliency_map(img)
    box = subject_box(subject_mask(sal))
    assert box is not None and abs(box[0] - 40) <= 3 and abs(box[1] - 130) <= 3
    t = thirds_position(box, img.shape[:2])
    assert t["column"] == "left" and t["row"] == "bottom"
    rep = analyze(img, depth="classical")
    assert "sky" in rep.movable
    assert any(r.startswith("subject left of centre") for r in rep.relations), rep.relations
    assert "sky above the subject" in rep.relations, rep.relations
    rel = spatial_relations((100, 100), subject_box=None, regions={"sky": np.arange(100)[:, None]
                                                                   .repeat(100, 1) < 30})
    assert rel == ["sky at the top"]


# ------------------------------------------------------------------------------ sample photos


@pytest.fixture(scope="module")
def sample_reports():
    from skimage import data

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warnings at all with depth="classical"
        return {n: analyze(getattr(data, n)(), depth="classical") for n in SAMPLES}


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_photos_are_sane_and_deterministic(name, sample_reports):
    from skimage import data

    img = getattr(data, name)()
    r = sample_reports[name]
    h, w = img.shape[:2]
    x0, y0, x1, y1 = r.subject_box
    assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
    assert r.has_subject
    assert 0.01 < r.edges.mean() < 0.2
    assert 20 < len(r.region_stats) < 400
    assert r.depth.max() - r.depth.min() > 0.5
    assert r.exposure["verdict"] in {"under-exposed", "well exposed", "over-exposed"}
    assert 1500 <= r.colour_temperature["kelvin"] <= 15000
    assert r.summary().count("\n") >= 4
    r2 = analyze(img, depth="classical")
    for field in ("edges", "regions", "saliency", "depth", "shadow_mask", "subject_mask"):
        np.testing.assert_array_equal(getattr(r, field), getattr(r2, field))
    assert r.to_dict() == r2.to_dict() | {"timings": r.to_dict()["timings"]}
    assert suggest_prompts(r) == suggest_prompts(r2)


def test_sample_photo_specifics(sample_reports):
    astro, rocket, chelsea = (sample_reports[n] for n in ("astronaut", "rocket", "chelsea"))
    assert {"hair", "fabric"} <= set(astro.movable)
    assert rocket.movable == ["sky"]
    assert chelsea.movable == []
    assert rocket.colour_temperature["label"] == "cool"       # blue dusk
    assert chelsea.colour_temperature["label"] == "warm"      # ginger cat
    # the sky in the rocket photo is farther than the launch pad
    sky = rocket.motion_regions["sky"]
    assert rocket.depth[sky].mean() > rocket.depth[-40:].mean() + 0.3


# ------------------------------------------------------------------------- pictures, text, dict


def test_plot_summary_to_dict(sample_reports, tmp_path):
    from matplotlib.figure import Figure

    r = sample_reports["astronaut"]
    fig = r.plot()
    assert isinstance(fig, Figure) and len(fig.axes) >= 8  # 8 panels + a colour bar
    fig.savefig(tmp_path / "report.png")
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert fig._repr_png_().startswith(b"\x89PNG")  # inline display without pyplot
    text = r.summary()
    assert "Subject" in text and "Depth (classical)" in text and "hair" in text
    d = r.to_dict()
    s = json.dumps(d)
    assert len(s) < 20_000  # maps are summarised, not dumped
    assert d["subject"]["box"] == list(r.subject_box)
    assert set(d["motion_regions"]) == {"sky", "water", "foliage", "hair", "fabric"}
    assert len(d["exposure"]["histogram_32"]) == 32
    assert "StructureReport(" in repr(r)


def test_to_dict_is_strict_json_with_floats_to_five_decimals(sample_reports):
    d = sample_reports["astronaut"].to_dict()
    assert json.loads(json.dumps(d, allow_nan=False)) == d

    def floats(x):
        if isinstance(x, dict):
            return [f for v in x.values() for f in floats(v)]
        if isinstance(x, list):
            return [f for v in x for f in floats(v)]
        return [x] if isinstance(x, float) else []

    found = floats(d)
    assert len(found) > 20 and all(type(f) is float and round(f, 5) == f for f in found)
    assert any(round(f, 4) != f for f in found)  # rounded to 5 decimals, not fewer


def test_plot_does_not_touch_pyplot_state():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    r = analyze(two_tone(), depth="classical")
    r.plot()
    assert plt.get_fignums() == before


def test_plot_with_light_arrow_and_horizon(tmp_path):
    img = two_tone()
    img[:, :, :] = np.clip(img.astype(int) + np.linspace(40, -40, img.shape[1])[None, :, None],
                           0, 255).astype(np.uint8)
    r = analyze(img, depth="classical")
    assert r.light_direction is not None and r.horizon_y is not None
    r.plot().savefig(tmp_path / "r.png")


# ------------------------------------------------------------------------------ prompts

CAMERA = ("zoom in", "zoom out", "pan left", "pan right", "tilt", "orbit", "dolly", "static")
ENVIRONMENT = ("wind", "ripples", "waves", "clouds drifting", "rain", "snow", "fog", "flicker")


@pytest.mark.parametrize("name", SAMPLES)
def test_suggest_prompts_use_motion_vocabulary(name, sample_reports):
    r = sample_reports[name]
    prompts = suggest_prompts(r)
    assert 2 <= len(prompts) <= 4 and len(set(prompts)) == len(prompts)
    for p in prompts:
        assert any(w in p for w in CAMERA), p
    if r.movable:
        assert any(w in prompts[0] for w in ENVIRONMENT), prompts[0]
    assert len(suggest_prompts(r, n=2)) == 2


def test_suggest_prompts_for_a_landscape():
    img = two_tone(split=110)
    img[110:] = np.clip(img[110:].astype(int) + np.random.default_rng(0).integers(
        -40, 40, img[110:].shape), 0, 255).astype(np.uint8)
    r = analyze(img, depth="classical")
    prompts = suggest_prompts(r)
    assert "clouds drifting" in prompts[0]
    assert any("pan" in p for p in prompts)


# every phrase suggest_prompts writes -> what parse_prompt must read back from it
CAMERA_PHRASES = {
    "slow zoom in on the subject": {"zoom_in"},
    "slow zoom out": {"zoom_out"},
    "slow orbit around the subject": {"orbit_left", "orbit_right"},
    "slow pan left": {"pan_left"},
    "slow pan right": {"pan_right"},
    "slow tilt up": {"tilt_up"},
    "slow dolly in": {"dolly_in"},
    "static camera": {"static"},
}
EFFECT_PHRASES = {
    "clouds drifting": "clouds_drift",
    "water ripples": "water_ripples",
    "gentle waves": "waves",
    "wind in the trees": "wind",
    "wind in the hair": "wind",
    "clothes moving in the wind": "wind",
    "light fog": "fog",
    "soft light flicker": "light_change",
}


def test_suggest_prompts_parse_back_to_their_motion(sample_reports):
    """Each suggestion is in parse_prompt's vocabulary: it reads back the camera and effects."""
    reports = [analyze(two_tone(), depth="classical"), *sample_reports.values()]
    checked = 0
    for r in reports:
        for p in suggest_prompts(r, n=20):
            move, *effects = p.split(", ")
            spec = parse_prompt(p)
            assert spec.camera in CAMERA_PHRASES[move], (p, spec.camera)
            assert spec.speed == pytest.approx(0.25 if move.startswith("slow") else 0.5), p
            assert set(spec.environment) == {EFFECT_PHRASES[e] for e in effects}, p
            checked += 1
    assert checked > 20


def test_suggest_prompts_seed_reorders_alternatives_only():
    r = analyze(disk_image(), depth="classical")
    a, b = suggest_prompts(r, n=20, seed=0), suggest_prompts(r, n=20, seed=5)
    assert a[0] == b[0] and sorted(a) == sorted(b) and a != b
    assert suggest_prompts(r, n=20) == a  # the default seed is the report's (0)
    assert suggest_prompts(r, n=20, seed=5) == b
    assert suggest_prompts(r, n=2, seed=5) == b[:2]
    with pytest.raises(ValueError):
        suggest_prompts(r, n=0)


def test_lake_sample_landscape():
    r = analyze(sample_image("lake"), depth="classical")
    assert {"sky", "water", "foliage"} <= set(r.movable)
    assert r.horizon_y is not None and 0.4 < r.horizon_y / r.shape[0] < 0.7
    assert "sky above the subject" in r.relations and "water below the subject" in r.relations
    sky, water = r.motion_regions["sky"], r.motion_regions["water"]
    assert r.depth[sky].mean() > r.depth[water].mean() + 0.3     # sky far, lake nearer
    prompts = suggest_prompts(r)
    assert "clouds drifting" in " ".join(prompts) and "waves" in prompts[0]
    spec = parse_prompt(prompts[0])
    assert spec.camera != "static" and spec.environment


def test_big_image_is_analysed_downscaled_but_reported_full_size():
    from i2v_nb.analysis import ANALYSIS_MAX_SIDE

    h, w = 1350, 2400
    assert max(h, w) > ANALYSIS_MAX_SIDE
    img = disk_image(h=h, w=w, cx=1700, cy=500, r=200)
    img[900:] = (60, 90, 40)  # ground below a line: a horizon at row 900
    r = analyze(img, depth="classical")
    for m in (r.edges, r.regions, r.saliency, r.subject_mask, r.shadow_mask, r.depth,
              r.foreground_mask, *r.motion_regions.values()):
        assert m.shape == (h, w)
    box = r.subject_box
    assert all(abs(a - b) <= 4 for a, b in zip(box, (1500, 300, 1901, 701), strict=True)), box
    assert r.horizon_y is not None and abs(r.horizon_y - 900) <= 3
    assert sum(s["area"] for s in r.region_stats) == pytest.approx(h * w, rel=0.01)
    assert r.timings["total"] < 10
