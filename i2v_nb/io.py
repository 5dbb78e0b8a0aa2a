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
    name = getattr(source, "name", None)
    if isinstance(name, str):
        return repr(name)
    return f"<{type(source).__name__}>"


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


def _sniff(head: bytes) -> tuple[str, str] | None:
    for magic, offset, what, fix in _NOT_IMAGES:
        if head[offset:offset + len(magic)] == magic:
            return what, fix
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
    import urllib.error
    import urllib.parse
    import urllib.request

    class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
        """Follow redirects to http(s) only: a server must not send us to ftp:// or file://."""

        def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
            if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
                raise urllib.error.URLError(f"redirected to a non-http(s) address {newurl!r}")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": "i2v_nb (+image loader)"})
    try:
        with opener.open(request, timeout=timeout) as response:  # scheme checked, redirects too
            data = response.read(MAX_URL_BYTES + 1)
    except urllib.error.HTTPError as e:
        raise ImageInputError(f"could not download {desc}: the server answered HTTP {e.code} "
                              f"({e.reason}). Check the address, or download the file and pass "
                              "its path.") from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise ImageInputError(f"could not reach {desc} ({reason}). Check the address and your "
                              "network (a notebook on a closed network cannot download), or "
                              "download the file and pass its path.") from None
    if len(data) > MAX_URL_BYTES:
        raise ImageInputError(f"{desc} is larger than {MAX_URL_BYTES // 2**20} MiB; download it "
                              "yourself and pass a smaller image.")
    return data


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
        path = pathlib.Path(os.fspath(source)).expanduser()
        if os.fspath(source) == "":
            raise ImageInputError("the image path is an empty string; pass the path of an image "
                                  "file, a URL, bytes, an array or a PIL image")
        if path.is_dir():
            raise ImageInputError(f"{desc} is a folder, not an image file; pass the path of one "
                                  "image inside it")
        if not path.exists():
            hint = ""
            parent = path.parent if str(path.parent) else pathlib.Path(".")
            if parent.is_dir():
                close = sorted(p.name for p in parent.iterdir() if p.stem.lower() ==
                               path.stem.lower() and p.name != path.name)[:3]
                if close:
                    hint = f" Did you mean {', '.join(close)}?"
            raise ImageInputError(f"no file at {desc} (looked in {str(path.resolve())!r}). Check "
                                  f"the path and the working directory ({os.getcwd()!r}).{hint}")
        try:
            return path.read_bytes()
        except OSError as e:
            raise ImageInputError(f"could not read {desc}: {e.strerror or e}. Check the file's "
                                  "permissions.") from None
    if hasattr(source, "read"):
        try:
            data = source.read()
        except (OSError, ValueError) as e:
            raise ImageInputError(f"could not read from {desc}: {e}. Pass an open, readable "
                                  "binary file.") from None
        if isinstance(data, str):
            raise ImageInputError(f"{desc} is opened in text mode; open it with 'rb'")
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


def _to_rgb(image: Any, background: tuple[int, int, int]) -> Any:
    """Convert any Pillow mode to 8-bit RGB, compositing transparency onto ``background``."""
    from PIL import Image

    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
        mode = image.mode
        if mode == "RGB":
            return image
    if mode.startswith("I;16") or mode in ("I", "F"):
        a = np.asarray(image)
        if mode.startswith("I;16"):
            a8 = to_uint8(a.astype(np.uint16))
        elif mode == "I":
            a8 = to_uint8(a.astype(np.uint16)) if a.max(initial=0) > 255 else to_uint8(a)
        else:  # "F": floats; [0, 1] if they fit, else 0..255
            a8 = to_uint8(a) if a.max(initial=0) <= 1.0 else to_uint8(np.clip(a, 0, 255) / 255.0)
        return Image.fromarray(a8, mode="L").convert("RGB")
    if mode in ("RGBA", "LA", "La", "RGBa"):
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


