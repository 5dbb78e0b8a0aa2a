"""Flags: frames where continuity breaks, found with robust statistics over the clip.

Each series is compared with its own clip: ``z = (x − median) / max(1.4826·MAD, floor)`` (a robust
z-score, MAD = median absolute deviation; the floor keeps a perfectly clean clip from turning
noise into huge scores). A flag needs both a large robust z (``z_threshold``, default 6) and an
absolute size that a viewer would notice. The rules:

* **cut / jump** — the motion-compensated residual of pair (t−1, t) (``residual``: mean
  absolute difference, 0–255, between frame t−1 and frame t warped back by the flow) is an outlier
  and stays an outlier when frame t is skipped: frame t starts new content. ``kind="cut"`` when the
  frames share little structure or colour (SSIM < 0.35 or colour drift > 0.2), else ``"jump"``.
* **jump (motion)** — pair t moves far more than the pairs around it. With ``L(x)_t`` the
  median of ``x`` over pairs t−2…t+2 other than t and frozen pairs (:func:`local_typical`; 0
  when all are frozen), the score ``J_t = min(mad_t / L(mad)_t, flow_t / L(flow)_t)``
  (denominators at least 0.25 grey levels / 0.05 px) exceeds ``max(JUMP_RATIO, median(J) +
  6·s)``, ``s`` the upward spread ``(Q75(J) − median(J)) / 0.6745`` (σ for a normal law; at
  least 0.05): 1.6 in a steady clip, more in a jittery one. Dropped frames or a sudden shift
  that the flow explains (so the residual stays low). Judged against its neighbours, a slow
  clip's jump counts as much as a fast clip's, and an ease-in or ease-out is not a jump.
* **flash / glitch** — the residuals of pairs (t−1, t) and (t, t+1) are outliers but frame t+1
  follows from frame t−1: frame t alone is off. ``"flash"`` when a brightness change explains at
  least half of it, else ``"glitch"``.
* **flicker** — a smaller brightness spike (second difference of mean luma) that is an outlier.
* **freeze** (and stutter) — a run of frozen pairs (``mad_prev < FROZEN_MAD`` = 0.5: the same
  picture twice) where the clip was expected to move. The expected change ``e`` is the smaller
  ``mad_prev`` of the pairs just before and after the run — both must change by at least
  ``FREEZE_MIN_CHANGE`` (0.3 grey levels); at either end of the clip, the linear extrapolation
  of the two pairs next to the run, which must describe one steady motion (neither frozen,
  within 50 % of each other: a jump is no motion to extrapolate). A flag needs
  ``e ≥ FREEZE_MIN_CHANGE``, the run's largest ``mad_prev ≤ 0.15·e`` (the pause is far
  stiller than the motion around it) and a clip that moves (median ``mad_prev`` ≥
  ``FREEZE_MIN_CHANGE``). An ease-in or ease-out slows down smoothly, so its extrapolation
  stays near zero: no false freeze at the first or last frames. When the pair after the run
  moves at least 1.3× as far as the pair before it (the picture catches up: a stutter) the
  flag covers that pair too (``last``) and says so.
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

__all__ = ["Flag", "robust_z", "detect_flags", "frozen_pairs", "local_typical", "FROZEN_MAD",
           "FREEZE_MIN_CHANGE", "JUMP_RATIO"]


@dataclass(frozen=True)
class Flag:
    """One continuity problem at one frame.

    Attributes:
        frame: index of the frame in the clip (for pair metrics, the later frame of the pair); for
            a gradual defect, the frame where it starts.
        kind: ``"cut"``, ``"jump"``, ``"flash"``, ``"glitch"``, ``"flicker"``, ``"freeze"``,
            ``"identity_loss"`` (whole frame); ``"artefact"``, ``"blur"``,
            ``"partial_freeze"`` (a region, see ``box``); ``"color_drift"``,
            ``"motion_reversal"`` (gradual); ``"morph"`` (gradual, a region).
        metric: the per-frame column or map that tripped.
        value: that metric's value at ``frame``.
        z: its robust z-score (``nan`` where the rule is not a z-score rule).
        reason: what happened, in measurement terms.
        box: ``(x0, y0, x1, y1)`` pixel box of the region (x1, y1 exclusive) for a local defect,
            ``None`` when the whole frame is concerned.
        last: the last frame the defect covers (``None``: only ``frame``).
        message: the flag in a creator's words (see :meth:`explain`).
    """

    frame: int
    kind: str
    metric: str
    value: float
    z: float
    reason: str
    box: tuple[int, int, int, int] | None = None
    last: int | None = None
    message: str = ""

    def explain(self) -> str:
        """The flag in a creator's words, e.g. ``"a patch of artefacts in the upper left of
        frame 14"``: ``message`` when the detector wrote one, else a sentence from the kind.

        >>> Flag(7, "flash", "brightness", 190.0, 9.0, "...").explain()
        'frame 7 flashes: it is much brighter or darker than the frames around it'
        """
        if self.message:
            return self.message
        span = (f"frames {self.frame}–{self.last}" if self.last is not None
                and self.last > self.frame else f"frame {self.frame}")
        text = _WORDS.get(self.kind)
        return text.format(span=span, frame=self.frame) if text else f"{span}: {self.reason}"

    def to_dict(self) -> dict:
        """The flag as plain JSON types (a NaN ``z`` becomes ``None``; ``message`` filled in)."""
        from i2v_nb.io import jsonable  # the one JSON-safe converter (io is slow to import)

        return jsonable({**asdict(self), "value": float(self.value), "z": float(self.z),
                         "box": None if self.box is None else [int(v) for v in self.box],
                         "message": self.explain()})

    def __str__(self) -> str:
        return f"frame {self.frame}: {self.kind} ({self.metric}) — {self.reason}"


#: Creator's words per kind, for flags whose detector wrote no ``message``.
_WORDS = {
    "cut": "the scene cuts to different content at {span}",
    "jump": "the picture jumps at {span}, as if frames were missing",
    "flash": "{span} flashes: it is much brighter or darker than the frames around it",
    "glitch": "{span} is broken: it differs from both neighbours, which match each other",
    "flicker": "the brightness flickers at {span}",
    "freeze": "the picture stops moving at {span}",
    "identity_loss": "the content drifts away from the source image from {span}",
}


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

    mad, flow = col("mad_prev"), col("flow_mean")
    frozen = frozen_pairs(mad)
    flags += _freeze_flags(mad, flow, frozen, taken)
    flags += _motion_jump_flags(mad, flow, frozen, taken)

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


#: A pair whose mean absolute difference is below this (0–255) shows the same picture twice.
FROZEN_MAD = 0.5
#: The least change per frame (0–255) the pairs around a frozen run must show for it to freeze.
FREEZE_MIN_CHANGE = 0.3
#: A pair is a motion jump when it moves ``JUMP_RATIO``× as far as its neighbours (see
#: :func:`local_typical`), in both the mean absolute difference and the optical flow.
JUMP_RATIO = 1.6


def frozen_pairs(mad: np.ndarray) -> np.ndarray:
    """Pairs that show the same picture twice: ``mad_prev < FROZEN_MAD`` (row 0 is False)."""
    m = np.asarray(mad, np.float64)
    out = np.isfinite(m) & (m < FROZEN_MAD)
    out[:1] = False
    return out


def local_typical(values: np.ndarray, skip: np.ndarray, *, reach: int = 2) -> np.ndarray:
    """For each pair t, the median of ``values`` over pairs ``t−reach … t+reach`` other than t and
    those in ``skip`` (row 0, a frame without a pair, never counts). NaN where none is left.

    >>> float(local_typical(np.array([np.nan, 1.0, 1.0, 5.0, 1.0, 1.0]), np.zeros(6, bool))[3])
    1.0
    """
    v = np.asarray(values, np.float64)
    n = len(v)
    out = np.full(n, np.nan)
    if n < 2:
        return out
    usable = np.isfinite(v) & ~np.asarray(skip, bool)
    usable[0] = False
    t = np.arange(n)
    offsets = [k for k in range(-reach, reach + 1) if k != 0]
    idx = t[:, None] + np.array(offsets)[None, :]
    ok = (idx >= 1) & (idx < n)
    idx = np.clip(idx, 0, n - 1)
    near = np.where(ok & usable[idx], v[idx], np.nan)
    has = np.isfinite(near).any(axis=1)
    has[0] = False
    out[has] = np.nanmedian(near[has], axis=1)
    return out


def _steady(near: float, far: float) -> bool:
    """Two consecutive pair changes that describe one steady motion (to extrapolate from)."""
    return bool(far >= FROZEN_MAD and abs(near - far) <= 0.5 * max(near, far))


def _freeze_flags(mad: np.ndarray, flow: np.ndarray, frozen: np.ndarray,
                  taken: set[int]) -> list[Flag]:
    """Runs of frozen pairs where the clip was expected to move (see :func:`detect_flags`)."""
    n = len(mad)
    out: list[Flag] = []
    if not np.nanmedian(mad[1:]) >= FREEZE_MIN_CHANGE:
        return out  # a still clip does not freeze
    i = 1
    while i < n:
        if not frozen[i] or i in taken:
            i += 1
            continue
        j = i
        while j + 1 < n and frozen[j + 1]:
            j += 1
        before = mad[i - 1] if i >= 2 else np.nan
        after = mad[j + 1] if j + 1 < n else np.nan
        if np.isfinite(before) and np.isfinite(after):
            expected = min(before, after)
        elif np.isfinite(before) and i >= 3 and _steady(before, mad[i - 2]):  # ends frozen
            expected = 2 * before - mad[i - 2]  # the motion before, extrapolated
        elif np.isfinite(after) and j + 2 < n and _steady(after, mad[j + 2]):  # starts frozen
            expected = 2 * after - mad[j + 2]
        else:
            expected = np.nan
        run = float(np.max(mad[i:j + 1]))
        if np.isfinite(expected) and expected >= FREEZE_MIN_CHANGE and run <= 0.15 * expected:
            count = j - i + 1
            span = f"frame {i} repeats" if count == 1 else f"frames {i}–{j} repeat"
            catch_up = (j + 1 < n and np.isfinite(before) and np.isfinite(flow[j + 1])
                        and mad[j + 1] >= 1.3 * before and np.isfinite(flow[i - 1])
                        and flow[j + 1] >= 1.3 * flow[i - 1])
            if catch_up:
                out.append(Flag(i, "freeze", "mad_prev", float(mad[i]), float("nan"),
                                f"{span} frame {i - 1}, then the picture jumps ahead at frame "
                                f"{j + 1} ({mad[j + 1]:.1f} grey levels of change against "
                                f"{before:.1f} before the pause)", last=j + 1,
                                message=f"the motion stutters at frame {i}: the picture stops "
                                        f"for {count} frame{'s' if count > 1 else ''}, then "
                                        f"jumps ahead at frame {j + 1}"))
                taken.update(range(i, j + 2))
            else:
                out.append(Flag(i, "freeze", "mad_prev", float(mad[i]), float("nan"),
                                f"{span} frame {i - 1} (frozen for {count} frame"
                                f"{'s' if count > 1 else ''}) while the clip moves around it "
                                f"({expected:.1f} grey levels of change per frame expected)",
                                last=j, message=f"the picture stops moving for {count} frame"
                                f"{'s' if count > 1 else ''} at frame {i}"))
                taken.update(range(i, j + 1))
        i = j + 1
    return out


def _motion_jump_flags(mad: np.ndarray, flow: np.ndarray, frozen: np.ndarray,
                       taken: set[int]) -> list[Flag]:
    """Pairs that move far more than their neighbours (see :func:`detect_flags`)."""
    # neighbours that are frozen pairs do not count; when all are, the clip stood still: 0
    lm = np.maximum(np.nan_to_num(local_typical(mad, frozen)), 0.25)
    lf = np.maximum(np.nan_to_num(local_typical(flow, frozen)), 0.05)
    score = np.minimum(mad / lm, flow / lf)
    ok = np.isfinite(score)
    if not ok.any():
        return []
    med, q75 = (float(v) for v in np.percentile(score[ok], [50, 75]))
    scale = max((q75 - med) / 0.6745, 0.05)  # the upward spread: jumps are upward outliers
    limit = max(JUMP_RATIO, med + 6.0 * scale)
    out: list[Flag] = []
    for i in np.flatnonzero(ok & (score > limit)):
        i = int(i)
        if i in taken:
            continue
        out.append(Flag(i, "jump", "flow_mean", float(flow[i]), float((score[i] - med) / scale),
                        f"content jumps between frames {i - 1} and {i}: it moves "
                        f"{flow[i]:.1f} px, {flow[i] / lf[i]:.1f}× as far as the frames around "
                        f"it ({lf[i]:.1f} px per frame; dropped frames or a sudden shift)",
                        message=f"the picture jumps at frame {i}: it moves "
                                f"{flow[i] / lf[i]:.0f}× as far as the frames around it, as if "
                                "frames were missing"))
        taken.add(i)
    return out
