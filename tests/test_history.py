"""History: every clip on disk with its parameters, atomic writes, reload after a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from i2v_nb import Clip, History, HistoryError
from i2v_nb.history import DamagedEntryWarning
from tests.conftest import moving_frames, smooth_image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_clip(seed: int = 0, prompt: str = "pan right") -> Clip:
    return Clip(moving_frames(6, seed=seed), fps=6, source=smooth_image(seed=seed),
                metadata={"prompt": prompt, "model": "preview", "seed": seed,
                          "params": {"num_frames": 6}})


def test_add_list_load_round_trip(tmp_path):
    history = History(tmp_path / "out")
    assert history.list() == [] and len(history) == 0
    entry_id = history.add(make_clip(1))
    (entry,) = history.list()
    assert entry.id == entry_id and entry.prompt == "pan right" and entry.seed == 1
    assert (entry.num_frames, entry.width, entry.height, entry.fps) == (6, 64, 48, 6.0)
    assert sorted(p.name for p in entry.path.iterdir()) == ["clip.json", "clip.mp4",
                                                            "source.png", "thumb.jpg"]
    clip = history.load(entry_id)
    assert clip.frames.shape == (6, 48, 64, 3)
    assert np.abs(clip.frames.astype(float) - make_clip(1).frames).mean() < 3
    assert clip.metadata["prompt"] == "pan right" and clip.metadata["history_id"] == entry_id
    assert np.array_equal(np.asarray(clip.source), smooth_image(seed=1))


def test_default_root_is_i2v_outputs_in_the_working_directory(tmp_path):
    history = History()
    history.add(make_clip())
    assert (tmp_path / "i2v_outputs").is_dir() and len(History("i2v_outputs")) == 1


def test_newest_first_and_ids_never_collide(tmp_path):
    history = History(tmp_path)
    ids = [history.add(make_clip(i, prompt=f"take {i}")) for i in range(5)]
    assert len(set(ids)) == 5
    assert [e.id for e in history.list()] == ids[::-1]
    assert [e.prompt for e in history.list()] == [f"take {i}" for i in range(4, -1, -1)]
    assert history.latest().id == ids[-1]


def test_other_formats(tmp_path):
    history = History(tmp_path)
    entry_id = history.add(make_clip(), format="gif")
    assert history.entry(entry_id).video_path.suffix == ".gif"
    assert history.load(entry_id).num_frames == 6
    with pytest.raises(HistoryError, match="format"):
        history.add(make_clip(), format="avi")


def test_reload_in_a_fresh_process(tmp_path):
    history = History(tmp_path / "h")
    ids = [history.add(make_clip(i)) for i in range(2)]
    code = textwrap.dedent(f"""
        import json, i2v_nb
        h = i2v_nb.History({str(tmp_path / 'h')!r})
        entries = h.list()
        clip = h.load(entries[0].id)
        print(json.dumps({{"ids": [e.id for e in entries], "shape": list(clip.frames.shape),
                          "seed": clip.metadata["seed"]}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO)
    result = json.loads(out.stdout)
    assert result == {"ids": ids[::-1], "shape": [6, 48, 64, 3], "seed": 1}


def test_damaged_entries_are_skipped_with_a_warning(tmp_path):
    history = History(tmp_path)
    good = history.add(make_clip(0))
    bad_json = history.add(make_clip(1))
    no_video = history.add(make_clip(2))
    (tmp_path / bad_json / "clip.json").write_text("{ not json")
    (tmp_path / no_video / "clip.mp4").unlink()
    (tmp_path / "notes.txt").write_text("a stray file")            # ignored
    (tmp_path / "random-folder").mkdir()                           # ignored: not an id
    with pytest.warns(DamagedEntryWarning) as record:
        entries = history.list()
    assert [e.id for e in entries] == [good]
    assert sorted(str(w.message).split("'")[1] for w in record) == sorted([bad_json, no_video])
    with pytest.raises(HistoryError, match="damaged"):
        history.load(bad_json)


def test_interrupted_write_leaves_nothing_behind(tmp_path, monkeypatch):
    import mediapy

    history = History(tmp_path)
    history.add(make_clip(0))

    def crash(path, *a, **k):
        with open(path, "wb") as f:
            f.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mediapy, "write_video", crash)
    with pytest.raises(OSError, match="No space"):
        history.add(make_clip(1))
    assert len(history.list()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [history.list()[0].id]


def test_a_killed_process_leaves_no_visible_entry(tmp_path):
    """The writer dies (os._exit) half-way through the video: the entry never appears."""
    code = textwrap.dedent(f"""
        import os, numpy as np, mediapy, i2v_nb
        def die(path, *a, **k):
            open(path, "wb").write(b"half")
            os._exit(9)
        mediapy.write_video = die
        i2v_nb.History({str(tmp_path)!r}).add(i2v_nb.Clip(np.zeros((3, 8, 8, 3), np.uint8), 3))
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO)
    assert proc.returncode == 9
    assert History(tmp_path).list() == []  # the hidden .tmp-* folder is not an entry
    assert all(p.name.startswith(".tmp-") for p in tmp_path.iterdir())


@pytest.mark.parametrize("bad_id", ["../etc", "20261125-204512-123456-3f9a1c/../x", "", 5])
def test_ids_are_validated_never_used_as_raw_paths(tmp_path, bad_id):
    with pytest.raises(HistoryError, match="not a history id"):
        History(tmp_path).load(bad_id)


def test_unknown_id_and_file_root(tmp_path):
    with pytest.raises(HistoryError, match="no history entry"):
        History(tmp_path).load("20261125-204512-123456-3f9a1c")
    (tmp_path / "file").write_text("x")
    with pytest.raises(HistoryError, match="is a file"):
        History(tmp_path / "file")


def test_remove(tmp_path):
    history = History(tmp_path)
    a, b = history.add(make_clip(0)), history.add(make_clip(1))
    history.remove(a)
    assert [e.id for e in history.list()] == [b]


def test_the_next_add_removes_what_a_killed_writer_left(tmp_path):
    """A writer killed half-way (os._exit while writing the video) leaves its hidden folder; the
    next add, in another process, sees that writer is dead and removes it."""
    code = textwrap.dedent(f"""
        import os, numpy as np, mediapy, i2v_nb
        def die(path, *a, **k):
            open(path, "wb").write(b"half")
            os._exit(9)
        mediapy.write_video = die
        i2v_nb.History({str(tmp_path)!r}).add(i2v_nb.Clip(np.zeros((3, 8, 8, 3), np.uint8), 3))
    """)
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 9
    assert [p.name[:5] for p in tmp_path.iterdir()] == [".tmp-"]
    entry_id = History(tmp_path).add(make_clip(0))
    assert [p.name for p in tmp_path.iterdir()] == [entry_id]


def test_entries_know_their_sweep(tmp_path):
    history = History(tmp_path)
    plain = history.add(make_clip(0))
    clip = make_clip(1)
    clip.metadata["sweep"] = {"id": "sw-0123456789ab", "item": "0123456789abcdef"}
    swept = history.add(clip)
    clip.metadata["sweep"] = {"id": "sw-ffffffffffff", "item": "fedcba9876543210"}
    other = history.add(clip)
    entries = {e.id: e for e in history.list()}
    assert entries[plain].sweep_id is None and entries[plain].sweep_item is None
    assert (entries[swept].sweep_id, entries[swept].sweep_item) == ("sw-0123456789ab",
                                                                     "0123456789abcdef")
    assert [e.id for e in history.list(sweep="sw-0123456789ab")] == [swept]
    assert [e.id for e in history.list(sweep="sw-ffffffffffff")] == [other]
    assert len(history.list()) == 3
