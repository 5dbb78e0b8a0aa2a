"""Count the parameters of every preset's components and write them to ``model_sizes.py``.

Real components are built from their hub configs (written out below, each cited) on PyTorch's
``meta`` device: no weights, no memory, no network. Tiny twins are built with
``i2v_nb.testing.tiny_pipeline``. Each module is counted by
``i2v_nb.synthesis.param_count.count_module`` (the same function ``plan(pipeline=...)`` uses on
a loaded pipeline)::

    .venv/bin/python scripts/count_model_params.py            # print the counts
    .venv/bin/python scripts/count_model_params.py --check    # compare with the data modules
    .venv/bin/python scripts/count_model_params.py --write    # rewrite their generated blocks

The data modules are ``i2v_nb/synthesis/model_sizes.py`` (real models) and
``model_sizes_tiny.py`` (the tiny twins).

A source marked "unverified" is a config whose hub ``config.json`` (or a copy of it in public
code) could not be read offline; its values are the well-known ones of that model and its count
matches the model's published size (e.g. T5-XXL encoder 4.76 B, UMT5-XXL 5.68 B, ViT-H/14
632 M). The others were checked against diffusers' conversion scripts (the configs they write
to the hub) or against copies of the hub config in public code.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from typing import Any, Callable

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

_DIFFUSERS_SCRIPTS = "diffusers scripts"  # github.com/huggingface/diffusers/tree/main/scripts
_WAN_CONV = f"{_DIFFUSERS_SCRIPTS}/convert_wan_to_diffusers.py"

# ---------------------------------------------------------------- diffusers configs (denoisers)
# Wan 2.1 I2V 14B (480P and 720P share it): convert_wan_to_diffusers.py "Wan-I2V-14B-480p" /
# "-720p"; dim 5120, ffn 13824, 40 heads, 40 layers, patch (1, 2, 2) also in Wan's own
# configs/wan_i2v_14B.py.
WAN_I2V14 = dict(image_dim=1280, added_kv_proj_dim=5120, attention_head_dim=128, cross_attn_norm=True,
                 eps=1e-6, ffn_dim=13824, freq_dim=256, in_channels=36, num_attention_heads=40,
                 num_layers=40, out_channels=16, patch_size=(1, 2, 2),
                 qk_norm="rms_norm_across_heads", text_dim=4096)
# "Wan-FLF2V-14B-720P": as I2V with rope_max_seq_len 1024, pos_embed_seq_len 257 * 2
WAN_FLF = dict(WAN_I2V14, rope_max_seq_len=1024, pos_embed_seq_len=257 * 2)
# "Wan2.2-I2V-14B-720p" (each expert): no image_dim, added_kv_proj_dim None, in_channels 36
WAN_A14B = {k: v for k, v in WAN_I2V14.items() if k != "image_dim"} | dict(added_kv_proj_dim=None)
# "Wan2.2-TI2V-5B"
WAN_TI2V = dict(added_kv_proj_dim=None, attention_head_dim=128, cross_attn_norm=True, eps=1e-6,
                ffn_dim=14336, freq_dim=256, in_channels=48, num_attention_heads=24, num_layers=30,
                out_channels=48, patch_size=(1, 2, 2), qk_norm="rms_norm_across_heads",
                text_dim=4096)
# Wan 2.2 VAE: vae22_diffusers_config in the same script (= Wan2.2-TI2V-5B-Diffusers
# vae/config.json: base_dim 160, decoder_base_dim 256, z_dim 48, dim_mult [1, 2, 4, 4])
VAE22 = dict(base_dim=160, z_dim=48, is_residual=True, in_channels=12, out_channels=12,
             decoder_base_dim=256, scale_factor_temporal=4, scale_factor_spatial=16, patch_size=2)
# SkyReels-V2 (Wan 2.1 layout): convert_skyreelsv2_to_diffusers.py
SKY_I2V14 = dict(added_kv_proj_dim=5120, attention_head_dim=128, cross_attn_norm=True, eps=1e-6,
                 ffn_dim=13824, freq_dim=256, in_channels=36, num_attention_heads=40,
                 inject_sample_info=False, num_layers=40, out_channels=16, patch_size=(1, 2, 2),
                 qk_norm="rms_norm_across_heads", text_dim=4096, image_dim=1280)
SKY_FLF13 = dict(SKY_I2V14, added_kv_proj_dim=1536, ffn_dim=8960, num_attention_heads=12,
                 num_layers=30, pos_embed_seq_len=514)
SKY_DF14 = {k: v for k, v in SKY_I2V14.items() if k != "image_dim"} | dict(
    added_kv_proj_dim=None, in_channels=16)
# CogVideoX-5b-I2V transformer/config.json (convert_cogvideox_to_diffusers.py, --i2v)
COG5_I2V = dict(activation_fn="gelu-approximate", attention_bias=True, attention_head_dim=64,
                in_channels=32, max_text_seq_length=226, norm_elementwise_affine=True,
                norm_eps=1e-5, num_attention_heads=48, num_layers=42, out_channels=16,
                patch_size=2, sample_frames=49, sample_height=60, sample_width=90,
                spatial_interpolation_scale=1.875, temporal_compression_ratio=4,
                temporal_interpolation_scale=1.0, text_embed_dim=4096, time_embed_dim=512,
                timestep_activation_fn="silu", use_learned_positional_embeddings=True,
                use_rotary_positional_embeddings=True)
# CogVideoX1.5-5B-I2V: patch_size_t 2, no patch bias, ofs embedding, rotary positions only
COG15_I2V = dict(COG5_I2V, patch_size_t=2, patch_bias=False, ofs_embed_dim=512, sample_frames=81,
                 sample_height=300, sample_width=300, use_learned_positional_embeddings=False)
# LTX-Video 2B (0.9.x 2B share the shapes) and 13B (0.9.7 / 0.9.8): convert_ltx_to_diffusers.py
LTX_2B = dict(in_channels=128, out_channels=128, patch_size=1, patch_size_t=1,
              num_attention_heads=32, attention_head_dim=64, cross_attention_dim=2048,
              num_layers=28, activation_fn="gelu-approximate", qk_norm="rms_norm_across_heads",
              norm_elementwise_affine=False, norm_eps=1e-6, caption_channels=4096,
              attention_bias=True, attention_out_bias=True)
LTX_13B = dict(LTX_2B, attention_head_dim=128, cross_attention_dim=4096, num_layers=48)
LTX_VAE_090 = dict(in_channels=3, out_channels=3, latent_channels=128,
                   block_out_channels=(128, 256, 512, 512),
                   down_block_types=("LTXVideoDownBlock3D",) * 4,
                   decoder_block_out_channels=(128, 256, 512, 512),
                   layers_per_block=(4, 3, 3, 3, 4), decoder_layers_per_block=(4, 3, 3, 3, 4),
                   spatio_temporal_scaling=(True, True, True, False),
                   decoder_spatio_temporal_scaling=(True, True, True, False),
                   decoder_inject_noise=(False,) * 5, downsample_type=("conv",) * 4,
                   upsample_residual=(False,) * 4, upsample_factor=(1,) * 4, patch_size=4,
                   patch_size_t=1, resnet_norm_eps=1e-6, scaling_factor=1.0, encoder_causal=True,
                   decoder_causal=False, timestep_conditioning=False)
LTX_VAE_095 = dict(in_channels=3, out_channels=3, latent_channels=128,
                   block_out_channels=(128, 256, 512, 1024, 2048),
                   down_block_types=("LTXVideo095DownBlock3D",) * 4,
                   decoder_block_out_channels=(256, 512, 1024),
                   layers_per_block=(4, 6, 6, 2, 2), decoder_layers_per_block=(5, 5, 5, 5),
                   spatio_temporal_scaling=(True, True, True, True),
                   decoder_spatio_temporal_scaling=(True, True, True),
                   decoder_inject_noise=(False,) * 4,
                   downsample_type=("spatial", "temporal", "spatiotemporal", "spatiotemporal"),
                   upsample_residual=(True, True, True), upsample_factor=(2, 2, 2),
                   timestep_conditioning=True, patch_size=4, patch_size_t=1, resnet_norm_eps=1e-6,
                   scaling_factor=1.0, encoder_causal=True, decoder_causal=False,
                   spatial_compression_ratio=32, temporal_compression_ratio=8)
# HunyuanVideo-I2V (16-channel, token_replace): convert_hunyuan_video_to_diffusers.py
HY_I2V16 = dict(in_channels=16, out_channels=16, num_attention_heads=24, attention_head_dim=128,
                num_layers=20, num_single_layers=40, num_refiner_layers=2, mlp_ratio=4.0,
                patch_size=2, patch_size_t=1, qk_norm="rms_norm", guidance_embeds=True,
                text_embed_dim=4096, pooled_projection_dim=768, rope_theta=256.0,
                rope_axes_dim=(16, 56, 56), image_condition_type="token_replace")
# FramePack (lllyasviel/FramePackI2V_HY): HunyuanVideo's body + SigLIP image projection and
# the clean-latent embedders (diffusers' HunyuanVideoFramepackTransformer3DModel docs)
FRAMEPACK = dict(HY_I2V16, image_condition_type=None, has_image_proj=True, image_proj_dim=1152,
                 has_clean_x_embedder=True)
# HunyuanVideo-1.5 480p I2V: convert_hunyuan_video1_5_to_diffusers.py
HV15_I2V = dict(in_channels=65, out_channels=32, num_attention_heads=16, attention_head_dim=128,
                num_layers=54, num_refiner_layers=2, mlp_ratio=4.0, patch_size=1, patch_size_t=1,
                qk_norm="rms_norm", text_embed_dim=3584, text_embed_2_dim=1472,
                image_embed_dim=1152, rope_theta=256.0, rope_axes_dim=(16, 56, 56),
                use_meanflow=False, target_size=640, task_type="i2v")


# ------------------------------------------------------------ transformers configs (encoders)
def _t(name: str) -> Any:
    import transformers

    return getattr(transformers, name)


def t5xxl() -> Any:  # google/t5-v1_1-xxl encoder (CogVideoX, LTX text_encoder/config.json)
    return _t("T5EncoderModel")(_t("T5Config")(
        d_model=4096, d_ff=10240, d_kv=64, num_heads=64, num_layers=24, vocab_size=32128,
        feed_forward_proj="gated-gelu", tie_word_embeddings=False))


def umt5xxl() -> Any:  # google/umt5-xxl encoder (Wan, SkyReels text_encoder/config.json)
    return _t("UMT5EncoderModel")(_t("UMT5Config")(
        d_model=4096, d_ff=10240, d_kv=64, num_heads=64, num_layers=24, vocab_size=256384,
        feed_forward_proj="gated-gelu", tie_word_embeddings=False))


def clip_vit_h() -> Any:  # OpenCLIP ViT-H/14 vision tower (SVD, Wan 2.1 I2V/FLF2V, SkyReels)
    return _t("CLIPVisionModelWithProjection")(_t("CLIPVisionConfig")(
        hidden_size=1280, intermediate_size=5120, num_hidden_layers=32, num_attention_heads=16,
        patch_size=14, image_size=224, projection_dim=1024, hidden_act="gelu"))


def clip_l_text() -> Any:  # openai/clip-vit-large-patch14 text tower (HunyuanVideo text_encoder_2)
    return _t("CLIPTextModel")(_t("CLIPTextConfig")(
        hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
        vocab_size=49408, max_position_embeddings=77, projection_dim=768))


def _llama3_8b(vocab: int) -> Any:
    return _t("LlamaConfig")(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                             num_attention_heads=32, num_key_value_heads=8, vocab_size=vocab,
                             max_position_embeddings=8192, rope_theta=500000.0,
                             tie_word_embeddings=False)


def llava_llama3() -> Any:  # xtuner/llava-llama-3-8b-v1_1 (HunyuanVideo-I2V text_encoder)
    return _t("LlavaForConditionalGeneration")(_t("LlavaConfig")(
        text_config=_llama3_8b(128320),
        vision_config=_t("CLIPVisionConfig")(hidden_size=1024, intermediate_size=4096,
                                             num_hidden_layers=24, num_attention_heads=16,
                                             patch_size=14, image_size=336, projection_dim=768),
        image_token_index=128257, projector_hidden_act="gelu", vision_feature_layer=-2))


def llama3_8b() -> Any:  # the Llama of HunyuanVideo's text_encoder (FramePack)
    return _t("LlamaModel")(_llama3_8b(128320))


def siglip_so400m() -> Any:  # google/siglip-so400m-patch14-384 (flux_redux_bfl image_encoder)
    return _t("SiglipVisionModel")(_t("SiglipVisionConfig")(
        hidden_size=1152, intermediate_size=4304, num_hidden_layers=27, num_attention_heads=16,
        patch_size=14, image_size=384))


def qwen25vl_7b_text() -> Any:  # Qwen/Qwen2.5-VL-7B-Instruct text model (HunyuanVideo 1.5)
    return _t("Qwen2_5_VLTextModel")(_t("Qwen2_5_VLTextConfig")(
        hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
        num_key_value_heads=4, vocab_size=152064,
        rope_scaling={"type": "mrope", "mrope_section": [16, 24, 24]}))


def byt5_small() -> Any:  # google/byt5-small encoder (HunyuanVideo 1.5 glyph text_encoder_2)
    return _t("T5EncoderModel")(_t("T5Config")(
        d_model=1472, d_ff=3584, d_kv=64, num_heads=6, num_layers=12, vocab_size=384,
        feed_forward_proj="gated-gelu", tie_word_embeddings=False))


def _d(cls: str, **config: Any) -> Callable[[], Any]:
    def build() -> Any:
        import diffusers

        return getattr(diffusers, cls)(**config)
    return build


_SVD = "huggingface.co/stabilityai/stable-video-diffusion-img2vid-xt"
#: key -> (builder, role, source)
REAL: dict[str, tuple[Callable[[], Any], str, str]] = {
    "svd-unet": (_d("UNetSpatioTemporalConditionModel"), "denoiser",
                 f"{_SVD} unet/config.json = diffusers' defaults (unverified)"),
    "svd-vae": (_d("AutoencoderKLTemporalDecoder", down_block_types=("DownEncoderBlock2D",) * 4,
                   block_out_channels=(128, 256, 512, 512), layers_per_block=2,
                   latent_channels=4), "vae",
                f"{_SVD} vae/config.json (unverified)"),
    "clip-vit-h-14": (clip_vit_h, "image_encoder",
                      "laion/CLIP-ViT-H-14-laion2B-s32B-b79K vision tower + 1.3 M "
                      "projection (unverified)"),
    "cogvideox-5b-i2v": (_d("CogVideoXTransformer3DModel", **COG5_I2V), "denoiser",
                         "as the checked 1.5 config with learned positions, no t-patch "
                         "(unverified)"),
    "cogvideox1.5-5b-i2v": (_d("CogVideoXTransformer3DModel", **COG15_I2V), "denoiser",
                            "CogVideoX1.5-5B-I2V transformer config (copies in public code)"),
    "cogvideox-vae": (_d("AutoencoderKLCogVideoX"), "vae",
                      "AutoencoderKLCogVideoX defaults (unverified)"),
    "t5-v1_1-xxl": (t5xxl, "text_encoder", "google/t5-v1_1-xxl config.json (unverified)"),
    "ltx-2b": (_d("LTXVideoTransformer3DModel", **LTX_2B), "denoiser",
               f"{_DIFFUSERS_SCRIPTS}/convert_ltx_to_diffusers.py (0.9.x 2B)"),
    "ltx-13b": (_d("LTXVideoTransformer3DModel", **LTX_13B), "denoiser",
                f"{_DIFFUSERS_SCRIPTS}/convert_ltx_to_diffusers.py (0.9.7 13B)"),
    "ltx-vae-0.9.0": (_d("AutoencoderKLLTXVideo", **LTX_VAE_090), "vae",
                      f"{_DIFFUSERS_SCRIPTS}/convert_ltx_to_diffusers.py (0.9.0)"),
    "ltx-vae-0.9.5": (_d("AutoencoderKLLTXVideo", **LTX_VAE_095), "vae",
                      f"{_DIFFUSERS_SCRIPTS}/convert_ltx_to_diffusers.py (0.9.5, also 0.9.7)"),
    "wan2.1-i2v-14b": (_d("WanTransformer3DModel", **WAN_I2V14), "denoiser",
                       f"{_WAN_CONV} Wan-I2V-14B-480p/720p"),
    "wan2.1-flf2v-14b": (_d("WanTransformer3DModel", **WAN_FLF), "denoiser",
                         f"{_WAN_CONV} Wan-FLF2V-14B-720P"),
    "wan2.2-i2v-a14b-expert": (_d("WanTransformer3DModel", **WAN_A14B), "denoiser",
                               f"{_WAN_CONV} Wan2.2-I2V-14B-720p"),
    "wan2.2-ti2v-5b": (_d("WanTransformer3DModel", **WAN_TI2V), "denoiser",
                       f"{_WAN_CONV} Wan2.2-TI2V-5B"),
    "wan2.1-vae": (_d("AutoencoderKLWan"), "vae",
                   f"{_WAN_CONV} convert_vae (AutoencoderKLWan() defaults)"),
    "wan2.2-vae": (_d("AutoencoderKLWan", **VAE22), "vae", f"{_WAN_CONV} vae22_diffusers_config"),
    "umt5-xxl": (umt5xxl, "text_encoder", "google/umt5-xxl config.json (unverified)"),
    "hunyuanvideo-i2v": (_d("HunyuanVideoTransformer3DModel", **HY_I2V16), "denoiser",
                         f"{_DIFFUSERS_SCRIPTS}/convert_hunyuan_video_to_diffusers.py (I2V 16ch)"),
    "hunyuanvideo-vae": (_d("AutoencoderKLHunyuanVideo"), "vae",
                         "AutoencoderKLHunyuanVideo defaults (unverified)"),
    "llava-llama-3-8b": (llava_llama3, "text_encoder", "xtuner/llava-llama-3-8b-v1_1-transformers (unverified)"),
    "clip-vit-l-14-text": (clip_l_text, "text_encoder", "openai/clip-vit-large-patch14 text_config (unverified)"),
    "framepack": (_d("HunyuanVideoFramepackTransformer3DModel", **FRAMEPACK), "denoiser",
                  "lllyasviel/FramePackI2V_HY config.json (unverified)"),
    "llama-3-8b": (llama3_8b, "text_encoder",
                   "Llama 3 8B, as llava-llama-3-8b's text model (unverified)"),
    "siglip-so400m-384": (siglip_so400m, "image_encoder", "google/siglip-so400m-patch14-384 (unverified)"),
    "hunyuanvideo-1.5-i2v-480p": (_d("HunyuanVideo15Transformer3DModel", **HV15_I2V), "denoiser",
                                  f"{_DIFFUSERS_SCRIPTS}/convert_hunyuan_video1_5_to_diffusers.py"),
    "hunyuanvideo-1.5-vae": (_d("AutoencoderKLHunyuanVideo15"), "vae",
                             "AutoencoderKLHunyuanVideo15 defaults = the 480p "
                             "vae/config.json (copies in public code)"),
    "qwen2.5-vl-7b-text": (qwen25vl_7b_text, "text_encoder", "Qwen/Qwen2.5-VL-7B-Instruct text_config (unverified)"),
    "byt5-small": (byt5_small, "text_encoder", "google/byt5-small config.json (unverified)"),
    "skyreels-v2-i2v-14b": (_d("SkyReelsV2Transformer3DModel", **SKY_I2V14), "denoiser",
                            f"{_DIFFUSERS_SCRIPTS}/convert_skyreelsv2_to_diffusers.py (I2V-14B)"),
    "skyreels-v2-flf2v-1.3b": (_d("SkyReelsV2Transformer3DModel", **SKY_FLF13), "denoiser",
                               f"{_DIFFUSERS_SCRIPTS}/convert_skyreelsv2_to_diffusers.py (I2V-1.3B) + "
                               "FLF positions 514 (unverified)"),
    "skyreels-v2-df-14b": (_d("SkyReelsV2Transformer3DModel", **SKY_DF14), "denoiser",
                           f"{_DIFFUSERS_SCRIPTS}/convert_skyreelsv2_to_diffusers.py"),
}

_WAN21 = {"text_encoder": "umt5-xxl", "vae": "wan2.1-vae"}
_HY_TEXT = {"text_encoder_2": "clip-vit-l-14-text", "vae": "hunyuanvideo-vae"}
#: real preset -> {pipeline component: key in REAL}
PRESETS: dict[str, dict[str, str]] = {
    "svd": {"unet": "svd-unet", "vae": "svd-vae", "image_encoder": "clip-vit-h-14"},
    "svd-xt": {"unet": "svd-unet", "vae": "svd-vae", "image_encoder": "clip-vit-h-14"},
    "cogvideox-5b-i2v": {"transformer": "cogvideox-5b-i2v", "vae": "cogvideox-vae",
                         "text_encoder": "t5-v1_1-xxl"},
    "ltx-video": {"transformer": "ltx-2b", "vae": "ltx-vae-0.9.0", "text_encoder": "t5-v1_1-xxl"},
    "wan2.1-i2v-480p": {"transformer": "wan2.1-i2v-14b", "image_encoder": "clip-vit-h-14", **_WAN21},
    "wan2.1-i2v-720p": {"transformer": "wan2.1-i2v-14b", "image_encoder": "clip-vit-h-14", **_WAN21},
    "wan2.2-ti2v-5b": {"transformer": "wan2.2-ti2v-5b", "text_encoder": "umt5-xxl",
                       "vae": "wan2.2-vae"},
    "hunyuanvideo-i2v": {"transformer": "hunyuanvideo-i2v", "text_encoder": "llava-llama-3-8b",
                         **_HY_TEXT},
    "framepack": {"transformer": "framepack", "text_encoder": "llama-3-8b",
                  "image_encoder": "siglip-so400m-384", **_HY_TEXT},
    "wan2.2-i2v-a14b": {"transformer": "wan2.2-i2v-a14b-expert",
                        "transformer_2": "wan2.2-i2v-a14b-expert", **_WAN21},
    "wan2.1-flf2v-720p": {"transformer": "wan2.1-flf2v-14b", "image_encoder": "clip-vit-h-14",
                          **_WAN21},
    "ltx-video-0.9.8-13b-distilled": {"transformer": "ltx-13b", "vae": "ltx-vae-0.9.5",
                                      "text_encoder": "t5-v1_1-xxl"},
    "ltx-video-0.9.8-2b-distilled": {"transformer": "ltx-2b", "vae": "ltx-vae-0.9.5",
                                     "text_encoder": "t5-v1_1-xxl"},
    "hunyuanvideo-1.5-i2v-480p": {"transformer": "hunyuanvideo-1.5-i2v-480p",
                                  "vae": "hunyuanvideo-1.5-vae",
                                  "text_encoder": "qwen2.5-vl-7b-text",
                                  "text_encoder_2": "byt5-small",
                                  "image_encoder": "siglip-so400m-384"},
    "cogvideox1.5-5b-i2v": {"transformer": "cogvideox1.5-5b-i2v", "vae": "cogvideox-vae",
                            "text_encoder": "t5-v1_1-xxl"},
    "skyreels-v2-i2v-14b-540p": {"transformer": "skyreels-v2-i2v-14b",
                                 "image_encoder": "clip-vit-h-14", **_WAN21},
    "skyreels-v2-flf2v-1.3b-540p": {"transformer": "skyreels-v2-flf2v-1.3b",
                                    "image_encoder": "clip-vit-h-14", **_WAN21},
    "skyreels-v2-df-14b-540p": {"transformer": "skyreels-v2-df-14b", **_WAN21},
}


def count_real(only: set[str] | None = None) -> dict[str, Any]:
    """Build every real component on the meta device and count it."""
    import torch

    from i2v_nb.synthesis.param_count import count_module

    out = {}
    for key, (build, role, _source) in REAL.items():
        if only and key not in only:
            continue
        with torch.device("meta"):
            module = build()
        out[key] = count_module(module, role="denoiser" if role == "denoiser" else role)
        print(f"{key:28s} {out[key].params:>15,d}", file=sys.stderr, flush=True)
    return out


def count_tiny() -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """Build every tiny twin preset's pipeline and count its modules."""
    from i2v_nb.synthesis.param_count import counts_from_pipeline
    from i2v_nb.synthesis.registry import models
    from i2v_nb.testing import tiny_pipeline

    counts, presets = {}, {}
    for preset in models():
        if not preset.is_tiny:
            continue
        found = counts_from_pipeline(tiny_pipeline(preset.twin))
        presets[preset.name] = {name: f"{preset.name}/{name}" for name in found}
        counts.update({f"{preset.name}/{name}": c for name, c in found.items()})
    return counts, presets


