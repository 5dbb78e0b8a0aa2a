"""Fixtures for tests, notebooks and benchmarks: not part of the image-to-video API.

* :mod:`.tiny` — :func:`tiny_pipeline`: offline random-weight twins of every diffusers model
  family (the same pipeline classes as the real models, built from configs in under a second).
* :mod:`.defects` — ``plant_*`` functions that put one known continuity defect (an artefact
  burst, a colour cast, a stutter, dropped frames, a scene cut, a flash…) into clean frames and
  return its ground truth, a :class:`PlantedDefect`.
* :mod:`.defect_catalogue` — :func:`plant_catalogue` (every class at every strength over clean
  clips) and :func:`matching_flags`, the one rule for "a report found the planted defect"
  (used by ``benchmarks/bench_defects.py``); :mod:`.placement`, their shared checks and boxes.

This layer sits below :mod:`i2v_nb.synthesis` (whose ``tiny-*`` presets build their pipelines
here) and imports nothing from it. Importing it is light: diffusers, transformers and torch are
imported only when a twin is built.

>>> from i2v_nb.testing import TINY_FAMILIES, TINY_DEFAULTS
>>> TINY_FAMILIES[:3], TINY_DEFAULTS["ltx"]["num_frames"]
(('svd', 'cogvideox', 'ltx'), 9)
"""

from __future__ import annotations

from i2v_nb.testing.defect_catalogue import (
    FLAG_KINDS,
    LEVELS,
    STRENGTHS,
    CleanClip,
    PlantedCase,
    matching_flags,
    plant_catalogue,
)
from i2v_nb.testing.defects import DEFECT_KINDS, PlantedDefect, plant_defect
from i2v_nb.testing.tiny import (
    TINY_DEFAULTS,
    TINY_FAMILIES,
    TINY_NEEDS,
    TINY_OUTPUT_FRAMES,
    TINY_PIPELINE_CLASSES,
    tiny_latent_upsampler,
    tiny_pipeline,
)

__all__ = [
    "TINY_FAMILIES",
    "TINY_DEFAULTS",
    "TINY_OUTPUT_FRAMES",
    "TINY_PIPELINE_CLASSES",
    "TINY_NEEDS",
    "tiny_pipeline",
    "tiny_latent_upsampler",
    "DEFECT_KINDS",
    "PlantedDefect",
    "plant_defect",
    "CleanClip",
    "PlantedCase",
    "LEVELS",
    "STRENGTHS",
    "FLAG_KINDS",
    "plant_catalogue",
    "matching_flags",
]
