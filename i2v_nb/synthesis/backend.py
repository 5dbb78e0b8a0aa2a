"""The backend seam: what ``generate`` hands a backend, and what it gets back.

A backend is any callable ``backend(request) -> (frames, metadata)``:

* ``request`` is a :class:`GenerationRequest`: the loaded and fitted PIL image, the user's prompt
  text, the parsed :class:`~i2v_nb.prompting.MotionSpec`, the family prompt from
  :func:`~i2v_nb.prompting.build_prompt`, the validated parameters, the seed, a progress callback
  ``progress(step, total, preview_frame_or_None)`` and a ``threading.Event`` ``stop``;
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
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import numpy as np

from i2v_nb.errors import GenerationStopped, ModelUnavailable
from i2v_nb.prompting import MotionSpec

__all__ = ["GenerationRequest", "Backend", "BACKENDS", "get_backend", "register_backend",
           "ProgressFn", "BACKEND_OPTIONS", "check_options", "check_device"]

#: The backend options the built-in backends read, and what each takes.
BACKEND_OPTIONS: dict[str, str] = {
    "profile": "a memory profile: 'auto', 'fast', 'balanced' or 'low-vram'",
    "dtype": "a torch dtype name: 'bfloat16', 'float16' or 'float32'",
    "device": "'auto', 'cpu', 'cuda', 'cuda:N' (N = GPU number), 'mps' or 'xpu[:N]'",
    "previews": "True or False (latent previews for progress)",
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


def check_options(options: Any, *, backend: str = "preview") -> dict[str, Any]:
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
                             + "; ".join(f"{k}: {v}" for k, v in BACKEND_OPTIONS.items()))
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
    return out

#: ``progress(step, total, preview)``: step from 1 to total; preview an (H, W, 3) uint8 or None.
ProgressFn = Callable[[int, int, "np.ndarray | None"], Any]

#: preset.backend -> "module:function" of a callable ``(request) -> (frames, metadata)``.
BACKENDS: dict[str, str] = {
    "preview": "i2v_nb.synthesis.preview:run_preview",
    "diffusers": "i2v_nb.synthesis.diffusers_backend:run_diffusers",
}


@dataclass
class GenerationRequest:
    """Everything a backend needs for one clip.

    Attributes:
        image: the conditioning picture, loaded and fitted to ``params["width"] x
            params["height"]`` (PIL RGB).
        prompt: the text passed to the model: the family prompt from ``build_prompt`` (or the
            user's text with ``enhance_prompt=False``); ``None`` for models without text.
        negative_prompt: the negative prompt, or ``None``.
        user_prompt: the prompt as the user typed it.
        spec: the parsed motion.
        params: validated parameters (``preset.validate(...)``), every value the backend uses.
        seed: random seed.
        model: preset name; ``preset`` the registry's ``ModelPreset`` (or ``None``).
        family: model family (``"preview"``, ``"svd"``, ``"wan"``...).
        progress: ``progress(step, total, preview)`` or ``None``.
        stop: event; when set, the backend raises ``GenerationStopped``.
        depth, masks: optional structure maps for the preview engine (other backends ignore them).
        options: backend options that are not model parameters (``profile``, ``dtype``,
            ``device``, ``previews`` for diffusers).
    """

    image: Any
    prompt: str | None
    spec: MotionSpec
    params: dict[str, Any]
    seed: int = 0
    model: str = "preview"
    family: str = "preview"
    preset: Any = None
    negative_prompt: str | None = None
    user_prompt: str = ""
    progress: ProgressFn | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    depth: np.ndarray | None = None
    masks: dict[str, np.ndarray] | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # backend options read as attributes (request.profile, request.device...)
        options = self.__dict__.get("options", {})
        if name in options:
            return options[name]
        raise AttributeError(name)

    def check_stop(self, where: str = "") -> None:
        """Raise :class:`GenerationStopped` when ``stop`` is set."""
        if self.stop is not None and self.stop.is_set():
            raise GenerationStopped(f"{self.model}: stopped{' ' + where if where else ''}; "
                                    "clear the stop event and call again")

    def report(self, step: int, total: int, preview: np.ndarray | None = None) -> None:
        """Call the progress callback, if any."""
        if self.progress is not None:
            self.progress(step, total, preview)


class Backend(Protocol):
    """A backend: ``backend(request) -> (frames, metadata)``."""

    def __call__(self, request: GenerationRequest) -> tuple[Any, dict[str, Any]]: ...


_CUSTOM: dict[str, Callable] = {}


def register_backend(name: str, backend: Callable[[GenerationRequest], tuple[Any, dict]]) -> None:
    """Register a backend callable under ``name`` (presets with ``backend=name`` use it)."""
    if not callable(backend):
        raise TypeError(f"backend {name!r} must be callable: backend(request) -> (frames, metadata)")
    _CUSTOM[name] = backend


def get_backend(name: str) -> Callable[[GenerationRequest], tuple[Any, dict[str, Any]]]:
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
