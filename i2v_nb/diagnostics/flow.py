"""Optical flow, flow-warp error, global camera motion and point tracks, on a CPU.

The flow is OpenCV's DIS (Kroeger et al. 2016, preset ``"fast"``) on greyscale frames scaled so
their longer side is at most ``max_side`` pixels (512 by default: about 6 ms per frame pair on one
core, where Farneback at full 1024×576 takes about 130–200 ms). Flow vectors returned by the
public functions are in pixels of the frames you pass in.

Conventions: ``flow[y, x] = (dx, dy)`` moves pixel ``(x, y)`` of the first frame to
``(x + dx, y + dy)`` in the second; ``x`` grows to the right, ``y`` grows downwards.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

__all__ = [
    "optical_flow",
    "dis_flow",
    "work_shape",
    "warp_image",
    "occlusion_mask",
    "warp_error",
    "flow_magnitude_stats",
    "GlobalMotion",
    "global_motion",
    "grid_points",
    "track_points",
    "vbench_camera_labels",
    "flow_to_rgb",
]

# the estimator, warping and occlusion live in i2v_nb._optical_flow (one implementation for every
# layer); re-exported here, where they started
from i2v_nb._optical_flow import (  # noqa: E402
    dis_flow,
    inside_mask,
    occluded,
    occlusion_mask,
    optical_flow,
    sample_coords,
    warp_image,
    work_shape,
)

# point tracks and VBench's camera rule live in .tracks; re-exported here, where they started
from i2v_nb.diagnostics.tracks import (  # noqa: E402
    grid_points,
    sample_flow,
    track_points,
    vbench_camera_labels,
)


def warp_error(frame0: np.ndarray, frame1: np.ndarray, flow_fw: np.ndarray,
               flow_bw: np.ndarray, *, out: dict | None = None) -> dict[str, float]:
    """Flow-warp error of a frame pair with an occlusion mask (Lai et al. 2018).

    ``E_warp = Σ M·‖I_t − warp(I_t+1)‖² / Σ M`` with ``M`` the non-occluded pixels
    (:func:`occlusion_mask`) and RGB values in [0, 1] (mean over channels). Also returns the
    masked mean absolute error on the 0–255 scale (``mad``, motion smoothness) and the mean
    absolute error over every pixel whose match is inside the frame, occluded or not
    (``residual``, which the flags use: a cut makes most pixels "occluded").

    Args:
        frame0, frame1: ``(H, W, 3)`` uint8 frames at the flow's resolution.
        flow_fw, flow_bw: forward and backward flows of the pair.
        out: a dict that receives ``"warped"`` (frame1 warped onto frame0) and ``"inside"``
            (its in-frame mask), for callers that reuse them (the report's region maps).

    Returns:
        ``{"mse": E_warp, "mad": masked mean |diff| (0–255), "occluded": occluded fraction,
        "residual": in-frame mean |diff| (0–255)}``.
    """
    import cv2

    coords = sample_coords(flow_fw)  # shared by the frame's warp and the occlusion test
    warped = cv2.remap(frame1, coords[0], coords[1], cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REPLICATE)
    inside = inside_mask(coords[0], coords[1])
    if out is not None:
        out.update(warped=warped, inside=inside)
    occ = occluded(coords, inside, flow_bw)
    f0 = np.ascontiguousarray(frame0)
    nch = f0.shape[2] if f0.ndim == 3 else 1
    keep = (~occ).view(np.uint8)
    inside_u8 = inside.view(np.uint8)
    n_keep = int(cv2.countNonZero(keep))
    n_in = int(cv2.countNonZero(inside_u8))
    residual = (cv2.norm(f0, warped, cv2.NORM_L1, mask=inside_u8) / (n_in * nch)
                if n_in else float("nan"))
    if n_keep == 0:
        return {"mse": float("nan"), "mad": float("nan"), "occluded": 1.0, "residual": residual}
    mad = cv2.norm(f0, warped, cv2.NORM_L1, mask=keep) / (n_keep * nch)
    mse = cv2.norm(f0, warped, cv2.NORM_L2SQR, mask=keep) / (n_keep * nch) / 255.0 ** 2
    return {"mse": float(mse), "mad": float(mad), "occluded": 1.0 - n_keep / keep.size,
            "residual": float(residual)}


def flow_magnitude_stats(flow: np.ndarray) -> dict[str, float]:
    """Mean, 95th percentile and VBench's top-5 % mean of the flow magnitude.

    ``top5 = mean of the int(0.05·H·W) largest |flow|`` — the per-pair statistic VBench's
    dynamic degree compares with its threshold.

    >>> f = np.zeros((10, 10, 2), np.float32); f[:1, :5, 0] = 3.0
    >>> flow_magnitude_stats(f)["top5"]
    3.0
    """
    import cv2

    fx, fy = cv2.split(np.ascontiguousarray(flow, dtype=np.float32))
    mag = cv2.magnitude(fx, fy).ravel()
    n = mag.size
    k = max(1, int(n * 0.05))
    pos = 0.95 * (n - 1)  # numpy's default (linear) percentile
    lo = int(np.floor(pos))
    hi = min(lo + 1, n - 1)
    part = np.partition(mag, sorted({lo, hi, n - k}))
    p95 = float(part[lo]) + (pos - lo) * (float(part[hi]) - float(part[lo]))
    return {"mean": float(mag.mean(dtype=np.float64)), "p95": p95,
            "top5": float(part[n - k:].mean(dtype=np.float64))}


@dataclass(frozen=True)
class GlobalMotion:
    """Global 2-D similarity motion of a frame pair (content motion, image axes).

    Attributes:
        pan_x: horizontal translation of the image centre, pixels (+ = content moves right).
        pan_y: vertical translation of the image centre, pixels (+ = content moves down).
        zoom: relative scale change minus one (+ = content expands, i.e. zooming in).
        rotation: rotation of the content in degrees (+ = clockwise on screen): only the part
            that both flow components agree on (see :func:`global_motion`).
        inliers: fraction of sampled pixels the model explains to within 1 pixel.
        shear: horizontal parallax, pixels of horizontal motion per pixel of height (+ = lower
            rows move right relative to upper rows), the part of ``∂u/∂y`` a rotation does not
            explain: an orbit, or a pan over a scene whose depth changes from top to bottom.
    """

    pan_x: float
    pan_y: float
    zoom: float
    rotation: float
    inliers: float
    shear: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def global_motion(flow: np.ndarray, *, step: int = 8, border: float = 0.04,
                  iterations: int = 6) -> GlobalMotion:
    """Robust fit of a similarity transform (pan x/y, zoom, rotation) plus horizontal parallax
    (shear) to a dense flow.

    Model, with ``(x, y)`` relative to the image centre: ``u = z·x − r·y + tx``,
    ``v = r·x + z·y + ty`` (``a = 1 + z``, ``b = r``; scale ``√(a² + b²)``, angle ``atan2(b, a)``),
    fitted by iteratively reweighted least squares with Tukey's biweight (scale from the median
    absolute residual) on a grid of pixels every ``step`` pixels, ``border`` of each side left out
    (DIS is least reliable there). Independent subject motion is down-weighted as outliers.
    With the final weights an affine model is fitted too, to tell a roll (both components turn:
    ``∂v/∂x = −∂u/∂y``) from horizontal parallax (only ``∂u/∂y``, an orbit): the reported
    rotation is the part both agree on, the rest of ``∂u/∂y`` is :attr:`GlobalMotion.shear`.

    >>> h, w = 64, 96
    >>> f = np.zeros((h, w, 2), np.float32); f[..., 0] = 2.0
    >>> gm = global_motion(f)
    >>> round(gm.pan_x, 3), round(gm.pan_y, 3), round(gm.zoom, 3)
    (2.0, 0.0, 0.0)

    Args:
        flow: ``(H, W, 2)`` float flow.
        step: grid spacing of the sampled pixels.
        border: fraction of width/height left out on each side.
        iterations: IRLS iterations.

    Returns:
        A :class:`GlobalMotion` in the flow's pixel units.
    """
    h, w = flow.shape[:2]
    y0, y1 = int(h * border), max(int(h * border) + 1, int(h * (1 - border)))
    x0, x1 = int(w * border), max(int(w * border) + 1, int(w * (1 - border)))
    ys = np.arange(y0, y1, max(1, step))
    xs = np.arange(x0, x1, max(1, step))
    gx, gy = np.meshgrid(xs, ys)
    f = flow[gy, gx].reshape(-1, 2).astype(np.float64)
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    x = gx.ravel().astype(np.float64) - cx
    y = gy.ravel().astype(np.float64) - cy
    n = x.size
    u, v = f[:, 0], f[:, 1]
    r2 = x * x + y * y

    def residual(q: np.ndarray) -> np.ndarray:  # |model − flow| per sampled pixel
        zq, rq, txq, tyq = q
        return np.hypot(zq * x - rq * y + txq - u, zq * y + rq * x + tyq - v)

    wts = np.ones(n)
    p = np.zeros(4)
    for _ in range(max(1, iterations)):
        # weighted normal equations of the rows [x, −y, 1, 0]·p = u and [y, x, 0, 1]·p = v,
        # written out (a 4×4 system of weighted sums)
        s0, sx_, sy_, s2 = wts.sum(), wts @ x, wts @ y, wts @ r2
        wu, wv = wts * u, wts * v
        normal = np.array([[s2, 0.0, sx_, sy_], [0.0, s2, -sy_, sx_],
                           [sx_, -sy_, s0, 0.0], [sy_, sx_, 0.0, s0]])
        rhs = np.array([x @ wu + y @ wv, x @ wv - y @ wu, wu.sum(), wv.sum()])
        try:
            p = np.linalg.solve(normal, rhs)
        except np.linalg.LinAlgError:
            a = np.zeros((2 * n, 4))
            a[:n, 0], a[:n, 1], a[:n, 2] = x, -y, 1.0
            a[n:, 0], a[n:, 1], a[n:, 3] = y, x, 1.0
            sw2 = np.sqrt(np.concatenate([wts, wts]))
            p, *_ = np.linalg.lstsq(a * sw2[:, None], np.concatenate([u, v]) * sw2, rcond=None)
        r = residual(p)
        scale = max(1.4826 * float(np.median(r)), 0.05)
        c = 4.685 * scale
        uu = np.clip(r / c, 0.0, 1.0)
        wts = (1.0 - uu ** 2) ** 2
        if wts.sum() < 8:
            wts = np.ones(n)
    r = residual(p)
    z, rot, tx, ty = p
    # A roll turns both components (u = −r·y, v = r·x); an orbit's parallax only shears u along y.
    # An affine fit with the same weights separates them: the rotation is what ∂v/∂x and −∂u/∂y
    # agree on, the rest of ∂u/∂y is shear.
    sw = np.sqrt(wts)
    design = np.stack([x, y, np.ones(n)], axis=1) * sw[:, None]
    try:  # both components in one solve (two right-hand sides)
        coef, *_ = np.linalg.lstsq(design, f * sw[:, None], rcond=None)
        du_dy, dv_dx = float(coef[1, 0]), float(coef[0, 1])
    except np.linalg.LinAlgError:  # pragma: no cover - degenerate grid
        du_dy, dv_dx = -rot, rot
    from_u, from_v = -float(du_dy), float(dv_dx)
    common = math.copysign(min(abs(from_u), abs(from_v)), from_u) \
        if from_u * from_v > 0 else 0.0
    if abs(rot) > 1e-12:
        common = math.copysign(min(abs(common), abs(rot)), rot) if common * rot > 0 else 0.0
    return GlobalMotion(
        pan_x=float(tx), pan_y=float(ty),
        zoom=float(math.hypot(1.0 + z, common) - 1.0),
        rotation=float(math.degrees(math.atan2(common, 1.0 + z))),
        inliers=float(np.mean(r < 1.0)),
        shear=float(du_dy + common),
    )


def flow_to_rgb(flow: np.ndarray, *, max_magnitude: float | None = None) -> np.ndarray:
    """Colour-code a flow (hue = direction, brightness = magnitude) as ``(H, W, 3)`` uint8 RGB."""
    import cv2

    fx, fy = flow[..., 0].astype(np.float32), flow[..., 1].astype(np.float32)
    mag, ang = cv2.cartToPolar(fx, fy, angleInDegrees=True)
    top = max_magnitude or max(float(np.percentile(mag, 99)), 1e-6)
    hsv = np.zeros(flow.shape[:2] + (3,), np.uint8)
    hsv[..., 0] = (ang / 2).astype(np.uint8)
    hsv[..., 1] = 255
    hsv[..., 2] = np.clip(mag / top * 255, 0, 255).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
