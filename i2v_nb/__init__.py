"""i2v_nb — a Jupyter-native image-to-video toolkit.

``image → analyze → parse_prompt → generate → Clip → show / save / History → continuity_report``

>>> import i2v_nb
>>> image = i2v_nb.sample_image("lake")                   # doctest: +SKIP
>>> clip = i2v_nb.generate(image, "slow zoom in, clouds drifting")  # doctest: +SKIP
>>> clip.show()                                            # doctest: +SKIP

Public names are imported lazily, so ``import i2v_nb`` stays fast (torch and diffusers load only
when a function that needs them runs).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    # errors and warnings
    "I2VError": "i2v_nb.errors",
    "I2VWarning": "i2v_nb.errors",
    "ImageInputError": "i2v_nb.errors",
    "VideoInputError": "i2v_nb.errors",
    "ParameterError": "i2v_nb.errors",
    "ModelUnavailable": "i2v_nb.errors",
    "GenerationStopped": "i2v_nb.errors",
    "OutOfMemory": "i2v_nb.errors",
    "HistoryError": "i2v_nb.errors",
    # images, video, clips, history
    "load_image": "i2v_nb.io",
    "fit_image": "i2v_nb.io",
    "read_video": "i2v_nb.clip",
    "write_video": "i2v_nb.io",
    "to_uint8": "i2v_nb._media",
    "Clip": "i2v_nb.clip",
    "History": "i2v_nb.history",
    "sample_image": "i2v_nb.samples",
    "sample_names": "i2v_nb.samples",
    # structure analysis
    "analyze": "i2v_nb.analysis",
    "StructureReport": "i2v_nb.analysis",
    "suggest_prompts": "i2v_nb.analysis",
    # prompting
    "MotionSpec": "i2v_nb.prompting",
    "parse_prompt": "i2v_nb.prompting",
    "build_prompt": "i2v_nb.prompting",
    "prompt_variations": "i2v_nb.prompting",
    # synthesis
    "generate": "i2v_nb.synthesis",
    "generate_many": "i2v_nb.synthesis",
    "models": "i2v_nb.synthesis",
    "get_model": "i2v_nb.synthesis",
    "plan": "i2v_nb.synthesis.plan",
    "Plan": "i2v_nb.synthesis.plan",
    "restore": "i2v_nb.synthesis.restore",
    "Run": "i2v_nb.synthesis.restore",
    # diagnostics
    "continuity_report": "i2v_nb.diagnostics",
    "ContinuityReport": "i2v_nb.diagnostics",
    "check_camera": "i2v_nb.diagnostics",
    "compare_clips": "i2v_nb.diagnostics",
    "loop_seam": "i2v_nb.diagnostics",
    # editing a clip
    "extend": "i2v_nb.editing",
    "interpolate": "i2v_nb.editing",
    "upscale": "i2v_nb.editing",
    "color_match": "i2v_nb.editing",
    "Sweep": "i2v_nb.sweeps",
    # widgets
    "Studio": "i2v_nb.widgets",
}

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'i2v_nb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: the next access skips __getattr__
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from i2v_nb._media import to_uint8
    from i2v_nb.analysis import StructureReport, analyze, suggest_prompts
    from i2v_nb.clip import Clip, read_video
    from i2v_nb.diagnostics import (
        ContinuityReport,
        check_camera,
        compare_clips,
        continuity_report,
        loop_seam,
    )
    from i2v_nb.editing import color_match, extend, interpolate, upscale
    from i2v_nb.errors import (
        GenerationStopped,
        HistoryError,
        I2VError,
        I2VWarning,
        ImageInputError,
        ModelUnavailable,
        OutOfMemory,
        ParameterError,
        VideoInputError,
    )
    from i2v_nb.history import History
    from i2v_nb.io import fit_image, load_image, write_video
    from i2v_nb.prompting import MotionSpec, build_prompt, parse_prompt, prompt_variations
    from i2v_nb.samples import sample_image, sample_names
    from i2v_nb.synthesis import generate, generate_many, get_model, models
    from i2v_nb.synthesis.plan import Plan, plan
    from i2v_nb.sweeps import Sweep
    from i2v_nb.synthesis.restore import Run, restore
    from i2v_nb.widgets import Studio
