"""Local flags: one region of the frame breaks while the rest of the picture is fine.

They read the per-cell maps of :mod:`~i2v_nb.diagnostics.regions` (a 16 × 16 grid) and judge
each region against its own history in the clip, so a region that always moves a lot (water,
hair) is not flagged for moving, and a slow clip is judged as strictly as a fast one.

* **artefact / blur** — a transient local change. The flow-warp residual is pooled over windows
  of 2 × 2 cells (1/64 of the frame, overlapping by one cell). For window ``k`` and pair ``t``,
  ``E = R[t, k] − median_t R[·, k]`` is its excess over its own typical residual, the frame-wide
  part ``m_t = median_k E[t, ·]`` (a flash, a cut) is taken off, ``X = E − max(m_t, 0)``, and
  ``z = X / max(1.4826·MAD_t R[·, k], 1)``. Windows with ``X ≥ LOCAL_MIN`` (6 grey levels) and
  ``z ≥ LOCAL_Z`` (6) at pair ``a`` start a candidate; it is a defect when, within
  ``MAX_SPAN`` (8) frames, a later pair ``b`` changes the same windows again and frame ``a − 1``
  warped onto frame ``b`` matches there (their excess residual at most half the onset's): the
  region broke in frames ``a … b − 1`` and came back. ``"blur"`` when the region's sharpness
  (mean ``|Laplacian|``) inside the span is under 0.6× that of the frames around it, else
  ``"artefact"``. A moving subject does not come back to where it was, so it is not flagged.
* **partial_freeze** — cells whose pixels stop changing while the frame moves on. Each cell's
  change ``D[t, k]`` (mean ``|grey t − grey t−1|``) is compared with what the frame's motion
  predicts for it: ``expected[t, k] = ratio_k · m_t`` with ``m_t`` the frame's median cell
  change and ``ratio_k = median_t D[t, k] / m_t`` the cell's usual share (pairs with
  ``m_t ≥ 0.1``). A cell is frozen at pair t when ``D < FROZEN_MAD`` (0.5) and
  ``D ≤ 0.15·expected``; a run of two or more such pairs counts when its mean expected change
  reaches
  ``PARTIAL_MIN_CHANGE`` (0.25 grey levels) and the cell has the texture to show motion (its mean
  gradient, grey levels per pixel, times the frame's median cell flow over the run, px per
  frame, at least ``PARTIAL_MIN_SHOWN`` = 1: a flat patch of sky cannot be seen to stop). Two or
  more touching cells whose runs overlap in time, at least ``PARTIAL_MIN_EVIDENCE`` (8) frozen
  cell-pairs in all, under half of the frame (a whole frozen frame is a freeze,
  :mod:`~i2v_nb.diagnostics.flags`). An ease-in, a loop's turn or a freeze of the whole frame
  slow every cell together, so ``expected`` falls with them.

Every flag carries its region, ``flag.box = (x0, y0, x1, y1)`` in pixels of the clip, and a
message in words (:mod:`~i2v_nb.diagnostics.words`).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable

import numpy as np

from i2v_nb.diagnostics.flags import FROZEN_MAD, Flag
from i2v_nb.diagnostics.regions import GRID, RegionMaps
from i2v_nb.diagnostics.words import frames_words, region_words

__all__ = ["LOCAL_MIN", "LOCAL_Z", "MAX_SPAN", "PARTIAL_MIN_CHANGE", "PARTIAL_MIN_SHOWN",
           "PARTIAL_MIN_EVIDENCE", "window_means", "window_cells", "local_excess",
           "transient_flags", "partial_freeze_flags", "local_flags", "merge_flags"]

#: Least excess residual (0–255) of a 2 × 2-cell window for a local artefact.
LOCAL_MIN = 6.0
#: Least robust z of that excess against the window's own history.
LOCAL_Z = 6.0
#: Longest local transient, in frames.
MAX_SPAN = 8
#: Least mean change per frame (0–255) a frozen cell was expected to show.
PARTIAL_MIN_CHANGE = 0.25
#: Least number of frozen (cell, pair) in a partial freeze: 2 cells for 4 pairs, 4 for 2…
PARTIAL_MIN_EVIDENCE = 8
#: Least change (0–255) the cell's texture would show under the frame's motion (gradient × px).
PARTIAL_MIN_SHOWN = 1.0


def window_means(cells: np.ndarray) -> np.ndarray:
    """Means over windows of 2 × 2 cells: ``(T, G, G)`` → ``(T, G−1, G−1)``."""
    c = np.asarray(cells, np.float64)
    return 0.25 * (c[:, :-1, :-1] + c[:, 1:, :-1] + c[:, :-1, 1:] + c[:, 1:, 1:])


def window_cells(windows: np.ndarray) -> np.ndarray:
    """The ``(G, G)`` cells covered by a ``(G−1, G−1)`` mask of windows."""
    w = np.asarray(windows, bool)
    out = np.zeros((w.shape[0] + 1, w.shape[1] + 1), bool)
    for dy in (0, 1):
        for dx in (0, 1):
            out[dy:dy + w.shape[0], dx:dx + w.shape[1]] |= w
    return out


def local_excess(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-window excess ``X``, its robust z and the windows' typical value (see the module
    docstring). Returns ``(X, z, base)``: ``(T, G−1, G−1)``, ``(T, G−1, G−1)``, ``(G−1, G−1)``."""
    p = window_means(cells)
    med = np.median if np.isfinite(p[1:]).all() else np.nanmedian  # median is 10× faster
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows stay NaN
        base = med(p[1:], axis=0)
        spread = np.maximum(1.4826 * med(np.abs(p[1:] - base), axis=0), 1.0)
        e = p - base
        frame_wide = np.full(len(e), np.nan)
        frame_wide[1:] = med(e[1:].reshape(len(e) - 1, -1), axis=1)
    x = e - np.maximum(np.nan_to_num(frame_wide), 0.0)[:, None, None]
    return x, x / spread, base


