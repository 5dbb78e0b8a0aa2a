"""Fast tests of the cue functions other modules build on: classical_depth, motion_region_masks."""

from __future__ import annotations

import time

import numpy as np
import pytest

from i2v_nb.analysis import classical_depth, motion_region_masks
from i2v_nb.errors import ImageInputError

KEYS = {"sky", "water", "foliage", "hair", "fabric"}


def _noise(h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(img, (0, 0), sigma)


# ---------------------------------------------------------------------------- classical_depth


@pytest.mark.parametrize("shape", [(48, 64), (100, 37), (576, 1024)])
def test_classical_depth_contract(shape):
    img = _noise(*shape)
    d = classical_depth(img)
    assert d.shape == shape and d.dtype == np.float32
    assert np.isfinite(d).all() and d.min() >= 0.0 and d.max() <= 1.0
    assert d.max() - d.min() > 0.5  # uses the range


def test_classical_depth_accepts_pil_and_is_deterministic():
    from PIL import Image

    img = _noise(64, 80, seed=3)
    a = classical_depth(img)
    b = classical_depth(Image.fromarray(img))
    np.testing.assert_array_equal(a, b)


def test_classical_depth_plain_image_top_is_far():
    d = classical_depth(np.full((60, 80, 3), 128, np.uint8))
    assert d[:10].mean() > d[-10:].mean() + 0.5


def test_classical_depth_vertical_gradient_plus_blur():
    """Sharp texture at the bottom, blurrier and hazier towards the top: top far, bottom near."""
    h, w = 240, 320
    base = _noise(h, w, seed=1).astype(np.float32)
    out = np.empty_like(base)
    for i, y0 in enumerate(range(0, h, 40)):          # six bands, blur grows upwards
        sigma = 0.01 + 1.2 * (5 - i)
        band = _blur(base, sigma) if sigma > 0.1 else base
        out[y0:y0 + 40] = band[y0:y0 + 40]
    haze = np.linspace(90, 0, h, dtype=np.float32)[:, None, None]  # brighter towards the top
    img = np.clip(out * 0.7 + haze, 0, 255).astype(np.uint8)
    d = classical_depth(img)
    rows = d.mean(axis=1)
    assert rows[:40].mean() > rows[100:140].mean() > rows[-40:].mean()
    assert rows[-40:].mean() < 0.3 and rows[:40].mean() > 0.7


def test_classical_depth_defocus_orders_left_right():
    """Left half sharp, right half blurred (same position cue): the blurred half is farther."""
    img = _noise(200, 300, seed=2)
    img[:, 150:] = _blur(img, 3.0)[:, 150:]
    d = classical_depth(img)
    assert d[:, 170:].mean() > d[:, :130].mean() + 0.05


def test_classical_depth_sky_is_farthest():
    img = np.zeros((120, 160, 3), np.uint8)
    img[:50] = (120, 170, 235)
    img[50:] = _noise(70, 160, seed=4) // 2 + 40
    d = classical_depth(img)
    assert d[:40].mean() > 0.95
    assert d[:40].mean() > d[60:].max() - 0.02


def test_classical_depth_with_regions_pulls_each_region_to_its_mean():
    img = _noise(64, 96, seed=5)
    regions = (np.arange(64)[:, None] // 16).repeat(96, axis=1)  # four horizontal bands
    plain = classical_depth(img)
    d = classical_depth(img, regions=regions)
    assert d.shape == (64, 96) and d.dtype == np.float32 and 0 <= d.min() and d.max() <= 1
    for k in range(4):  # flatter inside every region than without the regions
        assert d[regions == k].std() < 0.85 * plain[regions == k].std(), k
    with pytest.raises(ImageInputError, match="regions has shape"):
        classical_depth(img, regions=regions[:, :50])


def test_classical_depth_is_fast():
    img = _noise(512, 512, seed=6)
    classical_depth(img)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        classical_depth(img)
        times.append(time.perf_counter() - t)
    assert np.median(times) < 0.15  # ~20 ms on a 2-core machine; generous for busy CI


# ---------------------------------------------------------------------------- motion_region_masks


def test_motion_masks_contract_blank():
    m = motion_region_masks(np.zeros((50, 70, 3), np.uint8))
    assert set(m) == KEYS
    for v in m.values():
        assert v.shape == (50, 70) and v.dtype == np.bool_ and not v.any()


def test_motion_masks_landscape_sky_water_foliage():
    h, w = 240, 320
    img = np.zeros((h, w, 3), np.uint8)
    img[:90] = (110, 160, 230)                                  # blue sky
    rng = np.random.default_rng(0)
    leaves = rng.integers(0, 90, (60, w), dtype=np.int32)
    img[90:150, :, 0] = 30 + leaves // 3                        # textured green band (trees)
    img[90:150, :, 1] = 80 + leaves
    img[90:150, :, 2] = 25 + leaves // 4
    ripples = (12 * np.sin(np.arange(90)[:, None] * 1.3 + np.arange(w)[None] * 0.2)).astype(int)
    img[150:, :, 0] = 20 + ripples + 15
    img[150:, :, 1] = 90 + ripples + 15
    img[150:, :, 2] = 150 + ripples + 15                        # blue-teal water
    m = motion_region_masks(img)
    assert m["sky"][:80].mean() > 0.95 and m["sky"][100:].mean() < 0.01
    assert m["foliage"][95:145].mean() > 0.8 and m["foliage"][:80].mean() < 0.01
    assert m["water"][160:].mean() > 0.9 and m["water"][:140].mean() < 0.01
    assert not m["hair"].any() and not m["fabric"].any()


def test_motion_masks_dusk_sky_and_grey_overcast():
    img = np.zeros((100, 150, 3), np.uint8)
    img[:40] = (30, 45, 90)          # dark blue dusk sky
    img[40:] = (60, 50, 40)
    assert motion_region_masks(img)["sky"][:35].mean() > 0.95
    img[:40] = (215, 218, 222)       # overcast: the brightest thing in view
    assert motion_region_masks(img)["sky"][:35].mean() > 0.95


def test_motion_masks_indoor_wall_at_the_bottom_is_not_sky():
    img = np.zeros((100, 150, 3), np.uint8)
    img[:50] = (70, 50, 40)
    img[50:] = (220, 222, 225)       # bright but below, touching the bottom only
    assert not motion_region_masks(img)["sky"].any()


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "coffee", "rocket"])
def test_motion_masks_sample_photos(name):
    from skimage import data

    img = getattr(data, name)()
    m = motion_region_masks(img)
    assert set(m) == KEYS
    frac = {k: float(v.mean()) for k, v in m.items()}
    expected = {  # what a person sees; the heuristics must not invent the rest
        "astronaut": {"hair", "fabric"},
        "chelsea": set(),
        "coffee": set(),
        "rocket": {"sky"},
    }[name]
    for k in KEYS:
        if k in expected:
            assert frac[k] > 0.01, (k, frac)
        else:
            assert frac[k] < 0.01, (k, frac)
    if name == "astronaut":  # hair on top of the head, the suit below it
        ys_hair = np.nonzero(m["hair"])[0].mean()
        ys_fabric = np.nonzero(m["fabric"])[0].mean()
        assert ys_hair < 0.3 * img.shape[0] < ys_fabric
    m2 = motion_region_masks(img)
    for k in KEYS:
        np.testing.assert_array_equal(m[k], m2[k])


