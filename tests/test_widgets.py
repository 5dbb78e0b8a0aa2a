"""The Studio's widgets driven from Python: set values, click (call the handlers), wait for the
worker thread, then check the widget state and the files written to a temporary History.

Generation uses the CPU preview engine (``model="preview"``); one test runs a tiny diffusers
twin. The real browser test is ``tests/test_browser.py``.
"""

from __future__ import annotations

import base64
import importlib
import io
import re
import time
import warnings

import ipywidgets
import numpy as np
import pytest
from PIL import Image

import i2v_nb
from i2v_nb.history import History
from i2v_nb.widgets import (
    DiagnosticsTab,
    Gallery,
    ImageInput,
    Parameters,
    Preview,
    PromptInput,
    RunControls,
    Studio,
)
from i2v_nb.widgets._common import widget_classes
from i2v_nb.widgets.parameters import legal_frames, resolution_options
from i2v_nb.widgets.run_controls import format_eta
from tests.conftest import smooth_image

SMALL = (96, 64)  # width, height of the clips made here: fast on a shared CPU


def _png_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def _data_uri_bytes(html: str, css_class: str) -> bytes:
    match = re.search(rf'class="{css_class}"[^>]*href="data:[^;]+;base64,([A-Za-z0-9+/=]+)"',
                      html)
    assert match, f"no data link with class {css_class}"
    return base64.b64decode(match.group(1))


def browser_upload(upload, name: str, content: bytes, *, mime: str = "image/png") -> None:
    """What the kernel receives when a file is picked in the browser: the comm message's state
    for the installed ipywidgets (8: ``value``; 7: ``metadata``/``data`` and a bumped
    ``_counter``, from which the read-only ``value`` is built)."""
    if "_counter" in upload.class_trait_names():  # ipywidgets 7
        upload.set_state({"_counter": upload._counter + 1,
                          "metadata": [{"name": name, "type": mime, "size": len(content),
                                        "lastModified": 1767225600000}],
                          "data": [memoryview(content)]})
    else:
        upload.set_state({"value": [{"name": name, "type": mime, "size": len(content),
                                     "content": memoryview(content),
                                     "last_modified": 1767225600000}]})


