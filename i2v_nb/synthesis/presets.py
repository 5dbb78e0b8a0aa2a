"""The built-in model presets: data only (the engine that reads it is :mod:`.preset`).

Pipeline classes and call argument names were checked in the diffusers 0.42.1 source
(``diffusers/pipelines/{stable_video_diffusion,cogvideo,ltx,wan,hunyuan_video}``). The models
creators use now (Wan 2.2 A14B, Wan 2.1 FLF2V, LTX-Video 0.9.8 distilled, HunyuanVideo 1.5,
CogVideoX 1.5, SkyReels-V2) are in :mod:`.presets_current`; the presets they supersede keep
working and say so (``superseded_by``). Every preset lists its ``capabilities``.
VRAM figures are rough public estimates (GB, one clip at the default settings), not measurements.

The CPU preview engine is a preset like the others (:data:`PREVIEW_PRESET`): its frame and size
rules, frame-rate cap, memory cap and knobs are fields that the validation engine and the widgets
read; ``i2v_nb.synthesis.preview`` takes its limits from it.

The tiny presets (``tiny-<family>``) copy their real model's rules (the twins keep the VAE
compression and patch sizes) with the tiny sizes of :data:`i2v_nb.testing.TINY_DEFAULTS` (a test
checks they agree); :func:`i2v_nb.testing.tiny_pipeline` builds their pipelines offline.

>>> [p.name for p in BUILTIN_PRESETS][:3]
['svd', 'svd-xt', 'cogvideox-5b-i2v']
"""

from __future__ import annotations

from typing import Any

from i2v_nb.prompting import CAMERA_MOVES
from i2v_nb.synthesis.preset import Knob, ModelPreset
from i2v_nb.synthesis.presets_current import CURRENT_PRESETS, hunyuan15_sizes

__all__ = ["BUILTIN_PRESETS", "REAL_PRESETS", "TINY_PRESETS", "PREVIEW_PRESET"]

_SVD_KNOBS = {
    "motion_bucket_id": Knob(127, 1, 255, "int", "how much motion (higher = more)"),
    "noise_aug_strength": Knob(0.02, 0.0, 1.0, "float",
                               "noise added to the conditioning image (higher = less like it)"),
    "decode_chunk_size": Knob(None, 1, 64, "int",
                              "frames decoded at once (lower = less VRAM); None = by profile"),
    "min_guidance_scale": Knob(1.0, 0.0, 20.0, "float", "guidance at the first frame"),
}
_LTX_KNOBS = {
    "decode_timestep": Knob(0.0, 0.0, 1.0, "float", "timestep of the VAE decoder (0.03 in LTX 0.9.1+)"),
    "decode_noise_scale": Knob(None, 0.0, 1.0, "float", "noise added before decoding"),
    "guidance_rescale": Knob(0.0, 0.0, 1.0, "float", "rescales guided noise (reduces over-exposure)"),
}
_COG_KNOBS = {
    "use_dynamic_cfg": Knob(False, kind="bool", help="cosine guidance schedule"),
}
_HUNYUAN_KNOBS = {
    "true_cfg_scale": Knob(1.0, 1.0, 20.0, "float", "real classifier-free guidance (>1 needs a negative prompt)"),
}

#: The preview engine's knobs: keywords of ``generate`` (None = read from the prompt), not
#: widget controls; values outside [0, 1] are refused, not clipped.
_PREVIEW_KNOBS = {
    "loop": Knob(None, kind="bool", advanced=True,
                 help="a seamless loop; None reads it from the prompt"),
    "intensity": Knob(None, 0.0, 1.0, "float", strict=True, advanced=True,
                      help="0 none, 0.5 normal, 1 most; None reads it from the prompt"),
    "speed": Knob(None, 0.0, 1.0, "float", strict=True, advanced=True,
                  help="0 slowest, 0.5 normal, 1 fastest; None reads it from the prompt"),
    "camera": Knob(None, kind="choice", choices=tuple(CAMERA_MOVES), advanced=True,
                   help="or None to read it from the prompt"),
    "parallax": Knob(0.5, 0.0, 1.0, "float", strict=True, advanced=True,
                     help="0 flat moves, 1 the farthest pixels do not move"),
    "auto_effects": Knob(True, kind="bool", advanced=True,
                         help="a prompt with no motion animates the sky, water, foliage found"),
    "fit": Knob("crop", kind="choice", choices=("crop", "pad", "stretch"), advanced=True,
                help="how the picture is brought to width x height"),
    "start_on_image": Knob(False, kind="bool", advanced=True,
                           help="the first frame is the picture itself: no margin taken for the "
                                "camera, the picture is mirrored at its edges instead (extend "
                                "uses it)"),
}

