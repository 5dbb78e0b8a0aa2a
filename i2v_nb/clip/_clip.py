"""``Clip``: the frames of a generated (or loaded) video with everything needed to reproduce it,
and :func:`read_video`, which reads one back from a file.

>>> import numpy as np
>>> clip = Clip(np.zeros((8, 64, 64, 3), np.uint8), fps=8, metadata={"prompt": "static"})
>>> clip.num_frames, clip.width, clip.height, clip.duration
(8, 64, 64, 1.0)
"""

from __future__ import annotations

import base64
import os
import pathlib
from typing import TYPE_CHECKING, Any

import numpy as np

from i2v_nb._media import as_frames
from i2v_nb.clip._inline import (MAX_INLINE_BYTES, MAX_INLINE_FRAMES, MAX_INLINE_SIZE,
                                 inline_video_html)
from i2v_nb.io import (DEFAULT_MAX_PIXELS, DEFAULT_MAX_VIDEO_BYTES, FPS_LIMITS, SIDECAR_VERSION,
                       check_fps, jsonable, load_image, read_frames, sidecar_path, sidecar_text,
                       write_animation, write_text_atomic, write_video)

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image as PILImage

__all__ = ["Clip", "read_video"]


class Clip:
    """A short video: frames, fps, the source image and the parameters that made it.

    Args:
        frames: ``(T, H, W, 3)`` uint8 (floats in [0, 1], uint16, greyscale or a list of frames
            are converted once, here).
        fps: frames per second (positive).
        source: the still image the clip was made from (anything ``load_image`` accepts), or None.
        metadata: prompt, model, seed, every parameter used, timings, library version…

    Attributes:
        frames: ``(T, H, W, 3)`` uint8 array.
        fps: float.
        source: PIL RGB image or None.
        metadata: dict (JSON-serialisable once saved).

    >>> import numpy as np
    >>> clip = Clip(np.random.default_rng(0).random((4, 32, 48, 3)), fps=12)
    >>> clip.frames.dtype, clip.frames.shape
    (dtype('uint8'), (4, 32, 48, 3))
    """

    def __init__(self, frames: Any, fps: float, source: Any = None,
                 metadata: dict | None = None) -> None:
        self.frames: np.ndarray = as_frames(frames)
        self.fps: float = check_fps(fps)
        if source is not None:
            from PIL import Image

            # an RGB PIL image without an EXIF rotation (what generate() passes) is kept as is;
            # anything else goes through load_image once
            if not (isinstance(source, Image.Image) and source.mode == "RGB"
                    and source.getexif().get(0x0112, 1) == 1):
                source = load_image(source)
        self.source = source
        if metadata is not None and not isinstance(metadata, dict):
            raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
        self.metadata: dict = dict(metadata or {})

    # -- shape -------------------------------------------------------------------------------
    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    @property
    def height(self) -> int:
        return int(self.frames.shape[1])

    @property
    def width(self) -> int:
        return int(self.frames.shape[2])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.num_frames / self.fps

    def __len__(self) -> int:
        return self.num_frames

    def __repr__(self) -> str:
        prompt = self.metadata.get("prompt")
        extra = f", prompt={prompt!r}" if prompt else ""
        model = self.metadata.get("model")
        extra += f", model={model!r}" if model else ""
        return (f"Clip({self.num_frames} frames, {self.width}×{self.height}, {self.fps:g} fps, "
                f"{self.duration:.2f} s{extra})")

    # -- frames --------------------------------------------------------------------------------
    def frame(self, index: int) -> "PILImage.Image":
        """Frame ``index`` (negative counts from the end) as a PIL image."""
        from PIL import Image

        if not -self.num_frames <= index < self.num_frames:
            raise IndexError(f"frame {index} is out of range for a clip of {self.num_frames} "
                             "frames")
        return Image.fromarray(self.frames[index])

    def save_frame(self, index: int, path: str | os.PathLike) -> pathlib.Path:
        """Save one frame as an image (format from the suffix: png, jpg, webp…)."""
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.frame(index).save(path)
        return path

    # -- files ---------------------------------------------------------------------------------
    def sidecar(self) -> dict:
        """The JSON document written beside a saved clip."""
        import i2v_nb

        return {
            "i2v_nb_sidecar": SIDECAR_VERSION,
            "library_version": i2v_nb.__version__,
            "fps": self.fps,
            "num_frames": self.num_frames,
            "width": self.width,
            "height": self.height,
            "duration_s": self.duration,
            "metadata": jsonable(self.metadata),
        }

    def save(self, path: str | os.PathLike, *, sidecar: bool = True,
             embed: bool = True) -> pathlib.Path:
        """Write the clip to ``path`` (mp4, webm, gif or webp by suffix) and, unless
        ``sidecar=False``, its parameters to ``NAME.json`` beside it. Both appear atomically and
        get the user's umask. Metadata is always stored (see :func:`~i2v_nb.io.jsonable` and
        :func:`~i2v_nb.io.sidecar_text`): text that UTF-8 cannot encode is escaped, values too deep
        or too large for a sidecar are replaced by a note, with a
        :class:`~i2v_nb.errors.SidecarWarning`.

        Unless ``embed=False``, the same document also travels inside the video (a container
        tag, see :func:`~i2v_nb.io.write_video`), so :func:`read_video` and
        :func:`i2v_nb.restore` find the settings when the sidecar is lost.

        >>> clip.save("out/take1.mp4")     # doctest: +SKIP
        PosixPath('out/take1.mp4')
        """
        path = pathlib.Path(path)
        document = self.sidecar()
        text = sidecar_text(document) if sidecar else None  # fails before any file is made
        write_video(path, self.frames, self.fps, embed=document if embed else None)
        if text is not None:
            write_text_atomic(sidecar_path(path), text)
        return path

    # -- display -------------------------------------------------------------------------------
    def to_html(self, *, width: int | None = None, title: str | None = None,
                max_size: int | None = MAX_INLINE_SIZE,
                max_frames: int | None = MAX_INLINE_FRAMES,
                max_bytes: int | None = MAX_INLINE_BYTES) -> str:
        """HTML with the clip as an embedded (base64) looping mp4 ``<video>``; plays in
        JupyterLab, Notebook 7, Colab and VS Code.

        What is embedded is capped so that a long or large clip never crashes the browser tab
        (see :func:`inline_video_html`): the long side is downscaled to ``max_size``, at most
        ``max_frames`` are played and the HTML stays under ``max_bytes`` characters; a short note
        below the video says what was left out. ``None`` lifts a cap. The clip itself is never
        changed (save it, or keep its History file, for the full video).

        >>> Clip(np.zeros((4, 32, 48, 3), np.uint8), fps=4).to_html()[:30]  # doctest: +SKIP
        '<video controls width="48" hei'

        Args:
            width: display width in pixels (the height follows); default: the embedded size.
            title: text shown above the video.
            max_size: longest side of the embedded frames, in pixels.
            max_frames: most frames embedded (the clip's beginning).
            max_bytes: longest HTML, in characters (fewer frames are embedded to fit).
        """
        html, note = inline_video_html(self, width=width, title=title, max_size=max_size,
                                       max_frames=max_frames, max_bytes=max_bytes)
        if note:
            import html as _html

            html += f'<div class="i2v-video-note"><small>{_html.escape(note)}</small></div>'
        return html

    def show(self, *, width: int | None = None, title: str | None = None,
             max_size: int | None = MAX_INLINE_SIZE, max_frames: int | None = MAX_INLINE_FRAMES,
             max_bytes: int | None = MAX_INLINE_BYTES, return_html: bool = False) -> str | None:
        """Display the clip inline (looping, muted autoplay), capped as :meth:`to_html` says.
        With ``return_html=True`` return the HTML instead of displaying it (what tests use).

        >>> clip.show(max_frames=None)        # doctest: +SKIP
        """
        html = self.to_html(width=width, title=title, max_size=max_size, max_frames=max_frames,
                            max_bytes=max_bytes)
        if return_html:
            return html
        from IPython.display import HTML, display

        display(HTML(html))
        return None

    def _repr_html_(self) -> str:
        return self.to_html()

    def thumbnail(self, size: int = 160) -> "PILImage.Image":
        """The middle frame, shrunk to fit ``size``×``size`` (for galleries)."""
        img = self.frame(self.num_frames // 2)
        img.thumbnail((size, size))
        return img

    def gif_data_uri(self, *, max_size: int = 256) -> str:
        """A small looping GIF as a ``data:`` URI (for galleries and static HTML), written by
        the same GIF writer as :meth:`save` (:func:`~i2v_nb.io.write_animation`), its frames
        shrunk to fit ``max_size``×``max_size``. GIF plays at most 50 fps in browsers: a faster
        clip plays at 50 fps here.

        >>> Clip(np.zeros((2, 8, 8, 3), np.uint8), fps=4).gif_data_uri()[:22]
        'data:image/gif;base64,'
        """
        import io

        from PIL import Image

        frames = [Image.fromarray(f) for f in self.frames]
        for f in frames:
            f.thumbnail((max_size, max_size))
        low, high = FPS_LIMITS[".gif"]
        buf = io.BytesIO()
        write_animation(buf, np.stack([np.asarray(f) for f in frames]),
                        min(max(self.fps, low), high), "GIF")
        return "data:image/gif;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def read_video(path: str | os.PathLike, *, max_frames: int = 10_000,
               max_pixels: int | None = DEFAULT_MAX_PIXELS,
               max_bytes: int | None = DEFAULT_MAX_VIDEO_BYTES) -> Clip:
    """Read an mp4, webm, gif or webp (animated) file into a :class:`Clip`.

    The frames, fps and metadata come from :func:`i2v_nb.io.read_frames`, which says how each
    format is decoded and how the input is guarded: videos are untrusted, the frame size is
    checked against ``max_pixels`` before decoding, and at most ``max_frames`` frames and
    ``max_bytes`` of decoded pixels are kept (the first ones, with a
    :class:`~i2v_nb.errors.VideoTruncatedWarning`). A JSON sidecar written by :meth:`Clip.save`
    (``NAME.json`` beside ``NAME.mp4``) gives back the exact fps, the size before even-padding
    and ``clip.metadata``; a damaged one is ignored field by field, with a
    :class:`~i2v_nb.errors.SidecarWarning` (see :func:`i2v_nb.io.parse_sidecar`). Without a
    sidecar, the settings :meth:`Clip.save` embedded in the file itself are used (same checks).

    >>> clip = read_video("take1.mp4")       # doctest: +SKIP
    >>> clip.frames.shape                     # doctest: +SKIP
    (49, 480, 720, 3)

    Raises:
        VideoInputError: for a missing, empty, damaged or unsupported file (never another
            exception for bad content, in the video or its sidecar).
        ParameterError: for a limit that is not a positive integer.
    """
    frames, fps, metadata = read_frames(path, max_frames=max_frames, max_pixels=max_pixels,
                                        max_bytes=max_bytes, stacklevel=3)
    return Clip(frames, fps, metadata=metadata)
