"""What a sweep keeps beside the clips of its :class:`~i2v_nb.history.History`.

The clips themselves are ordinary history entries whose metadata has a ``"sweep"`` part (the
sweep id, the item id, the process that made it, the continuity scores): that is the truth of
what is done. Beside them, under ``ROOT/sweeps/`` (a folder the history ignores)::

    sweeps/done/<item>.json           item -> history entry, written after the entry: a cheap
                                      re-check just before an item is generated
    sweeps/<sweep>/sweep.json         the sweep's items (written by the main process)
    sweeps/<sweep>/failed/<item>.json one record per failed item: the error, and for an
                                      out-of-memory the profile to try next
    sweeps/<sweep>/process-<i>.json   what process i did in the last run, with timings
    sweeps/<sweep>/summary.json       the ranked summary (also .csv and .txt)

Every file is written through a temporary file and a rename (:func:`i2v_nb.io.write_json_atomic`).

>>> import tempfile
>>> from i2v_nb.history import History
>>> h = History(tempfile.mkdtemp())
>>> done_entry(h, "0123456789abcdef") is None
True
"""

from __future__ import annotations

import json
import os
import pathlib
import socket
import time
import traceback
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from i2v_nb.history import History, HistoryEntry

__all__ = ["SWEEPS_FOLDER", "sweep_folder", "finished_items", "done_entry", "mark_done",
           "record_failure", "clear_failure", "failures", "write_json", "read_json",
           "process_records"]

SWEEPS_FOLDER = "sweeps"


def write_json(path: pathlib.Path, data: Any) -> pathlib.Path:
    """``data`` written atomically to ``path`` (folders made as needed)."""
    from i2v_nb.io import write_json_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, data)
    return path


def read_json(path: pathlib.Path) -> dict | None:
    """The JSON object in ``path``, or None when it is missing or damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def sweep_folder(history: "History", sweep_id: str) -> pathlib.Path:
    """``ROOT/sweeps/<sweep_id>`` (not created)."""
    return history.root / SWEEPS_FOLDER / sweep_id


def finished_items(history: "History") -> dict[str, "HistoryEntry"]:
    """Item id -> its history entry, for every sound entry made by a sweep (one scan of the
    sidecars). An item found twice keeps its oldest entry."""
    found: dict[str, HistoryEntry] = {}
    for entry in sorted(history.list(), key=lambda e: e.id):
        if entry.sweep_item is not None:
            found.setdefault(entry.sweep_item, entry)
    return found


def _marker(history: "History", item_id: str) -> pathlib.Path:
    return history.root / SWEEPS_FOLDER / "done" / f"{item_id}.json"


def done_entry(history: "History", item_id: str) -> str | None:
    """The history entry id of ``item_id`` when its marker exists and the entry is still sound
    (a removed or damaged entry does not count), else None. One stat and one small read when
    the item is not done."""
    from i2v_nb.errors import HistoryError

    marker = read_json(_marker(history, item_id))
    if marker is None or not isinstance(marker.get("entry"), str):
        return None
    try:
        entry = history.entry(marker["entry"])
    except HistoryError:
        return None
    return entry.id if entry.sweep_item == item_id else None


def mark_done(history: "History", item_id: str, entry_id: str, sweep_id: str) -> None:
    """Write the marker of ``item_id`` (after its entry is complete on disk)."""
    write_json(_marker(history, item_id), {"item": item_id, "entry": entry_id,
                                           "sweep": sweep_id})


def _failure_path(history: "History", sweep_id: str, item_id: str) -> pathlib.Path:
    return sweep_folder(history, sweep_id) / "failed" / f"{item_id}.json"


def record_failure(history: "History", sweep_id: str, item: Any, exc: BaseException,
                   process: dict[str, Any]) -> dict[str, Any]:
    """Record why ``item`` (a :class:`~i2v_nb.sweeps.SweepItem`) failed: the error's type and
    message, for an :class:`~i2v_nb.errors.OutOfMemory` the profile to try next
    (``next_profile``), and where it ran. Returns the record."""
    record = {
        **item.describe(),
        "sweep": sweep_id,
        "error": type(exc).__name__,
        "message": str(exc),
        "next_profile": getattr(exc, "next_profile", None),
        "traceback": "".join(traceback.format_exception(exc)[-6:]),
        **process,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    write_json(_failure_path(history, sweep_id, item.id), record)
    return record


def clear_failure(history: "History", sweep_id: str, item_id: str) -> None:
    """Forget an earlier failure of ``item_id`` (it has now succeeded)."""
    _failure_path(history, sweep_id, item_id).unlink(missing_ok=True)


def failures(history: "History", sweep_id: str) -> dict[str, dict[str, Any]]:
    """Item id -> failure record, for the sweep ``sweep_id``."""
    folder = sweep_folder(history, sweep_id) / "failed"
    out = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        record = read_json(path)
        if record is not None:
            out[path.stem] = record
    return out


def process_records(history: "History", sweep_id: str) -> list[dict[str, Any]]:
    """What each process did in the last run of the sweep (``process-<i>.json``), by index."""
    folder = sweep_folder(history, sweep_id)
    records = [read_json(p) for p in folder.glob("process-*.json")] if folder.is_dir() else []
    return sorted((r for r in records if r is not None), key=lambda r: r.get("process", 0))
