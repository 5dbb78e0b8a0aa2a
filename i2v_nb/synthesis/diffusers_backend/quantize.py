"""Quantized weights for the denoiser(s) and the text encoder(s), chosen when a model is loaded.

==============  ==============================================================================
mode            how (diffusers 0.42.1 / transformers 5)
==============  ==============================================================================
``int8``        torchao ``Int8WeightOnlyConfig()`` in ``TorchAoConfig`` (diffusers' for the
                denoisers, transformers' for the text encoders), passed as
                ``PipelineQuantizationConfig(quant_mapping=...)`` to ``from_pretrained``: the
                weights are quantized as they load. Runs on CPU and GPU; needs torchao >= 0.15.
``nf4``         bitsandbytes 4-bit NF4 (``BitsAndBytesConfig(load_in_4bit=True,
                bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=<run dtype>)``), the same way.
                CUDA only.
``fp8-storage`` after loading, ``model.enable_layerwise_casting(storage_dtype=float8_e4m3fn,
                compute_dtype=<run dtype>)`` (``diffusers.hooks.apply_layerwise_casting`` for a
                transformers text encoder): weights stored in 8 bits, each layer cast up as it
                runs. Norms, embeddings of positions/patches, the layers the model keeps in
                float32 (T5's ``wo``) and a text encoder's first layer (whose dtype
                transformers reports as the model's, and pipelines cast inputs to) stay as they
                are. Runs anywhere.
==============  ==============================================================================

Tiny twins are built in code, so for ``int8``/``nf4`` a twin is saved and loaded back through
the same ``from_pretrained(quantization_config=...)`` path a real model takes.

>>> weight_bytes(__import__("torch").nn.Linear(4, 2))
40
"""

from __future__ import annotations

import inspect
import re
from typing import Any

__all__ = ["quantization_mapping", "quantize_twin", "apply_fp8_storage", "weight_bytes",
           "denoiser_names", "text_encoder_names", "component_config"]

_DENOISERS = ("transformer", "transformer_2", "unet")
_FP8_SKIP = ("pos_embed", "patch_embed", "norm", "^proj_in$", "^proj_out$")  # diffusers' default


def denoiser_names(names: Any) -> list[str]:
    """The denoiser components among ``names``."""
    return [n for n in names if n in _DENOISERS]


def text_encoder_names(names: Any) -> list[str]:
    """The text-encoder components among ``names`` (``text_encoder``, ``text_encoder_2``...)."""
    return [n for n in names if n.startswith("text_encoder")]


def _component_names(pipeline_cls: type) -> list[str]:
    """The components a pipeline class takes (its ``__init__`` parameters)."""
    return [n for n in inspect.signature(pipeline_cls.__init__).parameters if n != "self"]


def _config(mode: str, library: str, compute_dtype: Any) -> Any:
    """One component's quantization config for ``mode`` ("int8" or "nf4") and library."""
    module = __import__(library)
    if mode == "int8":
        from torchao.quantization import Int8WeightOnlyConfig

        return module.TorchAoConfig(Int8WeightOnlyConfig())
    return module.BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                     bnb_4bit_compute_dtype=compute_dtype)


