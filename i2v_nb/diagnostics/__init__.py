"""Frame-by-frame continuity diagnostics: where a clip keeps or loses its source image.

``continuity_report(clip)`` measures every frame on a CPU in seconds — similarity to the source
image and to the previous frame (SSIM, PSNR, colour drift), flicker, optical flow, flow-warp error,
global camera motion — flags the frames where continuity breaks, and gives clip-level scores
following VBench / VBench++ definitions. The pieces are small modules a tutorial can call one by
one:

* :mod:`~i2v_nb.diagnostics.similarity` — ``ssim`` (scikit-image's value, faster), ``psnr``,
  ``color_drift``;
* :mod:`~i2v_nb.diagnostics.flow` — ``optical_flow`` (DIS), ``warp_error`` with occlusion mask,
  ``global_motion`` (pan/zoom/rotation), ``track_points``, ``vbench_camera_labels``;
* :mod:`~i2v_nb.diagnostics.scores` — ``temporal_flickering``, ``dynamic_degree``,
  ``motion_smoothness``, ``i2v_consistency``;
* :mod:`~i2v_nb.diagnostics.flags` — ``detect_flags`` (whole-frame breaks judged against the
  clip's own statistics), ``Flag`` (with ``box``, ``explain()``);
* :mod:`~i2v_nb.diagnostics.regions` — ``RegionMaps``: per-cell residual, change, flow and
  colour of every pair (a 16 × 16 grid);
* :mod:`~i2v_nb.diagnostics.local` — local flags with a region: artefacts, blur, a part of the
  frame that freezes;
* :mod:`~i2v_nb.diagnostics.gradual` — gradual flags: colour drift (CIELAB), motion reversal;
* :mod:`~i2v_nb.diagnostics.shape` — ``morph_flags``, ``swell_map``: a region that swells
  beyond its surroundings (a part of the subject morphing);
* :mod:`~i2v_nb.diagnostics.local_scale` — ``scale_ratio``: how much larger a patch of frame 0
  appears later than the patches around it, by matching (where the flow fails);
* :mod:`~i2v_nb.diagnostics.words` — where on the frame and which colour, in words;
* :mod:`~i2v_nb.diagnostics.camera` — ``dominant_camera_motion``, ``check_camera``;
* :mod:`~i2v_nb.diagnostics.report` — ``continuity_report``, ``ContinuityReport``;
* :mod:`~i2v_nb.diagnostics.loops` — ``loop_seam``: the last → first step of a looping clip;
* :mod:`~i2v_nb.diagnostics.compare` — ``compare_clips``;
* :mod:`~i2v_nb.diagnostics.ranking` — bootstrap errors of the rank scores, ``tied_with_best``;
* :mod:`~i2v_nb.diagnostics.features` — optional DINO/CLIP feature similarity (transformers).

>>> import i2v_nb
>>> report = i2v_nb.continuity_report(clip)          # doctest: +SKIP
>>> print(report.summary())                          # doctest: +SKIP
>>> report.show_flag(0)                              # doctest: +SKIP
>>> i2v_nb.check_camera(report, "slow zoom in")      # doctest: +SKIP
"""

from __future__ import annotations

from i2v_nb.diagnostics.camera import (
    CAMERA_MOVES,
    CameraCheck,
    check_camera,
    compatible_moves,
    dominant_camera_motion,
)
from i2v_nb.diagnostics.compare import ClipComparison, compare_clips
from i2v_nb.diagnostics.flags import Flag, detect_flags, robust_z
from i2v_nb.diagnostics.flow import (
    GlobalMotion,
    flow_magnitude_stats,
    flow_to_rgb,
    global_motion,
    grid_points,
    occlusion_mask,
    optical_flow,
    track_points,
    vbench_camera_labels,
    warp_error,
    warp_image,
)
from i2v_nb.diagnostics.loops import LoopSeam, loop_seam
from i2v_nb.diagnostics.regions import RegionMaps
from i2v_nb.diagnostics.report import ContinuityReport, continuity_report
from i2v_nb.diagnostics.scores import (
    DYNAMIC_CALIBRATION,
    dynamic_degree,
    dynamic_threshold,
    i2v_consistency,
    mean_abs_diff,
    motion_smoothness,
    temporal_flickering,
)
from i2v_nb.diagnostics.similarity import color_drift, psnr, ssim, ssim_map, to_grey

__all__ = [
    "CAMERA_MOVES",
    "DYNAMIC_CALIBRATION",
    "CameraCheck",
    "ClipComparison",
    "ContinuityReport",
    "Flag",
    "GlobalMotion",
    "RegionMaps",
    "check_camera",
    "color_drift",
    "compare_clips",
    "loop_seam",
    "LoopSeam",
    "compatible_moves",
    "continuity_report",
    "detect_flags",
    "dominant_camera_motion",
    "dynamic_degree",
    "dynamic_threshold",
    "flow_magnitude_stats",
    "flow_to_rgb",
    "global_motion",
    "grid_points",
    "i2v_consistency",
    "mean_abs_diff",
    "motion_smoothness",
    "occlusion_mask",
    "optical_flow",
    "psnr",
    "robust_z",
    "ssim",
    "ssim_map",
    "temporal_flickering",
    "to_grey",
    "track_points",
    "vbench_camera_labels",
    "warp_error",
    "warp_image",
]
