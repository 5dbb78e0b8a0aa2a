"""The preview engine through given pictures: a last frame, keyframes at chosen frame indices.

Between two anchor pictures A (at frame i) and B (at frame j) the engine **moves through the
scene** rather than cross-fading:

1. **Align the views.** ORB features of A and B are matched and a homography ``H`` (A's pixel
   coordinates → B's) is fitted with RANSAC (:func:`align_views`); with too few consistent
   matches (other content, not another view of it) ``H`` is the identity.
2. **Move the camera.** Frame ``k`` shows the scene through ``V_s``, the homography that moves
   A's four corners a fraction ``e(s)`` of the way to where ``H`` puts them, with
   ``s = (k − i)/(j − i)`` and the smoothstep ease ``e(s) = 3s² − 2s³`` (the move starts and
   stops gently).
3. **Morph what changed.** B is brought into A's view (``B(H·x)``) and the content is carried
   from A to the aligned B by motion-compensated in-betweens along their optical flow
   (:func:`i2v_nb._optical_flow.inbetween`, occlusion-aware, not a blend). Where the aligned B has
   no pixel (A content B does not see) A's own pixel is kept.
4. **Fill only what is new.** Pixels of the frame whose scene point lies outside A (revealed by
   the move) are taken from B through the same view — the only place two sources meet, feathered
   over a few pixels.

Frame i is A and frame j is B exactly. Anchors: frame 0 is the picture, keyframes at their
indices, the last frame the ``last_image``; frames after the last anchor hold it.

>>> import numpy as np
>>> a = np.zeros((48, 64, 3), np.uint8); a[:, 32:] = 200
>>> frames = render_through([(0, a), (4, a)], num_frames=6)
>>> frames.shape, bool((frames[4] == a).all()), bool((frames[5] == a).all())
((6, 48, 64, 3), True, True)
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from i2v_nb._optical_flow import inbetween, optical_flow

__all__ = ["align_views", "view_at", "render_through", "MIN_INLIERS"]

#: Fewest RANSAC inliers for two pictures to count as views of the same scene.
MIN_INLIERS = 12


def align_views(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    """``(H, inliers)``: the homography mapping pixel coordinates of ``a`` to those of ``b``
    (3×3 float64) and its RANSAC inlier count; the identity (and 0) when fewer than
    :data:`MIN_INLIERS` matches agree or the fit is implausible (a flip, a scale change beyond
    4×)."""
    import cv2

    from i2v_nb._media import to_grey

    eye = np.eye(3)
    orb = cv2.ORB_create(nfeatures=1500, fastThreshold=10)
    ka, da = orb.detectAndCompute(to_grey(a), None)
    kb, db = orb.detectAndCompute(to_grey(b), None)
    if da is None or db is None or len(ka) < MIN_INLIERS or len(kb) < MIN_INLIERS:
        return eye, 0
    matches = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(da, db, k=2)
    good = [m[0] for m in matches if len(m) == 2 and m[0].distance < 0.8 * m[1].distance]
    if len(good) < MIN_INLIERS:
        return eye, 0
    pa = np.float32([ka[m.queryIdx].pt for m in good])
    pb = np.float32([kb[m.trainIdx].pt for m in good])
    h, mask = cv2.findHomography(pa, pb, cv2.RANSAC, 3.0)
    inliers = int(mask.sum()) if mask is not None else 0
    if h is None or inliers < MIN_INLIERS:
        return eye, 0
    lin = h[:2, :2] / h[2, 2]
    det = float(np.linalg.det(lin))
    if det <= 1 / 16 or det >= 16:
        return eye, 0
    return h / h[2, 2], inliers


def _ease(s: float) -> float:
    return s * s * (3.0 - 2.0 * s)


def view_at(h: np.ndarray, s: float, width: int, height: int) -> np.ndarray:
    """``V_s``: A's corners moved ``e(s)`` of the way to where ``h`` puts them (see the module
    docstring); ``V_0`` is the identity and ``V_1`` is ``h``."""
    import cv2

    c0 = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    c1 = cv2.perspectiveTransform(c0[None], h)[0]
    e = np.float32(_ease(float(s)))
    return cv2.getPerspectiveTransform(c0, c0 + e * (c1 - c0)).astype(np.float64)


def _segment(a: np.ndarray, b: np.ndarray, count: int) -> list[np.ndarray]:
    """Frames 1 … count − 1 strictly between ``a`` (s = 0) and ``b`` (s = 1)."""
    import cv2

    hgt, wid = a.shape[:2]
    h, _ = align_views(a, b)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    b_in_a = cv2.warpPerspective(b, h, (wid, hgt), flags=flags, borderMode=cv2.BORDER_REFLECT)
    seen = cv2.warpPerspective(np.full((hgt, wid), 255, np.uint8), h, (wid, hgt), flags=flags,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 127
    target = np.where(seen[..., None], b_in_a, a)  # A's own pixel where B does not see it
    flows = (optical_flow(a, target, preset="medium"), optical_flow(target, a, preset="medium"))
    times = [k / count for k in range(1, count)]
    morphs = inbetween(a, target, [_ease(t) for t in times], flows=flows)
    h_inv = np.linalg.inv(h)
    ones = np.full((hgt, wid), 1.0, np.float32)
    feather = max(1.0, min(hgt, wid) / 100.0)
    out = []
    for t, m in zip(times, morphs, strict=True):
        v = view_at(h, t, wid, hgt)
        moved = cv2.warpPerspective(m, v, (wid, hgt), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REFLECT)
        inside = cv2.warpPerspective(ones, v, (wid, hgt), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        if inside.min() >= 0.999:  # the frame sees only A's scene: nothing new to fill
            out.append(moved)
            continue
        inside = cv2.GaussianBlur(cv2.erode(inside, np.ones((3, 3), np.uint8)), (0, 0),
                                  feather)[..., None]
        fresh = cv2.warpPerspective(b, v @ h_inv, (wid, hgt), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REFLECT)
        mix = moved * inside + fresh * (1.0 - inside)
        out.append(np.clip(np.rint(mix), 0, 255).astype(np.uint8))
    return out


def render_through(anchors: Sequence[tuple[int, np.ndarray]], *, num_frames: int,
                   progress: Callable[[int, int, Any], None] | None = None,
                   stop: Any = None) -> np.ndarray:
    """Frames ``(num_frames, H, W, 3)`` passing through every ``(frame index, picture)`` anchor
    (pictures of one size, uint8 RGB; index 0 first; see the module docstring).

    Raises:
        GenerationStopped: ``stop`` was set.
    """
    from i2v_nb.errors import GenerationStopped

    anchors = sorted(anchors, key=lambda p: p[0])
    first = anchors[0][1]
    out = np.empty((num_frames, *first.shape), np.uint8)
    done = 0
    for (i, a), (j, b) in zip(anchors[:-1], anchors[1:]):
        if stop is not None and stop.is_set():
            raise GenerationStopped("preview: stopped between keyframes")
        out[i] = a
        for k, f in enumerate(_segment(a, b, j - i), start=i + 1):
            out[k] = f
        out[j] = b
        done = j + 1
        if progress is not None:
            progress(done, num_frames, out[j])
    last = anchors[-1]
    out[last[0]:] = last[1]
    if progress is not None and done < num_frames:
        progress(num_frames, num_frames, out[-1])
    return out
