"""Benchmark the CPU preview engine: 49 frames at 512×512, goal ≥ 25 frames/s.

Run: ``python benchmarks/bench_preview.py [--repeat 3] [--frames 49] [--size 512]``

For each prompt it reports the median over ``--repeat`` runs of

* ``engine``: :func:`i2v_nb.synthesis.preview.render_preview` including the structure analysis
  (classical depth and region masks, computed when the prompt needs them);
* ``generate``: the whole :func:`i2v_nb.generate` call (image fitting, parameter validation, Clip
  and metadata), the figure a user sees.

Frames per second = frames / seconds. The last line prints the median over prompts and whether the
goal is met.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

PROMPTS = [
    "slow zoom in",
    "pan left",
    "dolly in, hair moving in the wind",
    "orbit right",
    "static camera, clouds drift",
    "wind in the trees, water ripples",
    "rain, fog, candle flicker",
    "slow push in, clouds drift, waves, seamless loop",
    "day to night, snow",
    "",
]
GOAL_FPS = 25.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--frames", type=int, default=49)
    ap.add_argument("--size", type=int, default=512)
    args = ap.parse_args()

    import cv2

    import i2v_nb
    from i2v_nb.synthesis.preview import render_preview

    n, size = args.frames, args.size
    images = {
        name: np.asarray(i2v_nb.fit_image(i2v_nb.sample_image(name), size, size, multiple_of=2))
        for name in ("lake", "astronaut")
    }
    print(f"i2v_nb {i2v_nb.__version__} preview engine: {n} frames at {size}x{size}; "
          f"{os.cpu_count()} CPUs, cv2 {cv2.__version__} ({cv2.getNumThreads()} threads), "
          f"numpy {np.__version__}, {platform.processor() or platform.machine()}")
    load_before = os.getloadavg()[0]
    render_preview(images["lake"], "zoom in", num_frames=2)  # warm-up: imports, caches

    rows = []
    for prompt in PROMPTS:
        img = images["astronaut"] if "hair" in prompt else images["lake"]
        engine, full = [], []
        for r in range(args.repeat):
            t0 = time.perf_counter()
            frames = render_preview(img, prompt, num_frames=n, seed=r)
            engine.append(time.perf_counter() - t0)
            assert frames.shape == (n, size, size, 3)
            t0 = time.perf_counter()
            clip = i2v_nb.generate(img, prompt, num_frames=n, width=size, height=size, seed=r)
            full.append(time.perf_counter() - t0)
            assert clip.num_frames == n
        e, f = statistics.median(engine), statistics.median(full)
        rows.append((prompt, n / e, n / f))
        print(f"  {prompt or '(empty prompt)':52s} engine {n / e:6.1f} fps ({e:5.2f} s)   "
              f"generate {n / f:6.1f} fps ({f:5.2f} s)")
    med_engine = statistics.median(r[1] for r in rows)
    med_full = statistics.median(r[2] for r in rows)
    worst = min(rows, key=lambda r: r[2])
    print(f"median over prompts: engine {med_engine:.1f} fps, generate {med_full:.1f} fps; "
          f"slowest: {worst[0]!r} at {worst[2]:.1f} fps (generate)")
    status = "met" if worst[2] >= GOAL_FPS else ("met on median" if med_full >= GOAL_FPS else
                                                 "NOT met")
    print(f"goal >= {GOAL_FPS:.0f} frames/s: {status}")
    load = max(load_before, os.getloadavg()[0])
    cpus = os.cpu_count() or 1
    print(f"load average during the run: {load:.1f} on {cpus} CPUs"
          + (" - the machine was shared, figures are lower than on an idle machine"
             if load > cpus else ""))


if __name__ == "__main__":
    main()
