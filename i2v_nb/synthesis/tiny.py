"""Tiny offline twins of every image-to-video model family.

A twin is a pipeline of the *same diffusers class* as the real model, built from configs with
tiny random weights, entirely offline: transformers, UNets, VAEs, schedulers, text encoders,
image encoders and tokenizers are all created in code (no hub download of anything). A call
takes well under a second on CPU, so tests can prove the real wiring of every family --
argument names, callbacks, latent layouts, output shapes -- without weights or a GPU. The frames
it makes are noise-like: twins are for testing plumbing, never for looking at.

Every twin keeps its family's *rules*: the same VAE spatial/temporal compression, the same
patch sizes, the same conditioning scheme and the same latent layout in step callbacks as the
real checkpoint, so frame-count rules (4k+1, 8k+1) and size multiples carry over unchanged.

===========  =================================  ============================================  ======
family       diffusers class (real checkpoint)  what was shrunk (the rest as the real model)  s/call
===========  =================================  ============================================  ======
svd          StableVideoDiffusionPipeline       UNet (32, 64) ch, 1 layer/block; VAE 4 x 32   0.26
             (stabilityai/stable-video-         ch (still 8x); CLIP-ViT 1 layer, 32 wide,
             diffusion-img2vid[-xt])            224 px, patch 32. 32x32, 4 frames, 2 steps.
cogvideox    CogVideoXImageToVideoPipeline      transformer 1 layer, 2 x 16 heads, learned    0.16
             (THUDM/CogVideoX-5b-I2V)           pos-emb for its one trained size (32x32);
                                                VAE 4 x 8 ch (8x, 4x in time); T5 2 layers,
                                                32 wide. 32x32, 9 frames, 2 steps.
ltx          LTXImageToVideoPipeline            transformer 1 layer, 4 x 8 heads; VAE 4 x 8   0.04
             (Lightricks/LTX-Video)             ch, patch 4 (still 32x, 8x in time); T5 2
                                                layers. 32x32, 9 frames, 2 steps.
wan          WanImageToVideoPipeline            transformer 1 layer, 2 x 12 heads; VAE base   0.19
             (Wan-AI/Wan2.1-I2V-14B-            3 ch (8x, 4x in time, z 16); UMT5 -> T5 2
             480P-Diffusers, 720P)              layers; CLIP-ViT 2 layers, 8 wide, 32 px,
                                                patch 8. 16x16, 5 frames, 2 steps.
wan-ti2v     WanImageToVideoPipeline            Wan 2.2 TI2V: no image encoder,               0.27
             (Wan-AI/Wan2.2-TI2V-5B-            expand_timesteps; VAE base 3 ch, patch 2
             Diffusers)                         (16x, 4x in time, z 48); transformer 1
                                                layer. 32x32, 5 frames, 2 steps.
hunyuan      HunyuanVideoImageToVideoPipeline   transformer 1 + 1 single layer, 2 x 10 heads  0.28
             (hunyuanvideo-community/           (token_replace + guidance embedding, as the
             HunyuanVideo-I2V)                  real 16-channel I2V); VAE 4 x 8 ch (8x, 4x
                                                in time); Llava = Llama 2 layers, 16 wide +
                                                CLIP-ViT 24 px, patch 1 (576 image tokens,
                                                as the template expects); CLIP text 1 layer.
                                                16x16, 5 frames, 2 steps.
framepack    HunyuanVideoFramepackPipeline      as hunyuan, with Llama (no Llava) and a       0.20
             (lllyasviel/FramePackI2V_HY)       SigLIP of 1 layer, 32 px, patch 8. 16x16,
                                                one section (latent_window_size 2) -> 9
                                                frames, 2 steps.
===========  =================================  ============================================  ======

Seconds per call: median of 5 calls with ``TINY_DEFAULTS``, ``output_type="np"`` and a step
callback, float32, ``torch.set_num_threads(1)``, on the shared 2-core CPU machine these were
written on (``python benchmarks/bench_tiny.py``; a later run under heavier load gave 0.14-0.69 s).
Building a twin takes 0.05-0.6 s once diffusers is imported. Use one torch thread for twins on
a busy machine: with two threads the same calls took 1.5-4 s there, the threads spinning
against other processes.

Tokenizers are built in code with the ``tokenizers`` library (a Unigram model whose vocabulary
holds whole common words and every single letter, digit and punctuation mark, so any prompt
encodes and different prompts give different ids) and wrapped in ``PreTrainedTokenizerFast``.
The Llama-style tokenizer of the HunyuanVideo twins splits each pipeline's default prompt
template into exactly as many tokens as Llama-3 does (``crop_start`` 103 with ``<image>`` at 5 for
I2V, 95 for FramePack), so the pipelines' prompt cropping works on the twins as on the real model.
Twins round-trip through ``save_pretrained(dir)`` / ``from_pretrained(dir, use_safetensors=True)``.

>>> from i2v_nb.synthesis.tiny import tiny_pipeline, TINY_DEFAULTS
>>> pipe = tiny_pipeline("wan", seed=0)                           # doctest: +SKIP
>>> out = pipe(image=image, prompt="a cat", output_type="np",     # doctest: +SKIP
...            **TINY_DEFAULTS["wan"])
>>> out.frames.shape                                              # doctest: +SKIP
(1, 5, 16, 16, 3)
"""

