"""The settings travel with the file: embedded in mp4/webm/gif/webp, read back untrusted, and
``i2v_nb.restore`` re-making the same clip from the file alone."""

from __future__ import annotations

import json

import numpy as np
import pytest

import i2v_nb
from i2v_nb import Clip, ParameterError, read_video, restore, write_video
from i2v_nb.errors import SidecarWarning, SourceMismatchWarning
from i2v_nb.io import MAX_EMBEDDED_BYTES, image_sha256, read_embedded, sidecar_path
from tests.conftest import moving_frames, smooth_image

FORMATS = [".mp4", ".webm", ".gif", ".webp"]
# = ; # \ and quotes are what ffmpeg's tag listing escapes; <, > and & what XMP escapes
PROMPT = 'slow pan left, leaves swaying; "golden" #hour = a\\b <x> & ünï'
CALL = dict(num_frames=8, width=64, height=48, fps=12.5, seed=3)


@pytest.fixture(scope="module")
def source() -> np.ndarray:
    return smooth_image(60, 80, seed=4)  # not the clip's size: generate fits it to 64×48


@pytest.fixture(scope="module")
def original(source) -> Clip:
    return i2v_nb.generate(source, PROMPT, **CALL)


def _as_stored(metadata: dict) -> dict:
    return json.loads(json.dumps(i2v_nb.clip.jsonable(metadata)))


def _save_without_sidecar(clip: Clip, path) -> object:
    clip.save(path)
    sidecar_path(path).unlink()
    return path


@pytest.mark.parametrize("suffix", FORMATS)
def test_metadata_round_trips_inside_the_file_without_the_sidecar(tmp_path, original, suffix):
    path = _save_without_sidecar(original, tmp_path / f"take{suffix}")
    back = read_video(path)  # filterwarnings = error: no warning for a sound tag
    assert back.metadata == _as_stored(original.metadata)
    assert back.metadata["prompt"] == PROMPT and back.metadata["seed"] == 3
    assert back.fps == 12.5  # exact, although GIF stores centiseconds (80 ms = 12.5 fps here)
    assert back.frames.shape == original.frames.shape
    document, problems = read_embedded(path)
    assert problems == [] and document["num_frames"] == 8 and document["width"] == 64


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_embedded_size_undoes_even_padding_and_gives_exact_fps(tmp_path, suffix):
    frames = moving_frames(6, 33, 47)
    path = _save_without_sidecar(Clip(frames, fps=30, metadata={"seed": 1}), tmp_path / f"o{suffix}")
    back = read_video(path)
    # mp4: decoded 34×48 (padded even), cropped back; gif: 30 fps stored as 30/40 ms delays
    assert back.frames.shape == (6, 33, 47, 3) and back.fps == 30.0


def test_sidecar_wins_when_both_are_valid_and_the_tag_fills_what_it_lacks(tmp_path, original):
    path = original.save(tmp_path / "take.mp4")
    doc = json.loads(sidecar_path(path).read_text())
    doc["metadata"]["prompt"] = "edited in the sidecar"
    sidecar_path(path).write_text(json.dumps(doc))
    assert read_video(path).metadata["prompt"] == "edited in the sidecar"
    doc["metadata"] = ["not", "an", "object"]
    sidecar_path(path).write_text(json.dumps(doc))
    with pytest.warns(SidecarWarning, match="ignored part of the sidecar .*field 'metadata'"):
        back = read_video(path)
    assert back.metadata["prompt"] == PROMPT  # from the tag inside the file


def test_a_plain_video_has_no_settings_and_no_warning(tmp_path):
    for suffix in FORMATS:
        path = write_video(tmp_path / f"plain{suffix}", moving_frames(4), fps=8)
        assert read_embedded(path) == (None, [])
        assert read_video(path).metadata == {}


