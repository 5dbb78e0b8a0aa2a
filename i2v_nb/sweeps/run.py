"""Run a sweep in one process, or split between the processes of 🤗 accelerate.

In a plain Python process or notebook, :func:`run_sweep` makes every item itself (accelerate and
torch are not imported for the preview engine). Started by ``accelerate launch`` or
``accelerate.notebook_launcher`` (``WORLD_SIZE`` > 1), it uses accelerate's ``PartialState``:

1. the main process scans the history once (:func:`~i2v_nb.sweeps.records.finished_items`) and
   every process receives the same list of items still to make
   (``accelerate.utils.broadcast_object_list``);
2. ``PartialState().split_between_processes`` gives each process a contiguous share of that
   list; items are ordered by model, so a process keeps one pipeline loaded across its items
   (the diffusers backend caches the last pipeline); on GPUs each process runs on its own
   (``cuda:<local index>``); on CPUs each keeps its share of the cores (OpenCV gets
   ``OMP_NUM_THREADS`` threads, which the launcher sets to 1);
3. each item is checked again just before it is generated and before it is saved (its marker,
   :func:`~i2v_nb.sweeps.records.done_entry`), generated, scored
   (:func:`~i2v_nb.sweeps.summary.clip_scores`) and added to the history atomically; an error
   (a bad image, a refused parameter, out of memory) is recorded on the item and the sweep goes
   on;
4. after ``wait_for_everyone``, the main process writes the summary.

A killed or pre-empted sweep resumes where it stopped: run it again, and the items already in
the history are skipped (a half-written entry of a killed writer is a hidden ``.tmp-…`` folder
that :meth:`History.add <i2v_nb.history.History.add>` removes).

>>> import numpy as np, tempfile
>>> from i2v_nb.sweeps import Sweep
>>> sweep = Sweep(images=[np.full((48, 64, 3), 90, np.uint8)], prompts=["zoom in"],
...               seeds=[0, 1], params={"num_frames": 4, "width": 64, "height": 48})
>>> summary = run_sweep(sweep, tempfile.mkdtemp(), progress=False)
>>> len(summary.table), summary.failed
(2, [])
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import socket
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from i2v_nb.history import History
    from i2v_nb.sweeps.summary import SweepSummary

__all__ = ["run_sweep", "ProcessState", "process_state", "launched_on_several_processes",
           "launch_warning", "BARRIER_TIMEOUT"]

#: How long a process waits for the others at ``wait_for_everyone`` (a share can take hours).
BARRIER_TIMEOUT = _dt.timedelta(hours=72)
_SIZE_VARIABLES = ("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")


def launched_on_several_processes() -> bool:
    """Whether this process is one of several started by a launcher (``WORLD_SIZE`` > 1, or
    MPI's equivalents)."""
    for name in _SIZE_VARIABLES:
        try:
            if int(os.environ.get(name, "1") or 1) > 1:
                return True
        except ValueError:
            continue
    return False


def launch_warning() -> str | None:
    """A note when ``accelerate launch --cpu --num_processes N`` started just this process:
    without MPI accelerate runs one process for ``--cpu``; ``--multi_gpu`` on a machine
    without GPUs starts N CPU processes."""
    use_cpu = os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes")
    if use_cpu and "MASTER_ADDR" in os.environ and not launched_on_several_processes():
        return ("accelerate launch --cpu started one process (without MPI it does not start "
                "more); to share the sweep between N CPU processes use `accelerate launch "
                "--multi_gpu --num_processes N ...` on a machine without GPUs, or "
                "notebook_launcher(..., num_processes=N)")
    return None


class ProcessState:
    """This process's place in a run: ``index`` of ``count``, the ``device`` of a GPU process
    (``"cuda:1"``) or None, and accelerate's ``PartialState`` (None in a single process)."""

    def __init__(self, partial: Any = None) -> None:
        self.partial = partial
        self.index = int(partial.process_index) if partial is not None else 0
        self.count = int(partial.num_processes) if partial is not None else 1
        device = getattr(partial, "device", None)
        self.device = str(device) if device is not None and device.type == "cuda" else None

    def __repr__(self) -> str:
        return f"ProcessState({self.index + 1}/{self.count}, device={self.device})"

    @property
    def is_main(self) -> bool:
        return self.index == 0

    def broadcast(self, value: Any) -> Any:
        """The main process's ``value``, in every process."""
        if self.partial is None or self.count == 1:
            return value
        from accelerate.utils import broadcast_object_list

        return broadcast_object_list([value])[0]

    @contextlib.contextmanager
    def split(self, items: list) -> Iterator[list]:
        """This process's contiguous share of ``items`` (``split_between_processes``)."""
        if self.partial is None:
            yield list(items)
            return
        with self.partial.split_between_processes(list(items)) as mine:
            yield list(mine)

    def wait(self) -> None:
        """``wait_for_everyone`` (nothing in a single process)."""
        if self.partial is not None:
            self.partial.wait_for_everyone()


def process_state() -> ProcessState:
    """This process's :class:`ProcessState`: accelerate's ``PartialState`` when launched on
    several processes (on CPU when no GPU is present), else a single process."""
    if not launched_on_several_processes():
        return ProcessState()
    from accelerate import PartialState

    from i2v_nb.synthesis.generate import cuda_available

    use_cpu = os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes")
    state = ProcessState(PartialState(cpu=use_cpu or not cuda_available(),
                                      timeout=BARRIER_TIMEOUT))
    if state.device is not None:
        import torch

        torch.cuda.set_device(state.device)  # "current device" figures are this GPU's
    else:
        _share_cpu()
    return state


def _share_cpu() -> None:
    """OpenCV uses ``OMP_NUM_THREADS`` threads (torch follows that variable by itself) — in a
    fresh process only: in one forked from a parent whose OpenCV thread pool ran (a notebook,
    ``notebook_launcher``), ``cv2.setNumThreads`` waits forever for the parent's threads."""
    import sys

    if "cv2" in sys.modules or "OMP_NUM_THREADS" not in os.environ:
        return
    try:
        threads = max(1, int(os.environ["OMP_NUM_THREADS"]))
    except ValueError:
        return
    import cv2

    cv2.setNumThreads(threads)


class _Images:
    """The last image loaded in this process (items of one image follow each other)."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.value: Any = None

    def get(self, item: Any) -> Any:
        """The image of ``item`` (a :class:`~i2v_nb.sweeps.SweepItem`), loaded once."""
        if self.key != item.image_hash:
            self.key = item.image_hash
            try:
                self.value = item.load_image()
            except Exception as exc:  # noqa: BLE001 - recorded on every item of this image
                self.value = exc
        if isinstance(self.value, Exception):
            raise self.value
        return self.value


def _printer(progress: Any, state: ProcessState, sweep_id: str) -> Callable[..., None]:
    if callable(progress):
        return progress

    def say(event: dict[str, Any]) -> None:
        if not progress:
            return
        who = f"[{sweep_id} process {state.index + 1}/{state.count}]"
        if event["status"] == "plan":
            print(f"{who} {event['todo']} items to make here, {event['in_history']} of "
                  f"{event['total']} already in the history", flush=True)
            return
        item = event["item"]
        what = (f"{item.id} {item.model} {item.image_label} seed {item.seed} "
                f"{item.prompt[:40]!r}")
        tail = f" in {event['seconds']:.1f} s" if event.get("seconds") is not None else ""
        if event.get("error"):
            tail += f": {' '.join(str(event['error']).split())[:160]}"
        print(f"{who} {event['done']}/{event['todo']} {event['status']} {what}{tail}",
              flush=True)

    return say


def _make(item: Any, history: "History", sweep_id: str, state: ProcessState,
          images: _Images, timings: dict[str, float]) -> tuple[str, str | None]:
    """Make one item (a :class:`~i2v_nb.sweeps.SweepItem`): ``("done", entry id)``,
    ``("skipped", entry id)`` or ``("failed", error)``."""
    from i2v_nb.sweeps.records import clear_failure, done_entry, mark_done, record_failure
    from i2v_nb.sweeps.summary import clip_scores
    from i2v_nb.synthesis import generate

    found = done_entry(history, item.id)
    if found:
        return "skipped", found
    where = {"process": state.index, "num_processes": state.count}
    try:
        t0 = time.perf_counter()
        kwargs = dict(item.params)
        kwargs.setdefault("progress", False)  # the sweep prints a line per item instead
        if state.device is not None and getattr(item.preset, "backend", "") == "diffusers" \
                and kwargs.get("device") is None:
            kwargs["device"] = state.device
        clip = generate(images.get(item), item.prompt, model=item.preset or item.model,
                        seed=item.seed, **kwargs)
        t1 = time.perf_counter()
        scores = clip_scores(clip, item.prompt)
        t2 = time.perf_counter()
        clip.metadata["sweep"] = {"id": sweep_id, "item": item.id, "image": item.image_label,
                                  "image_hash": item.image_hash, **where,
                                  "host": socket.gethostname(), "scores": scores}
        found = done_entry(history, item.id)  # finished elsewhere meanwhile: keep that one
        if found:
            return "skipped", found
        entry_id = history.add(clip)
        clip.metadata["history_id"] = entry_id
        mark_done(history, item.id, entry_id, sweep_id)
        clear_failure(history, sweep_id, item.id)
        t3 = time.perf_counter()
    except Exception as exc:  # noqa: BLE001 - recorded on the item; the sweep goes on
        record_failure(history, sweep_id, item, exc, where)
        return "failed", f"{type(exc).__name__}: {exc}"
    timings["generate_s"] += t1 - t0
    timings["score_s"] += t2 - t1
    timings["save_s"] += t3 - t2
    return "done", entry_id


def run_sweep(sweep: Any, history: "History | str | os.PathLike", *, progress: Any = True,
              score: str = "overall") -> "SweepSummary | None":
    """Make every item of ``sweep`` that ``history`` does not hold yet, then summarise.

    Args:
        sweep: the :class:`~i2v_nb.sweeps.Sweep`.
        history: a :class:`~i2v_nb.history.History` or its folder; several processes, on one or
            several machines, may share it (a shared file system).
        progress: True prints a line per item prefixed with the process; a callable receives
            each event (a dict with ``status``: ``"plan"``, ``"done"``, ``"skipped"`` or
            ``"failed"``); False prints nothing.
        score: the score the summary ranks by (:data:`~i2v_nb.sweeps.summary.SCORES`).

    Returns:
        The :class:`~i2v_nb.sweeps.SweepSummary` on the main process (written to
        ``ROOT/sweeps/<sweep id>/summary.json``), ``None`` on the others.

    Raises:
        ParameterError: an unknown ``score`` (before any work).
        HistoryError: the history folder is a file.
    """
    from i2v_nb.history import History
    from i2v_nb.sweeps.records import finished_items, sweep_folder, write_json
    from i2v_nb.sweeps.summary import check_score, summarize

    score = check_score(score)
    history = history if isinstance(history, History) else History(history)
    state = process_state()
    items = sweep.items()
    by_id = {item.id: item for item in items}
    sweep_id = sweep.id
    folder = sweep_folder(history, sweep_id)
    plan = None
    if state.is_main:
        write_json(folder / "sweep.json", sweep.describe())
        done = finished_items(history)
        plan = [item.id for item in items if item.id not in done]
    plan = state.broadcast(plan)
    say = _printer(progress, state, sweep_id)
    t_start = time.perf_counter()
    timings = {"generate_s": 0.0, "score_s": 0.0, "save_s": 0.0}
    counts = {"done": 0, "skipped": 0, "failed": 0}
    with state.split(plan) as mine:
        say({"status": "plan", "todo": len(mine), "total": len(items),
             "in_history": len(items) - len(plan)})
        images = _Images()
        for k, item_id in enumerate(mine, 1):
            item = by_id[item_id]
            t0 = time.perf_counter()
            status, detail = _make(item, history, sweep_id, state, images, timings)
            counts[status] += 1
            say({"status": status, "item": item, "done": k, "todo": len(mine),
                 "seconds": time.perf_counter() - t0,
                 "error": detail if status == "failed" else None})
        write_json(folder / f"process-{state.index}.json", {
            "process": state.index, "num_processes": state.count, "host": socket.gethostname(),
            "pid": os.getpid(), "device": state.device, "items": len(mine), **counts,
            "loop_s": time.perf_counter() - t_start, **timings})
    state.wait()
    if not state.is_main:
        return None
    summary = summarize(sweep, history, score=score)
    summary.write(folder)
    return summary
