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
Several processes may write into one history at once. The hidden folder's name carries the
writer's host and process id; each :meth:`History.add` removes leftovers of killed writers: a
``.tmp-…`` folder whose writer ran on this host and is no longer running, or any ``.tmp-…``
folder (another host's, or one whose process id was reused) untouched for 15 minutes.

Sidecars are untrusted (a damaged disk, a hand edit): an entry is listed only if its sidecar
passes every rule of :func:`i2v_nb.io.parse_sidecar`, states fps, frame count and size, and its
video file exists with an intact container (header and declared sizes); others are skipped
with a :class:`DamagedEntryWarning`. :meth:`History.load` applies the same checks, so what
``list()`` shows loads, and what loads is listed (damage inside compressed video data that the
container structure does not reveal is found by ``load()``, which raises :class:`HistoryError`).
Files get the user's umask (0644 under umask 022).

>>> history = History("i2v_outputs")            # doctest: +SKIP
>>> entry_id = history.add(clip)                 # doctest: +SKIP
>>> History("i2v_outputs").list()[0].id == entry_id   # after a kernel restart  # doctest: +SKIP
True
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import os
import pathlib
import re
import secrets
import shutil
import socket
import struct
import time
import warnings
from typing import TYPE_CHECKING, BinaryIO, Iterator

from i2v_nb.errors import DamagedEntryWarning, HistoryError
from i2v_nb.io.checks import VIDEO_SUFFIXES

if TYPE_CHECKING:  # pragma: no cover
    from i2v_nb.clip import Clip

__all__ = ["History", "HistoryEntry", "DamagedEntryWarning", "DEFAULT_ROOT"]

DEFAULT_ROOT = "i2v_outputs"
VIDEO_NAME = "clip.mp4"
SIDECAR_NAME = "clip.json"
SOURCE_NAME = "source.png"
THUMB_NAME = "thumb.jpg"
_ID_RE = re.compile(r"^\d{8}-\d{6}(?:-\d{6})?-[0-9a-f]{6,16}$")
#: A ``.tmp-…`` folder untouched this long is a leftover, whoever wrote it.
_STALE_TMP_S = 15 * 60
_HOST = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
_VIDEO_FORMATS = tuple(suffix.lstrip(".") for suffix in VIDEO_SUFFIXES)  # mp4, webm, gif, webp


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

    @property
    def sweep_id(self) -> str | None:
        """The id of the sweep that made this clip (``metadata["sweep"]["id"]``), or None."""
        sweep = self.metadata.get("sweep")
        value = sweep.get("id") if isinstance(sweep, dict) else None
        return value if isinstance(value, str) else None

    @property
    def sweep_item(self) -> str | None:
        """The id of the sweep item this clip is (``metadata["sweep"]["item"]``), or None."""
        sweep = self.metadata.get("sweep")
        value = sweep.get("item") if isinstance(sweep, dict) else None
        return value if isinstance(value, str) else None


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
        id. The entry appears atomically; ids never collide and nothing is overwritten. Leftover
        temporary folders of killed writers are removed first (see the module docstring).

        Raises:
            HistoryError: for an unknown ``format``.
            VideoInputError: when the clip's fps cannot be written in ``format`` (checked before
                anything is written).
        """
        from i2v_nb.io import check_fps, sidecar_text, write_text_atomic

        if format not in _VIDEO_FORMATS:
            raise HistoryError(f"format must be mp4, webm, gif or webp, got {format!r}")
        check_fps(clip.fps, suffix=format)
        self.root.mkdir(parents=True, exist_ok=True)
        self._clean_stale_tmp()
        entry_id = self._new_id()
        tmp = self.root / f".tmp-{entry_id}-{_HOST}-{os.getpid()}"
        tmp.mkdir()  # mode 0o777 & ~umask, like any folder the user makes
        try:
            video = tmp / f"clip.{format}"
            document = clip.sidecar()
            document["id"] = entry_id
            document["created"] = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
            document["created_ns"] = time.time_ns()
            document["video"] = video.name
            if clip.source is not None:
                document["source"] = SOURCE_NAME
            text = sidecar_text(document)  # metadata is always storable (escaped or noted)
            clip.save(video, sidecar=False)
            if clip.source is not None:
                clip.source.save(tmp / SOURCE_NAME)
            clip.thumbnail(256).save(tmp / THUMB_NAME, quality=85)
            write_text_atomic(tmp / SIDECAR_NAME, text)
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
                    write_text_atomic(tmp / SIDECAR_NAME, sidecar_text(document))
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return entry_id

    def _clean_stale_tmp(self) -> None:
        """Remove ``.tmp-…`` leftovers of killed writers: those whose writer ran on this host and
        is no longer running, and any untouched for :data:`_STALE_TMP_S` (15 minutes; other
        hosts' writers and reused process ids are covered by this rule). A live writer keeps
        its folder fresh: every file it writes there updates the times looked at."""
        now = time.time()
        try:
            leftovers = [p for p in self.root.iterdir() if p.name.startswith(".tmp-")]
        except OSError:
            return
        for p in leftovers:
            try:
                host, pid = p.name.rsplit("-", 2)[-2:]
                writer_dead = (host == _HOST and pid.isdigit() and int(pid) != os.getpid()
                               and not _pid_alive(int(pid)))
                if not writer_dead:
                    newest = p.lstat().st_mtime
                    if p.is_dir() and not p.is_symlink():
                        for child in p.iterdir():
                            newest = max(newest, child.lstat().st_mtime)
                    if now - newest <= _STALE_TMP_S:
                        continue
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
            except (OSError, ValueError):
                continue  # another process removed or is removing it

    # -- reading -----------------------------------------------------------------------------
    def _read_entry(self, folder: pathlib.Path) -> HistoryEntry:
        """The entry in ``folder``; HistoryError naming the damage when it breaks any rule."""
        from i2v_nb.io import parse_sidecar

        doc, problems = parse_sidecar(folder / SIDECAR_NAME)
        if doc is None and not problems:
            problems = [f"{SIDECAR_NAME} is missing"]
        missing = [k for k in ("fps", "num_frames", "width", "height") if doc and k not in doc]
        if missing and not problems:
            problems = [f"{SIDECAR_NAME} lacks {', '.join(missing)}"]
        if problems:
            raise HistoryError(f"{SIDECAR_NAME} {'; '.join(problems)}")
        assert doc is not None
        video = folder / doc.get("video", VIDEO_NAME)
        problem = _video_problem(video)
        if problem:
            raise HistoryError(f"video file {video.name!r} {problem}")
        return HistoryEntry(
            id=folder.name,
            path=folder,
            created=doc.get("created", ""),
            metadata=doc.get("metadata", {}),
            fps=float(doc["fps"]),
            num_frames=doc["num_frames"],
            width=doc["width"],
            height=doc["height"],
            video=video.name,
        )

    def _folders(self) -> list[pathlib.Path]:
        try:
            if not self.root.is_dir():
                return []
            return [p for p in self.root.iterdir() if _ID_RE.fullmatch(p.name) and p.is_dir()]
        except OSError as e:
            raise HistoryError(f"cannot read the history folder {str(self.root)!r} "
                               f"({type(e).__name__}: {e}); check its permissions") from e

    def _entries(self, *, warn: bool) -> list[HistoryEntry]:
        entries = []
        for folder in self._folders():
            try:
                entries.append(self._read_entry(folder))
            except (HistoryError, OSError) as e:
                if warn:
                    warnings.warn(f"skipping damaged history entry {folder.name!r} in "
                                  f"{str(self.root)!r}: {e}. Remove it with "
                                  f"History.remove({folder.name!r}) or repair it",
                                  DamagedEntryWarning, stacklevel=3)
        return sorted(entries, key=lambda e: e.id, reverse=True)

    def list(self, *, sweep: str | None = None) -> list[HistoryEntry]:
        """Every sound entry, newest first; with ``sweep``, only the entries of that sweep
        (:attr:`HistoryEntry.sweep_id`; group by it to see each sweep's clips together). A
        damaged entry (see the module docstring) is skipped with a :class:`DamagedEntryWarning`
        naming it and the damage; the others are listed."""
        entries = self._entries(warn=True)
        return entries if sweep is None else [e for e in entries if e.sweep_id == sweep]

    def __len__(self) -> int:
        """The number of entries :meth:`list` shows (damaged ones are not counted)."""
        return len(self._entries(warn=False))

    def __iter__(self) -> Iterator[HistoryEntry]:
        return iter(self.list())

    def _folder(self, entry_id: str) -> pathlib.Path:
        if not isinstance(entry_id, str) or not _ID_RE.fullmatch(entry_id):
            shown = repr(entry_id) if isinstance(entry_id, (str, bytes, int, float)) \
                else f"a {type(entry_id).__name__}"
            raise HistoryError(f"{shown[:80]} is not a history id (ids look like "
                               "'20261125-204512-123456-3f9a1c'); see History.list()")
        folder = self.root / entry_id
        try:
            found = folder.is_dir()
        except OSError:
            found = False
        if not found:
            raise HistoryError(f"no history entry {entry_id!r} in {str(self.root)!r}; "
                               "see History.list() for the ids there")
        return folder

    def entry(self, entry_id: str) -> HistoryEntry:
        """The :class:`HistoryEntry` of ``entry_id`` (raises HistoryError if damaged)."""
        folder = self._folder(entry_id)
        try:
            return self._read_entry(folder)
        except (HistoryError, OSError) as e:
            raise HistoryError(f"history entry {entry_id!r} is damaged: {e}") from e

    def load(self, entry_id: str) -> "Clip":
        """Read entry ``entry_id`` back as a :class:`~i2v_nb.clip.Clip` (frames, fps, source
        image and metadata). A damaged source image is left out (``clip.source`` is None) with a
        :class:`DamagedEntryWarning`; the clip still loads.

        Raises:
            HistoryError: for an odd or unknown id, or a damaged entry.
        """
        from i2v_nb.errors import ImageInputError, VideoInputError
        from i2v_nb.clip import read_video
        from i2v_nb.io import load_image

        entry = self.entry(entry_id)
        try:
            # the entry's clip.json is the video's sidecar: read_video takes fps, the size before
            # even-padding and the metadata from it
            clip = read_video(entry.video_path)
        except VideoInputError as e:
            raise HistoryError(f"history entry {entry_id!r} is damaged: {e}") from e
        source = entry.source_path
        if source is not None:
            try:
                clip.source = load_image(source)
            except (ImageInputError, OSError) as e:
                warnings.warn(f"history entry {entry_id!r}: its source image is damaged ({e}); "
                              "loaded the clip without it", DamagedEntryWarning, stacklevel=2)
        clip.metadata.setdefault("history_id", entry.id)
        return clip

    def latest(self) -> HistoryEntry | None:
        """The newest entry, or None when the history is empty."""
        entries = self.list()
        return entries[0] if entries else None

    def remove(self, entry_id: str) -> None:
        """Delete one entry from disk (damaged ones too). The entry is first renamed to a hidden
        ``.tmp-…`` name, so it disappears at once and whatever cannot be deleted now is removed
        by a later :meth:`add`. An entry that is a symbolic link loses only the link.

        Raises:
            HistoryError: for an odd id (wrong type, path-like, unknown) or when the entry cannot
                be removed (permissions).
        """
        folder = self._folder(entry_id)
        trash = self.root / f".tmp-rm-{folder.name}-{_HOST}-{os.getpid()}"
        try:
            if folder.is_symlink():
                folder.unlink()
                return
            os.rename(folder, trash)
        except FileNotFoundError:
            raise HistoryError(f"no history entry {entry_id!r} in {str(self.root)!r} (removed "
                               "meanwhile?); see History.list()") from None
        except OSError as e:
            raise HistoryError(f"cannot remove history entry {entry_id!r} ({type(e).__name__}: "
                               f"{e}); check the folder's permissions") from e
        shutil.rmtree(trash, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (assumed True where it cannot be told)."""
    if os.name != "posix" or pid <= 0:
        return True  # on Windows os.kill(pid, 0) would terminate the process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # e.g. PermissionError: it exists, under another user
    return True


def _video_problem(path: pathlib.Path) -> str | None:
    """What is wrong with the video container at ``path`` (None when its structure is intact):
    missing, empty, a wrong signature, or declared sizes that do not match the file (a truncated
    write). Cheap: reads a few headers, never decodes."""
    try:
        if path.is_symlink() or not path.is_file():
            return "is missing"
        size = path.stat().st_size
        if size == 0:
            return "is empty"
        with open(path, "rb") as f:
            head = f.read(16)
            suffix = path.suffix.lower()
            if suffix == ".gif":
                if head[:6] not in (b"GIF87a", b"GIF89a"):
                    return "is not a GIF"
                f.seek(-1, os.SEEK_END)
                return None if f.read(1) == b";" else "is cut short (no GIF trailer)"
            if suffix == ".webp":
                if head[:4] != b"RIFF" or head[8:12] != b"WEBP":
                    return "is not a WebP"
                declared = struct.unpack("<I", head[4:8])[0] + 8
                return None if declared in (size, size - 1) else "is cut short or padded"
            if suffix == ".mp4":
                return _mp4_problem(f, size)
            if suffix == ".webm":
                return _webm_problem(f, size)
            return "has an unknown format"
    except OSError as e:
        return f"cannot be read ({type(e).__name__})"


def _mp4_problem(f: BinaryIO, size: int) -> str | None:
    """Top-level ISO-BMFF boxes must tile the file and include ftyp and moov."""
    pos, kinds = 0, set()
    while pos < size:
        f.seek(pos)
        header = f.read(8)
        if len(header) < 8:
            return "is cut short (a box header is incomplete)"
        box_size, kind = struct.unpack(">I4s", header)
        if box_size == 1:
            large = f.read(8)
            if len(large) < 8:
                return "is cut short (a box header is incomplete)"
            box_size = struct.unpack(">Q", large)[0]
        elif box_size == 0:
            box_size = size - pos
        if box_size < 8 or pos + box_size > size:
            return "is cut short or damaged (a box runs past the end of the file)"
        kinds.add(kind)
        pos += box_size
    if b"ftyp" not in kinds or b"moov" not in kinds:
        return "is not a complete MP4 (no ftyp/moov box)"
    return None


def _ebml_vint(f: BinaryIO, *, value: bool) -> int | None:
    first = f.read(1)
    if not first or first[0] == 0:
        return None
    length = 8 - first[0].bit_length() + 1
    rest = f.read(length - 1)
    if len(rest) < length - 1:
        return None
    number = first[0] & (0xFF >> length) if value else first[0]
    for b in rest:
        number = (number << 8) | b
    if value and number == (1 << (7 * length)) - 1:
        return -1  # "unknown size"
    return number


def _webm_problem(f: BinaryIO, size: int) -> str | None:
    """An EBML header, then a Segment whose declared size reaches the end of the file."""
    f.seek(0)
    if _ebml_vint(f, value=False) != 0x1A45DFA3:
        return "is not a WebM"
    header_size = _ebml_vint(f, value=True)
    if header_size is None or header_size < 0:
        return "is damaged (bad EBML header)"
    f.seek(header_size, os.SEEK_CUR)
    if _ebml_vint(f, value=False) != 0x18538067:
        return "is damaged (no Segment)"
    segment = _ebml_vint(f, value=True)
    if segment is None:
        return "is cut short (no Segment size)"
    if segment >= 0 and f.tell() + segment != size:
        return "is cut short or damaged (the Segment size does not match the file)"
    return None
