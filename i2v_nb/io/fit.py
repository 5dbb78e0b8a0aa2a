"""``fit_image``: bring an image to a model's resolution (crop, pad or stretch).

>>> import numpy as np
>>> fit_image(np.zeros((100, 300, 3), np.uint8), 64, 32, mode="crop").size
(64, 32)
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any, Literal

from i2v_nb.errors import ParameterError, ResolutionSnapWarning
from i2v_nb.io.checks import (DEFAULT_MAX_PIXELS, brief, check_max_pixels, check_positive_int,
                              check_rgb)
from i2v_nb.io.image import load_image

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image as PILImage

__all__ = ["fit_image"]


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
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> "PILImage.Image":
    """Bring an image to a model's resolution.

    ``width`` and ``height`` are first snapped to the nearest multiple of ``multiple_of`` (with a
    :class:`ResolutionSnapWarning` when that changes them). Then:

    * ``"crop"`` scales the image to cover the target and crops the centre (no distortion, edges
      lost);
    * ``"pad"`` scales it to fit inside and pads with ``fill`` (nothing lost, bars added);
    * ``"stretch"`` resizes to the target (distorts when aspect ratios differ).

    The snapped size is checked against ``max_pixels`` before anything is allocated, and no
    intermediate image is larger than the result (``"crop"`` resamples only the part it keeps).

    >>> import numpy as np
    >>> fit_image(np.zeros((100, 300, 3), np.uint8), 64, 64, mode="pad").size
    (64, 64)

    Args:
        image: anything :func:`load_image` accepts.
        width, height: target size in pixels (positive).
        mode: ``"crop"``, ``"pad"`` or ``"stretch"``.
        multiple_of: sizes are snapped to a multiple of this (1 disables snapping).
        fill: RGB colour of the bars in ``"pad"`` mode.
        max_pixels: largest target ``width × height`` (default :data:`DEFAULT_MAX_PIXELS`, about
            8K × 6K); ``None`` removes the limit.

    Returns:
        A new RGB PIL image of the (snapped) target size.

    Raises:
        ParameterError: for a non-positive size or multiple, an unknown mode, a bad ``fill``, or
            a target above ``max_pixels`` (or above what fits in memory).
        ImageInputError: when ``image`` cannot be loaded (see :func:`load_image`).
    """
    from PIL import Image

    for name, v in (("width", width), ("height", height), ("multiple_of", multiple_of)):
        check_positive_int(v, name)
    if mode not in ("crop", "pad", "stretch"):
        raise ParameterError(f"mode must be 'crop', 'pad' or 'stretch', got {brief(mode)}")
    fill = check_rgb(fill, "fill", example="(0, 0, 0) for black")
    limit = check_max_pixels(max_pixels, "fit_image")
    w, h = _snap(int(width), int(multiple_of)), _snap(int(height), int(multiple_of))
    if limit is not None and w * h > limit:
        side = math.isqrt(limit)
        raise ParameterError(
            f"fit_image: the target size {w}×{h} = {w * h / 1e6:.1f} megapixels is above the "
            f"limit of {limit / 1e6:.1f} MP (max_pixels={limit}); ask for a smaller width and "
            f"height (a video model works at about 1 MP; at most about {side}×{side}), or pass "
            "max_pixels= with a larger limit (None removes it) if this machine has the memory.")
    if (w, h) != (width, height):
        warnings.warn(f"size {width}×{height} snapped to {w}×{h} (a multiple of {multiple_of})",
                      ResolutionSnapWarning, stacklevel=2)
    img = image if isinstance(image, Image.Image) and image.mode == "RGB" else load_image(image)
    try:
        return _fit(img, w, h, mode, fill)
    except (MemoryError, OverflowError, ValueError) as e:
        raise ParameterError(f"fit_image: a {w}×{h} image does not fit in memory here ({e}); ask "
                             "for a smaller width and height") from e


def _fit(img: Any, w: int, h: int, mode: str, fill: tuple[int, ...]) -> Any:
    from PIL import Image

    if img.size == (w, h):
        return img.copy()
    resample = Image.Resampling.LANCZOS
    sw, sh = img.size

    def resize(size: tuple[int, int], box: tuple[float, float, float, float] | None = None) -> Any:
        # reducing_gap: a fast box reduction first, then Lanczos over the last factor of 3 —
        # indistinguishable from a full Lanczos pass and several times faster on big downscales
        return img.resize(size, resample, box=box or (0, 0, sw, sh), reducing_gap=3.0)

    if mode == "stretch":
        return resize((w, h))
    if mode == "crop":
        # the centred part of the source with the target's aspect ratio, resampled straight to
        # the target size: no intermediate image larger than the result
        if sw * h > sh * w:  # source wider than the target
            cw, ch = sh * w / h, float(sh)
        else:
            cw, ch = float(sw), sw * h / w
        left, top = (sw - cw) / 2, (sh - ch) / 2
        return resize((w, h), (left, top, left + cw, top + ch))
    scale = min(w / sw, h / sh)
    nw, nh = max(1, min(w, round(sw * scale))), max(1, min(h, round(sh * scale)))
    canvas = Image.new("RGB", (w, h), fill)
    canvas.paste(resize((nw, nh)), ((w - nw) // 2, (h - nh) // 2))
    return canvas
