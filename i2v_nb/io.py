"""Loading images from anything a user has, fitting them to a model, and reading/writing video.

>>> from i2v_nb import load_image, fit_image
>>> image = load_image("photo.jpg")                       # doctest: +SKIP
>>> fit_image(image, 1024, 576, mode="crop").size          # doctest: +SKIP
(1024, 576)

Every image that comes in is untrusted: its size is checked from the header *before* the pixels
are decoded, so a decompression bomb cannot eat memory, and every failure is an
:class:`~i2v_nb.errors.ImageInputError` that names the input and says what to do.
"""

from __future__ import annotations

import io
import math
import os
import pathlib
import re
import shutil
import tempfile
import warnings
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

import numpy as np

from i2v_nb._media import as_frames, to_uint8
from i2v_nb.errors import I2VWarning, ImageInputError, ParameterError, VideoInputError

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image as PILImage

    from i2v_nb.clip import Clip

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "AnimatedImageWarning",
    "ResolutionSnapWarning",
    "VideoTruncatedWarning",
    "load_image",
    "fit_image",
    "write_video",
    "read_video",
    "ffmpeg_error_line",
    "VIDEO_SUFFIXES",
]

#: Largest image ``load_image`` accepts by default (about 8K × 6K); bigger ones are refused
#: before decoding. Pass ``max_pixels=`` to change it.
DEFAULT_MAX_PIXELS = 50_000_000
#: Most decoded pixel bytes ``read_video`` keeps (2 GiB: about 1,200 frames of 1024×576).
DEFAULT_MAX_VIDEO_BYTES = 2 * 2**30
#: Largest download ``load_image`` reads from a URL.
MAX_URL_BYTES = 100 * 1024 * 1024
URL_TIMEOUT_S = 15.0
VIDEO_SUFFIXES = (".mp4", ".webm", ".gif", ".webp")

PathLike = str | os.PathLike


class AnimatedImageWarning(I2VWarning):
    """An animated image (GIF, WebP, APNG…) was given; only its first frame is used."""


class VideoTruncatedWarning(I2VWarning):
    """A video had more frames than ``read_video`` may hold; only the first ones were read."""


class ResolutionSnapWarning(I2VWarning):
    """A requested size was changed to satisfy a rule (a multiple of N, even sizes…)."""


# ----------------------------------------------------------------------------------------------
# load_image
# ----------------------------------------------------------------------------------------------

def _describe(source: Any) -> str:
    """A short name of the input for error messages (never the whole bytes)."""
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        return repr(text if len(text) <= 200 else text[:200] + "…")
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    if isinstance(source, np.ndarray):
        return f"<array shape={source.shape} dtype={source.dtype}>"
    name = getattr(source, "name", None) or getattr(source, "filename", None)  # file / PIL image
    if isinstance(name, str) and name:
        return repr(name if len(name) <= 200 else name[:200] + "…")
    return f"<{type(source).__name__}>"


def _short_repr(value: Any) -> str:
    """``repr`` cut to a readable length: a bad value in a message must not be megabytes long."""
    import reprlib

    short = reprlib.Repr()
    short.maxstring, short.maxother, short.maxlong = 60, 60, 40
    return short.repr(value)


def _check_max_pixels(max_pixels: Any, where: str) -> int | None:
    """``max_pixels`` as an int (``None`` stays ``None``), else a :class:`ParameterError`.

    Accepts positive ints (and integral floats such as ``1e8``).

    >>> _check_max_pixels(1e8, "load_image")
    100000000
    """
    value = max_pixels
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and value == int(value):
        value = int(value)
    if value is None:
        return None
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer))
            or value <= 0):
        raise ParameterError(
            f"{where}: max_pixels must be a positive whole number of pixels (width × height), "
            f"e.g. max_pixels={DEFAULT_MAX_PIXELS:_} (the default), or None to remove the limit "
            f"for files you trust; got {_short_repr(max_pixels)}")
    return int(value)


def _check_timeout(timeout: Any) -> float:
    """``timeout`` in seconds as a float, else a :class:`ParameterError`.

    >>> _check_timeout(3)
    3.0
    """
    value: float | None = None
    if isinstance(timeout, (int, float, np.integer, np.floating)) \
            and not isinstance(timeout, (bool, np.bool_)):
        try:
            value = float(timeout)
        except OverflowError:
            value = None
    if value is None or not math.isfinite(value) or value <= 0:
        raise ParameterError(
            "load_image: timeout must be a positive, finite number of seconds that the whole "
            f"download may take, e.g. timeout={URL_TIMEOUT_S:g} (the default); got "
            f"{_short_repr(timeout)}")
    return value


def _check_background(background: Any) -> tuple[int, int, int]:
    """``background`` as an RGB tuple of ints, else a :class:`ParameterError`."""
    if (isinstance(background, (tuple, list)) and len(background) == 3
            and all(isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_))
                    and 0 <= c <= 255 for c in background)):
        return (int(background[0]), int(background[1]), int(background[2]))
    raise ParameterError(
        "load_image: background must be an RGB colour, three whole numbers in 0..255 such as "
        f"(255, 255, 255) for white; got {_short_repr(background)}")


# magic bytes of things people upload that are not images Pillow reads
_NOT_IMAGES: list[tuple[bytes, int, str, str]] = [
    (b"%PDF", 0, "a PDF document", "export the page as PNG or JPEG first"),
    (b"PK\x03\x04", 0, "a ZIP archive (or an Office document)", "unzip it and load an image inside"),
    (b"ftypheic", 4, "a HEIC/HEIF photo (iPhone default)",
     "convert it to JPEG or PNG first (e.g. `pip install pillow-heif` and re-save, or export as "
     "JPEG on the phone)"),
    (b"ftypheix", 4, "a HEIC/HEIF photo", "convert it to JPEG or PNG first"),
    (b"ftypmif1", 4, "a HEIF image", "convert it to JPEG or PNG first"),
    (b"ftypisom", 4, "an MP4 video", "use i2v_nb.read_video() for videos, or pick one frame"),
    (b"ftypmp42", 4, "an MP4 video", "use i2v_nb.read_video() for videos, or pick one frame"),
    (b"ftypqt", 4, "a QuickTime video", "use i2v_nb.read_video() for videos"),
    (b"\x1aE\xdf\xa3", 0, "a WebM/Matroska video", "use i2v_nb.read_video() for videos"),
    (b"ID3", 0, "an MP3 audio file", "load an image file instead"),
    (b"\x7fELF", 0, "a program (ELF binary)", "load an image file instead"),
]


def _sniff(head: bytes, *, text: bool = True) -> tuple[str, str] | None:
    """What a file that Pillow could not read probably is, and what to do: ``(what, fix)``.

    Only asked *after* Pillow failed, so text formats Pillow reads (XBM, XPM, plain PBM/PGM/PPM,
    FITS) load. ``text=False`` looks for binary magic numbers only (PDF, ZIP, HEIC, MP4…): used
    when Pillow recognised a header but could not decode the rest.
    """
    for magic, offset, what, fix in _NOT_IMAGES:
        if head[offset:offset + len(magic)] == magic:
            return what, fix
    if not text:
        return None
    stripped = head.lstrip()[:256].lower()
    if stripped.startswith((b"<svg", b"<?xml")) and b"<svg" in head[:4096].lower():
        return "an SVG vector drawing", "rasterise it to PNG first (e.g. with cairosvg or Inkscape)"
    if stripped.startswith((b"<!doctype html", b"<html")):
        return ("an HTML page (a web page, not the image itself)",
                "use the image's own address (right-click the image → Copy image address)")
    try:
        head[:512].decode("utf-8")
        if head and all(b >= 9 for b in head[:512]):
            return "a text file", "load an image file (PNG, JPEG, WebP, TIFF, BMP, GIF) instead"
    except UnicodeDecodeError:
        pass
    return None


