"""Shared test helpers: offline images, a local HTTP server, and a clean working directory."""

from __future__ import annotations

import http.server
import os
import threading

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TQDM_DISABLE", "1")


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module of tiny twins (on a shared 2-core machine more threads only
    spin), with the diffusers backend's cached pipeline unloaded before and after."""
    import torch

    from i2v_nb.synthesis import diffusers_backend

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    diffusers_backend.unload_pipeline()
    yield
    torch.set_num_threads(threads)
    diffusers_backend.unload_pipeline()


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path, monkeypatch):
    """Every test runs in its own temporary folder so nothing lands in the repository."""
    monkeypatch.chdir(tmp_path)


def smooth_image(height: int = 48, width: int = 64, seed: int = 0) -> np.ndarray:
    """A smooth colourful (H, W, 3) uint8 image: compresses well, so lossy round trips are close."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi, 3)
    channels = [0.5 + 0.4 * np.sin(xx / width * 3 + yy / height * 2 + p) for p in phase]
    return np.round(np.stack(channels, -1) * 255).astype(np.uint8)


def moving_frames(num: int = 8, height: int = 48, width: int = 64, seed: int = 0) -> np.ndarray:
    """(T, H, W, 3) uint8 frames of a smooth image sliding right one pixel per frame."""
    base = smooth_image(height, width + num, seed)
    return np.stack([base[:, num - t:num - t + width] for t in range(num)])


@pytest.fixture
def http_server(tmp_path):
    """Serve ``tmp_path/www`` on 127.0.0.1 (a random free port); yields the base URL."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(root), **k)

        def log_message(self, *a):  # keep test output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def pytest_collection_modifyitems(config, items):  # noqa: ARG001
    """Run the Colab-shaped tests last: scripts/test.sh builds their environment (several GB on a
    cold cache) in the background while every other test runs."""
    items.sort(key=lambda item: item.get_closest_marker("colab") is not None)
