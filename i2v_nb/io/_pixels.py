"""Pixels to 8-bit RGB: image arrays to PIL images, and every Pillow mode (palette, alpha,
CMYK, 16/32-bit integer, float, greyscale…) to RGB with correct scaling.

>>> to_rgb(array_to_pil(np.zeros((2, 3), np.uint16), "<array>", None), (255, 255, 255)).mode
'RGB'
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from i2v_nb._media import to_uint8
from i2v_nb.errors import ImageInputError
from i2v_nb.io.checks import check_image_size

__all__ = ["array_to_pil", "int32_to_uint8", "float_to_uint8", "to_rgb", "cmyk_to_rgb"]


def array_to_pil(array: np.ndarray, desc: str, max_pixels: int | None) -> Any:
    """A PIL image (``"L"``, ``"RGB"`` or ``"RGBA"``) of an ``(H, W)``, ``(H, W, 1|3|4)`` uint8,
    bool, uint16 or float-in-[0, 1] array; any other shape, dtype or range is an
    :class:`ImageInputError` that says how to fix the array."""
    from PIL import Image

    a = array
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))):
        hint = ""
        if a.ndim == 3 and a.shape[0] in (1, 3, 4) and a.shape[2] > 4:
            hint = " It looks channels-first (C, H, W): use array.transpose(1, 2, 0)."
        elif a.ndim == 4:
            hint = " For a batch or a video, pass one frame (array[0])."
        raise ImageInputError(f"{desc}: an image array must be shaped (H, W), (H, W, 3) or "
                              f"(H, W, 4); got {a.shape}.{hint}")
    check_image_size(a.shape[1], a.shape[0], max_pixels, desc)
    if a.dtype == np.uint8 or a.dtype == np.bool_:
        out = to_uint8(a)
    elif a.dtype == np.uint16:
        out = to_uint8(a)
    elif np.issubdtype(a.dtype, np.floating):
        if not np.all(np.isfinite(a)):
            raise ImageInputError(f"{desc} contains NaN or infinite values; replace them "
                                  "(np.nan_to_num) before loading")
        lo, hi = float(a.min()), float(a.max())
        if lo < -1e-6 or hi > 1.0 + 1e-6:
            fix = " Divide by 255 first." if hi <= 255.0 and lo >= 0 else ""
            raise ImageInputError(f"{desc}: float images must hold values in [0, 1], found "
                                  f"[{lo:.4g}, {hi:.4g}].{fix}")
        out = to_uint8(a)
    else:
        raise ImageInputError(f"{desc}: unsupported dtype {a.dtype}; use uint8, uint16 or float "
                              "in [0, 1] (e.g. array.astype(np.uint8) for 0–255 integers)")
    mode = {2: "L"}.get(out.ndim) or ("RGB" if out.shape[2] == 3 else "RGBA")
    return Image.fromarray(np.ascontiguousarray(out), mode=mode)


def int32_to_uint8(a: np.ndarray) -> np.ndarray:
    """Scale a 32-bit integer image (Pillow mode ``"I"``) to uint8 without wrapping around.

    * values within 0..255 are kept as they are (8-bit data stored in a wider type);
    * values within 0..65535 are taken as 16-bit and scaled by 255/65535 (Pillow reads 16-bit
      PGM/PPM and some TIFFs as mode ``"I"``);
    * any other range (negative values, or above 65535: FITS, 32-bit TIFF) is stretched
      linearly from the image's own minimum (black) to its maximum (white).

    >>> int32_to_uint8(np.array([-70000, 0, 70000], np.int32)).tolist()
    [0, 128, 255]
    """
    lo, hi = int(a.min()), int(a.max())
    if lo >= 0 and hi <= 255:
        return a.astype(np.uint8)
    if lo >= 0 and hi <= 65535:
        return to_uint8(a.astype(np.uint16))
    if hi == lo:  # a constant image outside 0..65535: black if negative, else white
        return np.full(a.shape, 0 if lo < 0 else 255, np.uint8)
    scale = np.float32(255.0 / (hi - lo))
    return np.round((a.astype(np.float32) - np.float32(lo)) * scale).astype(np.uint8)


def float_to_uint8(a: np.ndarray) -> np.ndarray:
    """Scale a float image (Pillow mode ``"F"``) to uint8, robust to NaN and infinities.

    The range is taken from the finite values: within [0, 1] they are scaled by 255, within
    [0, 255] kept, any other range stretched from its minimum to its maximum. NaN becomes black,
    +inf white and -inf black.

    >>> float_to_uint8(np.array([np.nan, 0.0, 0.5, np.inf], np.float32)).tolist()
    [0, 0, 128, 255]
    """
    a = a.astype(np.float64)
    finite = a[np.isfinite(a)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    with np.errstate(all="ignore"):
        if lo >= 0 and hi <= 1:
            unit = a
        elif lo >= 0 and hi <= 255:
            unit = a / 255.0
        elif hi > lo:
            unit = (a - lo) / (hi - lo)
        else:
            unit = np.clip(a, 0.0, 1.0)
    return to_uint8(unit)  # clips to [0, 1]; NaN → 0, +inf → 255, -inf → 0


def to_rgb(image: Any, background: tuple[int, int, int]) -> Any:
    """Convert any Pillow mode to 8-bit RGB, compositing transparency onto ``background``.

    Integer (``"I"``, ``"I;16*"``) and float (``"F"``) images are scaled as
    :func:`int32_to_uint8` and :func:`float_to_uint8` describe.
    """
    from PIL import Image

    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        try:
            image = image.convert("RGBA" if has_alpha else "RGB")
        except (ValueError, TypeError, OSError):  # a damaged transparency entry: ignore it
            image = image.convert("RGB")
        mode = image.mode
        if mode == "RGB":
            return image
    if mode.startswith("I;16") or mode in ("I", "F"):
        a = np.asarray(image)
        if mode.startswith("I;16"):
            a8 = to_uint8(a.astype(np.uint16))
        elif mode == "I":
            a8 = int32_to_uint8(a)
        else:
            a8 = float_to_uint8(a)
        return Image.fromarray(np.ascontiguousarray(a8), mode="L").convert("RGB")
    if mode == "La":  # premultiplied: Pillow converts it to "LA" only
        image, mode = image.convert("LA"), "LA"
    if mode in ("RGBA", "LA", "RGBa"):
        rgba = image.convert("RGBA")
        base = Image.new("RGBA", rgba.size, tuple(background) + (255,))
        return Image.alpha_composite(base, rgba).convert("RGB")
    if mode == "CMYK":
        return cmyk_to_rgb(image)
    return image.convert("RGB")  # "1", "L", "YCbCr", "LAB", "HSV", "RGBX"


def cmyk_to_rgb(image: Any) -> Any:
    """CMYK → RGB through the embedded ICC profile when there is one, else the naive formula."""
    icc = image.info.get("icc_profile")
    if icc:
        try:
            from PIL import ImageCms

            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(image, src, dst, outputMode="RGB")
        except Exception:  # a broken profile: fall back to the formula below
            pass
    return image.convert("RGB")
