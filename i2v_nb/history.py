"""Every clip the toolkit makes, kept on disk with its parameters, and brought back after a restart.

Layout of ``root`` (default ``./i2v_outputs``)::

    i2v_outputs/
      20261125-204512-3f9a1c/      one folder per clip, named by time + random suffix
        clip.mp4                   H.264 video
        clip.json                  sidecar: fps, size, metadata (prompt, model, seed, params…)
        source.png                 the still image it was made from (when known)
        thumb.jpg                  a small thumbnail for galleries

An entry is written into a hidden ``.tmp-…`` folder first and renamed into place in one step, so
an interrupted write (a crash, a kernel restart, a full disk) never leaves a half entry behind.

>>> history = History("i2v_outputs")            # doctest: +SKIP
>>> entry_id = history.add(clip)                 # doctest: +SKIP
>>> History("i2v_outputs").list()[0].id == entry_id   # after a kernel restart  # doctest: +SKIP
True
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import pathlib
import re
import secrets
import shutil
import time
import warnings
from typing import TYPE_CHECKING, Iterator

from i2v_nb.errors import HistoryError, I2VWarning

if TYPE_CHECKING:  # pragma: no cover
    from i2v_nb.clip import Clip

__all__ = ["History", "HistoryEntry", "DamagedEntryWarning", "DEFAULT_ROOT"]

DEFAULT_ROOT = "i2v_outputs"
VIDEO_NAME = "clip.mp4"
SIDECAR_NAME = "clip.json"
SOURCE_NAME = "source.png"
THUMB_NAME = "thumb.jpg"
_ID_RE = re.compile(r"^\d{8}-\d{6}(?:-\d{6})?-[0-9a-f]{6,16}$")
_STALE_TMP_S = 24 * 3600


class DamagedEntryWarning(I2VWarning):
    """A history entry could not be read and was skipped."""


@dataclasses.dataclass(frozen=True)
class HistoryEntry:
    """One saved clip: where it is and what made it (no frames are loaded)."""

    id: str
    path: pathlib.Path
    created: str
    metadata: dict
    fps: float
    num_frames: int
    width: int
    height: int
    video: str = VIDEO_NAME

    @property
    def video_path(self) -> pathlib.Path:
        return self.path / self.video

    @property
    def thumbnail_path(self) -> pathlib.Path | None:
        p = self.path / THUMB_NAME
        return p if p.exists() else None

    @property
    def source_path(self) -> pathlib.Path | None:
        p = self.path / SOURCE_NAME
        return p if p.exists() else None

    @property
    def prompt(self) -> str:
        return str(self.metadata.get("prompt", ""))

    @property
    def model(self) -> str:
        return str(self.metadata.get("model", ""))

    @property
    def seed(self) -> int | None:
        seed = self.metadata.get("seed")
        return seed if isinstance(seed, int) else None


class History:
    """A folder of clips with their parameters; reload them after a kernel restart.

    Args:
        root: the folder (created when the first clip is added).

    >>> import numpy as np, tempfile
    >>> from i2v_nb import Clip
    >>> h = History(tempfile.mkdtemp())
    >>> entry_id = h.add(Clip(np.zeros((4, 16, 16, 3), np.uint8), fps=4, metadata={"seed": 1}))
    >>> [e.id for e in h.list()] == [entry_id]
    True
    """

    def __init__(self, root: str | os.PathLike = DEFAULT_ROOT) -> None:
        self.root = pathlib.Path(root).expanduser()
        if self.root.exists() and not self.root.is_dir():
            raise HistoryError(f"history root {str(self.root)!r} is a file, not a folder; pick "
                               "another folder name")

    def __repr__(self) -> str:
        return f"History({str(self.root)!r}, {len(self)} clips)"

    # -- writing -----------------------------------------------------------------------------
    def _new_id(self) -> str:
        now = _dt.datetime.now()
        return f"{now:%Y%m%d-%H%M%S}-{now:%f}-{secrets.token_hex(3)}"

    def add(self, clip: "Clip", *, format: str = "mp4") -> str:
        """Write ``clip`` (video, sidecar, source image, thumbnail) as a new entry and return its
        id. The entry appears atomically; ids never collide and nothing is overwritten."""
        from i2v_nb.clip import write_json_atomic

        if format not in ("mp4", "webm", "gif", "webp"):
            raise HistoryError(f"format must be mp4, webm, gif or webp, got {format!r}")
        self.root.mkdir(parents=True, exist_ok=True)
        self._clean_stale_tmp()
        entry_id = self._new_id()
        tmp = self.root / f".tmp-{entry_id}"
        tmp.mkdir()
        try:
            video = tmp / f"clip.{format}"
            clip.save(video, sidecar=False)
            document = clip.sidecar()
            document["id"] = entry_id
            document["created"] = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
            document["created_ns"] = time.time_ns()
            document["video"] = video.name
            if clip.source is not None:
                clip.source.save(tmp / SOURCE_NAME)
                document["source"] = SOURCE_NAME
            clip.thumbnail(256).save(tmp / THUMB_NAME, quality=85)
            write_json_atomic(tmp / SIDECAR_NAME, document)
            while True:
                target = self.root / entry_id
                try:
                    os.rename(tmp, target)  # atomic; fails if target exists and is not empty
                    break
                except OSError:
                    if not target.exists():
                        raise
                    entry_id = self._new_id()
                    document["id"] = entry_id
                    write_json_atomic(tmp / SIDECAR_NAME, document)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return entry_id

    def _clean_stale_tmp(self) -> None:
        """Remove temp folders left by writes interrupted more than a day ago."""
        now = time.time()
        for p in self.root.glob(".tmp-*"):
            try:
                if now - p.stat().st_mtime > _STALE_TMP_S:
                    shutil.rmtree(p, ignore_errors=True)
            except OSError:
                pass

    # -- reading -----------------------------------------------------------------------------
    def _read_entry(self, folder: pathlib.Path) -> HistoryEntry:
        doc = json.loads((folder / SIDECAR_NAME).read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or not isinstance(doc.get("metadata", {}), dict):
            raise ValueError("sidecar is not a JSON object with a metadata dict")
        video = folder / str(doc.get("video", VIDEO_NAME))
        if video.parent != folder or not video.is_file() or video.stat().st_size == 0:
            raise ValueError(f"video file {video.name!r} is missing or empty")
        return HistoryEntry(
            id=folder.name,
            path=folder,
            created=str(doc.get("created", "")),
            metadata=doc.get("metadata", {}),
            fps=float(doc["fps"]),
            num_frames=int(doc["num_frames"]),
            width=int(doc["width"]),
            height=int(doc["height"]),
            video=video.name,
        )

    def _folders(self) -> list[pathlib.Path]:
        if not self.root.is_dir():
            return []
        return [p for p in self.root.iterdir() if p.is_dir() and _ID_RE.match(p.name)]

    def list(self) -> list[HistoryEntry]:
        """Every readable entry, newest first. A damaged entry is skipped with a
        :class:`DamagedEntryWarning` naming it."""
        entries = []
        for folder in self._folders():
            try:
                entries.append(self._read_entry(folder))
            except (OSError, ValueError, KeyError, TypeError) as e:
                warnings.warn(f"skipping damaged history entry {folder.name!r} in "
                              f"{str(self.root)!r}: {e}", DamagedEntryWarning, stacklevel=2)
        return sorted(entries, key=lambda e: e.id, reverse=True)

    def __len__(self) -> int:
        return len(self._folders())

    def __iter__(self) -> Iterator[HistoryEntry]:
        return iter(self.list())

    def _folder(self, entry_id: str) -> pathlib.Path:
        if not isinstance(entry_id, str) or not _ID_RE.match(entry_id):
            raise HistoryError(f"{entry_id!r} is not a history id (ids look like "
                               "'20261125-204512-123456-3f9a1c'); see History.list()")
        folder = self.root / entry_id
        if not folder.is_dir():
            raise HistoryError(f"no history entry {entry_id!r} in {str(self.root)!r}; "
                               "see History.list() for the ids there")
        return folder

    def entry(self, entry_id: str) -> HistoryEntry:
        """The :class:`HistoryEntry` of ``entry_id`` (raises HistoryError if damaged)."""
        folder = self._folder(entry_id)
        try:
            return self._read_entry(folder)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise HistoryError(f"history entry {entry_id!r} is damaged: {e}") from None

    def load(self, entry_id: str) -> "Clip":
        """Read entry ``entry_id`` back as a :class:`~i2v_nb.clip.Clip` (frames, fps, source
        image and metadata)."""
        from i2v_nb.errors import VideoInputError
        from i2v_nb.io import load_image, read_video

        entry = self.entry(entry_id)
        try:
            # the entry's clip.json is the video's sidecar: read_video takes fps, the size before
            # even-padding and the metadata from it
            clip = read_video(entry.video_path)
        except VideoInputError as e:
            raise HistoryError(f"history entry {entry_id!r} is damaged: {e}") from None
        clip.source = load_image(entry.source_path) if entry.source_path else None
        clip.metadata.setdefault("history_id", entry.id)
        return clip

    def latest(self) -> HistoryEntry | None:
        """The newest entry, or None when the history is empty."""
        entries = self.list()
        return entries[0] if entries else None

    def remove(self, entry_id: str) -> None:
        """Delete one entry from disk."""
        shutil.rmtree(self._folder(entry_id))
