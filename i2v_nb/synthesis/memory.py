"""Memory profiles: how a diffusers pipeline is placed on the GPU.

============ ===================================================================================
profile      diffusers switches
============ ===================================================================================
``fast``     everything on the GPU (``pipe.to("cuda")``); SVD decodes 8 frames at a time.
``balanced`` ``pipe.enable_model_cpu_offload()`` (one model on the GPU at a time) and
             ``pipe.vae.enable_slicing()`` + ``pipe.vae.enable_tiling()``; SVD (whose VAE raises
             on tiling) decodes 4 frames at a time instead.
``low-vram`` group offloading of every component (``offload_type="leaf_level"``,
             ``use_stream=True``: layers stream to the GPU on a CUDA stream while the previous
             one computes) with VAE slicing and tiling; where free system RAM is short of the
             weights, the text encoder(s) offload to disk (``offload_to_disk_path``) instead of
             RAM. SVD: model offload, ``pipe.unet.enable_forward_chunking()`` and
             ``decode_chunk_size=2`` (under 8 GB).
``colab-t4`` free Colab's T4 (16 GB VRAM, no bfloat16, ~12.7 GB RAM): ``float16``, the text
             encoder(s) quantized while loading (``int8`` with torchao >= 0.15, else
             ``fp8-storage``), ``low_cpu_mem_usage=True``, the denoiser offloaded by groups
             (``block_level``, one block per group, on a CUDA stream, pinned on the fly:
             ``low_cpu_mem_usage=True``), the other components by layers, VAE slicing and
             tiling; text encoders that are not quantized go to disk where RAM is short. Peak
             system RAM is planned under :data:`COLAB_T4_RAM_GB`.
``auto``     the fastest profile whose rough needs
             (:func:`~i2v_nb.synthesis.plan.profile_needs`) fit the free GPU memory *and* the
             free system RAM (offloading keeps every weight in RAM).
============ ===================================================================================

Models whose denoising is shared by experts that take turns (Wan 2.2 A14B: ``transformer`` for
the high-noise steps, ``transformer_2`` for the low-noise ones; ``preset.experts``) hold both on
the GPU under ``fast``; ``balanced``'s model offload chains them (calling one moves the other
back to the CPU) and the group-offload profiles stream layers, so only the active expert is on
the GPU. The switches list says so (``"experts one at a time: transformer, transformer_2"``).

Profiles change where weights live, not the maths, so a seed gives the same clip under every
profile -- except for SVD, whose temporal VAE decoder mixes the frames decoded together: its
``decode_chunk_size`` (8 / 4 / 2 by profile, or set it yourself) changes the frames -- and
``colab-t4``, which changes the dtype and quantizes the text encoder. The value used is
recorded in the clip's metadata.

The weights run in the preset's dtype on a GPU (``bfloat16``, SVD ``float16``; ``colab-t4``:
``float16``) and in ``float32`` on a CPU, where half precision is slow or unsupported.

>>> resolve_profile("auto", vram_gb={"fast": 30, "balanced": 12, "low-vram": 6}, free_gb=16)
'balanced'
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from i2v_nb.errors import ParameterError

__all__ = [
    "PROFILES",
    "PROFILE_DTYPE",
    "COLAB_T4_RAM_GB",
    "check_profile",
    "resolve_profile",
    "next_profile",
    "apply_profile",
    "decode_chunk_size",
    "free_vram_gb",
    "free_ram_gb",
    "torch_dtype",
]

PROFILES: tuple[str, ...] = ("fast", "balanced", "low-vram", "colab-t4")
#: profile -> the dtype it runs in on a GPU (others: the preset's); a T4 has no bfloat16.
PROFILE_DTYPE: dict[str, str] = {"colab-t4": "float16"}
#: the system RAM ``colab-t4`` plans for: free Colab has ~12.7 GB in all.
COLAB_T4_RAM_GB = 12.0
_HEADROOM = 1.1  # ask for 10 % more than the estimate before picking a profile
_DENOISERS = ("transformer", "transformer_2", "unet")


def check_profile(profile: str) -> str:
    """Return ``profile`` if it names a memory profile (or ``"auto"``).

    >>> check_profile("colab-t4")
    'colab-t4'

    Raises:
        ParameterError: anything else; the message lists the profiles.
    """
    if not isinstance(profile, str) or profile not in (*PROFILES, "auto"):
        raise ParameterError(f"profile={profile!r} is not a memory profile; use one of "
                             f"'auto', {', '.join(map(repr, PROFILES))}")
    return profile


def free_vram_gb() -> float | None:
    """Free memory of the current CUDA device in GB, or ``None`` without CUDA."""
    import torch

    if not torch.cuda.is_available():
        return None
    free, _total = torch.cuda.mem_get_info()
    return free / 1e9


def free_ram_gb() -> float | None:
    """Available system RAM in GB (``psutil``, which accelerate installs), or ``None``."""
    try:
        import psutil
    except ImportError:
        return None
    return psutil.virtual_memory().available / 1e9


def resolve_profile(profile: str, *, vram_gb: Mapping[str, float], free_gb: float | None,
                    ram_gb: Mapping[str, float | None] | None = None,
                    free_ram_gb: float | None = None) -> str:
    """Turn ``"auto"`` into a concrete profile; other names are checked and returned.

    ``auto`` takes the first of ``fast``, ``balanced``, ``low-vram`` whose VRAM need (plus 10 %)
    fits ``free_gb`` and whose RAM need fits ``free_ram_gb``. When none does, it answers
    ``colab-t4`` (the least system RAM) if RAM is what ``low-vram`` lacks, else ``low-vram``.

    Args:
        profile: ``"auto"`` or a profile name.
        vram_gb, ram_gb: rough needs per profile
            (:func:`~i2v_nb.synthesis.plan.profile_needs`); a missing or ``None``
            RAM need does not limit.
        free_gb: free GPU memory in GB (``None``: no GPU, answers ``"fast"``: nothing to
            offload to).
        free_ram_gb: available system RAM in GB (``None``: not checked).

    >>> resolve_profile("auto", vram_gb={"fast": 30, "balanced": 12, "low-vram": 6}, free_gb=80)
    'fast'
    >>> resolve_profile("auto", vram_gb={"fast": 30, "balanced": 12, "low-vram": 6}, free_gb=16,
    ...                 ram_gb={"balanced": 30, "low-vram": 30}, free_ram_gb=12)
    'colab-t4'

    Raises:
        ParameterError: an unknown profile name.
    """
    check_profile(profile)
    if profile != "auto":
        return profile
    if free_gb is None:
        return "fast"
    ram_gb = ram_gb or {}

    def ram_fits(name: str) -> bool:
        need = ram_gb.get(name)
        return need is None or free_ram_gb is None or need * _HEADROOM <= free_ram_gb

    for name in ("fast", "balanced", "low-vram"):
        if vram_gb.get(name, 0) * _HEADROOM <= free_gb and ram_fits(name):
            return name
    return "low-vram" if ram_fits("low-vram") else "colab-t4"


def next_profile(profile: str) -> str | None:
    """The next profile with less on the GPU: ``fast`` → ``balanced`` → ``low-vram`` → ``None``;
    ``colab-t4`` (block groups) → ``low-vram`` (single layers)."""
    check_profile(profile)
    if profile == "auto":
        return "balanced"
    chain = {"fast": "balanced", "balanced": "low-vram", "colab-t4": "low-vram"}
    return chain.get(profile)


def torch_dtype(name: str, *, device: str) -> Any:
    """The torch dtype to run in: ``name`` on an accelerator, ``float32`` on a CPU."""
    import torch

    if device == "cpu":
        return torch.float32
    try:
        dtype = getattr(torch, name)
    except AttributeError:
        raise ParameterError(f"dtype={name!r} is not a torch dtype; use 'bfloat16', 'float16' "
                             "or 'float32'") from None
    if not isinstance(dtype, torch.dtype):
        raise ParameterError(f"dtype={name!r} is not a torch dtype")
    return dtype


def decode_chunk_size(profile: str, num_frames: int) -> int:
    """SVD's ``decode_chunk_size`` for a profile: 8 / 4 / 2 (``low-vram``, ``colab-t4``)."""
    check_profile(profile)
    size = {"fast": 8, "balanced": 4, "auto": 4}.get(profile, 2)
    return max(1, min(size, num_frames))