def _read_url(url: str, desc: str, timeout: float) -> bytes:
    """Download ``url`` (at most :data:`MAX_URL_BYTES`) within ``timeout`` seconds in all.

    ``timeout`` is a deadline for the whole download (connection, headers and body), not a limit
    per socket read: a server that trickles one byte a second cannot keep us waiting. The body is
    read in chunks against the deadline, and a watchdog timer shuts the connection's socket down
    when the deadline passes, which also ends a stalled read of the headers. (Only the DNS look-up
    cannot be interrupted.)
    """
    import http.client
    import socket
    import threading
    import time
    import urllib.error
    import urllib.parse
    import urllib.request

    deadline = time.monotonic() + timeout
    sockets: list[socket.socket] = []
    lock = threading.Lock()
    expired = threading.Event()

    def shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes up a read blocked in another thread
        except OSError:
            pass

    def register(sock: socket.socket) -> None:
        with lock:
            sockets.append(sock)
        if expired.is_set():
            shut(sock)

    def expire() -> None:
        expired.set()
        with lock:
            for sock in sockets:
                shut(sock)

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            expired.set()
            raise TimeoutError("deadline passed")
        return min(left, threading.TIMEOUT_MAX)

    def with_deadline(http_class: type) -> type:
        class Connection(http_class):  # type: ignore[misc, valid-type]
            def connect(self) -> None:
                self.timeout = remaining()  # connect within what is left of the deadline
                super().connect()
                register(self.sock)

        return Connection

    class _Http(urllib.request.HTTPHandler):
        def do_open(self, http_class, req, **kw):  # noqa: ANN001, ANN003
            return super().do_open(with_deadline(http_class), req, **kw)

    class _Https(urllib.request.HTTPSHandler):
        def do_open(self, http_class, req, **kw):  # noqa: ANN001, ANN003
            return super().do_open(with_deadline(http_class), req, **kw)

    class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
        """Follow redirects to http(s) only: a server must not send us to ftp:// or file://."""

        def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
            if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
                raise urllib.error.URLError(f"redirected to a non-http(s) address {newurl!r}")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    def too_slow() -> ImageInputError:
        return ImageInputError(
            f"downloading {desc} took longer than timeout={timeout:g} s (the whole download "
            "must finish within it); the server is slow or stalled. Try again, pass a larger "
            "timeout=, or download the file yourself and pass its path.")

    def too_big() -> ImageInputError:
        return ImageInputError(f"{desc} is larger than {MAX_URL_BYTES // 2**20} MiB; download it "
                               "yourself and pass a smaller image.")

    opener = urllib.request.build_opener(_Http, _Https, _HttpOnlyRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": "i2v_nb (+image loader)"})
    watchdog = threading.Timer(min(timeout, threading.TIMEOUT_MAX), expire)
    watchdog.daemon = True
    watchdog.start()
    chunks: list[bytes] = []
    try:
        with opener.open(request, timeout=remaining()) as response:  # scheme checked, redirects too
            length = response.headers.get("Content-Length", "")
            if length.strip().isdigit() and int(length) > MAX_URL_BYTES:
                raise too_big()
            total = 0
            while True:
                remaining()  # raises once the deadline has passed
                chunk = response.read(64 * 1024)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
                if total > MAX_URL_BYTES:
                    raise too_big()
    except ImageInputError:
        raise
    except urllib.error.HTTPError as e:
        if expired.is_set():
            raise too_slow() from e
        raise ImageInputError(f"could not download {desc}: the server answered HTTP {e.code} "
                              f"({e.reason}). Check the address, or download the file and pass "
                              "its path.") from e
    except Exception as e:  # URLError, OSError, http.client.HTTPException, ssl errors, ValueError
        if expired.is_set() or time.monotonic() >= deadline:
            raise too_slow() from e
        reason = getattr(e, "reason", None) or e
        if isinstance(e, http.client.HTTPException):
            reason = f"the connection broke off: {type(e).__name__} {e}"
        raise ImageInputError(f"could not reach {desc} ({reason}). Check the address and your "
                              "network (a notebook on a closed network cannot download), or "
                              "download the file and pass its path.") from e
    finally:
        watchdog.cancel()
    return b"".join(chunks)


def _source_to_bytes_or_image(source: Any, desc: str, timeout: float) -> bytes | Any:
    """Return the raw bytes of a path/URL/bytes/file source, or a PIL image / array unchanged."""
    from PIL import Image

    if isinstance(source, Image.Image):
        return source
    if isinstance(source, np.ndarray):
        return source
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, str) and "://" in source[:16]:
        scheme = source.split("://", 1)[0].lower()
        if scheme not in ("http", "https"):
            raise ImageInputError(f"{desc} uses the URL scheme {scheme!r}; only http and https "
                                  "addresses are downloaded. For a local file pass its path.")
        return _read_url(source, desc, timeout)
    if isinstance(source, (str, os.PathLike)):
        try:
            text = os.fspath(source)
            if isinstance(text, bytes):
                text = os.fsdecode(text)
        except (TypeError, ValueError, UnicodeError) as e:
            raise ImageInputError(f"{desc} is not a usable path ({e}); pass a str or "
                                  "pathlib.Path") from e
        if text == "":
            raise ImageInputError("the image path is an empty string; pass the path of an image "
                                  "file, a URL, bytes, an array or a PIL image")
        if "\0" in text:
            raise ImageInputError(f"{desc} contains a NUL character, which no file name can "
                                  "hold; check where the path comes from")
        path = pathlib.Path(text).expanduser()
        try:
            path.stat()
        except (FileNotFoundError, NotADirectoryError):
            pass  # reported below, with a close name if there is one
        except (OSError, ValueError) as e:
            raise ImageInputError(f"could not look at {desc}: {getattr(e, 'strerror', None) or e}."
                                  " Check the path and its permissions.") from e
        if path.is_dir():
            raise ImageInputError(f"{desc} is a folder, not an image file; pass the path of one "
                                  "image inside it")
        if not path.exists():
            hint = ""
            parent = path.parent if str(path.parent) else pathlib.Path(".")
            try:
                if parent.is_dir():
                    close = sorted(p.name for p in parent.iterdir() if p.stem.lower() ==
                                   path.stem.lower() and p.name != path.name)[:3]
                    if close:
                        hint = f" Did you mean {', '.join(close)}?"
            except OSError:  # an unreadable folder: no suggestion
                pass
            raise ImageInputError(f"no file at {desc} (looked in {str(path.resolve())!r}). Check "
                                  f"the path and the working directory ({os.getcwd()!r}).{hint}")
        if not path.is_file():  # a device (/dev/zero), a pipe or a socket would never end
            raise ImageInputError(f"{desc} is not a regular file (a device, pipe or socket); "
                                  "save the image to a file and pass that path")
        try:
            return path.read_bytes()
        except OSError as e:
            raise ImageInputError(f"could not read {desc}: {e.strerror or e}. Check the file's "
                                  "permissions.") from e
    if hasattr(source, "read"):
        try:
            data = source.read()
        except Exception as e:  # OSError, ValueError (closed), UnicodeDecodeError (text mode)…
            hint = (" It is opened in text mode; open it with 'rb'."
                    if isinstance(e, UnicodeError) else " Pass an open, readable binary file.")
            raise ImageInputError(f"could not read from {desc}: {e}.{hint}") from e
        if isinstance(data, str):
            raise ImageInputError(f"{desc} is opened in text mode; open it with 'rb'")
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ImageInputError(f"reading {desc} gave a {type(data).__name__}, not bytes; pass "
                                  "a binary file object (open(path, 'rb') or io.BytesIO)")
        return bytes(data)
    raise ImageInputError(
        f"cannot load an image from a {type(source).__name__}; pass a path, a pathlib.Path, an "
        "http(s) URL, bytes, a binary file object, a numpy array (H, W), (H, W, 3) or (H, W, 4), "
        "or a PIL image")


def _check_size(width: int, height: int, max_pixels: int | None, desc: str) -> None:
    if width <= 0 or height <= 0:
        raise ImageInputError(f"{desc} has an empty size ({width}×{height}); it holds no pixels")
    if max_pixels is not None and width * height > max_pixels:
        raise ImageInputError(
            f"{desc} is {width}×{height} = {width * height / 1e6:.1f} megapixels, above the limit "
            f"of {max_pixels / 1e6:.1f} MP (video models work at about 1 MP). Downscale it first, "
            "or pass max_pixels= if you trust this file.")


