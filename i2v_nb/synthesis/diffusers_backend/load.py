"""Load a diffusers pipeline (cached: one at a time) and place it in memory by profile.

One pipeline is cached at a time; asking for another model (or another memory profile, dtype or
load-time speed switch: ``compile``, ``quantize``, ``quantize_text_encoder``) frees the first
(``del``, ``gc.collect()``, ``torch.cuda.empty_cache()``) before loading. Before the cached one
is dropped, the hub is checked in seconds (offline, unreachable, or the weights
not in the cache: :class:`~i2v_nb.errors.ModelUnavailable`). Tiny presets build their twins
offline (:func:`i2v_nb.testing.tiny_pipeline`).

Loading order: weights (quantized while loading for ``int8``/``nf4``: :mod:`.quantize`), then
``fp8-storage`` casting, then the memory profile (:func:`i2v_nb.synthesis.memory.apply_profile`),
then ``compile`` (:func:`.switches.compile_denoisers`), once per loaded pipeline.

>>> pipe, info = load_pipeline("tiny-wan", profile="fast")       # doctest: +SKIP
>>> info["device"], info["cached"]                                # doctest: +SKIP
('cpu', False)
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import threading
import time
from typing import Any

from i2v_nb.errors import ModelUnavailable, ParameterError
from i2v_nb.synthesis import memory
from i2v_nb.synthesis.diffusers_backend.oom import gpu_numbers, is_oom, out_of_memory
from i2v_nb.synthesis.plan import profile_needs
from i2v_nb.synthesis.registry import ModelPreset, get_model
from i2v_nb.synthesis.speed import check_speed_options, precheck_speed, torchao_usable

__all__ = [
    "load_pipeline",
    "unload_pipeline",
    "loaded_pipeline",
    "pick_device",
    "precheck",
    "PIPELINE_LOCK",
    "DIFFUSERS_TESTED",
]

#: Held while the cached pipeline is loaded, replaced or called: one job on it at a time.
PIPELINE_LOCK = threading.RLock()
_CACHE: dict[str, Any] = {"key": None, "pipe": None, "switches": [], "speed": []}


def loaded_pipeline() -> tuple[tuple | None, Any]:
    """The cached ``(key, pipeline)``; key is ``(model, profile, dtype, device, load switches)``
    (the last a tuple of ``(name, value)`` pairs, empty without any) or ``None``."""
    return _CACHE["key"], _CACHE["pipe"]


def unload_pipeline() -> None:
    """Drop the cached pipeline and give its GPU memory back."""
    with PIPELINE_LOCK:
        pipe, folder = _CACHE["pipe"], _CACHE.get("offload_dir")
        _CACHE.update(key=None, pipe=None, switches=[], speed=[], offload_dir=None)
        if pipe is not None and hasattr(pipe, "remove_all_hooks"):
            try:
                pipe.remove_all_hooks()
            except Exception:  # noqa: BLE001 - best effort while freeing
                pass
        del pipe
        gc.collect()
        _empty_cuda_cache()
        if folder:  # the text encoders' disk offload
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


def _empty_cuda_cache() -> None:
    """``torch.cuda.empty_cache()`` if torch is already imported and CUDA is there."""
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
    """The error for a real model and no GPU: it points to the preview engine."""
    return ModelUnavailable(
        f"{preset.name} ({preset.hub_id}) needs a GPU and none was found (torch.cuda."
        f"is_available() is False); on a CPU one clip would take hours. Use model='preview' "
        "for the CPU preview engine, or run on a GPU runtime (Colab: Runtime > Change runtime "
        "type > GPU). Pass device='cpu' only if you really mean to wait.")


def precheck(preset: ModelPreset, options: dict[str, Any]) -> None:
    """What ``generate`` checks before any work (no torch import): the packages, that the
    device asked for (or a GPU, for a real model) exists, and that the speed switches can run
    on this model and machine (:func:`i2v_nb.synthesis.speed.precheck_speed`).

    Raises:
        ModelUnavailable: a package is missing, or no GPU is visible for a real model or for a
            ``device="cuda..."``.
        ParameterError: a speed switch this model or device cannot take.
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
    cuda = device.startswith("cuda") if device else cuda_available()
    precheck_speed(preset, check_speed_options(options), cuda=cuda)


def _check_packages(preset: ModelPreset) -> None:
    """Raise :class:`ModelUnavailable` naming the packages ``preset`` needs that are missing."""
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
        if subfolder and subfolder.endswith(".safetensors"):  # a single file of the repo
            repos.append((repo, subfolder))
            continue
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


