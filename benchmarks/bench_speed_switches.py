"""Measure the speed switches on the tiny twins: seconds per call, denoiser work, PSNR, weight bytes.

    .venv/bin/python benchmarks/bench_speed_switches.py                     # a few twins, CPU
    .venv/bin/python benchmarks/bench_speed_switches.py wan ltx --steps 8 --device cuda

Each twin gets 3 transformer blocks per denoiser (``i2v_nb.testing.deep``: the caches compare
the first block with the rest) and 8 steps, so caches have steps to skip. Per twin and switch it
prints: seconds per call (median of ``--repeats``), the denoisers' ``nn.Linear`` calls (a cache
that skips blocks or attention shows up here; a hook on the denoiser itself would not), PSNR of
the frames against the switch-off run (``inf``: identical at 8 bits), and the bytes of the
denoiser and text-encoder weights as stored. ``mag`` calibrates on its first call: its row is
the second call. A refused switch prints the reason (e.g. ``nf4`` on a CPU).

The twins' weights are random: the PSNR says how much a switch changes the computation, not
how a real clip looks. ``benchmarks/gpu_check.py`` reuses :func:`measure` on CUDA.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import threading
import time
from typing import Any, Iterator

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

#: label -> speed switches; "off" first (the reference)
SWITCHES: dict[str, dict[str, Any]] = {
    "off": {},
    "cache=first_block": {"cache": "first_block"},
    "cache=mag": {"cache": "mag"},
    "cache=taylorseer": {"cache": "taylorseer"},
    "cache=faster": {"cache": "faster"},
    "attention=sdpa": {"attention": "sdpa"},
    "attention=flash": {"attention": "flash"},
    "attention=sage": {"attention": "sage"},
    "quantize=fp8-storage": {"quantize": "fp8-storage"},
    "quantize=int8": {"quantize": "int8"},
    "quantize=nf4": {"quantize": "nf4"},
    "text=fp8-storage": {"quantize_text_encoder": "fp8-storage"},
    "text=int8": {"quantize_text_encoder": "int8"},
    "compile": {"compile": True},
}
DEFAULT_TWINS = ("wan", "ltx", "cogvideox", "hunyuan", "wan-a14b")


@contextlib.contextmanager
def deep_twins(layers: int = 3) -> Iterator[None]:
    """Make the ``tiny-*`` presets load twins with ``layers`` blocks (the cached pipeline is
    dropped on entry and exit, since the preset name does not change)."""
    import i2v_nb.testing as testing
    from i2v_nb.synthesis import diffusers_backend as backend
    from i2v_nb.testing.deep import deep_twin

    original = testing.tiny_pipeline
    backend.unload_pipeline()
    testing.tiny_pipeline = lambda family, seed=0: deep_twin(family, layers=layers, seed=seed)
    try:
        yield
    finally:
        testing.tiny_pipeline = original
        backend.unload_pipeline()


class PeakRSS:
    """Peak resident memory of this process while the ``with`` block runs (sampled, GB)."""

    def __init__(self, every_s: float = 0.02) -> None:
        import psutil

        self.process, self.every_s, self.peak, self._stop = psutil.Process(), every_s, 0, None

    def __enter__(self) -> "PeakRSS":
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(self.every_s):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def gb(self) -> float:
        return self.peak / 1e9


def _bytes(pipe: Any, names: Any) -> int:
    from i2v_nb.synthesis.diffusers_backend.quantize import weight_bytes

    return sum(weight_bytes(getattr(pipe, n)) for n in names if getattr(pipe, n, None) is not None)


def measure(name: str, image: Any, *, speed: dict[str, Any] | None = None, profile: str = "fast",
            dtype: str | None = None, device: str = "cpu", steps: int = 8, repeats: int = 1,
            reference: Any = None, prompt: str = "a cat walks, slow zoom in",
            params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one preset with one set of switches; returns a JSON-ready record (``frames`` too).

    Expected refusals (``ParameterError``, ``ModelUnavailable``) give ``status="refused"`` and
    the message; anything else ``status="failed"``.
    """
    import numpy as np
    import torch

    from i2v_nb.diagnostics.similarity import psnr
    from i2v_nb.errors import ModelUnavailable, ParameterError
    from i2v_nb.synthesis import diffusers_backend as backend
    from i2v_nb.synthesis.registry import get_model
    from i2v_nb.synthesis.speed import LOAD_SWITCHES
    from i2v_nb.testing.deep import count_layer_calls

    speed = dict(speed or {})
    record: dict[str, Any] = {"model": name, "profile": profile, "dtype": dtype, "device": device,
                              "speed": speed, "steps": steps}
    preset = get_model(name)
    params = preset.validate(**{"num_inference_steps": steps, **(params or {})})
    from i2v_nb.testing import TINY_NEEDS

    # FLF2V models need a last frame: the first one mirrored
    needs = "last_image" in TINY_NEEDS.get(preset.twin or "", ())
    conditions = {"last_image": np.ascontiguousarray(np.asarray(image)[:, ::-1])} if needs else None
    cuda = device.startswith("cuda")
    try:
        with PeakRSS() as rss:
            if cuda:
                torch.cuda.reset_peak_memory_stats()
            pipe, info = backend.load_pipeline(name, profile=profile, dtype=dtype, device=device,
                                               **{k: speed.get(k) for k in LOAD_SWITCHES})
            calibrate = speed.get("cache") == "mag"  # mag calibrates on its first call
            times, counts = [], {}
            for _ in range(max(1, repeats) + calibrate):
                with count_layer_calls(pipe) as counts:
                    t = time.perf_counter()
                    frames, meta = backend.run_pipeline(name, image, params=params, prompt=prompt,
                                                        seed=0, profile=profile, dtype=dtype,
                                                        device=device, speed=speed,
                                                        conditions=conditions)
                    times.append(time.perf_counter() - t)
            times = times[int(calibrate):]
        record.update(
            status="ok", s_per_call=statistics.median(times),
            s_per_step=meta["timings"]["run_s"] / max(1, meta["steps_run"]),
            load_s=info["load_s"], layer_calls=counts["total"],
            denoiser_bytes=_bytes(pipe, ("transformer", "transformer_2", "unet")),
            text_encoder_bytes=_bytes(pipe, [n for n in getattr(pipe, "components", {})
                                             if n.startswith("text_encoder")]),
            peak_vram_gb=meta["peak_gpu_memory_gb"], peak_ram_gb=rss.gb,
            resolved_profile=meta["profile"], run_dtype=meta["dtype"],
            memory_switches=meta["memory_switches"], speed_switches=meta["speed_switches"],
            finite=bool(np.isfinite(frames.astype(np.float32)).all()))
        if reference is not None and reference.shape == frames.shape:
            value = psnr(frames, reference)
            record.update(psnr_db=None if value == float("inf") else round(value, 2),
                          identical=value == float("inf"))
        record["frames"] = frames
    except (ParameterError, ModelUnavailable) as exc:
        record.update(status="refused", error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - a benchmark reports every combination
        record.update(status="failed", error=f"{type(exc).__name__}: {str(exc)[:400]}")
    return record


def row(record: dict[str, Any], label: str) -> str:
    """One printed line of a record."""
    head = f"{record['model']:<20}{label:<22}"
    if record["status"] != "ok":
        return head + f"{record['status'].upper()}: {record['error'][:110]}"
    p = "inf" if record.get("identical") else \
        f"{record['psnr_db']:.1f}" if record.get("psnr_db") is not None else "-"
    return head + (f"{record['s_per_call']:>8.3f}{record['layer_calls']:>8}{p:>8}"
                   f"{record['denoiser_bytes']:>12}{record['text_encoder_bytes']:>12}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("twins", nargs="*", help=f"twin families (default: {DEFAULT_TWINS})")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--switches", default=",".join(s for s in SWITCHES if s != "compile"),
                        help="comma-separated labels (compile: inductor, slow on a CPU)")
    args = parser.parse_args()

    import numpy as np
    import torch

    torch.set_num_threads(1 if args.device == "cpu" else torch.get_num_threads())
    image = np.random.default_rng(0).integers(30, 220, (48, 64, 3), dtype=np.uint8)
    labels = ["off"] + [s for s in args.switches.split(",") if s and s != "off"]
    print(f"torch {torch.__version__}, device {args.device}, {args.steps} steps, "
          f"{args.layers} blocks per denoiser, median of {args.repeats}")
    print(f"{'twin':<20}{'switch':<22}{'s/call':>8}{'calls':>8}{'PSNR':>8}"
          f"{'denoiser B':>12}{'text B':>12}")
    failures = 0
    with deep_twins(args.layers):
        for twin in args.twins or DEFAULT_TWINS:
            ref = None
            for label in labels:
                rec = measure(f"tiny-{twin}", image, speed=SWITCHES[label], device=args.device,
                              steps=args.steps, repeats=args.repeats, reference=ref)
                if label == "off" and rec["status"] == "ok":
                    ref = rec["frames"]
                failures += rec["status"] == "failed"
                print(row(rec, label), flush=True)
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
