"""ffmpeg for mediapy: which binary, frames it can encode, and its error output in one line.

>>> pad_even(np.zeros((1, 3, 5, 3), np.uint8)).shape
(1, 4, 6, 3)
"""

from __future__ import annotations

import re
import shutil

import numpy as np

__all__ = ["setup_ffmpeg", "pad_even", "ffmpeg_error_line"]


def setup_ffmpeg() -> str:
    """Point mediapy at the ffmpeg binary it should use and return its path: imageio-ffmpeg's
    bundled one (pinned to a version whose output mediapy reads), else one on PATH.

    >>> setup_ffmpeg()                        # doctest: +SKIP
    '.../imageio_ffmpeg/binaries/ffmpeg-linux-x86_64-v7.0.2'
    """
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


def pad_even(frames: np.ndarray) -> np.ndarray:
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
