"""Benchmark: the full continuity report vs a naive per-frame script, in one run.

Clip: 25 frames of 576×1024 built from scikit-image's astronaut with a slow zoom and pan (known
motion). The naive reference is what a user would write by hand: for every frame, scikit-image's
``structural_similarity`` (greyscale, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=255) to the reference and to the previous frame, and
OpenCV Farneback optical flow for every pair. Our report computes those SSIMs plus PSNR, colour
drift, flicker, forward and backward DIS flow, flow-warp error with occlusion mask, global motion,
tracks, flags and scores.

Checks: the same SSIM values (|Δ| < 1e-3) and a wall-clock speed-up of at least 5×. Prints
both timings, wall clock and CPU time (process time, all threads): on a shared machine the
wall-clock ratio moves with the load, the CPU-time ratio much less.

    .venv/bin/python benchmarks/bench_diagnostics.py [--frames 25] [--repeat 1]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def make_clip(num: int = 25, height: int = 576, width: int = 1024) -> np.ndarray:
    import cv2
    from skimage import data

    big = cv2.resize(data.astronaut(), (width + 256, height + 256), interpolation=cv2.INTER_CUBIC)
    c = ((big.shape[1] - 1) / 2, (big.shape[0] - 1) / 2)
    out = []
    for t in range(num):
        m = cv2.getRotationMatrix2D(c, 0.0, 1.01 ** t)
        m[0, 2] += 3.0 * t
        moved = cv2.warpAffine(big, m, (big.shape[1], big.shape[0]), flags=cv2.INTER_LINEAR)
        out.append(moved[128:128 + height, 128:128 + width])
    return np.ascontiguousarray(np.stack(out))


def naive(frames: np.ndarray, reference: np.ndarray) -> dict[str, list[float]]:
    """Per-frame SSIM (to reference and previous) with scikit-image + Farneback flow."""
    import cv2
    from skimage.metrics import structural_similarity

    kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
    ref = cv2.cvtColor(reference, cv2.COLOR_RGB2GRAY)
    ssim_ref, ssim_prev, flow_mean = [], [], []
    prev = None
    for f in frames:
        g = cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)
        ssim_ref.append(structural_similarity(ref, g, **kw))
        if prev is not None:
            ssim_prev.append(structural_similarity(prev, g, **kw))
            flow = cv2.calcOpticalFlowFarneback(prev, g, None, 0.5, 3, 15, 3, 5, 1.2, 0)
            flow_mean.append(float(np.linalg.norm(flow, axis=2).mean()))
        prev = g
    return {"ssim_ref": ssim_ref, "ssim_prev": ssim_prev, "flow_mean": flow_mean}


def main(argv: list[str] | None = None) -> int:
    from i2v_nb.diagnostics import continuity_report

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=25)
    ap.add_argument("--repeat", type=int, default=1, help="best of N runs for each side")
    args = ap.parse_args(argv)

    frames = make_clip(args.frames)
    print(f"clip: {frames.shape[0]} frames of {frames.shape[2]}x{frames.shape[1]}")
    continuity_report(frames[:2])  # import and allocate once (cv2, pandas) outside the timing

    t_ours, t_naive, c_ours, c_naive = [], [], [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        report = continuity_report(frames, fps=7)
        t_ours.append(time.perf_counter() - t0)
        c_ours.append(time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        ref = naive(frames, frames[0])
        t_naive.append(time.perf_counter() - t0)
        c_naive.append(time.process_time() - c0)
    ours, base = min(t_ours), min(t_naive)

    pf = report.per_frame
    d_ref = np.max(np.abs(pf["ssim_ref"].to_numpy() - np.asarray(ref["ssim_ref"])))
    d_prev = np.max(np.abs(pf["ssim_prev"].to_numpy()[1:] - np.asarray(ref["ssim_prev"])))
    speedup = base / ours
    print(f"naive (skimage SSIM x2 + Farneback): {base:7.2f} s wall "
          f"({1000 * base / len(frames):.0f} ms/frame), {min(c_naive):.2f} s CPU")
    print(f"continuity_report (full report):     {ours:7.2f} s wall "
          f"({1000 * ours / len(frames):.0f} ms/frame), {min(c_ours):.2f} s CPU")
    print(f"speed-up: {speedup:.1f}x wall, {min(c_naive) / min(c_ours):.1f}x CPU time")
    if args.repeat > 1:
        import statistics

        print(f"spread over {args.repeat} runs: continuity_report median "
              f"{statistics.median(t_ours):.2f} s, slowest {max(t_ours):.2f} s; naive median "
              f"{statistics.median(t_naive):.2f} s, slowest {max(t_naive):.2f} s; speed-up of "
              f"medians {statistics.median(t_naive) / statistics.median(t_ours):.1f}x")
    print(f"max |ΔSSIM|: to reference {d_ref:.2e}, to previous {d_prev:.2e}")
    print(f"camera: {report.camera_motion} ({report.camera_confidence:.2f}), flags: "
          f"{[str(f) for f in report.flags]}")
    ok = d_ref < 1e-3 and d_prev < 1e-3 and speedup >= 5.0
    print("PASS" if ok else "FAIL: need |ΔSSIM| < 1e-3 and >= 5x")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