def _array_to_pil(array: np.ndarray, desc: str, max_pixels: int | None) -> Any:
    from PIL import Image

    a = array
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))):
        hint = ""
        if a.ndim == 3 and a.shape[0] in (1, 3, 4) and a.shape[2] > 4:
            hint = " It looks channels-first (C, H, W): use array.transpose(1, 2, 0)."
        elif a.ndim == 4:
            hint = " For a batch or a video, pass one frame (array[0])."
        raise ImageInputError(f"{desc}: an image array must be shaped (H, W), (H, W, 3) or "
                              f"(H, W, 4); got {a.shape}.{hint}")
    _check_size(a.shape[1], a.shape[0], max_pixels, desc)
    if a.dtype == np.uint8 or a.dtype == np.bool_:
        out = to_uint8(a)
    elif a.dtype == np.uint16:
        out = to_uint8(a)
    elif np.issubdtype(a.dtype, np.floating):
        if not np.all(np.isfinite(a)):
            raise ImageInputError(f"{desc} contains NaN or infinite values; replace them "
                                  "(np.nan_to_num) before loading")
        lo, hi = float(a.min()), float(a.max())
        if lo < -1e-6 or hi > 1.0 + 1e-6:
            fix = " Divide by 255 first." if hi <= 255.0 and lo >= 0 else ""
            raise ImageInputError(f"{desc}: float images must hold values in [0, 1], found "
                                  f"[{lo:.4g}, {hi:.4g}].{fix}")
        out = to_uint8(a)
    else:
        raise ImageInputError(f"{desc}: unsupported dtype {a.dtype}; use uint8, uint16 or float "
                              "in [0, 1] (e.g. array.astype(np.uint8) for 0–255 integers)")
    mode = {2: "L"}.get(out.ndim) or ("RGB" if out.shape[2] == 3 else "RGBA")
    return Image.fromarray(np.ascontiguousarray(out), mode=mode)


def _int32_to_uint8(a: np.ndarray) -> np.ndarray:
    """Scale a 32-bit integer image (Pillow mode ``"I"``) to uint8 without wrapping around.

    * values within 0..255 are kept as they are (8-bit data stored in a wider type);
    * values within 0..65535 are taken as 16-bit and scaled by 255/65535 (Pillow reads 16-bit
      PGM/PPM and some TIFFs as mode ``"I"``);
    * any other range (negative values, or above 65535: FITS, 32-bit TIFF) is stretched
      linearly from the image's own minimum (black) to its maximum (white).

    >>> _int32_to_uint8(np.array([-70000, 0, 70000], np.int32)).tolist()
    [0, 128, 255]
    """
    lo, hi = int(a.min()), int(a.max())
    if lo >= 0 and hi <= 255:
        return a.astype(np.uint8)
    if lo >= 0 and hi <= 65535:
        return to_uint8(a.astype(np.uint16))
    if hi == lo:  # a constant image outside 0..65535: black if negative, else white
        return np.full(a.shape, 0 if lo < 0 else 255, np.uint8)
    scale = np.float32(255.0 / (hi - lo))
    return np.round((a.astype(np.float32) - np.float32(lo)) * scale).astype(np.uint8)


def _float_to_uint8(a: np.ndarray) -> np.ndarray:
    """Scale a float image (Pillow mode ``"F"``) to uint8, robust to NaN and infinities.

    The range is taken from the finite values: within [0, 1] they are scaled by 255, within
    [0, 255] kept, any other range stretched from its minimum to its maximum. NaN becomes black,
    +inf white and -inf black.

    >>> _float_to_uint8(np.array([np.nan, 0.0, 0.5, np.inf], np.float32)).tolist()
    [0, 0, 128, 255]
    """
    a = a.astype(np.float64)
    finite = a[np.isfinite(a)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    with np.errstate(all="ignore"):
        if lo >= 0 and hi <= 1:
            unit = a
        elif lo >= 0 and hi <= 255:
            unit = a / 255.0
        elif hi > lo:
            unit = (a - lo) / (hi - lo)
        else:
            unit = np.clip(a, 0.0, 1.0)
    return to_uint8(unit)  # clips to [0, 1]; NaN → 0, +inf → 255, -inf → 0


def _to_rgb(image: Any, background: tuple[int, int, int]) -> Any:
    """Convert any Pillow mode to 8-bit RGB, compositing transparency onto ``background``.

    Integer (``"I"``, ``"I;16*"``) and float (``"F"``) images are scaled as
    :func:`_int32_to_uint8` and :func:`_float_to_uint8` describe.
    """
    from PIL import Image

    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        try:
            image = image.convert("RGBA" if has_alpha else "RGB")
        except (ValueError, TypeError, OSError):  # a damaged transparency entry: ignore it
            image = image.convert("RGB")
        mode = image.mode
        if mode == "RGB":
            return image
    if mode.startswith("I;16") or mode in ("I", "F"):
        a = np.asarray(image)
        if mode.startswith("I;16"):
            a8 = to_uint8(a.astype(np.uint16))
        elif mode == "I":
            a8 = _int32_to_uint8(a)
        else:
            a8 = _float_to_uint8(a)
        return Image.fromarray(np.ascontiguousarray(a8), mode="L").convert("RGB")
    if mode == "La":  # premultiplied: Pillow converts it to "LA" only
        image, mode = image.convert("LA"), "LA"
    if mode in ("RGBA", "LA", "RGBa"):
        rgba = image.convert("RGBA")
        base = Image.new("RGBA", rgba.size, tuple(background) + (255,))
        return Image.alpha_composite(base, rgba).convert("RGB")
    if mode == "CMYK":
        return _cmyk_to_rgb(image)
    return image.convert("RGB")  # "1", "L", "YCbCr", "LAB", "HSV", "RGBX"


def _cmyk_to_rgb(image: Any) -> Any:
    """CMYK → RGB through the embedded ICC profile when there is one, else the naive formula."""
    icc = image.info.get("icc_profile")
    if icc:
        try:
            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(image, src, dst, outputMode="RGB")
        except Exception:  # a broken profile: fall back to the formula below
            pass
    return image.convert("RGB")


class _PillowWarnings(warnings.catch_warnings):
    """Inside: Pillow's decompression-bomb warning is an error, its other warnings (corrupt EXIF,
    odd metadata, palette notes) are recorded instead of shown: a file that loads needs no
    warning, one that does not gets an error that includes them."""

    def __init__(self) -> None:
        super().__init__(record=True)

    def __enter__(self) -> list[warnings.WarningMessage]:
        from PIL import Image

        caught = super().__enter__()
        warnings.simplefilter("always")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return caught  # type: ignore[return-value]


def _bomb_error(desc: str, error: Exception) -> ImageInputError:
    text = str(error)
    size = text.split(")")[0].replace("Image size (", "(") + ")" if text.startswith(
        "Image size (") else ""
    return ImageInputError(f"{desc} declares a huge size {size} — a possible decompression bomb; "
                           "refused before decoding. Downscale it first, or (for a file you "
                           "trust) raise PIL.Image.MAX_IMAGE_PIXELS and pass max_pixels=None.")


def _decode_error(desc: str, error: BaseException, raw: bytes | None, fmt: str | None,
                  notes: list[warnings.WarningMessage] = ()) -> ImageInputError:
    """The :class:`ImageInputError` for a file Pillow recognised but failed to read."""
    if raw is not None:
        sniffed = _sniff(raw[:4096], text=False)
        if sniffed is not None:
            what, fix = sniffed
            return ImageInputError(f"{desc} is {what}, not an image Pillow can read; {fix}")
    name = f"{desc} ({fmt} image)" if fmt else desc
    msg = str(error).strip() or type(error).__name__
    msg = msg if len(msg) <= 200 else msg[:200] + "…"
    detail = f"{type(error).__name__}: {msg}" if type(error).__name__ not in msg else msg
    extra = "; ".join(dict.fromkeys(str(w.message)[:120] for w in notes))
    detail += f"; Pillow also noted: {extra}" if extra else ""
    if "ghostscript" in msg.lower():
        return ImageInputError(f"{name} needs Ghostscript to be read ({detail}); install it (e.g. "
                               "`apt install ghostscript`) or convert the file to PNG first")
    if "cannot find loader" in msg or "not installed" in msg:
        return ImageInputError(f"{name} is in a format this Pillow recognises but cannot decode "
                               f"({detail}); convert it to PNG or JPEG first")
    if isinstance(error, MemoryError):
        return ImageInputError(f"{name} is damaged: it declares more data than fits in memory "
                               f"({detail}). Re-export the image as PNG or JPEG, or pick another "
                               "file.")
    truncated = isinstance(error, EOFError) or "truncat" in msg.lower() or "end of" in msg.lower()
    kind = "truncated (the file ends early)" if truncated else "damaged"
    return ImageInputError(f"{name} is {kind} ({detail}). Re-download or re-export the image (as "
                           "PNG or JPEG) and try again.")


def _embedded_sizes(raw: bytes) -> list[tuple[int, int]]:
    """Sizes of the images inside an ICO/CUR or ICNS container, read from their headers.

    Pillow decodes an icon's embedded PNG or BMP while it *opens* the file (its size is only
    known then), so these are checked against ``max_pixels`` before ``Image.open``.

    >>> _embedded_sizes(b"GIF89a")
    []
    """
    import struct

    png = b"\x89PNG\r\n\x1a\n"

    def png_size(block: bytes) -> tuple[int, int] | None:
        if block[:8] == png and len(block) >= 24:
            width, height = struct.unpack(">II", block[16:24])
            return width, height
        return None

    sizes: list[tuple[int, int]] = []
    try:
        if raw[:4] in (b"\0\0\1\0", b"\0\0\2\0"):  # ICO / CUR: a directory of PNG or BMP entries
            (count,) = struct.unpack("<H", raw[4:6])
            for i in range(min(count, 1024)):
                entry = raw[6 + 16 * i:22 + 16 * i]
                if len(entry) < 16:
                    break
                (offset,) = struct.unpack("<I", entry[12:16])
                block = raw[offset:offset + 24]
                size = png_size(block)
                if size is None and len(block) >= 12:  # BITMAPINFOHEADER: height counts the mask
                    width, height = struct.unpack("<ii", block[4:12])
                    size = abs(width), abs(height) // 2
                if size is not None:
                    sizes.append(size)
        elif raw[:4] == b"icns":  # ICNS: typed blocks, the big ones PNG or JPEG 2000
            pos = 8
            for _ in range(1024):
                if pos + 8 > len(raw):
                    break
                (length,) = struct.unpack(">I", raw[pos + 4:pos + 8])
                block = raw[pos + 8:pos + max(8, length)]
                size = png_size(block)
                ihdr = block.find(b"ihdr", 0, 256)  # a JP2 header box: height, width
                if size is None and ihdr >= 0 and len(block) >= ihdr + 12:
                    height, width = struct.unpack(">II", block[ihdr + 4:ihdr + 12])
                    size = width, height
                if size is not None:
                    sizes.append(size)
                if length < 8:
                    break
                pos += length
    except struct.error:  # a header cut short: Image.open reports it
        pass
    return sizes


def _open_bytes(raw: bytes, desc: str) -> Any:
    """``Image.open`` on the bytes (header only), every failure an :class:`ImageInputError`."""
    from PIL import Image, UnidentifiedImageError

    caught: list[warnings.WarningMessage] = []
    try:
        with _PillowWarnings() as caught:
            return Image.open(io.BytesIO(raw))  # identifies the format, reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise _bomb_error(desc, e) from e
    except UnidentifiedImageError as e:
        sniffed = _sniff(raw[:4096])  # only now: text formats Pillow reads have loaded above
        if sniffed is not None:
            what, fix = sniffed
            raise ImageInputError(f"{desc} is {what}, not an image Pillow can read; {fix}") from e
        notes = "; ".join(dict.fromkeys(str(w.message)[:120] for w in caught))
        notes = f" (Pillow: {notes})" if notes else ""
        raise ImageInputError(f"{desc} is not an image format Pillow can read (or the file is "
                              f"damaged){notes}; save it as PNG or JPEG and try again") from e
    except Exception as e:  # a plugin that recognised the header failed on the rest of it
        raise _decode_error(desc, e, raw, None, caught) from e


#: Formats whose extra frames are an animation (warned about); other multi-frame formats (TIFF
#: pages, PSD layers, MPO views, ICO sizes) silently give their first or main image.
_ANIMATED_FORMATS = frozenset({"GIF", "PNG", "WEBP", "FLI", "AVIF"})


def _warn_if_animated(image: Any, desc: str) -> None:
    """Warn when ``image`` (already decoded) is an animation. Only its header or the next
    frame's is read, inside a ``try``: a damaged later frame never stops the first from loading."""
    if getattr(image, "format", None) not in _ANIMATED_FORMATS:
        return
    try:
        with _PillowWarnings():
            animated = bool(image.is_animated)
    except Exception:
        return
    if not animated:
        return
    try:
        with _PillowWarnings():
            count = f"{int(image.n_frames)} frames"
    except Exception:  # GIF counts by walking every frame: a damaged one stops the count
        count = "several frames"
    warnings.warn(f"{desc} is animated ({count}); using its first frame. To use every frame, "
                  "load it with i2v_nb.read_video().", AnimatedImageWarning, stacklevel=3)


_EXIF_TRANSPOSE = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE",
                   6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}


