"""Inline videos (issue 19 item 5): ``Clip.to_html``/``show``/``_repr_html_`` and the widgets share
one capped player, :func:`i2v_nb.clip.inline_video_html`; the embedded mp4 is decoded to check it."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from i2v_nb import Clip
from i2v_nb.clip import MAX_INLINE_FRAMES, inline_video_html
from i2v_nb.errors import ParameterError
from i2v_nb.clip import read_video


def embedded_frames(html: str, tmp_path) -> np.ndarray:
    """The frames of the (single) base64 mp4 in ``html``."""
    found = re.findall(r'src="data:video/mp4;base64,([^"]+)"', html)
    assert len(found) == 1
    path = tmp_path / "embedded.mp4"
    path.write_bytes(base64.b64decode(found[0]))
    return read_video(path).frames


def noisy_clip(num_frames: int, height: int = 48, width: int = 64, fps: float = 12) -> Clip:
    rng = np.random.default_rng(num_frames * 7 + height)
    return Clip(rng.integers(0, 256, (num_frames, height, width, 3), dtype=np.uint8), fps=fps)


def test_a_short_clip_is_embedded_whole_without_a_note(tmp_path):
    clip = noisy_clip(6, 33, 47)  # odd sizes: padded to even for the browser, nothing left out
    html = clip.show(return_html=True)
    assert html == clip.to_html() and "i2v-video-note" not in html
    assert html.count("<video") == 1 and 'width="48" height="34"' in html
    assert embedded_frames(html, tmp_path).shape == (6, 34, 48, 3)
    assert inline_video_html(clip)[1] is None


def test_show_caps_size_and_frames_says_so_and_keeps_the_clip(tmp_path):
    clip = noisy_clip(30)
    before = clip.frames.copy()
    html = clip.show(return_html=True, max_size=32, max_frames=10)
    assert embedded_frames(html, tmp_path).shape == (10, 24, 32, 3)
    note = re.search(r'<div class="i2v-video-note"><small>(.*?)</small></div>$', html).group(1)
    assert "downscaled to 32×24" in note and "first 10 of 30 frames (0.8 of 2.5 s)" in note
    np.testing.assert_array_equal(clip.frames, before)
    # None lifts each cap
    whole = clip.show(return_html=True, max_size=None, max_frames=None, max_bytes=None)
    assert embedded_frames(whole, tmp_path).shape == (30, 48, 64, 3) and "i2v-video-note" not in whole


def test_default_caps_long_side_and_frame_count(tmp_path):
    wide = noisy_clip(3, height=40, width=600)  # long side over 512: downscaled, even sides
    html = wide.to_html()
    assert embedded_frames(html, tmp_path).shape == (3, 34, 512, 3)
    assert "downscaled to 512×34" in html
    assert embedded_frames(wide._repr_html_(), tmp_path).shape == (3, 34, 512, 3)
    assert embedded_frames(wide.to_html(max_size=None), tmp_path).shape == (3, 40, 600, 3)

    long = noisy_clip(MAX_INLINE_FRAMES + 20, height=16, width=16, fps=24)
    html = long.to_html()
    assert embedded_frames(html, tmp_path).shape[0] == MAX_INLINE_FRAMES
    assert f"first {MAX_INLINE_FRAMES} of {MAX_INLINE_FRAMES + 20} frames" in html
    assert embedded_frames(long.to_html(max_frames=None), tmp_path).shape[0] == 500


def test_max_bytes_plays_fewer_frames_and_never_exceeds_it(tmp_path):
    clip = noisy_clip(24)
    full = len(clip.to_html())
    budget = full // 3
    html, note = inline_video_html(clip, max_bytes=budget)
    shown = embedded_frames(html, tmp_path).shape[0]
    assert len(html) <= budget and 1 <= shown < 24 and f"first {shown} of 24 frames" in note
    assert f"first {shown} of 24 frames" in clip.to_html(max_bytes=budget)

    html, note = inline_video_html(clip, max_bytes=100)  # not even one frame fits
    assert html == "" and "too large to play here" in note and "max_bytes=None" in note
    shown = clip.to_html(max_bytes=100)
    assert "<video" not in shown and "too large to play here" in shown


def test_title_and_width_are_passed_through(tmp_path):
    clip = noisy_clip(12)
    html = clip.to_html(width=32, title="<b>take</b>", max_frames=4)
    assert "<div><b>take</b></div>" in html and 'width="32" height="24"' in html
    assert embedded_frames(html, tmp_path).shape[0] == 4


@pytest.mark.parametrize("name", ["max_size", "max_frames", "max_bytes"])
@pytest.mark.parametrize("value", [0, -3, True, 2.5, "512"])
def test_bad_caps_are_refused_before_any_encoding(name, value):
    with pytest.raises(ParameterError, match=f"{name} must be a positive integer or None"):
        noisy_clip(2).to_html(**{name: value})
