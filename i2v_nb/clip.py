"""``Clip``: the frames of a generated (or loaded) video with everything needed to reproduce it.

>>> import numpy as np
>>> clip = Clip(np.zeros((8, 64, 64, 3), np.uint8), fps=8, metadata={"prompt": "static"})
>>> clip.num_frames, clip.width, clip.height, clip.duration
(8, 64, 64, 1.0)
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import enum
import json
import math
import os
import pathlib
import tempfile
from typing import TYPE_CHECKING, Any

import numpy as np

from i2v_nb._media import as_frames

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image as PILImage

__all__ = ["Clip", "jsonable", "sidecar_path", "read_sidecar", "write_json_atomic"]

SIDECAR_VERSION = 1


def jsonable(value: Any) -> Any:
    """Convert metadata to plain JSON types (numpy scalars/arrays, dataclasses, enums, paths,
    tuples, sets, datetimes); anything else becomes its ``repr``.

    >>> jsonable({"seed": np.int64(3), "size": (64, 32), "scale": np.float32(0.5)})
    {'seed': 3, 'size': [64, 32], 'scale': 0.5}
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        if value.size > 64:
            return {"array_shape": list(value.shape), "dtype": str(value.dtype)}
        return jsonable(value.tolist())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [jsonable(v) for v in items]
    if hasattr(value, "to_dict") and callable(value.to_dict):
        try:
            return jsonable(value.to_dict())
        except Exception:
            pass
    return repr(value)


def write_json_atomic(path: pathlib.Path, data: Any) -> None:
    """Write ``data`` as pretty JSON to ``path`` through a temp file and a rename."""
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(jsonable(data), f, indent=2, ensure_ascii=False, allow_nan=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        pathlib.Path(tmp).unlink(missing_ok=True)
        raise


def sidecar_path(video_path: str | os.PathLike) -> pathlib.Path:
    """``take.mp4`` → ``take.json``: the parameters file that travels with a clip."""
    return pathlib.Path(video_path).with_suffix(".json")


def read_sidecar(video_path: str | os.PathLike, *, full: bool = False) -> dict | None:
    """Return the ``metadata`` stored beside ``video_path`` (the whole sidecar document with
    ``full=True``), or ``None`` if there is none or it is not a valid sidecar."""
    side = sidecar_path(video_path)
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("metadata", {}), dict):
        return None
    return data if full else data.get("metadata", {})


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
        from i2v_nb.io import _check_fps

        self.frames: np.ndarray = as_frames(frames)
        self.fps: float = _check_fps(fps)
        if source is not None:
            from PIL import Image

            # an RGB PIL image without an EXIF rotation (what generate() passes) is kept as is;
            # anything else goes through load_image once
            if not (isinstance(source, Image.Image) and source.mode == "RGB"
                    and source.getexif().get(0x0112, 1) == 1):
                from i2v_nb.io import load_image

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

    def save(self, path: str | os.PathLike, *, sidecar: bool = True) -> pathlib.Path:
        """Write the clip to ``path`` (mp4, webm, gif or webp by suffix) and, unless
        ``sidecar=False``, its parameters to ``NAME.json`` beside it. Both appear atomically.

        >>> clip.save("out/take1.mp4")     # doctest: +SKIP
        PosixPath('out/take1.mp4')
        """
        from i2v_nb.io import write_video

        path = pathlib.Path(path)
        write_video(path, self.frames, self.fps)
        if sidecar:
            write_json_atomic(sidecar_path(path), self.sidecar())
        return path

    # -- display -------------------------------------------------------------------------------
    def to_html(self, *, width: int | None = None, title: str | None = None) -> str:
        """HTML with the clip as an embedded (base64) looping mp4 ``<video>``; plays in
        JupyterLab, Notebook 7, Colab and VS Code."""
        import mediapy

        from i2v_nb.io import _ffmpeg, _pad_even

        _ffmpeg()
        frames = _pad_even(self.frames)
        kwargs: dict[str, Any] = {"fps": self.fps, "return_html": True, "codec": "h264"}
        if width is not None:
            kwargs["width"] = int(width)
        html = mediapy.show_video(frames, title=title, **kwargs)
        return html

    def show(self, *, width: int | None = None, title: str | None = None,
             return_html: bool = False) -> str | None:
        """Display the clip inline (looping, muted autoplay). With ``return_html=True`` return
        the HTML instead of displaying it (what tests use)."""
        html = self.to_html(width=width, title=title)
        if return_html:
            return html
        from IPython.display import HTML, display

        display(HTML(html))
        return None

    def _repr_html_(self) -> str:
        return self.to_html(width=min(self.width, 512))

    def thumbnail(self, size: int = 160) -> "PILImage.Image":
        """The middle frame, shrunk to fit ``size``×``size`` (for galleries)."""
        img = self.frame(self.num_frames // 2)
        img.thumbnail((size, size))
        return img

    def gif_data_uri(self, *, max_size: int = 256) -> str:
        """A small looping GIF as a ``data:`` URI (for galleries and static HTML)."""
        import io

        from PIL import Image

        frames = [Image.fromarray(f) for f in self.frames]
        for f in frames:
            f.thumbnail((max_size, max_size))
        buf = io.BytesIO()
        frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:],
                       duration=max(1, int(round(1000 / self.fps))), loop=0)
        return "data:image/gif;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
