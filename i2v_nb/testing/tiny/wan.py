"""Tiny twins of Wan 2.1 I2V / FLF2V and Wan 2.2 TI2V / I2V-A14B (``WanImageToVideoPipeline``).

>>> pipe = build_wan(0)                                           # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from i2v_nb.testing.tiny.text import t5_tokenizer, tiny_t5

__all__ = ["build_wan", "build_wan_ti2v", "build_wan_a14b", "build_wan_flf2v", "wan21_vae",
           "wan_scheduler", "clip_image_encoder", "wan21_i2v_parts", "TINY_WAN_TRANSFORMER"]


#: The shrunk Wan 2.1 transformer (1 layer, 2 x 12 heads), shared by the SkyReels-V2 twins, which
#: are built on the same architecture.
TINY_WAN_TRANSFORMER: dict[str, Any] = dict(
    patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, text_dim=32, freq_dim=32,
    ffn_dim=32, num_layers=1, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
    rope_max_seq_len=32)


def _wan_transformer(*, in_channels: int, out_channels: int, image_dim: int | None,
                     pos_embed_seq_len: int | None = None) -> Any:
    from diffusers import WanTransformer3DModel

    return WanTransformer3DModel(**TINY_WAN_TRANSFORMER, in_channels=in_channels,
                                 out_channels=out_channels, image_dim=image_dim,
                                 pos_embed_seq_len=pos_embed_seq_len)


def wan_scheduler(flow_shift: float = 3.0) -> Any:
    from diffusers import UniPCMultistepScheduler

    # The scheduler config of the Wan I2V Diffusers checkpoints (480P: flow_shift 3.0).
    return UniPCMultistepScheduler(
        prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=flow_shift
    )


def wan21_vae() -> Any:
    from diffusers import AutoencoderKLWan

    return AutoencoderKLWan(  # 8x spatial, 4x temporal, z_dim 16: Wan 2.1's VAE layout
        base_dim=3,
        z_dim=16,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        temperal_downsample=[False, True, True],
    )


def clip_image_encoder() -> tuple[Any, Any]:
    """A 2-layer, 8-wide CLIP vision tower at 32 px, patch 8 (17 tokens), and its processor."""
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    encoder = CLIPVisionModel(
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
    return encoder, CLIPImageProcessor(crop_size=32, size=32)


def wan21_i2v_parts(seed: int, make_transformer: Any, *, flf2v: bool = False) -> dict[str, Any]:
    """The components every Wan 2.1 I2V-layout twin shares (Wan 2.1 I2V and FLF2V, SkyReels-V2
    I2V and FLF2V), seeded in one order: the 8x/4x VAE (``seed``), the transformer
    ``make_transformer()`` makes (``seed + 1``), the CLIP image encoder (``seed + 2``) and the T5
    text encoder (``seed + 3``). ``flf2v``: the image embedder's positions for the first and the
    last frame's CLIP tokens drawn at random (trained in the real checkpoints; zeros would hide
    them)."""
    import torch

    torch.manual_seed(seed)
    vae = wan21_vae()
    torch.manual_seed(seed + 1)
    transformer = make_transformer()
    if flf2v:
        with torch.no_grad():
            transformer.condition_embedder.image_embedder.pos_embed.normal_(std=0.5)
    torch.manual_seed(seed + 2)
    image_encoder, image_processor = clip_image_encoder()
    tokenizer = t5_tokenizer()
    torch.manual_seed(seed + 3)
    text_encoder = tiny_t5(len(tokenizer))
    return dict(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae,
                image_processor=image_processor, image_encoder=image_encoder,
                transformer=transformer)


def build_wan(seed: int, *, flf2v: bool = False) -> Any:
    """The Wan 2.1 I2V twin: CLIP image encoder, 8x/4x VAE with z_dim 16. ``flf2v``: the FLF2V
    twin (:func:`build_wan_flf2v`)."""
    from diffusers import WanImageToVideoPipeline

    # in = noise (16) + mask (4 = temporal compression) + image latents (16), as Wan 2.1 I2V;
    # FLF2V learns positions for the first and the last frame's CLIP tokens (2 x 17, as 2 x 257)
    extra = {"pos_embed_seq_len": 2 * 17} if flf2v else {}
    parts = wan21_i2v_parts(seed, lambda: _wan_transformer(in_channels=36, out_channels=16,
                                                           image_dim=8, **extra), flf2v=flf2v)
    return WanImageToVideoPipeline(scheduler=wan_scheduler(), **parts)


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
        scheduler=wan_scheduler(),
        image_processor=None,
        image_encoder=None,
        transformer=transformer,
        transformer_2=None,
        boundary_ratio=None,
        expand_timesteps=True,
    )


def build_wan_a14b(seed: int) -> Any:
    """The Wan 2.2 I2V-A14B twin: two experts (``transformer`` for high noise, ``transformer_2``
    for low noise) switched at ``boundary_ratio`` 0.9, no image encoder, Wan 2.1's VAE."""
    import torch
    from diffusers import WanImageToVideoPipeline

    torch.manual_seed(seed)
    vae = wan21_vae()
    experts = []
    for k in (1, 2):  # in = noise (16) + mask (4) + image latents (16); no CLIP image tokens
        torch.manual_seed(seed + k)
        experts.append(_wan_transformer(in_channels=36, out_channels=16, image_dim=None))
    tokenizer = t5_tokenizer()
    torch.manual_seed(seed + 3)
    text_encoder = tiny_t5(len(tokenizer))
    return WanImageToVideoPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        vae=vae,
        scheduler=wan_scheduler(flow_shift=5.0),  # Wan 2.2 i2v_A14B: sample_shift 5.0
        image_processor=None,
        image_encoder=None,
        transformer=experts[0],
        transformer_2=experts[1],
        boundary_ratio=0.9,  # Wan 2.2 i2v_A14B: boundary 0.900 (the preset sets it too)
    )


def build_wan_flf2v(seed: int) -> Any:
    """The Wan 2.1 FLF2V twin: as Wan 2.1 I2V, with the image embedder's learned positions for
    the first and the last frame's CLIP tokens (``pos_embed_seq_len`` = 2 x 17, as 2 x 257)."""
    return build_wan(seed, flf2v=True)
