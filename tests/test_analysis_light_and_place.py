"""What the analysis says about light and placement: a twilight launch pad under floodlights has
several lamps and no single light direction, its dark sky is no shadow, grey-green far hills are
not foliage, and a wide subject is described the same way everywhere."""

from __future__ import annotations

import numpy as np
import pytest

from i2v_nb.analysis import (
    analyze,
    confidence_word,
    light_direction,
    motion_region_masks,
    point_lights,
    shadow_mask,
    spatial_relations,
    subject_placement,
    thirds_position,
)
from i2v_nb.samples import sample_image


@pytest.fixture(scope="module")
def rocket():
    return np.asarray(sample_image("rocket"))


def test_night_launch_pad_has_lamps_and_no_single_light_direction(rocket):
    lamps = point_lights(rocket)
    h = rocket.shape[0]
    assert 5 <= len(lamps) <= 10, lamps                    # the floodlights at the foot of the pad
    assert all(y > 0.75 * h for _, y in lamps)
    angle, confidence = light_direction(rocket)
    assert angle is None and confidence < 0.25
    # the sky's gradient was what read as "light from lower left": keep the sky and it returns
    none = np.zeros(rocket.shape[:2], bool)
    angle_with_sky, _ = light_direction(rocket, exclude=none)
    assert angle_with_sky is not None
    summary = analyze(rocket, depth="classical").summary()
    assert f"lit by {len(lamps)} point lights" in summary
    assert "no single light direction" in summary and "light from" not in summary


def test_dark_sky_is_not_a_shadow(rocket):
    sky = motion_region_masks(rocket)["sky"]
    assert sky.mean() > 0.5
    assert not (shadow_mask(rocket) & sky).any()
    kept = shadow_mask(rocket, exclude=np.zeros(rocket.shape[:2], bool))
    assert (kept & sky).sum() > 0.05 * sky.sum()  # without the rule the dark sky is "shadow"


def test_point_lights_need_a_dark_scene_and_dark_surroundings():
    night = np.full((200, 300, 3), 20, np.uint8)
    night[100:104, 50:54] = 255
    assert point_lights(night) == [(52, 102)]
    lit_wall = night.copy()
    lit_wall[80:130, 30:80] = 200                      # a lit surface around the bright spot
    lit_wall[100:104, 50:54] = 255
    assert point_lights(lit_wall) == []
    day = night.copy()
    day[:] = 160
    day[100:104, 50:54] = 255
    assert point_lights(day) == []                     # in daylight a highlight is a glint
    big = night.copy()
    big[50:150, 50:150] = 255                          # a window, not a point
    assert point_lights(big) == []


def test_grey_green_far_hills_are_not_foliage():
    h, w = 240, 320
    rng = np.random.default_rng(0)
    img = np.zeros((h, w, 3), np.uint8)
    img[:90] = (110, 160, 230)                                     # sky
    leaves = rng.integers(0, 90, (60, w // 2), dtype=np.int32)
    img[90:150, : w // 2, 0] = 30 + leaves // 3                    # saturated, textured trees
    img[90:150, : w // 2, 1] = 80 + leaves
    img[90:150, : w // 2, 2] = 25 + leaves // 4
    hills = rng.integers(0, 40, (60, w - w // 2), dtype=np.int32)
    img[90:150, w // 2:, 0] = 80 + hills                           # grey-green, textured hills
    img[90:150, w // 2:, 1] = 112 + hills
    img[90:150, w // 2:, 2] = 75 + hills
    img[150:] = (40, 90, 150)                                      # water
    foliage = motion_region_masks(img)["foliage"]
    assert foliage[95:145, 10: w // 2 - 10].mean() > 0.8
    assert foliage[95:145, w // 2 + 10:].mean() < 0.02


def test_lake_foliage_is_the_trees_not_the_hills():
    lake = np.asarray(sample_image("lake"))
    foliage = motion_region_masks(lake)["foliage"]
    assert foliage.mean() > 0.02                        # the tree line
    assert not foliage[200:282, 400:].any()             # the open hills right of it


def test_a_wide_subject_is_described_the_same_way_everywhere():
    lake = np.asarray(sample_image("lake"))
    r = analyze(lake, depth="classical")
    x0, _, x1, _ = r.subject_box
    assert x0 == 0 and x1 - x0 > 0.6 * r.shape[1]
    words = subject_placement(r.subject_box, r.shape)
    assert words == "spans most of the width from the left edge"
    assert r.relations[0] == f"subject {words}"
    assert f"({words})" in r.summary()
    assert "centre column" not in r.summary() and "left of centre" not in r.summary()
    t = r.thirds
    assert t["span"][0] > 0.6 and not t["on_thirds"] and not t["centred"]
    # a compact box keeps its centre-based words, and the relations use the same function
    box, shape = (40, 130, 90, 200), (240, 320)
    assert subject_placement(box, shape) == "left of centre in the lower part"
    relation = spatial_relations(shape, subject_box=box)[0]
    assert relation == "subject left of centre in the lower part"
    # on a thirds point: a compact box centred there is, a band through the same centre is not
    assert thirds_position((90, 60, 130, 100), shape)["on_thirds"]
    assert not thirds_position((0, 60, 220, 100), shape)["on_thirds"]


def test_summary_words_for_the_scale_end_and_the_confidence():
    lake = analyze(np.asarray(sample_image("lake")), depth="classical")
    assert lake.colour_temperature["kelvin"] == 15000
    assert "15000 K or more" in lake.summary()
    assert [confidence_word(c) for c in (0.3, 0.6, 0.9)] == ["weak", "moderate", "strong"]
    ramp = np.tile(np.linspace(235, 35, 300)[None, :, None], (200, 1, 3)).astype(np.uint8)
    r = analyze(ramp, depth="classical")
    assert "light from the left" in r.summary() and "strong: confidence" in r.summary()
