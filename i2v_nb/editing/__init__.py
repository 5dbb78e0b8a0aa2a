"""Editing a clip after it is made: extend it, interpolate it to a higher frame rate, upscale
it, match its colours.

Each is one public function on a :class:`~i2v_nb.Clip` that returns a new clip (the input is
never changed) whose metadata names its ``parent``:

* :func:`~i2v_nb.editing.extend.extend` — continue from the last frame, colour-matched;
* :func:`~i2v_nb.editing.interpolate.interpolate` — motion-compensated in-between frames;
* :func:`~i2v_nb.editing.upscale.upscale` — Lanczos with mild sharpening;
* :func:`~i2v_nb.editing.color.color_match` — frames brought to a reference's colours (CIELAB).

This layer sits above synthesis (``extend`` generates) and diagnostics (``interpolate`` uses its
optical flow), below the widgets.

>>> import i2v_nb
>>> longer = i2v_nb.extend(clip, seconds=2)                 # doctest: +SKIP
>>> smooth = i2v_nb.interpolate(longer, factor=2)           # doctest: +SKIP
>>> big = i2v_nb.upscale(smooth, scale=2)                   # doctest: +SKIP
"""

from __future__ import annotations

from i2v_nb.editing.color import color_match
from i2v_nb.editing.extend import extend
from i2v_nb.editing.interpolate import interpolate
from i2v_nb.editing.upscale import upscale

__all__ = ["color_match", "extend", "interpolate", "upscale"]
