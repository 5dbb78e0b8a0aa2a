"""Per-region maps of a clip: the frame cut into a grid of cells, one small map per frame pair.

Whole-frame numbers average a local defect away: a burst of artefacts over 3 % of the frame moves
the mean residual by a grey level or two. :class:`RegionMaps` keeps, for every pair of
consecutive frames, the mean of each cell of a ``GRID × GRID`` grid (cells of 1/16 of the width
and 1/16 of the height, whatever the frame size) of:

* ``residual`` — the luma of ``|frame t−1 − warp(frame t)|``, the flow-warp residual (0–255):
  change the motion does not explain (artefacts, blur, a copied patch);
* ``change`` — ``|grey t−1 − grey t|`` without motion compensation (0–255): a region whose
  pixels stop changing while the clip moves is frozen;
* ``flow`` — the mean optical flow of the cell, pixels of the clip (shape drift);

and per pair the signed colour change ``colour_step`` = mean RGB of ``warp(frame t)`` minus mean
RGB of frame t−1, both inside a margin of one cell (the strip a pan brings in is left out): a
creeping colour cast. All of it is computed at the flow's working resolution from arrays the
report already has (the warped frame, the grey frames, the small flow), with exact cell sums
from ``cv2.integral``: about 0.3 ms per pair on a 512-pixel-wide frame.

>>> maps = RegionMaps.empty(3, height=64, width=96)
>>> maps.residual.shape, maps.cell_box(0, 0)
((3, 16, 16), (0, 0, 6, 4))
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

__all__ = ["GRID", "RegionMaps", "residual_cells", "cell_sums", "cell_edges", "cell_areas"]

#: Cells per side of the grid: 16 × 16 cells, each 1/256 of the frame.
GRID = 16


@functools.lru_cache(maxsize=16)
def cell_edges(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column edges of the ``GRID × GRID`` cells: ``round(linspace(0, side, GRID + 1))``
    (cached; read-only)."""
    ys = np.round(np.linspace(0, height, GRID + 1)).astype(int)
    xs = np.round(np.linspace(0, width, GRID + 1)).astype(int)
    ys.setflags(write=False)
    xs.setflags(write=False)
    return ys, xs


def cell_sums(image: np.ndarray) -> np.ndarray:
    """Exact per-cell sums of an image, ``(GRID, GRID)`` or ``(GRID, GRID, C)`` float64, from
    its integral image (one ``cv2.integral`` and four lookups per cell)."""
    import cv2

    a = np.ascontiguousarray(image)
    ys, xs = cell_edges(*a.shape[:2])
    s = cv2.integral(a, sdepth=cv2.CV_64F if a.dtype != np.uint8 else cv2.CV_32S)
    c = s[ys][:, xs].astype(np.float64)
    return c[1:, 1:] - c[:-1, 1:] - c[1:, :-1] + c[:-1, :-1]


@functools.lru_cache(maxsize=16)
def cell_areas(height: int, width: int) -> np.ndarray:
    """``(GRID, GRID)`` pixel count of each cell (cached; read-only)."""
    ys, xs = cell_edges(height, width)
    area = np.outer(np.diff(ys), np.diff(xs)).astype(np.float64)
    area.setflags(write=False)
    return area


def residual_cells(previous: np.ndarray, warped: np.ndarray) -> np.ndarray:
    """``(GRID, GRID)`` float64 mean per cell of the luma of ``|previous − warped|`` (RGB) or of
    ``|previous − warped|`` (grey), 0–255: the residual map of :class:`RegionMaps`.

    >>> a = np.zeros((32, 32, 3), np.uint8); b = a.copy(); b[:2, :1] = 200
    >>> float(residual_cells(a, b)[0, 0])
    100.0
    """
    import cv2

    diff = cv2.absdiff(previous, warped)
    if diff.ndim == 3:
        diff = cv2.cvtColor(diff, cv2.COLOR_RGB2GRAY)
    return cell_sums(diff) / cell_areas(*diff.shape[:2])


