"""Run a diffusers pipeline once: progress per step, stop, out-of-memory, frames and metadata.

Stopping: diffusers' ``pipe._interrupt`` flag only skips the remaining denoising steps — the
pipeline still decodes the latents (minutes of VAE work for a large model) and SVD does not check
the flag at all. So the step callback raises a private exception when ``stop`` is set; it is
caught here, the offload hooks are reset and :class:`~i2v_nb.errors.GenerationStopped` is raised.
The pipeline stays cached and usable (each call resets the scheduler and the interrupt flag).

>>> frames, meta = run_pipeline("tiny-wan", image, seed=0)  # doctest: +SKIP
>>> frames.shape, frames.dtype                                # doctest: +SKIP
((5, 16, 16, 3), dtype('uint8'))
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING, Any, Iterator, Mapping

import numpy as np

from i2v_nb._media import as_frames
from i2v_nb.errors import GenerationStopped
from i2v_nb.synthesis.diffusers_backend.call import latent_preview, pipeline_kwargs
from i2v_nb.synthesis.diffusers_backend.conditions import (
    call_sections,
    condition_kwargs,
    configure_pipeline,
)
from i2v_nb.synthesis.diffusers_backend.load import (
    PIPELINE_LOCK,
    load_pipeline,
    precheck,
    unload_pipeline,
)
from i2v_nb.synthesis.diffusers_backend.oom import gpu_numbers, is_oom, out_of_memory
from i2v_nb.synthesis.diffusers_backend.switches import call_switches
from i2v_nb.synthesis.registry import ModelPreset, get_model
from i2v_nb.synthesis.request import GenerationRequest, ProgressFn
from i2v_nb.synthesis.speed import LOAD_SWITCHES, check_speed_options

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image

__all__ = ["run_pipeline", "run_diffusers"]


class _StopRequested(Exception):
    """Raised from the step callback to leave the denoising loop at once."""


def run_pipeline(
    model: str | ModelPreset,
    image: Any,
    *,
    params: dict[str, Any] | None = None,
    prompt: str | None = None,
    negative_prompt: str | None = None,
    seed: int = 0,
    progress: ProgressFn | None = None,
    stop: threading.Event | None = None,
    profile: str = "auto",
    dtype: str | None = None,
    device: str | None = None,
    previews: bool = False,
    conditions: Mapping[str, Any] | None = None,
    speed: Mapping[str, Any] | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Run a diffusers image-to-video model once and return ``(frames, metadata)``.

    Args:
        model: preset name or :class:`ModelPreset` with ``backend="diffusers"``.
        image: the conditioning picture (PIL or anything ``load_image`` reads); fitted (centre
            crop) to ``params``' size if it differs.
        params: validated parameters (``preset.validate(...)``); ``None`` validates ``{}``.
        prompt, negative_prompt: text for models that read it.
        seed: seeds a CPU ``torch.Generator`` (same seed, same clip, on every device).
        progress: called as ``progress(step, total, preview)`` once per denoising step
            (``step`` from 1 to ``total``; ``preview`` a small uint8 image or ``None``).
        stop: when set, generation stops after the current step.
        profile: memory profile (see :mod:`i2v_nb.synthesis.memory`).
        dtype: torch dtype name overriding the preset's (ignored on CPU: float32).
        device: ``"cuda"``/``"cpu"``...; default CUDA when present.
        previews: compute a latent preview for ``progress`` (a small GPU→CPU copy per step).
        conditions: more pictures, already fitted to ``params``' size and checked against the
            model's capabilities: ``last_image`` and ``keyframes`` (``{frame index: picture}``).
        speed: speed switches (:data:`i2v_nb.synthesis.speed.SPEED_SWITCHES`): ``cache``,
            ``cache_threshold``, ``attention`` (this call only), ``compile``, ``quantize``,
            ``quantize_text_encoder`` (part of the loaded pipeline: a change reloads it).

    Returns:
        ``frames``: ``(T, H, W, 3)`` uint8; ``metadata``: model, model_id, pipeline_class,
        params (every parameter used, under the pipeline's argument names, plus ``fps``),
        pipeline_call (the exact keyword arguments of ``pipe(...)``), seed, profile, memory
        switches, device, dtype, timings ``{load_s, run_s, decode_s, pipeline_s, total_s}``
        (run = denoising steps, decode = after the last step), ``peak_gpu_memory_gb``,
        ``steps_run``, ``speed`` (the switches asked for) and ``speed_switches`` (what was
        done, in words).

    Raises:
        GenerationStopped: ``stop`` was set; the pipeline stays loaded and usable.
        OutOfMemory: CUDA out of memory; the message names the next profile to try.
        ModelUnavailable: no GPU for a real model, missing package, weights not reachable.
        ParameterError: bad parameters.
    """
    t_start = time.perf_counter()
    preset = get_model(model)
    if params is None:
        params = preset.validate()
    # a direct call may pass any picture; generate's request carries one fitted already
    w, h = int(params["width"]), int(params["height"])
    fitted = _fit(image, w, h)
    from i2v_nb.synthesis.capabilities import INPUT_CAPABILITIES
    from i2v_nb.synthesis.registry import check_request_capabilities

    given = [key for key, value in (conditions or {}).items()  # pictures may be arrays
             if value is not None and not (isinstance(value, Mapping) and not value)]
    check_request_capabilities(preset, [INPUT_CAPABILITIES[key] for key in given])
    if conditions:
        conditions = {"last_image": None if conditions.get("last_image") is None
                      else _fit(conditions["last_image"], w, h),
                      "keyframes": {i: _fit(p, w, h)
                                    for i, p in (conditions.get("keyframes") or {}).items()}}
    return _run(preset, fitted, params, prompt=prompt, negative_prompt=negative_prompt,
                seed=seed, progress=progress, stop=stop, profile=profile, dtype=dtype,
                device=device, previews=previews, t_start=t_start, conditions=conditions,
                speed=speed)


