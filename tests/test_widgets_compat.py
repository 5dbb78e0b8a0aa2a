"""The Studio on both widget front ends it supports (ipywidgets 7.7, what Colab ships, and 8.x)
and its Colab-only behaviour with a faked ``google.colab``.

Run this file under each ipywidgets major version: the expectations that differ (which trait a
tooltip or a tab title travels in, the upload wire format) are stated per version, so each run
checks the real package installed. No browser here: ``tests/test_browser.py`` does that.
"""

from __future__ import annotations

import base64
import pathlib
import re
import sys
import tempfile
import types
import warnings

import ipywidgets as W
import numpy as np
import pytest
from PIL import Image

import i2v_nb
from i2v_nb.clip import inline_video_html
from i2v_nb.history import History
from i2v_nb.clip import read_video
from i2v_nb.widgets import DiagnosticsTab, Preview, RunControls, Studio
from i2v_nb.widgets._common import LogView
from i2v_nb.widgets._compat import (
    IPYWIDGETS_MAJOR,
    clear_upload,
    colab_files,
    in_colab,
    set_tooltip,
    titled,
    titles_of,
    tooltip_kwargs,
    tooltip_of,
    upload_entries,
)
from i2v_nb.widgets.studio import TAB_TITLES
from tests.conftest import smooth_image
from tests.test_widgets import browser_upload, walk

V7 = IPYWIDGETS_MAJOR == 7


def test_the_installed_major_version_is_one_we_support():
    assert IPYWIDGETS_MAJOR in (7, 8) and W.__version__.startswith(f"{IPYWIDGETS_MAJOR}.")


# ------------------------------------------------------------------------------ tooltips
@pytest.mark.parametrize("cls", [W.Button, W.Dropdown, W.Checkbox, W.IntSlider, W.FloatSlider])
def test_tooltips_travel_in_the_trait_the_front_end_reads(cls):
    kwargs = tooltip_kwargs(cls, "a hint")
    # ipywidgets 7 has `tooltip` on buttons only; its other widgets show `description_tooltip`
    expected = "description_tooltip" if V7 and cls is not W.Button else "tooltip"
    assert kwargs == {expected: "a hint"}
    widget = cls(description="x", **kwargs)
    assert widget.get_state()[expected] == "a hint"  # what is sent to the front end
    assert tooltip_of(widget) == "a hint"
    set_tooltip(widget, "another")
    assert widget.get_state()[expected] == "another"
    assert tooltip_kwargs(cls, None) == {} and tooltip_kwargs(cls, "") == {}


def test_no_widget_of_the_studio_gets_an_argument_it_would_drop(tmp_path, monkeypatch):
    import importlib

    gen = importlib.import_module("i2v_nb.synthesis.generate")
    monkeypatch.setattr(gen, "cuda_available", lambda: True)
    with warnings.catch_warnings():
        # traitlets' warning for an unknown keyword (ipywidgets 7 + `tooltip=` on a Dropdown)
        warnings.filterwarnings("error", message=".*unrecognized arguments.*")
        studio = Studio(history=tmp_path / "h", auto_suggest=False, include_tiny=True)
        params = studio.parameters
        with_knobs = 0
        for name in [v for _label, v in params.model_select.options]:
            params.model = name  # builds the knob widgets of every preset
            for knob_name, widget in params.knob_widgets.items():
                help_text = params.preset.knobs[knob_name].help
                if help_text:
                    assert tooltip_of(widget) == help_text, (name, knob_name)
                    with_knobs += 1
        assert with_knobs > 0
        studio.image_input.load("lake")
        studio.prompt_input.image = i2v_nb.sample_image("lake")
        studio.prompt_input.suggest(wait=True)
        assert studio.prompt_input.suggestion_box.children
        suggestion = studio.prompt_input.suggestion_box.children[0]
        assert tooltip_of(suggestion) == studio.prompt_input.suggestions[0]
    assert tooltip_of(params.profile).startswith("GPU memory profile")
    assert tooltip_of(params.new_seed_button) == "pick a random seed"


