"""Hugging Face hub look-ups that fail in seconds when the machine is offline.

``from_pretrained`` on a machine without network retries every file for about a minute before
it gives up. :func:`hub_load_mode` is asked first, by every hub look-up of i2v_nb (the depth
model, diffusers pipelines, feature models): it answers at once from the environment and the
local cache, or after a connection attempt of at most a few seconds.

>>> hub_load_mode("./my-local-folder", what="the depth model")  # doctest: +SKIP
'local'
"""

from __future__ import annotations

import os
import socket
import threading
import time
from urllib.parse import urlsplit

from i2v_nb.errors import ModelUnavailable

__all__ = ["hub_offline", "hub_endpoint", "is_cached", "hub_unreachable", "hub_load_mode",
           "CONNECT_TIMEOUT_S"]

#: How long :func:`hub_unreachable` waits for a TCP connection to the hub (or the proxy).
CONNECT_TIMEOUT_S = 3.0

_TRUE = {"1", "true", "yes", "on"}


def hub_offline() -> bool:
    """Whether hub look-ups are switched off (``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE``).

    Reads the environment at every call, as ``huggingface_hub.constants.HF_HUB_OFFLINE`` does
    at import time (a variable changed later still counts here; when the hub library kept the
    older value, its own offline mode fails fast too).
    """
    return any(os.environ.get(k, "").strip().lower() in _TRUE
               for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def hub_endpoint() -> str:
    """The hub's base URL (``HF_ENDPOINT``, default ``https://huggingface.co``)."""
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")


def is_cached(repo_id: str, filename: str = "config.json") -> bool:
    """Whether ``repo_id`` is a local folder or has ``filename`` in the Hugging Face cache."""
    if os.path.isdir(repo_id):
        return True
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(repo_id, filename), str)
    except Exception:  # noqa: BLE001 - an odd id or an unreadable cache: not cached
        return False


def _connect_target(url: str) -> tuple[str, int, str]:
    """``(host, port, what)`` a look-up of ``url`` connects to first: the proxy, if one applies."""
    import urllib.request

    parts = urlsplit(url)
    scheme = parts.scheme or "https"
    host = parts.hostname or ""
    port = parts.port or (443 if scheme == "https" else 80)
    proxy = urllib.request.getproxies().get(scheme)
    if proxy and not urllib.request.proxy_bypass(host):
        p = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if p.hostname:
            return p.hostname, p.port or 8080, f"the proxy {p.hostname}:{p.port or 8080}"
    return host, port, f"{scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def hub_unreachable(timeout: float = CONNECT_TIMEOUT_S) -> str | None:
    """``None`` when a TCP connection to the hub (or the proxy in front of it) opens within
    ``timeout`` seconds, else why not (``"connection refused"``, ``"no answer within 3 s"``...).

    The connection attempt (DNS included) runs in a daemon thread abandoned after ``timeout``.
    """
    host, port, what = _connect_target(hub_endpoint())
    if not host:
        return f"HF_ENDPOINT={hub_endpoint()!r} names no host"
    result: list[str | None] = []

    def attempt() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.append(None)
        except socket.gaierror:
            result.append(f"the name {host!r} does not resolve")
        except ConnectionRefusedError:
            result.append("the connection was refused")
        except TimeoutError:
            result.append(f"no answer within {timeout:g} s")
        except OSError as e:
            result.append(e.strerror or type(e).__name__)

    t0 = time.perf_counter()
    thread = threading.Thread(target=attempt, name="i2v-hub-connect", daemon=True)
    thread.start()
    thread.join(timeout + 0.25)
    if not result:
        return f"no answer within {time.perf_counter() - t0:.0f} s"
    reason = result[0]
    return None if reason is None else f"{what} cannot be reached ({reason})"


def hub_load_mode(repo_id: str, *, what: str, filename: str = "config.json",
                  fallback: str = "") -> str:
    """How to load ``repo_id`` with ``from_pretrained``, decided in seconds.

    Returns ``"local"`` (a folder), ``"cache"`` (in the cache and the hub off or unreachable:
    pass ``local_files_only=True``) or ``"hub"`` (the hub answers: load normally).

    Args:
        repo_id: a hub id or a local folder.
        what: the thing being loaded, for the message ("the depth model").
        filename: a file the repo surely has, to look for in the cache.
        fallback: the last sentence of the message, e.g. "or use depth='classical'".

    Raises:
        ModelUnavailable: offline (``HF_HUB_OFFLINE``) or the hub unreachable, and ``repo_id`` is
            not in the cache; the message names the id, the reason and the fixes.
    """
    if os.path.isdir(repo_id):
        return "local"
    cached = is_cached(repo_id, filename)
    if hub_offline():
        if cached:
            return "cache"
        reason = "this machine is offline for the hub (HF_HUB_OFFLINE is set)"
        connect = "unset HF_HUB_OFFLINE on a machine with network"
    else:
        unreachable = hub_unreachable()
        if unreachable is None:
            return "hub"
        if cached:
            return "cache"
        reason = f"the Hugging Face hub is not reachable: {unreachable}"
        connect = "connect to the internet (or set HF_ENDPOINT to a reachable mirror)"
    raise ModelUnavailable(
        f"cannot load {what} {repo_id!r}: {reason}, and it is not in the local Hugging Face "
        f"cache. Fix: {connect}, or download it once beforehand with `hf download {repo_id}` "
        f"(huggingface-cli download on older versions){', ' + fallback if fallback else ''}.")
