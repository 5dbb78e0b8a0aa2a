"""The command line's messages: library errors and warnings in the terminal's terms, one line
each (``model='preview'`` → ``--model preview``, ffmpeg's banner dropped), text any terminal can
print, and the file-system errors that come from what the user typed.

>>> cli_terms("use model='preview' (num_frames=900)")
'use --model preview (--frames 900)'
"""

from __future__ import annotations

import errno
import os
import re
import shlex
import sys
import warnings
from typing import Any

__all__ = ["FLAGS", "VALUE", "USER_ERRNOS", "OS_HINTS", "UsageError", "unquote", "cli_terms",
           "one_line", "safe", "say", "error", "show_warning", "ORIGINAL_SHOWWARNING",
           "os_error_message", "text_arg"]

#: Library parameter -> the flag that sets it. Every message the command line prints is put in
#: its own terms here, in one place (``model='preview'`` -> ``--model preview``).
FLAGS: dict[str, str] = {
    "num_frames": "--frames",
    "num_inference_steps": "--steps",
    "guidance_scale": "--guidance",
    "model": "--model",
    "fps": "--fps",
    "width": "--width",
    "height": "--height",
    "seed": "--seed",
    "profile": "--profile",
    "device": "--device",
    "cache": "--cache",
    "cache_threshold": "--cache-threshold",
    "compile": "--compile",
    "attention": "--attention",
    "quantize": "--quantize",
    "quantize_text_encoder": "--quantize-text-encoder",
    "depth": "--depth",
    "dpi": "--dpi",
    "sample": "--sample",
}
VALUE = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s,;)\]]+)"""
#: Errors from the file system that come from what the user typed (a path), not from a bug.
USER_ERRNOS = {errno.ENOENT, errno.EACCES, errno.EPERM, errno.EISDIR, errno.ENOTDIR,
                errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENAMETOOLONG, errno.EEXIST,
                errno.ELOOP, errno.EFBIG, errno.EXDEV, errno.ENXIO}
OS_HINTS = {errno.ENOSPC: "free some disk space or write elsewhere",
             errno.EDQUOT: "free some disk space or write elsewhere",
             errno.EACCES: "check the permissions or write elsewhere",
             errno.EPERM: "check the permissions or write elsewhere",
             errno.EROFS: "write to a folder on a writable disk",
             errno.ENOENT: "check the path", errno.ENOTDIR: "check the path"}


class UsageError(Exception):
    """A mistake in the command line itself (an output path, an option); printed in one line."""


# ------------------------------------------------------------------------------ messages
def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
        return shlex.quote(value) if value else "''"
    return value


def cli_terms(text: str) -> str:
    """A library message in the command line's terms: ``name=value`` -> ``--flag value``.

    >>> cli_terms("use model='preview' or fewer num_frames (num_frames=900)")
    'use --model preview or fewer --frames (--frames 900)'
    """
    for name, flag in FLAGS.items():
        text = re.sub(rf"(?<![\w.\-]){name}={VALUE}",
                      lambda m, flag=flag: f"{flag} {unquote(m.group(1))}", text)
        if "_" in name:  # bare identifiers: only the unmistakable ones
            text = re.sub(rf"(?<![\w.\-]){name}\b", flag, text)
    return text


def one_line(text: str) -> str:
    r"""A message in one line: ffmpeg's banner and configuration replaced by the line that
    matters (or dropped when it holds nothing else), other line breaks by spaces
    (:func:`i2v_nb.io.ffmpeg_error_line`).

    >>> one_line("could not read 'a.mp4' (ffmpeg version 7\n  built with gcc\n"
    ...          "[mov @ 0x1] moov atom not found\nError opening input\n); damaged")
    "could not read 'a.mp4' (moov atom not found); damaged"
    """
    from i2v_nb.io import ffmpeg_error_line

    return ffmpeg_error_line(text)


def safe(text: str) -> str:
    """Text any terminal can print: lone surrogates (undecodable bytes) become escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def say(text: str) -> None:
    print(safe(text), flush=True)


def error(message: str) -> int:
    print(f"i2v-nb: error: {safe(cli_terms(one_line(message)))}", file=sys.stderr, flush=True)
    return 2


def show_warning(message: Any, category: type, filename: str, lineno: int, file: Any = None,
                  line: str | None = None) -> None:  # noqa: ARG001
    from i2v_nb.errors import I2VWarning

    if issubclass(category, I2VWarning):
        print(f"i2v-nb: warning: {safe(cli_terms(one_line(str(message))))}", file=sys.stderr,
              flush=True)
    else:
        ORIGINAL_SHOWWARNING(message, category, filename, lineno, file, line)


ORIGINAL_SHOWWARNING = warnings.showwarning


def os_error_message(e: OSError) -> str:
    what = e.strerror or type(e).__name__
    where = " -> ".join(repr(str(f)) for f in (e.filename, e.filename2) if f is not None)
    hint = OS_HINTS.get(e.errno or -1, "")
    return f"{what}{': ' + where if where else ''}{'; ' + hint if hint else ''}"


# ------------------------------------------------------------------------------ arguments
def text_arg(value: str, what: str) -> str:
    """Text typed in a terminal whose bytes are not UTF-8 arrives with lone surrogates: keep
    those bytes as ``\\xNN`` escapes (nothing is lost) and say so."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    escaped = os.fsencode(value).decode("utf-8", "backslashreplace")
    print(f"i2v-nb: warning: {what} has bytes that are not UTF-8; they are kept as escapes "
          f"({escaped!r}). Set the terminal to UTF-8 (e.g. export LANG=C.UTF-8) to type them as "
          "text", file=sys.stderr)
    return escaped
