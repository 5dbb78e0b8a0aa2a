"""The speed switches applied to a loaded pipeline: per call (cache, attention) and per load
(compile). Quantization is chosen while loading (:mod:`.quantize`); the switches' names, choices
and checks are data in :mod:`i2v_nb.synthesis.speed`.

* :func:`call_switches` — a context manager around one ``pipe(...)`` call: the attention
  backend set on the denoiser(s) (``model.set_attention_backend``, inside diffusers'
  ``attention_backend`` context so the process-wide default is restored) and the cache mode
  (:func:`.cache.cache_applied`); both removed when the call ends, however it ends.
* :func:`compile_denoisers` — ``model.compile_repeated_blocks(**COMPILE_OPTIONS)`` on each
  denoiser whose class lists ``_repeated_blocks`` (Wan, LTX, HunyuanVideo, SkyReels-V2); for
  CogVideoX (none listed) each block of its block list is compiled the same way (regional
  compilation by hand); SVD's UNet is compiled whole. Called once per loaded pipeline.

>>> COMPILE_OPTIONS
{'fullgraph': False}
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Mapping

from i2v_nb.synthesis.diffusers_backend.cache import block_list, cache_applied, denoisers
from i2v_nb.synthesis.speed import ATTENTION_BACKENDS

__all__ = ["call_switches", "compile_denoisers", "COMPILE_OPTIONS"]

#: keyword arguments of ``torch.compile`` for the blocks. ``fullgraph=False``: the caches'
#: per-step decisions are graph breaks (``torch.compiler.disable``). Tests add
#: ``backend="eager"`` to check the wiring in seconds on a CPU.
COMPILE_OPTIONS: dict[str, Any] = {"fullgraph": False}


def compile_denoisers(pipe: Any) -> list[str]:
    """Compile each denoiser's repeated blocks (regional compilation); returns what was done.

    Compilation itself is lazy: the first call through a block compiles it (minutes on a GPU
    for a large model), later calls reuse it.
    """
    done = []
    for name, model in denoisers(pipe):
        if getattr(model, "_repeated_blocks", None) and hasattr(model, "compile_repeated_blocks"):
            model.compile_repeated_blocks(**COMPILE_OPTIONS)
            done.append(f"{name}: compile_repeated_blocks")
        elif block_list(model):
            for block in block_list(model):
                block.compile(**COMPILE_OPTIONS)
            done.append(f"{name}: compile({len(block_list(model))} blocks)")
        else:
            model.compile(**COMPILE_OPTIONS)
            done.append(f"{name}: compile(whole model)")
    return done


@contextlib.contextmanager
def _attention(pipe: Any, preset: Any, name: str) -> Iterator[str]:
    """``set_attention_backend`` on the denoiser(s) for the ``with`` block, then reset.

    Only attention processors that dispatch through diffusers (they carry
    ``_attention_backend``: Wan, LTX, HunyuanVideo, SkyReels-V2) take a backend; CogVideoX's and
    SVD's call PyTorch's ``scaled_dot_product_attention`` themselves, so a backend other than
    ``sdpa`` is refused for them rather than silently ignored.
    """
    from diffusers.models.attention_dispatch import attention_backend

    from i2v_nb.errors import ModelUnavailable, ParameterError

    value = ATTENTION_BACKENDS[name][0]
    models = [m for _, m in denoisers(pipe) if hasattr(m, "set_attention_backend")]
    processors = [getattr(m, "processor", None) for _, d in denoisers(pipe) for m in d.modules()
                  if hasattr(m, "processor")]
    taking = sum(hasattr(p, "_attention_backend") for p in processors)
    if not taking and name != "sdpa":
        kinds = sorted({type(p).__name__ for p in processors}) or ["none"]
        raise ParameterError(
            f"attention={name!r}: {preset.name}'s attention processors ({', '.join(kinds)}) call "
            "PyTorch's scaled_dot_product_attention themselves, so diffusers' attention "
            "backends do not reach them; drop attention=")
    try:
        context = attention_backend(value)
        context.__enter__()
    except (RuntimeError, ValueError) as exc:
        raise ModelUnavailable(f"attention={name!r} cannot run here: {exc}") from None
    try:
        for model in models:
            model.set_attention_backend(value)
        yield f"{name} ({value}) on {taking} of {len(processors)} attention layers"
    finally:
        for model in models:
            model.reset_attention_backend()
        context.__exit__(None, None, None)  # the process-wide backend as it was


@contextlib.contextmanager
def call_switches(pipe: Any, preset: Any, speed: Mapping[str, Any],
                  call: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The per-call speed switches on ``pipe`` for the ``with`` block.

    Args:
        pipe: the loaded pipeline.
        preset: its model.
        speed: checked speed options (:func:`i2v_nb.synthesis.speed.check_speed_options`).
        call: the keyword arguments of ``pipe(...)``.

    Yields:
        What was applied, for the clip's metadata: ``{"attention": ..., "cache": {...}}``.

    Raises:
        ParameterError: a cache mode this pipeline or call cannot run (nothing is applied).
        ModelUnavailable: diffusers refuses the attention backend here.
    """
    info: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        if speed.get("cache"):
            info["cache"] = stack.enter_context(cache_applied(
                pipe, preset, speed["cache"], speed.get("cache_threshold"), call))
        if speed.get("attention"):
            info["attention"] = stack.enter_context(_attention(pipe, preset, speed["attention"]))
        yield info
