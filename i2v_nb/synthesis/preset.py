"""``ModelPreset``: one image-to-video model described as data, and the rules that data implies.

The built-in presets are in :mod:`i2v_nb.synthesis.presets`, looked up by
:mod:`i2v_nb.synthesis.registry`. The rules are exposed as methods so that nothing re-derives
them: :meth:`ModelPreset.frame_stride`, :meth:`~ModelPreset.frame_range`,
:meth:`~ModelPreset.legal_frames`, :meth:`~ModelPreset.snap_frames` (frame counts),
:meth:`~ModelPreset.snap_size` and :meth:`~ModelPreset.fit_size` (resolutions), and
:meth:`~ModelPreset.validate`, which runs the validation engine
(:func:`i2v_nb.synthesis.validation.validate_params`) on a request.

>>> from i2v_nb.synthesis.registry import get_model
>>> get_model("wan2.1-i2v-480p").frame_range(), get_model("ltx-video").snap_frames(50)
((5, 81), 49)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Sequence

from i2v_nb.errors import ParameterError

__all__ = ["ModelPreset", "Knob", "COMMON_PARAMS"]

#: Parameters every preset accepts (besides its own knobs).
COMMON_PARAMS: tuple[str, ...] = (
    "width", "height", "num_frames", "fps", "num_inference_steps", "guidance_scale",
    "prompt", "negative_prompt",
)


@dataclass(frozen=True)
class Knob:
    """An extra, model-specific parameter: its default and legal range.

    Args:
        default: value used when the caller gives none (``None`` = decided at run time).
        low, high: inclusive range; out-of-range values are clipped with a warning.
        kind: ``"int"``, ``"float"`` or ``"bool"``.
        help: one line for tables and widgets.
    """

    default: Any
    low: float | None = None
    high: float | None = None
    kind: str = "float"
    help: str = ""


def _freeze(d: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class ModelPreset:
    """One image-to-video model: what to load, how to call it and which parameters are legal.

    Attributes:
        name: registry key, e.g. ``"svd-xt"``, ``"wan2.1-i2v-480p"``, ``"tiny-wan"``, ``"preview"``.
        family: ``"svd"``, ``"cogvideox"``, ``"ltx"``, ``"wan"``, ``"hunyuan"`` or ``"preview"``
            (the prompt templates and call arguments are per family).
        hub_id: Hugging Face repo id, ``None`` for tiny twins and the preview engine.
        pipeline_class: diffusers pipeline class name (``getattr(diffusers, pipeline_class)``).
        backend: ``"diffusers"`` or ``"preview"``.
        uses_prompt: whether the model reads a text prompt.
        dtype: torch dtype name the weights run in (``"bfloat16"``, ``"float16"``, ``"float32"``).
        component_dtypes: per-component overrides, e.g. Wan's VAE in float32.
        defaults: default ``width``, ``height``, ``num_frames``, ``fps``, ``num_inference_steps``,
            ``guidance_scale`` (and knob defaults, filled in from ``knobs``).
        knobs: extra parameters (name -> :class:`Knob`).
        frame_step: frame counts must be ``frame_step * k + 1`` (1 = any count).
        fixed_frames: the only legal frame counts, or ``None``.
        min_frames, max_frames: legal frame range.
        size_multiple: width and height must be multiples of this.
        fixed_sizes: the only legal ``(width, height)`` pairs, or ``None``.
        max_pixels: largest ``width * height`` (larger requests are scaled down).
        vram_gb: rough GPU memory (GB) per profile ``fast`` / ``balanced`` / ``low-vram``.
        licence: licence name of the weights.
        licence_url: where to read it.
        fps_conditions: ``fps`` is an input of the model (SVD, LTX), not only the playback rate.
        supports_tiling: ``pipe.vae.enable_tiling()`` works (SVD's VAE raises on it).
        description: one line for tables.
        twin: the ``tiny_pipeline`` family that mirrors this model's class and rules (the tiny
            presets are built from it).
        base_hub_id: repo the pipeline itself is loaded from when it differs from ``hub_id``
            (FramePack: the HunyuanVideo base; ``hub_id`` is then the transformer's repo).
        components: components loaded separately and handed to ``from_pretrained``:
            name -> ``(library, class name, repo, subfolder, dtype)``.
    """

    name: str
    family: str
    hub_id: str | None
    pipeline_class: str | None
    backend: str = "diffusers"
    uses_prompt: bool = True
    dtype: str = "bfloat16"
    component_dtypes: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    knobs: Mapping[str, Knob] = field(default_factory=dict)
    frame_step: int = 1
    fixed_frames: tuple[int, ...] | None = None
    min_frames: int = 1
    max_frames: int = 1024
    size_multiple: int = 8
    fixed_sizes: tuple[tuple[int, int], ...] | None = None
    max_pixels: int = 1280 * 720
    vram_gb: Mapping[str, float] = field(default_factory=dict)
    licence: str = ""
    licence_url: str = ""
    fps_conditions: bool = False
    supports_tiling: bool = True
    description: str = ""
    twin: str | None = None
    base_hub_id: str | None = None
    components: Mapping[str, tuple[str, str, str, str | None, str | None]] = \
        field(default_factory=dict)

    def __post_init__(self) -> None:
        merged = {k: knob.default for k, knob in self.knobs.items()}
        merged.update(self.defaults)
        object.__setattr__(self, "defaults", _freeze(merged))
        object.__setattr__(self, "knobs", _freeze(self.knobs))
        object.__setattr__(self, "vram_gb", _freeze(self.vram_gb))
        object.__setattr__(self, "component_dtypes", _freeze(self.component_dtypes))
        object.__setattr__(self, "components", _freeze(self.components))

    # ------------------------------------------------------------------ descriptions
    @property
    def is_tiny(self) -> bool:
        """True for the offline tiny twins (built by ``tiny_pipeline``, no hub download)."""
        return self.name.startswith("tiny-")

    @property
    def sectioned(self) -> bool:
        """FramePack-style: the clip is made in sections of ``4 * latent_window_size`` frames."""
        return "latent_window_size" in self.knobs

    def sections(self, num_frames: int, latent_window_size: int) -> int:
        """How many sections a (validated) ``num_frames`` takes (1 for other models)."""
        if not self.sectioned:
            return 1
        return max(1, (int(num_frames) - 1) // (4 * int(latent_window_size)))

    @property
    def param_names(self) -> tuple[str, ...]:
        """Every keyword :meth:`validate` accepts."""
        return COMMON_PARAMS + tuple(self.knobs)

    @property
    def frame_rule(self) -> str:
        """The frame-count rule in words: ``"4k+1"``, ``"one of 49"``, ``"any"``."""
        if self.fixed_frames is not None:
            return "one of " + ", ".join(map(str, self.fixed_frames))
        if self.sectioned:
            return "4·latent_window_size·k+1 (k sections)"
        if self.frame_step > 1:
            return f"{self.frame_step}k+1"
        return "any"

    @property
    def size_rule(self) -> str:
        """The resolution rule in words."""
        if self.fixed_sizes is not None:
            return "only " + ", ".join(f"{w}x{h}" for w, h in self.fixed_sizes)
        return f"multiple of {self.size_multiple}, at most {self.max_pixels:,} px"

    def __repr__(self) -> str:  # short: the mapping proxies make the default repr unreadable
        return (f"ModelPreset(name={self.name!r}, family={self.family!r}, hub_id={self.hub_id!r}, "
                f"pipeline_class={self.pipeline_class!r}, backend={self.backend!r})")

    # ------------------------------------------------------------------ sizes
    def fit_size(self, aspect: float, *, max_pixels: int | None = None) -> tuple[int, int]:
        """Return the legal ``(width, height)`` closest to ``aspect`` (= width / height).

        The area is the preset's default area (capped at ``max_pixels``); sides are snapped to
        ``size_multiple``. Fixed-resolution models return their nearest fixed size.

        >>> get_model("wan2.1-i2v-480p").fit_size(1.0)  # doctest: +SKIP
        (624, 624)
        """
        if not (aspect > 0 and math.isfinite(aspect)):
            raise ParameterError(f"aspect ratio {aspect!r} must be a positive number (width / height)")
        if self.fixed_sizes is not None:
            return min(self.fixed_sizes, key=lambda s: abs(math.log((s[0] / s[1]) / aspect)))
        area = min(int(self.defaults["width"]) * int(self.defaults["height"]),
                   max_pixels or self.max_pixels, self.max_pixels)
        m = self.size_multiple
        w = max(m, int(math.sqrt(area * aspect)) // m * m)
        h = max(m, int(math.sqrt(area / aspect)) // m * m)
        return w, h

    # ------------------------------------------------------------------ rules
    def frame_stride(self, *, latent_window_size: int | None = None) -> int:
        """The step between legal frame counts (they are ``stride * k + 1``).

        ``frame_step`` for most models; ``4 * latent_window_size`` for sectioned (FramePack-style)
        ones, with the knob's default when ``latent_window_size`` is not given.

        >>> from i2v_nb.synthesis.registry import get_model
        >>> get_model("ltx-video").frame_stride(), get_model("framepack").frame_stride()
        (8, 36)
        """
        if self.sectioned:
            lws = latent_window_size or self.defaults.get("latent_window_size") or 1
            return 4 * int(lws)
        return int(self.frame_step)

    def frame_range(self, *, latent_window_size: int | None = None) -> tuple[int, int]:
        """The smallest and the largest legal frame count (a sectioned model: one section at least).

        >>> from i2v_nb.synthesis.registry import get_model
        >>> get_model("wan2.1-i2v-480p").frame_range(), get_model("cogvideox-5b-i2v").frame_range()
        ((5, 81), (49, 49))
        """
        if self.fixed_frames is not None:
            return min(self.fixed_frames), max(self.fixed_frames)
        s = self.frame_stride(latent_window_size=latent_window_size)
        first = max(((max(self.min_frames, 1) - 1 + s - 1) // s) * s + 1,
                    s + 1 if self.sectioned else 1)
        last = ((self.max_frames - 1) // s) * s + 1
        return first, last

    def legal_frames(self, *, latent_window_size: int | None = None) -> Sequence[int]:
        """Every legal frame count, smallest first (the fixed counts, or a ``range``).

        >>> from i2v_nb.synthesis.registry import get_model
        >>> list(get_model("tiny-ltx").legal_frames()), get_model("cogvideox-5b-i2v").legal_frames()
        ([9, 17], (49,))
        """
        if self.fixed_frames is not None:
            return tuple(sorted(self.fixed_frames))
        lo, hi = self.frame_range(latent_window_size=latent_window_size)
        return range(lo, hi + 1, self.frame_stride(latent_window_size=latent_window_size))

    def snap_frames(self, num_frames: int, *, latent_window_size: int | None = None) -> int:
        """The legal frame count nearest to ``num_frames`` (ties go up), without a warning.

        :meth:`validate` uses it and warns when the count changes.

        >>> from i2v_nb.synthesis.registry import get_model
        >>> get_model("wan2.1-i2v-480p").snap_frames(50), get_model("ltx-video").snap_frames(1000)
        (49, 257)
        """
        n = int(num_frames)
        if self.fixed_frames is not None:
            return min(self.fixed_frames, key=lambda v: (abs(v - n), v))
        lo, hi = self.frame_range(latent_window_size=latent_window_size)
        s = self.frame_stride(latent_window_size=latent_window_size)
        nearest = math.floor((n - 1) / s + 0.5) * s + 1
        return int(min(max(nearest, lo), hi))

    def snap_size(self, width: int, height: int) -> tuple[int, int]:
        """The legal ``(width, height)`` nearest to a requested size, without a warning.

        Fixed-size models give the fixed size closest in aspect ratio (then in area); the others
        scale the size down to ``max_pixels`` when above it, then round each side to the nearest
        multiple of ``size_multiple`` (never below one multiple, never above the pixel budget).
        :meth:`validate` uses it and warns when the size changes.

        >>> from i2v_nb.synthesis.registry import get_model
        >>> get_model("ltx-video").snap_size(700, 470), get_model("cogvideox-5b-i2v").snap_size(64, 64)
        ((704, 480), (720, 480))

        Raises:
            ParameterError: a side that is not positive.
        """
        if width <= 0 or height <= 0:
            raise ParameterError(f"size {width}x{height} for {self.name}: sizes must be positive "
                                 f"(rule: {self.size_rule})")
        if self.fixed_sizes is not None:
            if (width, height) in self.fixed_sizes:
                return width, height
            return min(self.fixed_sizes,
                       key=lambda s: (abs(math.log((s[0] / s[1]) / (width / height))),
                                      abs(s[0] * s[1] - width * height)))
        w, h = width, height
        if w * h > self.max_pixels:
            scale = math.sqrt(self.max_pixels / (w * h))
            w, h = w * scale, h * scale
        m = self.size_multiple
        # nearest multiple, but never above the pixel budget and never below one multiple
        w2 = max(m, int(round(w / m)) * m)
        h2 = max(m, int(round(h / m)) * m)
        while w2 * h2 > self.max_pixels and (w2 > m or h2 > m):
            if w2 >= h2 and w2 > m:
                w2 -= m
            else:
                h2 -= m
        return w2, h2

    # ------------------------------------------------------------------ validation
    def validate(self, **params: Any) -> dict[str, Any]:
        """Return the parameters the pipeline will really use (:func:`~.validation.validate_params`).

        Missing (or ``None``) values take the preset's defaults; values that break a rule but
        have a nearest legal value are snapped with a ``ParameterSnapped`` warning; impossible
        requests raise :class:`~i2v_nb.errors.ParameterError` naming the rule.

        >>> from i2v_nb.synthesis.registry import get_model
        >>> get_model("tiny-wan").validate(num_frames=9)["num_frames"]
        9

        Args:
            **params: any of :attr:`param_names`.
        """
        from i2v_nb.synthesis.validation import validate_params

        return validate_params(self, **params)
