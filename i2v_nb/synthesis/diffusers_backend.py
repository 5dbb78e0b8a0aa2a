"""The diffusers backend: load (and cache) a pipeline, run it with progress and stop, return frames.

One pipeline is cached at a time; asking for another model (or another memory profile or dtype)
frees the first (``del``, ``gc.collect()``, ``torch.cuda.empty_cache()``) before loading.

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

plus ``num_inference_steps``, ``generator`` (a CPU ``torch.Generator`` seeded from ``seed``, so a
seed gives the same noise on every device), ``output_type="np"`` and ``callback_on_step_end``.

Stopping: diffusers' ``pipe._interrupt`` flag only skips the remaining denoising steps — the
pipeline still decodes the latents (minutes of VAE work for a large model) and SVD does not check
the flag at all. So the step callback raises a private exception when ``stop`` is set; it is
caught here, the offload hooks are reset and :class:`~i2v_nb.errors.GenerationStopped` is raised.
The pipeline stays cached and usable (each call resets the scheduler and the interrupt flag).

>>> frames, meta = run_pipeline("tiny-wan", image, seed=0)  # doctest: +SKIP
>>> frames.shape, frames.dtype                                # doctest: +SKIP
((5, 32, 32, 3), dtype('uint8'))
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import threading
import time
from typing import Any, Callable

import numpy as np

from i2v_nb._media import as_frames, to_uint8
from i2v_nb.errors import GenerationStopped, ModelUnavailable, OutOfMemory, ParameterError
from i2v_nb.synthesis import memory
from i2v_nb.synthesis.registry import ModelPreset, get_model

__all__ = [
    "run_pipeline",
    "run_diffusers",
    "DiffusersBackend",
    "load_pipeline",
    "unload_pipeline",
    "loaded_pipeline",
    "pipeline_kwargs",
    "pick_device",
    "precheck",
]

ProgressFn = Callable[[int, int, Any], Any]


class _StopRequested(Exception):
    """Raised from the step callback to leave the denoising loop at once."""


# ------------------------------------------------------------------------------ the one cache
_LOCK = threading.RLock()
_CACHE: dict[str, Any] = {"key": None, "pipe": None, "switches": []}


def loaded_pipeline() -> tuple[tuple | None, Any]:
    """The cached ``(key, pipeline)``; key is ``(model, profile, dtype, device)`` or ``None``."""
    return _CACHE["key"], _CACHE["pipe"]


def unload_pipeline() -> None:
    """Drop the cached pipeline and give its GPU memory back."""
    with _LOCK:
        pipe = _CACHE["pipe"]
        _CACHE.update(key=None, pipe=None, switches=[])
        if pipe is not None and hasattr(pipe, "remove_all_hooks"):
            try:
                pipe.remove_all_hooks()
            except Exception:  # noqa: BLE001 - best effort while freeing
                pass
        del pipe
        gc.collect()
        _empty_cuda_cache()


def _empty_cuda_cache() -> None:
    import sys

    torch = sys.modules.get("torch")  # never import torch just to free memory
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def pick_device(preset: ModelPreset, device: str | None = None) -> str:
    """The device to run on: ``device`` if given, else CUDA, else Apple MPS, else CPU.

    Raises:
        ModelUnavailable: a real (non-tiny) model and no accelerator, unless ``device="cpu"``
            was asked for explicitly.
    """
    from i2v_nb.synthesis.backend import check_device

    device = check_device(device)
    if device is not None:
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available() and not preset.is_tiny:
        return "mps"
    if not preset.is_tiny:
        raise _no_gpu(preset)
    return "cpu"


def _no_gpu(preset: ModelPreset) -> ModelUnavailable:
    return ModelUnavailable(
        f"{preset.name} ({preset.hub_id}) needs a GPU and none was found (torch.cuda."
        f"is_available() is False); on a CPU one clip would take hours. Use model='preview' "
        "for the CPU preview engine, or run on a GPU runtime (Colab: Runtime > Change runtime "
        "type > GPU). Pass device='cpu' only if you really mean to wait.")


def precheck(preset: ModelPreset, options: dict[str, Any]) -> None:
    """What ``generate`` checks before any work (no torch import): the packages, and that the
    device asked for (or a GPU, for a real model) exists.

    Raises:
        ModelUnavailable: a package is missing, or no GPU is visible for a real model or for a
            ``device="cuda..."``.
    """
    import sys

    from i2v_nb.synthesis.generate import cuda_available

    _check_packages(preset)
    device = options.get("device")
    if device is None:
        if not preset.is_tiny and sys.platform != "darwin" and not cuda_available():
            raise _no_gpu(preset)
    elif device.startswith("cuda") and not cuda_available():
        raise ModelUnavailable(f"device={device!r}: no CUDA GPU is visible on this machine; use "
                               "device='cpu' (tiny models) or 'auto', or model='preview'")


def _check_packages(preset: ModelPreset) -> None:
    missing = [m for m in ("torch", "diffusers", "transformers", "accelerate")
               if importlib.util.find_spec(m) is None]
    if preset.family == "wan" and not preset.is_tiny and importlib.util.find_spec("ftfy") is None:
        missing.append("ftfy")  # diffusers' Wan pipelines clean prompts with ftfy
    if missing:
        raise ModelUnavailable(f"{preset.name} needs the package(s) {', '.join(missing)}; "
                               f"install them with: pip install {' '.join(missing)}")


def _hub_files_only(preset: ModelPreset) -> bool:
    """Whether to load with ``local_files_only=True``: decided in seconds, before any weights.

    Raises:
        ModelUnavailable: offline (``HF_HUB_OFFLINE``) or the hub unreachable, and a repo the
            model needs is not in the Hugging Face cache.
    """
    from i2v_nb._hub import hub_load_mode

    fallback = "or use model='preview' (the CPU preview engine, no download)"
    repos = [(preset.base_hub_id or preset.hub_id, "model_index.json")]
    for _lib, _cls, repo, subfolder, comp_dtype in preset.components.values():
        name = "config.json" if comp_dtype is not None else "preprocessor_config.json"
        repos.append((repo, f"{subfolder}/{name}" if subfolder else name))
    modes = [hub_load_mode(repo, what=f"the weights of {preset.name}", filename=filename,
                           fallback=fallback) for repo, filename in repos if repo]
    return "cache" in modes


#: the diffusers versions the presets were checked against (pyproject allows >= 0.39 so that
#: installing i2v_nb on Colab keeps the runtime's own diffusers)
DIFFUSERS_TESTED = ">=0.42,<0.44"


def _version_tuple(version: str) -> tuple[int, ...]:
    """``"0.42.1"`` → ``(0, 42, 1)``; ignores suffixes such as ``.dev0`` or ``+local``."""
    parts = []
    for piece in version.split("+")[0].split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit()) if piece[:1].isdigit() else ""
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _load(preset: ModelPreset, dtype: Any, device: str, *, local_files_only: bool = False) -> Any:
    import torch

    if preset.is_tiny:
        from i2v_nb.synthesis.tiny import tiny_pipeline

        pipe = tiny_pipeline(preset.twin or preset.family, seed=0)
        if dtype != torch.float32:
            pipe.to(dtype=dtype)
        return pipe
    import diffusers

    cls = getattr(diffusers, preset.pipeline_class or "", None)
    if cls is None:
        raise ModelUnavailable(
            f"diffusers {diffusers.__version__} has no {preset.pipeline_class}, which "
            f"{preset.name} needs; upgrade it — in a notebook: %pip install -U "
            f"\"diffusers{DIFFUSERS_TESTED}\" (then restart the runtime), in a terminal: "
            f"pip install -U \"diffusers{DIFFUSERS_TESTED}\"")
    # diffusers < 0.40 (Colab's runtime ships 0.39) knows only torch_dtype=; newer ones prefer dtype=
    dtype_key = "dtype" if _version_tuple(diffusers.__version__) >= (0, 40) else "torch_dtype"
    if preset.component_dtypes and device != "cpu":
        dtypes: Any = {"default": dtype, **{k: getattr(torch, v)
                                             for k, v in preset.component_dtypes.items()}}
    else:
        dtypes = dtype
    kwargs: dict[str, Any] = {dtype_key: dtypes, "use_safetensors": True}
    if local_files_only:
        kwargs["local_files_only"] = True
    if preset.family == "svd" and dtype == torch.float16:
        kwargs["variant"] = "fp16"  # the SVD repos ship fp16 weights: half the download
    try:
        for name, (library, cls_name, repo, subfolder, comp_dtype) in preset.components.items():
            comp_cls = getattr(importlib.import_module(library), cls_name)
            extra: dict[str, Any] = {"subfolder": subfolder} if subfolder else {}
            if local_files_only:
                extra["local_files_only"] = True
            if comp_dtype is not None:  # models (processors take no dtype)
                key = dtype_key if library.split(".")[0] == "diffusers" else "dtype"
                extra[key] = torch.float32 if device == "cpu" else getattr(torch, comp_dtype)
                extra["use_safetensors"] = True
            kwargs[name] = comp_cls.from_pretrained(repo, **extra)
        return cls.from_pretrained(preset.base_hub_id or preset.hub_id, **kwargs)
    except (OSError, ValueError, EnvironmentError) as exc:
        raise ModelUnavailable(
            f"could not load {preset.hub_id} ({preset.pipeline_class}): {exc}. Check the network, "
            f"accept the licence ({preset.licence}: {preset.licence_url or 'see the model page'}) "
            "and log in with `hf auth login` if the model is gated.") from exc


def load_pipeline(model: str | ModelPreset, *, profile: str = "fast", dtype: str | None = None,
                  device: str | None = None) -> tuple[Any, dict[str, Any]]:
    """Return the pipeline for ``model`` under ``profile`` (cached: one at a time).

    Args:
        model: preset name or :class:`ModelPreset` (diffusers backend).
        profile: ``"auto"``, ``"fast"``, ``"balanced"`` or ``"low-vram"``.
        dtype: torch dtype name overriding the preset's (``"float16"``, ``"bfloat16"``...).
        device: ``"cuda"``, ``"cpu"``... (default: CUDA if present).

    Returns:
        ``(pipe, info)`` with info keys ``profile``, ``switches``, ``device``, ``dtype``,
        ``load_s`` (0 on a cache hit), ``cached``.

    Raises:
        ModelUnavailable: no GPU for a real model, a missing package, weights not reachable.
        OutOfMemory: the GPU ran out of memory while placing the weights.
    """
    preset = get_model(model)
    if preset.backend != "diffusers":
        raise ParameterError(f"{preset.name} runs on the {preset.backend!r} backend, not diffusers")
    _check_packages(preset)
    device = pick_device(preset, device)
    torch_dtype = memory.torch_dtype(dtype or preset.dtype, device=device)
    dtype_name = str(torch_dtype).replace("torch.", "")
    cached = _CACHE["key"]
    if profile == "auto" and cached is not None and \
            (cached[0], cached[2], cached[3]) == (preset.name, dtype_name, device):
        # "auto" keeps the loaded pipeline: its own weights now fill the memory auto would measure
        resolved = cached[1]
    else:
        free = memory.free_vram_gb() if device == "cuda" else None
        resolved = memory.resolve_profile(profile, vram_gb=preset.vram_gb, free_gb=free)
    key = (preset.name, resolved, dtype_name, device)
    with _LOCK:
        if _CACHE["key"] == key:
            return _CACHE["pipe"], dict(profile=resolved, switches=list(_CACHE["switches"]),
                                        device=device, dtype=key[2], load_s=0.0, cached=True)
        # offline or no hub: fail in seconds, before the loaded pipeline is dropped
        files_only = False if preset.is_tiny else _hub_files_only(preset)
        unload_pipeline()
        t0 = time.perf_counter()
        try:
            pipe = _load(preset, torch_dtype, device, local_files_only=files_only)
            if hasattr(pipe, "set_progress_bar_config"):
                pipe.set_progress_bar_config(disable=True)  # our progress() replaces tqdm
            switches = memory.apply_profile(pipe, resolved, family=preset.family, device=device,
                                            supports_tiling=preset.supports_tiling)
        except Exception as exc:
            if not _is_oom(exc):
                raise
            oom = (str(exc), _gpu_numbers())
        else:
            oom = None
        if oom is not None:
            pipe = None
            gc.collect()
            _empty_cuda_cache()
            raise _out_of_memory(preset, resolved, None, oom[0], stage="loading",
                                 numbers=oom[1]) from None
        _CACHE.update(key=key, pipe=pipe, switches=switches)
        return pipe, dict(profile=resolved, switches=list(switches), device=device, dtype=key[2],
                          load_s=time.perf_counter() - t0, cached=False)


# ------------------------------------------------------------------------------ call arguments
def pipeline_kwargs(preset: ModelPreset, params: dict[str, Any], *, profile: str = "fast",
                    prompt: str | None = None, negative_prompt: str | None = None) -> dict[str, Any]:
    """The keyword arguments for ``pipe(image=..., **kwargs)`` (without image, generator, callbacks).

    Args:
        preset: the model.
        params: output of ``preset.validate(...)``.
        profile: resolved memory profile (SVD's ``decode_chunk_size`` follows it when unset).
        prompt, negative_prompt: the family's prompt text (``params`` values win when present).

    >>> pipeline_kwargs(get_model("tiny-ltx"), get_model("tiny-ltx").validate())["frame_rate"]
    25
    """
    fam = preset.family
    p = dict(params)
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
    return kw


# ------------------------------------------------------------------------------ previews
def latent_preview(latents: Any, family: str) -> np.ndarray | None:
    """A cheap ``(h, w, 3)`` uint8 glimpse of the middle frame's latents (``None`` for LTX).

    The first three latent channels are min-max scaled: it shows layout and motion, not colours.
    """
    try:
        lat = latents.detach()
        if family in ("svd", "cogvideox"):  # (B, F, C, H, W)
            x = lat[0, lat.shape[1] // 2, :3]
        elif family in ("wan", "hunyuan", "framepack"):  # (B, C, F, H, W)
            x = lat[0, :3, lat.shape[2] // 2]
        else:  # LTX latents are packed into tokens
            return None
        x = x.float().cpu().numpy()
        if x.shape[0] < 3:
            x = np.repeat(x[:1], 3, axis=0)
        lo, hi = x.min(), x.max()
        x = (x - lo) / (hi - lo + 1e-8)
        return to_uint8(np.transpose(x, (1, 2, 0)))
    except Exception:  # noqa: BLE001 - a preview must never break a generation
        return None


# ------------------------------------------------------------------------------ OOM
def _is_oom(exc: BaseException) -> bool:
    import sys

    torch = sys.modules.get("torch")
    oom_cls = getattr(getattr(torch, "cuda", None), "OutOfMemoryError", None) if torch else None
    if oom_cls is not None and isinstance(exc, oom_cls):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def _gpu_numbers() -> tuple[float | None, float | None, float | None]:
    import sys

    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return None, None, None
    try:
        free, total = torch.cuda.mem_get_info()
        peak = torch.cuda.max_memory_allocated()
        return free / 1e9, total / 1e9, peak / 1e9
    except Exception:  # noqa: BLE001
        return None, None, None


def _out_of_memory(preset: ModelPreset, profile: str, params: dict | None, detail: str,
                   *, stage: str, numbers: tuple) -> OutOfMemory:
    free, total, peak = numbers
    nxt = memory.next_profile(profile)
    facts = []
    if total is not None:
        facts.append(f"{free:.1f} GB free of {total:.1f} GB, peak {peak:.1f} GB allocated")
    need = preset.vram_gb.get(profile)
    if need:
        facts.append(f"{preset.name} needs roughly {need:g} GB with profile {profile!r}")
    if params:
        facts.append(f"asked for {params.get('num_frames')} frames at "
                     f"{params.get('width')}x{params.get('height')}")
    if nxt is not None:
        advice = (f"try profile={nxt!r} (needs roughly {preset.vram_gb.get(nxt, '?')} GB), "
                  "or fewer frames / a smaller size")
    else:
        advice = "this is already the most frugal profile: use fewer frames, a smaller size, " \
                 "a smaller model, or model='preview'"
    err = OutOfMemory(f"the GPU ran out of memory while {stage} {preset.name}: "
                      f"{'; '.join(facts) or detail}. {advice[0].upper() + advice[1:]}. "
                      "Nothing already in the history was lost.")
    err.next_profile = nxt  # type: ignore[attr-defined]
    err.profile = profile  # type: ignore[attr-defined]
    err.free_gb, err.total_gb, err.peak_gb = free, total, peak  # type: ignore[attr-defined]
    err.detail = detail  # type: ignore[attr-defined]
    return err


# ------------------------------------------------------------------------------ running
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

    Returns:
        ``frames``: ``(T, H, W, 3)`` uint8; ``metadata``: model, model_id, pipeline_class,
        params (every parameter used, under the pipeline's argument names, plus ``fps``),
        pipeline_call (the exact keyword arguments of ``pipe(...)``), seed, profile, memory
        switches, device, dtype, timings ``{load_s, run_s, decode_s, pipeline_s, total_s}``
        (run = denoising steps, decode = after the last step), ``peak_gpu_memory_gb``,
        ``steps_run``.

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
    if stop is not None and stop.is_set():
        raise GenerationStopped(f"{preset.name}: stop was already set before generation began; "
                                "clear the event (stop.clear()) and call again")
    pipe, info = load_pipeline(preset, profile=profile, dtype=dtype, device=device)
    import torch

    width, height = int(params["width"]), int(params["height"])
    image = _fit(image, width, height)
    kwargs = pipeline_kwargs(preset, params, profile=info["profile"], prompt=prompt,
                             negative_prompt=negative_prompt)
    generator = torch.Generator(device="cpu").manual_seed(int(seed))
    state = {"steps": 0, "last_step_t": None}
    family = preset.family
    sections = preset.sections(params["num_frames"], params.get("latent_window_size", 1))
    steps_total = kwargs["num_inference_steps"] * sections

    def on_step_end(pipe_: Any, i: int, t: Any, cb_kwargs: dict) -> dict:
        # counted here, not from i: FramePack restarts i in every section
        state["steps"] += 1
        state["last_step_t"] = time.perf_counter()
        if progress is not None:
            total = steps_total if sections > 1 else \
                (getattr(pipe_, "_num_timesteps", None) or steps_total)
            preview = latent_preview(cb_kwargs.get("latents"), family) if previews else None
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
        with _LOCK:
            out = pipe(image=image, generator=generator, output_type="np",
                       callback_on_step_end=on_step_end,
                       callback_on_step_end_tensor_inputs=["latents"], **kwargs)
    except _StopRequested:
        _reset_after_abort(pipe)
        raise GenerationStopped(f"{preset.name}: stopped after step {state['steps']} of "
                                f"{steps_total}; nothing was made. Call again "
                                "(after stop.clear()) to start over.") from None
    except Exception as exc:
        if not _is_oom(exc):
            raise
        # keep only text and numbers: the traceback's frames hold the GPU tensors, and a
        # notebook keeps the last exception alive (sys.last_value)
        oom = (str(exc), _gpu_numbers())
    if oom is not None:
        del pipe
        unload_pipeline()  # weights may be half-placed: start clean next time
        raise _out_of_memory(preset, info["profile"], params, oom[0], stage="running",
                             numbers=oom[1]) from None
    t_end = time.perf_counter()
    frames = _frames_from_output(out)
    frames_u8 = as_frames(frames, name="pipeline output")
    t_done = time.perf_counter()
    last = state["last_step_t"] or t_end
    peak = torch.cuda.max_memory_allocated() / 1e9 if cuda else None
    import diffusers

    used = dict(kwargs)  # every argument passed to pipe(...), under the pipeline's names
    used.update(fps=params["fps"], seed=int(seed), output_type="np",
                num_frames=int(params["num_frames"]))  # FramePack: frames made, not its argument
    call = {**kwargs, "seed": int(seed), "output_type": "np"}
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
        "diffusers_version": diffusers.__version__,
        "torch_version": torch.__version__,
    }
    return frames_u8, meta


def _fit(image: Any, width: int, height: int) -> Any:
    from PIL import Image

    if isinstance(image, Image.Image) and image.mode == "RGB" and image.size == (width, height):
        return image
    from i2v_nb.io import fit_image

    return fit_image(image, width, height, mode="crop", multiple_of=1)


def _frames_from_output(out: Any) -> np.ndarray:
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


# ------------------------------------------------------------------------------ the seam
def run_diffusers(request: Any) -> tuple[np.ndarray, dict[str, Any]]:
    """Run a backend request (see ``i2v_nb.synthesis.backend``) on the diffusers backend.

    The request is read by attribute (or key): ``model``/``preset``, ``image``, ``params``,
    ``prompt`` (a string or a per-family prompt dict with ``text``/``negative``),
    ``negative_prompt``, ``seed``, ``progress``, ``stop``, ``profile``, ``dtype``, ``device``.
    """
    def get(name: str, default: Any = None) -> Any:
        if isinstance(request, dict):
            return request.get(name, default)
        return getattr(request, name, default)

    model = get("preset") or get("model")
    prompt = get("prompt")
    negative = get("negative_prompt")
    if isinstance(prompt, dict):
        negative = negative or prompt.get("negative_prompt") or prompt.get("negative")
        prompt = prompt.get("text") or prompt.get("prompt")
    return run_pipeline(model, get("image"), params=get("params"), prompt=prompt,
                        negative_prompt=negative, seed=get("seed", 0) or 0,
                        progress=get("progress"), stop=get("stop"),
                        profile=get("profile", "auto") or "auto", dtype=get("dtype"),
                        device=get("device"), previews=bool(get("previews", False)))


run_diffusers.precheck = precheck  # type: ignore[attr-defined]


class DiffusersBackend:
    """Backend object for ``generate``: ``DiffusersBackend()(request) -> (frames, metadata)``."""

    name = "diffusers"

    def __call__(self, request: Any) -> tuple[np.ndarray, dict[str, Any]]:
        return run_diffusers(request)

    run = __call__
