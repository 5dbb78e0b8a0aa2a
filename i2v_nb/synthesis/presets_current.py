"""The image-to-video models creators use now (issue 13): data only, like :mod:`.presets`.

Every pipeline class, call argument and frame/size rule below was read in the installed diffusers
0.42.1 source (``pipelines/{wan,ltx,cogvideo,hunyuan_video1_5,skyreels_v2}``); defaults come from
the model cards or the official configs cited next to them. VRAM figures are rough estimates
(GB, one clip at the default settings), not measurements.

>>> [p.name for p in CURRENT_PRESETS][:2]
['wan2.2-i2v-a14b', 'wan2.1-flf2v-720p']
"""

from __future__ import annotations

from i2v_nb.synthesis.knob import Knob
from i2v_nb.synthesis.preset import ModelPreset

__all__ = ["CURRENT_PRESETS", "hunyuan15_sizes", "LTX_DISTILLED_KNOBS", "SKYREELS_DF_KNOBS",
           "WAN_A14B_KNOBS"]


def hunyuan15_sizes(target_size: int, patch: int = 16,
                    max_ratio: float = 4.0) -> tuple[tuple[int, int], ...]:
    """The ``(width, height)`` sizes HunyuanVideo 1.5 makes for a transformer ``target_size``.

    ``HunyuanVideo15ImageToVideoPipeline`` takes no ``height``/``width``: it makes the bucket of
    ``generate_crop_size_list(target_size, 16)`` nearest the picture's aspect ratio
    (``get_closest_ratio``, ratios rounded to 5 digits; diffusers
    ``pipelines/hunyuan_video1_5/image_processor.py``). This is that list, read as
    ``(height, width)`` pairs as the pipeline reads it, keeping only the buckets that the rule
    maps to themselves, so a picture fitted to one of them is made at exactly that size.

    >>> hunyuan15_sizes(32)
    ((16, 32), (16, 48), (16, 64), (32, 16), (32, 32), (64, 16))
    """
    n = round((target_size / patch) ** 2)
    buckets, wp, hp = [], n, 1
    while wp > 0:
        if max(wp, hp) / min(wp, hp) <= max_ratio:
            buckets.append((wp * patch, hp * patch))
        if (hp + 1) * wp <= n:
            hp += 1
        else:
            wp -= 1
    ratios = [round(h / w, 5) for h, w in buckets]

    def nearest(h: int, w: int) -> tuple[int, int]:
        aspect = h / w
        diffs = [(i, r - aspect) for i, r in enumerate(ratios)]
        side = [(i, d) for i, d in diffs if (d <= 0 if aspect >= 1 else d >= 0)]
        return buckets[min(side, key=lambda pair: abs(pair[1]))[0]]

    return tuple(sorted({(w, h) for h, w in buckets if nearest(h, w) == (h, w)}))


