"""Small helpers shared by the Studio's widgets: HTML snippets, data URIs, friendly errors, the
log box and the capped inline video.

Everything here but :class:`LogView` is plain Python (no widget state), so it is easy to test and
reuse. Differences between ipywidgets 7 and 8 (and Colab) live in :mod:`i2v_nb.widgets._compat`.
"""

from __future__ import annotations

import base64
import html
import io
import threading
import traceback
from typing import Any, Callable

import ipywidgets as W
import numpy as np

__all__ = [
    "escape",
    "message_html",
    "image_data_uri",
    "bytes_data_uri",
    "explain_error",
    "run_in_thread",
    "widget_classes",
    "style_widget",
    "LogView",
    "inline_video_html",
    "download_link",
    "format_bytes",
    "MAX_INLINE_BYTES",
    "MAX_INLINE_FRAMES",
]

#: Largest inline video (its HTML) and largest ``data:`` download link, in characters: a bigger
#: one is never put in the page (a long clip's base64 would make the browser tab crawl or crash
#: — the full file stays on disk and is offered by path, or by Colab's download).
MAX_INLINE_BYTES = 8 * 2**20
#: Most frames played inline; a longer clip shows its beginning, downscaled, with a note.
MAX_INLINE_FRAMES = 480

#: CSS for every part: HTML widgets use a 28 px line height by default (one-line labels), which
#: spreads wrapped text apart; ``i2v-part`` is on each part's root.
_CSS = """
.i2v-part .widget-html-content { line-height: 1.35; }
.i2v-part .i2v-chip button, .i2v-part button.i2v-chip { font-size: 12px; }
.i2v-part button.i2v-chip, .i2v-part button.i2v-suggestion { padding: 0 8px; margin: 1px; }
.i2v-part .i2v-gallery-card button { padding: 0 6px; font-size: 12px; overflow: visible; }
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
        return ("error", f"Image problem: {msg}",
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


def format_bytes(n: int) -> str:
    """``"3.2 MB"``, ``"850 kB"`` (decimal units, as browsers show downloads).

    >>> format_bytes(3_200_000), format_bytes(850_000)
    ('3.2 MB', '850 kB')
    """
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    return f"{max(1, round(n / 1e3))} kB"


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


def _display_size(width: int, height: int, max_size: int) -> tuple[int, int]:
    """The size to play a ``width``×``height`` clip at: unchanged when its long side is at most
    ``max_size``, else shrunk to fit, with even sides (H.264 needs them).

    >>> _display_size(768, 432, 512), _display_size(255, 171, 512)
    ((512, 288), (255, 171))
    """
    if max(width, height) <= max_size:
        return width, height
    scale = max_size / max(width, height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def inline_video_html(clip: Any, *, max_size: int = 512, max_bytes: int = MAX_INLINE_BYTES,
                      max_frames: int = MAX_INLINE_FRAMES) -> tuple[str, str | None]:
    """The clip as an inline looping ``<video>`` small enough for any browser tab.

    The frames are downscaled so that the long side is at most ``max_size`` (even sizes, which
    every browser plays), at most ``max_frames`` are played, and the HTML (a base64 H.264 mp4,
    :meth:`Clip.show(return_html=True) <i2v_nb.clip.Clip.show>`) is kept under ``max_bytes`` by
    playing fewer frames. The clip itself is never changed (the full file stays on disk).

    Returns:
        ``(html, note)``: ``note`` says what was left out (None when the whole clip is shown);
        ``html`` is ``""`` when not even one frame fits.

    >>> html, note = inline_video_html(clip)                       # doctest: +SKIP
    """
    from i2v_nb.clip import Clip

    total = int(clip.num_frames)
    w, h = _display_size(int(clip.width), int(clip.height), int(max_size))
    n = max(1, min(total, int(max_frames)))
    small = None
    while True:
        if (w, h) == (clip.width, clip.height) and n == total:
            shown = clip
        else:
            if small is None or len(small) < n:
                small = _resize_frames(clip.frames[:n], w, h)
            shown = Clip(small[:n], fps=clip.fps)
        html = shown.show(return_html=True)
        if len(html) <= max_bytes:
            break
        if n == 1:
            return "", (f"The clip is too large to play here ({format_bytes(len(html))} for one "
                        f"frame, limit {format_bytes(max_bytes)}); open the saved file instead.")
        n = max(1, min(n - 1, int(n * max_bytes / len(html) * 0.9)))
    if n == total and (w, h) == (clip.width, clip.height):
        return html, None
    parts = []
    if (w, h) != (clip.width, clip.height):
        parts.append(f"downscaled to {w}×{h}")
    if n < total:
        parts.append(f"the first {n} of {total} frames ({n / clip.fps:.1f} of "
                     f"{total / clip.fps:.1f} s)")
    return html, "Playing " + ", ".join(parts) + " here; the full clip is kept on disk."


def _resize_frames(frames: Any, width: int, height: int) -> np.ndarray:
    """``(T, H, W, 3)`` uint8 frames resized to ``width``×``height`` (area filter)."""
    import cv2

    frames = np.asarray(frames)
    if frames.shape[1:3] == (height, width):
        return frames
    return np.stack([cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA)
                     for f in frames])


def download_link(data: bytes, mime: str, filename: str, *, css_class: str, label: str,
                  max_bytes: int = MAX_INLINE_BYTES, style: str = "") -> str | None:
    """An ``<a download>`` link carrying ``data`` as a ``data:`` URI, or None when the URI would
    be longer than ``max_bytes`` (then offer the file by path instead)."""
    if 4 * ((len(data) + 2) // 3) + len(mime) + 13 > max_bytes:
        return None
    return (f'<a class="{escape(css_class)}" download="{escape(filename)}" '
            f'href="{bytes_data_uri(data, mime)}" style="{style}">{escape(label)}</a>')
