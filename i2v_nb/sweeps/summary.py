"""The result of a sweep: every finished item's continuity scores, ranked by one score, the best
take per image, and the items that failed with their error.

Each item is scored once, by the process that made it, right after generating
(:func:`clip_scores`: :func:`i2v_nb.continuity_report` on the frames, stored in the clip's
metadata under ``"sweep"``), so the summary only reads sidecars. ``overall`` is the score
:func:`i2v_nb.compare_clips` ranks by: the mean of ``i2v_subject``, ``i2v_background``,
``motion_smoothness`` and ``temporal_flickering``, minus 0.05 per continuity flag and 0.05 when
the prompt asked for a camera move the clip does not show.

>>> check_score("motion_smoothness")
'motion_smoothness'
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
from typing import TYPE_CHECKING, Any

from i2v_nb.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from i2v_nb.history import History

__all__ = ["SCORES", "check_score", "clip_scores", "SweepSummary", "summarize"]

#: Scores a sweep can be ranked by -> True when higher is better.
SCORES: dict[str, bool] = {
    "overall": True, "i2v_subject": True, "i2v_background": True, "motion_smoothness": True,
    "temporal_flickering": True, "dynamic_degree": True, "moving_fraction": True,
    "ssim_ref_mean": True, "psnr_ref_mean": True, "warp_error": False,
}
_SHOWN_ROWS = 20


def check_score(score: Any) -> str:
    """``score`` if a sweep can be ranked by it.

    Raises:
        ParameterError: any other name; the message lists the scores.
    """
    if score not in SCORES:
        raise ParameterError(f"score={score!r} is not a score a sweep ranks by; use one of "
                             f"{', '.join(SCORES)}")
    return str(score)


def clip_scores(clip: Any, prompt: str = "") -> dict[str, Any]:
    """The numbers a sweep keeps for one clip: the continuity report's scores that
    :data:`SCORES` names, the number of flags, the camera move and whether the prompt's camera
    request was met (``camera_ok``, None when it asked for none), and ``overall``.

    >>> import numpy as np
    >>> from i2v_nb import Clip
    >>> ramp = np.tile((np.arange(80) * 3).astype(np.uint8)[None, :, None], (48, 1, 3))
    >>> frames = np.stack([ramp[:, 8 - t:72 - t] for t in range(8)])  # sliding right
    >>> s = clip_scores(Clip(frames, fps=8))
    >>> sorted(s)[:4], s["camera_ok"], 0.9 < s["temporal_flickering"] <= 1
    (['camera_motion', 'camera_ok', 'dynamic_degree', 'flags'], None, True)
    """
    from i2v_nb.diagnostics import continuity_report
    from i2v_nb.diagnostics.compare import overall_score

    report = continuity_report(clip)
    s = report.scores
    overall, camera_ok = overall_score(report, prompt)
    out: dict[str, Any] = {k: float(s[k]) for k in SCORES if k in s}
    out.update(overall=overall, flags=len(report.flags), camera_motion=report.camera_motion,
               camera_ok=camera_ok)
    return out


def _number(value: Any) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.nan
    return value


@dataclasses.dataclass
class SweepSummary:
    """A sweep's result (see :func:`summarize`).

    Attributes:
        sweep_id, name: the sweep's id and label.
        score: the score the table is ranked by.
        table: ``pandas.DataFrame``, one row per finished item, best first: ``rank``, ``item``,
            ``entry`` (the history id), ``image``, ``prompt``, ``seed``, ``model``, the
            :data:`SCORES`, ``flags``, ``camera_motion``, ``camera_ok``, ``process``.
        best: the best row per image (same columns), in ranking order.
        failed: one dict per failed item (its description, ``error``, ``message``,
            ``next_profile`` for an out-of-memory error).
        not_run: the items neither finished nor failed (a process stopped before them).
        duplicates: item id -> number of history entries, for items found more than once.
        total: the number of items of the sweep.
        path: where the summary was written (``summary.json``), or None.
    """

    sweep_id: str
    name: str
    score: str
    table: Any
    best: Any
    failed: list[dict[str, Any]]
    not_run: list[dict[str, Any]]
    duplicates: dict[str, int]
    total: int
    path: pathlib.Path | None = None

    def __repr__(self) -> str:
        return (f"SweepSummary({self.sweep_id}: {len(self.table)} of {self.total} finished, "
                f"{len(self.failed)} failed, {len(self.not_run)} not run; by {self.score})")

    def text(self, max_rows: int = _SHOWN_ROWS) -> str:
        """The ranking in words: the best ``max_rows`` items, the best per image, the failures."""
        label = f" ({self.name})" if self.name else ""
        lines = [f"Sweep {self.sweep_id}{label}: {self.total} items, {len(self.table)} "
                 f"finished, {len(self.failed)} failed, {len(self.not_run)} not run; ranked by "
                 f"{self.score}"]
        for _, row in self.table.head(max_rows).iterrows():
            lines.append(f"  #{row['rank']:<3d} {self.score} {row[self.score]:.4f}  "
                         f"{row['item']}  {row['model']}  {row['image']}  seed {row['seed']}  "
                         f"{row['prompt'][:50]!r}  -> {row['entry']}")
        if len(self.table) > max_rows:
            lines.append(f"  … {len(self.table) - max_rows} more in summary.csv")
        if len(self.best):
            lines.append("Best per image:")
            for _, row in self.best.iterrows():
                lines.append(f"  {row['image']}: #{row['rank']} {row['item']} ({row['model']}, "
                             f"seed {row['seed']}, {row['prompt'][:50]!r}) {self.score} "
                             f"{row[self.score]:.4f} -> {row['entry']}")
        if self.failed:
            lines.append("Failed:")
            for f in self.failed:
                hint = f"; try profile={f['next_profile']!r}" if f.get("next_profile") else ""
                message = " ".join(str(f.get("message", "")).split())[:200]
                lines.append(f"  {f['item']} ({f['model']}, {f['image']}, seed {f['seed']}): "
                             f"{f.get('error')}: {message}{hint}")
        if self.not_run:
            lines.append(f"Not run ({len(self.not_run)}): "
                         + ", ".join(i["item"] for i in self.not_run[:10])
                         + (" …" if len(self.not_run) > 10 else "")
                         + "; run the sweep again to make them")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.text())}</pre>"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (NaN becomes None when written)."""
        return {"sweep": self.sweep_id, "name": self.name, "score": self.score,
                "items": self.total, "finished": len(self.table),
                "ranked": self.table.to_dict(orient="records"),
                "best_per_image": self.best.to_dict(orient="records"),
                "failed": self.failed, "not_run": self.not_run, "duplicates": self.duplicates}

    def write(self, folder: str | pathlib.Path) -> pathlib.Path:
        """Write ``summary.json``, ``summary.csv`` and ``summary.txt`` into ``folder``
        (atomically); return the path of ``summary.json`` (also kept in :attr:`path`)."""
        from i2v_nb.io import write_text_atomic
        from i2v_nb.sweeps.records import write_json

        folder = pathlib.Path(folder)
        path = write_json(folder / "summary.json", self.to_dict())
        write_text_atomic(folder / "summary.csv", self.table.to_csv(index=False))
        write_text_atomic(folder / "summary.txt", self.text(max_rows=len(self.table)) + "\n")
        self.path = path
        return path


