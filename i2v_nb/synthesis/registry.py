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
is importable from here and from :mod:`i2v_nb.synthesis`. What a model can do is data too
(``preset.capabilities``, :mod:`.capabilities`): :func:`models` filters by it and
:func:`require_capability` is the one rule that refuses a request using what a model lacks.
"""

from __future__ import annotations

from typing import Iterable

from i2v_nb.errors import ParameterError
from i2v_nb.synthesis.capabilities import CAPABILITY_HELP, check_capabilities
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
    "require_capability",
    "check_request_capabilities",
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


def models(*, backend: str | None = None, include_tiny: bool = True,
           can: str | Iterable[str] | None = None) -> list[ModelPreset]:
    """Return the registered presets: real models first, then the CPU ones (``preview``), then
    the tiny twins.

    Args:
        backend: keep only ``"diffusers"`` or ``"preview"`` presets.
        include_tiny: include the ``tiny-*`` test twins.
        can: keep only the models with this capability (a name of
            :data:`~.capabilities.CAPABILITIES`), or with all of a list/tuple of them.

    >>> [m.name for m in models(include_tiny=False)][:2]
    ['svd', 'svd-xt']
    >>> [m.name for m in models(can=["last_frame", "keyframes"], backend="diffusers",
    ...                         include_tiny=False)]
    ['ltx-video-0.9.8-13b-distilled', 'ltx-video-0.9.8-2b-distilled']

    Raises:
        ParameterError: an unknown capability; the message lists the known ones.
    """
    wanted = frozenset() if can is None else check_capabilities(can)
    out = [m for m in _PRESETS.values()
           if (backend is None or m.backend == backend) and (include_tiny or not m.is_tiny)
           and wanted <= m.capabilities]
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


def require_capability(model: str | ModelPreset, capability: str) -> None:
    """Refuse a request that uses ``capability`` with a model that lacks it.

    The message names the models that have it (the tiny twins too when ``model`` is one).

    >>> require_capability("wan2.1-flf2v-720p", "last_frame")
    >>> require_capability("svd", "last_frame")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    i2v_nb.errors.ParameterError: svd does not support 'last_frame' (a last frame as well as the first: last_image=); models that do: framepack, wan2.2-i2v-a14b, wan2.1-flf2v-720p, ...

    Raises:
        ParameterError: the model lacks it, or ``capability`` is not a capability name.
    """
    preset = get_model(model) if isinstance(model, str) else model  # or a preset-like object
    (cap,) = check_capabilities(capability)
    if cap in getattr(preset, "capabilities", ()):
        return
    able = [m.name for m in models(can=cap, include_tiny=bool(getattr(preset, "is_tiny", False)))]
    raise ParameterError(f"{_who(preset)} does not support {cap!r} ({CAPABILITY_HELP[cap]}); "
                         f"models that do: {', '.join(able) or 'none registered'}")


def check_request_capabilities(model: str | ModelPreset, used: Iterable[str]) -> None:
    """Check the capabilities a request uses (:func:`require_capability` for each) and that it
    uses the ones the model needs (``preset.needs``: an FLF2V model needs a last frame).

    >>> check_request_capabilities("tiny-wan-flf2v", ["last_frame"])
    >>> check_request_capabilities("tiny-wan-flf2v", [])
    Traceback (most recent call last):
    ...
    i2v_nb.errors.ParameterError: tiny-wan-flf2v needs 'last_frame' (a last frame as well as the first: last_image=) on every request: give it, or pick a model without that need

    Raises:
        ParameterError: a capability the model lacks, or one it needs and the request lacks.
    """
    preset = get_model(model) if isinstance(model, str) else model
    used_caps = check_capabilities(list(used))
    for cap in sorted(used_caps):
        require_capability(preset, cap)
    for cap in sorted(frozenset(getattr(preset, "needs", ())) - used_caps):
        raise ParameterError(f"{_who(preset)} needs {cap!r} ({CAPABILITY_HELP[cap]}) on every "
                             "request: give it, or pick a model without that need")



def _who(preset: object) -> str:
    """How messages name a preset (or a preset-like object)."""
    return str(getattr(preset, "owner", None) or getattr(preset, "name", "this model"))
