"""The one plotting style: notebook-wide figures, keyed colour bars, framed masks, a flow colour
wheel that agrees with the flow colours, legible legends, and the package's plots drawn with it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from i2v_nb import plotting


def test_importing_the_helpers_does_not_import_matplotlib():
    code = "import sys, i2v_nb.plotting; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_figures_stay_within_notebook_width_and_leave_pyplot_alone():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig, axes = plotting.figure(2, 3, width=24.0)
    assert fig.get_figwidth() == plotting.NOTEBOOK_WIDTH and axes.shape == (2, 3)
    assert fig.get_figheight() == pytest.approx(5.2)
    assert fig._repr_png_().startswith(b"\x89PNG")  # shows inline without pyplot
    assert plotting.blank(width=30).get_figwidth() == plotting.NOTEBOOK_WIDTH
    assert plt.get_fignums() == before


def test_colour_bar_ends_say_what_they_mean():
    fig, ax = plotting.figure(height=2.5)
    plotting.show_map(ax, np.linspace(0, 1, 20).reshape(4, 5), vmin=0, vmax=1,
                      ends=("near", "far"), label="depth")
    bar = fig.axes[-1]
    fig.canvas.draw()
    assert [t.get_text() for t in bar.get_yticklabels()] == ["0 · near", "1 · far"]
    assert bar.get_ylabel() == "depth"


def test_masks_are_framed_and_captioned_with_their_share():
    fig, (a, b) = plotting.figure(1, 2, height=2.5)
    mask = np.zeros((20, 40), bool)
    mask[:, :10] = True
    plotting.show_mask(a, mask, title_text="sky")
    plotting.show_mask(b, mask, image=np.full((20, 40, 3), 255, np.uint8))  # white on white
    for ax in (a, b):
        assert all(s.get_visible() for s in ax.spines.values())
        assert ax.get_xticks().size == 0 and ax.get_yticks().size == 0
    assert a.get_title() == "sky (25% of the frame)"
    thin = np.zeros((100, 100), bool)
    thin[0, :30] = True
    plotting.show_mask(a, thin, title_text="edges")
    assert a.get_title() == "edges (0.3% of the frame)"
    rgb = b.get_images()[0].get_array()
    assert rgb[0, 0].tolist() != rgb[0, -1].tolist()  # the mask stands out of the white image


def test_flow_wheel_colours_agree_with_the_flow_colours():
    from i2v_nb.diagnostics.flow import flow_to_rgb

    fig, ax = plotting.figure(height=3)
    ax.imshow(np.zeros((50, 50, 3)))
    wheel = plotting.flow_wheel(ax, flow_to_rgb)
    rgba = wheel.get_images()[1].get_array()
    n = rgba.shape[0]
    c = n // 2
    right = np.zeros((1, 1, 2), np.float32)
    right[..., 0] = 1.0
    down = np.zeros((1, 1, 2), np.float32)
    down[..., 1] = 1.0
    for (row, col), flow in (((c, n - 2), right), ((n - 2, c), down)):
        expect = flow_to_rgb(flow, max_magnitude=1.0)[0, 0] / 255.0
        assert np.abs(np.asarray(rgba[row, col, :3]) - expect).max() < 0.1
    assert rgba[0, 0, 3] == 0 and rgba[c, c, 3] == 1  # a disc: corners transparent
    marks = {t.get_text() for t in wheel.texts}
    assert marks == {"→", "←", "↑", "↓"}


def test_long_titles_wrap_to_their_panel_short_ones_do_not():
    fig, axes = plotting.figure(1, 4)
    plotting.title(axes[0], "frame 12 (flagged)")
    assert "\n" not in axes[0].get_title()
    plotting.title(axes[1], "a very long title that would run into the next panel of the row "
                            "if it were not wrapped to the width of its own panel")
    lines = axes[1].get_title().split("\n")
    assert len(lines) >= 3 and max(map(len, lines)) < 40


def test_structure_report_plot_uses_the_style():
    from i2v_nb.analysis import analyze
    from i2v_nb.samples import sample_image

    fig = analyze(sample_image("lake"), depth="classical").plot()
    assert fig.get_figwidth() <= plotting.NOTEBOOK_WIDTH
    fig.canvas.draw()
    labels = {t.get_text() for ax in fig.axes for t in ax.get_yticklabels()}
    assert {"0 · near", "1 · far"} <= labels
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert legends and all(t.get_fontsize() >= plotting.FONT_SIZES["legend"]
                           for lg in legends for t in lg.get_texts())


def test_continuity_report_plots_use_the_style():
    from i2v_nb.diagnostics import continuity_report
    from i2v_nb.samples import sample_image

    base = np.asarray(sample_image("astronaut").resize((160, 160)))
    frames = np.stack([np.roll(base, 2 * t, axis=1) for t in range(8)])
    frames[3] = np.clip(frames[3].astype(int) + 60, 0, 255).astype(np.uint8)  # a flash
    report = continuity_report(frames)
    assert report.flags
    fig = report.plot()
    assert fig.get_figwidth() <= plotting.NOTEBOOK_WIDTH
    wheels = [child for ax in fig.axes for child in ax.child_axes]
    assert len(wheels) == 1  # the colour key beside the colour-coded flow
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert len(legends) == 3 and all(t.get_fontsize() >= plotting.FONT_SIZES["legend"]
                                     for lg in legends for t in lg.get_texts())
    flag = report.show_flag(0)
    assert flag.get_figwidth() <= plotting.NOTEBOOK_WIDTH
