"""Local scale: how much larger a patch of frame 0 appears in a later frame than the patches
around it, found by matching rather than by optical flow.

Shape drift (:mod:`~i2v_nb.diagnostics.shape`) reads a swelling region from the flow, which fails
where a drifting sky or water pulls the flow across an edge: the region is then measured at one
or two frames only. Matching a patch against the later frame at a range of magnifications needs
no flow across the edge: the patch at its own place (followed by the median flow around it, which
survives where the per-pixel flow does not) and a ring of patches around it each get the
magnification that matches best; the swelling is the patch's over the ring's median.

How (:func:`best_scale`): the patch of radius :data:`PATCH_RADIUS` pixels (frames at the
:data:`~i2v_nb.diagnostics.shape.SHAPE_SIDE` scale) around a point of frame 0 is magnified by each
of :data:`SCALES` about that point and matched (normalised cross-correlation) within
±:data:`SEARCH` pixels of where the flow puts it. :func:`scale_ratio` is the centre's best
magnification over the median of those of :data:`RING_POINTS` patches at :data:`RING_DISTANCE` ×
the radius, minus 1, counted only when the centre matches by :data:`MIN_MATCH` or better and at
least :data:`MIN_RING` ring patches by :data:`RING_MATCH` — with fewer (the region sits on a dark
ground or a clear sky), over the whole frame's magnification along the flow
(:func:`frame_scale`). A flat patch (grey-level spread under :data:`MIN_SPREAD`) has no scale.
What it cannot do: read the scale of a patch whose only structure is one straight edge (every
magnification matches it about as well), or follow a patch that the flow around it misplaces by
more than :data:`SEARCH` pixels. Between the steps of :data:`SCALES`, the best magnification is
read from the parabola through the best score and its neighbours.

>>> g = np.random.default_rng(0).integers(0, 255, (64, 64)).astype(np.uint8)
>>> score, s = best_scale(g, g, 32, 32, (0.0, 0.0))
>>> round(float(s), 2), bool(score > 0.99)
(1.0, True)
"""

from __future__ import annotations

import numpy as np

__all__ = ["SCALES", "PATCH_RADIUS", "SEARCH", "MIN_SPREAD", "MIN_MATCH", "RING_MATCH",
           "RING_POINTS", "RING_DISTANCE", "MIN_RING", "best_scale", "scale_ratio", "frame_scale"]

_STEP = 1.05
#: Magnifications tried: 1.05 ** −3 … 1.05 ** 12, that is 0.86× to 1.8× in steps of 5 %.
SCALES = _STEP ** np.arange(-3, 13)
#: Half the side of a matched patch, in pixels of the small frame.
PATCH_RADIUS = 10
#: How far (pixels) from where the median flow puts a patch its match is looked for.
SEARCH = 6
#: Least grey-level standard deviation of a magnified patch for it to be matched.
MIN_SPREAD = 3.0
#: Least match score (normalised cross-correlation) of the centre patch.
MIN_MATCH = 0.9
#: Least match score of a ring patch for its magnification to count.
RING_MATCH = 0.6
#: Patches in the ring around the centre.
RING_POINTS = 8
#: Distance of the ring from the centre, in patch radii: outside the swelling region.
RING_DISTANCE = 2.6
#: Fewest ring patches that must match.
MIN_RING = 4
#: Side of the window whose median flow says where a patch went.
_FLOW_WINDOW = 31


