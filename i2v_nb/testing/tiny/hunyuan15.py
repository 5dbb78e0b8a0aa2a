"""Tiny twin of HunyuanVideo 1.5 I2V (``HunyuanVideo15ImageToVideoPipeline``).

The pipeline reads a Qwen2.5-VL text model through a chat template (hidden state -3, the first
108 template tokens cropped), a ByT5 glyph encoder for quoted text, a SigLIP image encoder and a
classifier-free-guidance ``guider``; it takes no ``height``/``width`` (the size is the bucket of
``generate_crop_size_list(target_size, 16)`` nearest the picture's aspect ratio) and no step
callback. The twin keeps the 16x spatial / 4x temporal VAE and the latent layout
``noise (C) + image latents (C) + mask (1)`` into the transformer.

>>> pipe = build_hunyuan15(0)                                     # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from i2v_nb.testing.tiny.hunyuan import tiny_siglip
from i2v_nb.testing.tiny.text import qwen_tokenizer, tiny_t5

__all__ = ["build_hunyuan15", "HUNYUAN15_TARGET_SIZE"]

#: The twin's ``target_size`` (the real 480p I2V checkpoint's is 640): buckets of 4 patches of
#: 16 px, from 64x16 to 16x64 (32x32 the square one).
HUNYUAN15_TARGET_SIZE = 32


def build_hunyuan15(seed: int) -> Any:
    """The HunyuanVideo 1.5 I2V twin: 1-layer transformer, 16x/4x VAE (4 latent channels),
    2-layer Qwen2.5-VL text model, 2-layer T5 over ByT5 bytes, 1-layer SigLIP."""
    import torch
    from diffusers import (
        AutoencoderKLHunyuanVideo15,
        ClassifierFreeGuidance,
        FlowMatchEulerDiscreteScheduler,
        HunyuanVideo15ImageToVideoPipeline,
        HunyuanVideo15Transformer3DModel,
    )
    from transformers import (
        ByT5Tokenizer,
        Qwen2_5_VLTextConfig,
        Qwen2_5_VLTextModel,
    )

    latent = 4
    torch.manual_seed(seed)
    transformer = HunyuanVideo15Transformer3DModel(
        in_channels=2 * latent + 1,  # noise + image latents + mask, as 32 + 32 + 1 = 65
        out_channels=latent,
        num_attention_heads=2,
        attention_head_dim=8,
        num_layers=1,
        num_refiner_layers=1,
        patch_size=1,
        patch_size_t=1,
        text_embed_dim=16,
        text_embed_2_dim=32,
        image_embed_dim=8,
        rope_axes_dim=(2, 2, 4),
        target_size=HUNYUAN15_TARGET_SIZE,
        task_type="i2v",
    )
    torch.manual_seed(seed + 1)
    vae = AutoencoderKLHunyuanVideo15(
        latent_channels=latent,
        block_out_channels=(8, 8, 8, 8, 8),
        layers_per_block=1,
        spatial_compression_ratio=16,
        temporal_compression_ratio=4,
    )
    # the 480p I2V checkpoint's scheduler (shift 5.0) and guider (guidance 6.0), from diffusers'
    # scripts/convert_hunyuan_video1_5_to_diffusers.py
    scheduler = FlowMatchEulerDiscreteScheduler(shift=5.0)
    guider = ClassifierFreeGuidance(guidance_scale=6.0)
    tokenizer = qwen_tokenizer()
    torch.manual_seed(seed + 2)
    text_encoder = Qwen2_5_VLTextModel(
        Qwen2_5_VLTextConfig(
            vocab_size=len(tokenizer),
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=2,  # the pipeline reads hidden_states[-3]
            num_attention_heads=2,
            num_key_value_heads=2,
            max_position_embeddings=2048,
            pad_token_id=tokenizer.pad_token_id,
            # multimodal rotary sections: half the head dim (8 / 2), as [16, 24, 24] for 128
            rope_parameters={"rope_type": "default", "rope_theta": 1e6, "mrope_section": [2, 1, 1]},
        )
    ).eval()
    tokenizer_2 = ByT5Tokenizer()  # byte-level: needs no vocabulary file
    torch.manual_seed(seed + 3)
    text_encoder_2 = tiny_t5(len(tokenizer_2), d_model=32)
    torch.manual_seed(seed + 4)
    image_encoder, feature_extractor = tiny_siglip()
    return HunyuanVideo15ImageToVideoPipeline(
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        transformer=transformer,
        vae=vae,
        scheduler=scheduler,
        text_encoder_2=text_encoder_2,
        tokenizer_2=tokenizer_2,
        guider=guider,
        image_encoder=image_encoder,
        feature_extractor=feature_extractor,
    )
