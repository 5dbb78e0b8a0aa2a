"""The JSON sidecar that travels with a saved clip (``take.mp4`` → ``take.json``): its text,
always storable, and its reading back, as untrusted input (validated field by field).

>>> sidecar_path("out/take1.mp4").name
'take1.json'
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import stat
import warnings
from typing import Any

from i2v_nb.errors import SidecarWarning, VideoInputError
from i2v_nb.io.checks import MAX_FPS, MIN_FPS, VIDEO_SUFFIXES, brief, check_fps
from i2v_nb.io.jsonsafe import MAX_METADATA_DEPTH, json_text, jsonable

__all__ = ["SIDECAR_VERSION", "MAX_SIDECAR_BYTES", "MAX_METADATA_DEPTH", "MAX_METADATA_ITEMS",
           "MAX_SIDE", "MAX_NUM_FRAMES", "sidecar_text", "sidecar_path", "parse_sidecar",
           "parse_sidecar_bytes", "read_sidecar"]

#: Version of the sidecar layout written (its ``"i2v_nb_sidecar"`` field).
SIDECAR_VERSION = 1
#: Largest sidecar file read back; a bigger one is ignored (the writer keeps its files below it).
MAX_SIDECAR_BYTES = 16 * 2**20
#: Most values (dict entries and list items, all levels) inside ``metadata``.
MAX_METADATA_ITEMS = 1_000_000
#: Largest width/height and frame count a sidecar may state.
MAX_SIDE = 65_535
MAX_NUM_FRAMES = 10_000_000


def _metadata_fits(doc: dict, text: str) -> bool:
    if len(text.encode("utf-8")) > MAX_SIDECAR_BYTES:
        return False
    meta = doc.get("metadata", {})
    return not isinstance(meta, dict) or _check_metadata(meta) is None


def sidecar_text(document: dict) -> str:
    """The JSON text of a sidecar ``document`` (through :func:`jsonable`), always one that
    :func:`parse_sidecar` accepts: when ``metadata`` is larger than :data:`MAX_SIDECAR_BYTES` or
    :data:`MAX_METADATA_ITEMS`, its largest top-level values are replaced by a short note, with
    a :class:`SidecarWarning` naming them.

    >>> json.loads(sidecar_text({"fps": 8.0, "metadata": {"prompt": "pan", "gain": float("inf")}}))
    {'fps': 8.0, 'metadata': {'prompt': 'pan', 'gain': None}}
    """
    doc = jsonable(document, max_depth=MAX_METADATA_DEPTH + 1)  # + 1: the document itself
    text = json_text(doc)
    meta = doc.get("metadata")
    if _metadata_fits(doc, text) or not isinstance(meta, dict):
        return text
    sizes = sorted(((len(json_text(v)), k) for k, v in meta.items()), reverse=True)
    dropped = []
    for size, key in sizes:
        meta[key] = f"<{size:,} characters of JSON: too large for a sidecar, not stored>"
        dropped.append(key)
        text = json_text(doc)
        if _metadata_fits(doc, text):
            break
    warnings.warn(f"metadata {', '.join(map(repr, dropped))} too large for a sidecar (limits: "
                  f"{MAX_SIDECAR_BYTES:,} bytes, {MAX_METADATA_ITEMS:,} values); stored a note "
                  "instead. Keep large data (arrays, per-pixel lists) in files of their own",
                  SidecarWarning, stacklevel=3)
    return text


def sidecar_path(video_path: str | os.PathLike) -> pathlib.Path:
    """``take.mp4`` → ``take.json``: the parameters file that travels with a clip."""
    return pathlib.Path(video_path).with_suffix(".json")


# -- reading sidecars: untrusted input ---------------------------------------------------------

def _check_int(value: Any, low: int, high: int) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"is {brief(value)}, not an integer"
    if not low <= value <= high:
        return f"is {brief(value)}, outside {low}…{high}"
    return None


def _check_name(value: Any, suffixes: tuple[str, ...]) -> str | None:
    if not isinstance(value, str):
        return f"is {brief(value)}, not a file name"
    if (not value or len(value) > 255 or value in (".", "..") or any(c in value for c in "/\\\0")
            or not value.lower().endswith(suffixes)):
        return (f"is {brief(value)}, not a plain file name (no folders) ending in "
                f"{', '.join(suffixes)}")
    return None


def _check_text(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 1_000:
        return f"is {brief(value)}, not a short text"
    return None


def _check_number(value: Any) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return f"is {brief(value)}, not a number"
    try:
        ok = math.isfinite(value) and value >= 0
    except OverflowError:
        ok = False
    return None if ok else f"is {brief(value)}, not a finite number ≥ 0"


def _check_fps_field(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"is {brief(value)}, not a number"
    try:
        check_fps(value)
    except VideoInputError:
        return f"is {brief(value)}, not a finite frame rate in {MIN_FPS:g}…{MAX_FPS:g}"
    return None


class _Kept(str):
    """A problem note for a field that is kept after a repair (not left out)."""


def _check_metadata(value: Any) -> str | None:
    """Check nesting depth, size and number types of parsed JSON metadata, without recursion;
    non-finite numbers (``NaN``/``Infinity`` tokens, ``1e999``) are replaced by ``None`` in
    place, as :func:`jsonable` does when writing."""
    if not isinstance(value, dict):
        return f"is {brief(value)}, not a JSON object"
    stack: list[tuple[Any, int]] = [(value, 1)]
    count, replaced = 0, 0
    while stack:
        node, depth = stack.pop()
        if depth > MAX_METADATA_DEPTH:
            return f"is nested deeper than {MAX_METADATA_DEPTH} levels"
        keys = node.keys() if isinstance(node, dict) else range(len(node))
        count += len(node)
        if count > MAX_METADATA_ITEMS:
            return f"holds more than {MAX_METADATA_ITEMS:,} values"
        for k in keys:
            v = node[k]
            if isinstance(v, (dict, list)):
                stack.append((v, depth + 1))
            elif isinstance(v, float) and not math.isfinite(v):
                node[k] = None
                replaced += 1
    if replaced:
        return _Kept(f"held {replaced} non-finite number(s) (NaN/Infinity), read as null")
    return None


_FIELDS: dict[str, Any] = {
    "i2v_nb_sidecar": lambda v: _check_int(v, 0, 1_000),
    "library_version": _check_text,
    "fps": _check_fps_field,
    "num_frames": lambda v: _check_int(v, 1, MAX_NUM_FRAMES),
    "width": lambda v: _check_int(v, 1, MAX_SIDE),
    "height": lambda v: _check_int(v, 1, MAX_SIDE),
    "duration_s": _check_number,
    "metadata": _check_metadata,
    "id": _check_text,
    "created": _check_text,
    "created_ns": lambda v: _check_int(v, 0, 2**64),
    "video": lambda v: _check_name(v, VIDEO_SUFFIXES),
    "source": lambda v: _check_name(v, (".png",)),
}


def parse_sidecar(path: str | os.PathLike) -> tuple[dict | None, list[str]]:
    """Read and validate the sidecar file ``path`` (untrusted input) without warning.

    Returns ``(document, problems)``: ``document`` holds only the known fields that passed
    their rule (``None`` when there is no file or it cannot be used at all) and ``problems``
    says, one line each, what was wrong (an empty list for a sound sidecar). Nothing here
    raises for bad content: too large (> :data:`MAX_SIDECAR_BYTES`), not UTF-8, not JSON, too
    deep to parse, wrong types, huge or non-finite numbers all end up in ``problems``.

    >>> parse_sidecar("no-such-file.json")
    (None, [])
    """
    path = pathlib.Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        return None, []
    except (OSError, ValueError) as e:
        return None, [f"cannot be read ({type(e).__name__}: {e})"]
    if not stat.S_ISREG(st.st_mode):
        return None, ["is not a regular file"]
    if st.st_size > MAX_SIDECAR_BYTES:
        return None, [f"is {st.st_size:,} bytes, above the {MAX_SIDECAR_BYTES:,}-byte limit"]
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_SIDECAR_BYTES + 1)
    except OSError as e:
        return None, [f"cannot be read ({type(e).__name__}: {e})"]
    return parse_sidecar_bytes(raw)


def parse_sidecar_bytes(raw: bytes) -> tuple[dict | None, list[str]]:
    """Validate the bytes of a sidecar document (untrusted input), wherever they were stored:
    a sidecar file (:func:`parse_sidecar`) or a tag inside the video
    (:func:`~i2v_nb.io.embedded.read_embedded`). Returns ``(document, problems)`` as
    :func:`parse_sidecar` does, and never raises for bad content.

    >>> parse_sidecar_bytes(b'{"fps": 12.5, "width": -3}')
    ({'fps': 12.5}, ["field 'width' is -3, outside 1…65535"])
    """
    if len(raw) > MAX_SIDECAR_BYTES:
        return None, [f"is above the {MAX_SIDECAR_BYTES:,}-byte limit"]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return None, [f"is not UTF-8 text ({e.reason} at byte {e.start})"]
    try:
        doc = json.loads(text)
    except RecursionError:
        return None, ["is nested too deeply to parse"]
    except ValueError as e:  # JSONDecodeError, or an integer beyond Python's digit limit
        return None, [f"is not valid JSON ({str(e)[:100]})"]
    if not isinstance(doc, dict):
        return None, [f"holds {brief(doc)}, not a JSON object"]
    clean: dict = {}
    problems: list[str] = []
    for name, check in _FIELDS.items():
        if name not in doc:
            continue
        problem = check(doc[name])
        if problem is None or isinstance(problem, _Kept):
            clean[name] = doc[name]
        if problem is not None:
            problems.append(f"field {name!r} {problem}")
    return clean, problems


def read_sidecar(video_path: str | os.PathLike, *, full: bool = False,
                 stacklevel: int = 2) -> dict | None:
    """Return the ``metadata`` stored beside ``video_path`` (the whole validated sidecar
    document with ``full=True``), or ``None`` if there is none.

    The sidecar is untrusted: a field that breaks its rule (see :func:`parse_sidecar`) is left
    out, and a file that cannot be used at all gives ``None``; either way a
    :class:`~i2v_nb.errors.SidecarWarning` names the file and the problem (``stacklevel`` as
    for :func:`warnings.warn`: 2 points it at the caller). It never raises for bad content.

    >>> read_sidecar("no-such-video.mp4") is None
    True
    """
    side = sidecar_path(video_path)
    doc, problems = parse_sidecar(side)
    if problems:
        what = "ignored the sidecar" if doc is None else "ignored part of the sidecar"
        warnings.warn(f"{what} {str(side)!r}: {'; '.join(problems)}. The video itself is "
                      f"read; fix or delete {side.name!r} (Clip.save writes it) to silence this",
                      SidecarWarning, stacklevel=stacklevel)
    if doc is None:
        return None
    return doc if full else doc.get("metadata", {})
