"""The speed switches of ``generate`` for diffusers models, as data: names, choices, one-line help.

Each switch is a keyword of :func:`~i2v_nb.synthesis.generate` (a backend option, like
``profile``) checked here before any work, without importing torch:

=========================  ========================================================  =========
switch                     what it does (diffusers 0.42.1)                           applied
=========================  ========================================================  =========
``cache``                  reuses denoiser work between steps: ``"first_block"``     per call
                           (``FirstBlockCacheConfig``), ``"mag"`` (``MagCacheConfig``,
                           calibrated on the first call), ``"taylorseer"``
                           (``TaylorSeerCacheConfig``), ``"faster"``
                           (``FasterCacheConfig``); on every denoiser (both Wan 2.2
                           experts), removed after the call
``cache_threshold``        how different a step may be before it is recomputed       per call
                           (``first_block``, ``mag``); ``None``: the family's default
``compile``                ``compile_repeated_blocks()``: the repeated transformer   per load
                           blocks compiled once per loaded pipeline
``attention``              ``set_attention_backend``: ``"sdpa"`` (PyTorch),          per call
                           ``"flash"``, ``"flash3"``, ``"sage"``, ``"xformers"``,
                           ``"flex"``
``quantize``               the denoiser's weights: ``"int8"`` (torchao weight-only), per load
                           ``"nf4"`` (bitsandbytes 4-bit), ``"fp8-storage"``
                           (``enable_layerwise_casting``: stored in float8, computed
                           in the run's dtype)
``quantize_text_encoder``  the same for the text encoder(s)                          per load
=========================  ========================================================  =========

"per load" switches are part of what identifies the cached pipeline: changing one reloads it.
A widget reads :data:`SPEED_SWITCHES` (choices, default, help) to build its controls.

>>> check_speed_options({"cache": "first_block", "compile": True})
{'cache': 'first_block', 'compile': True}
>>> SPEED_SWITCHES["cache"].choices
(None, 'first_block', 'mag', 'taylorseer', 'faster')
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any, Mapping

from i2v_nb.errors import ModelUnavailable, ParameterError

__all__ = [
    "SpeedSwitch",
    "SPEED_SWITCHES",
    "CACHE_MODES",
    "QUANTIZE_MODES",
    "ATTENTION_BACKENDS",
    "CACHE_DEFAULTS",
    "LOAD_SWITCHES",
    "check_speed_options",
    "precheck_speed",
    "default_cache_threshold",
    "torchao_usable",
]


@dataclass(frozen=True)
class SpeedSwitch:
    """One speed switch: its values, its default and one line of help (data for widgets)."""

    name: str
    kind: str  # "choice", "bool" or "float"
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None  # kind "choice": the values, None = off
    needs: str = ""  # what it needs to run, in words


CACHE_MODES: tuple[str, ...] = ("first_block", "mag", "taylorseer", "faster")
QUANTIZE_MODES: tuple[str, ...] = ("int8", "nf4", "fp8-storage")
#: our name -> diffusers' ``AttentionBackendName`` value, and what it needs (package, CUDA).
ATTENTION_BACKENDS: dict[str, tuple[str, str | None, bool]] = {
    "sdpa": ("native", None, False),  # torch.nn.functional.scaled_dot_product_attention
    "flash": ("flash", "flash_attn", True),
    "flash3": ("_flash_3", "flash_attn_interface", True),
    "sage": ("sage", "sageattention", True),
    "xformers": ("xformers", "xformers", True),
    "flex": ("flex", None, False),  # torch >= 2.5
}
_PIP = {"flash_attn": "flash-attn", "flash_attn_interface": "flash-attn 3 (built from source)",
        "sageattention": "sageattention", "xformers": "xformers", "torchao": "torchao>=0.15",
        "bitsandbytes": "bitsandbytes"}

SPEED_SWITCHES: dict[str, SpeedSwitch] = {s.name: s for s in (
    SpeedSwitch("cache", "choice", None,
                "reuse the denoiser's work between similar steps: faster, frames slightly different",
                choices=(None, *CACHE_MODES),
                needs="a transformer model (not SVD); 'mag' calibrates on its first call"),
    SpeedSwitch("cache_threshold", "float", None,
                "how different a step may be before it is recomputed (higher = faster, rougher); "
                "None = the family's default",
                needs="cache='first_block' or 'mag'"),
    SpeedSwitch("compile", "bool", False,
                "compile the repeated transformer blocks once per loaded model: the first call is "
                "slower, the next ones faster", needs="a GPU to pay off"),
    SpeedSwitch("attention", "choice", None,
                "the attention kernel: 'sdpa' (PyTorch), 'flash', 'flash3', 'sage', 'xformers', "
                "'flex'; None = diffusers' default",
                choices=(None, *ATTENTION_BACKENDS),
                needs="flash/flash3/sage/xformers: a CUDA GPU and their package; a model whose "
                "attention dispatches through diffusers (not CogVideoX or SVD)"),
    SpeedSwitch("quantize", "choice", None,
                "store the denoiser's weights in fewer bits: less memory, frames slightly different",
                choices=(None, *QUANTIZE_MODES),
                needs="int8: torchao>=0.15; nf4: a CUDA GPU and bitsandbytes; fp8-storage: nothing"),
    SpeedSwitch("quantize_text_encoder", "choice", None,
                "store the text encoder's weights in fewer bits (it runs once per clip)",
                choices=(None, *QUANTIZE_MODES),
                needs="a model that reads a prompt; packages as for quantize"),
)}

#: switches applied when the pipeline is loaded (part of the cached pipeline's identity).
LOAD_SWITCHES: tuple[str, ...] = ("compile", "quantize", "quantize_text_encoder")

#: family -> cache mode -> default ``cache_threshold``. first_block: diffusers PR #11180
#: (https://github.com/huggingface/diffusers/pull/11180), "values below 0.2 work well ...
#: higher values lead to blurring": at 0.1 HunyuanVideo 121.9 -> 41.8 s, Wan 222.2 -> 90.0 s;
#: LTX-Video was also run at 0.03/0.05 (33.6 -> 27.1 / 21.7 s), so it gets 0.05; CogVideoX has no
#: published figure: diffusers' own default 0.05. mag: ``MagCacheConfig``'s default 0.06 (the
#: MagCache paper's, arXiv:2506.09045) for every family.
CACHE_DEFAULTS: dict[str, dict[str, float]] = {
    "wan": {"first_block": 0.1, "mag": 0.06},
    "hunyuan": {"first_block": 0.1, "mag": 0.06},
    "framepack": {"first_block": 0.1, "mag": 0.06},
    "ltx": {"first_block": 0.05, "mag": 0.06},
    "cogvideox": {"first_block": 0.05, "mag": 0.06},
}
_FALLBACK = {"first_block": 0.05, "mag": 0.06}  # diffusers' config defaults


def default_cache_threshold(family: str, mode: str) -> float | None:
    """The default ``cache_threshold`` of a cache mode for a family (``None``: it takes none).

    >>> default_cache_threshold("wan", "first_block"), default_cache_threshold("wan", "faster")
    (0.1, None)
    """
    if mode not in _FALLBACK:
        return None
    return CACHE_DEFAULTS.get(family, _FALLBACK).get(mode, _FALLBACK[mode])


def check_speed_options(options: Mapping[str, Any], *, backend: str = "diffusers") -> dict[str, Any]:
    """The speed switches in ``options`` checked and normalised (others are not returned).

    Off values (``None``, ``False``) are dropped, so an empty dict means "no switch".

    Raises:
        ParameterError: a value outside the switch's choices, a ``cache_threshold`` without a
            cache mode that reads it, or a switch for the preview engine (it has none).
    """
    out: dict[str, Any] = {}
    for name, switch in SPEED_SWITCHES.items():
        value = options.get(name)
        if value is None or value is False:
            continue
        if switch.kind == "choice":
            if not isinstance(value, str) or value not in switch.choices:
                raise ParameterError(
                    f"{name}={value!r} is not a choice; use one of "
                    f"{', '.join(map(repr, switch.choices))} ({switch.help})")
        elif switch.kind == "bool":  # Python's or numpy's True
            if type(value).__name__ not in ("bool", "bool_") or not value:
                raise ParameterError(f"{name}={value!r}: must be True or False")
            value = True
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not 0.0 < float(value) <= 1.0:
                raise ParameterError(f"{name}={value!r}: must be a number in (0, 1], e.g. 0.05 "
                                     "or 0.1 (above 0.2 blurs, per diffusers PR #11180)")
            value = float(value)
        out[name] = value
    if "cache_threshold" in out and out.get("cache") not in ("first_block", "mag"):
        raise ParameterError(
            f"cache_threshold={out['cache_threshold']} is read only by cache='first_block' or "
            f"'mag' (cache={out.get('cache')!r}); drop it or pick one of those modes")
    if out and backend == "preview":
        raise ParameterError(f"{', '.join(sorted(out))}: speed switches of diffusers models; the "
                             "preview engine has none (it runs in about a second per clip)")
    return out


def torchao_usable() -> bool:
    """Whether torchao >= 0.15 is installed (what diffusers 0.42's ``TorchAoConfig`` requires),
    read from the package metadata without importing it."""
    if importlib.util.find_spec("torchao") is None:
        return False
    from importlib.metadata import PackageNotFoundError, version

    try:
        parts = version("torchao").split(".")[:2]
        return (int(parts[0]), int("".join(c for c in parts[1] if c.isdigit()) or 0)) >= (0, 15)
    except (PackageNotFoundError, ValueError, IndexError):
        return False


def _missing(package: str) -> bool:
    return importlib.util.find_spec(package) is None


def precheck_speed(preset: Any, speed: Mapping[str, Any], *, cuda: bool) -> None:
    """Refuse, before any work, a switch this model, machine or installation cannot run.

    Args:
        preset: the model (its ``family``, ``uses_prompt``).
        speed: output of :func:`check_speed_options`.
        cuda: whether the run will be on a CUDA GPU.

    Raises:
        ParameterError: the model or the device cannot take the switch (SVD and a cache; nf4,
            flash, sage... on a CPU; a text-encoder switch for a model without text).
        ModelUnavailable: the package the switch needs is missing (the message says what to
            install).
    """
    where = "a CUDA GPU" if cuda else "this run, which is on the CPU"
    if speed.get("cache") and preset.family == "svd":
        raise ParameterError(
            f"cache={speed['cache']!r}: {preset.name}'s UNet has no cache hooks in diffusers (only "
            "transformer models do); use compile=True or a lighter profile instead")
    if speed.get("quantize_text_encoder") and not preset.uses_prompt:
        raise ParameterError(f"quantize_text_encoder: {preset.name} reads no prompt, so it has no "
                             "text encoder to quantize; use quantize= for its denoiser")
    name = speed.get("attention")
    if name:
        _value, package, needs_cuda = ATTENTION_BACKENDS[name]
        if needs_cuda and not cuda:
            raise ParameterError(f"attention={name!r} needs a CUDA GPU and {where}; use "
                                 "attention='sdpa' (or None) here")
        if package and _missing(package):
            raise ModelUnavailable(f"attention={name!r} needs the {package} package, which is not "
                                   f"installed: pip install {_PIP[package]} (or use "
                                   "attention='sdpa')")
    for key in ("quantize", "quantize_text_encoder"):
        mode = speed.get(key)
        if mode == "nf4":
            if not cuda:
                raise ParameterError(f"{key}='nf4' (bitsandbytes 4-bit) needs a CUDA GPU and "
                                     f"{where}; use {key}='int8' (torchao) or 'fp8-storage'")
            if _missing("bitsandbytes"):
                raise ModelUnavailable(f"{key}='nf4' needs bitsandbytes: pip install bitsandbytes")
        elif mode == "int8" and not torchao_usable():
            raise ModelUnavailable(
                f"{key}='int8' needs torchao >= 0.15 (diffusers 0.42's TorchAoConfig requires it; "
                "Colab ships 0.10): pip install -U 'torchao>=0.15', or use "
                f"{key}='fp8-storage', which needs no package")
