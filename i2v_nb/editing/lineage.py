"""A clip in, a new clip out: the one check of an edit's input and the one rule of its metadata.

Every edit (:func:`~i2v_nb.editing.extend`, :func:`~i2v_nb.editing.interpolate`,
:func:`~i2v_nb.editing.upscale`) takes a :class:`~i2v_nb.Clip` (anything with ``frames`` and
``fps``) and returns a new clip whose metadata is the input's, with the input's ``history_id``
moved to ``parent`` (the new clip gets its own id when it is saved) and the edit's own record
under its name.

>>> import numpy as np, i2v_nb
>>> clip = i2v_nb.Clip(np.zeros((2, 8, 8, 3), np.uint8), fps=8, metadata={"history_id": "a1"})
>>> frames, fps, meta = clip_input(clip, "upscale")
>>> child_metadata(meta, "upscaled", {"scale": 2.0})
{'upscaled': {'scale': 2.0}, 'parent': 'a1'}
"""

from __future__ import annotations

from typing import Any

import numpy as np

from i2v_nb.errors import ParameterError

__all__ = ["clip_input", "child_metadata", "child_clip"]


def clip_input(clip: Any, what: str) -> tuple[np.ndarray, float, dict]:
    """``(frames, fps, metadata copy)`` of the clip an edit is given.

    Raises:
        ParameterError: not a clip (no ``frames`` and ``fps``), naming the edit and the fix.
    """
    from i2v_nb._media import as_frames

    if not hasattr(clip, "frames") or not hasattr(clip, "fps"):
        raise ParameterError(f"{what} expects a Clip (frames and fps), got "
                             f"{type(clip).__name__}; wrap frames as i2v_nb.Clip(frames, fps=...)")
    return as_frames(clip.frames), float(clip.fps), dict(getattr(clip, "metadata", None) or {})


def child_metadata(meta: dict, key: str, record: dict) -> dict:
    """``meta`` (the input's, copied by :func:`clip_input`) for the new clip: its
    ``history_id`` moved to ``parent`` and ``record`` stored under ``key``."""
    parent = meta.pop("history_id", None)
    meta[key] = record
    if parent:
        meta["parent"] = parent
    return meta


def child_clip(clip: Any, frames: np.ndarray, meta: dict, key: str, record: dict, *,
               fps: float | None = None):
    """The new :class:`~i2v_nb.Clip`: ``frames`` at ``fps`` (default the input's), the input's
    source, :func:`child_metadata`."""
    from i2v_nb.clip import Clip

    return Clip(frames, fps=float(clip.fps) if fps is None else fps,
                source=getattr(clip, "source", None), metadata=child_metadata(meta, key, record))
