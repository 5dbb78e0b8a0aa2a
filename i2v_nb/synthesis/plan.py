"""A memory plan computed from the model: peak VRAM and system RAM for one clip, with its parts.

``plan(model, profile=..., num_frames=..., width=..., height=...)`` adds up:

================== ============================================================================
part               formula
================== ============================================================================
weights (exact)    parameters × bytes per parameter of each component, counted from the hub
                   configs (:mod:`.model_sizes`) or from a loaded pipeline; dtype as the loader
                   sets it (the preset's ``dtype``/``component_dtypes``; ``colab-t4``:
                   ``float16``; ``float32`` on a CPU). ``quantize=`` changes the denoisers':
                   :data:`QUANT_BYTES` (an estimate: scales and unquantized norms ignored).
buffers (exact)    the buffers' bytes as counted (rotary tables, positions), scaled to the dtype.
denoiser           ``ACT_FACTOR × tokens × hidden × bytes × batch`` (estimate). ``tokens`` =
activations        ``ceil(latent_frames / pt) · (H / s / ph) · (W / s / pw)`` with
                   ``latent_frames = (frames - 1) // temporal + 1``, ``s`` the VAE's spatial
                   compression and ``(pt, ph, pw)`` the patch; ``batch`` 2 where the pipeline
                   batches classifier-free guidance (:data:`CFG`). With SDPA's memory-efficient
                   kernels attention needs O(tokens × hidden), not O(tokens²).
VAE decode         the decoded video ``3·F·H·W·b`` plus ``K × C / p² × frames per chunk × pixels
                   per tile × b``: C the decoder's full-resolution channels, p its pixel patch,
                   K measured per class (:data:`VAE_K`), chunks and tiles as each VAE class
                   decodes (:data:`VAE_CHUNKS`; tiled under the offloading profiles). Estimate.
runtime            :data:`RUNTIME_RAM_GB` (measured), CUDA's share (assumed, see below).
================== ============================================================================

Where the weights live is the profile's rule (:data:`OFFLOAD`; the profiles themselves are read
from :data:`i2v_nb.synthesis.memory.PROFILES` at call time):

* ``resident`` (``fast``): VRAM = every weight + the larger of the denoiser's activations and
  the VAE decode; RAM = every weight, an upper bound: every weight passes through RAM while
  loading, but ``from_pretrained`` memory-maps safetensors files (measured here: RSS +16 MB
  right after loading a 210 MB transformer; pages come in as they are read), so without a
  dtype conversion at load time a GPU run holds less at once.
* ``model`` (``balanced``; SVD under every offloading profile): one component on the GPU at a
  time, VRAM = the largest of (a component's weights + its own activations); RAM = every weight.
* ``group-leaf`` (``low-vram``): one layer at a time streams in (bounded here by one block of
  the denoiser); RAM = every weight plus, while the hooks are applied, a second copy of one
  shard: with ``use_stream=True`` and ``low_cpu_mem_usage=False`` diffusers pins a copy of each
  group's tensors and swaps it in at once (``hooks/group_offloading.py``:
  ``_init_cpu_param_dict``, ``initialize_hook``), but the memory-mapped file the originals came
  from stays resident until all its tensors are swapped (:data:`SHARD_GB`).
* ``group-block`` (``colab-t4``): ``float16``, text encoders ``int8``, the denoiser by blocks
  (two on the GPU: one computing, the next arriving on the stream), pinned on the fly
  (``low_cpu_mem_usage=True``): RAM = every weight.

The time is a class from a FLOP count (``2·params·tokens`` for the linear layers plus
``4·tokens²·hidden·layers`` for attention, per denoiser call) at :data:`GPU_FLOPS` of a
reference GPU, or the PCIe time of the weights streamed per call where offloading is slower.

>>> p = plan("wan2.1-i2v-480p", profile="balanced")
>>> [c.name for c in p.components], round(p.weight_bytes / 1e9, 1)
(['transformer', 'image_encoder', 'text_encoder', 'vae'], 47.2)
>>> p.vram_gb < plan("wan2.1-i2v-480p", profile="fast").vram_gb
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from i2v_nb.errors import ParameterError
from i2v_nb.synthesis.memory import COLAB_T4_RAM_GB, PROFILES, decode_chunk_size
from i2v_nb.synthesis.model_sizes import COUNTS, PRESET_COMPONENTS, Count
from i2v_nb.synthesis.model_sizes_tiny import TINY_COUNTS, TINY_PRESET_COMPONENTS
from i2v_nb.synthesis.param_count import counts_from_pipeline, role_of

__all__ = ["Plan", "ComponentPlan", "plan", "component_counts", "profile_needs",
           "plan_from_pipeline", "OFFLOAD", "QUANT_BYTES",
           "ACT_FACTOR", "VAE_K", "VAE_CHUNKS", "RUNTIME_RAM_GB", "time_class"]

GB = 1e9
DTYPE_BYTES: dict[str, float] = {"float32": 4, "float16": 2, "bfloat16": 2}
#: bytes per parameter of a quantized denoiser: int8 (torchao weight-only), NF4 (4 bits + one
#: float32 absmax per 64 weights, bitsandbytes' default block without double quantization),
#: fp8 storage (layerwise casting stores float8_e4m3fn).
QUANT_BYTES: dict[str, float] = {"int8": 1.0, "nf4": 0.5 + 4 / 64, "fp8-storage": 1.0}
#: profile -> where the weights live (module docstring); a new profile needs a rule here.
OFFLOAD: dict[str, str] = {"fast": "resident", "balanced": "model", "low-vram": "group-leaf",
                           "colab-t4": "group-block"}
#: profile -> (run dtype, text-encoder quantization) where it differs from the preset's
PROFILE_OVERRIDES: dict[str, tuple[str, str]] = {"colab-t4": ("float16", "int8")}
#: hidden-width tensors alive per token at a transformer block's peak: the residual stream, its
#: norm, the feed-forward's up-projection and activation (2.7-4 × hidden each). Measured on CPU
#: (float32, one full-width block of the real config, peak RSS rise per extra token between
#: two token counts): Wan 2.1 14B 7.6, CogVideoX 5B 8.8, LTX 13B 14.0; 12 is taken for all.
ACT_FACTOR = 12
#: VAE class -> (frames decoded at once untiled, tiled; tile side in px, or (h, w)); 0 = all
#: frames. From diffusers 0.42.1 ``models/autoencoders``: Wan decodes one latent frame (4
#: frames) at a time; CogVideoX 2 latent frames (8), tiles of sample size / 2; HunyuanVideo is
#: framewise (16 frames) by default; LTX framewise only when asked, tiles of 512; SVD decodes
#: ``decode_chunk_size`` frames (8 / 4 / 2 by profile: ``memory.decode_chunk_size``).
VAE_CHUNKS: dict[str, tuple[int, int, Any]] = {
    "AutoencoderKLWan": (4, 4, 256),
    "AutoencoderKLCogVideoX": (8, 8, (240, 360)),
    "AutoencoderKLHunyuanVideo": (16, 16, 256),
    "AutoencoderKLHunyuanVideo15": (0, 0, 256),
    "AutoencoderKLLTXVideo": (0, 0, 512),
}
#: (VAE class, decoder width C) -> K, or VAE class -> K for any width (the largest measured):
#: a decode's working memory is ``K × C / p²`` bytes per pixel in the chunk
#: per byte of dtype, C the decoder's full-resolution channels and p its pixel patch. Measured
#: on CPU (float32, real configs, random weights, 9 frames at 128x128, peak RSS rise during
#: ``vae.decode``): Wan 2.1 25.6, Wan 2.2 33.0, CogVideoX 18.3, HunyuanVideo 13.3,
#: HunyuanVideo 1.5 12.4, LTX 0.9.0 13.3, LTX 0.9.5 7.0, SVD 16.3 (the class's largest where
#: two configs share it); others VAE_K_DEFAULT. Conv workspaces differ on a GPU (cuDNN), so
#: these are estimates there.
VAE_K: dict[Any, float] = {
    ("AutoencoderKLWan", 96): 25.6, ("AutoencoderKLWan", 256): 33.0, "AutoencoderKLWan": 33.0,
    "AutoencoderKLCogVideoX": 18.3, "AutoencoderKLHunyuanVideo": 13.3,
    "AutoencoderKLHunyuanVideo15": 12.4, ("AutoencoderKLLTXVideo", 128): 13.3,
    ("AutoencoderKLLTXVideo", 256): 7.0, "AutoencoderKLLTXVideo": 13.3,
    "AutoencoderKLTemporalDecoder": 16.3}
VAE_K_DEFAULT = 25.0
#: a UNet's weights sit mostly at 1/4 and 1/8 of the latent size: the share of full-size
#: tokens its FLOPs see (channels 320/640/1280/1280 at sizes 1, 1/4, 1/16, 1/64 of the tokens,
#: weighted by channels²). Rough.
UNET_TOKEN_SHARE = 0.09
#: pipeline class -> how classifier-free guidance runs: "batched" (one call on a batch of 2),
#: "sequential" (two calls), "true_cfg" (distilled guidance; a second call only with
#: ``true_cfg_scale`` > 1). Read in each pipeline's ``__call__`` (diffusers 0.42.1).
CFG: dict[str, str] = {
    "StableVideoDiffusionPipeline": "batched", "CogVideoXImageToVideoPipeline": "batched",
    "LTXImageToVideoPipeline": "batched", "LTXConditionPipeline": "batched",
    "WanImageToVideoPipeline": "sequential", "SkyReelsV2ImageToVideoPipeline": "sequential",
    "SkyReelsV2DiffusionForcingImageToVideoPipeline": "sequential",
    "HunyuanVideo15ImageToVideoPipeline": "sequential",
    "HunyuanVideoImageToVideoPipeline": "true_cfg", "HunyuanVideoFramepackPipeline": "true_cfg",
}
#: a hub shard: diffusers' ``save_pretrained`` default ``max_shard_size`` ("10GB")
SHARD_GB = 10.0
#: measured here: RSS of Python + torch (CPU wheel) + diffusers + transformers imported, 0.43 GB
RUNTIME_RAM_GB = 0.45
#: assumed, not measured (no GPU here): host RAM of CUDA's libraries and context, and the
#: context + cuBLAS workspace on the GPU
CUDA_RAM_GB, CUDA_VRAM_GB = 1.5, 0.5
#: reference GPU per profile, its sustained dense FLOP/s (assumed ~40 % of peak; with the
#: formulas here CogVideoX-5B-I2V takes 95 s and Wan 2.1 I2V 720p 36 min on the H100, against
#: ~90 s and ~25 min reported) and host-to-device bandwidth (PCIe 5 / PCIe 3)
GPU_FLOPS: dict[str, tuple[str, float, float]] = {
    "H100": ("H100", 400e12, 25e9), "T4": ("T4", 26e12, 12e9)}
_PROFILE_GPU = {"colab-t4": "T4"}
_TIME_CLASSES = ((60, "under a minute"), (600, "minutes"), (3600, "tens of minutes"))


def time_class(seconds: float) -> str:
    """A rough class for a duration.

    >>> time_class(90), time_class(1500)
    ('minutes', 'tens of minutes')
    """
    for limit, name in _TIME_CLASSES:
        if seconds < limit:
            return name
    return "hours"


@dataclass(frozen=True)
class ComponentPlan:
    """One component in a plan: what it holds and where it lives during the call."""

    name: str
    cls: str
    params: int
    dtype: str  #: storage: a dtype name or a quantization mode
    weight_bytes: int  #: params × bytes per param (exact for plain dtypes)
    buffer_bytes: int
    on_gpu_bytes: int  #: its weights on the GPU at its peak (all, one block, or none)


@dataclass(frozen=True)
class Plan:
    """Peak VRAM and system RAM of one clip, the parts they add up from, and a time class.

    ``vram_parts``/``ram_parts`` hold GB per part at the peak; ``vram_gb``/``ram_gb`` are their
    sums. Weights are exact, activations and the VAE decode are estimates (module docstring).
    """

    model: str
    profile: str
    device: str
    width: int
    height: int
    num_frames: int
    quantize: str | None
    components: tuple[ComponentPlan, ...]
    tokens: int
    batch: int
    vram_parts: Mapping[str, float] = field(default_factory=dict)
    ram_parts: Mapping[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    reference_gpu: str = ""

    @property
    def weight_bytes(self) -> int:
        """Bytes of every component's parameters."""
        return sum(c.weight_bytes for c in self.components)

    @property
    def vram_gb(self) -> float:
        return round(sum(self.vram_parts.values()), 2)

    @property
    def ram_gb(self) -> float:
        return round(sum(self.ram_parts.values()), 2)

    @property
    def time_class(self) -> str:
        return time_class(self.seconds)

    def table(self) -> str:
        """The components and the parts, as plain text."""
        rows = [f"{self.model} · {self.profile} · {self.device} · {self.width}x{self.height} · "
                f"{self.num_frames} frames" + (f" · {self.quantize}" if self.quantize else "")]
        for c in self.components:
            rows.append(f"  {c.name:15s} {c.cls:38s} {c.params / 1e9:7.3f} B params  "
                        f"{c.dtype:11s} {c.weight_bytes / GB:7.2f} GB")
        for title, parts, total in (("VRAM", self.vram_parts, self.vram_gb),
                                    ("RAM", self.ram_parts, self.ram_gb)):
            body = ", ".join(f"{k} {v:.2f}" for k, v in parts.items())
            rows.append(f"  {title} {total:.1f} GB = {body}")
        rows.append(f"  time: {self.time_class} (~{self.seconds:.0f} s on {self.reference_gpu})")
        return "\n".join(rows)

    def __str__(self) -> str:
        return self.table()


