"""Optional feature similarity with a DINO/CLIP vision model loaded through transformers.

VBench++ measures i2v subject consistency with DINO features and background consistency with
DreamSim. When such a model is available locally, :func:`feature_similarities` gives the cosine
similarities the report turns into ``i2v_subject_feature``; without one, the report uses SSIM and
colour histograms. Weights load with ``use_safetensors=True`` only, never remote code.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

__all__ = ["load_feature_model", "embed_images", "feature_similarities"]

_MEAN = np.array([0.485, 0.456, 0.406], np.float32)  # ImageNet statistics (DINO's transform)
_STD = np.array([0.229, 0.224, 0.225], np.float32)


def load_feature_model(model: Any):
    """Return ``(model, image_processor or None)`` from a transformers model or a local path.

    Args:
        model: a loaded ``transformers`` vision model (e.g. ``Dinov2Model``,
            ``CLIPVisionModelWithProjection``), or a directory / hub id to load with
            ``AutoModel.from_pretrained(..., use_safetensors=True)``.

    Raises:
        ModelUnavailable: transformers is missing or the weights cannot be loaded; in seconds
            when the machine is offline (``HF_HUB_OFFLINE``) or the hub is unreachable and the
            model is not cached.
    """
    from i2v_nb.errors import ModelUnavailable

    if isinstance(model, tuple) and len(model) == 2:
        return model
    if not isinstance(model, (str, os.PathLike)):
        return model, None
    try:
        import transformers
    except ImportError as e:  # pragma: no cover - transformers is a dependency
        raise ModelUnavailable("feature similarity needs transformers: pip install "
                               "'transformers>=4.56'") from e
    from i2v_nb._hub import hub_load_mode

    files_only = hub_load_mode(
        str(model), what="the feature model", fallback="or leave the feature model out (the "
        "report then uses SSIM and colour histograms)") == "cache"
    try:
        net = transformers.AutoModel.from_pretrained(str(model), use_safetensors=True,
                                                     local_files_only=files_only)
    except Exception as e:
        raise ModelUnavailable(f"could not load a feature model from {str(model)!r} with "
                               f"safetensors weights ({type(e).__name__}: {e}); pass a local "
                               "directory saved with save_pretrained, e.g. "
                               "facebook/dinov2-small downloaded beforehand") from e
    try:
        proc = transformers.AutoImageProcessor.from_pretrained(str(model),
                                                               local_files_only=files_only)
    except Exception:
        proc = None
    return net.eval(), proc


def _input_size(net) -> int:
    cfg = getattr(net, "config", None)
    size = getattr(cfg, "image_size", None) or getattr(getattr(cfg, "vision_config", None),
                                                       "image_size", None)
    return int(size or 224)


def embed_images(images: np.ndarray, model: Any, *, batch_size: int = 8) -> np.ndarray:
    """L2-normalised embeddings of ``(N, H, W, 3)`` uint8 images, shape ``(N, D)`` float32.

    The embedding is ``get_image_features`` (a full CLIP model), ``image_embeds`` (CLIP vision
    with projection) or ``pooler_output`` (DINOv2: the normalised CLS token), else the mean of
    ``last_hidden_state``. Without an image processor,
    images are resized to the model's ``image_size`` and normalised with ImageNet statistics.
    """
    import cv2
    import torch

    net, proc = load_feature_model(model)
    size = _input_size(net)
    param = next(net.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    dtype = param.dtype if param is not None else torch.float32
    out = []
    for s in range(0, len(images), batch_size):
        batch = images[s:s + batch_size]
        if proc is not None:
            pix = proc(images=list(batch), return_tensors="pt")["pixel_values"]
        else:
            arr = np.stack([cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA)
                            for im in batch]).astype(np.float32) / 255.0
            pix = torch.from_numpy(((arr - _MEAN) / _STD).transpose(0, 3, 1, 2).copy())
        pix = pix.to(device=device, dtype=dtype)
        with torch.no_grad():  # a full CLIPModel needs text for forward(): use its image tower
            if hasattr(net, "get_image_features"):
                res = net.get_image_features(pixel_values=pix)
            else:
                res = net(pixel_values=pix)
        if isinstance(res, torch.Tensor):
            emb = res
        else:
            emb = getattr(res, "image_embeds", None)
            if emb is None:
                emb = getattr(res, "pooler_output", None)
            if emb is None:
                emb = res.last_hidden_state.mean(dim=1)
        emb = torch.nn.functional.normalize(emb.float(), dim=-1)
        out.append(emb.cpu().numpy())
    return np.concatenate(out).astype(np.float32)


def feature_similarities(frames: np.ndarray, reference: np.ndarray, model: Any
                         ) -> dict[str, np.ndarray]:
    """Cosine similarities of frame embeddings to the reference and to the previous frame.

    Returns:
        ``{"to_reference": (T,), "to_previous": (T,) with NaN at 0}`` float64 arrays.
    """
    loaded = load_feature_model(model)
    emb = embed_images(np.concatenate([reference[None], frames]), loaded)
    ref, fr = emb[0], emb[1:]
    to_ref = fr @ ref
    to_prev = np.full(len(fr), np.nan)
    to_prev[1:] = np.sum(fr[1:] * fr[:-1], axis=1)
    return {"to_reference": to_ref.astype(np.float64), "to_previous": to_prev}
