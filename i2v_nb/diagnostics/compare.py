"""``compare_clips``: rank several takes of the same image by their continuity scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["ClipComparison", "compare_clips", "RANK_SCORES"]

#: Scores averaged into ``overall`` (all in [0, 1], higher is better).
RANK_SCORES = ("i2v_subject", "i2v_background", "motion_smoothness", "temporal_flickering")
#: Subtracted from ``overall`` per flag.
FLAG_PENALTY = 0.05


@dataclass
class ClipComparison:
    """Several takes ranked: ``table`` (a DataFrame, best first) and their ``reports``.

    Attributes:
        table: one row per clip, index = clip name, columns ``rank``, ``overall``, the
            :data:`RANK_SCORES`, ``dynamic_degree``, ``camera_motion``, ``camera_confidence``,
            ``flags``.
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

    def plot(self, *, thumbnails: int = 4, figsize: tuple[float, float] | None = None):
        """Side-by-side figure: a row of thumbnails per clip (ranked) and aligned SSIM curves."""
        from matplotlib.figure import Figure

        names = list(self.table.index)
        n = len(names)
        fig = Figure(figsize=figsize or (2.2 * thumbnails + 5, 1.9 * n + 0.6), layout="constrained")
        gs = fig.add_gridspec(n, thumbnails + 2)
        ax_curve = fig.add_subplot(gs[:, thumbnails:])
        for r, name in enumerate(names):
            rep = self.reports[name]
            t = rep.num_frames
            idx = np.unique(np.linspace(0, t - 1, thumbnails).round().astype(int))
            for c, i in enumerate(idx):
                ax = fig.add_subplot(gs[r, c])
                ax.imshow(rep.frames[i])
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(f"frame {i}", fontsize=7)
                if c == 0:
                    row = self.table.loc[name]
                    ax.set_ylabel(f"#{int(row['rank'])} {name}\n{row['overall']:.3f}",
                                  fontsize=8)
                for f in rep.flags:
                    if f.frame == i:
                        for s in ax.spines.values():
                            s.set_edgecolor("red")
                            s.set_linewidth(2)
            line, = ax_curve.plot(rep.per_frame["frame"], rep.per_frame["ssim_ref"],
                                  label=f"#{r + 1} {name}")
            for f in rep.flags:
                ax_curve.axvline(f.frame, color=line.get_color(), ls=":", lw=1)
        ax_curve.set_xlabel("frame")
        ax_curve.set_ylabel("SSIM to reference")
        ax_curve.legend(fontsize=8)
        ax_curve.grid(alpha=0.3)
        return fig


def compare_clips(clips: Any, *, reference: Any = None, names: list[str] | None = None,
                  fps: float | None = None, **report_kwargs: Any) -> ClipComparison:
    """Rank several takes of the same image by continuity, best first.

    ``overall = mean(i2v_subject, i2v_background, motion_smoothness, temporal_flickering)
    − 0.05 · number of flags``; ties keep input order. Every clip is compared with the same
    reference: ``reference`` if given, else the first clip's ``source``, else each clip's own first
    frame.

    >>> cmp = compare_clips({"seed 1": clip1, "seed 2": clip2})   # doctest: +SKIP
    >>> cmp.table; cmp.plot()                                      # doctest: +SKIP

    Args:
        clips: a list of clips/frame arrays, or a dict name → clip.
        reference: the source image (path, PIL, array).
        names: names for a list of clips (default ``"take 1"``, ``"take 2"``…).
        fps: frame rate for arrays.
        **report_kwargs: passed to :func:`~i2v_nb.diagnostics.continuity_report`.

    Returns:
        A :class:`ClipComparison`.

    Raises:
        VideoInputError: no clips.
    """
    import pandas as pd

    from i2v_nb.diagnostics.report import continuity_report
    from i2v_nb.errors import VideoInputError

    if isinstance(clips, dict):
        names, items = [str(k) for k in clips], list(clips.values())
    else:
        items = list(clips)
        names = list(names) if names is not None else [f"take {i + 1}" for i in range(len(items))]
    if not items:
        raise VideoInputError("compare_clips got no clips; pass a list or dict of two or more")
    if len(names) != len(items) or len(set(names)) != len(names):
        raise VideoInputError(f"names {names!r} must be unique, one per clip ({len(items)})")
    if reference is None:
        for c in items:
            if getattr(c, "source", None) is not None:
                reference = c.source
                break
    reports = {n: continuity_report(c, reference=reference, fps=fps, **report_kwargs)
               for n, c in zip(names, items, strict=True)}
    rows = []
    for order, (n, rep) in enumerate(reports.items()):
        s = rep.scores
        base = float(np.nanmean([s[k] for k in RANK_SCORES]))
        rows.append({"name": n, "overall": base - FLAG_PENALTY * len(rep.flags),
                     **{k: s[k] for k in RANK_SCORES}, "dynamic_degree": s["dynamic_degree"],
                     "camera_motion": rep.camera_motion,
                     "camera_confidence": rep.camera_confidence, "flags": len(rep.flags),
                     "_order": order})
    table = pd.DataFrame(rows).sort_values(["overall", "_order"], ascending=[False, True])
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table = table.drop(columns="_order").set_index("name")
    return ClipComparison(table=table, reports=reports)
