"""Shape drift: a region that swells while the frame around it does not.

A part of the subject that morphs — a face bloating, a hand growing — moves each pixel a fraction
of a pixel per frame, less than the waves, leaves and parallax of a clean clip move theirs. What
sets it apart is the *shape* of the deformation, not its size: the region is stretched in every
direction at once, relative to its surroundings. The legitimate motions of a clip stretch one way
at a time: a pan's parallax stretches along the pan, a wave along its direction of travel, a
sway along the sway. (An object coming towards the camera swells too; it is flagged, and the
message says what was measured.)

How (:func:`swell_map`): frames are scaled so their shorter side is :data:`SHAPE_SIDE` pixels.
For each of the late frames ``t ∈ {T−4, T−2, T−1}``: DIS optical flow from frame 0 to frame t
(finest scale, dense patches: the deformation is a fraction of a pixel per pixel) and back. A pixel
is left out when its two flows disagree by :data:`FB_MAX` or more or its match leaves the frame
(eroded by 3 px), and when under :data:`MIN_MEASURED_AROUND` of its surroundings is measured. The
flow's Jacobian ``J`` (Gaussian derivative, σ = :data:`SIGMA_REGION`) is taken relative to its
surroundings twice: minus the Jacobian at σ = :data:`SIGMA_SURROUND` (a smooth parallax or camera
move) and minus the frame's median Jacobian (a zoom). The swell ``e`` is the smaller eigenvalue of
the symmetric part of each, and the smaller of the two: positive only where the region stretches
in every direction beyond its surroundings; less :data:`ZOOM_DISCOUNT` × the frame's own zoom.
``e`` is the median over the three late frames (one bad flow does not make a flag).

A flag (:func:`morph_flags`, kind ``"morph"``) where ``e ≥`` :data:`MORPH_MIN` (0.06: a 6 %
stretch) and the swell built up steadily: ``e`` at the peak, on frames every ``T / 8`` and on the
late frames, starts after the last value under :data:`GROWTH_START` × its final value, then is
measured at least :data:`GROWTH_STEPS` times and on at least half of those frames, first at most
:data:`GROWTH_FIRST` × the final value, never falling by more than :data:`GROWTH_DIP` × the final
value between two of them (waves and swaying leaves swell and shrink; a flow that fails leaves
gaps; a morph builds up). Where the flow does not show a steady build-up — often because it failed
on the middle frames, where clouds or water drift past the region — the region's size is matched
instead (:mod:`~i2v_nb.diagnostics.local_scale`): on the same frames, how much larger it appears
than the patches around it; a build-up of that to :data:`SCALE_GROWTH_MIN` or more, by the same
rule, flags it too. When this strict look finds nothing, a second, loose one reads the same flows
with :data:`LOOSE_FB_MAX` and :data:`LOOSE_MEASURED_AROUND` (a strong swelling, or a drifting sky
beside the region, breaks the flow around it); a swell it finds is flagged only when its flow and
its matched size both build up steadily. At most :data:`MAX_MORPHS` flags, from the
:data:`MAX_CANDIDATES` highest peaks, apart. Its box is the core where ``e ≥ MORPH_MIN / 2``
around the peak, doubled about its centre (the squeezed rim lies around the core); its frame is
where the swell starts (the frame after the last value under :data:`GROWTH_START` × the final
one: a little after the true start).

Tuned on the planted morphs of ``benchmarks/bench_defects.py`` (clips of 24 frames, 192 × 128; a
round region of 6 % of the frame swelling to 1.15× / 1.3× / 1.6×), defect seeds 0 and 1: found in
0.34 / 0.90 / 0.89 of them (0.34 / 0.83 / 0.83 by the flow alone); on defect seeds 2 and 3, held
out while tuning, 0.34 / 0.90 / 0.93 (0.31 / 0.87 / 0.84 by the flow alone). No flag on its 35 clean
clips nor on 60 with effects (``--effects``); on 245 more clean clips (single effects, other
seeds and sizes) three, all fast orbits of the astronaut read as a 7–10 % swell. What it cannot
do: see a region shrink (only swelling is measured), tell a morph from an object coming at the
camera, or read a swell on flat or dark texture (a night scene's dark ground) or where the flow
fails over most of the frame (a zoom while clouds drift).

>>> f = np.zeros((12, 64, 96, 3), np.uint8)
>>> morph_flags(f)
[]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from i2v_nb.diagnostics.flags import Flag
from i2v_nb.diagnostics.words import region_words

__all__ = ["SHAPE_SIDE", "SIGMA_REGION", "SIGMA_SURROUND", "MORPH_MIN", "MAX_MORPHS",
           "MAX_CANDIDATES", "FB_MAX", "MIN_MEASURED_AROUND", "LOOSE_FB_MAX",
           "LOOSE_MEASURED_AROUND", "ZOOM_DISCOUNT", "GROWTH_START",
           "GROWTH_STEPS", "GROWTH_FIRST", "GROWTH_DIP", "SCALE_GROWTH_MIN", "MIN_FRAMES",
           "shape_flow", "swell", "swell_maps", "swell_map", "morph_flags"]

#: Shorter side, in pixels, at which shape drift is measured.
SHAPE_SIDE = 128
#: Gaussian σ (pixels at :data:`SHAPE_SIDE`) of the region's deformation.
SIGMA_REGION = 3.0
#: Gaussian σ (pixels at :data:`SHAPE_SIDE`) of its surroundings' deformation.
SIGMA_SURROUND = 10.0
#: Least swell (a stretch in every direction, as a fraction) for a morph flag.
MORPH_MIN = 0.06
#: Most morph flags per clip.
MAX_MORPHS = 2
#: Most peaks of the swell map checked for a steady build-up, per clip.
MAX_CANDIDATES = 3
#: Largest forward/backward mismatch (pixels at :data:`SHAPE_SIDE`) of a measured pixel: stricter
#: than the occlusion test's, which grows with the motion — a fast pan's flow is not precise
#: enough to read a few per cent of stretch from.
FB_MAX = 1.0
#: Least share of measured pixels around a pixel (a square of side 2 × :data:`SIGMA_SURROUND`)
#: for its swell to count: next to what a zoom or a dolly pushes out of the frame, the flow is not
#: trusted.
MIN_MEASURED_AROUND = 0.8
#: Forward/backward mismatch and share of measured surroundings of the second, loose look, taken
#: only when the strict one finds no morph: a strong swelling or a drifting sky next to the region
#: breaks the flow around it. A loosely measured swell is flagged only when its matched size
#: (:mod:`~i2v_nb.diagnostics.local_scale`) builds up steadily as well.
LOOSE_FB_MAX = 2.0
LOOSE_MEASURED_AROUND = 0.5
#: Swell taken off per unit of the whole frame's zoom between frame 0 and frame t: the flow's own
#: error grows with the scale change (a clean zoom out by a quarter read as a 6 % swell).
ZOOM_DISCOUNT = 0.15
#: The swell starts after the last earlier frame under this share of its final value.
GROWTH_START = 0.3
#: Fewest measured frames past the start (every ``T / 8``, then the three late frames).
GROWTH_STEPS = 3
#: Largest first value past the start, as a share of the final swell: a build-up does not jump
#: most of the way at once.
GROWTH_FIRST = 0.7
#: Largest fall between consecutive measured frames, as a share of the final swell.
GROWTH_DIP = 0.4
#: Least growth of a region's matched size beyond its surroundings' (a fraction, median of the late
#: frames) for a swell whose flow did not build up steadily to be flagged after all.
SCALE_GROWTH_MIN = 0.1
#: Fewest frames for shape drift to be measured.
MIN_FRAMES = 8


def _dis():
    import cv2

    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    dis.setFinestScale(0)
    dis.setPatchSize(8)
    dis.setPatchStride(2)
    dis.setVariationalRefinementIterations(10)
    return dis


def _small_grey(frame: np.ndarray) -> np.ndarray:
    from i2v_nb._media import to_grey
    from i2v_nb._optical_flow import resize_grey

    g = to_grey(frame)
    h, w = g.shape
    k = SHAPE_SIDE / min(h, w)
    if k >= 1.0:
        return g
    return resize_grey(g, (max(1, round(h * k)), max(1, round(w * k))))


def shape_flow(grey0: np.ndarray, grey1: np.ndarray, dis=None) -> tuple[np.ndarray, np.ndarray]:
    """Flow ``grey0 → grey1`` and the mask of pixels whose backward flow returns them within
    :data:`FB_MAX` px inside the frame, eroded by 3 px, with the estimator shape drift uses.

    >>> a = np.random.default_rng(0).integers(0, 255, (40, 40), dtype=np.uint8)
    >>> flow, ok = shape_flow(a, a)
    >>> float(abs(flow).max()) < 0.01, bool(ok[20, 20])
    (True, True)
    """
    fw, err, inside = _flow_pair(grey0, grey1, dis or _dis())
    return fw, _measured(err, inside, FB_MAX)


def _flow_pair(grey0: np.ndarray, grey1: np.ndarray, dis) -> tuple[np.ndarray, ...]:
    """Forward flow, forward/backward mismatch (px) and the inside-the-frame mask."""
    import cv2

    from i2v_nb._optical_flow import warp_image

    fw = dis.calc(grey0, grey1, None)
    bw = dis.calc(grey1, grey0, None)
    back, inside = warp_image(bw, fw)  # the backward flow at each pixel's match
    return fw, cv2.magnitude(fw[..., 0] + back[..., 0], fw[..., 1] + back[..., 1]), inside


def _pair(frames: np.ndarray, t: int, dis, greys: dict[int, np.ndarray],
          flows: dict[int, tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    """:func:`_flow_pair` of the small grey frames 0 and ``t``, made once per clip: ``greys``
    and ``flows`` cache them (every look and every candidate reads the same pairs)."""
    if t not in flows:
        for i in (0, t):
            if i not in greys:
                greys[i] = _small_grey(frames[i])
        flows[t] = _flow_pair(greys[0], greys[t], dis)
    return flows[t]


def _measured(err: np.ndarray, inside: np.ndarray, fb_max: float) -> np.ndarray:
    import cv2

    ok = ((err < fb_max) & inside).astype(np.uint8)
    return cv2.erode(ok, np.ones((7, 7), np.uint8)).astype(bool)


def _jacobian(flow: np.ndarray, sigma: float) -> np.ndarray:
    """``(4, H, W)``: ∂u/∂x, ∂u/∂y, ∂v/∂x, ∂v/∂y of the flow smoothed at ``sigma``."""
    import cv2

    out = []
    for c in range(2):
        s = cv2.GaussianBlur(np.ascontiguousarray(flow[..., c]), (0, 0), sigma)
        out.append(cv2.Sobel(s, cv2.CV_32F, 1, 0, ksize=1) * 0.5)
        out.append(cv2.Sobel(s, cv2.CV_32F, 0, 1, ksize=1) * 0.5)
    return np.stack(out)


def _min_eig(j: np.ndarray) -> np.ndarray:
    """Smaller eigenvalue of the symmetric part of 2 × 2 matrices ``(a, b, c, d)`` per pixel."""
    a, b, c, d = j
    return (a + d) / 2 - np.sqrt(((a - d) / 2) ** 2 + ((b + c) / 2) ** 2)


def swell(flow: np.ndarray, valid: np.ndarray, *, scale: float = 1.0,
          min_around: float = MIN_MEASURED_AROUND) -> np.ndarray:
    """Per pixel, how much the flow stretches the picture in every direction beyond its
    surroundings (the module docstring's ``e``; NaN where ``valid`` is False or under
    ``min_around`` of the pixels around it are valid).

    >>> yy, xx = np.mgrid[0:64, 0:64].astype(np.float32)
    >>> bump = np.exp(-((xx - 32) ** 2 + (yy - 32) ** 2) / 200).astype(np.float32)
    >>> flow = np.dstack([(xx - 32) * 0.2 * bump, (yy - 32) * 0.2 * bump])
    >>> e = swell(flow, np.ones((64, 64), bool))
    >>> one_way = swell(np.dstack([xx * 0.1, 0 * yy]), np.ones((64, 64), bool))
    >>> bool(e[32, 32] > 0.1), bool(np.nanmax(one_way) < 0.01)
    (True, True)
    """
    import cv2

    f = np.ascontiguousarray(flow, np.float32)
    jc = _jacobian(f, SIGMA_REGION * scale)
    local = _min_eig(jc - _jacobian(f, SIGMA_SURROUND * scale))
    ok = np.asarray(valid, bool)
    med = np.median(jc[:, ok], axis=1) if ok.any() else np.zeros(4, np.float32)
    e = np.minimum(local, _min_eig(jc - med[:, None, None].astype(np.float32)))
    e -= ZOOM_DISCOUNT * abs(float(med[0] + med[3])) / 2
    side = 2 * int(round(SIGMA_SURROUND * scale)) + 1
    around = cv2.blur(ok.astype(np.float32), (side, side), borderType=cv2.BORDER_CONSTANT)
    e[~ok | (around < min_around)] = np.nan
    return e


def _late_frames(t_count: int) -> list[int]:
    return [t_count - 4, t_count - 2, t_count - 1]


def swell_maps(frames: np.ndarray, times: list[int], *, dis=None,
               greys: dict[int, np.ndarray] | None = None,
               loose: bool = False) -> list[np.ndarray]:
    """One ``(h, w)`` swell map per frame of ``times``, against frame 0, at the
    :data:`SHAPE_SIDE` scale (NaN where not measured; ``loose``: measured by
    :data:`LOOSE_FB_MAX` and :data:`LOOSE_MEASURED_AROUND`). ``greys`` caches the small grey
    frames.

    >>> [m.shape for m in swell_maps(np.zeros((10, 32, 48, 3), np.uint8), [5, 9])]
    [(32, 48), (32, 48)]
    """
    return [m for (m,) in _swell_levels(frames, times, (loose,), dis=dis, greys=greys)]


def _swell_levels(frames: np.ndarray, times: list[int], levels: tuple[bool, ...], *, dis=None,
                  greys: dict[int, np.ndarray] | None = None,
                  flows: dict[int, tuple[np.ndarray, ...]] | None = None
                  ) -> list[tuple[np.ndarray, ...]]:
    """Per frame of ``times``, its swell maps measured strictly (False) or loosely (True), as
    ``levels`` asks, from one flow pair (:func:`_pair`)."""
    greys = {} if greys is None else greys
    flows = {} if flows is None else flows
    dis = dis or _dis()
    out = []
    for t in times:
        fw, err, inside = _pair(frames, t, dis, greys, flows)
        scale = min(greys[0].shape) / SHAPE_SIDE
        out.append(tuple(
            swell(fw, _measured(err, inside, LOOSE_FB_MAX), scale=scale,
                  min_around=LOOSE_MEASURED_AROUND) if loose
            else swell(fw, _measured(err, inside, FB_MAX), scale=scale) for loose in levels))
    return out


def swell_map(frames: np.ndarray, *, times: list[int] | None = None, dis=None,
              greys: dict[int, np.ndarray] | None = None, loose: bool = False) -> np.ndarray:
    """``(h, w)`` median swell of frames ``times`` (default ``T−4, T−2, T−1``) against frame 0, at
    the :data:`SHAPE_SIDE` scale (−1 where no frame could be measured; ``loose``: as the second,
    loose look measures it).

    >>> swell_map(np.zeros((10, 32, 48, 3), np.uint8)).shape
    (32, 48)
    """
    maps = swell_maps(frames, times or _late_frames(len(frames)), dis=dis, greys=greys,
                      loose=loose)
    return _median_ignoring_nan(np.stack(maps))


def _median_ignoring_nan(stack: np.ndarray) -> np.ndarray:
    """Median over axis 0 of the finite values (−1 where none), without ``np.nanmedian``'s cost.

    >>> nan = np.nan
    >>> _median_ignoring_nan(np.array([[1.0, nan, nan], [3.0, 2.0, nan], [2.0, 4.0, nan]]))
    array([ 2.,  3., -1.], dtype=float32)
    """
    s = np.sort(stack, axis=0)  # NaNs sort last
    n = np.isfinite(stack).sum(axis=0)
    lo = np.take_along_axis(s, np.maximum((n - 1) // 2, 0)[None], axis=0)[0]
    hi = np.take_along_axis(s, np.minimum(n // 2, len(s) - 1)[None], axis=0)[0]
    return np.where(n > 0, (lo + hi) / 2, -1.0).astype(np.float32)


def _core_box(e: np.ndarray, y: int, x: int) -> tuple[int, int, int, int]:
    """Box (small-frame pixels) of the core ``e ≥ MORPH_MIN / 2`` around ``(y, x)``, doubled."""
    import cv2

    n, labels = cv2.connectedComponents((e >= MORPH_MIN / 2).astype(np.uint8))
    ys, xs = np.nonzero(labels == labels[y, x])
    cx, cy = (xs.min() + xs.max() + 1) / 2, (ys.min() + ys.max() + 1) / 2
    hw, hh = xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()
    h, w = e.shape
    return (max(0, int(cx - hw)), max(0, int(cy - hh)), min(w, int(np.ceil(cx + hw))),
            min(h, int(np.ceil(cy + hh))))


def morph_flags(frames: np.ndarray) -> list[Flag]:
    """Flags for regions that swell against their surroundings from frame 0 to the
    end (see the module docstring); each with ``box`` in pixels of the clip, ``frame`` where the
    swell starts and ``last`` the clip's last frame.

    >>> f = np.random.default_rng(0).integers(0, 255, (10, 48, 64, 3), dtype=np.uint8)
    >>> morph_flags(f)
    []
    """
    frames = np.asarray(frames)
    if len(frames) < MIN_FRAMES:
        return []
    cache = {"dis": _dis(), "greys": {}, "flows": {}}
    strict, loose = zip(*_swell_levels(frames, _late_frames(len(frames)), (False, True),
                                       **cache), strict=True)
    return (_morphs(frames, list(strict), loose=False, cache=cache)
            or _morphs(frames, list(loose), loose=True, cache=cache))


def _morphs(frames: np.ndarray, late: list[np.ndarray], *, loose: bool,
            cache: dict[str, Any]) -> list[Flag]:
    """Morph flags from the late swell maps ``late`` (strict or ``loose``): see the module
    docstring. ``cache``: the DIS estimator and the small grey frames and flow pairs made so far
    (:func:`_pair`'s ``dis``, ``greys`` and ``flows``)."""
    t_count, h, w = frames.shape[:3]
    e = _median_ignoring_nan(np.stack(late))
    sh, sw = e.shape
    kx, ky = w / sw, h / sh
    flags = []
    work = e.copy()
    gap = int(round(2 * SIGMA_SURROUND * min(sh, sw) / SHAPE_SIDE))
    for _ in range(MAX_CANDIDATES):
        if len(flags) == MAX_MORPHS:
            break
        y, x = np.unravel_index(int(np.argmax(work)), work.shape)
        peak = float(work[y, x])
        if peak < MORPH_MIN:
            break
        bx0, by0, bx1, by1 = _core_box(e, y, x)
        box = (int(bx0 * kx), int(by0 * ky), min(w, int(np.ceil(bx1 * kx))),
               min(h, int(np.ceil(by1 * ky))))
        start = _growth(frames, late, e_final=peak, y=y, x=x, loose=loose, cache=cache)
        if loose:  # a loosely measured swell must also grow in matched size
            if start is not None and _scale_growth(frames, y=y, x=x, cache=cache) is None:
                start = None
        elif start is None:  # the flow failed on some frames or swayed: how does its size grow?
            start = _scale_growth(frames, y=y, x=x, cache=cache)
        work[max(0, y - gap):y + gap + 1, max(0, x - gap):x + gap + 1] = -1.0
        if start is None:  # not a steady build-up: waves, leaves, a flow failing
            continue
        where = region_words(box, width=w, height=h)
        flags.append(Flag(start, "morph", "swell", peak, float("nan"),
                          f"a region stretches {100 * peak:.0f} % in every direction beyond its "
                          f"surroundings between frame 0 and frame {t_count - 1}",
                          box=box, last=t_count - 1,
                          message=f"a region in {where} swells from about frame {start}: by "
                                  f"frame {t_count - 1} it is stretched about {100 * peak:.0f} % "
                                  "in every direction while the picture around it is not (a part "
                                  "of the subject morphing, or coming towards the camera)"))
        work[by0:by1, bx0:bx1] = -1.0
    return flags


def _growth_times(t_count: int) -> list[int]:
    """Frames ``T/8, 2T/8, …`` before the late frames, then the late frames."""
    step = max(1, t_count // 8)
    return list(range(step, t_count - 4, step)) + _late_frames(t_count)


def _growth(frames: np.ndarray, late: list[np.ndarray], *, e_final: float, y: int, x: int,
            loose: bool, cache: dict[str, Any]) -> int | None:
    """Where the swell at ``(y, x)`` starts, or None when it does not build up steadily.

    The swell there (median of a 5 × 5 neighbourhood) on frames ``T/8, 2T/8, …`` before the late
    frames, then on the late frames (``late``, their maps), judged by :func:`_steady_start`.
    """
    times = _growth_times(len(frames))
    early = times[:-3]
    values = []
    maps = [m for (m,) in _swell_levels(frames, early, (loose,), **cache)] + late
    for m in maps:
        patch = m[max(0, y - 2):y + 3, max(0, x - 2):x + 3]
        values.append(float(np.nanmedian(patch)) if np.isfinite(patch).any() else np.nan)
    return _steady_start(values, times, e_final)


def _steady_start(values: list[float], times: list[int], final: float) -> int | None:
    """The frame a build-up to ``final`` starts from, or None when ``values`` (on frames
    ``times``, NaN where not measured) do not build up steadily.

    It starts after the last value under :data:`GROWTH_START` × ``final`` (after the true start,
    bar noise: by about a third of the build-up; a line traced back to zero lands too early as
    often as not on a strong swell). It builds up steadily when at least :data:`GROWTH_STEPS`
    values after the start are measured, at least half of them are (a flow may fail on a strong
    deformation, not on most frames), the first of them is at most :data:`GROWTH_FIRST` ×
    ``final`` and none is below the one before it by more than :data:`GROWTH_DIP` × ``final``:
    waves and swaying leaves swell and shrink, a failing flow leaves gaps, a morph builds up.

    >>> _steady_start([0.0, 0.01, 0.03, 0.05, 0.08, 0.1], [2, 4, 6, 8, 10, 11], 0.1)
    5
    >>> _steady_start([0.0, 0.1, 0.0, 0.1, 0.0, 0.1], [2, 4, 6, 8, 10, 11], 0.1) is None
    True
    """
    below = [k for k, v in enumerate(values) if np.isfinite(v) and v < GROWTH_START * final]
    first = below[-1] + 1 if below else 0
    after = np.array(values[first:], dtype=float)
    measured = after[np.isfinite(after)]
    if (len(measured) < GROWTH_STEPS or 2 * len(measured) < len(after)
            or measured[0] > GROWTH_FIRST * final):
        return None
    if (np.diff(measured) < -GROWTH_DIP * final).any():
        return None
    return max(1, times[first - 1] + 1 if first else 1)


def _scale_growth(frames: np.ndarray, *, y: int, x: int, cache: dict[str, Any]) -> int | None:
    """Where the region at ``(y, x)`` starts to grow by its matched size
    (:func:`~i2v_nb.diagnostics.local_scale.scale_ratio` on the frames of :func:`_growth_times`),
    or None when it does not grow by :data:`SCALE_GROWTH_MIN` or not steadily.
    """
    from i2v_nb.diagnostics.local_scale import scale_ratio

    times = _growth_times(len(frames))
    greys = cache["greys"]
    values = []
    for t in times:
        fw = _pair(frames, t, **cache)[0]
        values.append(scale_ratio(greys[0], greys[t], fw, y, x))
    late = [v for v in values[-3:] if np.isfinite(v)]
    if len(late) < 2 or float(np.median(late)) < SCALE_GROWTH_MIN:
        return None
    return _steady_start(values, times, float(np.median(late)))