def test_no_widget_sends_a_none_tooltip_that_the_front_end_shows_as_null(tmp_path, monkeypatch):
    """ipywidgets 8 writes a None ``tooltip`` into the page as ``title="null"`` (every label,
    HTML widgets included, and the upload button): each widget on screen gets its description
    or "" — also those made later (knobs of another model, gallery cards, suggestions)."""
    import importlib

    gen = importlib.import_module("i2v_nb.synthesis.generate")
    monkeypatch.setattr(gen, "cuda_available", lambda: True)
    plain = W.VBox([W.HTML("x"), W.Dropdown(options=["a"], description="Pick"), W.FileUpload()])
    name = "tooltip" if "tooltip" in W.HTML.class_trait_names() else "description_tooltip"
    assert getattr(plain.children[0], name) is None  # what ipywidgets leaves by default

    studio = Studio(history=tmp_path / "h", auto_suggest=False, include_tiny=True)
    studio.image_input.load("lake")
    studio.parameters.frames.value = 3
    studio.generate(wait=True)
    studio.generate(wait=True)  # two cards in the gallery
    for model in [v for _label, v in studio.parameters.model_select.options]:
        studio.parameters.model = model  # rebuilds the parameter controls
    studio.prompt_input.image = i2v_nb.sample_image("lake")
    studio.prompt_input.suggest(wait=True)
    assert studio.prompt_input.suggestion_box.children and studio.gallery.entry_ids
    checked = 0
    for widget in walk(studio):
        state = widget.get_state()
        for trait in ("tooltip", "description_tooltip"):
            if trait in state:
                assert state[trait] is not None, (type(widget).__name__, trait)
                checked += 1
    assert checked > 100
    upload = studio.image_input.upload
    assert tooltip_of(upload) == "Upload image"
    card_button = studio.gallery.grid.children[0].children[2].children[0]
    assert tooltip_of(card_button) == "Show"
    assert tooltip_of(params_button := studio.parameters.new_seed_button) == "pick a random seed"
    assert params_button.description == "New seed"


# ------------------------------------------------------------------------------ titles
def test_tab_titles_reach_the_front_end(tmp_path):
    studio = Studio(history=tmp_path / "h", auto_suggest=False)
    assert titles_of(studio.tabs) == list(TAB_TITLES)
    state = studio.tabs.get_state()
    if V7:
        assert state["_titles"] == {str(i): t for i, t in enumerate(TAB_TITLES)}
    else:
        assert list(state["titles"]) == list(TAB_TITLES)
    accordion = titled(W.Accordion, [W.HTML("a"), W.HTML("b")], ["one", "two"],
                       selected_index=None)
    assert titles_of(accordion) == ["one", "two"] and accordion.selected_index is None


def test_every_state_sent_to_the_front_end_is_json(tmp_path):
    import json

    from ipywidgets.widgets.widget import _remove_buffers

    studio = Studio(history=tmp_path / "h", auto_suggest=False, image="lake")
    studio.parameters.frames.value = 3
    studio.generate(wait=True)
    models = set()
    for widget in walk(studio):
        state, _paths, _buffers = _remove_buffers(widget.get_state())
        json.dumps(state)  # what the comm sends; raises for anything the front end cannot read
        models.add(state["_model_name"])
    assert "OutputModel" not in models and {"TabModel", "HTMLModel"} <= models


# ------------------------------------------------------------------------------ no Output
def test_the_studio_never_creates_an_output_widget(tmp_path, monkeypatch):
    """widgetsnbextension 3.6.10's front end cannot create an Output and blanks the Studio."""
    created = []

    class NoOutput(W.Output):
        def __init__(self, *args, **kwargs):
            created.append(self)
            raise AssertionError("an Output widget was created")

    for module in (W, sys.modules["ipywidgets.widgets"]):
        monkeypatch.setattr(module, "Output", NoOutput)

    studio = Studio(history=tmp_path / "h", auto_suggest=False)
    studio.image_input.load(smooth_image(64, 96))
    studio.parameters.frames.value = 3
    assert studio.generate(wait=True).num_frames == 3
    run = RunControls(lambda: {"image": smooth_image(), "num_frames": 0})
    run.start()
    run.wait(60)
    assert run.outcome == "error" and "Traceback" in run.error_log.text
    tab = DiagnosticsTab()
    tab.clip = studio.clip
    assert tab.run(wait=True) and tab.report is not None
    assert created == []
    assert not [w for w in walk(studio) if isinstance(w, W.Output)]
    # every log is placed on screen
    logs = [w for w in walk(studio) if isinstance(w, LogView)]
    assert studio.run_controls.error_log in logs and studio.diagnostics.error_log in logs


