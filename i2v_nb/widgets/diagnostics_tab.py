"""``DiagnosticsTab``: the continuity report of the selected clip — its plot and summary.

>>> from i2v_nb.widgets import DiagnosticsTab
>>> tab = DiagnosticsTab()
>>> tab.clip = clip; tab.run(wait=True)                           # doctest: +SKIP
>>> tab.report.flags                                               # doctest: +SKIP

The button calls :func:`i2v_nb.continuity_report` (in a thread: it takes a few seconds on a
CPU) and shows ``report.plot()`` as a PNG and ``report.summary()`` as text.
"""

from __future__ import annotations

import io
import threading
from typing import Any

import ipywidgets as W
import traitlets

from i2v_nb.widgets._common import (
    LogView,
    bytes_data_uri,
    escape,
    explain_error,
    format_traceback,
    message_html,
    run_in_thread,
    style_widget,
)

__all__ = ["DiagnosticsTab", "figure_png"]


def figure_png(fig: Any, *, dpi: int = 72) -> bytes:
    """PNG bytes of a matplotlib ``Figure`` (object API: no pyplot state is touched)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


class DiagnosticsTab(W.VBox):
    """Continuity report (plot + summary) of ``clip``.

    Attributes (traitlets):
        clip: the clip to diagnose (the Studio sets the newest or the one picked in the Gallery).
        report: the :class:`~i2v_nb.diagnostics.ContinuityReport` of ``clip`` once computed.
        running: True while the report is being computed.

    Attributes:
        error_log: the :class:`~i2v_nb.widgets._common.LogView` with a failed report's traceback.

    Args:
        dpi: resolution of the plot image.
    """

    clip = traitlets.Any(None, allow_none=True)
    report = traitlets.Any(None, allow_none=True)
    running = traitlets.Bool(False)

    def __init__(self, *, dpi: int = 72, **kwargs: Any) -> None:
        self.dpi = int(dpi)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.clip_label = W.HTML("<small>No clip selected: generate one, or click Diagnose "
                                 "in the Gallery.</small>")
        self.clip_label.add_class("i2v-diag-clip")
        self.run_button = W.Button(description="Analyse continuity", icon="line-chart",
                                   disabled=True, layout=W.Layout(width="180px"))
        self.run_button.add_class("i2v-diagnose")
        self.status = W.HTML("")
        self.status.add_class("i2v-diag-status")
        self.summary = W.HTML("")
        self.summary.add_class("i2v-diag-summary")
        self.plot = W.HTML("")
        self.plot.add_class("i2v-diag-plot")
        self.error_log = LogView("Log (details of errors)")
        self.run_button.on_click(lambda _b: self.run())
        super().__init__(children=[W.HBox([self.run_button, self.clip_label],
                                          layout=W.Layout(align_items="center")),
                                   self.status, self.summary, self.plot, self.error_log], **kwargs)
        self.add_class("i2v-diagnostics")
        self.add_class("i2v-part")
        self.children = (style_widget(), *self.children)

    @traitlets.observe("clip")
    def _on_clip(self, change: dict) -> None:
        clip = change["new"]
        self.report = None
        self.summary.value = self.plot.value = self.status.value = ""
        self.run_button.disabled = clip is None
        if clip is None:
            self.clip_label.value = "<small>No clip selected.</small>"
            return
        m = clip.metadata
        name = m.get("history_id") or "unsaved clip"
        self.clip_label.value = (f"<small>{escape(m.get('prompt') or '(no prompt)')} · "
                                 f"{clip.num_frames} frames · {escape(name)}</small>")

    def run(self, *, wait: bool = False, timeout: float | None = 120.0) -> bool:
        """Compute the report of ``clip`` in a thread (what the button does).

        Returns False when there is no clip or a report is already being computed.
        """
        clip = self.clip
        with self._lock:
            if clip is None or self.running:
                return False
            self.running = True
        self.run_button.disabled = True
        self.status.value = message_html("info", "Measuring every frame (a few seconds)…")

        def work() -> None:
            try:
                from i2v_nb.diagnostics import continuity_report

                report = continuity_report(clip)
                png = figure_png(report.plot(), dpi=self.dpi)
                summary = report.summary()
            except Exception as exc:  # noqa: BLE001 - shown in the widget
                kind, text, fix = explain_error(exc)
                self.status.value = message_html(kind, text, fix=fix)
                self.error_log.append(format_traceback(exc))
                return
            finally:
                self.running = False
                self.run_button.disabled = self.clip is None
            if clip is not self.clip:  # another clip was picked meanwhile
                return
            n = len(report.flags)
            self.status.value = message_html(
                "ok" if n == 0 else "warning",
                "No continuity problems flagged." if n == 0 else
                f"{n} frame{'s' if n != 1 else ''} flagged: see the summary and the dashed lines.")
            self.summary.value = (f'<pre class="i2v-diag-summary-text" style="font-size:12px;'
                                  f'white-space:pre-wrap;">{escape(summary)}</pre>')
            self.plot.value = (f'<img class="i2v-diag-plot-img" src="'
                               f'{bytes_data_uri(png, "image/png")}" alt="continuity report" '
                               'style="max-width:100%;">')
            self.report = report

        self._thread = run_in_thread(work, name="i2v-diagnostics")
        if wait:
            self.wait(timeout)
        return True

    def wait(self, timeout: float | None = 120.0) -> bool:
        """Block until the report thread ends."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True
