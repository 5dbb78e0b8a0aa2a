"""The preview engine's plan: everything computed once per clip, so that frames are then cheap.

:func:`plan_preview` parses the motion, gets depth and region masks, and builds the camera's
sampling grid, the local motion fields (wind, water, the subject's sway), the drifting sky plate
and the colour overlays; :meth:`PreviewPlan.frame` renders one frame from them.

>>> import numpy as np
>>> img = np.random.default_rng(0).integers(30, 220, (64, 96, 3), dtype=np.uint8)
>>> plan = plan_preview(img, "pan left, rain", num_frames=8, seed=0)
>>> plan.camera, plan.effects, plan.frame(3).shape
('pan_left', ['rain'], (64, 96, 3))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from i2v_nb.errors import ParameterError
from i2v_nb.prompting import CAMERA_MOVES, MotionSpec, parse_prompt
from i2v_nb.synthesis.preview import fields as pf
from i2v_nb.synthesis.preview.maps import (
    MASK_NAMES,
    check_depth,
    check_masks,
    default_depth,
    default_masks,
)
from i2v_nb.synthesis.preview.overlays import OVERLAY_EFFECTS, Overlay, blend, make_overlay
from i2v_nb.synthesis.preview.params import (
    check_preview_budget,
    check_preview_fps,
    check_preview_frames,
)

__all__ = ["PreviewPlan", "plan_preview"]


@dataclass
class PreviewPlan:
    """Precomputed fields for one clip; :meth:`frame` renders frame ``i``.

    Build it with :func:`plan_preview`.
    """

    image: np.ndarray
    spec: MotionSpec
    num_frames: int
    fps: float
    loop: bool
    camera: str
    seed: int
    rx: np.ndarray
    ry: np.ndarray
    cx: float
    cy: float
    weight: np.ndarray
    subject_weight: float
    amplitude: dict[str, float]
    overscan: float
    offset: float = 0.0
    effects: list[str] = field(default_factory=list)
    oscillators: list[pf.Oscillator] = field(default_factory=list)
    sky_plate: np.ndarray | None = None
    sky_alpha: np.ndarray | None = None
    sky_drift: float = 0.0
    overlays: list[Overlay] = field(default_factory=list)
    refine_depth: bool = False
    speed: float = 0.5
    intensity: float = 0.5
    depth_source: str = "none"
    masks_source: str = "none"
    _static_maps: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def _t(self, i: int) -> float:
        """Camera time of frame i in [0, 1]: i / (T − 1) (first to last frame), or i / T when
        looping (frame T would equal frame 0)."""
        if self.loop:
            return i / self.num_frames
        return i / max(1, self.num_frames - 1)

    def _t_fx(self, i: int) -> float:
        """Time of periodic effects: always i / T, so playing the clip on repeat never shows
        the same effect phase twice in a row."""
        return i / self.num_frames

    def sampling(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``(map_x, map_y)`` sampling maps of frame i (camera and local motion)."""
        import cv2

        t = self._t(i)
        e = pf.ease(t, loop=self.loop)
        kw = dict(rx=self.rx, ry=self.ry, cx=self.cx, cy=self.cy, amplitude=self.amplitude,
                  overscan=self.overscan, offset=self.offset)
        if self.camera == "static":
            if self._static_maps is None:
                self._static_maps = pf.camera_sampling("static", 0.0, g=self.weight, **kw)
            map_x, map_y = (m.copy() for m in self._static_maps)
        else:
            map_x, map_y = pf.camera_sampling(self.camera, e, g=self.weight, **kw)
        if self.refine_depth and e > 0:
            # one fixed-point step: use the weight of the pixel actually sampled, so a near
            # object carries its own outline over the background. The weight field is smooth,
            # so it is looked up on a 4x coarser grid and interpolated back.
            h, w = map_x.shape
            w2 = cv2.remap(self.weight, map_x[::4, ::4], map_y[::4, ::4], cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
            w2 = cv2.resize(w2, (w, h), interpolation=cv2.INTER_LINEAR)
            map_x, map_y = pf.camera_sampling(self.camera, e, g=w2, **kw)
        t_fx = self._t_fx(i)
        for osc in self.oscillators:
            osc.add_to(map_x, map_y, t_fx)
        return map_x, map_y

    def frame(self, i: int) -> np.ndarray:
        """Render frame ``i`` (0-based) as ``(H, W, 3)`` uint8."""
        import cv2

        t = self._t_fx(i)
        map_x, map_y = self.sampling(i)
        sky = self.sky_plate is not None and self.sky_alpha is not None
        if sky:  # the same map samples the image and the sky's alpha: convert it once
            fixed = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)
            out = cv2.remap(self.image, *fixed, cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REFLECT_101)
            out = self._composite_sky(out, map_x, map_y, t, fixed)
        else:
            out = cv2.remap(self.image, map_x, map_y, cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REFLECT_101)
        tc = self._t(i)
        for overlay in self.overlays:
            out = overlay(out, t, tc)
        return out

    def _composite_sky(self, out: np.ndarray, map_x: np.ndarray, map_y: np.ndarray,
                       t: float, fixed: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        import cv2

        alpha = cv2.remap(self.sky_alpha, *fixed, cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT_101)
        rows = np.flatnonzero(alpha.max(axis=1) > 1e-3)
        if rows.size == 0:
            return out
        r0, r1 = int(rows[0]), int(rows[-1]) + 1  # work only on the rows the sky covers
        full = out
        out, alpha = out[r0:r1], np.ascontiguousarray(alpha[r0:r1])
        map_x, map_y = map_x[r0:r1], map_y[r0:r1]
        if self.loop:
            # two drifting copies one period apart, cross-faded: seamless at the loop point
            a = cv2.remap(self.sky_plate, map_x - self.sky_drift * t, map_y, cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT_101)
            b = cv2.remap(self.sky_plate, map_x - self.sky_drift * (t - 1.0), map_y,
                          cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
            sky = cv2.addWeighted(a, 1.0 - t, b, t, 0.0)
        else:
            sky = cv2.remap(self.sky_plate, map_x - self.sky_drift * t, map_y, cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REFLECT_101)
        full[r0:r1] = blend(sky, np.ascontiguousarray(out), alpha)
        return full


_NEEDS_MASKS = {"wind", "water_ripples", "waves", "clouds_drift", "fire_flicker"}


def plan_preview(image: Any, spec: MotionSpec | str = "", *, num_frames: int = 24,
                 fps: float = 12.0, seed: int = 0, loop: bool | None = None,
                 intensity: float | None = None, speed: float | None = None,
                 camera: str | None = None, parallax: float = 0.5, auto_effects: bool = True,
                 depth: np.ndarray | None = None, masks: dict[str, np.ndarray] | None = None,
                 fit: str = "crop", start_on_image: bool = False) -> PreviewPlan:
    """Precompute a clip: parse the motion, get depth and masks, build the motion fields.

    Arguments as in :func:`~i2v_nb.synthesis.preview.render_preview`. Returns a
    :class:`PreviewPlan` whose ``frame(i)`` renders frame ``i``; ``plan.effects`` lists the
    effects applied (``"auto:..."`` for ones added because the prompt asked for no motion).

    Raises:
        ParameterError: bad frame count, fps, camera, depth or masks; a clip too large for memory.
    """
    import cv2

    from i2v_nb.io import image_to_array

    img = np.ascontiguousarray(image_to_array(image))
    H, W = img.shape[:2]
    num_frames = check_preview_frames(num_frames)
    check_preview_budget(W, H, num_frames)
    fps = check_preview_fps(fps)
    spec = parse_prompt(spec)
    loop = spec.loop if loop is None else bool(loop)
    intensity = spec.intensity if intensity is None else float(intensity)
    speed = spec.speed if speed is None else float(speed)
    camera = spec.camera if camera is None else camera
    if camera not in CAMERA_MOVES:
        raise ParameterError(f"camera={camera!r}: use one of {', '.join(CAMERA_MOVES)}")
    rng = np.random.default_rng(int(seed) & 0xFFFFFFFFFFFFFFFF)
    S = float(min(H, W))
    unit = S / 512.0  # effect sizes are tuned at 512 px
    amp_unit = max(unit, 0.5)  # small previews still show the effects
    duration = num_frames / float(fps)
    tempo = 0.35 + 1.3 * speed
    jitter = 1.0 + 0.1 * float(rng.uniform(-1.0, 1.0))

    effects = list(spec.environment)
    subject = list(spec.subject)
    auto = False
    if camera == "static" and not effects and not subject and auto_effects:
        auto = True
    need_masks = auto or bool(set(effects) & _NEEDS_MASKS) or bool(subject)
    depth_arr = check_depth(depth, (H, W), fit) if depth is not None else None
    mask_arr = check_masks(masks, (H, W), fit) if masks is not None else None
    parallax_move = camera not in ("static", "zoom_in", "zoom_out", "roll") and parallax > 0
    depth_source = "given" if depth_arr is not None else "none"
    masks_source = "given" if mask_arr is not None else "none"
    if mask_arr is None and need_masks:
        mask_arr = default_masks(img)
        masks_source = "motion_region_masks"
    if depth_arr is None and (parallax_move or subject or "fog" in effects or
                              "day_to_night" in effects):
        # our own sky mask is already refined: classical_depth need not compute it again
        own_sky = mask_arr["sky"] if masks_source == "motion_region_masks" else None
        depth_arr = default_depth(img, own_sky)
        depth_source = "classical_depth"
    if mask_arr is None:
        mask_arr = {k: np.zeros((H, W), bool) for k in MASK_NAMES}
    if depth_arr is None:
        depth_arr = np.full((H, W), 0.5, np.float32)
    if auto:  # a prompt without motion: a subtle cinemagraph of what the image has
        intensity = min(intensity, 0.35)
        frac = {k: float(v.mean()) for k, v in mask_arr.items()}
        if frac["sky"] > 0.02:
            effects.append("clouds_drift")
        if frac["water"] > 0.02:
            effects.append("water_ripples")
        if frac["foliage"] + frac["hair"] + frac["fabric"] > 0.02:
            effects.append("wind")

    ys, xs = np.mgrid[0:H, 0:W].astype(np.float32)
    cx, cy = (W - 1) / 2.0, (H - 1) / 2.0
    rx, ry = xs - cx, ys - cy
    weight = pf.parallax_weight(depth_arr, parallax) if parallax_move else \
        np.ones((H, W), np.float32)
    amplitude = {"shift": 0.10 * S * tempo * jitter, "zoom": 0.25 * tempo * jitter,
                 "angle": math.radians(8.0) * tempo * jitter}
    g, subject_weight, offset, overscan = weight, 1.0, 0.0, 1.0
    if camera.startswith("orbit"):
        centre = weight[H // 3: H - H // 3, W // 3: W - W // 3]
        subject_weight = float(np.median(centre)) if centre.size else 1.0
        g = ((weight - subject_weight) / max(parallax, 1e-3)).astype(np.float32)
    if start_on_image:  # frame 0 is the picture: no window taken, edges mirrored instead
        pass
    elif camera in pf.TRANSLATIONS:
        offset, overscan = pf.translation_window(camera, amplitude["shift"], float(g.min()),
                                                 float(g.max()), W, H)
    elif camera == "roll":
        overscan = pf.roll_overscan(amplitude["angle"], W, H)

    plan = PreviewPlan(image=img, spec=spec, num_frames=int(num_frames), fps=float(fps), loop=loop,
                       camera=camera, seed=int(seed), rx=rx, ry=ry, cx=cx, cy=cy, weight=g,
                       subject_weight=subject_weight, amplitude=amplitude, overscan=overscan,
                       offset=offset, refine_depth=parallax_move and not camera.startswith("orbit"),
                       speed=speed, intensity=intensity, depth_source=depth_source,
                       masks_source=masks_source)
    strength = 0.4 + 1.2 * intensity

    def cycles(hz: float) -> int:
        """Whole cycles over the clip closest to ``hz`` at the clip's duration (at least 1)."""
        return max(1, int(round(hz * duration)))

    def phase_field(cell: float, spread: float) -> np.ndarray:
        return (spread * math.pi * pf.smooth_noise(rng, H, W, cell)).astype(np.float32)

    sway_mask = mask_arr["foliage"] | mask_arr["fabric"] | mask_arr["hair"]
    for eff in effects:
        if eff == "wind":
            m = sway_mask
            if not m.any():  # no foliage/hair/fabric found: sway the textured, non-sky parts
                grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
                mu = cv2.blur(grey, (7, 7))
                var = cv2.blur(grey * grey, (7, 7)) - mu * mu
                m = (np.sqrt(np.maximum(var, 0)) > 18) & ~mask_arr["sky"]
                m = cv2.morphologyEx(m.astype(np.uint8), cv2.MORPH_OPEN,
                                     np.ones((5, 5), np.uint8)).astype(bool)
            alpha = pf.feather(m, 3 * unit)
            amp = 2.5 * amp_unit * strength
            ph = phase_field(48 * unit, 1.2) + (2 * math.pi * xs / (W * 0.8)).astype(np.float32)
            ph2 = phase_field(24 * unit, 2.0)
            osc = pf.make_oscillator(alpha, [(cycles(0.6 * tempo), ph, amp, 0.25 * amp),
                                             (cycles(1.7 * tempo), ph2, 0.4 * amp, 0.2 * amp)])
            if osc:
                plan.oscillators.append(osc)
        elif eff in ("water_ripples", "waves"):
            m = mask_arr["water"]
            if not m.any():  # nothing water-like found: the lower part of the frame, faded in
                m = ys > 0.62 * H
            alpha = pf.feather(m, 4 * unit)
            waves = []
            if eff == "water_ripples":
                for _ in range(3):
                    ang = float(rng.uniform(0, 2 * math.pi))
                    lam = float(rng.uniform(18, 40)) * unit
                    ph = (2 * math.pi / lam) * (math.cos(ang) * xs + math.sin(ang) * ys)
                    ph = ph.astype(np.float32) + phase_field(64 * unit, 0.5)
                    a = 1.2 * amp_unit * strength
                    waves.append((cycles(float(rng.uniform(0.5, 0.9)) * tempo), ph,
                                  a * math.cos(ang) * 0.6, a * (0.5 + 0.5 * abs(math.sin(ang)))))
            else:
                lam = max(24.0, H / 9.0)
                ph = (2 * math.pi / lam * ys).astype(np.float32) + phase_field(96 * unit, 0.6)
                a = 2.5 * amp_unit * strength
                waves.append((cycles(0.35 * tempo), ph, 0.35 * a, a))
                ph2 = (2 * math.pi / (lam / 2.7) * ys).astype(np.float32) + phase_field(48 * unit, 1)
                waves.append((cycles(0.8 * tempo), ph2, 0.2 * a, 0.4 * a))
            osc = pf.make_oscillator(alpha, waves)
            if osc:
                plan.oscillators.append(osc)
        elif eff == "clouds_drift" and plan.sky_plate is None:
            m = mask_arr["sky"]
            if not m.any():  # no sky found: far pixels in the upper part of the frame
                m = (depth_arr > 0.8) & (ys < 0.45 * H)
            if m.any():
                # the plate is extended from the sky's interior, so the edge pixels of trees and
                # roofs that a mask always catches are not dragged along with the clouds
                r = max(1, int(round(3 * unit)))
                core = cv2.erode(m.astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8))
                plan.sky_plate = pf.push_pull_fill(img, core.astype(bool) if core.any() else m)
                plan.sky_alpha = pf.feather(m, 1.5 * unit)
                plan.sky_drift = 0.10 * W * tempo * jitter * (1.0 if rng.random() < 0.5 else -1.0)
        elif eff in OVERLAY_EFFECTS:
            plan.overlays.append(make_overlay(eff, img, depth_arr, mask_arr, rng,
                                              strength=strength, tempo=tempo, unit=unit,
                                              cycles=cycles, loop=loop, jitter=jitter))
    if subject:
        plan.oscillators.extend(_subject_oscillators(subject, mask_arr, depth_arr, rng, xs, ys,
                                                     strength=strength, tempo=tempo, unit=unit,
                                                     amp_unit=amp_unit, cycles=cycles,
                                                     phase_field=phase_field))
    plan.effects = [("auto:" + e if auto else e) for e in effects] + [f"subject:{s}" for s in subject]
    return plan


def _subject_oscillators(subject: list[str], masks: dict[str, np.ndarray], depth: np.ndarray,
                         rng: np.random.Generator, xs: np.ndarray, ys: np.ndarray, *,
                         strength: float, tempo: float, unit: float, amp_unit: float,
                         cycles: Callable[[float], int],
                         phase_field: Callable[[float, float], np.ndarray]
                         ) -> list[pf.Oscillator]:
    """Subject motions as a gentle sway of the subject (hair/fabric masks, else the nearest,
    most central region)."""
    H, W = depth.shape
    body = masks["hair"] | masks["fabric"]
    if not body.any():
        near = 1.0 - depth
        centre = np.exp(-(((xs - W / 2) / (0.35 * W)) ** 2 + ((ys - H / 2) / (0.45 * H)) ** 2))
        score = near * centre
        body = score > np.quantile(score, 0.75)
    alpha = pf.feather(body, 6 * unit)
    out = []
    for s in subject:
        if s == "hair_moving":
            m = masks["hair"] if masks["hair"].any() else body
            a = 2.5 * amp_unit * strength
            osc = pf.make_oscillator(pf.feather(m, 3 * unit),
                                     [(cycles(0.8 * tempo), phase_field(32 * unit, 1.5), a, 0.3 * a)])
        else:
            ax, ay, hz = {"turn_head": (2.5, 0.3, 0.3), "nod": (0.3, 2.0, 0.5),
                          "wave": (3.0, 1.0, 1.0), "dance": (3.0, 1.5, 0.9),
                          "walk": (1.0, 1.5, 0.9), "run": (1.5, 2.0, 1.6),
                          "breathe": (0.2, 0.8, 0.25)}.get(s, (0.4, 0.8, 0.4))
            ph = np.full((H, W), float(rng.uniform(0, 2 * math.pi)), np.float32)
            k = amp_unit * strength
            osc = pf.make_oscillator(alpha, [(cycles(hz * tempo), ph, ax * k, ay * k)])
        if osc:
            out.append(osc)
    return out