@dataclass
class RegionMaps:
    """Per-pair cell maps of a clip (row t holds the pair (t−1, t); row 0 is NaN).

    Attributes:
        residual: ``(T, GRID, GRID)`` float32 mean flow-warp residual per cell, 0–255.
        change: ``(T, GRID, GRID)`` float32 mean absolute frame difference per cell, 0–255.
        flow: ``(T, GRID, GRID, 2)`` float32 mean forward flow ``(dx, dy)`` per cell, pixels of
            the clip.
        colour_step: ``(T, 3)`` float64 signed mean RGB change of the pair after motion
            compensation (``warp(frame t) − frame t−1`` inside a one-cell margin), 0–255.
        colour_base: mean RGB of frame 0 inside the same margin (set with row 1).
        height, width: the clip's frame size in pixels.
    """

    residual: np.ndarray
    change: np.ndarray
    flow: np.ndarray
    colour_step: np.ndarray
    height: int
    width: int
    colour_base: np.ndarray | None = None

    @classmethod
    def empty(cls, num_frames: int, *, height: int, width: int) -> RegionMaps:
        """Maps for ``num_frames`` frames of ``height × width``, NaN until :meth:`add_pair`
        fills a row."""
        nan = np.float32(np.nan)
        return cls(residual=np.full((num_frames, GRID, GRID), nan),
                   change=np.full((num_frames, GRID, GRID), nan),
                   flow=np.full((num_frames, GRID, GRID, 2), nan),
                   colour_step=np.full((num_frames, 3), np.nan),
                   height=int(height), width=int(width))

    def add_pair(self, t: int, previous: np.ndarray, current: np.ndarray, warped: np.ndarray,
                 flow: np.ndarray, *, previous_grey: np.ndarray | None = None,
                 current_grey: np.ndarray | None = None) -> None:
        """Fill row ``t`` from the pair (t−1, t) at the flow's working resolution.

        Args:
            t: index of the later frame.
            previous, current: frames t−1 and t, ``(h, w, 3)`` uint8.
            warped: frame t warped back onto frame t−1 by the flow (``flow.warp_image``).
            flow: forward flow t−1 → t in pixels of the clip, any resolution (the report passes
                its small flow preview).
            previous_grey, current_grey: the frames' greyscale versions when already computed.
        """
        import cv2

        from i2v_nb._media import to_grey

        g0 = to_grey(previous) if previous_grey is None else previous_grey
        g1 = to_grey(current) if current_grey is None else current_grey
        # luma of |previous − warped| (0.299 R + 0.587 G + 0.114 B of the channel differences)
        self.residual[t] = residual_cells(previous, warped)
        self.change[t] = residual_cells(g0, g1)
        self.flow[t] = cv2.resize(np.ascontiguousarray(flow, np.float32), (GRID, GRID),
                                  interpolation=cv2.INTER_AREA)
        h, w = g0.shape
        my, mx = h // GRID, w // GRID  # one cell's margin: the strip a pan brings in
        inner = (slice(my, h - my), slice(mx, w - mx))
        before = cv2.mean(previous[inner])[:3]
        self.colour_step[t] = np.subtract(cv2.mean(warped[inner])[:3], before)
        if t == 1:
            self.colour_base = np.array(before, np.float64)

    @property
    def num_frames(self) -> int:
        return int(self.residual.shape[0])

    @property
    def cell_size(self) -> tuple[float, float]:
        """``(width, height)`` of one cell in pixels of the clip."""
        return self.width / GRID, self.height / GRID

    def cell_box(self, row: int, col: int, *, rows: int = 1, cols: int = 1
                 ) -> tuple[int, int, int, int]:
        """Pixel box ``(x0, y0, x1, y1)`` (x1, y1 exclusive) of ``rows × cols`` cells whose top
        left cell is ``(row, col)``."""
        cw, ch = self.cell_size
        return (int(np.floor(col * cw)), int(np.floor(row * ch)),
                min(self.width, int(np.ceil((col + cols) * cw))),
                min(self.height, int(np.ceil((row + rows) * ch))))

    def cells_box(self, cells: np.ndarray) -> tuple[int, int, int, int]:
        """Pixel box around the cells that are True in a ``(GRID, GRID)`` bool mask."""
        rows, cols = np.nonzero(cells)
        r0, r1, c0, c1 = int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())
        return self.cell_box(r0, c0, rows=r1 - r0 + 1, cols=c1 - c0 + 1)
