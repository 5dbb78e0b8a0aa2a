"""Depth maps: a real monocular depth model through transformers, or classical cues without weights.

Every depth map here is ``(H, W)`` float32 in [0, 1] with **0 = nearest, 1 = farthest**. It is a
*relative* depth (an ordering), not metres.

* :func:`classical_depth` — fast cues that need no weights (see :func:`depth_cues`):
  position in frame, defocus, haze/contrast, a texture-gradient check of the ground plane, sky,
  and, when a region map is given, occlusion boundaries from the regions.
* :func:`model_depth` — ``transformers`` ``AutoModelForDepthEstimation`` (Depth Anything V2 Small by
  default; any depth-estimation model id or local folder). Relative models of the Depth Anything /
  DPT family output *relative inverse depth* (disparity: large = near), so the output is min-max
  normalised and flipped; models whose config says ``depth_estimation_type="metric"`` (and ZoeDepth)
  output distances (large = far) and are only normalised.
* :func:`estimate_depth` — picks one of them for ``depth="auto" | "model" | "classical"``.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from typing import Any

import numpy as np

from i2v_nb.analysis._common import as_rgb, normalize01, region_means, upsample, work_copy
from i2v_nb._hub import hub_load_mode, hub_offline
from i2v_nb.errors import I2VWarning, ModelUnavailable

__all__ = ["DEFAULT_DEPTH_MODEL", "DepthFallbackWarning", "classical_depth", "depth_cues",
           "model_depth", "load_depth_model", "estimate_depth", "guided_filter"]

#: The default depth model (about 25 M parameters, Apache-2.0).
DEFAULT_DEPTH_MODEL = "depth-anything/Depth-Anything-V2-Small-hf"

_WORK_SIDE = 256


class DepthFallbackWarning(I2VWarning):
    """``depth="auto"`` could not load the depth model and used classical cues instead."""


# ------------------------------------------------------------------------------------------------
# classical cues


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """Edge-aware smoothing of ``src`` following the edges of ``guide`` (He et al., ECCV 2010).

    Both are 2-D float32 maps of the same shape; ``radius`` is the box radius in pixels and ``eps``
    the regularisation (larger = smoother, in units of guide variance).
    """
    import cv2

    k = (2 * radius + 1, 2 * radius + 1)
    mean_i = cv2.blur(guide, k)
    mean_p = cv2.blur(src, k)
    cov_ip = cv2.blur(guide * src, k) - mean_i * mean_p
    var_i = cv2.blur(guide * guide, k) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return cv2.blur(a, k) * guide + cv2.blur(b, k)


def depth_cues(image: Any, *, max_side: int = _WORK_SIDE) -> dict[str, Any]:
    """The separate classical depth cues of ``image`` on a copy with long side ≤ ``max_side``.

    Returns a dict of ``(h, w)`` float32 maps in [0, 1] where **larger = farther**, plus weights:

    * ``"position"`` — height in the frame: the top of a photo is usually farther than the bottom
      (the ground plane recedes towards the horizon);
    * ``"defocus"`` — blur: the ratio of Laplacian to gradient energy falls as an edge gets
      blurrier;
      measured where there is texture and spread by normalised convolution, so a sharp subject
      in front of a soft background comes out nearer. ``"defocus_weight"`` is its confidence
      (0 where there was no texture to measure);
    * ``"haze"`` — aerial perspective: bright, low-contrast parts (high dark channel, He et al.
      2009, times low local contrast) are farther;
    * ``"sky"`` — a bool mask of sky (always farthest), from :mod:`i2v_nb.analysis.motion`;
    * ``"texture_slant"`` — a number in [0, 1]: how much denser the texture gets towards the top of
      the lower two thirds (texture gradient of a receding ground plane); it raises the weight of
      the position cue;
    * ``"gray"`` — the grey image used as the guide of the final edge-aware smoothing.
    """
    import cv2

    from i2v_nb.analysis.motion import colour_features, sky_mask

    rgb = as_rgb(image)
    small, _ = work_copy(rgb, max_side)
    h, w = small.shape[:2]
    f = colour_features(small)
    gray = f.gray

    position = np.repeat((1.0 - f.yy).astype(np.float32), w, axis=1)

    g = cv2.GaussianBlur(gray, (0, 0), 0.6)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    grad = np.sqrt(gx * gx + gy * gy)
    lap = np.abs(cv2.Laplacian(g, cv2.CV_32F, ksize=3))
    gm = cv2.GaussianBlur(grad, (0, 0), 2.0)
    lm = cv2.GaussianBlur(lap, (0, 0), 2.0)
    focus = lm / (gm + 1e-3)
    weight = np.clip(gm / 0.08, 0.0, 1.0) * (gm > 0.01)
    sigma = max(h, w) / 14.0
    num = cv2.GaussianBlur(weight * focus, (0, 0), sigma)
    den = cv2.GaussianBlur(weight, (0, 0), sigma)
    dense_focus = num / (den + 1e-6)
    if float(weight.sum()) > 1e-3 * h * w:
        defocus = 1.0 - normalize01(dense_focus, lo_pct=2, hi_pct=98)
    else:
        defocus = np.full((h, w), 0.5, np.float32)
    defocus_weight = np.clip(den / (float(den.max()) + 1e-6) * 1.5, 0.0, 1.0).astype(np.float32)

    dark = cv2.erode(small.min(axis=2), np.ones((7, 7), np.uint8)).astype(np.float32) / 255.0
    contrast = np.clip(cv2.GaussianBlur(f.texture, (0, 0), 3.0) / 0.12, 0.0, 1.0)
    haze = cv2.GaussianBlur(dark * (1.0 - contrast), (0, 0), 3.0)

    sky = sky_mask(f)

    # texture gradient: edge density per row band in the lower two thirds, rising towards the top?
    edges = cv2.Canny((g * 255).astype(np.uint8), 40, 100) > 0
    rows = edges.mean(axis=1)
    lo = h // 3
    band = rows[lo:]
    slant = 0.0
    if band.size > 8 and band.std() > 1e-4:
        up = -np.arange(band.size, dtype=np.float64)  # larger = higher in the image
        slant = float(np.clip(np.corrcoef(up, band)[0, 1], 0.0, 1.0))

    return {"position": position, "defocus": defocus.astype(np.float32),
            "defocus_weight": defocus_weight, "haze": haze.astype(np.float32), "sky": sky,
            "texture_slant": slant, "gray": gray}


def classical_depth(image: Any, *, regions: np.ndarray | None = None,
                    max_side: int = _WORK_SIDE, sky: np.ndarray | None = None) -> np.ndarray:
    """A relative depth map from classical cues, no model weights: 0 = nearest, 1 = farthest.

    The cues of :func:`depth_cues` are blended per pixel (position 0.35–0.6 depending on the
    texture gradient, defocus 0.35 × its confidence, haze 0.15), sky is set farthest, the result is
    stretched to [0, 1] and smoothed edge-aware along the image's own edges (guided filter). With
    ``regions`` (an ``(H, W)`` label map such as :func:`i2v_nb.analysis.region_map`), each region is
    pulled towards its mean depth, so region boundaries become occlusion edges.

    Args:
        image: ``(H, W, 3)`` uint8 array or PIL image.
        regions: optional ``(H, W)`` integer labels of the same image.
        max_side: working size (long side); the map is upsampled to ``(H, W)``.
        sky: optional full-size sky mask already refined, i.e.
            ``motion_region_masks(image)["sky"]``: callers that have it save recomputing it.

    Returns:
        ``(H, W)`` float32 in [0, 1]. About 10–20 ms for 512×512.

    >>> import numpy as np
    >>> d = classical_depth(np.full((48, 64, 3), 128, np.uint8))
    >>> d.shape, d.dtype, bool(d[0].mean() > d[-1].mean())   # top of a plain image = far
    ((48, 64), dtype('float32'), True)
    """
    rgb = as_rgb(image)
    H, W = rgb.shape[:2]
    c = depth_cues(rgb, max_side=max_side)
    h, w = c["gray"].shape
    w_pos = 0.35 + 0.25 * c["texture_slant"]
    w_def = 0.35 * c["defocus_weight"]
    w_haze = 0.15
    depth = (w_pos * c["position"] + w_def * c["defocus"] + w_haze * c["haze"]) \
        / (w_pos + w_def + w_haze)
    sky_small = c["sky"]
    if regions is not None:
        labels = np.asarray(regions)
        if labels.shape != (H, W):
            from i2v_nb.errors import ImageInputError

            raise ImageInputError(f"regions has shape {labels.shape}, the image is {(H, W)}; "
                                  "pass the label map of the same image")
        import cv2

        small_labels = cv2.resize(labels.astype(np.int32), (w, h), interpolation=cv2.INTER_NEAREST)
        depth = 0.5 * depth + 0.5 * region_means(depth, small_labels)
    if sky_small.any() and not sky_small.all():
        rest = _stretch(depth, ~sky_small)
        depth = np.where(sky_small, 1.0, 0.9 * rest)
    else:
        depth = _stretch(depth, np.ones_like(sky_small))
    depth = guided_filter(c["gray"], depth.astype(np.float32), max(2, max(h, w) // 64), 1e-3)
    depth = np.clip(depth, 0.0, 1.0).astype(np.float32)
    out = upsample(depth, (H, W))
    if sky_small.any() and not sky_small.all():
        if sky is None:
            out = ground_structures(out, rgb, upsample(sky_small, (H, W)))
        else:
            out = ground_structures(out, rgb, np.asarray(sky, bool), refined=True)
    return np.clip(out, 0.0, 1.0).astype(np.float32, copy=False)


def ground_structures(depth: np.ndarray, rgb: np.ndarray, sky: np.ndarray, *,
                      reach: float = 0.06, refined: bool = False) -> np.ndarray:
    """Give narrow structures standing against the sky (masts, towers, poles, a rocket, tree
    tops, a head) the depth of what they stand on.

    The classical cues put things high in the frame far away, and the depth is estimated on a
    small copy, so a tower gets the sky's depth along its height while its base is near; moving
    the camera would then tear its top from its base. Here, at full size, the sky mask is refined
    (:func:`i2v_nb.analysis.motion.refine_sky`), every non-sky pixel with sky on both sides within
    ``reach`` × width on its row is "protruding", and each connected protruding structure gets the
    depth of what lies just under its lowest row (the lower quartile of the non-protruding,
    non-sky pixels in a band of h/25 rows: it stands on the nearest thing there; a structure with
    nothing under it keeps its depth).

    >>> d = np.ones((40, 40), np.float32); d[30:] = 0.2            # ground near, sky far
    >>> img = np.zeros((40, 40, 3), np.uint8); img[:30] = (110, 160, 230); img[5:30, 20] = 20
    >>> sky = np.zeros((40, 40), bool); sky[:30] = True
    >>> round(float(ground_structures(d, img, sky)[10, 20]), 3)     # the mast stands on the ground
    0.2
    """
    import cv2

    from i2v_nb.analysis.motion import refine_sky

    sky = np.asarray(sky) > 0.5 if sky.dtype != bool else sky
    if not refined:  # ``refined=True``: the mask already went through refine_sky
        sky = refine_sky(sky, rgb)
    structure = ~sky
    # a lattice (a pylon, bare branches) shows sky through its gaps: close those gaps so the
    # whole structure is found as one piece (only its own pixels get its depth; the sky seen
    # through the gaps keeps the sky's)
    solid = cv2.morphologyEx(structure.astype(np.uint8), cv2.MORPH_CLOSE,
                             cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
    sky = sky & (solid == 0)
    h, w = sky.shape
    r = max(8, int(round(reach * w)))
    counts = np.zeros((h, w + 1), np.int32)
    np.cumsum(sky, axis=1, out=counts[:, 1:])
    cols = np.arange(w)
    left = counts[:, cols] - counts[:, np.clip(cols - r, 0, w)]          # sky in [x-r, x)
    right = counts[:, np.clip(cols + 1 + r, 0, w)] - counts[:, cols + 1]  # sky in (x, x+r]
    protruding = ~sky & (left > 0) & (right > 0)
    if not protruding.any():
        return depth
    out = depth.copy()
    ground = ~sky & ~protruding
    depth_band = max(3, h // 25)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(protruding.astype(np.uint8),
                                                           connectivity=8)
    for k in range(1, n):
        x, y, bw, bh = (int(v) for v in stats[k, :4])
        band = slice(y + bh, min(h, y + bh + depth_band))
        under = ground[band, x:x + bw]
        if under.any():
            piece = (labels[y:y + bh, x:x + bw] == k) & structure[y:y + bh, x:x + bw]
            out[y:y + bh, x:x + bw][piece] = float(np.percentile(depth[band, x:x + bw][under], 25))
    return out


def _stretch(x: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Stretch ``x`` to [0, 1] between its 1st and 99th percentile over ``where``."""
    vals = x[where]
    if vals.size == 0:
        return np.zeros_like(x, np.float32)
    lo, hi = np.percentile(vals, [1, 99])
    if hi - lo < 1e-6:
        return np.full_like(x, 0.5, np.float32)
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


