"""``load_image``: an image from whatever the user has, as an 8-bit RGB PIL image.

Every image that comes in is untrusted: its size is checked from the header *before* the pixels
are decoded, so a decompression bomb cannot eat memory, and every failure is an
:class:`~i2v_nb.errors.ImageInputError` that names the input and says what to do. The steps live
in private modules: where the bytes come from (``_source``, ``url``), what they are (``_sniff``),
how they decode (``_decode``) and how pixels become RGB (``_pixels``).

>>> load_image("photo.jpg").size                       # doctest: +SKIP
(1920, 1080)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from i2v_nb.errors import ImageInputError
from i2v_nb.io._decode import decode_to_rgb, open_bytes, warn_if_animated
from i2v_nb.io._pixels import array_to_pil, to_rgb
from i2v_nb.io._sniff import embedded_sizes
from i2v_nb.io._source import describe, source_bytes
from i2v_nb.io.checks import DEFAULT_MAX_PIXELS, check_image_size, check_max_pixels, check_rgb
from i2v_nb.io.url import URL_TIMEOUT_S, check_timeout

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image as PILImage

__all__ = ["load_image", "image_to_array"]


def load_image(
    source: Any,
    *,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    background: tuple[int, int, int] = (255, 255, 255),
    timeout: float = URL_TIMEOUT_S,
) -> "PILImage.Image":
    """Load an image from whatever the user has and return it as an 8-bit RGB PIL image.

    Reads every format Pillow reads, text-based ones (XBM, XPM, plain PBM/PGM/PPM, FITS)
    included. Applies EXIF orientation, composites transparency onto ``background``, converts
    palette, CMYK (through its ICC profile), 16-bit, 32-bit integer, float and greyscale images to
    8-bit RGB with correct scaling (32-bit integers in 0..65535 as 16-bit, any other range
    stretched from its minimum to its maximum; floats likewise, NaN black). Multi-frame files give
    their first image (the composite of a layered PSD, the first page of a TIFF, the main view of
    an MPO, the largest icon of an ICO) without reading the other frames, so a damaged later frame
    does no harm; an animation (GIF, APNG, WebP) also gives an :class:`AnimatedImageWarning`.

    The input is untrusted: the size is checked from the header before decoding, and whatever a
    decoder raises on a damaged file becomes an :class:`ImageInputError` chained to it.

    >>> import numpy as np
    >>> load_image(np.zeros((4, 6), np.uint8)).size
    (6, 4)
    >>> load_image(np.ones((2, 2, 3), np.float32)).getpixel((0, 0))
    (255, 255, 255)
    >>> load_image(b"P1\\n2 1\\n0 1\\n").getpixel((1, 0))  # a plain-text PBM
    (0, 0, 0)

    Args:
        source: a path (``str`` or ``pathlib.Path``), an ``http(s)://`` URL, ``bytes``, a binary
            file object, a numpy array shaped ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` in uint8,
            uint16 or float in [0, 1], or a PIL image (used at its current frame).
        max_pixels: refuse images with more pixels than this, checked from the header before
            decoding (``None`` removes the limit: only for files you trust; Pillow's own
            decompression-bomb guard still applies).
        background: RGB colour that transparent pixels are composited onto.
        timeout: seconds the whole download of a URL may take (a deadline, not a limit per
            network read).

    Returns:
        A new PIL image in mode ``"RGB"``.

    Raises:
        ImageInputError: for missing paths, folders, empty/corrupt/truncated files, files that
            are not images or in a format Pillow cannot read, unreachable or too slow URLs,
            images above ``max_pixels`` and arrays of a wrong shape or dtype. The message names
            the input and says what to do.
        ParameterError: for a ``max_pixels``, ``background`` or ``timeout`` of the wrong type or
            range.
    """
    from PIL import Image

    max_pixels = check_max_pixels(max_pixels, "load_image")
    background = check_rgb(background, "background", example="(255, 255, 255) for white",
                           where="load_image")
    timeout = check_timeout(timeout)
    desc = describe(source)
    raw = source_bytes(source, desc, timeout)

    if isinstance(raw, np.ndarray):
        return to_rgb(array_to_pil(raw, desc, max_pixels), background)
    if isinstance(raw, Image.Image):  # the caller's image, at the frame they chose
        check_image_size(raw.width, raw.height, max_pixels, desc)
        return decode_to_rgb(raw, desc, background, max_pixels, None)

    if len(raw) == 0:
        raise ImageInputError(f"{desc} is empty (0 bytes); the upload or download did not "
                              "complete — try again, or pick another file")
    for width, height in embedded_sizes(raw):  # icons decode while they open: check first
        if max_pixels is not None and width * height > max_pixels:
            raise ImageInputError(
                f"{desc} holds an embedded image of {width}×{height} = "
                f"{width * height / 1e6:.1f} megapixels, above the limit of "
                f"{max_pixels / 1e6:.1f} MP; refused before decoding. Downscale it first, or "
                "pass max_pixels= if you trust this file.")
    image = open_bytes(raw, desc)
    try:
        # before any pixel is decoded
        check_image_size(image.width, image.height, max_pixels, desc)
        rgb = decode_to_rgb(image, desc, background, max_pixels, raw)
        warn_if_animated(image, desc)
    finally:
        try:
            image.close()
        except Exception:  # pragma: no cover - closing a BytesIO-backed image
            pass
    return rgb


def image_to_array(image: Any) -> np.ndarray:
    """Return an ``(H, W, 3)`` uint8 array from a PIL image or an array (through
    :func:`load_image`; an ``(H, W, 3)`` uint8 array is returned as it is, without a copy).

    >>> image_to_array(np.zeros((4, 6, 3), np.uint8)).shape
    (4, 6, 3)
    """
    if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3 \
            and image.dtype == np.uint8:
        return image
    return np.asarray(load_image(image))