def _components(mask: np.ndarray) -> list[np.ndarray]:
    import cv2

    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    return [labels == k for k in range(1, n)]


def _sharpness(frames: np.ndarray, i: int, box: tuple[int, int, int, int]) -> float:
    import cv2

    from i2v_nb._media import to_grey

    x0, y0, x1, y1 = box
    crop = np.ascontiguousarray(to_grey(frames[i][y0:y1, x0:x1]))
    return float(np.mean(np.abs(cv2.Laplacian(crop, cv2.CV_32F))))


def transient_flags(maps: RegionMaps, skip_cells: Callable[[int, int], np.ndarray], *,
                    frames: np.ndarray | None = None) -> list[Flag]:
    """Local artefacts and blur that come and go (see the module docstring).

    Args:
        maps: the clip's region maps.
        skip_cells: ``f(a, b)`` → ``(GRID, GRID)`` residual cells of frame ``a`` against frame
            ``b`` warped onto it (:func:`~i2v_nb.diagnostics.regions.residual_cells`).
        frames: the clip's frames, to tell blur from other artefacts (optional).
    """
    x, z, base = local_excess(maps.residual)
    t_count = maps.num_frames
    cand = (np.nan_to_num(x) >= LOCAL_MIN) & (np.nan_to_num(z) >= LOCAL_Z)
    out: list[Flag] = []
    busy = 0  # frames up to here are explained by a flag already
    for a in range(1, t_count):
        if a <= busy or not cand[a].any():
            continue
        comps = sorted(_components(cand[a]), key=lambda c: -float(np.max(x[a][c])))[:3]
        for comp in comps:
            onset = float(np.max(x[a][comp]))
            for b in range(a + 1, min(a + MAX_SPAN, t_count - 1) + 1):
                if not np.nanmax(np.nan_to_num(x[b][comp])) >= LOCAL_MIN / 2:
                    continue  # the region does not change back at this pair
                skip = window_means(skip_cells(a - 1, b)[None])[0]
                back = float(np.nanmax(skip[comp] - base[comp]))
                if back <= 0.5 * onset:
                    out.append(_transient_flag(maps, a, b - 1, comp, onset, float(
                        np.max(z[a][comp])), back, frames))
                    busy = max(busy, b - 1)
                    break
    return out