def walk(widget):
    """Every widget placed on screen under ``widget`` (children of boxes, tabs, accordions)."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def _small_studio(tmp_path, **kwargs) -> Studio:
    studio = Studio(history=tmp_path / "history", auto_suggest=False, **kwargs)
    assert studio.image_input.load(smooth_image(SMALL[1], SMALL[0]), label="test image")
    smallest = studio.parameters.resolution.options[1][1]  # after "auto": long side 256
    assert smallest == (256, 170)
    studio.parameters.resolution.value = smallest
    studio.parameters.frames.value = 6
    return studio


# ------------------------------------------------------------------------------ image input
def test_image_input_sample_path_upload_and_problems(tmp_path):
    picker = ImageInput()
    assert picker.image is None
    picker.sample.value = "chelsea"  # what picking in the dropdown does
    assert picker.image.size == (451, 300)
    assert "451×300" in picker.status.value and "sample: chelsea" in picker.status.value
    assert picker.thumbnail.value.startswith('<img src="data:image/jpeg;base64,')

    # a path that does not exist: the problem and the fix in the widget, the image unchanged
    picker.path.value = str(tmp_path / "missing.png")
    picker.load_button.click()
    assert picker.error_message and "missing.png" in picker.error_message
    assert "Fix:" in picker.status.value and "Traceback" not in picker.status.value
    assert picker.image.size == (451, 300)

    # a real path
    array = smooth_image(40, 60)
    (tmp_path / "photo.png").write_bytes(_png_bytes(array))
    picker.path.value = str(tmp_path / "photo.png")
    picker.load_button.click()
    assert picker.error_message == ""
    np.testing.assert_array_equal(np.asarray(picker.image), array)

    # an upload (in the installed ipywidgets' format); its name is shown escaped and never
    # used as a path
    before = sorted(p.name for p in tmp_path.iterdir())
    evil = "../../<b>x</b>.png"
    browser_upload(picker.upload, evil, _png_bytes(array[::-1]))
    np.testing.assert_array_equal(np.asarray(picker.image), array[::-1])
    assert "&lt;b&gt;x&lt;/b&gt;" in picker.status.value and "<b>x</b>" not in picker.status.value
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert "10 MiB" in picker.upload_note.value  # the websocket limit is stated

    # a corrupt upload: the problem is reported, the previous image stays
    browser_upload(picker.upload, "broken.png", b"not a png")
    assert picker.error_message and picker.image is not None
    np.testing.assert_array_equal(np.asarray(picker.image), array[::-1])
    for cls in ("i2v-upload", "i2v-path", "i2v-load", "i2v-sample"):
        assert any(cls in widget_classes(w) for w in (picker.upload, picker.path,
                                                      picker.load_button, picker.sample))


def test_sample_picker_follows_where_the_image_came_from(tmp_path):
    picker = ImageInput()
    picker.sample.value = "lake"
    lake = np.asarray(picker.image)
    # an upload replaces the sample: the picker no longer names it (and nothing reloads)
    array = smooth_image(30, 50)
    browser_upload(picker.upload, "mine.png", _png_bytes(array))
    np.testing.assert_array_equal(np.asarray(picker.image), array)
    assert picker.sample.value == "— sample image —" and "upload: mine.png" in picker.source_label
    # so picking the same sample again loads it again
    picker.sample.value = "lake"
    np.testing.assert_array_equal(np.asarray(picker.image), lake)
    # the same file uploaded a second time is a new upload (the widget was emptied after each)
    browser_upload(picker.upload, "mine.png", _png_bytes(array))
    np.testing.assert_array_equal(np.asarray(picker.image), array)
    assert picker.sample.value == "— sample image —"
    # a path clears it too; a sample loaded from code is named by the picker
    picker.load("chelsea")
    assert picker.sample.value == "chelsea" and picker.image.size == (451, 300)
    (tmp_path / "p.png").write_bytes(_png_bytes(array))
    assert picker.load(str(tmp_path / "p.png"))
    assert picker.sample.value == "— sample image —"
    picker.load("chelsea")
    picker.clear()
    assert picker.image is None and picker.sample.value == "— sample image —"


def test_every_load_redraws_the_status_even_of_the_same_image(tmp_path):
    """A good upload after a bad one clears the error although the picture equals the one
    already shown (no change event for the image), and so does re-picking the same sample."""
    picker = ImageInput()
    picker.sample.value = "lake"
    lake_png = _png_bytes(np.asarray(picker.image))
    assert "i2v-msg-ok" in picker.status.value

    before = sorted(p.name for p in tmp_path.iterdir())
    browser_upload(picker.upload, "../<i>notes</i>.txt", b"a shopping list, not a picture")
    status = picker.status.value
    assert "i2v-msg-error" in status and picker.error_message
    # the file is named (escaped), in words a user knows; the picture shown stays and says so
    assert "&lt;i&gt;notes&lt;/i&gt;.txt" in status and "<i>notes" not in status
    assert "bytes&gt;" not in status and "Pillow" not in status and "a text file" in status
    assert "Still using sample: lake" in status
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # the name is never a path

    browser_upload(picker.upload, "lake.png", lake_png)  # the same picture again
    assert picker.error_message == "" and "i2v-msg-error" not in picker.status.value
    assert "upload: lake.png" in picker.status.value and "i2v-msg-ok" in picker.status.value
    assert picker.loads == 2  # every successful load counts, the same image too

    # a bad file, then the sample still shown picked again: the picker was emptied by the
    # failure, so the pick is a real one and the error goes
    browser_upload(picker.upload, "broken.png", b"\x89PNG\r\n\x1a\n" + bytes(30))
    assert "broken.png" in picker.status.value and picker.sample.value == "— sample image —"
    picker.sample.value = "chelsea"
    chelsea = np.asarray(picker.image)
    picker.load(str(tmp_path / "missing.png"))
    assert "i2v-msg-error" in picker.status.value
    picker.sample.value = "chelsea"
    assert picker.loads == 4 and "i2v-msg-error" not in picker.status.value
    np.testing.assert_array_equal(np.asarray(picker.image), chelsea)
    # the same through load(): a path that fails, then the same image by code
    picker.load("")
    assert "i2v-msg-error" in picker.status.value
    assert picker.load(Image.fromarray(chelsea), label="again")
    assert "again" in picker.status.value and "i2v-msg-error" not in picker.status.value


# ------------------------------------------------------------------------------ prompt input
def test_prompt_chips_live_line_and_suggestions():
    box = PromptInput(auto_suggest=True)
    assert box.understood.value.count("no motion recognised") == 1
    chip = next(b for row in box.chips.children for b in row.children[1:]
                if b.description == "slow zoom in")
    chip.click()
    assert box.prompt == "slow zoom in" and box.text.value == "slow zoom in"
    assert box.spec.camera == "zoom_in" and "zoom in" in box.understood.value
    box.text.value = "slow pan left, no wind"  # typing
    assert box.spec.camera == "pan_left" and box.spec.negative == ["wind"]
    assert "excluded: wind" in box.understood.value

    box.image = i2v_nb.sample_image("lake")  # the Studio sets this when an image is loaded
    box.wait(60)
    assert box.suggestions, box.suggestion_status.value
    buttons = box.suggestion_box.children
    assert [b.description for b in buttons] == [s[:70] for s in box.suggestions]
    buttons[0].click()
    assert box.prompt == box.suggestions[0]
    assert i2v_nb.parse_prompt(box.prompt) == box.spec


def test_chips_replace_the_camera_say_so_and_are_not_added_twice():
    box = PromptInput("slow zoom in, clouds drifting", auto_suggest=False)

    def click(phrase):
        next(b for row in box.chips.children for b in row.children[1:]
             if b.description == phrase).click()

    click("pan left")  # parse_prompt keeps the first camera move: appending would drop it
    assert box.prompt == "clouds drifting, pan left" and box.spec.camera == "pan_left"
    assert "Replaced 'slow zoom in' with 'pan left'" in box.chip_note
    assert "Replaced" in box.chip_message.value
    click("pan left")  # twice: not added again
    assert box.prompt == "clouds drifting, pan left" and "already" in box.chip_note
    click("clouds drifting")
    assert box.prompt.count("clouds drifting") == 1
    click("static camera")  # "static camera" is a camera choice too
    assert box.prompt == "clouds drifting, static camera" and "'pan left'" in box.chip_note
    click("slowly")
    click("fast")
    assert box.prompt == "clouds drifting, static camera, fast" and "'slowly'" in box.chip_note
    click("hair moving in the wind")
    assert box.chip_note == "" and box.chip_message.value == ""
    assert box.prompt.endswith(", hair moving in the wind")

    # the camera inside a longer clause: nothing is lost, the note says what to edit
    box.text.value = "the camera slowly zooms in on the face"  # typing clears the note
    assert box.chip_note == ""
    click("orbit left")
    assert box.prompt == "the camera slowly zooms in on the face"
    assert "zoom in" in box.chip_note and "orbit left" in box.chip_note
    click("zoom out")
    assert box.prompt == "the camera slowly zooms in on the face"
    box.text.value = "camera pans left across the lake"
    click("pan left")  # the same move in other words: already there
    assert box.prompt == "camera pans left across the lake" and "already" in box.chip_note


# ------------------------------------------------------------------------------ parameters
def test_parameters_offer_only_legal_values(monkeypatch):
    gen = importlib.import_module("i2v_nb.synthesis.generate")

    monkeypatch.setattr(gen, "cuda_available", lambda: True)  # list every model as runnable
    params = Parameters(include_tiny=True)
    names = [v for _label, v in params.model_select.options]
    assert "preview" in names and "wan2.1-i2v-480p" in names and "tiny-ltx" in names
    for name in names:
        params.model = name
        preset = params.preset
        frame_values = (list(params.frames.options) if hasattr(params.frames, "options") else
                        list(range(params.frames.min, params.frames.max + 1, params.frames.step)))
        for aspect in (1.0, 16 / 9, 3 / 4):
            params.aspect = aspect
            for _label, size in params.resolution.options:
                params.resolution.value = size
                for frames in {frame_values[0], frame_values[-1]}:
                    params.frames.value = frames
                    values = params.values()
                    with warnings.catch_warnings():
                        warnings.simplefilter("error")  # a snapped value would warn
                        used = preset.validate(**values)
                    for key in ("num_frames", "width", "height"):
                        if key in values:
                            assert used[key] == values[key], (name, key, values, used)

    params.model = "wan2.1-i2v-480p"
    assert (params.frames.min, params.frames.step) == (5, 4)
    params.frames.value = 8  # typed into the slider's readout: snapped to 4k+1
    assert params.frames.value == 9
    params.model = "cogvideox-5b-i2v"
    assert list(params.frames.options) == [49] and params.frames.disabled
    assert [v for _l, v in params.resolution.options] == [(720, 480)]
    params.model = "preview"
    assert params.profile.disabled and params.steps is None and params.backend_options() == {}
    old = params.seed
    params.new_seed_button.click()
    assert params.seed != old and params.seed_box.value == params.seed


def test_parameters_without_gpu_list_what_cannot_run(monkeypatch):
    gen = importlib.import_module("i2v_nb.synthesis.generate")

    monkeypatch.setattr(gen, "cuda_available", lambda: False)
    params = Parameters()
    names = [v for _label, v in params.model_select.options]
    assert names == ["preview"]
    assert "svd-xt" in params.unavailable_note.value and "CUDA GPU" in params.unavailable_note.value
    with pytest.raises(Exception, match="cannot be chosen"):
        params.model = "svd-xt"


def test_parameters_are_built_from_preset_data_alone(monkeypatch):
    """No control depends on a model's name: a copy of the preview preset under another name
    gets the same controls, and changing its data (not its name) changes them."""
    import dataclasses

    from i2v_nb.synthesis import registry

    def controls(p):
        return [(type(w).__name__, w.description, getattr(w, "min", None),
                 getattr(w, "max", None), getattr(w, "step", None)) for w in p.controls.children]

    mine = dataclasses.replace(registry.get_model("preview"), name="my-preview")
    monkeypatch.setitem(registry._PRESETS, "my-preview", mine)
    a, b = Parameters(model="preview"), Parameters(model="my-preview")
    assert controls(a) == controls(b) and b.resolution.options == a.resolution.options
    assert (b.frames.min, b.frames.max, b.frames.step) == (1, 240, 1)
    assert b.steps is None and b.guidance is None and b.profile.disabled
    assert b.backend_options() == {} and b.values() == a.values()
    assert "frames: 1–1000" in b.rules.value and "even sizes" in b.rules.value
    assert "none (CPU)" in b.rules.value
    other = dataclasses.replace(mine, name="my-other", ignored_params=(), ui_max_frames=61,
                                backend_options=("profile",), knobs={})
    monkeypatch.setitem(registry._PRESETS, "my-other", other)
    c = Parameters(model="my-other")
    assert c.steps is not None and c.guidance is not None and not c.profile.disabled
    assert c.frames.max == 61 and c.backend_options() == {"profile": "auto"}
    assert legal_frames(other, 500) == 61 and legal_frames(mine, 500) == 240


def test_legal_frames_and_resolution_helpers():
    from i2v_nb.synthesis.registry import get_model

    ltx = get_model("ltx-video")
    assert [legal_frames(ltx, n) for n in (1, 12, 13, 300)] == [9, 9, 17, 257]
    options = resolution_options(get_model("preview"), 2.0)
    assert options[0][1] == "auto" and (256, 128) in [v for _l, v in options]
    assert format_eta(61) == "about 1 min 1 s left"


# ------------------------------------------------------------------------------ studio: generate
def test_studio_generates_previews_downloads_and_saves(tmp_path):
    studio = _small_studio(tmp_path)
    studio.prompt_input.prompt = "slow zoom in, clouds drifting"
    studio.parameters.seed = 3
    clip = studio.generate(wait=True, timeout=120)
    rc = studio.run_controls
    assert rc.outcome == "done", rc.message_text
    assert clip.frames.shape == (6, 170, 256, 3)
    assert clip.metadata["prompt"] == "slow zoom in, clouds drifting"
    assert clip.metadata["seed"] == 3 and clip.metadata["model"] == "preview"
    assert rc.bar.value == rc.bar.max == 6 and not rc.running
    assert not rc.generate_button.disabled and rc.stop_button.disabled

    # saved in the history, shown in the gallery and the diagnostics tab
    entries = History(tmp_path / "history").list()
    assert [e.id for e in entries] == [clip.metadata["history_id"]] == studio.gallery.entry_ids
    assert studio.diagnostics.clip is clip and studio.preview.clip is clip

    # inline looping video and download links
    assert "<video" in studio.preview.video.value and "loop" in studio.preview.video.value
    mp4 = _data_uri_bytes(studio.preview.downloads.value, "i2v-download-mp4")
    assert mp4 == entries[0].video_path.read_bytes()
    gif = Image.open(io.BytesIO(_data_uri_bytes(studio.preview.downloads.value,
                                                "i2v-download-gif")))
    assert gif.format == "GIF" and gif.n_frames == 6

    # save first / last frame
    studio.preview.save_first_button.click()
    studio.preview.save_last_button.click()
    first, last = map(lambda p: np.asarray(Image.open(p)), studio.preview.saved)
    np.testing.assert_array_equal(first, clip.frames[0])
    np.testing.assert_array_equal(last, clip.frames[-1])
    assert all(str(tmp_path / "history" / "frames") in p for p in studio.preview.saved)
    assert len(History(tmp_path / "history").list()) == 1  # frames do not pollute the history

    # opening the Diagnostics tab measures the new clip once
    studio.tabs.selected_index = 2
    assert studio.diagnostics.wait(120) and studio.diagnostics.report is not None
    assert studio.diagnostics.report.num_frames == 6


def test_stop_interrupts_a_running_generation(tmp_path):
    studio = _small_studio(tmp_path)
    studio.parameters.frames.value = 240
    rc = studio.run_controls
    assert rc.start()
    deadline = time.monotonic() + 60
    while rc._step < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rc.running and rc._step >= 2
    # while it runs Stop is red and Generate plain; idle, Stop is plain (a disabled red button
    # looks half-active)
    assert rc.stop_button.button_style == "danger" and not rc.stop_button.disabled
    assert rc.generate_button.button_style == "" and rc.generate_button.disabled
    while "<img" not in rc.step_preview.value and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "<img" in rc.step_preview.value  # the step preview of the running clip
    assert not rc.start()  # a second click while running does nothing
    rc.stop_button.click()
    assert rc.wait(60)
    assert rc.outcome == "stopped", rc.message_text
    assert re.search(r"Stopped after step \d+ of 240", rc.message_text)
    assert rc.clip is None and len(History(tmp_path / "history")) == 0
    assert not rc.generate_button.disabled and rc.stop_button.disabled
    assert rc.stop_button.button_style == "" and rc.generate_button.button_style == "primary"
    assert rc.step_preview.value == ""  # no picture of a clip that does not exist
    assert "stopped" in rc.status.value and "stopping" not in rc.status.value
    # the next click works normally
    studio.parameters.frames.value = 4
    assert studio.generate(wait=True).num_frames == 4 and rc.outcome == "done"


def test_errors_are_shown_with_their_fix(tmp_path, monkeypatch):
    studio = Studio(history=tmp_path / "h", auto_suggest=False)
    rc = studio.run_controls
    rc.generate_button.click()  # no image yet
    assert rc.outcome == "error" and not rc.running
    assert "No image yet" in rc.message_text and "Fix:" in rc.message.value

    # a parameter the model refuses: ParameterError from generate, in the widget
    run = RunControls(lambda: {"image": smooth_image(), "prompt": "", "num_frames": 0})
    run.start()
    run.wait(60)
    assert run.outcome == "error" and "Parameter problem" in run.message_text
    assert "num_frames=0" in run.message_text and "Traceback" not in run.message.value
    # the traceback is in the log, which is on screen (an HTML widget, not an Output)
    assert "Traceback" in run.error_log.text and "ParameterError" in run.error_log.text
    assert "Traceback" in run.error_log.value and "<details" in run.error_log.value
    assert run.error_log in list(walk(run))
    assert studio.run_controls.error_log in list(walk(studio))

    # out of GPU memory: the suggested fix names the low-vram profile
    gen = importlib.import_module("i2v_nb.synthesis.generate")

    def oom(*args, **kwargs):
        raise i2v_nb.OutOfMemory("needed 14.0 GB, 7.8 GB free")

    monkeypatch.setattr(gen, "generate", oom)
    run.start()
    run.wait(60)
    assert run.outcome == "error" and "Out of GPU memory" in run.message_text
    assert "low-vram" in run.message_text


# ------------------------------------------------------------------------------ gallery
def test_gallery_after_restart_rerun_and_compare(tmp_path):
    root = tmp_path / "history"
    image = smooth_image(SMALL[1], SMALL[0])
    for seed, prompt in ((1, "pan left"), (2, "zoom out, clouds drifting")):
        i2v_nb.generate(image, prompt, seed=seed, num_frames=4, history=History(root))

    # a new Gallery over the same folder = the notebook after a kernel restart
    gallery = Gallery(root)
    assert len(gallery.entry_ids) == 2 and len(gallery.grid.children) == 2
    cards_html = " ".join(card.children[0].value for card in gallery.grid.children)
    assert "pan left" in cards_html and "zoom out, clouds drifting" in cards_html
    assert "seed 1" in cards_html and "data:image/jpeg;base64," in cards_html

    assert not gallery.compare()  # nothing picked yet
    for card in gallery.grid.children:
        card.children[1].value = True  # tick "compare"
    gallery.compare_button.click()
    view = gallery.view.value
    assert view.count("<video") == 2 and "i2v-compare-diff" in view
    assert re.search(r"<td>seed</td><td>2</td><td>1</td>", view)

    # Studio: re-run the older clip with a change
    studio = Studio(history=root, auto_suggest=False)
    older = studio.gallery.entry(studio.gallery.entry_ids[-1])
    rerun_button = next(b for b in studio.gallery.grid.children[-1].children[2].children
                        if b.description == "Re-run")
    rerun_button.click()
    assert studio.prompt_input.prompt == "pan left" and studio.parameters.seed == 1
    assert studio.parameters.frames.value == 4
    assert studio.image_input.image.size == SMALL and "source of" in studio.image_input.source_label
    assert studio.tabs.selected_index == 0 and older.id in studio.notice.value
    studio.parameters.seed = 5
    clip = studio.generate(wait=True)
    assert clip.metadata["prompt"] == "pan left" and clip.metadata["seed"] == 5
    assert clip.metadata["params"]["num_frames"] == 4
    assert len(studio.gallery.entry_ids) == 3

    # Show plays it below the thumbnails and selects it for the Diagnostics tab
    shown = studio.gallery.show(older.id)
    assert shown.metadata["history_id"] == older.id and "<video" in studio.gallery.view.value
    assert studio.diagnostics.clip.metadata["history_id"] == older.id


def test_messages_of_the_studio_and_gallery_are_redrawn_by_the_next_success(tmp_path):
    root = tmp_path / "history"
    i2v_nb.generate(smooth_image(SMALL[1], SMALL[0]), "pan left", num_frames=3,
                    history=History(root))
    studio = Studio(history=root, auto_suggest=False)
    gallery = studio.gallery
    good = gallery.entry_ids[0]
    assert gallery.show("no-such-clip") is None and "i2v-msg-error" in gallery.message.value
    assert gallery.show(good) is not None and gallery.message.value == ""

    gallery.selected = "no-such-clip"  # picked, then gone from the disk
    assert "Could not load no-such-clip" in studio.notice.value
    gallery.diagnose(good)
    assert studio.notice.value == ""
    # a re-run's note goes once a new clip is made (and with a new image)
    studio.rerun(gallery.entry(good))
    assert "Loaded the settings" in studio.notice.value
    studio.parameters.frames.value = 3
    studio.generate(wait=True)
    assert studio.run_controls.outcome == "done" and studio.notice.value == ""
    studio.rerun(gallery.entry(good))
    studio.image_input.load("lake")
    assert studio.notice.value == ""


def test_nothing_has_a_fixed_width_that_a_narrow_cell_cuts_off(tmp_path):
    """What the 800 px browser check measures, checked on the widget objects: buttons grow
    with their label and never shrink, rows of buttons wrap, columns fit the cell, videos and
    images are capped at the cell's width."""
    from i2v_nb.widgets._common import style_widget

    root = tmp_path / "history"
    i2v_nb.generate(smooth_image(SMALL[1], SMALL[0]), "pan left", num_frames=3,
                    history=History(root))
    i2v_nb.generate(smooth_image(SMALL[1], SMALL[0]), "zoom out", num_frames=3, seed=1,
                    history=History(root))
    studio = Studio(history=root, auto_suggest=False, image="lake")
    studio.parameters.frames.value = 3
    studio.generate(wait=True)
    widgets = list(walk(studio))
    buttons = [w for w in widgets if isinstance(w, (ipywidgets.Button, ipywidgets.FileUpload))]
    assert len(buttons) > 40
    for b in buttons:
        assert b.layout.width in (None, "auto"), (b.description, b.layout.width)
        assert b.layout.flex == "0 0 auto", (b.description, b.layout.flex)
    for box in widgets:
        if type(box) is ipywidgets.HBox and any(isinstance(c, ipywidgets.Button)
                                                for c in box.children):
            assert box.layout.flex_flow == "row wrap", [c.description for c in box.children]
    fixed = [w for w in widgets if isinstance(w, ipywidgets.VBox) and w.layout.width
             and w.layout.width.endswith("px")]
    assert fixed and all(w.layout.max_width == "100%" for w in fixed)
    css = style_widget().value
    assert re.search(r"video, \.i2v-part img \{ max-width: 100%; height: auto; \}", css)
    assert "text-overflow: clip" in css and "white-space: normal" in css
    assert '<div class="i2v-video-box" style="max-width:100%;">' in studio.preview.video.value
    assert "max-width:100%" in studio.image_input.thumbnail.value
    # two clips compared stack in a narrow cell instead of sitting in a fixed table row
    assert studio.gallery.compare(*studio.gallery.entry_ids[:2])
    view = studio.gallery.view.value
    assert "flex-wrap:wrap" in view and view.count('class="i2v-compare-cell"') == 2
    assert view.count("min-width:0") == 2 and view.count("<video") == 2


