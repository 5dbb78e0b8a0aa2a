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
           "ProgressFn"]

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
