"""The one media contract: images ``(H, W, 3)`` uint8, frames ``(T, H, W, 3)`` uint8.

Every public function converts its input once, on entry, with the helpers here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from i2v_nb.errors import VideoInputError

__all__ = ["to_uint8", "as_frames", "image_to_array"]


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


def image_to_array(image: Any) -> np.ndarray:
    """Return an ``(H, W, 3)`` uint8 array from a PIL image or an array (through ``load_image``).

    >>> image_to_array(np.zeros((4, 6, 3), np.uint8)).shape
    (4, 6, 3)
    """
    if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3 \
            and image.dtype == np.uint8:
        return image
    from i2v_nb.io import load_image  # local: io imports PIL, keep this module light

    return np.asarray(load_image(image))


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
