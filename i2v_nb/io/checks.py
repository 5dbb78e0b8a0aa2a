"""Shared validators of io (and of every layer above it): one rule each, one message each.

The fps policy lives here, once: :func:`check_fps` with :data:`MIN_FPS`, :data:`MAX_FPS` and
each writer's :data:`FPS_LIMITS`; the Clip, the writers, the history, the sidecar reader, the
registry and the CLI all ask it. The other checks are the small ``check_*`` helpers of
scikit-image's style: they return the value in its canonical type or raise an error whose
message names the parameter, the bad value (:func:`brief`), the rule and the fix.

>>> check_fps(24)
24.0
>>> check_positive_int(3, "width")
3
"""

from __future__ import annotations

import math
import pathlib
import reprlib
from typing import Any

import numpy as np

from i2v_nb.errors import ImageInputError, ParameterError, VideoInputError

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "VIDEO_SUFFIXES",
    "MIN_FPS",
    "MAX_FPS",
    "FPS_LIMITS",
    "MAX_SIDE_BY_FORMAT",
    "WEBP_MAX_TOTAL_MS",
    "brief",
    "check_fps",
    "check_positive_int",
    "check_max_pixels",
    "check_image_size",
    "check_rgb",
    "check_crf",
    "check_video_suffix",
]

#: Largest image ``load_image`` accepts by default (about 8K × 6K); bigger ones are refused
#: before decoding. Pass ``max_pixels=`` to change it.
DEFAULT_MAX_PIXELS = 50_000_000
#: The video formats read and written, by suffix.
VIDEO_SUFFIXES = (".mp4", ".webm", ".gif", ".webp")

#: The fps every writer can encode: below 1e-4 ffmpeg's mp4 muxer fails (1e-5) and readers
#: report 0 fps; above 1000 VP9 drops frames. A Clip's fps is always in this range.
MIN_FPS = 1e-4
MAX_FPS = 1000.0
# GIF stores each frame's delay in hundredths of a second (16 bits: at most 655.35 s); WebP in
# milliseconds (24 bits). Browsers (Chromium, Firefox) show a delay of 10 ms or less as 100 ms,
# so GIF needs ≥ 2 cs (≤ 50 fps) and WebP ≥ 11 ms (≤ 90.9 fps) to play at the stored speed.
_GIF_CS = (2, 0xFFFF)
_WEBP_MS = (11, 0xFFFFFF)
#: Longest a WebP animation may last, in ms: Pillow/libwebp timestamps are C ints (24.8 days).
WEBP_MAX_TOTAL_MS = 2**31 - 1
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
#: Largest width/height each animation writer can store (WebP: libwebp's 16383; GIF: 16 bits).
MAX_SIDE_BY_FORMAT = {".webp": 16383, ".gif": 65535}


class _Brief(reprlib.Repr):
    """``reprlib`` with integers that never fail: Python refuses ``repr`` of an int above 4,300
    digits, and a long one says nothing in a message anyway."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring, self.maxother, self.maxlong = 60, 60, 40

    def repr_int(self, x: int, level: int) -> str:
        bits = x.bit_length()
        return repr(x) if bits <= 64 else f"<an integer of {bits} bits>"


_BRIEF = _Brief()


def brief(value: Any) -> str:
    """A short ``repr`` of an untrusted value for an error message: never long (at most about
    100 characters; long strings, lists, dicts and deep nesting are abbreviated), never failing
    (a huge integer, a broken ``__repr__``).

    >>> brief("x" * 1000)[:12], len(brief("x" * 1000)) < 100
    ("'xxxxxxxxxxx", True)
    >>> brief(10 ** 5000)
    'an integer of 16610 bits'
    >>> brief(list(range(100)))
    '[0, 1, 2, 3, 4, 5, ...]'
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"
    try:
        text = _BRIEF.repr(value)
    except Exception as e:  # a broken __repr__ must not hide the real problem
        text = f"<{type(value).__name__} object (repr failed: {type(e).__name__})>"
    return text if len(text) <= 100 else text[:97] + "..."


# -- fps: the one policy -------------------------------------------------------------------------

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
            raise error(f"suffix={brief(suffix)} is not a video format; use one of "
                        f"{', '.join(VIDEO_SUFFIXES)}")
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real):
        raise error(f"fps must be a number (frames per second), got {brief(fps)}")
    try:
        value = float(fps)
    except (OverflowError, ValueError, TypeError):
        value = math.inf
    low, high = FPS_LIMITS[key] if key else (MIN_FPS, MAX_FPS)
    if not math.isfinite(value) or not low <= value <= high:
        shown = f"{value:g}" if math.isfinite(value) else brief(fps)
        if key is None:
            raise error(f"fps must be in [{low:g}, {high:g}], got {shown}; pick a frame rate in "
                        "that range (e.g. 8, 24 or 30)")
        why = _FPS_WHY.get(key, "below it ffmpeg's mp4 muxer fails and readers report 0 fps, "
                                "above it VP9 drops frames")
        better = "; or save as .mp4" if key in (".gif", ".webp") and value <= MAX_FPS else ""
        raise error(f"fps must be in [{low:.4g}, {high:.4g}] to be written as {key}, got "
                    f"{shown} ({why}). Pick a frame rate in that range{better}")
    return value