#: Wan 2.2 A14B: the low-noise expert's own guidance (``guidance_scale_2``, a call argument
#: that only a pipeline with ``boundary_ratio`` takes).
WAN_A14B_KNOBS = {
    "guidance_scale_2": Knob(None, 0.0, 20.0, "float",
                             "guidance of the low-noise expert (None = guidance_scale)"),
}
#: LTX-Video 0.9.8 distilled, from diffusers' docs (docs/source/en/api/pipelines/ltx_video.md,
#: "LTX-Video 0.9.8 distilled" example): guidance 1.0, guidance_rescale 0.7, decode_timestep
#: 0.05, decode_noise_scale 0.025, image_cond_noise_scale 0.0.
LTX_DISTILLED_KNOBS = {
    "decode_timestep": Knob(0.05, 0.0, 1.0, "float", "timestep of the VAE decoder"),
    "decode_noise_scale": Knob(0.025, 0.0, 1.0, "float", "noise added before decoding"),
    "guidance_rescale": Knob(0.7, 0.0, 1.0, "float", "rescales guided noise (reduces over-exposure)"),
    "image_cond_noise_scale": Knob(0.0, 0.0, 1.0, "float", "noise added to the conditioning image"),
}
#: The same docs' distilled timesteps for the first pass ("[1000, 993, 987, 981, 975, 909, 725,
#: 0.03]"); the upscaled second pass uses [1000, 909, 725, 421, 0] with denoise_strength 0.999.
_LTX_DISTILLED_TIMESTEPS = (1000.0, 993.0, 987.0, 981.0, 975.0, 909.0, 725.0, 0.03)
#: Lightricks' diffusers-format latent upsampler (used with LTXLatentUpsamplePipeline in the
#: same docs' 0.9.7 example); Lightricks/LTX-Video's ltxv-spatial-upscaler-0.9.8.safetensors is
#: a copy of the 0.9.7 file.
_LTX_UPSAMPLER = ("LTXLatentUpsamplePipeline", "Lightricks/ltxv-spatial-upscaler-0.9.7")
#: SkyReels-V2 Diffusion Forcing (SkyReelsV2DiffusionForcingImageToVideoPipeline.__call__'s
#: documentation): base_num_frames 97 at 540P (121 at 720P); overlap_history 17 or 37 for
#: long videos (required once num_frames > base_num_frames); addnoise_condition 20
#: (at most 50); ar_step 5 with causal_block_size 5 for asynchronous inference (0: synchronous).
SKYREELS_DF_KNOBS = {
    "base_num_frames": Knob(97, 5, 257, "int", "frames per window (97 at 540P, 121 at 720P)"),
    "overlap_history": Knob(17, 1, 97, "int", "frames shared by consecutive windows (17 or 37)"),
    "addnoise_condition": Knob(20.0, 0.0, 50.0, "float",
                               "noise on the carried-over frames (smoother long videos)"),
    "ar_step": Knob(0, 0, 10, "int", "asynchronous steps between blocks (0 = synchronous)"),
    "causal_block_size": Knob(None, 1, 10, "int", "frames per causal block (5 with ar_step 5)"),
}
_WAN_FP32 = {"vae": "float32", "image_encoder": "float32"}
_COG15 = "https://huggingface.co/THUDM/CogVideoX1.5-5B-I2V"
_SKY = "https://huggingface.co/Skywork"
_SKY_LICENCE = "Skywork licence: see the model page"  # not checked offline

