"""The CPU preview engine: a moving clip from one image in seconds, with no model weights.

What it does with a :class:`~i2v_nb.prompting.MotionSpec`:

* **camera moves** by depth-aware reprojection: each output pixel samples the image at a
  position shifted by the camera move times a parallax weight ``(1 − p) + p · nearness`` (near
  pixels move more than far ones; ``p`` = ``parallax``). Zooms are optical (no parallax); dollies,
  pans, tilts and orbits have parallax; an orbit pivots on the subject (nearer content moves one
  way, farther content the other). Pans left: the content moves right. The frame is over-scanned
  just enough that samples stay inside the picture, and any sample that still falls outside is
  mirrored (``BORDER_REFLECT_101``), so no black holes appear;
* **local motion fields** for environment effects, each masked by the image's structure
  (:func:`i2v_nb.analysis.motion_region_masks`): wind sway on foliage/hair/fabric, ripples and
  waves on water, a drifting sky plate (the sky is extended behind the foreground with a
  push–pull fill, then drifts), flicker on warm bright light, rain/snow/fog/smoke overlays,
  light changes and day → night grading; subject motions become a small sway of the subject;
* **smooth easing** (smoothstep, or out-and-back for ``loop=True``); periodic effects make whole
  cycles over the clip, and drifting layers cross-fade, so a looping clip joins seamlessly;
* **determinism**: every random choice (phases, textures, a ±10 % amplitude jitter) comes from
  ``numpy.random.default_rng(seed)``.

>>> import numpy as np
>>> img = np.random.default_rng(0).integers(30, 220, (64, 96, 3), dtype=np.uint8)
>>> frames = render_preview(img, "slow zoom in", num_frames=8, seed=0)
>>> frames.shape, frames.dtype
((8, 64, 96, 3), dtype('uint8'))
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from i2v_nb.errors import GenerationStopped, I2VWarning, ParameterError
from i2v_nb.prompting import CAMERA_MOVES, MotionSpec, parse_prompt
from i2v_nb.synthesis import preview_fields as pf

__all__ = [
    "PREVIEW_DEFAULTS",
    "PREVIEW_PARAMS",
    "validate_preview_params",
    "preview_size",
    "check_preview_budget",
    "render_preview",
    "run_preview",
    "PreviewPlan",
    "plan_preview",
]

#: Defaults of the preview engine's parameters (``None`` = decided from the image or the prompt).
PREVIEW_DEFAULTS: dict[str, Any] = {
    "num_frames": 24,
    "fps": 12.0,
    "width": None,        # from the image: long side 512 (smaller images keep their size)
    "height": None,
    "loop": None,         # from the prompt ("seamless loop")
    "intensity": None,    # from the prompt ("subtle", "strong"); 0.5 otherwise
    "speed": None,        # from the prompt ("slowly", "fast"); 0.5 otherwise
    "camera": None,       # from the prompt
    "parallax": 0.5,      # 0 = flat moves, 1 = far pixels do not move at all
    "auto_effects": True,  # a prompt with no motion animates the sky/water/foliage found
    "fit": "crop",        # how an image is brought to width x height: crop, pad, stretch
}
#: Every parameter :func:`validate_preview_params` accepts.
PREVIEW_PARAMS: tuple[str, ...] = (*PREVIEW_DEFAULTS, "prompt", "negative_prompt",
                                   "num_inference_steps", "guidance_scale")

_MAX_SIDE = 4096
_DEFAULT_LONG_SIDE = 512
_MAX_FRAMES = 1000
_MAX_VOXELS = 600_000_000  # frames * width * height (~1.8 GB of uint8 RGB frames)
_MAX_FPS = 240.0


def _snapped_warning_class() -> type[Warning]:
    try:
        from i2v_nb.synthesis.registry import ParameterSnapped

        return ParameterSnapped
    except Exception:  # noqa: BLE001 - registry absent: plain I2VWarning
        return I2VWarning


def _number(name: str, value: Any, *, integer: bool = False) -> float:
    from i2v_nb.synthesis.registry import show_value

    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{name}={show_value(value)} for the preview engine: must be a number"
                             f" (got {type(value).__name__})")
    try:
        v = float(value)
    except OverflowError:  # an integer beyond a float's range: out of every range below
        v = 1e308 if value > 0 else -1e308
    if not math.isfinite(v):
        raise ParameterError(f"{name}={show_value(value)} for the preview engine: must be finite")
    if integer and v != int(v):
        r = int(round(v))
        warnings.warn(f"{name} {v} -> {r} for preview (rule: a whole number)",
                      _snapped_warning_class(), stacklevel=3)
        return float(r)
    return v


def validate_preview_params(**params: Any) -> dict[str, Any]:
    """Check and complete the preview engine's parameters; return the ones it will use.

    Missing (or ``None``) values take :data:`PREVIEW_DEFAULTS`. Odd widths/heights are snapped
    to even numbers (video encoders need even sizes) with a ``ParameterSnapped`` warning.
    ``num_inference_steps`` and ``guidance_scale`` are accepted (so one parameter set can serve
    every model) and dropped: the preview has no denoising steps.

    Args:
        **params: ``num_frames`` (1–1000), ``fps`` (the writer's lowest rate, 1e-4, to 240),
            ``width``/``height`` (16–4096 or None), ``loop`` (bool or None), ``intensity``,
            ``speed`` (in [0, 1] or None),
            ``camera`` (a camera move or None), ``parallax`` (in [0, 1]), ``auto_effects`` (bool),
            ``fit`` (``"crop"``, ``"pad"``, ``"stretch"``), ``prompt``/``negative_prompt`` (str).

    Returns:
        dict with every key of :data:`PREVIEW_DEFAULTS` (plus ``prompt``/``negative_prompt``
        when given).

    Raises:
        ParameterError: unknown keys, wrong types, impossible values (0 frames, negative fps,
            sizes under 16 or over 4096 px, a clip too large for memory when both sides are
            given: with one side, ``generate`` checks :func:`check_preview_budget` once the
            other is derived from the image); ``num_inference_steps`` and ``guidance_scale`` in
            the models' ranges.

    >>> validate_preview_params(num_frames=49, width=512, height=512)["num_frames"]
    49
    >>> validate_preview_params(num_frames=0)
    Traceback (most recent call last):
    ...
    i2v_nb.errors.ParameterError: num_frames=0 for the preview engine: a clip needs 1 to 1000 frames
    """
    unknown = sorted(set(params) - set(PREVIEW_PARAMS))
    if unknown:
        raise ParameterError(f"the preview engine does not take parameter(s) "
                             f"{', '.join(map(repr, unknown))}; it accepts: {', '.join(PREVIEW_PARAMS)}")
    p = {k: v for k, v in params.items() if v is not None}
    out: dict[str, Any] = dict(PREVIEW_DEFAULTS)

    for key in ("prompt", "negative_prompt"):
        if key in p:
            if not isinstance(p[key], str):
                raise ParameterError(f"{key} must be a string, got {type(p[key]).__name__}")
            out[key] = p[key]
    from i2v_nb.synthesis.registry import MAX_GUIDANCE, MAX_STEPS, check_fps, show_value

    # accepted so one parameter set serves every model, and checked like the models check them
    if "num_inference_steps" in p:
        steps = _number("num_inference_steps", p["num_inference_steps"])
        if not 1 <= steps <= MAX_STEPS:
            raise ParameterError(f"num_inference_steps={show_value(p['num_inference_steps'])}: "
                                 f"must be 1 to {MAX_STEPS} (the preview engine ignores it)")
    if "guidance_scale" in p:
        g = _number("guidance_scale", p["guidance_scale"])
        if not 0 <= g <= MAX_GUIDANCE:
            raise ParameterError(f"guidance_scale={show_value(p['guidance_scale'])}: must be >= 0 "
                                 f"and at most {MAX_GUIDANCE:g} (the preview engine ignores it)")

    if "num_frames" in p:
        n = _number("num_frames", p["num_frames"], integer=True)
        if not 1 <= n <= _MAX_FRAMES:
            raise ParameterError(f"num_frames={show_value(p['num_frames'])} for the preview "
                                 f"engine: a clip needs 1 to {_MAX_FRAMES} frames")
        out["num_frames"] = int(n)
    if "fps" in p:
        _number("fps", p["fps"])
        out["fps"] = check_fps(p["fps"], model="the preview engine", high=_MAX_FPS)
    snapped_cls = _snapped_warning_class()
    for key in ("width", "height"):
        if key in p:
            v = _number(key, p[key], integer=True)
            if not 16 <= v <= _MAX_SIDE:
                raise ParameterError(f"{key}={show_value(p[key])} for the preview engine: sizes "
                                     f"must be 16 to {_MAX_SIDE} px; pass a size in that range "
                                     "or None to take it from the image")
            v = int(v)
            if v % 2:
                warnings.warn(f"{key} {v} -> {v + 1} for preview (rule: even sizes, which video "
                              "encoders need)", snapped_cls, stacklevel=2)
                v += 1
            out[key] = v
    if out["width"] is not None and out["height"] is not None:
        check_preview_budget(out["width"], out["height"], out["num_frames"])
    for key in ("loop", "auto_effects"):
        if key in p:
            if not isinstance(p[key], (bool, np.bool_)):
                raise ParameterError(f"{key} for the preview engine must be True or False, "
                                     f"got {p[key]!r}")
            out[key] = bool(p[key])
    for key in ("intensity", "speed", "parallax"):
        if key in p:
            v = _number(key, p[key])
            if not 0.0 <= v <= 1.0:
                raise ParameterError(f"{key}={v} for the preview engine: must be in [0, 1] "
                                     "(0 none, 0.5 normal, 1 most)")
            out[key] = v
    if "camera" in p:
        if p["camera"] not in CAMERA_MOVES:
            raise ParameterError(f"camera={p['camera']!r} for the preview engine: use one of "
                                 f"{', '.join(CAMERA_MOVES)} (or None to read it from the prompt)")
        out["camera"] = p["camera"]
    if "fit" in p:
        if p["fit"] not in ("crop", "pad", "stretch"):
            raise ParameterError(f"fit={p['fit']!r}: use 'crop', 'pad' or 'stretch'")
        out["fit"] = p["fit"]
    return out


def check_preview_budget(width: int, height: int, num_frames: int) -> None:
    """Refuse a clip whose frames would not fit in memory (``width · height · num_frames`` over
    ``_MAX_VOXELS``), with the largest frame count and the largest size that do fit.

    Called with the *final* size: after :func:`preview_size` has derived a missing side from the
    image, and again by :func:`plan_preview` on the image it is given.

    >>> check_preview_budget(512, 320, 24)
    >>> check_preview_budget(4096, 4096, 1000)
    Traceback (most recent call last):
    ...
    i2v_nb.errors.ParameterError: 1000 frames of 4096x4096 need 50.3 GB (16,777,216,000 pixels × frames, over the preview engine's cap of 600,000,000): use at most 35 frames at 4096x4096, or at most 774x774 for 1000 frames

    Raises:
        ParameterError: over the cap; the message says how to make it fit.
    """
    w, h, n = int(width), int(height), int(num_frames)
    voxels = w * h * n
    if voxels <= _MAX_VOXELS:
        return
    max_frames = _MAX_VOXELS // max(w * h, 1)
    scale = math.sqrt(_MAX_VOXELS / voxels)
    fw, fh = max(16, int(w * scale) // 2 * 2), max(16, int(h * scale) // 2 * 2)
    frames_hint = f"use at most {max_frames} frames at {w}x{h}, or " if max_frames >= 1 else ""
    raise ParameterError(
        f"{n} frames of {w}x{h} need {voxels * 3 / 1e9:.1f} GB ({voxels:,} pixels × frames, over "
        f"the preview engine's cap of {_MAX_VOXELS:,}): {frames_hint}"
        f"at most {fw}x{fh} for {n} frames")


def preview_size(image_size: tuple[int, int], width: int | None = None,
                 height: int | None = None) -> tuple[int, int]:
    """The ``(width, height)`` the preview renders an image of ``image_size`` at.

    Missing sides follow the image's aspect ratio; with both missing the long side is 512 (or
    the image's own, if smaller). Sizes are even.

    >>> preview_size((1024, 768)), preview_size((100, 50)), preview_size((1024, 768), width=256)
    ((512, 384), (100, 50), (256, 192))
    """
    sw, sh = image_size
    aspect = sw / max(sh, 1)

    def even(v: float) -> int:
        return max(16, int(round(v / 2.0)) * 2)

    if width is not None and height is not None:
        return int(width), int(height)
    if width is not None:
        return int(width), min(_MAX_SIDE, even(width / aspect))
    if height is not None:
        return min(_MAX_SIDE, even(height * aspect)), int(height)
    scale = min(1.0, _DEFAULT_LONG_SIDE / max(sw, sh))
    return even(sw * scale), even(sh * scale)


# ----------------------------------------------------------------------------------------------
# The plan: everything computed once per clip; frames are then cheap.
# ----------------------------------------------------------------------------------------------

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
    overlays: list[Callable[[np.ndarray, float, float], np.ndarray]] = field(default_factory=list)
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
        full[r0:r1] = _blend(sky, np.ascontiguousarray(out), alpha)
        return full


def _fit_map(values: np.ndarray, size: tuple[int, int], src_size: tuple[int, int], fit: str,
             *, nearest: bool) -> np.ndarray:
    """Bring a per-pixel map of the source image to the rendered size the way the image was."""
    import cv2

    w, h = size
    sh, sw = values.shape[:2]
    interp = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    v = values.astype(np.float32)
    if (sw, sh) == (w, h):
        return v
    if fit == "stretch" or abs(sw / sh - w / h) < 1e-3:
        return cv2.resize(v, (w, h), interpolation=interp)
    if fit == "crop":
        scale = max(w / sw, h / sh)
        nw, nh = max(w, math.ceil(sw * scale - 1e-6)), max(h, math.ceil(sh * scale - 1e-6))
        r = cv2.resize(v, (nw, nh), interpolation=interp)
        left, top = (nw - w) // 2, (nh - h) // 2
        return np.ascontiguousarray(r[top:top + h, left:left + w])
    scale = min(w / sw, h / sh)
    nw, nh = max(1, min(w, round(sw * scale))), max(1, min(h, round(sh * scale)))
    r = cv2.resize(v, (nw, nh), interpolation=interp)
    left, top = (w - nw) // 2, (h - nh) // 2
    return cv2.copyMakeBorder(r, top, h - nh - top, left, w - nw - left, cv2.BORDER_REPLICATE)


def _check_depth(depth: Any, shape: tuple[int, int], fit: str) -> np.ndarray:
    d = np.asarray(depth)
    if d.ndim == 3 and d.shape[-1] == 1:
        d = d[..., 0]
    if d.ndim != 2 or d.size == 0 or d.dtype.kind not in "uif":
        raise ParameterError(f"depth must be an (H, W) array of numbers (0 = nearest), got shape "
                             f"{d.shape} and dtype {d.dtype}; pass i2v_nb.analysis.classical_depth"
                             "(image) or a depth model's map")
    d = d.astype(np.float32)
    d = np.nan_to_num(d, nan=0.5, posinf=1.0, neginf=0.0)
    lo, hi = float(d.min()), float(d.max())
    if lo < 0.0 or hi > 1.0:  # accept any range: normalise to [0, 1]
        d = (d - lo) / max(hi - lo, 1e-6)
    return _fit_map(d, (shape[1], shape[0]), (d.shape[1], d.shape[0]), fit, nearest=False)


def _check_masks(masks: Any, shape: tuple[int, int], fit: str) -> dict[str, np.ndarray]:
    if not isinstance(masks, dict):
        raise ParameterError(f"masks must be a dict of name -> (H, W) bool arrays (keys sky, "
                             f"water, foliage, hair, fabric), got {type(masks).__name__}")
    out = {}
    for key in ("sky", "water", "foliage", "hair", "fabric"):
        m = masks.get(key)
        if m is None:
            out[key] = np.zeros(shape, bool)
            continue
        a = np.asarray(m)
        if a.ndim != 2 or a.size == 0:
            raise ParameterError(f"masks[{key!r}] must be an (H, W) array, got shape {a.shape}")
        a = _fit_map(a.astype(np.float32), (shape[1], shape[0]), (a.shape[1], a.shape[0]), fit,
                     nearest=True)
        out[key] = a > 0.5
    return out


def _default_depth(image: np.ndarray, sky: np.ndarray | None = None) -> np.ndarray:
    from i2v_nb.analysis import classical_depth

    return classical_depth(image, sky=sky)


def _default_masks(image: np.ndarray) -> dict[str, np.ndarray]:
    from i2v_nb.analysis import motion_region_masks

    return motion_region_masks(image)


_NEEDS_MASKS = {"wind", "water_ripples", "waves", "clouds_drift", "fire_flicker"}


def plan_preview(image: Any, spec: MotionSpec | str = "", *, num_frames: int = 24,
                 fps: float = 12.0, seed: int = 0, loop: bool | None = None,
                 intensity: float | None = None, speed: float | None = None,
                 camera: str | None = None, parallax: float = 0.5, auto_effects: bool = True,
                 depth: np.ndarray | None = None, masks: dict[str, np.ndarray] | None = None,
                 fit: str = "crop") -> PreviewPlan:
    """Precompute a clip: parse the motion, get depth and masks, build the motion fields.

    Arguments as in :func:`render_preview`. Returns a :class:`PreviewPlan` whose ``frame(i)``
    renders frame ``i``; ``plan.effects`` lists the effects applied (``"auto:..."`` for ones
    added because the prompt asked for no motion).
    """
    import cv2

    from i2v_nb._media import image_to_array

    img = np.ascontiguousarray(image_to_array(image))
    H, W = img.shape[:2]
    n = _number("num_frames", num_frames, integer=True)
    if not 1 <= n <= _MAX_FRAMES:
        raise ParameterError(f"num_frames={num_frames!r} for the preview engine: a clip needs 1 "
                             f"to {_MAX_FRAMES} frames")
    num_frames = int(n)
    check_preview_budget(W, H, num_frames)
    from i2v_nb.synthesis.registry import check_fps

    fps = check_fps(fps, model="the preview engine", high=_MAX_FPS)
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
    depth_arr = _check_depth(depth, (H, W), fit) if depth is not None else None
    mask_arr = _check_masks(masks, (H, W), fit) if masks is not None else None
    parallax_move = camera not in ("static", "zoom_in", "zoom_out", "roll") and parallax > 0
    depth_source = "given" if depth_arr is not None else "none"
    masks_source = "given" if mask_arr is not None else "none"
    if mask_arr is None and need_masks:
        mask_arr = _default_masks(img)
        masks_source = "motion_region_masks"
    if depth_arr is None and (parallax_move or subject or "fog" in effects or
                              "day_to_night" in effects):
        # our own sky mask is already refined: classical_depth need not compute it again
        own_sky = mask_arr["sky"] if masks_source == "motion_region_masks" else None
        depth_arr = _default_depth(img, own_sky)
        depth_source = "classical_depth"
    if mask_arr is None:
        mask_arr = {k: np.zeros((H, W), bool) for k in ("sky", "water", "foliage", "hair", "fabric")}
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
    if camera in pf._TRANSLATIONS:
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
        elif eff in ("rain", "snow", "fog", "smoke", "fire_flicker", "light_change",
                     "day_to_night"):
            plan.overlays.append(_make_overlay(eff, img, depth_arr, mask_arr, rng,
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
                         cycles: Callable, phase_field: Callable) -> list[pf.Oscillator]:
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


def _blend(target: np.ndarray, frame: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``weight · target + (1 − weight) · frame`` in one pass (weight ``(H, W)`` float32)."""
    import cv2

    return cv2.blendLinear(target, frame, weight, (1.0 - weight).astype(np.float32, copy=False))


def _gain_lut(gains: Any) -> np.ndarray:
    """A per-channel LUT (1, 256, 3) uint8 multiplying values by ``gains`` (saturating)."""
    g = np.broadcast_to(np.asarray(gains, np.float32), (3,))
    v = np.arange(256, dtype=np.float32)[:, None] * g[None, :]
    return np.clip(np.round(v), 0, 255).astype(np.uint8)[None]


def _make_overlay(effect: str, img: np.ndarray, depth: np.ndarray, masks: dict[str, np.ndarray],
                  rng: np.random.Generator, *, strength: float, tempo: float, unit: float,
                  cycles: Callable, loop: bool, jitter: float
                  ) -> Callable[[np.ndarray, float, float], np.ndarray]:
    """A per-frame colour effect ``overlay(frame, t, tc) -> frame``: ``t`` the effect time
    (i / T, periodic effects), ``tc`` the camera time (progressive effects).

    Each effect is one ``cv2.blendLinear`` of the frame with a target (a colour, or the frame
    through a gain LUT) under a per-pixel weight, so a frame costs a few milliseconds.
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
        lut = _gain_lut(dim)

        def precip(frame: np.ndarray, t: float, tc: float) -> np.ndarray:
            dy = int(round(k_fall * H * t)) % H
            dx = int(round(0.02 * W * drift * math.sin(2 * math.pi * drift * t + sway))) % W
            layer = np.roll(tex, (dy, dx), axis=(0, 1))
            return _blend(flat, cv2.LUT(frame, lut), layer)

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
            return _blend(flat, frame, lo + hi * n)

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
        brighter, darker = _gain_lut((1.0 + amp, 1.0 + 0.8 * amp, 1.0 + 0.5 * amp)), \
            _gain_lut(1.0 - amp)

        def flicker(frame: np.ndarray, t: float, tc: float) -> np.ndarray:
            s = sum(w * math.sin(2 * math.pi * k * t + p)
                    for w, k, p in zip((0.5, 0.3, 0.2), ks, phases))
            target = cv2.LUT(frame, brighter if s >= 0 else darker)
            return _blend(target, frame, (abs(s) * glow).astype(np.float32))

        return flicker

    if effect == "light_change":
        k = cycles(0.25 * tempo)
        ph = float(rng.uniform(0, 2 * math.pi))
        xs = np.arange(W, dtype=np.float32)
        amp = 0.16 * strength
        brighter, darker = _gain_lut(1.0 + amp), _gain_lut(1.0 - amp)

        def light(frame: np.ndarray, t: float, tc: float) -> np.ndarray:
            g = np.sin(2 * math.pi * (k * t - xs / (1.5 * W)) + ph).astype(np.float32)
            up = np.ascontiguousarray(np.broadcast_to(np.maximum(g, 0), (H, W)))
            down = np.ascontiguousarray(np.broadcast_to(np.maximum(-g, 0), (H, W)))
            out = _blend(cv2.LUT(frame, brighter), frame, up)
            return _blend(cv2.LUT(out, darker), out, down)

        return light

    # day_to_night: a progressive grade towards a dark blue night, the far parts and sky most
    sky = pf.feather(masks["sky"], 4 * unit) if masks["sky"].any() else 0.0
    spatial = np.clip((0.8 + 0.15 * depth + 0.1 * sky) / 1.05, 0.0, 1.0).astype(np.float32)
    night = _gain_lut((0.30, 0.36, 0.55))
    reach = min(1.0, 0.55 + 0.45 * strength)

    def dusk(frame: np.ndarray, t: float, tc: float) -> np.ndarray:
        p = pf.ease(tc, loop=loop) * reach
        if p <= 0:
            return frame
        return _blend(cv2.LUT(frame, night), frame, (p * spatial).astype(np.float32))

    return dusk


# ----------------------------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------------------------

ProgressFn = Callable[[int, int, Any], Any]


def render_preview(image: Any, spec: MotionSpec | str = "", *, num_frames: int = 24,
                   fps: float = 12.0, seed: int = 0, loop: bool | None = None,
                   intensity: float | None = None, speed: float | None = None,
                   camera: str | None = None, parallax: float = 0.5, auto_effects: bool = True,
                   depth: np.ndarray | None = None, masks: dict[str, np.ndarray] | None = None,
                   fit: str = "crop", progress: ProgressFn | None = None,
                   stop: Any = None) -> np.ndarray:
    """Render a preview clip from an image and a motion prompt (CPU, no weights).

    The image is used at its own size (``generate`` fits it first). Depth and masks are computed
    with :func:`i2v_nb.analysis.classical_depth` and :func:`i2v_nb.analysis.motion_region_masks`
    unless given (e.g. from a depth model); maps of another size are fitted like the image.

    Args:
        image: ``(H, W, 3)`` uint8 array or PIL image.
        spec: a :class:`MotionSpec` or a prompt text.
        num_frames: frames to render.
        fps: frame rate (sets how many cycles periodic effects make).
        seed: random seed (phases, textures, ±10 % amplitude).
        loop: seamless loop (default: the prompt's ``loop``).
        intensity, speed: override the prompt's intensity and speed (in [0, 1]).
        camera: override the prompt's camera move.
        parallax: 0 = every pixel moves alike, 1 = the farthest pixels do not move.
        auto_effects: when the prompt asks for no motion at all, animate the sky, water and
            foliage found in the image, subtly.
        depth: ``(H, W)`` float depth, 0 = nearest (any range is normalised to [0, 1]).
        masks: dict with bool ``(H, W)`` masks ``sky``, ``water``, ``foliage``, ``hair``,
            ``fabric`` (missing keys = empty).
        fit: how ``depth``/``masks`` of another size are fitted (like the image was).
        progress: ``progress(frame_number, num_frames, frame)`` after every frame.
        stop: a ``threading.Event``; when set, rendering stops with ``GenerationStopped``.

    Returns:
        ``(num_frames, H, W, 3)`` uint8 frames.

    Raises:
        GenerationStopped: ``stop`` was set.
        ParameterError: bad depth/masks or camera.
    """
    plan = plan_preview(image, spec, num_frames=num_frames, fps=fps, seed=seed, loop=loop,
                        intensity=intensity, speed=speed, camera=camera, parallax=parallax,
                        auto_effects=auto_effects, depth=depth, masks=masks, fit=fit)
    return _render(plan, progress=progress, stop=stop)


def _render(plan: PreviewPlan, *, progress: ProgressFn | None, stop: Any) -> np.ndarray:
    H, W = plan.image.shape[:2]
    frames = np.empty((plan.num_frames, H, W, 3), np.uint8)
    for i in range(plan.num_frames):
        if stop is not None and stop.is_set():
            raise GenerationStopped(f"preview stopped after {i} of {plan.num_frames} frames; "
                                    "nothing was kept. Clear the stop event and call again.")
        frames[i] = plan.frame(i)
        if progress is not None:
            progress(i + 1, plan.num_frames, frames[i])
    return frames


def run_preview(request: Any) -> tuple[np.ndarray, dict[str, Any]]:
    """The preview backend: render a :class:`~i2v_nb.synthesis.backend.GenerationRequest`.

    Returns ``(frames, metadata)``; metadata holds the effects applied, the camera, the depth
    and mask sources and the timings (``plan_s``, ``render_s``).
    """
    params = request.params
    t0 = time.perf_counter()
    if request.stop is not None and request.stop.is_set():
        raise GenerationStopped("preview: stop was already set before generation began; clear "
                                "the event (stop.clear()) and call again")
    depth = getattr(request, "depth", None)
    masks = getattr(request, "masks", None)
    plan = plan_preview(request.image, request.spec, num_frames=params["num_frames"],
                        fps=params["fps"], seed=request.seed, loop=params["loop"],
                        intensity=params["intensity"], speed=params["speed"],
                        camera=params["camera"], parallax=params["parallax"],
                        auto_effects=params["auto_effects"], depth=depth, masks=masks,
                        fit=params["fit"])
    t1 = time.perf_counter()
    frames = _render(plan, progress=request.progress, stop=request.stop)
    t2 = time.perf_counter()
    meta = {
        "backend": "preview",
        "camera": plan.camera,
        "loop": plan.loop,
        "effects": plan.effects,
        "depth_source": plan.depth_source,
        "masks_source": plan.masks_source,
        "params": {"camera": plan.camera, "loop": plan.loop, "speed": round(plan.speed, 4),
                   "intensity": round(plan.intensity, 4)},
        "overscan": round(plan.overscan, 4),
        "parallax": params["parallax"],
        "timings": {"plan_s": t1 - t0, "render_s": t2 - t1},
    }
    return frames, meta
