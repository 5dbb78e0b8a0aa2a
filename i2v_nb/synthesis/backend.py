"""The backend seam: what ``generate`` hands a backend, and what it gets back.

A backend is any callable ``backend(request) -> (frames, metadata)``:

* ``request`` is a :class:`~i2v_nb.synthesis.request.GenerationRequest` (frozen, read by
  attribute): the picture loaded and fitted once by ``generate``, the parsed
  :class:`~i2v_nb.prompting.MotionSpec`, the preset, the validated parameters, the seed, the
  family prompt from :func:`~i2v_nb.prompting.build_prompt` and the user's text, the backend
  options, a progress callback ``progress(step, total, preview_frame_or_None)`` and a
  ``threading.Event`` ``stop``. Its attributes are those of the earlier, untyped request
  (``request.model``, ``request.family``, ``request.profile``... still read), so backends
  written for it keep working; only its construction is keyword-only and its ``params`` are
  read-only (copy them with ``dict(request.params)`` to change them);
* it returns ``frames`` — ``(T, H, W, 3)`` uint8 (anything :func:`i2v_nb._media.as_frames`
  accepts) — and a JSON-ready ``metadata`` dict (timings, device, whatever it wants recorded);
* when ``stop.is_set()`` it raises :class:`~i2v_nb.errors.GenerationStopped` (``request.check_stop()``
  does that) and leaves itself usable for the next call.

Backends are named in one table, :data:`BACKENDS` (``preset.backend`` → ``"module:function"``),
imported lazily, so the preview path never imports torch:

>>> sorted(BACKENDS)
['diffusers', 'preview']
"""

from __future__ import annotations

import importlib
from typing import Any, Mapping, Protocol

import numpy as np

from i2v_nb.errors import ModelUnavailable
from i2v_nb.synthesis.request import GenerationRequest, ProgressFn
from i2v_nb.synthesis.speed import SPEED_SWITCHES, check_speed_options

__all__ = ["GenerationRequest", "Backend", "BACKENDS", "get_backend", "register_backend",
           "ProgressFn", "BACKEND_OPTIONS", "check_options", "check_device"]

#: The backend options the built-in backends read, and what each takes.
BACKEND_OPTIONS: dict[str, str] = {
    "profile": "a memory profile: 'auto', 'fast', 'balanced', 'low-vram' or 'colab-t4'",
    "dtype": "a torch dtype name: 'bfloat16', 'float16' or 'float32'",
    "device": "'auto', 'cpu', 'cuda', 'cuda:N' (N = GPU number), 'mps' or 'xpu[:N]'",
    "previews": "True or False (latent previews for progress)",
    **{name: switch.help for name, switch in SPEED_SWITCHES.items()},  # speed switches
}
_DTYPES = ("bfloat16", "float16", "float32", "float64", "half", "float", "double")
_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu")
_DEVICE_HINTS = {"gpu": "cuda", "nvidia": "cuda", "cuda0": "cuda:0", "metal": "mps",
                 "apple": "mps", "cpu:0": "cpu"}


def check_device(device: Any) -> str | None:
    """Check a device name before any work; return it normalised (``None`` for ``"auto"``).

    >>> check_device("CUDA:1"), check_device("auto"), check_device("cpu")
    ('cuda:1', None, 'cpu')

    Raises:
        ParameterError: not a device torch knows by that spelling (``"gpu"``, ``"cuda:x"``...);
            the message gives the accepted forms.
    """
    from i2v_nb.errors import ParameterError

    if device is None:
        return None
    if type(device).__name__ == "device" and hasattr(device, "type"):  # a torch.device
        device = str(device)
    if not isinstance(device, str):
        raise ParameterError(f"device={device!r}: must be a device name "
                             f"({BACKEND_OPTIONS['device']}), got {type(device).__name__}")
    name = device.strip().lower()
    if name in ("", "auto"):
        return None
    kind, sep, index = name.partition(":")
    if kind in _DEVICE_TYPES and (not sep or (index.isdigit() and index.isascii())):
        return f"{kind}:{int(index)}" if sep else kind
    hint = _DEVICE_HINTS.get(name)
    if kind in _DEVICE_TYPES:
        why = f"the part after ':' must be a GPU number such as {kind}:0"
    else:
        why = f"did you mean {hint!r}?" if hint else f"{kind!r} is not a device type torch knows"
    raise ParameterError(f"device={device!r} is not a device name ({why}); use "
                         f"{BACKEND_OPTIONS['device']}")


