"""The CPU preview engine, measured on its own output with optical flow (OpenCV Farneback)."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from i2v_nb.errors import GenerationStopped, I2VWarning, ParameterError
from i2v_nb.prompting import CAMERA_MOVES, ENVIRONMENT_EFFECTS, MotionSpec
from i2v_nb.synthesis.numbers import check_number
from i2v_nb.synthesis.preview import (
    PREVIEW_DEFAULTS,
    PREVIEW_LIMITS,
    check_preview_budget,
    plan_preview,
    preview_size,
    render_preview,
    validate_preview_params,
)

H, W = 96, 128


def textured(height: int = H, width: int = W, seed: int = 0, lo: int = 40) -> np.ndarray:
    """A richly textured RGB image with values in [lo, 225] (good for optical flow, no black)."""
    rng = np.random.default_rng(seed)
    acc = np.zeros((height, width, 3), np.float32)
    for cell, weight in ((24, 0.5), (8, 0.3), (3, 0.2)):
        grid = rng.uniform(0, 1, (height // cell + 2, width // cell + 2, 3)).astype(np.float32)
        acc += weight * cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
    acc = (acc - acc.min()) / (acc.max() - acc.min())
    return np.round(lo + acc * (225 - lo)).astype(np.uint8)


IMG = textured()
FLAT = np.full((H, W), 0.5, np.float32)
NO_MASKS = {k: np.zeros((H, W), bool) for k in ("sky", "water", "foliage", "hair", "fabric")}
YY, XX = np.mgrid[0:H, 0:W].astype(np.float32)
RX, RY = XX - (W - 1) / 2, YY - (H - 1) / 2
RADIUS = np.hypot(RX, RY)


def flow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense optical flow (H, W, 2) from frame a to frame b: where a's content moved in b."""
    ga, gb = (cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in (a, b))
    return cv2.calcOpticalFlowFarneback(ga, gb, None, 0.5, 3, 15, 3, 5, 1.2, 0)


