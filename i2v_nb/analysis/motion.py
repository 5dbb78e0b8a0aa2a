"""Which parts of an image could move: sky, water, foliage, hair, fabric.

Classical colour / texture / position heuristics, no model weights. Each mask answers "could this
pixel plausibly move on its own in a short clip?" (clouds drift, water ripples, leaves and hair move
in the wind, cloth sways). The heuristics are deliberately conservative: a missed region only means
the effect is not applied there, a false one makes a wall ripple.

>>> import numpy as np
>>> masks = motion_region_masks(np.zeros((64, 64, 3), np.uint8))
>>> sorted(masks), masks["sky"].shape, bool(masks["sky"].any())
(['fabric', 'foliage', 'hair', 'sky', 'water'], (64, 64), False)

The rules, on a copy whose long side is at most 256 px (hue in degrees, saturation S and value V
in [0, 1], texture = local standard deviation of grey):

* **sky** — blue (hue 185–255°, S > 0.1, V > 0.35) or bright grey/white (S < 0.16, V > 0.7) and
  smooth; kept only in connected parts that touch the top edge and lie mostly in the upper part
  (a grey part that also reaches the bottom edge is a wall or a blank frame, not sky);
  bright holes in it (clouds, also at the left/right edges) are filled in.
* **water** — blue/cyan/teal (hue 165–255°, S > 0.12) below the sky, in parts that do not touch the
  top edge, sit mostly in the lower half and span at least 30 % of the width.
* **foliage** — green (hue 50–170°, S > 0.4, excess green 2G−R−B > 0), in parts where at least
  40 % of the pixels are busy (texture > 0.03), not sky or water. Grey-green (S ≤ 0.4) is left
  out: haze turns far vegetation grey-green (aerial perspective) and far hills do not visibly
  sway, so a leaf effect there would wobble the landscape.
* **hair** — needs a face-like skin blob (YCrCb skin colours, compact): dark, brown, blonde or red
  textured pixels around and above it that touch the skin blob.
* **fabric** — needs the same skin blob: the areas below it (clothes) whose colour stays within
  ±36 of one of a grid of seeds over the torso (flood fills, fixed range; patches under 1 % of the
  image or not reaching the torso right under the face dropped), excluding skin, hair, sky,
  foliage and water.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from i2v_nb._media import to_grey
from i2v_nb.analysis._common import as_rgb, upsample, work_copy

__all__ = ["MOTION_REGION_NAMES", "motion_region_masks", "refine_sky", "sky_mask", "water_mask",
           "foliage_mask", "skin_mask", "hair_mask", "fabric_mask", "colour_features"]

#: The keys of :func:`motion_region_masks`, in a fixed order.
MOTION_REGION_NAMES: tuple[str, ...] = ("sky", "water", "foliage", "hair", "fabric")

_WORK_SIDE = 256


@dataclass
class ColourFeatures:
    """Per-pixel features of a (small) RGB image shared by the heuristics."""

    rgb: np.ndarray      # (h, w, 3) uint8
    hue: np.ndarray      # degrees [0, 360)
    sat: np.ndarray      # [0, 1]
    val: np.ndarray      # [0, 1]
    gray: np.ndarray     # [0, 1] float32
    texture: np.ndarray  # local std of grey, [0, ~0.5]
    exg: np.ndarray      # excess green (2G - R - B) / (R + G + B), [-1, 2]
    ycrcb: np.ndarray    # (h, w, 3) uint8
    yy: np.ndarray       # row position 0 (top) .. 1 (bottom), (h, 1)


def colour_features(rgb: np.ndarray) -> ColourFeatures:
    """Compute :class:`ColourFeatures` of an ``(h, w, 3)`` uint8 image (any size; keep it small)."""
    import cv2

    f = rgb.astype(np.float32) * (1.0 / 255.0)
    hsv = cv2.cvtColor(f, cv2.COLOR_RGB2HSV)
    # luma of the float image, unrounded (not to_grey's uint8): the texture thresholds were
    # tuned on these values
    gray = cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)
    k = (7, 7)
    m = cv2.blur(gray, k)
    m2 = cv2.blur(gray * gray, k)
    texture = np.sqrt(np.maximum(m2 - m * m, 0.0))
    s = f.sum(axis=2) + 1e-3
    exg = (2.0 * f[:, :, 1] - f[:, :, 0] - f[:, :, 2]) / s
    h = rgb.shape[0]
    yy = (np.arange(h, dtype=np.float32) / max(h - 1, 1))[:, None]
    return ColourFeatures(rgb=rgb, hue=hsv[:, :, 0], sat=hsv[:, :, 1], val=hsv[:, :, 2],
                          gray=gray, texture=texture, exg=exg,
                          ycrcb=cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb), yy=yy)


def _components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    import cv2

    n, labels, stats, centroids = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8,
                                                                   cv2.CV_32S)
    return n, labels, stats, centroids


def _keep(labels: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Mask of the labels whose entry in the boolean lookup ``keep`` is True (label 0 never)."""
    keep = keep.copy()
    keep[0] = False
    return keep[labels]


