"""The run's settings inside the video file itself: the sidecar's JSON document stored as a tag
(mp4/webm: the container's ``comment``; gif: a comment extension; webp: an XMP packet), read
back as untrusted input, and the fingerprint of a source image (:func:`image_sha256`).

A saved clip then keeps its prompt, model, seed and parameters when its ``NAME.json`` is lost or
the file alone is shared. The sidecar stays the first source: :func:`read_settings` takes its
fields and fills only what it lacks from the tag.

>>> text = embedded_text({"i2v_nb_sidecar": 1, "fps": 8.0, "metadata": {"seed": 3}})
>>> parse_embedded(text.encode())
({'i2v_nb_sidecar': 1, 'fps': 8.0, 'metadata': {'seed': 3}}, [])
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
import subprocess
import threading
import warnings
from typing import Any, Mapping
from xml.sax import saxutils

import numpy as np

from i2v_nb.errors import SidecarWarning
from i2v_nb.io.checks import VIDEO_SUFFIXES
from i2v_nb.io.jsonsafe import MAX_METADATA_DEPTH, jsonable
from i2v_nb.io.sidecar import MAX_SIDECAR_BYTES, parse_sidecar_bytes, read_sidecar

__all__ = ["MAX_EMBEDDED_BYTES", "embedded_text", "embed_ffmpeg_args", "embed_pillow_options",
           "parse_embedded", "read_embedded", "read_settings", "image_sha256"]

#: Longest settings text stored inside a video (ASCII JSON; a generate() run takes 2–5 KB).
#: ffmpeg receives it on its command line, which Windows caps at 32 KiB in all (Linux: 128 KiB
#: per argument); larger metadata values are replaced by a note in the embedded copy (the
#: sidecar keeps them whole).
MAX_EMBEDDED_BYTES = 24 * 1024
#: Every document the writer embeds carries this field name; a tag without it is another
#: program's comment and is left alone without a warning.
_MARKER = b'"i2v_nb_sidecar"'
#: The fields a complete sidecar states; a sidecar lacking one is completed from the tag.
_FIELDS_WANTED = ("fps", "num_frames", "width", "height", "metadata")
_XMP_NS = "urn:i2v_nb:settings:1"
_XMP_RE = re.compile(rb"<i2v:settings>(.*?)</i2v:settings>", re.DOTALL)
#: Most bytes of ffmpeg's tag listing read (escaping at most doubles a tag) and its deadline.
_MAX_LISTING_BYTES = 2 * MAX_SIDECAR_BYTES + 65_536
_LISTING_TIMEOUT_S = 20.0
_FFMETADATA_TOKEN = re.compile(r"\\(.)|(\n)|(=)|([^\\\n=]+)", re.DOTALL)


def _compact(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=True, allow_nan=False, separators=(",", ":"))


def embedded_text(document: Mapping[str, Any]) -> str:
    """The text stored inside a video for a sidecar ``document``: compact ASCII JSON (no line
    breaks, no byte that any container or XML escapes differently) of at most
    :data:`MAX_EMBEDDED_BYTES`. When ``metadata`` is larger, its largest top-level values are
    replaced by a short note (the sidecar keeps them; no warning). Always accepted by
    :func:`parse_embedded`.

    >>> len(embedded_text({"i2v_nb_sidecar": 1, "metadata": {"big": "x" * 10**6}})) < 200
    True
    """
    doc = jsonable(dict(document), max_depth=MAX_METADATA_DEPTH + 1)
    doc.setdefault("i2v_nb_sidecar", 1)
    text = _compact(doc)
    meta = doc.get("metadata")
    if len(text) <= MAX_EMBEDDED_BYTES:
        return text
    if isinstance(meta, dict):
        for size, key in sorted(((len(_compact(v)), k) for k, v in meta.items()), reverse=True):
            meta[key] = f"<{size:,} characters of JSON: too large to embed, kept in the sidecar>"
            text = _compact(doc)
            if len(text) <= MAX_EMBEDDED_BYTES:
                return text
    # what is left is too large even without metadata values: keep the marker and the numbers
    small = {k: doc[k] for k in ("i2v_nb_sidecar", "fps", "num_frames", "width", "height")
             if k in doc and len(_compact(doc[k])) < 100}
    small["metadata"] = {"note": "settings too large to embed; see the sidecar"}
    return _compact(small)


def embed_ffmpeg_args(text: str) -> list[str]:
    """ffmpeg output options that store ``text`` (from :func:`embedded_text`) as the
    container's ``comment`` tag (mp4: ``©cmt``; webm: ``COMMENT``). Passed as one argument, not
    through a shell: nothing needs quoting.

    >>> embed_ffmpeg_args('{"a":1}')
    ['-metadata', 'comment={"a":1}']
    """
    return ["-metadata", f"comment={text}"]


def _xmp_packet(text: str) -> bytes:
    return ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
            f'rdf:about="" xmlns:i2v="{_XMP_NS}"><i2v:settings>{saxutils.escape(text)}'
            '</i2v:settings></rdf:Description></rdf:RDF></x:xmpmeta>').encode("ascii")


def embed_pillow_options(text: str, fmt: str) -> dict[str, bytes]:
    """Keywords for Pillow's ``Image.save`` that store ``text`` in a ``"GIF"`` (a comment
    extension) or ``"WEBP"`` (an XMP packet, element ``i2v:settings``).

    >>> embed_pillow_options('{"a":1}', "GIF")
    {'comment': b'{"a":1}'}
    """
    if fmt == "GIF":
        return {"comment": text.encode("ascii")}
    return {"xmp": _xmp_packet(text)}


def parse_embedded(raw: bytes) -> tuple[dict | None, list[str]]:
    """Validate the settings text found in a video's tag (untrusted) with the sidecar's rules
    (:func:`~i2v_nb.io.sidecar.parse_sidecar_bytes`). A tag without the ``"i2v_nb_sidecar"``
    field is another program's comment: ``(None, [])``, nothing to report.

    >>> parse_embedded(b"Made with GIMP")
    (None, [])
    >>> parse_embedded(b'{"i2v_nb_sidecar": 1, "fps": "fast"}')
    ({'i2v_nb_sidecar': 1}, ["field 'fps' is 'fast', not a number"])
    """
    if _MARKER not in raw:
        return None, []
    return parse_sidecar_bytes(raw)


def _ffmetadata_global_tags(listing: str) -> dict[str, str]:
    """The global tags of ffmpeg's ``ffmetadata`` listing, unescaped: in it ``=``, ``;``,
    ``#``, ``\\`` and line breaks inside keys and values are preceded by a backslash; a line
    starting with an unescaped ``;`` or ``#`` is a comment and one starting with ``[`` opens a
    stream or chapter section (where the global tags end). Keys are lower-cased (webm's
    ``COMMENT`` is mp4's ``comment``)."""
    tags: dict[str, str] = {}
    key: str | None = None
    buf: list[str] = []
    skip = False  # inside a comment line
    at_start = True
    for m in _FFMETADATA_TOKEN.finditer(listing):
        escaped, newline, equals, plain = m.groups()
        if newline is not None:
            if key is not None and not skip:
                tags.setdefault(key.lower(), "".join(buf))
            key, buf, skip, at_start = None, [], False, True
            continue
        if skip:
            continue
        if at_start and plain is not None and plain[0] in ";#":
            skip = True
            continue
        if at_start and plain is not None and plain[0] == "[":
            break
        at_start = False
        if escaped is not None:
            buf.append(escaped)
        elif equals is not None and key is None:
            key, buf = "".join(buf), []
        else:
            buf.append(plain if plain is not None else "=")
    if key is not None and not skip:
        tags.setdefault(key.lower(), "".join(buf))
    return tags


def _ffmpeg_comment(path: pathlib.Path) -> bytes | None:
    """The ``comment`` tag of an mp4/webm, read with the bundled ffmpeg (``-f ffmetadata``
    lists the tags without decoding a frame); None when there is none or ffmpeg fails."""
    from i2v_nb.io.ffmpeg import setup_ffmpeg

    try:
        exe = setup_ffmpeg()
        proc = subprocess.Popen(
            [exe, "-v", "error", "-nostdin", "-i", "file:" + os.path.abspath(path),
             "-f", "ffmetadata", "-"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except (OSError, RuntimeError, ValueError):
        return None
    timer = threading.Timer(_LISTING_TIMEOUT_S, proc.kill)
    timer.start()
    try:
        assert proc.stdout is not None
        chunks, size = [], 0  # in small reads: read(n) would allocate n bytes up front
        while size <= _MAX_LISTING_BYTES:
            chunk = proc.stdout.read1(65_536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        out = b"".join(chunks)
    finally:
        timer.cancel()
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    if len(out) > _MAX_LISTING_BYTES:
        return _MARKER + b" tags larger than the read limit"  # reported only if ours
    comment = _ffmetadata_global_tags(out.decode("utf-8", "replace")).get("comment")
    return None if comment is None else comment.encode("utf-8")


def _pillow_comment(path: pathlib.Path, suffix: str) -> bytes | None:
    """The GIF comment or the ``i2v:settings`` element of a WebP's XMP packet."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            info = dict(im.info)
    except Exception:  # noqa: BLE001 - a damaged file: read_frames says what is wrong
        return None
    if suffix == ".gif":
        comment = info.get("comment")
        return comment if isinstance(comment, bytes) else None
    xmp = info.get("xmp")
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8", "replace")
    if not isinstance(xmp, bytes):
        return None
    found = _XMP_RE.search(xmp)
    if found is None:
        return None
    text = found.group(1).decode("utf-8", "replace")
    return saxutils.unescape(text, {"&quot;": '"', "&apos;": "'"}).encode("utf-8")


def read_embedded(path: str | os.PathLike) -> tuple[dict | None, list[str]]:
    """The settings document stored inside the video at ``path``, validated like a sidecar,
    without warning: ``(document, problems)`` as :func:`~i2v_nb.io.parse_sidecar` gives;
    ``(None, [])`` when the file holds none (or cannot be read: decoding it says why).

    >>> read_embedded("no-such-video.mp4")
    (None, [])
    """
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix not in VIDEO_SUFFIXES or not path.is_file():
            return None, []
    except OSError:
        return None, []
    raw = _ffmpeg_comment(path) if suffix in (".mp4", ".webm") else _pillow_comment(path, suffix)
    if raw is None:
        return None, []
    return parse_embedded(raw)


def read_settings(video_path: str | os.PathLike, *, stacklevel: int = 2) -> dict | None:
    """The validated settings document of a saved clip: its sidecar (``NAME.json``), with the
    fields it lacks (all of them when it is missing or unusable) taken from the copy embedded
    in the video. ``None`` when neither holds anything.

    Both are untrusted; a field that breaks its rule is left out, with a
    :class:`~i2v_nb.errors.SidecarWarning` naming the file, where it was stored and the rule
    (``stacklevel`` as for :func:`warnings.warn`). It never raises for bad content.

    >>> read_settings("no-such-video.mp4") is None
    True
    """
    sidecar = read_sidecar(video_path, full=True, stacklevel=stacklevel + 1)
    if sidecar is not None and all(k in sidecar for k in _FIELDS_WANTED):
        return sidecar
    embedded, problems = read_embedded(video_path)
    if problems:
        what = "ignored the settings" if embedded is None else "ignored part of the settings"
        warnings.warn(f"{what} stored inside {str(video_path)!r}: {'; '.join(problems)}. The "
                      "video itself is read; its tag may have been edited or damaged",
                      SidecarWarning, stacklevel=stacklevel)
    if embedded is None:
        return sidecar
    return {**embedded, **(sidecar or {})}


def image_sha256(image: Any) -> str:
    """The SHA-256 (hex) of an image's pixels: of the header ``b"rgb8 {height}x{width}\\n"``
    followed by its ``(H, W, 3)`` uint8 RGB bytes, row by row. Pixels only: the same picture
    saved as PNG or read from an array has the same fingerprint; EXIF and file bytes do not
    count. Anything :func:`~i2v_nb.io.load_image` accepts.

    >>> image_sha256(np.zeros((2, 3, 3), np.uint8))[:12]
    '81e6d2c72b57'
    """
    from i2v_nb.io.image import image_to_array

    pixels = np.ascontiguousarray(image_to_array(image))
    height, width = pixels.shape[:2]
    digest = hashlib.sha256(f"rgb8 {height}x{width}\n".encode("ascii"))
    digest.update(pixels.tobytes())
    return digest.hexdigest()
