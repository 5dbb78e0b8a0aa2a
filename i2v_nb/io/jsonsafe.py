"""JSON that can always be written: the one JSON-safe converter (:func:`jsonable`), its text
(:func:`json_text`) and atomic writes of it (:func:`write_json_atomic`, :func:`write_text_atomic`).

>>> print(json_text(jsonable({"fps": np.float32(8), "gain": np.inf})), end="")
{
  "fps": 8.0,
  "gain": null
}
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import json
import math
import os
import pathlib
import tempfile
from typing import Any

import numpy as np

from i2v_nb._media import apply_umask
from i2v_nb.io.checks import brief

__all__ = ["MAX_METADATA_DEPTH", "jsonable", "json_text", "write_json_atomic",
           "write_text_atomic"]

#: Deepest nesting of dicts/lists that :func:`jsonable` keeps by default (and that a sidecar's
#: ``metadata`` may hold); deeper values become a short note.
MAX_METADATA_DEPTH = 32
_MAX_INT_BITS = 4_000 * 3  # about 3,600 digits: below Python's int ↔ str limit of 4,300


@dataclasses.dataclass(frozen=True)
class _Options:
    max_depth: int
    digits: int | None
    max_array_size: int | None


def jsonable(value: Any, *, max_depth: int = MAX_METADATA_DEPTH, digits: int | None = None,
             max_array_size: int | None = 64) -> Any:
    """Convert data to plain JSON types (numpy scalars/arrays, dataclasses, enums, paths,
    tuples, sets, datetimes); anything else becomes its ``repr``. The one JSON-safe converter:
    clip metadata, sidecars and reports all go through it.

    It never fails: non-finite floats become ``None``, integers too long for JSON, containers
    nested deeper than ``max_depth`` and reference cycles become short marker strings, so a
    clip's parameters can always be written.

    >>> jsonable({"seed": np.int64(3), "size": (64, 32), "scale": np.float32(0.5)})
    {'seed': 3, 'size': [64, 32], 'scale': 0.5}
    >>> loop = []; loop.append(loop); jsonable(loop)
    ['<cycle: list refers to itself>']
    >>> jsonable([np.float64(1 / 3), np.nan, np.zeros(100)], digits=3)
    [0.333, None, {'array_shape': [100], 'dtype': 'float64'}]

    Args:
        value: anything.
        max_depth: deepest nesting of containers kept.
        digits: round floats to this many decimals (None: keep them exact).
        max_array_size: numpy arrays with more elements become ``{"array_shape", "dtype"}``
            (None: every array becomes a list).
    """
    return _jsonable(value, _Options(max_depth, digits, max_array_size), 0, set())


def _jsonable(value: Any, opts: _Options, depth: int, active: set[int]) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        value = int(value)
        return value if value.bit_length() <= _MAX_INT_BITS else f"<{brief(value)}>"
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if not math.isfinite(f):
            return None
        return f if opts.digits is None else round(f, opts.digits)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        if opts.max_array_size is not None and value.size > opts.max_array_size:
            return {"array_shape": list(value.shape), "dtype": str(value.dtype)}
        return _jsonable(value.tolist(), opts, depth, active)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        try:
            value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        except Exception:
            return _safe_repr(value)
        return _jsonable(value, opts, depth, active)
    if isinstance(value, enum.Enum):
        return _jsonable(value.value, opts, depth, active)
    if isinstance(value, os.PathLike):
        try:
            return os.fspath(value)
        except Exception:
            return _safe_repr(value)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple, set, frozenset)):
        kind = type(value).__name__
        if id(value) in active:
            return f"<cycle: {kind} refers to itself>"
        if depth >= opts.max_depth:
            return f"<{kind} nested deeper than {opts.max_depth} levels: not stored>"
        active.add(id(value))
        try:
            if isinstance(value, dict):
                return {_key(k): _jsonable(v, opts, depth + 1, active)
                        for k, v in value.items()}
            items = sorted(value, key=_safe_repr) if isinstance(value, (set, frozenset)) else value
            return [_jsonable(v, opts, depth + 1, active) for v in items]
        finally:
            active.discard(id(value))
    if hasattr(value, "to_dict") and callable(value.to_dict):
        try:
            return _jsonable(value.to_dict(), opts, depth, active)
        except Exception:
            pass
    return _safe_repr(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    try:
        return str(key)
    except Exception:  # e.g. an integer beyond Python's int -> str digit limit
        return f"<{brief(key)}>"


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as e:  # a broken __repr__ must not lose the clip
        return f"<{type(value).__name__} object (repr failed: {type(e).__name__})>"


_PRETTY_BELOW = 256 * 1024


def json_text(data: Any) -> str:
    """JSON text of ``data`` that any UTF-8 file can hold: non-ASCII text stays readable, but
    when a string cannot be encoded as UTF-8 (a lone surrogate such as ``"\\udcff"``, which
    Python makes of undecodable bytes from a Latin-1 terminal) the whole document is written with
    ASCII escapes (``\\udcff`` in the file), which read back to the same string. Indented for
    people to read, except documents above 256 KiB (compact, and much faster to write)."""
    ensure_ascii = False
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        ensure_ascii = True
        text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    if len(text) < _PRETTY_BELOW:
        text = json.dumps(data, indent=2, ensure_ascii=ensure_ascii, allow_nan=False)
    return text + "\n"


def write_json_atomic(path: str | os.PathLike, data: Any) -> None:
    """Write ``data`` (through :func:`jsonable`) as pretty UTF-8 JSON to ``path`` through a temp
    file and a rename; the file gets the user's umask (0644 under umask 022)."""
    write_text_atomic(pathlib.Path(path), json_text(jsonable(data)))


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` through a temp file in the same folder and a rename
    (a reader never sees half a file); the file gets the user's umask."""
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        apply_umask(tmp)
        os.replace(tmp, path)
    except BaseException:
        pathlib.Path(tmp).unlink(missing_ok=True)
        raise