#: The CPU preview engine: any frame count from 1 to 1000, even sizes of 16 to 4096 px that
#: follow the picture (long side 512 by default), at most 240 fps, at most 600 million pixels ×
#: frames (~1.8 GB of frames); no denoising steps or guidance (accepted, checked, unused).
#: ``defaults`` width and height are the size of a 16:10 picture (shown in tables).
PREVIEW_PRESET = ModelPreset(
    name="preview", label="the preview engine", family="preview", hub_id=None,
    pipeline_class=None, backend="preview", uses_prompt=True, dtype="float32", needs_gpu=False,
    backend_options=(),
    defaults=dict(num_frames=24, fps=12, width=512, height=320, num_inference_steps=1,
                  guidance_scale=0.0),
    knobs=_PREVIEW_KNOBS, min_frames=1, max_frames=1000, max_frames_asked=1000,
    ui_max_frames=240, size_multiple=2, size_rounding="up", min_side=16, max_side=4096,
    auto_long_side=512, max_pixels=4096 * 4096, max_voxels=600_000_000, max_fps=240.0,
    ignored_params=("num_inference_steps", "guidance_scale"),
    capabilities={"text_prompt", "last_frame", "keyframes"},
    vram_gb={"fast": 0, "balanced": 0, "low-vram": 0}, licence="Apache-2.0 (i2v_nb)",
    description="CPU preview engine: camera moves and simple animation from the prompt, seconds")

_SVD_URL = "https://huggingface.co/stabilityai/stable-video-diffusion-img2vid-xt/blob/main/LICENSE.md"
_WAN_VAE_FP32 = {"vae": "float32", "image_encoder": "float32"}

