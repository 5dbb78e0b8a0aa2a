"""Structure analysis: what in an image can move plausibly, and how.

Before motion is synthesised, the image is analysed for object boundaries, spatial layout,
lighting and shadows, and depth. :func:`analyze` runs every part and returns a
:class:`StructureReport`; each part is also a plain function a tutorial can call on its own:

=====================  ===========================================================================
part                   functions
=====================  ===========================================================================
boundaries             :func:`edge_thresholds`, :func:`edge_map`, :func:`region_map`,
                       :func:`region_stats`
layout                 :func:`saliency_map`, :func:`subject_mask`, :func:`subject_box`,
                       :func:`find_horizon`, :func:`thirds_position`, :func:`subject_placement`,
                       :func:`foreground_mask`, :func:`spatial_relations`
lighting               :func:`exposure_stats`, :func:`contrast_stats`, :func:`colour_temperature`,
                       :func:`shadow_mask`, :func:`light_direction`, :func:`point_lights`
depth                  :func:`classical_depth`, :func:`depth_cues`, :func:`model_depth`,
                       :func:`load_depth_model`, :func:`estimate_depth`
motion                 :func:`motion_region_masks` (sky, water, foliage, hair, fabric)
prompts                :func:`suggest_prompts`
=====================  ===========================================================================

>>> import numpy as np
>>> from i2v_nb.analysis import analyze
>>> img = np.zeros((120, 160, 3), np.uint8); img[:60] = (110, 160, 230); img[60:] = (60, 90, 40)
>>> report = analyze(img, depth="classical")
>>> report.horizon_y, report.movable
(60, ['sky'])
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from i2v_nb._media import to_grey
from i2v_nb.analysis._common import as_rgb, upsample, work_copy
from i2v_nb.analysis.boundaries import edge_map, edge_thresholds, region_map, region_stats
from i2v_nb.analysis.depth import (
    DEFAULT_DEPTH_MODEL,
    DepthFallbackWarning,
    classical_depth,
    depth_cues,
    estimate_depth,
    load_depth_model,
    model_depth,
)
from i2v_nb.analysis.layout import (
    find_horizon,
    foreground_mask,
    saliency_map,
    spatial_relations,
    subject_box,
    subject_mask,
    subject_placement,
    thirds_position,
)
from i2v_nb.analysis.lighting import (
    colour_temperature,
    contrast_stats,
    exposure_stats,
    light_direction,
    point_lights,
    shadow_mask,
)
from i2v_nb.analysis.motion import MOTION_REGION_NAMES, motion_region_masks
from i2v_nb.analysis.prompts import suggest_prompts
from i2v_nb.analysis.report import StructureReport, confidence_word, direction_words

__all__ = [
    "analyze", "StructureReport", "suggest_prompts", "direction_words", "confidence_word",
    "edge_thresholds", "edge_map", "region_map", "region_stats",
    "saliency_map", "subject_mask", "subject_box", "find_horizon", "thirds_position",
    "foreground_mask", "spatial_relations", "subject_placement",
    "exposure_stats", "contrast_stats", "colour_temperature", "shadow_mask", "light_direction",
    "point_lights",
    "classical_depth", "depth_cues", "model_depth", "load_depth_model", "estimate_depth",
    "DEFAULT_DEPTH_MODEL", "DepthFallbackWarning",
    "motion_region_masks", "MOTION_REGION_NAMES", "ANALYSIS_MAX_SIDE",
]


#: Images with a longer side are analysed on a copy of this size (maps are returned full size).
ANALYSIS_MAX_SIDE = 1600


def _scale_box(box: tuple[int, int, int, int], scale: float,
               shape: tuple[int, int]) -> tuple[int, int, int, int]:
    H, W = shape
    x0, y0, x1, y1 = box
    return (max(0, int(np.floor(x0 / scale))), max(0, int(np.floor(y0 / scale))),
            min(W, int(np.ceil(x1 / scale))), min(H, int(np.ceil(y1 / scale))))


def _scale_stats(stats: list[dict[str, Any]], scale: float,
                 shape: tuple[int, int]) -> list[dict[str, Any]]:
    H, W = shape
    out = []
    for r in stats:
        r = dict(r)
        r["area"] = int(round(r["area"] / scale ** 2))
        r["centroid"] = (r["centroid"][0] / scale, r["centroid"][1] / scale)
        r["bbox"] = _scale_box(r["bbox"], scale, (H, W))
        out.append(r)
    return out


def analyze(image: Any, *, depth: str = "auto", seed: int = 0,
            depth_model: str = DEFAULT_DEPTH_MODEL, progress: Any = None) -> StructureReport:
    """Analyse the structure of ``image``: boundaries, layout, lighting, depth, what could move.

    Steps (each a public function of :mod:`i2v_nb.analysis`, timed in ``report.timings``):

    1. **boundaries** — Canny edges with thresholds from the image (:func:`edge_map`), SLIC
       regions and their statistics (:func:`region_map`, :func:`region_stats`);
    2. **motion** — sky / water / foliage / hair / fabric masks (:func:`motion_region_masks`);
    3. **layout** — saliency, subject mask and box, horizon, rule of thirds;
    4. **lighting** — exposure, contrast, colour temperature, shadows, light direction, point
       lights (sky and water are not lit surfaces: they are left out of shadows and direction);
    5. **depth** — ``depth="model"`` runs ``depth_model`` through transformers (CUDA if available),
       ``"classical"`` uses weight-free cues, ``"auto"`` the model when it can be loaded without
       waiting on a network (else classical and one :class:`DepthFallbackWarning`);
    6. **relations** — foreground mask and plain-language spatial relations.

    Args:
        image: ``(H, W, 3)`` uint8 array, PIL image, or a path/URL/bytes that ``load_image`` reads.
        depth: ``"auto"`` (default), ``"model"`` or ``"classical"``.
        seed: recorded in the report (every step is deterministic); also reorders
            :func:`suggest_prompts` alternatives.
        depth_model: hub id or local folder of a depth-estimation model
            (default Depth Anything V2 Small).
        progress: as every long call (:mod:`i2v_nb._progress`); the default shows a bar over
            the six steps when a depth model may run (``depth="auto"`` or ``"model"``), none
            for the sub-second ``depth="classical"``.

    Returns:
        A :class:`StructureReport`; ``report.plot()``, ``report.summary()``, ``report.to_dict()``.

    Raises:
        ValueError: for an unknown ``depth``.
        ImageInputError: for an input that is not an image.
        ModelUnavailable: with ``depth="model"`` when the model cannot be loaded.

    A 1024×576 image takes about 0.3–0.5 s on two CPU cores with ``depth="classical"``
    (``benchmarks/bench_analyze.py``). Images longer than :data:`ANALYSIS_MAX_SIDE` (1600 px) are
    analysed on a downscaled copy (edges stay full resolution); every map, box and row in the
    report is in the caller's pixels.
    """
    if depth not in ("auto", "model", "classical"):
        raise ValueError(f"depth={depth!r} is not one of 'auto', 'model', 'classical'; "
                         "use 'classical' for weight-free cues")
    from i2v_nb._progress import progress_reporter

    timings: dict[str, float] = {}
    steps = 6
    report, close = progress_reporter(
        progress if progress is not None or depth != "classical" else False,
        desc="analyze", unit="step")
    try:
        return _analyze(image, depth, seed, depth_model, timings, lambda k: report(k, steps))
    finally:
        close()


def _analyze(image: Any, depth: str, seed: int, depth_model: str, timings: dict[str, float],
             step: Any) -> StructureReport:
    rgb = as_rgb(image)
    H, W = rgb.shape[:2]
    # big photos are analysed on a copy of at most ANALYSIS_MAX_SIDE px; maps come back full size
    work, scale = work_copy(rgb, ANALYSIS_MAX_SIDE)
    h, w = work.shape[:2]

    t = time.perf_counter()
    import cv2

    gray = cv2.GaussianBlur(to_grey(work), (0, 0), 1.0)
    thresholds = edge_thresholds(gray)
    edges = edge_map(rgb, low=thresholds[0], high=thresholds[1])  # full resolution
    regions = region_map(work, seed=seed)
    stats = region_stats(work, regions)
    timings["boundaries"] = time.perf_counter() - t
    step(1)

    t = time.perf_counter()
    motion = motion_region_masks(work)
    timings["motion"] = time.perf_counter() - t
    step(2)

    t = time.perf_counter()
    sal = saliency_map(work, regions=regions)
    subj = subject_mask(sal)
    box = subject_box(subj)
    if box is None:
        box, score = (0, 0, w, h), 0.0
    else:
        score = float(sal[subj].mean() - (sal[~subj].mean() if (~subj).any() else 0.0))
    horizon = find_horizon(work)
    timings["layout"] = time.perf_counter() - t
    step(3)

    t = time.perf_counter()
    exposure = exposure_stats(rgb)
    contrast = contrast_stats(work)
    temperature = colour_temperature(work)
    unlit = motion["sky"] | motion["water"]
    shadows = shadow_mask(work, exclude=unlit)
    angle, confidence = light_direction(work, exclude=unlit)
    lamps = point_lights(work)
    timings["lighting"] = time.perf_counter() - t
    step(4)

    t = time.perf_counter()
    depth_map, how = estimate_depth(work, depth=depth, model_id=depth_model, regions=regions,
                                    sky=motion["sky"])
    timings["depth"] = time.perf_counter() - t
    step(5)

    t = time.perf_counter()
    fg = foreground_mask(depth_map, subj)
    relations = spatial_relations((h, w), subject_box=box if subj.any() else None,
                                  regions=motion, horizon_y=horizon, depth=depth_map,
                                  subject=subj)
    if scale < 1.0:  # back to the caller's size
        full = (H, W)
        regions = upsample(regions, full, nearest=True)
        sal = upsample(sal, full)
        subj, shadows, fg = (upsample(m, full) for m in (subj, shadows, fg))
        motion = {k: upsample(m, full) for k, m in motion.items()}
        depth_map = np.clip(upsample(depth_map, full), 0.0, 1.0)
        box = _scale_box(box, scale, full)
        horizon = None if horizon is None else min(H - 1, round(horizon / scale))
        lamps = [(min(W - 1, round(x / scale)), min(H - 1, round(y / scale))) for x, y in lamps]
        stats = _scale_stats(stats, scale, full)
    thirds = thirds_position(box, (H, W))
    timings["relations"] = time.perf_counter() - t
    step(6)
    timings = {k: round(v, 4) for k, v in timings.items()}
    timings["total"] = round(sum(timings.values()), 4)

    return StructureReport(
        image=rgb, edges=edges, edge_thresholds=(round(thresholds[0], 2), round(thresholds[1], 2)),
        regions=regions, region_stats=stats, saliency=sal.astype(np.float32), subject_mask=subj,
        subject_box=tuple(int(v) for v in box), subject_score=round(score, 4), thirds=thirds,
        horizon_y=horizon, foreground_mask=fg, relations=relations, exposure=exposure,
        contrast=contrast, colour_temperature=temperature, shadow_mask=shadows,
        light_direction=angle, light_confidence=confidence, point_lights=lamps,
        depth=depth_map, depth_method=how,
        motion_regions=motion, timings=timings, seed=int(seed))