# (id, tag text stored in the file, warning expected (None: none), metadata read back)
TAGS = [
    ("truncated-json", '{"i2v_nb_sidecar":1,"fps":12.5,"metadata":{"prompt"', "not valid JSON", {}),
    ("bad-fields", '{"i2v_nb_sidecar":1,"fps":"fast","width":-3,"metadata":{"prompt":"p"}}',
     "field 'fps'.*field 'width'", {"prompt": "p"}),
    ("metadata-list", '{"i2v_nb_sidecar":1,"metadata":[1,2]}', "field 'metadata'", {}),
    ("too-deep", '{"i2v_nb_sidecar":1,"metadata":' + '{"a":' * 40 + "1" + "}" * 41,
     "nested deeper", {}),
    ("non-finite", '{"i2v_nb_sidecar":1,"metadata":{"gain":NaN}}', "non-finite",
     {"gain": None}),
    # line breaks and every character the tag listing escapes, inside valid JSON: no warning
    ("escapes", '{"i2v_nb_sidecar":1,\n"metadata":{"p":"a=b;c#d\\\\e\\n[x]"}\n}', None,
     {"p": "a=b;c#d\\e\n[x]"}),
    ("foreign-comment", "Made with GIMP; #1 = best", None, {}),
]


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("text, warning, metadata", [t[1:] for t in TAGS], ids=[t[0] for t in TAGS])
def test_a_tampered_or_garbage_tag_is_ignored_with_a_warning(tmp_path, monkeypatch, suffix, text,
                                                             warning, metadata):
    monkeypatch.setattr(i2v_nb.io.video, "embedded_text", lambda document: text)
    path = write_video(tmp_path / f"t{suffix}", moving_frames(4), fps=10, embed={"x": 1})
    if warning is None:
        back = read_video(path)
    else:
        with pytest.warns(SidecarWarning,
                          match=rf"ignored (part of )?the settings stored inside .*{warning}"):
            back = read_video(path)
    assert back.metadata == metadata
    assert back.fps == 10.0 and back.num_frames == 4  # the container's own values


def test_large_metadata_is_shortened_in_the_file_and_kept_whole_in_the_sidecar(tmp_path):
    metadata = {"prompt": "pan", "notes": "x" * 300_000, "seed": 2}
    path = Clip(moving_frames(4), fps=8, metadata=metadata).save(tmp_path / "big.mp4")
    assert json.loads(sidecar_path(path).read_text())["metadata"] == metadata
    document, problems = read_embedded(path)
    assert problems == [] and document["metadata"]["prompt"] == "pan"
    assert document["metadata"]["notes"].startswith("<300,002 characters of JSON")
    assert len(json.dumps(document)) <= MAX_EMBEDDED_BYTES


def test_the_source_image_hash_is_recorded(original, source):
    assert original.metadata["source_sha256"] == image_sha256(source)
    changed = source.copy()
    changed[0, 0, 0] ^= 1
    assert image_sha256(changed) != image_sha256(source)
    # pixels only: a PIL image of the same pixels has the same fingerprint
    from PIL import Image

    assert image_sha256(Image.fromarray(source)) == image_sha256(source)


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_restore_from_the_file_alone_regenerates_bit_identically(tmp_path, original, source,
                                                                 suffix):
    path = _save_without_sidecar(original, tmp_path / f"take{suffix}")
    run = restore(path)
    assert run.image is None and run.source_sha256 == image_sha256(source)
    assert {k: run.kwargs[k] for k in ("prompt", "model", "seed", "num_frames", "fps", "width",
                                       "height")} == {"prompt": PROMPT, "model": "preview",
                                                      **CALL}
    with pytest.raises(ParameterError, match=r"source image of this clip is not known.*"
                       r"80×60 picture.*pass it: run.generate\(image="):
        run.generate()
    again = run.generate(image=source)
    # compared with the clip in memory, not with the lossy file
    assert np.array_equal(again.frames, original.frames)
    assert again.metadata["params"] == original.metadata["params"]


