"""Model registry: one :class:`ModelPreset` per image-to-video model, with its rules and defaults.

A preset says which diffusers pipeline class and hub id to load, which dtype, whether the model
reads a text prompt, its default resolution / frames / fps / steps / guidance, the rules its
parameters must obey (frame counts such as ``4k+1``, resolution multiples, fixed resolutions,
maximum sizes), its extra knobs (SVD's ``motion_bucket_id`` ...), rough VRAM needs per memory
profile and its licence.

:meth:`ModelPreset.validate` turns a user's request into the parameters the pipeline will really
use: values are snapped to the nearest legal value with a :class:`ParameterSnapped` warning that
says what changed; impossible requests raise :class:`~i2v_nb.errors.ParameterError` naming the
rule.

>>> from i2v_nb.synthesis.registry import get_model
>>> get_model("ltx-video").validate(width=700, height=480, num_frames=50)["num_frames"]  # doctest: +SKIP
49

Pipeline classes and call argument names were checked in the diffusers 0.42.1 source
(``diffusers/pipelines/{stable_video_diffusion,cogvideo,ltx,wan,hunyuan_video}``).
VRAM figures are rough public estimates (GB, one clip at the default settings), not measurements.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from i2v_nb.errors import I2VWarning, ParameterError

__all__ = [
    "ModelPreset",
    "Knob",
    "ParameterSnapped",
    "PromptIgnored",
    "PROFILES",
    "COMMON_PARAMS",
    "models",
    "get_model",
    "register_model",
    "check_fps",
    "show_value",
]

#: Memory profiles, from the fastest (most VRAM) to the most frugal; "auto" picks one of these.
PROFILES: tuple[str, ...] = ("fast", "balanced", "low-vram")

#: Largest side (px) any request may ask for: larger ones are typos, not sizes to snap down.
MAX_SIDE = 16384
#: Most frames any request may ask for (larger counts are refused, smaller ones snapped).
MAX_FRAMES = 100_000
#: Most denoising steps: DDIM/DDPM-style schedulers refuse more steps than their 1000 training
#: timesteps, and no model needs more.
MAX_STEPS = 1000
#: Largest guidance scale: far above every model's useful range (1-15); more only saturates.
MAX_GUIDANCE = 100.0

#: Parameters every preset accepts (besides its own knobs).
COMMON_PARAMS: tuple[str, ...] = (
    "width", "height", "num_frames", "fps", "num_inference_steps", "guidance_scale",
    "prompt", "negative_prompt",
)


class ParameterSnapped(I2VWarning):
    """A generation parameter was moved to the nearest value the model accepts."""


class PromptIgnored(I2VWarning):
    """A text prompt was given to a model that does not read text (e.g. Stable Video Diffusion)."""


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

    # ------------------------------------------------------------------ validation
    def validate(self, **params: Any) -> dict[str, Any]:
        """Return the parameters the pipeline will really use.

        Missing (or ``None``) values take the preset's defaults. Values that break a rule but have
        a nearest legal value are snapped, with one :class:`ParameterSnapped` warning per change
        naming the old value, the new one and the rule. A text prompt for a model that ignores
        text gives :class:`PromptIgnored` and is dropped.

        Args:
            **params: any of :attr:`param_names` (``width``, ``height``, ``num_frames``, ``fps``,
                ``num_inference_steps``, ``guidance_scale``, ``prompt``, ``negative_prompt`` and
                the preset's knobs).

        Returns:
            dict with every common parameter (and every knob) filled in; ``prompt`` and
            ``negative_prompt`` only when the model reads text and they were given.

        Raises:
            ParameterError: unknown keys, non-numbers (huge integers included), zero or negative
                sizes, frames, steps or fps; sides over :data:`MAX_SIDE`, more than
                :data:`MAX_FRAMES` frames or :data:`MAX_STEPS` steps; an fps the video writer
                cannot encode (:func:`check_fps`); guidance outside 0 to :data:`MAX_GUIDANCE`.

        >>> p = get_model("tiny-wan").validate(num_frames=6)  # doctest: +SKIP
        """
        if self.backend == "preview":
            from i2v_nb.synthesis.preview import validate_preview_params

            return validate_preview_params(**params)

        unknown = sorted(set(params) - set(self.param_names))
        if unknown:
            raise ParameterError(
                f"{self.name} does not take parameter(s) {', '.join(map(repr, unknown))}; "
                f"it accepts: {', '.join(self.param_names)}")
        p = {k: v for k, v in params.items() if v is not None}
        out: dict[str, Any] = {}

        # --- prompt
        for key in ("prompt", "negative_prompt"):
            if key not in p:
                continue
            text = p[key]
            if not isinstance(text, str):
                raise ParameterError(f"{key} must be a string, got {type(text).__name__}")
            if not self.uses_prompt:
                if text.strip():
                    _warn(PromptIgnored(
                        f"{self.name} does not read a text prompt; the {key} {text[:60]!r} is "
                        "ignored. Steer its motion with its knobs "
                        f"({', '.join(self.knobs) or 'none'}) or pick a text-driven model."))
                continue
            out[key] = text

        # --- size
        width = _as_int(p.get("width", self.defaults["width"]), "width", self.name)
        height = _as_int(p.get("height", self.defaults["height"]), "height", self.name)
        for key, v in (("width", width), ("height", height)):
            if v <= 0:
                raise ParameterError(f"{key}={v} for {self.name}: sizes must be positive "
                                     f"(rule: {self.size_rule})")
            if v > MAX_SIDE:
                raise ParameterError(
                    f"{key}={show_value(v)} for {self.name}: at most {MAX_SIDE} px per side "
                    f"(rule: {self.size_rule}); ask for e.g. {self.defaults['width']}x"
                    f"{self.defaults['height']}, or leave the size out to take it from the image")
        out["width"], out["height"] = self._snap_size(width, height)

        # --- knobs (first: FramePack's frame rule depends on latent_window_size)
        knobs = {key: self._snap_knob(key, knob, p.get(key, knob.default))
                 for key, knob in self.knobs.items()}

        # --- frames
        frames = _as_int(p.get("num_frames", self.defaults["num_frames"]), "num_frames", self.name)
        if frames <= 0:
            raise ParameterError(f"num_frames={frames} for {self.name}: a clip needs at least one "
                                 f"frame (rule: {self.frame_rule})")
        if frames > MAX_FRAMES:
            raise ParameterError(
                f"num_frames={show_value(frames)} for {self.name}: {self.name} makes "
                f"{self.min_frames} to {self.max_frames} frames (rule: {self.frame_rule}); ask "
                f"for at most {self.max_frames}")
        out["num_frames"] = self._snap_frames(
            frames, step=4 * knobs["latent_window_size"] if self.sectioned else None)

        # --- fps, steps, guidance
        fps = _as_number(p.get("fps", self.defaults["fps"]), "fps", self.name)
        check_fps(fps, model=self.name)
        if self.fps_conditions:
            # SVD and LTX take fps as an integer conditioning input
            fps_i = max(1, round(fps))
            if fps_i != fps:
                _warn(ParameterSnapped(f"fps {fps} -> {fps_i} for {self.name} (rule: the model is "
                                       "conditioned on a whole number of frames per second)"))
            fps = fps_i
        out["fps"] = fps

        steps = _as_int(p.get("num_inference_steps", self.defaults["num_inference_steps"]),
                        "num_inference_steps", self.name)
        if steps <= 0:
            raise ParameterError(f"num_inference_steps={steps} for {self.name}: at least one "
                                 "denoising step is needed")
        if steps > MAX_STEPS:
            raise ParameterError(
                f"num_inference_steps={show_value(steps)} for {self.name}: at most {MAX_STEPS} "
                f"(schedulers have 1000 training timesteps); {self.name} uses "
                f"{self.defaults['num_inference_steps']} by default")
        out["num_inference_steps"] = steps

        guidance = _as_number(p.get("guidance_scale", self.defaults["guidance_scale"]),
                              "guidance_scale", self.name)
        if not 0 <= guidance <= MAX_GUIDANCE:
            raise ParameterError(
                f"guidance_scale={show_value(guidance)} for {self.name}: must be >= 0 and at most "
                f"{MAX_GUIDANCE:g} (1 = no classifier-free guidance; {self.name} uses "
                f"{self.defaults['guidance_scale']:g} by default)")
        out["guidance_scale"] = float(guidance)

        out.update(knobs)
        return out

    def _snap_size(self, width: int, height: int) -> tuple[int, int]:
        rule = self.size_rule
        if self.fixed_sizes is not None:
            if (width, height) in self.fixed_sizes:
                return width, height
            best = min(self.fixed_sizes,
                       key=lambda s: (abs(math.log((s[0] / s[1]) / (width / height))),
                                      abs(s[0] * s[1] - width * height)))
            _warn(ParameterSnapped(f"size {width}x{height} -> {best[0]}x{best[1]} for {self.name} "
                                   f"(rule: {rule}); fit_image crops or pads the picture to it"))
            return best
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
        if (w2, h2) != (width, height):
            _warn(ParameterSnapped(f"size {width}x{height} -> {w2}x{h2} for {self.name} "
                                   f"(rule: {rule})"))
        return w2, h2

    def _snap_frames(self, frames: int, *, step: int | None = None) -> int:
        if self.fixed_frames is not None:
            snapped = min(self.fixed_frames, key=lambda n: (abs(n - frames), n))
        else:
            s = step or self.frame_step
            first = max(((max(self.min_frames, 1) - 1 + s - 1) // s) * s + 1,   # smallest legal
                        s + 1 if step else 1)                                # one section
            last = ((self.max_frames - 1) // s) * s + 1                    # largest legal count
            nearest = math.floor((frames - 1) / s + 0.5) * s + 1           # ties go up
            snapped = min(max(nearest, first), last)
        if snapped != frames:
            rule = self.frame_rule if not step else f"{step}k+1: sections of {step} frames"
            _warn(ParameterSnapped(
                f"num_frames {frames} -> {snapped} for {self.name} (rule: {rule}, "
                f"between {self.min_frames} and {self.max_frames})"))
        return snapped

    def _snap_knob(self, key: str, knob: Knob, value: Any) -> Any:
        if value is None:
            return None
        if knob.kind == "bool":
            if not isinstance(value, bool):
                raise ParameterError(f"{key} for {self.name} must be True or False, got {value!r}")
            return value
        v = _as_int(value, key, self.name) if knob.kind == "int" else \
            float(_as_number(value, key, self.name))
        clipped = v
        if knob.low is not None and v < knob.low:
            clipped = type(v)(knob.low)
        if knob.high is not None and v > knob.high:
            clipped = type(v)(knob.high)
        if clipped != v:
            _warn(ParameterSnapped(f"{key} {v} -> {clipped} for {self.name} (rule: between "
                                   f"{knob.low} and {knob.high})"))
        return clipped


def _warn(w: Warning) -> None:
    """Warn at the first frame outside this module (the caller of ``validate``)."""
    import sys

    frame, level = sys._getframe(0), 1
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    warnings.warn(w, stacklevel=level)


def show_value(value: Any) -> str:
    """``repr(value)`` kept short: huge integers as ``1e+100``, long texts cut (for messages)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        try:
            return f"{float(value):.3g}"
        except OverflowError:
            return f"{'-' if value < 0 else ''}10**{len(str(abs(value))) - 1} or so"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _as_number(value: Any, key: str, model: str) -> float:
    if isinstance(value, (bool, str, bytes)) or not isinstance(value, (int, float)) and \
            not hasattr(value, "__float__"):
        raise ParameterError(f"{key}={show_value(value)} for {model}: must be a number "
                             f"(got {type(value).__name__})")
    try:
        v = float(value)
    except (OverflowError, ValueError, TypeError) as e:
        raise ParameterError(f"{key}={show_value(value)} for {model}: must be a number that fits "
                             f"a float ({type(e).__name__}: {e})") from e
    if not math.isfinite(v):
        raise ParameterError(f"{key}={show_value(value)} for {model}: must be finite")
    return int(value) if isinstance(value, int) else v


def check_fps(fps: Any, *, model: str = "the clip", high: float | None = None) -> float:
    """Check a frame rate against the writer's rule before any work; return it as a float.

    The rule is :func:`i2v_nb.io.check_fps`'s (``MIN_FPS`` to ``MAX_FPS``: what mp4/webm store
    and read back), at most ``high`` when given (an engine's own cap). A GIF or WebP output has
    narrower limits: the command line checks those against ``--out`` before generating.

    >>> check_fps(24)
    24.0

    Raises:
        ParameterError: not a finite number, or outside the range (the message gives it).
    """
    from i2v_nb.io import MAX_FPS, MIN_FPS  # the writer's own rule (i2v_nb.io.check_fps)

    v = float(_as_number(fps, "fps", model))
    low, top = MIN_FPS, MAX_FPS
    top = min(top, high) if high is not None else top
    if v <= 0:
        raise ParameterError(f"fps={show_value(fps)} for {model}: the frame rate must be positive "
                             f"(rule: {low:g} to {top:g}; 8, 12, 16 or 24 are usual)")
    if not low <= v <= top:
        why = f"the video writer encodes {low:g} to {MAX_FPS:g} frames per second" \
            if top == MAX_FPS else f"{model} makes {low:g} to {top:g} frames per second"
        raise ParameterError(f"fps={show_value(fps)} for {model}: {why}; pick a rate in that "
                             "range (8, 12, 16 or 24 are usual)")
    return v


def _as_int(value: Any, key: str, model: str) -> int:
    v = _as_number(value, key, model)
    if v != int(v):
        r = int(round(v))
        _warn(ParameterSnapped(f"{key} {v} -> {r} for {model} (rule: a whole number)"))
        return r
    return int(v)


# ---------------------------------------------------------------------------------------- presets
_SVD_KNOBS = {
    "motion_bucket_id": Knob(127, 1, 255, "int", "how much motion (higher = more)"),
    "noise_aug_strength": Knob(0.02, 0.0, 1.0, "float",
                               "noise added to the conditioning image (higher = less like it)"),
    "decode_chunk_size": Knob(None, 1, 64, "int",
                              "frames decoded at once (lower = less VRAM); None = by profile"),
    "min_guidance_scale": Knob(1.0, 0.0, 20.0, "float", "guidance at the first frame"),
}
_LTX_KNOBS = {
    "decode_timestep": Knob(0.0, 0.0, 1.0, "float", "timestep of the VAE decoder (0.03 in LTX 0.9.1+)"),
    "decode_noise_scale": Knob(None, 0.0, 1.0, "float", "noise added before decoding"),
    "guidance_rescale": Knob(0.0, 0.0, 1.0, "float", "rescales guided noise (reduces over-exposure)"),
}
_COG_KNOBS = {
    "use_dynamic_cfg": Knob(False, kind="bool", help="cosine guidance schedule"),
}
_HUNYUAN_KNOBS = {
    "true_cfg_scale": Knob(1.0, 1.0, 20.0, "float", "real classifier-free guidance (>1 needs a negative prompt)"),
}

_SVD_URL = "https://huggingface.co/stabilityai/stable-video-diffusion-img2vid-xt/blob/main/LICENSE.md"
_WAN_VAE_FP32 = {"vae": "float32", "image_encoder": "float32"}

_PRESETS: dict[str, ModelPreset] = {}


def register_model(preset: ModelPreset, *, replace: bool = False) -> ModelPreset:
    """Add a preset to the registry (e.g. a fine-tune with the same pipeline class).

    Raises:
        ParameterError: the name exists and ``replace`` is False.
    """
    if preset.name in _PRESETS and not replace:
        raise ParameterError(f"a model named {preset.name!r} is already registered; "
                             "pass replace=True to overwrite it")
    _PRESETS[preset.name] = preset
    return preset


for _p in [
    ModelPreset(
        name="svd", twin="svd", family="svd", hub_id="stabilityai/stable-video-diffusion-img2vid",
        pipeline_class="StableVideoDiffusionPipeline", uses_prompt=False, dtype="float16",
        defaults=dict(width=1024, height=576, num_frames=14, fps=7, num_inference_steps=25,
                      guidance_scale=3.0),
        knobs=_SVD_KNOBS, min_frames=2, max_frames=14, size_multiple=64, max_pixels=1024 * 576,
        vram_gb={"fast": 14, "balanced": 10, "low-vram": 7},
        licence="Stability AI Community License", licence_url=_SVD_URL, fps_conditions=True,
        supports_tiling=False,
        description="Stable Video Diffusion img2vid: 14 frames at 1024x576, image only (no text)"),
    ModelPreset(
        name="svd-xt", twin="svd", family="svd", hub_id="stabilityai/stable-video-diffusion-img2vid-xt",
        pipeline_class="StableVideoDiffusionPipeline", uses_prompt=False, dtype="float16",
        defaults=dict(width=1024, height=576, num_frames=25, fps=7, num_inference_steps=25,
                      guidance_scale=3.0),
        knobs=_SVD_KNOBS, min_frames=2, max_frames=25, size_multiple=64, max_pixels=1024 * 576,
        vram_gb={"fast": 18, "balanced": 12, "low-vram": 8},
        licence="Stability AI Community License", licence_url=_SVD_URL, fps_conditions=True,
        supports_tiling=False,
        description="Stable Video Diffusion img2vid-xt: 25 frames at 1024x576, image only"),
    ModelPreset(
        name="cogvideox-5b-i2v", twin="cogvideox", family="cogvideox", hub_id="THUDM/CogVideoX-5b-I2V",
        pipeline_class="CogVideoXImageToVideoPipeline", dtype="bfloat16",
        defaults=dict(width=720, height=480, num_frames=49, fps=8, num_inference_steps=50,
                      guidance_scale=6.0),
        knobs={**_COG_KNOBS, "use_dynamic_cfg": Knob(True, kind="bool",
                                                       help="cosine guidance schedule")},
        fixed_frames=(49,), min_frames=49, max_frames=49, size_multiple=16,
        fixed_sizes=((720, 480),), max_pixels=720 * 480,
        vram_gb={"fast": 33, "balanced": 11, "low-vram": 5},
        licence="CogVideoX License", licence_url="https://huggingface.co/THUDM/CogVideoX-5b-I2V/blob/main/LICENSE",
        description="CogVideoX 5B image-to-video: 49 frames at 8 fps, only 720x480"),
    ModelPreset(
        name="ltx-video", twin="ltx", family="ltx", hub_id="Lightricks/LTX-Video",
        pipeline_class="LTXImageToVideoPipeline", dtype="bfloat16",
        defaults=dict(width=704, height=480, num_frames=161, fps=25, num_inference_steps=50,
                      guidance_scale=3.0),
        knobs=_LTX_KNOBS, frame_step=8, min_frames=9, max_frames=257, size_multiple=32,
        max_pixels=1280 * 720, vram_gb={"fast": 18, "balanced": 10, "low-vram": 5},
        licence="LTX-Video Open Weights License",
        licence_url="https://huggingface.co/Lightricks/LTX-Video/blob/main/LICENSE",
        fps_conditions=True,
        description="LTX-Video 2B: fast, 8k+1 frames, sizes multiple of 32"),
    ModelPreset(
        name="wan2.1-i2v-480p", twin="wan", family="wan", hub_id="Wan-AI/Wan2.1-I2V-14B-480P-Diffusers",
        pipeline_class="WanImageToVideoPipeline", dtype="bfloat16", component_dtypes=_WAN_VAE_FP32,
        defaults=dict(width=832, height=480, num_frames=81, fps=16, num_inference_steps=50,
                      guidance_scale=5.0),
        frame_step=4, min_frames=5, max_frames=81, size_multiple=16, max_pixels=832 * 480,
        vram_gb={"fast": 48, "balanced": 32, "low-vram": 12},
        licence="Apache-2.0", licence_url="https://huggingface.co/Wan-AI/Wan2.1-I2V-14B-480P-Diffusers",
        description="Wan 2.1 I2V 14B at 480p: 81 frames at 16 fps, 4k+1 frames, multiple of 16"),
    ModelPreset(
        name="wan2.1-i2v-720p", twin="wan", family="wan", hub_id="Wan-AI/Wan2.1-I2V-14B-720P-Diffusers",
        pipeline_class="WanImageToVideoPipeline", dtype="bfloat16", component_dtypes=_WAN_VAE_FP32,
        defaults=dict(width=1280, height=720, num_frames=81, fps=16, num_inference_steps=50,
                      guidance_scale=5.0),
        frame_step=4, min_frames=5, max_frames=81, size_multiple=16, max_pixels=1280 * 720,
        vram_gb={"fast": 64, "balanced": 40, "low-vram": 16},
        licence="Apache-2.0", licence_url="https://huggingface.co/Wan-AI/Wan2.1-I2V-14B-720P-Diffusers",
        description="Wan 2.1 I2V 14B at 720p: 81 frames at 16 fps, 4k+1 frames, multiple of 16"),
    ModelPreset(
        name="wan2.2-ti2v-5b", twin="wan-ti2v", family="wan", hub_id="Wan-AI/Wan2.2-TI2V-5B-Diffusers",
        pipeline_class="WanImageToVideoPipeline", dtype="bfloat16", component_dtypes={"vae": "float32"},
        defaults=dict(width=1280, height=704, num_frames=121, fps=24, num_inference_steps=50,
                      guidance_scale=5.0),
        frame_step=4, min_frames=5, max_frames=121, size_multiple=32, max_pixels=1280 * 704,
        vram_gb={"fast": 32, "balanced": 20, "low-vram": 8},
        licence="Apache-2.0", licence_url="https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B-Diffusers",
        description="Wan 2.2 TI2V 5B: 121 frames at 24 fps, 720p, sizes multiple of 32"),
    ModelPreset(
        name="hunyuanvideo-i2v", twin="hunyuan", family="hunyuan", hub_id="hunyuanvideo-community/HunyuanVideo-I2V",
        pipeline_class="HunyuanVideoImageToVideoPipeline", dtype="float16",
        component_dtypes={"transformer": "bfloat16"},
        defaults=dict(width=1280, height=720, num_frames=129, fps=24, num_inference_steps=50,
                      guidance_scale=6.0),
        knobs=_HUNYUAN_KNOBS, frame_step=4, min_frames=5, max_frames=129, size_multiple=16,
        max_pixels=1280 * 720, vram_gb={"fast": 60, "balanced": 40, "low-vram": 14},
        licence="Tencent Hunyuan Community License",
        licence_url="https://huggingface.co/tencent/HunyuanVideo-I2V/blob/main/LICENSE",
        description="HunyuanVideo I2V 13B: 129 frames at 720p, 4k+1 frames, multiple of 16"),
    ModelPreset(
        name="framepack", twin="framepack", family="framepack", hub_id="lllyasviel/FramePackI2V_HY",
        base_hub_id="hunyuanvideo-community/HunyuanVideo",
        components={
            "transformer": ("diffusers", "HunyuanVideoFramepackTransformer3DModel",
                            "lllyasviel/FramePackI2V_HY", None, "bfloat16"),
            "feature_extractor": ("transformers", "SiglipImageProcessor",
                                  "lllyasviel/flux_redux_bfl", "feature_extractor", None),
            "image_encoder": ("transformers", "SiglipVisionModel", "lllyasviel/flux_redux_bfl",
                              "image_encoder", "float16"),
        },
        pipeline_class="HunyuanVideoFramepackPipeline", dtype="float16",
        defaults=dict(width=640, height=640, num_frames=109, fps=30, num_inference_steps=25,
                      guidance_scale=9.0),
        knobs={**_HUNYUAN_KNOBS,
               "latent_window_size": Knob(9, 1, 33, "int",
                                          "latent frames per section (4x as many video frames)")},
        min_frames=5, max_frames=1801, size_multiple=16, max_pixels=640 * 640,
        vram_gb={"fast": 45, "balanced": 30, "low-vram": 8},
        licence="Tencent Hunyuan Community License (HunyuanVideo base)",
        licence_url="https://huggingface.co/tencent/HunyuanVideo/blob/main/LICENSE",
        description="FramePack (HunyuanVideo 13B, next-frame-section packing): long clips made "
                    "in sections of 4*latent_window_size frames"),
    ModelPreset(
        name="preview", family="preview", hub_id=None, pipeline_class=None, backend="preview",
        uses_prompt=True, dtype="float32",
        defaults=dict(width=512, height=320, num_frames=24, fps=12, num_inference_steps=1,
                      guidance_scale=0.0),
        vram_gb={"fast": 0, "balanced": 0, "low-vram": 0}, licence="Apache-2.0 (i2v_nb)",
        description="CPU preview engine: camera moves and simple animation from the prompt, seconds"),
]:
    register_model(_p)


# -- tiny twins: same pipeline classes, tiny random weights, built offline by tiny_pipeline().
# Each copies its real model's rules (the twins keep the VAE compression and patch sizes) with
# the tiny sizes of i2v_nb.synthesis.tiny.TINY_DEFAULTS (a test checks they agree).
def _tiny(twin: str, family: str, real: str, **changes: Any) -> ModelPreset:
    base = _PRESETS[real]
    spec = dict(
        name=f"tiny-{twin}", twin=twin, family=family, hub_id=None,
        pipeline_class=base.pipeline_class, uses_prompt=base.uses_prompt, dtype="float32",
        knobs=dict(base.knobs), frame_step=base.frame_step, size_multiple=base.size_multiple,
        fps_conditions=base.fps_conditions, supports_tiling=base.supports_tiling,
        min_frames=base.min_frames, max_frames=17, max_pixels=64 * 64,
        vram_gb={"fast": 0.1, "balanced": 0.1, "low-vram": 0.1},
        licence="Apache-2.0 (random weights)",
        description=f"tiny random-weight twin of {real} (same pipeline class; tests, offline)")
    spec.update(changes)
    return ModelPreset(**spec)


for _p in [
    _tiny("svd", "svd", "svd-xt", size_multiple=16, max_frames=8,
          defaults=dict(width=32, height=32, num_frames=4, fps=7, num_inference_steps=2,
                        guidance_scale=3.0)),
    _tiny("cogvideox", "cogvideox", "cogvideox-5b-i2v", fixed_frames=(9,), min_frames=9,
          max_frames=9, fixed_sizes=((32, 32),), max_pixels=32 * 32,
          defaults=dict(width=32, height=32, num_frames=9, fps=8, num_inference_steps=2,
                        guidance_scale=6.0)),
    _tiny("ltx", "ltx", "ltx-video",
          defaults=dict(width=32, height=32, num_frames=9, fps=25, num_inference_steps=2,
                        guidance_scale=3.0)),
    _tiny("wan", "wan", "wan2.1-i2v-480p",
          defaults=dict(width=16, height=16, num_frames=5, fps=16, num_inference_steps=2,
                        guidance_scale=5.0)),
    _tiny("wan-ti2v", "wan", "wan2.2-ti2v-5b",
          defaults=dict(width=32, height=32, num_frames=5, fps=24, num_inference_steps=2,
                        guidance_scale=5.0)),
    _tiny("framepack", "framepack", "framepack", max_frames=33,
          knobs={**_HUNYUAN_KNOBS, "latent_window_size": Knob(2, 1, 4, "int",
                                                              "latent frames per section")},
          defaults=dict(width=16, height=16, num_frames=9, fps=30, num_inference_steps=2,
                        guidance_scale=9.0)),
    _tiny("hunyuan", "hunyuan", "hunyuanvideo-i2v",
          defaults=dict(width=16, height=16, num_frames=5, fps=24, num_inference_steps=2,
                        guidance_scale=6.0)),
]:
    register_model(_p)


def models(*, backend: str | None = None, include_tiny: bool = True) -> list[ModelPreset]:
    """Return the registered presets, real models first, then ``preview``, then tiny twins.

    Args:
        backend: keep only ``"diffusers"`` or ``"preview"`` presets.
        include_tiny: include the ``tiny-*`` test twins.

    >>> [m.name for m in models(include_tiny=False)][:2]
    ['svd', 'svd-xt']
    """
    out = [m for m in _PRESETS.values()
           if (backend is None or m.backend == backend) and (include_tiny or not m.is_tiny)]
    return sorted(out, key=lambda m: (m.is_tiny, m.backend == "preview", list(_PRESETS).index(m.name)))


def get_model(name: str | ModelPreset) -> ModelPreset:
    """Return the preset called ``name`` (case-insensitive; a preset is returned as is).

    >>> get_model("svd-xt").hub_id
    'stabilityai/stable-video-diffusion-img2vid-xt'

    Raises:
        ParameterError: no preset has that name; the message lists the names.
    """
    if isinstance(name, ModelPreset):
        return name
    if not isinstance(name, str):
        raise ParameterError(f"model must be a preset name (str), got {type(name).__name__}")
    key = name.strip().lower()
    if key in _PRESETS:
        return _PRESETS[key]
    for p in _PRESETS.values():  # also accept a hub id
        if p.hub_id and p.hub_id.lower() == key:
            return p
    raise ParameterError(f"unknown model {name!r}; registered models: {', '.join(_PRESETS)}")