#: The real models (and the CPU preview engine), in the order ``models()`` lists them.
REAL_PRESETS: tuple[ModelPreset, ...] = (
    ModelPreset(
        name="svd", twin="svd", family="svd", hub_id="stabilityai/stable-video-diffusion-img2vid",
        pipeline_class="StableVideoDiffusionPipeline", uses_prompt=False, dtype="float16",
        defaults=dict(width=1024, height=576, num_frames=14, fps=7, num_inference_steps=25,
                      guidance_scale=3.0),
        knobs=_SVD_KNOBS, min_frames=2, max_frames=14, size_multiple=64, max_pixels=1024 * 576,
        vram_gb={"fast": 14, "balanced": 10, "low-vram": 7},
        licence="Stability AI Community License", licence_url=_SVD_URL, fps_conditions=True,
        supports_tiling=False,
        description="Stable Video Diffusion img2vid: 14 frames at 1024x576, image only (no text)"),
    ModelPreset(
        name="svd-xt", twin="svd", family="svd", hub_id="stabilityai/stable-video-diffusion-img2vid-xt",
        pipeline_class="StableVideoDiffusionPipeline", uses_prompt=False, dtype="float16",
        defaults=dict(width=1024, height=576, num_frames=25, fps=7, num_inference_steps=25,
                      guidance_scale=3.0),
        knobs=_SVD_KNOBS, min_frames=2, max_frames=25, size_multiple=64, max_pixels=1024 * 576,
        vram_gb={"fast": 18, "balanced": 12, "low-vram": 8},
        licence="Stability AI Community License", licence_url=_SVD_URL, fps_conditions=True,
        supports_tiling=False,
        description="Stable Video Diffusion img2vid-xt: 25 frames at 1024x576, image only"),
    ModelPreset(
        name="cogvideox-5b-i2v", twin="cogvideox", family="cogvideox", hub_id="THUDM/CogVideoX-5b-I2V",
        pipeline_class="CogVideoXImageToVideoPipeline", dtype="bfloat16",
        defaults=dict(width=720, height=480, num_frames=49, fps=8, num_inference_steps=50,
                      guidance_scale=6.0),
        knobs={**_COG_KNOBS, "use_dynamic_cfg": Knob(True, kind="bool",
                                                       help="cosine guidance schedule")},
        fixed_frames=(49,), min_frames=49, max_frames=49, size_multiple=16,
        fixed_sizes=((720, 480),), max_pixels=720 * 480, capabilities={"text_prompt"},
        superseded_by="cogvideox1.5-5b-i2v",
        vram_gb={"fast": 33, "balanced": 11, "low-vram": 5},
        licence="CogVideoX License", licence_url="https://huggingface.co/THUDM/CogVideoX-5b-I2V/blob/main/LICENSE",
        description="CogVideoX 5B image-to-video: 49 frames at 8 fps, only 720x480"),
    ModelPreset(
        name="ltx-video", twin="ltx", family="ltx", hub_id="Lightricks/LTX-Video",
        pipeline_class="LTXImageToVideoPipeline", dtype="bfloat16",
        defaults=dict(width=704, height=480, num_frames=161, fps=25, num_inference_steps=50,
                      guidance_scale=3.0),
        knobs=_LTX_KNOBS, frame_step=8, min_frames=9, max_frames=257, size_multiple=32,
        max_pixels=1280 * 720, vram_gb={"fast": 18, "balanced": 10, "low-vram": 5},
        capabilities={"text_prompt"}, superseded_by="ltx-video-0.9.8-2b-distilled",
        licence="LTX-Video Open Weights License",
        licence_url="https://huggingface.co/Lightricks/LTX-Video/blob/main/LICENSE",
        fps_conditions=True,
        description="LTX-Video 2B: fast, 8k+1 frames, sizes multiple of 32"),
    ModelPreset(
        name="wan2.1-i2v-480p", twin="wan", family="wan", hub_id="Wan-AI/Wan2.1-I2V-14B-480P-Diffusers",
        pipeline_class="WanImageToVideoPipeline", dtype="bfloat16", component_dtypes=_WAN_VAE_FP32,
        defaults=dict(width=832, height=480, num_frames=81, fps=16, num_inference_steps=50,
                      guidance_scale=5.0),
        frame_step=4, min_frames=5, max_frames=81, size_multiple=16, max_pixels=832 * 480,
        vram_gb={"fast": 48, "balanced": 32, "low-vram": 12}, capabilities={"text_prompt"},
        superseded_by="wan2.2-i2v-a14b",
        licence="Apache-2.0", licence_url="https://huggingface.co/Wan-AI/Wan2.1-I2V-14B-480P-Diffusers",
        description="Wan 2.1 I2V 14B at 480p: 81 frames at 16 fps, 4k+1 frames, multiple of 16"),
    ModelPreset(
        name="wan2.1-i2v-720p", twin="wan", family="wan", hub_id="Wan-AI/Wan2.1-I2V-14B-720P-Diffusers",
        pipeline_class="WanImageToVideoPipeline", dtype="bfloat16", component_dtypes=_WAN_VAE_FP32,
        defaults=dict(width=1280, height=720, num_frames=81, fps=16, num_inference_steps=50,
                      guidance_scale=5.0),
        frame_step=4, min_frames=5, max_frames=81, size_multiple=16, max_pixels=1280 * 720,
        vram_gb={"fast": 64, "balanced": 40, "low-vram": 16}, capabilities={"text_prompt"},
        superseded_by="wan2.2-i2v-a14b",
        licence="Apache-2.0", licence_url="https://huggingface.co/Wan-AI/Wan2.1-I2V-14B-720P-Diffusers",
        description="Wan 2.1 I2V 14B at 720p: 81 frames at 16 fps, 4k+1 frames, multiple of 16"),
    ModelPreset(
        name="wan2.2-ti2v-5b", twin="wan-ti2v", family="wan", hub_id="Wan-AI/Wan2.2-TI2V-5B-Diffusers",
        pipeline_class="WanImageToVideoPipeline", dtype="bfloat16", component_dtypes={"vae": "float32"},
        defaults=dict(width=1280, height=704, num_frames=121, fps=24, num_inference_steps=50,
                      guidance_scale=5.0),
        frame_step=4, min_frames=5, max_frames=121, size_multiple=32, max_pixels=1280 * 704,
        vram_gb={"fast": 32, "balanced": 20, "low-vram": 8}, capabilities={"text_prompt"},
        licence="Apache-2.0", licence_url="https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B-Diffusers",
        description="Wan 2.2 TI2V 5B: 121 frames at 24 fps, 720p, sizes multiple of 32"),
    ModelPreset(
        name="hunyuanvideo-i2v", twin="hunyuan", family="hunyuan", hub_id="hunyuanvideo-community/HunyuanVideo-I2V",
        pipeline_class="HunyuanVideoImageToVideoPipeline", dtype="float16",
        component_dtypes={"transformer": "bfloat16"},
        defaults=dict(width=1280, height=720, num_frames=129, fps=24, num_inference_steps=50,
                      guidance_scale=6.0),
        knobs=_HUNYUAN_KNOBS, frame_step=4, min_frames=5, max_frames=129, size_multiple=16,
        max_pixels=1280 * 720, vram_gb={"fast": 60, "balanced": 40, "low-vram": 14},
        capabilities={"text_prompt"}, superseded_by="hunyuanvideo-1.5-i2v-480p",
        licence="Tencent Hunyuan Community License",
        licence_url="https://huggingface.co/tencent/HunyuanVideo-I2V/blob/main/LICENSE",
        description="HunyuanVideo I2V 13B: 129 frames at 720p, 4k+1 frames, multiple of 16"),
    ModelPreset(
        name="framepack", twin="framepack", family="framepack", hub_id="lllyasviel/FramePackI2V_HY",
        base_hub_id="hunyuanvideo-community/HunyuanVideo",
        components={
            "transformer": ("diffusers", "HunyuanVideoFramepackTransformer3DModel",
                            "lllyasviel/FramePackI2V_HY", None, "bfloat16"),
            "feature_extractor": ("transformers", "SiglipImageProcessor",
                                  "lllyasviel/flux_redux_bfl", "feature_extractor", None),
            "image_encoder": ("transformers", "SiglipVisionModel", "lllyasviel/flux_redux_bfl",
                              "image_encoder", "float16"),
        },
        pipeline_class="HunyuanVideoFramepackPipeline", dtype="float16",
        defaults=dict(width=640, height=640, num_frames=109, fps=30, num_inference_steps=25,
                      guidance_scale=9.0),
        knobs={**_HUNYUAN_KNOBS,
               "latent_window_size": Knob(9, 1, 33, "int",
                                          "latent frames per section (4x as many video frames)")},
        min_frames=5, max_frames=1801, size_multiple=16, max_pixels=640 * 640,
        vram_gb={"fast": 45, "balanced": 30, "low-vram": 8},
        # HunyuanVideoFramepackPipeline takes last_image (its default inverted_anti_drifting
        # sampling is the one that accepts it)
        capabilities={"text_prompt", "last_frame", "long_video"},
        licence="Tencent Hunyuan Community License (HunyuanVideo base)",
        licence_url="https://huggingface.co/tencent/HunyuanVideo/blob/main/LICENSE",
        description="FramePack (HunyuanVideo 13B, next-frame-section packing): long clips made "
                    "in sections of 4*latent_window_size frames"),
    *CURRENT_PRESETS,
    PREVIEW_PRESET,
)

