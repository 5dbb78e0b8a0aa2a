"""The one progress rule of every long call: a ``tqdm.auto`` bar unless told otherwise.

``generate``, ``generate_many``, ``extend``, ``interpolate``, ``upscale``, sweeps, ``analyze``
with a depth model and reports on long clips take a ``progress=`` argument that means the same
everywhere:

* ``None`` (default) — a ``tqdm.auto`` bar: a widget bar in Jupyter and Colab, a text bar in a
  terminal; none into a log file or a pipe (``TQDM_DISABLE=1`` in the environment turns every
  bar off, as tqdm does);
* ``False`` — nothing;
* ``"previews"`` — the bar, and in a notebook the latest step preview image below it (updated in
  place, at most twice a second);
* a callable — called as ``progress(done, total, preview)`` (``preview`` may be None) instead.

``generate_many`` shows one bar over its clips (none per clip); ``continuity_report`` a bar
for clips of 64 frames or more, ``analyze`` one when a depth model may run (shorter work takes
about a second and shows none). A sweep prints one line per item
and process instead (bars from several processes would overwrite each other).

:func:`progress_reporter` turns the argument into a callable and a ``close()``:

>>> report, close = progress_reporter(False, desc="test")
>>> report(1, 3), close()
(None, None)
>>> calls = []
>>> report, close = progress_reporter(lambda *a: calls.append(a), desc="test")
>>> report(2, 5); close(); calls
[(2, 5, None)]
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable

from i2v_nb.errors import ParameterError

__all__ = ["progress_reporter", "check_progress"]

Reporter = Callable[..., None]


def check_progress(progress: Any) -> None:
    """Raise :class:`~i2v_nb.errors.ParameterError` for a ``progress=`` that is none of the
    accepted values (see the module docstring)."""
    if progress is None or progress is False or progress is True or progress == "previews" \
            or callable(progress):
        return
    raise ParameterError(f"progress={progress!r}: use None (a progress bar), False (none), "
                         "'previews' (a bar and the step previews) or a function "
                         "progress(done, total, preview)")


def progress_reporter(progress: Any, *, desc: str, unit: str = "step"
                      ) -> tuple[Reporter, Callable[[], None]]:
    """``(report, close)`` for a ``progress=`` argument: ``report(done, total, preview=None)``
    after each step, ``close()`` at the end (also after an error).

    Args:
        progress: the caller's argument (see the module docstring).
        desc: the bar's label ("generate", "interpolate"…).
        unit: what a step is ("step", "frame", "pair", "item").
    """
    check_progress(progress)
    if progress is False:
        return (lambda *_a, **_k: None), (lambda: None)
    if callable(progress) and progress is not True:
        def call(done: int, total: int, preview: Any = None) -> None:
            progress(done, total, preview)
        return call, (lambda: None)
    from tqdm.auto import tqdm

    # read at each call (tqdm itself reads TQDM_DISABLE once, when it is first imported); no
    # bar into a log file or a pipe (a terminal or a notebook gets one)
    off = os.environ.get("TQDM_DISABLE", "").strip().lower() in ("1", "true", "yes", "on") \
        or not _interactive()
    bar = tqdm(total=None, desc=desc, unit=unit, leave=False, dynamic_ncols=True, disable=off)
    shown: dict[str, Any] = {"handle": None, "at": 0.0}
    previews = progress == "previews"

    def report(done: int, total: int, preview: Any = None) -> None:
        if bar.total != total:
            bar.total = int(total)
        bar.n = int(done)
        bar.refresh()
        if previews and preview is not None and time.perf_counter() - shown["at"] > 0.5:
            shown["at"] = time.perf_counter()
            _show_preview(preview, shown)

    def close() -> None:
        bar.close()

    return report, close


def _interactive() -> bool:
    """A notebook kernel, or a terminal on stderr (where a bar can redraw itself)."""
    import sys

    if "IPython" in sys.modules:  # a notebook kernel (Jupyter, Colab) has a shell with a kernel
        try:
            from IPython import get_ipython

            if getattr(get_ipython(), "kernel", None) is not None:
                return True
        except Exception:  # noqa: BLE001 - no IPython shell: decide by the terminal
            pass
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # a closed stream
        return False


def _show_preview(preview: Any, shown: dict[str, Any]) -> None:
    """The step preview in the notebook below the bar, replaced in place (no-op outside one)."""
    try:
        import numpy as np
        from IPython.display import display
        from PIL import Image

        image = Image.fromarray(np.asarray(preview, dtype=np.uint8))
        image.thumbnail((256, 256))
        if shown["handle"] is None:
            shown["handle"] = display(image, display_id=True)
        elif shown["handle"] is not None:
            shown["handle"].update(image)
    except Exception:  # noqa: BLE001 - a preview must never break the call
        pass
