"""``Clip``: the frames of a generated (or loaded) video with everything needed to reproduce it.

>>> import numpy as np
>>> clip = Clip(np.zeros((8, 64, 64, 3), np.uint8), fps=8, metadata={"prompt": "static"})
>>> clip.num_frames, clip.width, clip.height, clip.duration
(8, 64, 64, 1.0)
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import enum
import json
import math
import os
import pathlib
import stat
import tempfile
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from i2v_nb._media import apply_umask, as_frames
from i2v_nb.errors import I2VWarning

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image as PILImage

__all__ = ["Clip", "SidecarWarning", "jsonable", "sidecar_path", "read_sidecar",
           "parse_sidecar", "sidecar_text", "write_json_atomic", "MAX_SIDECAR_BYTES",
           "MAX_METADATA_DEPTH", "MAX_METADATA_ITEMS", "inline_video_html", "MAX_INLINE_SIZE",
           "MAX_INLINE_FRAMES", "MAX_INLINE_BYTES"]

SIDECAR_VERSION = 1
#: Largest sidecar file read back; a bigger one is ignored (the writer keeps its files below it).
MAX_SIDECAR_BYTES = 16 * 2**20
#: Deepest nesting of dicts/lists inside ``metadata`` (the writer cuts deeper values).
MAX_METADATA_DEPTH = 32
#: Most values (dict entries and list items, all levels) inside ``metadata``.
MAX_METADATA_ITEMS = 1_000_000
#: Largest width/height and frame count a sidecar may state.
MAX_SIDE = 65_535
MAX_NUM_FRAMES = 10_000_000
_MAX_INT_BITS = 4_000 * 3  # about 3,600 digits: below Python's int ↔ str limit of 4,300
#: Longest side (pixels) of a clip played inline; a bigger one is downscaled for display.
MAX_INLINE_SIZE = 512
#: Most frames played inline; a longer clip plays its beginning, with a note.
MAX_INLINE_FRAMES = 480
#: Largest inline video (its HTML, in characters) and largest ``data:`` download link: a bigger
#: one is never put in the page (a long clip's base64 would make the browser tab crawl or crash
#: — the full file stays on disk).
MAX_INLINE_BYTES = 8 * 2**20


class SidecarWarning(I2VWarning):
    """A clip's JSON sidecar (or one field of it) is damaged and was ignored, or metadata had to
    be shortened to be stored; the message names the file, the field and the rule."""


def _short(value: Any) -> str:
    """A short description of an untrusted value for messages (never a huge repr)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        bits = value.bit_length()
        return repr(value) if bits <= 64 else f"an integer of {bits} bits"
    if isinstance(value, (dict, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    text = _safe_repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def jsonable(value: Any, *, max_depth: int = MAX_METADATA_DEPTH) -> Any:
    """Convert metadata to plain JSON types (numpy scalars/arrays, dataclasses, enums, paths,
    tuples, sets, datetimes); anything else becomes its ``repr``.

    It never fails: non-finite floats become ``None``, integers too long for JSON, containers
    nested deeper than ``max_depth`` and reference cycles become short marker strings, so a
    clip's parameters can always be written.

    >>> jsonable({"seed": np.int64(3), "size": (64, 32), "scale": np.float32(0.5)})
    {'seed': 3, 'size': [64, 32], 'scale': 0.5}
    >>> loop = []; loop.append(loop); jsonable(loop)
    ['<cycle: list refers to itself>']
    """
    return _jsonable(value, max_depth, 0, set())


def _jsonable(value: Any, max_depth: int, depth: int, active: set[int]) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        value = int(value)
        return value if value.bit_length() <= _MAX_INT_BITS else f"<{_short(value)}>"
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        if value.size > 64:
            return {"array_shape": list(value.shape), "dtype": str(value.dtype)}
        return _jsonable(value.tolist(), max_depth, depth, active)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        try:
            value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        except Exception:
            return _safe_repr(value)
        return _jsonable(value, max_depth, depth, active)
    if isinstance(value, enum.Enum):
        return _jsonable(value.value, max_depth, depth, active)
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
        if depth >= max_depth:
            return f"<{kind} nested deeper than {max_depth} levels: not stored>"
        active.add(id(value))
        try:
            if isinstance(value, dict):
                return {_key(k): _jsonable(v, max_depth, depth + 1, active)
                        for k, v in value.items()}
            items = sorted(value, key=_safe_repr) if isinstance(value, (set, frozenset)) else value
            return [_jsonable(v, max_depth, depth + 1, active) for v in items]
        finally:
            active.discard(id(value))
    if hasattr(value, "to_dict") and callable(value.to_dict):
        try:
            return _jsonable(value.to_dict(), max_depth, depth, active)
        except Exception:
            pass
    return _safe_repr(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    try:
        return str(key)
    except Exception:  # e.g. an integer beyond Python's int -> str digit limit
        return f"<{_short(key)}>"


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as e:  # a broken __repr__ must not lose the clip
        return f"<{type(value).__name__} object (repr failed: {type(e).__name__})>"


_PRETTY_BELOW = 256 * 1024


def _dumps(data: Any) -> str:
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


def write_json_atomic(path: pathlib.Path, data: Any) -> None:
    """Write ``data`` (through :func:`jsonable`) as pretty UTF-8 JSON to ``path`` through a temp
    file and a rename; the file gets the user's umask (0644 under umask 022)."""
    _write_text_atomic(pathlib.Path(path), _dumps(jsonable(data)))


def _write_text_atomic(path: pathlib.Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        apply_umask(tmp)
        os.replace(tmp, path)
    except BaseException:
        pathlib.Path(tmp).unlink(missing_ok=True)
        raise


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

    >>> json.loads(sidecar_text({"fps": 8.0, "metadata": {"prompt": "pan", "gain": np.inf}}))
    {'fps': 8.0, 'metadata': {'prompt': 'pan', 'gain': None}}
    """
    doc = jsonable(document, max_depth=MAX_METADATA_DEPTH + 1)  # + 1: the document itself
    text = _dumps(doc)
    meta = doc.get("metadata")
    if _metadata_fits(doc, text) or not isinstance(meta, dict):
        return text
    sizes = sorted(((len(_dumps(v)), k) for k, v in meta.items()), reverse=True)
    dropped = []
    for size, key in sizes:
        meta[key] = f"<{size:,} characters of JSON: too large for a sidecar, not stored>"
        dropped.append(key)
        text = _dumps(doc)
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
        return f"is {_short(value)}, not an integer"
    if not low <= value <= high:
        return f"is {_short(value)}, outside {low}…{high}"
    return None


def _check_name(value: Any, suffixes: tuple[str, ...]) -> str | None:
    if not isinstance(value, str):
        return f"is {_short(value)}, not a file name"
    if (not value or len(value) > 255 or value in (".", "..") or any(c in value for c in "/\\\0")
            or not value.lower().endswith(suffixes)):
        return (f"is {_short(value)}, not a plain file name (no folders) ending in "
                f"{', '.join(suffixes)}")
    return None


def _check_text(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 1_000:
        return f"is {_short(value)}, not a short text"
    return None


def _check_number(value: Any) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return f"is {_short(value)}, not a number"
    try:
        ok = math.isfinite(value) and value >= 0
    except OverflowError:
        ok = False
    return None if ok else f"is {_short(value)}, not a finite number ≥ 0"


def _check_fps_field(value: Any) -> str | None:
    from i2v_nb.errors import VideoInputError
    from i2v_nb.io import MAX_FPS, MIN_FPS, check_fps

    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"is {_short(value)}, not a number"
    try:
        check_fps(value)
    except VideoInputError:
        return f"is {_short(value)}, not a finite frame rate in {MIN_FPS:g}…{MAX_FPS:g}"
    return None


class _Kept(str):
    """A problem note for a field that is kept after a repair (not left out)."""


def _check_metadata(value: Any) -> str | None:
    """Check nesting depth, size and number types of parsed JSON metadata, without recursion;
    non-finite numbers (``NaN``/``Infinity`` tokens, ``1e999``) are replaced by ``None`` in
    place, as :func:`jsonable` does when writing."""
    if not isinstance(value, dict):
        return f"is {_short(value)}, not a JSON object"
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


_VIDEO_SUFFIXES = (".mp4", ".webm", ".gif", ".webp")
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
    "video": lambda v: _check_name(v, _VIDEO_SUFFIXES),
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
        return None, [f"holds {_short(doc)}, not a JSON object"]
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


def read_sidecar(video_path: str | os.PathLike, *, full: bool = False) -> dict | None:
    """Return the ``metadata`` stored beside ``video_path`` (the whole validated sidecar
    document with ``full=True``), or ``None`` if there is none.

    The sidecar is untrusted: a field that breaks its rule (see :func:`parse_sidecar`) is left
    out, and a file that cannot be used at all gives ``None``; either way a
    :class:`SidecarWarning` names the file and the problem. It never raises for bad content.
    """
    side = sidecar_path(video_path)
    doc, problems = parse_sidecar(side)
    if problems:
        what = "ignored the sidecar" if doc is None else "ignored part of the sidecar"
        warnings.warn(f"{what} {str(side)!r}: {'; '.join(problems)}. The video itself is "
                      f"read; fix or delete {side.name!r} (Clip.save writes it) to silence this",
                      SidecarWarning, stacklevel=3)
    if doc is None:
        return None
    return doc if full else doc.get("metadata", {})


class Clip:
    """A short video: frames, fps, the source image and the parameters that made it.

    Args:
        frames: ``(T, H, W, 3)`` uint8 (floats in [0, 1], uint16, greyscale or a list of frames
            are converted once, here).
        fps: frames per second (positive).
        source: the still image the clip was made from (anything ``load_image`` accepts), or None.
        metadata: prompt, model, seed, every parameter used, timings, library version…

    Attributes:
        frames: ``(T, H, W, 3)`` uint8 array.
        fps: float.
        source: PIL RGB image or None.
        metadata: dict (JSON-serialisable once saved).

    >>> import numpy as np
    >>> clip = Clip(np.random.default_rng(0).random((4, 32, 48, 3)), fps=12)
    >>> clip.frames.dtype, clip.frames.shape
    (dtype('uint8'), (4, 32, 48, 3))
    """

    def __init__(self, frames: Any, fps: float, source: Any = None,
                 metadata: dict | None = None) -> None:
        from i2v_nb.io import check_fps

        self.frames: np.ndarray = as_frames(frames)
        self.fps: float = check_fps(fps)
        if source is not None:
            from PIL import Image

            # an RGB PIL image without an EXIF rotation (what generate() passes) is kept as is;
            # anything else goes through load_image once
            if not (isinstance(source, Image.Image) and source.mode == "RGB"
                    and source.getexif().get(0x0112, 1) == 1):
                from i2v_nb.io import load_image

                source = load_image(source)
        self.source = source
        if metadata is not None and not isinstance(metadata, dict):
            raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
        self.metadata: dict = dict(metadata or {})

    # -- shape -------------------------------------------------------------------------------
    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def height(self) -> int:
        return int(self.frames.shape[1])

    @property
    def width(self) -> int:
        return int(self.frames.shape[2])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.num_frames / self.fps

    def __len__(self) -> int:
        return self.num_frames

    def __repr__(self) -> str:
        prompt = self.metadata.get("prompt")
        extra = f", prompt={prompt!r}" if prompt else ""
        model = self.metadata.get("model")
        extra += f", model={model!r}" if model else ""
        return (f"Clip({self.num_frames} frames, {self.width}×{self.height}, {self.fps:g} fps, "
                f"{self.duration:.2f} s{extra})")

    # -- frames --------------------------------------------------------------------------------
    def frame(self, index: int) -> "PILImage.Image":
        """Frame ``index`` (negative counts from the end) as a PIL image."""
        from PIL import Image

        if not -self.num_frames <= index < self.num_frames:
            raise IndexError(f"frame {index} is out of range for a clip of {self.num_frames} "
                             "frames")
        return Image.fromarray(self.frames[index])

    def save_frame(self, index: int, path: str | os.PathLike) -> pathlib.Path:
        """Save one frame as an image (format from the suffix: png, jpg, webp…)."""
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.frame(index).save(path)
        return path

    # -- files ---------------------------------------------------------------------------------
    def sidecar(self) -> dict:
        """The JSON document written beside a saved clip."""
        import i2v_nb

        return {
            "i2v_nb_sidecar": SIDECAR_VERSION,
            "library_version": i2v_nb.__version__,
            "fps": self.fps,
            "num_frames": self.num_frames,
            "width": self.width,
            "height": self.height,
            "duration_s": self.duration,
            "metadata": jsonable(self.metadata),
        }

    def save(self, path: str | os.PathLike, *, sidecar: bool = True) -> pathlib.Path:
        """Write the clip to ``path`` (mp4, webm, gif or webp by suffix) and, unless
        ``sidecar=False``, its parameters to ``NAME.json`` beside it. Both appear atomically and
        get the user's umask. Metadata is always stored (see :func:`jsonable` and
        :func:`sidecar_text`): text that UTF-8 cannot encode is escaped, values too deep or too
        large for a sidecar are replaced by a note, with a :class:`SidecarWarning`.

        >>> clip.save("out/take1.mp4")     # doctest: +SKIP
        PosixPath('out/take1.mp4')
        """
        from i2v_nb.io import write_video

        path = pathlib.Path(path)
        text = sidecar_text(self.sidecar()) if sidecar else None  # fails before any file is made
        write_video(path, self.frames, self.fps)
        if text is not None:
            _write_text_atomic(sidecar_path(path), text)
        return path

    # -- display -------------------------------------------------------------------------------
    def to_html(self, *, width: int | None = None, title: str | None = None,
                max_size: int | None = MAX_INLINE_SIZE,
                max_frames: int | None = MAX_INLINE_FRAMES,
                max_bytes: int | None = MAX_INLINE_BYTES) -> str:
        """HTML with the clip as an embedded (base64) looping mp4 ``<video>``; plays in
        JupyterLab, Notebook 7, Colab and VS Code.

        What is embedded is capped so that a long or large clip never crashes the browser tab
        (see :func:`inline_video_html`): the long side is downscaled to ``max_size``, at most
        ``max_frames`` are played and the HTML stays under ``max_bytes`` characters; a short note
        below the video says what was left out. ``None`` lifts a cap. The clip itself is never
        changed (save it, or keep its History file, for the full video).

        >>> Clip(np.zeros((4, 32, 48, 3), np.uint8), fps=4).to_html()[:30]  # doctest: +SKIP
        '<video controls width="48" hei'

        Args:
            width: display width in pixels (the height follows); default: the embedded size.
            title: text shown above the video.
            max_size: longest side of the embedded frames, in pixels.
            max_frames: most frames embedded (the clip's beginning).
            max_bytes: longest HTML, in characters (fewer frames are embedded to fit).
        """
        html, note = inline_video_html(self, width=width, title=title, max_size=max_size,
                                       max_frames=max_frames, max_bytes=max_bytes)
        if note:
            import html as _html

            html += f'<div class="i2v-video-note"><small>{_html.escape(note)}</small></div>'
        return html

    def show(self, *, width: int | None = None, title: str | None = None,
             max_size: int | None = MAX_INLINE_SIZE, max_frames: int | None = MAX_INLINE_FRAMES,
             max_bytes: int | None = MAX_INLINE_BYTES, return_html: bool = False) -> str | None:
        """Display the clip inline (looping, muted autoplay), capped as :meth:`to_html` says.
        With ``return_html=True`` return the HTML instead of displaying it (what tests use).

        >>> clip.show(max_frames=None)        # doctest: +SKIP
        """
        html = self.to_html(width=width, title=title, max_size=max_size, max_frames=max_frames,
                            max_bytes=max_bytes)
        if return_html:
            return html
        from IPython.display import HTML, display

        display(HTML(html))
        return None

    def _repr_html_(self) -> str:
        return self.to_html()

    def thumbnail(self, size: int = 160) -> "PILImage.Image":
        """The middle frame, shrunk to fit ``size``×``size`` (for galleries)."""
        img = self.frame(self.num_frames // 2)
        img.thumbnail((size, size))
        return img

    def gif_data_uri(self, *, max_size: int = 256) -> str:
        """A small looping GIF as a ``data:`` URI (for galleries and static HTML)."""
        import io

        from PIL import Image

        frames = [Image.fromarray(f) for f in self.frames]
        for f in frames:
            f.thumbnail((max_size, max_size))
        buf = io.BytesIO()
        frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:],
                       duration=max(1, int(round(1000 / self.fps))), loop=0)
        return "data:image/gif;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


# ---------------------------------------------------------------------------------- inline video
def format_bytes(n: int) -> str:
    """``"3.2 MB"``, ``"850 kB"`` (decimal units, as browsers show downloads).

    >>> format_bytes(3_200_000), format_bytes(850_000)
    ('3.2 MB', '850 kB')
    """
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    return f"{max(1, round(n / 1e3))} kB"


def _display_size(width: int, height: int, max_size: int | None) -> tuple[int, int]:
    """The size to play a ``width``×``height`` clip at: unchanged when its long side is at most
    ``max_size`` (or ``max_size`` is None), else shrunk to fit, with even sides (H.264 needs
    them).

    >>> _display_size(768, 432, 512), _display_size(255, 171, 512)
    ((512, 288), (255, 171))
    """
    if max_size is None or max(width, height) <= max_size:
        return width, height
    scale = max_size / max(width, height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def _resize_frames(frames: np.ndarray, width: int, height: int) -> np.ndarray:
    """``(T, H, W, 3)`` uint8 frames resized to ``width``×``height`` (area filter); a new array,
    the input is never changed."""
    import cv2

    if frames.shape[1:3] == (height, width):
        return frames
    return np.stack([cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA)
                     for f in frames])


def _video_html(frames: np.ndarray, fps: float, width: int | None, title: str | None) -> str:
    """mediapy's ``<video>`` HTML for frames (padded to even sizes: browsers play yuv420p)."""
    import mediapy

    from i2v_nb.io import _ffmpeg, _pad_even

    _ffmpeg()
    kwargs: dict[str, Any] = {"fps": fps, "return_html": True, "codec": "h264"}
    if width is not None:
        kwargs["width"] = int(width)
    return mediapy.show_video(_pad_even(frames), title=title, **kwargs)


def _check_cap(name: str, value: Any) -> int | None:
    from i2v_nb.errors import ParameterError

    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"{name} must be a positive integer or None (no limit), got "
                             f"{_short(value)}; e.g. {name}=None to lift the cap")
    return int(value)


def inline_video_html(clip: Clip, *, width: int | None = None, title: str | None = None,
                      max_size: int | None = MAX_INLINE_SIZE,
                      max_frames: int | None = MAX_INLINE_FRAMES,
                      max_bytes: int | None = MAX_INLINE_BYTES) -> tuple[str, str | None]:
    """The clip as an inline looping ``<video>`` (a base64 H.264 mp4) small enough for any tab.

    The frames are downscaled so that the long side is at most ``max_size`` (even sizes, which
    every browser plays), at most ``max_frames`` are played (the clip's beginning), and the HTML
    is kept under ``max_bytes`` characters by playing fewer frames. ``None`` lifts a cap. A clip
    within every cap gives exactly the HTML it always did. The clip itself is never changed (the
    full file stays on disk). :meth:`Clip.to_html`, :meth:`Clip.show` and the widgets use this.

    >>> clip = Clip(np.zeros((600, 90, 160, 3), np.uint8), fps=24)
    >>> html, note = inline_video_html(clip, max_size=100)              # doctest: +SKIP
    >>> note                                                             # doctest: +SKIP
    'Playing downscaled to 100×56, the first 480 of 600 frames (20.0 of 25.0 s) here; ...'

    Args:
        clip: the clip to play.
        width: display width in pixels (the height follows); default: the embedded size.
        title: text shown above the video.
        max_size: longest side of the embedded frames, in pixels.
        max_frames: most frames embedded.
        max_bytes: longest HTML, in characters.

    Returns:
        ``(html, note)``: ``note`` says what was left out (None when the whole clip is shown);
        ``html`` is ``""`` when not even one frame fits in ``max_bytes``.

    Raises:
        ParameterError: for a cap that is not a positive integer or None.
    """
    max_size = _check_cap("max_size", max_size)
    max_frames = _check_cap("max_frames", max_frames)
    max_bytes = _check_cap("max_bytes", max_bytes)
    total, fps = clip.num_frames, clip.fps
    w, h = _display_size(clip.width, clip.height, max_size)
    resized = (w, h) != (clip.width, clip.height)
    n = total if max_frames is None else max(1, min(total, max_frames))
    small = None
    while True:
        if not resized:
            frames = clip.frames[:n]
        else:
            if small is None or len(small) < n:
                small = _resize_frames(clip.frames[:n], w, h)
            frames = small[:n]
        html = _video_html(frames, fps, width, title)
        if max_bytes is None or len(html) <= max_bytes:
            break
        if n == 1:
            return "", (f"The clip is too large to play here ({format_bytes(len(html))} for one "
                        f"frame, limit {format_bytes(max_bytes)}); open the saved file (or "
                        "clip.save(...) it) instead, or pass max_bytes=None.")
        n = max(1, min(n - 1, int(n * max_bytes / len(html) * 0.9)))
    if n == total and not resized:
        return html, None
    parts = []
    if resized:
        parts.append(f"downscaled to {w}×{h}")
    if n < total:
        parts.append(f"the first {n} of {total} frames ({n / fps:.1f} of {total / fps:.1f} s)")
    return html, ("Playing " + ", ".join(parts) + " here; the clip itself is whole (its saved "
                  "file, or clip.save(...), has every frame).")
