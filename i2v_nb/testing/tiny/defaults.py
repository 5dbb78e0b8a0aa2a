"""The tiny twins' families, pipeline classes and smallest valid call arguments (data only).

>>> TINY_OUTPUT_FRAMES["framepack"], TINY_DEFAULTS["wan"]["num_frames"]
(9, 5)
"""

from __future__ import annotations

from typing import Any

__all__ = ["TINY_FAMILIES", "TINY_DEFAULTS", "TINY_OUTPUT_FRAMES", "TINY_PIPELINE_CLASSES",
           "TINY_NEEDS"]

#: Families with a tiny twin (``tiny_pipeline(family)``); registry presets are ``tiny-<family>``.
TINY_FAMILIES: tuple[str, ...] = (
    "svd",
    "cogvideox",
    "ltx",
    "wan",
    "wan-ti2v",
    "hunyuan",
    "framepack",
    # the families creators use now (issue 13)
    "wan-a14b",
    "wan-flf2v",
    "ltx-condition",
    "cogvideox15",
    "hunyuan15",
    "skyreels",
    "skyreels-flf2v",
    "skyreels-df",
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
    "wan-a14b": "WanImageToVideoPipeline",
    "wan-flf2v": "WanImageToVideoPipeline",
    "ltx-condition": "LTXConditionPipeline",
    "cogvideox15": "CogVideoXImageToVideoPipeline",
    "hunyuan15": "HunyuanVideo15ImageToVideoPipeline",
    "skyreels": "SkyReelsV2ImageToVideoPipeline",
    "skyreels-flf2v": "SkyReelsV2ImageToVideoPipeline",
    "skyreels-df": "SkyReelsV2DiffusionForcingImageToVideoPipeline",
}

#: family -> image inputs a call needs besides ``image`` (the FLF2V checkpoints learn positions
#: for two images' tokens and fail without ``last_image``).
TINY_NEEDS: dict[str, tuple[str, ...]] = {"wan-flf2v": ("last_image",),
                                          "skyreels-flf2v": ("last_image",)}

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
    "wan-a14b": {
        "height": 16,
        "width": 16,
        "num_frames": 5,
        "num_inference_steps": 2,
        "guidance_scale": 3.5,
    },
    "wan-flf2v": {
        "height": 16,
        "width": 16,
        "num_frames": 5,
        "num_inference_steps": 2,
        "guidance_scale": 5.5,
    },
    "ltx-condition": {
        "height": 32,
        "width": 32,
        "num_frames": 9,
        "num_inference_steps": 2,
        "guidance_scale": 1.0,
    },
    "cogvideox15": {
        "height": 32,
        "width": 32,
        "num_frames": 9,
        "num_inference_steps": 2,
        "guidance_scale": 6.0,
    },
    # no height/width (the size is the bucket nearest the picture's aspect ratio) and no
    # guidance_scale (the pipeline's guider holds it)
    "hunyuan15": {
        "num_frames": 5,
        "num_inference_steps": 2,
    },
    "skyreels": {
        "height": 16,
        "width": 16,
        "num_frames": 9,
        "num_inference_steps": 2,
        "guidance_scale": 5.0,
    },
    "skyreels-flf2v": {
        "height": 16,
        "width": 16,
        "num_frames": 9,
        "num_inference_steps": 2,
        "guidance_scale": 5.0,
    },
    "skyreels-df": {
        "height": 16,
        "width": 16,
        "num_frames": 9,
        "base_num_frames": 9,
        "num_inference_steps": 2,
        "guidance_scale": 5.0,
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
