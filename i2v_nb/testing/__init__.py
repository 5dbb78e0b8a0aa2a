"""Fixtures for tests, notebooks and benchmarks: not part of the image-to-video API.

* :mod:`.tiny` — :func:`tiny_pipeline`: offline random-weight twins of every diffusers model
  family (the same pipeline classes as the real models, built from configs in under a second).

This layer sits below :mod:`i2v_nb.synthesis` (whose ``tiny-*`` presets build their pipelines
here) and imports nothing from it. Importing it is light: diffusers, transformers and torch are
imported only when a twin is built.

>>> from i2v_nb.testing import TINY_FAMILIES, TINY_DEFAULTS
>>> TINY_FAMILIES[:3], TINY_DEFAULTS["ltx"]["num_frames"]
(('svd', 'cogvideox', 'ltx'), 9)
"""

from __future__ import annotations

from i2v_nb.testing.tiny import (
    TINY_DEFAULTS,
    TINY_FAMILIES,
    TINY_OUTPUT_FRAMES,
    TINY_PIPELINE_CLASSES,
    tiny_pipeline,
)

__all__ = [
    "TINY_FAMILIES",
    "TINY_DEFAULTS",
    "TINY_OUTPUT_FRAMES",
    "TINY_PIPELINE_CLASSES",
    "tiny_pipeline",
]