_BY_NAME = {p.name: p for p in REAL_PRESETS}


def _tiny(twin: str, family: str, real: str, **changes: Any) -> ModelPreset:
    """The ``tiny-<twin>`` preset: ``real``'s class and rules, tiny sizes, then ``changes``."""
    base = _BY_NAME[real]
    spec = dict(
        name=f"tiny-{twin}", twin=twin, family=family, hub_id=None,
        pipeline_class=base.pipeline_class, uses_prompt=base.uses_prompt, dtype="float32",
        knobs=dict(base.knobs), frame_step=base.frame_step, size_multiple=base.size_multiple,
        fps_conditions=base.fps_conditions, supports_tiling=base.supports_tiling,
        min_frames=base.min_frames, max_frames=17, max_pixels=64 * 64, needs_gpu=False,
        capabilities=base.capabilities, needs=base.needs, pipeline_config=base.pipeline_config,
        scheduler_config=base.scheduler_config, experts=base.experts, timesteps=base.timesteps,
        upsampler=base.upsampler,
        vram_gb={"fast": 0.1, "balanced": 0.1, "low-vram": 0.1},
        licence="Apache-2.0 (random weights)",
        description=f"tiny random-weight twin of {real} (same pipeline class; tests, offline)")
    spec.update(changes)
    return ModelPreset(**spec)