def quantization_mapping(pipeline_cls: type, *, quantize: str | None = None,
                         quantize_text_encoder: str | None = None, compute_dtype: Any,
                         skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """``{component: quantization config}`` for the load-time modes (``int8``, ``nf4``).

    Args:
        pipeline_cls: the diffusers pipeline class (its components are read from ``__init__``).
        quantize, quantize_text_encoder: the modes (``fp8-storage`` and ``None`` add nothing).
        compute_dtype: the dtype the weights compute in (bitsandbytes' ``compute_dtype``).
        skip: components loaded separately (they get their config from :func:`component_config`).
    """
    names = [n for n in _component_names(pipeline_cls) if n not in skip]
    mapping: dict[str, Any] = {}
    for mode, parts, library in ((quantize, denoiser_names(names), "diffusers"),
                                 (quantize_text_encoder, text_encoder_names(names), "transformers")):
        if mode in ("int8", "nf4"):
            for name in parts:
                mapping[name] = _config(mode, library, compute_dtype)
    return mapping


def component_config(name: str, library: str, *, quantize: str | None = None,
                     quantize_text_encoder: str | None = None,
                     compute_dtype: Any = None) -> Any | None:
    """The quantization config of one separately loaded component, or ``None``."""
    mode = quantize if name in _DENOISERS else \
        quantize_text_encoder if name.startswith("text_encoder") else None
    if mode not in ("int8", "nf4"):
        return None
    return _config(mode, library.split(".")[0], compute_dtype)



def quantize_twin(pipe: Any, *, quantize: str | None = None,
                  quantize_text_encoder: str | None = None, dtype: Any) -> Any:
    """A tiny twin with ``int8``/``nf4`` weights: saved, then loaded back with
    ``PipelineQuantizationConfig`` exactly as a real model loads (other modes: ``pipe`` itself)."""
    mapping = quantization_mapping(type(pipe), quantize=quantize,
                                   quantize_text_encoder=quantize_text_encoder,
                                   compute_dtype=dtype)
    mapping = {k: v for k, v in mapping.items() if getattr(pipe, k, None) is not None}
    if not mapping:
        return pipe
    import tempfile

    from diffusers import PipelineQuantizationConfig

    with tempfile.TemporaryDirectory(prefix="i2v_nb_twin_") as folder:
        pipe.save_pretrained(folder)
        return type(pipe).from_pretrained(
            folder, quantization_config=PipelineQuantizationConfig(quant_mapping=mapping),
            dtype=dtype, use_safetensors=True)


def apply_fp8_storage(pipe: Any, *, quantize: str | None = None,
                      quantize_text_encoder: str | None = None, compute_dtype: Any) -> list[str]:
    """Store the chosen components' weights in float8 (layerwise casting); returns what was done."""
    import torch
    from diffusers.hooks import apply_layerwise_casting

    names = [n for n, c in getattr(pipe, "components", {}).items() if c is not None]
    chosen = (denoiser_names(names) if quantize == "fp8-storage" else []) + \
        (text_encoder_names(names) if quantize_text_encoder == "fp8-storage" else [])
    done = []
    for name in chosen:
        module = getattr(pipe, name)
        keep = tuple(rf"(^|\.){re.escape(k)}$"
                     for k in (getattr(module, "_keep_in_fp32_modules", None) or ()))
        if hasattr(module, "enable_layerwise_casting"):  # a diffusers model
            module.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn,
                                            compute_dtype=compute_dtype)
        else:  # transformers' ``model.dtype`` is its first floating parameter's, which
            # pipelines read to cast their inputs (LTX): that layer keeps the compute dtype
            first = next((p for p in module.parameters() if p.is_floating_point()), None)
            keep += tuple(rf"^{re.escape(n)}$" for n, m in  # every layer holding it (T5 ties two)
                          module.named_modules(remove_duplicate=False)
                          if any(p is first for p in m.parameters(recurse=False)))
            apply_layerwise_casting(module, storage_dtype=torch.float8_e4m3fn,
                                    compute_dtype=compute_dtype,
                                    skip_modules_pattern=_FP8_SKIP + keep)
        done.append(f"{name}: fp8-storage")
    return done


def _tensor_bytes(t: Any) -> int:
    """Bytes a tensor really stores: a tensor subclass (torchao) counts its inner tensors."""
    flatten = getattr(t, "__tensor_flatten__", None)
    if flatten is not None:
        names, _ctx = flatten()
        return sum(_tensor_bytes(getattr(t, n)) for n in names)
    return t.numel() * t.element_size()


def weight_bytes(module: Any) -> int:
    """Bytes of a module's parameters and buffers as stored (quantized ones at their real size)."""
    tensors = {id(t): t for t in (*module.parameters(), *module.buffers())}
    return sum(_tensor_bytes(t) for t in tensors.values())