from __future__ import annotations

import re
import string
from typing import Any

from i2v_nb.errors import ParameterError

__all__ = [
    "TINY_FAMILIES",
    "TINY_DEFAULTS",
    "TINY_OUTPUT_FRAMES",
    "TINY_PIPELINE_CLASSES",
    "tiny_pipeline",
]

#: Families with a tiny twin (``tiny_pipeline(family)``); registry presets are ``tiny-<family>``.
TINY_FAMILIES: tuple[str, ...] = (
    "svd",
    "cogvideox",
    "ltx",
    "wan",
    "wan-ti2v",
    "hunyuan",
    "framepack",
)

#: family -> name of the diffusers pipeline class its twin (and its real model) uses.
TINY_PIPELINE_CLASSES: dict[str, str] = {
    "svd": "StableVideoDiffusionPipeline",
    "cogvideox": "CogVideoXImageToVideoPipeline",
    "ltx": "LTXImageToVideoPipeline",
    "wan": "WanImageToVideoPipeline",
    "wan-ti2v": "WanImageToVideoPipeline",
    "hunyuan": "HunyuanVideoImageToVideoPipeline",
    "framepack": "HunyuanVideoFramepackPipeline",
}

#: family -> the smallest valid call arguments for its twin (pass them with ``image=``, the prompt
#: where the family takes one, ``generator=`` and ``output_type=``). Such a call returns
#: ``TINY_OUTPUT_FRAMES[family]`` frames of ``height`` x ``width`` and calls
#: ``callback_on_step_end`` once per step.
TINY_DEFAULTS: dict[str, dict[str, Any]] = {
    "svd": {
        "height": 32,
        "width": 32,
        "num_frames": 4,
        "num_inference_steps": 2,
        "min_guidance_scale": 1.0,
        "max_guidance_scale": 3.0,
        "fps": 7,
        "motion_bucket_id": 127,
        "noise_aug_strength": 0.02,
        "decode_chunk_size": 4,
    },
    "cogvideox": {
        "height": 32,
        "width": 32,
        "num_frames": 9,
        "num_inference_steps": 2,
        "guidance_scale": 6.0,
    },
    "ltx": {
        "height": 32,
        "width": 32,
        "num_frames": 9,
        "num_inference_steps": 2,
        "guidance_scale": 3.0,
    },
    "wan": {
        "height": 16,
        "width": 16,
        "num_frames": 5,
        "num_inference_steps": 2,
        "guidance_scale": 5.0,
    },
    "wan-ti2v": {
        "height": 32,
        "width": 32,
        "num_frames": 5,
        "num_inference_steps": 2,
        "guidance_scale": 5.0,
    },
    "hunyuan": {
        "height": 16,
        "width": 16,
        "num_frames": 5,
        "num_inference_steps": 2,
        "guidance_scale": 6.0,
    },
    "framepack": {
        "height": 16,
        "width": 16,
        "num_frames": 5,
        "latent_window_size": 2,
        "num_inference_steps": 2,
        "guidance_scale": 9.0,
    },
}


