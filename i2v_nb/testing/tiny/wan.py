"""Tiny twins of Wan 2.1 I2V and Wan 2.2 TI2V (``WanImageToVideoPipeline``).

>>> pipe = build_wan(0)                                           # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from i2v_nb.testing.tiny.text import t5_tokenizer, tiny_t5

__all__ = ["build_wan", "build_wan_ti2v"]


def _wan_transformer(*, in_channels: int, out_channels: int, image_dim: int | None) -> Any:
    from diffusers import WanTransformer3DModel

    return WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=in_channels,
        out_channels=out_channels,
        text_dim=32,
        freq_dim=32,
        ffn_dim=32,
        num_layers=1,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
        image_dim=image_dim,
    )


def _wan_scheduler() -> Any:
    from diffusers import UniPCMultistepScheduler

    # The scheduler config of the Wan I2V Diffusers checkpoints (480P: flow_shift 3.0).
    return UniPCMultistepScheduler(
        prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0
    )


def build_wan(seed: int) -> Any:
    """The Wan 2.1 I2V twin: CLIP image encoder, 8x/4x VAE with z_dim 16."""
    import torch
    from diffusers import AutoencoderKLWan, WanImageToVideoPipeline
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    torch.manual_seed(seed)
    vae = AutoencoderKLWan(  # 8x spatial, 4x temporal, z_dim 16: Wan 2.1's VAE layout
        base_dim=3,
        z_dim=16,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        temperal_downsample=[False, True, True],
    )
    torch.manual_seed(seed + 1)
    # in = noise (16) + mask (4 = temporal compression) + image latents (16), as Wan 2.1 I2V.
    transformer = _wan_transformer(in_channels=36, out_channels=16, image_dim=8)
    torch.manual_seed(seed + 2)
    image_encoder = CLIPVisionModel(
        CLIPVisionConfig(
            hidden_size=8,
            projection_dim=8,
            num_hidden_layers=2,  # Wan reads hidden_states[-2]
            num_attention_heads=2,
            intermediate_size=16,
            image_size=32,
            patch_size=8,
        )
    ).eval()
    image_processor = CLIPImageProcessor(crop_size=32, size=32)
    tokenizer = t5_tokenizer()
    torch.manual_seed(seed + 3)
    text_encoder = tiny_t5(len(tokenizer))
    return WanImageToVideoPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        vae=vae,
        scheduler=_wan_scheduler(),
        image_processor=image_processor,
        image_encoder=image_encoder,
        transformer=transformer,
    )


def build_wan_ti2v(seed: int) -> Any:
    """The Wan 2.2 TI2V twin: no image encoder, expand_timesteps, a 16x/4x VAE (z 48)."""
    import torch
    from diffusers import AutoencoderKLWan, WanImageToVideoPipeline

    torch.manual_seed(seed)
    vae = AutoencoderKLWan(  # Wan 2.2's VAE: patch 2 -> 16x spatial, 4x temporal, z_dim 48
        base_dim=3,
        z_dim=48,
        in_channels=12,
        out_channels=12,
        is_residual=True,
        patch_size=2,
        latents_mean=[0.0] * 48,
        latents_std=[1.0] * 48,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        scale_factor_spatial=16,
        scale_factor_temporal=4,
        temperal_downsample=[False, True, True],
    )
    torch.manual_seed(seed + 1)
    transformer = _wan_transformer(in_channels=48, out_channels=48, image_dim=None)
    tokenizer = t5_tokenizer()
    torch.manual_seed(seed + 2)
    text_encoder = tiny_t5(len(tokenizer))
    return WanImageToVideoPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        vae=vae,
        scheduler=_wan_scheduler(),
        image_processor=None,
        image_encoder=None,
        transformer=transformer,
        transformer_2=None,
        boundary_ratio=None,
        expand_timesteps=True,
    )
