"""Tiny twins of HunyuanVideo-I2V and FramePack (``HunyuanVideoImageToVideoPipeline``,
``HunyuanVideoFramepackPipeline``), which share a transformer recipe and a VAE.

>>> pipe = build_hunyuan(0)                                       # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from i2v_nb.testing.tiny.text import clip_text_model, clip_tokenizer, llama_config, llama_tokenizer

__all__ = ["build_hunyuan", "build_framepack", "tiny_siglip"]

#: Tiny HunyuanVideo transformer settings shared by the I2V and FramePack twins.
_HUNYUAN_TRANSFORMER: dict = dict(
    in_channels=4,
    out_channels=4,
    num_attention_heads=2,
    attention_head_dim=10,
    num_layers=1,
    num_single_layers=1,
    num_refiner_layers=1,
    patch_size=2,
    patch_size_t=1,
    guidance_embeds=True,
    text_embed_dim=16,
    pooled_projection_dim=8,
    rope_axes_dim=(2, 4, 4),
)


def tiny_siglip() -> tuple[Any, Any]:
    """``(image_encoder, feature_extractor)``: a SigLIP vision tower of one layer, 8 wide, 32 px
    images in 8-px patches (FramePack's and HunyuanVideo 1.5's image encoder, shrunk)."""
    from transformers import SiglipImageProcessor, SiglipVisionConfig, SiglipVisionModel

    image_encoder = SiglipVisionModel(SiglipVisionConfig(
        hidden_size=8, intermediate_size=16, num_attention_heads=2, num_hidden_layers=1,
        image_size=32, patch_size=8)).eval()
    return image_encoder, SiglipImageProcessor(size={"height": 32, "width": 32})


def _hunyuan_vae() -> Any:
    from diffusers import AutoencoderKLHunyuanVideo

    return AutoencoderKLHunyuanVideo(  # 8x spatial, 4x temporal, as HunyuanVideo's VAE
        latent_channels=4,
        down_block_types=("HunyuanVideoDownBlock3D",) * 4,
        up_block_types=("HunyuanVideoUpBlock3D",) * 4,
        block_out_channels=(8, 8, 8, 8),
        layers_per_block=1,
        act_fn="silu",
        norm_num_groups=4,
        scaling_factor=0.476986,
        spatial_compression_ratio=8,
        temporal_compression_ratio=4,
        mid_block_add_attention=True,
    )



def build_hunyuan(seed: int) -> Any:
    """The HunyuanVideo-I2V twin: token-replace transformer, Llava text encoder."""
    import torch
    from diffusers import (
        FlowMatchEulerDiscreteScheduler,
        HunyuanVideoImageToVideoPipeline,
        HunyuanVideoTransformer3DModel,
    )
    from transformers import (
        CLIPImageProcessor,
        CLIPVisionConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
    )

    torch.manual_seed(seed)
    # HunyuanVideo-I2V (16 channels): first-frame token replacement, guidance-distilled.
    transformer = HunyuanVideoTransformer3DModel(
        **_HUNYUAN_TRANSFORMER,
        image_condition_type="token_replace",
    )
    torch.manual_seed(seed + 1)
    vae = _hunyuan_vae()
    scheduler = FlowMatchEulerDiscreteScheduler(shift=7.0)

    tokenizer = llama_tokenizer()
    text_config = llama_config(tokenizer)
    # 24 px / patch 1 = 576 image features: what DEFAULT_PROMPT_TEMPLATE's image_emb_len expects.
    vision_config = CLIPVisionConfig(
        hidden_size=8,
        intermediate_size=16,
        projection_dim=8,
        num_attention_heads=2,
        num_hidden_layers=2,
        image_size=24,
        patch_size=1,
    )
    torch.manual_seed(seed + 2)
    text_encoder = LlavaForConditionalGeneration(
        LlavaConfig(
            vision_config=vision_config,
            text_config=text_config,
            image_token_index=tokenizer.convert_tokens_to_ids("<image>"),
            pad_token_id=tokenizer.pad_token_id,
            image_seq_length=576,
        )
    ).eval()
    image_processor = CLIPImageProcessor(
        crop_size=24,
        size=24,
        do_center_crop=True,
        do_normalize=True,
        do_resize=True,
        image_mean=[0.48145466, 0.4578275, 0.40821073],
        image_std=[0.26862954, 0.26130258, 0.27577711],
        resample=3,
    )
    tokenizer_2 = clip_tokenizer()
    torch.manual_seed(seed + 3)
    text_encoder_2 = clip_text_model(tokenizer_2)
    return HunyuanVideoImageToVideoPipeline(
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        transformer=transformer,
        vae=vae,
        scheduler=scheduler,
        text_encoder_2=text_encoder_2,
        tokenizer_2=tokenizer_2,
        image_processor=image_processor,
    )


def build_framepack(seed: int) -> Any:
    """The FramePack twin: as HunyuanVideo, with a Llama encoder and a SigLIP."""
    import torch
    from diffusers import (
        FlowMatchEulerDiscreteScheduler,
        HunyuanVideoFramepackPipeline,
        HunyuanVideoFramepackTransformer3DModel,
    )
    from transformers import LlamaModel

    torch.manual_seed(seed)
    transformer = HunyuanVideoFramepackTransformer3DModel(
        **_HUNYUAN_TRANSFORMER,
        image_condition_type=None,
        has_image_proj=True,
        image_proj_dim=8,
        has_clean_x_embedder=True,
    )
    torch.manual_seed(seed + 1)
    vae = _hunyuan_vae()
    scheduler = FlowMatchEulerDiscreteScheduler(shift=7.0)
    tokenizer = llama_tokenizer()
    torch.manual_seed(seed + 2)
    text_encoder = LlamaModel(llama_config(tokenizer)).eval()
    tokenizer_2 = clip_tokenizer()
    torch.manual_seed(seed + 3)
    text_encoder_2 = clip_text_model(tokenizer_2)
    torch.manual_seed(seed + 4)
    image_encoder, feature_extractor = tiny_siglip()
    return HunyuanVideoFramepackPipeline(
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        transformer=transformer,
        vae=vae,
        scheduler=scheduler,
        text_encoder_2=text_encoder_2,
        tokenizer_2=tokenizer_2,
        image_encoder=image_encoder,
        feature_extractor=feature_extractor,
    )
