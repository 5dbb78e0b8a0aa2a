"""Small helpers shared by the Studio's widgets: HTML snippets, data URIs, friendly errors and
the log box (the capped inline video is :func:`i2v_nb.clip.inline_video_html`).

Everything here but :class:`LogView` is plain Python (no widget state), so it is easy to test and
reuse. Differences between ipywidgets 7 and 8 (and Colab) live in :mod:`i2v_nb.widgets._compat`.
"""

from __future__ import annotations

import base64
import html
import io
import re
import threading
import traceback
from typing import Any, Callable

import ipywidgets as W
import numpy as np

# the capped inline video (:func:`i2v_nb.clip.inline_video_html`) lives with Clip, whose show()
# uses it too; its byte limit also bounds the download links here
from i2v_nb.clip import MAX_INLINE_BYTES, MAX_INLINE_FRAMES, format_bytes
from i2v_nb.widgets._compat import fill_tooltips

__all__ = [
    "escape",
    "message_html",
    "image_data_uri",
    "bytes_data_uri",
    "explain_error",
    "plain_words",
    "run_in_thread",
    "widget_classes",
    "with_class",
    "html_box",
    "button",
    "mark_part",
    "style_widget",
    "LogView",
    "download_link",
    "format_bytes",
    "MAX_INLINE_BYTES",
    "MAX_INLINE_FRAMES",
]


#: CSS for every part. HTML widgets use a 28 px line height by default (one-line labels), which
#: spreads wrapped text apart; ``i2v-part`` is on each part's root. Media never get wider than
#: the cell (a fixed-size video is cut off, its controls with it, in a narrow notebook); button
#: labels wrap instead of ending in "…"; a disabled button looks inert, not half-active.
_CSS = """
.i2v-part .widget-html-content { line-height: 1.35; }
.i2v-part video, .i2v-part img { max-width: 100%; height: auto; }
.i2v-part table { max-width: 100%; }
.i2v-part .jupyter-button { max-width: 100%; white-space: normal; text-overflow: clip;
  height: auto; min-height: var(--jp-widgets-inline-height, 28px); line-height: 1.25;
  padding-top: 3px; padding-bottom: 3px; }
.i2v-part .jupyter-button:disabled { opacity: 0.45; cursor: not-allowed; box-shadow: none; }
.i2v-part .i2v-chip button, .i2v-part button.i2v-chip { font-size: 12px; }
.i2v-part button.i2v-chip, .i2v-part button.i2v-suggestion { padding: 2px 8px; margin: 1px;
  min-height: 24px; }
.i2v-part .i2v-gallery-card button { padding: 2px 6px; font-size: 12px; }
"""


def style_widget() -> Any:
    """A hidden ``HTML`` widget carrying the parts' CSS (every part adds one; duplicates are
    harmless). Core widgets only, so it works on Colab too."""
    return W.HTML(f"<style>{_CSS}</style>", layout=W.Layout(display="none"))

#: colours of the message kinds (work on light and dark JupyterLab themes)
_KIND_STYLE = {
    "error": "border-left:4px solid #d32f2f;background:rgba(211,47,47,0.08);",
    "warning": "border-left:4px solid #f9a825;background:rgba(249,168,37,0.10);",
    "info": "border-left:4px solid #1976d2;background:rgba(25,118,210,0.07);",
    "ok": "border-left:4px solid #388e3c;background:rgba(56,142,60,0.08);",
}


def escape(text: Any) -> str:
    """HTML-escape any value (prompts, file names and error messages are untrusted)."""
    return html.escape(str(text), quote=True)


def message_html(kind: str, text: str, *, fix: str | None = None) -> str:
    """A one-box message for an ``HTML`` widget: ``kind`` is error, warning, info or ok.

    >>> "i2v-msg-error" in message_html("error", "bad <value>")
    True
    """
    if not text:
        return ""
    style = _KIND_STYLE.get(kind, _KIND_STYLE["info"])
    body = escape(text).replace("\n", "<br>")
    if fix:
        body += f"<br><b>Fix:</b> {escape(fix)}"
    return (f'<div class="i2v-msg i2v-msg-{escape(kind)}" style="{style}padding:4px 8px;'
            f'margin:2px 0;white-space:normal;line-height:1.35;">{body}</div>')