def test_motion_masks_are_fast():
    import cv2
    from skimage import data

    img = cv2.resize(data.astronaut(), (512, 512))
    motion_region_masks(img)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        motion_region_masks(img)
        times.append(time.perf_counter() - t)
    assert np.median(times) < 0.15


def test_thin_mast_against_the_sky_stands_on_the_ground():
    """A 3-px mast seen against a blue sky: the sky mask leaves it out (a drifting sky must not
    tear it) and its depth is that of its base, not the sky's (a camera move keeps it whole)."""
    from i2v_nb.analysis import classical_depth, motion_region_masks

    h, w = 256, 384
    img = np.zeros((h, w, 3), np.uint8)
    yy = np.arange(h)[:, None, None] / h
    img[:] = np.round((1 - yy) * np.array([70, 120, 220]) + yy * np.array([150, 190, 240]))
    img[150:] = (90, 110, 60)                      # ground from row 150
    img[40:150, 190:193] = (40, 40, 40)            # the mast
    sky = motion_region_masks(img)["sky"]
    assert sky[20:140, 100].all() and not sky[60:140, 191].any()
    depth = classical_depth(img)
    base = float(depth[152:160, 186:197].mean())
    assert depth[20, 100] > 0.95                   # sky far
    assert abs(float(depth[60:140, 191].mean()) - base) < 0.1
