"""The one memory rule of the editing functions: an output clip must fit in memory.

>>> check_output(100, 512, 512, "interpolate")
>>> check_output(100_000, 2160, 3840, "upscale")
Traceback (most recent call last):
...
i2v_nb.errors.ParameterError: upscale would make 100000 frames of 3840×2160 (2488.3 GB of frames), more than the 4 GB an edit may hold; edit a shorter part of the clip (clip.frames[a:b]) or a smaller size
"""

from __future__ import annotations

from i2v_nb.errors import ParameterError

__all__ = ["MAX_OUTPUT_BYTES", "check_output"]

#: Largest output of one edit, in bytes of uint8 RGB frames (4 GB: a sixth of a 24 GB machine).
MAX_OUTPUT_BYTES = 4 * 10 ** 9


def check_output(count: int, height: int, width: int, what: str) -> None:
    """Raise :class:`~i2v_nb.errors.ParameterError` when ``count`` frames of ``width × height``
    would exceed :data:`MAX_OUTPUT_BYTES`."""
    size = int(count) * int(height) * int(width) * 3
    if size > MAX_OUTPUT_BYTES:
        raise ParameterError(f"{what} would make {count} frames of {width}×{height} "
                             f"({size / 1e9:.1f} GB of frames), more than the "
                             f"{MAX_OUTPUT_BYTES / 1e9:.0f} GB an edit may hold; edit a shorter "
                             "part of the clip (clip.frames[a:b]) or a smaller size")
