"""The depth-model path of analyze, on a tiny random-weight Depth Anything built here (offline)."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

from i2v_nb.analysis import analyze, model_depth
from i2v_nb.analysis import depth as depth_module
from i2v_nb.analysis.depth import DepthFallbackWarning, load_depth_model
from i2v_nb.errors import I2VWarning, ModelUnavailable


@pytest.fixture(scope="module")
def tiny_depth_model(tmp_path_factory):
    """A ~140 k-parameter DepthAnythingForDepthEstimation (tiny Dinov2 backbone) + processor."""
    import torch
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config
    from transformers.utils import logging as hf_logging

    try:  # Pillow-backed processor: needs no torchvision
        from transformers import DPTImageProcessorPil as Processor
    except ImportError:  # older transformers
        from transformers import DPTImageProcessor as Processor

    backbone = Dinov2Config(hidden_size=32, num_hidden_layers=4, num_attention_heads=2,
                            intermediate_size=64, patch_size=14, image_size=56,
                            out_features=["stage1", "stage2", "stage3", "stage4"],
                            reshape_hidden_states=False)
    config = DepthAnythingConfig(backbone_config=backbone, patch_size=14,
                                 reassemble_hidden_size=32, reassemble_factors=[4, 2, 1, 0.5],
                                 neck_hidden_sizes=[8, 16, 32, 32], fusion_hidden_size=16,
                                 head_hidden_size=8)
    torch.manual_seed(0)
    model = DepthAnythingForDepthEstimation(config).eval()
    processor = Processor(do_resize=True, size={"height": 56, "width": 56},
                          keep_aspect_ratio=True, ensure_multiple_of=14, do_pad=False,
                          image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225])
    path = tmp_path_factory.mktemp("tiny-depth-anything")
    hf_logging.disable_progress_bar()
    try:
        model.save_pretrained(path)
        processor.save_pretrained(path)
    finally:
        hf_logging.enable_progress_bar()
    return str(path)


def _image(h=90, w=120):
    rng = np.random.default_rng(0)
    img = np.zeros((h, w, 3), np.uint8)
    img[: h // 2] = (120, 170, 230)
    img[h // 2:] = rng.integers(30, 120, (h - h // 2, w, 3))
    return img


def test_analyze_with_the_model_path(tiny_depth_model):
    img = _image()
    report = analyze(img, depth="model", depth_model=tiny_depth_model)
    assert report.depth_method == f"model:{tiny_depth_model}"
    d = report.depth
    assert d.shape == img.shape[:2] and d.dtype == np.float32
    assert np.isfinite(d).all() and d.min() >= 0.0 and d.max() <= 1.0
    assert d.max() - d.min() > 0.5  # min-max normalised
    assert report.to_dict()["depth"]["method"].startswith("model:")


def test_model_is_cached_once_per_id(tiny_depth_model):
    a = load_depth_model(tiny_depth_model)
    b = load_depth_model(tiny_depth_model)
    assert a[1] is b[1]
    assert a[2] in ("cpu", "cuda")


def test_disparity_is_flipped_metric_is_not(tiny_depth_model):
    """Depth Anything (relative) outputs disparity, large = near: flipped so that 0 = near.
    A metric model's output (distance, large = far) is only normalised."""
    img = _image()
    _, model, _ = load_depth_model(tiny_depth_model)
    relative = model_depth(img, model_id=tiny_depth_model)
    old = getattr(model.config, "depth_estimation_type", None)
    model.config.depth_estimation_type = "metric"
    try:
        metric = model_depth(img, model_id=tiny_depth_model)
    finally:
        model.config.depth_estimation_type = old
    np.testing.assert_allclose(relative, 1.0 - metric, atol=1e-5)


def test_auto_uses_a_local_model_folder_without_warning(tiny_depth_model):
    with warnings.catch_warnings():
        warnings.simplefilter("error", I2VWarning)
        report = analyze(_image(), depth="auto", depth_model=tiny_depth_model)
    assert report.depth_method.startswith("model:")


def test_auto_falls_back_offline_quickly_with_one_warning(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(depth_module, "_FAILED", {})
    img = _image()
    t = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = analyze(img, depth="auto", depth_model="no-such-org/no-such-depth-model")
    elapsed = time.perf_counter() - t
    ours = [w for w in caught if issubclass(w.category, I2VWarning)]
    assert len(ours) == 1 and issubclass(ours[0].category, DepthFallbackWarning)
    msg = str(ours[0].message)
    assert "\n" not in msg and "depth='classical'" in msg
    assert report.depth_method == "classical"
    assert elapsed < 2.0
    np.testing.assert_array_equal(report.depth, analyze(img, depth="classical").depth)


def test_auto_falls_back_when_the_hub_is_unreachable(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(depth_module, "_FAILED", {})
    monkeypatch.setattr(depth_module, "_cached_locally", lambda model_id: False)
    # a closed local port stands in for "no network": the connection is refused at once
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    t = time.perf_counter()
    with pytest.warns(DepthFallbackWarning, match="not reachable"):
        report = analyze(_image(), depth="auto", depth_model="no-such-org/no-such-depth-model")
    assert report.depth_method == "classical" and time.perf_counter() - t < 2.5


@pytest.mark.parametrize("endpoint", [
    "http://10.255.255.1:81",    # unroutable (or answered by a sandbox's catch-all proxy)
    "http://127.0.0.1:9",        # refused
    "http://no-such-host.invalid",  # DNS failure
])
def test_hub_reachability_check_is_bounded(monkeypatch, endpoint):
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    t = time.perf_counter()
    assert depth_module._hub_reachable("no-such-org/no-such-depth-model", timeout=0.5) is False
    assert time.perf_counter() - t < 1.5


def test_hub_reachability_needs_the_model_described(monkeypatch, http_server):
    """Only an answer that names the model counts; a catch-all 404 or other JSON does not."""
    import json

    base, root = http_server
    api = root / "api" / "models" / "org"
    api.mkdir(parents=True)
    (api / "tiny").write_text(json.dumps({"id": "org/tiny"}))
    (api / "other").write_text(json.dumps({"id": "someone/else"}))
    monkeypatch.setenv("HF_ENDPOINT", base)
    assert depth_module._hub_reachable("org/tiny", timeout=2.0) is True
    assert depth_module._hub_reachable("org/other", timeout=2.0) is False
    assert depth_module._hub_reachable("org/missing", timeout=2.0) is False


def test_model_mode_raises_when_unavailable(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailable, match="depth='classical'"):
        analyze(_image(), depth="model", depth_model="no-such-org/no-such-depth-model")