def _orientation(image: Any) -> int:
    """The EXIF (or XMP) orientation, 1 when absent or unreadable (damaged metadata does not
    stop an image from loading; its pixels are shown as stored)."""
    try:
        value = image.getexif().get(0x0112, 1)
        return int(value) if int(value) in _EXIF_TRANSPOSE else 1
    except Exception:
        return 1


def _decode_to_rgb(image: Any, desc: str, background: tuple[int, int, int],
                   max_pixels: int | None, raw: bytes | None) -> Any:
    """Decode the current frame of ``image`` and return a new RGB image; any failure (whatever
    the decoder raised) is an :class:`ImageInputError` chained to the original exception."""
    from PIL import Image

    fmt = getattr(image, "format", None)
    caught: list[warnings.WarningMessage] = []
    try:
        with _PillowWarnings() as caught:
            image.load()
            # ICO/ICNS take their size from the embedded image on load: check it again
            _check_size(image.width, image.height, max_pixels, desc)
            orientation = _orientation(image)
            rgb = _to_rgb(image, background)
            if orientation != 1:
                rgb = rgb.transpose(getattr(Image.Transpose, _EXIF_TRANSPOSE[orientation]))
            elif rgb is image:
                rgb = rgb.copy()  # never hand back the caller's object or keep a file handle
            rgb.load()
            if rgb.mode != "RGB":  # pragma: no cover - defensive
                rgb = rgb.convert("RGB")
    except ImageInputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageInputError(f"{desc} is too large to decode safely; downscale it first") from e
    except Exception as e:  # OSError, ValueError, SyntaxError, EOFError, KeyError, IndexError,
        # TypeError, struct.error, NotImplementedError, ZeroDivisionError, MemoryError…
        raise _decode_error(desc, e, raw, fmt, caught) from e
    for key in ("exif", "xmp"):  # orientation already applied: don't let a viewer apply it again
        rgb.info.pop(key, None)
    return rgb


