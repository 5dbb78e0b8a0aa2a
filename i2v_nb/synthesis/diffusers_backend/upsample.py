"""LTX-Video's latent upsampler as a second pass: a clip's frames encoded by the LTX VAE, the
latents doubled in width and height by ``LTXLatentUpsamplerModel``, decoded again
(``LTXLatentUpsamplePipeline``, the ``upsample`` capability of the LTX 0.9.8 presets).

The real upsampler (``Lightricks/ltxv-spatial-upscaler-0.9.7``, safetensors only) and the LTX VAE
of the preset's repo are loaded with ``from_pretrained``; a tiny preset builds the twin offline
(:func:`i2v_nb.testing.tiny_latent_upsampler`). The upsampled latents are matched to the
original's per-channel statistics (``adain_factor=1.0``, as diffusers' LTX 0.9.8 example does)
before decoding. Lightricks' own workflow follows this with a short denoising pass of the model
at the new size, which sharpens further; that second pass is not run here.

>>> big = latent_upsample(clip.frames, get_model("ltx-video-0.9.8-2b-distilled"))  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from i2v_nb.errors import ModelUnavailable, ParameterError
from i2v_nb.synthesis.preset import ModelPreset

__all__ = ["check_upsample_input", "load_latent_upsampler", "latent_upsample"]

_SPATIAL, _TEMPORAL = 32, 8  # the LTX VAE's compression


def check_upsample_input(preset: ModelPreset, frames: np.ndarray) -> None:
    """Refuse, before loading anything, a model without the ``upsample`` capability or frames the
    LTX VAE cannot encode (8k + 1 frames, sides multiples of 32).

    Raises:
        ParameterError: naming the rule and what to do.
    """
    from i2v_nb.synthesis.registry import require_capability

    require_capability(preset, "upsample")
    t, h, w = frames.shape[:3]
    if t % _TEMPORAL != 1:
        keep = (t - 1) // _TEMPORAL * _TEMPORAL + 1
        raise ParameterError(f"the LTX latent upsampler takes 8k+1 frames, the clip has {t}; "
                             f"trim it (i2v_nb.Clip(clip.frames[:{keep}], fps=clip.fps)) or use "
                             "method='lanczos'")
    if h % _SPATIAL or w % _SPATIAL:
        raise ParameterError(f"the LTX latent upsampler takes sides that are multiples of 32, "
                             f"the clip is {w}×{h}; make the clip at such a size or use "
                             "method='lanczos'")


def load_latent_upsampler(preset: ModelPreset, *, device: str = "cpu", dtype: Any = None) -> Any:
    """The ``LTXLatentUpsamplePipeline`` of ``preset`` on ``device``.

    Raises:
        ModelUnavailable: offline and the weights not in the Hugging Face cache.
    """
    if preset.is_tiny:
        from i2v_nb.testing import tiny_latent_upsampler

        return tiny_latent_upsampler()
    import torch

    from i2v_nb._quiet_imports import quiet_torchao

    quiet_torchao()
    from diffusers import AutoencoderKLLTXVideo, LTXLatentUpsamplePipeline
    from diffusers.pipelines.ltx.modeling_latent_upsampler import LTXLatentUpsamplerModel

    from i2v_nb._hub import hub_load_mode

    _cls, repo = preset.upsampler
    base = preset.base_hub_id or preset.hub_id
    fallback = "or use i2v_nb.upscale(clip, method='lanczos') (no download)"
    modes = [hub_load_mode(repo, what="the LTX latent upsampler", fallback=fallback),
             hub_load_mode(base, what=f"the VAE of {preset.name}", filename="vae/config.json",
                           fallback=fallback)]
    files_only = "cache" in modes
    dtype = dtype or (torch.bfloat16 if device.startswith("cuda") else torch.float32)
    try:
        upsampler = LTXLatentUpsamplerModel.from_pretrained(
            repo, torch_dtype=dtype, use_safetensors=True, local_files_only=files_only)
        vae = AutoencoderKLLTXVideo.from_pretrained(
            base, subfolder="vae", torch_dtype=dtype, use_safetensors=True,
            local_files_only=files_only)
    except OSError as exc:
        raise ModelUnavailable(f"could not load the LTX latent upsampler ({repo}) or the VAE of "
                               f"{base}: {exc}; {fallback}") from exc
    return LTXLatentUpsamplePipeline(vae=vae, latent_upsampler=upsampler).to(device)


def latent_upsample(frames: np.ndarray, preset: ModelPreset, *, device: str | None = None,
                    seed: int = 0, pipeline: Any = None) -> np.ndarray:
    """``(T, 2H, 2W, 3)`` uint8: ``frames`` (``(T, H, W, 3)`` uint8, 8k+1 frames, sides multiples
    of 32) through the latent upsampler of ``preset`` (see the module docstring).

    Args:
        frames: the clip's frames.
        preset: an LTX preset with the ``upsample`` capability.
        device: ``"cuda"`` when a GPU is visible, else ``"cpu"`` (default: the best available).
        seed: seed of the decode noise (LTX 0.9.5+ VAEs add a little at decode time).
        pipeline: an already loaded upsample pipeline (tests, repeated calls).

    Raises:
        ParameterError: see :func:`check_upsample_input`.
        ModelUnavailable: the weights cannot be loaded.
    """
    import torch
    from PIL import Image

    check_upsample_input(preset, frames)
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    pipe = pipeline if pipeline is not None else load_latent_upsampler(preset, device=device)
    t, h, w = frames.shape[:3]
    video = [Image.fromarray(f) for f in frames]
    generator = torch.Generator(device="cpu").manual_seed(int(seed))
    out = pipe(video=video, height=h, width=w, adain_factor=1.0, generator=generator,
               output_type="np").frames[0]
    return np.clip(np.rint(np.asarray(out) * 255.0), 0, 255).astype(np.uint8)
