"""The preview engine's colour overlays: rain, snow, fog, smoke, fire flicker, light changes and
day → night, each a per-frame function ``overlay(frame, t, tc) -> frame``.

Each overlay is one ``cv2.blendLinear`` of the frame with a target (a colour, or the frame through a
gain LUT) under a per-pixel weight, so a frame costs a few milliseconds.

>>> import numpy as np
>>> gain_lut(2.0)[0, 100], gain_lut(2.0)[0, 200]
(array([200, 200, 200], dtype=uint8), array([255, 255, 255], dtype=uint8))
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from i2v_nb.synthesis.preview import fields as pf

__all__ = ["OVERLAY_EFFECTS", "Overlay", "blend", "gain_lut", "make_overlay"]

#: The environment effects rendered as overlays (the others move pixels: see ``plan``).
OVERLAY_EFFECTS: tuple[str, ...] = ("rain", "snow", "fog", "smoke", "fire_flicker", "light_change",
                                    "day_to_night")

#: ``overlay(frame, t, tc) -> frame``: ``t`` the effect time, ``tc`` the camera time.
Overlay = Callable[[np.ndarray, float, float], np.ndarray]


def blend(target: np.ndarray, frame: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``weight · target + (1 − weight) · frame`` in one pass (weight ``(H, W)`` float32)."""
    import cv2

    return cv2.blendLinear(target, frame, weight, (1.0 - weight).astype(np.float32, copy=False))


def gain_lut(gains: Any) -> np.ndarray:
    """A per-channel LUT (1, 256, 3) uint8 multiplying values by ``gains`` (saturating)."""
    g = np.broadcast_to(np.asarray(gains, np.float32), (3,))
    v = np.arange(256, dtype=np.float32)[:, None] * g[None, :]
    return np.clip(np.round(v), 0, 255).astype(np.uint8)[None]


