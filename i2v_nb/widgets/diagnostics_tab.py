"""``DiagnosticsTab``: the continuity report of the selected clip — its flags, plot and summary.

>>> from i2v_nb.widgets import DiagnosticsTab
>>> tab = DiagnosticsTab()
>>> tab.clip = clip; tab.run(wait=True)                           # doctest: +SKIP
>>> tab.report.flags                                               # doctest: +SKIP

The button calls :func:`i2v_nb.continuity_report` (in a thread: it takes a few seconds on a
CPU) and shows each flag in words with its frame and region outlined (``report.show_flag(i)``
as a PNG), ``report.plot()`` as a PNG and ``report.summary()`` as text. Images go into HTML
widgets (no ``Output`` widget: Colab's front end cannot create one).
"""

from __future__ import annotations

import io
import threading
from typing import Any

import ipywidgets as W
import traitlets

from i2v_nb.widgets._common import (
    LogView,
    button,
    bytes_data_uri,
    escape,
    explain_error,
    format_traceback,
    html_box,
    mark_part,
    message_html,
    run_in_thread,
)

__all__ = ["DiagnosticsTab", "figure_png", "flag_cards_html"]


def figure_png(fig: Any, *, dpi: int = 72) -> bytes:
    """PNG bytes of a matplotlib ``Figure`` (object API: no pyplot state is touched)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def flag_cards_html(report: Any, *, limit: int = 6, dpi: int = 60) -> str:
    """HTML of the report's first ``limit`` flags: each flag's explanation in words above the
    picture of :meth:`~i2v_nb.diagnostics.ContinuityReport.show_flag` (the frame and its
    neighbours, the region outlined, the residual map) as an inline PNG. Empty without flags.

    >>> flag_cards_html(report)                                   # doctest: +SKIP
    '<div class="i2v-diag-flag">…'
    """
    flags = list(getattr(report, "flags", []))
    cards = []
    for k, flag in enumerate(flags[:limit]):
        png = figure_png(report.show_flag(k), dpi=dpi)
        where = "" if flag.box is None else " · region ({}, {})–({}, {})".format(*flag.box)
        cards.append(
            f'<div class="i2v-diag-flag" data-frame="{int(flag.frame)}" '
            f'data-kind="{escape(flag.kind)}" style="margin:6px 0;">'
            f'<div style="font-size:13px;"><b>{escape(flag.explain())}</b> '
            f'<small>({escape(flag.kind)}, frame {int(flag.frame)}{where})</small></div>'
            f'<img class="i2v-diag-flag-img" src="{bytes_data_uri(png, "image/png")}" '
            f'alt="{escape(flag.explain())}" style="max-width:100%;height:auto;"></div>')
    if len(flags) > limit:
        cards.append(f"<small>… and {len(flags) - limit} more flag(s) in the summary.</small>")
    return "".join(cards)


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
        max_flag_views: how many flags are drawn with their region (the rest are listed in the
            summary).
    """

    clip = traitlets.Any(None, allow_none=True)
    report = traitlets.Any(None, allow_none=True)
    running = traitlets.Bool(False)

    def __init__(self, *, dpi: int = 72, max_flag_views: int = 6, **kwargs: Any) -> None:
        self.dpi = int(dpi)
        self.max_flag_views = int(max_flag_views)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.clip_label = html_box("i2v-diag-clip", "<small>No clip selected: generate one, or "
                                   "click Diagnose in the Gallery.</small>")
        self.run_button = button("Analyse continuity", "i2v-diagnose", icon="line-chart",
                                 disabled=True, width="180px", on_click=lambda: self.run())
        self.status = html_box("i2v-diag-status")
        self.flag_views = html_box("i2v-diag-flags")
        self.summary = html_box("i2v-diag-summary")
        self.plot = html_box("i2v-diag-plot")
        self.error_log = LogView("Log (details of errors)")
        super().__init__(children=[W.HBox([self.run_button, self.clip_label],
                                          layout=W.Layout(align_items="center",
                                                          flex_flow="row wrap")),
                                   self.status, self.flag_views, self.summary, self.plot,
                                   self.error_log], **kwargs)
        mark_part(self, "i2v-diagnostics")

    @traitlets.observe("clip")
    def _on_clip(self, change: dict) -> None:
        clip = change["new"]
        self.report = None
        self.summary.value = self.plot.value = self.status.value = self.flag_views.value = ""
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
                cards = flag_cards_html(report, limit=self.max_flag_views,
                                        dpi=max(40, self.dpi - 12))
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
                f"{n} flag{'s' if n != 1 else ''}: each is drawn below with its frame and region, "
                "and marked by a dashed line in the plot.")
            self.flag_views.value = cards
            self.summary.value = (f'<pre class="i2v-diag-summary-text" style="font-size:12px;'
                                  f'white-space:pre-wrap;">{escape(summary)}</pre>')
            self.plot.value = (f'<img class="i2v-diag-plot-img" src="'
                               f'{bytes_data_uri(png, "image/png")}" alt="continuity report" '
                               'style="max-width:100%;height:auto;">')
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
