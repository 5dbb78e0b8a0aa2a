"""Continuity diagnostics on synthetic clips whose answer is known (issue 5).

Clips are built from scikit-image photos moved with ``cv2.warpAffine``: the direction of a pan,
the sign of a zoom, the frame of a flash, cut or freeze are known by construction. SSIM and PSNR
are pinned against scikit-image, temporal flickering against VBench's formula.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from skimage import data
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from i2v_nb.diagnostics import (
    CameraCheck,
    ContinuityReport,
    check_camera,
    color_drift,
    compatible_moves,
    compare_clips,
    continuity_report,
    dynamic_degree,
    dynamic_threshold,
    global_motion,
    i2v_consistency,
    motion_smoothness,
    occlusion_mask,
    optical_flow,
    psnr,
    ssim,
    ssim_map,
    temporal_flickering,
    to_grey,
    vbench_camera_labels,
    warp_error,
)
from i2v_nb.errors import ParameterError, VideoInputError

H, W = 144, 256
PAD = 96


def _photo(name: str = "astronaut", pad: int = PAD) -> np.ndarray:
    return cv2.resize(getattr(data, name)(), (W + 2 * pad, H + 2 * pad),
                      interpolation=cv2.INTER_AREA)


def pan_clip(dx: float, dy: float, num: int = 10, name: str = "astronaut") -> np.ndarray:
    """Content moves by (dx, dy) pixels per frame (x right, y down)."""
    big = _photo(name)
    out = []
    for t in range(num):
        m = np.float32([[1, 0, dx * t], [0, 1, dy * t]])
        moved = cv2.warpAffine(big, m, (big.shape[1], big.shape[0]), flags=cv2.INTER_LINEAR)
        out.append(moved[PAD:PAD + H, PAD:PAD + W])
    return np.stack(out)


def zoom_clip(scale: float, num: int = 10) -> np.ndarray:
    """Content scales by ``scale`` per frame about the centre (> 1: expands = zoom in)."""
    big = _photo()
    c = ((big.shape[1] - 1) / 2, (big.shape[0] - 1) / 2)
    out = []
    for t in range(num):
        m = cv2.getRotationMatrix2D(c, 0, scale ** t)
        moved = cv2.warpAffine(big, m, (big.shape[1], big.shape[0]), flags=cv2.INTER_LINEAR)
        out.append(moved[PAD:PAD + H, PAD:PAD + W])
    return np.stack(out)


def static_clip(num: int = 10, seed: int = 0) -> np.ndarray:
    """The same photo with a little sensor-like noise (σ = 1.5 grey levels) on every frame."""
    rng = np.random.default_rng(seed)
    base = _photo()[PAD:PAD + H, PAD:PAD + W].astype(np.float32)
    return np.stack([np.clip(base + rng.normal(0, 1.5, base.shape), 0, 255).round()
                     for _ in range(num)]).astype(np.uint8)


def kinds(report: ContinuityReport) -> list[tuple[int, str]]:
    return [(f.frame, f.kind) for f in report.flags]


# --- similarity ---------------------------------------------------------------------------------

def _pairs():
    a = _photo()[PAD:PAD + H, PAD:PAD + W]
    rng = np.random.default_rng(1)
    noisy = np.clip(a + rng.normal(0, 25, a.shape), 0, 255).astype(np.uint8)
    rot = cv2.warpAffine(a, cv2.getRotationMatrix2D((W / 2, H / 2), 4, 1.05), (W, H))
    other = _photo("coffee")[PAD:PAD + H, PAD:PAD + W]
    return {"noise": (a, noisy), "rotation": (a, rot), "other": (a, other), "same": (a, a),
            "black": (a, np.zeros_like(a)), "white": (np.full_like(a, 255), a)}


@pytest.mark.parametrize("case", ["noise", "rotation", "other", "same", "black", "white"])
def test_ssim_matches_scikit_image_on_greyscale(case):
    a, b = _pairs()[case]
    g1, g2 = to_grey(a), to_grey(b)
    expected, s_full = structural_similarity(g1, g2, gaussian_weights=True, sigma=1.5,
                                             use_sample_covariance=False, data_range=255,
                                             full=True)
    assert abs(ssim(g1, g2) - expected) < 1e-4
    assert abs(ssim(a, b) - expected) < 1e-4  # RGB input goes through the same to_grey
    smap = ssim_map(g1, g2)
    assert np.max(np.abs(smap[5:-5, 5:-5] - s_full[5:-5, 5:-5])) < 1e-3


def test_psnr_matches_scikit_image_and_identical_is_inf():
    a, b = _pairs()["noise"]
    assert psnr(a, b) == pytest.approx(peak_signal_noise_ratio(a, b, data_range=255), abs=1e-9)
    assert psnr(a, a) == float("inf")


def test_grey_is_opencv_bt601():
    a = _photo()[:20, :20]
    assert np.array_equal(to_grey(a), cv2.cvtColor(a, cv2.COLOR_RGB2GRAY))


def test_ssim_rejects_mismatched_or_tiny_images():
    from i2v_nb.errors import ImageInputError

    with pytest.raises(ImageInputError, match="shapes"):
        ssim(np.zeros((20, 20), np.uint8), np.zeros((20, 21), np.uint8))
    with pytest.raises(ImageInputError, match="at least 11x11"):
        ssim(np.zeros((8, 20), np.uint8), np.zeros((8, 20), np.uint8))


def test_color_drift_is_zero_for_a_permutation_and_grows_with_a_tint():
    a = _photo()[PAD:PAD + H, PAD:PAD + W]
    shuffled = a.reshape(-1, 3)[np.random.default_rng(0).permutation(H * W)].reshape(a.shape)
    assert color_drift(shuffled, a) == pytest.approx(0.0, abs=1e-7)
    tint = np.clip(a.astype(int) + [40, 0, -40], 0, 255).astype(np.uint8)
    strong = np.clip(a.astype(int) + [90, 0, -90], 0, 255).astype(np.uint8)
    assert 0.1 < color_drift(tint, a) < color_drift(strong, a) <= 1.0


# --- scores -------------------------------------------------------------------------------------

def _vbench_temporal_flickering(frames):
    # vbench/temporal_flickering.py: mean of cv2.absdiff on float32 frames, (255 - mean) / 255
    maes = [np.mean(cv2.absdiff(np.array(frames[i], dtype=np.float32),
                                np.array(frames[i + 1], dtype=np.float32)))
            for i in range(len(frames) - 1)]
    return (255.0 - np.mean(maes).item()) / 255.0


def test_temporal_flickering_equals_vbench():
    clip = pan_clip(3, 1, num=6)
    assert temporal_flickering(clip) == pytest.approx(_vbench_temporal_flickering(clip), abs=1e-9)
    report = continuity_report(clip)
    assert report.scores["temporal_flickering"] == pytest.approx(
        _vbench_temporal_flickering(clip), abs=1e-9)


def test_dynamic_degree_follows_vbench_rule():
    thr = dynamic_threshold(576, 1024, calibration=1.0)
    assert thr == pytest.approx(13.5)
    assert dynamic_threshold(576, 1024, fps=4, calibration=1.0) == pytest.approx(27.0)
    # 16 frames -> round(4) = 4 moving pairs needed; 14 frames -> round(3.5) = 4 (half to even)
    moving = [thr * 1.1] * 4 + [0.0] * 11
    assert dynamic_degree(moving, height=576, width=1024, calibration=1.0)["dynamic_degree"] == 1
    assert dynamic_degree(moving[1:], height=576, width=1024, calibration=1.0,
                          num_frames=14)["dynamic_degree"] == 0
    few = dynamic_degree([thr * 1.1] * 3 + [0.0] * 12, height=576, width=1024, calibration=1.0)
    assert few["dynamic_degree"] == 0 and few["moving_pairs"] == 3 and few["required_pairs"] == 4


def test_i2v_consistency_and_smoothness_formulas():
    # 0.4 * max(0.9, 0.7, -0.2 -> 0) + 0.3 * mean(0.8, 0.6) + 0.3 * min(0.8, 0.6)
    assert i2v_consistency([0.9, 0.7, -0.2], [0.8, 0.6]) == pytest.approx(
        0.4 * 0.9 + 0.3 * 0.7 + 0.3 * 0.6)
    assert motion_smoothness([0.0, 5.1]) == pytest.approx((255 - 2.55) / 255)


def test_dynamic_threshold_calibration_separates_slow_from_fast_pans():
    thr = dynamic_threshold(H, W)
    slow = continuity_report(pan_clip(0.6 * thr, 0, num=8))
    fast = continuity_report(pan_clip(1.6 * thr, 0, num=8))
    assert slow.scores["moving_fraction"] == 0.0 and slow.scores["dynamic_degree"] == 0.0
    assert fast.scores["moving_fraction"] == 1.0 and fast.scores["dynamic_degree"] == 1.0


def test_dynamic_degree_samples_high_fps_clips_like_vbench():
    # 3 px per frame is under the threshold (3.5 px at 144 px); VBench reads a 24 fps clip every
    # round(24 / 8) = 3rd frame, where the motion is 9 px per sampled pair
    clip = pan_clip(3, 0, num=13)
    assert continuity_report(clip).scores["dynamic_degree"] == 0.0
    fast = continuity_report(clip, fps=24)
    assert fast.scores["dynamic_degree"] == 1.0 and fast.scores["moving_pairs"] == 4


def test_tiny_clips_still_give_a_report_and_a_picture():
    one = continuity_report(pan_clip(2, 0, num=1))
    two = continuity_report(pan_clip(2, 0, num=2))
    assert one.flags == [] and one.camera_motion == "static"
    assert np.isnan(one.scores["temporal_flickering"])
    assert json.loads(json.dumps(one.to_dict(), allow_nan=False))["num_frames"] == 1
    for r in (one, two):
        r.plot()
        assert "frames" in repr(r) and r.summary()


# --- flow ---------------------------------------------------------------------------------------

def _similarity_flow(h, w, *, tx=0.0, ty=0.0, zoom=0.0, angle_deg=0.0):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    x, y = xx - (w - 1) / 2, yy - (h - 1) / 2
    s, th = 1 + zoom, np.radians(angle_deg)
    a, b = s * np.cos(th), s * np.sin(th)
    u = a * x - b * y + tx - x
    v = b * x + a * y + ty - y
    return np.stack([u, v], -1).astype(np.float32)


def test_global_motion_recovers_a_similarity_despite_outliers():
    f = _similarity_flow(120, 200, tx=2.5, ty=-1.5, zoom=0.03, angle_deg=2.0)
    rng = np.random.default_rng(0)
    outliers = rng.random(f.shape[:2]) < 0.3
    f[outliers] = rng.normal(0, 20, (outliers.sum(), 2))
    gm = global_motion(f, step=2)
    assert gm.pan_x == pytest.approx(2.5, abs=0.05)
    assert gm.pan_y == pytest.approx(-1.5, abs=0.05)
    assert gm.zoom == pytest.approx(0.03, abs=1e-3)
    assert gm.rotation == pytest.approx(2.0, abs=0.05)
    assert 0.6 < gm.inliers < 0.8


def test_horizontal_parallax_is_shear_not_roll():
    """An orbit's parallax shears the horizontal flow along y; only a roll also turns v with x."""
    h, w = 120, 200
    yy = np.mgrid[0:h, 0:w][0].astype(np.float32) - (h - 1) / 2
    sheared = np.stack([0.04 * yy, np.zeros_like(yy)], -1)
    gm = global_motion(sheared, step=2)
    assert gm.rotation == pytest.approx(0.0, abs=1e-3)
    assert gm.shear == pytest.approx(0.04, abs=1e-3)
    assert gm.pan_x == pytest.approx(0.0, abs=0.05)
    rolled = global_motion(_similarity_flow(h, w, angle_deg=1.5), step=2)
    assert rolled.rotation == pytest.approx(1.5, abs=0.02) and abs(rolled.shear) < 1e-3


