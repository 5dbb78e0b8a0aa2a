"""Twins deep enough for step caches, and a counter of the denoiser's work.

The tiny twins have one transformer block; diffusers' First Block Cache and MagCache compare the
first block with the rest, so they need two or more. :func:`deep_twin` rebuilds a twin's
denoiser(s) from the same config with ``layers`` blocks (``num_layers``, and
``num_single_layers`` for HunyuanVideo), seeded, offline. :func:`count_layer_calls` counts the
``nn.Linear`` calls inside the denoiser(s) during a ``with`` block: a cache that skips blocks
or attention shows up as fewer calls (a forward hook on the denoiser itself would not: a cached
step still calls it).

>>> pipe = deep_twin("wan", layers=3)                                 # doctest: +SKIP
>>> len(pipe.transformer.blocks)                                      # doctest: +SKIP
3
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

__all__ = ["deep_twin", "deepen", "count_layer_calls"]

_DENOISERS = ("transformer", "transformer_2", "unet")


def deepen(pipe: Any, *, layers: int = 3, seed: int = 0) -> Any:
    """Replace ``pipe``'s transformer denoiser(s) by the same config with ``layers`` blocks.

    The new weights are drawn from ``seed`` (the global torch RNG is left as it was), in the
    dtype and device of the old ones. A UNet (SVD) is left as it is.
    """
    import torch

    for name in ("transformer", "transformer_2"):
        model = getattr(pipe, name, None)
        if model is None:
            continue
        changes = {k: int(layers) for k in ("num_layers", "num_single_layers")
                   if k in model.config}
        if not changes:
            continue
        param = next(model.parameters())
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            deeper = type(model).from_config({**model.config, **changes})
        if param.dtype != deeper.dtype:
            deeper = deeper.to(dtype=param.dtype)
        setattr(pipe, name, deeper.to(param.device).eval())
    return pipe


def deep_twin(family: str, *, layers: int = 3, seed: int = 0) -> Any:
    """:func:`i2v_nb.testing.tiny_pipeline` with ``layers`` transformer blocks per denoiser."""
    from i2v_nb.testing.tiny import tiny_pipeline

    return deepen(tiny_pipeline(family, seed=seed), layers=layers, seed=seed)


@contextlib.contextmanager
def count_layer_calls(pipe: Any) -> Iterator[dict[str, int]]:
    """Count, during the ``with`` block, the ``nn.Linear`` calls of each denoiser.

    Yields a dict ``{denoiser name: calls}`` filled as the block runs; ``"total"`` is added when
    it ends.
    """
    import torch

    counts: dict[str, int] = {}
    handles = []
    for name in _DENOISERS:
        model = getattr(pipe, name, None)
        if model is None:
            continue
        counts[name] = 0

        def hook(*_args: Any, _name: str = name) -> None:
            counts[_name] += 1

        handles += [m.register_forward_hook(hook) for m in model.modules()
                    if isinstance(m, torch.nn.Linear)]
    try:
        yield counts
    finally:
        for handle in handles:
            handle.remove()
        counts["total"] = sum(v for k, v in counts.items() if k != "total")
