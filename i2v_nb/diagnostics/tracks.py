"""Point tracks chained through optical flows, and VBench-I2V's camera rule on a tracked grid.

Positions are ``(x, y)`` in pixels, ``x`` to the right and ``y`` downwards; a flow is
``(H, W, 2)`` with ``flow[y, x] = (dx, dy)`` (see :mod:`~i2v_nb.diagnostics.flow`).

>>> grid_points(64, 64, grid_size=2).tolist()
[[1.0, 1.0], [63.0, 1.0], [1.0, 63.0], [63.0, 63.0]]
"""

from __future__ import annotations

import numpy as np

__all__ = ["grid_points", "sample_flow", "track_points", "vbench_camera_labels"]


def grid_points(height: int, width: int, *, grid_size: int = 10) -> np.ndarray:
    """A ``grid_size × grid_size`` grid of ``(x, y)`` points as CoTracker places it in VBench.

    The margin is ``width / 64`` on every side. Returns ``(grid_size², 2)`` float32, row-major
    (row 0 is the top row).
    """
    margin = width / 64.0
    xs = np.linspace(margin, width - margin, grid_size)
    ys = np.linspace(margin, height - margin, grid_size)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


def sample_flow(flow: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """The flow vectors at sub-pixel points ``pts``, bilinearly interpolated.

    Points outside the frame read the nearest border pixel. One step of :func:`track_points`.

    >>> flow = np.zeros((4, 4, 2), np.float32); flow[:, 2:, 0] = 1.0
    >>> sample_flow(flow, np.array([[1.5, 0.0], [9.0, 9.0]])).tolist()
    [[0.5, 0.0], [1.0, 0.0]]

    Args:
        flow: ``(H, W, 2)`` flow, ``(dx, dy)`` per pixel.
        pts: ``(N, 2)`` ``(x, y)`` positions in flow pixels.

    Returns:
        ``(N, 2)`` float64 displacements.
    """
    h, w = flow.shape[:2]
    x = np.clip(pts[:, 0], 0, w - 1)
    y = np.clip(pts[:, 1], 0, h - 1)
    x0 = np.floor(x).astype(int)
    y0 = np.floor(y).astype(int)
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    fx = (x - x0)[:, None]
    fy = (y - y0)[:, None]
    return ((1 - fx) * (1 - fy) * flow[y0, x0] + fx * (1 - fy) * flow[y0, x1]
            + (1 - fx) * fy * flow[y1, x0] + fx * fy * flow[y1, x1])


def track_points(flows, points: np.ndarray) -> np.ndarray:
    """Track points through a sequence of forward flows by chaining them (bilinear sampling).

    Args:
        flows: iterable of ``(H, W, 2)`` forward flows t → t+1.
        points: ``(N, 2)`` ``(x, y)`` positions in the first frame, flow pixel units.

    Returns:
        ``(T, N, 2)`` float32 positions, ``T = len(flows) + 1``; points that leave the frame keep
        moving with the flow at the nearest border pixel.
    """
    p = np.asarray(points, np.float64)
    out = [p.copy()]
    for f in flows:
        p = p + sample_flow(f, p)
        out.append(p.copy())
    return np.stack(out).astype(np.float32)


_TOP_DOWN = {"left_left": "pan_right", "right_right": "pan_left", "down_down": "tilt_up",
             "up_up": "tilt_down", "up_down": "zoom_in", "down_up": "zoom_out",
             "static_static": "static"}
_LEFT_RIGHT = {"left_left": "pan_right", "right_right": "pan_left", "down_down": "tilt_up",
               "up_up": "tilt_down", "left_right": "zoom_in", "right_left": "zoom_out",
               "static_static": "static"}


def _direction(vec: np.ndarray, min_reso: int, factor: float = 0.005) -> list[str]:
    scale = min_reso * factor
    out = []
    if vec[0] > scale:
        out.append("right")
    elif vec[0] < -scale:
        out.append("left")
    if vec[1] > scale:
        out.append("down")
    elif vec[1] < -scale:
        out.append("up")
    return out or ["static"]


def vbench_camera_labels(first: np.ndarray, last: np.ndarray, *, min_reso: int,
                         grid_size: int = 10) -> list[str]:
    """VBench-I2V's camera-motion decision rule on a tracked point grid.

    As in ``vbench2_beta_i2v/camera_motion.py`` (one point per side, ``number_points = 1``): the
    middle point of the top row, bottom row, left column and right column moves by a vector that is
    labelled left/right/up/down when a component exceeds ``0.005·min(H, W)`` (else static); label
    pairs map to camera moves — top/bottom ``left_left`` → pan_right, ``right_right`` → pan_left,
    ``down_down`` → tilt_up, ``up_up`` → tilt_down, ``up_down`` → zoom_in, ``down_up`` → zoom_out;
    left/right the same with ``left_right`` → zoom_in, ``right_left`` → zoom_out. "static" is
    dropped when another label is present, ``"None"`` when nothing matched. One difference:
    VBench truncates CoTracker's positions to integers (``.long()``), which adds up to ±1 px of
    noise — harmless at its resolutions (threshold ≥ 2.4 px) but not for small previews, so
    positions are used unrounded here.

    Args:
        first, last: ``(grid_size², 2)`` point positions in the first and last frame (pixels of
            the clip), row-major as :func:`grid_points`.
        min_reso: ``min(H, W)`` of the clip.

    Returns:
        The list of labels, e.g. ``["zoom_in"]``.
    """
    t1 = np.asarray(first, np.float64).reshape(grid_size, grid_size, 2)
    t2 = np.asarray(last, np.float64).reshape(grid_size, grid_size, 2)
    m = grid_size // 2  # number_points = 1: start = ceil(m - 0.5) = m
    edges = [(t1[0, m], t2[0, m]), (t1[-1, m], t2[-1, m]),
             (t1[m, 0], t2[m, 0]), (t1[m, -1], t2[m, -1])]
    top, down, left, right = (_direction(b - a, min_reso) for a, b in edges)
    td = [_TOP_DOWN[f"{a}_{b}"] for a in top for b in down if f"{a}_{b}" in _TOP_DOWN] or ["None"]
    lr = [_LEFT_RIGHT[f"{a}_{b}"] for a in left for b in right
          if f"{a}_{b}" in _LEFT_RIGHT] or ["None"]
    results = list(dict.fromkeys(td + lr))
    if "static" in results and len(results) > 1:
        results.remove("static")
    if "None" in results and len(results) > 1:
        results.remove("None")
    return results
