"""Benchmark: ``i2v_nb.analyze`` on a 1024×576 photo, classical depth path; goal under 1 s.

Image: scikit-image's astronaut scaled to 1024 px wide and cropped to 576 rows (offline).
Every part of the analysis runs (edges, SLIC regions and stats, motion regions,
saliency/subject/horizon, exposure/contrast/colour temperature/shadows/light direction, classical
depth with region occlusion, relations). One warm-up run (imports, OpenCV/SLIC first-call costs),
then the median of ``--repeat`` runs, with the median
per-part split from ``report.timings``. Also times the two cue functions the CPU preview engine
calls once per clip (classical_depth, motion_region_masks) at 512×512.

    .venv/bin/python benchmarks/bench_analyze.py [--repeat 7] [--width 1024 --height 576]

Exit status 1 if the median is over ``--goal`` seconds (default 1.0).
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
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--width", type=int, default=1024)
    ap.add_argument("--height", type=int, default=576)
    ap.add_argument("--goal", type=float, default=1.0, help="seconds (median)")
    args = ap.parse_args(argv)

    import cv2
    import numpy as np
    from skimage import data

    from i2v_nb.analysis import analyze, classical_depth, motion_region_masks

    # the photo scaled to the target width and cropped to the target height (no stretching)
    side = max(args.width, args.height)
    square = cv2.resize(data.astronaut(), (side, side), interpolation=cv2.INTER_CUBIC)
    image = np.ascontiguousarray(square[:args.height, (side - args.width) // 2:][:, :args.width])
    analyze(image, depth="classical")  # warm-up

    totals, parts = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        report = analyze(image, depth="classical")
        totals.append(time.perf_counter() - t)
        parts.append(report.timings)
    median = statistics.median(totals)

    small = cv2.resize(data.astronaut(), (512, 512))
    cue_times = {}
    for name, fn in (("classical_depth", classical_depth), ("motion_region_masks",
                                                             motion_region_masks)):
        fn(small)
        ts = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn(small)
            ts.append(time.perf_counter() - t)
        cue_times[name] = statistics.median(ts)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
          f"OpenCV {cv2.__version__} ({cv2.getNumThreads()} threads), numpy {np.__version__}")
    print(f"analyze({args.width}x{args.height}, depth='classical'): median {median:.3f} s over "
          f"{args.repeat} runs (min {min(totals):.3f}, max {max(totals):.3f}); "
          f"goal < {args.goal} s")
    keys = [k for k in parts[0] if k != "total"]
    split = {k: statistics.median(p[k] for p in parts) for k in keys}
    width = max(map(len, keys))
    for k in keys:
        print(f"  {k:<{width}}  {split[k] * 1000:7.1f} ms")
    for name, t in cue_times.items():
        print(f"{name}(512x512): median {t * 1000:.1f} ms (goal < 150 ms)")
    print(report.summary())
    ok = median < args.goal and all(t < 0.15 for t in cue_times.values())
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
