"""Where an image comes from: a path, an http(s) URL, bytes or a binary file object, read into
bytes (a PIL image or an array is passed through), and a short name of it for messages.

>>> describe(b"GIF89a"), describe("holiday.jpg")
('<6 bytes>', "'holiday.jpg'")
>>> source_bytes(b"raw", "<3 bytes>", 15.0)
b'raw'
"""

from __future__ import annotations

import os
import pathlib
from typing import Any

import numpy as np

from i2v_nb.errors import ImageInputError
from i2v_nb.io.url import read_url

__all__ = ["describe", "source_bytes"]


def describe(source: Any) -> str:
    """A short name of the input for error messages (never the whole bytes)."""
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        return repr(text if len(text) <= 200 else text[:200] + "…")
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    if isinstance(source, np.ndarray):
        return f"<array shape={source.shape} dtype={source.dtype}>"
    name = getattr(source, "name", None) or getattr(source, "filename", None)  # file / PIL image
    if isinstance(name, str) and name:
        return repr(name if len(name) <= 200 else name[:200] + "…")
    return f"<{type(source).__name__}>"


def source_bytes(source: Any, desc: str, timeout: float) -> bytes | Any:
    """Return the raw bytes of a path/URL/bytes/file source, or a PIL image / array unchanged."""
    from PIL import Image

    if isinstance(source, Image.Image):
        return source
    if isinstance(source, np.ndarray):
        return source
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, str) and "://" in source[:16]:
        scheme = source.split("://", 1)[0].lower()
        if scheme not in ("http", "https"):
            raise ImageInputError(f"{desc} uses the URL scheme {scheme!r}; only http and https "
                                  "addresses are downloaded. For a local file pass its path.")
        return read_url(source, desc, timeout)
    if isinstance(source, (str, os.PathLike)):
        try:
            text = os.fspath(source)
            if isinstance(text, bytes):
                text = os.fsdecode(text)
        except (TypeError, ValueError, UnicodeError) as e:
            raise ImageInputError(f"{desc} is not a usable path ({e}); pass a str or "
                                  "pathlib.Path") from e
        if text == "":
            raise ImageInputError("the image path is an empty string; pass the path of an image "
                                  "file, a URL, bytes, an array or a PIL image")
        if "\0" in text:
            raise ImageInputError(f"{desc} contains a NUL character, which no file name can "
                                  "hold; check where the path comes from")
        path = pathlib.Path(text).expanduser()
        try:
            path.stat()
        except (FileNotFoundError, NotADirectoryError):
            pass  # reported below, with a close name if there is one
        except (OSError, ValueError) as e:
            raise ImageInputError(f"could not look at {desc}: {getattr(e, 'strerror', None) or e}."
                                  " Check the path and its permissions.") from e
        if path.is_dir():
            raise ImageInputError(f"{desc} is a folder, not an image file; pass the path of one "
                                  "image inside it")
        if not path.exists():
            hint = ""
            parent = path.parent if str(path.parent) else pathlib.Path(".")
            try:
                if parent.is_dir():
                    close = sorted(p.name for p in parent.iterdir() if p.stem.lower() ==
                                   path.stem.lower() and p.name != path.name)[:3]
                    if close:
                        hint = f" Did you mean {', '.join(close)}?"
            except OSError:  # an unreadable folder: no suggestion
                pass
            raise ImageInputError(f"no file at {desc} (looked in {str(path.resolve())!r}). Check "
                                  f"the path and the working directory ({os.getcwd()!r}).{hint}")
        if not path.is_file():  # a device (/dev/zero), a pipe or a socket would never end
            raise ImageInputError(f"{desc} is not a regular file (a device, pipe or socket); "
                                  "save the image to a file and pass that path")
        try:
            return path.read_bytes()
        except OSError as e:
            raise ImageInputError(f"could not read {desc}: {e.strerror or e}. Check the file's "
                                  "permissions.") from e
    if hasattr(source, "read"):
        try:
            data = source.read()
        except Exception as e:  # OSError, ValueError (closed), UnicodeDecodeError (text mode)…
            hint = (" It is opened in text mode; open it with 'rb'."
                    if isinstance(e, UnicodeError) else " Pass an open, readable binary file.")
            raise ImageInputError(f"could not read from {desc}: {e}.{hint}") from e
        if isinstance(data, str):
            raise ImageInputError(f"{desc} is opened in text mode; open it with 'rb'")
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ImageInputError(f"reading {desc} gave a {type(data).__name__}, not bytes; pass "
                                  "a binary file object (open(path, 'rb') or io.BytesIO)")
        return bytes(data)
    raise ImageInputError(
        f"cannot load an image from a {type(source).__name__}; pass a path, a pathlib.Path, an "
        "http(s) URL, bytes, a binary file object, a numpy array (H, W), (H, W, 3) or (H, W, 4), "
        "or a PIL image")
