"""Step caching on the denoiser(s) for one call, with diffusers' own hooks, removed afterwards.

:func:`cache_applied` enables one cache mode on every denoiser of the pipeline (``transformer``
and, for Wan 2.2 A14B, ``transformer_2``: each expert gets its own config and state) with
``model.enable_cache(config)`` and calls ``model.disable_cache()`` when the call ends, however it
ends, so the next call without a cache runs exactly as before (tests check it bit for bit).

================  =========================================================================
mode              diffusers 0.42.1 config, as built here
================  =========================================================================
``first_block``   ``FirstBlockCacheConfig(threshold)``: the first block's residual decides
                  whether the other blocks run (needs >= 2 blocks whose class diffusers
                  registers: Wan, LTX, CogVideoX, HunyuanVideo; not SkyReels-V2, HunyuanVideo
                  1.5)
``mag``           ``MagCacheConfig(threshold, max_skip_steps=3, retention_ratio=0.2,
                  mag_ratios)``: the ratios are checkpoint-specific, so the first call per
                  loaded model and step count *calibrates* (runs uncached, measures
                  ``mean(|r_t| / |r_t-1|)`` of the blocks' residual per token, the formula of
                  diffusers' calibration mode) and later calls skip
``taylorseer``    ``TaylorSeerCacheConfig(cache_interval=5, disable_cache_before_step=3,
                  cache_identifiers=<each block's attention and feed-forward>)``: diffusers'
                  default patterns (``^blocks.*attn``) do not match video blocks' ``attn1``
                  names, so the patterns are given
``faster``        ``FasterCacheConfig`` with the values of diffusers' CogVideoX example (PR
                  #10163: attention skip range 2 in timesteps (-1, 681), weight 0.3,
                  unconditional batch skip 5 in (-1, 781), ``tensor_format="BFCHW"``); it
                  needs the conditional and unconditional passes in one batch (CogVideoX,
                  LTX) or a single pass per step (no CFG)
================  =========================================================================

HunyuanVideo I2V and FramePack do not mark their denoiser calls (no ``cache_context`` in their
``__call__``); with one denoiser pass per step (``true_cfg_scale`` 1, the default) the call is
wrapped in ``cache_context("cond")`` here. Pipelines that run several denoising loops per call
(FramePack sections, SkyReels-V2 Diffusion Forcing windows) take only ``first_block``, whose
decision is made from the data, not from a step count.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import weakref
from typing import Any, Iterator, Mapping

from i2v_nb.errors import ParameterError
from i2v_nb.synthesis.speed import default_cache_threshold

__all__ = ["cache_applied", "denoisers", "denoiser_passes", "block_list", "mag_ratios"]

#: names of the block lists diffusers' First Block Cache / MagCache walk (hooks/_common.py)
_BLOCK_LISTS = ("blocks", "transformer_blocks", "single_transformer_blocks", "layers",
                "visual_transformer_blocks", "temporal_transformer_blocks")
_TAYLOR_PATTERN = (r"^(blocks|transformer_blocks|single_transformer_blocks)\.\d+\."
                   r"(attn\d*|ffn|ff|ff_context)$")
#: pipelines that put the conditional and unconditional passes in one batch (checked in their
#: __call__: ``torch.cat([latents] * 2)``)
_BATCHED_CFG = ("CogVideoXImageToVideoPipeline", "LTXImageToVideoPipeline", "LTXConditionPipeline")
#: pipelines that run several denoising loops in one call
_MULTI_LOOP = ("HunyuanVideoFramepackPipeline", "SkyReelsV2DiffusionForcingImageToVideoPipeline")
_MAG_RATIOS: "weakref.WeakKeyDictionary[Any, dict[int, list[float]]]" = weakref.WeakKeyDictionary()


def denoisers(pipe: Any) -> list[tuple[str, Any]]:
    """The pipeline's denoisers, ``[(name, model)]``: ``transformer`` (and ``transformer_2``)
    or ``unet``."""
    found = [(n, getattr(pipe, n, None)) for n in ("transformer", "transformer_2", "unet")]
    return [(n, m) for n, m in found if m is not None]


def block_list(model: Any) -> list[Any]:
    """The model's repeated blocks in the order diffusers' caches walk them."""
    import torch

    return [block for name, child in model.named_children()
            if name in _BLOCK_LISTS and isinstance(child, torch.nn.ModuleList) for block in child]


def denoiser_passes(preset: Any, call: Mapping[str, Any], pipe: Any = None) -> str:
    """How the pipeline calls its denoiser per step: ``"one"`` pass, ``"batched"`` (conditional
    and unconditional in one batch) or ``"separate"`` (two calls)."""
    cls = type(pipe).__name__ if pipe is not None else (preset.pipeline_class or "")
    if cls == "HunyuanVideo15ImageToVideoPipeline":
        return "separate"  # its guider decides; assume classifier-free guidance
    if preset.family in ("hunyuan", "framepack"):
        cfg = float(call.get("true_cfg_scale") or 1.0) > 1 and bool(call.get("negative_prompt"))
    else:
        cfg = max(float(call.get("guidance_scale") or 1.0),
                  float(call.get("guidance_scale_2") or 1.0)) > 1
    if not cfg:
        return "one"
    return "batched" if cls in _BATCHED_CFG else "separate"


@functools.lru_cache(maxsize=None)
def _marks_calls(cls: type) -> bool:
    """Whether ``cls.__call__`` wraps its denoiser calls in ``cache_context`` (read from source)."""
    try:
        return "cache_context(" in inspect.getsource(cls.__call__)
    except (OSError, TypeError):
        return True


def _check(pipe: Any, preset: Any, mode: str, models: list[tuple[str, Any]],
           passes: str) -> None:
    """Refuse a mode this pipeline or call cannot run, before any hook is placed."""
    cls = type(pipe).__name__
    if not models or not all(hasattr(m, "enable_cache") for _, m in models):
        raise ParameterError(f"cache={mode!r}: {preset.name}'s denoiser has no cache hooks in "
                             "diffusers (only transformer models do); drop cache=")
    unknown = sorted({type(b).__name__ for _, m in models for b in block_list(m)
                      if not _registered(type(b))})
    if cls in _MULTI_LOOP and mode != "first_block":
        hint = "no cache mode runs on it in this diffusers" if unknown else \
            "use cache='first_block'"
        raise ParameterError(f"cache={mode!r}: {cls} runs several denoising loops per call, and "
                             f"this cache counts steps; {hint}")
    if not _marks_calls(type(pipe)) and passes != "one":
        raise ParameterError(f"cache={mode!r}: {cls} makes two denoiser passes per step with "
                             "true_cfg_scale > 1 and does not tell them apart for a cache; use "
                             "true_cfg_scale=1 (the default) or drop cache=")
    if mode == "faster" and passes == "separate":
        raise ParameterError(f"cache='faster': {cls} runs the conditional and unconditional "
                             "passes as two calls, which FasterCache would mix up; use "
                             "cache='first_block' or 'taylorseer', or guidance_scale=1")
    if mode == "faster" and cls in _MULTI_LOOP:
        raise ParameterError(f"cache='faster': {cls} gives each frame its own timestep; use "
                             "cache='first_block'")
    if mode in ("first_block", "mag"):
        for name, model in models:
            blocks = block_list(model)
            if len(blocks) < 2:
                raise ParameterError(f"cache={mode!r} needs a denoiser with at least 2 "
                                     f"transformer blocks; {name} has {len(blocks)}")
            if unknown:
                hint = "no other cache mode runs on it either" if cls in _MULTI_LOOP else \
                    "use cache='taylorseer'"
                raise ParameterError(
                    f"cache={mode!r}: diffusers has no block metadata for {', '.join(unknown)} "
                    f"({preset.name}), which First Block Cache and MagCache need; {hint}")


def _registered(block_cls: type) -> bool:
    """Whether diffusers' caches know this block class (its TransformerBlockRegistry)."""
    try:  # a private diffusers module: if it moves, let enable_cache decide
        from diffusers.hooks._helpers import TransformerBlockRegistry
    except ImportError:
        return True
    try:
        TransformerBlockRegistry.get(block_cls)
    except ValueError:
        return False
    return True


