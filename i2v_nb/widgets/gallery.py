"""``Gallery``: every clip in a :class:`~i2v_nb.history.History` as a thumbnail with its prompt
and parameters — show it, re-run it with changes, or pick two and compare them side by side.

>>> from i2v_nb.widgets import Gallery
>>> gallery = Gallery("i2v_outputs")      # reads the folder: survives a kernel restart
>>> gallery.compare(first_id, second_id)                          # doctest: +SKIP

It reads the history from disk each time it refreshes (:meth:`History.list`), so a gallery made
after a kernel restart shows every earlier clip. Showing a clip is :meth:`History.load` followed
by :func:`~i2v_nb.clip.inline_video_html` (downscaled and capped in size, as in the Preview and
:meth:`Clip.show`).
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Callable

import ipywidgets as W
import traitlets

from i2v_nb.clip import MAX_INLINE_BYTES, inline_video_html
from i2v_nb.widgets._common import (
    button,
    bytes_data_uri,
    escape,
    explain_error,
    html_box,
    mark_part,
    message_html,
    with_class,
)
from i2v_nb.widgets._compat import fill_tooltips

__all__ = ["Gallery", "entry_caption", "param_differences", "group_by_sweep"]

_SHOWN_PARAMS = ("num_frames", "width", "height", "fps", "num_inference_steps",
                 "guidance_scale", "motion_bucket_id")


def entry_caption(entry: Any) -> str:
    """``"preview · seed 3 · 24 f · 512×320 · 12 fps"`` for a history entry."""
    parts = [entry.model or "?"]
    if entry.seed is not None:
        parts.append(f"seed {entry.seed}")
    parts += [f"{entry.num_frames} f", f"{entry.width}×{entry.height}", f"{entry.fps:g} fps"]
    return " · ".join(parts)


def param_differences(a: dict, b: dict) -> dict[str, tuple[Any, Any]]:
    """The settings that differ between two clips' metadata (prompt, model, seed, params).

    >>> param_differences({"seed": 1, "params": {"fps": 12}}, {"seed": 2, "params": {"fps": 12}})
    {'seed': (1, 2)}
    """
    flat_a = {"prompt": a.get("prompt"), "model": a.get("model"), "seed": a.get("seed"),
              **dict(a.get("params") or {})}
    flat_b = {"prompt": b.get("prompt"), "model": b.get("model"), "seed": b.get("seed"),
              **dict(b.get("params") or {})}
    return {k: (flat_a.get(k), flat_b.get(k)) for k in dict.fromkeys([*flat_a, *flat_b])
            if flat_a.get(k) != flat_b.get(k)}


def group_by_sweep(entries: list[Any]) -> list[tuple[str | None, list[Any]]]:
    """Entries (newest first) grouped by the sweep that made them: ``[(sweep id or None,
    entries), …]``, groups in the order of their newest entry, entries keeping their order.

    >>> from types import SimpleNamespace as E
    >>> [(k, [e.id for e in g]) for k, g in group_by_sweep(
    ...     [E(id="c", sweep_id="s1"), E(id="b", sweep_id=None), E(id="a", sweep_id="s1")])]
    [('s1', ['c', 'a']), (None, ['b'])]
    """
    groups: dict[str | None, list[Any]] = {}
    for e in entries:
        groups.setdefault(getattr(e, "sweep_id", None), []).append(e)
    return list(groups.items())


def _group_header(sweep_id: str | None, entries: list[Any]) -> W.Widget:
    if sweep_id is None:
        text = f"single takes · {len(entries)}"
    else:
        sweep = entries[0].metadata.get("sweep") or {}
        name = sweep.get("name") if isinstance(sweep.get("name"), str) else ""
        text = (f"sweep {sweep_id}" + (f" “{name}”" if name else "")
                + f" · {len(entries)} clip{'s' if len(entries) != 1 else ''}")
    return with_class(W.HTML(f'<div style="font-weight:600;font-size:12px;margin:6px 4px 0;">'
                             f"{escape(text)}</div>", layout=W.Layout(width="100%")),
                      "i2v-gallery-group")


class Gallery(W.VBox):
    """Thumbnails of a history's clips with Show / Re-run / Diagnose and a side-by-side compare.

    Attributes (traitlets):
        selected: id of the clip last shown or picked for diagnostics ("" when none).
        picked: ids ticked for comparison (newest tick last).
        entry_ids: ids of the entries shown, newest first.

    Args:
        history: an :class:`~i2v_nb.history.History` or its folder.
        max_items: how many of the newest clips to show.
        on_rerun: called with a history entry when its Re-run is clicked (the Studio fills its
            controls with that clip's settings); without it Re-run shows a hint.
        on_diagnose: called with a history entry when its Diagnose is clicked.
    """

    selected = traitlets.Unicode("")
    picked = traitlets.List(traitlets.Unicode())
    entry_ids = traitlets.List(traitlets.Unicode())

    def __init__(self, history: Any = "i2v_outputs", *, max_items: int = 24,
                 on_rerun: Callable[[Any], Any] | None = None,
                 on_diagnose: Callable[[Any], Any] | None = None, **kwargs: Any) -> None:
        from i2v_nb.history import History

        self.history = history if hasattr(history, "list") else History(history)
        self.max_items = int(max_items)
        self.on_rerun = on_rerun
        self.on_diagnose = on_diagnose
        self._entries: dict[str, Any] = {}
        self._pick_boxes: dict[str, W.Checkbox] = {}
        self.refresh_button = button("Refresh", "i2v-gallery-refresh", icon="refresh",
                                     width="100px", on_click=lambda: self.refresh())
        self.compare_button = button("Compare 2 picked", "i2v-compare", icon="columns",
                                     width="160px", on_click=lambda: self.compare())
        self.count = html_box("i2v-gallery-count")
        self.grid = with_class(W.Box([], layout=W.Layout(display="flex", flex_flow="row wrap",
                                                         align_items="stretch")),
                               "i2v-gallery-grid")
        self.message = html_box("i2v-gallery-message")
        self.view = html_box("i2v-gallery-view")
        super().__init__(children=[
            W.HBox([self.refresh_button, self.compare_button, self.count],
                   layout=W.Layout(align_items="center", flex_flow="row wrap")),
            self.message, self.grid, self.view], **kwargs)
        mark_part(self, "i2v-gallery")
        self.refresh()

    # -- reading the history -------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the history from disk and rebuild the thumbnails (damaged entries are skipped
        with a note)."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                entries = self.history.list()
            except Exception as exc:  # noqa: BLE001
                kind, text, fix = explain_error(exc)
                self.message.value = message_html(kind, text, fix=fix)
                return
        notes = [str(w.message) for w in caught]
        shown = entries[: self.max_items]
        self._entries = {e.id: e for e in shown}
        self._pick_boxes = {}
        groups = group_by_sweep(shown)
        if len(groups) > 1 or groups and groups[0][0] is not None:  # a sweep's clips together
            children: list[W.Widget] = []
            for sweep_id, members in groups:
                children.append(_group_header(sweep_id, members))
                children += [self._card(e) for e in members]
            self.grid.children = children
        else:
            self.grid.children = [self._card(e) for e in shown]
        fill_tooltips(self.grid)
        self.entry_ids = [e.id for e in shown]
        self.picked = [i for i in self.picked if i in self._entries]
        total = len(entries)
        more = f" (newest {len(shown)} shown)" if total > len(shown) else ""
        self.count.value = (f'<small>{total} clip{"s" if total != 1 else ""} in '
                            f"{escape(os.fspath(self.history.root))}{more}</small>")
        self.message.value = message_html("warning", "\n".join(notes)) if notes else ""

    def _card(self, entry: Any) -> W.Widget:
        thumb = ""
        if entry.thumbnail_path is not None:
            try:
                uri = bytes_data_uri(entry.thumbnail_path.read_bytes(), "image/jpeg")
                thumb = (f'<img src="{uri}" alt="thumbnail" style="width:100%;max-height:'
                         '120px;object-fit:contain;border-radius:3px;">')
            except OSError:
                pass
        params = {k: entry.metadata.get("params", {}).get(k) for k in _SHOWN_PARAMS
                  if entry.metadata.get("params", {}).get(k) is not None}
        tooltip = escape(f"{entry.prompt}\n{params}\n{entry.id}")
        prompt = entry.prompt or "(no prompt)"
        body = W.HTML(
            f'<div title="{tooltip}">{thumb}<div class="i2v-card-prompt" style="font-size:12px;'
            'line-height:1.25;max-height:3.8em;overflow:hidden;margin-top:2px;">'
            f"{escape(prompt[:120])}</div>"
            f'<div class="i2v-card-params" style="font-size:11px;opacity:0.75;">'
            f"{escape(entry_caption(entry))}</div></div>")
        pick = with_class(W.Checkbox(value=entry.id in self.picked, description="compare",
                                     indent=False, layout=W.Layout(width="auto")),
                          "i2v-compare-pick")
        pick.observe(lambda c, i=entry.id: self._on_pick(i, c["new"]), names="value")
        self._pick_boxes[entry.id] = pick
        buttons = []
        for label, cls, action in (("Show", "i2v-gallery-show", self.show),
                                   ("Re-run", "i2v-gallery-rerun", self.rerun),
                                   ("Diagnose", "i2v-gallery-diagnose", self.diagnose)):
            buttons.append(button(label, cls, on_click=lambda i=entry.id, a=action: a(i)))
        card = W.VBox([body, pick, W.HBox(buttons, layout=W.Layout(flex_flow="row wrap"))],
                      layout=W.Layout(width="236px", max_width="100%", margin="4px",
                                      padding="4px", border="1px solid #ccc"))
        return with_class(card, "i2v-gallery-card")

    def entry(self, entry_id: str) -> Any:
        """The history entry ``entry_id`` (from the last refresh, else from disk)."""
        return self._entries.get(entry_id) or self.history.entry(entry_id)

    # -- actions -------------------------------------------------------------------------------
    def _load_html(self, entry_id: str, max_width: int,
                   max_bytes: int = MAX_INLINE_BYTES) -> tuple[Any, str] | None:
        """Load a clip and its inline player HTML; on failure show the problem and return None."""
        try:
            clip = self.history.load(entry_id)
            html, note = inline_video_html(clip, max_size=max_width, max_bytes=max_bytes)
            if note:
                html += f"<br><small class='i2v-video-note-text'>{escape(note)}</small>"
            return clip, html
        except Exception as exc:  # noqa: BLE001
            kind, text, fix = explain_error(exc)
            self.message.value = message_html(kind, text, fix=fix)
            return None

    def show(self, entry_id: str) -> Any:
        """Load a clip (:meth:`History.load`) and play it below the thumbnails; returns it."""
        loaded = self._load_html(entry_id, 480)
        if loaded is None:
            return None
        clip, html = loaded
        entry = self.entry(entry_id)
        self.view.value = (f'<div class="i2v-gallery-shown" style="max-width:100%;"><b>'
                           f"{escape(entry.prompt or entry_id)}</b><br><small>"
                           f"{escape(entry_caption(entry))} · {escape(entry_id)}</small>"
                           f"{html}</div>")
        self.message.value = ""  # an earlier failure no longer applies
        self.selected = entry_id
        return clip

    def rerun(self, entry_id: str) -> None:
        """Hand a clip's settings to ``on_rerun`` (the Studio fills its controls for a re-run)."""
        entry = self.entry(entry_id)
        if self.on_rerun is None:
            self.message.value = message_html(
                "info", f"To re-run {entry_id}: i2v_nb.generate(image, {entry.prompt!r}, "
                        f"model={entry.model!r}, seed={entry.seed}, ...) — or use the Studio.")
            return
        self.on_rerun(entry)

    def diagnose(self, entry_id: str) -> None:
        """Pick a clip for the Diagnostics tab (calls ``on_diagnose``)."""
        self.selected = entry_id
        if self.on_diagnose is not None:
            self.on_diagnose(self.entry(entry_id))

    def _on_pick(self, entry_id: str, on: bool) -> None:
        picked = [i for i in self.picked if i != entry_id]
        if on:
            picked.append(entry_id)
        self.picked = picked

    def compare(self, first: str | None = None, second: str | None = None) -> bool:
        """Play two clips side by side with the settings that differ (default: the two picked
        last). Returns False (with a message) unless exactly two clips are given or picked."""
        if first is None or second is None:
            if len(self.picked) < 2:
                self.message.value = message_html(
                    "info", f"Tick 'compare' on two clips first ({len(self.picked)} picked).")
                return False
            first, second = self.picked[-2], self.picked[-1]
        cells, metas = [], []
        for entry_id in (first, second):
            loaded = self._load_html(entry_id, 360, MAX_INLINE_BYTES // 2)  # two in one view
            if loaded is None:
                return False
            clip, html = loaded
            metas.append(clip.metadata)
            cells.append(f'<div class="i2v-compare-cell" style="flex:1 1 240px;min-width:0;'
                         f'padding:4px;"><b>{escape(clip.metadata.get("prompt") or entry_id)}'
                         f"</b><br><small>{escape(entry_id)}</small>{html}</div>")
        diff = param_differences(metas[0], metas[1])
        rows = "".join(f"<tr><td>{escape(k)}</td><td>{escape(a)}</td><td>{escape(b)}</td></tr>"
                       for k, (a, b) in diff.items()) or \
            "<tr><td colspan=3>same settings</td></tr>"
        # side by side while they fit, one above the other in a narrow cell
        self.view.value = (
            '<div class="i2v-compare-view" style="max-width:100%;"><div class="i2v-compare-pair" '
            f'style="display:flex;flex-wrap:wrap;">{"".join(cells)}</div>'
            '<table class="i2v-compare-diff" style="font-size:12px;">'
            f"<tr><th>setting</th><th>first</th><th>second</th></tr>{rows}</table></div>")
        self.message.value = ""
        return True