def _from_pretrained(preset: ModelPreset, dtype: Any, device: str, *,
                     local_files_only: bool = False, quant: dict[str, Any] | None = None,
                     low_cpu_mem_usage: bool = False) -> Any:
    """The pipeline itself: a tiny twin built offline, or ``from_pretrained`` with the preset's
    dtypes, separately loaded components and the argument names this diffusers version takes;
    ``quant`` (``quantize``, ``quantize_text_encoder``) quantizes while loading."""
    import torch

    from i2v_nb._quiet_imports import quiet_torchao
    from i2v_nb.synthesis.diffusers_backend import quantize as q

    quiet_torchao()  # diffusers imports torchao when it is installed: without its log noise
    quant = quant or {}
    if preset.is_tiny:
        from i2v_nb.testing import tiny_pipeline

        pipe = tiny_pipeline(preset.twin or preset.family, seed=0)
        if dtype != torch.float32:
            pipe.to(dtype=dtype)
        if quant:
            pipe = q.quantize_twin(pipe, dtype=dtype, **quant)
        return _set_up(pipe, preset)
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
    if low_cpu_mem_usage:
        kwargs["low_cpu_mem_usage"] = True
    mapping = q.quantization_mapping(cls, compute_dtype=dtype, skip=tuple(preset.components),
                                     **quant) if quant else {}
    if mapping:
        from diffusers import PipelineQuantizationConfig

        kwargs["quantization_config"] = PipelineQuantizationConfig(quant_mapping=mapping)
    if preset.family == "svd" and dtype == torch.float16:
        kwargs["variant"] = "fp16"  # the SVD repos ship fp16 weights: half the download
    try:
        for name, (library, cls_name, repo, subfolder, comp_dtype) in preset.components.items():
            comp_cls = getattr(importlib.import_module(library), cls_name)
            single = bool(subfolder) and str(subfolder).endswith(".safetensors")
            extra: dict[str, Any] = {"subfolder": subfolder} if subfolder and not single else {}
            if local_files_only:
                extra["local_files_only"] = True
            config = q.component_config(name, library, compute_dtype=dtype, **quant) \
                if quant else None
            if config is not None:
                extra["quantization_config"] = config
            if comp_dtype is not None:  # models (processors take no dtype)
                key = dtype_key if library.split(".")[0] == "diffusers" else "dtype"
                extra[key] = torch.float32 if device == "cpu" else getattr(torch, comp_dtype)
                if not single:
                    extra["use_safetensors"] = True
            if single:  # e.g. LTX-Video 0.9.8 2B: one .safetensors file in Lightricks/LTX-Video
                url = f"https://huggingface.co/{repo}/blob/main/{subfolder}"
                kwargs[name] = comp_cls.from_single_file(url, **extra)
            else:
                kwargs[name] = comp_cls.from_pretrained(repo, **extra)
        return _set_up(cls.from_pretrained(preset.base_hub_id or preset.hub_id, **kwargs), preset)
    except (OSError, ValueError, EnvironmentError) as exc:
        raise ModelUnavailable(
            f"could not load {preset.hub_id} ({preset.pipeline_class}): {exc}. Check the network, "
            f"accept the licence ({preset.licence}: {preset.licence_url or 'see the model page'}) "
            "and log in with `hf auth login` if the model is gated.") from exc


def _set_up(pipe: Any, preset: ModelPreset) -> Any:
    """The preset's pipeline and scheduler config values, set on a loaded pipeline (a twin
    too, so tests run the preset's values): Wan 2.2 A14B's ``boundary_ratio`` (read from
    ``pipe.config`` at every call), a scheduler's ``flow_shift``."""
    if preset.pipeline_config:
        pipe.register_to_config(**dict(preset.pipeline_config))
    if preset.scheduler_config and getattr(pipe, "scheduler", None) is not None:
        scheduler = pipe.scheduler
        pipe.scheduler = type(scheduler).from_config(scheduler.config, **preset.scheduler_config)
    return pipe


