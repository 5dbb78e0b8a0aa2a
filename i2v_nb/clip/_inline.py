"""A clip played inline in a notebook: a base64 H.264 ``<video>`` capped in size, frames and
bytes so that a long or large clip never crashes the browser tab. ``Clip.show``, ``Clip.to_html``
and the widgets all use :func:`inline_video_html`.

>>> format_bytes(8 * 2**20)
'8.4 MB'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from i2v_nb.io import check_positive_int, pad_even, setup_ffmpeg


__all__ = ["inline_video_html", "format_bytes", "MAX_INLINE_SIZE", "MAX_INLINE_FRAMES",
           "MAX_INLINE_BYTES"]

#: Longest side (pixels) of a clip played inline; a bigger one is downscaled for display.
MAX_INLINE_SIZE = 512
#: Most frames played inline; a longer clip plays its beginning, with a note.
MAX_INLINE_FRAMES = 480
#: Largest inline video (its HTML, in characters) and largest ``data:`` download link: a bigger
#: one is never put in the page (a long clip's base64 would make the browser tab crawl or crash
#: — the full file stays on disk).
MAX_INLINE_BYTES = 8 * 2**20


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

    setup_ffmpeg()
    kwargs: dict[str, Any] = {"fps": fps, "return_html": True, "codec": "h264"}
    if width is not None:
        kwargs["width"] = int(width)
    return mediapy.show_video(pad_even(frames), title=title, **kwargs)


def inline_video_html(clip: Any, *, width: int | None = None, title: str | None = None,
                      max_size: int | None = MAX_INLINE_SIZE,
                      max_frames: int | None = MAX_INLINE_FRAMES,
                      max_bytes: int | None = MAX_INLINE_BYTES) -> tuple[str, str | None]:
    """The clip as an inline looping ``<video>`` (a base64 H.264 mp4) small enough for any tab.

    The frames are downscaled so that the long side is at most ``max_size`` (even sizes, which
    every browser plays), at most ``max_frames`` are played (the clip's beginning), and the HTML
    is kept under ``max_bytes`` characters by playing fewer frames. ``None`` lifts a cap. A clip
    within every cap gives exactly the HTML it always did. The clip itself is never changed (the
    full file stays on disk). :meth:`Clip.to_html`, :meth:`Clip.show` and the widgets use this.

    >>> from i2v_nb.clip import Clip
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
    def cap(value: Any, name: str) -> int | None:
        return check_positive_int(value, name, optional=True,
                                  hint=f"; e.g. {name}=None to lift the cap")

    max_size, max_frames = cap(max_size, "max_size"), cap(max_frames, "max_frames")
    max_bytes = cap(max_bytes, "max_bytes")
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
