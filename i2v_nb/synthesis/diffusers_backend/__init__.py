"""The diffusers backend: load (and cache) a pipeline, run it with progress and stop, return frames.

One job per module, all names re-exported here:

* :mod:`.load` — :func:`load_pipeline` (one cached pipeline, ``from_pretrained`` with the
  preset's dtypes, hub checks in seconds, memory profile applied), :func:`unload_pipeline`,
  :func:`loaded_pipeline`, :func:`pick_device`, :func:`precheck`;
* :mod:`.call` — :func:`pipeline_kwargs` (each family's own argument names) and
  :func:`latent_preview`;
* :mod:`.run` — :func:`run_pipeline` (progress per step, stop, out-of-memory, frames and
  metadata) and :func:`run_diffusers`, the backend seam ``generate`` calls;
* :mod:`.oom` — :func:`is_oom` and the :class:`~i2v_nb.errors.OutOfMemory` that names the next
  profile to try;
* :mod:`.switches` — the speed switches on a loaded pipeline: per call (attention backend,
  step cache from :mod:`.cache`, both removed after the call) and ``compile`` once per load;
* :mod:`.quantize` — ``int8`` / ``nf4`` while loading, ``fp8-storage`` after, and
  ``weight_bytes``.

Memory profiles (where the weights live on the GPU) are in :mod:`i2v_nb.synthesis.memory`; the
speed switches' names, choices and checks in :mod:`i2v_nb.synthesis.speed`.
Importing this package does not import torch or diffusers.

>>> frames, meta = run_pipeline("tiny-wan", image, seed=0)  # doctest: +SKIP
>>> frames.shape, frames.dtype                                # doctest: +SKIP
((5, 16, 16, 3), dtype('uint8'))
"""

from __future__ import annotations

from i2v_nb.synthesis.diffusers_backend.call import latent_preview, pipeline_kwargs
from i2v_nb.synthesis.diffusers_backend.load import (
    DIFFUSERS_TESTED,
    PIPELINE_LOCK,
    load_pipeline,
    loaded_pipeline,
    pick_device,
    precheck,
    unload_pipeline,
)
from i2v_nb.synthesis.diffusers_backend.oom import is_oom
from i2v_nb.synthesis.diffusers_backend.run import run_diffusers, run_pipeline

__all__ = [
    "run_pipeline",
    "run_diffusers",
    "load_pipeline",
    "unload_pipeline",
    "loaded_pipeline",
    "pipeline_kwargs",
    "latent_preview",
    "pick_device",
    "precheck",
    "is_oom",
    "PIPELINE_LOCK",
    "DIFFUSERS_TESTED",
]