def load_image(
    source: Any,
    *,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    background: tuple[int, int, int] = (255, 255, 255),
    timeout: float = URL_TIMEOUT_S,
) -> "PILImage.Image":
    """Load an image from whatever the user has and return it as an 8-bit RGB PIL image.

    Reads every format Pillow reads, text-based ones (XBM, XPM, plain PBM/PGM/PPM, FITS)
    included. Applies EXIF orientation, composites transparency onto ``background``, converts
    palette, CMYK (through its ICC profile), 16-bit, 32-bit integer, float and greyscale images to
    8-bit RGB with correct scaling (32-bit integers in 0..65535 as 16-bit, any other range
    stretched from its minimum to its maximum; floats likewise, NaN black). Multi-frame files give
    their first image (the composite of a layered PSD, the first page of a TIFF, the main view of
    an MPO, the largest icon of an ICO) without reading the other frames, so a damaged later frame
    does no harm; an animation (GIF, APNG, WebP) also gives an :class:`AnimatedImageWarning`.

    The input is untrusted: the size is checked from the header before decoding, and whatever a
    decoder raises on a damaged file becomes an :class:`ImageInputError` chained to it.

    >>> import numpy as np
    >>> load_image(np.zeros((4, 6), np.uint8)).size
    (6, 4)
    >>> load_image(np.ones((2, 2, 3), np.float32)).getpixel((0, 0))
    (255, 255, 255)
    >>> load_image(b"P1\\n2 1\\n0 1\\n").getpixel((1, 0))  # a plain-text PBM
    (0, 0, 0)

    Args:
        source: a path (``str`` or ``pathlib.Path``), an ``http(s)://`` URL, ``bytes``, a binary
            file object, a numpy array shaped ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` in uint8,
            uint16 or float in [0, 1], or a PIL image (used at its current frame).
        max_pixels: refuse images with more pixels than this, checked from the header before
            decoding (``None`` removes the limit: only for files you trust; Pillow's own
            decompression-bomb guard still applies).
        background: RGB colour that transparent pixels are composited onto.
        timeout: seconds the whole download of a URL may take (a deadline, not a limit per
            network read).

    Returns:
        A new PIL image in mode ``"RGB"``.

    Raises:
        ImageInputError: for missing paths, folders, empty/corrupt/truncated files, files that
            are not images or in a format Pillow cannot read, unreachable or too slow URLs,
            images above ``max_pixels`` and arrays of a wrong shape or dtype. The message names
            the input and says what to do.
        ParameterError: for a ``max_pixels``, ``background`` or ``timeout`` of the wrong type or
            range.
    """
    from PIL import Image

    max_pixels = _check_max_pixels(max_pixels, "load_image")
    background = _check_background(background)
    timeout = _check_timeout(timeout)
    desc = _describe(source)
    raw = _source_to_bytes_or_image(source, desc, timeout)

    if isinstance(raw, np.ndarray):
        return _to_rgb(_array_to_pil(raw, desc, max_pixels), background)
    if isinstance(raw, Image.Image):  # the caller's image, at the frame they chose
        _check_size(raw.width, raw.height, max_pixels, desc)
        return _decode_to_rgb(raw, desc, background, max_pixels, None)

    if len(raw) == 0:
        raise ImageInputError(f"{desc} is empty (0 bytes); the upload or download did not "
                              "complete — try again, or pick another file")
    for width, height in _embedded_sizes(raw):  # icons decode while they open: check first
        if max_pixels is not None and width * height > max_pixels:
            raise ImageInputError(
                f"{desc} holds an embedded image of {width}×{height} = "
                f"{width * height / 1e6:.1f} megapixels, above the limit of "
                f"{max_pixels / 1e6:.1f} MP; refused before decoding. Downscale it first, or "
                "pass max_pixels= if you trust this file.")
    image = _open_bytes(raw, desc)
    try:
        _check_size(image.width, image.height, max_pixels, desc)  # before any pixel is decoded
        rgb = _decode_to_rgb(image, desc, background, max_pixels, raw)
        _warn_if_animated(image, desc)
    finally:
        try:
            image.close()
        except Exception:  # pragma: no cover - closing a BytesIO-backed image
            pass
    return rgb


# ----------------------------------------------------------------------------------------------
# fit_image
# ----------------------------------------------------------------------------------------------

def _snap(value: int, multiple: int) -> int:
    return max(multiple, int(round(value / multiple)) * multiple)


def fit_image(
    image: Any,
    width: int,
    height: int,
    mode: Literal["crop", "pad", "stretch"] = "crop",
    multiple_of: int = 8,
    *,
    fill: tuple[int, int, int] = (0, 0, 0),
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> "PILImage.Image":
    """Bring an image to a model's resolution.

    ``width`` and ``height`` are first snapped to the nearest multiple of ``multiple_of`` (with a
    :class:`ResolutionSnapWarning` when that changes them). Then:

    * ``"crop"`` scales the image to cover the target and crops the centre (no distortion, edges
      lost);
    * ``"pad"`` scales it to fit inside and pads with ``fill`` (nothing lost, bars added);
    * ``"stretch"`` resizes to the target (distorts when aspect ratios differ).

    The snapped size is checked against ``max_pixels`` before anything is allocated, and no
    intermediate image is larger than the result (``"crop"`` resamples only the part it keeps).

    >>> import numpy as np
    >>> fit_image(np.zeros((100, 300, 3), np.uint8), 64, 64, mode="pad").size
    (64, 64)

    Args:
        image: anything :func:`load_image` accepts.
        width, height: target size in pixels (positive).
        mode: ``"crop"``, ``"pad"`` or ``"stretch"``.
        multiple_of: sizes are snapped to a multiple of this (1 disables snapping).
        fill: RGB colour of the bars in ``"pad"`` mode.
        max_pixels: largest target ``width × height`` (default :data:`DEFAULT_MAX_PIXELS`, about
            8K × 6K); ``None`` removes the limit.

    Returns:
        A new RGB PIL image of the (snapped) target size.

    Raises:
        ParameterError: for a non-positive size or multiple, an unknown mode, a bad ``fill``, or
            a target above ``max_pixels`` (or above what fits in memory).
        ImageInputError: when ``image`` cannot be loaded (see :func:`load_image`).
    """
    from PIL import Image

    for name, v in (("width", width), ("height", height), ("multiple_of", multiple_of)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
            raise ParameterError(f"{name} must be a positive integer, got {_short_repr(v)}")
    if mode not in ("crop", "pad", "stretch"):
        raise ParameterError(f"mode must be 'crop', 'pad' or 'stretch', got {_short_repr(mode)}")
    if (not isinstance(fill, (tuple, list)) or len(fill) != 3
            or not all(isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_))
                       and 0 <= c <= 255 for c in fill)):
        raise ParameterError("fill must be an RGB colour, three whole numbers in 0..255 such as "
                             f"(0, 0, 0) for black; got {_short_repr(fill)}")
    limit = _check_max_pixels(max_pixels, "fit_image")
    w, h = _snap(int(width), int(multiple_of)), _snap(int(height), int(multiple_of))
    if limit is not None and w * h > limit:
        side = math.isqrt(limit)
        raise ParameterError(
            f"fit_image: the target size {w}×{h} = {w * h / 1e6:.1f} megapixels is above the "
            f"limit of {limit / 1e6:.1f} MP (max_pixels={limit}); ask for a smaller width and "
            f"height (a video model works at about 1 MP; at most about {side}×{side}), or pass "
            "max_pixels= with a larger limit (None removes it) if this machine has the memory.")
    if (w, h) != (width, height):
        warnings.warn(f"size {width}×{height} snapped to {w}×{h} (a multiple of {multiple_of})",
                      ResolutionSnapWarning, stacklevel=2)
    img = image if isinstance(image, Image.Image) and image.mode == "RGB" else load_image(image)
    try:
        return _fit(img, w, h, mode, tuple(int(c) for c in fill))
    except (MemoryError, OverflowError, ValueError) as e:
        raise ParameterError(f"fit_image: a {w}×{h} image does not fit in memory here ({e}); ask "
                             "for a smaller width and height") from e