def _check_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError(f"{name}={value!r} must be a positive whole number")
    return value


def _rule(profile: str, family: str) -> str:
    if profile not in PROFILES:
        raise ParameterError(f"profile={profile!r} is not a memory profile to plan; use one of "
                             f"{', '.join(map(repr, PROFILES))} (resolve 'auto' first)")
    if profile not in OFFLOAD:
        raise ParameterError(f"profile {profile!r} has no offload rule in plan.OFFLOAD: add one")
    rule = OFFLOAD[profile]
    return "model" if family == "svd" and rule.startswith("group") else rule


def _dtypes(preset: Any, profile: str, device: str) -> tuple[str, dict[str, str]]:
    """The run dtype and per-component dtypes the loader uses (``diffusers_backend/load.py``)."""
    if device == "cpu":
        return "float32", {}
    run = PROFILE_OVERRIDES.get(profile, (preset.dtype, ""))[0]
    per = dict(preset.component_dtypes)
    per.update({n: spec[4] for n, spec in preset.components.items() if spec[4]})
    return run, per


def _tokens(preset: Any, den: Count, vae: Count, width: int, height: int,
            num_frames: int) -> tuple[int, int]:
    """Tokens per denoiser call and the number of windows (FramePack sections, SkyReels DF)."""
    spatial, temporal = vae.compression if vae.compression != (0, 0) else (8, 1)
    pt, ph, pw = den.patch if den.patch != (0, 0, 0) else (1, 1, 1)
    frames, windows = num_frames, 1
    if "base_num_frames" in preset.defaults:  # SkyReels DF: windows of base_num_frames
        base = min(num_frames, int(preset.defaults["base_num_frames"]))
        overlap = int(preset.defaults.get("overlap_history") or 0)
        frames = base
        windows = 1 + max(0, math.ceil((num_frames - base) / max(1, base - overlap)))
    latent = (frames - 1) // temporal + 1 if temporal > 1 else frames
    if "latent_window_size" in preset.defaults:  # FramePack: sections of latent_window_size
        lws = int(preset.defaults["latent_window_size"])
        windows = max(1, math.ceil(latent / lws))
        # the window + 1 clean frame at full size + 2 at 1/4 + 16 at 1/16 of the tokens
        latent = lws + 1 + 2 / 4 + 16 / 16
    hw = (height // spatial // ph) * (width // spatial // pw)
    return max(1, int(math.ceil(latent / pt) * hw)), windows


def _vae_decode(vae: Count, bytes_: float, profile: str, width: int, height: int,
                num_frames: int, tiled: bool) -> float:
    """The decoded video plus the decoder's working memory for one chunk (and tile)."""
    out = 3 * num_frames * width * height * bytes_
    untiled, tiled_frames, tile = VAE_CHUNKS.get(vae.cls, (0, 0, 256))
    frames = tiled_frames if tiled else untiled
    if vae.cls == "AutoencoderKLTemporalDecoder":
        frames = decode_chunk_size(profile, num_frames)
    frames = min(frames or num_frames, num_frames)
    th, tw = (tile, tile) if isinstance(tile, int) else tile
    pixels = min(height, th) * min(width, tw) if tiled else height * width
    k = VAE_K.get((vae.cls, vae.hidden), VAE_K.get(vae.cls, VAE_K_DEFAULT))
    per_pixel = k * vae.hidden / max(1, vae.patch[1]) ** 2
    return out + per_pixel * frames * pixels * bytes_


def _weight_plan(name: str, c: Count, dtype: str, quant: str | None) -> ComponentPlan:
    per = QUANT_BYTES[quant] if quant else DTYPE_BYTES[dtype]
    buffers = int(c.buffer_bytes * DTYPE_BYTES[dtype] / 4)  # float buffers follow the dtype
    return ComponentPlan(name, c.cls, c.params, quant or dtype, int(math.ceil(c.params * per)),
                         buffers, 0)


def _check_quantize(quantize: str | None) -> None:
    if quantize is not None and quantize not in QUANT_BYTES:
        raise ParameterError(f"quantize={quantize!r} is not a quantization mode; use None, "
                             f"{', '.join(map(repr, QUANT_BYTES))}")


def _compute(preset: Any, counts: Mapping[str, Count], *, profile: str, device: str,
             width: int, height: int, num_frames: int, quantize: str | None,
             steps: int) -> Plan:
    """The plan of one clip from counted components (the one engine behind both entry points)."""
    _check_quantize(quantize)
    rule = _rule(profile, preset.family)
    rule = "resident" if device == "cpu" else rule  # on a CPU everything stays in RAM
    run, per = _dtypes(preset, profile, device)
    text_quant = PROFILE_OVERRIDES.get(profile, ("", ""))[1] if device != "cpu" else ""
    comps = []
    for name, c in counts.items():
        role = role_of(name)
        quant = quantize if role == "denoiser" else (text_quant or None) \
            if role == "text_encoder" else None
        comps.append(_weight_plan(name, c, per.get(name, run), quant))
    dens = [n for n in counts if role_of(n) == "denoiser"]
    if not dens or "vae" not in counts:
        raise ParameterError(f"{preset.name}: a plan needs a denoiser and a VAE among the "
                             f"components, found {sorted(counts)}")
    den, vae = counts[dens[0]], counts["vae"]
    act_bytes = DTYPE_BYTES[per.get(dens[0], run)]
    vae_bytes = DTYPE_BYTES[per.get("vae", run)]
    tokens, windows = _tokens(preset, den, vae, width, height, num_frames)
    guidance = CFG.get(preset.pipeline_class or "", "sequential")
    cfg_scale = preset.defaults.get("true_cfg_scale" if guidance == "true_cfg" else
                                    "guidance_scale", 1.0) or 1.0
    cfg_on = float(cfg_scale) > 1.0
    batch = 2 if cfg_on and guidance == "batched" else 1
    calls = 2 if cfg_on and guidance != "batched" else 1
    act = ACT_FACTOR * tokens * den.hidden * act_bytes * batch
    tiled = rule != "resident" and preset.supports_tiling
    decode = _vae_decode(vae, vae_bytes, profile, width, height, num_frames, tiled)
    by_name = {c.name: c for c in comps}
    weights = sum(c.weight_bytes + c.buffer_bytes for c in comps)
    den_bytes = {n: by_name[n].weight_bytes + by_name[n].buffer_bytes for n in dens}
    vae_w = by_name["vae"].weight_bytes + by_name["vae"].buffer_bytes
    if rule == "resident":
        on_gpu = {c.name: c.weight_bytes + c.buffer_bytes for c in comps}
        peak = {"weights": weights, "activations": max(act, decode)}
    elif rule == "model":  # one component at a time, with its own activations
        on_gpu = {}
        phases = {n: den_bytes[n] + act for n in dens}
        phases["vae"] = vae_w + decode
        phases.update({c.name: c.weight_bytes + c.buffer_bytes for c in comps
                       if c.name not in phases})
        top = max(phases, key=phases.__getitem__)
        on_gpu[top] = by_name[top].weight_bytes + by_name[top].buffer_bytes
        peak = {f"weights ({top})": on_gpu[top], "activations": phases[top] - on_gpu[top]}
    else:  # group offload: blocks of the denoiser (two with block-level streams), layers of others
        blocks = 2 if rule == "group-block" else 1
        share = by_name[dens[0]].weight_bytes / max(1, den.params)
        block = int(blocks * den.block_params * share)
        on_gpu = {dens[0]: block}
        peak = {"weights (denoiser blocks)": block, "activations": max(act, decode)}
    comps = [ComponentPlan(**{**c.__dict__, "on_gpu_bytes": on_gpu.get(c.name, 0)})
             for c in comps]
    output = num_frames * width * height * 3 * (4 + 1)  # float32 frames, then uint8
    if device == "cpu":
        vram: dict[str, float] = {}
        ram = {"runtime": RUNTIME_RAM_GB, "weights": weights / GB,
               "activations": max(act, decode) / GB, "output frames": output / GB}
    else:
        vram = {k: v / GB for k, v in peak.items()}
        vram["CUDA context"] = CUDA_VRAM_GB
        ram = {"runtime": RUNTIME_RAM_GB + CUDA_RAM_GB, "weights": weights / GB}
        if rule == "group-leaf":  # pinned copies while a memory-mapped shard is still resident
            largest = max(c.weight_bytes for c in comps)
            ram["pinning (one shard)"] = min(largest / GB, SHARD_GB)
        ram["output frames"] = output / GB
    gpu = _PROFILE_GPU.get(profile, "H100")
    seconds = _seconds(den, tokens, batch, calls * windows * steps, gpu,
                       streamed=sum(den_bytes.values()) / len(dens) if rule.startswith("group")
                       else 0.0, once=weights if rule == "model" else 0.0)
    return Plan(preset.name, profile, device, width, height, num_frames, quantize, tuple(comps),
                tokens, batch, {k: round(v, 3) for k, v in vram.items()},
                {k: round(v, 3) for k, v in ram.items()}, seconds, GPU_FLOPS[gpu][0])


def _seconds(den: Count, tokens: int, batch: int, calls: int, gpu: str, *, streamed: float,
             once: float) -> float:
    """Denoiser calls × the larger of their FLOP time and the PCIe time of streamed weights."""
    _name, flops, pcie = GPU_FLOPS[gpu]
    if den.cls.startswith("UNet"):  # convolutions and per-frame attention at lower sizes
        per_call = batch * 2 * den.params * tokens * UNET_TOKEN_SHARE
    else:
        layers = den.params / max(1, 12 * den.hidden ** 2)  # a block holds ~12·hidden² weights
        per_call = batch * (2 * den.params * tokens + 4 * tokens ** 2 * den.hidden * layers)
    return calls * max(per_call / flops, streamed / pcie) + once / pcie


def profile_needs(preset: Any) -> dict[str, dict[str, float | None]]:
    """Peak needs per profile at the preset's default clip: ``{"vram_gb": {profile: GB},
    "ram_gb": {profile: GB}}``, from the computed memory plan (:func:`plan`:
    the counted weights of every component, exact, plus estimated activations).

    A preset the plan cannot count (a user's own preset without component data) falls back to its
    hand-typed ``vram_gb`` (``colab-t4`` as ``low-vram``), with RAM ``None`` (not limiting) for
    ``fast`` and the ``fast`` figure for the offloading profiles (``colab-t4`` at most
    :data:`COLAB_T4_RAM_GB`).

    >>> from i2v_nb.synthesis.registry import get_model
    >>> needs = profile_needs(get_model("ltx-video"))
    >>> needs["vram_gb"]["low-vram"] < needs["vram_gb"]["fast"]
    True
    """
    try:
        plans = {p: plan(preset, profile=p) for p in PROFILES}
        return {"vram_gb": {p: round(pl.vram_gb, 1) for p, pl in plans.items()},
                "ram_gb": {p: round(pl.ram_gb, 1) for p, pl in plans.items()}}
    except ParameterError:
        pass
    vram = dict(preset.vram_gb)
    weights = vram.get("fast", 0)
    vram.setdefault("colab-t4", vram.get("low-vram", 0))
    return {"vram_gb": vram,
            "ram_gb": {"fast": None, "balanced": weights, "low-vram": weights,
                       "colab-t4": min(weights, COLAB_T4_RAM_GB)}}


def component_counts(model: str) -> dict[str, Count]:
    """The counted components of a preset, by pipeline component name.

    >>> sorted(component_counts("wan2.2-i2v-a14b"))
    ['text_encoder', 'transformer', 'transformer_2', 'vae']

    Raises:
        KeyError: a preset with no counted components (the preview engine, a user's preset).
    """
    if model in TINY_PRESET_COMPONENTS:
        return {name: TINY_COUNTS[key] for name, key in TINY_PRESET_COMPONENTS[model].items()}
    return {name: COUNTS[key] for name, key in PRESET_COMPONENTS[model].items()}


def plan(model: Any, *, profile: str = "fast", num_frames: int | None = None,
         width: int | None = None, height: int | None = None, quantize: str | None = None,
         device: str = "cuda", num_inference_steps: int | None = None,
         pipeline: Any = None) -> Plan:
    """Plan the peak GPU memory and system RAM of one clip, from the model's counted weights.

    >>> p = plan("ltx-video", profile="fast")
    >>> p.components[0].name, p.vram_gb > p.weight_bytes / 1e9
    ('transformer', True)
    >>> plan("ltx-video", profile="low-vram").vram_gb < p.vram_gb
    True

    Args:
        model: a preset name or :class:`~i2v_nb.synthesis.preset.ModelPreset`.
        profile: a memory profile of :data:`i2v_nb.synthesis.memory.PROFILES` (not ``"auto"``).
        num_frames, width, height: the clip (default: the preset's defaults).
        quantize: ``None``, ``"int8"``, ``"nf4"`` or ``"fp8-storage"`` for the denoiser(s).
        device: ``"cuda"`` (the plan of a GPU run) or ``"cpu"`` (everything in RAM, float32).
        num_inference_steps: for the time class (default: the preset's).
        pipeline: a built pipeline of this model: its modules are counted instead of the data.

    Raises:
        ParameterError: an unknown profile or quantization, a bad size, or a model without
            counted components (the preview engine, a user's preset without ``pipeline=``).
    """
    from i2v_nb.synthesis.registry import get_model

    preset = get_model(model)
    d = preset.defaults
    width = _check_int("width", d.get("width") if width is None else width)
    height = _check_int("height", d.get("height") if height is None else height)
    num_frames = _check_int("num_frames", d.get("num_frames") if num_frames is None
                            else num_frames)
    steps = _check_int("num_inference_steps", d.get("num_inference_steps", 1)
                       if num_inference_steps is None else num_inference_steps)
    if pipeline is not None:
        counts = counts_from_pipeline(pipeline)
    else:
        try:
            counts = component_counts(preset.name)
        except KeyError:
            raise ParameterError(f"{preset.owner} has no counted components to plan from: pass "
                                 "pipeline=<its loaded pipeline>") from None
    return _compute(preset, counts, profile=profile, device=device, width=width, height=height,
                    num_frames=num_frames, quantize=quantize, steps=steps)


def plan_from_pipeline(pipeline: Any, model: Any, **kwargs: Any) -> Plan:
    """:func:`plan` counting a built pipeline's modules (``plan(model, pipeline=...)``).

    >>> from i2v_nb.testing import tiny_pipeline
    >>> plan_from_pipeline(tiny_pipeline("wan"), "tiny-wan", device="cpu").weight_bytes
    ... # doctest: +SKIP
    213428
    """
    return plan(model, pipeline=pipeline, **kwargs)
