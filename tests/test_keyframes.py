"""First + last frame and keyframes on the preview engine (issue 14, item 1)."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data
from skimage.metrics import structural_similarity

import i2v_nb
from i2v_nb.errors import ParameterError
from i2v_nb.synthesis.preview.keyframes import align_views, render_through, view_at

PHOTO = data.astronaut()


def crop(x: float, y: int = 100, w: int = 192, h: int = 128) -> np.ndarray:
    import cv2

    m = np.float32([[1, 0, -x], [0, 1, -y]])
    return cv2.warpAffine(PHOTO, m, (w, h), flags=cv2.INTER_CUBIC)


def _psnr(a, b):
    return 10 * np.log10(255.0 ** 2 / np.mean((a.astype(float) - b.astype(float)) ** 2))


def _ssim(a, b):
    return structural_similarity(a, b, channel_axis=2)


def test_align_views_finds_the_shift_between_two_crops_and_refuses_other_content():
    h, inliers = align_views(crop(100), crop(140))
    assert inliers >= 12
    assert h[0, 2] == pytest.approx(-40, abs=2.5) and h[1, 2] == pytest.approx(0, abs=2.5)
    noise = np.random.default_rng(0).integers(0, 256, (128, 192, 3), dtype=np.uint8)
    eye, n = align_views(crop(100), noise)
    assert n == 0 and np.array_equal(eye, np.eye(3))
    assert np.allclose(view_at(h, 0.0, 192, 128), np.eye(3), atol=1e-6)
    assert np.allclose(view_at(h, 1.0, 192, 128), h, atol=1e-3)


def test_the_path_moves_through_the_scene_instead_of_dissolving():
    a, b = crop(100), crop(148)
    frames = render_through([(0, a), (8, b)], num_frames=9)
    assert np.array_equal(frames[0], a) and np.array_equal(frames[8], b)
    truth = crop(124)  # the ease puts frame 4 half-way
    blend = ((a.astype(int) + b) // 2).astype(np.uint8)
    assert _psnr(frames[4], truth) >= _psnr(blend, truth) + 3.0
    assert _psnr(frames[4], truth) > 28


def test_generate_starts_on_the_image_and_ends_on_the_last_image():
    first, last = crop(60), crop(120)
    clip = i2v_nb.generate(first, "slow pan", last_image=last, num_frames=10, width=192,
                           height=128)
    assert _ssim(clip.frames[0], first) >= 0.9 and _ssim(clip.frames[-1], last) >= 0.9
    assert clip.metadata["conditions"]["last_image"] is True
    assert clip.metadata["backend_info"]["camera"] == "through keyframes"
    # a last image of another size is fitted like the first picture
    big = np.ascontiguousarray(PHOTO[100:356, 120:504])  # 384×256, same aspect
    clip2 = i2v_nb.generate(first, "", last_image=big, num_frames=6, width=192, height=128)
    assert clip2.frames.shape == (6, 128, 192, 3)
    assert _ssim(clip2.frames[-1], crop(120, w=384, h=256)[::2, ::2]) > 0.6


def test_keyframes_at_chosen_indices_with_negative_ones():
    a, k, z = crop(60), crop(90), crop(120)
    clip = i2v_nb.generate(a, "", keyframes={5: k, -1: z}, num_frames=11, width=192, height=128)
    assert _ssim(clip.frames[5], k) >= 0.9 and _ssim(clip.frames[10], z) >= 0.9
    assert clip.metadata["backend_info"]["keyframes"] == [0, 5, 10]


def test_refusals_before_any_work():
    a, z = crop(60), crop(120)
    with pytest.raises(ParameterError, match="loop"):
        i2v_nb.generate(a, "", last_image=z, loop=True, num_frames=8, width=192, height=128)
    with pytest.raises(ParameterError):
        i2v_nb.generate(a, "", keyframes={20: z}, num_frames=8, width=192, height=128)
    with pytest.raises(ParameterError, match="last_frame|last frame"):
        i2v_nb.generate(a, "", model="tiny-svd", last_image=z)


@pytest.mark.slow
def test_models_with_a_last_frame_loop_by_ending_on_the_first(one_torch_thread):
    image = crop(60)[:64, :64]
    plain = i2v_nb.generate(image, "a cat", model="tiny-framepack", seed=1)
    looped = i2v_nb.generate(image, "a cat", model="tiny-framepack", seed=1, loop=True)
    assert looped.num_frames == plain.num_frames - 1  # the repeated first frame is dropped
    assert looped.metadata["params"]["loop"] is True
    assert looped.metadata["backend_info"]["conditions"]["last_image"] is True
    with pytest.raises(ParameterError, match="does not support 'last_frame'"):
        i2v_nb.generate(image, "a cat", model="tiny-wan", loop=True)
    with pytest.raises(ParameterError, match="contradict"):
        i2v_nb.generate(image, "a cat", model="tiny-framepack", loop=True, last_image=image)
