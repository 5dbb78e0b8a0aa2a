"""Rankings with their noise (issue 17): bootstrap errors, ties, the camera weighed in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import i2v_nb
from i2v_nb.diagnostics import compare_clips
from i2v_nb.diagnostics.ranking import (
    RANK_SCORES,
    RESOLUTION,
    bootstrap_scores,
    rank_score_values,
    score_errors,
    tied_with_best,
)
from i2v_nb.errors import ParameterError
from i2v_nb.testing.defects import plant_artefact_burst


@pytest.fixture(scope="module")
def pan():
    image = i2v_nb.sample_image("chelsea")
    return i2v_nb.generate(image, "slow pan left", seed=0, num_frames=16, width=192,
                           height=128)


def _like(clip, frames):
    return i2v_nb.Clip(frames, fps=clip.fps, source=clip.source)


def test_a_faintly_noisy_copy_ties_and_a_planted_defect_does_not(pan):
    rng = np.random.default_rng(0)
    noisy = np.clip(pan.frames.astype(int) + rng.integers(-1, 2, pan.frames.shape), 0, 255)
    bad, _ = plant_artefact_burst(pan.frames, area=0.03, frame=8, seed=1)
    cmp = compare_clips({"clip": pan, "noisy": _like(pan, noisy.astype(np.uint8)),
                         "bad": _like(pan, bad)}, prompts="slow pan left")
    t = cmp.table
    assert t.loc["clip", "overall"] != t.loc["noisy", "overall"]  # the scores do differ...
    assert t.loc["clip", "tied_with_best"] and t.loc["noisy", "tied_with_best"]  # ...within noise
    assert not t.loc["bad", "tied_with_best"] and t.loc["bad", "rank"] == 3
    assert (t["overall_err"] >= RESOLUTION).all()
    for k in RANK_SCORES:
        assert f"{k}_err" in t.columns
    assert "(tied with the best)" in cmp.summary().splitlines()[1]
    assert "tied" not in cmp.summary().splitlines()[2]


def test_the_camera_the_prompt_asked_for_is_weighed(pan):
    still = np.repeat(pan.frames[:1], len(pan.frames), axis=0)
    cmp = compare_clips({"pan": pan, "still": _like(pan, still)}, prompts="slow pan left",
                        resamples=50)
    t = cmp.table
    assert t.loc["pan", "camera_ok"] is True or t.loc["pan", "camera_ok"] == True  # noqa: E712
    assert t.loc["still", "camera_ok"] == False  # noqa: E712
    base = float(np.mean([t.loc["still", k] for k in RANK_SCORES]))
    assert t.loc["still", "overall"] == pytest.approx(base - 0.05 - 0.05 * t.loc["still", "flags"])
    # without prompts the same still clip is not penalised for the camera
    free = compare_clips({"pan": pan, "still": _like(pan, still)}, resamples=0).table
    assert free.loc["still", "camera_ok"] is None
    assert free.loc["still", "overall"] == pytest.approx(base - 0.05 * free.loc["still", "flags"])
    assert np.isnan(free["overall_err"]).all()
    assert free["tied_with_best"].tolist() == [True, False]


def test_prompts_default_to_the_clips_metadata_and_are_checked(pan):
    cmp = compare_clips({"a": pan, "b": pan}, resamples=20)
    assert cmp.table["camera_ok"].tolist() == [True, True]
    with pytest.raises(ParameterError, match="one prompt per clip"):
        compare_clips([pan, pan], prompts=["pan left"])


def _table(mad):
    n = len(mad)
    return pd.DataFrame({"ssim_ref": np.linspace(1, 0.8, n), "ssim_prev": [np.nan] + [0.95] * (n - 1),
                         "color_drift": np.zeros(n), "color_drift_prev": [np.nan] + [0.0] * (n - 1),
                         "warp_mad": [np.nan] + [1.0] * (n - 1), "mad_prev": mad})


def test_bootstrap_is_seeded_and_grows_with_the_spread_of_the_pairs():
    rng = np.random.default_rng(3)
    steady = _table([np.nan] + [2.0] * 23)
    jumpy = _table([np.nan] + list(rng.uniform(0, 20, 23)))
    a = bootstrap_scores(jumpy, resamples=100, seed=1)["temporal_flickering"]
    b = bootstrap_scores(jumpy, resamples=100, seed=1)["temporal_flickering"]
    assert np.array_equal(a, b)
    assert score_errors(steady)["temporal_flickering"] == RESOLUTION
    mad = jumpy.mad_prev.to_numpy()[1:]
    analytic = mad.std() / np.sqrt(len(mad)) / 255  # standard error of a mean of independent pairs
    assert RESOLUTION < score_errors(jumpy)["temporal_flickering"]
    assert 0.5 * analytic < score_errors(jumpy)["temporal_flickering"] < 2 * analytic
    # all the pairs once give the report's own value
    full = rank_score_values({"ssim_ref": jumpy.ssim_ref.to_numpy(), "ssim_prev": jumpy.ssim_prev.to_numpy(),
                              "hist_ref": 1 - jumpy.color_drift.to_numpy(),
                              "hist_prev": 1 - jumpy.color_drift_prev.to_numpy(),
                              "warp_mad": jumpy.warp_mad.to_numpy(), "mad_prev": jumpy.mad_prev.to_numpy()},
                             np.arange(1, 24))
    assert full["temporal_flickering"] == pytest.approx((255 - np.nanmean(jumpy.mad_prev)) / 255)


def test_tied_with_best_uses_both_errors():
    assert tied_with_best(np.array([0.90, 0.95]), np.array([0.03, 0.001])).tolist() == [True, True]
    assert tied_with_best(np.array([0.90, 0.95]), np.array([0.001, 0.001])).tolist() == [False, True]
