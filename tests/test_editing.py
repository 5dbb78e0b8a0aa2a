"""Editing a clip (issue 14): colour matching, interpolation, upscaling, loop seams, extension."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

import i2v_nb
from i2v_nb.editing.color import color_match, lab_stats
from i2v_nb.editing.interpolate import inbetween, output_times
from i2v_nb.errors import ParameterError, VideoInputError


def _psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0 ** 2 / mse)


def _pan(step: float, count: int, size=(96, 128), start=40.0):
    """A pan over a large photo by ``step`` px a frame (sub-pixel steps resampled exactly)."""
    import cv2

    photo = data.astronaut()
    h, w = size
    out = []
    for k in range(count):
        x = start + step * k
        m = np.float32([[1, 0, -x], [0, 1, -60]])
        out.append(cv2.warpAffine(photo, m, (w, h), flags=cv2.INTER_CUBIC))
    return np.stack(out)


# --- colour matching ---------------------------------------------------------------------------

def test_color_match_removes_a_cast_and_keeps_later_changes():
    ref = data.coffee()[::4, ::4]
    cast = np.clip(ref.astype(int) + (12, -6, 20), 0, 255).astype(np.uint8)
    later = np.clip(cast.astype(int) + 25, 0, 255).astype(np.uint8)  # brighter on purpose
    out = color_match(np.stack([cast, later]), ref)
    before = np.linalg.norm(lab_stats(cast)[0] - lab_stats(ref)[0])
    after = np.linalg.norm(lab_stats(out[0])[0] - lab_stats(ref)[0])
    assert before > 8 and after < 1.0
    # anchor="first": one transform for all frames, so the later brightening survives
    assert out[1].mean() > out[0].mean() + 15
    each = color_match(np.stack([cast, later]), ref, anchor="each")
    assert abs(each[1].mean() - each[0].mean()) < 3
    assert np.array_equal(color_match(cast, ref, strength=0), cast) or \
        np.abs(color_match(cast, ref, strength=0).astype(int) - cast).max() <= 1


@pytest.mark.parametrize("kwargs", [{"anchor": "middle"}, {"strength": 1.5}, {"strength": True}])
def test_color_match_refuses_bad_options(kwargs):
    with pytest.raises(ParameterError):
        color_match(np.zeros((1, 8, 8, 3), np.uint8), np.zeros((8, 8, 3), np.uint8), **kwargs)


# --- interpolation -----------------------------------------------------------------------------

def test_interpolation_beats_a_linear_blend_on_a_pan_with_known_inbetweens():
    truth = _pan(3.0, 9)  # frames every 3 px; the odd ones are the truth for the in-betweens
    coarse = i2v_nb.Clip(truth[::2], fps=12)
    smooth = i2v_nb.interpolate(coarse, factor=2)
    assert smooth.num_frames == 9 and smooth.fps == 24.0
    assert np.array_equal(smooth.frames[::2], truth[::2])  # the originals are kept
    made = [_psnr(smooth.frames[i], truth[i]) for i in range(1, 9, 2)]
    blend = [_psnr(((truth[i - 1].astype(int) + truth[i + 1]) // 2).astype(np.uint8), truth[i])
             for i in range(1, 9, 2)]
    assert min(m - b for m, b in zip(made, blend)) >= 3.0, (made, blend)


def test_interpolation_handles_occlusion_at_the_frame_edge():
    truth = _pan(4.0, 3)
    mid = inbetween(truth[0], truth[2], [0.5])[0]
    # the strip entering on the right is only in frame 2: it is taken from there, not blended
    assert _psnr(mid[:, -6:], truth[1][:, -6:]) > _psnr(
        ((truth[0][:, -6:].astype(int) + truth[2][:, -6:]) // 2).astype(np.uint8),
        truth[1][:, -6:])


def test_interpolate_to_an_fps_and_its_refusals():
    clip = i2v_nb.Clip(_pan(2.0, 5), fps=12, metadata={"history_id": "abc", "prompt": "pan"})
    out = i2v_nb.interpolate(clip, fps=30)
    assert out.fps == 30.0 and out.num_frames == len(output_times(5, 12, 30)) == 11
    assert out.metadata["parent"] == "abc" and "history_id" not in out.metadata
    assert out.metadata["interpolated"]["from_fps"] == 12.0 and out.metadata["prompt"] == "pan"
    assert clip.frames.shape == (5, 96, 128, 3)  # the input is unchanged
    calls = []
    i2v_nb.interpolate(clip, factor=3, progress=lambda d, t, preview: calls.append((d, t)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    for bad in ({"factor": 1}, {"factor": 2.5}, {"fps": 10}, {"fps": 12 * 9}, {"factor": 2, "fps": 24}):
        with pytest.raises(ParameterError):
            i2v_nb.interpolate(clip, **bad)
    with pytest.raises(ParameterError, match="one frame"):
        i2v_nb.interpolate(i2v_nb.Clip(clip.frames[:1], fps=12))


# --- upscaling ---------------------------------------------------------------------------------

def test_upscale_is_closer_to_the_truth_than_nearest_neighbour():
    import cv2

    big = data.astronaut()[:256, :256]
    small = cv2.resize(big, (128, 128), interpolation=cv2.INTER_AREA)
    clip = i2v_nb.Clip(np.stack([small, small]), fps=8, metadata={"history_id": "x"})
    up = i2v_nb.upscale(clip, scale=2)
    assert up.frames.shape == (2, 256, 256, 3) and up.fps == 8.0
    assert up.metadata["parent"] == "x" and up.metadata["upscaled"]["to_size"] == [256, 256]
    nearest = cv2.resize(small, (256, 256), interpolation=cv2.INTER_NEAREST)
    assert _psnr(up.frames[0], big) > _psnr(nearest, big) + 0.5
    # sharpening raises edge contrast over plain Lanczos
    plain = i2v_nb.upscale(clip, scale=2, sharpen=0).frames[0]
    lap = lambda a: cv2.Laplacian(cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var()  # noqa
    assert lap(up.frames[0]) > lap(plain)


@pytest.mark.parametrize("kwargs", [{"scale": 1}, {"scale": 5}, {"method": "esrgan"},
                                    {"sharpen": 2}, {"scale": 4.0}])
def test_upscale_refusals(kwargs):
    clip = i2v_nb.Clip(np.zeros((1, 1200, 1200, 3), np.uint8), fps=8)
    with pytest.raises(ParameterError):
        i2v_nb.upscale(clip, **kwargs)


# --- loop seams --------------------------------------------------------------------------------

def test_a_generated_loop_has_no_seam_and_a_one_way_pan_has_one():
    image = i2v_nb.sample_image("chelsea")
    loop = i2v_nb.generate(image, "slow pan right, seamless loop", num_frames=16, width=128,
                           height=96)
    seam = i2v_nb.loop_seam(loop)
    assert seam.ok, seam.reason
    assert seam.mad <= seam.median_mad
    pan = i2v_nb.generate(image, "slow pan right", num_frames=16, width=128, height=96)
    report = i2v_nb.continuity_report(pan)
    broken = i2v_nb.loop_seam(report)  # the report's pair table is reused
    assert not broken and broken.ratio > 3 and "seam" in broken.reason
    with pytest.raises(VideoInputError):
        i2v_nb.loop_seam(pan.frames[:2])


def test_edits_too_large_for_memory_are_refused_before_any_work(monkeypatch):
    import i2v_nb.editing.budget as budget

    monkeypatch.setattr(budget, "MAX_OUTPUT_BYTES", 10 * 96 * 128 * 3)
    clip = i2v_nb.Clip(_pan(2.0, 6), fps=12)
    with pytest.raises(ParameterError, match="shorter part"):
        i2v_nb.interpolate(clip, factor=2)  # 11 frames > 10
    with pytest.raises(ParameterError, match="smaller size"):
        i2v_nb.upscale(clip, scale=2)


# --- extension ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pan_clip():
    return i2v_nb.generate(i2v_nb.sample_image("chelsea"), "slow pan left", seed=3,
                           num_frames=16, width=160, height=112)


def test_extend_keeps_the_original_and_shows_no_break_at_the_joint(pan_clip):
    longer = i2v_nb.extend(pan_clip, seconds=1.0)
    n = pan_clip.num_frames
    assert longer.num_frames == n + round(pan_clip.fps)
    assert np.array_equal(longer.frames[:n], pan_clip.frames)  # bit-identical
    assert longer.fps == pan_clip.fps and longer.frames.shape[1:] == pan_clip.frames.shape[1:]
    report = i2v_nb.continuity_report(longer)
    near_joint = [f for f in report.flags if abs(f.frame - n) <= 1
                  and f.kind in ("cut", "jump", "flash", "glitch")]
    assert not near_joint, [f.explain() for f in near_joint]
    # the step across the joint is an ordinary step of the clip
    mad = report.per_frame["mad_prev"].to_numpy()
    assert mad[n] <= 2.0 * np.nanmedian(mad[1:]) + 1.0
    seg = longer.metadata["segments"]
    assert [(s["start"], s["stop"]) for s in seg] == [(0, n), (n, longer.num_frames)]
    assert longer.metadata["prompt"] == pan_clip.metadata["prompt"]


def test_a_chain_of_extensions_with_colour_matching_does_not_drift(pan_clip):
    """A continuation whose colours shift at each joint (as models' often do) drifts over a chain
    of extensions without colour matching, and stays put with it."""
    def warm(clip_frames):  # a model that warms the picture by 6 levels of red per segment
        out = clip_frames.astype(int)
        out[..., 0] += 6
        return np.clip(out, 0, 255).astype(np.uint8)

    from i2v_nb import synthesis

    original = synthesis.generate

    def shifting_generate(*args, **kwargs):
        clip = original(*args, **kwargs)
        clip.frames = warm(clip.frames)
        return clip

    synthesis.generate = shifting_generate
    try:
        plain = pan_clip
        matched = pan_clip
        for _ in range(3):
            plain = i2v_nb.extend(plain, num_frames=6, color_match=False)
            matched = i2v_nb.extend(matched, num_frames=6)
    finally:
        synthesis.generate = original
    red = lambda c: float(c.frames[-1][..., 0].mean() - pan_clip.frames[-1][..., 0].mean())  # noqa
    assert red(plain) > 12  # three shifts of 6 add up
    assert abs(red(matched)) < 4
    shifts = [s["color_shift"] for s in matched.metadata["segments"][1:]]
    assert len(shifts) == 3 and all(s > 1.0 for s in shifts)


def test_extend_refusals(pan_clip):
    with pytest.raises(ParameterError, match="seconds= or num_frames="):
        i2v_nb.extend(pan_clip)
    with pytest.raises(ParameterError, match="seconds= or num_frames="):
        i2v_nb.extend(pan_clip, seconds=1, num_frames=3)
    with pytest.raises(ParameterError):
        i2v_nb.extend(pan_clip, num_frames=0)
    with pytest.raises(ParameterError):
        i2v_nb.extend(pan_clip.frames, num_frames=3)


def test_extend_into_a_history_records_the_parent(tmp_path, pan_clip):
    history = i2v_nb.History(tmp_path / "h")
    first = i2v_nb.generate(i2v_nb.sample_image("coffee"), "slow zoom in", num_frames=8,
                            width=96, height=64, history=history)
    longer = i2v_nb.extend(first, num_frames=4, history=history)
    assert longer.metadata["parent"] == first.metadata["history_id"]
    assert len(history.list()) == 2


# --- LTX's latent upsampler -------------------------------------------------------------------

@pytest.mark.slow
def test_ltx_latent_upsampler_on_its_tiny_twin(one_torch_thread):
    image = data.astronaut()[::8, ::8][:32, :32]
    clip = i2v_nb.generate(image, "a slow pan", model="tiny-ltx-condition", seed=3)
    assert clip.num_frames % 8 == 1 and clip.height % 32 == 0
    big = i2v_nb.upscale(clip, scale=2, method="ltx")
    assert big.frames.shape == (clip.num_frames, 2 * clip.height, 2 * clip.width, 3)
    assert big.metadata["upscaled"]["method"].startswith("ltx latent upsampler")
    assert big.metadata["upscaled"]["model"] == "tiny-ltx-condition"
    again = i2v_nb.upscale(clip, scale=2, method="ltx")
    assert np.array_equal(big.frames, again.frames)  # seeded: the same result
    # auto keeps Lanczos without a GPU; a model without the capability is refused
    assert i2v_nb.upscale(clip, scale=2).metadata["upscaled"]["method"] == "lanczos"
    with pytest.raises(ParameterError, match="upsample"):
        i2v_nb.upscale(clip, scale=2, method="ltx", model="tiny-wan")
    with pytest.raises(ParameterError, match="8k\\+1"):
        i2v_nb.upscale(i2v_nb.Clip(clip.frames[:8], fps=clip.fps, metadata=clip.metadata),
                       method="ltx")
    with pytest.raises(ParameterError, match="scale=2"):
        i2v_nb.upscale(clip, scale=3, method="ltx")
