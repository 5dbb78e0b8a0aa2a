"""Offline samples and the parts of the CLI that need no synthesis."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import i2v_nb
from i2v_nb.cli import build_parser, main
from tests.test_history import make_clip


def test_sample_names_and_images():
    names = i2v_nb.sample_names()
    assert names == sorted(names) and {"astronaut", "chelsea", "coffee", "rocket", "lake"} <= set(
        names)
    for name in names:
        image = i2v_nb.sample_image(name)
        assert image.mode == "RGB" and min(image.size) >= 256
        array = np.asarray(image)
        assert array.std() > 20  # a real picture, not a flat fill
    assert np.array_equal(np.asarray(i2v_nb.sample_image("lake")),
                          np.asarray(i2v_nb.sample_image("lake")))  # deterministic


def test_unknown_sample_lists_the_names():
    with pytest.raises(ValueError, match="choose one of.*astronaut"):
        i2v_nb.sample_image("mona_lisa")


def test_cli_history_lists_saved_clips(tmp_path, capsys):
    history = i2v_nb.History(tmp_path / "h")
    entry_id = history.add(make_clip(3, prompt="tilt up"))
    assert main(["history", "--history", str(tmp_path / "h")]) == 0
    out = capsys.readouterr().out
    assert entry_id in out and "seed=3" in out and "'tilt up'" in out


def test_cli_parser_knows_every_job():
    parser = build_parser()
    jobs = {}
    for argv in (["generate", "a.png", "zoom in", "--model", "preview", "--frames", "9"],
                 ["analyze", "a.png", "--out", "r.png"], ["diagnose", "v.mp4", "--out", "r.png"],
                 ["demo"], ["models"], ["history"], ["lab"]):
        args = parser.parse_args(argv)
        assert args.command == argv[0]
        jobs[argv[0]] = args
    assert len({id(a.func) for a in jobs.values()}) == len(jobs)  # one handler per job
    g = jobs["generate"]
    assert (g.image, g.prompt, g.model, g.num_frames, g.seed) == ("a.png", "zoom in", "preview",
                                                                  9, 0)
    assert (jobs["analyze"].out, jobs["analyze"].depth) == ("r.png", "classical")
    assert jobs["demo"].sample == "lake" and jobs["history"].history == "i2v_outputs"
    for argv in ([], ["teleport"], ["generate"], ["generate", "a.png", "--model", "dall-e"]):
        with pytest.raises(SystemExit):
            parser.parse_args(argv)


def test_console_script_and_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "i2v_nb", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == f"i2v_nb {i2v_nb.__version__}"


def test_cli_reports_bad_input_as_a_clear_error(tmp_path, capsys):
    assert main(["history", "--history", str(tmp_path / "h")]) == 2  # nothing to list: one line
    assert "does not exist yet" in capsys.readouterr().err
    (tmp_path / "f").write_text("x")
    assert main(["history", "--history", str(tmp_path / "f")]) == 2
    assert "HistoryError" in capsys.readouterr().err


def test_cli_generate_analyze_diagnose_demo_models(tmp_path, capsys):
    """Every terminal job end to end on the preview engine, from a sample image on disk."""
    image = tmp_path / "lake.png"
    i2v_nb.sample_image("lake").save(image)
    clip_path = tmp_path / "clip.mp4"
    assert main(["generate", str(image), "pan left, clouds drifting", "--out", str(clip_path),
                 "--frames", "8", "--width", "128", "--height", "96", "--seed", "3"]) == 0
    clip = i2v_nb.read_video(clip_path)
    assert (clip.num_frames, clip.width, clip.height) == (8, 128, 96)
    assert clip.metadata["seed"] == 3 and clip.metadata["prompt"] == "pan left, clouds drifting"

    assert main(["analyze", str(image), "--out", str(tmp_path / "a.png"),
                 "--json", str(tmp_path / "a.json")]) == 0
    assert i2v_nb.load_image(tmp_path / "a.png").width > 300
    assert "horizon" in (tmp_path / "a.json").read_text()

    assert main(["diagnose", str(clip_path), "--out", str(tmp_path / "d.png"),
                 "--csv", str(tmp_path / "d.csv")]) == 0
    assert i2v_nb.load_image(tmp_path / "d.png").width > 300
    assert len((tmp_path / "d.csv").read_text().splitlines()) == 9  # header + 8 frames
    out = capsys.readouterr().out
    assert "pan_left" in out  # the camera move asked for is the one diagnosed

    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "ltx-video" in out and "Lightricks/LTX-Video" in out and "preview" in out

    assert main(["demo", "--history", str(tmp_path / "h")]) == 0
    out = capsys.readouterr().out
    mp4 = [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("mp4: ")][0]
    assert i2v_nb.read_video(mp4).num_frames > 8


def test_cli_bad_image_is_a_one_line_error(tmp_path, capsys):
    assert main(["generate", str(tmp_path / "nope.png"), "zoom in"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("i2v-nb: error: ImageInputError: no file at")


def test_cli_lab_opens_the_quickstart_and_forwards_jupyter_options(monkeypatch):
    import subprocess as sp

    calls = []
    monkeypatch.setattr(sp, "call", lambda cmd: calls.append(cmd) or 0)
    assert main(["lab", "--no-browser", "--port", "8890"]) == 0
    (cmd,) = calls
    assert cmd[1:4] == ["-m", "jupyter", "lab"]
    assert "--LabApp.default_url=/lab/tree/notebooks/00_quickstart.ipynb" in cmd
    assert cmd[-3:] == ["--no-browser", "--port", "8890"]
    with pytest.raises(SystemExit):
        main(["models", "--bogus"])  # other jobs still refuse unknown options


def test_a_reader_that_stops_early_is_not_an_error():
    """``i2v-nb models | head -1``: the reader is gone before the list is written."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "i2v_nb", "models"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader leaves at once: every write meets a broken pipe
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0 and "Traceback" not in err, err
