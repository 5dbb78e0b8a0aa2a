"""Import optional packages without their log noise reaching a notebook or a test.

torchao 0.18 on a machine without its CUDA kernels logs "Failed to load …_C_….so" for each
kernel library, torch logs a deprecation for each enum torchao registers, and diffusers 0.42
logs "Unable to import `torchao` Tensor objects" (an import of names torchao ≥ 0.16 moved).
None of it matters to i2v_nb (int8 weight-only quantization still works), but every pipeline
build imports torchao through diffusers and transformers. :func:`quiet_torchao` imports it once,
first, with those loggers raised to ERROR; later imports find it loaded.

>>> quiet_torchao()  # harmless without torchao
"""

from __future__ import annotations

import importlib.util
import logging
import sys

__all__ = ["quiet_torchao", "NOISY_LOGGERS"]

#: The loggers that speak when torchao is first imported on a CPU-only machine.
NOISY_LOGGERS = ("torchao", "torch.utils._pytree", "diffusers.quantizers.torchao.torchao_quantizer")


def quiet_torchao() -> None:
    """Import torchao (and diffusers' torchao quantizer) once with their warnings muted."""
    if "torchao" in sys.modules or importlib.util.find_spec("torchao") is None:
        return
    loggers = [logging.getLogger(name) for name in NOISY_LOGGERS]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        import torchao  # noqa: F401

        try:
            from diffusers.utils import logging as dlog  # diffusers' own logger tree

            dlog.get_logger("diffusers.quantizers.torchao.torchao_quantizer").setLevel(
                logging.ERROR)
            import diffusers.quantizers.torchao.torchao_quantizer  # noqa: F401
        except Exception:  # noqa: BLE001 - an older or newer diffusers: nothing to quiet
            pass
    except Exception:  # noqa: BLE001 - a broken torchao is reported where it is used
        pass
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