@pytest.mark.parametrize("prompt, camera", [("orbit left", "orbit_left"),
                                            ("orbit right", "orbit_right"), ("roll", "roll")])
def test_preview_orbits_and_rolls_are_told_apart(prompt, camera):
    import i2v_nb

    clip = i2v_nb.generate(i2v_nb.sample_image("lake"), prompt, width=256, height=176,
                           num_frames=12)
    report = continuity_report(clip)
    assert report.camera_motion == camera
    assert check_camera(report, prompt).ok


def test_a_pan_with_parallax_may_read_as_an_orbit_the_same_way():
    assert compatible_moves("pan_right") == {"pan_right", "orbit_right"}
    assert compatible_moves("orbit_left") == {"orbit_left", "pan_left", "pan_right"}


def test_optical_flow_measures_a_known_shift():
    clip = pan_clip(4, -2, num=2)
    f = optical_flow(clip[0], clip[1], max_side=None)
    inner = f[20:-20, 20:-20].reshape(-1, 2)
    assert np.median(inner[:, 0]) == pytest.approx(4, abs=0.2)
    assert np.median(inner[:, 1]) == pytest.approx(-2, abs=0.2)


def test_dis_flow_and_sample_flow_are_the_steps_of_optical_flow_and_track_points():
    from i2v_nb.diagnostics.flow import dis_flow, sample_flow, track_points

    clip = pan_clip(4, -2, num=3)
    g0, g1 = to_grey(clip[0]), to_grey(clip[1])
    np.testing.assert_array_equal(dis_flow("fast").calc(g0, g1, None),
                                  optical_flow(clip[0], clip[1], max_side=None))
    with pytest.raises(ParameterError, match="'slowest'"):
        dis_flow("slowest")
    flows = [optical_flow(clip[t], clip[t + 1], max_side=None) for t in range(2)]
    pts = np.array([[100.5, 60.25], [30.0, 40.0], [-5.0, 500.0]])  # the last one is outside
    tracks = track_points(flows, pts)
    step = sample_flow(flows[0], pts)
    np.testing.assert_allclose(tracks[1], pts + step, rtol=1e-6)
    np.testing.assert_allclose(step[2], flows[0][H - 1, 0])  # nearest border pixel
    assert np.median(step[:2, 0]) == pytest.approx(4, abs=0.3)


