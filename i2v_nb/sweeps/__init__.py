"""Sweeps: a grid of images × prompts × seeds × models, run on one process or on every GPU of one
or several machines with 🤗 accelerate, resumable, into one :class:`~i2v_nb.history.History`.

* :mod:`.spec` — :class:`Sweep` (the grid as data, from Python or a TOML file) and
  :class:`SweepItem` (one clip, with a stable id);
* :mod:`.run` — :func:`run_sweep`: skip what the history holds, split the rest between
  processes (``PartialState().split_between_processes``), record failures, summarise;
* :mod:`.records` — what a sweep keeps beside the clips (``ROOT/sweeps/``);
* :mod:`.summary` — :class:`SweepSummary`: scores ranked, best per image, failures.

>>> from i2v_nb import Sweep, History
>>> sweep = Sweep(images=["photo.jpg"], prompts=["slow zoom in", "pan left"],
...               seeds=[0, 1, 2], models=["preview"])          # doctest: +SKIP
>>> summary = sweep.run(History("i2v_outputs"))                 # doctest: +SKIP
>>> print(summary)                                              # doctest: +SKIP

From a terminal, on every GPU of this machine::

    accelerate launch --multi_gpu --num_processes 4 -m i2v_nb sweep spec.toml --history out
"""

from __future__ import annotations

from i2v_nb.sweeps.run import run_sweep
from i2v_nb.sweeps.spec import Sweep, SweepItem
from i2v_nb.sweeps.summary import SCORES, SweepSummary, summarize

__all__ = ["Sweep", "SweepItem", "SweepSummary", "SCORES", "run_sweep", "summarize"]
