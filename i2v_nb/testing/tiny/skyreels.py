"""Tiny twins of SkyReels-V2: ``SkyReelsV2ImageToVideoPipeline`` (I2V, first and last frame) and
``SkyReelsV2DiffusionForcingImageToVideoPipeline`` (diffusion forcing: long videos made in
overlapping windows). SkyReels-V2 is built on Wan 2.1: the same VAE (8x, 4x in time, z 16), the
same UMT5 text path (a T5 here) and, for I2V, the same CLIP image tokens.

>>> pipe = build_skyreels_df(0)                                   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from i2v_nb.testing.tiny.text import t5_tokenizer, tiny_t5
from i2v_nb.testing.tiny.wan import (
    TINY_WAN_TRANSFORMER,
    wan21_i2v_parts,
    wan21_vae,
    wan_scheduler,
)

__all__ = ["build_skyreels", "build_skyreels_flf2v", "build_skyreels_df"]


def _transformer(**config: Any) -> Any:
    from diffusers import SkyReelsV2Transformer3DModel

    return SkyReelsV2Transformer3DModel(**TINY_WAN_TRANSFORMER, **config)


def build_skyreels(seed: int, *, flf2v: bool = False) -> Any:
    """The SkyReels-V2 I2V twin: Wan 2.1 I2V's layout (noise + mask + image latents in, CLIP
    image tokens), in ``SkyReelsV2ImageToVideoPipeline``."""
    from diffusers import SkyReelsV2ImageToVideoPipeline

    # added_kv_proj_dim = the inner dim (2 heads x 12), as 5120 for the 14B checkpoints; FLF2V
    # learns positions for the first and the last frame's CLIP tokens (2 x 17, as 2 x 257 = 514)
    parts = wan21_i2v_parts(
        seed, lambda: _transformer(in_channels=36, out_channels=16, image_dim=8,
                                   added_kv_proj_dim=24,
                                   pos_embed_seq_len=2 * 17 if flf2v else None), flf2v=flf2v)
    # SkyReels-V2 I2V: flow_shift 5.0
    return SkyReelsV2ImageToVideoPipeline(scheduler=wan_scheduler(flow_shift=5.0), **parts)


def build_skyreels_flf2v(seed: int) -> Any:
    """The SkyReels-V2 FLF2V twin: the I2V twin with learned first/last image-token positions;
    like the real FLF2V checkpoints it needs ``last_image``."""
    return build_skyreels(seed, flf2v=True)


def build_skyreels_df(seed: int) -> Any:
    """The SkyReels-V2 Diffusion-Forcing twin: 16 latent channels in (the first frame is a clean
    prefix, not a concatenated condition), per-frame timesteps (no fps embedding: the 14B DF
    checkpoints have ``inject_sample_info=False``)."""
    import torch
    from diffusers import SkyReelsV2DiffusionForcingImageToVideoPipeline

    torch.manual_seed(seed)
    vae = wan21_vae()
    torch.manual_seed(seed + 1)
    transformer = _transformer(in_channels=16, out_channels=16)
    tokenizer = t5_tokenizer()
    torch.manual_seed(seed + 2)
    text_encoder = tiny_t5(len(tokenizer))
    return SkyReelsV2DiffusionForcingImageToVideoPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        transformer=transformer,
        vae=vae,
        scheduler=wan_scheduler(flow_shift=5.0),  # SkyReels-V2 I2V: flow_shift 5.0
    )
