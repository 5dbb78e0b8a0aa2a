"""Upscaling a clip: Lanczos with mild sharpening on a CPU, or LTX-Video's latent upsampler.

``method="lanczos"`` resizes every frame with a Lanczos-4 filter (OpenCV ``INTER_LANCZOS4``,
an 8×8 windowed sinc) and then sharpens it mildly with an unsharp mask
(``out = up + amount·(up − blur_σ(up))``, σ = 0.5·scale px, ``amount`` 0.35 by default), which
restores some of the edge contrast resampling spreads without the halos of stronger settings.
It adds no detail. ``method="ltx"`` runs LTX-Video's latent upsampler instead (the ``upsample``
capability of the LTX 0.9.8 presets, :mod:`i2v_nb.synthesis.diffusers_backend.upsample`): the
frames encoded by the LTX VAE, the latents doubled by a learned network, decoded again — it can
add detail, needs a GPU for real sizes, 8k+1 frames and sides that are multiples of 32.
``method="auto"`` picks it for a clip made by such a model when a CUDA GPU is visible, and
Lanczos otherwise.

>>> import numpy as np, i2v_nb
>>> clip = i2v_nb.Clip(np.zeros((2, 16, 24, 3), np.uint8), fps=8)
>>> i2v_nb.upscale(clip, scale=2).frames.shape
(2, 32, 48, 3)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from i2v_nb.errors import ParameterError

__all__ = ["upscale", "upscale_frame", "METHODS", "MAX_SCALE", "MAX_OUTPUT_PIXELS"]

#: The methods ``upscale`` knows.
METHODS = ("auto", "lanczos", "ltx")
#: Largest scale factor.
MAX_SCALE = 4.0
#: Largest output frame (pixels): 4K UHD.
MAX_OUTPUT_PIXELS = 3840 * 2160


def upscale_frame(frame: np.ndarray, size: tuple[int, int], *, sharpen: float = 0.35
                  ) -> np.ndarray:
    """One ``(H, W, 3)`` uint8 frame resized to ``size = (width, height)`` with Lanczos-4 and an
    unsharp mask of strength ``sharpen`` (0 = none).

    >>> upscale_frame(np.full((4, 4, 3), 7, np.uint8), (8, 8))[0, 0].tolist()
    [7, 7, 7]
    """
    import cv2

    up = cv2.resize(frame, size, interpolation=cv2.INTER_LANCZOS4)
    if sharpen <= 0:
        return up
    scale = size[0] / frame.shape[1]
    blur = cv2.GaussianBlur(up, (0, 0), max(0.5, 0.5 * scale))
    return cv2.addWeighted(up, 1.0 + sharpen, blur, -sharpen, 0.0)  # saturates to 0…255


def upscale(clip: Any, scale: float = 2, *, method: str = "auto", sharpen: float = 0.35,
            progress: Any = None, stop: Any = None, model: str | None = None):
    """A clip ``scale`` times larger (see the module docstring).

    >>> big = i2v_nb.upscale(clip, scale=2)                  # doctest: +SKIP

    Args:
        clip: a :class:`~i2v_nb.Clip`.
        scale: 1 < scale ≤ 4; sizes are rounded to even numbers (what H.264 needs).
        method: ``"auto"``, ``"lanczos"`` or ``"ltx"`` (scale 2 only).
        sharpen: unsharp-mask strength, 0 … 1.
        progress: ``None`` a progress bar, ``False`` none, or ``progress(done_frames,
            total_frames, None)`` (the rule of every long call: :mod:`i2v_nb._progress`).
        stop: a ``threading.Event``; when set, stops with
            :class:`~i2v_nb.errors.GenerationStopped` (checked between frames).
        model: the preset whose latent upsampler ``"ltx"`` uses (default the clip's own model).

    Returns:
        A new :class:`~i2v_nb.Clip` (same fps, source and metadata, plus ``"upscaled"`` and
        ``"parent"``).

    Raises:
        ParameterError: an unknown method, a scale outside (1, 4], an output over 4K, or a
            sharpening outside [0, 1].
        GenerationStopped: ``stop`` was set.
    """
    if method not in METHODS:
        raise ParameterError(f"method={method!r} is not one of {', '.join(METHODS)}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) \
            or not math.isfinite(scale) or not 1.0 < float(scale) <= MAX_SCALE:
        raise ParameterError(f"scale={scale!r} must be above 1 and at most {MAX_SCALE:g}")
    if isinstance(sharpen, bool) or not isinstance(sharpen, (int, float)) \
            or not 0.0 <= float(sharpen) <= 1.0:
        raise ParameterError(f"sharpen={sharpen!r} must be from 0 (none) to 1")
    from i2v_nb.editing.lineage import child_clip, clip_input

    frames, _fps, meta = clip_input(clip, "upscale")
    method = _pick_method(method, model or meta.get("model"))
    if method == "ltx":
        return _ltx(clip, frames, scale, model or meta.get("model"), meta, progress, stop)
    h, w = frames.shape[1:3]
    width, height = (2 * max(1, round(w * scale / 2)), 2 * max(1, round(h * scale / 2)))
    if width * height > MAX_OUTPUT_PIXELS:
        raise ParameterError(f"{w}×{h} × {scale:g} = {width}×{height} is larger than 4K "
                             f"({MAX_OUTPUT_PIXELS:,} pixels); use a smaller scale")
    from i2v_nb.editing.budget import check_output

    check_output(len(frames), height, width, "upscale")
    from i2v_nb._progress import progress_reporter

    out = np.empty((len(frames), height, width, 3), np.uint8)
    report, close = progress_reporter(progress, desc="upscale", unit="frame")
    try:
        for i, f in enumerate(frames):
            if stop is not None and stop.is_set():
                from i2v_nb.errors import GenerationStopped

                raise GenerationStopped(f"upscale: stopped after {i} of {len(frames)} frames")
            out[i] = upscale_frame(f, (width, height), sharpen=float(sharpen))
            report(i + 1, len(frames))
    finally:
        close()
    return child_clip(clip, out, meta, "upscaled",
                      {"scale": float(scale), "method": "lanczos", "sharpen": float(sharpen),
                       "from_size": [w, h], "to_size": [width, height]})


def _pick_method(method: str, model: str | None) -> str:
    """``"auto"`` resolved: LTX's upsampler for a clip of a model with the ``upsample``
    capability when a CUDA GPU is visible, else Lanczos."""
    if method != "auto":
        return method
    if not model:
        return "lanczos"
    from i2v_nb.synthesis import get_model
    from i2v_nb.synthesis.generate import cuda_available

    try:
        preset = get_model(model)
    except ParameterError:
        return "lanczos"
    return "ltx" if "upsample" in preset.capabilities and cuda_available() else "lanczos"


def _ltx(clip: Any, frames: np.ndarray, scale: float, model: str | None, meta: dict,
         progress: Any, stop: Any):
    from i2v_nb.editing.budget import check_output
    from i2v_nb.editing.lineage import child_clip
    from i2v_nb.synthesis import get_model
    from i2v_nb.synthesis.diffusers_backend.upsample import check_upsample_input, latent_upsample

    if float(scale) != 2.0:
        raise ParameterError(f"method='ltx' doubles the size (scale=2), not scale={scale!r}; use "
                             "method='lanczos' for other scales")
    if not model:
        raise ParameterError("method='ltx' needs the LTX model the clip was made with: pass "
                             "model='ltx-video-0.9.8-2b-distilled' (or the one you used)")
    preset = get_model(model)
    check_upsample_input(preset, frames)
    h, w = frames.shape[1:3]
    check_output(len(frames), 2 * h, 2 * w, "upscale")
    if stop is not None and stop.is_set():
        from i2v_nb.errors import GenerationStopped

        raise GenerationStopped("upscale: stopped before the latent upsampler ran")
    out = latent_upsample(frames, preset, seed=int(meta.get("seed") or 0))
    if callable(progress):
        progress(len(frames), len(frames), None)
    return child_clip(clip, out, meta, "upscaled",
                      {"scale": 2.0, "method": f"ltx latent upsampler ({preset.upsampler[1]})",
                       "model": preset.name, "from_size": [w, h],
                       "to_size": [int(out.shape[2]), int(out.shape[1])]})