def load_pipeline(model: str | ModelPreset, *, profile: str = "fast", dtype: str | None = None,
                  device: str | None = None, compile: bool = False, quantize: str | None = None,
                  quantize_text_encoder: str | None = None) -> tuple[Any, dict[str, Any]]:
    """Return the pipeline for ``model`` under ``profile`` (cached: one at a time).

    Args:
        model: preset name or :class:`ModelPreset` (diffusers backend).
        profile: ``"auto"``, ``"fast"``, ``"balanced"``, ``"low-vram"`` or ``"colab-t4"``.
        dtype: torch dtype name overriding the preset's (and ``colab-t4``'s ``float16``).
        device: ``"cuda"``, ``"cpu"``... (default: CUDA if present).
        compile: compile the denoisers' repeated blocks once for this pipeline.
        quantize, quantize_text_encoder: ``"int8"``, ``"nf4"`` or ``"fp8-storage"`` for the
            denoiser(s) / text encoder(s) (``colab-t4`` picks one for the text encoder when
            ``None``).

    Returns:
        ``(pipe, info)`` with info keys ``profile``, ``switches`` (memory), ``speed`` (the
        load-time speed switches done, in words), ``device``, ``dtype``, ``load_s`` (0 on a
        cache hit), ``cached``.

    Raises:
        ModelUnavailable: no GPU for a real model, a missing package, weights not reachable.
        OutOfMemory: the GPU ran out of memory while placing the weights.
        ParameterError: a switch this model or device cannot take.
    """
    preset = get_model(model)
    if preset.backend != "diffusers":
        raise ParameterError(f"{preset.name} runs on the {preset.backend!r} backend, not diffusers")
    _check_packages(preset)
    device = pick_device(preset, device)
    speed = check_speed_options({"compile": compile, "quantize": quantize,
                                 "quantize_text_encoder": quantize_text_encoder})
    precheck_speed(preset, speed, cuda=device.startswith("cuda"))
    cached = _CACHE["key"]
    if profile == "auto" and cached is not None and cached[0] == preset.name \
            and cached[3] == device:
        # "auto" keeps the loaded pipeline's profile: its own weights now fill the memory auto
        # would measure
        resolved = cached[1]
    else:
        on_cuda = device.startswith("cuda")
        resolved = memory.resolve_profile(profile, **profile_needs(preset),
                                          free_gb=memory.free_vram_gb() if on_cuda else None,
                                          free_ram_gb=memory.free_ram_gb())
    torch_dtype = memory.torch_dtype(dtype or memory.PROFILE_DTYPE.get(resolved) or preset.dtype,
                                     device=device)
    dtype_name = str(torch_dtype).replace("torch.", "")
    if resolved == "colab-t4" and preset.uses_prompt and "quantize_text_encoder" not in speed:
        speed["quantize_text_encoder"] = "int8" if torchao_usable() else "fp8-storage"
    key = (preset.name, resolved, dtype_name, device, tuple(sorted(speed.items())))
    with PIPELINE_LOCK:
        if _CACHE["key"] == key:
            return _CACHE["pipe"], dict(profile=resolved, switches=list(_CACHE["switches"]),
                                        speed=list(_CACHE["speed"]), device=device,
                                        dtype=key[2], load_s=0.0, cached=True)
        # offline or no hub: fail in seconds, before the loaded pipeline is dropped
        files_only = False if preset.is_tiny else _hub_files_only(preset)
        unload_pipeline()
        t0 = time.perf_counter()
        try:
            pipe, switches, done = _load_and_place(preset, resolved, torch_dtype, device, speed,
                                                   files_only)
        except Exception as exc:
            if not is_oom(exc):
                raise
            oom = (str(exc), gpu_numbers())
        else:
            oom = None
        if oom is not None:
            pipe = None
            gc.collect()
            _empty_cuda_cache()
            raise out_of_memory(preset, resolved, None, oom[0], stage="loading",
                                 numbers=oom[1]) from None
        _CACHE.update(key=key, pipe=pipe, switches=switches, speed=done)
        return pipe, dict(profile=resolved, switches=list(switches), speed=list(done),
                          device=device, dtype=key[2], load_s=time.perf_counter() - t0,
                          cached=False)


def _load_and_place(preset: ModelPreset, profile: str, dtype: Any, device: str,
                    speed: dict[str, Any], files_only: bool) -> tuple[Any, list[str], list[str]]:
    """Load (quantizing while loading), cast to fp8 storage, apply the profile, compile."""
    from i2v_nb.synthesis.diffusers_backend import quantize as q
    from i2v_nb.synthesis.diffusers_backend.switches import compile_denoisers

    quant = {k: speed.get(k) for k in ("quantize", "quantize_text_encoder")
             if speed.get(k) in ("int8", "nf4")}
    pipe = _from_pretrained(preset, dtype, device, local_files_only=files_only, quant=quant,
                            low_cpu_mem_usage=profile == "colab-t4")
    if hasattr(pipe, "set_progress_bar_config"):
        pipe.set_progress_bar_config(disable=True)  # our progress() replaces tqdm
    done = [f"{part}: {mode}" for key, mode in quant.items()
            for part in (q.denoiser_names if key == "quantize" else q.text_encoder_names)(
                [n for n, c in getattr(pipe, "components", {}).items() if c is not None])]
    done += q.apply_fp8_storage(pipe, quantize=speed.get("quantize"),
                                quantize_text_encoder=speed.get("quantize_text_encoder"),
                                compute_dtype=dtype)
    quantized = tuple(d.split(":")[0] for d in done)
    switches = memory.apply_profile(pipe, profile, family=preset.family, device=device,
                                    supports_tiling=preset.supports_tiling,
                                    experts=preset.experts,
                                    offload_dir=_offload_dir(preset, profile) if device != "cpu"
                                    else None, keep_in_ram=quantized)
    if speed.get("compile"):
        done += compile_denoisers(pipe)
    return pipe, switches, done


def _offload_dir(preset: ModelPreset, profile: str) -> str | None:
    """A folder for disk offload of the text encoder(s) when free RAM is short of what the
    group-offload profiles keep in RAM (:func:`~i2v_nb.synthesis.plan.profile_needs`), else ``None``."""
    if profile not in ("low-vram", "colab-t4"):
        return None
    need = profile_needs(preset)["ram_gb"].get(profile)
    free = memory.free_ram_gb()
    if need is None or free is None or need * 1.1 <= free:
        return None
    import tempfile

    # a fresh folder per load: diffusers reuses a group's file when one exists, so an old
    # folder would bring back another load's weights; removed by unload_pipeline()
    folder = tempfile.mkdtemp(prefix=f"i2v_nb_offload_{preset.name}_")
    _CACHE["offload_dir"] = folder
    return folder
