"""``i2v-nb``: the toolkit's jobs from a terminal.

    i2v-nb demo                                  # a clip from a bundled sample, on CPU
    i2v-nb generate photo.jpg "slow zoom in, clouds drift" --out clip.mp4
    i2v-nb analyze photo.jpg --out report.png
    i2v-nb diagnose clip.mp4 --out report.png
    i2v-nb models                                # the model presets
    i2v-nb history                               # clips saved so far
    i2v-nb lab                                   # JupyterLab on the quickstart notebook
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time
from typing import Sequence

__all__ = ["main"]

ROOT = pathlib.Path(__file__).resolve().parent.parent
QUICKSTART = "notebooks/00_quickstart.ipynb"


def _print_progress(step: int, total: int, preview=None) -> None:  # noqa: ARG001
    if sys.stderr.isatty():
        print(f"\r  step {step}/{total}", end="" if step < total else "\n", file=sys.stderr,
              flush=True)


def _cmd_generate(args: argparse.Namespace) -> int:
    import i2v_nb

    params = {}
    for key in ("num_frames", "fps", "width", "height", "num_inference_steps", "profile"):
        value = getattr(args, key, None)
        if value is not None:
            params[key] = value
    history = i2v_nb.History(args.history) if args.history else None
    t0 = time.perf_counter()
    clip = i2v_nb.generate(args.image, args.prompt, model=args.model, seed=args.seed,
                           history=history, progress=_print_progress, **params)
    out = clip.save(args.out)
    print(f"{clip!r} in {time.perf_counter() - t0:.1f} s")
    print(f"wrote {out} (parameters in {out.with_suffix('.json')})")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    import i2v_nb

    history = i2v_nb.History(args.history)
    t0 = time.perf_counter()
    image = i2v_nb.sample_image(args.sample)
    clip = i2v_nb.generate(image, args.prompt, model="preview", seed=0, history=history)
    entry = history.latest()
    print(f"made {clip!r} from the bundled sample {args.sample!r} on CPU in "
          f"{time.perf_counter() - t0:.1f} s")
    if entry is not None:
        print(f"mp4: {entry.video_path.resolve()}")
        print(f"parameters: {(entry.path / 'clip.json').resolve()}")
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    import i2v_nb

    report = i2v_nb.analyze(i2v_nb.load_image(args.image), depth=args.depth)
    print(report.summary())
    if args.out:
        fig = report.plot()
        fig.savefig(args.out, dpi=args.dpi)
        print(f"wrote {args.out}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(report.to_dict(), indent=2))
        print(f"wrote {args.json}")
    return 0


def _cmd_diagnose(args: argparse.Namespace) -> int:
    import i2v_nb

    clip = i2v_nb.read_video(args.video)
    reference = i2v_nb.load_image(args.reference) if args.reference else None
    report = i2v_nb.continuity_report(clip, reference=reference)
    print(report.summary())
    if args.out:
        report.plot().savefig(args.out, dpi=args.dpi)
        print(f"wrote {args.out}")
    if args.csv:
        report.per_frame.to_csv(args.csv)
        print(f"wrote {args.csv}")
    return 0


def _cmd_models(args: argparse.Namespace) -> int:  # noqa: ARG001
    import i2v_nb

    for preset in i2v_nb.models():
        hub = preset.hub_id or "(built in)"
        print(f"{preset.name:28s} {preset.family:10s} {hub}")
    return 0


def _cmd_history(args: argparse.Namespace) -> int:
    import i2v_nb

    for entry in i2v_nb.History(args.history).list():
        print(f"{entry.id}  {entry.num_frames:3d}f {entry.width}×{entry.height}  "
              f"{entry.model:16s} seed={entry.seed}  {entry.prompt[:60]!r}")
    return 0


def _cmd_lab(args: argparse.Namespace) -> int:
    import subprocess

    notebook = ROOT / QUICKSTART
    cmd = [sys.executable, "-m", "jupyter", "lab"]
    if notebook.exists():
        cmd += [f"--notebook-dir={ROOT}", f"--LabApp.default_url=/lab/tree/{QUICKSTART}"]
    cmd += args.jupyter_args
    print("starting:", " ".join(cmd))
    return subprocess.call(cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="i2v-nb", description="Image-to-video toolkit: "
                                     "analyse an image, generate a clip, check its continuity.")
    parser.add_argument("--version", action="version",
                        version=f"i2v_nb {__import__('i2v_nb').__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("generate", help="make a clip from an image and a motion prompt")
    p.add_argument("image", help="image path or http(s) URL")
    p.add_argument("prompt", nargs="?", default="", help='motion prompt, e.g. "slow zoom in"')
    p.add_argument("--out", default="clip.mp4", help="output video (.mp4/.webm/.gif/.webp)")
    p.add_argument("--model", default="preview", help="model preset (see `i2v-nb models`)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--frames", dest="num_frames", type=int)
    p.add_argument("--fps", type=float)
    p.add_argument("--width", type=int)
    p.add_argument("--height", type=int)
    p.add_argument("--steps", dest="num_inference_steps", type=int)
    p.add_argument("--profile", choices=["auto", "fast", "balanced", "low-vram"],
                   help="GPU memory profile (diffusers models)")
    p.add_argument("--history", default=None, help="also keep the clip in this history folder")
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("demo", help="make a clip from a bundled sample image on CPU")
    p.add_argument("--sample", default="lake")
    p.add_argument("--prompt", default="slow zoom in, clouds drifting, gentle ripples on the "
                   "water")
    p.add_argument("--history", default="i2v_outputs")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("analyze", help="structure analysis of an image")
    p.add_argument("image")
    p.add_argument("--out", help="write the analysis figure here (png/pdf/svg)")
    p.add_argument("--json", help="write the report as JSON here")
    p.add_argument("--depth", default="classical", choices=["auto", "model", "classical"])
    p.add_argument("--dpi", type=int, default=100)
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser("diagnose", help="frame-by-frame continuity report of a video")
    p.add_argument("video")
    p.add_argument("--out", help="write the report figure here")
    p.add_argument("--csv", help="write the per-frame table here")
    p.add_argument("--reference", help="the source image (default: the first frame)")
    p.add_argument("--dpi", type=int, default=100)
    p.set_defaults(func=_cmd_diagnose)

    p = sub.add_parser("models", help="list the model presets")
    p.set_defaults(func=_cmd_models)

    p = sub.add_parser("history", help="list the clips saved in a history folder")
    p.add_argument("--history", default="i2v_outputs")
    p.set_defaults(func=_cmd_history)

    p = sub.add_parser("lab", help="open JupyterLab on the quickstart notebook (other options "
                       "go to jupyter lab, e.g. --no-browser --port 8890)")
    p.add_argument("jupyter_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_lab)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``i2v-nb`` console script."""
    from i2v_nb.errors import I2VError

    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        if args.command != "lab":
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.jupyter_args = extra + list(args.jupyter_args)  # options for jupyter lab itself
    try:
        return int(args.func(args) or 0)
    except I2VError as e:
        print(f"i2v-nb: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("i2v-nb: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
