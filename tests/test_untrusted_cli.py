"""Untrusted input, round 2 (issue 11, items 5-8): parameters refused before any work, memory caps
checked with the final size, a command line that answers a user's mistake in one line, and hub
look-ups that fail in seconds offline.

CLI cases call ``i2v_nb.cli.main`` in-process (capsys); two run it as a subprocess.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

import i2v_nb
import i2v_nb.synthesis
from i2v_nb.cli import cli_terms, main, one_line
from i2v_nb.errors import ModelUnavailable, ParameterError
from i2v_nb.synthesis import backend as backend_module
from tests.conftest import moving_frames, smooth_image

# ------------------------------------------------------------------------------ helpers


class Spy:
    """Records calls; stands in for a stage that must not run."""

    def __init__(self, result=None):
        self.calls = 0
        self.result = result

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.result


@pytest.fixture
def spies(monkeypatch):
    """Spies on the image loader and on every backend: a refused request must reach neither."""
    import i2v_nb.io

    load = Spy()
    real_load = i2v_nb.io.load_image

    def counting_load(*args, **kwargs):
        load.calls += 1
        return real_load(*args, **kwargs)

    monkeypatch.setattr(i2v_nb.io, "load_image", counting_load)
    run = Spy()
    monkeypatch.setattr(backend_module, "get_backend", lambda name: run)
    return load, run


def run_cli(argv, capsys):
    """``(exit status, stdout, stderr)`` of ``i2v-nb argv``, argparse's exits included."""
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("i2v-nb: error: ")]
    assert len(errors) == 1 and "Traceback" not in err, err
    return errors[0]