def image_data_uri(image: Any, *, max_size: int | None = 256, fmt: str = "JPEG",
                   quality: int = 85) -> str:
    """A ``data:`` URI of an image (PIL or ``(H, W, 3)`` uint8 array), shrunk to ``max_size``.

    An ``<img>`` in an ``HTML`` widget travels as text, which every front end (Colab included)
    handles, unlike the binary buffers of ``ipywidgets.Image``.
    """
    from PIL import Image

    img = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image))
    img = img.convert("RGB")
    if max_size:
        img = img.copy()
        img.thumbnail((max_size, max_size))
    buf = io.BytesIO()
    kwargs = {"quality": quality} if fmt.upper() == "JPEG" else {}
    img.save(buf, format=fmt, **kwargs)
    mime = "image/jpeg" if fmt.upper() == "JPEG" else f"image/{fmt.lower()}"
    return bytes_data_uri(buf.getvalue(), mime)


def bytes_data_uri(data: bytes, mime: str) -> str:
    """``data:<mime>;base64,...`` of raw bytes."""
    return f"data:{mime};base64," + base64.b64encode(bytes(data)).decode("ascii")


#: Library words a Studio user need not know, in the messages of ``load_image``: the decoder's
#: name becomes what it means for them.
_PLAIN_WORDS = (
    (re.compile(r"not an image (format )?Pillow can read"),
     lambda m: f"not an image {m.group(1) or ''}that can be opened here"),
    (re.compile(r"a format this Pillow recognises"), lambda m: "a format recognised here"),
    (re.compile(r"Pillow also noted:"), lambda m: "the image reader also noted:"),
    (re.compile(r"\(Pillow: "), lambda m: "(details: "),
    (re.compile(r"\bPillow\b"), lambda m: "the image reader"),
)


def plain_words(text: str) -> str:
    """``text`` with library jargon (the decoder's name) put in the user's words.

    >>> plain_words("'cat.txt' is a text file, not an image Pillow can read; load a PNG")
    "'cat.txt' is a text file, not an image that can be opened here; load a PNG"
    """
    for pattern, repl in _PLAIN_WORDS:
        text = pattern.sub(repl, text)
    return text


def explain_error(exc: BaseException) -> tuple[str, str, str | None]:
    """Turn an exception into ``(kind, message, fix)`` for the widget (never a traceback).

    The library's messages already name the bad value and the rule; this adds what to click.
    """
    from i2v_nb import errors

    msg = str(exc) or type(exc).__name__
    if isinstance(exc, errors.GenerationStopped):
        return "warning", f"Stopped. {msg}", None
    if isinstance(exc, errors.OutOfMemory):
        return ("error", f"Out of GPU memory. {msg}",
                "choose the memory profile 'low-vram', fewer frames or a smaller resolution, "
                "then click Generate again.")
    if isinstance(exc, errors.ModelUnavailable):
        return ("error", f"This model cannot run here. {msg}",
                "pick the 'preview' model (CPU preview engine), which always runs.")
    if isinstance(exc, errors.ParameterError):
        return ("error", f"Parameter problem: {msg}",
                "change the value named above in Parameters and click Generate again.")
    if isinstance(exc, errors.ImageInputError):
        return ("error", f"Image problem: {plain_words(msg)}",
                "pick a sample, upload another picture or type a path/URL and click Load.")
    if isinstance(exc, errors.HistoryError):
        return "error", f"History problem: {msg}", "click Refresh in the Gallery."
    if isinstance(exc, errors.I2VError):
        return "error", msg, None
    if isinstance(exc, MemoryError):
        return ("error", "Out of memory (RAM).",
                "use fewer frames or a smaller resolution.")
    return ("error", f"Unexpected error: {type(exc).__name__}: {msg}",
            "the full traceback is in the log below; please report it if it persists.")