def _fit(img: Any, w: int, h: int, mode: str, fill: tuple[int, ...]) -> Any:
    from PIL import Image

    if img.size == (w, h):
        return img.copy()
    resample = Image.Resampling.LANCZOS
    sw, sh = img.size

    def resize(size: tuple[int, int], box: tuple[float, float, float, float] | None = None) -> Any:
        # reducing_gap: a fast box reduction first, then Lanczos over the last factor of 3 —
        # indistinguishable from a full Lanczos pass and several times faster on big downscales
        return img.resize(size, resample, box=box or (0, 0, sw, sh), reducing_gap=3.0)

    if mode == "stretch":
        return resize((w, h))
    if mode == "crop":
        # the centred part of the source with the target's aspect ratio, resampled straight to
        # the target size: no intermediate image larger than the result
        if sw * h > sh * w:  # source wider than the target
            cw, ch = sh * w / h, float(sh)
        else:
            cw, ch = float(sw), sw * h / w
        left, top = (sw - cw) / 2, (sh - ch) / 2
        return resize((w, h), (left, top, left + cw, top + ch))
    scale = min(w / sw, h / sh)
    nw, nh = max(1, min(w, round(sw * scale))), max(1, min(h, round(sh * scale)))
    canvas = Image.new("RGB", (w, h), fill)
    canvas.paste(resize((nw, nh)), ((w - nw) // 2, (h - nh) // 2))
    return canvas


# ----------------------------------------------------------------------------------------------
# video
# ----------------------------------------------------------------------------------------------

def _ffmpeg() -> str:
    """The ffmpeg binary mediapy should use: imageio-ffmpeg's bundled one (pinned to a version
    whose output mediapy reads), else one on PATH."""
    import mediapy

    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # pragma: no cover - imageio-ffmpeg is a dependency
        exe = shutil.which("ffmpeg")
    if exe is None:  # pragma: no cover
        raise RuntimeError("no ffmpeg found: `pip install 'imageio-ffmpeg<0.8'` or install "
                           "ffmpeg with your package manager")
    mediapy.set_ffmpeg(exe)
    return exe


def _pad_even(frames: np.ndarray) -> np.ndarray:
    """Pad (T, H, W, 3) frames by replicating the last row/column so H and W are even
    (H.264 yuv420p needs even sizes; mediapy switches to yuv444p otherwise, which browsers such
    as Firefox cannot play)."""
    _, h, w, _ = frames.shape
    ph, pw = h % 2, w % 2
    if ph or pw:
        frames = np.pad(frames, ((0, 0), (0, ph), (0, pw), (0, 0)), mode="edge")
    return frames


_FFMPEG_NOISE = re.compile(
    r"^\s*(ffmpeg version|built with|configuration:|lib(av|sw|post)\w*\s+\d|Input #|Output #|"
    r"Metadata:|Duration:|Stream #|Stream mapping|Press \[q\]|encoder\s*:|major_brand|"
    r"minor_version|compatible_brands|creation_time|handler_name|vendor_id|"
    r".*is deprecated|Passing a number to -vsync|\s*$)", re.IGNORECASE)
_FFMPEG_TAG = re.compile(r"^\[[^\]]*@\s*0x[0-9a-f]+\]\s*")
#: Where ffmpeg's output starts in a message: its banner, or its first tagged line (mediapy runs
#: the writer with ``-hide_banner``).
_FFMPEG_START = re.compile(r"ffmpeg version|\[[^\]\n]*@\s*0x[0-9a-f]+\]")
_FFMPEG_ERROR = re.compile(r"error|invalid|no such|not found|failed|unknown|unable|cannot|"
                           r"could not|denied|unsupported", re.IGNORECASE)


def _ffmpeg_line(lines: list[str]) -> str | None:
    """The one line of ffmpeg's stderr that says what went wrong (``None``: only its banner).

    Lines tagged by an ffmpeg component (``[mov,mp4 @ 0x…] moov atom not found``) come first,
    then the other lines; within each, the first that names an error, else the last."""
    useful = [ln.strip() for ln in lines if not _FFMPEG_NOISE.match(ln)]
    tagged = [_FFMPEG_TAG.sub("", ln) for ln in useful if _FFMPEG_TAG.match(ln)]
    for group in (tagged, useful):
        errors = [ln for ln in group if _FFMPEG_ERROR.search(ln)]
        if errors:
            return _FFMPEG_TAG.sub("", errors[0])
    return _FFMPEG_TAG.sub("", useful[-1]) if useful else None


def ffmpeg_error_line(text: str) -> str:
    r"""A message holding ffmpeg's output (its stderr, or an error that quotes it) in one line:
    ffmpeg's banner, configuration and stream listing replaced by the line that says what went
    wrong (or dropped when they hold nothing else), other line breaks by spaces.

    ffmpeg's output starts at ``ffmpeg version`` or at its first tagged line (``[mov @ 0x…]``);
    the text before it is kept, and so is the text after the ``)`` that closes ffmpeg's output on
    its last line, if any.

    >>> ffmpeg_error_line("could not read 'a.mp4' (ffmpeg version 7\n  built with gcc\n"
    ...                   "[mov @ 0x1] moov atom not found\nError opening input\n); damaged")
    "could not read 'a.mp4' (moov atom not found); damaged"
    >>> ffmpeg_error_line("ffmpeg version 6\n  built with gcc\nUnknown encoder 'libx265'\n")
    "Unknown encoder 'libx265'"
    >>> ffmpeg_error_line("[libx264 @ 0x2] invalid width x height (40000x2)\n"
    ...                   "[vost#0:0/libx264 @ 0x3] Error while opening encoder\n")
    'invalid width x height (40000x2)'

    Args:
        text: any message; one without ffmpeg's banner only has its line breaks replaced.

    Returns:
        The message in one line, stripped.
    """
    text = str(text)
    if "\n" not in text:
        return text.strip()
    start = _FFMPEG_START.search(text)
    if start is not None:
        cut = start.start()
        head, lines = text[:cut].rstrip(), text[cut:].split("\n")
        # the message goes on after ffmpeg's output from the ")" that closes it, if any
        close = re.search(r"\)(?=[;.,:]?(\s|$))", lines[-1])
        tail = ""
        if close is not None:
            lines[-1], tail = lines[-1][:close.start()], lines[-1][close.start():]
        matter = _ffmpeg_line(lines)
        if matter:
            text = head + ("" if head.endswith("(") else " ") + matter + tail
        elif head.endswith("(") and tail.startswith(")"):  # nothing left inside the brackets
            text = head[:-1].rstrip() + tail[1:]
        else:
            text = head.rstrip(":") + tail
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


#: The fps every writer can encode: below 1e-4 ffmpeg's mp4 muxer fails (1e-5) and readers
#: report 0 fps; above 1000 VP9 drops frames. A Clip's fps is always in this range.
MIN_FPS = 1e-4
MAX_FPS = 1000.0
# GIF stores each frame's delay in hundredths of a second (16 bits: at most 655.35 s); WebP in
# milliseconds (24 bits). Browsers (Chromium, Firefox) show a delay of 10 ms or less as 100 ms,
# so GIF needs ≥ 2 cs (≤ 50 fps) and WebP ≥ 11 ms (≤ 90.9 fps) to play at the stored speed.
_GIF_CS = (2, 0xFFFF)
_WEBP_MS = (11, 0xFFFFFF)
_WEBP_MAX_TOTAL_MS = 2**31 - 1  # Pillow/libwebp timestamps are C ints: about 24.8 days in all
#: ``suffix → (lowest fps, highest fps)`` each writer can store exactly enough to play right.
FPS_LIMITS: dict[str, tuple[float, float]] = {
    ".mp4": (MIN_FPS, MAX_FPS),
    ".webm": (MIN_FPS, MAX_FPS),
    ".gif": (100.0 / _GIF_CS[1], 100.0 / _GIF_CS[0]),
    ".webp": (max(MIN_FPS, 1000.0 / _WEBP_MS[1]), 1000.0 / _WEBP_MS[0]),
}
_FPS_WHY = {
    ".gif": "GIF stores frame delays in hundredths of a second (at most 655.35 s), and browsers "
            "play delays of 10 ms or less at 10 fps",
    ".webp": "WebP stores frame delays in whole milliseconds, and browsers play delays of 10 ms or "
             "less at 10 fps",
}
#: Largest width/height each writer can store (WebP: libwebp's 16383; GIF: 16 bits).
_MAX_SIDE = {".webp": 16383, ".gif": 65535}

__all__ += ["check_fps", "FPS_LIMITS", "MIN_FPS", "MAX_FPS"]  # kept with the video code


def _brief(value: Any) -> str:
    """repr of an untrusted value, short and never failing (huge ints have no repr)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def check_fps(fps: Any, *, suffix: str | None = None,
              error: type[Exception] = VideoInputError) -> float:
    """Return ``fps`` as a float if a clip at that rate can be written, else raise ``error``.

    The single source of the fps rule. Without ``suffix`` the range is
    [:data:`MIN_FPS`, :data:`MAX_FPS`] (what H.264/VP9 through ffmpeg store and read back, and
    what a :class:`~i2v_nb.clip.Clip` accepts). With a ``suffix`` (``".gif"`` or ``"gif"``…) it
    is that writer's range in :data:`FPS_LIMITS`: GIF 0.0015…50 fps, WebP 0.0001…90.9 fps.

    >>> check_fps(24)
    24.0
    >>> check_fps(60, suffix=".gif")
    Traceback (most recent call last):
    ...
    i2v_nb.errors.VideoInputError: fps must be in [0.001526, 50] to be written as .gif, got 60 ...

    Args:
        fps: frames per second: an int, float or numpy number (not a bool or a string).
        suffix: the output format, to check that writer's own limits.
        error: the exception class to raise (e.g. :class:`~i2v_nb.errors.ParameterError` when
            checking a generation request up front).

    Raises:
        ``error`` (VideoInputError by default): for a non-number, NaN/inf, or an fps outside
        the range, naming the range and the fix.
    """
    import numbers

    key = None
    if suffix is not None:
        key = "." + str(suffix).lower().lstrip(".")
        if key not in FPS_LIMITS:
            raise error(f"suffix={_brief(suffix)} is not a video format; use one of "
                        f"{', '.join(VIDEO_SUFFIXES)}")
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real):
        raise error(f"fps must be a number (frames per second), got {_brief(fps)}")
    try:
        value = float(fps)
    except (OverflowError, ValueError, TypeError):
        value = math.inf
    low, high = FPS_LIMITS[key] if key else (MIN_FPS, MAX_FPS)
    if not math.isfinite(value) or not low <= value <= high:
        shown = f"{value:g}" if math.isfinite(value) else _brief(fps)
        if key is None:
            raise error(f"fps must be in [{low:g}, {high:g}], got {shown}; pick a frame rate in "
                        "that range (e.g. 8, 24 or 30)")
        why = _FPS_WHY.get(key, "below it ffmpeg's mp4 muxer fails and readers report 0 fps, "
                                "above it VP9 drops frames")
        better = "; or save as .mp4" if key in (".gif", ".webp") and value <= MAX_FPS else ""
        raise error(f"fps must be in [{low:.4g}, {high:.4g}] to be written as {key}, got "
                    f"{shown} ({why}). Pick a frame rate in that range{better}")
    return value


_check_fps = check_fps  # the earlier private name


def _suffix(path: pathlib.Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise VideoInputError(f"cannot write a video to {str(path)!r}: the suffix {suffix!r} is "
                              f"not one of {', '.join(VIDEO_SUFFIXES)}")
    return suffix


def _durations_ms(count: int, fps: float, unit_ms: int) -> list[int]:
    """Per-frame delays in ms, each a multiple of ``unit_ms``, whose running sum follows
    ``i * 1000 / fps``: each delay is quantised but the average rate is exact (30 fps as GIF:
    30, 40, 30, 30, 40… ms instead of 30 ms every frame, which plays at 33.3 fps)."""
    step = 1000.0 / fps / unit_ms
    out, previous = [], 0
    for i in range(1, count + 1):
        t = round(i * step)
        out.append((t - previous) * unit_ms)
        previous = t
    return out


def _write_pil_animation(path: pathlib.Path, frames: np.ndarray, fps: float, fmt: str) -> None:
    from PIL import Image

    images = [Image.fromarray(f) for f in frames]
    if fmt == "GIF":
        duration = _durations_ms(len(images), fps, 10)  # GIF delays are centiseconds
        # one adaptive palette per frame keeps colours; dithering off keeps frames stable
        images = [im.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                              dither=Image.Dither.NONE) for im in images]
        images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                       duration=duration, loop=0, disposal=1, optimize=False)
    else:
        images[0].save(path, format="WEBP", save_all=True, append_images=images[1:],
                       duration=_durations_ms(len(images), fps, 1), loop=0, quality=90, method=4)


def _check_crf(crf: Any) -> int:
    if isinstance(crf, bool) or not isinstance(crf, (int, np.integer)) or not 0 <= crf <= 51:
        raise VideoInputError(f"crf must be an integer from 0 to 51 (lower is better quality; "
                              f"18 is visually lossless), got {_brief(crf)}")
    return int(crf)


def write_video(path: PathLike, frames: Any, fps: float, *, crf: int = 18) -> pathlib.Path:
    """Write frames to ``path`` as mp4 (H.264, yuv420p), webm (VP9), gif or webp, by suffix.

    The file appears atomically (written to a temporary file in the same folder, then renamed),
    so an interrupted write never leaves a half file; it gets the user's umask (0644 under umask
    022). Odd sizes are padded to even ones (by repeating the last row/column) for mp4 and webm.
    Everything is checked before any work: the suffix, ``fps`` against that format's limits
    (:func:`check_fps`), the frames, ``crf`` and the sizes GIF/WebP can hold.

    >>> import numpy as np
    >>> write_video("/tmp/grey.mp4", np.full((8, 32, 32, 3), 128, np.uint8), fps=8)  # doctest: +SKIP
    PosixPath('/tmp/grey.mp4')

    Args:
        path: output file; its suffix picks the format.
        frames: ``(T, H, W, 3)`` uint8 (or anything :func:`i2v_nb._media.as_frames` accepts).
        fps: frames per second (GIF: at most 50, WebP: at most 90.9; see :data:`FPS_LIMITS`).
        crf: H.264/VP9 quality, 0…51 (lower is better; 18 is visually lossless).

    Returns:
        The path written.

    Raises:
        VideoInputError: for an unknown suffix, bad frames, fps or crf, or a size or length the
            format cannot store.
        RuntimeError: when ffmpeg fails (the message holds the line of its output that says
            why, see :func:`ffmpeg_error_line`).
    """
    from i2v_nb._media import apply_umask

    path = pathlib.Path(path)
    suffix = _suffix(path)
    fps = check_fps(fps, suffix=suffix)
    crf = _check_crf(crf)
    frames = as_frames(frames)
    count, height, width = frames.shape[:3]
    if suffix in _MAX_SIDE and max(width, height) > _MAX_SIDE[suffix]:
        raise VideoInputError(f"frames of {width}×{height} cannot be written as {suffix}: its "
                              f"sides are at most {_MAX_SIDE[suffix]} pixels; resize the frames "
                              "or save as .mp4")
    if suffix == ".webp" and count * 1000.0 / fps > _WEBP_MAX_TOTAL_MS:
        raise VideoInputError(f"{count} frames at fps={fps:g} last {count / fps / 86400:.1f} "
                              "days, more than a .webp can hold (24.8 days); save as .mp4")
    if suffix in (".mp4", ".webm"):
        import mediapy

        _ffmpeg()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{suffix}",
                                    dir=path.parent)
    os.close(fd)
    tmp = pathlib.Path(tmp_name)
    try:
        if suffix in (".mp4", ".webm"):
            codec = "h264" if suffix == ".mp4" else "vp9"
            try:
                mediapy.write_video(tmp, _pad_even(frames), fps=fps, codec=codec, crf=crf)
            except RuntimeError as e:  # ffmpeg failed: its stderr is in the message
                detail = re.sub(r"^Error writing '[^']*':\s*", "", str(e))
                detail = ffmpeg_error_line(detail).replace(str(tmp), str(path))
                raise RuntimeError(
                    f"ffmpeg could not write {str(path)!r} ({codec}, {width}×{height}, "
                    f"{count} frames): {detail[:300]}; check the frame size, the free disk "
                    "space and that the folder is writable") from e
        else:
            _write_pil_animation(tmp, frames, fps, "GIF" if suffix == ".gif" else "WEBP")
        apply_umask(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _frame_budget(desc: str, width: int, height: int, max_frames: int, max_pixels: int | None,
                  max_bytes: int | None) -> int:
    """How many frames of ``width × height`` may be decoded (size checked before decoding)."""
    if width <= 0 or height <= 0:
        raise VideoInputError(f"{desc} states a frame size of {width}×{height}; the file is "
                              "damaged")
    if max_pixels is not None and width * height > max_pixels:
        raise VideoInputError(f"{desc} is {width}×{height}, above max_pixels={max_pixels}; pass a "
                              "smaller video or raise max_pixels")
    budget = max_frames
    if max_bytes is not None:
        budget = min(budget, max(1, max_bytes // max(1, width * height * 3)))
    return budget


def _warn_truncated(desc: str, kept: int, total: int | None, why: str | None = None) -> None:
    if why is not None:
        warnings.warn(f"{desc}: read the first {kept} frames; {why}", VideoTruncatedWarning,
                      stacklevel=4)
    elif total is not None and total > kept:
        warnings.warn(f"{desc} has {total} frames; read the first {kept} (max_frames / max_bytes "
                      "limit the frames held in memory: raise them to read more)",
                      VideoTruncatedWarning, stacklevel=4)


class _FrameBuffer:
    """Decoded frames in one ``(capacity, H, W, 3)`` uint8 array, filled in place.

    The capacity is the frame count the container states (capped by the budget), so in the usual
    case the array is allocated once and never copied: peak memory is about ``max_bytes`` (a list
    of frames followed by ``np.stack`` needed twice that). When a container understates its
    length, the array grows by half with ``ndarray.resize`` (``realloc``: in place on Linux for
    large blocks); the final trim shrinks it the same way.
    """

    def __init__(self, capacity: int, height: int, width: int) -> None:
        self.height, self.width = height, width
        self.array = np.empty((max(1, capacity), height, width, 3), np.uint8)
        self.count = 0

    def append(self, image: Any) -> None:
        if self.count == self.array.shape[0]:
            grown = max(self.count + 1, self.count * 3 // 2)
            self.array.resize((grown, self.height, self.width, 3), refcheck=False)
        self.array[self.count] = np.asarray(image)[:self.height, :self.width, :3]
        self.count += 1

    def result(self) -> np.ndarray:
        if self.count < self.array.shape[0]:
            self.array.resize((self.count, self.height, self.width, 3), refcheck=False)
        return self.array


def _target_size(desc: str, width: int, height: int, sidecar: dict) -> tuple[int, int]:
    """The size to keep: the sidecar's when it differs from the decoded one only by the even
    padding of mp4/webm (one extra row/column), else the decoded size."""
    from i2v_nb.clip import SidecarWarning

    sw, sh = sidecar.get("width"), sidecar.get("height")
    if sw is None or sh is None or (sw, sh) == (width, height):
        return width, height
    if 0 <= width - sw <= 1 and 0 <= height - sh <= 1:
        return sw, sh
    warnings.warn(f"the sidecar of {desc} says {sw}×{sh} but the video is {width}×{height}; "
                  "kept the video's size (the sidecar may belong to another version of the file)",
                  SidecarWarning, stacklevel=4)
    return width, height


def _valid_fps(fps: Any, default: float) -> float:
    """A container's frame rate if a Clip can hold it, else ``default``."""
    try:
        return check_fps(fps)
    except VideoInputError:
        return default


def _read_pil_animation(path: pathlib.Path, desc: str, max_frames: int, max_pixels: int | None,
                        max_bytes: int | None, sidecar: dict) -> tuple[np.ndarray, float]:
    from PIL import Image

    durations: list[float] = []
    with Image.open(path) as im:
        stored = getattr(im, "n_frames", 1)
        # GIF and WebP writers merge identical consecutive frames into one longer frame; with
        # the sidecar's exact fps and frame count, each is repeated back to its frames
        fps_exact, expected = sidecar.get("fps"), sidecar.get("num_frames")
        expand = fps_exact is not None and expected is not None and expected > stored
        total = expected if expand else stored
        budget = _frame_budget(desc, im.width, im.height, max_frames, max_pixels, max_bytes)
        width, height = _target_size(desc, im.width, im.height, sidecar)
        buffer = _FrameBuffer(min(total, budget), height, width)
        damaged, elapsed_ms = None, 0.0
        for index in range(stored):
            if buffer.count >= budget:
                break
            try:
                im.seek(index)
                im.load()  # WebP fills info["duration"] only once the frame is loaded
                frame = np.asarray(im.convert("RGB"))
            except Exception as e:
                if index == 0:
                    raise
                damaged = f"frame {index + 1} of {stored} could not be decoded ({type(e).__name__})"
                break
            duration = im.info.get("duration")
            duration = duration if isinstance(duration, (int, float)) and duration > 0 else 100
            durations.append(duration)
            copies = 1
            if expand:
                elapsed_ms += duration
                copies = max(1, round(elapsed_ms * fps_exact / 1000.0) - buffer.count)
            for _ in range(min(copies, budget - buffer.count)):
                buffer.append(frame)
    _warn_truncated(desc, buffer.count, total, damaged)
    fps = _valid_fps(1000.0 / float(np.median(durations)), 10.0)
    return buffer.result(), fps


def _read_ffmpeg(path: pathlib.Path, desc: str, max_frames: int, max_pixels: int | None,
                 max_bytes: int | None, sidecar: dict) -> tuple[np.ndarray, float]:
    import mediapy

    _ffmpeg()
    with mediapy.VideoReader(path) as reader:
        fps = _valid_fps(reader.fps, 24.0)
        height, width = reader.shape[0], reader.shape[1]
        budget = _frame_budget(desc, width, height, max_frames, max_pixels, max_bytes)
        width, height = _target_size(desc, width, height, sidecar)
        total = reader.num_images if reader.num_images > 0 else None  # counted by ffmpeg
        buffer = _FrameBuffer(min(budget, total or 16), height, width)
        more = False
        for image in reader:
            if buffer.count >= budget:
                more = True
                break
            buffer.append(image)
    if buffer.count == 0:
        raise VideoInputError(f"{desc} holds no decodable frames; the file may be damaged")
    if total is None and more:
        _warn_truncated(desc, buffer.count, None, "it has more (max_frames / max_bytes limit the "
                        "frames held in memory: raise them to read more)")
    else:
        _warn_truncated(desc, buffer.count, total)
    return buffer.result(), fps


def _check_limit(name: str, value: Any, *, optional: bool) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"{name} must be a positive integer{' or None' if optional else ''}, "
                             f"got {_brief(value)}")