def test_occlusion_mask_and_warp_error():
    clip = pan_clip(5, 0, num=2)
    fw = optical_flow(clip[0], clip[1], max_side=None)
    bw = optical_flow(clip[1], clip[0], max_side=None)
    occ = occlusion_mask(fw, bw)
    # the right-most 5 columns of frame 0 leave the frame: occluded; the middle is not
    assert occ[:, -3:].mean() > 0.9
    assert occ[10:-10, 10:-10 - 8].mean() < 0.05
    err = warp_error(clip[0], clip[1], fw, bw)
    other = _photo("coffee")[PAD:PAD + H, PAD:PAD + W]
    bad = warp_error(clip[0], other, fw, bw)
    assert err["mse"] < 2e-3 < bad["mse"]
    # an inconsistent backward flow marks pixels occluded
    bw2 = bw.copy()
    bw2[40:80, 60:120] += 6.0
    assert occlusion_mask(fw, bw2)[45:75, 60:110].mean() > 0.9


def _tracks(vec_top, vec_down, vec_left, vec_right, size=100.0):
    first = np.stack(np.meshgrid(np.linspace(10, size, 10), np.linspace(10, size, 10)),
                     -1).reshape(-1, 2)
    last = first.copy().reshape(10, 10, 2)
    last[0, 5] += vec_top
    last[-1, 5] += vec_down
    last[5, 0] += vec_left
    last[5, -1] += vec_right
    return first, last.reshape(-1, 2)


