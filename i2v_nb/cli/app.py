"""The ``i2v-nb`` subcommands, their parser and ``main`` (usage: :mod:`i2v_nb.cli`)."""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import shlex
import sys
import time
import warnings
from typing import Any, Sequence

from i2v_nb.cli.messages import (
    USER_ERRNOS,
    UsageError,
    error,
    os_error_message,
    safe,
    say,
    show_warning,
    text_arg,
)

__all__ = ["main", "build_parser"]

_DPI_RANGE = (10.0, 600.0)
_MAX_FIGURE_PIXELS = 60_000_000  # a figure this large is ~240 MB of RGBA while it is drawn
ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
QUICKSTART = "notebooks/00_quickstart.ipynb"

def _dpi(text: str) -> float:
    low, high = _DPI_RANGE
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise argparse.ArgumentTypeError(
            f"must be a number of dots per inch from {low:g} to {high:g} (100 is the default, "
            f"300 for print), got {text!r}")
    return value


def _model_names() -> list[str]:
    from i2v_nb.synthesis.registry import models

    return [m.name for m in models()]


def _model(text: str) -> str:
    from i2v_nb.errors import ParameterError
    from i2v_nb.synthesis.registry import get_model

    try:
        return get_model(text).name
    except ParameterError:
        raise argparse.ArgumentTypeError(
            f"unknown model {text!r}; choose one of {', '.join(_model_names())} (or a hub id "
            "of one of them; `i2v-nb models` describes them)") from None


def _sweep_scores() -> tuple[str, ...]:
    from i2v_nb.sweeps.summary import SCORES

    return tuple(SCORES)


def _figure_suffixes() -> tuple[str, ...]:
    from matplotlib.backend_bases import FigureCanvasBase

    return tuple(sorted(f".{k}" for k in FigureCanvasBase.get_supported_filetypes()))


def _output(path: str | None, flag: str, suffixes: Sequence[str] | None = None,
            example: str = "out.png") -> pathlib.Path | None:
    """Check an output path before any work: a known extension, and a folder that exists or
    can be made and is writable (missing folders are created when the file is written)."""
    if path is None:
        return None
    p = pathlib.Path(path).expanduser()
    shown = safe(str(path))
    if str(path).strip() == "" or p.is_dir():
        raise UsageError(f"{flag} {shown!r} is a folder; give a file name, e.g. "
                         f"{flag} {safe(str(p / example))}")
    if suffixes is not None:
        suffix = p.suffix.lower()
        if suffix not in suffixes:
            what = f"the extension {suffix!r}" if suffix else "a file name without an extension"
            raise UsageError(f"{flag} {shown}: {what} is not a format it writes; use one of "
                             f"{', '.join(suffixes)} (e.g. {flag} {p.stem or 'out'}"
                             f"{pathlib.Path(example).suffix})")
    _writable_folder(p.absolute().parent, flag, shown)
    return p


def _writable_folder(folder: pathlib.Path, flag: str, shown: str) -> None:
    """``folder`` exists and is writable, or can be made in a writable folder."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(f"{flag} {shown}: {safe(str(folder))!r} is a file, not a folder; pick "
                         "another folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {shown}: cannot write in {safe(str(folder))!r} (permission "
                         "denied); pick a folder you can write to")


def _history_folder(path: str | None) -> str | None:
    """Check a ``--history`` folder before any work: a clip made and then not saved is lost."""
    if path is None:
        return None
    if str(path).strip() == "":
        raise UsageError("--history '' is not a folder name; give one, e.g. --history i2v_outputs")
    folder = pathlib.Path(path).expanduser().absolute()
    if not folder.is_file():  # a file is the History's own error (HistoryError)
        _writable_folder(folder, "--history", safe(str(path)))
    return path


def _make_parent(path: pathlib.Path) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _save_figure(fig: Any, path: pathlib.Path, dpi: float) -> None:
    width_in, height_in = fig.get_size_inches()
    pixels = width_in * height_in * dpi * dpi
    if pixels > _MAX_FIGURE_PIXELS:
        top = math.sqrt(_MAX_FIGURE_PIXELS / (width_in * height_in))
        raise UsageError(f"--dpi {dpi:g} makes a {width_in * dpi:.0f}x{height_in * dpi:.0f} px "
                         f"figure; use --dpi {int(top)} or less")
    fig.savefig(_make_parent(path), dpi=dpi)


def _show_report(report: Any, out: pathlib.Path | None, dpi: float) -> None:
    """Print a report's summary and, when ``out`` is given, save its figure there."""
    say(report.summary())
    if out is not None:
        _save_figure(report.plot(), out, dpi)
        say(f"wrote {out}")


