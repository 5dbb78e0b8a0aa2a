"""``Preview``: the new clip playing inline (looping), download links and save-frame buttons.

>>> from i2v_nb.widgets import Preview
>>> preview = Preview()
>>> preview.clip = clip                        # any i2v_nb.Clip     # doctest: +SKIP
>>> preview.save_frame("last")                                     # doctest: +SKIP
PosixPath('i2v_frames/clip_last.png')

The video is :meth:`Clip.show(return_html=True) <i2v_nb.clip.Clip.show>` — an embedded base64
H.264 mp4 in a ``<video loop autoplay muted>`` inside an ``HTML`` widget — which plays in
JupyterLab, Notebook 7, Colab and VS Code (``ipywidgets.Video`` relies on binary widget messages
that Colab handles badly). Downloads are ``<a download href="data:...">`` links, so they work
without a file server (Colab, Binder).
"""

from __future__ import annotations

import os
import pathlib
import re
import tempfile
from typing import Any

import ipywidgets as W
import traitlets

from i2v_nb.widgets._common import bytes_data_uri, escape, message_html, style_widget

__all__ = ["Preview", "clip_stem", "clip_info"]


def clip_stem(clip: Any) -> str:
    """A safe file stem for a clip: its history id, else ``"clip"`` (only ``[A-Za-z0-9_-]``)."""
    stem = str(clip.metadata.get("history_id") or "clip")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem)[:64]
    return f"i2v_{stem}" if stem != "clip" else "i2v_clip"


def clip_info(clip: Any) -> str:
    """One line about a clip: frames, size, fps, duration, model, seed."""
    m = clip.metadata
    parts = [f"{clip.num_frames} frames", f"{clip.width}×{clip.height}", f"{clip.fps:g} fps",
             f"{clip.duration:.2f} s"]
    if m.get("model"):
        parts.append(f"model {m['model']}")
    if m.get("seed") is not None:
        parts.append(f"seed {m['seed']}")
    return " · ".join(parts)


def _mp4_bytes(clip: Any, history: Any = None) -> bytes:
    """The clip as mp4 bytes: the history's file when the clip is saved there, else encoded."""
    entry_id = clip.metadata.get("history_id")
    if history is not None and entry_id:
        try:
            path = history.entry(entry_id).video_path
            if path.suffix == ".mp4" and path.is_file():
                return path.read_bytes()
        except Exception:  # noqa: BLE001 - fall back to encoding
            pass
    with tempfile.TemporaryDirectory(prefix="i2v_dl_") as tmp:
        path = pathlib.Path(tmp) / "clip.mp4"
        clip.save(path, sidecar=False)
        return path.read_bytes()


