"""What a colour step preview costs: per step on the tiny twins, and on real-size latents.

Run: ``python benchmarks/bench_latent_preview.py [--threads N] [--repeats R] [--device cpu|cuda]``

1. Tiny twins (CPU): one call of each twin with the backend's step callback; per step, the time
   the pipeline spent outside the callback (the step) and the time of
   ``diffusers_backend.latent_preview`` (the preview the backend hands to ``progress``).
2. Real latent sizes: ``step_preview`` of random latents shaped as each real model's step
   latents (middle frame, and a strip of 5), median of ``--repeats`` calls, on ``--device``
   (for CUDA the time includes the GPU→CPU copy of the picked frames and the sync it forces).
"""

from __future__ import annotations

import argparse
import statistics
import time

#: Real step-latent shapes: (name, family, shape, packed grid or None).
REAL = [
    ("Wan 2.1 I2V 480p, 81 f", "wan", (1, 16, 21, 60, 104), None),
    ("Wan 2.1 I2V 720p, 81 f", "wan", (1, 16, 21, 90, 160), None),
    ("Wan 2.2 TI2V 704x1280, 121 f", "wan", (1, 48, 31, 44, 80), None),
    ("HunyuanVideo 720x1280, 129 f", "hunyuan", (1, 16, 33, 90, 160), None),
    ("CogVideoX 480x720, 49 f", "cogvideox", (1, 13, 16, 60, 90), None),
    ("SVD-XT 576x1024, 25 f", "svd", (1, 25, 4, 72, 128), None),
    ("LTX-Video 512x704, 161 f", "ltx", (1, 21 * 16 * 22, 128), (21, 16, 22)),
]


def _median_ms(fn, repeats: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def bench_twins() -> None:
    import numpy as np
    import torch
    from PIL import Image

    from i2v_nb.synthesis.diffusers_backend import latent_preview
    from i2v_nb.synthesis.registry import get_model
    from i2v_nb.testing import TINY_DEFAULTS, TINY_FAMILIES, tiny_pipeline

    y, x = np.mgrid[0:48, 0:64]
    image = Image.fromarray(np.stack([x * 4, y * 5, (x + y) * 2], -1).astype(np.uint8))
    print(f"{'twin':<10} {'step ms':>8} {'preview ms':>10} {'share':>7}  preview")
    for twin in TINY_FAMILIES:
        family = get_model(f"tiny-{twin}").family
        pipe = tiny_pipeline(twin, seed=0)
        pipe.set_progress_bar_config(disable=True)
        kwargs = dict(TINY_DEFAULTS[twin])
        if twin != "svd":
            kwargs.update(prompt="a cat walks on the grass, slow zoom in")
        call = dict(kwargs)
        steps, previews, marks, last = [], [], {}, []

        def on_step(p, i, t, cb, call=call, steps=steps, previews=previews, marks=marks,
                    last=last):
            now = time.perf_counter()
            if "end" in marks:
                steps.append(now - marks["end"])
            t0 = time.perf_counter()
            last[:] = [latent_preview(cb["latents"], family, pipe=p, call=call)]
            previews.append(time.perf_counter() - t0)
            marks["end"] = time.perf_counter()
            return cb

        for seed in range(4):  # the first call warms up
            if seed == 1:
                steps.clear(), previews.clear()
            marks.clear()
            pipe(image=image, generator=torch.Generator("cpu").manual_seed(seed),
                 output_type="np", callback_on_step_end=on_step,
                 callback_on_step_end_tensor_inputs=["latents"], **kwargs)
        s, v = statistics.median(steps) * 1e3, statistics.median(previews) * 1e3
        p = last[0]
        print(f"{twin:<10} {s:8.1f} {v:10.2f} {v / s:7.1%}  {p.shape} colour={p.colour}")


def bench_real(device: str, repeats: int) -> None:
    import torch

    from i2v_nb.synthesis.latent_preview import preview_spec, step_preview

    print(f"\nreal-size latents on {device} (median of {repeats}; bfloat16 on cuda)")
    print(f"{'latents':<30} {'shape':<24} {'middle ms':>9} {'strip5 ms':>9}")
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    for name, family, shape, grid in REAL:
        lat = torch.randn(shape, dtype=dtype, device=device)
        spec = preview_spec(family, grid=grid)
        sigma = 10.0 if family == "svd" else None
        mid = _median_ms(lambda: step_preview(lat, spec, sigma=sigma), repeats)
        strip = _median_ms(lambda: step_preview(lat, spec, sigma=sigma, strip=5), repeats)
        print(f"{name:<30} {str(shape):<24} {mid:9.2f} {strip:9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--repeats", type=int, default=20, help="timed calls per real shape")
    parser.add_argument("--device", default="cpu", help="device of the real-size latents")
    parser.add_argument("--skip-twins", action="store_true", help="only the real-size part")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s)")
    if not args.skip_twins:
        bench_twins()
    bench_real(args.device, args.repeats)


if __name__ == "__main__":
    main()
