"""Tiny twins of CogVideoX-5b-I2V and CogVideoX1.5-5B-I2V (``CogVideoXImageToVideoPipeline``).

>>> pipe = build_cogvideox(0)                                     # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from i2v_nb.testing.tiny.defaults import TINY_DEFAULTS
from i2v_nb.testing.tiny.text import t5_tokenizer, tiny_t5

__all__ = ["build_cogvideox", "build_cogvideox15"]


def build_cogvideox(seed: int) -> Any:
    """The CogVideoX twin: a 1-layer transformer with learned positions for 32x32x9."""
    import torch
    from diffusers import CogVideoXTransformer3DModel

    d = TINY_DEFAULTS["cogvideox"]
    torch.manual_seed(seed)
    # CogVideoX-5b-I2V uses learned positional embeddings for its one trained size: so does the
    # twin (its trained size is TINY_DEFAULTS' height x width x num_frames).
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2,
        attention_head_dim=16,  # RoPE needs a multiple of 16
        in_channels=8,
        out_channels=4,
        time_embed_dim=2,
        text_embed_dim=32,
        num_layers=1,
        sample_width=d["width"] // 8,
        sample_height=d["height"] // 8,
        sample_frames=d["num_frames"],
        patch_size=2,
        temporal_compression_ratio=4,
        max_text_seq_length=226,
        use_rotary_positional_embeddings=True,
        use_learned_positional_embeddings=True,
    )
    return _pipeline(seed, transformer)


def build_cogvideox15(seed: int) -> Any:
    """The CogVideoX 1.5 twin: 3D rotary positions only (sizes vary), a temporal patch of 2
    (the pipeline pads the latent frames to a multiple of it) and the ``ofs`` embedding."""
    import torch
    from diffusers import CogVideoXTransformer3DModel

    torch.manual_seed(seed)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2,
        attention_head_dim=16,
        in_channels=8,
        out_channels=4,
        time_embed_dim=2,
        ofs_embed_dim=2,
        text_embed_dim=32,
        num_layers=1,
        sample_width=12,  # latent units: the rotary grid's largest size (96 px here)
        sample_height=12,
        sample_frames=9,
        patch_size=2,
        patch_size_t=2,
        temporal_compression_ratio=4,
        max_text_seq_length=226,
        use_rotary_positional_embeddings=True,
        use_learned_positional_embeddings=False,
    )
    return _pipeline(seed, transformer)


def _pipeline(seed: int, transformer: Any) -> Any:
    """The CogVideoX pipeline around ``transformer``: the tiny VAE, scheduler and T5."""
    import torch
    from diffusers import AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXImageToVideoPipeline

    torch.manual_seed(seed + 1)
    vae = AutoencoderKLCogVideoX(
        down_block_types=("CogVideoXDownBlock3D",) * 4,
        up_block_types=("CogVideoXUpBlock3D",) * 4,
        block_out_channels=(8, 8, 8, 8),
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=2,
        temporal_compression_ratio=4,
    )
    # The scheduler config of THUDM/CogVideoX-5b-I2V.
    scheduler = CogVideoXDDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        num_train_timesteps=1000,
        prediction_type="v_prediction",
        rescale_betas_zero_snr=True,
        set_alpha_to_one=True,
        snr_shift_scale=1.0,
        steps_offset=0,
        timestep_spacing="trailing",
    )
    tokenizer = t5_tokenizer()
    torch.manual_seed(seed + 2)
    text_encoder = tiny_t5(len(tokenizer))
    return CogVideoXImageToVideoPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        vae=vae,
        transformer=transformer,
        scheduler=scheduler,
    )