#: family -> frames that a call with ``TINY_DEFAULTS[family]`` returns: ``num_frames``, except
#: FramePack, which generates in sections of ``latent_window_size`` latent frames and returns
#: ``4 * latent_window_size + 1`` frames for one section (more, overlapped, for several), never
#: ``num_frames`` itself; its step callback runs once per step of every section.
TINY_OUTPUT_FRAMES: dict[str, int] = {
    family: call["num_frames"] for family, call in TINY_DEFAULTS.items() if family != "framepack"
}
TINY_OUTPUT_FRAMES["framepack"] = 4 * TINY_DEFAULTS["framepack"]["latent_window_size"] + 1


def tiny_pipeline(family: str, *, seed: int = 0) -> Any:
    """Build the tiny offline twin of an image-to-video model family.

    The twin is an instance of the same diffusers pipeline class as the real model, with random
    weights drawn from ``seed`` (the global torch RNG is left as it was), in float32 on CPU,
    built without touching the network. Call it exactly like the real model, e.g. with
    ``image=<PIL image>``, ``prompt=``, ``generator=``, ``output_type="np"``,
    ``callback_on_step_end=`` and the arguments in ``TINY_DEFAULTS[family]``.

    >>> pipe = tiny_pipeline("svd", seed=0)                       # doctest: +SKIP
    >>> type(pipe).__name__                                       # doctest: +SKIP
    'StableVideoDiffusionPipeline'

    Args:
        family: One of ``TINY_FAMILIES``.
        seed: Seed of every random weight; the same seed gives identical weights.

    Returns:
        A diffusers ``DiffusionPipeline`` of the family's class (see ``TINY_PIPELINE_CLASSES``).

    Raises:
        ParameterError: ``family`` has no twin.
    """
    builder = _BUILDERS.get(family)
    if builder is None:
        known = ", ".join(TINY_FAMILIES)
        raise ParameterError(f"no tiny twin for model family {family!r}: choose one of {known}")
    import torch

    with torch.random.fork_rng(devices=[]):
        pipe = builder(int(seed))
    pipe.to("cpu")
    return pipe


# --------------------------------------------------------------------------------------------
# tokenizers built in code
# --------------------------------------------------------------------------------------------

# Whole-word pieces; any other word is spelt out in single characters.
_COMMON_WORDS = (
    "a an and the of in on at to with by for from is are as it its this that over under into "
    "camera slow slowly fast zoom pan tilt dolly orbit static still move moves moving motion "
    "left right up down forward backward around person man woman cat dog bird car sky sea water "
    "wind hair light sun cloud clouds tree trees walks walking runs running flies flying waves "
    "video image photo scene cinematic smooth realistic high quality detailed blurry low "
    "worst bad static dance monkey astronaut coffee rocket"
)


