"""Clip, write_video/read_video round trips for every format, odd sizes, sidecars, display."""

from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pytest

import i2v_nb
from i2v_nb import Clip, VideoInputError, read_video, write_video
from i2v_nb._media import as_frames, to_uint8
from tests.conftest import moving_frames, smooth_image

# mean absolute error allowed after a lossy round trip, per format
TOLERANCE = {".mp4": 3.0, ".webm": 3.0, ".gif": 4.0, ".webp": 3.0}


@pytest.mark.parametrize("suffix", [".mp4", ".webm", ".gif", ".webp"])
@pytest.mark.parametrize("size", [(48, 64), (33, 47)])  # even and odd sizes
def test_round_trip_every_format(tmp_path, suffix, size):
    frames = moving_frames(8, *size)
    clip = Clip(frames, fps=12, metadata={"prompt": "pan right", "seed": np.int64(5)})
    path = clip.save(tmp_path / f"take{suffix}")
    back = read_video(path)
    assert back.frames.shape == frames.shape and back.frames.dtype == np.uint8
    assert back.fps == pytest.approx(12)
    err = np.abs(back.frames.astype(float) - frames).mean()
    assert err < TOLERANCE[suffix], err
    assert back.metadata == {"prompt": "pan right", "seed": 5}
    # the motion survives: consecutive frames differ, as in the source
    assert np.abs(np.diff(back.frames.astype(int), axis=0)).mean() > 1


def _pixel_format(path) -> str:
    import imageio_ffmpeg

    out = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                         capture_output=True, text=True).stderr
    return re.search(r"Video: (\w+).*?, (yuv\w+)", out).group(1, 2)


def test_mp4_is_h264_yuv420p_even_for_odd_sizes(tmp_path):
    path = write_video(tmp_path / "odd.mp4", moving_frames(4, 31, 45), fps=8)
    assert _pixel_format(path) == ("h264", "yuv420p")
    # without a sidecar, the even padding is visible and documented: one extra row/column
    assert read_video(path).frames.shape == (4, 32, 46, 3)


def test_sidecar_contents(tmp_path):
    clip = Clip(moving_frames(6), fps=6, source=smooth_image(),
                metadata={"prompt": "slow zoom in", "model": "preview", "seed": 3,
                          "params": {"num_frames": 6, "size": (64, 48)}, "timings": {"run": 0.5}})
    clip.save(tmp_path / "a.mp4")
    doc = json.loads((tmp_path / "a.json").read_text())
    assert doc["i2v_nb_sidecar"] == 1
    assert doc["library_version"] == i2v_nb.__version__
    assert (doc["fps"], doc["num_frames"], doc["width"], doc["height"]) == (6, 6, 64, 48)
    assert doc["duration_s"] == pytest.approx(1.0)
    assert doc["metadata"]["params"] == {"num_frames": 6, "size": [64, 48]}
    assert doc["metadata"]["model"] == "preview"


def test_interrupted_write_leaves_no_file(tmp_path, monkeypatch):
    import mediapy

    def broken(path, *a, **k):
        with open(path, "wb") as f:
            f.write(b"half a video")
        raise KeyboardInterrupt

    monkeypatch.setattr(mediapy, "write_video", broken)
    with pytest.raises(KeyboardInterrupt):
        write_video(tmp_path / "x.mp4", moving_frames(3), fps=5)
    assert list(tmp_path.iterdir()) == []


def test_existing_file_is_replaced_whole(tmp_path):
    path = tmp_path / "x.gif"
    write_video(path, moving_frames(3), fps=5)
    write_video(path, moving_frames(5), fps=5)
    assert read_video(path).num_frames == 5


@pytest.mark.parametrize("name, content, match", [
    ("missing.mp4", None, "no video file"),
    ("empty.mp4", b"", "empty"),
    ("junk.mp4", b"\x00\x01garbage" * 100, "could not decode"),
    ("clip.avi", b"RIFF", "suffix '.avi'"),
])
def test_read_bad_videos(tmp_path, name, content, match):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(VideoInputError, match=match):
        read_video(path)


def test_write_bad_input(tmp_path):
    with pytest.raises(VideoInputError, match="suffix '.mov'"):
        write_video(tmp_path / "a.mov", moving_frames(2), fps=4)
    with pytest.raises(VideoInputError, match="fps must be in"):
        write_video(tmp_path / "a.mp4", moving_frames(2), fps=0)
    with pytest.raises(VideoInputError, match="shape"):
        write_video(tmp_path / "a.mp4", np.zeros((2, 4, 4, 5), np.uint8), fps=4)


def test_clip_converts_frames_once_and_validates():
    clip = Clip(np.linspace(0, 1, 2 * 4 * 4 * 3).reshape(2, 4, 4, 3), fps=10)
    assert clip.frames.dtype == np.uint8 and clip.frames.max() == 255 and clip.frames.min() == 0
    assert Clip([smooth_image()] * 3, fps=3).frames.shape == (3, 48, 64, 3)
    with pytest.raises(VideoInputError, match="different shapes"):
        Clip([smooth_image(), smooth_image(10, 10)], fps=3)
    with pytest.raises(VideoInputError, match="empty"):
        Clip([], fps=3)
    with pytest.raises(VideoInputError, match="fps"):
        Clip(moving_frames(2), fps=float("nan"))
    with pytest.raises(TypeError, match="metadata must be a dict"):
        Clip(moving_frames(2), fps=2, metadata=[1])