# ------------------------------------------------------------------------------ the jobs
def _print_progress(step: int, total: int, preview=None) -> None:  # noqa: ARG001
    if sys.stderr.isatty():
        print(f"\r  step {step}/{total}", end="" if step < total else "\n", file=sys.stderr,
              flush=True)


def _cmd_generate(args: argparse.Namespace) -> int:
    import i2v_nb
    from i2v_nb.errors import ParameterError
    from i2v_nb.io import VIDEO_SUFFIXES, check_fps
    from i2v_nb.synthesis.registry import get_model

    out = _output(args.out, "--out", VIDEO_SUFFIXES, example="clip.mp4")
    # GIF and WebP store fewer frame rates than mp4: a rate the format cannot store would fail
    # only after the whole generation, so refuse it now (other rates are the model's to check)
    fps = args.fps if args.fps is not None else get_model(args.model).defaults.get("fps")
    if out.suffix.lower() in (".gif", ".webp") and fps is not None and math.isfinite(fps) \
            and fps > 0:
        try:
            check_fps(fps, suffix=out.suffix, error=ParameterError)
        except ParameterError as e:
            given = f"--fps {fps:g}" if args.fps is not None else \
                f"{args.model}'s frame rate ({fps:g} fps)"
            raise ParameterError(f"{given} cannot be saved as {out.suffix}: {e}") from None
    params = {}
    for key in ("num_frames", "fps", "width", "height", "num_inference_steps", "guidance_scale",
                "profile", "device", "cache", "cache_threshold", "attention", "quantize",
                "quantize_text_encoder"):
        value = getattr(args, key, None)
        if value is not None:
            params[key] = value
    if getattr(args, "compile", False):
        params["compile"] = True
    history = i2v_nb.History(_history_folder(args.history)) if args.history else None
    prompt = text_arg(args.prompt, "the prompt")
    t0 = time.perf_counter()
    clip = i2v_nb.generate(args.image, prompt, model=args.model, seed=args.seed,
                           history=history, progress=_print_progress, **params)
    out = clip.save(_make_parent(out))
    say(f"{clip!r} in {time.perf_counter() - t0:.1f} s")
    say(f"wrote {out} (parameters in {out.with_suffix('.json')})")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    import i2v_nb

    history = i2v_nb.History(_history_folder(args.history))
    t0 = time.perf_counter()
    image = i2v_nb.sample_image(args.sample)
    prompt = text_arg(args.prompt, "the prompt")
    clip = i2v_nb.generate(image, prompt, model="preview", seed=0, history=history)
    entry = history.latest()
    say(f"made {clip!r} from the bundled sample {args.sample!r} on CPU in "
         f"{time.perf_counter() - t0:.1f} s")
    if entry is not None:
        say(f"mp4: {entry.video_path.resolve()}")
        say(f"parameters: {(entry.path / 'clip.json').resolve()}")
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    import i2v_nb

    out = _output(args.out, "--out", _figure_suffixes() if args.out else None)
    out_json = _output(args.json, "--json", example="report.json")
    report = i2v_nb.analyze(i2v_nb.load_image(args.image), depth=args.depth)
    _show_report(report, out, args.dpi)
    if out_json is not None:
        _make_parent(out_json).write_text(json.dumps(report.to_dict(), indent=2))
        say(f"wrote {out_json}")
    return 0


def _cmd_diagnose(args: argparse.Namespace) -> int:
    import i2v_nb

    out = _output(args.out, "--out", _figure_suffixes() if args.out else None)
    out_csv = _output(args.csv, "--csv", example="frames.csv")
    clip = i2v_nb.read_video(args.video)
    reference = i2v_nb.load_image(args.reference) if args.reference else None
    report = i2v_nb.continuity_report(clip, reference=reference)
    _show_report(report, out, args.dpi)
    if out_csv is not None:
        report.per_frame.to_csv(_make_parent(out_csv))
        say(f"wrote {out_csv}")
    return 0