def _transient_flag(maps: RegionMaps, a: int, last: int, comp: np.ndarray, onset: float,
                    z: float, back: float, frames: np.ndarray | None) -> Flag:
    box = maps.cells_box(window_cells(comp))
    where = region_words(box, width=maps.width, height=maps.height)
    span = frames_words(a, last)
    blur = False
    if frames is not None:
        inner = np.mean([_sharpness(frames, i, box) for i in range(a, last + 1)])
        outer = 0.5 * (_sharpness(frames, a - 1, box) + _sharpness(frames, last + 1, box))
        blur = outer > 0 and inner < 0.6 * outer
    reason = (f"the flow-warp residual in {where} rises {onset:.1f} grey levels above its "
              f"usual level at frame {a} and falls back after frame {last} (frame {a - 1} and "
              f"frame {last + 1} match there: excess {back:.1f})")
    if blur:
        message = f"{where} goes blurry in {span}"
    elif last == a:
        message = f"a patch of artefacts in {where} of frame {a}"
    else:
        message = f"a patch in {where} breaks up in {span}, then comes back"
    return Flag(a, "blur" if blur else "artefact", "residual_map", onset, z, reason, box=box,
                last=last if last > a else None, message=message)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(padded)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1, strict=True))


def _texture(frames: np.ndarray, i: int, box: tuple[int, int, int, int]) -> float:
    """Mean gradient magnitude (grey levels per pixel) of a box of frame i."""
    import cv2

    from i2v_nb._media import to_grey

    x0, y0, x1, y1 = box
    crop = np.ascontiguousarray(to_grey(frames[i][y0:y1, x0:x1]))
    gx = cv2.Sobel(crop, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
    gy = cv2.Sobel(crop, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
    return float(np.mean(cv2.magnitude(gx, gy)))


def partial_freeze_flags(maps: RegionMaps, *, frames: np.ndarray | None = None) -> list[Flag]:
    """Regions that stop moving while the rest of the frame moves (see the module docstring).

    The texture test needs ``frames`` (without them it is skipped)."""
    d = np.asarray(maps.change, np.float64)
    t_count = len(d)
    if t_count < 4:
        return []
    med = np.median if np.isfinite(d[1:]).all() else np.nanmedian
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        frame_change = np.full(t_count, np.nan)
        frame_change[1:] = med(d[1:].reshape(t_count - 1, -1), axis=1)
        moving = np.nan_to_num(frame_change) >= 0.1
        if moving.sum() < 3:
            return []
        ratio = med(d[moving] / frame_change[moving][:, None, None], axis=0)
    expected = np.nan_to_num(ratio[None] * frame_change[:, None, None])
    frozen = (np.nan_to_num(d, nan=np.inf) < FROZEN_MAD) & (d <= 0.15 * expected)
    runs: list[tuple[int, int, int, int]] = []  # (row, col, first pair, last pair)
    speed = np.hypot(maps.flow[..., 0], maps.flow[..., 1]).reshape(t_count, -1)
    for r, c in zip(*np.nonzero(frozen[1:].any(axis=0)), strict=True):
        for i, j in _runs(frozen[:, r, c]):
            if i < 1 or j == i or expected[i:j + 1, r, c].mean() < PARTIAL_MIN_CHANGE:
                continue
            if frames is not None:  # texture × the motion around it must make a visible change
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    motion = float(np.nanmean(np.nanmedian(speed[i:j + 1], axis=1)))
                if not _texture(frames, i, maps.cell_box(r, c)) * motion >= PARTIAL_MIN_SHOWN:
                    continue
            runs.append((int(r), int(c), int(i), int(j)))
    out = []
    for group in _touching(runs):
        cells = np.zeros((GRID, GRID), bool)
        for r, c, _, _ in group:
            cells[r, c] = True
        size = int(cells.sum())
        evidence = sum(j - i + 1 for _, _, i, j in group)  # frozen cell-pairs
        if size < 2 or size > GRID * GRID // 2 or evidence < PARTIAL_MIN_EVIDENCE:
            continue
        i, j = min(g[2] for g in group), max(g[3] for g in group)
        box = maps.cells_box(cells)
        where = region_words(box, width=maps.width, height=maps.height)
        predicted = float(expected[i:j + 1][:, cells].mean())
        out.append(Flag(i, "partial_freeze", "change_map", float(d[i][cells].max()),
                        float("nan"),
                        f"{size} cells in {where} stop changing (mean |difference| under "
                        f"{FROZEN_MAD} grey levels) in {frames_words(i, j)} where the frame's "
                        f"motion predicts {predicted:.1f} grey levels of change per frame",
                        box=box, last=j if j > i else None,
                        message=f"{where} stops moving in {frames_words(i, j)} while the rest "
                                "of the picture moves"))
    return out


def _touching(runs: list[tuple[int, int, int, int]]) -> list[list[tuple[int, int, int, int]]]:
    """Groups of frozen runs ``(row, col, first, last)`` linked by touching cells (8-neighbours)
    whose frame spans overlap."""
    parent = list(range(len(runs)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, (r1, c1, i1, j1) in enumerate(runs):
        for b in range(a + 1, len(runs)):
            r2, c2, i2, j2 = runs[b]
            if abs(r1 - r2) <= 1 and abs(c1 - c2) <= 1 and i1 <= j2 and i2 <= j1:
                parent[root(a)] = root(b)
    groups: dict[int, list] = {}
    for k, run in enumerate(runs):
        groups.setdefault(root(k), []).append(run)
    return list(groups.values())


def local_flags(maps: RegionMaps, *, skip_cells: Callable[[int, int], np.ndarray],
                frames: np.ndarray | None = None) -> list[Flag]:
    """All local flags of a clip: :func:`transient_flags` and :func:`partial_freeze_flags`."""
    if maps.num_frames < 3:
        return []
    return (transient_flags(maps, skip_cells, frames=frames)
            + partial_freeze_flags(maps, frames=frames))


def merge_flags(whole: list[Flag], local: list[Flag]) -> list[Flag]:
    """Whole-frame flags plus local ones, sorted by frame: one defect, one flag.

    A local artefact or blur over frames ``a … last`` explains the whole-frame jumps and
    identity losses at frames ``a … last + 1`` (its start and its return): they are replaced by
    the local flag; a whole-frame glitch there keeps its kind and gets the region's box and
    message; a flash, cut or freeze there explains the local change, which is dropped.
    A partial freeze is dropped where a whole-frame jump or freeze is.
    """
    out = list(whole)
    for lf in local:
        end = (lf.last or lf.frame) + (0 if lf.kind == "partial_freeze" else 1)
        near = [f for f in out if f.box is None and lf.frame <= f.frame <= end]
        if any(f.kind in ("flash", "cut", "freeze") for f in near):
            continue
        if lf.kind == "partial_freeze" and any(f.kind == "jump" for f in near):
            continue  # a jump moves everything but flat regions: no region froze
        if lf.kind == "partial_freeze":
            out.append(lf)
            continue
        glitch = [f for f in near if f.kind == "glitch"]
        explained = [f for f in near if f.kind in ("jump", "identity_loss")]
        out = [f for f in out if f not in explained and f not in glitch]
        if glitch:
            g = glitch[0]
            out.append(dataclasses.replace(g, box=lf.box, message=lf.message,
                                           last=g.last if g.last is not None else lf.last))
        else:
            out.append(lf)
    return sorted(out, key=lambda f: (f.frame, f.kind))
