"""Building blocks of the CPU preview engine: camera sampling maps, local motion fields, textures.

Everything here works on float32 ``(H, W)`` fields and is vectorised; the engine
(:mod:`i2v_nb.synthesis.preview.plan`) combines them per frame and samples the image with
``cv2.remap``. Conventions:

* a *sampling map* gives, for every output pixel, the source coordinate it reads
  (``out(x, y) = src(map_x(x, y), map_y(x, y))``), so content displaced by ``+d`` is read at
  ``x - d``;
* every periodic effect makes a whole number of cycles over a clip, so a looping clip joins
  seamlessly;
* ``nearness = 1 - depth`` (1 = nearest), the parallax weight ``f = (1 - parallax) + parallax *
  nearness``: near pixels move more than far ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "ease", "camera_sampling", "TRANSLATIONS", "translation_window", "roll_overscan", "Oscillator",
    "make_oscillator", "smooth_noise", "periodic_noise", "rain_texture", "snow_texture",
    "push_pull_fill", "feather", "parallax_weight",
]


def ease(t: float, *, loop: bool) -> float:
    """Camera progress in [0, 1] at clip time ``t`` in [0, 1].

    Non-looping clips use smoothstep (``3t² − 2t³``: starts and stops at rest); looping clips go
    out and back (``(1 − cos 2πt) / 2``), so the frame after the last equals the first.

    >>> ease(0.0, loop=False), ease(1.0, loop=False), ease(0.5, loop=True)
    (0.0, 1.0, 1.0)
    """
    if loop:
        return 0.5 - 0.5 * math.cos(2.0 * math.pi * t)
    t = min(1.0, max(0.0, t))
    return t * t * (3.0 - 2.0 * t)


def feather(mask: np.ndarray, sigma: float) -> np.ndarray:
    """A bool mask as a soft float32 alpha in [0, 1] (Gaussian-blurred edges)."""
    import cv2

    m = mask.astype(np.float32)
    if sigma > 0 and m.any():
        k = int(2 * math.ceil(3 * sigma) + 1)
        m = cv2.GaussianBlur(m, (k, k), sigma, borderType=cv2.BORDER_REPLICATE)
    return np.clip(m, 0.0, 1.0)


def parallax_weight(depth: np.ndarray, parallax: float) -> np.ndarray:
    """Per-pixel motion weight ``(1 − parallax) + parallax · nearness`` in [1 − parallax, 1].

    Nearness is dilated (near objects keep their outline as they move over the background) and
    smoothed (no tearing inside surfaces).
    """
    import cv2

    h, w = depth.shape
    near = 1.0 - np.clip(depth.astype(np.float32), 0.0, 1.0)
    r = max(1, int(round(min(h, w) / 96)))
    near = cv2.dilate(near, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    # smooth strongly: a depth map's mid-frequency wiggles would bend straight lines; what
    # stays is the layout (near ground, far background, a near subject)
    sigma = max(1.0, min(h, w) / 40)
    k = int(2 * math.ceil(3 * sigma) + 1)
    near = cv2.GaussianBlur(near, (k, k), sigma, borderType=cv2.BORDER_REPLICATE)
    return ((1.0 - parallax) + parallax * near).astype(np.float32)


#: The camera moves that translate the frame: camera -> (axis, sign of the content's move);
#: the camera moving left moves the content right.
TRANSLATIONS: dict[str, tuple[str, float]] = {
    "pan_left": ("x", 1.0), "pan_right": ("x", -1.0), "orbit_left": ("x", 1.0),
    "orbit_right": ("x", -1.0), "tilt_up": ("y", 1.0), "tilt_down": ("y", -1.0),
}


def camera_sampling(camera: str, e: float, *, rx: np.ndarray, ry: np.ndarray, cx: float,
                    cy: float, g: np.ndarray, amplitude: dict[str, float], overscan: float,
                    offset: float) -> tuple[np.ndarray, np.ndarray]:
    """Source coordinates for a camera move at progress ``e`` (0 = first frame, 1 = last).

    Translations (pan, tilt, orbit) move content by ``sign · shift · e · g``: ``g`` is the
    parallax weight (pan, tilt) or the nearness relative to the subject (orbit: nearer content
    moves one way, farther content the other, the subject stays). ``offset`` centres the window
    so that every sample of the whole move stays inside the picture once scaled by ``overscan``;
    the first frame is therefore an undistorted crop. Zooms scale about the centre; dollies
    scale near pixels more (``g``); roll rotates about the centre.

    Args:
        camera: a camera move of :data:`i2v_nb.prompting.CAMERA_MOVES`.
        e: eased progress.
        rx, ry: ``x − cx`` and ``y − cy`` for every output pixel, float32 ``(H, W)``.
        cx, cy: image centre.
        g: per-pixel weight field (see above), float32 ``(H, W)``.
        amplitude: ``shift`` (pixels), ``zoom`` (extra scale at the end of a zoom/dolly),
            ``angle`` (radians of roll at the end).
        overscan: scale ≥ 1 applied to translations and roll.
        offset: constant sample offset of translations (see :func:`translation_window`).

    Returns:
        ``(map_x, map_y)`` float32 sampling maps.
    """
    s = overscan
    if camera in TRANSLATIONS:
        axis, sign = TRANSLATIONS[camera]
        moved = (sign * amplitude["shift"] * e) * g  # content displacement
        if axis == "x":
            return (cx + offset + rx / s - moved).astype(np.float32, copy=False), (cy + ry / s).astype(np.float32, copy=False)
        return (cx + rx / s).astype(np.float32, copy=False), (cy + offset + ry / s - moved).astype(np.float32, copy=False)
    if camera in ("zoom_in", "zoom_out"):
        z = 1.0 + amplitude["zoom"] * (e if camera == "zoom_in" else 1.0 - e)
        return (cx + rx / z).astype(np.float32, copy=False), (cy + ry / z).astype(np.float32, copy=False)
    if camera in ("dolly_in", "dolly_out"):
        k = amplitude["zoom"] * (e if camera == "dolly_in" else 1.0 - e)
        inv = 1.0 / (1.0 + k * g)  # near pixels scale more: parallax
        return (cx + rx * inv).astype(np.float32, copy=False), (cy + ry * inv).astype(np.float32, copy=False)
    if camera == "roll":
        th = amplitude["angle"] * e
        c, sn = math.cos(th) / s, math.sin(th) / s
        return (cx + c * rx + sn * ry).astype(np.float32, copy=False), (cy - sn * rx + c * ry).astype(np.float32, copy=False)
    return (cx + rx).astype(np.float32, copy=False), (cy + ry).astype(np.float32, copy=False)  # static


def translation_window(camera: str, shift: float, gmin: float, gmax: float, width: int,
                       height: int, *, max_overscan: float = 1.25) -> tuple[float, float]:
    """``(offset, overscan)`` that keep a translation's samples inside the picture.

    The content moves by ``sign · shift · e · g`` with ``g`` in ``[gmin, gmax]`` and ``e`` in
    [0, 1]; the offset centres the range of sample offsets, the overscan scales the window so
    that half that range fits in the margin (capped at ``max_overscan``; beyond it samples are
    mirrored at the border).

    >>> offset, overscan = translation_window("pan_left", 40.0, 0.4, 1.0, 512, 512)
    >>> offset, round(overscan, 3)
    (20.0, 1.085)
    """
    axis, sign = TRANSLATIONS[camera]
    values = [0.0, sign * shift * gmin, sign * shift * gmax]
    lo, hi = min(values), max(values)
    offset = (lo + hi) / 2.0
    half = (hi - lo) / 2.0
    c = ((width if axis == "x" else height) - 1) / 2.0
    overscan = min(max_overscan, 1.0 / max(1e-3, 1.0 - half / max(c, 1.0)))
    return offset, overscan


def roll_overscan(angle: float, width: int, height: int) -> float:
    """The scale that keeps a frame rotated by up to ``angle`` radians inside the picture."""
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    c, s = abs(math.cos(angle)), abs(math.sin(angle))
    return float(max((c * cx + s * cy) / cx, (s * cx + c * cy) / cy, 1.0))


@dataclass
class Oscillator:
    """A masked displacement field oscillating in time: ``d(t) = Σ_i A_i(x) cos(ω_i t − P_i(x))``.

    Stored as ``cos P`` and ``sin P`` terms so one frame costs two multiply-adds per wave and
    axis; ``box`` restricts the work to the mask's bounding box.
    """

    box: tuple[slice, slice]
    waves: list[tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=list)  # (omega, ax_cos, ax_sin, ay_cos, ay_sin)

    def add_to(self, map_x: np.ndarray, map_y: np.ndarray, t: float) -> None:
        """Add the displacement at clip time ``t`` (in [0, 1]) to sampling maps (content moves
        by ``+d``, so ``d`` is subtracted from the sample coordinates)."""
        ys, xs = self.box
        dx = dy = None
        for omega, axc, axs, ayc, ays in self.waves:
            c, s = math.cos(omega * t), math.sin(omega * t)
            px = axc * c + axs * s
            py = ayc * c + ays * s
            dx = px if dx is None else dx + px
            dy = py if dy is None else dy + py
        if dx is not None:
            map_x[ys, xs] -= dx
            map_y[ys, xs] -= dy


def make_oscillator(alpha: np.ndarray, waves: list[tuple[int, np.ndarray, float, float]]
                    ) -> Oscillator | None:
    """Build an :class:`Oscillator` from a soft mask and waves.

    Args:
        alpha: float32 ``(H, W)`` weight in [0, 1] (feathered mask times amplitude profile).
        waves: ``(cycles, phase field (H, W), amplitude_x, amplitude_y)``; ``cycles`` whole
            periods over the clip.
    """
    nz = np.argwhere(alpha > 1e-3)
    if nz.size == 0:
        return None
    (y0, x0), (y1, x1) = nz.min(0), nz.max(0) + 1
    box = (slice(int(y0), int(y1)), slice(int(x0), int(x1)))
    a = alpha[box]
    osc = Oscillator(box)
    for cycles, phase, ax, ay in waves:
        p = phase[box]
        cp, sp = np.cos(p).astype(np.float32), np.sin(p).astype(np.float32)
        osc.waves.append((2.0 * math.pi * cycles, (ax * a * cp).astype(np.float32),
                          (ax * a * sp).astype(np.float32), (ay * a * cp).astype(np.float32),
                          (ay * a * sp).astype(np.float32)))
    return osc


def smooth_noise(rng: np.random.Generator, height: int, width: int, cell: float) -> np.ndarray:
    """Smooth random field in [-1, 1] with features about ``cell`` pixels wide (float32)."""
    import cv2

    gh, gw = max(2, int(round(height / cell)) + 2), max(2, int(round(width / cell)) + 2)
    grid = rng.uniform(-1.0, 1.0, (gh, gw)).astype(np.float32)
    return cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC).clip(-1, 1)


def periodic_noise(rng: np.random.Generator, height: int, width: int, cell: float) -> np.ndarray:
    """Tileable smooth noise in [0, 1] (low-pass filtered white noise on a torus, via FFT)."""
    white = rng.standard_normal((height, width)).astype(np.float32)
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    sigma = 1.0 / max(cell, 1.0)
    lowpass = np.exp(-(fx * fx + fy * fy) / (2 * sigma * sigma))
    n = np.fft.irfft2(np.fft.rfft2(white) * lowpass, s=(height, width)).astype(np.float32)
    n -= n.min()
    return n / max(float(n.max()), 1e-6)


def rain_texture(rng: np.random.Generator, height: int, width: int, *, density: float,
                 length: int, slant: float) -> np.ndarray:
    """Tileable rain streaks in [0, 1]: random drops smeared along a slanted line."""
    import cv2

    tex = np.zeros((height, width), np.float32)
    n = int(density * height * width / 400)
    ys = rng.integers(0, height, n)
    xs = rng.integers(0, width, n)
    tex[ys, xs] = rng.uniform(0.5, 1.0, n).astype(np.float32)
    k = max(3, length | 1)
    kernel = np.zeros((k, k), np.float32)
    c = k // 2
    for i in range(k):
        x = int(round(c + slant * (i - c)))
        if 0 <= x < k:
            kernel[i, x] = 1.0
    kernel /= max(kernel.sum(), 1.0) / 3.0
    tex = _wrapped(tex, k, lambda a: cv2.filter2D(a, -1, kernel))
    return np.clip(tex, 0.0, 1.0)


def _wrapped(tex: np.ndarray, pad: int, op) -> np.ndarray:
    """Apply a local filter as if the texture were tiled (periodic borders)."""
    h, w = tex.shape
    big = np.pad(tex, pad, mode="wrap")
    return np.ascontiguousarray(op(big)[pad:pad + h, pad:pad + w])


def snow_texture(rng: np.random.Generator, height: int, width: int, *, density: float,
                 size: float) -> np.ndarray:
    """Tileable snowflakes in [0, 1]: soft round dots of varying size."""
    import cv2

    tex = np.zeros((height, width), np.float32)
    n = int(density * height * width / 900)
    ys = rng.integers(0, height, n)
    xs = rng.integers(0, width, n)
    tex[ys, xs] = rng.uniform(0.6, 1.0, n).astype(np.float32)
    sigma = max(0.6, size / 1.5)
    k = int(2 * math.ceil(3 * sigma) + 1)
    tex = _wrapped(tex, k, lambda a: cv2.GaussianBlur(a, (k, k), sigma))
    tex /= max(float(tex.max()), 1e-6)  # soft round flakes, the brightest at 1
    return np.clip(tex * 1.6, 0.0, 1.0)


def push_pull_fill(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Fill the pixels outside ``mask`` smoothly from the pixels inside it (push–pull pyramid).

    Used to make a sky plate that can drift without dragging foreground pixels along.

    Args:
        image: ``(H, W, 3)`` uint8.
        mask: ``(H, W)`` bool, True where the image is known.

    Returns:
        ``(H, W, 3)`` uint8: ``image`` inside the mask, a smooth extension outside.
    """
    import cv2

    if mask.all() or not mask.any():
        return image.copy()
    img = image.astype(np.float32) * mask[..., None]
    w = mask.astype(np.float32)
    levels = [(img, w)]
    while min(levels[-1][1].shape) > 4:
        i, ww = levels[-1]
        levels.append((cv2.pyrDown(i), cv2.pyrDown(ww)))
    # pull: up from the coarsest level, filling where weight is low
    i, ww = levels[-1]
    filled = i / np.maximum(ww, 1e-6)[..., None]
    filled = np.where(ww[..., None] > 1e-6, filled, float(img.sum() / max(w.sum(), 1)) / 3)
    for i, ww in reversed(levels[:-1]):
        up = cv2.pyrUp(filled, dstsize=(ww.shape[1], ww.shape[0]))
        known = i / np.maximum(ww, 1e-6)[..., None]
        a = np.clip(ww, 0.0, 1.0)[..., None]
        filled = a * known + (1 - a) * up
    out = np.where(mask[..., None], image.astype(np.float32), filled)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