def best_scale(grey0: np.ndarray, grey_t: np.ndarray, y: int, x: int,
               shift: tuple[float, float], *, radius: int = PATCH_RADIUS
               ) -> tuple[float, float] | None:
    """``(score, magnification)`` of frame 0's patch at ``(y, x)`` that best matches frame t
    near ``(y, x) + shift`` (``shift`` = ``(dy, dx)``), or None when a patch would leave the frame
    or is flat.

    >>> g = np.zeros((40, 40), np.uint8)
    >>> best_scale(g, g, 20, 20, (0.0, 0.0)) is None
    True
    """
    import cv2

    h, w = grey0.shape
    cy, cx = int(round(y + shift[0])), int(round(x + shift[1]))
    a0, a1 = cy - radius - SEARCH, cy + radius + SEARCH
    b0, b1 = cx - radius - SEARCH, cx + radius + SEARCH
    if a0 < 0 or b0 < 0 or a1 > h or b1 > w:
        return None
    window = np.ascontiguousarray(grey_t[a0:a1, b0:b1], np.float32)
    g0 = np.asarray(grey0, np.float32)
    scores = np.full(len(SCALES), -np.inf)
    for k, s in enumerate(SCALES):
        r = radius / s
        if y - r - 1 < 0 or x - r - 1 < 0 or y + r + 1 > h or x + r + 1 > w:
            continue
        # patch(u, v) = frame 0 at (x − r + u / s, y − r + v / s): frame 0 magnified by s
        m = np.float32([[1 / s, 0, x - r], [0, 1 / s, y - r]])
        patch = cv2.warpAffine(g0, m, (2 * radius, 2 * radius),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        if patch.std() < MIN_SPREAD:
            return None
        scores[k] = cv2.matchTemplate(window, patch, cv2.TM_CCOEFF_NORMED).max()
    k = int(np.argmax(scores))
    if not np.isfinite(scores[k]):
        return None
    return float(scores[k]), float(SCALES[k]) * _STEP ** _peak_offset(scores, k)


def _peak_offset(scores: np.ndarray, k: int) -> float:
    """Where between its neighbours the best score's parabola peaks, in steps (±0.5 at most).

    >>> _peak_offset(np.array([0.8, 0.9, 0.9]), 1)
    0.5
    >>> _peak_offset(np.array([0.9, 1.0]), 1)
    0.0
    """
    if not 0 < k < len(scores) - 1 or not np.isfinite(scores[[k - 1, k + 1]]).all():
        return 0.0
    a, b, c = scores[k - 1], scores[k], scores[k + 1]
    curve = a - 2 * b + c
    return float(np.clip(0.5 * (a - c) / curve, -0.5, 0.5)) if curve < 0 else 0.0


def scale_ratio(grey0: np.ndarray, grey_t: np.ndarray, flow: np.ndarray, y: int, x: int,
                *, radius: int = PATCH_RADIUS) -> float:
    """How much larger (as a fraction) the patch of frame 0 at ``(y, x)`` appears in frame t than
    the ring of patches around it, with ``flow`` (frame 0 → t) placing each patch; NaN when the
    centre or too much of the ring cannot be matched.

    >>> g = np.random.default_rng(0).integers(0, 255, (96, 96)).astype(np.uint8)
    >>> abs(scale_ratio(g, g, np.zeros((96, 96, 2), np.float32), 48, 48)) < 0.01
    True
    """
    half = _FLOW_WINDOW // 2

    def at(py: int, px: int) -> tuple[float, float] | None:
        f = flow[max(0, py - half):py + half + 1, max(0, px - half):px + half + 1]
        if f.size == 0:
            return None
        dx, dy = np.median(f.reshape(-1, 2), axis=0)
        return best_scale(grey0, grey_t, py, px, (float(dy), float(dx)), radius=radius)

    centre = at(y, x)
    if centre is None or centre[0] < MIN_MATCH:
        return float("nan")
    ring = []
    for k in range(RING_POINTS):
        a = 2 * np.pi * k / RING_POINTS
        got = at(int(round(y + RING_DISTANCE * radius * np.sin(a))),
                 int(round(x + RING_DISTANCE * radius * np.cos(a))))
        if got is not None and got[0] > RING_MATCH:
            ring.append(got[1])
    if len(ring) < MIN_RING:  # the surroundings are flat or changed: the whole frame's scale
        return centre[1] / frame_scale(flow) - 1.0
    return centre[1] / float(np.median(ring)) - 1.0


def frame_scale(flow: np.ndarray) -> float:
    """The whole frame's magnification along ``flow``: 1 + half the median divergence (a zoom
    in by 10 % gives 1.1; a pan or drifting clouds, 1.0).

    >>> yy, xx = np.mgrid[0:32, 0:32].astype(np.float32)
    >>> round(frame_scale(np.dstack([0.1 * (xx - 16), 0.1 * (yy - 16)])), 3)
    1.1
    """
    du_dx = np.gradient(flow[..., 0], axis=1)
    dv_dy = np.gradient(flow[..., 1], axis=0)
    return 1.0 + float(np.median(du_dx + dv_dy)) / 2