def check_options(options: Mapping[str, Any] | None, *, backend: str = "preview") -> dict[str, Any]:
    """Check ``backend_options`` before any work; return a plain dict with normalised values.

    The built-in backends accept only the keys of :data:`BACKEND_OPTIONS`; a custom backend
    (:func:`register_backend`) gets any other key untouched.

    >>> check_options({"device": "CUDA", "profile": "low-vram"}, backend="diffusers")
    {'device': 'cuda', 'profile': 'low-vram'}

    Raises:
        ParameterError: not a mapping, an unknown key (built-in backends) or a bad value.
    """
    from collections.abc import Mapping

    from i2v_nb.errors import ParameterError

    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise ParameterError(f"backend_options must be a dict such as {{'profile': 'low-vram'}}, "
                             f"got {type(options).__name__}")
    out = dict(options)
    bad = [k for k in out if not isinstance(k, str)]
    if bad:
        raise ParameterError(f"backend_options keys must be strings, got {bad[0]!r}")
    unknown = sorted(set(out) - set(BACKEND_OPTIONS))
    if unknown and backend in BACKENDS and backend not in _CUSTOM:
        raise ParameterError(f"backend_options {', '.join(map(repr, unknown))} are not options "
                             f"of the {backend!r} backend; it reads: "
                             + "; ".join(f"{k}: {v}" for k, v in BACKEND_OPTIONS.items()
                                         if k not in SPEED_SWITCHES)
                             + f"; and the speed switches {', '.join(SPEED_SWITCHES)}")
    if out.get("profile") is not None:
        from i2v_nb.synthesis.memory import check_profile

        check_profile(out["profile"])
    if out.get("dtype") is not None:
        dtype = out["dtype"]
        name = str(dtype).replace("torch.", "") if type(dtype).__name__ == "dtype" else dtype
        if not isinstance(name, str) or name not in _DTYPES:
            raise ParameterError(f"dtype={dtype!r} is not a dtype the models run in; use "
                                 f"{BACKEND_OPTIONS['dtype']}")
        out["dtype"] = name
    if "device" in out:
        out["device"] = check_device(out["device"])
    if out.get("previews") is not None and not isinstance(out["previews"], (bool, np.bool_)):
        raise ParameterError(f"previews={out['previews']!r}: must be True or False")
    if backend in BACKENDS and backend not in _CUSTOM:
        out.update(check_speed_options(out, backend=backend))
    return out


#: preset.backend -> "module:function" of a callable ``(request) -> (frames, metadata)``.
BACKENDS: dict[str, str] = {
    "preview": "i2v_nb.synthesis.preview:run_preview",
    "diffusers": "i2v_nb.synthesis.diffusers_backend:run_diffusers",
}


class Backend(Protocol):
    """A backend: ``backend(request) -> (frames, metadata)``; ``frames`` anything
    :func:`i2v_nb._media.as_frames` accepts, ``metadata`` a JSON-ready dict."""

    def __call__(self, request: GenerationRequest) -> tuple[Any, dict[str, Any]]: ...


_CUSTOM: dict[str, Backend] = {}


def register_backend(name: str, backend: Backend) -> None:
    """Register a backend callable under ``name`` (presets with ``backend=name`` use it).

    The backend is called as ``backend(request)`` with a
    :class:`~i2v_nb.synthesis.request.GenerationRequest` and returns ``(frames, metadata)``;
    an optional ``backend.precheck(preset, options)`` runs before the image is loaded.

    >>> register_backend("echo", lambda request: (np.asarray(request.image)[None], {}))
    >>> get_backend("echo").__name__
    '<lambda>'
    """
    if not callable(backend):
        raise TypeError(f"backend {name!r} must be callable: backend(request) -> (frames, metadata)")
    _CUSTOM[name] = backend


def get_backend(name: str) -> Backend:
    """The backend callable called ``name`` (imported on first use).

    Raises:
        ModelUnavailable: no such backend, or its module cannot be imported.
    """
    if name in _CUSTOM:
        return _CUSTOM[name]
    target = BACKENDS.get(name)
    if target is None:
        raise ModelUnavailable(f"no backend called {name!r}; known backends: "
                               f"{', '.join(sorted({*BACKENDS, *_CUSTOM}))}")
    module_name, func = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelUnavailable(f"the {name!r} backend cannot be imported ({exc}); install "
                               "i2v_nb with its dependencies (pip install i2v_nb) or use "
                               "model='preview'") from exc
    return getattr(module, func)
