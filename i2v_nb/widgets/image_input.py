"""``ImageInput``: pick the still image — upload, a path or URL, or an offline sample.

>>> from i2v_nb.widgets import ImageInput
>>> picker = ImageInput()
>>> picker.load("astronaut")            # a sample name, a path or a URL  # doctest: +SKIP
>>> picker.image.size                                                   # doctest: +SKIP
(512, 512)

Every button calls :func:`i2v_nb.load_image` (or :func:`i2v_nb.sample_image`), the same
functions a user calls in a cell. A problem ``load_image`` reports is shown in the widget, with
what to do, instead of a traceback.

Uploads: Jupyter sends every picked file in one websocket message and its default limit is
10 MiB, so a bigger upload silently never arrives; the widget says so and offers the path/URL box.
The uploaded file's *name* is only ever displayed (escaped), never used to build a path: the
bytes reach ``load_image`` as a file object that carries the name for its messages.

Every load redraws the status, the same image loaded again included: a good upload after a bad
one clears the error even when the picture equals the one already shown.
"""

from __future__ import annotations

import io
import unicodedata
from typing import Any

import ipywidgets as W
import traitlets

from i2v_nb.widgets._common import (
    button,
    escape,
    explain_error,
    html_box,
    image_data_uri,
    mark_part,
    message_html,
    with_class,
)
from i2v_nb.widgets._compat import clear_upload, upload_entries

__all__ = ["ImageInput", "UPLOAD_LIMIT_NOTE", "upload_name"]

UPLOAD_LIMIT_NOTE = ("Uploads over 10 MiB never arrive (Jupyter's websocket limit): for a big "
                     "file, type its path or URL below and click Load.")
_NO_SAMPLE = "— sample image —"


def upload_name(name: Any, *, limit: int = 80) -> str:
    """An uploaded file's name, fit to show: control characters become spaces, runs of
    spaces one, at most ``limit`` characters. Only ever displayed (escaped), never a path.

    >>> upload_name("holiday\\nphoto.png"), upload_name("")
    ('holiday photo.png', 'upload')
    """
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in str(name))
    text = " ".join(text.split()) or "upload"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _named_upload(content: bytes, name: str) -> io.BytesIO:
    """The uploaded bytes as a binary file object whose ``name`` ``load_image`` uses in its
    messages ("'cat.txt' is a text file…" instead of "<21 bytes> is…"); it reads the bytes and
    never opens the name."""
    upload = io.BytesIO(content)
    upload.name = name
    return upload


