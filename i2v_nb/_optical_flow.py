"""Optical flow and flow warping, the one implementation every layer uses (CPU, OpenCV).

The flow is OpenCV's DIS (Kroeger et al. 2016) on greyscale frames scaled so their longer side
is at most ``max_side`` pixels (512 by default: about 6 ms per frame pair on one core for preset
"fast"). Flow vectors returned are in pixels of the frames passed in. Conventions:
``flow[y, x] = (dx, dy)`` moves pixel ``(x, y)`` of the first frame to ``(x + dx, y + dy)`` in
the second; ``x`` grows to the right, ``y`` downwards.

Here: the estimator (:func:`dis_flow`, :func:`optical_flow`), backward warping
(:func:`warp_image`), the forward/backward occlusion test (:func:`occlusion_mask`) and
motion-compensated in-between frames (:func:`inbetween`). The diagnostics build their metrics on
these (:mod:`i2v_nb.diagnostics.flow` re-exports them), the editing layer interpolates clips with
them and the preview engine morphs between keyframes with them.

>>> a = np.zeros((32, 32), np.uint8)
>>> optical_flow(a, a).shape
(32, 32, 2)
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["PRESETS", "dis_flow", "work_shape", "resize_grey", "grey_of", "optical_flow",
           "base_grid", "sample_coords", "inside_mask", "warp_image", "occluded",
           "occlusion_mask", "inbetween"]

#: DIS presets by name.
PRESETS = {"ultrafast": 0, "fast": 1, "medium": 2}


def dis_flow(preset: str = "fast"):
    """A new OpenCV DIS optical-flow estimator for ``preset`` (what :func:`optical_flow` uses).

    Create it once and call ``.calc(grey0, grey1, None)`` on many uint8 greyscale pairs of the
    same size to skip the per-call set-up (the continuity report does).

    >>> a = np.zeros((32, 32), np.uint8)
    >>> dis_flow("fast").calc(a, a, None).shape
    (32, 32, 2)

    Raises:
        ParameterError: ``preset`` is not ``"ultrafast"``, ``"fast"`` or ``"medium"``.
    """
    import cv2

    if preset not in PRESETS:
        from i2v_nb.errors import ParameterError

        raise ParameterError(f"flow preset {preset!r} is not one of {sorted(PRESETS)}; "
                             "use 'fast' (default) or 'medium' for more accuracy")
    return cv2.DISOpticalFlow_create(PRESETS[preset])


def work_shape(height: int, width: int, max_side: int | None) -> tuple[int, int]:
    """The ``(h, w)`` frames are scaled to for flow: longer side at most ``max_side``."""
    if not max_side or max(height, width) <= max_side:
        return height, width
    s = max_side / max(height, width)
    return max(16, round(height * s)), max(16, round(width * s))


def resize_grey(grey: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    import cv2

    if grey.shape == shape:
        return np.ascontiguousarray(grey)
    return cv2.resize(grey, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)


def grey_of(image: np.ndarray) -> np.ndarray:
    from i2v_nb._media import to_grey, to_uint8

    a = np.asarray(image)
    if a.dtype != np.uint8:
        a = to_uint8(a)
    return to_grey(a)


def optical_flow(frame0: np.ndarray, frame1: np.ndarray, *, preset: str = "fast",
                 max_side: int | None = 512) -> np.ndarray:
    """Dense optical flow from ``frame0`` to ``frame1`` (OpenCV DIS).

    >>> a = np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)
    >>> optical_flow(a, a).shape
    (64, 64, 2)

    Args:
        frame0: ``(H, W, 3)`` RGB uint8 or ``(H, W)`` greyscale frame.
        frame1: the next frame, same size.
        preset: DIS preset, ``"ultrafast"``, ``"fast"`` (default) or ``"medium"``.
        max_side: compute on frames scaled to this longer side (then scaled back); ``None``
            for full resolution.

    Returns:
        ``(H, W, 2)`` float32 flow in pixels of the input frames.
    """
    import cv2

    g0, g1 = grey_of(frame0), grey_of(frame1)
    h, w = g0.shape
    shape = work_shape(h, w, max_side)
    flow = dis_flow(preset).calc(resize_grey(g0, shape), resize_grey(g1, shape), None)
    if shape != (h, w):
        flow = cv2.resize(flow, (w, h), interpolation=cv2.INTER_LINEAR)
        flow[..., 0] *= w / shape[1]
        flow[..., 1] *= h / shape[0]
    return flow


@functools.lru_cache(maxsize=8)
def base_grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    gx.setflags(write=False)
    gy.setflags(write=False)
    return gx, gy


def sample_coords(flow: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(mx, my, fx, fy)``: where each pixel samples (``x + dx``, ``y + dy``) and the flow's
    two channels."""
    import cv2

    h, w = flow.shape[:2]
    gx, gy = base_grid(h, w)
    fx, fy = cv2.split(np.ascontiguousarray(flow, dtype=np.float32))
    return cv2.add(gx, fx), cv2.add(gy, fy), fx, fy


