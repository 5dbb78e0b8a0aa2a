"""Flags: frames where continuity breaks, found with robust statistics over the clip.

Each series is compared with its own clip: ``z = (x − median) / max(1.4826·MAD, floor)`` (a robust
z-score, MAD = median absolute deviation; the floor keeps a perfectly clean clip from turning
noise into huge scores). A flag needs both a large robust z (``z_threshold``, default 6) and an
absolute size that a viewer would notice. The rules:

* **cut / jump** — the motion-compensated residual of pair (t−1, t) (``residual``: mean
  absolute difference, 0–255, between frame t−1 and frame t warped back by the flow) is an outlier
  and stays an outlier when frame t is skipped: frame t starts new content. ``kind="cut"`` when the
  frames share little structure or colour (SSIM < 0.35 or colour drift > 0.2), else ``"jump"``.
* **jump (motion)** — the mean flow of pair (t−1, t) is an outlier (robust z), more than 3× the
  clip's median motion and over 2 px, while pair (t, t+1) is back to normal: dropped frames or a
  sudden shift that the flow explains (so the residual stays low).
* **flash / glitch** — the residuals of pairs (t−1, t) and (t, t+1) are outliers but frame t+1
  follows from frame t−1: frame t alone is off. ``"flash"`` when a brightness change explains at
  least half of it, else ``"glitch"``.
* **flicker** — a smaller brightness spike (second difference of mean luma) that is an outlier.
* **freeze** — frames identical to the previous one (MAE < 0.5, top-5 % flow < 0.25 px) inside a
  clip that otherwise moves: one flag at the first repeated frame of each run.
* **identity_loss** — a run of two or more consecutive residual outliers over which similarity to
  the reference falls by more than 0.1 and does not recover (a morph: one flag at the run's
  start); or similarity to the reference drops suddenly (outlier drop of at least 0.1)
  and stays down, the motion-compensated residual of that pair is raised (robust z > 3: the
  optical flow does not explain the change, as it does for a pan or zoom leaving the reference
  behind) and no cut or flash was found at that frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["Flag", "robust_z", "detect_flags"]


@dataclass(frozen=True)
class Flag:
    """One continuity problem at one frame.

    Attributes:
        frame: index of the frame in the clip (for pair metrics, the later frame of the pair).
        kind: ``"cut"``, ``"jump"``, ``"flash"``, ``"glitch"``, ``"flicker"``, ``"freeze"`` or
            ``"identity_loss"``.
        metric: the per-frame column that tripped (a column of ``report.per_frame``).
        value: that metric's value at ``frame``.
        z: its robust z-score (``nan`` where the rule is not a z-score rule).
        reason: what happened, in words.
    """

    frame: int
    kind: str
    metric: str
    value: float
    z: float
    reason: str

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("value", "z"):
            d[k] = None if not np.isfinite(d[k]) else float(d[k])
        return d

    def __str__(self) -> str:
        return f"frame {self.frame}: {self.kind} ({self.metric}) — {self.reason}"


def robust_z(values: np.ndarray, *, floor: float) -> tuple[np.ndarray, float, float]:
    """Robust z-scores ``(x − median) / max(1.4826·MAD, floor)``, ignoring NaNs.

    >>> z, med, scale = robust_z(np.array([1.0, 1.0, 1.0, 9.0]), floor=0.5)
    >>> z.tolist(), med, scale
    ([0.0, 0.0, 0.0, 16.0], 1.0, 0.5)

    Returns:
        ``(z, median, scale)``; NaN inputs give NaN z.
    """
    v = np.asarray(values, np.float64)
    ok = np.isfinite(v)
    if not ok.any():
        return np.full_like(v, np.nan), float("nan"), floor
    med = float(np.median(v[ok]))
    mad = float(np.median(np.abs(v[ok] - med)))
    scale = max(1.4826 * mad, floor)
    return (v - med) / scale, med, scale


def detect_flags(per_frame, *, skip_residual: Callable[[int, int], float] | None = None,
                 z_threshold: float = 6.0, min_residual: float = 6.0) -> list[Flag]:
    """Find continuity breaks in a per-frame table (see the module docstring for the rules).

    Args:
        per_frame: a ``pandas.DataFrame`` with one row per frame and the columns ``residual``,
            ``mad_prev``, ``flow_top5``, ``flow_mean``, ``brightness``, ``ssim_prev``,
            ``color_drift_prev``, ``ssim_ref`` (pair columns NaN on row 0) — as
            ``ContinuityReport.per_frame``; ``feature_sim_ref`` is used when present.
        skip_residual: ``f(i, j)`` → motion-compensated residual between frames i and j, used to
            tell a one-frame spike from a cut; without it every residual outlier is a jump.
        z_threshold: robust z a value must exceed.
        min_residual: smallest residual (0–255) that can be a cut, jump, flash or glitch.

    Returns:
        Flags sorted by frame.
    """
    n = len(per_frame)
    if n < 2:
        return []
    col = lambda name: per_frame[name].to_numpy(np.float64)  # noqa: E731
    res = col("residual")
    z_res, med_res, sc_res = robust_z(res, floor=1.0)
    limit = med_res + z_threshold * sc_res if np.isfinite(med_res) else np.inf
    bad = np.isfinite(res) & (z_res > z_threshold) & (res > min_residual)
    sim_name = "feature_sim_ref" if "feature_sim_ref" in per_frame else "ssim_ref"
    sim = col(sim_name)
    bright = col("brightness")
    ssim_prev = col("ssim_prev")
    cdrift = col("color_drift_prev")
    flags: list[Flag] = []
    taken: set[int] = set()

    t = 1
    while t < n:
        if not bad[t]:
            t += 1
            continue
        spike = False
        if t + 1 < n and bad[t + 1] and skip_residual is not None:
            r_skip = skip_residual(t - 1, t + 1)
            spike = bool(np.isfinite(r_skip) and (r_skip <= limit or r_skip <= min_residual))
        if spike:
            db = bright[t] - 0.5 * (bright[t - 1] + bright[t + 1])
            if abs(db) >= 0.5 * res[t]:
                word = "brighter" if db > 0 else "darker"
                flags.append(Flag(t, "flash", "brightness", float(bright[t]), float(z_res[t]),
                                  f"frame {t} is {abs(db):.0f} grey levels {word} than frames "
                                  f"{t - 1} and {t + 1}, which match each other"))
            else:
                flags.append(Flag(t, "glitch", "residual", float(res[t]), float(z_res[t]),
                                  f"frame {t} differs from both neighbours (residual "
                                  f"{res[t]:.1f} vs typical {med_res:.1f}) while frames {t - 1} "
                                  f"and {t + 1} match each other"))
            taken.update({t, t + 1})
            t += 2
            continue
        j = t  # a run of consecutive outliers whose similarity to the reference falls: a morph
        while j + 1 < n and bad[j + 1]:
            j += 1
        if j > t and np.isfinite(sim[t - 1]) and sim[t - 1] - sim[j] > 0.1 and (
                j + 1 >= n or sim[j + 1] < sim[t - 1] - 0.05):
            flags.append(Flag(t, "identity_loss", sim_name, float(sim[t]), float(z_res[t]),
                              f"similarity to the reference falls from {sim[t - 1]:.2f} to "
                              f"{sim[j]:.2f} over frames {t}–{j} and does not recover; the flow "
                              f"cannot explain the change (residual {res[t]:.1f} vs typical "
                              f"{med_res:.1f}): the content morphs away from the source"))
            taken.update(range(t, j + 1))
            t = j + 1
            continue
        is_cut = (np.isfinite(ssim_prev[t]) and ssim_prev[t] < 0.35) or \
                 (np.isfinite(cdrift[t]) and cdrift[t] > 0.2)
        kind = "cut" if is_cut else "jump"
        what = "a cut to different content" if is_cut else "content jumps"
        flags.append(Flag(t, kind, "residual", float(res[t]), float(z_res[t]),
                          f"{what} between frames {t - 1} and {t}: the motion-compensated "
                          f"difference is {res[t]:.1f} grey levels, typical for this clip is "
                          f"{med_res:.1f} (SSIM to previous {ssim_prev[t]:.2f})"))
        taken.add(t)
        t += 1

    # jump in motion: one pair moves far more than the clip usually does (dropped frames, a
    # sudden shift). The flow explains such a pair, so its residual can stay low and the rule
    # above does not see it.
    flow = col("flow_mean")
    z_f, med_f, _ = robust_z(flow, floor=0.5)
    typical = max(float(med_f), 0.5) if np.isfinite(med_f) else 0.5
    fast = np.isfinite(flow) & (flow > 3.0 * typical) & (flow > 2.0)
    for i in np.flatnonzero(fast & np.isfinite(z_f) & (z_f > z_threshold)):
        i = int(i)
        if i in taken or (i + 1 < n and fast[i + 1]):
            continue  # already explained, or the clip simply moves faster from here on
        flags.append(Flag(i, "jump", "flow_mean", float(flow[i]), float(z_f[i]),
                          f"content jumps between frames {i - 1} and {i}: it moves "
                          f"{flow[i]:.1f} px, {flow[i] / typical:.1f}× the clip's typical "
                          f"{typical:.1f} px per frame (dropped frames or a sudden shift)"))
        taken.add(i)

    # flicker: smaller brightness spikes
    if n >= 3:
        e = np.full(n, np.nan)
        e[1:-1] = bright[1:-1] - 0.5 * (bright[:-2] + bright[2:])
        z_e, med_e, _ = robust_z(e, floor=0.5)
        for i in np.flatnonzero(np.isfinite(z_e) & (np.abs(z_e) > z_threshold)
                                & (np.abs(e - med_e) > 3.0)):
            i = int(i)
            if taken & {i - 1, i, i + 1}:
                continue  # a neighbour's cut or flash already explains it
            word = "brighter" if e[i] > 0 else "darker"
            flags.append(Flag(i, "flicker", "brightness", float(bright[i]), float(z_e[i]),
                              f"frame {i} is {abs(e[i]):.1f} grey levels {word} than the average "
                              f"of its neighbours (brightness flicker)"))
            taken.add(i)

    # freeze: identical frames inside a moving clip
    mad = col("mad_prev")
    top5 = col("flow_top5")
    frozen = np.zeros(n, bool)
    frozen[1:] = (mad[1:] < 0.5) & (top5[1:] < 0.25)
    moving = ~frozen.copy()
    moving[0] = False
    if frozen.sum() > 0 and moving.sum() > frozen.sum():
        typical = float(np.median(top5[moving]))
        if typical > 1.0:
            i = 1
            while i < n:
                if frozen[i]:
                    j = i
                    while j + 1 < n and frozen[j + 1]:
                        j += 1
                    count = j - i + 1
                    span = f"frame {i} repeats" if count == 1 else f"frames {i}–{j} repeat"
                    flags.append(Flag(i, "freeze", "mad_prev", float(mad[i]), float("nan"),
                                      f"{span} frame {i - 1} (frozen for {count} frame"
                                      f"{'s' if count > 1 else ''}) while the rest of the clip "
                                      f"moves ({typical:.1f} px per frame)"))
                    taken.update(range(i, j + 1))
                    i = j + 1
                else:
                    i += 1

    # identity loss: a sudden, lasting drop of similarity to the reference
    drop = np.full(n, np.nan)
    drop[1:] = sim[:-1] - sim[1:]
    z_d, med_d, _ = robust_z(drop, floor=0.01)
    unexplained = np.isfinite(z_res) & (z_res > 3.0)  # the flow does not explain the change
    for i in np.flatnonzero(np.isfinite(z_d) & (z_d > z_threshold) & (drop > 0.1) & unexplained):
        i = int(i)
        if i in taken:
            continue
        lasting = i + 1 >= n or sim[i + 1] < sim[i - 1] - 0.05
        if not lasting:
            continue
        flags.append(Flag(i, "identity_loss", sim_name, float(sim[i]), float(z_d[i]),
                          f"similarity to the reference drops from {sim[i - 1]:.2f} to "
                          f"{sim[i]:.2f} at frame {i} and does not recover: the source image's "
                          "content is lost"))
        taken.add(i)
    return sorted(flags, key=lambda f: (f.frame, f.kind))