# ------------------------------------------------------------------------------ diagnostics
def test_diagnostics_tab_shows_report_plot_and_summary(tmp_path):
    clip = i2v_nb.generate(smooth_image(SMALL[1], SMALL[0]), "pan right", num_frames=6)
    tab = DiagnosticsTab()
    assert tab.run_button.disabled and not tab.run()
    tab.clip = clip
    tab.run_button.click()
    assert tab.wait(120)
    assert tab.report is not None, tab.status.value
    assert tab.report.num_frames == 6
    assert "Continuity report" in tab.summary.value
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"',
                                     tab.plot.value).group(1))
    assert Image.open(io.BytesIO(png)).size[0] > 200


def test_diagnostics_failure_is_shown_and_its_traceback_logged_on_screen(tmp_path, monkeypatch):
    import i2v_nb.diagnostics as diagnostics

    def broken(clip, **kwargs):
        raise RuntimeError("flow field exploded")

    monkeypatch.setattr(diagnostics, "continuity_report", broken)
    clip = i2v_nb.Clip(np.stack([smooth_image(32, 48, seed=s) for s in range(3)]), fps=6)
    studio = Studio(history=tmp_path / "h", auto_suggest=False)
    tab = studio.diagnostics
    assert tab.error_log in list(walk(studio))  # placed on screen, inside the Diagnostics tab
    assert tab.error_log.value == ""  # empty: nothing shown
    tab.clip = clip
    assert tab.run(wait=True)
    assert tab.report is None and "flow field exploded" in tab.status.value
    assert "Traceback" not in tab.status.value
    assert "RuntimeError: flow field exploded" in tab.error_log.text
    assert "flow field exploded" in tab.error_log.value and not tab.running


