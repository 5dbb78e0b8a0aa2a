"""``generate`` / ``generate_many``: the entry point, its metadata, history, progress, stop and
the backend seam."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import numpy as np
import pytest

import i2v_nb
from i2v_nb.errors import GenerationStopped, I2VWarning, ModelUnavailable, ParameterError
from i2v_nb.history import History
from i2v_nb.synthesis import generate, generate_many
from i2v_nb.synthesis.backend import BACKENDS, GenerationRequest, get_backend, register_backend
from i2v_nb.synthesis.generate import default_model, resolve_model


def picture(height: int = 60, width: int = 80, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    import cv2

    grid = rng.uniform(40, 220, (height // 6 + 2, width // 6 + 2, 3)).astype(np.float32)
    return np.round(cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
                    .clip(40, 220)).astype(np.uint8)


IMG = picture()


def test_generate_returns_a_clip_with_full_metadata():
    clip = generate(IMG, "slow pan left, seamless loop", num_frames=6, fps=6, seed=5)
    assert isinstance(clip, i2v_nb.Clip)
    assert clip.frames.shape == (6, 60, 80, 3) and clip.fps == 6
    m = clip.metadata
    assert m["prompt"] == "slow pan left, seamless loop"
    assert m["spec"]["camera"] == "pan_left" and m["spec"]["speed"] == 0.25
    assert m["model"] == "preview" and m["family"] == "preview" and m["backend"] == "preview"
    assert m["seed"] == 5 and m["i2v_nb_version"] == i2v_nb.__version__
    # every parameter actually used, resolved (nothing left as None)
    p = m["params"]
    assert p["num_frames"] == 6 and p["fps"] == 6 and (p["width"], p["height"]) == (80, 60)
    assert p["camera"] == "pan_left" and p["loop"] is True and p["speed"] == 0.25
    assert all(v is not None for v in p.values())
    assert set(m["timings"]) >= {"load_s", "prepare_s", "run_s", "total_s"}
    assert m["backend_info"]["effects"] == []
    json.dumps(m)  # JSON-ready
    assert clip.source.size == (80, 60)


def test_generate_is_exported_and_default_model_is_preview_without_gpu():
    assert i2v_nb.generate is generate and i2v_nb.generate_many is generate_many
    if not i2v_nb.synthesis.cuda_available():
        assert default_model() == "preview"
        assert generate(IMG, "zoom in", num_frames=2).metadata["model"] == "preview"


def test_same_seed_same_clip():
    a = generate(IMG, "wind, rain", num_frames=4, seed=1).frames
    b = generate(IMG, "wind, rain", num_frames=4, seed=1).frames
    c = generate(IMG, "wind, rain", num_frames=4, seed=2).frames
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_history_receives_the_clip(tmp_path):
    history = History(tmp_path / "h")
    clip = generate(IMG, "zoom in", num_frames=4, history=history)
    entries = history.list()
    assert [e.id for e in entries] == [clip.metadata["history_id"]]
    assert entries[0].prompt == "zoom in" and entries[0].model == "preview"
    back = history.load(entries[0].id)
    assert back.num_frames == 4 and back.metadata["spec"]["camera"] == "zoom_in"
    # a folder path works too
    generate(IMG, "zoom out", num_frames=2, history=str(tmp_path / "h"))
    assert len(History(tmp_path / "h").list()) == 2


def test_progress_is_called_per_frame():
    calls = []
    generate(IMG, "dolly in", num_frames=5, progress=lambda s, t, p: calls.append((s, t, p.shape)))
    assert calls == [(i, 5, (60, 80, 3)) for i in range(1, 6)]
    with pytest.raises(ParameterError, match="progress"):
        generate(IMG, "zoom in", progress="yes")


def test_stop_interrupts_and_the_next_call_works(tmp_path):
    history = History(tmp_path / "h")
    stop = threading.Event()

    def cb(step, total, preview):
        if step == 2:
            stop.set()

    with pytest.raises(GenerationStopped):
        generate(IMG, "zoom in", num_frames=8, progress=cb, stop=stop, history=history)
    assert history.list() == []  # nothing half-made is saved
    with pytest.raises(GenerationStopped, match="already set"):
        generate(IMG, "zoom in", num_frames=8, stop=stop)
    stop.clear()
    assert generate(IMG, "zoom in", num_frames=3, stop=stop, history=history).num_frames == 3
    assert len(history.list()) == 1


def test_stop_from_another_thread():
    stop = threading.Event()
    started = threading.Event()
    result = {}

    def slow_progress(step, total, preview):
        started.set()
        stop.wait(0.01)

    def worker():
        try:
            generate(IMG, "zoom in", num_frames=500, progress=slow_progress, stop=stop)
        except GenerationStopped as exc:
            result["stopped"] = exc

    t = threading.Thread(target=worker)
    t.start()
    assert started.wait(10)
    stop.set()
    t.join(10)
    assert "stopped" in result


def test_generate_many_sweeps_prompts_and_seeds(tmp_path):
    history = History(tmp_path / "h")
    clips = generate_many(IMG, ["zoom in", "pan left"], [0, 1], num_frames=2, history=history)
    assert [(c.metadata["prompt"], c.metadata["seed"]) for c in clips] == [
        ("zoom in", 0), ("zoom in", 1), ("pan left", 0), ("pan left", 1)]
    assert len(history.list()) == 4
    assert len(generate_many(IMG, "zoom in", 3, num_frames=2)) == 1


def test_generate_many_keeps_finished_clips_when_a_later_one_fails(tmp_path):
    history = History(tmp_path / "h")
    seen = []

    def cb(step, total, preview):
        seen.append(step)
        if len(seen) > 3:  # fails during the second clip
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom") as info:
        generate_many(IMG, ["zoom in", "pan left", "tilt up"], [0], num_frames=3, progress=cb,
                      history=history)
    assert len(history.list()) == 1
    assert len(info.value.clips) == 1
    assert any("1 of 3 clips" in note for note in info.value.__notes__)


def test_bad_inputs():
    with pytest.raises(ParameterError, match="seed"):
        generate(IMG, "zoom in", seed=-1)
    with pytest.raises(ParameterError, match="seed"):
        generate(IMG, "zoom in", seed="abc")
    with pytest.raises(ParameterError, match="unknown model"):
        generate(IMG, "zoom in", model="no-such-model")
    with pytest.raises(ParameterError, match="num_frames"):
        generate(IMG, "zoom in", num_frames=0)
    with pytest.raises(ParameterError, match="does not take"):
        generate(IMG, "zoom in", strength=3)
    with pytest.raises(i2v_nb.ImageInputError):
        generate("/no/such/file.png", "zoom in")
    with pytest.raises(ParameterError, match="history"):
        generate(IMG, "zoom in", history=42)


def test_sizes_follow_the_image():
    big = picture(300, 600)
    assert generate(big, "", num_frames=1).frames.shape[1:3] == (256, 512)
    assert generate(big, "", num_frames=1, width=200).frames.shape[1:3] == (100, 200)
    with pytest.warns(I2VWarning, match="even"):
        clip = generate(big, "", num_frames=1, width=201, height=99)
    assert clip.frames.shape[1:3] == (100, 202)


def test_pad_fit_uses_the_border_colour_not_black():
    wide = np.full((40, 120, 3), 150, np.uint8)
    clip = generate(wide, "zoom in", num_frames=3, width=64, height=64, fit="pad")
    assert clip.frames.shape[1:3] == (64, 64) and clip.frames.min() >= 140


def test_depth_and_masks_pass_through_generate():
    masks = {"sky": np.zeros((60, 80), bool)}
    masks["sky"][:20] = True
    clip = generate(IMG, "clouds drift", num_frames=4, masks=masks)
    assert clip.metadata["backend_info"]["masks_source"] == "given"
    moving = np.abs(clip.frames.astype(int) - IMG[None]).max(axis=(0, -1))
    assert moving[30:].max() == 0 and moving[:15].mean() > 1


# ------------------------------------------------------------------------------ backend seam

class FakePreset:
    """A preset as the registry makes them: name, family, backend, knobs, validate()."""

    def __init__(self, family="svd", uses_prompt=False):
        self.name, self.family, self.backend = f"fake-{family}", family, "fake"
        self.uses_prompt, self.hub_id = uses_prompt, None
        self.knobs = {"motion_bucket_id": None, "noise_aug_strength": None}

    def validate(self, **params):
        out = {"width": params.get("width") or 32, "height": params.get("height") or 24,
               "num_frames": params.get("num_frames") or 3, "fps": 7}
        out.update({k: params[k] for k in ("motion_bucket_id", "noise_aug_strength",
                                           "negative_prompt") if k in params})
        return out


def test_backend_seam_request_and_dispatch():
    seen = {}

    def fake_backend(request: GenerationRequest):
        seen["request"] = request
        request.check_stop()
        request.report(1, 1, None)
        t = request.params["num_frames"]
        return np.full((t, request.params["height"], request.params["width"], 3), 7, np.uint8), \
            {"device": "nowhere", "params": {"steps_really_run": 1}}

    register_backend("fake", fake_backend)
    clip = generate(IMG, "very fast dramatic orbit, strong wind", model=FakePreset(), seed=9,
                    backend_options={"profile": "low-vram"})
    r = seen["request"]
    assert r.image.size == (32, 24) and r.seed == 9 and r.family == "svd"
    assert isinstance(r.stop, threading.Event) and r.spec.camera == "orbit_right"
    assert r.prompt is None and r.negative_prompt is None  # SVD reads no text
    assert r.params["motion_bucket_id"] > 127  # strong motion from the words, via build_prompt
    assert r.profile == "low-vram"  # backend options read as attributes
    assert clip.metadata["params"]["steps_really_run"] == 1
    assert clip.metadata["backend_info"]["device"] == "nowhere"
    assert clip.frames.shape == (3, 24, 32, 3)
    # the user's own knob wins over the one from the words
    generate(IMG, "very fast orbit", model=FakePreset(), motion_bucket_id=10)
    assert seen["request"].params["motion_bucket_id"] == 10
    # text models get the family prompt and negative prompt
    generate(IMG, "slow zoom in, no rain", model=FakePreset("wan", uses_prompt=True))
    r = seen["request"]
    assert "zooms in" in r.prompt and r.negative_prompt.startswith("rain, ")
    assert r.user_prompt == "slow zoom in, no rain"
    generate(IMG, "slow zoom in", model=FakePreset("wan", uses_prompt=True), enhance_prompt=False)
    assert seen["request"].prompt == "slow zoom in"


def test_backend_table_and_errors():
    assert set(BACKENDS) >= {"preview", "diffusers"}
    from i2v_nb.synthesis.preview import run_preview

    assert get_backend("preview") is run_preview
    with pytest.raises(ModelUnavailable, match="no backend"):
        get_backend("quantum")
    assert resolve_model("preview").backend == "preview"
    with pytest.raises(ParameterError):
        resolve_model(3.5)


def test_preview_path_does_not_import_torch(tmp_path):
    code = ("import sys, numpy as np\n"
            "import i2v_nb.synthesis.generate  # the submodule first: must not shadow the function\n"
            "import i2v_nb\n"
            "assert callable(i2v_nb.generate) and callable(i2v_nb.synthesis.generate)\n"
            "img = np.full((32, 48, 3), 100, np.uint8)\n"
            "i2v_nb.generate(img, 'zoom in, wind', num_frames=2)\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n"
            "assert 'diffusers' not in sys.modules\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_the_preview_is_dispatched_by_its_data_not_its_name():
    """A copy of the preview preset under another name makes the same clip: validation, sizing,
    fitting and the backend all come from the preset's fields."""
    import dataclasses

    mine = dataclasses.replace(i2v_nb.get_model("preview"), name="my-preview", label="")
    kw = dict(num_frames=5, width=64, fit="pad", seed=4)
    a = generate(IMG, "orbit left, rain", **kw)
    b = generate(IMG, "orbit left, rain", model=mine, **kw)
    np.testing.assert_array_equal(a.frames, b.frames)
    assert b.metadata["model"] == "my-preview" and b.metadata["params"] == a.metadata["params"]
    with pytest.raises(ParameterError, match="num_frames=0 for my-preview"):
        generate(IMG, "zoom in", model=mine, num_frames=0)