def mid_flow(frames: np.ndarray) -> np.ndarray:
    """Flow over a few frames around the middle of a clip (the fastest part of the easing)."""
    n = len(frames)
    return flow(frames[n // 2 - 2], frames[n // 2 + 2])


def interior(margin: int = 12) -> np.ndarray:
    m = np.zeros((H, W), bool)
    m[margin:-margin, margin:-margin] = True
    return m


def render(prompt, **kw):
    kw.setdefault("num_frames", 16)
    kw.setdefault("depth", FLAT)
    kw.setdefault("masks", NO_MASKS)
    return render_preview(IMG, prompt, **kw)


# ------------------------------------------------------------------------------ camera moves

def test_zoom_in_flow_is_outward_and_grows_with_radius():
    frames = render("zoom in")
    f = mid_flow(frames)
    ok = interior() & (RADIUS > 8)
    radial = (f[..., 0] * RX + f[..., 1] * RY) / np.maximum(RADIUS, 1e-6)
    assert (radial[ok] > 0).mean() > 0.95
    mag = np.hypot(f[..., 0], f[..., 1])
    inner = ok & (RADIUS < 20)
    outer = ok & (RADIUS > 35)
    assert mag[outer].mean() > 1.8 * mag[inner].mean()
    # the first frame of a zoom in is the picture itself
    assert np.abs(frames[0].astype(int) - IMG).max() <= 1


def test_zoom_out_flow_is_inward():
    f = mid_flow(render("zoom out"))
    ok = interior() & (RADIUS > 8)
    radial = (f[..., 0] * RX + f[..., 1] * RY) / np.maximum(RADIUS, 1e-6)
    assert (radial[ok] < 0).mean() > 0.95


@pytest.mark.parametrize("prompt,axis,sign", [
    ("pan left", 0, +1),        # camera left -> content right
    ("camera moves right", 0, -1),
    ("tilt up", 1, +1),         # camera up -> content down
    ("tilt down", 1, -1),
])
def test_pan_and_tilt_have_consistent_flow_in_the_right_direction(prompt, axis, sign):
    frames = render(prompt)
    for i in (3, 7, 11):  # consistent along the clip, not only in the middle
        f = flow(frames[i], frames[i + 2])
        along, across = f[..., axis][interior()], f[..., 1 - axis][interior()]
        assert (sign * along > 0).mean() > 0.97, (prompt, i)
        assert np.abs(across).mean() < 0.25 * np.abs(along).mean()


def test_pan_has_parallax_near_moves_more():
    depth = np.repeat(np.linspace(1.0, 0.0, H, dtype=np.float32)[:, None], W, axis=1)  # top far
    frames = render("pan left", depth=depth, parallax=0.8)
    f = mid_flow(frames)[..., 0]
    top, bottom = f[12:30, 12:-12].mean(), f[-30:-12, 12:-12].mean()
    assert top > 0 and bottom > 0
    assert bottom > 1.8 * top  # near pixels move more than far ones


def test_dolly_in_scales_near_content_more_than_far():
    depth = np.zeros((H, W), np.float32)
    depth[:, W // 2:] = 1.0  # left half near, right half far
    f = mid_flow(render("dolly in", depth=depth, parallax=0.9, num_frames=24))
    ring = interior() & (RADIUS > 25) & (RADIUS < 45)
    radial = (f[..., 0] * RX + f[..., 1] * RY) / np.maximum(RADIUS, 1e-6)
    near, far = radial[ring & (XX < W / 2 - 10)], radial[ring & (XX > W / 2 + 10)]
    assert near.mean() > 0 and near.mean() > 2.0 * max(far.mean(), 1e-3)


def test_orbit_moves_near_and_far_opposite_ways():
    depth = np.repeat(np.linspace(1.0, 0.0, H, dtype=np.float32)[:, None], W, axis=1)
    f = mid_flow(render("orbit left", depth=depth, parallax=1.0, num_frames=24))[..., 0]
    assert f[8:24, 12:-12].mean() < -0.2   # far (top) moves left
    assert f[-24:-8, 12:-12].mean() > 0.2  # near (bottom) moves right


def test_roll_rotates_about_the_centre():
    f = mid_flow(render("slow roll", num_frames=24))
    ok = interior() & (RADIUS > 15)
    tangential = (-f[..., 0] * RY + f[..., 1] * RX) / np.maximum(RADIUS, 1e-6)
    assert (np.sign(tangential[ok]) == np.sign(np.median(tangential[ok]))).mean() > 0.95
    assert np.abs(tangential[ok]).mean() > 3 * np.abs(
        (f[..., 0] * RX + f[..., 1] * RY)[ok] / RADIUS[ok]).mean()


def test_easing_starts_and_ends_slowly():
    frames = render("pan left", num_frames=24)
    step = [np.abs(flow(frames[i], frames[i + 1])[..., 0][interior()]).mean()
            for i in (0, 11, 22)]
    assert step[1] > 2 * step[0] and step[1] > 2 * step[2]


@pytest.mark.parametrize("camera", CAMERA_MOVES)
@pytest.mark.parametrize("loop", [False, True])
def test_no_frame_has_black_holes(camera, loop):
    depth = np.zeros((H, W), np.float32)
    depth[20:70, 30:90] = 0.0
    depth[:20] = 1.0  # a near block over a far background: disocclusions
    frames = render_preview(IMG, MotionSpec(camera=camera, speed=1.0), num_frames=12, loop=loop,
                            depth=depth, masks=NO_MASKS, parallax=1.0)
    assert frames.min() >= 40  # every pixel is sampled from the picture (values 40..225)


@pytest.mark.parametrize("effect", ENVIRONMENT_EFFECTS)
def test_effects_leave_no_black_pixels(effect):
    masks = dict(NO_MASKS, sky=YY < 30, water=YY > 70, foliage=(XX < 30) & (YY > 30))
    frames = render_preview(IMG, MotionSpec(environment=[effect], intensity=1.0), num_frames=8,
                            depth=FLAT, masks=masks)
    darkest = frames.max(axis=-1)  # darkest pixel's brightest channel
    assert darkest.min() >= 10
    assert np.abs(frames[1:].astype(int) - frames[:1]).mean() > 0.05  # the effect shows


# ------------------------------------------------------------------------ local motion fields

def test_static_camera_clouds_drift_keeps_the_rest_still():
    sky = YY < 36
    masks = dict(NO_MASKS, sky=sky)
    frames = render("static camera, clouds drift", masks=masks, num_frames=12)
    below = YY > 44  # beyond the feathered edge
    assert np.array_equal(frames[:, below], np.repeat(IMG[None, below], 12, axis=0))
    assert np.abs(frames[-1][YY < 30].astype(int) - frames[0][YY < 30]).mean() > 3
    f = flow(frames[4], frames[6])[..., 0][4:28, 16:-16]
    assert abs(np.median(f)) > 0.3 and (np.sign(f) == np.sign(np.median(f))).mean() > 0.9


def test_static_camera_clouds_drift_on_a_real_photo():
    from i2v_nb.analysis import motion_region_masks
    from i2v_nb.samples import sample_image

    img = np.asarray(sample_image("lake").resize((192, 128)))
    masks = motion_region_masks(img)
    assert masks["sky"].mean() > 0.1
    frames = render_preview(img, "no camera movement, only the clouds drift", num_frames=8)
    ground = cv2.dilate(masks["sky"].astype(np.uint8), np.ones((15, 15), np.uint8)) == 0
    still = np.abs(frames.astype(int) - img[None]).max(axis=-1)[:, ground]
    assert still.max() == 0
    assert np.abs(frames[-1].astype(int) - img)[masks["sky"]].mean() > 1


def test_wind_moves_only_foliage():
    foliage = (XX > 70) & (YY > 40)
    frames = render("strong wind in the trees", masks=dict(NO_MASKS, foliage=foliage))
    far_from = cv2.dilate(foliage.astype(np.uint8), np.ones((25, 25), np.uint8)) == 0
    moving = np.abs(frames.astype(int) - IMG[None]).max(axis=(0, -1))
    assert moving[far_from].max() == 0
    assert moving[foliage].mean() > 5


def test_water_ripples_only_on_water():
    water = YY > 60
    frames = render("ripples on the lake", masks=dict(NO_MASKS, water=water))
    moving = np.abs(frames.astype(int) - IMG[None]).max(axis=(0, -1))
    assert moving[YY < 45].max() == 0 and moving[YY > 65].mean() > 4


def test_day_to_night_darkens_progressively():
    frames = render("day to night")
    means = frames.reshape(len(frames), -1).mean(axis=1)
    assert np.all(np.diff(means) <= 0.01) and means[-1] < 0.7 * means[0]
    assert frames[-1][..., 2].mean() > frames[-1][..., 0].mean()  # bluer


def test_subject_motion_sways_the_subject():
    fabric = (XX > 40) & (XX < 90) & (YY > 30)
    frames = render("she breathes and nods", masks=dict(NO_MASKS, fabric=fabric))
    moving = np.abs(frames.astype(int) - IMG[None]).max(axis=(0, -1))
    assert moving[fabric].mean() > 2 and moving[:, :10].max() == 0


# --------------------------------------------------------------- determinism, loop, plumbing

def test_same_seed_same_frames_other_seed_differs():
    for prompt in ("pan left", "wind, rain, fog, candle flicker"):
        masks = dict(NO_MASKS, foliage=XX > 64)
        a = render(prompt, seed=3, masks=masks)
        b = render(prompt, seed=3, masks=masks)
        c = render(prompt, seed=4, masks=masks)
        assert np.array_equal(a, b)
        assert not np.array_equal(a, c)


def test_loop_is_seamless():
    masks = dict(NO_MASKS, sky=YY < 30, water=YY > 70, foliage=(XX < 30) & (YY > 30))
    spec = "slow pan left, clouds drift, wind, ripples, rain, fog, fire flicker, seamless loop"
    plan = plan_preview(IMG, spec, num_frames=16, depth=FLAT, masks=masks)
    assert plan.loop
    frames = [plan.frame(i) for i in range(17)]
    assert np.abs(frames[16].astype(int) - frames[0]).max() <= 1  # frame T == frame 0
    steps = [np.abs(frames[i + 1].astype(int) - frames[i]).mean() for i in range(16)]
    assert steps[15] <= 2 * np.median(steps[:15])  # the wrap is an ordinary step


def test_auto_effects_for_a_prompt_without_motion():
    masks = dict(NO_MASKS, sky=YY < 30)
    plan = plan_preview(IMG, "", num_frames=8, depth=FLAT, masks=masks)
    assert plan.effects == ["auto:clouds_drift"]
    still = render_preview(IMG, "", num_frames=4, depth=FLAT, masks=NO_MASKS)
    assert np.array_equal(still, np.repeat(IMG[None], 4, axis=0))
    off = render_preview(IMG, "", num_frames=4, depth=FLAT, masks=masks, auto_effects=False)
    assert np.array_equal(off, np.repeat(IMG[None], 4, axis=0))


def test_progress_and_stop():
    calls = []
    render("zoom in", num_frames=6, progress=lambda s, t, p: calls.append((s, t, p.shape)))
    assert calls == [(i, 6, (H, W, 3)) for i in range(1, 7)]

    stop = threading.Event()

    def cb(step, total, preview):
        if step == 3:
            stop.set()

    with pytest.raises(GenerationStopped, match="3 of 10"):
        render("zoom in", num_frames=10, progress=cb, stop=stop)
    stop.clear()
    assert render("zoom in", num_frames=4, stop=stop).shape == (4, H, W, 3)


def test_depth_and_masks_of_another_size_are_fitted():
    big_depth = cv2.resize(np.repeat(np.linspace(1, 0, H, dtype=np.float32)[:, None], W, 1),
                           (2 * W, 2 * H))
    a = render("pan left", depth=big_depth)
    b = render("pan left", depth=np.repeat(np.linspace(1, 0, H, dtype=np.float32)[:, None], W, 1))
    assert np.abs(a.astype(int) - b).mean() < 1.0
    depth_255 = (np.repeat(np.linspace(255, 0, H)[:, None], W, 1)).astype(np.uint8)
    assert render("pan left", depth=depth_255).shape == (16, H, W, 3)  # any range normalised
    with pytest.raises(ParameterError, match="depth"):
        render("pan left", depth=np.zeros((4, 4, 3)))
    with pytest.raises(ParameterError, match="masks"):
        render("wind", masks=[1, 2])


def test_default_depth_and_masks_come_from_analysis():
    plan = plan_preview(IMG, "dolly in, wind", num_frames=4)
    assert plan.depth_source == "classical_depth" and plan.masks_source == "motion_region_masks"
    plan = plan_preview(IMG, "zoom in", num_frames=4)
    assert plan.depth_source == "none"  # an optical zoom needs no depth


# ------------------------------------------------------------------------ parameter validation

def test_validate_preview_params_defaults_and_rules():
    p = validate_preview_params()
    assert p == PREVIEW_DEFAULTS
    p = validate_preview_params(num_frames=49, fps=24, width=512, height=512, loop=True,
                                intensity=0.2, camera="roll", num_inference_steps=30,
                                guidance_scale=5.0)
    assert (p["num_frames"], p["width"], p["loop"], p["camera"]) == (49, 512, True, "roll")
    assert "num_inference_steps" not in p
    with pytest.warns(I2VWarning, match="513 -> 514"):
        assert validate_preview_params(width=513)["width"] == 514
    with pytest.warns(I2VWarning, match="whole number"):
        assert validate_preview_params(num_frames=12.4)["num_frames"] == 12


@pytest.mark.parametrize("params,match", [
    (dict(num_frames=0), "1 to 1000"),
    (dict(num_frames=5000), "1 to 1000"),
    (dict(fps=-1), "frame rate"),
    (dict(fps=float("nan")), "finite"),
    (dict(width=8), "16 to 4096"),
    (dict(height=100_000), "16 to 4096"),
    (dict(width=4096, height=4096, num_frames=1000), "GB"),
    (dict(loop="yes"), "True or False"),
    (dict(intensity=2), r"\[0, 1\]"),
    (dict(camera="sideways"), "zoom_in"),
    (dict(fit="squash"), "crop"),
    (dict(steps=3), "does not take"),
    (dict(num_frames="ten"), "number"),
    (dict(prompt=3), "string"),
])
def test_validate_preview_params_rejects(params, match):
    with pytest.raises(ParameterError, match=match):
        validate_preview_params(**params)


def test_preview_size():
    assert preview_size((1024, 768)) == (512, 384)
    assert preview_size((300, 200)) == (300, 200)
    assert preview_size((1000, 500), height=128) == (256, 128)
    assert preview_size((1000, 500), 64, 64) == (64, 64)


def test_limits_are_the_data_the_checks_use():
    top, low, high = PREVIEW_LIMITS["max_frames"], PREVIEW_LIMITS["min_side"], \
        PREVIEW_LIMITS["max_side"]
    p = validate_preview_params(num_frames=top, width=low, height=low)
    assert (p["num_frames"], p["width"]) == (top, low)
    assert validate_preview_params(width=high)["width"] == high
    for bad in (dict(num_frames=top + 1), dict(width=low - 2), dict(height=high + 2)):
        with pytest.raises(ParameterError, match=f"{top}|{low} to {high}"):
            validate_preview_params(**bad)
    cap = PREVIEW_LIMITS["max_voxels"]
    check_preview_budget(1, 1, cap)
    with pytest.raises(ParameterError, match=f"{cap:,}"):
        check_preview_budget(1, 1, cap + 1)
    with pytest.raises(TypeError):
        PREVIEW_LIMITS["max_fps"] = 1000.0  # read-only data


def test_fps_is_the_writers_rule_under_the_engines_cap():
    from i2v_nb.io import MAX_FPS, MIN_FPS
    from i2v_nb.io import check_fps as writer_fps

    top = PREVIEW_LIMITS["max_fps"]
    assert MIN_FPS < top < MAX_FPS and writer_fps(top) == top  # a cap inside the writer's range
    assert validate_preview_params(fps=MIN_FPS)["fps"] == MIN_FPS
    assert validate_preview_params(fps=top)["fps"] == top
    for fps in (MIN_FPS / 2, top + 0.5, MAX_FPS + 1):
        with pytest.raises(ParameterError, match=f"fps={fps!r} for the preview engine: .* to "
                                                 f"{top:g} frames per second") as e:
            validate_preview_params(fps=fps)
        with pytest.raises(ParameterError) as r:
            render_preview(IMG, "zoom in", num_frames=2, fps=fps)
        assert str(r.value) == str(e.value)  # one rule for the validator and the engine


def test_the_engine_and_its_preset_share_one_rule():
    """The limits are the preview preset's fields, and the engine's own entry point refuses a
    bad frame count with the validator's very words."""
    from i2v_nb.synthesis.registry import get_model

    p = get_model("preview")
    assert dict(PREVIEW_LIMITS) == {"min_side": p.min_side, "max_side": p.max_side,
                                    "default_long_side": p.auto_long_side,
                                    "max_frames": p.max_frames, "max_voxels": p.max_voxels,
                                    "max_fps": p.max_fps}
    for bad in (0, 1001, "8", 10**100):
        with pytest.raises(ParameterError) as e:
            validate_preview_params(num_frames=bad)
        with pytest.raises(ParameterError) as r:
            render_preview(IMG, "zoom in", num_frames=bad)
        assert str(r.value) == str(e.value)


@pytest.mark.parametrize("value", [True, np.bool_(False), "0.5", b"1", 1 + 0j, np.complex128(1),
                                   [0.5], np.zeros(2), 10**400, float("inf"), float("nan")])
def test_numbers_are_read_by_the_one_parser(value):
    with pytest.raises(ParameterError, match="intensity=") as preview:
        validate_preview_params(intensity=value)
    with pytest.raises(ParameterError) as parser:
        check_number(value, "intensity", owner="the preview engine")
    assert str(preview.value) == str(parser.value)


def test_snapped_values_warn_at_the_callers_line():
    import inspect

    for call, match in ((lambda: validate_preview_params(num_frames=12.4), "12.4 -> 12"),
                        (lambda: validate_preview_params(width=513), "513 -> 514"),
                        (lambda: plan_preview(IMG, "zoom in", num_frames=2.5), "2.5 -> 2")):
        line = inspect.getsourcelines(call)[1]
        with pytest.warns(I2VWarning, match=match) as record:
            call()
        assert [(w.filename, w.lineno) for w in record] == [(__file__, line)]
