"""The CPU preview engine: a moving clip from one image in seconds, with no model weights.

What it does with a :class:`~i2v_nb.prompting.MotionSpec`:

* **camera moves** by depth-aware reprojection: each output pixel samples the image at a
  position shifted by the camera move times a parallax weight ``(1 − p) + p · nearness`` (near
  pixels move more than far ones; ``p`` = ``parallax``). Zooms are optical (no parallax); dollies,
  pans, tilts and orbits have parallax; an orbit pivots on the subject (nearer content moves one
  way, farther content the other). Pans left: the content moves right. The frame is over-scanned
  just enough that samples stay inside the picture, and any sample that still falls outside is
  mirrored (``BORDER_REFLECT_101``), so no black holes appear;
* **local motion fields** for environment effects, each masked by the image's structure
  (:func:`i2v_nb.analysis.motion_region_masks`): wind sway on foliage/hair/fabric, ripples and
  waves on water, a drifting sky plate (the sky is extended behind the foreground with a
  push–pull fill, then drifts), flicker on warm bright light, rain/snow/fog/smoke overlays,
  light changes and day → night grading; subject motions become a small sway of the subject;
* **smooth easing** (smoothstep, or out-and-back for ``loop=True``); periodic effects make whole
  cycles over the clip, and drifting layers cross-fade, so a looping clip joins seamlessly;
* **determinism**: every random choice (phases, textures, a ±10 % amplitude jitter) comes from
  ``numpy.random.default_rng(seed)``.

One job per module: :mod:`~i2v_nb.synthesis.preview.params` (defaults, limits, checks),
:mod:`~i2v_nb.synthesis.preview.maps` (depth and region masks),
:mod:`~i2v_nb.synthesis.preview.fields` (sampling maps, motion fields, textures),
:mod:`~i2v_nb.synthesis.preview.overlays` (colour effects),
:mod:`~i2v_nb.synthesis.preview.plan` (the per-clip plan and its frames),
:mod:`~i2v_nb.synthesis.preview.render` (the clip) and :mod:`~i2v_nb.synthesis.preview.run`
(the backend seam).

>>> import numpy as np
>>> img = np.random.default_rng(0).integers(30, 220, (64, 96, 3), dtype=np.uint8)
>>> frames = render_preview(img, "slow zoom in", num_frames=8, seed=0)
>>> frames.shape, frames.dtype
((8, 64, 96, 3), dtype('uint8'))
"""

from i2v_nb.synthesis.preview.params import (
    PREVIEW_DEFAULTS,
    PREVIEW_LIMITS,
    PREVIEW_PARAMS,
    check_preview_budget,
    preview_size,
    validate_preview_params,
)
from i2v_nb.synthesis.preview.plan import PreviewPlan, plan_preview
from i2v_nb.synthesis.preview.render import render_preview
from i2v_nb.synthesis.preview.run import run_preview

__all__ = [
    "PREVIEW_DEFAULTS",
    "PREVIEW_PARAMS",
    "PREVIEW_LIMITS",
    "validate_preview_params",
    "preview_size",
    "check_preview_budget",
    "render_preview",
    "run_preview",
    "PreviewPlan",
    "plan_preview",
]