def load_image(
    source: Any,
    *,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    background: tuple[int, int, int] = (255, 255, 255),
    timeout: float = URL_TIMEOUT_S,
) -> "PILImage.Image":
    """Load an image from whatever the user has and return it as an 8-bit RGB PIL image.

    Applies EXIF orientation, composites transparency onto ``background``, converts palette,
    CMYK (through its ICC profile), 16-bit and greyscale images to 8-bit RGB with correct
    scaling, and takes the first frame of an animated image (with an
    :class:`AnimatedImageWarning`).

    >>> import numpy as np
    >>> load_image(np.zeros((4, 6), np.uint8)).size
    (6, 4)
    >>> load_image(np.ones((2, 2, 3), np.float32)).getpixel((0, 0))
    (255, 255, 255)

    Args:
        source: a path (``str`` or ``pathlib.Path``), an ``http(s)://`` URL, ``bytes``, a binary
            file object, a numpy array shaped ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` in uint8,
            uint16 or float in [0, 1], or a PIL image.
        max_pixels: refuse images with more pixels than this, checked from the header before
            decoding (``None`` removes the limit: only for files you trust).
        background: RGB colour that transparent pixels are composited onto.
        timeout: seconds to wait for a URL.

    Returns:
        A new PIL image in mode ``"RGB"``.

    Raises:
        ImageInputError: for missing paths, folders, empty/corrupt/truncated files, files that
            are not images or in a format Pillow cannot read, unreachable URLs, images above
            ``max_pixels`` and arrays of a wrong shape or dtype. The message names the input and
            says what to do.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if (not isinstance(background, (tuple, list)) or len(background) != 3
            or not all(isinstance(c, (int, np.integer)) and 0 <= c <= 255 for c in background)):
        raise ImageInputError(f"background must be an RGB tuple of three ints in 0..255, got "
                              f"{background!r}")
    background = tuple(int(c) for c in background)
    desc = _describe(source)
    raw = _source_to_bytes_or_image(source, desc, timeout)

    if isinstance(raw, np.ndarray):
        return _to_rgb(_array_to_pil(raw, desc, max_pixels), background)

    if isinstance(raw, Image.Image):
        image = raw
        _check_size(image.width, image.height, max_pixels, desc)
    else:
        if len(raw) == 0:
            raise ImageInputError(f"{desc} is empty (0 bytes); the upload or download did not "
                                  "complete — try again, or pick another file")
        sniffed = _sniff(raw[:4096])
        if sniffed is not None and not raw.startswith((b"\x89PNG", b"\xff\xd8", b"GIF8", b"RIFF")):
            what, fix = sniffed
            raise ImageInputError(f"{desc} is {what}, not an image Pillow can read; {fix}")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(io.BytesIO(raw))  # reads the header only
        except UnidentifiedImageError:
            raise ImageInputError(f"{desc} is not an image format Pillow can read (or the file "
                                  "is damaged); save it as PNG or JPEG and try again") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            size = str(e).split(")")[0] + ")" if str(e).startswith("Image size (") else ""
            raise ImageInputError(f"{desc} declares a huge size {size.replace('Image size ', '')}"
                                  " — a possible decompression bomb; refused before decoding. "
                                  "Downscale it first.") from None
        except (OSError, ValueError, SyntaxError) as e:
            raise ImageInputError(f"{desc} is damaged or not an image ({e}); re-export it as PNG "
                                  "or JPEG") from None
        _check_size(image.width, image.height, max_pixels, desc)

    n_frames = getattr(image, "n_frames", 1)
    if getattr(image, "is_animated", False) and n_frames > 1:
        warnings.warn(f"{desc} is animated ({n_frames} frames); using its first frame. To use "
                      "every frame, load it with i2v_nb.read_video().", AnimatedImageWarning,
                      stacklevel=2)
        image.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            image = ImageOps.exif_transpose(image) or image
            # the EXIF transpose may return the same object; copy so that no file handle is kept
            rgb = _to_rgb(image, background)
            rgb = rgb.copy() if rgb is raw else rgb
            rgb.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageInputError(f"{desc} is too large to decode safely; downscale it first") from None
    except (OSError, ValueError, SyntaxError, EOFError) as e:
        msg = str(e)
        kind = "truncated (the file ends early)" if "truncat" in msg.lower() else "damaged"
        raise ImageInputError(f"{desc} is {kind}: {msg}. Re-download or re-export the image "
                              "and try again.") from None
    if rgb.mode != "RGB":  # pragma: no cover - defensive
        rgb = rgb.convert("RGB")
    rgb.info.pop("exif", None)
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
) -> "PILImage.Image":
    """Bring an image to a model's resolution.

    ``width`` and ``height`` are first snapped to the nearest multiple of ``multiple_of`` (with a
    :class:`ResolutionSnapWarning` when that changes them). Then:

    * ``"crop"`` scales the image to cover the target and crops the centre (no distortion, edges
      lost);
    * ``"pad"`` scales it to fit inside and pads with ``fill`` (nothing lost, bars added);
    * ``"stretch"`` resizes to the target (distorts when aspect ratios differ).

    >>> import numpy as np
    >>> fit_image(np.zeros((100, 300, 3), np.uint8), 64, 64, mode="pad").size
    (64, 64)

    Args:
        image: anything :func:`load_image` accepts.
        width, height: target size in pixels (positive).
        mode: ``"crop"``, ``"pad"`` or ``"stretch"``.
        multiple_of: sizes are snapped to a multiple of this (1 disables snapping).
        fill: RGB colour of the bars in ``"pad"`` mode.

    Returns:
        A new RGB PIL image of the (snapped) target size.

    Raises:
        ParameterError: for a non-positive size or multiple, or an unknown mode.
    """
    from PIL import Image

    for name, v in (("width", width), ("height", height), ("multiple_of", multiple_of)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
            raise ParameterError(f"{name} must be a positive integer, got {v!r}")
    if mode not in ("crop", "pad", "stretch"):
        raise ParameterError(f"mode must be 'crop', 'pad' or 'stretch', got {mode!r}")
    w, h = _snap(int(width), int(multiple_of)), _snap(int(height), int(multiple_of))
    if (w, h) != (width, height):
        warnings.warn(f"size {width}×{height} snapped to {w}×{h} (a multiple of {multiple_of})",
                      ResolutionSnapWarning, stacklevel=2)
    img = image if isinstance(image, Image.Image) and image.mode == "RGB" else load_image(image)
    if img.size == (w, h):
        return img.copy()
    resample = Image.Resampling.LANCZOS

    def resize(im: Any, size: tuple[int, int]) -> Any:
        # reducing_gap: a fast box reduction first, then Lanczos over the last factor of 3 —
        # indistinguishable from a full Lanczos pass and several times faster on big downscales
        return im.resize(size, resample, reducing_gap=3.0)

    if mode == "stretch":
        return resize(img, (w, h))
    sw, sh = img.size
    if mode == "crop":
        scale = max(w / sw, h / sh)
        nw, nh = max(w, math.ceil(sw * scale - 1e-6)), max(h, math.ceil(sh * scale - 1e-6))
        resized = resize(img, (nw, nh))
        left, top = (nw - w) // 2, (nh - h) // 2
        return resized.crop((left, top, left + w, top + h))
    scale = min(w / sw, h / sh)
    nw, nh = max(1, min(w, round(sw * scale))), max(1, min(h, round(sh * scale)))
    canvas = Image.new("RGB", (w, h), tuple(int(c) for c in fill))
    canvas.paste(resize(img, (nw, nh)), ((w - nw) // 2, (h - nh) // 2))
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


def _check_fps(fps: Any) -> float:
    try:
        value = float(fps)
    except (TypeError, ValueError):
        raise VideoInputError(f"fps must be a number, got {fps!r}") from None
    if not math.isfinite(value) or value <= 0 or value > 1000:
        raise VideoInputError(f"fps must be in (0, 1000], got {fps!r}")
    return value


def _suffix(path: pathlib.Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise VideoInputError(f"cannot write a video to {str(path)!r}: the suffix {suffix!r} is "
                              f"not one of {', '.join(VIDEO_SUFFIXES)}")
    return suffix


def _write_pil_animation(path: pathlib.Path, frames: np.ndarray, fps: float, fmt: str) -> None:
    from PIL import Image

    images = [Image.fromarray(f) for f in frames]
    duration = max(1, int(round(1000.0 / fps)))  # ms per frame
    if fmt == "GIF":
        # one adaptive palette per frame keeps colours; dithering off keeps frames stable
        images = [im.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                              dither=Image.Dither.NONE) for im in images]
        images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                       duration=duration, loop=0, disposal=1, optimize=False)
    else:
        images[0].save(path, format="WEBP", save_all=True, append_images=images[1:],
                       duration=duration, loop=0, quality=90, method=4)


def write_video(path: PathLike, frames: Any, fps: float, *, crf: int = 18) -> pathlib.Path:
    """Write frames to ``path`` as mp4 (H.264, yuv420p), webm (VP9), gif or webp, by suffix.

    The file appears atomically (written to a temporary file in the same folder, then renamed),
    so an interrupted write never leaves a half file. Odd sizes are padded to even ones (by
    repeating the last row/column) for mp4 and webm.

    >>> import numpy as np
    >>> write_video("/tmp/grey.mp4", np.full((8, 32, 32, 3), 128, np.uint8), fps=8)  # doctest: +SKIP
    PosixPath('/tmp/grey.mp4')

    Args:
        path: output file; its suffix picks the format.
        frames: ``(T, H, W, 3)`` uint8 (or anything :func:`i2v_nb._media.as_frames` accepts).
        fps: frames per second.
        crf: H.264/VP9 quality (lower is better; 18 is visually lossless).

    Returns:
        The path written.

    Raises:
        VideoInputError: for an unknown suffix, bad frames or fps.
    """
    path = pathlib.Path(path)
    suffix = _suffix(path)
    frames = as_frames(frames)
    fps = _check_fps(fps)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{suffix}",
                                    dir=path.parent)
    os.close(fd)
    tmp = pathlib.Path(tmp_name)
    try:
        if suffix in (".mp4", ".webm"):
            import mediapy

            _ffmpeg()
            codec = "h264" if suffix == ".mp4" else "vp9"
            mediapy.write_video(tmp, _pad_even(frames), fps=fps, codec=codec, crf=crf)
        else:
            _write_pil_animation(tmp, frames, fps, "GIF" if suffix == ".gif" else "WEBP")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _frame_budget(desc: str, width: int, height: int, max_frames: int, max_pixels: int | None,
                  max_bytes: int | None) -> int:
    """How many frames of ``width × height`` may be decoded (size checked before decoding)."""
    if max_pixels is not None and width * height > max_pixels:
        raise VideoInputError(f"{desc} is {width}×{height}, above max_pixels={max_pixels}; pass a "
                              "smaller video or raise max_pixels")
    budget = max_frames
    if max_bytes is not None:
        budget = min(budget, max(1, max_bytes // max(1, width * height * 3)))
    return budget


def _warn_truncated(desc: str, kept: int, total: int | None) -> None:
    if total is not None and total > kept:
        warnings.warn(f"{desc} has {total} frames; read the first {kept} (max_frames / max_bytes "
                      "limit the frames held in memory: raise them to read more)",
                      VideoTruncatedWarning, stacklevel=3)


def _read_pil_animation(path: pathlib.Path, desc: str, max_frames: int, max_pixels: int | None,
                        max_bytes: int | None) -> tuple[np.ndarray, float]:
    from PIL import Image

    frames, durations = [], []
    with Image.open(path) as im:
        total = getattr(im, "n_frames", 1)
        budget = _frame_budget(desc, im.width, im.height, max_frames, max_pixels, max_bytes)
        for index in range(min(total, budget)):
            im.seek(index)
            im.load()  # WebP fills info["duration"] only once the frame is loaded
            durations.append(im.info.get("duration") or 100)
            frames.append(np.asarray(im.convert("RGB")))
    _warn_truncated(desc, len(frames), total)
    fps = 1000.0 / float(np.median(durations)) if durations else 10.0
    return np.stack(frames), fps


def read_video(path: PathLike, *, max_frames: int = 10_000,
               max_pixels: int | None = DEFAULT_MAX_PIXELS,
               max_bytes: int | None = DEFAULT_MAX_VIDEO_BYTES) -> "Clip":
    """Read an mp4, webm, gif or webp (animated) file into a :class:`~i2v_nb.clip.Clip`.

    mp4/webm are decoded with ffmpeg (imageio-ffmpeg's bundled binary), gif/webp with Pillow.
    A JSON sidecar written by :meth:`Clip.save` (``NAME.json`` beside ``NAME.mp4``) is read back
    into ``clip.metadata``. Videos are untrusted: the frame size is checked against
    ``max_pixels`` before decoding, and at most ``max_frames`` frames and ``max_bytes`` of
    decoded pixels are kept (the first ones, with a :class:`VideoTruncatedWarning`).

    >>> clip = read_video("take1.mp4")       # doctest: +SKIP
    >>> clip.frames.shape                     # doctest: +SKIP
    (49, 480, 720, 3)

    Raises:
        VideoInputError: for a missing, empty, damaged or unsupported file.
    """
    from i2v_nb.clip import Clip, read_sidecar

    path = pathlib.Path(path)
    desc = repr(str(path))
    if path.is_dir():
        raise VideoInputError(f"{desc} is a folder, not a video file")
    if not path.exists():
        raise VideoInputError(f"no video file at {desc}; check the path")
    if path.stat().st_size == 0:
        raise VideoInputError(f"{desc} is empty (0 bytes)")
    suffix = path.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise VideoInputError(f"cannot read {desc}: the suffix {suffix!r} is not one of "
                              f"{', '.join(VIDEO_SUFFIXES)}")
    try:
        if suffix in (".gif", ".webp"):
            frames, fps = _read_pil_animation(path, desc, max_frames, max_pixels, max_bytes)
        else:
            import mediapy

            _ffmpeg()
            with mediapy.VideoReader(path) as reader:
                fps = float(reader.fps or 0) or 24.0
                width, height = reader.shape[1], reader.shape[0]
                budget = _frame_budget(desc, width, height, max_frames, max_pixels, max_bytes)
                frames = []
                for image in reader:
                    frames.append(image)
                    if len(frames) >= budget:
                        break
                _warn_truncated(desc, len(frames), getattr(reader, "num_images", None))
            if not frames:
                raise VideoInputError(f"{desc} holds no decodable frames")
            frames = np.stack(frames)
    except VideoInputError:
        raise
    except Exception as e:
        raise VideoInputError(f"could not decode {desc} ({type(e).__name__}: {e}); the file may "
                              "be damaged or use a codec ffmpeg cannot read") from None
    sidecar = read_sidecar(path, full=True) or {}
    # the sidecar knows the exact fps (GIF stores centiseconds) and the size before even-padding
    fps = float(sidecar.get("fps") or fps)
    width, height = sidecar.get("width"), sidecar.get("height")
    if (isinstance(width, int) and isinstance(height, int)
            and 0 <= frames.shape[2] - width <= 1 and 0 <= frames.shape[1] - height <= 1):
        frames = frames[:, :height, :width]
    return Clip(frames, fps, metadata=sidecar.get("metadata", {}))