def test_restore_a_clip_uses_its_source(original):
    run = restore(original)
    assert run.image is not None and run.image.size == (64, 48)  # the fitted copy
    assert np.array_equal(run.generate().frames, original.frames)
    # the fitted copy is not mistaken for another picture (no warning: filterwarnings = error)
    assert np.array_equal(run.generate(image=original.source).frames, original.frames)


def test_restore_finds_the_source_in_the_history(tmp_path, source):
    history = i2v_nb.History(tmp_path / "history")
    clip = i2v_nb.generate(source, "slow zoom in", history=history, **CALL)
    entry = history.latest()
    run = restore(entry.video_path)  # the entry's own file: its source.png is beside it
    assert run.image is not None and restore(entry).image is not None
    assert np.array_equal(run.generate().frames, clip.frames)
    shared = _save_without_sidecar(clip, tmp_path / "shared.webm")  # a copy elsewhere
    assert restore(shared).image is None
    run = restore(shared, history=tmp_path / "history")  # found by its history_id
    assert np.array_equal(run.generate().frames, clip.frames)


def test_another_image_is_named_as_a_mismatch(tmp_path, original, source):
    path = _save_without_sidecar(original, tmp_path / "take.mp4")
    other = smooth_image(60, 80, seed=9)
    with pytest.warns(SourceMismatchWarning, match=r"80×60, SHA-256 [0-9a-f]{12}….* is not the one "
                      r"this clip was made from \(a 80×60 picture with SHA-256 "
                      + image_sha256(source)[:12]):
        clip = restore(path).generate(image=other)
    assert not np.array_equal(clip.frames, original.frames)
    with pytest.warns(SourceMismatchWarning, match="is not the one"):
        run = restore(path, image=other)
    assert run.image is not None


def test_overrides_and_a_new_prompt_steer_what_the_prompt_decided(original):
    run = restore(original)
    assert "camera" not in run.kwargs  # decided by the prompt (pan_left), left to it
    zoom = run.generate(prompt="slow zoom in", seed=4)
    assert zoom.metadata["params"]["camera"] == "zoom_in" and zoom.metadata["seed"] == 4
    with pytest.raises(TypeError):
        run.kwargs["seed"] = 1  # read-only


def test_restore_refuses_what_holds_no_run(tmp_path):
    path = write_video(tmp_path / "plain.mp4", moving_frames(4), fps=8)
    with pytest.raises(ParameterError, match="holds no i2v_nb run settings"):
        restore(path)
    with pytest.raises(ParameterError, match="holds no i2v_nb run settings"):
        restore(Clip(moving_frames(4), fps=8, metadata={"prompt": "x"}))
    with pytest.raises(i2v_nb.VideoInputError, match="no video file"):
        restore(tmp_path / "missing.mp4")
    with pytest.raises(ParameterError, match="takes a Clip, a video path"):
        restore(42)


def test_a_call_with_a_last_image_asks_for_it_again(original):
    metadata = {**original.metadata, "conditions": {"last_image": True, "keyframes": []}}
    run = restore(Clip(original.frames, fps=original.fps, source=original.source,
                       metadata=metadata))
    assert run.needs == ("last_image",)
    with pytest.raises(ParameterError, match=r"made with last_image= .*run.generate\(last_image="):
        run.generate()


@pytest.mark.slow
def test_restore_regenerates_a_tiny_diffusers_twin_identically(tmp_path):
    pytest.importorskip("diffusers")
    image = smooth_image(40, 40, seed=1)
    first = i2v_nb.generate(image, "a cat walks, slow zoom in", model="tiny-ltx", seed=5)
    path = _save_without_sidecar(first, tmp_path / "tiny.mp4")
    run = restore(path)
    assert run.kwargs["model"] == "tiny-ltx" and run.kwargs["seed"] == 5
    assert np.array_equal(run.generate(image=image).frames, first.frames)