# ------------------------------------------------------------------------------------------------
# model depth

_MODELS: dict[str, tuple[Any, Any, str]] = {}
_FAILED: dict[str, str] = {}
_LOCK = threading.Lock()


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_depth_model(model_id: str = DEFAULT_DEPTH_MODEL, *, local_files_only: bool = False,
                     device: str | None = None) -> tuple[Any, Any, str]:
    """Load (once per id and device) a transformers depth-estimation model and its processor.

    ``AutoImageProcessor`` + ``AutoModelForDepthEstimation.from_pretrained(model_id,
    use_safetensors=True)``; no remote code is run. ``model_id`` is a hub id or a local folder
    written by ``save_pretrained``. The model runs on CUDA when available, else CPU.

    Returns:
        ``(processor, model, device)``.

    Raises:
        ModelUnavailable: transformers/torch missing, the weights could not be loaded, or (in
            seconds, see :func:`i2v_nb._hub.hub_load_mode`) the machine is offline or the hub
            unreachable and the model is not cached.
    """
    if not local_files_only and not any(k.startswith(f"{model_id}@") for k in _MODELS):
        mode = hub_load_mode(model_id, what="the depth model",
                             fallback="or use depth='classical' (no weights)")
        local_files_only = mode == "cache"
    try:
        import torch  # noqa: F401
        from transformers import AutoImageProcessor, AutoModelForDepthEstimation
    except ImportError as e:  # pragma: no cover - both are dependencies
        raise ModelUnavailable(f"depth='model' needs torch and transformers ({e}); "
                               "install them with `pip install torch transformers`") from e
    device = device or _device()
    key = f"{model_id}@{device}"
    with _LOCK:
        if key in _MODELS:
            return _MODELS[key]
        try:
            from transformers.utils import logging as hf_logging

            verbosity = hf_logging.get_verbosity()
            bars = hf_logging.is_progress_bar_enabled()
            hf_logging.set_verbosity_error()
            hf_logging.disable_progress_bar()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    processor = AutoImageProcessor.from_pretrained(
                        model_id, local_files_only=local_files_only)
                    model = AutoModelForDepthEstimation.from_pretrained(
                        model_id, use_safetensors=True, local_files_only=local_files_only)
            finally:
                hf_logging.set_verbosity(verbosity)
                if bars:
                    hf_logging.enable_progress_bar()
        except Exception as e:  # noqa: BLE001 - any loading problem means "unavailable"
            raise ModelUnavailable(
                f"could not load the depth model {model_id!r} "
                f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}). Check the id "
                "or folder, download it once with network access, or use depth='classical'") from e
        model = model.to(device).eval()
        _MODELS[key] = (processor, model, device)
        return _MODELS[key]