#: The tiny random-weight twins: same pipeline classes, tiny sizes, built offline.
TINY_PRESETS: tuple[ModelPreset, ...] = (
    _tiny("svd", "svd", "svd-xt", size_multiple=16, max_frames=8,
          defaults=dict(width=32, height=32, num_frames=4, fps=7, num_inference_steps=2,
                        guidance_scale=3.0)),
    _tiny("cogvideox", "cogvideox", "cogvideox-5b-i2v", fixed_frames=(9,), min_frames=9,
          max_frames=9, fixed_sizes=((32, 32),), max_pixels=32 * 32,
          defaults=dict(width=32, height=32, num_frames=9, fps=8, num_inference_steps=2,
                        guidance_scale=6.0)),
    _tiny("ltx", "ltx", "ltx-video",
          defaults=dict(width=32, height=32, num_frames=9, fps=25, num_inference_steps=2,
                        guidance_scale=3.0)),
    _tiny("wan", "wan", "wan2.1-i2v-480p",
          defaults=dict(width=16, height=16, num_frames=5, fps=16, num_inference_steps=2,
                        guidance_scale=5.0)),
    _tiny("wan-ti2v", "wan", "wan2.2-ti2v-5b",
          defaults=dict(width=32, height=32, num_frames=5, fps=24, num_inference_steps=2,
                        guidance_scale=5.0)),
    _tiny("framepack", "framepack", "framepack", max_frames=33,
          knobs={**_HUNYUAN_KNOBS, "latent_window_size": Knob(2, 1, 4, "int",
                                                              "latent frames per section")},
          defaults=dict(width=16, height=16, num_frames=9, fps=30, num_inference_steps=2,
                        guidance_scale=9.0)),
    _tiny("hunyuan", "hunyuan", "hunyuanvideo-i2v",
          defaults=dict(width=16, height=16, num_frames=5, fps=24, num_inference_steps=2,
                        guidance_scale=6.0)),
    # the families creators use now (issue 13)
    _tiny("wan-a14b", "wan", "wan2.2-i2v-a14b",
          defaults=dict(width=16, height=16, num_frames=5, fps=16, num_inference_steps=2,
                        guidance_scale=3.5)),
    _tiny("wan-flf2v", "wan", "wan2.1-flf2v-720p",
          defaults=dict(width=16, height=16, num_frames=5, fps=16, num_inference_steps=2,
                        guidance_scale=5.5)),
    _tiny("ltx-condition", "ltx", "ltx-video-0.9.8-13b-distilled",
          defaults=dict(width=32, height=32, num_frames=9, fps=24, num_inference_steps=2,
                        guidance_scale=1.0)),
    _tiny("cogvideox15", "cogvideox", "cogvideox1.5-5b-i2v", fixed_frames=(9, 17), frame_step=8,
          min_frames=9,
          fixed_sizes=((32, 32), (48, 32), (32, 48)), max_pixels=48 * 32,
          defaults=dict(width=32, height=32, num_frames=9, fps=16, num_inference_steps=2,
                        guidance_scale=6.0)),
    _tiny("hunyuan15", "hunyuan", "hunyuanvideo-1.5-i2v-480p", fixed_sizes=hunyuan15_sizes(32),
          defaults=dict(width=32, height=32, num_frames=5, fps=24, num_inference_steps=2,
                        guidance_scale=6.0)),
    _tiny("skyreels", "wan", "skyreels-v2-i2v-14b-540p",
          defaults=dict(width=16, height=16, num_frames=9, fps=24, num_inference_steps=2,
                        guidance_scale=5.0)),
    _tiny("skyreels-flf2v", "wan", "skyreels-v2-flf2v-1.3b-540p",
          defaults=dict(width=16, height=16, num_frames=9, fps=24, num_inference_steps=2,
                        guidance_scale=5.0)),
    _tiny("skyreels-df", "wan", "skyreels-v2-df-14b-540p",
          knobs={**_BY_NAME["skyreels-v2-df-14b-540p"].knobs,
                 "base_num_frames": Knob(9, 5, 17, "int", "frames per window"),
                 "overlap_history": Knob(5, 1, 9, "int", "frames shared by consecutive windows")},
          defaults=dict(width=16, height=16, num_frames=9, fps=24, num_inference_steps=2,
                        guidance_scale=5.0)),
)

#: Every built-in preset, registered by :mod:`i2v_nb.synthesis.registry` in this order.
BUILTIN_PRESETS: tuple[ModelPreset, ...] = REAL_PRESETS + TINY_PRESETS
