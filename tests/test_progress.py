"""Progress bars by default on every long call (issue 17, item 9): one rule, i2v_nb._progress."""

from __future__ import annotations

import numpy as np
import pytest

import i2v_nb
from i2v_nb._progress import check_progress, progress_reporter
from i2v_nb.errors import ParameterError


@pytest.fixture
def bars(monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)  # the suite turns bars off; not here
    # and stderr is captured, not a terminal: say it is one (a pipe or a log file gets no bar)
    monkeypatch.setattr("i2v_nb._progress._interactive", lambda: True)


def _clip():
    frames = np.random.default_rng(0).integers(0, 255, (4, 32, 48, 3), dtype=np.uint8)
    return i2v_nb.Clip(frames, fps=8)


def test_a_bar_by_default_nothing_with_false(bars, capsys):
    i2v_nb.interpolate(_clip(), factor=2)
    err = capsys.readouterr().err
    assert "interpolate" in err and "3/3" in err
    i2v_nb.upscale(_clip(), scale=2, progress=False)
    assert capsys.readouterr().err == ""


def test_a_function_gets_done_total_and_preview(bars, capsys):
    calls = []
    i2v_nb.upscale(_clip(), scale=2, progress=lambda *a: calls.append(a))
    assert calls == [(i, 4, None) for i in range(1, 5)]
    assert capsys.readouterr().err == ""  # a function replaces the bar


@pytest.mark.parametrize("bad", ["yes", 3, ["x"]])
def test_anything_else_is_refused_with_the_choices(bad):
    with pytest.raises(ParameterError, match="None .*False .*previews"):
        check_progress(bad)


def test_previews_outside_a_notebook_keep_the_bar(bars, capsys):
    report, close = progress_reporter("previews", desc="steps")
    report(1, 2, np.zeros((8, 8, 3), np.uint8))
    report(2, 2, np.zeros((8, 8, 3), np.uint8))
    close()
    assert "steps" in capsys.readouterr().err


def test_generate_and_generate_many_show_bars_by_default(bars, capsys):
    image = np.full((48, 64, 3), 120, np.uint8)
    i2v_nb.generate(image, "slow zoom in", num_frames=4, width=64, height=48)
    err = capsys.readouterr().err
    assert "generate (preview)" in err and "4/4" in err
    i2v_nb.generate(image, "slow zoom in", num_frames=4, width=64, height=48, progress=False)
    assert capsys.readouterr().err == ""
    i2v_nb.generate_many(image, ["zoom in", "pan left"], [0], num_frames=3, width=64, height=48)
    err = capsys.readouterr().err
    assert "generate_many" in err and "2/2" in err and "generate (preview)" not in err
    with pytest.raises(ParameterError, match="progress="):
        i2v_nb.generate(image, "", num_frames=2, progress="loud")


def test_long_reports_and_model_analyses_show_bars_short_ones_do_not(bars, capsys):
    from i2v_nb.diagnostics.report import PROGRESS_MIN_FRAMES

    frames = np.random.default_rng(1).integers(0, 255, (PROGRESS_MIN_FRAMES, 32, 32, 3),
                                               dtype=np.uint8)
    i2v_nb.continuity_report(frames[:8])
    assert capsys.readouterr().err == ""  # a second's work: no bar
    i2v_nb.continuity_report(frames)
    err = capsys.readouterr().err
    assert "continuity report" in err and f"{PROGRESS_MIN_FRAMES}/{PROGRESS_MIN_FRAMES}" in err
    image = np.full((48, 64, 3), 100, np.uint8)
    i2v_nb.analyze(image, depth="classical")
    assert capsys.readouterr().err == ""
    steps = []
    i2v_nb.analyze(image, depth="classical", progress=lambda *a: steps.append(a[:2]))
    assert steps == [(k, 6) for k in range(1, 7)]


def test_no_bar_into_a_log_file_or_a_pipe(monkeypatch, capsys):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    i2v_nb.interpolate(_clip(), factor=2)  # stderr is captured here: not a terminal
    assert capsys.readouterr().err == ""
