"""Videos, sidecars and histories are untrusted; nothing generated is ever lost.

Catalogue of issue 11 items 3, 4 and the storage half of 5: damaged sidecars (every field, every
way), peak memory of read_video, damaged history entries (list/load agreement), leftovers of
killed writers, odd ids for remove(), text UTF-8 cannot encode, the user's umask, and the fps
each writer can encode.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import subprocess
import sys
import textwrap
import time
import tracemalloc
import warnings

import numpy as np
import pytest

from i2v_nb import Clip, History, HistoryError, VideoInputError, read_video, write_video
from i2v_nb._media import user_umask
from i2v_nb.clip import (MAX_METADATA_DEPTH, MAX_SIDECAR_BYTES, SidecarWarning, jsonable,
                         parse_sidecar, sidecar_path)
from i2v_nb.errors import ParameterError
from i2v_nb.history import DamagedEntryWarning
from i2v_nb.io import FPS_LIMITS, MAX_FPS, MIN_FPS, VideoTruncatedWarning, check_fps
from tests.conftest import moving_frames

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAW_ERRORS = (TypeError, RecursionError, OverflowError, KeyError, IndexError, AttributeError,
              UnicodeError)


def _big_sparse(path, size=50 * 2**20):
    with open(path, "wb") as f:
        f.truncate(size)


# ----------------------------------------------------------------------------------------------
# 3. sidecars read by read_video: a bad field is ignored with a SidecarWarning
# ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gif_template(tmp_path_factory):
    """A 6-frame 48×64 GIF at 10 fps (container fps 10) with its sidecar, made once."""
    folder = tmp_path_factory.mktemp("gif")
    clip = Clip(moving_frames(6), fps=12.5, metadata={"prompt": "pan right", "seed": 3})
    clip.save(folder / "take.gif")
    write_video(folder / "bare.gif", moving_frames(6), fps=10)  # container says 10 fps
    return folder


def _gif_with_sidecar(tmp_path, template, text: str | bytes | None):
    shutil.copy(template / "bare.gif", tmp_path / "take.gif")
    side = tmp_path / "take.json"
    if isinstance(text, str):
        side.write_text(text, encoding="utf-8")
    elif isinstance(text, bytes):
        side.write_bytes(text)
    return tmp_path / "take.gif"


def _good_doc(**changes):
    doc = {"i2v_nb_sidecar": 1, "library_version": "x", "fps": 12.5, "num_frames": 6,
           "width": 64, "height": 48, "duration_s": 0.48,
           "metadata": {"prompt": "pan right", "seed": 3}}
    for key, value in changes.items():
        if value is _DROP:
            doc.pop(key)
        else:
            doc[key] = value
    return doc


_DROP = object()
DEEP = "[" * 100_000 + "]" * 100_000


def _nest(depth):
    value = 1
    for _ in range(depth):
        value = {"a": value}
    return value


# (id, sidecar text with a bad field, the field that is ignored)
BAD_FIELDS = [
    ("fps-Infinity", json.dumps(_good_doc()).replace("12.5", "Infinity", 1), "fps"),
    ("fps-NaN", json.dumps(_good_doc()).replace("12.5", "NaN", 1), "fps"),
    ("fps-1e999", json.dumps(_good_doc()).replace("12.5", "1e999", 1), "fps"),
    ("fps-huge-int", json.dumps(_good_doc(fps=10**400)), "fps"),
    ("fps-negative", json.dumps(_good_doc(fps=-5)), "fps"),
    ("fps-zero", json.dumps(_good_doc(fps=0)), "fps"),
    ("fps-too-high", json.dumps(_good_doc(fps=1e6)), "fps"),
    ("fps-string", json.dumps(_good_doc(fps="12.5")), "fps"),
    ("fps-bool", json.dumps(_good_doc(fps=True)), "fps"),
    ("fps-list", json.dumps(_good_doc(fps=[12.5])), "fps"),
    ("fps-null", json.dumps(_good_doc(fps=None)), "fps"),
    ("width-float", json.dumps(_good_doc(width=64.0)), "width"),
    ("width-negative", json.dumps(_good_doc(width=-64)), "width"),
    ("width-huge", json.dumps(_good_doc(width=10**30)), "width"),
    ("height-string", json.dumps(_good_doc(height="48")), "height"),
    ("height-dict", json.dumps(_good_doc(height={"h": 48})), "height"),
    ("metadata-list", json.dumps(_good_doc(metadata=["pan right"])), "metadata"),
    ("metadata-string", json.dumps(_good_doc(metadata="pan right")), "metadata"),
    ("metadata-too-deep", json.dumps(_good_doc(metadata=_nest(MAX_METADATA_DEPTH + 5))),
     "metadata"),
    ("metadata-too-many", json.dumps(_good_doc(metadata={"v": [0] * 1_000_001})), "metadata"),
]


@pytest.mark.parametrize("text, field", [c[1:] for c in BAD_FIELDS], ids=[c[0] for c in BAD_FIELDS])
def test_a_bad_sidecar_field_is_ignored_with_a_warning(tmp_path, gif_template, text, field):
    path = _gif_with_sidecar(tmp_path, gif_template, text)
    with pytest.warns(SidecarWarning, match=rf"ignored part of the sidecar .*field '{field}'"):
        clip = read_video(path)
    assert clip.frames.shape == (6, 48, 64, 3)
    # the ignored field falls back to what the video says; the others are still used
    assert clip.fps == (10.0 if field == "fps" else 12.5)
    expected_meta = {} if field == "metadata" else {"prompt": "pan right", "seed": 3}
    assert clip.metadata == expected_meta


# (id, whole sidecar content, words of the message)
BAD_FILES = [
    ("not-json", "{ not json", "not valid JSON"),
    ("truncated", json.dumps(_good_doc())[:40], "not valid JSON"),
    ("empty", "", "not valid JSON"),
    ("top-level-list", "[1, 2, 3]", "not a JSON object"),
    ("top-level-number", "12.5", "not a JSON object"),
    ("100000-deep", DEEP, "nested too deeply"),
    ("invalid-utf8", b'{"fps": 12.5, "metadata": {"prompt": "\xff\xfe"}}', "not UTF-8"),
    ("binary-garbage", bytes(range(256)) * 10, "not UTF-8"),
    ("int-beyond-digit-limit", '{"fps": ' + "9" * 5000 + "}", "not valid JSON"),
    ("50-MB", None, "above the"),
]


@pytest.mark.parametrize("content, words", [c[1:] for c in BAD_FILES],
                         ids=[c[0] for c in BAD_FILES])
def test_an_unusable_sidecar_is_ignored_with_a_warning(tmp_path, gif_template, content, words):
    path = _gif_with_sidecar(tmp_path, gif_template, content)
    if content is None:
        _big_sparse(tmp_path / "take.json")
    with pytest.warns(SidecarWarning, match=f"ignored the sidecar .*{words}"):
        clip = read_video(path)
    assert clip.fps == 10.0 and clip.metadata == {} and clip.num_frames == 6


def test_sidecar_that_is_a_folder_or_a_fifo_never_blocks(tmp_path, gif_template):
    path = _gif_with_sidecar(tmp_path, gif_template, None)
    (tmp_path / "take.json").mkdir()
    with pytest.warns(SidecarWarning, match="not a regular file"):
        assert read_video(path).fps == 10.0
    if hasattr(os, "mkfifo"):
        (tmp_path / "take.json").rmdir()
        os.mkfifo(tmp_path / "take.json")  # opening a FIFO to read would wait for a writer
        with pytest.warns(SidecarWarning, match="not a regular file"):
            assert read_video(path).num_frames == 6


def test_non_finite_numbers_inside_metadata_become_null(tmp_path, gif_template):
    text = json.dumps(_good_doc(metadata={"prompt": "p", "timings": {"run": 1.0}}))
    text = text.replace('"run": 1.0', '"run": NaN, "gain": -Infinity, "big": 1e999')
    path = _gif_with_sidecar(tmp_path, gif_template, text)
    with pytest.warns(SidecarWarning, match="3 non-finite number"):
        clip = read_video(path)
    assert clip.metadata == {"prompt": "p", "timings": {"run": None, "gain": None, "big": None}}


def test_sound_sidecars_give_no_warning_bom_included(tmp_path, gif_template):
    path = _gif_with_sidecar(tmp_path, gif_template,
                             b"\xef\xbb\xbf" + json.dumps(_good_doc()).encode())
    clip = read_video(path)  # filterwarnings = error: any SidecarWarning would fail here
    assert clip.fps == 12.5 and clip.metadata["seed"] == 3


def test_a_sidecar_of_another_size_is_not_used_to_crop(tmp_path):
    path = write_video(tmp_path / "odd.mp4", moving_frames(3, 31, 45), fps=8)
    (tmp_path / "odd.json").write_text(json.dumps({"width": 45, "height": 31, "fps": 8}))
    assert read_video(path).frames.shape == (3, 31, 45, 3)  # even padding removed
    (tmp_path / "odd.json").write_text(json.dumps({"width": 20, "height": 10, "fps": 8}))
    with pytest.warns(SidecarWarning, match="says 20×10 but the video is 46×32"):
        assert read_video(path).frames.shape == (3, 32, 46, 3)


NASTY = [float("inf"), float("-inf"), float("nan"), 1e999, 10**300, -(10**40), 0, -1, 1e-300,
         "", "x" * 2000, [], {}, None, True, [1, [2, [3]]], {"a": {"b": None}}, _nest(60),
         "../../etc/passwd", "/abs/clip.mp4", "clip.avi", 2**64 + 1]
FIELDS = ["fps", "num_frames", "width", "height", "duration_s", "metadata", "video", "source",
          "created", "created_ns", "id", "i2v_nb_sidecar", "library_version"]


def _mutate(rng: random.Random, base: dict) -> bytes:
    """A seeded mutation of a sound sidecar: nasty values, deleted keys, cut or flipped bytes."""
    doc = json.loads(json.dumps(base))
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        if op < 0.5:
            doc[rng.choice(FIELDS)] = rng.choice(NASTY)
        elif op < 0.65:
            doc.pop(rng.choice(FIELDS), None)
        elif op < 0.75:
            doc["metadata"] = {"k": rng.choice(NASTY), "deep": _nest(rng.randint(1, 80))}
    raw = json.dumps(doc, allow_nan=True, ensure_ascii=rng.random() < 0.5).encode("utf-8",
                                                                                   "surrogatepass")
    op = rng.random()
    if op < 0.15:
        raw = raw[:rng.randint(0, len(raw))]
    elif op < 0.3:
        data = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        raw = bytes(data)
    elif op < 0.35:
        raw = b"[" * rng.randint(900, 20_000) + raw
    return raw


def _field_ok(name, value) -> bool:
    """The rule each field kept by parse_sidecar must satisfy (an outside re-statement)."""
    def is_int(v, lo, hi):
        return type(v) is int and lo <= v <= hi
    if name == "fps":
        return type(value) in (int, float) and math.isfinite(value) and MIN_FPS <= value <= MAX_FPS
    if name in ("width", "height"):
        return is_int(value, 1, 65_535)
    if name == "num_frames":
        return is_int(value, 1, 10_000_000)
    if name == "metadata":
        if not isinstance(value, dict):
            return False
        stack = [(value, 1)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_METADATA_DEPTH:
                return False
            for v in (node.values() if isinstance(node, dict) else node):
                if isinstance(v, float) and not math.isfinite(v):
                    return False
                if isinstance(v, (dict, list)):
                    stack.append((v, depth + 1))
        return True
    if name in ("video", "source"):
        return isinstance(value, str) and "/" not in value and "\\" not in value
    return True


def test_sidecar_fuzz_outcomes_are_only_clean_documents_or_problems(tmp_path):
    """2,000 seeded mutations of a sound sidecar: parse_sidecar never raises, every field it
    keeps obeys its rule, and read_sidecar only ever warns (SidecarWarning)."""
    from i2v_nb.clip import read_sidecar

    rng = random.Random(11)
    base = _good_doc(video="clip.mp4", source="source.png", created="2026", created_ns=1, id="x")
    outcomes = {"sound": 0, "fields ignored": 0, "file ignored": 0}
    side = tmp_path / "v.json"
    for _ in range(2000):
        side.write_bytes(_mutate(rng, base))
        doc, problems = parse_sidecar(side)
        assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)
        if doc is None:
            assert problems
            outcomes["file ignored"] += 1
            continue
        assert all(_field_ok(k, v) for k, v in doc.items()), doc
        outcomes["fields ignored" if problems else "sound"] += 1
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for _ in range(200):
            side.write_bytes(_mutate(rng, base))
            read_sidecar(tmp_path / "v.mp4", full=True)
    assert all(issubclass(w.category, SidecarWarning) for w in record)
    assert sum(outcomes.values()) == 2000 and min(outcomes.values()) > 50, outcomes


# ----------------------------------------------------------------------------------------------
# 3. read_video: peak memory near max_bytes, limits, damaged videos
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".mp4", ".gif", ".webp"])
def test_read_video_peak_memory_stays_near_max_bytes(tmp_path, suffix):
    # a moving, brightening picture: no two frames alike, so no writer merges any
    frames = (moving_frames(40, 96, 128) // 2 + np.arange(40)[:, None, None, None] * 3)
    path = write_video(tmp_path / f"long{suffix}", frames.astype(np.uint8), fps=10)
    frame_bytes = 96 * 128 * 3
    max_bytes = 16 * frame_bytes
    with pytest.warns(VideoTruncatedWarning):
        read_video(path, max_bytes=4 * frame_bytes)  # warm up: imports, ffmpeg lookup
    tracemalloc.start()
    try:
        with pytest.warns(VideoTruncatedWarning, match="has 40 frames; read the first 16"):
            clip = read_video(path, max_bytes=max_bytes)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert clip.frames.nbytes == max_bytes
    # a list of frames then np.stack would need 2 × max_bytes (about 1.18 MB here)
    assert peak < 1.3 * max_bytes + 256 * 1024, (peak, max_bytes)
    # a short video is not padded to the budget: the array holds exactly its frames
    clip = read_video(path, max_bytes=100 * frame_bytes)
    assert clip.num_frames == 40 and clip.frames.flags.c_contiguous


@pytest.mark.parametrize("kwargs", [{"max_frames": 0}, {"max_frames": "5"}, {"max_frames": True},
                                    {"max_bytes": -1}, {"max_pixels": 2.5}])
def test_read_video_limits_are_checked(tmp_path, kwargs):
    path = write_video(tmp_path / "a.gif", moving_frames(2), fps=4)
    with pytest.raises(ParameterError, match=next(iter(kwargs))):
        read_video(path, **kwargs)


def test_a_gif_damaged_after_its_first_frame_loads_what_it_can(tmp_path):
    path = write_video(tmp_path / "a.gif", moving_frames(8), fps=8)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.warns(VideoTruncatedWarning):
        clip = read_video(path)
    assert 1 <= clip.num_frames < 8
    path.write_bytes(data[:30])  # not even one frame
    with pytest.raises(VideoInputError, match="could not decode"):
        read_video(path)


@pytest.mark.parametrize("content", [b"\x00" * 4096, b"GIF89a" + b"\xff" * 100,
                                     b"RIFF\x10\x00\x00\x00WEBPVP8 ", os.urandom(3000)])
@pytest.mark.parametrize("suffix", [".mp4", ".webm", ".gif", ".webp"])
def test_garbage_videos_raise_video_input_error_only(tmp_path, content, suffix):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    with pytest.raises(VideoInputError):
        read_video(path)


# ----------------------------------------------------------------------------------------------
# 5. fps: one rule, checked before any work
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix, fps, ok", [
    (".gif", 50, True), (".gif", 50.01, False), (".gif", 100 / 65535, True),
    (".gif", 0.0015, False), (".webp", 1000 / 11, True), (".webp", 91, False),
    (".webp", 1e-4, True), (".mp4", 1000, True), (".mp4", 1000.5, False), (".mp4", 1e-4, True),
    (".mp4", 9e-5, False), (".webm", 1000, True), (".webm", 0, False),
])
def test_each_writer_refuses_an_fps_it_cannot_encode_before_writing(tmp_path, suffix, fps, ok):
    out = tmp_path / "new" / f"a{suffix}"
    if ok:
        path = write_video(out, moving_frames(2, 16, 16), fps=fps)
        assert check_fps(fps, suffix=suffix) == fps
        assert read_video(path).num_frames == 2
    else:
        with pytest.raises(VideoInputError, match=rf"to be written as \{suffix}, got"):
            write_video(out, moving_frames(2, 16, 16), fps=fps)
        assert not (tmp_path / "new").exists()  # refused before any folder or file was made


@pytest.mark.parametrize("fps", [float("nan"), float("inf"), -1, "12", True, None, [12], 10**400,
                                 complex(1, 1)])
def test_check_fps_refuses_non_numbers_and_raises_the_class_asked(fps):
    with pytest.raises(VideoInputError, match="fps must be"):
        check_fps(fps)
    with pytest.raises(ParameterError, match="fps must be"):
        check_fps(fps, suffix="mp4", error=ParameterError)
    with pytest.raises(VideoInputError, match="fps"):
        Clip(moving_frames(1), fps=fps)


def test_fps_limits_table_and_numpy_numbers():
    assert FPS_LIMITS[".gif"] == pytest.approx((0.0015259, 50.0), rel=1e-4)
    assert FPS_LIMITS[".webp"][1] == pytest.approx(90.909, rel=1e-4)
    assert check_fps(np.float32(12.5)) == 12.5 and check_fps(np.int64(8), suffix="GIF") == 8.0
    with pytest.raises(VideoInputError, match="not a video format"):
        check_fps(8, suffix=".avi")


def test_gif_and_webp_timing_average_is_exact(tmp_path):
    """GIF stores hundredths of a second: 30 fps is written as 30/40 ms delays averaging
    33.3 ms (not 30 ms every frame, which plays at 33.3 fps)."""
    from PIL import Image

    for suffix, fps in ((".gif", 30), (".gif", 7.3), (".webp", 29.97)):
        path = write_video(tmp_path / f"t{suffix}", moving_frames(30, 16, 16), fps=fps)
        durations = []
        with Image.open(path) as im:
            for i in range(im.n_frames):
                im.seek(i)
                im.load()
                durations.append(im.info["duration"])
        assert sum(durations) == pytest.approx(30 * 1000 / fps, abs=10)


def test_bad_crf_and_oversized_webp_are_refused_up_front(tmp_path):
    with pytest.raises(VideoInputError, match="crf"):
        write_video(tmp_path / "a.mp4", moving_frames(2), fps=4, crf=99)
    with pytest.raises(VideoInputError, match="at most 16383"):
        write_video(tmp_path / "a.webp", np.zeros((1, 2, 16384, 3), np.uint8), fps=4)
    with pytest.raises(VideoInputError, match="more than a .webp can hold"):
        write_video(tmp_path / "a.webp", np.zeros((300, 2, 2, 3), np.uint8), fps=1e-4)
    assert list(tmp_path.iterdir()) == []


def test_history_refuses_an_fps_its_format_cannot_hold_before_writing(tmp_path):
    with pytest.raises(VideoInputError, match="gif"):
        History(tmp_path / "h").add(Clip(moving_frames(2), fps=60), format="gif")
    assert not (tmp_path / "h").exists()


# ----------------------------------------------------------------------------------------------
# 5. nothing generated is lost: text UTF-8 cannot encode, odd metadata, umask
# ----------------------------------------------------------------------------------------------

SURROGATE_TEXT = [
    "caf\udce9 au lait",           # Latin-1 'é' through surrogateescape
    "\udcff",                        # a lone low surrogate
    "\ud800 high",                   # a lone high surrogate
    "mixed é 日本 \udc80",            # readable text and a surrogate
]


@pytest.mark.parametrize("prompt", SURROGATE_TEXT)
def test_text_utf8_cannot_encode_is_stored_escaped_and_reads_back(tmp_path, prompt):
    clip = Clip(moving_frames(3), fps=6, metadata={"prompt": prompt, prompt: [prompt],
                                                   "params": {"negative": prompt}})
    path = clip.save(tmp_path / "take.mp4")
    raw = sidecar_path(path).read_bytes()
    raw.decode("utf-8")  # strict: the file is valid UTF-8
    assert b"\\ud" in raw  # stored as a \\udcxx escape
    back = read_video(path)
    assert back.metadata == {"prompt": prompt, prompt: [prompt], "params": {"negative": prompt}}
    history = History(tmp_path / "h")
    entry_id = history.add(clip)
    assert history.list()[0].prompt == prompt
    assert history.load(entry_id).metadata["prompt"] == prompt


def test_readable_text_stays_readable_in_the_file(tmp_path):
    Clip(moving_frames(2), fps=4, metadata={"prompt": "café 日本"}).save(tmp_path / "a.gif")
    assert "café 日本" in (tmp_path / "a.json").read_text(encoding="utf-8")


class _BrokenRepr:
    def __repr__(self):
        raise RuntimeError("no repr")


def _odd_metadata():
    loop: dict = {"name": "loop"}
    loop["self"] = loop
    return {"cycle": loop, "deep": _nest(5_000), "huge": 10**5000, "nan": float("nan"),
            "broken": _BrokenRepr(), "array": np.arange(4), "set": {3, 1, 2},
            (1, 2): "tuple key", 10**5000: "huge key"}


def test_odd_metadata_is_always_stored(tmp_path):
    clip = Clip(moving_frames(2), fps=4, metadata=_odd_metadata())
    path = clip.save(tmp_path / "a.gif")
    meta = read_video(path).metadata  # no SidecarWarning: what is written reads back cleanly
    assert meta["cycle"] == {"name": "loop", "self": "<cycle: dict refers to itself>"}
    assert meta["huge"].startswith("<an integer of") and meta["nan"] is None
    assert "repr failed" in meta["broken"] and meta["array"] == [0, 1, 2, 3]
    assert meta["set"] == [1, 2, 3] and meta["(1, 2)"] == "tuple key"
    depth, node = 0, meta["deep"]
    while isinstance(node, dict):
        node, depth = node["a"], depth + 1
    assert depth == MAX_METADATA_DEPTH - 1 and "nested deeper" in node
    assert jsonable(_odd_metadata())["cycle"]["self"].startswith("<cycle")


def test_oversized_metadata_is_replaced_by_a_note_and_the_clip_is_saved(tmp_path):
    clip = Clip(moving_frames(2), fps=4, metadata={"prompt": "keep me",
                                                  "per_pixel": list(range(1_000_001))})
    with pytest.warns(SidecarWarning, match="'per_pixel' too large for a sidecar"):
        path = clip.save(tmp_path / "a.gif")
    meta = read_video(path).metadata
    assert meta["prompt"] == "keep me" and "not stored" in meta["per_pixel"]
    assert sidecar_path(path).stat().st_size <= MAX_SIDECAR_BYTES


def _modes(folder):
    return {p.name: p.stat().st_mode & 0o777 for p in sorted(folder.rglob("*"))}


def test_files_get_the_users_umask(tmp_path):
    file_mode, dir_mode = 0o666 & ~user_umask(), 0o777 & ~user_umask()
    Clip(moving_frames(2), fps=4).save(tmp_path / "a.mp4")
    write_video(tmp_path / "b.webp", moving_frames(2), fps=4)
    history = History(tmp_path / "h")
    entry_id = history.add(Clip(moving_frames(2), fps=4, source=moving_frames(1)[0]))
    modes = _modes(tmp_path)
    assert modes.pop(entry_id) == dir_mode and modes.pop("h") == dir_mode
    assert set(modes) == {"a.mp4", "a.json", "b.webp", "clip.mp4", "clip.json", "source.png",
                          "thumb.jpg"}
    assert set(modes.values()) == {file_mode}


def test_files_follow_another_umask_in_a_fresh_process(tmp_path):
    code = textwrap.dedent(f"""
        import numpy as np, i2v_nb
        clip = i2v_nb.Clip(np.zeros((2, 8, 8, 3), np.uint8), fps=4)
        clip.save({str(tmp_path / 'a.gif')!r})
        i2v_nb.History({str(tmp_path / 'h')!r}).add(clip)
    """)
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, umask=0o027)
    modes = _modes(tmp_path)
    assert modes.pop("h") == 0o750
    assert {m for name, m in modes.items() if not name[0].isdigit()} == {0o640}
    assert {m for name, m in modes.items() if name[0].isdigit()} == {0o750}


# ----------------------------------------------------------------------------------------------
# 4. History survives damage; list() and load() agree
# ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def history_template(tmp_path_factory):
    root = tmp_path_factory.mktemp("history")
    history = History(root)
    ids = [history.add(Clip(moving_frames(4, 24, 32, seed=i), fps=8, source=moving_frames(
        1, 24, 32)[0], metadata={"prompt": f"take {i}", "seed": i}), format="gif")
        for i in range(3)]
    return root, ids


def _sidecar_edit(**changes):
    def damage(folder):
        doc = json.loads((folder / "clip.json").read_text())
        for key, value in changes.items():
            if value is _DROP:
                doc.pop(key)
            else:
                doc[key] = value
        (folder / "clip.json").write_text(json.dumps(doc, allow_nan=True))
    return damage


def _write(name, content):
    def damage(folder):
        target = folder / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    return damage


def _truncate(name, keep=0.5):
    def damage(folder):
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(data[: int(len(data) * keep)])
    return damage


def _remove(name):
    def damage(folder):
        target = folder / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    return damage


def _sidecar_dir(folder):
    (folder / "clip.json").unlink()
    (folder / "clip.json").mkdir()


def _sidecar_50mb(folder):
    _big_sparse(folder / "clip.json")


DAMAGE = {
    "fps-infinite": _sidecar_edit(fps=float("inf")),
    "fps-nan": _sidecar_edit(fps=float("nan")),
    "fps-1e999": lambda f: _write("clip.json", (f / "clip.json").read_text().replace(
        '"fps": 8.0', '"fps": 1e999'))(f),
    "num_frames-huge": _sidecar_edit(num_frames=10**100),
    "width-string": _sidecar_edit(width="32"),
    "height-float": _sidecar_edit(height=24.5),
    "metadata-list": _sidecar_edit(metadata=["take"]),
    "metadata-deep": _sidecar_edit(metadata=_nest(900)),
    "sidecar-100000-deep": _write("clip.json", DEEP),
    "missing-fps": _sidecar_edit(fps=_DROP),
    "missing-num_frames": _sidecar_edit(num_frames=_DROP),
    "missing-width": _sidecar_edit(width=_DROP),
    "truncated-json": _truncate("clip.json"),
    "binary-garbage": _write("clip.json", os.urandom(500)),
    "empty-sidecar": _write("clip.json", b""),
    "sidecar-missing": _remove("clip.json"),
    "sidecar-is-a-folder": _sidecar_dir,
    "sidecar-50MB": _sidecar_50mb,
    "sidecar-top-level-list": _write("clip.json", "[]"),
    "video-name-traversal": _sidecar_edit(video="../clip.gif"),
    "video-name-absolute": _sidecar_edit(video="/etc/passwd"),
    "video-name-wrong-type": _sidecar_edit(video=["clip.gif"]),
    "video-missing": _remove("clip.gif"),
    "video-empty": _write("clip.gif", b""),
    "video-truncated": _truncate("clip.gif"),
    "video-garbage": _write("clip.gif", os.urandom(2000)),
}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_list_shows_every_sound_entry_and_skips_the_damaged_one(tmp_path, history_template,
                                                                damage):
    template, ids = history_template
    root = tmp_path / "h"
    shutil.copytree(template, root)
    DAMAGE[damage](root / ids[1])
    history = History(root)
    with pytest.warns(DamagedEntryWarning, match=ids[1]) as record:
        listed = [e.id for e in history.list()]
    assert len(record) == 1 and listed == [ids[2], ids[0]]
    assert len(history) == 2
    with pytest.raises(HistoryError, match="damaged"):
        history.load(ids[1])
    assert [history.load(i).metadata["seed"] for i in listed] == [2, 0]
    history.remove(ids[1])  # a damaged entry can be removed
    assert sorted(p.name for p in root.iterdir()) == sorted([ids[0], ids[2]])


def _loads(history, entry_id) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DamagedEntryWarning)
            history.load(entry_id)
        return True
    except HistoryError:
        return False


def test_list_and_load_agree_on_randomly_damaged_histories(tmp_path, history_template):
    """For seeded combinations of damage (one per entry, or none), an entry is listed exactly
    when it loads."""
    template, ids = history_template
    rng = random.Random(4)
    kinds = [*DAMAGE, "source-garbage"]
    checked = {"listed": 0, "skipped": 0}
    for trial in range(12):
        root = tmp_path / f"h{trial}"
        shutil.copytree(template, root)
        for entry_id in ids:
            kind = None if rng.random() < 0.4 else rng.choice(kinds)
            if kind == "source-garbage":
                (root / entry_id / "source.png").write_bytes(b"\x89PNG garbage")
            elif kind is not None:
                DAMAGE[kind](root / entry_id)
        history = History(root)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DamagedEntryWarning)
            listed = {e.id for e in history.list()}
        for entry_id in ids:
            assert (entry_id in listed) == _loads(history, entry_id), (trial, entry_id)
            checked["listed" if entry_id in listed else "skipped"] += 1
    assert min(checked.values()) >= 5, checked


def test_a_damaged_source_image_loads_the_clip_without_it(tmp_path, history_template):
    template, ids = history_template
    shutil.copytree(template, tmp_path / "h")
    (tmp_path / "h" / ids[0] / "source.png").write_bytes(b"not a png")
    history = History(tmp_path / "h")
    assert ids[0] in [e.id for e in history.list()]
    with pytest.warns(DamagedEntryWarning, match="source image is damaged"):
        clip = history.load(ids[0])
    assert clip.source is None and clip.num_frames == 4


def test_static_clips_keep_every_frame_in_gif_and_webp(tmp_path):
    """GIF/WebP writers merge identical frames; the sidecar brings the frame count back."""
    frames = np.repeat(moving_frames(3), [3, 1, 4], axis=0)  # 8 frames, runs of equal ones
    for suffix in (".gif", ".webp"):
        back = read_video(Clip(frames, fps=10).save(tmp_path / f"s{suffix}"))
        assert back.num_frames == 8 and back.fps == 10
        assert np.abs(back.frames.astype(int) - frames).mean() < 4


# ----------------------------------------------------------------------------------------------
# 4. leftovers of killed writers; remove() on odd entries
# ----------------------------------------------------------------------------------------------

def _kill_a_writer(root):
    code = textwrap.dedent(f"""
        import os, numpy as np, mediapy, i2v_nb
        def die(path, *a, **k):
            open(path, "wb").write(b"half")
            os._exit(9)
        mediapy.write_video = die
        i2v_nb.History({str(root)!r}).add(i2v_nb.Clip(np.zeros((3, 8, 8, 3), np.uint8), 3))
    """)
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 9


def test_leftovers_of_a_killed_writer_are_removed_at_the_next_write(tmp_path):
    from i2v_nb.history import _HOST

    _kill_a_writer(tmp_path)
    (leftover,) = [p.name for p in tmp_path.iterdir()]
    assert leftover.startswith(".tmp-") and leftover.endswith(_HOST + "-" + leftover.split("-")[-1])
    # a writer that is still running (this process's parent: alive) keeps its folder
    alive = tmp_path / f".tmp-20260101-000000-000000-abcdef-{_HOST}-{os.getppid()}"
    alive.mkdir()
    (alive / "clip.mp4").write_bytes(b"being written")
    # another host's folders: kept while fresh, removed once untouched for 15 minutes
    fresh = tmp_path / ".tmp-20260101-000000-000000-abcdef-0badc0de-12"
    fresh.mkdir()
    old = tmp_path / ".tmp-20260101-000000-000000-abcdef-0badc0de-13"
    old.mkdir()
    (old / "clip.mp4").write_bytes(b"x")
    long_ago = time.time() - 16 * 60
    for p in (old / "clip.mp4", old):
        os.utime(p, (long_ago, long_ago))
    stray = tmp_path / ".tmp-odd-file"
    stray.write_text("x")
    os.utime(stray, (long_ago, long_ago))
    history = History(tmp_path)
    entry_id = history.add(Clip(moving_frames(2), fps=4))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([entry_id, alive.name,
                                                                 fresh.name])


@pytest.mark.parametrize("bad", ["../x", "20261125-204512-123456-3f9a1c/../x", "",
                                 "20261125-204512-123456-3f9a1c\n", ".tmp-x", "/etc", 5, None,
                                 b"20261125-204512-123456-3f9a1c", ["x"], 1.5])
def test_remove_refuses_odd_ids(tmp_path, bad):
    history = History(tmp_path)
    entry_id = history.add(Clip(moving_frames(2), fps=4))
    with pytest.raises(HistoryError, match="not a history id|no history entry"):
        history.remove(bad)
    assert [e.id for e in history.list()] == [entry_id]


def test_remove_unknown_twice_entry_object_and_symlink(tmp_path):
    history = History(tmp_path / "h")
    a, b = history.add(Clip(moving_frames(2), fps=4)), history.add(Clip(moving_frames(2), fps=4))
    with pytest.raises(HistoryError, match="no history entry"):
        history.remove("20261125-204512-123456-3f9a1c")
    with pytest.raises(HistoryError, match="not a history id"):
        history.remove(history.entry(a))  # an entry object, not its id
    history.remove(a)
    with pytest.raises(HistoryError, match="no history entry"):
        history.remove(a)
    # an entry that is a link to a folder elsewhere: only the link goes
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(tmp_path / "h" / b, elsewhere)
    link = "20990101-000000-000000-abcdef"
    (tmp_path / "h" / link).symlink_to(elsewhere, target_is_directory=True)
    assert link in [e.id for e in history.list()]
    history.remove(link)
    assert elsewhere.is_dir() and [e.id for e in history.list()] == [b]
    assert not [p for p in (tmp_path / "h").iterdir() if p.name.startswith(".tmp-")]
