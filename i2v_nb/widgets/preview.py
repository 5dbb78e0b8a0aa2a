"""``Preview``: the new clip playing inline (looping), download links and save-frame buttons.

>>> from i2v_nb.widgets import Preview
>>> preview = Preview()
>>> preview.clip = clip                        # any i2v_nb.Clip     # doctest: +SKIP
>>> preview.save_frame("last")                                     # doctest: +SKIP
PosixPath('i2v_frames/clip_last.png')

The video is :func:`~i2v_nb.clip.inline_video_html` (what :meth:`Clip.show` uses too) — an
embedded base64 H.264 mp4 in a ``<video loop autoplay muted>`` inside an ``HTML`` widget — which
plays in JupyterLab, Notebook 7, Colab and VS Code (``ipywidgets.Video`` relies on binary widget
messages that Colab handles badly). It is downscaled and capped in size: a long clip plays its
beginning inline, with a note, and the full file stays on disk.

Downloads are ``<a download href="data:...">`` links, so they work without a file server
(Colab, Binder); a file too big for a link is named by its path instead. On Colab there are also
download buttons that send the file with ``google.colab.files.download``.
"""

from __future__ import annotations

import base64
import os
import pathlib
import re
import tempfile
from typing import Any

import ipywidgets as W
import traitlets

from i2v_nb.clip import MAX_INLINE_BYTES, inline_video_html
from i2v_nb.widgets._common import (
    button,
    bytes_data_uri,
    download_link,
    escape,
    format_bytes,
    html_box,
    mark_part,
    message_html,
    with_class,
)
from i2v_nb.widgets._compat import colab_files, in_colab

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


def _history_mp4(clip: Any, history: Any = None) -> pathlib.Path | None:
    """The mp4 file of a clip saved in ``history`` (None when it is not saved there)."""
    entry_id = clip.metadata.get("history_id")
    if history is not None and entry_id:
        try:
            path = history.entry(entry_id).video_path
            if path.suffix == ".mp4" and path.is_file():
                return path
        except Exception:  # noqa: BLE001 - fall back to encoding
            pass
    return None


def _mp4_bytes(clip: Any, history: Any = None) -> bytes:
    """The clip as mp4 bytes: the history's file when the clip is saved there, else encoded."""
    path = _history_mp4(clip, history)
    if path is not None:
        return path.read_bytes()
    with tempfile.TemporaryDirectory(prefix="i2v_dl_") as tmp:
        path = pathlib.Path(tmp) / "clip.mp4"
        clip.save(path, sidecar=False)
        return path.read_bytes()


#: Longest clip offered as a GIF download (a GIF of every frame of a long clip is huge and slow).
MAX_GIF_FRAMES = 240


