"""The per-family call of a diffusers pipeline: its keyword arguments, and a latent glimpse.

Every family is called with its own argument names (checked in diffusers 0.42.1)::

    svd        image, height, width, num_frames, fps, motion_bucket_id, noise_aug_strength,
               decode_chunk_size, min_guidance_scale, max_guidance_scale (= guidance_scale)
    cogvideox  image, prompt, negative_prompt, height, width, num_frames, guidance_scale,
               use_dynamic_cfg
    ltx        image, prompt, negative_prompt, height, width, num_frames, frame_rate (= fps),
               guidance_scale, guidance_rescale, decode_timestep, decode_noise_scale
    wan        image, prompt, negative_prompt, height, width, num_frames, guidance_scale
    hunyuan    image, prompt, negative_prompt, height, width, num_frames, guidance_scale,
               true_cfg_scale
    framepack  as hunyuan, plus latent_window_size; num_frames is converted to the count that
               gives the validated number of sections (the pipeline makes 4*lws*k+1 frames)

and, per pipeline class where one family has several (issue 13)::

    WanImageToVideoPipeline with boundary_ratio (Wan 2.2 A14B)   + guidance_scale_2
    LTXConditionPipeline          + image_cond_noise_scale; timesteps = the preset's distilled
                                  ones when num_inference_steps is their count
    SkyReelsV2DiffusionForcing... + base_num_frames, addnoise_condition, ar_step,
                                  causal_block_size, fps; overlap_history once num_frames >
                                  base_num_frames (longer clips are made in windows)
    HunyuanVideo15ImageToVideo... only prompt, negative_prompt, num_frames, num_inference_steps:
                                  the size is the picture's (fitted to a bucket), the guidance
                                  its guider's (``conditions.configure_pipeline``)

The pictures (``image``, ``last_image``, LTX's conditions) come from
:func:`~i2v_nb.synthesis.diffusers_backend.conditions.condition_kwargs`.

plus ``num_inference_steps``, ``generator``, ``output_type="np"`` and ``callback_on_step_end``
(added by :func:`~i2v_nb.synthesis.diffusers_backend.run_pipeline`).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from i2v_nb.errors import ParameterError
from i2v_nb.synthesis import memory
from i2v_nb.synthesis.latent_preview import noise_sigma, preview_spec, step_preview
from i2v_nb.synthesis.registry import ModelPreset

__all__ = ["pipeline_kwargs", "latent_preview"]


def pipeline_kwargs(preset: ModelPreset, params: Mapping[str, Any], *, profile: str = "fast",
                    prompt: str | None = None, negative_prompt: str | None = None) -> dict[str, Any]:
    """The keyword arguments for ``pipe(image=..., **kwargs)`` (without image, generator, callbacks).

    Args:
        preset: the model.
        params: output of ``preset.validate(...)``.
        profile: resolved memory profile (SVD's ``decode_chunk_size`` follows it when unset).
        prompt, negative_prompt: the family's prompt text (``params`` values win when present).

    >>> from i2v_nb.synthesis.registry import get_model
    >>> pipeline_kwargs(get_model("tiny-ltx"), get_model("tiny-ltx").validate())["frame_rate"]
    25
    """
    fam = preset.family
    p = dict(params)
    if preset.pipeline_class == "HunyuanVideo15ImageToVideoPipeline":
        return _hunyuan15_kwargs(p, prompt, negative_prompt)
    kw: dict[str, Any] = dict(height=int(p["height"]), width=int(p["width"]),
                              num_frames=int(p["num_frames"]),
                              num_inference_steps=int(p["num_inference_steps"]))
    if fam == "svd":
        chunk = p.get("decode_chunk_size") or memory.decode_chunk_size(profile, kw["num_frames"])
        kw.update(fps=int(p["fps"]), motion_bucket_id=int(p["motion_bucket_id"]),
                  noise_aug_strength=float(p["noise_aug_strength"]), decode_chunk_size=int(chunk),
                  min_guidance_scale=float(p.get("min_guidance_scale") or 1.0),
                  max_guidance_scale=float(p["guidance_scale"]))
        return kw
    text = p.get("prompt", prompt)
    negative = p.get("negative_prompt", negative_prompt)
    kw.update(prompt=text or "", guidance_scale=float(p["guidance_scale"]))
    if negative:
        kw["negative_prompt"] = negative
    if fam == "cogvideox":
        kw["use_dynamic_cfg"] = bool(p.get("use_dynamic_cfg", False))
    elif fam == "ltx":
        kw.update(frame_rate=int(p["fps"]), guidance_rescale=float(p.get("guidance_rescale") or 0.0),
                  decode_timestep=float(p.get("decode_timestep") or 0.0))
        if p.get("decode_noise_scale") is not None:
            kw["decode_noise_scale"] = float(p["decode_noise_scale"])
        if p.get("image_cond_noise_scale") is not None:  # LTXConditionPipeline
            kw["image_cond_noise_scale"] = float(p["image_cond_noise_scale"])
        if preset.timesteps and kw["num_inference_steps"] == len(preset.timesteps):
            kw["timesteps"] = list(preset.timesteps)  # a distilled model's own schedule
    elif fam == "hunyuan":
        kw["true_cfg_scale"] = float(p.get("true_cfg_scale") or 1.0)
    elif fam == "framepack":
        # the pipeline makes ceil(num_frames / ((lws - 1) * 4 + 1)) sections of 4 * lws frames
        # (+1 for the first); ask for exactly the sections that give the validated count
        lws = int(p["latent_window_size"])
        sections = preset.sections(kw["num_frames"], lws)
        kw.update(num_frames=sections * ((lws - 1) * 4 + 1), latent_window_size=lws,
                  true_cfg_scale=float(p.get("true_cfg_scale") or 1.0))
    elif fam != "wan":
        raise ParameterError(f"no diffusers call recipe for family {fam!r}")
    if p.get("guidance_scale_2") is not None:  # Wan 2.2 A14B: the low-noise expert's guidance
        kw["guidance_scale_2"] = float(p["guidance_scale_2"])
    if preset.pipeline_class == "SkyReelsV2DiffusionForcingImageToVideoPipeline":
        kw.update(_diffusion_forcing_kwargs(preset, p, kw["num_frames"]))
    return kw


def _hunyuan15_kwargs(p: Mapping[str, Any], prompt: str | None,
                      negative_prompt: str | None) -> dict[str, Any]:
    """HunyuanVideo 1.5 I2V's arguments: no size (the picture's) and no guidance (its guider's)."""
    kw: dict[str, Any] = dict(prompt=p.get("prompt", prompt) or "",
                              num_frames=int(p["num_frames"]),
                              num_inference_steps=int(p["num_inference_steps"]))
    negative = p.get("negative_prompt", negative_prompt)
    if negative:
        kw["negative_prompt"] = negative
    return kw


def _diffusion_forcing_kwargs(preset: ModelPreset, p: Mapping[str, Any],
                              num_frames: int) -> dict[str, Any]:
    """SkyReels-V2 Diffusion Forcing: its window, noise and asynchrony arguments, and
    ``overlap_history`` once the clip is longer than one window (the pipeline requires it)."""
    base = int(p["base_num_frames"])
    kw: dict[str, Any] = dict(base_num_frames=base, fps=int(p["fps"]),
                              addnoise_condition=float(p["addnoise_condition"]),
                              ar_step=int(p["ar_step"]))
    if p.get("causal_block_size") is not None:
        kw["causal_block_size"] = int(p["causal_block_size"])
    if num_frames > base:
        overlap = int(p["overlap_history"])
        if (overlap - 1) // 4 >= (base - 1) // 4:
            raise ParameterError(f"overlap_history={overlap} for {preset.name}: it must be "
                                 f"shorter than a window (base_num_frames={base}) by at least "
                                 "4 frames; 17 or 37 are the recommended values")
        kw["overlap_history"] = overlap
    return kw


def latent_preview(latents: Any, family: str, *, pipe: Any = None,
                   call: Mapping[str, Any] | None = None) -> np.ndarray | None:
    """A step's colour preview: :func:`i2v_nb.synthesis.latent_preview.step_preview` of the
    middle latent frame, ``(H, W, 3)`` uint8 with a ``caption``; ``None`` if it cannot be made.

    ``pipe`` gives the scheduler's noise level (SVD) and, with ``call`` (the pipeline's keyword
    arguments), the latent grid of LTX's packed tokens.
    """
    try:
        spec = preview_spec(family, pipe=pipe, call=call)
        return step_preview(latents, spec, sigma=noise_sigma(getattr(pipe, "scheduler", None)))
    except Exception:  # noqa: BLE001 - a preview must never break a generation
        return None
