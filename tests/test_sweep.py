"""Sweeps: a grid as data with stable ids, run in one process or split by accelerate into one
history, resumable after a kill, failures recorded, a ranked summary."""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest
from PIL import Image

import i2v_nb
from i2v_nb import History, ParameterError, Sweep
from i2v_nb.sweeps import records
from i2v_nb.sweeps.run import launch_warning
from tests.conftest import smooth_image

REPO = pathlib.Path(__file__).resolve().parent.parent
TINY = {"num_frames": 8, "width": 64, "height": 48}


def write_images(folder: pathlib.Path, n: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(n):
        Image.fromarray(smooth_image(48, 64, seed=i)).save(folder / f"img{i}.png")
        names.append(f"img{i}.png")
    return names


def write_spec(folder: pathlib.Path, *, images: int = 2, prompts=("zoom in", "pan left"),
               seeds=(0, 1), params=TINY) -> pathlib.Path:
    names = write_images(folder, images)
    lines = [f"images = {json.dumps(names)}", f"prompts = {json.dumps(list(prompts))}",
             f"seeds = {json.dumps(list(seeds))}", 'models = ["preview"]', 'name = "test"',
             "[params]", *(f"{k} = {json.dumps(v)}" for k, v in params.items())]
    spec = folder / "spec.toml"
    spec.write_text("\n".join(lines) + "\n")
    return spec


def item_counts(history: History) -> collections.Counter:
    return collections.Counter(e.sweep_item for e in history.list() if e.sweep_item)


def file_times(history: History) -> dict[str, tuple[int, int]]:
    return {e.id: ((e.path / "clip.json").stat().st_mtime_ns, e.video_path.stat().st_mtime_ns)
            for e in history.list()}


# ------------------------------------------------------------------------------ the grid as data
def test_item_ids_are_stable_and_distinct(tmp_path):
    names = write_images(tmp_path, 2)
    paths = [str(tmp_path / n) for n in names]
    sweep = Sweep(paths, ["zoom in", "pan left"], [0, 1, 2], params=TINY)
    items = sweep.items()
    assert len(items) == 2 * 2 * 3 and len({i.id for i in items}) == len(items)
    # the same grid written in another order, with the image as bytes: the same ids
    again = Sweep([(tmp_path / names[1]).read_bytes(), paths[0]], ["pan left", "zoom in"],
                  [2, 1, 0], params=dict(reversed(list(TINY.items()))))
    assert {i.id for i in again.items()} == {i.id for i in items}
    assert again.id == sweep.id
    # each ingredient changes the id
    base = Sweep(paths[:1], "zoom in", 0, params=TINY).items()[0].id
    for other in (Sweep(paths[1:], "zoom in", 0, params=TINY),
                  Sweep(paths[:1], "zoom out", 0, params=TINY),
                  Sweep(paths[:1], "zoom in", 1, params=TINY),
                  Sweep(paths[:1], "zoom in", 0, params={**TINY, "num_frames": 9})):
        assert other.items()[0].id != base
    # how an item runs (memory profile, device) is not what it makes: the same id
    rerun = Sweep(paths[:1], "zoom in", 0, params={**TINY, "profile": "balanced", "device": "cpu"})
    assert rerun.items()[0].id == base
    # another Python process (its own hash seed) computes the same ids
    code = (f"from i2v_nb import Sweep; print(Sweep({paths!r}, ['zoom in', 'pan left'], "
            f"[0, 1, 2], params={TINY!r}).id)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, env={**os.environ, "PYTHONHASHSEED": "123"}, check=True)
    assert out.stdout.strip() == sweep.id


def test_items_are_grouped_by_model_and_deduplicated():
    img = smooth_image()
    small = dataclasses.replace(i2v_nb.get_model("preview"), name="preview-small", max_side=32)
    sweep = Sweep([img], ["a", "b"], [0, 0, 1], models=["preview", small], params=TINY)
    models = [i.model for i in sweep.items()]
    assert models == ["preview"] * 4 + ["preview-small"] * 4  # seed 0 listed twice: kept once


def test_bad_sweeps_are_refused_before_any_work(tmp_path):
    with pytest.raises(ParameterError, match="unknown model"):
        Sweep([smooth_image()], models=["no-such-model"])
    with pytest.raises(ParameterError, match="may not set seed"):
        Sweep([smooth_image()], params={"seed": 3})
    with pytest.raises(ParameterError, match="whole numbers"):
        Sweep([smooth_image()], seeds=[1.5])
    with pytest.raises(ParameterError, match="no bundled sample"):
        Sweep(["sample:nope"])
    with pytest.raises(ParameterError, match="score="):
        Sweep([smooth_image()]).run(tmp_path / "h", score="prettiness")


def test_from_toml(tmp_path):
    spec = write_spec(tmp_path / "job", images=2, prompts=["zoom in"], seeds=[3, 4])
    sweep = Sweep.from_toml(spec)
    assert sweep.name == "test" and sweep.seeds == [3, 4] and sweep.params == TINY
    # image paths are relative to the file's folder, not the working directory
    assert sweep.images == [str(tmp_path / "job" / "img0.png"), str(tmp_path / "job" / "img1.png")]
    assert sweep.id == Sweep(sweep.images, ["zoom in"], [3, 4], params=TINY).id
    bad = tmp_path / "bad.toml"
    bad.write_text('images = ["a.png"]\nseed = [1]\n')
    with pytest.raises(ParameterError, match="unknown keys seed"):
        Sweep.from_toml(bad)
    bad.write_text('prompts = ["a"]\n')
    with pytest.raises(ParameterError, match="no images"):
        Sweep.from_toml(bad)
    bad.write_text("images = [\n")
    with pytest.raises(ParameterError, match="not valid TOML"):
        Sweep.from_toml(bad)


# ------------------------------------------------------------------------------ one process
def test_one_process_run_into_a_history(tmp_path):
    spec = write_spec(tmp_path, images=2)
    sweep = Sweep.from_toml(spec)
    history = History(tmp_path / "out")
    events = []
    summary = sweep.run(history, progress=events.append, score="motion_smoothness")
    assert [e["status"] for e in events] == ["plan"] + ["done"] * 8
    entries = history.list(sweep=sweep.id)
    assert len(entries) == 8 and item_counts(history) == {i.id: 1 for i in sweep.items()}
    entry = entries[0]
    assert entry.sweep_id == sweep.id and entry.metadata["sweep"]["process"] == 0
    assert entry.metadata["seed"] in (0, 1) and entry.metadata["params"]["num_frames"] == 8
    # the summary: every item ranked by the chosen score, best per image, written to disk
    table = summary.table
    assert list(table["rank"]) == list(range(1, 9)) and set(table["item"]) == {
        i.id for i in sweep.items()}
    assert table["motion_smoothness"].is_monotonic_decreasing
    assert len(summary.best) == 2 and set(summary.best["image"]) == {"img0.png", "img1.png"}
    for _, best in summary.best.iterrows():
        same = table[table["image"] == best["image"]]
        assert best["motion_smoothness"] == same["motion_smoothness"].max()
    stored = json.loads(summary.path.read_text())
    assert [r["item"] for r in stored["ranked"]] == list(table["item"])
    assert summary.path == history.root / "sweeps" / sweep.id / "summary.json"
    # the stored scores are the continuity report's numbers for the saved frames' source clip
    scores = entry.metadata["sweep"]["scores"]
    report = i2v_nb.continuity_report(history.load(entry.id))
    assert abs(scores["temporal_flickering"] - report.scores["temporal_flickering"]) < 0.01


def test_resume_skips_finished_items_and_leaves_them_untouched(tmp_path):
    img = smooth_image()
    history = History(tmp_path / "out")
    first = Sweep([img], ["zoom in"], [0, 1], params=TINY)
    first.run(history, progress=False)
    before = file_times(history)
    bigger = Sweep([img], ["zoom in"], [0, 1, 2, 3], params=TINY)  # two more seeds
    events = []
    summary = bigger.run(history, progress=events.append)
    assert events[0]["todo"] == 2 and events[0]["in_history"] == 2
    assert [e["item"].seed for e in events[1:]] == [2, 3]
    assert item_counts(history) == {i.id: 1 for i in bigger.items()}
    after = file_times(history)
    assert {k: after[k] for k in before} == before  # the finished clips were not rewritten
    assert len(summary.table) == 4 and not summary.not_run
    # a rerun makes nothing and writes no entry
    bigger.run(history, progress=False)
    assert file_times(history) == after


def test_done_markers_follow_the_history(tmp_path):
    history = History(tmp_path / "out")
    sweep = Sweep([smooth_image()], ["zoom in"], [0], params=TINY)
    sweep.run(history, progress=False)
    item = sweep.items()[0]
    entry_id = records.done_entry(history, item.id)
    assert entry_id == history.list()[0].id
    history.remove(entry_id)  # a clip deleted by hand is no longer done: the rerun remakes it
    assert records.done_entry(history, item.id) is None
    sweep.run(history, progress=False)
    assert item_counts(history) == {item.id: 1}


def test_failures_are_recorded_and_the_sweep_goes_on(tmp_path):
    from i2v_nb.synthesis import register_backend
    from i2v_nb.synthesis.diffusers_backend.oom import out_of_memory

    preview = i2v_nb.get_model("preview")

    def oom_backend(request):
        raise out_of_memory(request.preset, "fast", request.params, "CUDA out of memory. Tried "
                            "to allocate 2.00 GiB", stage="running", numbers=(None, None, None))

    register_backend("sweep-test-oom", oom_backend)
    oom_model = dataclasses.replace(preview, name="preview-oom", backend="sweep-test-oom")
    small = dataclasses.replace(preview, name="preview-small", max_side=32)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    good = tmp_path / "good.png"
    Image.fromarray(smooth_image()).save(good)
    sweep = Sweep([str(good), str(broken)], ["zoom in"], [0],
                  models=["preview", small, oom_model], params=TINY)
    history = History(tmp_path / "out")
    summary = sweep.run(history, progress=False)
    assert len(summary.table) == 1  # preview on the good image
    assert summary.table["image"].tolist() == ["good.png"]
    failed = {(f["model"], f["image"]): f for f in summary.failed}
    assert len(failed) == 5 and not summary.not_run
    assert failed[("preview", "broken.png")]["error"] == "ImageInputError"
    assert failed[("preview-small", "good.png")]["error"] == "ParameterError"
    assert "width=64" in failed[("preview-small", "good.png")]["message"]
    oom = failed[("preview-oom", "good.png")]
    assert oom["error"] == "OutOfMemory" and oom["next_profile"] == "balanced"
    on_disk = records.failures(history, sweep.id)
    assert set(on_disk) == {f["item"] for f in summary.failed}
    assert "OutOfMemory" in summary.text() and "try profile='balanced'" in summary.text()
    # the same item succeeding later clears its record
    assert len(records.failures(history, sweep.id)) == 5
    fixed = dataclasses.replace(small, max_side=4096)  # same name: the same item ids
    again = Sweep([str(good), str(broken)], ["zoom in"], [0],
                  models=["preview", fixed, oom_model], params=TINY)
    assert again.id == sweep.id
    summary = again.run(history, progress=False)
    assert len(summary.table) == 2 and len(summary.failed) == 4
    assert len(records.failures(history, sweep.id)) == 4


def test_cli_sweep_in_process(tmp_path, capsys):
    from i2v_nb.cli import main

    spec = write_spec(tmp_path, images=1, seeds=[0])
    assert main(["sweep", str(spec), "--history", str(tmp_path / "out"), "--quiet"]) == 0
    out = capsys.readouterr().out
    path = tmp_path / "out" / "sweeps" / Sweep.from_toml(spec).id / "summary.json"
    assert f"summary: {path}" in out and "ranked by overall" in out
    assert main(["sweep", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read the sweep file" in capsys.readouterr().err


def test_launch_warning_names_the_cpu_trap(monkeypatch):
    for name in ("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ACCELERATE_USE_CPU", "True")
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    assert "--multi_gpu --num_processes N" in launch_warning()
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert launch_warning() is None


# ------------------------------------------------------------------------------ accelerate
def launch_command(spec: pathlib.Path, history: pathlib.Path, processes: int = 2) -> list[str]:
    """``accelerate launch`` of the sweep CLI on CPU processes. accelerate's ``--cpu`` starts one
    process unless MPI is used; ``--multi_gpu`` on a machine without a GPU starts N CPU
    processes through torchrun (the sweep then takes ``PartialState(cpu=True)``)."""
    return [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu",
            "--num_processes", str(processes), "--num_machines", "1", "--mixed_precision", "no",
            "--dynamo_backend", "no", "--main_process_port", "0", "-m", "i2v_nb", "sweep",
            str(spec), "--history", str(history)]


def launch_env(tmp_path: pathlib.Path) -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "HF_HOME": str(tmp_path / "hf"),
            "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_accelerate_launch_two_processes(tmp_path):
    spec = write_spec(tmp_path, images=2)  # 2 images × 2 prompts × 2 seeds = 8 tiny items
    history = History(tmp_path / "out")
    proc = subprocess.run(launch_command(spec, history.root), cwd=tmp_path,
                          env=launch_env(tmp_path), capture_output=True, text=True, timeout=280)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    sweep = Sweep.from_toml(spec)
    assert item_counts(history) == {i.id: 1 for i in sweep.items()}
    processes = collections.Counter(e.metadata["sweep"]["process"] for e in history.list())
    assert processes == {0: 4, 1: 4}  # both did work, a contiguous half each
    assert all(e.metadata["sweep"]["num_processes"] == 2 for e in history.list())
    assert "process 1/2] 4 items to make here" in proc.stdout
    assert "process 2/2] 4 items to make here" in proc.stdout
    path = history.root / "sweeps" / sweep.id / "summary.json"
    assert f"summary: {path}" in proc.stdout and proc.stdout.count("summary: ") == 1
    summary = json.loads(path.read_text())
    ranked = summary["ranked"]
    assert [r["rank"] for r in ranked] == list(range(1, 9))
    assert [r["overall"] for r in ranked] == sorted((r["overall"] for r in ranked), reverse=True)
    assert {r["process"] for r in ranked} == {0, 1}
    stats = records.process_records(history, sweep.id)
    assert [(s["process"], s["done"]) for s in stats] == [(0, 4), (1, 4)]


def _kill_tree(pid: int) -> None:
    """SIGKILL the launcher and every process under it (torchrun's workers run in their own
    sessions, so the launcher's process group does not hold them)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        procs = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        try:
            p.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=10)


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_killed_sweep_resumes_without_duplicates(tmp_path):
    spec = write_spec(tmp_path, images=2, prompts=["zoom in", "pan left"], seeds=[0, 1, 2, 3],
                      params={**TINY, "num_frames": 16})  # 16 items
    sweep = Sweep.from_toml(spec)
    history = History(tmp_path / "out")
    launcher = subprocess.Popen(launch_command(spec, history.root), cwd=tmp_path,
                                env=launch_env(tmp_path), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while len(list(history.root.glob("2*"))) < 3 and time.monotonic() < deadline \
                and launcher.poll() is None:
            time.sleep(0.02)
    finally:
        _kill_tree(launcher.pid)
    launcher.wait(timeout=30)
    finished = item_counts(history)
    print(f"killed after {len(finished)} of 16 items")
    assert 0 < len(finished) < 16, f"the kill came at {len(finished)} of 16 items"
    assert all(n == 1 for n in finished.values())
    before = file_times(history)
    rerun = subprocess.run(launch_command(spec, history.root), cwd=tmp_path,
                           env=launch_env(tmp_path), capture_output=True, text=True,
                           timeout=280)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert item_counts(history) == {i.id: 1 for i in sweep.items()}  # every item exactly once
    after = file_times(history)
    assert {k: after[k] for k in before} == before  # the finished ones untouched
    todo = sum(int(line.split("] ")[1].split()[0]) for line in rerun.stdout.splitlines()
               if "items to make here" in line)
    assert todo == 16 - len(finished)
    # a writer killed half-way left a hidden .tmp-… folder at most; the rerun's writers removed it
    assert not [p.name for p in history.root.iterdir() if p.name.startswith(".tmp-")]
    summary = json.loads((history.root / "sweeps" / sweep.id / "summary.json").read_text())
    assert summary["finished"] == 16 and not summary["failed"] and not summary["not_run"]


@pytest.mark.slow
def test_each_model_is_loaded_once_per_process(tmp_path):
    """Items are grouped by model, and the diffusers backend keeps the last pipeline: the second
    item of a model reuses it (load time 0)."""
    sweep = Sweep([smooth_image()], ["zoom in"], [0, 1], models=["tiny-ltx", "tiny-wan"])
    summary = sweep.run(History(tmp_path / "out"), progress=False)
    assert not summary.failed, summary.failed
    history = History(tmp_path / "out")
    by_item = {e.sweep_item: e for e in history.list()}
    loads = [(item.model, by_item[item.id].metadata["backend_info"]["timings"]["load_s"])
             for item in sweep.items()]
    assert [m for m, _ in loads] == ["tiny-ltx", "tiny-ltx", "tiny-wan", "tiny-wan"]
    assert loads[1][1] == 0 and loads[3][1] == 0  # the second item of each model: no loading
    assert loads[2][1] > 0  # switching model loads the next one
