"""Tiny twins of LTX-Video: ``LTXImageToVideoPipeline`` (0.9.x I2V) and ``LTXConditionPipeline``
(0.9.5+: conditions at any frame index; the 0.9.8 distilled checkpoints).

>>> pipe = build_ltx(0)                                           # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from i2v_nb.testing.tiny.text import t5_tokenizer, tiny_t5

__all__ = ["build_ltx", "build_ltx_condition", "build_ltx_latent_upsampler"]


def build_ltx(seed: int) -> Any:
    """The LTX-Video twin: a 1-layer transformer, a 32x/8x VAE, a 2-layer T5."""
    from diffusers import LTXImageToVideoPipeline

    return LTXImageToVideoPipeline(**_components(seed))


def build_ltx_condition(seed: int) -> Any:
    """The LTX condition twin (LTX-Video 0.9.8 distilled): the same components as the LTX-Video
    twin in ``LTXConditionPipeline``, which takes images (or videos) at any frame index."""
    from diffusers import LTXConditionPipeline

    parts = _components(seed)
    # LTXConditionPipeline sets its own timesteps and never passes the scheduler a `mu`, so its
    # checkpoints run without dynamic shifting (set_timesteps raises otherwise)
    parts["scheduler"] = type(parts["scheduler"]).from_config(parts["scheduler"].config,
                                                              use_dynamic_shifting=False)
    return LTXConditionPipeline(**parts)


def build_ltx_latent_upsampler(seed: int) -> Any:
    """The twin of LTX-Video's spatial latent upsampler (``LTXLatentUpsamplePipeline``): the
    LTX twin's VAE and an ``LTXLatentUpsamplerModel`` of one residual block per stage (32
    channels; the real one has 512 and 4), which doubles the latent's width and height."""
    import torch
    from diffusers import LTXLatentUpsamplePipeline
    from diffusers.pipelines.ltx.modeling_latent_upsampler import LTXLatentUpsamplerModel

    vae = _components(seed)["vae"]
    torch.manual_seed(seed + 7)
    upsampler = LTXLatentUpsamplerModel(in_channels=vae.config.latent_channels, mid_channels=32,
                                        num_blocks_per_stage=1, spatial_upsample=True,
                                        temporal_upsample=False)
    return LTXLatentUpsamplePipeline(vae=vae, latent_upsampler=upsampler)


def _components(seed: int) -> dict[str, Any]:
    """The tiny LTX components: transformer, 32x/8x VAE, scheduler, T5 and its tokenizer."""
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXVideoTransformer3DModel,
    )

    torch.manual_seed(seed)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8,
        out_channels=8,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=4,
        attention_head_dim=8,
        cross_attention_dim=32,
        num_layers=1,
        caption_channels=32,
    )
    torch.manual_seed(seed + 1)
    # Patch 4 and three space-time scalings: 32x spatial and 8x temporal compression, as the
    # real LTX-Video VAE (sizes multiple of 32, 8k+1 frames).
    vae = AutoencoderKLLTXVideo(
        latent_channels=8,
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True, False),
        decoder_spatio_temporal_scaling=(True, True, True, False),
        decoder_inject_noise=(False, False, False, False, False),
        upsample_residual=(False, False, False, False),
        upsample_factor=(1, 1, 1, 1),
        timestep_conditioning=False,
        patch_size=4,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
    )
    vae.use_framewise_encoding = False
    vae.use_framewise_decoding = False
    scheduler = FlowMatchEulerDiscreteScheduler(
        use_dynamic_shifting=True,
        base_shift=0.95,
        max_shift=2.05,
        base_image_seq_len=1024,
        max_image_seq_len=4096,
        shift_terminal=0.1,
    )
    tokenizer = t5_tokenizer()
    torch.manual_seed(seed + 2)
    text_encoder = tiny_t5(len(tokenizer))
    return dict(
        scheduler=scheduler,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        transformer=transformer,
    )
