"""``RunControls``: Generate / Stop, a progress bar with step count and time left, step previews
and errors shown in the widget with their fix.

>>> import i2v_nb
>>> from i2v_nb.widgets import RunControls
>>> image = i2v_nb.sample_image("lake")
>>> run = RunControls(lambda: {"image": image, "prompt": "clouds drifting", "num_frames": 6})
>>> run.start(); run.wait()            # what clicking Generate does   # doctest: +SKIP
>>> run.clip                                                        # doctest: +SKIP
Clip(6 frames, ...)

Generate calls :func:`i2v_nb.generate` with the keyword arguments returned by ``request()`` plus
``progress=`` and ``stop=``; it runs in a thread so the notebook stays responsive and Stop can be
clicked (Stop sets the ``threading.Event`` that ``generate`` checks between steps). From the
thread, widgets are only updated by setting their values (never ``with output:``), which is safe
on every front end.
"""

from __future__ import annotations

import threading
import time
import warnings
from typing import Any, Callable

import ipywidgets as W
import traitlets

from i2v_nb.widgets._common import (
    LogView,
    button,
    escape,
    explain_error,
    format_traceback,
    html_box,
    image_data_uri,
    mark_part,
    message_html,
    run_in_thread,
    with_class,
)

__all__ = ["RunControls", "NoImageError", "format_eta"]


class NoImageError(ValueError):
    """Generate was clicked before an image was chosen."""


def format_eta(seconds: float) -> str:
    """``"about 12 s left"``, ``"about 2 min 5 s left"``.

    >>> format_eta(4.2), format_eta(125)
    ('about 4 s left', 'about 2 min 5 s left')
    """
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"about {seconds} s left"
    return f"about {seconds // 60} min {seconds % 60} s left"


