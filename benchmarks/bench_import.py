"""How long `import i2v_nb` takes in a fresh interpreter (goal: < 0.5 s), and proof that the
heavy libraries are not imported by it.

    python benchmarks/bench_import.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys

CODE = ("import time, sys; t = time.perf_counter(); import i2v_nb; "
        "dt = time.perf_counter() - t; "
        "heavy = [m for m in ('torch', 'diffusers', 'transformers', 'cv2', 'skimage', "
        "'matplotlib', 'ipywidgets', 'PIL', 'pandas') if m in sys.modules]; "
        "print(dt, ','.join(heavy))")


def main(runs: int = 7) -> None:
    times, heavy = [], ""
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                             check=True).stdout.split()
        times.append(float(out[0]))
        heavy = out[1] if len(out) > 1 else ""
    print(f"import i2v_nb: median {statistics.median(times) * 1000:.1f} ms, "
          f"min {min(times) * 1000:.1f} ms, slowest {max(times) * 1000:.1f} ms over {runs} fresh "
          "interpreters (goal < 500 ms)")
    print(f"heavy modules imported by it: {heavy or 'none'}")


if __name__ == "__main__":
    main()
