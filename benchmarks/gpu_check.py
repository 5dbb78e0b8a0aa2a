"""The one-command GPU check: every tiny twin under every profile and speed switch, plus real clips.

    python benchmarks/gpu_check.py --out gpu.json                 # on a CUDA machine, offline
    python benchmarks/gpu_check.py --device cpu --quick --out x.json   # the CI smoke run (< 60 s)

On CUDA it runs, within ``--budget-s`` (default 450 s, to finish under 8 minutes on one GPU):

1. every tiny twin (3 blocks per denoiser, 8 steps) in ``float16`` and ``bfloat16`` under
   every memory profile (``fast``, ``balanced``, ``low-vram``, ``colab-t4``; and ``low-vram``
   with the text encoder offloaded to disk, as when RAM is short, on the wan and ltx twins):
   PSNR against ``fast`` says whether a profile changed the maths (only SVD's decode chunks and
   ``colab-t4``'s text-encoder quantization should);
2. every speed switch under ``fast`` (caches, attention backends, quantization, and
   ``compile`` on the wan and ltx twins in ``bfloat16``): seconds per step, the denoisers'
   layer calls, PSNR against the switch-off run, weight bytes; a switch the machine cannot run
   (package missing) is recorded as refused with the reason;
3. one real clip per model family whose weights are already in the Hugging Face cache (no
   network: ``HF_HUB_OFFLINE=1``), at the model's default size with its fewest frames and 8
   steps, under ``profile="auto"``, without and with ``cache="first_block"`` (SVD:
   ``quantize="fp8-storage"``).

Every record has seconds per step, peak VRAM (``torch.cuda.max_memory_allocated``), peak RAM
(resident memory of this process, sampled every 20 ms), PSNR against its reference and the
switches applied. Work left when the budget runs out is recorded as skipped. The exit status is
1 when a combination failed unexpectedly (refusals are not failures). ``--quick`` keeps two twins,
the ``fast`` and ``colab-t4`` profiles and the switches that run on a CPU.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import sys
import time
from typing import Any, Iterator

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")
sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench_speed_switches import SWITCHES, deep_twins, measure, row  # noqa: E402

QUICK_TWINS = ("wan", "ltx")
QUICK_SWITCHES = ("cache=first_block", "cache=mag", "cache=taylorseer", "cache=faster",
                  "attention=sdpa", "quantize=fp8-storage", "text=fp8-storage")
COMPILE_TWINS = ("wan", "ltx")


def environment(device: str) -> dict[str, Any]:
    """What the figures were measured on."""
    import diffusers
    import psutil
    import torch

    env: dict[str, Any] = {
        "device": device, "torch": torch.__version__, "diffusers": diffusers.__version__,
        "python": platform.python_version(), "cpu_count": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "packages": {m: importlib.util.find_spec(m) is not None for m in
                     ("torchao", "bitsandbytes", "flash_attn", "sageattention", "xformers")},
    }
    if device.startswith("cuda"):
        props = torch.cuda.get_device_properties(0)
        env.update(gpu=props.name, capability=list(torch.cuda.get_device_capability(0)),
                   vram_gb=round(props.total_memory / 1e9, 1))
    return env


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "frames"}


@contextlib.contextmanager
def _short_ram() -> Iterator[None]:
    """Make the loader see almost no free RAM (so low-vram sends text encoders to disk)."""
    from i2v_nb.synthesis import diffusers_backend as backend
    from i2v_nb.synthesis import memory

    original = memory.free_ram_gb
    backend.unload_pipeline()
    memory.free_ram_gb = lambda: 0.01
    try:
        yield
    finally:
        memory.free_ram_gb = original
        backend.unload_pipeline()


def twin_records(args: argparse.Namespace, image: Any, deadline: float) -> list[dict[str, Any]]:
    """Sections 1 and 2 of the module docstring."""
    from i2v_nb.synthesis.memory import PROFILES
    from i2v_nb.testing import TINY_FAMILIES

    cuda = args.device.startswith("cuda")
    twins = args.twins.split(",") if args.twins else QUICK_TWINS if args.quick else TINY_FAMILIES
    dtypes = ("float16", "bfloat16") if cuda else (None,)
    profiles = ("fast", "colab-t4") if args.quick else PROFILES
    labels = [s for s in (QUICK_SWITCHES if args.quick else SWITCHES) if s not in ("off",)]
    records = []

    def run(twin: str, dtype: str | None, profile: str, label: str, ref: Any) -> dict[str, Any]:
        if time.perf_counter() > deadline:
            rec = {"model": f"tiny-{twin}", "profile": profile, "dtype": dtype,
                   "speed": SWITCHES[label], "status": "skipped", "error": "time budget"}
        else:
            rec = measure(f"tiny-{twin}", image, speed=SWITCHES[label], profile=profile,
                          dtype=dtype, device=args.device, steps=args.steps, reference=ref)
        rec.update(twin=twin, switch=label)
        print(row(rec, f"{profile}/{dtype or 'f32'}/{label}"), flush=True)
        records.append(rec)
        return rec

    with deep_twins(3):
        for twin in twins:
            for dtype in dtypes:
                base = run(twin, dtype, "fast", "off", None)
                ref = base.get("frames")
                for profile in profiles[1:] if profiles[0] == "fast" else profiles:
                    run(twin, dtype, profile, "off", ref)
                if cuda and twin in COMPILE_TWINS:  # short RAM: text encoders offload to disk
                    with _short_ram():
                        run(twin, dtype, "low-vram", "off", ref)["ram"] = "short: disk offload"
                for label in labels:
                    if label == "compile" and (twin not in COMPILE_TWINS or dtype != dtypes[-1]
                                               or not cuda):
                        continue
                    run(twin, dtype, "fast", label, ref)
    return records


def _cached(preset: Any) -> bool:
    """Whether the preset's weights are in the Hugging Face cache (checked offline)."""
    from huggingface_hub import try_to_load_from_cache

    repo = preset.base_hub_id or preset.hub_id
    return isinstance(try_to_load_from_cache(repo, "model_index.json"), str)


