"""Memory profiles: how a diffusers pipeline is placed on the GPU.

=========== ====================================================================================
profile     diffusers switches
=========== ====================================================================================
``fast``    everything on the GPU (``pipe.to("cuda")``); SVD decodes 8 frames at a time.
``balanced`` ``pipe.enable_model_cpu_offload()`` (one model on the GPU at a time) and
            ``pipe.vae.enable_slicing()`` + ``pipe.vae.enable_tiling()``; SVD (whose VAE raises
            on tiling) decodes 4 frames at a time instead.
``low-vram`` ``pipe.enable_group_offload(offload_type="leaf_level", use_stream=True)`` (layers
            stream to the GPU as they run) with VAE slicing and tiling; SVD: model offload,
            ``pipe.unet.enable_forward_chunking()`` and ``decode_chunk_size=2`` (under 8 GB).
``auto``    the fastest profile whose rough VRAM need (``preset.vram_gb``) fits the free memory.
=========== ====================================================================================

Models whose denoising is shared by experts that take turns (Wan 2.2 A14B: ``transformer`` for
the high-noise steps, ``transformer_2`` for the low-noise ones; ``preset.experts``) hold both on
the GPU under ``fast``; ``balanced``'s model offload chains them (calling one moves the other
back to the CPU) and ``low-vram`` streams layers, so only the active expert is on the GPU. The
switches list says so (``"experts one at a time: transformer, transformer_2"``).

Profiles change where weights live, not the maths, so a seed gives the same clip under every
profile -- except for SVD, whose temporal VAE decoder mixes the frames decoded together: its
``decode_chunk_size`` (8 / 4 / 2 by profile, or set it yourself) changes the frames. The value
used is recorded in the clip's metadata.

The weights run in the preset's dtype on a GPU (``bfloat16``, SVD ``float16``) and in
``float32`` on a CPU, where half precision is slow or unsupported.

>>> resolve_profile("auto", vram_gb={"fast": 30, "balanced": 12, "low-vram": 6}, free_gb=16)
'balanced'
"""

from __future__ import annotations

from typing import Any, Mapping

from i2v_nb.errors import ParameterError

__all__ = [
    "PROFILES",
    "check_profile",
    "resolve_profile",
    "next_profile",
    "apply_profile",
    "decode_chunk_size",
    "free_vram_gb",
    "torch_dtype",
]

PROFILES: tuple[str, ...] = ("fast", "balanced", "low-vram")
_HEADROOM = 1.1  # ask for 10 % more than the estimate before picking a profile


def check_profile(profile: str) -> str:
    """Return ``profile`` if it names a memory profile (or ``"auto"``).

    >>> check_profile("low-vram")
    'low-vram'

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


def resolve_profile(profile: str, *, vram_gb: Mapping[str, float], free_gb: float | None) -> str:
    """Turn ``"auto"`` into a concrete profile; other names are checked and returned.

    Args:
        profile: ``"auto"``, ``"fast"``, ``"balanced"`` or ``"low-vram"``.
        vram_gb: the preset's rough needs per profile.
        free_gb: free GPU memory in GB (``None``: no GPU, answers ``"fast"``: nothing to offload to).

    >>> resolve_profile("auto", vram_gb={"fast": 30, "balanced": 12, "low-vram": 6}, free_gb=80)
    'fast'

    Raises:
        ParameterError: an unknown profile name.
    """
    check_profile(profile)
    if profile != "auto":
        return profile
    if free_gb is None:
        return "fast"
    for name in PROFILES:
        if vram_gb.get(name, 0) * _HEADROOM <= free_gb:
            return name
    return PROFILES[-1]


def next_profile(profile: str) -> str | None:
    """The next more frugal profile (``fast`` → ``balanced`` → ``low-vram`` → ``None``)."""
    check_profile(profile)
    if profile == "auto":
        return "balanced"
    i = PROFILES.index(profile)
    return PROFILES[i + 1] if i + 1 < len(PROFILES) else None


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
    """SVD's ``decode_chunk_size`` for a profile: 8 / 4 / 2 frames decoded at a time."""
    size = {"fast": 8, "balanced": 4, "low-vram": 2}[check_profile(profile) if profile != "auto" else "balanced"]
    return max(1, min(size, num_frames))


def apply_profile(pipe: Any, profile: str, *, family: str, device: str,
                  supports_tiling: bool = True, experts: tuple[str, ...] = ()) -> list[str]:
    """Apply a profile's switches to a loaded pipeline and return what was done, in words.

    On a CPU the offload switches (which need an accelerator) are skipped and the pipeline stays
    on the CPU; the VAE switches still apply, so the same code path runs everywhere.

    Args:
        pipe: a diffusers pipeline (anything with the same methods).
        profile: ``"fast"``, ``"balanced"`` or ``"low-vram"`` (resolve ``"auto"`` first).
        family: preset family; ``"svd"`` uses its own recipe (no VAE tiling).
        device: ``"cuda"`` (or another accelerator) or ``"cpu"``.
        supports_tiling: ``pipe.vae.enable_tiling()`` exists and works.
        experts: denoisers that take turns (``preset.experts``); with two or more, the offload
            profiles on a GPU add ``"experts one at a time: ..."`` to the switches.

    Returns:
        The switches applied, e.g. ``["model_cpu_offload", "vae_slicing", "vae_tiling"]``.

    Raises:
        ParameterError: an unknown or unresolved profile.
    """
    if profile == "auto" or profile not in PROFILES:
        raise ParameterError(f"apply_profile needs 'fast', 'balanced' or 'low-vram', got {profile!r}")
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
    elif family == "svd":  # low-vram, SVD's recipe
        model_offload()
        unet = getattr(pipe, "unet", None)
        if unet is not None and hasattr(unet, "enable_forward_chunking"):
            unet.enable_forward_chunking()
            done.append("unet_forward_chunking")
    else:  # low-vram
        if on_gpu:
            import torch

            pipe.enable_group_offload(onload_device=torch.device(device),
                                      offload_device=torch.device("cpu"),
                                      offload_type="leaf_level", use_stream=True)
            done.append("group_offload(leaf_level, stream)")
        else:
            move()
        vae_switches()
    offloaded = any(d.startswith(("model_cpu_offload", "group_offload")) for d in done)
    if len(experts) > 1 and offloaded:
        done.append("experts one at a time: " + ", ".join(experts))
    return done