def _unigram_tokenizer(
    *,
    specials: list[str],
    template: str,
    extra_tokens: tuple[str, ...] = (),
    words: str = "",
    model_max_length: int,
    **roles: str,
) -> Any:
    """A ``PreTrainedTokenizerFast`` over a tiny Unigram vocabulary (words + characters).

    Args:
        specials: Special tokens; their ids are 0, 1, ... in this order.
        template: ``TemplateProcessing`` single-sequence template (e.g. ``"$A </s>"``).
        extra_tokens: Plain added tokens matched before pre-tokenisation (e.g. ``"\\n\\n"``).
        words: Extra whole words for the vocabulary, space separated.
        model_max_length: The tokenizer's ``model_max_length``.
        **roles: ``pad_token=``, ``unk_token=``, ``bos_token=``, ``eos_token=`` (token strings).
    """
    from tokenizers import AddedToken, Regex, Tokenizer, models, normalizers, pre_tokenizers
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    chars = list(string.ascii_lowercase + string.digits + string.punctuation) + [" "]
    vocab_words = sorted(set((_COMMON_WORDS + " " + words).split()) - set(chars))
    vocab = [(s, 0.0) for s in specials]
    vocab += [(c, -6.0) for c in chars] + [(w, -1.0) for w in vocab_words]
    vocab += [(t, 0.0) for t in extra_tokens]
    unk = roles.get("unk_token", specials[0])
    tok = Tokenizer(models.Unigram(vocab, unk_id=specials.index(unk), byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    # Words and punctuation runs, like `Whitespace()`, plus Llama-3's habit of giving the space
    # before a number a token of its own (" 1." -> " ", "1", ".").
    tok.pre_tokenizer = pre_tokenizers.Split(
        Regex(r"\w+|[^\w\s]+| (?=\d)"), behavior="removed", invert=True
    )
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if extra_tokens:
        tok.add_tokens([AddedToken(t, normalized=False) for t in extra_tokens])
    named = [t for t in re.findall(r"\S+", template) if t in specials]
    tok.post_processor = processors.TemplateProcessing(
        single=template,
        pair=template.replace("$A", "$A $B"),
        special_tokens=[(t, specials.index(t)) for t in dict.fromkeys(named)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, model_max_length=model_max_length, **roles
    )


def _t5_tokenizer() -> Any:
    """T5-style tokenizer: ``<pad>``=0, ``</s>``=1 appended, ``<unk>``=2."""
    return _unigram_tokenizer(
        specials=["<pad>", "</s>", "<unk>"],
        template="$A </s>",
        model_max_length=512,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
    )


def _clip_tokenizer() -> Any:
    """CLIP-style tokenizer: ``<|startoftext|> ... <|endoftext|>``, padded with end-of-text."""
    return _unigram_tokenizer(
        specials=["<|startoftext|>", "<|endoftext|>"],
        template="<|startoftext|> $A <|endoftext|>",
        model_max_length=77,
        bos_token="<|startoftext|>",
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
        unk_token="<|endoftext|>",
    )


_LLAMA_SPECIALS = [
    "<pad>",
    "<unk>",
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<image>",
]


def _llama_tokenizer() -> Any:
    """Llama-3-style tokenizer for the HunyuanVideo I2V and FramePack prompt templates."""
    from diffusers.pipelines.hunyuan_video.pipeline_hunyuan_video_image2video import (
        DEFAULT_PROMPT_TEMPLATE,
    )

    template_words = " ".join(re.findall(r"[a-z]+", DEFAULT_PROMPT_TEMPLATE["template"].lower()))
    return _unigram_tokenizer(
        specials=list(_LLAMA_SPECIALS),
        template="<|begin_of_text|> $A",
        extra_tokens=("\n\n", "\n"),
        words=template_words + " system user assistant",
        model_max_length=4096,
        bos_token="<|begin_of_text|>",
        eos_token="<|eot_id|>",
        pad_token="<pad>",
        unk_token="<unk>",
    )


def _tiny_t5(vocab_size: int, d_model: int = 32) -> Any:
    from transformers import T5Config, T5EncoderModel

    config = T5Config(
        vocab_size=vocab_size,
        d_model=d_model,
        d_kv=8,
        d_ff=37,
        num_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        relative_attention_max_distance=32,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    return T5EncoderModel(config).eval()


# --------------------------------------------------------------------------------------------
# one builder per family (each called under torch.manual_seed(seed))
# --------------------------------------------------------------------------------------------


def _build_svd(seed: int) -> Any:
    import torch
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(seed)
    unet = UNetSpatioTemporalConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        in_channels=8,
        out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=32,
        num_attention_heads=(2, 4),
        projection_class_embeddings_input_dim=3 * 32,  # fps, motion bucket, noise aug
        addition_time_embed_dim=32,
        num_frames=TINY_DEFAULTS["svd"]["num_frames"],
    )
    # The same scheduler config as stabilityai/stable-video-diffusion-img2vid.
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        interpolation_type="linear",
        num_train_timesteps=1000,
        prediction_type="v_prediction",
        sigma_max=700.0,
        sigma_min=0.002,
        steps_offset=1,
        timestep_spacing="leading",
        timestep_type="continuous",
        use_karras_sigmas=True,
    )
    torch.manual_seed(seed + 1)
    vae = AutoencoderKLTemporalDecoder(  # four blocks: 8x spatial compression, as the real VAE
        block_out_channels=(32, 32, 32, 32),
        down_block_types=("DownEncoderBlock2D",) * 4,
        layers_per_block=1,
        latent_channels=4,
    )
    torch.manual_seed(seed + 2)
    # SVD resizes the image to 224x224 for CLIP: keep that size, shrink everything else.
    image_encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=32,
            projection_dim=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=37,
            image_size=224,
            patch_size=32,
        )
    ).eval()
    feature_extractor = CLIPImageProcessor(crop_size=224, size=224)
    return StableVideoDiffusionPipeline(
        vae=vae,
        image_encoder=image_encoder,
        unet=unet,
        scheduler=scheduler,
        feature_extractor=feature_extractor,
    )