def _run(preset: ModelPreset, image: Image, params: Mapping[str, Any], *,
         prompt: str | None, negative_prompt: str | None, seed: int,
         progress: ProgressFn | None, stop: threading.Event | None, profile: str,
         dtype: str | None, device: str | None, previews: bool,
         t_start: float, conditions: Mapping[str, Any] | None = None,
         speed: Mapping[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """:func:`run_pipeline` on a picture already fitted to ``params``' size."""
    if stop is not None and stop.is_set():
        raise GenerationStopped(f"{preset.name}: stop was already set before generation began; "
                                "clear the event (stop.clear()) and call again")
    speed = check_speed_options(speed or {})
    precheck(preset, {"device": device, **speed})
    pipe, info = load_pipeline(preset, profile=profile, dtype=dtype, device=device,
                               **{k: speed.get(k) for k in LOAD_SWITCHES})
    import torch

    kwargs = pipeline_kwargs(preset, params, profile=info["profile"], prompt=prompt,
                             negative_prompt=negative_prompt)
    pictures = condition_kwargs(preset, params, image, conditions)
    setup = configure_pipeline(pipe, preset, params)
    generator = torch.Generator(device="cpu").manual_seed(int(seed))
    state = {"steps": 0, "last_step_t": None}
    family = preset.family
    sections = call_sections(kwargs, sections=preset.sections(
        params["num_frames"], params.get("latent_window_size", 1)))
    steps_total = kwargs["num_inference_steps"] * sections

    def on_step_end(pipe_: Any, i: int, t: Any, cb_kwargs: dict) -> dict:
        # counted here, not from i: FramePack restarts i in every section
        state["steps"] += 1
        state["last_step_t"] = time.perf_counter()
        if progress is not None:
            total = steps_total if sections > 1 else \
                (getattr(pipe_, "_num_timesteps", None) or steps_total)
            preview = (latent_preview(cb_kwargs.get("latents"), family, pipe=pipe_,
                                      call=kwargs) if previews else None)
            progress(state["steps"], int(total), preview)
        if stop is not None and stop.is_set():
            if hasattr(type(pipe_), "interrupt"):
                pipe_._interrupt = True
            raise _StopRequested
        return cb_kwargs

    cuda = info["device"] == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    t_run = time.perf_counter()
    oom: tuple | None = None
    try:
        with PIPELINE_LOCK, _step_hook(pipe, on_step_end) as hooks, _seeded(torch, seed, cuda), \
                call_switches(pipe, preset, speed, {**kwargs, **pictures}) as applied:
            out = pipe(generator=generator, output_type="np", **hooks, **pictures, **kwargs)
    except _StopRequested:
        _reset_after_abort(pipe)
        raise GenerationStopped(f"{preset.name}: stopped after step {state['steps']} of "
                                f"{steps_total}; nothing was made. Call again "
                                "(after stop.clear()) to start over.") from None
    except Exception as exc:
        if not is_oom(exc):
            raise
        # keep only text and numbers: the traceback's frames hold the GPU tensors, and a
        # notebook keeps the last exception alive (sys.last_value)
        oom = (str(exc), gpu_numbers())
    if oom is not None:
        del pipe
        unload_pipeline()  # weights may be half-placed: start clean next time
        raise out_of_memory(preset, info["profile"], params, oom[0], stage="running",
                             numbers=oom[1]) from None
    t_end = time.perf_counter()
    frames = _frames_from_output(out)
    frames_u8 = as_frames(frames, name="pipeline output")
    t_done = time.perf_counter()
    last = state["last_step_t"] or t_end
    peak = torch.cuda.max_memory_allocated() / 1e9 if cuda else None
    import diffusers

    shown = {k: v for k, v in pictures.items() if k in ("frame_index", "strength")}
    used = dict(kwargs)  # every argument passed to pipe(...), under the pipeline's names
    used.update(fps=params["fps"], seed=int(seed), output_type="np", **setup, **shown,
                num_frames=int(params["num_frames"]))  # FramePack: frames made, not its argument
    call = {**kwargs, **shown, "seed": int(seed), "output_type": "np"}
    meta = {
        "backend": "diffusers",
        "model": preset.name,
        "model_id": preset.hub_id or f"tiny:{preset.twin}",
        "family": preset.family,
        "pipeline_class": type(pipe).__name__,
        "params": used,
        "pipeline_call": call,
        "seed": int(seed),
        "profile": info["profile"],
        "profile_requested": profile,
        "memory_switches": info["switches"],
        "device": info["device"],
        "dtype": info["dtype"],
        "steps_run": state["steps"],
        "timings": {
            "load_s": info["load_s"],
            "run_s": last - t_run,
            "decode_s": (t_end - last) + (t_done - t_end),
            "pipeline_s": t_end - t_run,
            "total_s": t_done - t_start,
        },
        "peak_gpu_memory_gb": peak,
        "speed": dict(speed),
        "speed_switches": info["speed"] + _described(applied),
        "conditions": {"last_image": (conditions or {}).get("last_image") is not None,
                       "keyframes": sorted((conditions or {}).get("keyframes") or {})},
        "diffusers_version": diffusers.__version__,
        "torch_version": torch.__version__,
    }
    return frames_u8, meta


def _described(applied: Mapping[str, Any]) -> list[str]:
    """The per-call switches in words, for the metadata."""
    out = []
    if applied.get("attention"):
        out.append(f"attention: {applied['attention']}")
    cache = applied.get("cache")
    if cache:
        what = "calibrated on this call (nothing skipped)" if cache["calibrating"] else \
            f"threshold {cache['threshold']}" if cache["threshold"] is not None else "on"
        out.append(f"cache {cache['mode']} on {', '.join(cache['denoisers'])}: {what}")
    return out


@contextlib.contextmanager
def _step_hook(pipe: Any, on_step_end: Any) -> Iterator[dict[str, Any]]:
    """The step callback as ``pipe(...)`` keywords, or, for a pipeline without
    ``callback_on_step_end`` (HunyuanVideo 1.5), the same callback run after each
    ``pipe.scheduler.step`` (an attribute of that scheduler object for this call only)."""
    import inspect

    if "callback_on_step_end" in inspect.signature(type(pipe).__call__).parameters:
        yield dict(callback_on_step_end=on_step_end,
                   callback_on_step_end_tensor_inputs=["latents"])
        return
    scheduler = pipe.scheduler
    step = scheduler.step

    def step_then_report(*args: Any, **kwargs: Any) -> Any:
        out = step(*args, **kwargs)
        latents = out[0] if isinstance(out, tuple) else getattr(out, "prev_sample", None)
        on_step_end(pipe, None, None, {"latents": latents})
        return out

    scheduler.step = step_then_report
    try:
        yield {}
    finally:
        del scheduler.step  # back to the class's method


@contextlib.contextmanager
def _seeded(torch: Any, seed: int, cuda: bool) -> Iterator[None]:
    """The global torch RNGs seeded from ``seed`` for the call, restored afterwards: some
    pipelines draw noise without the generator (SkyReels Diffusion Forcing's
    ``addnoise_condition`` uses ``torch.randn_like``), and the same seed must give the same clip."""
    devices = [torch.cuda.current_device()] if cuda else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(seed))
        yield


def _fit(image: Any, width: int, height: int) -> Image:
    """The picture as a PIL RGB image of exactly ``width`` x ``height`` (centre crop)."""
    from PIL import Image

    if isinstance(image, Image.Image) and image.mode == "RGB" and image.size == (width, height):
        return image
    from i2v_nb.io import fit_image

    return fit_image(image, width, height, mode="crop", multiple_of=1)


def _frames_from_output(out: Any) -> np.ndarray:
    """The ``(F, H, W, C)`` frames of a pipeline output (``.frames`` or a tuple, batch of one)."""
    frames = out.frames if hasattr(out, "frames") else out[0]
    if isinstance(frames, (list, tuple)):
        frames = frames[0]
    a = np.asarray(frames)
    if a.ndim == 5:  # (B, F, H, W, C)
        a = a[0]
    if a.ndim != 4:
        raise RuntimeError(f"unexpected pipeline output shape {a.shape}; expected (F, H, W, 3)")
    if a.shape[-1] != 3 and a.shape[1] == 3:  # (F, C, H, W)
        a = np.transpose(a, (0, 2, 3, 1))
    return a


def _reset_after_abort(pipe: Any) -> None:
    """Leave a pipeline whose __call__ was aborted as a finished call would."""
    if hasattr(pipe, "_interrupt"):
        pipe._interrupt = False
    free = getattr(pipe, "maybe_free_model_hooks", None)
    if free is not None:
        try:
            free()
        except Exception:  # noqa: BLE001
            pass


def run_diffusers(request: GenerationRequest) -> tuple[np.ndarray, dict[str, Any]]:
    """The diffusers backend: run a :class:`~i2v_nb.synthesis.request.GenerationRequest`.

    Reads the request's attributes: ``preset``, ``image`` (already fitted by ``generate``: used
    as it is), ``params``, ``prompt``, ``negative_prompt``, ``seed``, ``progress``, ``stop``,
    ``conditions`` (``last_image``, ``keyframes``: fitted too) and the ``options`` ``profile``,
    ``dtype``, ``device``, ``previews`` and the speed switches. Returns what
    :func:`run_pipeline` returns.
    """
    options = request.options
    return _run(get_model(request.preset), request.image, request.params,
                prompt=request.prompt, negative_prompt=request.negative_prompt,
                seed=int(request.seed), progress=request.progress, stop=request.stop,
                profile=options.get("profile") or "auto", dtype=options.get("dtype"),
                device=options.get("device"), previews=bool(options.get("previews", False)),
                t_start=time.perf_counter(), conditions=getattr(request, "conditions", None),
                speed=check_speed_options(options))


run_diffusers.precheck = precheck  # type: ignore[attr-defined]