# -- numbers and sizes -----------------------------------------------------------------------------

def check_positive_int(value: Any, name: str, *, optional: bool = False, hint: str = "",
                       error: type[Exception] = ParameterError) -> int | None:
    """``value`` as an int if it is a positive whole number (``None`` too when ``optional``),
    else ``error`` naming ``name``, the value and ``hint`` (the fix).

    >>> check_positive_int(None, "max_bytes", optional=True) is None
    True
    >>> check_positive_int(0, "width")
    Traceback (most recent call last):
    ...
    i2v_nb.errors.ParameterError: width must be a positive integer, got 0
    """
    if value is None and optional:
        return None
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer))
            or value <= 0):
        rule = " or None (no limit)" if optional else ""
        raise error(f"{name} must be a positive integer{rule}, got {brief(value)}{hint}")
    return int(value)


def check_max_pixels(max_pixels: Any, where: str) -> int | None:
    """``max_pixels`` as an int (``None`` stays ``None``), else a :class:`ParameterError` that
    names the function ``where`` it was passed. Accepts positive ints and integral floats
    (``1e8``).

    >>> check_max_pixels(1e8, "load_image")
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
            f"for files you trust; got {brief(max_pixels)}")
    return int(value)


def check_image_size(width: int, height: int, max_pixels: int | None, desc: str) -> None:
    """Refuse an image ``desc`` of ``width × height`` that is empty or above ``max_pixels``
    (checked from its header, before its pixels are decoded) with an :class:`ImageInputError`.

    >>> check_image_size(4000, 3000, 1_000_000, "'big.jpg'")
    Traceback (most recent call last):
    ...
    i2v_nb.errors.ImageInputError: 'big.jpg' is 4000×3000 = 12.0 megapixels, above the limit ...
    """
    if width <= 0 or height <= 0:
        raise ImageInputError(f"{desc} has an empty size ({width}×{height}); it holds no pixels")
    if max_pixels is not None and width * height > max_pixels:
        raise ImageInputError(
            f"{desc} is {width}×{height} = {width * height / 1e6:.1f} megapixels, above the limit "
            f"of {max_pixels / 1e6:.1f} MP (video models work at about 1 MP). Downscale it first, "
            "or pass max_pixels= if you trust this file.")


def check_rgb(value: Any, name: str, *, example: str, where: str | None = None
              ) -> tuple[int, int, int]:
    """``value`` as an RGB tuple of three ints in 0..255, else a :class:`ParameterError` naming
    ``name`` (and the function ``where``), the value, and ``example`` as the fix.

    >>> check_rgb([255, 255, 255], "background", example="(255, 255, 255) for white")
    (255, 255, 255)
    """
    if (isinstance(value, (tuple, list)) and len(value) == 3
            and all(isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_))
                    and 0 <= c <= 255 for c in value)):
        return (int(value[0]), int(value[1]), int(value[2]))
    prefix = f"{where}: " if where else ""
    raise ParameterError(f"{prefix}{name} must be an RGB colour, three whole numbers in 0..255 "
                         f"such as {example}; got {brief(value)}")


# -- video files ---------------------------------------------------------------------------------

def check_crf(crf: Any) -> int:
    """The H.264/VP9 quality ``crf`` as an int in 0…51, else a :class:`VideoInputError`.

    >>> check_crf(18)
    18
    """
    if isinstance(crf, bool) or not isinstance(crf, (int, np.integer)) or not 0 <= crf <= 51:
        raise VideoInputError(f"crf must be an integer from 0 to 51 (lower is better quality; "
                              f"18 is visually lossless), got {brief(crf)}")
    return int(crf)


def check_video_suffix(path: pathlib.Path, *, action: str = "write a video to") -> str:
    """The lower-case suffix of ``path`` if it is one of :data:`VIDEO_SUFFIXES`, else a
    :class:`VideoInputError` saying what could not be done (``action``) and what works.

    >>> check_video_suffix(pathlib.Path("take.MP4"))
    '.mp4'
    """
    suffix = path.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise VideoInputError(f"cannot {action} {str(path)!r}: the suffix {suffix!r} is not one "
                              f"of {', '.join(VIDEO_SUFFIXES)}")
    return suffix