START = "# --- generated by scripts/count_model_params.py: do not edit by hand ---"
END = "# --- end of generated block ---"
_HERE = os.path.join(os.path.dirname(__file__), "..", "i2v_nb", "synthesis")
TARGET = os.path.join(_HERE, "model_sizes.py")
TARGET_TINY = os.path.join(_HERE, "model_sizes_tiny.py")


def _count_source(c: Any) -> str:
    """``Count(...)`` with the fields that differ from their defaults."""
    from i2v_nb.synthesis.model_sizes import Count

    args = [repr(c.cls), f"{c.params:_d}"]
    args += [f"{field}={getattr(c, field)!r}" for field in Count._fields[2:]
             if getattr(c, field) != Count._field_defaults[field]]
    return f"Count({', '.join(args)})"


def _wrap(key: str, value: str, indent: str = "    ") -> str:
    """``key: value,`` within 99 columns: on its own lines when long, split at spaces."""
    line = f"{indent}{key!r}: {value},"
    if len(line) <= 99:
        return line
    inner = indent * 2
    if len(inner + value) < 99:
        return f"{indent}{key!r}:\n{inner}{value},"
    if value.startswith(("'", '"')):  # a long string: implicit concatenation
        parts = textwrap.wrap(eval(value), 99 - len(inner) - 4, drop_whitespace=False)
        body = "\n".join(f"{inner}{part!r}" for part in parts)
        return f"{indent}{key!r}: (\n{body}\n{indent}),"
    head, args = value.split("(", 1)  # Count(...): arguments on continuation lines
    lines = textwrap.wrap(args[:-1], 99 - len(inner) - len(head) - 3, break_long_words=False)
    body = f"\n{inner}{' ' * (len(head) + 1)}".join(lines)
    return f"{indent}{key!r}:\n{inner}{head}({body}),"