def _group_offload(pipe: Any, device: str, *, profile: str, offload_dir: str | None,
                   keep_in_ram: tuple[str, ...]) -> list[str]:
    """Group offloading of every component (the loop of ``pipe.enable_group_offload``, with
    per-component settings): denoisers by blocks under ``colab-t4``, by layers otherwise; text
    encoders to ``offload_dir`` on disk when given (except those in ``keep_in_ram``)."""
    import torch
    from diffusers.hooks import apply_group_offloading

    stream = device.startswith("cuda")  # CUDA streams overlap copies with compute
    t4 = profile == "colab-t4"
    disk = []
    where = ", stream" if stream else ""
    if not hasattr(pipe, "components"):  # an object with the pipeline's methods only
        pipe.enable_group_offload(onload_device=torch.device(device),
                                  offload_device=torch.device("cpu"), offload_type="leaf_level",
                                  use_stream=stream, low_cpu_mem_usage=t4)
        return [f"group_offload(leaf_level{where}{', low_cpu_mem' if t4 else ''})"]
    for name, module in getattr(pipe, "components", {}).items():
        if not isinstance(module, torch.nn.Module):
            continue
        kwargs: dict[str, Any] = dict(onload_device=torch.device(device),
                                      offload_device=torch.device("cpu"),
                                      offload_type="leaf_level", use_stream=stream,
                                      low_cpu_mem_usage=t4)
        if t4 and name in _DENOISERS:
            kwargs.update(offload_type="block_level", num_blocks_per_group=1)
        if offload_dir and name.startswith("text_encoder") and name not in keep_in_ram \
                and _share_tied_layers(module):
            kwargs["offload_to_disk_path"] = os.path.join(offload_dir, name)
            disk.append(name)
        if hasattr(module, "enable_group_offload"):
            module.enable_group_offload(**kwargs)
        else:
            apply_group_offloading(module, **kwargs)
    done = [f"group_offload({'block_level' if t4 else 'leaf_level'}{where}"
            f"{', low_cpu_mem' if t4 else ''})"]
    done += [f"{name}: offload to disk" for name in disk]
    return done


