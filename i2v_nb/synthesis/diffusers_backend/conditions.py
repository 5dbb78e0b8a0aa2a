"""The pictures a pipeline is conditioned on, and the set-up some pipelines need per call.

:func:`condition_kwargs` turns the request's pictures into each pipeline's own arguments
(checked in diffusers 0.42.1)::

    most pipelines         image=first; last_image=last (Wan 2.1 FLF2V, Wan 2.2 A14B, SkyReels
                           FLF2V, FramePack)
    LTXConditionPipeline   image=[first, keyframe..., last], video=[None, ...],
                           frame_index=[0, index..., num_frames - 1], strength=[1.0, ...]
                           (the lists must be as long as each other: with image a list and
                           video None the pipeline keeps only the first picture)

:func:`configure_pipeline` applies what a pipeline reads from its own state, not from call
arguments: HunyuanVideo 1.5's guidance lives in its ``guider``. :func:`call_sections` is the
number of denoising passes a call makes (FramePack's sections, SkyReels Diffusion Forcing's
windows), so progress can give the right total.

>>> call_sections({"num_frames": 17, "base_num_frames": 9, "overlap_history": 5})
3
"""

from __future__ import annotations

from typing import Any, Mapping

from i2v_nb.errors import ParameterError
from i2v_nb.synthesis.registry import ModelPreset

__all__ = ["condition_kwargs", "configure_pipeline", "call_sections"]


def condition_kwargs(preset: ModelPreset, params: Mapping[str, Any], image: Any,
                     conditions: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The picture arguments of ``pipe(...)`` for a request (see the module's table).

    Args:
        preset: the model (its ``pipeline_class`` decides the layout).
        params: the validated parameters (``num_frames`` places a last frame).
        image: the first picture, fitted.
        conditions: ``last_image`` (a fitted picture) and ``keyframes`` (``{index: picture}``),
            already checked against the model's capabilities.
    """
    conditions = dict(conditions or {})
    last, keyframes = conditions.get("last_image"), dict(conditions.get("keyframes") or {})
    if preset.pipeline_class == "LTXConditionPipeline":
        n = int(params["num_frames"])
        items = [(0, image), *sorted(keyframes.items())]
        if last is not None:
            items.append((n - 1, last))
        if len(items) == 1:
            return {"image": image}
        return {"image": [p for _, p in items], "video": [None] * len(items),
                "frame_index": [i for i, _ in items], "strength": [1.0] * len(items)}
    if keyframes:
        raise ParameterError(f"{preset.name} ({preset.pipeline_class}) has no keyframe argument")
    out: dict[str, Any] = {"image": image}
    if last is not None:
        out["last_image"] = last
    return out


def configure_pipeline(pipe: Any, preset: ModelPreset, params: Mapping[str, Any]) -> dict[str, Any]:
    """Set what ``pipe`` reads from its own state for this call; returns it, for the metadata.

    A pipeline with a ``guider`` and no ``guidance_scale`` argument (HunyuanVideo 1.5) gets a
    guider with the requested guidance (``guider.new(guidance_scale=...)``; 1 turns the
    unconditional pass off).
    """
    import inspect

    guider = getattr(pipe, "guider", None)
    accepts = inspect.signature(type(pipe).__call__).parameters
    if guider is None or "guidance_scale" in accepts or "guidance_scale" not in params:
        return {}
    scale = float(params["guidance_scale"])
    if getattr(guider, "guidance_scale", None) != scale:
        pipe.guider = guider.new(guidance_scale=scale)
    return {"guidance_scale": scale}


def call_sections(kwargs: Mapping[str, Any], *, sections: int = 1) -> int:
    """The denoising passes one call makes: ``sections`` (FramePack, from the preset) or, for
    SkyReels Diffusion Forcing with ``overlap_history``, its number of windows (the pipeline's
    own formula, in latent frames of 4 video frames).
    """
    overlap = kwargs.get("overlap_history")
    base = kwargs.get("base_num_frames")
    n = int(kwargs.get("num_frames", 1))
    if overlap is None or base is None or n <= int(base):
        return sections
    latent, base_latent = (n - 1) // 4 + 1, (int(base) - 1) // 4 + 1
    overlap_latent = (int(overlap) - 1) // 4 + 1
    return 1 + (latent - base_latent - 1) // (base_latent - overlap_latent) + 1