def _real_presets() -> list[Any]:
    """The first preset of each family whose weights are in the cache (registry order)."""
    from i2v_nb.synthesis.registry import models

    found: dict[str, Any] = {}
    for preset in models():
        if not preset.is_tiny and preset.backend == "diffusers" \
                and preset.family not in found and _cached(preset):
            found[preset.family] = preset
    return list(found.values())


def real_records(args: argparse.Namespace, image: Any, deadline: float) -> list[dict[str, Any]]:
    """Section 3: one real clip per family present in the cache."""
    from i2v_nb.synthesis import diffusers_backend as backend

    records = []
    for preset in _real_presets():
        switch = {"quantize": "fp8-storage"} if preset.family == "svd" else \
            {"cache": "first_block"}
        ref = None
        for speed in ({}, switch):
            if time.perf_counter() > deadline - (120 if not speed else 30):
                rec = {"model": preset.name, "speed": speed, "status": "skipped",
                       "error": "time budget"}
            else:
                rec = measure(preset.name, image, speed=speed, profile="auto",
                              device=args.device, steps=8, reference=ref,
                              params={"num_frames": preset.legal_frames()[0]})
                ref = rec.get("frames") if not speed else ref
            print(row(rec, "real/" + (",".join(f"{k}={v}" for k, v in speed.items()) or "off")),
                  flush=True)
            records.append(rec)
        backend.unload_pipeline()
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="gpu.json", help="where to write the JSON record")
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    parser.add_argument("--quick", action="store_true", help="the CI subset (runs on a CPU)")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--budget-s", type=float, default=450.0)
    parser.add_argument("--no-real", action="store_true", help="skip the real clips")
    parser.add_argument("--twins", default="", help="comma-separated twin families (default: all)")
    args = parser.parse_args()

    import numpy as np
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("no CUDA device: run with --device cpu --quick for the CPU smoke run")
        return 2
    if args.device == "cpu":
        torch.set_num_threads(1)
    t0 = time.perf_counter()
    deadline = t0 + args.budget_s
    image = np.random.default_rng(0).integers(30, 220, (48, 64, 3), dtype=np.uint8)
    env = environment(args.device)
    print(json.dumps(env))
    with_real = not (args.quick or args.no_real or args.device == "cpu")
    present = [p.name for p in _real_presets()] if with_real else []
    env["real_models_cached"] = present
    # real clips load gigabytes: the twins leave them 40 % of the budget when any is cached
    twins = twin_records(args, image, t0 + args.budget_s * (0.6 if present else 1.0))
    real = real_records(args, image, deadline) if present else []
    out = {"environment": env, "twins": [_clean(r) for r in twins],
           "real": [_clean(r) for r in real], "elapsed_s": round(time.perf_counter() - t0, 1),
           "quick": bool(args.quick)}
    failures = sum(r["status"] == "failed" for r in (*twins, *real))
    out["failures"] = failures
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1, default=str)
    print(f"{len(twins)} twin runs, {len(real)} real runs, {failures} failure(s), "
          f"{out['elapsed_s']} s -> {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
