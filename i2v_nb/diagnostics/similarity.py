"""Pixel and structure similarity between frames: SSIM, PSNR, colour drift.

SSIM here is the Wang et al. (2004) index exactly as scikit-image computes it with
``gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255`` on greyscale
images (11-tap Gaussian window, mean over the map after cropping a 5-pixel border), computed with
OpenCV's separable filters in float32. The local statistics of every frame are computed once and
shared by the two comparisons each frame takes part in (with the reference and with the previous
frame), so a clip of T frames costs 2T + 2(T - 1) filters instead of the 10(T - 1) of calling
``skimage.metrics.structural_similarity`` twice per frame.

References:
    Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality assessment: from error
    visibility to structural similarity", IEEE TIP 13(4), 2004.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# the package's one grey conversion, re-exported here (``i2v_nb.diagnostics.to_grey``)
from i2v_nb._media import to_grey

__all__ = [
    "to_grey",
    "ssim",
    "ssim_map",
    "psnr",
    "color_histogram",
    "color_drift",
    "SSIMStats",
    "ssim_stats",
    "ssim_from_stats",
]

_K1, _K2, _SIGMA, _RADIUS = 0.01, 0.03, 1.5, 5  # radius = int(3.5 * 1.5 + 0.5), as scikit-image
_C1, _C2 = (_K1 * 255.0) ** 2, (_K2 * 255.0) ** 2
_SHIFT = 128.0  # variances are computed on x - 128: same result, less float32 cancellation


def _kernel() -> np.ndarray:
    x = np.arange(-_RADIUS, _RADIUS + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / _SIGMA) ** 2)
    return (k / k.sum()).astype(np.float32)


_KERNEL = _kernel()


def _blur(a: np.ndarray, dst: np.ndarray | None = None) -> np.ndarray:
    import cv2

    # scipy.ndimage 'reflect' is OpenCV's BORDER_REFLECT; the border is cropped anyway.
    return cv2.sepFilter2D(a, cv2.CV_32F, _KERNEL, _KERNEL, dst=dst,
                           borderType=cv2.BORDER_REFLECT)


def _buffer(work: dict, name: str, shape: tuple[int, ...]) -> np.ndarray:
    arr = work.get(name)
    if arr is None or arr.shape != shape:
        arr = work[name] = np.empty(shape, np.float32)
    return arr


@dataclass(frozen=True)
class SSIMStats:
    """Local Gaussian statistics of one greyscale image, reusable across SSIM comparisons.

    Attributes:
        centred: ``(H, W)`` float32, the image minus 128.
        mean: ``(H, W)`` float32, local mean of the image (not centred).
        var: ``(H, W)`` float32, local (population) variance.
        mean_centred: ``mean − 128``.
        mean_sq_half_c1: ``mean² + C1 / 2`` (half of SSIM's luminance denominator).
        var_half_c2: ``var + C2 / 2`` (half of SSIM's contrast denominator).
    """

    centred: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    mean_centred: np.ndarray
    mean_sq_half_c1: np.ndarray
    var_half_c2: np.ndarray


def _check_grey(image: np.ndarray, name: str) -> np.ndarray:
    from i2v_nb.errors import ImageInputError

    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] == 3:
        a = to_grey(a.astype(np.uint8) if a.dtype != np.uint8 else a)
    if a.ndim != 2:
        raise ImageInputError(f"{name} must be a greyscale (H, W) or RGB (H, W, 3) image, "
                              f"got shape {a.shape}")
    if min(a.shape) < 2 * _RADIUS + 1:
        raise ImageInputError(f"{name} is {a.shape[1]}x{a.shape[0]} pixels; SSIM needs at least "
                              f"{2 * _RADIUS + 1}x{2 * _RADIUS + 1} (its Gaussian window)")
    return a


def ssim_stats(image: np.ndarray, *, out: SSIMStats | None = None) -> SSIMStats:
    """Precompute the local statistics SSIM needs for one image (values on a 0–255 scale).

    Args:
        image: ``(H, W)`` greyscale (any real dtype, 0–255 scale) or ``(H, W, 3)`` RGB uint8.
        out: statistics of an image of the same size that are no longer needed; their arrays
            are overwritten instead of allocating new ones (a clip reuses two sets in turn).

    Returns:
        The image's :class:`SSIMStats` (``out`` itself when given and the size matches).
    """
    import cv2

    a = _check_grey(image, "image")
    if out is None or out.centred.shape != a.shape:
        out = SSIMStats(*(np.empty(a.shape, np.float32) for _ in range(6)))
    c, mc, tmp = out.centred, out.mean_centred, out.mean_sq_half_c1
    if a.dtype == np.uint8:
        cv2.subtract(a, _SHIFT, dst=c, dtype=cv2.CV_32F)
    else:
        np.subtract(a, _SHIFT, out=c, casting="unsafe")
    _blur(c, dst=mc)
    cv2.multiply(c, c, dst=tmp)
    _blur(tmp, dst=out.var)  # E[c²]
    cv2.multiply(mc, mc, dst=tmp)
    cv2.subtract(out.var, tmp, dst=out.var)  # σ² = E[c²] − E[c]²
    cv2.add(mc, _SHIFT, dst=out.mean)
    cv2.add(out.var, _C2 / 2, dst=out.var_half_c2)
    tmp.fill(_C1 / 2)
    cv2.accumulateSquare(out.mean, tmp)  # μ² + C1/2 in one pass
    return out


def ssim_from_stats(s1: SSIMStats, s2: SSIMStats, *, full: bool = False,
                    work: dict | None = None):
    """SSIM of two images from their precomputed :func:`ssim_stats` (one extra filter).

    Args:
        s1, s2: the two images' statistics.
        full: also return the SSIM map.
        work: a dict in which scratch arrays are kept between calls (any empty dict).

    Returns:
        The mean SSIM (float), or ``(mean, map)`` with the ``(H, W)`` float32 map if ``full``.
    """
    import cv2

    from i2v_nb.errors import ImageInputError

    shape = s1.centred.shape
    if shape != s2.centred.shape:
        raise ImageInputError(f"cannot compare images of shapes {shape} and "
                              f"{s2.centred.shape}; resize one to the other first")
    w = {} if work is None else work
    cross, cov2, tmp = (_buffer(w, k, shape) for k in ("cross", "cov2", "tmp"))
    num, den = _buffer(w, "num", shape), _buffer(w, "den", shape)
    # OpenCV element-wise ops: the same float32 arithmetic as numpy, without temporaries
    cv2.multiply(s1.centred, s2.centred, dst=cross)
    _blur(cross, dst=cov2)
    cv2.multiply(s1.mean_centred, s2.mean_centred, dst=tmp)
    cv2.addWeighted(cov2, 2.0, tmp, -2.0, _C2, dst=cov2)  # 2 σxy + C2
    num.fill(_C1 / 2)
    cv2.accumulateProduct(s1.mean, s2.mean, num)  # μx μy + C1/2: half the luminance term
    cv2.multiply(num, cov2, dst=num)  # (μx μy + C1/2)(2 σxy + C2)
    cv2.add(s1.mean_sq_half_c1, s2.mean_sq_half_c1, dst=den)  # μx² + μy² + C1
    cv2.add(s1.var_half_c2, s2.var_half_c2, dst=tmp)  # σx² + σy² + C2
    cv2.multiply(den, tmp, dst=den)
    cv2.divide(num, den, dst=num, scale=2.0)  # (2 μx μy + C1)(2 σxy + C2) / den
    cv2.min(num, 1.0, dst=num)  # SSIM ≤ 1; float32 rounding can overshoot by ~1e-6
    p = _RADIUS
    value = float(cv2.mean(num[p:-p, p:-p])[0])  # accumulated in float64
    return (value, num.copy()) if full else value


def ssim(image1: np.ndarray, image2: np.ndarray) -> float:
    """Mean structural similarity (SSIM) of two images, on greyscale, 0–255 scale.

    Equals ``skimage.metrics.structural_similarity(g1, g2, gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=255)`` on the greyscale images ``g1, g2`` to better
    than 1e-4, about twice as fast (OpenCV separable filters in float32).

    ``SSIM(x, y) = mean_pixels (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2))``
    with Gaussian (σ = 1.5) local moments, ``C1 = (0.01·255)²``, ``C2 = (0.03·255)²``.

    >>> a = np.tile(np.arange(64, dtype=np.uint8) * 4, (64, 1))
    >>> round(ssim(a, a), 6)
    1.0

    Args:
        image1: ``(H, W)`` greyscale or ``(H, W, 3)`` RGB uint8 image (RGB is converted with
            :func:`to_grey`).
        image2: an image of the same size.

    Returns:
        SSIM in [-1, 1]; 1 means identical.

    Raises:
        ImageInputError: shapes differ or an image is smaller than 11×11.
    """
    return ssim_from_stats(ssim_stats(image1), ssim_stats(image2))


def ssim_map(image1: np.ndarray, image2: np.ndarray) -> np.ndarray:
    """The per-pixel SSIM map of two images (``(H, W)`` float32), see :func:`ssim`."""
    return ssim_from_stats(ssim_stats(image1), ssim_stats(image2), full=True)[1]


def psnr(image1: np.ndarray, image2: np.ndarray, *, data_range: float = 255.0) -> float:
    """Peak signal-to-noise ratio in dB: ``10·log10(data_range² / MSE)`` over all pixels/channels.

    Same value as ``skimage.metrics.peak_signal_noise_ratio``; ``inf`` for identical images.

    >>> a = np.zeros((4, 4, 3), np.uint8); b = a.copy(); b[0, 0, 0] = 255
    >>> round(psnr(a, b), 3)
    16.812
    """
    import cv2

    a = np.asarray(image1)
    b = np.asarray(image2)
    if a.shape != b.shape:
        from i2v_nb.errors import ImageInputError

        raise ImageInputError(f"cannot compare images of shapes {a.shape} and {b.shape}; "
                              "resize one to the other first")
    if a.dtype == np.uint8 and b.dtype == np.uint8:
        sse = cv2.norm(a, b, cv2.NORM_L2SQR)
    else:
        sse = float(np.sum((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    mse = sse / a.size
    if mse == 0:
        return float("inf")
    return float(10.0 * np.log10(data_range ** 2 / mse))


def color_histogram(image: np.ndarray, *, bins: int = 32) -> np.ndarray:
    """Normalised per-channel colour histograms of an RGB uint8 image, shape ``(3, bins)``."""
    import cv2

    a = np.ascontiguousarray(image)
    h = np.stack([cv2.calcHist([a], [c], None, [bins], [0, 256]).ravel() for c in range(3)])
    return h / np.maximum(h.sum(axis=1, keepdims=True), 1.0)


def color_drift(image: np.ndarray, reference: np.ndarray, *, bins: int = 32) -> float:
    """Colour-distribution drift: Hellinger distance of colour histograms, mean over R, G, B.

    ``drift = mean_c sqrt(1 − Σ_b sqrt(p_c(b) · q_c(b)))`` with 32-bin normalised histograms;
    0 for the same colour distribution (whatever the layout), 1 for disjoint ones.

    >>> a = np.zeros((8, 8, 3), np.uint8)
    >>> color_drift(a, a), round(color_drift(a, a + 200), 3)
    (0.0, 1.0)
    """
    p = color_histogram(image, bins=bins) if np.ndim(image) == 3 else image
    q = color_histogram(reference, bins=bins) if np.ndim(reference) == 3 else reference
    bc = np.sqrt(p * q).sum(axis=1)
    return float(np.mean(np.sqrt(np.clip(1.0 - bc, 0.0, 1.0))))