def test_log_view_keeps_the_newest_entries_escaped():
    log = LogView("Log", max_entries=3, max_chars=50)
    assert log.value == ""
    for i in range(5):
        log.append(f"entry {i} <script>")
    assert log.entries == ["entry 2 <script>", "entry 3 <script>", "entry 4 <script>"]
    assert "&lt;script&gt;" in log.value and "<script>" not in log.value
    assert "3 entries" in log.value
    log.append("x" * 200)
    assert log.entries[-1] == "…" + "x" * 50
    log.clear()
    assert log.value == "" and log.text == ""


# ------------------------------------------------------------------------------ uploads
def test_upload_entries_read_both_formats():
    v8 = ({"name": "a.png", "type": "image/png", "size": 3, "content": memoryview(b"abc")},)
    v7 = {"b.png": {"metadata": {"name": "b.png"}, "content": b"xyz"}}
    assert upload_entries(v8) == [("a.png", b"abc")]
    assert upload_entries(v7) == [("b.png", b"xyz")]
    assert upload_entries(()) == [] and upload_entries({}) == []


def test_a_real_file_upload_is_read_then_cleared_and_the_same_file_seen_again():
    upload = W.FileUpload(accept="image/*", multiple=False)
    seen = []
    upload.observe(lambda c: seen.append(upload_entries(c["new"])), names="value")
    browser_upload(upload, "a.png", b"first")
    assert seen == [[("a.png", b"first")]]
    assert upload_entries(upload.value) == [("a.png", b"first")]
    clear_upload(upload)
    assert upload_entries(upload.value) == [] and seen[-1] == []
    if V7:  # the front end's counter and file lists are reset too
        assert (upload._counter, upload.metadata, upload.data) == (0, [], [])
    else:
        assert list(upload.get_state()["value"]) == []
    browser_upload(upload, "a.png", b"first")  # the same file again is a new value
    assert seen[-1] == [("a.png", b"first")]
    n = len(seen)
    clear_upload(upload)
    clear_upload(upload)  # emptying an empty upload changes nothing
    assert len(seen) == n + 1


# ------------------------------------------------------------------------------ inline video
def _video_frames(html: str) -> np.ndarray:
    data = base64.b64decode(re.search(r'src="data:video/mp4;base64,([^"]+)"', html).group(1))
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "v.mp4"
        path.write_bytes(data)
        return read_video(path).frames


def _noisy_clip(num_frames: int, height: int = 64, width: int = 96) -> i2v_nb.Clip:
    rng = np.random.default_rng(0)
    return i2v_nb.Clip(rng.integers(0, 256, (num_frames, height, width, 3), dtype=np.uint8),
                       fps=12)