class Preview(W.VBox):
    """Inline looping video of ``clip`` with mp4/GIF downloads and first/last frame saving.

    Attributes (traitlets):
        clip: the :class:`~i2v_nb.clip.Clip` shown (None: nothing yet).
        saved: paths written by :meth:`save_frame`, newest last.

    Args:
        width: largest display width of the video, px.
        save_dir: folder for saved frames (default ``i2v_frames`` in the working folder).
        history: the :class:`~i2v_nb.history.History` clips are saved in (its mp4 is offered
            for download as is, instead of encoding again).
        gif_max_size: longest side of the downloadable GIF.
    """

    clip = traitlets.Any(None, allow_none=True)
    saved = traitlets.List()

    def __init__(self, *, width: int = 512, save_dir: str | os.PathLike | None = None,
                 history: Any = None, gif_max_size: int = 320, **kwargs: Any) -> None:
        self.width = int(width)
        self.save_dir = pathlib.Path(save_dir) if save_dir is not None else \
            pathlib.Path("i2v_frames")
        self.history = history
        self.gif_max_size = int(gif_max_size)
        self.info = W.HTML("<small>No clip yet: click Generate.</small>")
        self.info.add_class("i2v-clip-info")
        self.video = W.HTML("")
        self.video.add_class("i2v-video")
        self.downloads = W.HTML("")
        self.downloads.add_class("i2v-downloads")
        self.save_first_button = W.Button(description="Save first frame", icon="image",
                                          disabled=True, layout=W.Layout(width="150px"))
        self.save_first_button.add_class("i2v-save-first")
        self.save_last_button = W.Button(description="Save last frame", icon="image",
                                         disabled=True, layout=W.Layout(width="150px"))
        self.save_last_button.add_class("i2v-save-last")
        self.message = W.HTML("")
        self.message.add_class("i2v-preview-message")
        self.save_first_button.on_click(lambda _b: self.save_frame("first"))
        self.save_last_button.on_click(lambda _b: self.save_frame("last"))
        super().__init__(children=[self.info, self.video,
                                   W.HBox([self.downloads, self.save_first_button,
                                           self.save_last_button],
                                          layout=W.Layout(align_items="center",
                                                          flex_flow="row wrap")),
                                   self.message], **kwargs)
        self.add_class("i2v-preview")
        self.add_class("i2v-part")
        self.children = (style_widget(), *self.children)

    @traitlets.observe("clip")
    def _on_clip(self, change: dict) -> None:
        clip = change["new"]
        self.message.value = ""
        for b in (self.save_first_button, self.save_last_button):
            b.disabled = clip is None
        if clip is None:
            self.info.value = "<small>No clip yet: click Generate.</small>"
            self.video.value = self.downloads.value = ""
            return
        prompt = clip.metadata.get("prompt")
        self.info.value = (f'<small class="i2v-clip-info-text">{escape(clip_info(clip))}'
                           + (f"<br>prompt: <i>{escape(prompt)}</i>" if prompt else "")
                           + "</small>")
        try:
            html = clip.show(return_html=True, width=min(self.width, clip.width))
            self.video.value = f'<div class="i2v-video-box">{html}</div>'
            stem = clip_stem(clip)
            mp4 = bytes_data_uri(_mp4_bytes(clip, self.history), "video/mp4")
            gif = clip.gif_data_uri(max_size=self.gif_max_size)
            style = ("display:inline-block;padding:3px 10px;margin-right:6px;border-radius:3px;"
                     "border:1px solid #888;text-decoration:none;")
            self.downloads.value = (
                f'<a class="i2v-download-mp4" download="{stem}.mp4" href="{mp4}" '
                f'style="{style}">⬇ mp4</a>'
                f'<a class="i2v-download-gif" download="{stem}.gif" href="{gif}" '
                f'style="{style}">⬇ GIF</a>')
        except Exception as exc:  # noqa: BLE001 - e.g. ffmpeg missing: say so in the widget
            self.video.value = ""
            self.downloads.value = ""
            self.message.value = message_html(
                "error", f"Could not encode the clip for display: {type(exc).__name__}: {exc}",
                fix="check that ffmpeg is installed (pip install 'imageio-ffmpeg<0.8').")

    def save_frame(self, which: str = "first") -> pathlib.Path | None:
        """Save the first or last frame as PNG under ``save_dir`` (what the buttons do) and
        offer it for download. Returns the path (None when there is no clip)."""
        if which not in ("first", "last"):
            raise ValueError(f"which={which!r}: use 'first' or 'last'")
        clip = self.clip
        if clip is None:
            self.message.value = message_html("info", "No clip yet: click Generate first.")
            return None
        index = 0 if which == "first" else clip.num_frames - 1
        path = self.save_dir / f"{clip_stem(clip)}_{which}.png"
        try:
            clip.save_frame(index, path)
        except OSError as exc:
            self.message.value = message_html("error", f"Could not save {path}: {exc}",
                                              fix="check the folder is writable.")
            return None
        uri = bytes_data_uri(path.read_bytes(), "image/png")
        self.message.value = message_html("ok", f"Saved the {which} frame to {path}") + (
            f'<a class="i2v-download-frame" download="{escape(path.name)}" href="{uri}">'
            f"⬇ {escape(path.name)}</a>")
        self.saved = [*self.saved, str(path)]
        return path
