"""Throughput of a sweep split between 2 CPU processes by accelerate, against 1 process, each
process on one core of its own; and the per-item overhead of the sweep machinery.

Both runs go through ``accelerate launch`` on a grid of preview-engine items (default 48 items:
4 images × 3 prompts × 4 seeds, 160×120, 24 frames) into a fresh history. Each process pins
itself to one core (``os.sched_setaffinity``, as ``taskset`` would), with ``OMP_NUM_THREADS=1``
and ``cv2.setNumThreads(1)``. The 1-process run uses ``--cpu --num_processes 1``; the 2-process
run ``--multi_gpu --num_processes 2``, which on a machine without GPUs starts 2 CPU processes
through torchrun (``--cpu`` starts one process unless MPI is used).

Printed: the wall time of each launch (process start-up included), the sweep time (the slowest
process's loop, from ``sweeps/<id>/process-<i>.json``), both ratios (goal: ≥ 1.5× for the sweep
time), and per item: generate time, the sweep machinery's overhead (loop time minus generate
time) split into continuity scoring, saving to the history (video, sidecar, thumbnail, marker)
and the rest (the re-checks, records, progress lines). One run of each, on a shared machine:
expect ±10 %.

    .venv/bin/python benchmarks/bench_sweep.py [--seeds 4] [--frames 24]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def child(argv: list[str]) -> int:
    """One process of a launch: pin to its own core, one thread, then the sweep CLI."""
    cores = sorted(os.sched_getaffinity(0))
    rank = int(os.environ.get("LOCAL_RANK", "0"))
    os.sched_setaffinity(0, {cores[rank % len(cores)]})
    import cv2

    cv2.setNumThreads(1)
    from i2v_nb.cli import main

    return main(["sweep", *argv, "--quiet"])


def write_spec(folder: pathlib.Path, *, images: int, prompts: list[str], seeds: int,
               width: int, height: int, frames: int) -> pathlib.Path:
    import numpy as np
    from PIL import Image

    from i2v_nb.samples import sample_image

    names = []
    for i, name in enumerate(["lake", "chelsea", "coffee", "astronaut", "rocket"][:images]):
        img = np.asarray(sample_image(name).resize((width * 2, height * 2)))
        Image.fromarray(img).save(folder / f"{name}.png")
        names.append(f"{name}.png")
    spec = folder / "spec.toml"
    spec.write_text(f"images = {json.dumps(names)}\nprompts = {json.dumps(prompts)}\n"
                    f"seeds = {json.dumps(list(range(seeds)))}\nmodels = [\"preview\"]\n"
                    f"[params]\nnum_frames = {frames}\nwidth = {width}\nheight = {height}\n")
    return spec


def launch(spec: pathlib.Path, history: pathlib.Path, processes: int, env: dict) -> float:
    mode = ["--cpu"] if processes == 1 else ["--multi_gpu"]
    cmd = [sys.executable, "-m", "accelerate.commands.launch", *mode, "--num_processes",
           str(processes), "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend",
           "no", "--main_process_port", "0", __file__, "--child", str(spec), "--history",
           str(history)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"launch failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n"
                 f"{proc.stderr[-4000:]}")
    return wall


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        return child(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--height", type=int, default=120)
    args = parser.parse_args()

    from i2v_nb.history import History
    from i2v_nb.sweeps import Sweep
    from i2v_nb.sweeps.records import process_records

    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        print(f"warning: only {len(cores)} core(s) available; the 2-process run shares it")
    prompts = ["slow zoom in", "pan left, clouds drift", "gentle ripples on the water"]
    work = pathlib.Path(tempfile.mkdtemp(prefix="bench_sweep-"))
    spec = write_spec(work, images=args.images, prompts=prompts, seeds=args.seeds,
                      width=args.width, height=args.height, frames=args.frames)
    sweep = Sweep.from_toml(spec)
    n = len(sweep.items())
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENCV_FOR_THREADS_NUM": "1",
           "CUDA_VISIBLE_DEVICES": "", "HF_HOME": str(work / "hf"), "TQDM_DISABLE": "1",
           "PYTHONPATH": str(ROOT)}
    print(f"sweep of {n} preview items ({args.width}x{args.height}, {args.frames} frames), "
          f"cores available {cores}; one run each")
    results = {}
    try:
        for processes in (1, 2):
            history = History(work / f"out{processes}")
            wall = launch(spec, history.root, processes, env)
            stats = process_records(history, sweep.id)
            assert sum(s["done"] for s in stats) == n, stats
            results[processes] = (wall, max(s["loop_s"] for s in stats), stats)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for processes, (wall, loop, stats) in results.items():
        print(f"  {processes} process(es): wall {wall:6.2f} s (start-up included), sweep "
              f"{loop:6.2f} s; items per process {[s['done'] for s in stats]}, their loop "
              f"times {[round(s['loop_s'], 2) for s in stats]} s")
    (wall1, loop1, stats1), (wall2, loop2, _) = results[1], results[2]
    print(f"speed-up with 2 processes: sweep {loop1 / loop2:.2f}x (goal >= 1.5x), wall "
          f"{wall1 / wall2:.2f}x")
    s = stats1[0]
    per = lambda seconds: 1000 * seconds / n  # noqa: E731
    rest = s["loop_s"] - s["generate_s"] - s["score_s"] - s["save_s"]
    print(f"per item (1 process): generate {per(s['generate_s']):.1f} ms; sweep machinery "
          f"{per(s['loop_s'] - s['generate_s']):.1f} ms = continuity scores "
          f"{per(s['score_s']):.1f} + saving to the history {per(s['save_s']):.1f} + the rest "
          f"{per(rest):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