def inside_mask(mx: np.ndarray, my: np.ndarray) -> np.ndarray:
    import cv2

    h, w = mx.shape
    return (cv2.inRange(mx, 0.0, w - 1.0) & cv2.inRange(my, 0.0, h - 1.0)).astype(bool)


def warp_image(image: np.ndarray, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Backward-warp ``image`` with ``flow``: ``out[y, x] = image[y + dy, x + dx]`` (bilinear).

    With the forward flow of frame t → t+1 this brings frame t+1 back onto frame t's grid.

    Returns:
        ``(warped, inside)``: the warped image (same dtype) and a bool ``(H, W)`` mask of the
        pixels whose source lies inside the image.
    """
    import cv2

    mx, my, _, _ = sample_coords(flow)
    warped = cv2.remap(image, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return warped, inside_mask(mx, my)


def occluded(coords: tuple[np.ndarray, ...], inside: np.ndarray,
              flow_bw: np.ndarray) -> np.ndarray:
    """The occlusion test of :func:`occlusion_mask` from the forward flow's sampling coords."""
    import cv2

    mx, my, fx, fy = coords
    bw_w = cv2.remap(np.ascontiguousarray(flow_bw, dtype=np.float32), mx, my, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)
    bx, by = cv2.split(bw_w)

    def sq(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # |(x, y)|² per pixel
        return cv2.add(cv2.multiply(x, x), cv2.multiply(y, y))

    lhs = sq(cv2.add(fx, bx), cv2.add(fy, by))
    rhs = cv2.addWeighted(sq(fx, fy), 0.01, sq(bx, by), 0.01, 0.5)
    return (lhs > rhs) | ~inside


def occlusion_mask(flow_fw: np.ndarray, flow_bw: np.ndarray) -> np.ndarray:
    """Pixels of frame t that are occluded in t+1 (forward/backward check of Lai et al. 2018).

    With ``F̂bw(x) = Fbw(x + Ffw(x))`` (the backward flow warped onto frame t), a pixel is occluded
    where ``|Ffw + F̂bw|² > 0.01·(|Ffw|² + |F̂bw|²) + 0.5`` (Sundaram et al. 2010, Ruder et al.
    2016), or where its match falls outside the frame.

    Args:
        flow_fw: ``(H, W, 2)`` flow t → t+1.
        flow_bw: ``(H, W, 2)`` flow t+1 → t.

    Returns:
        ``(H, W)`` bool, True where occluded.
    """
    coords = sample_coords(flow_fw)
    return occluded(coords, inside_mask(coords[0], coords[1]), flow_bw)


def inbetween(frame0: np.ndarray, frame1: np.ndarray, times: list[float], *,
              flows: tuple[np.ndarray, np.ndarray] | None = None, preset: str = "medium",
              max_side: int | None = 512) -> list[np.ndarray]:
    """Frames at the fractions ``times`` (each in (0, 1)) between two ``(H, W, 3)`` uint8 frames,
    motion-compensated: both frames are backward-warped to time t along the flows approximated as
    in Super SloMo (Jiang et al. 2018), ``F_t→0 = −(1 − t)·t·F_0→1 + t²·F_1→0`` and
    ``F_t→1 = (1 − t)²·F_0→1 − t·(1 − t)·F_1→0``, and blended with weights ``(1 − t)·V0`` and
    ``t·V1``, ``V`` being 0 where a frame's content is occluded in the other
    (:func:`occlusion_mask`): content only one frame sees comes from that frame alone; where
    neither sees it, the plain time-weighted blend. Where the content barely moves (local flow
    under half a pixel, smoothed over a few pixels) warping only adds resampling blur, so the
    result leans on the time-weighted blend, fully below 0.5 px and not at all above 1.5 px.

    >>> a = np.zeros((16, 16, 3), np.uint8); b = np.full((16, 16, 3), 100, np.uint8)
    >>> int(inbetween(a, b, [0.5])[0].mean())
    50

    Args:
        frame0, frame1: the two frames.
        times: fractions of the way from ``frame0`` to ``frame1``.
        flows: the forward and backward flows when already computed.
        preset: DIS preset of the flow.
        max_side: longer side the flow is computed at.
    """
    import cv2

    if flows is None:
        f01 = optical_flow(frame0, frame1, preset=preset, max_side=max_side)
        f10 = optical_flow(frame1, frame0, preset=preset, max_side=max_side)
    else:
        f01, f10 = flows
    # visibility: 1 where a frame's content is still seen in the other one
    vis0 = (~occlusion_mask(f01, f10)).astype(np.float32)
    vis1 = (~occlusion_mask(f10, f01)).astype(np.float32)
    gx, gy = base_grid(*frame0.shape[:2])
    u01, v01 = cv2.split(np.ascontiguousarray(f01, np.float32))
    u10, v10 = cv2.split(np.ascontiguousarray(f10, np.float32))
    # how much to trust the warp: 0 below 0.5 px of motion, 1 above 1.5 px
    moving = np.clip(cv2.GaussianBlur(cv2.magnitude(u01, v01), (0, 0), 2.0) - 0.5, 0.0, 1.0)
    moving = cv2.merge([moving] * 3)
    a0, a1 = frame0.astype(np.float32), frame1.astype(np.float32)
    out = []
    for t in times:
        t = float(t)
        # F_t→0 = −(1−t)t·F01 + t²·F10 and F_t→1 = (1−t)²·F01 − t(1−t)·F10, as sample maps
        a, b, c, d = -(1 - t) * t, t * t, (1 - t) * (1 - t), -t * (1 - t)
        m0x = cv2.add(gx, cv2.addWeighted(u01, a, u10, b, 0.0))
        m0y = cv2.add(gy, cv2.addWeighted(v01, a, v10, b, 0.0))
        m1x = cv2.add(gx, cv2.addWeighted(u01, c, u10, d, 0.0))
        m1y = cv2.add(gy, cv2.addWeighted(v01, c, v10, d, 0.0))
        w0 = cv2.remap(vis0, m0x, m0y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                       borderValue=0) * np.float32(1 - t)
        w1 = cv2.remap(vis1, m1x, m1y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                       borderValue=0) * np.float32(t)
        none = cv2.add(w0, w1) < 1e-3  # neither frame sees it: a plain time-weighted blend
        w0[none], w1[none] = 1 - t, t
        total = cv2.add(w0, w1)
        w0 = cv2.merge([cv2.divide(w0, total)] * 3)
        i0 = cv2.remap(frame0, m0x, m0y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        i1 = cv2.remap(frame1, m1x, m1y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        i0f, i1f = i0.astype(np.float32), i1.astype(np.float32)
        mix = cv2.add(i1f, cv2.multiply(cv2.subtract(i0f, i1f), w0))  # i1 + w0·(i0 − i1)
        plain = cv2.addWeighted(a0, 1 - t, a1, t, 0.0)
        mix = cv2.add(plain, cv2.multiply(cv2.subtract(mix, plain), moving))
        out.append(np.clip(np.rint(mix), 0, 255).astype(np.uint8))
    return out