def test_the_request_is_typed_and_frozen():
    import dataclasses

    seen = {}

    def spy(request: GenerationRequest):
        seen["request"] = request
        return np.zeros((1, request.params["height"], request.params["width"], 3), np.uint8), {}

    register_backend("spy-typed", spy)
    preset = dataclasses.replace(i2v_nb.get_model("tiny-wan"), name="spy-wan", backend="spy-typed")
    generate(IMG, "zoom in", model=preset, backend_options={"device": "cpu"}, seed=2)
    r = seen["request"]
    assert r.preset is preset and (r.model, r.family, r.seed) == ("spy-wan", "wan", 2)
    assert r.image.size == (r.params["width"], r.params["height"]) == (16, 16)
    assert r.device == "cpu" and r.options == {"device": "cpu"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.seed = 3
    with pytest.raises(TypeError):
        r.params["num_frames"] = 99  # read-only: the clip's metadata is what the backend saw
    with pytest.raises(AttributeError, match="no_such"):
        r.no_such
    with pytest.raises(TypeError):
        GenerationRequest(r.image, r.spec, preset, {})  # keyword-only


def test_the_image_is_loaded_and_fitted_once(monkeypatch):
    import i2v_nb.io

    calls = []
    fit = i2v_nb.io.fit_image
    monkeypatch.setattr(i2v_nb.io, "fit_image", lambda *a, **k: calls.append(a[1:3]) or fit(*a, **k))
    clip = generate(picture(300, 600), "zoom in", num_frames=2, width=100)
    assert calls == [(100, 50)] and clip.source.size == (100, 50)


def test_registry_preview_preset_validates_through_the_engine():
    preset = i2v_nb.get_model("preview")
    assert preset.validate(num_frames=9)["num_frames"] == 9
    with pytest.raises(ParameterError, match="1 to 1000"):
        preset.validate(num_frames=-3)
