"""``ModelPreset``: one image-to-video model described as data, and the rules that data implies.

The built-in presets are in :mod:`i2v_nb.synthesis.presets`, looked up by
:mod:`i2v_nb.synthesis.registry`; the CPU preview engine is one of them, described by the same
fields. The rules are exposed as methods so that nothing re-derives them:
:meth:`ModelPreset.frame_stride`, :meth:`~ModelPreset.frame_range`,
:meth:`~ModelPreset.legal_frames`, :meth:`~ModelPreset.snap_frames` (frame counts),
:meth:`~ModelPreset.snap_size`, :meth:`~ModelPreset.fit_size`,
:meth:`~ModelPreset.size_for_aspect` and :meth:`~ModelPreset.size_for_image` (resolutions),
:meth:`~ModelPreset.check_budget` (memory), and :meth:`~ModelPreset.validate`, which runs the
validation engine (:func:`i2v_nb.synthesis.validation.validate_params`) on a request.

>>> from i2v_nb.synthesis.registry import get_model
>>> get_model("wan2.1-i2v-480p").frame_range(), get_model("ltx-video").snap_frames(50)
((5, 81), 49)
>>> get_model("preview").frame_range(), get_model("preview").snap_size(513, 300)
((1, 1000), (514, 300))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Sequence

from i2v_nb.errors import ParameterError
from i2v_nb.synthesis.capabilities import check_capabilities
from i2v_nb.synthesis.knob import Knob
from i2v_nb.synthesis.numbers import MAX_FRAMES, MAX_SIDE
from i2v_nb.synthesis.validation import validate_params

__all__ = ["ModelPreset", "Knob", "COMMON_PARAMS"]

#: Parameters every preset accepts (besides its own knobs).
COMMON_PARAMS: tuple[str, ...] = (
    "width", "height", "num_frames", "fps", "num_inference_steps", "guidance_scale",
    "prompt", "negative_prompt",
)


def _freeze(d: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class ModelPreset:
    """One image-to-video model: what to load, how to call it and which parameters are legal.

    Attributes:
        name: registry key, e.g. ``"svd-xt"``, ``"wan2.1-i2v-480p"``, ``"tiny-wan"``, ``"preview"``.
        label: how messages name the model (``"the preview engine"``); empty = ``name``
            (:attr:`owner`).
        family: ``"svd"``, ``"cogvideox"``, ``"ltx"``, ``"wan"``, ``"hunyuan"`` or ``"preview"``
            (the prompt templates and call arguments are per family).
        hub_id: Hugging Face repo id, ``None`` for tiny twins and the preview engine.
        pipeline_class: diffusers pipeline class name (``getattr(diffusers, pipeline_class)``).
        backend: ``"diffusers"``, ``"preview"`` or a name given to
            :func:`~i2v_nb.synthesis.backend.register_backend`.
        needs_gpu: whether the model needs a CUDA GPU to run in useful time (the preview engine
            and the tiny twins do not).
        backend_options: the keys of ``generate(backend_options=...)`` its backend reads
            (memory ``profile``, ``dtype``, ``device``, step ``previews``); the widgets offer
            controls for these only.
        uses_prompt: whether the model reads a text prompt.
        dtype: torch dtype name the weights run in (``"bfloat16"``, ``"float16"``, ``"float32"``).
        component_dtypes: per-component overrides, e.g. Wan's VAE in float32.
        defaults: default ``width``, ``height``, ``num_frames``, ``fps``, ``num_inference_steps``,
            ``guidance_scale`` (and knob defaults, filled in from ``knobs``).
        knobs: extra parameters (name -> :class:`Knob`).
        frame_step: frame counts must be ``frame_step * k + 1`` (1 = any count).
        fixed_frames: the only legal frame counts, or ``None``.
        min_frames, max_frames: legal frame range.
        max_frames_asked: the most frames a request may ask for: larger counts are refused,
            counts from ``max_frames`` up to it are snapped down (with a warning). Equal to
            ``max_frames`` (the preview engine): every count outside the range is refused.
        ui_max_frames: the largest count a frame slider offers (``None`` = ``max_frames``).
        size_multiple: width and height must be multiples of this.
        size_rounding: how a side is brought to a multiple: ``"nearest"`` or ``"up"``.
        min_side, max_side: the sides a request may ask for; outside, it is refused.
        auto_long_side: sizes follow the picture (the preview engine): a missing side is
            derived from the picture's aspect ratio, and with both missing the long side is
            this (or the picture's own, if smaller). ``None``: a missing side takes the default,
            and with both missing ``generate`` picks :meth:`fit_size` for the picture.
        fixed_sizes: the only legal ``(width, height)`` pairs, or ``None``.
        max_pixels: largest ``width * height`` (larger requests are scaled down).
        max_voxels: largest ``width * height * num_frames`` (larger clips are refused:
            :meth:`check_budget`), or ``None``.
        max_fps: the highest frame rate the model makes, below the video writer's, or ``None``.
        ignored_params: common parameters accepted (so one parameter set serves every model)
            and checked, but not used (the preview engine: no denoising steps, no guidance).
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
            name -> ``(library, class name, repo, subfolder, dtype)``; a subfolder ending in
            ``.safetensors`` is a single file of the repo (``from_single_file``).
        capabilities: what the model can do (:data:`~.capabilities.CAPABILITIES`);
            ``needs``: the ones every request must use (FLF2V: ``"last_frame"``).
        superseded_by: the preset that replaces this one (it keeps working), or ``None``.
        pipeline_config: pipeline config values set after loading (Wan 2.2 A14B:
            ``boundary_ratio``, where the high-noise expert hands over to the low-noise one).
        scheduler_config: scheduler config values set after loading (``flow_shift``...).
        experts: denoisers that take turns (``transformer``, ``transformer_2``): the offload
            profiles keep only the active one on the GPU; ``fast`` holds both.
        timesteps: a distilled model's own timesteps, passed when ``num_inference_steps`` is
            their count.
        upsampler: ``(pipeline class, repo)`` of an optional latent-upsampler second pass.
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
    # the rules below came with the preview engine becoming a preset (keyword-only in practice:
    # added last so that presets built with positional arguments keep their meaning)
    label: str = ""
    needs_gpu: bool = True
    backend_options: tuple[str, ...] = ("profile", "dtype", "device", "previews")
    max_frames_asked: int = MAX_FRAMES
    ui_max_frames: int | None = None
    size_rounding: str = "nearest"
    min_side: int = 1
    max_side: int = MAX_SIDE
    auto_long_side: int | None = None
    max_voxels: int | None = None
    max_fps: float | None = None
    ignored_params: tuple[str, ...] = ()
    # the families creators use now (issue 13): what a model can do, what replaced it, and how
    # its pipeline is set up after loading
    capabilities: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()
    superseded_by: str | None = None
    pipeline_config: Mapping[str, Any] = field(default_factory=dict)
    scheduler_config: Mapping[str, Any] = field(default_factory=dict)
    experts: tuple[str, ...] = ()
    timesteps: tuple[float, ...] | None = None
    upsampler: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "capabilities", check_capabilities(self.capabilities))
        object.__setattr__(self, "needs", check_capabilities(self.needs))
        if not self.needs <= self.capabilities:
            raise ParameterError(f"{self.name}: needs {sorted(self.needs - self.capabilities)} "
                                 "but does not list it among its capabilities")
        merged = {k: knob.default for k, knob in self.knobs.items()}
        merged.update(self.defaults)
        object.__setattr__(self, "defaults", _freeze(merged))
        object.__setattr__(self, "knobs", _freeze(self.knobs))
        object.__setattr__(self, "vram_gb", _freeze(self.vram_gb))
        object.__setattr__(self, "component_dtypes", _freeze(self.component_dtypes))
        object.__setattr__(self, "components", _freeze(self.components))
        object.__setattr__(self, "pipeline_config", _freeze(self.pipeline_config))
        object.__setattr__(self, "scheduler_config", _freeze(self.scheduler_config))

    # ------------------------------------------------------------------ descriptions
    @property
    def owner(self) -> str:
        """How messages name the model: :attr:`label`, or the preset's name.

        >>> from i2v_nb.synthesis.registry import get_model
        >>> get_model("preview").owner, get_model("svd").owner
        ('the preview engine', 'svd')
        """
        return self.label or self.name

    @property
    def sizes_from_image(self) -> bool:
        """Whether a missing side follows the picture (:attr:`auto_long_side` is set)."""
        return self.auto_long_side is not None

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
        """The resolution rule in words.

        >>> from i2v_nb.synthesis.registry import get_model
        >>> get_model("ltx-video").size_rule, get_model("preview").size_rule
        ('multiple of 32, at most 921,600 px', 'even sizes, 16 to 4096 px per side')
        """
        if self.fixed_sizes is not None:
            return "only " + ", ".join(f"{w}x{h}" for w, h in self.fixed_sizes)
        m = self.size_multiple
        parts = ["even sizes" if m == 2 else f"multiple of {m}"]
        if self.min_side > 1 or self.max_side < MAX_SIDE:
            parts.append(f"{self.min_side} to {self.max_side} px per side")
        if self.max_pixels < self.max_side ** 2:
            parts.append(f"at most {self.max_pixels:,} px")
        return ", ".join(parts)

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
            return min(self.fixed_frames, key=lambda v: (abs(v - n), -v))  # ties go up
        lo, hi = self.frame_range(latent_window_size=latent_window_size)
        s = self.frame_stride(latent_window_size=latent_window_size)
        nearest = math.floor((n - 1) / s + 0.5) * s + 1
        return int(min(max(nearest, lo), hi))

    def snap_size(self, width: int | None, height: int | None) -> tuple[int | None, int | None]:
        """The legal ``(width, height)`` nearest to a requested size, without a warning.

        Fixed-size models give the fixed size closest in aspect ratio (then in area); the others
        scale the size down to ``max_pixels`` when above it, then bring each side to a multiple
        of ``size_multiple`` (the nearest one, or the next one up with ``size_rounding="up"``;
        never below one multiple or ``min_side``, never above ``max_side`` or the pixel budget).
        A side given as ``None`` (a preset whose sizes follow the picture) stays ``None``.
        :meth:`validate` uses it and warns when the size changes.

        >>> from i2v_nb.synthesis.registry import get_model
        >>> get_model("ltx-video").snap_size(700, 470), get_model("cogvideox-5b-i2v").snap_size(64, 64)
        ((704, 480), (720, 480))
        >>> get_model("preview").snap_size(513, None)
        (514, None)

        Raises:
            ParameterError: a side that is not positive.
        """
        for v in (width, height):
            if v is not None and v <= 0:
                raise ParameterError(f"size {width}x{height} for {self.name}: sizes must be "
                                     f"positive (rule: {self.size_rule})")
        if self.fixed_sizes is not None:
            if width is None or height is None:
                return self.fixed_sizes[0]
            if (width, height) in self.fixed_sizes:
                return width, height
            return min(self.fixed_sizes,
                       key=lambda s: (abs(math.log((s[0] / s[1]) / (width / height))),
                                      abs(s[0] * s[1] - width * height)))
        w: float | None = width
        h: float | None = height
        if w is not None and h is not None and w * h > self.max_pixels:
            scale = math.sqrt(self.max_pixels / (w * h))
            w, h = w * scale, h * scale
        m = self.size_multiple
        lo, hi = max(m, -(-self.min_side // m) * m), max(m, self.max_side // m * m)

        def side(v: float) -> int:
            k = math.ceil(v / m) if self.size_rounding == "up" else int(round(v / m))
            return min(max(lo, k * m), hi)

        w2 = None if w is None else side(w)
        h2 = None if h is None else side(h)
        # never above the pixel budget, never below one multiple
        while w2 is not None and h2 is not None and w2 * h2 > self.max_pixels and \
                (w2 > m or h2 > m):
            if w2 >= h2 and w2 > m:
                w2 -= m
            else:
                h2 -= m
        return w2, h2

    def size_for_aspect(self, aspect: float, *, width: int | None = None,
                        height: int | None = None) -> tuple[int, int]:
        """The size a picture of ``aspect`` (= width / height) is made at, given one side or none.

        Presets whose sizes follow the picture (:attr:`sizes_from_image`: the preview engine)
        derive a missing side from the aspect ratio (to the nearest multiple of
        ``size_multiple``, within ``min_side`` to ``max_side``), and with both missing make the
        long side :attr:`auto_long_side`. The others give :meth:`fit_size` with both missing and
        the default for a single missing side (as :meth:`validate` does).

        >>> from i2v_nb.synthesis.registry import get_model
        >>> get_model("preview").size_for_aspect(2.0, width=256), get_model("preview").size_for_aspect(0.5)
        ((256, 128), (256, 512))

        Raises:
            ParameterError: an aspect ratio that is not a positive number.
        """
        if not (aspect > 0 and math.isfinite(aspect)):
            raise ParameterError(f"aspect ratio {aspect!r} must be a positive number (width / height)")
        if width is not None and height is not None:
            return int(width), int(height)
        if not self.sizes_from_image:
            if width is None and height is None:
                return self.fit_size(aspect)
            return (int(width) if width is not None else int(self.defaults["width"]),
                    int(height) if height is not None else int(self.defaults["height"]))
        if width is not None:
            return int(width), self._derived_side(width / aspect)
        if height is not None:
            return self._derived_side(height * aspect), int(height)
        long_side = float(self.auto_long_side or 0)
        if aspect >= 1:
            return self._derived_side(long_side), self._derived_side(long_side / aspect)
        return self._derived_side(long_side * aspect), self._derived_side(long_side)

    def size_for_image(self, image_size: tuple[int, int], width: int | None = None,
                       height: int | None = None) -> tuple[int, int]:
        """The size a picture of ``image_size`` (``(width, height)`` in pixels) is made at.

        As :meth:`size_for_aspect` with the picture's aspect ratio, except that with both sides
        missing a preset whose sizes follow the picture keeps a picture smaller than
        :attr:`auto_long_side` at its own size (it never enlarges it).

        >>> from i2v_nb.synthesis.registry import get_model
        >>> p = get_model("preview")
        >>> p.size_for_image((1024, 768)), p.size_for_image((100, 50)), p.size_for_image((1024, 768), 256)
        ((512, 384), (100, 50), (256, 192))
        """
        sw, sh = image_size
        aspect = sw / max(sh, 1)
        if self.sizes_from_image and width is None and height is None:
            scale = min(1.0, (self.auto_long_side or 0) / max(sw, sh))
            return self._derived_side(sw * scale), self._derived_side(sh * scale)
        return self.size_for_aspect(aspect, width=width, height=height)

    def _derived_side(self, v: float) -> int:
        """A side derived from another one: the nearest multiple, within the legal sides."""
        m = self.size_multiple
        return min(self.max_side, max(self.min_side, int(round(v / m)) * m))

    def check_budget(self, width: int, height: int, num_frames: int) -> None:
        """Refuse a clip whose frames would not fit in memory: ``width · height · num_frames``
        over :attr:`max_voxels` (no limit when it is ``None``), with the largest frame count
        and the largest size that do fit.

        >>> from i2v_nb.synthesis.registry import get_model
        >>> get_model("preview").check_budget(512, 320, 24)
        >>> get_model("preview").check_budget(4096, 4096, 1000)
        Traceback (most recent call last):
        ...
        i2v_nb.errors.ParameterError: 1000 frames of 4096x4096 need 50.3 GB (16,777,216,000 pixels × frames, over the preview engine's cap of 600,000,000): use at most 35 frames at 4096x4096, or at most 774x774 for 1000 frames

        Raises:
            ParameterError: over the cap; the message says how to make it fit.
        """
        cap = self.max_voxels
        if cap is None:
            return
        w, h, n = int(width), int(height), int(num_frames)
        voxels = w * h * n
        if voxels <= cap:
            return
        max_frames = cap // max(w * h, 1)
        scale = math.sqrt(cap / voxels)
        m = self.size_multiple
        fw = max(self.min_side, int(w * scale) // m * m)
        fh = max(self.min_side, int(h * scale) // m * m)
        frames_hint = f"use at most {max_frames} frames at {w}x{h}, or " if max_frames >= 1 else ""
        raise ParameterError(
            f"{n} frames of {w}x{h} need {voxels * 3 / 1e9:.1f} GB ({voxels:,} pixels × frames, "
            f"over {self.owner}'s cap of {cap:,}): {frames_hint}at most {fw}x{fh} for {n} frames")

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
        return validate_params(self, **params)
