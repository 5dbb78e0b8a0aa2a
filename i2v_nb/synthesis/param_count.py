"""Count a model's parameters, buffers, largest block and geometry (what the memory plan reads).

One function for every source: :func:`count_module` counts a module built on PyTorch's ``meta``
device from a hub config (``scripts/count_model_params.py``, which writes
:mod:`.model_sizes`), a tiny twin, or a loaded pipeline (:func:`counts_from_pipeline`).

>>> import torch
>>> count_module(torch.nn.Linear(4, 2)).params
10
>>> role_of("transformer_2"), role_of("text_encoder_2"), role_of("vae")
('denoiser', 'text_encoder', 'vae')
"""

from __future__ import annotations

from typing import Any

from i2v_nb.synthesis.model_sizes import Count

__all__ = ["DENOISERS", "count_module", "counts_from_pipeline", "role_of"]

#: pipeline component names of the denoisers (Wan 2.2 A14B has two experts)
DENOISERS: tuple[str, ...] = ("transformer", "transformer_2", "unet")


def role_of(name: str) -> str:
    """A pipeline component's role from its name: ``denoiser``, ``vae``, ``text_encoder``,
    ``image_encoder`` or ``other``."""
    if name in DENOISERS:
        return "denoiser"
    if name == "vae":
        return "vae"
    if name.startswith("text_encoder"):
        return "text_encoder"
    if name.startswith("image_encoder"):
        return "image_encoder"
    return "other"


def _block_params(module: Any) -> int:
    """Parameters of the largest block that block-level group offloading moves at once: a child
    of a top-level ``ModuleList``/``Sequential`` (diffusers ``hooks/group_offloading.py``)."""
    import torch

    best = 0
    for child in module.children():
        if isinstance(child, (torch.nn.ModuleList, torch.nn.Sequential)):
            for block in child:
                best = max(best, sum(p.numel() for p in block.parameters()))
    return best


def _patch(config: dict[str, Any]) -> tuple[int, int, int]:
    p = config.get("patch_size", 1) or 1
    if isinstance(p, (list, tuple)):
        t, h, w = (int(v) for v in p)
        return t, h, w
    return int(config.get("patch_size_t") or 1), int(p), int(p)


def _compression(module: Any, config: dict[str, Any]) -> tuple[int, int]:
    """``(spatial, temporal)`` compression of a VAE, read as its pipelines read it."""
    own = vars(module)  # LTX's VAE computes its ratios as plain attributes
    spatial = (own.get("spatial_compression_ratio") or config.get("spatial_compression_ratio")
               or config.get("scale_factor_spatial"))
    if not isinstance(spatial, int):
        spatial = 2 ** (len(config.get("block_out_channels", (0,))) - 1)
    temporal = (own.get("temporal_compression_ratio") or config.get("temporal_compression_ratio")
                or config.get("scale_factor_temporal") or 1)
    return int(spatial), int(temporal)


def _decoder_width(config: dict[str, Any]) -> int:
    """Channels of a VAE decoder's last (full-resolution) stage, as its config names them."""
    for key in ("decoder_base_dim", "base_dim"):  # Wan
        if config.get(key):
            return int(config[key])
    for key in ("decoder_block_out_channels", "block_out_channels"):  # LTX's decoder, others
        if config.get(key):
            return int(config[key][0])
    return 0


def count_module(module: Any, *, role: str = "") -> Count:
    """Count one component: class, parameters, buffer bytes, largest block, geometry.

    Works on the ``meta`` device too (shapes only), which is how the real models are counted.

    Args:
        module: a ``torch.nn.Module`` (a diffusers or transformers model).
        role: ``"denoiser"`` or ``"vae"`` to record their geometry (a VAE's ``hidden`` is its
            decoder's full-resolution width, its ``patch`` the pixel patch); others record none.
    """
    params = sum(p.numel() for p in module.parameters())
    buffer_bytes = sum(b.numel() * b.element_size() for b in module.buffers())
    config = getattr(module, "config", None)
    config = dict(config) if config is not None and hasattr(config, "keys") else {}
    extra: dict[str, Any] = {}
    if role == "denoiser":
        heads, dim = config.get("num_attention_heads"), config.get("attention_head_dim")
        if isinstance(heads, int) and isinstance(dim, int):
            hidden = heads * dim
        else:  # a UNet: the channels of its first (highest-resolution) block
            hidden = int(config.get("block_out_channels", (0,))[0])
        extra = dict(block_params=_block_params(module), hidden=hidden, patch=_patch(config))
    elif role == "vae":
        latent = config.get("latent_channels") or config.get("z_dim") or 0
        extra = dict(compression=_compression(module, config), latent_channels=int(latent),
                     hidden=_decoder_width(config), patch=_patch(config))
    return Count(type(module).__name__, int(params), int(buffer_bytes), **extra)


def counts_from_pipeline(pipe: Any) -> dict[str, Count]:
    """Count every ``torch.nn.Module`` component of a built pipeline, by component name.

    >>> from i2v_nb.testing import tiny_pipeline
    >>> sorted(counts_from_pipeline(tiny_pipeline("wan")))             # doctest: +SKIP
    ['image_encoder', 'text_encoder', 'transformer', 'vae']
    """
    import torch

    return {name: count_module(module, role=role_of(name))
            for name, module in getattr(pipe, "components", {}).items()
            if isinstance(module, torch.nn.Module)}