def _config(mode: str, threshold: float | None, pipe: Any, passes: str,
            ratios: list[float] | None) -> Any:
    """The diffusers cache config for one denoiser."""
    import diffusers
    import torch

    if mode == "first_block":
        return diffusers.FirstBlockCacheConfig(threshold=threshold)
    if mode == "mag":
        return diffusers.MagCacheConfig(threshold=threshold, max_skip_steps=3,
                                        retention_ratio=0.2, num_inference_steps=len(ratios),
                                        mag_ratios=list(ratios))
    if mode == "taylorseer":
        return diffusers.TaylorSeerCacheConfig(cache_interval=5, disable_cache_before_step=3,
                                               taylor_factors_dtype=torch.float32,
                                               cache_identifiers=[_TAYLOR_PATTERN])
    return diffusers.FasterCacheConfig(
        spatial_attention_block_skip_range=2, spatial_attention_timestep_skip_range=(-1, 681),
        current_timestep_callback=lambda: pipe.current_timestep,
        attention_weight_callback=lambda _: 0.3, unconditional_batch_skip_range=5,
        unconditional_batch_timestep_skip_range=(-1, 781), tensor_format="BFCHW",
        is_guidance_distilled=not (passes == "batched" and type(pipe).__name__.startswith("Cog")))