def summarize(sweep: Any, history: "History | str", *, score: str = "overall") -> SweepSummary:
    """What ``history`` holds of ``sweep`` (a :class:`~i2v_nb.sweeps.Sweep`): finished items
    ranked by ``score`` (best first; ties keep the sweep's order), the best per image, the failed
    and the not-run items. An item counts as finished when an entry of the history is that item,
    whichever sweep made it. Items without stored scores are scored now (their clips are
    loaded).

    Raises:
        ParameterError: an unknown ``score``.
    """
    import pandas as pd

    from i2v_nb.history import History
    from i2v_nb.sweeps.records import failures

    score = check_score(score)
    history = history if isinstance(history, History) else History(history)
    items = sweep.items()
    wanted = {item.id for item in items}
    found: dict[str, list] = {}
    for entry in sorted(history.list(), key=lambda e: e.id):
        if entry.sweep_item in wanted:
            found.setdefault(entry.sweep_item, []).append(entry)
    failed_records = failures(history, sweep.id)
    rows, failed, not_run = [], [], []
    for item in items:
        entries = found.get(item.id)
        if not entries:
            if item.id in failed_records:
                failed.append({**item.describe(), **{k: failed_records[item.id].get(k) for k in
                               ("error", "message", "next_profile", "process")}})
            else:
                not_run.append(item.describe())
            continue
        entry = entries[0]
        info = entry.metadata.get("sweep", {})
        scores = info.get("scores") if isinstance(info.get("scores"), dict) else None
        if scores is None or score not in scores:
            scores = clip_scores(history.load(entry.id), item.prompt)
        rows.append({"item": item.id, "entry": entry.id, "image": item.image_label,
                     "image_hash": item.image_hash, "prompt": item.prompt, "seed": item.seed,
                     "model": item.model,
                     **{k: _number(scores.get(k)) for k in SCORES},
                     "flags": scores.get("flags"), "camera_motion": scores.get("camera_motion"),
                     "camera_ok": scores.get("camera_ok"), "process": info.get("process"),
                     "_order": item.index})
    columns = ["rank", "item", "entry", "image", "image_hash", "prompt", "seed", "model",
               *SCORES, "flags", "camera_motion", "camera_ok", "process"]
    if rows:
        table = pd.DataFrame(rows).sort_values([score, "_order"],
                                               ascending=[not SCORES[score], True],
                                               na_position="last")
        table.insert(0, "rank", range(1, len(table) + 1))
        table = table.drop(columns="_order").reset_index(drop=True)
    else:
        table = pd.DataFrame(columns=columns)
    best = table.drop_duplicates("image_hash", keep="first").reset_index(drop=True)
    return SweepSummary(sweep_id=sweep.id, name=sweep.name, score=score, table=table, best=best,
                        failed=failed, not_run=not_run,
                        duplicates={k: len(v) for k, v in found.items() if len(v) > 1},
                        total=len(items))
