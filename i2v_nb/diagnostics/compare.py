"""``compare_clips``: rank several takes of the same image by their continuity scores, with the
noise of each score (:mod:`.ranking`) and whether the camera did what each take's prompt asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from i2v_nb.diagnostics.ranking import RANK_SCORES, score_errors, tied_with_best

__all__ = ["ClipComparison", "compare_clips", "overall_score", "RANK_SCORES", "FLAG_PENALTY",
           "CAMERA_PENALTY"]

#: Subtracted from ``overall`` per flag.
FLAG_PENALTY = 0.05
#: Subtracted from ``overall`` when a take's prompt asked for a camera move it does not show (a
#: clip that barely moves is not the best take of a "pan").
CAMERA_PENALTY = 0.05


def overall_score(report: Any, prompt: Any = None) -> tuple[float, bool | None]:
    """``(overall, camera_ok)`` of one take, the one rule every ranking uses:
    ``mean(RANK_SCORES) − FLAG_PENALTY · flags − CAMERA_PENALTY`` if the prompt asked for a
    camera move the clip does not show (``camera_ok`` False; None when no move was asked or no
    prompt is known).

    Args:
        report: a :class:`~i2v_nb.diagnostics.ContinuityReport`.
        prompt: the take's prompt (a str), or None.
    """
    from i2v_nb.diagnostics.camera import check_camera

    camera_ok = None
    if isinstance(prompt, str) and prompt.strip():
        check = check_camera(report, prompt)
        camera_ok = bool(check.ok) if check.requested is not None else None
    s = report.scores
    overall = (float(np.nanmean([s[k] for k in RANK_SCORES])) - FLAG_PENALTY * len(report.flags)
               - (CAMERA_PENALTY if camera_ok is False else 0.0))
    return overall, camera_ok


@dataclass
class ClipComparison:
    """Several takes ranked: ``table`` (a DataFrame, best first) and their ``reports``.

    Attributes:
        table: one row per clip, index = clip name, columns ``rank``, ``overall``,
            ``overall_err`` (its bootstrap standard error), ``tied_with_best`` (the gap to the
            best take is within the noise: see :func:`~i2v_nb.diagnostics.ranking.tied_with_best`),
            the :data:`RANK_SCORES` each followed by ``<score>_err``, ``dynamic_degree``,
            ``moving_fraction``, ``camera_motion``, ``camera_confidence``, ``camera_ok`` (True/False
            when the take's prompt asked for a camera move, else None), ``flags``.
        reports: name → :class:`~i2v_nb.diagnostics.ContinuityReport`, in input order.
    """

    table: Any
    reports: dict[str, Any] = field(repr=False)

    @property
    def best(self) -> str:
        """Name of the best-ranked clip."""
        return str(self.table.index[0])

    def _repr_html_(self) -> str:
        return self.table.to_html(float_format=lambda v: f"{v:.3f}")

    def summary(self) -> str:
        """The ranking in words, one line per take, with each overall score's noise band.

        >>> print(cmp.summary())                               # doctest: +SKIP
        #1 seed 1  0.951 ± 0.002  (tied with the best)
        """
        lines = []
        for name, row in self.table.iterrows():
            note = "  (tied with the best)" if row["tied_with_best"] and row["rank"] > 1 else ""
            lines.append(f"#{int(row['rank'])} {name}  {row['overall']:.3f} ± "
                         f"{row['overall_err']:.3f}{note}")
        return "\n".join(lines)

    def plot(self, *, thumbnails: int = 4, figsize: tuple[float, float] | None = None):
        """Side-by-side figure: a row of thumbnails per clip (ranked, flagged frames outlined in
        red); on the right the score that ranks, ``overall`` ± its error with the best take's noise
        band shaded (takes inside it are tied), and below it the SSIM-to-reference curves; drawn in
        the package style (:mod:`i2v_nb.plotting`), notebook wide unless ``figsize`` is given."""
        from i2v_nb import plotting

        names = list(self.table.index)
        n = len(names)
        width, height = figsize or (plotting.NOTEBOOK_WIDTH, max(3.6, 1.5 * n + 0.8))
        fig = plotting.blank(width=width, height=height)
        with plotting.style():
            self._draw(fig, names, thumbnails)
        return fig

    def _draw(self, fig: Any, names: list[str], thumbnails: int) -> None:
        from i2v_nb import plotting

        n = len(names)
        gs = fig.add_gridspec(n, thumbnails + 1, width_ratios=[1.0] * thumbnails + [2.8])
        right = gs[:, thumbnails].subgridspec(2, 1, height_ratios=(1, 1))
        ax_rank, ax_curve = fig.add_subplot(right[0]), fig.add_subplot(right[1])
        for r, name in enumerate(names):
            rep = self.reports[name]
            row = self.table.loc[name]
            t = rep.num_frames
            idx = np.unique(np.linspace(0, t - 1, thumbnails).round().astype(int))
            for c, i in enumerate(idx):
                ax = fig.add_subplot(gs[r, c])
                flagged = any(f.frame == i for f in rep.flags)
                plotting.show_image(ax, rep.frames[i], title_text=f"frame {i}",
                                    highlight="red" if flagged else None)
                if c == 0:
                    ax.set_ylabel(f"#{int(row['rank'])} {name}\n{row['overall']:.3f}")
            line, = ax_curve.plot(rep.per_frame["frame"], rep.per_frame["ssim_ref"],
                                  label=f"#{r + 1} {name}")
            for f in rep.flags:
                ax_curve.axvline(f.frame, color=line.get_color(), ls=":", lw=1)
            ax_rank.errorbar(row["overall"], r, xerr=2 * row["overall_err"], fmt="o",
                             color=line.get_color(), capsize=3)
        best = self.table.iloc[0]
        ax_rank.axvspan(best["overall"] - 2 * best["overall_err"],
                        best["overall"] + 2 * best["overall_err"], color="0.85", zorder=0)
        ax_rank.set_yticks(range(n), [f"#{r + 1} {nm}" for r, nm in enumerate(names)])
        ax_rank.set_ylim(n - 0.5, -0.5)
        ax_rank.set_xlabel("overall ± 2 errors (the score that ranks)")
        plotting.title(ax_rank, "grey: the best take's noise band\n(takes in it are tied)")
        ax_rank.grid(alpha=0.3, axis="x")
        ax_curve.set_xlabel("frame")
        ax_curve.set_ylabel("SSIM to reference")
        plotting.legend(ax_curve)
        ax_curve.grid(alpha=0.3)


def compare_clips(clips: Any, *, reference: Any = None, names: list[str] | None = None,
                  fps: float | None = None, prompts: Any = None, resamples: int = 300,
                  seed: int = 0, **report_kwargs: Any) -> ClipComparison:
    """Rank several takes of the same image by continuity, best first, with each score's noise.

    ``overall = mean(i2v_subject, i2v_background, motion_smoothness, temporal_flickering)
    − 0.05 · number of flags − 0.05 if the take's prompt asked for a camera move it does not
    show`` (:func:`~i2v_nb.diagnostics.check_camera`; a take that barely moves is not the best
    "pan"). ``overall_err`` and ``<score>_err`` are moving-block bootstrap errors over the frame
    pairs, and ``tied_with_best`` marks the takes whose gap to the best is within the noise
    (:mod:`~i2v_nb.diagnostics.ranking`): rank them by watching, not by the third decimal. Ties
    of ``overall`` keep input order. Every clip is compared with the same reference:
    ``reference`` if given, else the first clip's ``source``, else each clip's own first frame.

    >>> cmp = compare_clips({"seed 1": clip1, "seed 2": clip2})   # doctest: +SKIP
    >>> print(cmp.summary()); cmp.plot()                           # doctest: +SKIP

    Args:
        clips: a list of clips/frame arrays, or a dict name → clip.
        reference: the source image (path, PIL, array).
        names: names for a list of clips (default ``"take 1"``, ``"take 2"``…).
        fps: frame rate for arrays.
        prompts: the prompt of each take (a list, a dict name → prompt, or one prompt for all);
            default each clip's ``metadata["prompt"]`` when it has one. Takes without a prompt
            get ``camera_ok`` None and no camera penalty.
        resamples: bootstrap resamples per take (0 skips the errors: ``*_err`` NaN, nothing
            tied but the best).
        seed: seed of the bootstrap.
        **report_kwargs: passed to :func:`~i2v_nb.diagnostics.continuity_report`.

    Returns:
        A :class:`ClipComparison`.

    Raises:
        VideoInputError: no clips, or names that are not one per clip.
        ParameterError: prompts that are not one per clip.
    """
    import pandas as pd

    from i2v_nb.diagnostics.report import continuity_report
    from i2v_nb.errors import ParameterError, VideoInputError

    if isinstance(clips, dict):
        names, items = [str(k) for k in clips], list(clips.values())
    else:
        items = list(clips)
        names = list(names) if names is not None else [f"take {i + 1}" for i in range(len(items))]
    if not items:
        raise VideoInputError("compare_clips got no clips; pass a list or dict of two or more")
    if len(names) != len(items) or len(set(names)) != len(names):
        raise VideoInputError(f"names {names!r} must be unique, one per clip ({len(items)})")
    if isinstance(prompts, dict):
        prompts = [prompts.get(n) for n in names]
    elif prompts is None or isinstance(prompts, str):
        prompts = [prompts if prompts is not None
                   else (getattr(c, "metadata", None) or {}).get("prompt") for c in items]
    else:
        prompts = list(prompts)
    if len(prompts) != len(items):
        raise ParameterError(f"prompts has {len(prompts)} entries for {len(items)} clips; pass "
                             "one prompt per clip, a dict name → prompt, or one prompt for all")
    if reference is None:
        for c in items:
            if getattr(c, "source", None) is not None:
                reference = c.source
                break
    reports = {n: continuity_report(c, reference=reference, fps=fps, **report_kwargs)
               for n, c in zip(names, items, strict=True)}
    rows = []
    nan = float("nan")
    for order, ((n, rep), prompt) in enumerate(zip(reports.items(), prompts, strict=True)):
        s = rep.scores
        errs = (score_errors(rep.per_frame, resamples=resamples, seed=seed) if resamples > 0
                else dict.fromkeys((*RANK_SCORES, "mean"), nan))
        overall, camera_ok = overall_score(rep, prompt)
        scores = {}
        for k in RANK_SCORES:
            scores[k] = s[k]
            scores[f"{k}_err"] = errs[k]
        rows.append({"name": n, "overall": overall, "overall_err": errs["mean"], **scores,
                     "dynamic_degree": s["dynamic_degree"],
                     "moving_fraction": s["moving_fraction"],
                     "camera_motion": rep.camera_motion,
                     "camera_confidence": rep.camera_confidence, "camera_ok": camera_ok,
                     "flags": len(rep.flags), "_order": order})
    table = pd.DataFrame(rows).sort_values(["overall", "_order"], ascending=[False, True])
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    err = table["overall_err"].to_numpy(np.float64)
    tied = (tied_with_best(table["overall"].to_numpy(), err) if np.isfinite(err).all()
            else np.arange(len(table)) == 0)
    table.insert(4, "tied_with_best", tied)
    table = table.drop(columns="_order").set_index("name")
    return ClipComparison(table=table, reports=reports)