def test_preview_alone_without_history(tmp_path):
    clip = i2v_nb.Clip(np.stack([smooth_image(32, 48, seed=s) for s in range(3)]), fps=6,
                       metadata={"prompt": "<script>x</script>"})
    preview = Preview()
    preview.clip = clip
    assert "&lt;script&gt;" in preview.info.value and "<script>" not in preview.info.value
    assert "<video" in preview.video.value
    mp4 = _data_uri_bytes(preview.downloads.value, "i2v-download-mp4")
    assert mp4[4:8] == b"ftyp"
    path = preview.save_frame("last")
    assert path.name == "i2v_clip_last.png" and path.parent.name == "i2v_frames"
    with pytest.raises(ValueError):
        preview.save_frame("middle")


def test_studio_css_classes_for_the_browser_test(tmp_path):
    studio = Studio(history=tmp_path / "h", auto_suggest=False)
    found = {cls for w in walk(studio) for cls in widget_classes(w)}
    for cls in ("i2v-studio", "i2v-sample", "i2v-prompt", "i2v-understood", "i2v-frames",
                "i2v-generate", "i2v-stop", "i2v-status", "i2v-message", "i2v-video",
                "i2v-thumbnail", "i2v-tabs", "i2v-progress", "i2v-model", "i2v-seed"):
        assert cls in found, cls