def _close(mask: np.ndarray, size: int) -> np.ndarray:
    import cv2

    if size < 2 or not mask.any():
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, kernel).astype(bool)


def _open(mask: np.ndarray, size: int) -> np.ndarray:
    import cv2

    if size < 2 or not mask.any():
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel).astype(bool)


def sky_mask(f: ColourFeatures) -> np.ndarray:
    """Sky on the small image of ``f``: smooth blue or bright grey parts touching the top edge."""
    h, w = f.gray.shape
    smooth = f.texture < 0.045
    blue = (f.hue >= 185) & (f.hue <= 255) & (f.sat > 0.10) & (f.val > 0.15)
    grey = (f.sat < 0.16) & (f.val > 0.70)
    cand = _open((blue | grey) & smooth, 3)
    n, labels, stats, cent = _components(cand)
    if n <= 1:
        return np.zeros((h, w), bool)
    top = max(1, h // 40)
    touches_top = np.zeros(n, bool)
    touches_top[np.unique(labels[:top])] = True
    area = stats[:, 4].astype(np.float64)
    upper = cent[:, 1] < 0.55 * h
    big = area > 0.01 * h * w
    # mean colour per component: a pure-grey "sky" must be among the brightest things in view
    blue_frac = np.bincount(labels.ravel(), weights=blue.ravel(), minlength=n) / np.maximum(area, 1)
    val_mean = np.bincount(labels.ravel(), weights=f.val.ravel(), minlength=n) / np.maximum(area, 1)
    bright_enough = (blue_frac > 0.5) | (val_mean >= max(0.8, float(np.percentile(f.val, 80))))
    touches_bottom = np.zeros(n, bool)
    touches_bottom[np.unique(labels[-1])] = True
    keep = touches_top & upper & big & bright_enough & (~touches_bottom | (blue_frac > 0.5))
    mask = _keep(labels, keep)
    if not mask.any():
        return mask
    # clouds and small gaps inside the sky belong to it: close, then fill bright enclosed holes
    mask = _close(mask, max(3, (min(h, w) // 40) | 1))
    n, labels, stats, cent = _components(~mask)
    if n > 1:
        bottom = np.zeros(n, bool)
        bottom[np.unique(labels[-1])] = True
        area = stats[:, 4].astype(np.float64)
        val = np.bincount(labels.ravel(), weights=f.val.ravel(), minlength=n) / np.maximum(area, 1)
        tex = np.bincount(labels.ravel(), weights=f.texture.ravel(), minlength=n) / np.maximum(
            area, 1)
        holes = ~bottom & (area < 0.05 * h * w) & (val > 0.55) & (tex < 0.1) \
            & (cent[:, 1] < 0.6 * h)
        mask |= _keep(labels, holes)
    return mask & (f.yy < 0.85)


def water_mask(f: ColourFeatures, sky: np.ndarray | None = None) -> np.ndarray:
    """Water on the small image of ``f``: blue/cyan/teal parts in the lower half, under the sky."""
    h, w = f.gray.shape
    cand = (f.hue >= 165) & (f.hue <= 255) & (f.sat > 0.12) & (f.val > 0.12)
    if sky is not None and sky.any():
        # only below the sky, column by column (sky between tree tops must not leak into water)
        rows = np.arange(h)[:, None]
        lowest = np.where(sky.any(axis=0), h - 1 - np.argmax(sky[::-1], axis=0), -1)
        cand &= rows > lowest[None, :] + 1
    cand = _open(cand, 3)
    n, labels, stats, cent = _components(cand)
    if n <= 1:
        return np.zeros((h, w), bool)
    top = max(1, h // 40)
    touches_top = np.zeros(n, bool)
    touches_top[np.unique(labels[:top])] = True
    area = stats[:, 4]
    keep = (~touches_top) & (cent[:, 1] > 0.5 * h) & (area > 0.02 * h * w) \
        & (stats[:, 2] > 0.3 * w)
    if sky is not None and sky.any():  # mostly below the sky's average lower edge
        lowest_rows = h - 1 - np.argmax(sky[::-1], axis=0)[sky.any(axis=0)]
        keep &= cent[:, 1] > float(np.median(lowest_rows))
    return _close(_keep(labels, keep), 5)


def foliage_mask(f: ColourFeatures, sky: np.ndarray | None = None) -> np.ndarray:
    """Foliage on the small image of ``f``: saturated green, textured, in parts of a meaningful
    size (grey-green far hills stay rigid: see the module docstring)."""
    h, w = f.gray.shape
    green = (f.hue >= 50) & (f.hue <= 170) & (f.sat > 0.4) & (f.val > 0.08) & (f.exg > 0.04)
    import cv2

    busy = f.texture > 0.03
    cand = green if sky is None else green & ~sky
    cand = _open(cand, 3)
    n, labels, stats, _ = _components(cand)
    if n <= 1:
        return np.zeros((h, w), bool)
    area = stats[:, 4].astype(np.float64)
    busy_frac = np.bincount(labels.ravel(), weights=busy.ravel(), minlength=n) / np.maximum(
        area, 1)
    keep = (area > 0.005 * h * w) & (busy_frac > 0.4)  # leaves are busy; a lawn's edge is not
    textured = cv2.blur(f.texture, (9, 9)) > 0.015
    return _close(_keep(labels, keep) & textured, 5) & cand


def skin_mask(f: ColourFeatures) -> np.ndarray:
    """Skin-coloured pixels (YCrCb box of Chai & Ngan 1999, plus a hue and brightness check)."""
    y, cr, cb = f.ycrcb[:, :, 0], f.ycrcb[:, :, 1], f.ycrcb[:, :, 2]
    skin = (cr >= 136) & (cr <= 173) & (cb >= 77) & (cb <= 127) & (y > 70)
    skin &= ((f.hue <= 35) | (f.hue >= 340)) & (f.sat > 0.12) & (f.sat < 0.65)
    return _open(skin, 3)


def _has_eye_holes(blob: np.ndarray, raw: np.ndarray, x: int, y: int, bw: int, bh: int) -> bool:
    """Whether a skin blob has small non-skin holes in its upper part (eyes, brows).

    ``blob`` is the closed blob, ``raw`` the skin mask before closing (where eyes are still holes).
    """
    import cv2

    sub = blob[y:y + bh, x:x + bw].astype(np.uint8)
    contours, _ = cv2.findContours(sub, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(sub)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    holes = (filled > 0) & ~raw[y:y + bh, x:x + bw]
    n, _, stats, cent = _components(holes)
    area = float(sub.sum())
    for i in range(1, n):
        a = stats[i, 4]
        if 0.002 * area <= a <= 0.12 * area and cent[i, 1] < 0.7 * bh:
            return True
    return False


def _faces(f: ColourFeatures) -> list[tuple[int, int, int, int, np.ndarray]]:
    """Face-like skin blobs: (x, y, w, h, blob mask), largest first (at most two).

    A face-like blob is skin-coloured, compact (fills ≥ 35 % of its box), height/width 0.9–2.4,
    0.4–25 % of the image, not in the bottom quarter, clear of the left and right edges, and has
    small non-skin holes in its upper part (eyes).
    """
    h, w = f.gray.shape
    raw = skin_mask(f)
    skin = _close(raw, 5)
    n, labels, stats, _ = _components(skin)
    faces = []
    for i in np.argsort(-stats[:, 4]):
        if i == 0:
            continue
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if area < 0.004 * h * w or area > 0.25 * h * w:
            continue
        fill = area / float(bw * bh)
        aspect = bh / float(bw)
        if fill < 0.35 or not 0.9 <= aspect <= 2.4 or y > 0.75 * h:
            continue
        if x <= 1 or x + bw >= w - 1:
            continue
        blob = labels == i
        if float(f.texture[blob].mean()) > 0.15 or not _has_eye_holes(blob, raw, x, y, bw, bh):
            continue
        faces.append((x, y, bw, bh, blob))
        if len(faces) == 2:
            break
    return faces


def hair_mask(f: ColourFeatures, *, exclude: np.ndarray | None = None,
              faces: list | None = None) -> np.ndarray:
    """Hair on the small image of ``f``: hair-coloured textured parts touching a face-like blob."""
    import cv2

    h, w = f.gray.shape
    out = np.zeros((h, w), bool)
    faces = _faces(f) if faces is None else faces
    if not faces:
        return out
    skin = skin_mask(f)
    dark = f.val < 0.30
    brownish = (f.hue <= 55) & (f.sat > 0.12) & (f.sat < 0.85) & (f.val < 0.85)
    textured = cv2.blur(f.texture, (5, 5)) > 0.025
    cand = (dark | brownish) & ~skin & (textured | dark)
    if exclude is not None:
        cand &= ~exclude
    for x, y, bw, bh, blob in faces:
        roi = np.zeros((h, w), bool)
        roi[max(0, y - int(0.8 * bh)):min(h, y + int(1.6 * bh)),
            max(0, x - int(0.7 * bw)):min(w, x + bw + int(0.7 * bw))] = True
        c = _open(cand & roi, 3)
        n, labels, _, _ = _components(c)
        if n <= 1:
            continue
        ring = cv2.dilate(blob.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
        touching = np.zeros(n, bool)
        touching[np.unique(labels[ring & c])] = True
        hair = _keep(labels, touching)
        # hair sits around and above the face, not in a band under the chin
        hair &= (np.arange(h)[:, None] < y + 0.8 * bh)
        out |= hair
    return _close(out, 3)


def fabric_mask(f: ColourFeatures, *, exclude: np.ndarray | None = None,
                faces: list | None = None) -> np.ndarray:
    """Clothing on the small image of ``f``: the colour-coherent area under a face-like blob."""
    import cv2

    h, w = f.gray.shape
    out = np.zeros((h, w), bool)
    faces = _faces(f) if faces is None else faces
    if not faces:
        return out
    blocked = skin_mask(f)
    if exclude is not None:
        blocked = blocked | exclude
    smooth = cv2.GaussianBlur(f.rgb, (9, 9), 0)
    for x, y, bw, bh, _blob in faces:
        y0 = y + int(1.15 * bh)
        if y0 >= h - 2:
            continue
        x0, x1 = max(0, x - int(2.5 * bw)), min(w, x + bw + int(2.5 * bw))
        y1 = min(h, y0 + int(5 * bh))
        roi = np.zeros((h, w), bool)
        roi[y0:y1, x0:x1] = True
        # floodFill mask: 1 = barrier; it is 2 px larger than the image
        ffmask = np.ones((h + 2, w + 2), np.uint8)
        ffmask[1:-1, 1:-1] = (~roi | blocked).astype(np.uint8)
        region = np.zeros((h, w), bool)
        # a patch counts only if it reaches the torso core, right under the face
        core = np.zeros((h, w), bool)
        core[y0:min(h, y0 + int(1.5 * bh)), max(0, x - bw // 5):min(w, x + bw + bw // 5)] = True
        # seeds on a grid over the torso (about 2.2 face widths wide, under the face)
        seeds_x = np.linspace(x - 0.6 * bw, x + 1.6 * bw, 5)
        seeds_y = np.linspace(y0 + 0.3 * bh, min(h - 2, y0 + 2.5 * bh), 3)
        for sy in seeds_y.astype(int):
            for sx in seeds_x.astype(int):
                if not (0 <= sx < w and 0 <= sy < h) or ffmask[sy + 1, sx + 1] or region[sy, sx]:
                    continue
                m = ffmask.copy()
                cv2.floodFill(smooth, m, (int(sx), int(sy)), (0, 0, 0), (36, 36, 36),
                              (36, 36, 36), 4 | cv2.FLOODFILL_MASK_ONLY
                              | cv2.FLOODFILL_FIXED_RANGE | (255 << 8))
                part = m[1:-1, 1:-1] == 255
                # a garment-sized patch (not a badge or a gap) that reaches the torso core
                if part.sum() >= 0.01 * h * w and (part & core).any():
                    region |= part
        if region.sum() >= 0.01 * h * w:
            out |= region
    return _close(out, 5)


def motion_region_masks(image: Any, *, max_side: int = _WORK_SIDE) -> dict[str, np.ndarray]:
    """Masks of the parts of ``image`` that could move on their own in a clip.

    Args:
        image: ``(H, W, 3)`` uint8 array or PIL image.
        max_side: the heuristics run on a copy with this long side at most (default 256 px);
            the masks are scaled back to the full size.

    Returns:
        ``{"sky", "water", "foliage", "hair", "fabric"}`` → ``(H, W)`` bool masks (all False when
        nothing of that kind is found). The masks do not overlap except hair/fabric at borders.

    Runs in about 10–30 ms for a 512×512 image.

    >>> import numpy as np
    >>> img = np.zeros((60, 80, 3), np.uint8); img[:30] = (110, 160, 230)   # blue sky on top
    >>> m = motion_region_masks(img)
    >>> bool(m["sky"][:25].all()), bool(m["sky"][35:].any())
    (True, False)
    """
    rgb = as_rgb(image)
    small, _ = work_copy(rgb, max_side)
    f = colour_features(small)
    sky = sky_mask(f)
    water = water_mask(f, sky)
    foliage = foliage_mask(f, sky | water)
    faces = _faces(f)
    env = sky | water | foliage
    hair = hair_mask(f, exclude=env, faces=faces)
    fabric = fabric_mask(f, exclude=env | hair, faces=faces)
    shape = rgb.shape[:2]
    small_masks = {"sky": sky, "water": water, "foliage": foliage, "hair": hair, "fabric": fabric}
    masks = {k: np.ascontiguousarray(upsample(small_masks[k], shape)) for k in MOTION_REGION_NAMES}
    masks["sky"] = refine_sky(masks["sky"], rgb)
    return masks


def refine_sky(sky: np.ndarray, rgb: np.ndarray, *, edge: float = 0.4,
               line: float = 0.08) -> np.ndarray:
    """Cut thin sharp structures (masts, towers, wires, a rocket) out of an upsampled sky mask.

    The sky is found on a small copy, where a lattice tower two pixels wide vanishes into the sky
    around it; a drifting-sky effect would then tear it apart. At full size, pixels near a sharp
    edge (Sobel magnitude of the grey image above ``edge``, i.e. a step of about ``edge / 4``
    between neighbours; cloud borders are far softer) or on a thin line (grey differs from its
    5×5 median by more than ``line``) are removed, and the pieces of sky left enclosed by such
    structures are dropped unless they are large or touch the top edge.

    >>> img = np.zeros((40, 40, 3), np.uint8); img[:] = (110, 160, 230); img[5:, 20] = 20
    >>> mask = refine_sky(np.ones((40, 40), bool), img)
    >>> bool(mask[10, 20]), bool(mask[10, 5])          # the mast is cut out, the sky kept
    (False, True)
    """
    if not sky.any():
        return sky
    import cv2

    grey8 = to_grey(rgb)
    grey = grey8.astype(np.float32) / 255.0
    magnitude = cv2.magnitude(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3),
                              cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3))
    thin = np.abs(grey - cv2.medianBlur(grey8, 5).astype(np.float32) / 255.0) > line
    # a step edge already marks both sides of a border; a thin line is widened by one pixel
    sharp = (magnitude > edge) | cv2.dilate(thin.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    # the coarse mask stops a few pixels short of fine silhouettes (tree tips, a mast's top):
    # take in the sky-coloured, smooth pixels next to it
    rgbf = np.ascontiguousarray(rgb).astype(np.float32) / 255.0
    weight = cv2.blur(sky.astype(np.float32), (15, 15))
    local_sky = cv2.blur(rgbf * sky[..., None], (15, 15)) / np.maximum(weight, 1e-6)[..., None]
    near = cv2.dilate(sky.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    alike = np.abs(rgbf - local_sky).max(axis=2) < 0.06
    sky = sky | (near & alike & (weight > 0.2) & ~sharp)
    refined = sky & ~sharp
    n, labels, stats, _ = cv2.connectedComponentsWithStats(refined.astype(np.uint8), connectivity=4)
    if n <= 1:
        return refined
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    keep = (area >= 0.02 * sky.sum()) | (stats[:, cv2.CC_STAT_TOP] == 0)
    keep[0] = False
    return keep[labels]