class ImageInput(W.VBox):
    """Upload / path-or-URL / sample picker with a thumbnail and the size of the loaded image.

    Attributes (traitlets):
        image: the loaded PIL RGB image, or None.
        source_label: what it was loaded from, for display ("sample: astronaut", a path...).
        error_message: the last problem reported by ``load_image`` ("" when none).
        loads: how many loads succeeded (each one, the same image again included, redraws the
            thumbnail and the status).

    Args:
        samples: show the sample picker (default True).
        thumbnail_size: longest side of the thumbnail, px.
        css_prefix: prefix of its CSS classes (``i2v-sample``, ``i2v-upload``…); a second
            picker on the same page takes another (the Studio's last frame: ``i2v-last``).
    """

    image = traitlets.Any(None, allow_none=True)
    source_label = traitlets.Unicode("")
    error_message = traitlets.Unicode("")
    loads = traitlets.Int(0)

    def __init__(self, *, samples: bool = True, thumbnail_size: int = 256,
                 css_prefix: str = "i2v", **kwargs: Any) -> None:
        from i2v_nb.samples import sample_names

        p = css_prefix  # a second picker (the Studio's last frame) gets classes of its own
        self.thumbnail_size = int(thumbnail_size)
        self._syncing_sample = False
        self._drawn = False
        self.upload = with_class(W.FileUpload(accept="image/*", multiple=False,
                                              description="Upload image",
                                              layout=W.Layout(width="auto", min_width="160px",
                                                              flex="0 0 auto")), f"{p}-upload")
        self.upload_note = W.HTML(f'<div class="{p}-upload-note" style="font-size:11px;'
                                  f'line-height:1.3;opacity:0.8;">{escape(UPLOAD_LIMIT_NOTE)}'
                                  "</div>")
        self.path = with_class(W.Text(placeholder="path or http(s):// URL of an image",
                                      layout=W.Layout(width="auto", flex="1 1 auto")), f"{p}-path")
        self.load_button = button("Load", f"{p}-load", icon="folder-open", width="90px",
                                  on_click=lambda: self.load(self.path.value))
        self.sample = with_class(W.Dropdown(options=[_NO_SAMPLE, *sample_names()],
                                            value=_NO_SAMPLE, description="Sample",
                                            layout=W.Layout(width="auto")), f"{p}-sample")
        self.thumbnail = html_box(f"{p}-thumbnail")
        self.status = html_box(f"{p}-image-status", message_html(
            "info", "No image yet: upload one, type a path/URL or pick a sample."))

        self.upload.observe(self._on_upload, names="value")
        self.sample.observe(self._on_sample, names="value")

        rows = [self.upload, self.upload_note,
                W.HBox([self.path, self.load_button], layout=W.Layout(flex_flow="row wrap"))]
        if samples:
            rows.append(self.sample)
        super().__init__(children=[*rows, self.thumbnail, self.status], **kwargs)
        mark_part(self, f"{p}-image-input")

    # -- actions -------------------------------------------------------------------------------
    def load(self, source: Any, *, label: str | None = None) -> bool:
        """Load ``source`` (a sample name, path, URL, bytes, array or PIL image).

        Returns True on success; on failure the image is unchanged and the problem is shown.
        """
        from i2v_nb.errors import ImageInputError
        from i2v_nb.io import load_image
        from i2v_nb.samples import sample_image, sample_names

        sample = None
        if isinstance(source, str):
            source = source.strip()
            if not source:
                self._fail("Type a path or an http(s):// URL first, then click Load.")
                return False
            if source in sample_names():
                sample = source
                label = label or f"sample: {source}"
                source = sample_image(source)
            else:
                label = label or source
        try:
            image = load_image(source)
        except ImageInputError as exc:
            kind, text, fix = explain_error(exc)
            self._fail(text, fix)
            return False
        self.error_message = ""
        self.source_label = label or type(source).__name__
        self._show_sample(sample)
        self._drawn = False
        self.image = image  # no change event when it equals the image shown…
        if not self._drawn:  # …so draw here: the status must lose an earlier error
            self._draw(image)
        self.loads += 1
        return True

    def clear(self) -> None:
        """Forget the image."""
        self._show_sample(None)
        self.image = None
        self.source_label = ""

    # -- handlers ------------------------------------------------------------------------------
    def _fail(self, text: str, fix: str | None = None) -> None:
        """Show a problem; the image shown stays (and says so). The sample picker is emptied,
        so that picking the sample still shown is a new pick that loads it again."""
        self.error_message = text
        kept = ""
        if self.image is not None:
            w, h = self.image.size
            kept = message_html("info", f"Still using {self.source_label} — {w}×{h} px.")
        self._show_sample(None)
        self.status.value = message_html("error", text, fix=fix) + kept

    def _show_sample(self, name: str | None) -> None:
        """Make the sample picker name the loaded sample, or none when the image came from an
        upload, a path or a URL (without loading anything again)."""
        value = name if name in self.sample.options else _NO_SAMPLE
        if self.sample.value != value:
            self._syncing_sample = True
            try:
                self.sample.value = value
            finally:
                self._syncing_sample = False

    def _on_upload(self, change: dict) -> None:
        entries = upload_entries(change["new"])
        if not entries:
            return
        name, content = entries[-1]
        # forget the upload at once: picking the same file again is then a new upload (the
        # value would not change otherwise), and the widget keeps no copy of the bytes
        clear_upload(self.upload)
        # the name is only displayed (escaped by the status), never used as a path
        name = upload_name(name)
        self.load(_named_upload(content, name), label=f"upload: {name}")

    def _on_sample(self, change: dict) -> None:
        if self._syncing_sample:
            return
        if change["new"] and change["new"] != _NO_SAMPLE:
            self.load(change["new"])

    @traitlets.observe("image")
    def _show_image(self, change: dict) -> None:
        self._draw(change["new"])

    def _draw(self, image: Any) -> None:
        """Redraw the thumbnail and the status for ``image`` (None: no image)."""
        self._drawn = True
        if image is None:
            self.thumbnail.value = ""
            self.status.value = message_html("info", "No image yet.")
            return
        uri = image_data_uri(image, max_size=self.thumbnail_size)
        self.thumbnail.value = (f'<img src="{uri}" alt="input image" '
                                f'style="max-width:100%;height:auto;'
                                f'max-height:{self.thumbnail_size}px;border-radius:4px;">')
        w, h = image.size
        self.status.value = message_html("ok", f"{self.source_label} — {w}×{h} px")