@pytest.fixture
def image_file(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(smooth_image(48, 64)).save(path)
    return path


@pytest.fixture
def video_file(tmp_path):
    path = tmp_path / "clip.mp4"
    i2v_nb.write_video(path, moving_frames(6, 48, 64), fps=6)
    return path


IMG = smooth_image(48, 64)

# ------------------------------------------------------------------------------ item 5: parameters

BAD_PARAMS = [
    # (model, keywords, words the message must contain)
    ("preview", dict(fps=0), ["fps=0"]),
    ("preview", dict(fps=-12), ["fps=-12"]),
    ("preview", dict(fps=float("nan")), ["fps=nan", "finite"]),
    ("preview", dict(fps=float("inf")), ["fps=inf"]),
    ("preview", dict(fps=1e-6), ["fps", "0.0001"]),          # below what the writer stores
    ("preview", dict(fps=5000), ["fps=5000", "240"]),
    ("preview", dict(fps=10**400), ["fps"]),                  # beyond a float: no OverflowError
    ("preview", dict(fps="12"), ["fps", "number"]),
    ("preview", dict(fps=True), ["fps", "number"]),
    ("tiny-wan", dict(fps=0), ["fps=0", "positive"]),
    ("tiny-wan", dict(fps=1e9), ["fps", "1000"]),
    ("tiny-wan", dict(fps=10**400), ["fps"]),
    ("preview", dict(width=0), ["width=0", "16 to 4096"]),
    ("preview", dict(width=-64), ["width=-64"]),
    ("preview", dict(height=10**100), ["height=1e+100"]),
    ("preview", dict(height=10**400), ["height="]),
    ("preview", dict(width="64"), ["width", "number"]),
    ("preview", dict(width=True), ["width", "number"]),
    ("tiny-ltx", dict(width=0), ["width=0", "positive"]),
    ("tiny-ltx", dict(height=10**100), ["height=1e+100", "16384"]),
    ("tiny-ltx", dict(width=10**400), ["width", "float"]),
    ("tiny-ltx", dict(width=[32]), ["width", "number"]),
    ("preview", dict(num_frames=0), ["num_frames=0", "1 to 1000"]),
    ("preview", dict(num_frames=10**100), ["num_frames=1e+100"]),
    ("preview", dict(num_frames=10**400), ["num_frames"]),
    ("preview", dict(num_frames="8"), ["num_frames", "number"]),
    ("tiny-wan", dict(num_frames=-1), ["num_frames=-1", "at least one frame"]),
    ("tiny-wan", dict(num_frames=10**12), ["num_frames=1000000000000", "at most 17"]),
    ("tiny-wan", dict(num_frames=10**30), ["num_frames=1e+30", "at most 17"]),
    ("tiny-wan", dict(num_inference_steps=0), ["num_inference_steps=0"]),
    ("tiny-wan", dict(num_inference_steps=10**6), ["num_inference_steps", "1000"]),
    ("preview", dict(num_inference_steps=-3), ["num_inference_steps"]),
    ("tiny-wan", dict(guidance_scale=-1), ["guidance_scale=-1", ">= 0"]),
    ("tiny-wan", dict(guidance_scale=float("nan")), ["guidance_scale=nan", "finite"]),
    ("tiny-wan", dict(guidance_scale=1e9), ["guidance_scale", "100"]),
    ("tiny-wan", dict(guidance_scale="7"), ["guidance_scale", "number"]),
    ("preview", dict(guidance_scale=float("inf")), ["guidance_scale"]),
    ("preview", dict(seed=-1), ["seed=-1", "2**63"]),
    ("preview", dict(seed=2**63), ["seed="]),
    ("preview", dict(seed=10**100), ["seed="]),
    ("preview", dict(seed="1"), ["seed", "whole number"]),
    ("preview", dict(seed=1.5), ["seed", "whole number"]),
    ("preview", dict(seed=True), ["seed", "whole number"]),
    ("preview", dict(backend_options=[("profile", "fast")]), ["backend_options", "dict", "list"]),
    ("preview", dict(backend_options="low-vram"), ["backend_options", "str"]),
    ("tiny-wan", dict(backend_options={"devcie": "cpu"}), ["'devcie'", "device"]),
    ("tiny-wan", dict(backend_options={"profile": "ultra"}), ["profile='ultra'", "low-vram"]),
    ("tiny-wan", dict(backend_options={"dtype": "float8"}), ["dtype='float8'", "bfloat16"]),
    ("tiny-wan", dict(backend_options={"previews": "yes"}), ["previews='yes'", "True or False"]),
    ("tiny-wan", dict(backend_options={1: "cpu"}), ["keys must be strings"]),
    ("tiny-wan", dict(device="gpu"), ["device='gpu'", "did you mean 'cuda'"]),
    ("tiny-wan", dict(device="cuda:x"), ["device='cuda:x'", "cuda:0"]),
    ("tiny-wan", dict(device="cuda:"), ["device='cuda:'", "cuda:0"]),
    ("tiny-wan", dict(device="tpu"), ["device='tpu'", "'cpu'"]),
    ("tiny-wan", dict(device=0), ["device=0", "int"]),
    ("tiny-wan", dict(backend_options={"device": "cuda:-1"}), ["device='cuda:-1'"]),
    ("preview", dict(profile="turbo"), ["profile='turbo'"]),
]


@pytest.mark.parametrize("model,kwargs,words", BAD_PARAMS,
                         ids=[f"{m}-{next(iter(k))}-{i}" for i, (m, k, _) in enumerate(BAD_PARAMS)])
def test_bad_parameters_are_refused_before_any_work(spies, model, kwargs, words):
    load, run = spies
    with pytest.raises(ParameterError) as e:
        i2v_nb.generate(IMG, "slow zoom in", model=model, **kwargs)
    message = str(e.value)
    for word in words:
        assert word in message, (word, message)
    assert "\n" not in message and len(message) < 600
    assert load.calls == 0 and run.calls == 0  # neither the image nor the engine was touched


@pytest.mark.parametrize("model", ["preview", "tiny-wan"])
def test_legal_requests_still_reach_the_engine(spies, model):
    """The spies see a good request through: the refusals above are the checks, not the spies."""
    load, run = spies
    run.result = (np.zeros((5, 16, 16, 3), np.uint8), {})
    i2v_nb.generate(IMG, "zoom in", model=model, num_frames=5, fps=8,
                    backend_options={"device": "cpu"} if model != "preview" else None)
    assert load.calls == 1 and run.calls == 1


def test_backend_options_are_normalised_and_custom_backends_get_any_key():
    check = backend_module.check_options
    assert check({"device": " CUDA:1 ", "dtype": "bfloat16", "profile": "auto"},
                 backend="diffusers") == {"device": "cuda:1", "dtype": "bfloat16",
                                          "profile": "auto"}
    assert check({"device": "auto"}, backend="diffusers") == {"device": None}
    assert check(None) == {}
    from types import MappingProxyType

    assert check(MappingProxyType({"previews": True}), backend="diffusers") == {"previews": True}
    backend_module.register_backend("spy-backend", lambda request: None)
    try:
        assert check({"temperature": 3}, backend="spy-backend") == {"temperature": 3}
    finally:
        backend_module._CUSTOM.pop("spy-backend")
    for good in ("cpu", "cuda", "cuda:0", "cuda:12", "mps", "xpu:1", None, "auto"):
        backend_module.check_device(good)


def test_diffusers_without_gpu_is_refused_before_the_image_is_loaded(monkeypatch):
    import i2v_nb.io

    generate_module = sys.modules["i2v_nb.synthesis.generate"]
    load = Spy()
    monkeypatch.setattr(i2v_nb.io, "load_image", load)
    monkeypatch.setattr(generate_module, "cuda_available", lambda: False)
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(ModelUnavailable, match="needs a GPU"):
        i2v_nb.generate(IMG, "zoom in", model="ltx-video")
    with pytest.raises(ModelUnavailable, match="no CUDA GPU"):
        i2v_nb.generate(IMG, "zoom in", model="tiny-wan", device="cuda")
    assert load.calls == 0


def test_validate_never_overflows_on_huge_integers():
    """A fuzz of huge and odd numbers through every preset's validate: ParameterError or a
    result, never OverflowError/TypeError/ValueError of another kind."""
    import warnings

    from i2v_nb.synthesis.registry import models

    rng = np.random.default_rng(0)
    values = [10**k for k in (3, 15, 19, 100, 308, 309, 400)] + \
        [-(10**k) for k in (3, 100, 400)] + [0, 1, 2**63, 2**64, float("nan"), float("inf"),
                                               -0.0, 1e-300, 1e300, np.int64(2**62),
                                               np.float32(3.5), "1", None]
    keys = ["width", "height", "num_frames", "fps", "num_inference_steps", "guidance_scale"]
    outcomes = {"ok": 0, "refused": 0}
    for preset in models():
        for _ in range(40):
            key = keys[rng.integers(len(keys))]
            value = values[rng.integers(len(values))]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    preset.validate(**{key: value})
                    outcomes["ok"] += 1
                except ParameterError:
                    outcomes["refused"] += 1
    assert outcomes["ok"] > 50 and outcomes["refused"] > 50


# ------------------------------------------------------------------------------ item 6: memory caps

def test_preview_cap_uses_the_final_size_when_only_width_is_given(spies):
    load, run = spies
    square = np.full((64, 64, 3), 90, np.uint8)
    with pytest.raises(ParameterError) as e:  # 4096 x 4096 x 36 once the height is derived
        i2v_nb.generate(square, "zoom in", width=4096, num_frames=36)
    message = str(e.value)
    assert "4096x4096" in message and "at most 35 frames" in message and "for 36 frames" in message
    assert load.calls == 1 and run.calls == 0  # the image decides the size; nothing rendered


def test_preview_cap_uses_the_final_size_when_only_height_is_given(spies):
    _, run = spies
    wide = np.full((32, 128, 3), 90, np.uint8)  # 4:1: height 2048 -> width 8192, capped at 4096
    with pytest.raises(ParameterError, match=r"2048.*at most \d+ frames"):
        i2v_nb.generate(wide, "zoom in", height=2048, num_frames=100)
    assert run.calls == 0


@pytest.mark.parametrize("width,height,frames", [(4096, 4096, 1000), (4096, 2048, 100),
                                                  (2000, 2000, 151)])
def test_preview_cap_message_gives_numbers_that_fit(width, height, frames):
    from i2v_nb.synthesis.preview import check_preview_budget

    with pytest.raises(ParameterError) as e:
        check_preview_budget(width, height, frames)
    import re

    message = str(e.value)
    max_frames = int(re.search(r"at most (\d+) frames", message).group(1))
    w, h = map(int, re.search(r"at most (\d+)x(\d+) for", message).groups())
    check_preview_budget(width, height, max_frames)   # the advice fits...
    check_preview_budget(w, h, frames)
    with pytest.raises(ParameterError):
        check_preview_budget(width, height, max_frames + 1)  # ...and is the most that does


def test_render_preview_checks_the_cap_on_the_image_it_is_given():
    big = np.zeros((1000, 1000, 3), np.uint8)
    t = time.perf_counter()
    with pytest.raises(ParameterError, match="at most 600 frames"):
        i2v_nb.synthesis.render_preview(big, "zoom in", num_frames=1000)
    with pytest.raises(ParameterError, match="fps"):
        i2v_nb.synthesis.render_preview(big[:32, :32], "zoom in", num_frames=2, fps=0)
    assert time.perf_counter() - t < 2


def test_sizes_that_fit_after_derivation_are_rendered():
    clip = i2v_nb.generate(np.full((40, 80, 3), 90, np.uint8), "zoom in", width=64, num_frames=2)
    assert (clip.width, clip.height) == (64, 32)


# ------------------------------------------------------------------------------ item 7: the CLI

@pytest.mark.parametrize("name", ["mona_lisa", "", "Lake", "lake.png", "l\udcffake"])
def test_cli_unknown_sample_lists_the_samples(capsys, name):
    code, _, err = run_cli(["demo", "--sample", name, "--history", "h"], capsys)
    assert code == 2 and "invalid choice" in err and "astronaut" in err and "rocket" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", ["nope", "gpt-4", "ltx", ""])
def test_cli_unknown_model_lists_the_models(capsys, image_file, name):
    code, _, err = run_cli(["generate", str(image_file), "--model", name], capsys)
    assert code == 2 and "--model" in err and "ltx-video" in err and "preview" in err


def test_sample_image_refuses_bad_names_with_parameter_error():
    for name in ("mona", 3, None):
        with pytest.raises(ParameterError, match="choose one of astronaut"):
            i2v_nb.sample_image(name)


def test_cli_creates_missing_output_folders_for_every_job(tmp_path, capsys, image_file):
    clip = tmp_path / "a" / "b" / "clip.gif"
    code, out, err = run_cli(["generate", str(image_file), "pan left", "--out", str(clip),
                              "--frames", "3", "--width", "32"], capsys)
    assert code == 0 and clip.exists() and clip.with_suffix(".json").exists(), err
    fig, js = tmp_path / "c" / "d" / "r.png", tmp_path / "e" / "r.json"
    code, _, err = run_cli(["analyze", str(image_file), "--out", str(fig), "--json", str(js),
                            "--dpi", "20"], capsys)
    assert code == 0 and fig.exists() and json.loads(js.read_text()), err
    fig2, csv = tmp_path / "f" / "d.svg", tmp_path / "g" / "h" / "d.csv"
    code, _, err = run_cli(["diagnose", str(clip), "--out", str(fig2), "--csv", str(csv),
                            "--dpi", "20"], capsys)
    assert code == 0 and fig2.exists() and len(csv.read_text().splitlines()) == 4, err


@pytest.mark.parametrize("argv,words", [
    (["generate", "{img}", "--out", "clip.avi"], ["--out clip.avi", "'.avi'", ".mp4"]),
    (["generate", "{img}", "--out", "clip"], ["without an extension", ".webm"]),
    (["generate", "{img}", "--out", "clip.MP3"], ["'.mp3'"]),
    (["generate", "{img}", "--out", "{file}/clip.mp4"], ["is a file, not a folder"]),
    (["generate", "{img}", "--out", "{dir}"], ["is a folder"]),
    (["generate", "{img}", "--out", "x.gif", "--fps", "60"], ["--fps 60", ".gif", "50"]),
    (["analyze", "{img}", "--out", "report.xyz"], ["'.xyz'", ".png", ".svg"]),
    (["analyze", "{img}", "--out", "report"], ["without an extension"]),
    (["analyze", "{img}", "--json", "{file}/r.json"], ["--json", "is a file"]),
    (["diagnose", "{vid}", "--out", "r.doc"], ["'.doc'", ".pdf"]),
    (["diagnose", "{vid}", "--csv", "{dir}"], ["--csv", "is a folder"]),
    (["generate", "{img}", "--history", "{file}/h"], ["--history", "is a file, not a folder"]),
    (["generate", "{img}", "--history", "{file}"], ["HistoryError", "is a file"]),
    (["demo", "--history", "{file}/deeper/h"], ["--history", "is a file, not a folder"]),
])
def test_cli_bad_outputs_are_refused_before_any_work(tmp_path, capsys, monkeypatch, image_file,
                                                     video_file, argv, words):
    (tmp_path / "plain.txt").write_text("x")
    (tmp_path / "folder").mkdir()
    work = Spy()
    for name in ("generate", "analyze", "continuity_report"):
        monkeypatch.setattr(i2v_nb, name, work)
    argv = [a.format(img=image_file, vid=video_file, file=tmp_path / "plain.txt",
                     dir=tmp_path / "folder") for a in argv]
    code, _, err = run_cli(argv, capsys)
    line = assert_one_line_error(err)
    assert code == 2 and work.calls == 0
    for word in words:
        assert word in line, (word, line)


@pytest.mark.parametrize("dpi", ["0", "-5", "nan", "inf", "1e9", "abc", "5"])
@pytest.mark.parametrize("job", ["analyze", "diagnose"])
def test_cli_bad_dpi(capsys, dpi, job):
    code, _, err = run_cli([job, "x.png", "--out", "r.png", "--dpi", dpi], capsys)
    assert code == 2 and "argument --dpi" in err and "10 to 600" in err


@pytest.mark.parametrize("setup,state", [("missing", "does not exist yet"),
                                         ("empty", "has no clips yet")])
def test_cli_empty_history_is_one_line(tmp_path, capsys, setup, state):
    if setup == "empty":
        (tmp_path / "h").mkdir()
    code, out, err = run_cli(["history", "--history", str(tmp_path / "h")], capsys)
    line = assert_one_line_error(err)
    assert code == 2 and state in line and "i2v-nb demo --history" in line and out == ""


@pytest.mark.parametrize("argv,kind", [
    (["generate", "{missing}", "zoom in"], "ImageInputError: no file at"),
    (["analyze", "{missing}"], "ImageInputError: no file at"),
    (["diagnose", "{missing_mp4}"], "VideoInputError: no video file"),
    (["diagnose", "{vid}", "--reference", "{missing}"], "ImageInputError: no file at"),
    (["generate", "{bad_png}"], "ImageInputError"),
    (["analyze", "{bad_png}"], "ImageInputError"),
    (["analyze", "{text_png}"], "ImageInputError"),
    (["diagnose", "{bad_mp4}"], "VideoInputError"),
    (["diagnose", "{bad_gif}"], "VideoInputError"),
    (["diagnose", "{img}"], "VideoInputError"),
])
def test_cli_missing_or_damaged_inputs(tmp_path, capsys, image_file, video_file, argv, kind):
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)
    (tmp_path / "text.png").write_text("hello, not a picture")
    (tmp_path / "bad.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"x" * 200)
    (tmp_path / "bad.gif").write_bytes(b"GIF89a" + b"\x01" * 40)
    names = dict(missing=tmp_path / "none.png", missing_mp4=tmp_path / "none.mp4",
                 bad_png=tmp_path / "bad.png", text_png=tmp_path / "text.png",
                 bad_mp4=tmp_path / "bad.mp4", bad_gif=tmp_path / "bad.gif", img=image_file,
                 vid=video_file)
    code, _, err = run_cli([a.format(**names) for a in argv], capsys)
    line = assert_one_line_error(err)
    assert code == 2 and kind in line
    assert "ffmpeg version" not in line and "configuration:" not in line and len(line) < 700


FFMPEG_STDERR = """ffmpeg version 7.0.2-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2000
  built with gcc 8 (Debian 8.3.0-6)
  configuration: --enable-gpl --enable-version3 --enable-static --disable-debug
  libavutil      59.  8.100 / 59.  8.100
  libavcodec     61.  3.100 / 61.  3.100
-vsync is deprecated. Use -fps_mode
[mov,mp4,m4a,3gp,3g2,mj2 @ 0x32638f80] moov atom not found
[in#0 @ 0x32638c80] Error opening input: Invalid data found when processing input
Error opening input file bad.mp4.
"""


@pytest.mark.parametrize("message,expected", [
    (f"could not decode 'bad.mp4' (RuntimeError: {FFMPEG_STDERR}); it may be damaged",
     "could not decode 'bad.mp4' (RuntimeError: moov atom not found); it may be damaged"),
    (f"could not decode 'a.mp4' ({FFMPEG_STDERR[:150]}); it may be damaged",  # cut by the caller
     "could not decode 'a.mp4'; it may be damaged"),
    (f"ffmpeg failed: {FFMPEG_STDERR.replace('moov atom not found', 'x.mp4: Permission denied')}",
     "ffmpeg failed: x.mp4: Permission denied"),
    ("ffmpeg version 6\n  built with gcc\nUnknown encoder 'libx265'\n",
     "Unknown encoder 'libx265'"),
    ("two\nlines", "two lines"),
    ("one line", "one line"),
])
def test_ffmpeg_errors_are_condensed_to_the_line_that_matters(message, expected):
    assert one_line(message) == expected


@pytest.mark.parametrize("message,expected", [
    ("use model='preview' for the CPU", "use --model preview for the CPU"),
    ("num_frames=0 for the preview engine", "--frames 0 for the preview engine"),
    ("num_frames 50 -> 49 for ltx-video", "--frames 50 -> 49 for ltx-video"),
    ("num_inference_steps=0 for tiny-wan", "--steps 0 for tiny-wan"),
    ("guidance_scale=-1 for x; min_guidance_scale=2", "--guidance -1 for x; min_guidance_scale=2"),
    ("fps=5000.0 for the preview engine", "--fps 5000.0 for the preview engine"),
    ("or use depth='classical' (no weights)", "or use --depth classical (no weights)"),
    ("device='gpu' is not a device", "--device gpu is not a device"),
    ("model='my model'", "--model 'my model'"),
    ("seed=-1 is out of range", "--seed -1 is out of range"),
    ("a width of 3 and max_width=4", "a width of 3 and max_width=4"),
])
def test_messages_speak_in_the_cli_terms(message, expected):
    assert cli_terms(message) == expected


@pytest.mark.parametrize("argv,words,absent", [
    (["--frames", "0"], ["--frames 0"], ["num_frames"]),
    (["--fps", "nan"], ["--fps nan", "finite"], ["fps="]),
    (["--fps", "5000"], ["--fps 5000", "240"], ["fps="]),
    (["--width", "3"], ["--width 3", "16 to 4096"], ["width="]),
    (["--seed", "-1"], ["--seed -1"], ["seed="]),
    (["--frames", "1" + "0" * 120], ["--frames 1e+120"], ["num_frames", "OverflowError"]),
    (["--width", "4000", "--frames", "1000"], ["at most", "frames", "GB"], []),
    (["--model", "tiny-wan", "--device", "gpu"], ["--device gpu", "did you mean 'cuda'"],
     ["device="]),
    (["--model", "tiny-wan", "--guidance", "-2"], ["--guidance -2", ">= 0"], ["guidance_scale"]),
    (["--model", "tiny-wan", "--steps", "0"], ["--steps 0"], ["num_inference_steps"]),
])
def test_cli_parameter_errors_are_one_line_in_cli_terms(capsys, monkeypatch, image_file, argv,
                                                        words, absent):
    engine = Spy()
    monkeypatch.setattr(backend_module, "get_backend", lambda name: engine)
    code, _, err = run_cli(["generate", str(image_file), "zoom in", *argv], capsys)
    line = assert_one_line_error(err)
    assert code == 2 and engine.calls == 0
    for word in words:
        assert word in line, (word, line)
    for word in absent:
        assert word not in line, (word, line)


@pytest.mark.skipif(i2v_nb.synthesis.cuda_available(), reason="with a GPU the model would load")
def test_cli_no_gpu_message_names_the_flag(capsys, image_file):
    code, _, err = run_cli(["generate", str(image_file), "--model", "ltx-video"], capsys)
    line = assert_one_line_error(err)
    assert code == 2 and "ModelUnavailable" in line and "--model preview" in line


def test_cli_snapped_parameters_warn_in_one_line(capsys, image_file, tmp_path):
    code, _, err = run_cli(["generate", str(image_file), "--width", "33", "--frames", "2",
                            "--out", str(tmp_path / "c.mp4")], capsys)
    assert code == 0
    (line,) = [ln for ln in err.splitlines() if ln.startswith("i2v-nb: warning:")]
    assert "--width 33 -> 34" in line or "width 33 -> 34" in line


def test_cli_undecodable_arguments(tmp_path, capsys, image_file):
    """Bytes that are not UTF-8 (a Latin-1 terminal): file names work, the prompt is kept with
    escapes, and missing files are reported in one printable line."""
    odd = tmp_path / os.fsdecode(b"caf\xe9.png")
    odd.write_bytes(image_file.read_bytes())
    out_json = tmp_path / os.fsdecode(b"r\xe9sum\xe9.json")
    code, out, err = run_cli(["analyze", str(odd), "--json", str(out_json)], capsys)
    assert code == 0 and out_json.exists() and "\\udce9" in out, err
    clip_path = tmp_path / "c.mp4"
    code, out, err = run_cli(["generate", str(odd), os.fsdecode(b"zoom in, caf\xe9"), "--out",
                              str(clip_path), "--frames", "2", "--width", "32"], capsys)
    assert code == 0, err
    assert "not UTF-8" in err and "\\xe9" in err
    assert i2v_nb.read_video(clip_path).metadata["prompt"] == "zoom in, caf\\xe9"
    code, _, err = run_cli(["analyze", os.fsdecode(b"/nowhere/\xff\xfe.png")], capsys)
    line = assert_one_line_error(err)
    assert code == 2 and "\\udcff" in line
    err.encode("utf-8")  # printable as it is


def test_cli_keyboard_interrupt_exits_130_quietly(capsys, monkeypatch, image_file):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(i2v_nb, "generate", interrupted)
    code, _, err = run_cli(["generate", str(image_file)], capsys)
    assert code == 130 and err.strip() == "i2v-nb: interrupted"


@pytest.mark.parametrize("exc,words", [
    (OSError(errno.ENOSPC, "No space left on device", "clip.mp4"),
     ["No space left on device", "'clip.mp4'", "free some disk space"]),
    (PermissionError(errno.EACCES, "Permission denied", "/x/clip.mp4"),
     ["Permission denied", "check the permissions"]),
    (IsADirectoryError(errno.EISDIR, "Is a directory", "out"), ["Is a directory", "'out'"]),
])
def test_cli_file_system_errors_are_one_line(capsys, monkeypatch, image_file, exc, words):
    def fail(*args, **kwargs):
        raise exc

    monkeypatch.setattr(i2v_nb.Clip, "save", fail)
    code, _, err = run_cli(["generate", str(image_file), "--frames", "2", "--width", "32"],
                           capsys)
    line = assert_one_line_error(err)
    assert code == 2 and all(w in line for w in words), line


@pytest.mark.parametrize("exc", [ZeroDivisionError("bug"), KeyError("bug"),
                                 OSError(errno.EBADF, "Bad file descriptor")])
def test_cli_internal_errors_keep_their_traceback(monkeypatch, image_file, exc):
    def bug(*args, **kwargs):
        raise exc

    monkeypatch.setattr(i2v_nb, "analyze", bug)
    with pytest.raises(type(exc)):
        main(["analyze", str(image_file)])


@pytest.mark.parametrize("job,words", [
    ("generate", ["ltx-video", "wan2.1-i2v-480p", "tiny-wan", "preview", "mp4/webm/gif/webp",
                  "auto,fast,balanced,low-vram", "cuda:N"]),
    ("demo", ["astronaut,chelsea,coffee,lake,rocket"]),
    ("analyze", ["auto,model,classical", "10 to 600"]),
    ("diagnose", ["10 to 600", "mp4/webm/gif/webp"]),
    ("history", ["--history"]),
])
def test_cli_help_lists_the_choices(capsys, job, words):
    code, out, _ = run_cli([job, "--help"], capsys)
    flat = " ".join(out.split())
    assert code == 0
    for word in words:
        assert word in flat, (word, flat)


def test_cli_help_and_errors_as_a_subprocess_on_a_c_locale(tmp_path):
    """The console entry point: --help imports no torch, and a non-UTF-8 file name on a C locale
    gives one line and status 2."""
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "HF_HUB_OFFLINE": "1"}
    env.pop("PYTHONIOENCODING", None)
    code = ("import sys; from i2v_nb.cli import main\n"
            "try:\n    main(['generate', '--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('torch', 'diffusers', 'transformers', 'cv2')\n"
            "         if m in sys.modules]\n"
            "print('HEAVY', heavy)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert "HEAVY []" in done.stdout and "ltx-video" in done.stdout, done.stderr
    done = subprocess.run([sys.executable, "-m", "i2v_nb", "analyze", b"/nowhere/\xff.png"],
                          capture_output=True, env=env, cwd=tmp_path, timeout=120)
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2 and "Traceback" not in err, err
    assert err.strip().count("\n") == 0 and err.startswith("i2v-nb: error: ImageInputError")


# ------------------------------------------------------------------------------ item 8: offline

@pytest.fixture
def online(monkeypatch):
    """Hub look-ups allowed (conftest sets HF_HUB_OFFLINE=1 for everything else)."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY",
                "all_proxy"):
        monkeypatch.delenv(var, raising=False)


def _offline_loaders():
    from i2v_nb.analysis.depth import load_depth_model
    from i2v_nb.diagnostics.features import load_feature_model
    from i2v_nb.synthesis.diffusers_backend import load_pipeline

    return {
        "depth": (lambda: load_depth_model("no-such-org/no-such-depth-model"),
                  "no-such-org/no-such-depth-model", "depth='classical'"),
        "feature": (lambda: load_feature_model("no-such-org/no-such-dino"),
                    "no-such-org/no-such-dino", "feature model out"),
        "diffusers": (lambda: load_pipeline("ltx-video", device="cpu"), "Lightricks/LTX-Video",
                      "model='preview'"),
    }


@pytest.mark.parametrize("which", ["depth", "feature", "diffusers"])
def test_offline_hub_lookups_fail_in_seconds(monkeypatch, which):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    load, repo, fallback = _offline_loaders()[which]
    t = time.perf_counter()
    with pytest.raises(ModelUnavailable) as e:
        load()
    assert time.perf_counter() - t < 10
    message = str(e.value)
    for word in (repo, "offline", "HF_HUB_OFFLINE", f"hf download {repo}", fallback):
        assert word in message, (word, message)


@pytest.mark.parametrize("which", ["depth", "feature", "diffusers"])
@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:9", "http://no-such-host.invalid"])
def test_unreachable_hub_fails_in_seconds(online, monkeypatch, which, endpoint):
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    load, repo, fallback = _offline_loaders()[which]
    t = time.perf_counter()
    with pytest.raises(ModelUnavailable) as e:
        load()
    assert time.perf_counter() - t < 10
    message = str(e.value)
    for word in (repo, "not reachable", f"hf download {repo}", fallback):
        assert word in message, (word, message)


def test_a_loaded_pipeline_survives_an_offline_lookup(monkeypatch):
    from i2v_nb.synthesis.diffusers_backend import load as db

    sentinel = object()
    monkeypatch.setitem(db._CACHE, "key", ("tiny-wan", "fast", "float32", "cpu"))
    monkeypatch.setitem(db._CACHE, "pipe", sentinel)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailable):
        db.load_pipeline("ltx-video", device="cpu")
    assert db._CACHE["pipe"] is sentinel  # not dropped for a model that could not come


@pytest.mark.parametrize("mode,why", [("offline", "HF_HUB_OFFLINE is set"),
                                      ("unreachable", "connection was refused")])
def test_cli_analyze_depth_model_offline_is_fast_and_one_line(capsys, monkeypatch, image_file,
                                                               mode, why):
    from i2v_nb.analysis import depth as depth_module

    monkeypatch.setattr(depth_module, "_MODELS", {})
    if mode == "offline":
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    else:
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    t = time.perf_counter()
    code, _, err = run_cli(["analyze", str(image_file), "--depth", "model"], capsys)
    assert time.perf_counter() - t < 10
    line = assert_one_line_error(err)
    assert code == 2 and "ModelUnavailable" in line and "--depth classical" in line
    assert "hf download depth-anything/Depth-Anything-V2-Small-hf" in line and why in line


def test_hub_helpers(tmp_path, online, monkeypatch, http_server):
    from i2v_nb import _hub

    assert _hub.hub_load_mode(str(tmp_path), what="x") == "local"
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    t = time.perf_counter()
    assert "refused" in _hub.hub_unreachable()
    assert time.perf_counter() - t < 3
    monkeypatch.setenv("HF_ENDPOINT", http_server[0])
    assert _hub.hub_unreachable() is None
    assert _hub.hub_load_mode("org/some-model", what="x") == "hub"
    monkeypatch.setenv("HF_HUB_OFFLINE", "yes")
    assert _hub.hub_offline()