@contextlib.contextmanager
def cache_applied(pipe: Any, preset: Any, mode: str, threshold: float | None,
                  call: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Enable cache ``mode`` on every denoiser for the ``with`` block, then remove it.

    Args:
        pipe: the loaded pipeline.
        preset: its model (family for the default threshold, name for messages).
        mode: ``"first_block"``, ``"mag"``, ``"taylorseer"`` or ``"faster"``.
        threshold: ``cache_threshold`` or ``None`` for the family's default.
        call: the pipeline's keyword arguments (guidance decides the denoiser passes; the step
            count keys MagCache's calibration).

    Yields:
        What was done: ``{"mode", "threshold", "denoisers", "calibrating"}``.

    Raises:
        ParameterError: the mode cannot run on this pipeline or with this guidance.
    """
    models = denoisers(pipe)
    passes = denoiser_passes(preset, call, pipe)
    _check(pipe, preset, mode, models, passes)
    if threshold is None:
        threshold = default_cache_threshold(preset.family, mode)
    steps = int(call.get("num_inference_steps") or 0)
    info: dict[str, Any] = {"mode": mode, "threshold": threshold,
                            "denoisers": [n for n, _ in models], "calibrating": False}
    with contextlib.ExitStack() as stack:
        if mode == "mag" and any(steps not in _MAG_RATIOS.get(m, {}) for _, m in models):
            info["calibrating"] = True
            for _, model in models:
                stack.enter_context(_calibration(model, steps))
        else:
            for _, model in models:
                ratios = _MAG_RATIOS.get(model, {}).get(steps) if mode == "mag" else None
                model.enable_cache(_config(mode, threshold, pipe, passes, ratios))
                stack.callback(model.disable_cache)
        if not _marks_calls(type(pipe)):  # one pass per step (checked): mark it ourselves
            for _, model in models:
                stack.enter_context(model.cache_context("cond"))
        yield info


@contextlib.contextmanager
def _calibration(model: Any, steps: int) -> Iterator[None]:
    """Measure MagCache's magnitude ratios during one uncached call (stored on success).

    Per denoiser call: the residual of the blocks (last block's hidden states out minus the
    first block's in) reduced to a per-token norm. Calls at the same timestep belong to one step
    (the first of them is the conditional pass); ratio_t = mean(|r_t| / (|r_t-1| + 1e-8)),
    ratio_0 = 1, as ``MagCacheBlockHook._perform_calibration_step`` computes them.
    """
    import torch

    blocks = block_list(model)
    seen: list[tuple[float, Any]] = []
    state: dict[str, Any] = {}

    def on_model(_module: Any, args: tuple, kwargs: dict) -> None:
        t = kwargs.get("timestep", args[1] if len(args) > 1 else None)
        # the step's noise level (LTX gives its conditioning tokens timestep 0)
        state["t"] = float(t.max()) if torch.is_tensor(t) else float(t or 0)

    def on_head(_module: Any, args: tuple, kwargs: dict) -> None:
        state["in"] = kwargs.get("hidden_states", args[0] if args else None)

    def on_tail(_module: Any, _args: tuple, output: Any) -> None:
        out = output[0] if isinstance(output, tuple) else output
        res = out - state["in"] if out.shape == state["in"].shape else out
        seen.append((state["t"], torch.linalg.norm(res.detach().float(), dim=-1).cpu()))

    handles = [model.register_forward_pre_hook(on_model, with_kwargs=True),
               blocks[0].register_forward_pre_hook(on_head, with_kwargs=True),
               blocks[-1].register_forward_hook(on_tail)]
    try:
        yield
    finally:
        for h in handles:
            h.remove()
    firsts = [norm for i, (t, norm) in enumerate(seen) if i == 0 or seen[i - 1][0] != t]
    # an expert that ran one step (or none) gets [1.0]: nothing to skip, no recalibration
    ratios = [1.0] + [float((cur / (prev + 1e-8)).mean()) for prev, cur in zip(firsts, firsts[1:])]
    _MAG_RATIOS.setdefault(model, {})[steps] = ratios


def mag_ratios(model: Any) -> dict[int, list[float]]:
    """The MagCache ratios calibrated for ``model``, by step count (empty before a calibration)."""
    return dict(_MAG_RATIOS.get(model, {}))

