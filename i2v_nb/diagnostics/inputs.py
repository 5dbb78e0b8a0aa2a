"""The inputs of :func:`~i2v_nb.diagnostics.continuity_report`: a clip, frames or a list of
frames, and the reference image fitted to the frames' size.

>>> import numpy as np
>>> frames, ref, fps, kind = as_clip_input(np.zeros((3, 32, 48, 3), np.uint8), fps=8)
>>> frames.shape, ref.shape, fps, kind
((3, 32, 48, 3), (32, 48, 3), 8.0, 'first_frame')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["as_clip_input"]


def _is_clip(obj: Any) -> bool:
    return hasattr(obj, "frames") and not isinstance(obj, np.ndarray)


def as_clip_input(clip_or_frames: Any, *, reference: Any = None, fps: float | None = None
                  ) -> tuple[np.ndarray, np.ndarray, float | None, str]:
    """Normalise the inputs of :func:`continuity_report`.

    Returns:
        ``(frames (T, H, W, 3) uint8, reference (H, W, 3) uint8, fps or None, reference_kind)``
        where ``reference_kind`` is ``"given"``, ``"source"`` or ``"first_frame"``.
    """
    from i2v_nb._media import as_frames
    from i2v_nb.io import image_to_array
    from i2v_nb.errors import VideoInputError

    src = None
    if _is_clip(clip_or_frames):
        frames = as_frames(clip_or_frames.frames)
        if fps is None:
            fps = getattr(clip_or_frames, "fps", None)
        src = getattr(clip_or_frames, "source", None)
    else:
        frames = as_frames(clip_or_frames)
    if fps is not None:
        try:
            fps = float(fps)
        except (TypeError, ValueError):
            raise VideoInputError(f"fps must be a positive number, got {fps!r}") from None
        if not math.isfinite(fps) or fps <= 0:
            raise VideoInputError(f"fps must be a positive number, got {fps!r}")
    h, w = frames.shape[1:3]
    if min(h, w) < 16:
        raise VideoInputError(f"frames are {w}x{h} pixels; continuity metrics need at least "
                              "16x16 (SSIM window, optical flow)")
    if reference is not None:
        ref, kind = image_to_array(reference), "given"
    elif src is not None:
        ref, kind = image_to_array(src), "source"
    else:
        ref, kind = frames[0], "first_frame"
    if ref.shape[:2] != (h, w):
        ref = _fit_reference(ref, h, w)
    return frames, np.ascontiguousarray(ref), fps, kind


def _fit_reference(ref: np.ndarray, h: int, w: int) -> np.ndarray:
    """Centre-crop the reference to the frames' aspect ratio, then resize (as pipelines do)."""
    import cv2

    rh, rw = ref.shape[:2]
    target = w / h
    if rw / rh > target:  # too wide
        cw = max(1, round(rh * target))
        x0 = (rw - cw) // 2
        ref = ref[:, x0:x0 + cw]
    elif rw / rh < target:
        ch = max(1, round(rw / target))
        y0 = (rh - ch) // 2
        ref = ref[y0:y0 + ch]
    interp = cv2.INTER_AREA if ref.shape[0] > h else cv2.INTER_CUBIC
    return cv2.resize(np.ascontiguousarray(ref), (w, h), interpolation=interp)