def read_video(path: PathLike, *, max_frames: int = 10_000,
               max_pixels: int | None = DEFAULT_MAX_PIXELS,
               max_bytes: int | None = DEFAULT_MAX_VIDEO_BYTES) -> "Clip":
    """Read an mp4, webm, gif or webp (animated) file into a :class:`~i2v_nb.clip.Clip`.

    mp4/webm are decoded with ffmpeg (imageio-ffmpeg's bundled binary), gif/webp with Pillow.
    Videos are untrusted: the frame size is checked against ``max_pixels`` before decoding, and
    at most ``max_frames`` frames and ``max_bytes`` of decoded pixels are kept (the first ones,
    with a :class:`VideoTruncatedWarning`; also when a later GIF/WebP frame is damaged). Frames
    are decoded into one preallocated array, so peak memory stays near ``max_bytes``.

    A JSON sidecar written by :meth:`Clip.save` (``NAME.json`` beside ``NAME.mp4``) gives back
    the exact fps, the size before even-padding and ``clip.metadata``. Sidecars are untrusted
    too; the policy is **ignore and warn**: a field that breaks its rule (a non-number or
    out-of-range fps, width or height; metadata that is not an object, nested deeper than 32
    levels or holding more than a million values; a file over 16 MiB, not UTF-8 or not JSON) is
    left out with a :class:`~i2v_nb.clip.SidecarWarning` naming the file, the field and the rule,
    and what the video itself says is used instead (see :func:`i2v_nb.clip.parse_sidecar`). A
    frame rate the container states outside [MIN_FPS, MAX_FPS] becomes 24 (mp4/webm) or 10
    (gif/webp).

    >>> clip = read_video("take1.mp4")       # doctest: +SKIP
    >>> clip.frames.shape                     # doctest: +SKIP
    (49, 480, 720, 3)

    Raises:
        VideoInputError: for a missing, empty, damaged or unsupported file (never another
            exception for bad content, in the video or its sidecar).
        ParameterError: for a limit that is not a positive integer.
    """
    from i2v_nb.clip import Clip, read_sidecar

    _check_limit("max_frames", max_frames, optional=False)
    _check_limit("max_pixels", max_pixels, optional=True)
    _check_limit("max_bytes", max_bytes, optional=True)
    path = pathlib.Path(path)
    desc = repr(str(path))
    try:
        if path.is_dir():
            raise VideoInputError(f"{desc} is a folder, not a video file")
        if not path.exists():
            raise VideoInputError(f"no video file at {desc}; check the path")
        if not path.is_file():
            raise VideoInputError(f"{desc} is not a regular file")
        if path.stat().st_size == 0:
            raise VideoInputError(f"{desc} is empty (0 bytes)")
    except OSError as e:
        raise VideoInputError(f"cannot read {desc} ({type(e).__name__}: {e})") from e
    suffix = path.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise VideoInputError(f"cannot read {desc}: the suffix {suffix!r} is not one of "
                              f"{', '.join(VIDEO_SUFFIXES)}")
    sidecar = read_sidecar(path, full=True) or {}  # validated: bad fields left out, with a warning
    reader = _read_pil_animation if suffix in (".gif", ".webp") else _read_ffmpeg
    try:
        frames, fps = reader(path, desc, int(max_frames), max_pixels, max_bytes, sidecar)
    except VideoInputError:
        raise
    except Exception as e:
        detail = ffmpeg_error_line(str(e))  # ffmpeg's banner would hide the line that matters
        detail = detail if len(detail) <= 300 else detail[:300] + "…"
        raise VideoInputError(f"could not decode {desc} ({type(e).__name__}: {detail}); "
                              "the file may be damaged or use a codec ffmpeg cannot read") from e
    # the sidecar knows the exact fps (GIF stores centiseconds)
    return Clip(frames, sidecar.get("fps", fps), metadata=sidecar.get("metadata", {}))
