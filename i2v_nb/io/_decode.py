"""Decoding an image with Pillow safely: open the header, decode the current frame to RGB with
its EXIF orientation applied, and turn whatever a decoder raises on a damaged file into an
:class:`~i2v_nb.errors.ImageInputError` that says what to do.

>>> image = open_bytes(b"P1\\n2 1\\n0 1\\n", "<11 bytes>")   # a plain-text PBM
>>> decode_to_rgb(image, "<11 bytes>", (255, 255, 255), None, None).getpixel((1, 0))
(0, 0, 0)
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from i2v_nb.errors import AnimatedImageWarning, ImageInputError
from i2v_nb.io._pixels import to_rgb
from i2v_nb.io._sniff import sniff
from i2v_nb.io.checks import check_image_size

__all__ = ["PillowWarnings", "bomb_error", "decode_error", "open_bytes", "ANIMATED_FORMATS",
           "warn_if_animated", "EXIF_TRANSPOSE", "exif_orientation", "decode_to_rgb"]


class PillowWarnings(warnings.catch_warnings):
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


def bomb_error(desc: str, error: Exception) -> ImageInputError:
    """The :class:`ImageInputError` for Pillow's decompression-bomb error or warning."""
    text = str(error)
    size = text.split(")")[0].replace("Image size (", "(") + ")" if text.startswith(
        "Image size (") else ""
    return ImageInputError(f"{desc} declares a huge size {size} — a possible decompression bomb; "
                           "refused before decoding. Downscale it first, or (for a file you "
                           "trust) raise PIL.Image.MAX_IMAGE_PIXELS and pass max_pixels=None.")


def decode_error(desc: str, error: BaseException, raw: bytes | None, fmt: str | None,
                 notes: list[warnings.WarningMessage] = ()) -> ImageInputError:
    """The :class:`ImageInputError` for a file Pillow recognised but failed to read."""
    if raw is not None:
        sniffed = sniff(raw[:4096], text=False)
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


def open_bytes(raw: bytes, desc: str) -> Any:
    """``Image.open`` on the bytes (header only), every failure an :class:`ImageInputError`."""
    from PIL import Image, UnidentifiedImageError

    caught: list[warnings.WarningMessage] = []
    try:
        with PillowWarnings() as caught:
            return Image.open(io.BytesIO(raw))  # identifies the format, reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise bomb_error(desc, e) from e
    except UnidentifiedImageError as e:
        sniffed = sniff(raw[:4096])  # only now: text formats Pillow reads have loaded above
        if sniffed is not None:
            what, fix = sniffed
            raise ImageInputError(f"{desc} is {what}, not an image Pillow can read; {fix}") from e
        notes = "; ".join(dict.fromkeys(str(w.message)[:120] for w in caught))
        notes = f" (Pillow: {notes})" if notes else ""
        raise ImageInputError(f"{desc} is not an image format Pillow can read (or the file is "
                              f"damaged){notes}; save it as PNG or JPEG and try again") from e
    except Exception as e:  # a plugin that recognised the header failed on the rest of it
        raise decode_error(desc, e, raw, None, caught) from e


#: Formats whose extra frames are an animation (warned about); other multi-frame formats (TIFF
#: pages, PSD layers, MPO views, ICO sizes) silently give their first or main image.
ANIMATED_FORMATS = frozenset({"GIF", "PNG", "WEBP", "FLI", "AVIF"})


def warn_if_animated(image: Any, desc: str) -> None:
    """Warn when ``image`` (already decoded) is an animation. Only its header or the next
    frame's is read, inside a ``try``: a damaged later frame never stops the first from loading."""
    if getattr(image, "format", None) not in ANIMATED_FORMATS:
        return
    try:
        with PillowWarnings():
            animated = bool(image.is_animated)
    except Exception:
        return
    if not animated:
        return
    try:
        with PillowWarnings():
            count = f"{int(image.n_frames)} frames"
    except Exception:  # GIF counts by walking every frame: a damaged one stops the count
        count = "several frames"
    warnings.warn(f"{desc} is animated ({count}); using its first frame. To use every frame, "
                  "load it with i2v_nb.read_video().", AnimatedImageWarning, stacklevel=3)


EXIF_TRANSPOSE = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE",
                   6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}


def exif_orientation(image: Any) -> int:
    """The EXIF (or XMP) orientation, 1 when absent or unreadable (damaged metadata does not
    stop an image from loading; its pixels are shown as stored)."""
    try:
        value = image.getexif().get(0x0112, 1)
        return int(value) if int(value) in EXIF_TRANSPOSE else 1
    except Exception:
        return 1


def decode_to_rgb(image: Any, desc: str, background: tuple[int, int, int],
                   max_pixels: int | None, raw: bytes | None) -> Any:
    """Decode the current frame of ``image`` and return a new RGB image; any failure (whatever
    the decoder raised) is an :class:`ImageInputError` chained to the original exception."""
    from PIL import Image

    fmt = getattr(image, "format", None)
    caught: list[warnings.WarningMessage] = []
    try:
        with PillowWarnings() as caught:
            image.load()
            # ICO/ICNS take their size from the embedded image on load: check it again
            check_image_size(image.width, image.height, max_pixels, desc)
            orientation = exif_orientation(image)
            rgb = to_rgb(image, background)
            if orientation != 1:
                rgb = rgb.transpose(getattr(Image.Transpose, EXIF_TRANSPOSE[orientation]))
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
        raise decode_error(desc, e, raw, fmt, caught) from e
    for key in ("exif", "xmp"):  # orientation already applied: don't let a viewer apply it again
        rgb.info.pop(key, None)
    return rgb