def _build_cogvideox(seed: int) -> Any:
    import torch
    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXDDIMScheduler,
        CogVideoXImageToVideoPipeline,
        CogVideoXTransformer3DModel,
    )

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
    tokenizer = _t5_tokenizer()
    torch.manual_seed(seed + 2)
    text_encoder = _tiny_t5(len(tokenizer))
    return CogVideoXImageToVideoPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        vae=vae,
        transformer=transformer,
        scheduler=scheduler,
    )


def _build_ltx(seed: int) -> Any:
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXImageToVideoPipeline,
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
    tokenizer = _t5_tokenizer()
    torch.manual_seed(seed + 2)
    text_encoder = _tiny_t5(len(tokenizer))
    return LTXImageToVideoPipeline(
        scheduler=scheduler,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        transformer=transformer,
    )


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


def _build_wan(seed: int) -> Any:
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
    tokenizer = _t5_tokenizer()
    torch.manual_seed(seed + 3)
    text_encoder = _tiny_t5(len(tokenizer))
    return WanImageToVideoPipeline(
        tokenizer=tokenizer,
        text_encoder=text_encoder,
        vae=vae,
        scheduler=_wan_scheduler(),
        image_processor=image_processor,
        image_encoder=image_encoder,
        transformer=transformer,
    )


def _build_wan_ti2v(seed: int) -> Any:
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
    tokenizer = _t5_tokenizer()
    torch.manual_seed(seed + 2)
    text_encoder = _tiny_t5(len(tokenizer))
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


def _llama_config(tokenizer: Any) -> Any:
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=37,
        num_attention_heads=4,
        num_key_value_heads=4,
        num_hidden_layers=2,  # the pipelines read hidden_states[-3]
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        max_position_embeddings=2048,
        hidden_act="silu",
    )


def _clip_text_model(tokenizer: Any) -> Any:
    from transformers import CLIPTextConfig, CLIPTextModel

    return CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(tokenizer),
            hidden_size=8,
            intermediate_size=16,
            num_attention_heads=2,
            num_hidden_layers=1,
            max_position_embeddings=77,
            projection_dim=8,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
    ).eval()


def _build_hunyuan(seed: int) -> Any:
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

    tokenizer = _llama_tokenizer()
    text_config = _llama_config(tokenizer)
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
    tokenizer_2 = _clip_tokenizer()
    torch.manual_seed(seed + 3)
    text_encoder_2 = _clip_text_model(tokenizer_2)
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


def _build_framepack(seed: int) -> Any:
    import torch
    from diffusers import (
        FlowMatchEulerDiscreteScheduler,
        HunyuanVideoFramepackPipeline,
        HunyuanVideoFramepackTransformer3DModel,
    )
    from transformers import (
        LlamaModel,
        SiglipImageProcessor,
        SiglipVisionConfig,
        SiglipVisionModel,
    )

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
    tokenizer = _llama_tokenizer()
    torch.manual_seed(seed + 2)
    text_encoder = LlamaModel(_llama_config(tokenizer)).eval()
    tokenizer_2 = _clip_tokenizer()
    torch.manual_seed(seed + 3)
    text_encoder_2 = _clip_text_model(tokenizer_2)
    torch.manual_seed(seed + 4)
    image_encoder = SiglipVisionModel(
        SiglipVisionConfig(
            hidden_size=8,
            intermediate_size=16,
            num_attention_heads=2,
            num_hidden_layers=1,
            image_size=32,
            patch_size=8,
        )
    ).eval()
    feature_extractor = SiglipImageProcessor(size={"height": 32, "width": 32})
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


_BUILDERS = {
    "svd": _build_svd,
    "cogvideox": _build_cogvideox,
    "ltx": _build_ltx,
    "wan": _build_wan,
    "wan-ti2v": _build_wan_ti2v,
    "hunyuan": _build_hunyuan,
    "framepack": _build_framepack,
}
