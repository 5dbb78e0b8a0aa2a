"""Offline sample images: photos that ship with scikit-image, and a synthetic landscape.

>>> sample_names()
['astronaut', 'chelsea', 'coffee', 'lake', 'rocket']
>>> sample_image("lake").size
(768, 512)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image as PILImage

__all__ = ["sample_image", "sample_names", "SAMPLES"]

#: name -> (what it shows, where it comes from)
SAMPLES: dict[str, tuple[str, str]] = {
    "astronaut": ("portrait of astronaut Eileen Collins, 512×512", "skimage.data.astronaut (NASA, "
                  "public domain)"),
    "chelsea": ("Chelsea the cat, 451×300", "skimage.data.chelsea (Stefan van der Walt, CC0)"),
    "coffee": ("a cup of coffee on a saucer, 600×400", "skimage.data.coffee (Rachel Michetti, CC0)"),
    "lake": ("synthetic landscape: sky with clouds, hills, trees, a lake, 768×512",
             "drawn by i2v_nb (numpy, deterministic)"),
    "rocket": ("a rocket on its launch pad under the sky, 640×427",
               "skimage.data.rocket (SpaceX, CC0)"),
}


def sample_names() -> list[str]:
    """The names :func:`sample_image` accepts, sorted."""
    return sorted(SAMPLES)


def _lake(width: int = 768, height: int = 512) -> np.ndarray:
    """A deterministic synthetic landscape with sky, clouds, hills, trees and water."""
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    horizon = int(height * 0.55)
    img = np.zeros((height, width, 3), np.float32)
    # sky: vertical gradient
    t = (yy / horizon)[..., None]
    img[:] = (1 - t) * np.array([0.30, 0.52, 0.85]) + t * np.array([0.75, 0.85, 0.95])
    # clouds: a few soft blobs
    for _ in range(7):
        cx, cy = rng.uniform(0, width), rng.uniform(0.05, 0.35) * height
        rx, ry = rng.uniform(50, 120), rng.uniform(14, 30)
        blob = np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2))[..., None]
        img = img * (1 - 0.8 * blob) + 0.8 * blob * np.array([0.97, 0.97, 0.98])
    # hills
    ridge = horizon - 40 - 30 * np.sin(xx[0] / width * 5.0 + 1.0) - 15 * np.sin(xx[0] / 37.0)
    hills = yy >= ridge[None, :]
    img[hills] = np.array([0.32, 0.45, 0.30]) * (0.85 + 0.15 * rng.random((hills.sum(), 1)))
    # trees: dark green cones on the left
    for i in range(9):
        tx = 40 + i * 38 + rng.uniform(-8, 8)
        top = horizon - rng.uniform(70, 120)
        cone = (yy >= top) & (yy < horizon) & (np.abs(xx - tx) < (yy - top) * 0.28)
        shade = 0.75 + 0.25 * rng.random(cone.sum())
        img[cone] = np.array([0.10, 0.30, 0.12]) * shade[:, None]
    # water: reflection of the sky, darker, with ripples
    water = yy >= horizon
    depth = ((yy - horizon) / (height - horizon))[..., None]
    # ripples: smooth random streaks, stretched sideways (not a periodic pattern, which optical
    # flow cannot follow without aliasing)
    from scipy.ndimage import gaussian_filter

    streaks = gaussian_filter(rng.standard_normal((height, width)), sigma=(1.2, 10.0))
    ripples = (0.05 / (streaks.std() + 1e-6)) * streaks[..., None]
    lake = (1 - depth) * np.array([0.45, 0.60, 0.78]) + depth * np.array([0.12, 0.25, 0.42])
    img = np.where(water[..., None], lake + ripples, img)
    return np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)


def sample_image(name: str = "astronaut") -> "PILImage.Image":
    """Return an offline sample photo as an RGB PIL image (no download).

    >>> sample_image("chelsea").size
    (451, 300)

    Raises:
        ParameterError: for an unknown name (the message lists the names; a ``ValueError``).
    """
    from PIL import Image

    from i2v_nb.errors import ParameterError

    if not isinstance(name, str) or name not in SAMPLES:
        shown = repr(name) if isinstance(name, str) else f"a {type(name).__name__}"
        raise ParameterError(f"sample={shown} is not a bundled sample image; choose one of "
                             f"{', '.join(sample_names())}")
    if name == "lake":
        return Image.fromarray(_lake())
    from skimage import data

    array = getattr(data, name)()
    return Image.fromarray(np.ascontiguousarray(array[..., :3])).convert("RGB")
