"""The one media contract: images ``(H, W, 3)`` uint8, frames ``(T, H, W, 3)`` uint8.

Every public function converts its input once, on entry, with the helpers here.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from i2v_nb.errors import VideoInputError

__all__ = ["to_uint8", "as_frames", "to_grey", "user_umask", "apply_umask"]

_UMASK: int | None = None
_UMASK_LOCK = threading.Lock()


def user_umask() -> int:
    """The process's umask, read once and cached (e.g. ``0o022``).

    Read from ``/proc/self/status`` where the kernel reports it (Linux ≥ 4.7: no side effect);
    elsewhere with ``os.umask(0)`` followed at once by ``os.umask(old)``. That pair is not
    thread-safe (a file another thread creates in between gets umask 0), which is why it runs
    once, under a lock, and is cached: a later ``os.umask`` change in the same process is not
    seen.

    >>> 0 <= user_umask() <= 0o777
    True
    """
    global _UMASK
    if _UMASK is None:
        with _UMASK_LOCK:
            if _UMASK is None:
                value = None
                try:
                    with open("/proc/self/status", encoding="ascii", errors="replace") as f:
                        for line in f:
                            if line.startswith("Umask:"):
                                value = int(line.split()[1], 8)
                                break
                except (OSError, ValueError, IndexError):
                    value = None
                if value is None:
                    old = os.umask(0o022)
                    os.umask(old)
                    value = old
                _UMASK = value & 0o777
    return _UMASK


def apply_umask(path: str | os.PathLike, *, directory: bool = False) -> None:
    """Give ``path`` the mode a plain ``open()``/``mkdir()`` would have given it under the user's
    umask (``0o666 & ~umask`` for files, ``0o777 & ~umask`` for folders: 0644/0755 under umask
    022). ``tempfile.mkstemp`` creates 0600 files and ``mkdtemp`` 0700 folders; call this on them
    before renaming them into place.

    >>> import tempfile, os
    >>> fd, name = tempfile.mkstemp(); os.close(fd)
    >>> apply_umask(name); oct(os.stat(name).st_mode & 0o777) == oct(0o666 & ~user_umask())
    True
    >>> os.unlink(name)
    """
    base = 0o777 if directory else 0o666
    os.chmod(path, base & ~user_umask())


def to_uint8(array: Any) -> np.ndarray:
    """Convert an array to uint8, scaling by dtype and rounding (never wrapping).

    * ``uint8`` is returned unchanged (no copy);
    * ``uint16`` is scaled by 255/65535 and rounded;
    * floats are taken as values in [0, 1]: clipped, multiplied by 255 and rounded
      (unlike ``(x * 255).astype(np.uint8)``, which truncates and wraps out-of-range values);
    * ``bool`` becomes 0/255; other integer types are clipped to [0, 255].

    >>> to_uint8(np.array([0.0, 0.5, 1.2, -1.0])).tolist()
    [0, 128, 255, 0]
    >>> to_uint8(np.array([0, 65535], dtype=np.uint16)).tolist()
    [0, 255]
    """
    a = np.asarray(array)
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * 255
    if a.dtype == np.uint16:
        return np.round(a.astype(np.float32) * (255.0 / 65535.0)).astype(np.uint8)
    if np.issubdtype(a.dtype, np.floating):
        a = np.nan_to_num(a.astype(np.float32, copy=False), nan=0.0, posinf=1.0, neginf=0.0)
        return np.round(np.clip(a, 0.0, 1.0) * 255.0).astype(np.uint8)
    if np.issubdtype(a.dtype, np.integer):
        return np.clip(a, 0, 255).astype(np.uint8)
    raise TypeError(f"cannot convert an array of dtype {a.dtype} to uint8 pixels; "
                    "pass uint8, uint16, bool or float values in [0, 1]")


def to_grey(image: Any) -> np.ndarray:
    """Convert an ``(H, W, 3)`` RGB uint8 image (or ``(T, H, W, 3)`` frames) to uint8 luma: the
    one grey conversion of the package.

    Uses OpenCV's ITU-R BT.601 weights (0.299 R + 0.587 G + 0.114 B, rounded), the same as
    ``cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)``. A 2-D array is returned unchanged.

    >>> to_grey(np.full((2, 2, 3), 200, np.uint8))[0, 0]
    np.uint8(200)
    >>> to_grey(np.zeros((3, 4, 5, 3), np.uint8)).shape
    (3, 4, 5)
    """
    import cv2  # local: keep this module light

    a = np.asarray(image)
    if a.ndim == 2:
        return a
    if a.ndim == 4:
        return np.stack([cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY) for f in a])
    return cv2.cvtColor(np.ascontiguousarray(a), cv2.COLOR_RGB2GRAY)


def as_frames(frames: Any, *, name: str = "frames") -> np.ndarray:
    """Return frames as a C-contiguous ``(T, H, W, 3)`` uint8 array.

    Accepts ``(T, H, W, 3)``, ``(T, H, W, 4)`` (alpha dropped), ``(T, H, W)`` greyscale, a list of
    ``(H, W, 3)`` arrays or PIL images, in uint8, uint16 or float in [0, 1].

    >>> as_frames(np.zeros((2, 4, 4), np.float32)).shape
    (2, 4, 4, 3)

    Raises:
        VideoInputError: for an empty sequence, frames of different sizes or a wrong shape.
    """
    if isinstance(frames, (list, tuple)):
        if len(frames) == 0:
            raise VideoInputError(f"{name} is empty; a clip needs at least one frame")
        arrays = [np.asarray(f) for f in frames]
        shapes = {a.shape for a in arrays}
        if len(shapes) != 1:
            raise VideoInputError(f"{name} have different shapes {sorted(shapes)}; "
                                  "resize every frame to one size first")
        frames = np.stack(arrays)
    a = np.asarray(frames)
    if a.ndim == 3:
        a = a[..., None]
    if a.ndim != 4 or a.shape[-1] not in (1, 3, 4):
        raise VideoInputError(f"{name} must be shaped (T, H, W, 3) (or (T, H, W), (T, H, W, 4)), "
                              f"got shape {a.shape}")
    if a.shape[0] == 0 or a.shape[1] == 0 or a.shape[2] == 0:
        raise VideoInputError(f"{name} has an empty dimension (shape {a.shape}); "
                              "a clip needs at least one frame of at least 1x1 pixels")
    if a.dtype.kind not in "uifb":
        raise VideoInputError(f"{name} has dtype {a.dtype}; use uint8, uint16 or float in [0, 1]")
    a = to_uint8(a)
    if a.shape[-1] == 1:
        a = np.repeat(a, 3, axis=-1)
    elif a.shape[-1] == 4:
        a = a[..., :3]
    return np.ascontiguousarray(a)
