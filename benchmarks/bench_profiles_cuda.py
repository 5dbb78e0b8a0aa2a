"""Run every tiny twin under every memory profile and dtype on CUDA: the only place the offload
code (model / group offload, VAE tiling) really runs. Prints seconds and peak GPU memory.

    .venv/bin/python benchmarks/bench_profiles_cuda.py                 # every twin, every profile
    .venv/bin/python benchmarks/bench_profiles_cuda.py --models tiny-wan --dtypes bfloat16

Without CUDA it says so and exits 0 (the CPU path is covered by tests/test_diffusers_backend.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
import warnings

os.environ.setdefault("TQDM_DISABLE", "1")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="", help="comma-separated presets (default: tiny-*)")
    parser.add_argument("--profiles", default="fast,balanced,low-vram")
    parser.add_argument("--dtypes", default="float32,bfloat16,float16")
    args = parser.parse_args()

    import numpy as np
    import torch

    from i2v_nb.synthesis import diffusers_backend as backend
    from i2v_nb.synthesis.registry import get_model, models

    if not torch.cuda.is_available():
        print("no CUDA device: nothing to measure (the CPU path is tested in "
              "tests/test_diffusers_backend.py)")
        return 0
    names = args.models.split(",") if args.models else [m.name for m in models() if m.is_tiny]
    image = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}")
    print(f"{'model':<16}{'profile':<10}{'dtype':<10}{'frames':<16}{'load s':>8}{'run s':>8}"
          f"{'peak GB':>9}  result")
    failures = 0
    for name in names:
        preset = get_model(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params = preset.validate()
        for dtype in args.dtypes.split(","):
            ref = None
            for profile in args.profiles.split(","):
                try:
                    t = time.perf_counter()
                    frames, meta = backend.run_pipeline(preset, image, params=params,
                                                        prompt="a cat walks", seed=0,
                                                        profile=profile, dtype=dtype,
                                                        device="cuda")
                    wall = time.perf_counter() - t
                    # the profiles place the same weights differently: the frames should agree
                    same = "" if ref is None else \
                        f"max |diff| vs {args.profiles.split(',')[0]}: " \
                        f"{np.abs(frames.astype(int) - ref.astype(int)).max()}"
                    ref = frames if ref is None else ref
                    ok = frames.dtype == np.uint8 and frames.shape[0] == params["num_frames"] \
                        and np.isfinite(frames).all()
                    print(f"{name:<16}{profile:<10}{dtype:<10}{str(frames.shape):<16}"
                          f"{meta['timings']['load_s']:>8.2f}{wall:>8.2f}"
                          f"{meta['peak_gpu_memory_gb'] or 0:>9.3f}  "
                          f"{'ok' if ok else 'BAD OUTPUT'} {','.join(meta['memory_switches'])} "
                          f"{same}")
                    failures += not ok
                except Exception as exc:  # noqa: BLE001 - report every combination
                    failures += 1
                    print(f"{name:<16}{profile:<10}{dtype:<10}FAILED: {type(exc).__name__}: "
                          f"{str(exc)[:200]}")
                    traceback.print_exc(limit=3)
        backend.unload_pipeline()
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