def _cmd_models(args: argparse.Namespace) -> int:  # noqa: ARG001
    import i2v_nb

    for preset in i2v_nb.models():
        hub = preset.hub_id or "(built in)"
        say(f"{preset.name:28s} {preset.family:10s} {hub}")
    return 0


def _cmd_history(args: argparse.Namespace) -> int:
    import i2v_nb

    history = i2v_nb.History(args.history)
    entries = history.list()
    if not entries:
        where = history.root.absolute()
        state = "has no clips yet" if history.root.is_dir() else "does not exist yet"
        raise UsageError(f"the history folder {safe(str(args.history))!r} ({safe(str(where))}) "
                         f"{state}; make a clip with `i2v-nb demo --history "
                         f"{shlex.quote(safe(str(args.history)))}`, or pass --history FOLDER")
    for entry in entries:
        say(f"{entry.id}  {entry.num_frames:3d}f {entry.width}×{entry.height}  "
             f"{entry.model:16s} seed={entry.seed}  {entry.prompt[:60]!r}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from i2v_nb.history import History
    from i2v_nb.sweeps import Sweep
    from i2v_nb.sweeps.run import launch_warning

    note = launch_warning()
    if note:
        print(f"i2v-nb: warning: {note}", file=sys.stderr, flush=True)
    sweep = Sweep.from_toml(args.spec)
    history = History(_history_folder(args.history))
    summary = sweep.run(history, progress=not args.quiet, score=args.score)
    if summary is not None:  # the main process
        say(summary.text())
        say(f"summary: {summary.path}")
    return 0


def _cmd_lab(args: argparse.Namespace) -> int:
    import subprocess

    notebook = ROOT / QUICKSTART
    cmd = [sys.executable, "-m", "jupyter", "lab"]
    if notebook.exists():
        cmd += [f"--notebook-dir={ROOT}", f"--LabApp.default_url=/lab/tree/{QUICKSTART}"]
    cmd += args.jupyter_args
    say("starting: " + " ".join(cmd))
    return subprocess.call(cmd)


def build_parser() -> argparse.ArgumentParser:
    """The ``i2v-nb`` argument parser (builds without importing torch or diffusers)."""
    from i2v_nb.io import VIDEO_SUFFIXES
    from i2v_nb.samples import sample_names

    models = ", ".join(_model_names())
    videos = "/".join(s.lstrip(".") for s in VIDEO_SUFFIXES)
    parser = argparse.ArgumentParser(prog="i2v-nb", description="Image-to-video toolkit: "
                                     "analyse an image, generate a clip, check its continuity.")
    parser.add_argument("--version", action="version",
                        version=f"i2v_nb {__import__('i2v_nb').__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("generate", help="make a clip from an image and a motion prompt")
    p.add_argument("image", help="image path or http(s) URL")
    p.add_argument("prompt", nargs="?", default="", help='motion prompt, e.g. "slow zoom in"')
    p.add_argument("--out", default="clip.mp4",
                   help=f"output video ({videos}; missing folders are created)")
    p.add_argument("--model", default="preview", type=_model, metavar="MODEL",
                   help=f"model preset, one of: {models} (default: preview, the CPU engine; "
                        "`i2v-nb models` describes them)")
    p.add_argument("--seed", type=int, default=0, help="random seed, 0 to 2**63-1")
    p.add_argument("--frames", dest="num_frames", type=int, help="number of frames")
    p.add_argument("--fps", type=float, help="frames per second")
    p.add_argument("--width", type=int, help="width in px (height from the image if not given)")
    p.add_argument("--height", type=int, help="height in px (width from the image if not given)")
    p.add_argument("--steps", dest="num_inference_steps", type=int,
                   help="denoising steps (diffusers models)")
    p.add_argument("--guidance", dest="guidance_scale", type=float,
                   help="guidance scale, 0 to 100 (diffusers models)")
    from i2v_nb.synthesis.memory import PROFILES
    from i2v_nb.synthesis.speed import SPEED_SWITCHES

    p.add_argument("--profile", choices=["auto", *PROFILES],
                   help="GPU memory profile (diffusers models)")
    for name in ("cache", "attention", "quantize", "quantize_text_encoder"):
        switch = SPEED_SWITCHES[name]
        p.add_argument("--" + name.replace("_", "-"), dest=name,
                       choices=[c for c in switch.choices if c is not None],
                       help=f"{switch.help} (diffusers models)")
    p.add_argument("--cache-threshold", dest="cache_threshold", type=float,
                   help=SPEED_SWITCHES["cache_threshold"].help)
    p.add_argument("--compile", action="store_true", help=SPEED_SWITCHES["compile"].help)
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N, mps or xpu (diffusers models)")
    p.add_argument("--history", default=None, help="also keep the clip in this history folder")
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("demo", help="make a clip from a bundled sample image on CPU")
    p.add_argument("--sample", default="lake", choices=sample_names(),
                   help="the sample image (default: lake)")
    p.add_argument("--prompt", default="slow zoom in, clouds drifting, gentle ripples on the "
                   "water")
    p.add_argument("--history", default="i2v_outputs", help="history folder to save the clip in")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("analyze", help="structure analysis of an image")
    p.add_argument("image", help="image path or http(s) URL")
    p.add_argument("--out", help="write the analysis figure here (png, pdf, svg, jpg, webp...)")
    p.add_argument("--json", help="write the report as JSON here")
    p.add_argument("--depth", default="classical", choices=["auto", "model", "classical"],
                   help="depth from cues (classical, default), a depth model (model: needs "
                        "the weights or the network) or the model when available (auto)")
    p.add_argument("--dpi", type=_dpi, default=100.0,
                   help=f"figure resolution, {_DPI_RANGE[0]:g} to {_DPI_RANGE[1]:g} (default 100)")
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser("diagnose", help="frame-by-frame continuity report of a video")
    p.add_argument("video", help=f"video file ({videos})")
    p.add_argument("--out", help="write the report figure here (png, pdf, svg, jpg, webp...)")
    p.add_argument("--csv", help="write the per-frame table here")
    p.add_argument("--reference", help="the source image (default: the first frame)")
    p.add_argument("--dpi", type=_dpi, default=100.0,
                   help=f"figure resolution, {_DPI_RANGE[0]:g} to {_DPI_RANGE[1]:g} (default 100)")
    p.set_defaults(func=_cmd_diagnose)

    p = sub.add_parser("models", help="list the model presets")
    p.set_defaults(func=_cmd_models)

    p = sub.add_parser("history", help="list the clips saved in a history folder")
    p.add_argument("--history", default="i2v_outputs", help="the history folder")
    p.set_defaults(func=_cmd_history)

    p = sub.add_parser("sweep", help="make a grid of images x prompts x seeds x models from a "
                       "TOML file into one history; on several GPUs or machines run it under "
                       "`accelerate launch`")
    p.add_argument("spec", help="the sweep's TOML file (images, prompts, seeds, models, [params])")
    p.add_argument("--history", default="i2v_outputs",
                   help="the history folder the clips go to (shared by every process)")
    p.add_argument("--score", default="overall", choices=list(_sweep_scores()),
                   help="the continuity score the summary ranks by (default: overall)")
    p.add_argument("--quiet", action="store_true", help="no line per item")
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("lab", help="open JupyterLab on the quickstart notebook (other options "
                       "go to jupyter lab, e.g. --no-browser --port 8890)")
    p.add_argument("jupyter_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_lab)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``i2v-nb`` console script.

    A user's mistake (an :class:`~i2v_nb.errors.I2VError`, a bad path, a bad option) prints one
    line, ``i2v-nb: error: ...``, and returns 2; Ctrl-C returns 130. Argument errors exit 2 the
    argparse way. Anything else is a bug of i2v_nb and keeps its traceback.
    """
    from i2v_nb.errors import I2VError, I2VWarning

    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if extra:
            if args.command != "lab":
                parser.error(f"unrecognized arguments: {safe(' '.join(extra))}")
            args.jupyter_args = extra + list(args.jupyter_args)  # options for jupyter lab itself
        with warnings.catch_warnings():
            warnings.simplefilter("default", I2VWarning)  # each shown once, as one line
            warnings.showwarning = show_warning
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("i2v-nb: interrupted", file=sys.stderr, flush=True)
        return 130
    except BrokenPipeError:  # `i2v-nb models | head`: the reader left; nothing more to say
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except UsageError as e:
        return error(str(e))
    except I2VError as e:
        return error(f"{type(e).__name__}: {e}")
    except OSError as e:
        if e.errno not in USER_ERRNOS:
            raise  # not about a path the user gave: our bug, keep the traceback
        return error(os_error_message(e))


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
