"""Flags in a creator's words: where on the frame, which way the colours go.

>>> region_words((0, 0, 40, 30), width=320, height=240)
'the upper left'
>>> colour_words((0.0, 12.0, 3.0))
'red'
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["region_words", "colour_words", "frames_words"]

_ROWS = ("upper", "middle", "lower")
_COLS = ("left", "centre", "right")


def region_words(box: Sequence[float] | None, *, width: int, height: int) -> str:
    """Where a box sits on the frame, in words: ``"the upper left"``, ``"the top"``,
    ``"the centre"``, ``"the lower right"``… (``"the whole frame"`` for ``None``, and
    ``"most of the frame"`` for a box over half its area).

    The frame is cut in thirds each way; the box's centre picks the third.

    >>> region_words((140, 200, 180, 240), width=320, height=240)
    'the bottom'
    """
    if box is None:
        return "the whole frame"
    x0, y0, x1, y1 = (float(v) for v in box)
    if (x1 - x0) * (y1 - y0) > 0.5 * width * height:
        return "most of the frame"
    row = _ROWS[min(2, max(0, int(3 * (y0 + y1) / 2 / max(height, 1))))]
    col = _COLS[min(2, max(0, int(3 * (x0 + x1) / 2 / max(width, 1))))]
    if col == "centre":
        return {"upper": "the top", "middle": "the centre", "lower": "the bottom"}[row]
    if row == "middle":
        return f"the {col}"
    return f"the {row} {col}"


# hue angles of the named directions in CIELAB's (a*, b*) plane, degrees
_HUES = ((0.0, "red"), (45.0, "orange"), (90.0, "yellow"), (135.0, "yellow-green"),
         (180.0, "green"), (225.0, "cyan"), (270.0, "blue"), (315.0, "magenta"))


def colour_words(shift_lab: Sequence[float]) -> str:
    """The direction of a colour shift ``(ΔL*, Δa*, Δb*)`` in words: the hue of ``(Δa*, Δb*)``
    (red, orange, yellow, yellow-green, green, cyan, blue, magenta), or ``"brighter"`` /
    ``"darker"`` when the lightness change dominates.

    >>> colour_words((0.0, -2.0, -9.0)), colour_words((-10.0, 1.0, 0.0))
    ('blue', 'darker')
    """
    dl, da, db = (float(v) for v in shift_lab)
    chroma = math.hypot(da, db)
    if abs(dl) > 2.0 * chroma:
        return "brighter" if dl > 0 else "darker"
    angle = math.degrees(math.atan2(db, da)) % 360.0
    return min(_HUES, key=lambda h: min(abs(angle - h[0]), 360.0 - abs(angle - h[0])))[1]


def frames_words(first: int, last: int | None) -> str:
    """``"frame 14"`` or ``"frames 14–16"``.

    >>> frames_words(3, 3), frames_words(3, 5)
    ('frame 3', 'frames 3–5')
    """
    if last is None or last <= first:
        return f"frame {first}"
    return f"frames {first}–{last}"
