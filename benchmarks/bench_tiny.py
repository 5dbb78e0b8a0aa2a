"""Time the tiny offline twins: build, and one call with ``TINY_DEFAULTS`` (CPU, float32).

Run: ``python benchmarks/bench_tiny.py [--threads N] [--repeats R] [family ...]``

Prints one row per family: median build seconds, median call seconds (``output_type="np"``,
with a step callback, as ``generate`` calls it), frames out and latent shape in the callback.
"""

from __future__ import annotations

import argparse
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("families", nargs="*", help="families to time (default: all)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per family")
    args = parser.parse_args()

    import numpy as np
    import torch
    from PIL import Image

    from i2v_nb.testing import (
        TINY_DEFAULTS,
        TINY_FAMILIES,
        tiny_pipeline,
    )

    torch.set_num_threads(args.threads)
    families = args.families or list(TINY_FAMILIES)
    y, x = np.mgrid[0:48, 0:64]
    image = Image.fromarray(np.stack([x * 4, y * 5, (x + y) * 2], -1).astype(np.uint8))

    tiny_pipeline("ltx")  # import diffusers/transformers once, outside the timings
    print(f"torch {torch.__version__}, {args.threads} thread(s), {args.repeats} repeats")
    print(f"{'family':<10} {'build s':>8} {'call s':>8}  frames  callback latents")
    for family in families:
        builds = []
        for _ in range(3):
            t0 = time.perf_counter()
            pipe = tiny_pipeline(family, seed=0)
            builds.append(time.perf_counter() - t0)
        pipe.set_progress_bar_config(disable=True)
        kwargs = dict(TINY_DEFAULTS[family])
        if family != "svd":
            kwargs.update(prompt="a cat walks on the grass, slow zoom in", negative_prompt="blurry")
        shapes = []

        def on_step(p, step, timestep, cb_kwargs, shapes=shapes):
            shapes.append(tuple(cb_kwargs["latents"].shape))
            return cb_kwargs

        calls = []
        for i in range(args.repeats + 1):
            t0 = time.perf_counter()
            out = pipe(
                image=image,
                generator=torch.Generator("cpu").manual_seed(i),
                output_type="np",
                callback_on_step_end=on_step,
                callback_on_step_end_tensor_inputs=["latents"],
                **kwargs,
            )
            if i:  # the first call warms up
                calls.append(time.perf_counter() - t0)
        frames = np.asarray(out.frames)
        print(
            f"{family:<10} {statistics.median(builds):8.2f} {statistics.median(calls):8.2f}"
            f"  {frames.shape[1]:>6}  {shapes[0]}"
        )


if __name__ == "__main__":
    main()
