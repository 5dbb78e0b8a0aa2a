"""Out-of-memory on the accelerator: recognise it, and turn it into an error that says what to try.

>>> is_oom(RuntimeError("MPS backend out of memory"))
True
"""

from __future__ import annotations

from typing import Any, Mapping

from i2v_nb.errors import OutOfMemory
from i2v_nb.synthesis import memory
from i2v_nb.synthesis.plan import profile_needs
from i2v_nb.synthesis.registry import ModelPreset

__all__ = ["is_oom", "gpu_numbers", "out_of_memory"]


def is_oom(exc: BaseException) -> bool:
    """Whether ``exc`` is an accelerator out-of-memory error (CUDA's class, or a ``RuntimeError``
    saying "out of memory", as MPS and older CUDA builds raise).

    >>> is_oom(RuntimeError("CUDA error: out of memory")), is_oom(ValueError("out of memory"))
    (True, False)
    """
    import sys

    torch = sys.modules.get("torch")
    oom_cls = getattr(getattr(torch, "cuda", None), "OutOfMemoryError", None) if torch else None
    if oom_cls is not None and isinstance(exc, oom_cls):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def gpu_numbers() -> tuple[float | None, float | None, float | None]:
    """``(free, total, peak allocated)`` GPU memory in GB, or ``None``s without CUDA (never
    imports torch)."""
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


def out_of_memory(preset: ModelPreset, profile: str, params: Mapping[str, Any] | None,
                  detail: str, *, stage: str, numbers: tuple) -> OutOfMemory:
    """The :class:`~i2v_nb.errors.OutOfMemory` to raise: the memory figures, what was asked for,
    and the next more frugal profile to try (also set as ``err.next_profile``).

    Args:
        preset: the model.
        profile: the profile that ran out of memory.
        params: the validated parameters (``None`` while loading).
        detail: the original error's text (kept as ``err.detail``).
        stage: ``"loading"`` or ``"running"``.
        numbers: :func:`gpu_numbers` taken when the error happened.
    """
    free, total, peak = numbers
    nxt = memory.next_profile(profile)
    facts = []
    if total is not None:
        facts.append(f"{free:.1f} GB free of {total:.1f} GB, peak {peak:.1f} GB allocated")
    needs = profile_needs(preset)["vram_gb"]
    need = needs.get(profile)
    if need:
        facts.append(f"{preset.name} needs roughly {need:g} GB with profile {profile!r}")
    if params:
        facts.append(f"asked for {params.get('num_frames')} frames at "
                     f"{params.get('width')}x{params.get('height')}")
    if nxt is not None:
        advice = (f"try profile={nxt!r} (needs roughly {needs.get(nxt, '?')} GB), "
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
