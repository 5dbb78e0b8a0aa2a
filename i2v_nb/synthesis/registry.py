"""Model registry: one :class:`ModelPreset` per image-to-video model, with its rules and defaults.

A preset says which diffusers pipeline class and hub id to load, which dtype, whether the model
reads a text prompt, its default resolution / frames / fps / steps / guidance, the rules its
parameters must obey (frame counts such as ``4k+1``, resolution multiples, fixed resolutions,
maximum sizes), its extra knobs (SVD's ``motion_bucket_id`` ...), rough VRAM needs per memory
profile and its licence. The CPU preview engine is a preset too (``get_model("preview")``), with
its own rules as data.

:meth:`ModelPreset.validate` turns a user's request into the parameters the pipeline will really
use: values are snapped to the nearest legal value with a :class:`ParameterSnapped` warning that
says what changed; impossible requests raise :class:`~i2v_nb.errors.ParameterError` naming the
rule.

>>> from i2v_nb.synthesis.registry import get_model
>>> get_model("ltx-video").validate(width=700, height=480, num_frames=50)["num_frames"]  # doctest: +SKIP
49

The registry is the public surface over three one-job modules: :mod:`.preset` (the
:class:`ModelPreset` schema and its rule methods), :mod:`.validation` (the engine behind
:meth:`ModelPreset.validate`) and :mod:`.presets` (the built-in presets, data only). Every name
is importable from here and from :mod:`i2v_nb.synthesis`.
"""

from __future__ import annotations

from i2v_nb.errors import ParameterError
from i2v_nb.synthesis.memory import PROFILES
from i2v_nb.synthesis.preset import COMMON_PARAMS, Knob, ModelPreset
from i2v_nb.synthesis.presets import BUILTIN_PRESETS
from i2v_nb.synthesis.validation import (
    MAX_FRAMES,
    MAX_GUIDANCE,
    MAX_SIDE,
    MAX_STEPS,
    ParameterSnapped,
    PromptIgnored,
    check_fps,
    show_value,
)

__all__ = [
    "ModelPreset",
    "Knob",
    "ParameterSnapped",
    "PromptIgnored",
    "PROFILES",
    "COMMON_PARAMS",
    "MAX_SIDE",
    "MAX_FRAMES",
    "MAX_STEPS",
    "MAX_GUIDANCE",
    "models",
    "get_model",
    "register_model",
    "check_fps",
    "show_value",
]

_PRESETS: dict[str, ModelPreset] = {}


def register_model(preset: ModelPreset, *, replace: bool = False) -> ModelPreset:
    """Add a preset to the registry (e.g. a fine-tune with the same pipeline class).

    Raises:
        ParameterError: the name exists and ``replace`` is False.
    """
    if preset.name in _PRESETS and not replace:
        raise ParameterError(f"a model named {preset.name!r} is already registered; "
                             "pass replace=True to overwrite it")
    _PRESETS[preset.name] = preset
    return preset


for _p in BUILTIN_PRESETS:
    register_model(_p)


def models(*, backend: str | None = None, include_tiny: bool = True) -> list[ModelPreset]:
    """Return the registered presets: real models first, then the CPU ones (``preview``), then
    the tiny twins.

    Args:
        backend: keep only ``"diffusers"`` or ``"preview"`` presets.
        include_tiny: include the ``tiny-*`` test twins.

    >>> [m.name for m in models(include_tiny=False)][:2]
    ['svd', 'svd-xt']
    """
    out = [m for m in _PRESETS.values()
           if (backend is None or m.backend == backend) and (include_tiny or not m.is_tiny)]
    order = list(_PRESETS)
    return sorted(out, key=lambda m: (m.is_tiny, not m.needs_gpu, order.index(m.name)))


def get_model(name: str | ModelPreset) -> ModelPreset:
    """Return the preset called ``name`` (case-insensitive; a preset is returned as is).

    >>> get_model("svd-xt").hub_id
    'stabilityai/stable-video-diffusion-img2vid-xt'

    Raises:
        ParameterError: no preset has that name; the message lists the names.
    """
    if isinstance(name, ModelPreset):
        return name
    if not isinstance(name, str):
        raise ParameterError(f"model must be a preset name (str), got {type(name).__name__}")
    key = name.strip().lower()
    if key in _PRESETS:
        return _PRESETS[key]
    for p in _PRESETS.values():  # also accept a hub id
        if p.hub_id and p.hub_id.lower() == key:
            return p
    raise ParameterError(f"unknown model {name!r}; registered models: {', '.join(_PRESETS)}")