#: The newer real models, in the order ``models()`` lists them (after the first round's).
CURRENT_PRESETS: tuple[ModelPreset, ...] = (
    # Wan 2.2 I2V A14B: two 14B experts; Wan2.2's configs/wan_i2v_A14B.py: boundary 0.900,
    # sample_guide_scale (3.5, 3.5), sample_steps 40, sample_shift 5.0; 480P and 720P
    ModelPreset(
        name="wan2.2-i2v-a14b", twin="wan-a14b", family="wan",
        hub_id="Wan-AI/Wan2.2-I2V-A14B-Diffusers", pipeline_class="WanImageToVideoPipeline",
        dtype="bfloat16", component_dtypes={"vae": "float32"},
        defaults=dict(width=832, height=480, num_frames=81, fps=16, num_inference_steps=40,
                      guidance_scale=3.5),
        knobs=WAN_A14B_KNOBS, frame_step=4, min_frames=5, max_frames=81, size_multiple=16,
        max_pixels=1280 * 720, vram_gb={"fast": 80, "balanced": 40, "low-vram": 14},
        capabilities={"text_prompt", "last_frame"}, experts=("transformer", "transformer_2"),
        pipeline_config={"boundary_ratio": 0.9}, scheduler_config={"flow_shift": 5.0},
        licence="Apache-2.0", licence_url="https://huggingface.co/Wan-AI/Wan2.2-I2V-A14B-Diffusers",
        description="Wan 2.2 I2V A14B: two experts (high noise, then low noise), 480p-720p, "
                    "81 frames at 16 fps, optional last frame"),
    # Wan 2.1 FLF2V: the model card's diffusers example (guidance 5.5, 720*1280 area, fps 16)
    ModelPreset(
        name="wan2.1-flf2v-720p", twin="wan-flf2v", family="wan",
        hub_id="Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers", pipeline_class="WanImageToVideoPipeline",
        dtype="bfloat16", component_dtypes=_WAN_FP32,
        defaults=dict(width=1280, height=720, num_frames=81, fps=16, num_inference_steps=50,
                      guidance_scale=5.5),
        frame_step=4, min_frames=5, max_frames=81, size_multiple=16, max_pixels=1280 * 720,
        vram_gb={"fast": 64, "balanced": 40, "low-vram": 16},
        capabilities={"text_prompt", "last_frame"}, needs={"last_frame"},
        licence="Apache-2.0", licence_url="https://huggingface.co/Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers",
        description="Wan 2.1 FLF2V 14B at 720p: from a first to a last frame (both needed)"),
    ModelPreset(
        name="ltx-video-0.9.8-13b-distilled", twin="ltx-condition", family="ltx",
        hub_id="Lightricks/LTX-Video-0.9.8-13B-distilled", pipeline_class="LTXConditionPipeline",
        dtype="bfloat16",
        defaults=dict(width=832, height=480, num_frames=121, fps=24, num_inference_steps=8,
                      guidance_scale=1.0),
        knobs=LTX_DISTILLED_KNOBS, frame_step=8, min_frames=9, max_frames=361, size_multiple=32,
        max_pixels=1280 * 720, fps_conditions=True, vram_gb={"fast": 40, "balanced": 28, "low-vram": 10},
        capabilities={"text_prompt", "last_frame", "keyframes", "video_condition", "upsample"},
        timesteps=_LTX_DISTILLED_TIMESTEPS, upsampler=_LTX_UPSAMPLER,
        licence="LTX-Video Open Weights License",
        licence_url="https://huggingface.co/Lightricks/LTX-Video/blob/main/LICENSE",
        description="LTX-Video 0.9.8 13B distilled: 8 steps, conditions at any frame, "
                    "latent upsampler"),
    # the 2B 0.9.8 distilled ships as one file in Lightricks/LTX-Video (no diffusers-format repo
    # found): the transformer from that file, the rest from the 0.9.5 diffusers repo
    ModelPreset(
        name="ltx-video-0.9.8-2b-distilled", twin="ltx-condition", family="ltx",
        hub_id="Lightricks/LTX-Video", base_hub_id="Lightricks/LTX-Video-0.9.5",
        components={"transformer": ("diffusers", "LTXVideoTransformer3DModel",
                                    "Lightricks/LTX-Video", "ltxv-2b-0.9.8-distilled.safetensors",
                                    "bfloat16")},
        pipeline_class="LTXConditionPipeline", dtype="bfloat16",
        defaults=dict(width=832, height=480, num_frames=121, fps=24, num_inference_steps=8,
                      guidance_scale=1.0),
        knobs=LTX_DISTILLED_KNOBS, frame_step=8, min_frames=9, max_frames=361, size_multiple=32,
        max_pixels=1280 * 720, fps_conditions=True, vram_gb={"fast": 16, "balanced": 8, "low-vram": 5},
        capabilities={"text_prompt", "last_frame", "keyframes", "video_condition", "upsample"},
        timesteps=_LTX_DISTILLED_TIMESTEPS, upsampler=_LTX_UPSAMPLER,
        licence="LTX-Video Open Weights License",
        licence_url="https://huggingface.co/Lightricks/LTX-Video/blob/main/LICENSE",
        description="LTX-Video 0.9.8 2B distilled: fast, 8 steps, conditions at any frame"),
    # HunyuanVideo 1.5 480p I2V (diffusers' convert script: target_size 640, shift 5.0,
    # guidance 6.0); 121 frames at 24 fps is the model's default length
    ModelPreset(
        name="hunyuanvideo-1.5-i2v-480p", twin="hunyuan15", family="hunyuan",
        hub_id="hunyuanvideo-community/HunyuanVideo-1.5-480p_i2v",
        pipeline_class="HunyuanVideo15ImageToVideoPipeline", dtype="float16",
        defaults=dict(width=848, height=480, num_frames=121, fps=24, num_inference_steps=50,
                      guidance_scale=6.0),
        frame_step=4, min_frames=5, max_frames=121, size_multiple=16,
        fixed_sizes=hunyuan15_sizes(640), max_pixels=640 * 640,
        vram_gb={"fast": 40, "balanced": 20, "low-vram": 14}, capabilities={"text_prompt"},
        licence="Tencent Hunyuan Community License",
        licence_url="https://huggingface.co/tencent/HunyuanVideo-1.5/blob/main/LICENSE",
        description="HunyuanVideo 1.5 I2V 8.3B at 480p: sizes in buckets by aspect ratio"),
    # CogVideoX1.5-5B-I2V model card: Min(W, H) = 768, 768 <= Max(W, H) <= 1360, multiples of
    # 16; 5 or 10 seconds at 16 fps (81 or 161 frames: the pipeline pads odd latent counts)
    ModelPreset(
        name="cogvideox1.5-5b-i2v", twin="cogvideox15", family="cogvideox",
        hub_id="THUDM/CogVideoX1.5-5B-I2V", pipeline_class="CogVideoXImageToVideoPipeline",
        dtype="bfloat16",
        defaults=dict(width=1360, height=768, num_frames=81, fps=16, num_inference_steps=50,
                      guidance_scale=6.0),
        knobs={"use_dynamic_cfg": Knob(True, kind="bool", help="cosine guidance schedule")},
        fixed_frames=(81, 161), frame_step=80, min_frames=81, max_frames=161, size_multiple=16,
        fixed_sizes=tuple((w, 768) for w in range(768, 1361, 16))
        + tuple((768, h) for h in range(784, 1361, 16)), max_pixels=1360 * 768,
        vram_gb={"fast": 36, "balanced": 18, "low-vram": 9}, capabilities={"text_prompt"},
        licence="CogVideoX License", licence_url=f"{_COG15}/blob/main/LICENSE",
        description="CogVideoX 1.5 5B image-to-video: 768 px short side, 81 or 161 frames"),
    # SkyReels-V2 (built on Wan 2.1): the pipelines' examples use 544x960, 97 frames, guidance 5.0
    # and flow_shift 5.0 for I2V
    ModelPreset(
        name="skyreels-v2-i2v-14b-540p", twin="skyreels", family="wan",
        hub_id="Skywork/SkyReels-V2-I2V-14B-540P-Diffusers",
        pipeline_class="SkyReelsV2ImageToVideoPipeline", dtype="bfloat16", component_dtypes=_WAN_FP32,
        defaults=dict(width=960, height=544, num_frames=97, fps=24, num_inference_steps=50,
                      guidance_scale=5.0),
        frame_step=4, min_frames=5, max_frames=97, size_multiple=16, max_pixels=960 * 544,
        vram_gb={"fast": 48, "balanced": 32, "low-vram": 12}, capabilities={"text_prompt"},
        scheduler_config={"flow_shift": 5.0}, licence=_SKY_LICENCE,
        licence_url=f"{_SKY}/SkyReels-V2-I2V-14B-540P-Diffusers",
        description="SkyReels-V2 I2V 14B at 540p: 97 frames at 24 fps"),
    ModelPreset(
        name="skyreels-v2-flf2v-1.3b-540p", twin="skyreels-flf2v", family="wan",
        hub_id="Skywork/SkyReels-V2-FLF2V-1.3B-540P-Diffusers",
        pipeline_class="SkyReelsV2ImageToVideoPipeline", dtype="bfloat16", component_dtypes=_WAN_FP32,
        defaults=dict(width=960, height=544, num_frames=97, fps=24, num_inference_steps=50,
                      guidance_scale=5.0),
        frame_step=4, min_frames=5, max_frames=97, size_multiple=16, max_pixels=960 * 544,
        vram_gb={"fast": 20, "balanced": 12, "low-vram": 6},
        capabilities={"text_prompt", "last_frame"}, needs={"last_frame"},
        scheduler_config={"flow_shift": 5.0}, licence=_SKY_LICENCE,
        licence_url=f"{_SKY}/SkyReels-V2-FLF2V-1.3B-540P-Diffusers",
        description="SkyReels-V2 FLF2V 1.3B at 540p: from a first to a last frame (both needed)"),
    ModelPreset(
        name="skyreels-v2-df-14b-540p", twin="skyreels-df", family="wan",
        hub_id="Skywork/SkyReels-V2-DF-14B-540P-Diffusers",
        pipeline_class="SkyReelsV2DiffusionForcingImageToVideoPipeline", dtype="bfloat16",
        component_dtypes={"vae": "float32"},
        defaults=dict(width=960, height=544, num_frames=97, fps=24, num_inference_steps=50,
                      guidance_scale=5.0),
        knobs=SKYREELS_DF_KNOBS, frame_step=4, min_frames=5, max_frames=737, size_multiple=16,
        max_pixels=960 * 544, fps_conditions=True,
        vram_gb={"fast": 56, "balanced": 36, "low-vram": 14},
        capabilities={"text_prompt", "long_video"}, scheduler_config={"flow_shift": 5.0},
        licence=_SKY_LICENCE, licence_url=f"{_SKY}/SkyReels-V2-DF-14B-540P-Diffusers",
        description="SkyReels-V2 Diffusion Forcing 14B at 540p: long clips in overlapping "
                    "windows of 97 frames"),
)