def make_overlay(effect: str, img: np.ndarray, depth: np.ndarray, masks: dict[str, np.ndarray],
                 rng: np.random.Generator, *, strength: float, tempo: float, unit: float,
                 cycles: Callable[[float], int], loop: bool, jitter: float) -> Overlay:
    """A per-frame colour effect ``overlay(frame, t, tc) -> frame``: ``t`` the effect time
    (i / T, periodic effects), ``tc`` the camera time (progressive effects).

    ``effect`` is one of :data:`OVERLAY_EFFECTS`; its random choices (textures, phases) are
    drawn from ``rng`` now, in a fixed order, so the same seed gives the same overlay.
    """
    import cv2

    H, W = img.shape[:2]
    a = min(1.0, 0.5 * strength)  # strength 0.4..1.6 -> 0.2..0.8

    if effect in ("rain", "snow"):
        if effect == "rain":
            tex = pf.rain_texture(rng, H, W, density=0.9, length=int(18 * unit) | 1, slant=0.15)
            k_fall, drift = cycles(1.6 * tempo), 0
            colour, dim = (225, 228, 235), 0.9
        else:
            tex = np.maximum(pf.snow_texture(rng, H, W, density=0.8, size=1.6 * unit),
                             0.7 * pf.snow_texture(rng, H, W, density=1.2, size=0.8 * unit))
            k_fall, drift = cycles(0.35 * tempo), cycles(0.2)
            colour, dim = (250, 250, 252), 0.97
        tex = (tex * min(1.0, 0.35 + 0.5 * strength)).astype(np.float32)
        sway = float(rng.uniform(0, 2 * math.pi))
        flat = np.empty((H, W, 3), np.uint8)
        flat[:] = colour
        lut = gain_lut(dim)

        def precip(frame: np.ndarray, t: float, tc: float) -> np.ndarray:
            dy = int(round(k_fall * H * t)) % H
            dx = int(round(0.02 * W * drift * math.sin(2 * math.pi * drift * t + sway))) % W
            layer = np.roll(tex, (dy, dx), axis=(0, 1))
            return blend(flat, cv2.LUT(frame, lut), layer)

        return precip

    if effect in ("fog", "smoke"):
        noise = pf.periodic_noise(rng, H, W, 70 * unit)
        k = cycles(0.08 * tempo) if effect == "fog" else cycles(0.12 * tempo)
        flat = np.empty((H, W, 3), np.uint8)
        if effect == "fog":
            base = (0.25 + 0.75 * depth).astype(np.float32) * a * 0.9
            flat[:] = (214, 218, 224)
        else:
            yy = np.linspace(0.4, 1.0, H, dtype=np.float32)[:, None]
            base = np.ascontiguousarray(np.broadcast_to(yy * a * 0.6, (H, W)), np.float32)
            flat[:] = (200, 200, 204)
        lo, hi = (base * 0.45).astype(np.float32), (base * 0.55).astype(np.float32)

        def haze(frame: np.ndarray, t: float, tc: float) -> np.ndarray:
            if effect == "fog":
                n = np.roll(noise, int(round(k * W * t)) % W, axis=1)
            else:
                n = np.roll(noise, -int(round(k * H * t)) % H, axis=0)
            return blend(flat, frame, lo + hi * n)

        return haze

    if effect == "fire_flicker":
        hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
        hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
        warm = ((hue < 25) | (hue > 170)) & (sat > 60) & (val > 150)
        if warm.mean() < 0.002:
            warm = val >= np.quantile(val, 0.92)
        glow = np.maximum(pf.feather(warm, 8 * unit), 0.25 * pf.feather(warm, 40 * unit))
        ks = [cycles(f * tempo) for f in (2.3, 3.7, 5.9)]
        phases = rng.uniform(0, 2 * math.pi, 3)
        amp = 0.18 * strength
        brighter, darker = gain_lut((1.0 + amp, 1.0 + 0.8 * amp, 1.0 + 0.5 * amp)), \
            gain_lut(1.0 - amp)

        def flicker(frame: np.ndarray, t: float, tc: float) -> np.ndarray:
            s = sum(w * math.sin(2 * math.pi * k * t + p)
                    for w, k, p in zip((0.5, 0.3, 0.2), ks, phases))
            target = cv2.LUT(frame, brighter if s >= 0 else darker)
            return blend(target, frame, (abs(s) * glow).astype(np.float32))

        return flicker

    if effect == "light_change":
        k = cycles(0.25 * tempo)
        ph = float(rng.uniform(0, 2 * math.pi))
        xs = np.arange(W, dtype=np.float32)
        amp = 0.16 * strength
        brighter, darker = gain_lut(1.0 + amp), gain_lut(1.0 - amp)

        def light(frame: np.ndarray, t: float, tc: float) -> np.ndarray:
            g = np.sin(2 * math.pi * (k * t - xs / (1.5 * W)) + ph).astype(np.float32)
            up = np.ascontiguousarray(np.broadcast_to(np.maximum(g, 0), (H, W)))
            down = np.ascontiguousarray(np.broadcast_to(np.maximum(-g, 0), (H, W)))
            out = blend(cv2.LUT(frame, brighter), frame, up)
            return blend(cv2.LUT(out, darker), out, down)

        return light

    # day_to_night: a progressive grade towards a dark blue night, the far parts and sky most
    sky = pf.feather(masks["sky"], 4 * unit) if masks["sky"].any() else 0.0
    spatial = np.clip((0.8 + 0.15 * depth + 0.1 * sky) / 1.05, 0.0, 1.0).astype(np.float32)
    night = gain_lut((0.30, 0.36, 0.55))
    reach = min(1.0, 0.55 + 0.45 * strength)

    def dusk(frame: np.ndarray, t: float, tc: float) -> np.ndarray:
        p = pf.ease(tc, loop=loop) * reach
        if p <= 0:
            return frame
        return blend(cv2.LUT(frame, night), frame, (p * spatial).astype(np.float32))

    return dusk