class Preview(W.VBox):
    """Inline looping video of ``clip`` with mp4/GIF downloads and first/last frame saving.

    Attributes (traitlets):
        clip: the :class:`~i2v_nb.clip.Clip` shown (None: nothing yet).
        saved: paths written by :meth:`save_frame`, newest last.

    Args:
        width: longest side of the inline video, px (it is downscaled to fit).
        save_dir: folder for saved frames (default ``i2v_frames`` in the working folder).
        history: the :class:`~i2v_nb.history.History` clips are saved in (its mp4 is offered
            for download as is, instead of encoding again).
        gif_max_size: longest side of the downloadable GIF.
        max_inline_bytes: largest inline video and ``data:`` link, in characters (a longer
            clip plays its beginning; a bigger file is named by its path instead of a link).

    Attributes:
        colab: True on Colab (``google.colab`` imports): the "to this computer" buttons, which
            call :meth:`download`, are shown.
    """

    clip = traitlets.Any(None, allow_none=True)
    saved = traitlets.List()

    def __init__(self, *, width: int = 512, save_dir: str | os.PathLike | None = None,
                 history: Any = None, gif_max_size: int = 320,
                 max_inline_bytes: int = MAX_INLINE_BYTES, **kwargs: Any) -> None:
        self.width = int(width)
        self.save_dir = pathlib.Path(save_dir) if save_dir is not None else \
            pathlib.Path("i2v_frames")
        self.history = history
        self.gif_max_size = int(gif_max_size)
        self.max_inline_bytes = int(max_inline_bytes)
        self.colab = in_colab()
        self.info = html_box("i2v-clip-info", "<small>No clip yet: click Generate.</small>")
        self.video = html_box("i2v-video")
        self.downloads = html_box("i2v-downloads")
        self.save_first_button, self.save_last_button = (
            button(f"Save {which} frame", f"i2v-save-{which}", icon="image", disabled=True,
                   width="150px", on_click=lambda which=which: self.save_frame(which))
            for which in ("first", "last"))
        self.message = html_box("i2v-preview-message")
        self.video_note = html_box("i2v-video-note")
        # Colab: send files with google.colab.files.download (the data links work there too,
        # but not for files too big to be a link)
        self.colab_mp4_button, self.colab_gif_button = (
            button(f"{label} to this computer", f"i2v-colab-download-{kind}", icon="download",
                   disabled=True, width="190px", on_click=lambda kind=kind: self.download(kind))
            for kind, label in (("mp4", "mp4"), ("gif", "GIF")))
        self.colab_downloads = with_class(
            W.HBox([self.colab_mp4_button, self.colab_gif_button],
                   layout=W.Layout(display=None if self.colab else "none",
                                   flex_flow="row wrap")),
            "i2v-colab-downloads")
        super().__init__(children=[self.info, self.video, self.video_note,
                                   W.HBox([self.downloads, self.save_first_button,
                                           self.save_last_button],
                                          layout=W.Layout(align_items="center",
                                                          flex_flow="row wrap")),
                                   self.colab_downloads, self.message], **kwargs)
        mark_part(self, "i2v-preview")

    @traitlets.observe("clip")
    def _on_clip(self, change: dict) -> None:
        clip = change["new"]
        self.message.value = self.video_note.value = ""
        for b in (self.save_first_button, self.save_last_button, self.colab_mp4_button,
                  self.colab_gif_button):
            b.disabled = clip is None
        if clip is None:
            self.info.value = "<small>No clip yet: click Generate.</small>"
            self.video.value = self.downloads.value = ""
            return
        prompt = clip.metadata.get("prompt")
        self.info.value = (f'<small class="i2v-clip-info-text">{escape(clip_info(clip))}'
                           + (f"<br>prompt: <i>{escape(prompt)}</i>" if prompt else "")
                           + "</small>")
        self.colab_gif_button.disabled = clip.num_frames > MAX_GIF_FRAMES
        try:
            html, note = inline_video_html(clip, max_size=self.width,
                                           max_bytes=self.max_inline_bytes)
            # the video shrinks with the cell (max-width: 100 %, height auto: see _common._CSS)
            self.video.value = (f'<div class="i2v-video-box" style="max-width:100%;">{html}</div>'
                                if html else "")
            self.downloads.value, notes = self._download_links(clip)
            if note:
                notes.insert(0, note)
            self.video_note.value = ("<small class='i2v-video-note-text'>"
                                     + "<br>".join(escape(n) for n in notes) + "</small>"
                                     if notes else "")
        except Exception as exc:  # noqa: BLE001 - e.g. ffmpeg missing: say so in the widget
            self.video.value = ""
            self.downloads.value = ""
            self.message.value = message_html(
                "error", f"Could not encode the clip for display: {type(exc).__name__}: {exc}",
                fix="check that ffmpeg is installed (pip install 'imageio-ffmpeg<0.8').")

    def _download_links(self, clip: Any) -> tuple[str, list[str]]:
        """The ``data:`` download links that fit under ``max_inline_bytes``, and notes about
        those that do not."""
        stem = clip_stem(clip)
        style = ("display:inline-block;padding:3px 10px;margin-right:6px;border-radius:3px;"
                 "border:1px solid #888;text-decoration:none;")
        links, notes = [], []
        mp4 = _mp4_bytes(clip, self.history)
        link = download_link(mp4, "video/mp4", f"{stem}.mp4", css_class="i2v-download-mp4",
                             label="⬇ mp4", max_bytes=self.max_inline_bytes, style=style)
        if link is not None:
            links.append(link)
        else:  # too big for a link: name the file on disk (written here when not saved yet)
            saved = _history_mp4(clip, self.history)
            if saved is None:
                try:
                    saved = self.save_dir / f"{stem}.mp4"
                    saved.parent.mkdir(parents=True, exist_ok=True)
                    saved.write_bytes(mp4)
                except OSError:
                    saved = None
            where = f"the file is {saved}" if saved else "save it with clip.save('out.mp4')"
            notes.append(f"The mp4 ({format_bytes(len(mp4))}) is too big for a download link: "
                         f"{where}" + (" (or use the button below)." if self.colab else "."))
        if clip.num_frames <= MAX_GIF_FRAMES:
            gif = clip.gif_data_uri(max_size=self.gif_max_size)
            if len(gif) <= self.max_inline_bytes:
                links.append(f'<a class="i2v-download-gif" download="{stem}.gif" href="{gif}" '
                             f'style="{style}">⬇ GIF</a>')
            else:
                notes.append("The GIF is too big for a download link; download the mp4.")
        else:
            notes.append(f"No GIF for clips over {MAX_GIF_FRAMES} frames; download the mp4.")
        return "".join(links), notes

    def download(self, which: str = "mp4") -> pathlib.Path | None:
        """Send the clip (``"mp4"``, ``"gif"``) or a frame (``"first"``, ``"last"``) to the
        browser with Colab's ``google.colab.files.download`` (what the Colab buttons do).

        The file is the history's mp4 when the clip is saved there, else it is written under
        ``save_dir``. Outside Colab nothing is sent (use the ⬇ links): the message says where
        the file is. Returns its path (None when there is no clip or it could not be written).
        """
        if which not in ("mp4", "gif", "first", "last"):
            raise ValueError(f"which={which!r}: use 'mp4', 'gif', 'first' or 'last'")
        clip = self._clip_or_say()
        if clip is None:
            return None
        if which in ("first", "last"):
            return self.save_frame(which)  # sends it too on Colab
        if which == "gif" and clip.num_frames > MAX_GIF_FRAMES:
            self.message.value = message_html(
                "info", f"No GIF for clips over {MAX_GIF_FRAMES} frames ({clip.num_frames} "
                        "here).", fix="download the mp4.")
            return None
        path = _history_mp4(clip, self.history) if which == "mp4" else None
        if path is None:
            path = self.save_dir / f"{clip_stem(clip)}.{which}"
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                if which == "gif":
                    uri = clip.gif_data_uri(max_size=self.gif_max_size)
                    path.write_bytes(base64.b64decode(uri.split(",", 1)[1]))
                else:
                    clip.save(path, sidecar=False)
            except OSError as exc:
                self.message.value = message_html("error", f"Could not write {path}: {exc}",
                                                  fix="check the folder is writable.")
                return None
        if self._colab_send(path):
            self.message.value = message_html("ok", f"Sent {path.name} to this computer "
                                                    f"({path}).")
        elif not self.colab:
            self.message.value = message_html("info", f"The file is {path}; use the ⬇ links "
                                                      "to download it.")
        return path

    def _clip_or_say(self) -> Any:
        """The clip shown, or None after saying there is none yet."""
        if self.clip is None:
            self.message.value = message_html("info", "No clip yet: click Generate first.")
        return self.clip

    def _colab_send(self, path: pathlib.Path) -> bool:
        """``google.colab.files.download(path)`` on Colab; False elsewhere or when it fails
        (the problem is shown)."""
        files = colab_files() if self.colab else None
        if files is None:
            return False
        try:
            files.download(os.fspath(path))
        except Exception as exc:  # noqa: BLE001 - shown in the widget
            self.message.value = message_html(
                "error", f"Colab could not send {path.name}: {type(exc).__name__}: {exc}",
                fix=f"download it from the Files panel on the left ({path}).")
            return False
        return True

    def save_frame(self, which: str = "first") -> pathlib.Path | None:
        """Save the first or last frame as PNG under ``save_dir`` (what the buttons do) and
        offer it for download. Returns the path (None when there is no clip)."""
        if which not in ("first", "last"):
            raise ValueError(f"which={which!r}: use 'first' or 'last'")
        clip = self._clip_or_say()
        if clip is None:
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
        if self.colab:  # on Colab the runtime's disk is temporary: send the frame too
            self._colab_send(path)
        return path