def _output_is_distance(model: Any) -> bool:
    """True when the model outputs distances (large = far) rather than disparity (large = near)."""
    cfg = model.config
    if getattr(cfg, "depth_estimation_type", None) == "metric":
        return True
    return getattr(cfg, "model_type", "") in {"zoedepth"}


def model_depth(image: Any, *, model_id: str = DEFAULT_DEPTH_MODEL,
                local_files_only: bool = False, device: str | None = None) -> np.ndarray:
    """Depth from a monocular depth model, normalised to ``(H, W)`` float32 in [0, 1], 0 = nearest.

    Depth Anything V2 (relative) predicts relative *inverse* depth — large values are near — so the
    prediction is resized to the image, min-max normalised and flipped (``1 - d``). Metric models
    (``config.depth_estimation_type == "metric"``, ZoeDepth) predict distance and are not flipped.

    Raises:
        ModelUnavailable: when the model cannot be loaded (see :func:`load_depth_model`).
    """
    import torch

    rgb = as_rgb(image)
    H, W = rgb.shape[:2]
    processor, model, dev = load_depth_model(model_id, local_files_only=local_files_only,
                                             device=device)
    from PIL import Image

    inputs = processor(images=Image.fromarray(rgb), return_tensors="pt")
    inputs = {k: v.to(dev) if hasattr(v, "to") else v for k, v in inputs.items()}
    with torch.inference_mode():
        pred = model(**inputs).predicted_depth
    if pred.ndim == 3:
        pred = pred[:, None]
    pred = torch.nn.functional.interpolate(pred.float(), size=(H, W), mode="bicubic",
                                           align_corners=False)[0, 0]
    d = pred.cpu().numpy().astype(np.float32)
    d = normalize01(d)
    if not _output_is_distance(model):
        d = 1.0 - d
    return np.ascontiguousarray(np.clip(d, 0.0, 1.0), dtype=np.float32)


