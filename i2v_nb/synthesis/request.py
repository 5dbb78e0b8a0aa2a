"""``GenerationRequest``: the one typed request that ``generate`` hands every backend.

``generate`` builds it once — the picture loaded and fitted to the validated size, the parsed
motion, the preset, the validated parameters, the seed, the backend options, the progress and
stop hooks — and every backend (the CPU preview engine, the diffusers backend, one registered by
:func:`~i2v_nb.synthesis.backend.register_backend`) reads it by attribute. It is frozen: a
backend cannot change what the next one (or the clip's metadata) sees; ``params`` and
``options`` are read-only mappings (``dict(request.params)`` gives a copy to change).

>>> import numpy as np
>>> from PIL import Image
>>> from i2v_nb.prompting import parse_prompt
>>> from i2v_nb.synthesis.registry import get_model
>>> preset = get_model("preview")
>>> request = GenerationRequest(image=Image.new("RGB", (64, 48)), spec=parse_prompt("zoom in"),
...                             preset=preset, params=preset.validate(num_frames=4), seed=3)
>>> request.model, request.family, request.params["num_frames"], request.seed
('preview', 'preview', 4, 3)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from i2v_nb.errors import GenerationStopped
from i2v_nb.prompting import MotionSpec

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image

    from i2v_nb.synthesis.preset import ModelPreset

__all__ = ["GenerationRequest", "ProgressFn"]

#: ``progress(step, total, preview)``: step from 1 to total; preview an (H, W, 3) uint8 or None.
ProgressFn = Callable[[int, int, "np.ndarray | None"], Any]


@dataclass(frozen=True, kw_only=True)
class GenerationRequest:
    """Everything a backend needs for one clip (keyword-only, frozen).

    Attributes:
        image: the conditioning picture, loaded and fitted once by ``generate`` to exactly
            ``params["width"] x params["height"]`` (PIL RGB); backends use it as it is.
        spec: the parsed motion.
        preset: the model (:class:`~i2v_nb.synthesis.preset.ModelPreset`, or an object with the
            same ``name``, ``family``, ``backend``, ``validate``...).
        params: validated parameters (``preset.validate(...)``, with the final size), every
            value the backend uses; read-only.
        seed: random seed.
        prompt: the text passed to the model: the family prompt from ``build_prompt`` (or the
            user's text with ``enhance_prompt=False``); ``None`` for models without text.
        negative_prompt: the negative prompt, or ``None``.
        user_prompt: the prompt as the user typed it.
        progress: ``progress(step, total, preview)`` or ``None`` (:meth:`report` calls it).
        stop: event; when set, the backend raises ``GenerationStopped`` (:meth:`check_stop`).
        depth, masks: optional structure maps for the preview engine (other backends ignore them).
        options: backend options that are not model parameters (``profile``, ``dtype``,
            ``device``, ``previews`` for diffusers; any key for a custom backend), checked by
            :func:`~i2v_nb.synthesis.backend.check_options`; read-only. They read as attributes
            too (``request.profile``), as before the request was typed.
        conditions: more pictures the clip is conditioned on, fitted like ``image`` and checked
            against the model's capabilities: ``last_image`` (a PIL image) and ``keyframes``
            (``{frame index: PIL image}``); read-only, empty for most requests.

    ``model`` and ``family`` are the preset's ``name`` and ``family``.
    """

    image: Image
    spec: MotionSpec
    preset: ModelPreset
    params: Mapping[str, Any]
    seed: int = 0
    prompt: str | None = None
    negative_prompt: str | None = None
    user_prompt: str = ""
    progress: ProgressFn | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    depth: np.ndarray | None = None
    masks: Mapping[str, np.ndarray] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "options", MappingProxyType(dict(self.options or {})))
        object.__setattr__(self, "conditions", MappingProxyType(dict(self.conditions or {})))

    @property
    def model(self) -> str:
        """The preset's name (``"preview"``, ``"tiny-wan"``...)."""
        return self.preset.name

    @property
    def family(self) -> str:
        """The model family (``"preview"``, ``"svd"``, ``"wan"``...)."""
        return self.preset.family

    def __getattr__(self, name: str) -> Any:
        # backend options read as attributes (request.profile, request.device...)
        options = self.__dict__.get("options", {})
        if name in options:
            return options[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def check_stop(self, where: str = "") -> None:
        """Raise :class:`GenerationStopped` when ``stop`` is set."""
        if self.stop is not None and self.stop.is_set():
            raise GenerationStopped(f"{self.model}: stopped{' ' + where if where else ''}; "
                                    "clear the stop event and call again")

    def report(self, step: int, total: int, preview: np.ndarray | None = None) -> None:
        """Call the progress callback, if any."""
        if self.progress is not None:
            self.progress(step, total, preview)