def _presets(presets: dict[str, dict[str, str]]) -> list[str]:
    lines = []
    for name, parts in presets.items():
        body = "{" + ", ".join(f"{k!r}: {v!r}" for k, v in parts.items()) + "}"
        if len(body) + len(name) + 8 > 99:
            body = "{\n" + "".join(f"        {k!r}: {v!r},\n" for k, v in parts.items()) + "    }"
        lines.append(f"    {name!r}: {body},")
    return lines


def blocks() -> tuple[str, str]:
    """The generated blocks of ``model_sizes.py`` (real models) and ``model_sizes_tiny.py``."""
    real = count_real()
    tiny, tiny_presets = count_tiny()
    lines = [START, "SOURCES: dict[str, str] = {"]
    lines += [_wrap(key, repr(source)) for key, (_b, _r, source) in REAL.items()]
    lines += ["}", "PRESET_COMPONENTS: dict[str, dict[str, str]] = {", *_presets(PRESETS), "}",
              "COUNTS: dict[str, Count] = {"]
    lines += [_wrap(key, _count_source(c)) for key, c in real.items()]
    lines += ["}", END]
    small = [START, "TINY_PRESET_COMPONENTS: dict[str, dict[str, str]] = {",
             *_presets(tiny_presets), "}", "TINY_COUNTS: dict[str, Count] = {"]
    small += [_wrap(key, _count_source(c)) for key, c in tiny.items()]
    small += ["}", END]
    return "\n".join(lines), "\n".join(small)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the data modules' blocks")
    parser.add_argument("--check", action="store_true", help="fail if a data module differs")
    parser.add_argument("only", nargs="*", help="count only these real components (print)")
    args = parser.parse_args()
    if args.only:
        for key, c in count_real(set(args.only)).items():
            print(key, c)
        return 0
    stale = []
    for target, new in zip((TARGET, TARGET_TINY), blocks()):
        with open(target, encoding="utf-8") as f:
            text = f.read()
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        updated = head + new + tail
        if args.write:
            with open(target, "w", encoding="utf-8") as f:
                f.write(updated)
        elif args.check and updated != text:
            stale.append(os.path.basename(target))
        elif not args.check:
            print(new)
    if stale:
        print(f"{', '.join(stale)} differ from a fresh count: run with --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