def _offline_env() -> bool:
    return hub_offline()


def _hub_reachable(model_id: str = DEFAULT_DEPTH_MODEL, timeout: float = 1.0) -> bool:
    """Whether the Hugging Face hub (``HF_ENDPOINT``) describes ``model_id`` within ``timeout`` s.

    A TCP connection or any HTTP answer proves little (sandboxes and captive portals accept every
    connection and answer 404), so ``GET {endpoint}/api/models/{model_id}`` must return 200 with
    JSON naming the model. It runs in a daemon thread that is abandoned after ``timeout`` seconds,
    which also bounds a DNS lookup that would hang.
    """
    import json
    import urllib.request
    from urllib.parse import quote

    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    result: list[bool] = []

    def probe() -> None:
        try:
            url = f"{endpoint}/api/models/{quote(model_id, safe='/')}"
            with urllib.request.urlopen(url, timeout=timeout) as r:
                info = json.loads(r.read(1 << 20).decode("utf-8"))
                result.append(r.status == 200 and isinstance(info, dict)
                              and model_id in (info.get("id"), info.get("modelId")))
        except Exception:  # noqa: BLE001 - DNS, refused, HTTP error, TLS, timeout, not JSON
            result.append(False)

    thread = threading.Thread(target=probe, name="i2v-hub-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def _cached_locally(model_id: str) -> bool:
    """Whether ``model_id`` is a local folder or already in the Hugging Face cache (cheap)."""
    if os.path.isdir(model_id):
        return True
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover
        return False
    try:
        hit = try_to_load_from_cache(model_id, "config.json")
    except Exception:  # noqa: BLE001 - an odd id: not cached
        return False
    return isinstance(hit, str)


def estimate_depth(image: Any, *, depth: str = "auto", model_id: str = DEFAULT_DEPTH_MODEL,
                   regions: np.ndarray | None = None,
                   sky: np.ndarray | None = None) -> tuple[np.ndarray, str]:
    """Depth for ``depth="auto" | "model" | "classical"``; returns ``(map, how)``.

    ``how`` is ``"model:<id>"`` or ``"classical"``.

    * ``"classical"`` — :func:`classical_depth` (with ``regions`` and the refined ``sky`` mask
      when given).
    * ``"model"`` — :func:`model_depth`; raises :class:`~i2v_nb.errors.ModelUnavailable` if the
      model cannot be loaded.
    * ``"auto"`` — the model if it is already loaded, is a local folder, is in the Hugging Face
      cache, or the hub is reachable (``HF_HUB_OFFLINE``/``TRANSFORMERS_OFFLINE`` unset and the hub
      describes the model within 1 s); otherwise classical depth and one
      :class:`DepthFallbackWarning`. An offline machine falls back in about a second, without
      importing torch; a failure is remembered for the rest of the session.
    """
    if depth not in ("auto", "model", "classical"):
        raise ValueError(f"depth={depth!r} is not one of 'auto', 'model', 'classical'")
    if depth == "classical":
        return classical_depth(image, regions=regions, sky=sky), "classical"
    if depth == "model":
        return model_depth(image, model_id=model_id), f"model:{model_id}"
    # auto
    reason = _FAILED.get(model_id)
    if reason is None:
        loaded = any(k.startswith(model_id + "@") for k in _MODELS)
        if loaded or _cached_locally(model_id):
            try:
                return model_depth(image, model_id=model_id,
                                   local_files_only=not os.path.isdir(model_id) and not loaded
                                   ), f"model:{model_id}"
            except ModelUnavailable as e:
                reason = str(e).split(" (")[0]
        elif _offline_env():
            reason = "offline (HF_HUB_OFFLINE is set) and the model is not cached"
        else:
            t0 = time.perf_counter()
            if _hub_reachable(model_id):
                try:
                    return model_depth(image, model_id=model_id), f"model:{model_id}"
                except ModelUnavailable as e:
                    reason = str(e).split(" (")[0]
            else:
                reason = (f"the hub is not reachable ({time.perf_counter() - t0:.1f} s) and the "
                          "model is not cached")
        _FAILED[model_id] = reason
    warnings.warn(f"depth='auto': no depth model ({reason}); using classical depth cues — pass "
                  "depth='classical' to silence this", DepthFallbackWarning, stacklevel=3)
    return classical_depth(image, regions=regions, sky=sky), "classical"