@pytest.mark.parametrize("vectors,label", [
    (((-5, 0), (-5, 0), (-5, 0), (-5, 0)), "pan_right"),
    (((5, 0), (5, 0), (5, 0), (5, 0)), "pan_left"),
    (((0, 5), (0, 5), (0, 5), (0, 5)), "tilt_up"),
    (((0, -5), (0, -5), (0, -5), (0, -5)), "tilt_down"),
    (((0, -5), (0, 5), (-5, 0), (5, 0)), "zoom_in"),
    (((0, 5), (0, -5), (5, 0), (-5, 0)), "zoom_out"),
    (((0, 0), (0, 0), (0, 0), (0, 0)), "static"),
])
def test_vbench_camera_rule(vectors, label):
    first, last = _tracks(*vectors)
    assert vbench_camera_labels(first, last, min_reso=200) == [label]


# --- reports on synthetic clips -----------------------------------------------------------------

def test_static_clip_has_no_flags_and_no_dynamics():
    report = continuity_report(static_clip(), fps=8)
    assert report.flags == []
    assert report.scores["dynamic_degree"] == 0.0
    assert report.scores["moving_fraction"] == 0.0
    assert report.per_frame["flow_top5"].max() < 1.0
    assert report.camera_motion == "static" and report.camera_confidence > 0.5
    assert report.camera_vbench == ["static"]
    assert report.scores["temporal_flickering"] > 0.99