def test_clip_properties_and_frames(tmp_path):
    clip = Clip(moving_frames(10), fps=5, source=smooth_image())
    assert (clip.num_frames, clip.width, clip.height, clip.duration) == (10, 64, 48, 2.0)
    assert clip.source.size == (64, 48)
    assert np.array_equal(np.asarray(clip.frame(-1)), clip.frames[-1])
    with pytest.raises(IndexError, match="frame 10 is out of range"):
        clip.frame(10)
    path = clip.save_frame(0, tmp_path / "first.png")
    assert np.array_equal(np.asarray(i2v_nb.load_image(path)), clip.frames[0])
    assert "10 frames, 64×48, 5 fps" in repr(clip)


def test_show_returns_looping_inline_mp4_html():
    clip = Clip(moving_frames(4), fps=4)
    html = clip.show(return_html=True)
    assert "<video" in html and " loop" in html and "autoplay muted" in html
    assert re.search(r'src="data:video/mp4;base64,[A-Za-z0-9+/=]{100,}"', html)
    assert clip._repr_html_().count("<video") == 1
    assert clip.gif_data_uri().startswith("data:image/gif;base64,")


def test_to_uint8_rounds_and_clips_instead_of_wrapping():
    x = np.array([-0.5, 0.0, 0.499 / 255, 0.5, 1.0, 1.5, np.nan])
    assert to_uint8(x).tolist() == [0, 0, 0, 128, 255, 255, 0]
    assert to_uint8(np.array([300, -4])).tolist() == [255, 0]
    assert as_frames(np.zeros((2, 3, 3, 4), np.uint8)).shape == (2, 3, 3, 3)


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_long_videos_are_cut_to_the_memory_budget_with_a_warning(tmp_path, suffix):
    from i2v_nb.io import VideoTruncatedWarning

    path = write_video(tmp_path / f"long{suffix}", moving_frames(10), fps=10)
    frame_bytes = 48 * 64 * 3
    with pytest.warns(VideoTruncatedWarning, match="has 10 frames; read the first 4"):
        clip = read_video(path, max_bytes=4 * frame_bytes)
    assert clip.num_frames == 4
    with pytest.warns(VideoTruncatedWarning, match="first 3"):
        assert read_video(path, max_frames=3).num_frames == 3
    assert read_video(path).num_frames == 10  # within the defaults: all of it, no warning
    with pytest.raises(VideoInputError, match="above max_pixels=1000"):
        read_video(path, max_pixels=1000)


# ------------------------------------------------------------------ ffmpeg errors (issue 11, 7)
def _damaged_mp4s(tmp_path) -> dict:
    good = write_video(tmp_path / "good.mp4", moving_frames(4), fps=4).read_bytes()
    moov = good.find(b"moov") - 4  # the box header starts 4 bytes before its type
    assert moov > 0
    return {"moov_zeroed": good[:moov] + b"\0" * (len(good) - moov),
            "truncated": good[:moov],
            "not_a_video": b"\x00\x00\x00\x18ftypmp42" + b"x" * 200}


@pytest.mark.parametrize("kind", ["moov_zeroed", "truncated", "not_a_video"])
def test_damaged_mp4_error_names_ffmpegs_reason_not_its_banner(tmp_path, kind):
    path = tmp_path / f"{kind}.mp4"
    path.write_bytes(_damaged_mp4s(tmp_path)[kind])
    with pytest.raises(VideoInputError) as info:
        read_video(path)
    msg = str(info.value)
    assert re.search(r"moov atom not found|Invalid data found when processing input", msg), msg
    assert "ffmpeg version" not in msg and "configuration:" not in msg and "\n" not in msg
    assert str(path) in msg and "damaged" in msg
    assert "ffmpeg version" in str(info.value.__cause__)  # the whole output stays in the chain


def test_ffmpeg_write_failure_is_one_line_with_its_reason(tmp_path):
    # x264 refuses frames wider than it can encode; the error is condensed, the temp file gone
    with pytest.raises(RuntimeError) as info:
        write_video(tmp_path / "wide.mp4", np.zeros((2, 2, 40000, 3), np.uint8), fps=4)
    msg = str(info.value)
    assert "40000x2" in msg and "wide.mp4" in msg and ".part" not in msg, msg
    assert "\n" not in msg and "@ 0x" not in msg and "Error writing" not in msg
    assert info.value.__cause__ is not None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text,expected", [
    ("Unable to parse video header: ffmpeg version 7.0.2\n  built with gcc 8\n"
     "  configuration: --enable-gpl\n  libavutil      59.  8.100 / 59.  8.100\n"
     "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x3efcdec0] moov atom not found\n"
     "[in#0 @ 0x3efcdbc0] Error opening input: Invalid data found when processing input\n",
     "Unable to parse video header: moov atom not found"),
    # mediapy's writer runs ffmpeg with -hide_banner: its first tagged line starts the output
    ("Error writing 'x.mp4': [libx264 @ 0x1] invalid width x height (40000x2)\n"
     "[vost#0:0/libx264 @ 0x2] Error while opening encoder\n",
     "Error writing 'x.mp4': invalid width x height (40000x2)"),
    ("ffmpeg version 7\n  built with gcc\n\n", ""),
    ("no ffmpeg here\nat all", "no ffmpeg here at all"),
])
def test_ffmpeg_error_line(text, expected):
    from i2v_nb.cli import one_line
    from i2v_nb.io import ffmpeg_error_line

    assert ffmpeg_error_line(text) == expected == one_line(text)
