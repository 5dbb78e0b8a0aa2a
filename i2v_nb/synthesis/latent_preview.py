"""Colour step previews: a diffusers step's latents → a small RGB picture, for every family.

Each latent space has a published linear latent→RGB projection
(:mod:`i2v_nb.synthesis.latent_rgb_factors`); a preview picks one latent frame (the middle one,
or a strip of several), projects each latent pixel to a colour and upscales the result to a
small size. A latent space without factors gets the old grey preview (its first three channels
min-max scaled) and says so in the preview's ``caption``.

Where the step callback's latents live (diffusers 0.42.1, ``callback_on_step_end``):

==========================  ==========================================================
family                      ``callback_kwargs["latents"]``
==========================  ==========================================================
svd, cogvideox              ``(B, F, C, h, w)``
wan, hunyuan, framepack     ``(B, C, F, h, w)`` (also SkyReels-V2, HunyuanVideo 1.5)
ltx                         packed tokens ``(B, N, C*pt*p*p)``: ``_pack_latents`` of the
                            ``(B, C, F, h, w)`` latents with the transformer's patch sizes
                            (``p``, ``pt``; 1 and 1 for LTX-Video 0.9); ``LTXConditionPipeline``
                            puts its extra conditioning tokens *before* the video tokens
==========================  ==========================================================

The latent grid of LTX (``F = (num_frames - 1) // 8 + 1``, ``h = height // 32``,
``w = width // 32``, as ``LTXImageToVideoPipeline.__call__`` computes it) comes from the call's
``num_frames``/``height``/``width`` and the pipeline's compression ratios (:func:`preview_spec`).

The callback holds the *noisy* latents ``x_t``, not a clean estimate: early previews are mostly
noise and sharpen as the steps go. SVD's Euler scheduler is variance-exploding
(``x_t = x_0 + σ·ε`` with σ up to 700): :func:`noise_sigma` reads σ and the preview divides by
``sqrt(1 + σ²)`` first, so its colours stay in range.

>>> import numpy as np
>>> p = step_preview(np.zeros((1, 16, 3, 4, 6), np.float32), preview_spec("wan"), size=96)
>>> p.shape, p.dtype, p.colour
((64, 96, 3), dtype('uint8'), True)
>>> p[0, 0].tolist()   # a zero latent shows the bias: (bias + 1) / 2 of Wan 2.1
[104, 116, 85]
>>> p.caption
'Wan 2.1 latent→RGB preview (ComfyUI comfy/latent_formats.py Wan21): latent frame 1 of 3'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from i2v_nb._media import to_uint8
from i2v_nb.errors import ParameterError
from i2v_nb.synthesis.latent_rgb_factors import FAMILY_SPACES, LATENT_SPACES, LatentRGB

__all__ = [
    "FAMILY_LAYOUTS",
    "PreviewSpec",
    "StepPreview",
    "preview_spec",
    "latent_space",
    "latent_frames",
    "latents_to_rgb",
    "rgb_to_latents",
    "noise_sigma",
    "step_preview",
]

#: The step-callback layout of each family's latents (see the module docstring). A family not
#: listed is taken as ``BCFHW``, the layout of the newer diffusers video pipelines.
FAMILY_LAYOUTS: dict[str, str] = {
    "svd": "BFCHW", "cogvideox": "BFCHW", "cogvideox15": "BFCHW",
    "ltx": "tokens", "ltx-condition": "tokens",
    "wan": "BCFHW", "wan-ti2v": "BCFHW", "wan-a14b": "BCFHW", "wan-flf2v": "BCFHW",
    "skyreels": "BCFHW", "skyreels-flf2v": "BCFHW", "skyreels-df": "BCFHW",
    "hunyuan": "BCFHW", "hunyuan15": "BCFHW", "framepack": "BCFHW",
}
_LAYOUTS = ("BFCHW", "BCFHW", "tokens")


@dataclass(frozen=True)
class PreviewSpec:
    """How to read one family's step latents.

    Attributes:
        family: the preset family (``"wan"``...): chooses the latent space by channel count.
        layout: ``"BFCHW"``, ``"BCFHW"`` or ``"tokens"`` (packed, LTX).
        grid: ``(frames, height, width)`` of the latent video; needed for ``"tokens"``.
        patch: ``(temporal, spatial)`` patch sizes of the packed tokens.
    """

    family: str
    layout: str
    grid: tuple[int, int, int] | None = None
    patch: tuple[int, int] = (1, 1)


class StepPreview(np.ndarray):
    """An ``(H, W, 3)`` uint8 preview that also says what it shows.

    A plain NumPy array in every use, with three attributes: ``caption`` (one line in words),
    ``colour`` (True: projected with a latent space's factors; False: the grey fallback) and
    ``frames`` (the latent frame indices shown, left to right).
    """

    caption: str
    colour: bool
    frames: tuple[int, ...]

    def __new__(cls, image: np.ndarray, *, caption: str, colour: bool,
                frames: tuple[int, ...]) -> StepPreview:
        obj = np.asarray(image).view(cls)
        obj.caption, obj.colour, obj.frames = caption, colour, tuple(frames)
        return obj

    def __array_finalize__(self, obj: Any) -> None:
        self.caption = getattr(obj, "caption", "")
        self.colour = getattr(obj, "colour", False)
        self.frames = getattr(obj, "frames", ())


def preview_spec(family: str, *, grid: tuple[int, int, int] | None = None,
                 patch: tuple[int, int] | None = None, pipe: Any = None,
                 call: Mapping[str, Any] | None = None) -> PreviewSpec:
    """The :class:`PreviewSpec` of ``family``; for packed tokens, the grid from ``pipe``/``call``.

    Args:
        family: the preset family.
        grid, patch: the packed latents' ``(frames, height, width)`` and ``(pt, p)``, given
            directly; otherwise read from ``pipe`` (``vae_temporal_compression_ratio``,
            ``vae_spatial_compression_ratio``, ``transformer_temporal_patch_size``,
            ``transformer_spatial_patch_size``) and ``call`` (``num_frames``, ``height``,
            ``width``: the pipeline call's arguments).

    >>> preview_spec("ltx", grid=(2, 1, 1)).layout
    'tokens'
    """
    layout = FAMILY_LAYOUTS.get(family, "BCFHW")
    if layout != "tokens":
        return PreviewSpec(family, layout)
    if patch is None:
        patch = (int(getattr(pipe, "transformer_temporal_patch_size", 1) or 1),
                 int(getattr(pipe, "transformer_spatial_patch_size", 1) or 1))
    if grid is None and pipe is not None and call is not None:
        tc = int(pipe.vae_temporal_compression_ratio)
        sc = int(pipe.vae_spatial_compression_ratio)
        grid = ((int(call["num_frames"]) - 1) // tc + 1, int(call["height"]) // sc,
                int(call["width"]) // sc)
    if grid is None:
        raise ParameterError(f"{family!r} latents are packed tokens: give grid=(frames, height, "
                             "width) of the latent video, or pipe= and call= to read it")
    return PreviewSpec(family, layout, tuple(int(g) for g in grid), (int(patch[0]), int(patch[1])))


def latent_space(family: str, channels: int) -> LatentRGB | None:
    """The latent space of ``family`` with ``channels`` channels, or None (no factors).

    >>> latent_space("wan", 48).label, latent_space("wan", 16).label, latent_space("svd", 8)
    ('Wan 2.2', 'Wan 2.1', None)
    """
    for name in FAMILY_SPACES.get(family, ()):
        if LATENT_SPACES[name].channels == channels:
            return LATENT_SPACES[name]
    return None


def _numpy(x: Any) -> np.ndarray:
    """A float32 NumPy copy of a torch tensor (any device, any dtype) or an array."""
    if hasattr(x, "detach"):
        return x.detach().float().cpu().numpy()
    return np.asarray(x, dtype=np.float32)


def _frame_count(latents: Any, spec: PreviewSpec) -> int:
    shape = tuple(latents.shape)
    if spec.layout == "tokens":
        if len(shape) != 3:
            raise ParameterError(f"packed latents must be (B, N, D); got shape {shape}")
        return spec.grid[0]
    if len(shape) != 5:
        raise ParameterError(f"{spec.family!r} latents must be 5-D ({spec.layout}); got {shape}")
    return shape[1] if spec.layout == "BFCHW" else shape[2]


def latent_frames(latents: Any, spec: PreviewSpec, indices: list[int]) -> np.ndarray:
    """Latent frames ``indices`` of the first batch item as a float32 ``(n, C, h, w)`` array.

    The frames are picked where the latents are (GPU included) before the copy to the CPU, so
    only ``n`` frames travel. Packed tokens are unpacked as ``_unpack_latents`` does.

    >>> lat = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(1, 2, 3, 4, 5)   # BFCHW
    >>> latent_frames(lat, PreviewSpec("svd", "BFCHW"), [1]).shape
    (1, 3, 4, 5)
    """
    if spec.layout not in _LAYOUTS:
        raise ParameterError(f"layout={spec.layout!r}: must be one of {_LAYOUTS}")
    if spec.layout == "BFCHW":
        return _numpy(latents[0, list(indices)])
    if spec.layout == "BCFHW":
        return _numpy(latents[0][:, list(indices)]).transpose(1, 0, 2, 3)
    f, h, w = spec.grid
    pt, p = spec.patch
    if f % pt or h % p or w % p:
        raise ParameterError(f"latent grid {spec.grid} is not divisible by the patch {spec.patch}")
    fp, hp, wp = f // pt, h // p, w // p
    n_tokens, dim = int(latents.shape[1]), int(latents.shape[2])
    if n_tokens < fp * hp * wp or dim % (pt * p * p):
        raise ParameterError(f"packed latents {tuple(latents.shape)} do not fit the grid "
                             f"{spec.grid} with patch {spec.patch}")
    start = n_tokens - fp * hp * wp  # extra conditioning tokens (LTXCondition) come first
    out = []
    for i in indices:
        t = start + (i // pt) * hp * wp
        tok = _numpy(latents[0, t:t + hp * wp]).reshape(hp, wp, -1, pt, p, p)
        x = tok[:, :, :, i % pt]  # (hp, wp, C, p, p)
        out.append(x.transpose(2, 0, 3, 1, 4).reshape(-1, h, w))
    return np.stack(out)


def latents_to_rgb(x: np.ndarray, space: LatentRGB) -> np.ndarray:
    """Project latents ``(..., C, h, w)`` to colours ``(..., h, w, 3)`` in ``[0, 1]``.

    ``rgb = clip((latent @ factors + bias + 1) / 2, 0, 1)`` per pixel.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.shape[-3] != space.channels:
        raise ParameterError(f"{space.label} latents have {space.channels} channels; "
                             f"got shape {x.shape}")
    f = np.asarray(space.factors, dtype=np.float32)
    rgb = np.moveaxis(x, -3, -1) @ f + np.asarray(space.bias, dtype=np.float32)  # BLAS matmul
    return np.clip((rgb + 1.0) / 2.0, 0.0, 1.0)


def rgb_to_latents(rgb: Any, space: LatentRGB) -> np.ndarray:
    """The inverse projection: colours ``(..., h, w, 3)`` → latents ``(..., C, h, w)``.

    The least-squares (minimum-norm) solution with the factors' pseudo-inverse, so
    :func:`latents_to_rgb` gives the colours back (within clipping). ``rgb`` is uint8 or floats
    in ``[0, 1]``.

    >>> from i2v_nb.synthesis.latent_rgb_factors import LATENT_SPACES
    >>> red = np.zeros((2, 2, 3), np.uint8); red[..., 0] = 200
    >>> z = rgb_to_latents(red, LATENT_SPACES["ltxv"]); z.shape
    (128, 2, 2)
    >>> np.round(latents_to_rgb(z, LATENT_SPACES["ltxv"])[0, 0] * 255).tolist()
    [200.0, 0.0, 0.0]
    """
    a = np.asarray(rgb)
    a = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)
    if a.shape[-1] != 3:
        raise ParameterError(f"rgb must end in 3 channels (..., h, w, 3); got shape {a.shape}")
    target = 2.0 * a - 1.0 - np.asarray(space.bias, dtype=np.float32)
    pinv = np.linalg.pinv(np.asarray(space.factors, dtype=np.float64)).astype(np.float32)
    z = target @ pinv  # (..., h, w, C)
    return np.moveaxis(z, -1, -3)


def noise_sigma(scheduler: Any) -> float | None:
    """σ of the latents just made, for a variance-exploding scheduler (SVD's Euler); else None.

    Read after ``scheduler.step`` (in the step callback): ``sigmas[step_index]``. Schedulers
    whose ``init_noise_sigma`` is 1 (flow matching, DDIM/DPM) give None.
    """
    try:
        if float(getattr(scheduler, "init_noise_sigma", 1.0)) <= 1.0:
            return None
        sigmas, i = scheduler.sigmas, scheduler.step_index
        return None if i is None else float(sigmas[min(int(i), len(sigmas) - 1)])
    except (AttributeError, TypeError, ValueError, IndexError):
        return None


def _grey(x: np.ndarray) -> np.ndarray:
    """The fallback: first three channels of ``(n, C, h, w)``, min-max scaled together."""
    x = x[:, :3] if x.shape[1] >= 3 else np.repeat(x[:, :1], 3, axis=1)
    lo, hi = float(x.min()), float(x.max())
    return np.transpose((x - lo) / (hi - lo + 1e-8), (0, 2, 3, 1))


def _upscale(rgb: np.ndarray, size: int) -> np.ndarray:
    """``(h, w, 3)`` floats → uint8 with the longest side ``size`` (bilinear)."""
    from PIL import Image

    img = Image.fromarray(to_uint8(rgb))
    h, w = rgb.shape[:2]
    scale = size / max(h, w)
    return np.asarray(img.resize((max(1, round(w * scale)), max(1, round(h * scale))),
                                 Image.BILINEAR))


def step_preview(latents: Any, spec: PreviewSpec, *, sigma: float | None = None, strip: int = 1,
                 size: int = 256) -> StepPreview:
    """A step's latents → a :class:`StepPreview` ``(H, W, 3)`` uint8, longest frame side ``size``.

    Args:
        latents: the callback's latents (torch tensor on any device, or an array), in the
            family's layout (``spec``).
        spec: from :func:`preview_spec`.
        sigma: the latents' noise σ of a variance-exploding scheduler (:func:`noise_sigma`):
            they are divided by ``sqrt(1 + σ²)`` first.
        strip: 1 shows the middle latent frame; ``n > 1`` shows ``n`` frames evenly spread from
            the first to the last, side by side with 2-pixel gaps.
        size: the longest side of each frame in the preview, in pixels.

    Raises:
        ParameterError: latents of the wrong shape for ``spec``, ``strip`` < 1, ``size`` < 8.
    """
    if int(strip) < 1 or int(size) < 8:
        raise ParameterError(f"strip={strip!r}, size={size!r}: strip must be ≥ 1 and size ≥ 8")
    n = _frame_count(latents, spec)
    idx = [n // 2] if strip == 1 else sorted({round(i) for i in np.linspace(0, n - 1, int(strip))})
    x = latent_frames(latents, spec, idx)
    if sigma:
        x = x / np.float32(np.sqrt(1.0 + sigma * sigma))
    space = latent_space(spec.family, x.shape[1])
    where = (f"latent frame {idx[0]} of {n}" if len(idx) == 1
             else f"latent frames {', '.join(map(str, idx))} of {n}")
    if space is not None:
        rgb = latents_to_rgb(x, space)
        caption = f"{space.label} latent→RGB preview ({space.source}): {where}"
    else:
        rgb = _grey(x)
        caption = (f"grey preview (first 3 latent channels, min-max scaled): no latent→RGB "
                   f"factors for {x.shape[1]}-channel {spec.family!r} latents; {where}")
    tiles = [_upscale(t, int(size)) for t in rgb]
    if len(tiles) > 1:
        gap = np.zeros((tiles[0].shape[0], 2, 3), np.uint8)
        tiles = [part for t in tiles for part in (t, gap)][:-1]
    return StepPreview(np.concatenate(tiles, axis=1), caption=caption, colour=space is not None,
                       frames=tuple(idx))