class RunControls(W.VBox):
    """Generate and Stop buttons around :func:`i2v_nb.generate`, running it in a thread.

    Attributes (traitlets):
        running: True while a generation thread runs.
        show_step_previews: show the frame/latent preview the backend reports with each step.
        clip: the last finished :class:`~i2v_nb.clip.Clip` (observe it to show the result).
        outcome: ``""``, ``"done"``, ``"stopped"`` or ``"error"`` — how the last run ended.
        message_text: the last message shown (plain text, for tests).

    Attributes:
        error_log: the :class:`~i2v_nb.widgets._common.LogView` with the traceback of each failure.

    Args:
        request: called when Generate is clicked; returns the keyword arguments of
            :func:`i2v_nb.generate` (``image``, ``prompt``, ``model``, ``seed``, ``history``,
            parameters...). Raise :class:`NoImageError` (or any ``I2VError``) to refuse.
        min_interval: seconds between progress-bar updates (fewer widget messages).
    """

    running = traitlets.Bool(False)
    show_step_previews = traitlets.Bool(True)
    clip = traitlets.Any(None, allow_none=True)
    outcome = traitlets.Unicode("")
    message_text = traitlets.Unicode("")

    def __init__(self, request: Callable[[], dict] | None = None, *, min_interval: float = 0.1,
                 **kwargs: Any) -> None:
        self.request = request
        self.min_interval = float(min_interval)
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._lock = threading.Lock()
        self.generate_button = button("Generate", "i2v-generate", icon="play",
                                      button_style="primary", width="130px",
                                      on_click=lambda: self.start())
        # red only while it can be clicked: a disabled red button looks half-active
        self.stop_button = button("Stop", "i2v-stop", icon="stop", button_style="",
                                  disabled=True, width="100px", on_click=lambda: self.stop())
        self.bar = with_class(W.IntProgress(value=0, min=0, max=1, bar_style="info",
                                            layout=W.Layout(width="260px")), "i2v-progress")
        self.status = html_box("i2v-status")
        self.step_preview = html_box("i2v-step-preview")
        self.message = html_box("i2v-message")
        # an HTML log, never an Output widget (which some front ends cannot create: see LogView)
        self.error_log = LogView("Log (details of errors)")

        super().__init__(children=[
            W.HBox([self.generate_button, self.stop_button, self.bar, self.status],
                   layout=W.Layout(align_items="center", flex_flow="row wrap")),
            self.message, self.step_preview, self.error_log], **kwargs)
        mark_part(self, "i2v-run-controls")

    # -- actions -------------------------------------------------------------------------------
    def start(self, job: Callable[..., Any] | None = None, *, label: str = "Generating") -> bool:
        """Start a generation (what Generate does), or any other long job on a clip (the
        Studio's Extend, Interpolate, Upscale). Returns False if it could not start.

        Args:
            job: ``job(progress=..., stop=...) -> Clip``, run in the thread with the same
                progress bar, Stop button, messages and error log; default
                :func:`i2v_nb.generate` with the keyword arguments of ``request()``.
            label: the verb shown while it runs ("Extending").
        """
        with self._lock:
            if self.running:
                return False
            try:
                if job is not None:
                    kwargs = {}
                elif self.request is None:
                    raise NoImageError("nothing to generate: this RunControls has no request")
                else:
                    kwargs = dict(self.request())
            except NoImageError as exc:
                self._show("error", str(exc), fix="pick a sample, upload an image or type a "
                                                  "path/URL and click Load.", outcome="error")
                return False
            except Exception as exc:  # noqa: BLE001 - shown in the widget
                kind, text, fix = explain_error(exc)
                self._show(kind, text, fix=fix, outcome="error")
                return False
            self._stop_event = threading.Event()
            self.running = True
        self._t_start = time.perf_counter()
        self._t_first: tuple[float, int] | None = None
        self._last_update = 0.0
        self._last_preview = 0.0
        self._step, self._total = 0, 0
        self.bar.value, self.bar.max, self.bar.bar_style = 0, 1, "info"
        self.status.value = "<span class='i2v-status-text'>preparing…</span>"
        self.step_preview.value = ""
        self._show("info", f"{label}… (Stop interrupts it)", outcome="")
        self._thread = run_in_thread(lambda: self._work(kwargs, job), name="i2v-generate")
        return True

    def stop(self) -> None:
        """Ask the running generation to stop (what Stop does); it ends at the next step."""
        if self.running:
            # drawn before the event is set: the worker's "stopped" must come after it
            self.stop_button.disabled = True
            self.stop_button.button_style = ""
            self.status.value = "<span class='i2v-status-text'>stopping…</span>"
            self._stop_event.set()

    def wait(self, timeout: float | None = 300.0) -> bool:
        """Block until the generation thread ends; returns True if it did within ``timeout``."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    # -- the worker ----------------------------------------------------------------------------
    def _work(self, kwargs: dict, job: Callable[..., Any] | None = None) -> None:
        from i2v_nb.errors import GenerationStopped
        from i2v_nb.synthesis.generate import generate

        job = job or generate
        notes: list[str] = []
        try:
            # warnings (a snapped value, an ignored prompt) become notes in the widget; they are
            # recorded here because a thread's warnings never reach the cell
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                clip = job(progress=self._progress, stop=self._stop_event, **kwargs)
            notes = sorted({str(w.message) for w in caught
                            if not issubclass(w.category, (DeprecationWarning,
                                                           PendingDeprecationWarning))})
        except GenerationStopped:
            done = f"after step {self._step} of {self._total}" if self._total else \
                "before the first step"
            self.bar.bar_style = "warning"
            self.status.value = "<span class='i2v-status-text'>stopped</span>"
            self.step_preview.value = ""  # the picture of a run that left nothing behind
            self._show("warning", f"Stopped {done}. Nothing was saved; click the button again "
                                  "to start over.", outcome="stopped")
        except BaseException as exc:  # noqa: BLE001 - shown in the widget, details in the log
            kind, text, fix = explain_error(exc)
            self.bar.bar_style = "danger"
            self.status.value = "<span class='i2v-status-text'>failed</span>"
            self.step_preview.value = ""
            self.error_log.append(format_traceback(exc))
            self._show(kind, text, fix=fix, outcome="error")
        else:
            elapsed = time.perf_counter() - self._t_start
            self.bar.max = max(1, self._total or 1)
            self.bar.value = self.bar.max
            self.bar.bar_style = "success"
            saved = clip.metadata.get("history_id")
            text = (f"Done: {clip.num_frames} frames, {clip.width}×{clip.height}, "
                    f"{clip.fps:g} fps in {elapsed:.1f} s"
                    + (f" — saved to the history as {saved}." if saved else "."))
            if notes:
                text += "\nNotes: " + "\n".join(notes)
            self.status.value = "<span class='i2v-status-text'>encoding the preview…</span>"
            self.step_preview.value = ""
            self.clip = clip  # observers (preview, gallery) run here, off the kernel's thread
            self.status.value = (f"<span class='i2v-status-text'>done in {elapsed:.1f} s"
                                 "</span>")
            self._show("ok", text, outcome="done")
        finally:
            self.running = False

    def _progress(self, step: int, total: int, preview: Any = None) -> None:
        now = time.perf_counter()
        self._step, self._total = int(step), int(total)
        if self._t_first is None:
            self._t_first = (now, int(step))
        if step < total and now - self._last_update < self.min_interval:
            return
        self._last_update = now
        t_first, s_first = self._t_first
        if step > s_first:
            per_step = (now - t_first) / (step - s_first)
            left = format_eta(per_step * (total - step))
        else:
            left = "estimating time left…"
        self.bar.max = max(1, int(total))
        self.bar.value = int(step)
        self.status.value = (f"<span class='i2v-status-text'>step {step}/{total} · "
                             f"{now - self._t_start:.1f} s · {left}</span>")
        if preview is not None and self.show_step_previews and now - self._last_preview > 0.5:
            self._last_preview = now
            try:
                uri = image_data_uri(preview, max_size=160)
                caption = escape(str(getattr(preview, "caption", "") or ""))
                self.step_preview.value = (
                    f'<figure style="margin:0;"><img src="{uri}" alt="step {step}" '
                    f'title="step {step}" style="max-height:120px;max-width:100%;opacity:0.9;">'
                    + (f'<figcaption style="font-size:11px;opacity:0.75;">{caption}'
                       "</figcaption>" if caption else "") + "</figure>")
            except Exception:  # noqa: BLE001 - a preview must never break generation
                pass

    # -- helpers -------------------------------------------------------------------------------
    def _show(self, kind: str, text: str, *, fix: str | None = None, outcome: str) -> None:
        self.message.value = message_html(kind, text, fix=fix)
        self.message_text = text + (f" Fix: {fix}" if fix else "")
        if outcome:
            self.outcome = outcome

    @traitlets.observe("running")
    def _on_running(self, change: dict) -> None:
        running = change["new"]
        self.generate_button.disabled = running
        self.generate_button.button_style = "" if running else "primary"
        self.stop_button.disabled = not running
        self.stop_button.button_style = "danger" if running else ""
