"""Video files: write frames as mp4, webm, gif or webp (with the run's settings embedded when
given), and decode them back (with the metadata their JSON sidecar, or else the file itself,
stores). Knows nothing of :class:`~i2v_nb.clip.Clip`, which wraps
these (``Clip.save``, ``i2v_nb.clip.read_video``).

>>> import numpy as np
>>> write_video("/tmp/grey.gif", np.full((4, 16, 16, 3), 128, np.uint8), fps=8)  # doctest: +SKIP
PosixPath('/tmp/grey.gif')
>>> read_frames("/tmp/grey.gif").frames.shape                                     # doctest: +SKIP
(4, 16, 16, 3)
"""

from __future__ import annotations

import os
import pathlib
import re
import tempfile
import warnings
from typing import Any, BinaryIO, Literal, Mapping, NamedTuple

import numpy as np

from i2v_nb._media import as_frames
from i2v_nb.errors import SidecarWarning, VideoInputError, VideoTruncatedWarning
from i2v_nb.io.checks import (DEFAULT_MAX_PIXELS, MAX_SIDE_BY_FORMAT, WEBP_MAX_TOTAL_MS,
                              check_crf, check_fps, check_positive_int, check_video_suffix)
from i2v_nb.io.ffmpeg import ffmpeg_error_line, pad_even, setup_ffmpeg
from i2v_nb.io.embedded import (embed_ffmpeg_args, embed_pillow_options, embedded_text,
                                read_settings)

__all__ = ["DEFAULT_MAX_VIDEO_BYTES", "write_video", "write_animation", "read_frames",
           "DecodedVideo"]

#: Most decoded pixel bytes ``read_frames`` keeps (2 GiB: about 1,200 frames of 1024×576).
DEFAULT_MAX_VIDEO_BYTES = 2 * 2**30

PathLike = str | os.PathLike


def _durations_ms(count: int, fps: float, unit_ms: int) -> list[int]:
    """Per-frame delays in ms, each a multiple of ``unit_ms``, whose running sum follows
    ``i * 1000 / fps``: each delay is quantised but the average rate is exact (30 fps as GIF:
    30, 40, 30, 30, 40… ms instead of 30 ms every frame, which plays at 33.3 fps)."""
    step = 1000.0 / fps / unit_ms
    out, previous = [], 0
    for i in range(1, count + 1):
        t = round(i * step)
        out.append((t - previous) * unit_ms)
        previous = t
    return out


def write_animation(target: PathLike | BinaryIO, frames: np.ndarray, fps: float,
                    fmt: Literal["GIF", "WEBP"], *, embed_text: str | None = None) -> None:
    """Write ``(T, H, W, 3)`` uint8 frames as a looping GIF or WebP animation to ``target`` (a
    path or a binary file object): the one GIF/WebP writer, used by :func:`write_video` and by
    :meth:`~i2v_nb.clip.Clip.gif_data_uri`. Frame delays follow ``fps`` exactly on average
    (quantised to the format's unit); ``fps`` must be within the format's
    :data:`~i2v_nb.io.checks.FPS_LIMITS` for browsers to play it at that speed (not checked here).
    ``embed_text`` (from :func:`~i2v_nb.io.embedded.embedded_text`) is stored inside the file
    (GIF: a comment; WebP: XMP).

    >>> import io
    >>> buf = io.BytesIO()
    >>> write_animation(buf, np.zeros((3, 8, 8, 3), np.uint8), 8.0, "GIF")
    >>> buf.getvalue()[:6]
    b'GIF89a'
    """
    from PIL import Image

    images = [Image.fromarray(f) for f in frames]
    extra = {} if embed_text is None else embed_pillow_options(embed_text, fmt)
    if fmt == "GIF":
        duration = _durations_ms(len(images), fps, 10)  # GIF delays are centiseconds
        # one adaptive palette per frame keeps colours; dithering off keeps frames stable
        images = [im.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                              dither=Image.Dither.NONE) for im in images]
        images[0].save(target, format="GIF", save_all=True, append_images=images[1:],
                       duration=duration, loop=0, disposal=1, optimize=False, **extra)
    else:
        images[0].save(target, format="WEBP", save_all=True, append_images=images[1:],
                       duration=_durations_ms(len(images), fps, 1), loop=0, quality=90, method=4,
                       **extra)


