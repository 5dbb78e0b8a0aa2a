"""Downloading an image from an ``http(s)://`` address, within one deadline for the whole download.

>>> check_timeout(3)
3.0
>>> data = read_url("https://example.com/cat.png", "'cat.png'", 15.0)   # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from i2v_nb.errors import ImageInputError, ParameterError
from i2v_nb.io.checks import brief

__all__ = ["MAX_URL_BYTES", "URL_TIMEOUT_S", "check_timeout", "read_url"]

#: Largest download ``load_image`` reads from a URL.
MAX_URL_BYTES = 100 * 1024 * 1024
#: Seconds the whole download of a URL may take by default.
URL_TIMEOUT_S = 15.0


def check_timeout(timeout: Any) -> float:
    """``timeout`` in seconds as a float, else a :class:`ParameterError`.

    >>> check_timeout(np.float32(2.5))
    2.5
    """
    value: float | None = None
    if isinstance(timeout, (int, float, np.integer, np.floating)) \
            and not isinstance(timeout, (bool, np.bool_)):
        try:
            value = float(timeout)
        except OverflowError:
            value = None
    if value is None or not math.isfinite(value) or value <= 0:
        raise ParameterError(
            "load_image: timeout must be a positive, finite number of seconds that the whole "
            f"download may take, e.g. timeout={URL_TIMEOUT_S:g} (the default); got "
            f"{brief(timeout)}")
    return value


def read_url(url: str, desc: str, timeout: float) -> bytes:
    """Download ``url`` (at most :data:`MAX_URL_BYTES`) within ``timeout`` seconds in all.

    ``timeout`` is a deadline for the whole download (connection, headers and body), not a limit
    per socket read: a server that trickles one byte a second cannot keep us waiting. The body is
    read in chunks against the deadline, and a watchdog timer shuts the connection's socket down
    when the deadline passes, which also ends a stalled read of the headers. (Only the DNS look-up
    cannot be interrupted.)
    """
    import http.client
    import socket
    import threading
    import time
    import urllib.error
    import urllib.parse
    import urllib.request

    deadline = time.monotonic() + timeout
    sockets: list[socket.socket] = []
    lock = threading.Lock()
    expired = threading.Event()

    def shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes up a read blocked in another thread
        except OSError:
            pass

    def register(sock: socket.socket) -> None:
        with lock:
            sockets.append(sock)
        if expired.is_set():
            shut(sock)

    def expire() -> None:
        expired.set()
        with lock:
            for sock in sockets:
                shut(sock)

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            expired.set()
            raise TimeoutError("deadline passed")
        return min(left, threading.TIMEOUT_MAX)

    def with_deadline(http_class: type) -> type:
        class Connection(http_class):  # type: ignore[misc, valid-type]
            def connect(self) -> None:
                self.timeout = remaining()  # connect within what is left of the deadline
                super().connect()
                register(self.sock)

        return Connection

    class _Http(urllib.request.HTTPHandler):
        def do_open(self, http_class, req, **kw):  # noqa: ANN001, ANN003
            return super().do_open(with_deadline(http_class), req, **kw)

    class _Https(urllib.request.HTTPSHandler):
        def do_open(self, http_class, req, **kw):  # noqa: ANN001, ANN003
            return super().do_open(with_deadline(http_class), req, **kw)

    class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
        """Follow redirects to http(s) only: a server must not send us to ftp:// or file://."""

        def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
            if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
                raise urllib.error.URLError(f"redirected to a non-http(s) address {newurl!r}")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    def too_slow() -> ImageInputError:
        return ImageInputError(
            f"downloading {desc} took longer than timeout={timeout:g} s (the whole download "
            "must finish within it); the server is slow or stalled. Try again, pass a larger "
            "timeout=, or download the file yourself and pass its path.")

    def too_big() -> ImageInputError:
        return ImageInputError(f"{desc} is larger than {MAX_URL_BYTES // 2**20} MiB; download it "
                               "yourself and pass a smaller image.")

    opener = urllib.request.build_opener(_Http, _Https, _HttpOnlyRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": "i2v_nb (+image loader)"})
    watchdog = threading.Timer(min(timeout, threading.TIMEOUT_MAX), expire)
    watchdog.daemon = True
    watchdog.start()
    chunks: list[bytes] = []
    try:
        with opener.open(request, timeout=remaining()) as response:  # scheme checked, redirects too
            length = response.headers.get("Content-Length", "")
            if length.strip().isdigit() and int(length) > MAX_URL_BYTES:
                raise too_big()
            total = 0
            while True:
                remaining()  # raises once the deadline has passed
                chunk = response.read(64 * 1024)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
                if total > MAX_URL_BYTES:
                    raise too_big()
    except ImageInputError:
        raise
    except urllib.error.HTTPError as e:
        if expired.is_set():
            raise too_slow() from e
        raise ImageInputError(f"could not download {desc}: the server answered HTTP {e.code} "
                              f"({e.reason}). Check the address, or download the file and pass "
                              "its path.") from e
    except Exception as e:  # URLError, OSError, http.client.HTTPException, ssl errors, ValueError
        if expired.is_set() or time.monotonic() >= deadline:
            raise too_slow() from e
        reason = getattr(e, "reason", None) or e
        if isinstance(e, http.client.HTTPException):
            reason = f"the connection broke off: {type(e).__name__} {e}"
        raise ImageInputError(f"could not reach {desc} ({reason}). Check the address and your "
                              "network (a notebook on a closed network cannot download), or "
                              "download the file and pass its path.") from e
    finally:
        watchdog.cancel()
    return b"".join(chunks)