def _share_tied_layers(module: Any) -> bool:
    """Make layers that share a weight one layer, so disk offload stores it once; ``False`` if
    they cannot be (then the module stays in RAM).

    diffusers' disk offload writes each layer group's tensors to its own file and empties them;
    a weight shared by two groups (T5/UMT5 tie ``shared`` and ``encoder.embed_tokens``) would be
    written empty by the second group (checked on a T5 twin: garbage out). Two layers of the
    same class and settings that hold the same weight are interchangeable: the second name is
    pointed at the first layer.
    """
    holders: dict[int, list[tuple[str, Any]]] = {}
    for name, layer in module.named_modules(remove_duplicate=False):
        for param in layer.parameters(recurse=False):
            holders.setdefault(id(param), []).append((name, layer))
    for group in holders.values():
        first = group[0][1]
        for name, layer in group[1:]:
            if layer is first:
                continue
            if type(layer) is not type(first) or repr(layer) != repr(first):
                return False
            parent, _, attr = name.rpartition(".")
            setattr(module.get_submodule(parent) if parent else module, attr, first)
    return True


def apply_profile(pipe: Any, profile: str, *, family: str, device: str,
                  supports_tiling: bool = True, experts: tuple[str, ...] = (),
                  offload_dir: str | None = None, keep_in_ram: tuple[str, ...] = ()) -> list[str]:
    """Apply a profile's switches to a loaded pipeline and return what was done, in words.

    On a CPU the offload switches (which need an accelerator) are skipped and the pipeline stays
    on the CPU; the VAE switches still apply, so the same code path runs everywhere.

    Args:
        pipe: a diffusers pipeline (anything with the same methods).
        profile: ``"fast"``, ``"balanced"``, ``"low-vram"`` or ``"colab-t4"`` (resolve
            ``"auto"`` first).
        family: preset family; ``"svd"`` uses its own recipe (no VAE tiling).
        device: ``"cuda"`` (or another accelerator) or ``"cpu"``.
        supports_tiling: ``pipe.vae.enable_tiling()`` exists and works.
        experts: denoisers that take turns (``preset.experts``); with two or more, the offload
            profiles on a GPU add ``"experts one at a time: ..."`` to the switches.
        offload_dir: a folder for disk offload of the text encoder(s) (group-offload profiles
            only): given when system RAM is short.
        keep_in_ram: components never offloaded to disk (quantized ones: their tensors are not
            plain safetensors).

    Returns:
        The switches applied, e.g. ``["model_cpu_offload", "vae_slicing", "vae_tiling"]``.

    Raises:
        ParameterError: an unknown or unresolved profile.
    """
    if profile == "auto" or profile not in PROFILES:
        raise ParameterError(f"apply_profile needs one of {', '.join(map(repr, PROFILES))}, "
                             f"got {profile!r}")
    on_gpu = device != "cpu"
    done: list[str] = []
    vae = getattr(pipe, "vae", None)

    def vae_switches() -> None:
        if vae is None or family == "svd":  # SVD's temporal VAE raises on slicing and tiling
            return
        if hasattr(vae, "enable_slicing"):
            vae.enable_slicing()
            done.append("vae_slicing")
        if supports_tiling and hasattr(vae, "enable_tiling"):
            vae.enable_tiling()
            done.append("vae_tiling")

    def move() -> None:
        pipe.to(device)
        done.append(f"to({device})")

    def model_offload() -> None:  # needs an accelerator: on a CPU the pipeline just stays there
        if not on_gpu:
            return move()
        pipe.enable_model_cpu_offload(device=device)
        done.append("model_cpu_offload")

    if profile == "fast":
        move()
    elif profile == "balanced":
        model_offload()
        vae_switches()
    elif family == "svd":  # low-vram and colab-t4, SVD's recipe
        model_offload()
        unet = getattr(pipe, "unet", None)
        if unet is not None and hasattr(unet, "enable_forward_chunking"):
            unet.enable_forward_chunking()
            done.append("unet_forward_chunking")
    else:  # low-vram, colab-t4
        if on_gpu:
            done += _group_offload(pipe, device, profile=profile, offload_dir=offload_dir,
                                   keep_in_ram=keep_in_ram)
        else:
            move()
        vae_switches()
    offloaded = any(d.startswith(("model_cpu_offload", "group_offload")) for d in done)
    if len(experts) > 1 and offloaded:
        done.append("experts one at a time: " + ", ".join(experts))
    return done