def test_inline_video_is_downscaled_and_capped_and_the_clip_kept():
    clip = _noisy_clip(30)
    before = clip.frames.copy()
    html, note = inline_video_html(clip)
    assert note is None and _video_frames(html).shape == (30, 64, 96, 3)

    html, note = inline_video_html(clip, max_size=48, max_frames=10)
    assert _video_frames(html).shape == (10, 32, 48, 3)
    assert "downscaled to 48×32" in note and "first 10 of 30 frames" in note

    # a byte budget that holds about a third of the clip: fewer frames, never over the budget
    full = len(inline_video_html(clip)[0])
    html, note = inline_video_html(clip, max_bytes=full // 3)
    shown = _video_frames(html).shape[0]
    assert len(html) <= full // 3 and 1 <= shown < 30 and f"first {shown} of 30" in note

    odd = _noisy_clip(5, height=51, width=75)  # small enough: played as it is (padded to even)
    html, note = inline_video_html(odd)
    assert note is None and _video_frames(html).shape[0] == 5
    html, note = inline_video_html(_noisy_clip(3, height=90, width=160), max_size=100)
    assert "downscaled to 100×56" in note and _video_frames(html).shape == (3, 56, 100, 3)

    html, note = inline_video_html(clip, max_bytes=100)  # not even one frame fits
    assert html == "" and "too large" in note
    np.testing.assert_array_equal(clip.frames, before)  # the clip itself is untouched


def test_preview_of_a_long_clip_plays_its_start_and_names_the_file(tmp_path):
    history = History(tmp_path / "h")
    entry = history.entry(history.add(_noisy_clip(40)))
    clip = history.load(entry.id)
    budget = entry.video_path.stat().st_size // 2  # the whole mp4 fits neither inline nor a link
    preview = Preview(history=history, save_dir=tmp_path / "frames", max_inline_bytes=budget)
    preview.clip = clip
    assert "<video" in preview.video.value and len(preview.video.value) <= budget + 100
    shown = _video_frames(preview.video.value).shape[0]
    assert 1 <= shown < 40 and f"first {shown} of 40 frames" in preview.video_note.value
    assert "i2v-download-mp4" not in preview.downloads.value  # too big for a data link
    assert str(entry.video_path) in preview.video_note.value  # the full file, by path
    assert entry.video_path.is_file()
    assert clip.num_frames == 40

    # not saved in a history: the full mp4 is written under save_dir and named
    unsaved = _noisy_clip(40)
    preview.clip = unsaved
    written = tmp_path / "frames" / "i2v_clip.mp4"
    assert "i2v-download-mp4" not in preview.downloads.value
    assert str(written) in preview.video_note.value
    assert read_video(written).num_frames == 40


# ------------------------------------------------------------------------------ Colab
@pytest.fixture
def fake_colab(monkeypatch):
    """A ``google.colab`` whose ``files.download`` records the paths it is given."""
    calls: list[str] = []
    colab = types.ModuleType("google.colab")
    files = types.ModuleType("google.colab.files")

    def download(filename):
        calls.append(filename)

    files.download = download
    colab.files = files
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.files", files)
    return files, calls


def test_colab_is_detected_by_its_module(fake_colab):
    files, _calls = fake_colab
    assert in_colab() and colab_files() is files


def test_not_colab_without_the_module(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab.files", raising=False)
    assert not in_colab() and colab_files() is None


def _saved_clip(tmp_path, frames: int = 4) -> tuple[History, i2v_nb.Clip]:
    history = History(tmp_path / "h")
    clip = i2v_nb.generate(smooth_image(64, 96), "pan left", num_frames=frames, history=history)
    return history, clip


def test_colab_downloads_send_files_with_google_colab(tmp_path, fake_colab):
    _files, calls = fake_colab
    history, clip = _saved_clip(tmp_path)
    preview = Preview(history=history, save_dir=tmp_path / "frames")
    assert preview.colab and preview.colab_downloads.layout.display != "none"
    assert preview.colab_mp4_button.disabled  # no clip yet
    preview.clip = clip
    # the data links stay
    assert "i2v-download-mp4" in preview.downloads.value
    preview.colab_mp4_button.click()
    mp4 = history.entry(clip.metadata["history_id"]).video_path
    assert calls == [str(mp4)] and mp4.name in preview.message.value
    preview.colab_gif_button.click()
    with Image.open(calls[-1]) as gif:
        assert calls[-1].endswith(".gif") and gif.format == "GIF" and gif.n_frames == 4
    preview.save_last_button.click()  # on Colab a saved frame is sent too
    assert calls[-1] == preview.saved[-1] and calls[-1].endswith("_last.png")
    with Image.open(calls[-1]) as frame:
        np.testing.assert_array_equal(np.asarray(frame), clip.frames[-1])
    assert len(calls) == 3


def test_colab_download_failure_is_shown(tmp_path, fake_colab):
    files, _calls = fake_colab

    def broken(filename):
        raise RuntimeError("no browser attached")

    files.download = broken
    history, clip = _saved_clip(tmp_path)
    preview = Preview(history=history, save_dir=tmp_path / "frames")
    preview.clip = clip
    path = preview.download("mp4")
    assert path is not None and path.is_file()
    assert "no browser attached" in preview.message.value and "Files panel" in preview.message.value


def test_outside_colab_nothing_is_sent_and_the_buttons_are_hidden(tmp_path, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.delitem(sys.modules, "google.colab.files", raising=False)
    clip = i2v_nb.Clip(np.stack([smooth_image(32, 48, seed=s) for s in range(3)]), fps=6)
    preview = Preview(save_dir=tmp_path / "frames")
    assert not preview.colab and preview.colab_downloads.layout.display == "none"
    preview.clip = clip
    path = preview.download("mp4")  # not saved in a history: written under save_dir
    assert path == tmp_path / "frames" / "i2v_clip.mp4" and path.read_bytes()[4:8] == b"ftyp"
    assert str(path) in preview.message.value
    with pytest.raises(ValueError):
        preview.download("webm")