def format_traceback(exc: BaseException) -> str:
    """The traceback text of ``exc`` (for a collapsed log, not the main message)."""
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def run_in_thread(target: Callable[[], Any], *, name: str) -> threading.Thread:
    """Start ``target`` in a daemon thread (so a kernel shutdown never waits on it)."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


def widget_classes(widget: Any) -> list[str]:
    """The CSS classes of a widget (``_dom_classes``), for tests and the browser test."""
    return list(getattr(widget, "_dom_classes", ()))


def with_class(widget: Any, *classes: str) -> Any:
    """Add CSS classes to ``widget`` and return it: every control carries an ``i2v-…`` class
    that names it for the CSS, the tests and the browser test.

    >>> widget_classes(with_class(W.HTML(""), "i2v-status"))
    ['i2v-status']
    """
    for name in classes:
        widget.add_class(name)
    return widget


def html_box(css_class: str, value: str = "", **kwargs: Any) -> W.HTML:
    """An ``HTML`` widget (empty by default) carrying ``css_class``.

    >>> box = html_box("i2v-status"); box.value, widget_classes(box)
    ('', ['i2v-status'])
    """
    return with_class(W.HTML(value, **kwargs), css_class)


def button(description: str, css_class: str, *, on_click: Callable[[], Any] | None = None,
           width: str | None = None, **kwargs: Any) -> W.Button:
    """A ``Button`` carrying ``css_class``, at least ``width`` wide and as wide as its label (it
    never shrinks to "Analy…" in a narrow row), that calls ``on_click()`` (no argument) when
    clicked; other keywords (``icon``, ``disabled``, ``button_style``, ``layout``) go to
    ``ipywidgets.Button``. Its hover text is its label (never None: see
    :func:`~i2v_nb.widgets._compat.fill_tooltips`) unless ``tooltip=`` says more.

    >>> clicks = []
    >>> b = button("Go", "i2v-go", on_click=lambda: clicks.append(1), width="90px")
    >>> b.click(); clicks, b.layout.min_width, b.layout.width, widget_classes(b)
    ([1], '90px', 'auto', ['i2v-go'])
    """
    if "layout" not in kwargs:
        kwargs["layout"] = W.Layout(width="auto", min_width=width, flex="0 0 auto")
    if "tooltip" not in kwargs:
        kwargs["tooltip"] = description
    widget = with_class(W.Button(description=description, **kwargs), css_class)
    if on_click is not None:
        widget.on_click(lambda _b: on_click())
    return widget


def mark_part(widget: Any, css_class: str) -> None:
    """Finish one of the Studio's parts: its own class, ``i2v-part`` (which the CSS keys on) and
    the hidden CSS widget (:func:`style_widget`) as its first child."""
    with_class(widget, css_class, "i2v-part")
    widget.children = (style_widget(), *widget.children)
    fill_tooltips(widget)


class LogView(W.HTML):
    """A log of error details (tracebacks) shown as text in a collapsed ``<details>`` box.

    It is an ``HTML`` widget, not an ``Output``: the ``Output`` widget cannot be created by the
    front end of widgetsnbextension 3.6.10 (what Colab-style classic notebooks run) and takes
    the whole Studio down with it; text in an ``HTML`` widget renders everywhere and can be set
    from any thread. Empty, it shows nothing; only the newest ``max_entries`` are kept.

    >>> log = LogView()
    >>> log.append("Traceback (most recent call last): ...")
    >>> "Traceback" in log.text and "<details" in log.value
    True
    """

    def __init__(self, title: str = "Log (details of errors)", *, max_entries: int = 20,
                 max_chars: int = 20_000, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.title = str(title)
        self.max_entries = int(max_entries)
        self.max_chars = int(max_chars)
        self.entries: list[str] = []
        self._log_lock = threading.Lock()
        self.add_class("i2v-log")

    @property
    def text(self) -> str:
        """Every kept entry, oldest first, separated by blank lines."""
        return "\n\n".join(self.entries)

    def append(self, text: str) -> None:
        """Add an entry (a traceback, a note); each is cut to ``max_chars`` (its end kept)."""
        text = str(text).rstrip()
        if len(text) > self.max_chars:
            text = "…" + text[-self.max_chars:]
        with self._log_lock:
            self.entries = [*self.entries, text][-self.max_entries:]
            self._render()

    def clear(self) -> None:
        """Forget every entry (the box disappears)."""
        with self._log_lock:
            self.entries = []
            self._render()

    def _render(self) -> None:
        if not self.entries:
            self.value = ""
            return
        n = len(self.entries)
        self.value = (
            f'<details class="i2v-log-details"><summary style="cursor:pointer;font-size:12px;">'
            f"{escape(self.title)} · {n} entr{'ies' if n != 1 else 'y'}</summary>"
            '<pre class="i2v-log-text" style="max-height:240px;overflow:auto;font-size:11px;'
            'line-height:1.3;white-space:pre-wrap;margin:2px 0;">'
            f"{escape(self.text)}</pre></details>")


def download_link(data: bytes, mime: str, filename: str, *, css_class: str, label: str,
                  max_bytes: int = MAX_INLINE_BYTES, style: str = "") -> str | None:
    """An ``<a download>`` link carrying ``data`` as a ``data:`` URI, or None when the URI would
    be longer than ``max_bytes`` (then offer the file by path instead)."""
    if 4 * ((len(data) + 2) // 3) + len(mime) + 13 > max_bytes:
        return None
    return (f'<a class="{escape(css_class)}" download="{escape(filename)}" '
            f'href="{bytes_data_uri(data, mime)}" style="{style}">{escape(label)}</a>')
