"""Synthesis: ``generate`` an image-to-video clip with the CPU preview engine or a diffusers model.

* :func:`generate` / :func:`generate_many` — the entry points (:mod:`.generate`);
* :mod:`.request` — :class:`GenerationRequest`, the one frozen request every backend receives;
* :mod:`.backend` — the seam every backend implements (request in, frames + metadata out);
* :mod:`.preview` — the CPU preview engine (no weights; the default without a GPU);
* :mod:`.registry` — model presets (:func:`models`, :func:`get_model`), the preview engine's
  included, and the one validation engine behind :meth:`ModelPreset.validate`;
* :mod:`.diffusers_backend` — diffusers pipelines on GPU (and tiny twins on CPU);
* :func:`tiny_pipeline` — offline random-weight twins of every family (from :mod:`i2v_nb.testing`).

Names are imported lazily: ``import i2v_nb.synthesis`` does not import torch, cv2 or diffusers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Bound eagerly (generate.py imports only the standard library): the submodule and the function
# share the name ``generate``, and importing the submodule first would otherwise leave the module,
# not the function, as ``i2v_nb.synthesis.generate``.
from i2v_nb.synthesis.generate import cuda_available, default_model, generate, generate_many

_LAZY: dict[str, str] = {
    "GenerationRequest": "i2v_nb.synthesis.request",
    "get_backend": "i2v_nb.synthesis.backend",
    "register_backend": "i2v_nb.synthesis.backend",
    "render_preview": "i2v_nb.synthesis.preview",
    "plan_preview": "i2v_nb.synthesis.preview",
    "validate_preview_params": "i2v_nb.synthesis.preview",
    "models": "i2v_nb.synthesis.registry",
    "get_model": "i2v_nb.synthesis.registry",
    "ModelPreset": "i2v_nb.synthesis.registry",
    "require_capability": "i2v_nb.synthesis.registry",
    "CAPABILITIES": "i2v_nb.synthesis.capabilities",
    "tiny_pipeline": "i2v_nb.testing",
    "TINY_FAMILIES": "i2v_nb.testing",
    "TINY_DEFAULTS": "i2v_nb.testing",
}

__all__ = sorted([*_LAZY, "generate", "generate_many", "default_model", "cuda_available"])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'i2v_nb.synthesis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*__all__, *globals()})


if TYPE_CHECKING:  # pragma: no cover
    from i2v_nb.synthesis.backend import get_backend, register_backend
    from i2v_nb.synthesis.preview import plan_preview, render_preview, validate_preview_params
    from i2v_nb.synthesis.capabilities import CAPABILITIES
    from i2v_nb.synthesis.registry import ModelPreset, get_model, models, require_capability
    from i2v_nb.synthesis.request import GenerationRequest
    from i2v_nb.testing import TINY_DEFAULTS, TINY_FAMILIES, tiny_pipeline