@pytest.mark.parametrize("dx,dy,camera", [
    (6, 0, "pan_left"),    # content moves right: the camera panned left
    (-6, 0, "pan_right"),
    (0, 6, "tilt_up"),     # content moves down: the camera tilted up
    (0, -6, "tilt_down"),
])
def test_pan_direction_is_recovered_with_the_right_sign(dx, dy, camera):
    report = continuity_report(pan_clip(dx, dy))
    pf = report.per_frame.iloc[1:]
    assert pf["pan_x"].median() == pytest.approx(dx, abs=0.3)
    assert pf["pan_y"].median() == pytest.approx(dy, abs=0.3)
    assert abs(pf["zoom"].median()) < 0.005
    assert report.camera_motion == camera
    assert report.camera_confidence > 0.8
    assert camera in report.camera_vbench
    assert report.flags == []
    assert report.scores["dynamic_degree"] == 1.0
    assert check_camera(report, camera).ok


@pytest.mark.parametrize("scale,camera", [(1.03, "zoom_in"), (1 / 1.03, "zoom_out")])
def test_pure_zoom_is_recovered(scale, camera):
    report = continuity_report(zoom_clip(scale))
    pf = report.per_frame.iloc[1:]
    assert pf["zoom"].median() == pytest.approx(scale - 1, abs=0.004)
    assert abs(pf["pan_x"].median()) < 0.3 and abs(pf["pan_y"].median()) < 0.3
    assert report.camera_motion == camera
    assert camera in report.camera_vbench
    assert report.flags == []


def test_brightness_spike_flags_that_frame_only():
    clip = pan_clip(2, 1, num=12)
    clip[6] = np.clip(clip[6].astype(int) + 45, 0, 255).astype(np.uint8)
    report = continuity_report(clip)
    assert kinds(report) == [(6, "flash")]
    assert report.flags[0].metric == "brightness"
    assert "brighter" in report.flags[0].reason
    assert report.camera_motion == "pan_left"


def test_dark_flash_on_a_static_clip():
    clip = static_clip(num=10)
    clip[3] = (clip[3] * 0.6).astype(np.uint8)
    assert kinds(continuity_report(clip)) == [(3, "flash")]


def test_cut_to_another_image_is_flagged_at_the_cut():
    clip = np.concatenate([pan_clip(2, 0, num=12)[:7], pan_clip(2, 0, num=12, name="coffee")[7:]])
    report = continuity_report(clip)
    assert kinds(report) == [(7, "cut")]
    assert report.flags[0].metric == "residual"
    assert "between frames 6 and 7" in report.flags[0].reason
    assert report.camera_motion == "pan_left"  # the cut pair is left out of the camera estimate


def test_dropped_frames_in_a_moving_clip_are_a_jump():
    moving = pan_clip(2, 0, num=16)
    order = [*range(0, 7), *range(11, 16)]  # frames 7-10 dropped: one pair moves 5x as far
    report = continuity_report(moving[order])
    assert kinds(report) == [(7, "jump")]
    assert report.flags[0].metric == "flow_mean"
    assert "between frames 6 and 7" in report.flags[0].reason


def test_sudden_shift_of_a_static_shot_is_a_jump_but_a_steady_pan_is_not():
    still = pan_clip(0, 0, num=2)[0]
    shifted = pan_clip(12, 0, num=3)[2]  # the same picture 24 px to the right
    report = continuity_report(np.stack([still] * 6 + [shifted] * 6))
    assert kinds(report) == [(6, "jump")]
    assert continuity_report(pan_clip(6, 0, num=12)).flags == []


def test_frozen_segment_inside_a_moving_clip():
    moving = pan_clip(3, 0, num=12)
    order = [0, 1, 2, 3, 4, 4, 4, 4, 5, 6, 7, 8, 9, 10, 11]  # frames 5-7 repeat frame 4
    report = continuity_report(moving[order])
    assert kinds(report) == [(5, "freeze")]
    assert "frames 5–7 repeat frame 4" in report.flags[0].reason
    # a static clip with identical frames is not "frozen"
    assert continuity_report(np.repeat(moving[:1], 6, axis=0)).flags == []


def test_morph_away_from_the_source_is_an_identity_loss():
    clip = static_clip(num=12).astype(np.float32)
    other = _photo("coffee")[PAD:PAD + H, PAD:PAD + W].astype(np.float32)
    y0, y1, x0, x1 = H // 5, 4 * H // 5, W // 5, 4 * W // 5
    for t in range(5, 12):  # the centre turns into another picture over frames 5-7
        a = min(1.0, (t - 4) / 3)
        clip[t, y0:y1, x0:x1] = (1 - a) * clip[t, y0:y1, x0:x1] + a * other[y0:y1, x0:x1]
    report = continuity_report(clip.round().astype(np.uint8))
    assert kinds(report) == [(5, "identity_loss")]
    assert "frames 5–7" in report.flags[0].reason


