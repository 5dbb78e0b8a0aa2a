"""How sure a ranking of takes is: bootstrap errors of the rank scores, and which takes tie.

Two takes of the same prompt often score within a few thousandths of each other, and such a gap is
noise: a different choice of frames would reverse it. Each rank score of a clip is a function of
its per-pair series (SSIM and colour similarity to the previous frame and to the reference,
frame difference, flow-warp residual), so its uncertainty is estimated by a **moving-block
bootstrap over the frame pairs**: ``resamples`` times, blocks of ``block`` consecutive pairs are
drawn with replacement until the clip's pair count is reached, and every score is recomputed from
the drawn pairs with the same functions as the report (:mod:`.scores`; frame 0's similarity to the
reference is always kept, as the first frame of an image-to-video clip). Blocks keep the
correlation of neighbouring pairs, which plain resampling would ignore.

``<score>_err`` is the standard deviation of the resampled scores, never below
:data:`RESOLUTION` (what the scores resolve: half a grey level of mean frame difference moves
``temporal_flickering`` by 0.002). Take *i* is **tied with the best** when
``overall_best − overall_i ≤ TIE_Z · √(err_best² + err_i²)`` (``TIE_Z`` = 2: the gap is within
about two standard errors of the difference).

>>> import pandas as pd
>>> pf = pd.DataFrame({"ssim_ref": [1.0, .9, .9, .9], "ssim_prev": [None, .95, .95, .95],
...                    "color_drift": [0, 0, 0, 0], "color_drift_prev": [None, 0, 0, 0],
...                    "warp_mad": [None, 1, 1, 1], "mad_prev": [None, 2, 2, 2]})
>>> {k: round(v, 3) for k, v in score_errors(pf).items()}["temporal_flickering"]
0.002
"""

from __future__ import annotations

import numpy as np

from i2v_nb.diagnostics import scores as _scores

__all__ = ["RANK_SCORES", "RESOLUTION", "TIE_Z", "rank_score_values", "bootstrap_scores",
           "score_errors", "tied_with_best"]

#: Scores averaged into ``overall`` (all in [0, 1], higher is better).
RANK_SCORES = ("i2v_subject", "i2v_background", "motion_smoothness", "temporal_flickering")
#: Smallest error reported for a score: differences below it are below what the scores resolve.
RESOLUTION = 0.002
#: A take ties with the best when the gap is within ``TIE_Z`` standard errors of the difference.
TIE_Z = 2.0


def _series(per_frame) -> dict[str, np.ndarray]:
    col = lambda c: per_frame[c].to_numpy(np.float64)  # noqa: E731
    return {"ssim_ref": col("ssim_ref"), "ssim_prev": col("ssim_prev"),
            "hist_ref": 1.0 - col("color_drift"), "hist_prev": 1.0 - col("color_drift_prev"),
            "warp_mad": col("warp_mad"), "mad_prev": col("mad_prev")}


def rank_score_values(s: dict[str, np.ndarray], pairs: np.ndarray) -> dict[str, float]:
    """The :data:`RANK_SCORES` from the pairs ``pairs`` (indices of the later frame, ≥ 1) of the
    series ``s`` (see :func:`bootstrap_scores`); frame 0 always counts as similar to the image."""
    ref = np.concatenate([s["ssim_ref"][:1], s["ssim_ref"][pairs]])
    hist = np.concatenate([s["hist_ref"][:1], s["hist_ref"][pairs]])
    return {
        "i2v_subject": _scores.i2v_consistency(ref, s["ssim_prev"][pairs]),
        "i2v_background": _scores.i2v_consistency(hist, s["hist_prev"][pairs]),
        "motion_smoothness": _scores.motion_smoothness(s["warp_mad"][pairs]),
        "temporal_flickering": _scores.temporal_flickering(s["mad_prev"][pairs]),
    }


def bootstrap_scores(per_frame, *, resamples: int = 300, block: int | None = None,
                     seed: int = 0) -> dict[str, np.ndarray]:
    """``resamples`` moving-block bootstrap values of each rank score and of their mean
    (``"mean"``), from a report's ``per_frame`` table. Seeded: the same table gives the same
    values.

    Args:
        per_frame: :attr:`ContinuityReport.per_frame`.
        resamples: how many bootstrap clips to draw.
        block: pairs per block (default ``max(2, round(n ** (1/3)))`` for ``n`` pairs).
        seed: random seed.
    """
    s = _series(per_frame)
    n = len(s["ssim_ref"]) - 1
    if n < 2:
        full = rank_score_values(s, np.arange(1, n + 1))
        return {k: np.full(1, v) for k, v in full.items()} | {
            "mean": np.full(1, float(np.nanmean(list(full.values()))))}
    size = block or max(2, round(n ** (1.0 / 3.0)))
    size = min(size, n)
    rng = np.random.default_rng(seed)
    starts = rng.integers(1, n - size + 2, (resamples, -(-n // size)))
    draws = (starts[:, :, None] + np.arange(size)).reshape(resamples, -1)[:, :n]
    out: dict[str, list[float]] = {k: [] for k in (*RANK_SCORES, "mean")}
    for pairs in draws:
        v = rank_score_values(s, pairs)
        for k in RANK_SCORES:
            out[k].append(v[k])
        out["mean"].append(float(np.nanmean([v[k] for k in RANK_SCORES])))
    return {k: np.asarray(v) for k, v in out.items()}


def score_errors(per_frame, **kwargs) -> dict[str, float]:
    """Standard error of each rank score and of their mean (``"mean"``), at least
    :data:`RESOLUTION` (keywords as :func:`bootstrap_scores`)."""
    return {k: max(RESOLUTION, float(np.nanstd(v)) if np.isfinite(v).any() else RESOLUTION)
            for k, v in bootstrap_scores(per_frame, **kwargs).items()}


def tied_with_best(overall: np.ndarray, err: np.ndarray) -> np.ndarray:
    """Which takes cannot be told from the best one (the highest ``overall``), see the module
    docstring. The best take is tied with itself.

    >>> tied_with_best(np.array([0.95, 0.949, 0.90]), np.array([0.002, 0.002, 0.002])).tolist()
    [True, True, False]
    """
    overall = np.asarray(overall, np.float64)
    err = np.asarray(err, np.float64)
    best = int(np.nanargmax(overall))
    gap = overall[best] - overall
    return gap <= TIE_Z * np.sqrt(err[best] ** 2 + err ** 2)
