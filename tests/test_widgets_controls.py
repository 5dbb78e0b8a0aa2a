"""The Studio's creator controls (issues 13 and 14): what a model can take, a last frame, a loop,
and Extend / Interpolate / Upscale on a result, each over its public function."""

from __future__ import annotations

import numpy as np
import pytest

import i2v_nb
from i2v_nb.widgets import Parameters
from i2v_nb.widgets.parameters import capabilities_html
from i2v_nb.widgets.studio import EDITS
from tests.test_widgets import _small_studio, walk


def test_the_model_line_says_what_it_can_take():
    assert "a last frame" in capabilities_html(i2v_nb.get_model("framepack"))
    assert "keyframes" in capabilities_html(i2v_nb.get_model("ltx-video-0.9.8-13b-distilled"))
    svd = capabilities_html(i2v_nb.get_model("svd"))
    assert "first frame only" in svd and "no last frame" in svd
    old = capabilities_html(i2v_nb.get_model("wan2.1-i2v-480p"))
    assert "superseded by wan2.2-i2v-a14b" in old
    params = Parameters(include_tiny=True)
    params.model = "tiny-framepack"
    assert "a last frame" in params.capabilities_note.value and params.can("last_frame")
    params.model = "tiny-svd"
    assert not params.can("last_frame") and "first frame only" in params.capabilities_note.value


def test_last_frame_and_loop_follow_the_model(tmp_path):
    studio = _small_studio(tmp_path, include_tiny=True)
    studio.image_input.load("chelsea")
    studio.last_input.load("coffee")
    assert studio.parameters.model == "preview"
    kwargs = studio.request()
    assert kwargs["last_image"] is studio.last_input.image and "loop" not in kwargs
    assert not studio.loop_box.disabled and "can end on this picture" in studio.last_note.value
    studio.parameters.model = "tiny-svd"
    assert "last_image" not in studio.request()  # svd cannot: not sent, and the note says so
    assert "cannot take a last frame" in studio.last_note.value
    assert "framepack" in studio.last_note.value
    assert studio.loop_box.disabled
    studio.loop_box.value = True
    assert "loop" not in studio.request()
    studio.parameters.model = "preview"
    assert studio.request()["loop"] is True


def test_generate_through_a_last_frame_from_the_studio(tmp_path):
    studio = _small_studio(tmp_path)
    studio.image_input.load("chelsea")
    studio.last_input.load("chelsea")
    clip = studio.generate(wait=True, timeout=120)
    assert clip is not None, studio.run_controls.message_text
    assert clip.metadata["conditions"]["last_image"] is True
    assert clip.metadata["backend_info"]["camera"] == "through keyframes"


@pytest.mark.parametrize("kind", list(EDITS))
def test_each_edit_button_runs_its_function_and_saves_with_the_parent(tmp_path, kind):
    studio = _small_studio(tmp_path)
    assert studio.edit(kind) is None  # no clip yet: said, not raised
    assert "Make a clip first" in studio.notice.value
    studio.image_input.load("lake")
    studio.prompt_input.prompt = "slow pan right"
    first = studio.generate(wait=True, timeout=120)
    label = EDITS[kind][0]
    buttons = [w for w in walk(studio) if getattr(w, "description", None) == label]
    assert len(buttons) == 1
    buttons[0].click()  # what a click does: the public function, in the worker thread
    assert studio.run_controls.wait(120)
    made = studio.run_controls.clip
    assert made is not first and studio.run_controls.outcome == "done", \
        studio.run_controls.message_text
    assert made.metadata["parent"] == first.metadata["history_id"]
    assert made.metadata["history_id"] in {e.id for e in studio.history.list()}
    assert studio.preview.clip is made  # the result is shown
    if kind == "extend":
        assert made.num_frames == first.num_frames + round(first.fps * 2)
        assert np.array_equal(made.frames[:first.num_frames], first.frames)
    elif kind == "interpolate":
        assert made.fps == 2 * first.fps and made.num_frames == 2 * first.num_frames - 1
    else:
        assert made.frames.shape[1:3] == (2 * first.height, 2 * first.width)


def test_the_gallery_groups_a_sweeps_clips(tmp_path):
    from i2v_nb.widgets import Gallery

    history = i2v_nb.History(tmp_path / "h")
    sweep = i2v_nb.Sweep(images=["sample:coffee"], prompts=["slow zoom in", "pan left"], seeds=[0],
                         models=["preview"], params=dict(num_frames=4, width=64, height=48))
    sweep.run(history, progress=False)
    i2v_nb.generate(i2v_nb.sample_image("lake"), "", num_frames=4, width=64, height=48,
                    history=history)
    gallery = Gallery(history)
    headers = [w.value for w in walk(gallery.grid) if "i2v-gallery-group" in w._dom_classes]
    assert len(headers) == 2
    assert any(sweep.id in h and "2 clips" in h for h in headers)
    assert any("single takes · 1" in h for h in headers)
    assert len(gallery.entry_ids) == 3


def test_the_speed_section_passes_switches_to_diffusers_models_only(tmp_path):
    studio = _small_studio(tmp_path, include_tiny=True)
    speed = studio.parameters.speed
    assert all(w.disabled for w in speed.controls.values())  # the preview engine has none
    assert "no speed switches" in speed.note.value
    studio.parameters.model = "tiny-ltx"
    assert not any(w.disabled for w in speed.controls.values())
    speed.controls["cache"].value = "first_block"
    speed.controls["attention"].value = "sdpa"
    options = studio.request()["backend_options"]
    assert options["cache"] == "first_block" and options["attention"] == "sdpa"
    assert "compile" not in options  # left at its default: not passed
    studio.parameters.model = "preview"
    assert "cache" not in studio.request()["backend_options"]