def test_report_reads_an_mp4_written_with_write_video(tmp_path):
    from i2v_nb import read_video, write_video

    clip = pan_clip(-6, 0, num=10)
    path = write_video(tmp_path / "pan.mp4", clip, fps=8)
    back = read_video(path)
    report = continuity_report(back)
    assert report.fps == pytest.approx(8)
    assert report.num_frames == 10
    assert report.camera_motion == "pan_right"
    assert report.flags == []
    assert report.per_frame["time_s"].iloc[-1] == pytest.approx(9 / 8)


def test_inputs_clip_list_float_and_reference(tmp_path):
    from PIL import Image

    from i2v_nb.clip import Clip

    frames = pan_clip(2, 0, num=5)
    source = _photo()  # larger than the frames: centre-cropped/resized to them
    r_clip = continuity_report(Clip(frames, fps=10, source=Image.fromarray(source)))
    assert r_clip.reference_kind == "source" and r_clip.fps == 10
    assert r_clip.reference.shape == (H, W, 3)
    r_list = continuity_report(list(frames.astype(np.float32) / 255.0))
    assert r_list.reference_kind == "first_frame"
    assert r_list.per_frame["ssim_ref"].iloc[0] == pytest.approx(1.0, abs=1e-5)
    r_ref = continuity_report(frames, reference=frames[2])
    assert r_ref.reference_kind == "given"
    assert r_ref.per_frame["ssim_ref"].idxmax() == 2
    single = continuity_report(frames[:1])
    assert single.flags == [] and len(single.per_frame) == 1


def test_bad_inputs_raise_with_the_value():
    with pytest.raises(VideoInputError, match="16x16"):
        continuity_report(np.zeros((3, 8, 8, 3), np.uint8))
    with pytest.raises(VideoInputError, match="fps"):
        continuity_report(np.zeros((3, 32, 32, 3), np.uint8), fps=-1)
    with pytest.raises(VideoInputError, match="shape"):
        continuity_report(np.zeros((32, 32), np.uint8)[None, None])
    with pytest.raises(ParameterError, match="preset"):
        continuity_report(np.zeros((2, 32, 32, 3), np.uint8), flow_preset="slowest")


# --- camera check, outputs, compare -------------------------------------------------------------

def test_check_camera_against_prompts_and_specs():
    from i2v_nb.prompting import MotionSpec

    zoom_in = continuity_report(zoom_clip(1.03, num=8))
    pan_left = continuity_report(pan_clip(6, 0, num=8))
    assert check_camera(zoom_in, "slow zoom in on the astronaut").ok
    assert check_camera(zoom_in, MotionSpec(camera="dolly_in")).ok  # dolly ≍ zoom
    res = check_camera(zoom_in, "camera pans left")
    assert isinstance(res, CameraCheck) and not res and res.requested == "pan_left"
    assert "zoom_in" in res.reason
    assert check_camera(pan_left, "camera pans left")
    assert check_camera(pan_left, {"camera": "orbit_right"}).ok  # orbit ≍ either pan
    assert not check_camera(pan_left, "zoom_out").ok
    with pytest.raises(ParameterError, match="vocabulary"):
        check_camera(pan_left, {"camera": "sideways"})


def test_flag_to_dict_is_strict_json_whatever_the_number_types():
    from i2v_nb.diagnostics.flags import Flag

    d = Flag(np.int64(3), "freeze", "mad_prev", 1, float("nan"), "frame 3 repeats").to_dict()
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert d == {"frame": 3, "kind": "freeze", "metric": "mad_prev", "value": 1.0, "z": None,
                 "reason": "frame 3 repeats", "box": None, "last": None,
                 "message": "the picture stops moving at frame 3"}
    assert type(d["frame"]) is int and type(d["value"]) is float
    boxed = Flag(5, "artefact", "residual_map", 30.0, 9.0, "r", box=(np.int64(4), 2, 20, 9),
                 message="a patch of artefacts in the upper left of frame 5").to_dict()
    assert boxed["box"] == [4, 2, 20, 9] and type(boxed["box"][0]) is int
    assert boxed["message"] == "a patch of artefacts in the upper left of frame 5"