def test_the_studio_reads_as_a_sentence_where_widgets_cannot_render(tmp_path):
    studio = Studio(history=tmp_path / "h", auto_suggest=False)
    text = studio._repr_mimebundle_()["text/plain"] if hasattr(studio, "_repr_mimebundle_") \
        else repr(studio)
    assert text.startswith("i2v_nb Studio: image → motion prompt → video")
    assert "children" not in text and "<style>" not in text


def test_every_part_carries_its_class_and_the_css_first(tmp_path):
    studio = Studio(history=tmp_path / "h", auto_suggest=False)
    parts = {studio: "i2v-studio", studio.image_input: "i2v-image-input",
             studio.prompt_input: "i2v-prompt-input", studio.parameters: "i2v-parameters",
             studio.run_controls: "i2v-run-controls", studio.preview: "i2v-preview",
             studio.gallery: "i2v-gallery", studio.diagnostics: "i2v-diagnostics"}
    for part, cls in parts.items():
        assert {cls, "i2v-part"} <= set(widget_classes(part)), cls
        css = part.children[0]
        assert css.value.startswith("<style>") and css.layout.display == "none", cls
        assert sum(isinstance(c, type(css)) and c.value.startswith("<style>")
                   for c in part.children) == 1, cls


# ------------------------------------------------------------------------------ a tiny twin
@pytest.mark.slow
def test_studio_runs_a_tiny_diffusers_twin(tmp_path):
    studio = Studio(history=tmp_path / "h", auto_suggest=False, include_tiny=True)
    studio.image_input.load(smooth_image(64, 64))
    studio.parameters.model = "tiny-ltx"
    assert studio.parameters.steps is not None and not studio.parameters.profile.disabled
    studio.prompt_input.prompt = "slow zoom in"
    clip = studio.generate(wait=True, timeout=180)
    rc = studio.run_controls
    assert rc.outcome == "done", rc.message_text
    assert clip.metadata["model"] == "tiny-ltx" and clip.num_frames == 9
    assert rc.bar.max == clip.metadata["params"]["num_inference_steps"] == 2
    assert "<video" in studio.preview.video.value
