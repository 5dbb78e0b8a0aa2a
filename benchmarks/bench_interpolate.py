"""Benchmark: ``i2v_nb.interpolate`` output frames per second at 512×512; goal ≥ 30 on 2 cores.

Clip: a preview-engine pan of the astronaut at 512×512, 24 frames at 12 fps, interpolated ×2
(47 output frames) with the default DIS "medium" flow and with "fast". Reports output frames/s
(median of ``--repeat`` runs after one warm-up), the time per input pair split into flow and
warping, and the gain in PSNR over a plain blend on a pan with known in-between frames.

    .venv/bin/python benchmarks/bench_interpolate.py [--repeat 3] [--size 512]

Exit status 1 if the default preset's median is under ``--goal`` output frames/s.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--goal", type=float, default=30.0, help="output frames per second")
    args = ap.parse_args(argv)

    import cv2
    import numpy as np

    import i2v_nb
    from i2v_nb.diagnostics.flow import optical_flow
    from i2v_nb.editing.interpolate import inbetween

    s = args.size
    clip = i2v_nb.generate(i2v_nb.sample_image("astronaut"), "pan right", num_frames=24,
                           width=s, height=s, seed=0)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"OpenCV threads {cv2.getNumThreads()}")
    print(f"clip: {clip.num_frames} frames {s}×{s} at {clip.fps:g} fps → ×2")
    results = {}
    for preset in ("medium", "fast"):
        i2v_nb.interpolate(clip, factor=2, preset=preset)  # warm-up
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = i2v_nb.interpolate(clip, factor=2, preset=preset)
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        results[preset] = out.num_frames / med
        print(f"  DIS {preset:6s}: {med:.2f} s for {out.num_frames} frames = "
              f"{out.num_frames / med:.1f} output frames/s")
    a, b = clip.frames[10], clip.frames[11]
    t0 = time.perf_counter()
    flows = (optical_flow(a, b, preset="medium"), optical_flow(b, a, preset="medium"))
    t1 = time.perf_counter()
    inbetween(a, b, [0.5], flows=flows)
    t2 = time.perf_counter()
    print(f"one pair (medium): flow both ways {1000 * (t1 - t0):.1f} ms, warp + blend "
          f"{1000 * (t2 - t1):.1f} ms")
    # accuracy: every other frame of a pan interpolated back
    truth = clip.frames[:9]
    made = i2v_nb.interpolate(i2v_nb.Clip(truth[::2], fps=6), factor=2).frames

    def psnr(x, y):
        return 10 * np.log10(255.0 ** 2 / np.mean((x.astype(float) - y.astype(float)) ** 2))

    gain = [psnr(made[i], truth[i]) - psnr(((truth[i - 1].astype(int) + truth[i + 1]) // 2)
                                           .astype(np.uint8), truth[i]) for i in range(1, 9, 2)]
    print(f"PSNR over a plain blend on the pan's known in-betweens: +{min(gain):.1f} … "
          f"+{max(gain):.1f} dB")
    ok = results["medium"] >= args.goal
    print(f"goal ≥ {args.goal:g} output frames/s (medium): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