def test_to_dict_is_json_and_summary_names_the_flag():
    clip = pan_clip(2, 1, num=8)
    clip[4] = np.clip(clip[4].astype(int) - 60, 0, 255).astype(np.uint8)
    report = continuity_report(clip, fps=8)
    d = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert d["flags"][0]["frame"] == 4 and d["flags"][0]["kind"] == "flash"
    assert len(d["per_frame"]["ssim_ref"]) == 8 and d["per_frame"]["psnr_ref"][0] is None
    assert set(d["scores"]) >= {"temporal_flickering", "dynamic_degree", "motion_smoothness",
                                "i2v_subject", "i2v_background"}
    text = report.summary()
    assert "frame 4: flash" in text and "pan_left" in text


def test_plot_uses_the_figure_api():
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    clip = pan_clip(2, 0, num=8)
    clip[3] = np.clip(clip[3].astype(int) + 50, 0, 255).astype(np.uint8)
    fig = continuity_report(clip).plot()
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == []  # no pyplot state
    titles = [ax.get_title() for ax in fig.axes]
    assert "flash @ 3" in titles and "frame 2" in titles and "frame 4" in titles
    assert any(t.startswith("flow 2→3") for t in titles)
    fig.savefig("report.png", dpi=40)
    clean = continuity_report(pan_clip(2, 0, num=5)).plot()
    assert "frame 0 (no flags)" in [ax.get_title() for ax in clean.axes]


def test_compare_clips_ranks_the_clean_take_first():
    good = pan_clip(2, 0, num=8)
    bad = good.copy()
    bad[3] = np.clip(bad[3].astype(int) + 60, 0, 255).astype(np.uint8)
    bad[5:] = pan_clip(2, 0, num=8, name="coffee")[5:]
    cmp = compare_clips({"flashy": bad, "clean": good}, reference=good[0])
    assert list(cmp.table.index) == ["clean", "flashy"]
    assert cmp.best == "clean"
    assert cmp.table.loc["flashy", "flags"] == 2
    assert list(cmp.table["rank"]) == [1, 2]
    fig = cmp.plot()
    assert len(fig.axes) == 2 * 4 + 2  # thumbnails, the ranking score, the SSIM curves
    with pytest.raises(VideoInputError):
        compare_clips([])


# --- optional feature model ---------------------------------------------------------------------

def test_feature_similarity_with_a_tiny_local_dinov2(tmp_path):
    import torch
    from transformers import Dinov2Config, Dinov2Model

    torch.manual_seed(0)
    cfg = Dinov2Config(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                       intermediate_size=37, image_size=56, patch_size=14)
    Dinov2Model(cfg).eval().save_pretrained(tmp_path / "dino")  # safetensors by default
    assert (tmp_path / "dino" / "model.safetensors").exists()
    clip = pan_clip(2, 0, num=6)
    clip[3] = np.clip(clip[3].astype(int) + 60, 0, 255).astype(np.uint8)
    report = continuity_report(clip, feature_model=tmp_path / "dino")
    pf = report.per_frame
    assert pf["feature_sim_ref"].iloc[0] == pytest.approx(1.0, abs=1e-5)
    assert np.isnan(pf["feature_sim_prev"].iloc[0])
    assert pf["feature_sim_ref"].between(-1.0001, 1.0001).all()
    expected = i2v_consistency(pf["feature_sim_ref"], pf["feature_sim_prev"][1:])
    assert report.scores["i2v_subject_feature"] == pytest.approx(expected)
    # a loaded model gives the same numbers as the path
    model = Dinov2Model.from_pretrained(tmp_path / "dino", use_safetensors=True)
    again = continuity_report(clip, feature_model=model)
    np.testing.assert_allclose(again.per_frame["feature_sim_ref"], pf["feature_sim_ref"],
                               atol=1e-5)


def test_feature_model_missing_weights_says_so(tmp_path):
    from i2v_nb.errors import ModelUnavailable

    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelUnavailable, match="safetensors"):
        continuity_report(pan_clip(1, 0, num=3), feature_model=tmp_path / "empty")


def test_public_names_from_the_package():
    import i2v_nb

    assert i2v_nb.continuity_report is continuity_report
    assert i2v_nb.check_camera is check_camera
    assert i2v_nb.compare_clips is compare_clips
    assert i2v_nb.ContinuityReport is ContinuityReport