def write_video(path: PathLike, frames: Any, fps: float, *, crf: int = 18,
                embed: Mapping[str, Any] | None = None) -> pathlib.Path:
    """Write frames to ``path`` as mp4 (H.264, yuv420p), webm (VP9), gif or webp, by suffix.

    The file appears atomically (written to a temporary file in the same folder, then renamed),
    so an interrupted write never leaves a half file; it gets the user's umask (0644 under umask
    022). Odd sizes are padded to even ones (by repeating the last row/column) for mp4 and webm.
    Everything is checked before any work: the suffix, ``fps`` against that format's limits
    (:func:`check_fps`), the frames, ``crf`` and the sizes GIF/WebP can hold.

    With ``embed`` (a sidecar document: what :meth:`Clip.sidecar <i2v_nb.clip.Clip.sidecar>`
    gives), the run's settings travel inside the file too: mp4/webm as the container's
    ``comment`` tag, gif as a comment, webp as XMP (see :mod:`i2v_nb.io.embedded`; at most
    :data:`~i2v_nb.io.embedded.MAX_EMBEDDED_BYTES`, larger metadata values become a note).

    >>> import numpy as np
    >>> write_video("/tmp/grey.mp4", np.full((8, 32, 32, 3), 128, np.uint8), fps=8)  # doctest: +SKIP
    PosixPath('/tmp/grey.mp4')

    Args:
        path: output file; its suffix picks the format.
        frames: ``(T, H, W, 3)`` uint8 (or anything :func:`i2v_nb._media.as_frames` accepts).
        fps: frames per second (GIF: at most 50, WebP: at most 90.9; see :data:`FPS_LIMITS`).
        crf: H.264/VP9 quality, 0…51 (lower is better; 18 is visually lossless).
        embed: a sidecar document to store inside the file, or None.

    Returns:
        The path written.

    Raises:
        VideoInputError: for an unknown suffix, bad frames, fps or crf, or a size or length the
            format cannot store.
        RuntimeError: when ffmpeg fails (the message holds the line of its output that says
            why, see :func:`ffmpeg_error_line`).
    """
    from i2v_nb._media import apply_umask

    path = pathlib.Path(path)
    suffix = check_video_suffix(path)
    fps = check_fps(fps, suffix=suffix)
    crf = check_crf(crf)
    frames = as_frames(frames)
    text = None if embed is None else embedded_text(embed)
    count, height, width = frames.shape[:3]
    if suffix in MAX_SIDE_BY_FORMAT and max(width, height) > MAX_SIDE_BY_FORMAT[suffix]:
        raise VideoInputError(f"frames of {width}×{height} cannot be written as {suffix}: its "
                              f"sides are at most {MAX_SIDE_BY_FORMAT[suffix]} pixels; resize the "
                              "frames or save as .mp4")
    if suffix == ".webp" and count * 1000.0 / fps > WEBP_MAX_TOTAL_MS:
        raise VideoInputError(f"{count} frames at fps={fps:g} last {count / fps / 86400:.1f} "
                              "days, more than a .webp can hold (24.8 days); save as .mp4")
    if suffix in (".mp4", ".webm"):
        import mediapy

        setup_ffmpeg()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{suffix}",
                                    dir=path.parent)
    os.close(fd)
    tmp = pathlib.Path(tmp_name)
    try:
        if suffix in (".mp4", ".webm"):
            codec = "h264" if suffix == ".mp4" else "vp9"
            try:
                mediapy.write_video(tmp, pad_even(frames), fps=fps, codec=codec, crf=crf,
                                    ffmpeg_args=[] if text is None else embed_ffmpeg_args(text))
            except RuntimeError as e:  # ffmpeg failed: its stderr is in the message
                detail = re.sub(r"^Error writing '[^']*':\s*", "", str(e))
                detail = ffmpeg_error_line(detail).replace(str(tmp), str(path))
                raise RuntimeError(
                    f"ffmpeg could not write {str(path)!r} ({codec}, {width}×{height}, "
                    f"{count} frames): {detail[:300]}; check the frame size, the free disk "
                    "space and that the folder is writable") from e
        else:
            write_animation(tmp, frames, fps, "GIF" if suffix == ".gif" else "WEBP",
                            embed_text=text)
        apply_umask(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _frame_budget(desc: str, width: int, height: int, max_frames: int, max_pixels: int | None,
                  max_bytes: int | None) -> int:
    """How many frames of ``width × height`` may be decoded (size checked before decoding)."""
    if width <= 0 or height <= 0:
        raise VideoInputError(f"{desc} states a frame size of {width}×{height}; the file is "
                              "damaged")
    if max_pixels is not None and width * height > max_pixels:
        raise VideoInputError(f"{desc} is {width}×{height}, above max_pixels={max_pixels}; pass a "
                              "smaller video or raise max_pixels")
    budget = max_frames
    if max_bytes is not None:
        budget = min(budget, max(1, max_bytes // max(1, width * height * 3)))
    return budget


def _warn_truncated(desc: str, kept: int, total: int | None, why: str | None,
                    stacklevel: int) -> None:
    """Warn that only ``kept`` frames were read (``stacklevel`` counts from the caller of
    :func:`read_frames`'s readers)."""
    if why is not None:
        warnings.warn(f"{desc}: read the first {kept} frames; {why}", VideoTruncatedWarning,
                      stacklevel=stacklevel + 2)
    elif total is not None and total > kept:
        warnings.warn(f"{desc} has {total} frames; read the first {kept} (max_frames / max_bytes "
                      "limit the frames held in memory: raise them to read more)",
                      VideoTruncatedWarning, stacklevel=stacklevel + 2)


class _FrameBuffer:
    """Decoded frames in one ``(capacity, H, W, 3)`` uint8 array, filled in place.

    The capacity is the frame count the container states (capped by the budget), so in the usual
    case the array is allocated once and never copied: peak memory is about ``max_bytes`` (a list
    of frames followed by ``np.stack`` needed twice that). When a container understates its
    length, the array grows by half with ``ndarray.resize`` (``realloc``: in place on Linux for
    large blocks); the final trim shrinks it the same way.
    """

    def __init__(self, capacity: int, height: int, width: int) -> None:
        self.height, self.width = height, width
        self.array = np.empty((max(1, capacity), height, width, 3), np.uint8)
        self.count = 0

    def append(self, image: Any) -> None:
        if self.count == self.array.shape[0]:
            grown = max(self.count + 1, self.count * 3 // 2)
            self.array.resize((grown, self.height, self.width, 3), refcheck=False)
        self.array[self.count] = np.asarray(image)[:self.height, :self.width, :3]
        self.count += 1

    def result(self) -> np.ndarray:
        if self.count < self.array.shape[0]:
            self.array.resize((self.count, self.height, self.width, 3), refcheck=False)
        return self.array


def _target_size(desc: str, width: int, height: int, sidecar: dict,
                 stacklevel: int) -> tuple[int, int]:
    """The size to keep: the sidecar's when it differs from the decoded one only by the even
    padding of mp4/webm (one extra row/column), else the decoded size."""
    sw, sh = sidecar.get("width"), sidecar.get("height")
    if sw is None or sh is None or (sw, sh) == (width, height):
        return width, height
    if 0 <= width - sw <= 1 and 0 <= height - sh <= 1:
        return sw, sh
    warnings.warn(f"the sidecar of {desc} says {sw}×{sh} but the video is {width}×{height}; "
                  "kept the video's size (the sidecar may belong to another version of the file)",
                  SidecarWarning, stacklevel=stacklevel + 2)
    return width, height


def _valid_fps(fps: Any, default: float) -> float:
    """A container's frame rate if a Clip can hold it, else ``default``."""
    try:
        return check_fps(fps)
    except VideoInputError:
        return default


def _read_pil_animation(path: pathlib.Path, desc: str, max_frames: int, max_pixels: int | None,
                        max_bytes: int | None, sidecar: dict,
                        stacklevel: int) -> tuple[np.ndarray, float]:
    from PIL import Image

    durations: list[float] = []
    with Image.open(path) as im:
        stored = getattr(im, "n_frames", 1)
        # GIF and WebP writers merge identical consecutive frames into one longer frame; with
        # the sidecar's exact fps and frame count, each is repeated back to its frames
        fps_exact, expected = sidecar.get("fps"), sidecar.get("num_frames")
        expand = fps_exact is not None and expected is not None and expected > stored
        total = expected if expand else stored
        budget = _frame_budget(desc, im.width, im.height, max_frames, max_pixels, max_bytes)
        width, height = _target_size(desc, im.width, im.height, sidecar, stacklevel)
        buffer = _FrameBuffer(min(total, budget), height, width)
        damaged, elapsed_ms = None, 0.0
        for index in range(stored):
            if buffer.count >= budget:
                break
            try:
                im.seek(index)
                im.load()  # WebP fills info["duration"] only once the frame is loaded
                frame = np.asarray(im.convert("RGB"))
            except Exception as e:
                if index == 0:
                    raise
                damaged = f"frame {index + 1} of {stored} could not be decoded ({type(e).__name__})"
                break
            duration = im.info.get("duration")
            duration = duration if isinstance(duration, (int, float)) and duration > 0 else 100
            durations.append(duration)
            copies = 1
            if expand:
                elapsed_ms += duration
                copies = max(1, round(elapsed_ms * fps_exact / 1000.0) - buffer.count)
            for _ in range(min(copies, budget - buffer.count)):
                buffer.append(frame)
    _warn_truncated(desc, buffer.count, total, damaged, stacklevel)
    fps = _valid_fps(1000.0 / float(np.median(durations)), 10.0)
    return buffer.result(), fps


def _read_ffmpeg(path: pathlib.Path, desc: str, max_frames: int, max_pixels: int | None,
                 max_bytes: int | None, sidecar: dict,
                 stacklevel: int) -> tuple[np.ndarray, float]:
    import mediapy

    setup_ffmpeg()
    with mediapy.VideoReader(path) as reader:
        fps = _valid_fps(reader.fps, 24.0)
        height, width = reader.shape[0], reader.shape[1]
        budget = _frame_budget(desc, width, height, max_frames, max_pixels, max_bytes)
        width, height = _target_size(desc, width, height, sidecar, stacklevel)
        total = reader.num_images if reader.num_images > 0 else None  # counted by ffmpeg
        buffer = _FrameBuffer(min(budget, total or 16), height, width)
        more = False
        for image in reader:
            if buffer.count >= budget:
                more = True
                break
            buffer.append(image)
    if buffer.count == 0:
        raise VideoInputError(f"{desc} holds no decodable frames; the file may be damaged")
    if total is None and more:
        _warn_truncated(desc, buffer.count, None, "it has more (max_frames / max_bytes limit the "
                        "frames held in memory: raise them to read more)", stacklevel)
    else:
        _warn_truncated(desc, buffer.count, total, None, stacklevel)
    return buffer.result(), fps


class DecodedVideo(NamedTuple):
    """What :func:`read_frames` gives back: the frames, their rate and the stored metadata."""

    #: ``(T, H, W, 3)`` uint8 frames.
    frames: np.ndarray
    #: Frames per second: the sidecar's exact rate, else the container's.
    fps: float
    #: ``metadata`` from the clip's sidecar, else from the settings embedded in the file
    #: (``{}`` when neither has any).
    metadata: dict


def read_frames(path: PathLike, *, max_frames: int = 10_000,
                max_pixels: int | None = DEFAULT_MAX_PIXELS,
                max_bytes: int | None = DEFAULT_MAX_VIDEO_BYTES,
                stacklevel: int = 2) -> DecodedVideo:
    """Decode an mp4, webm, gif or webp (animated) file: its frames, fps and stored metadata.

    The reader under :func:`i2v_nb.clip.read_video` (which wraps the result in a
    :class:`~i2v_nb.clip.Clip`). mp4/webm are decoded with ffmpeg (imageio-ffmpeg's bundled
    binary), gif/webp with Pillow. Videos are untrusted: the frame size is checked against
    ``max_pixels`` before decoding, and at most ``max_frames`` frames and ``max_bytes`` of decoded
    pixels are kept (the first ones, with a :class:`~i2v_nb.errors.VideoTruncatedWarning`; also
    when a later GIF/WebP frame is damaged). Frames are decoded into one preallocated array, so
    peak memory stays near ``max_bytes``.

    A JSON sidecar written by :meth:`Clip.save <i2v_nb.clip.Clip.save>` (``NAME.json`` beside
    ``NAME.mp4``) gives back the exact fps, the size before even-padding and the metadata.
    Sidecars are untrusted too; the policy is **ignore and warn**: a field that breaks its rule
    (a non-number or out-of-range fps, width or height; metadata that is not an object, nested
    deeper than 32 levels or holding more than a million values; a file over 16 MiB, not UTF-8
    or not JSON) is left out with a :class:`~i2v_nb.errors.SidecarWarning` naming the file, the
    field and the rule, and what the video itself says is used instead (see
    :func:`~i2v_nb.io.sidecar.parse_sidecar`). When the sidecar is missing, or lacks a field,
    the settings :func:`write_video` embedded in the file fill in (same rules, same warning;
    see :func:`~i2v_nb.io.embedded.read_settings`). A frame rate the container states outside
    [MIN_FPS, MAX_FPS] becomes 24 (mp4/webm) or 10 (gif/webp).

    >>> frames, fps, metadata = read_frames("take1.mp4")       # doctest: +SKIP
    >>> frames.shape, fps                                       # doctest: +SKIP
    ((49, 480, 720, 3), 24.0)

    Args:
        path: the video file; its suffix picks the decoder.
        max_frames: most frames kept.
        max_pixels: largest frame (width × height), checked before decoding; None: no limit.
        max_bytes: most decoded pixel bytes kept; None: no limit.
        stacklevel: as for :func:`warnings.warn`, counted from this function: 2 points the
            warnings at the caller (a wrapper such as ``read_video`` passes 3).

    Raises:
        VideoInputError: for a missing, empty, damaged or unsupported file (never another
            exception for bad content, in the video or its sidecar).
        ParameterError: for a limit that is not a positive integer.
    """
    check_positive_int(max_frames, "max_frames")
    check_positive_int(max_pixels, "max_pixels", optional=True)
    check_positive_int(max_bytes, "max_bytes", optional=True)
    path = pathlib.Path(path)
    desc = repr(str(path))
    try:
        if path.is_dir():
            raise VideoInputError(f"{desc} is a folder, not a video file")
        if not path.exists():
            raise VideoInputError(f"no video file at {desc}; check the path")
        if not path.is_file():
            raise VideoInputError(f"{desc} is not a regular file")
        if path.stat().st_size == 0:
            raise VideoInputError(f"{desc} is empty (0 bytes)")
    except OSError as e:
        raise VideoInputError(f"cannot read {desc} ({type(e).__name__}: {e})") from e
    suffix = check_video_suffix(path, action="read")
    # validated: bad fields left out, with a warning; the sidecar first, then the file's tag
    sidecar = read_settings(path, stacklevel=stacklevel + 1) or {}
    reader = _read_pil_animation if suffix in (".gif", ".webp") else _read_ffmpeg
    try:
        frames, fps = reader(path, desc, int(max_frames), max_pixels, max_bytes, sidecar,
                             stacklevel)
    except VideoInputError:
        raise
    except Exception as e:
        detail = ffmpeg_error_line(str(e))  # ffmpeg's banner would hide the line that matters
        detail = detail if len(detail) <= 300 else detail[:300] + "…"
        raise VideoInputError(f"could not decode {desc} ({type(e).__name__}: {detail}); "
                              "the file may be damaged or use a codec ffmpeg cannot read") from e
    # the sidecar knows the exact fps (GIF stores centiseconds)
    return DecodedVideo(frames, sidecar.get("fps", fps), sidecar.get("metadata", {}))
