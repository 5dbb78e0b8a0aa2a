"""The speed switches of ``generate`` on the tiny twins, on CPU (issue 15, item 1).

Caches need two or more transformer blocks (the first is compared with the rest), so the cache
tests load twins with 3 blocks per denoiser (``i2v_nb.testing.deep``) and 8 steps. The work a
cache skips is counted as the denoisers' ``nn.Linear`` calls (a forward hook on the denoiser
itself would not see it: a cached step still calls the model). PSNR figures of every twin and
switch come from ``benchmarks/bench_speed_switches.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import i2v_nb
import i2v_nb.testing as testing
from i2v_nb.diagnostics.similarity import psnr
from i2v_nb.errors import ModelUnavailable, ParameterError
from i2v_nb.synthesis import diffusers_backend as backend
from i2v_nb.synthesis.backend import BACKEND_OPTIONS
from i2v_nb.synthesis.diffusers_backend import quantize as quant
from i2v_nb.synthesis.diffusers_backend import switches
from i2v_nb.synthesis.diffusers_backend.cache import mag_ratios
from i2v_nb.synthesis.speed import SPEED_SWITCHES, check_speed_options, torchao_usable
from i2v_nb.testing.deep import count_layer_calls, deep_twin
from tests.conftest import smooth_image

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]

ROOT = Path(__file__).resolve().parents[1]
IMAGE = smooth_image(48, 64, seed=3)
STEPS = 8


@pytest.fixture
def deep(monkeypatch):
    """``tiny-*`` presets load twins with 3 blocks per denoiser (dropped again afterwards)."""
    backend.unload_pipeline()
    monkeypatch.setattr(testing, "tiny_pipeline",
                        lambda family, seed=0: deep_twin(family, layers=3, seed=seed))
    yield
    backend.unload_pipeline()


def _run(model, **switches):
    """One generate call: (frames, denoiser Linear calls, backend metadata)."""
    pipe, _ = backend.load_pipeline(model, profile="fast", device="cpu", **{
        k: switches.get(k) for k in ("compile", "quantize", "quantize_text_encoder")})
    with count_layer_calls(pipe) as calls:
        clip = i2v_nb.generate(IMAGE, "a cat walks, slow zoom in", model=model, device="cpu",
                               num_inference_steps=STEPS, profile="fast", **switches)
    return clip.frames, calls["total"], clip.metadata["backend_info"]


# ------------------------------------------------------------------------ the switches as data
def test_switch_table_is_data_a_widget_can_read():
    for name, switch in SPEED_SWITCHES.items():
        assert switch.name == name and switch.help and "\n" not in switch.help
        assert BACKEND_OPTIONS[name] == switch.help  # generate's option table lists them
        if switch.kind == "choice":
            assert switch.choices[0] is None and switch.default is None
    assert SPEED_SWITCHES["cache"].choices[1:] == ("first_block", "mag", "taylorseer", "faster")
    assert SPEED_SWITCHES["quantize"].choices[1:] == ("int8", "nf4", "fp8-storage")


@pytest.mark.parametrize("kwargs,match", [
    ({"cache": "teacache"}, "cache='teacache' is not a choice"),
    ({"cache": "first_block", "cache_threshold": 1.5}, "must be a number in"),
    ({"cache": "taylorseer", "cache_threshold": 0.1}, "read only by cache='first_block' or 'mag'"),
    ({"compile": "yes"}, "compile='yes': must be True or False"),
    ({"quantize": "int4"}, "quantize='int4' is not a choice"),
])
def test_bad_values_refused_before_anything_loads(kwargs, match):
    backend.unload_pipeline()
    with pytest.raises(ParameterError, match=match):
        i2v_nb.generate(IMAGE, "a cat", model="tiny-wan", device="cpu", **kwargs)
    assert backend.loaded_pipeline() == (None, None)


def test_preview_engine_refuses_speed_switches_and_off_values_pass():
    with pytest.raises(ParameterError, match="the preview engine has none"):
        i2v_nb.generate(IMAGE, "zoom in", model="preview", num_frames=2, cache="first_block")
    clip = i2v_nb.generate(IMAGE, "zoom in", model="preview", num_frames=2, cache=None,
                           compile=False)
    assert clip.frames.shape[0] == 2
    assert check_speed_options({"cache": None, "compile": False, "attention": None}) == {}


@pytest.mark.parametrize("model,kwargs,error,match", [
    ("tiny-wan", {"attention": "flash"}, ParameterError, "needs a CUDA GPU"),
    ("tiny-wan", {"attention": "sage"}, ParameterError, "needs a CUDA GPU"),
    ("tiny-wan", {"quantize": "nf4"}, ParameterError, "needs a CUDA GPU"),
    ("tiny-wan", {"quantize_text_encoder": "nf4"}, ParameterError, "needs a CUDA GPU"),
    ("tiny-svd", {"cache": "first_block"}, ParameterError, "UNet has no cache hooks"),
    ("tiny-svd", {"quantize_text_encoder": "fp8-storage"}, ParameterError, "reads no prompt"),
])
def test_switches_this_machine_or_model_cannot_run_are_refused_first(model, kwargs, error, match):
    backend.unload_pipeline()
    with pytest.raises(error, match=match):
        i2v_nb.generate(IMAGE, "a cat", model=model, device="cpu", **kwargs)
    assert backend.loaded_pipeline() == (None, None)  # refused before any loading


def test_int8_without_torchao_says_what_to_install(monkeypatch):
    monkeypatch.setattr("i2v_nb.synthesis.speed.torchao_usable", lambda: False)
    with pytest.raises(ModelUnavailable, match=r"pip install -U 'torchao>=0.15'.*fp8-storage"):
        i2v_nb.generate(IMAGE, "a cat", model="tiny-wan", device="cpu", quantize="int8")


# ------------------------------------------------------------------------ caches
# (twin, cache modes that run on it); every other combination is refused with a reason below
CACHE_RUNS = [
    ("wan", ("first_block", "mag", "taylorseer")),        # CFG as two calls: no "faster"
    ("wan-a14b", ("first_block", "mag", "taylorseer")),   # both experts get the hooks
    ("ltx", ("first_block", "mag", "taylorseer", "faster")),
    ("cogvideox", ("first_block", "mag", "taylorseer", "faster")),  # CFG in one batch
    ("hunyuan", ("mag", "taylorseer", "faster")),         # no cache_context: marked by i2v_nb
]


@pytest.mark.parametrize("twin,modes", CACHE_RUNS, ids=[t for t, _ in CACHE_RUNS])
def test_each_cache_skips_work_stays_close_and_is_removed(deep, twin, modes):
    model = f"tiny-{twin}"
    off, calls_off, _ = _run(model)
    for mode in modes:
        frames, calls, meta = _run(model, cache=mode)
        if mode == "mag":  # the first call calibrates (runs uncached), the next one skips
            assert calls == calls_off and "calibrated on this call" in meta["speed_switches"][0]
            frames, calls, meta = _run(model, cache=mode)
        assert calls < calls_off, (mode, calls, calls_off)
        assert psnr(frames, off) > 30, mode  # close to the uncached run (twins: random weights)
        assert meta["speed"] == {"cache": mode} and meta["speed_switches"][0].startswith(
            f"cache {mode} on transformer")
        again, calls_again, meta = _run(model)  # off again: exactly as before, nothing left
        assert calls_again == calls_off and np.array_equal(again, off), mode
        assert meta["speed_switches"] == []
    _key, pipe = backend.loaded_pipeline()
    for name in ("transformer", "transformer_2"):
        model_ = getattr(pipe, name, None)
        assert model_ is None or not model_.is_cache_enabled


def test_wan_a14b_caches_both_experts(deep):
    _run("tiny-wan-a14b", cache="mag")  # calibrates each expert on its own steps
    _key, pipe = backend.loaded_pipeline()
    high, low = mag_ratios(pipe.transformer), mag_ratios(pipe.transformer_2)
    assert set(high) == set(low) == {STEPS}
    # boundary_ratio 0.9 splits the 8 steps between the experts; each has its own ratio list
    assert len(high[STEPS]) + len(low[STEPS]) == STEPS and high[STEPS][0] == low[STEPS][0] == 1.0
    _frames, _calls, meta = _run("tiny-wan-a14b", cache="first_block")
    assert "on transformer, transformer_2: threshold 0.1" in meta["speed_switches"][0]


@pytest.mark.parametrize("twin,mode,match", [
    ("wan", "faster", "passes as two calls"),
    ("framepack", "mag", "several denoising loops"),
    ("skyreels", "first_block", "no block metadata for SkyReelsV2TransformerBlock"),
    ("hunyuan15", "mag", "no block metadata"),
])
def test_cache_modes_a_pipeline_cannot_take_are_refused_cleanly(deep, twin, mode, match):
    off, _calls, _ = _run(f"tiny-{twin}")
    with pytest.raises(ParameterError, match=match):
        _run(f"tiny-{twin}", cache=mode)
    again, _calls, _ = _run(f"tiny-{twin}")
    assert np.array_equal(again, off)  # nothing was left on the model


def test_first_block_needs_two_blocks():
    backend.unload_pipeline()  # the plain twins have one block
    with pytest.raises(ParameterError, match="at least 2 transformer blocks; transformer has 1"):
        i2v_nb.generate(IMAGE, "a cat", model="tiny-wan", device="cpu", cache="first_block")


def test_a_higher_threshold_skips_more(deep):
    counts = [_run("tiny-wan", cache="first_block", cache_threshold=t)[1] for t in (0.02, 0.3)]
    assert counts[1] < counts[0]


# ------------------------------------------------------------------------ attention, compile
def test_attention_sdpa_is_set_for_the_call_only():
    from diffusers.models.attention_dispatch import _AttentionBackendRegistry

    before = _AttentionBackendRegistry.get_active_backend()[0]
    off, _calls, _ = _run("tiny-wan")
    frames, _calls, meta = _run("tiny-wan", attention="sdpa")
    assert np.array_equal(frames, off)
    assert meta["speed_switches"] == ["attention: sdpa (native) on 2 of 2 attention layers"]
    _key, pipe = backend.loaded_pipeline()
    processors = [m.processor for m in pipe.transformer.modules() if hasattr(m, "processor")]
    assert processors and all(p._attention_backend is None for p in processors)
    assert _AttentionBackendRegistry.get_active_backend()[0] == before


def test_attention_backend_runs_or_is_refused_where_it_cannot_reach():
    off, _n, _ = _run("tiny-wan")
    frames, _n, meta = _run("tiny-wan", attention="flex")  # torch's flex attention: CPU too
    assert meta["speed_switches"] == ["attention: flex (flex) on 2 of 2 attention layers"]
    assert psnr(frames, off) > 40
    with pytest.raises(ParameterError, match="CogVideoXAttnProcessor2_0.*drop attention="):
        _run("tiny-cogvideox", attention="flex")  # its processors never dispatch


def test_compile_is_wired_once_per_loaded_pipeline(monkeypatch):
    # the real torch.compile path with dynamo's "eager" backend: the wiring in seconds on a CPU
    monkeypatch.setitem(switches.COMPILE_OPTIONS, "backend", "eager")
    calls = []
    original = torch.nn.Module.compile
    monkeypatch.setattr(torch.nn.Module, "compile",
                        lambda self, *a, **k: (calls.append(type(self).__name__),
                                               original(self, *a, **k))[1])
    off, _n, _ = _run("tiny-wan")
    first, _n, meta = _run("tiny-wan", compile=True)
    second, _n, _ = _run("tiny-wan", compile=True)  # cached: not compiled again
    assert calls == ["WanTransformerBlock"]
    assert meta["speed_switches"] == ["transformer: compile_repeated_blocks"]
    _key, pipe = backend.loaded_pipeline()
    assert pipe.transformer.blocks[0]._compiled_call_impl is not None
    assert np.array_equal(first, second) and psnr(first, off) > 40
    _run("tiny-wan")  # compile=False reloads an uncompiled pipeline
    _key, plain = backend.loaded_pipeline()
    assert plain is not pipe and plain.transformer.blocks[0]._compiled_call_impl is None


# ------------------------------------------------------------------------ quantization
def test_fp8_storage_runs_on_cpu_and_stores_one_byte_per_weight():
    off, _n, _ = _run("tiny-wan")
    _key, plain = backend.loaded_pipeline()
    sizes = quant.weight_bytes(plain.transformer), quant.weight_bytes(plain.text_encoder)
    frames, _n, meta = _run("tiny-wan", quantize="fp8-storage", quantize_text_encoder="fp8-storage")
    _key, pipe = backend.loaded_pipeline()
    assert meta["speed_switches"] == ["transformer: fp8-storage", "text_encoder: fp8-storage"]
    linear = pipe.transformer.blocks[0].attn1.to_q
    assert linear.weight.dtype == torch.float8_e4m3fn  # stored in 8 bits, computed in float32
    assert quant.weight_bytes(linear) == linear.weight.numel() + linear.bias.numel()
    assert quant.weight_bytes(pipe.transformer) < sizes[0]
    assert quant.weight_bytes(pipe.text_encoder) < sizes[1]
    assert pipe.text_encoder.dtype == torch.float32  # pipelines cast their inputs to it
    assert frames.shape == off.shape and psnr(frames, off) > 35
    again, _n, _ = _run("tiny-wan")
    assert np.array_equal(again, off)


@pytest.mark.skipif(not torchao_usable(), reason="torchao >= 0.15 is not installed")
def test_int8_weight_only_runs_on_cpu_through_pipeline_quantization_config():
    off, _n, _ = _run("tiny-ltx")
    _key, plain = backend.loaded_pipeline()
    before = quant.weight_bytes(plain.transformer)
    frames, _n, meta = _run("tiny-ltx", quantize="int8", quantize_text_encoder="int8")
    _key, pipe = backend.loaded_pipeline()
    assert meta["speed_switches"] == ["transformer: int8", "text_encoder: int8"]
    assert type(pipe.transformer.transformer_blocks[0].attn1.to_q.weight).__name__ != "Parameter"
    assert quant.weight_bytes(pipe.transformer) < 0.5 * before
    assert psnr(frames, off) > 35


# ------------------------------------------------------------------------ the GPU check on CPU
def test_gpu_check_runs_on_cpu_quick(tmp_path):
    out = tmp_path / "gpu.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TQDM_DISABLE": "1"}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--device",
                           "cpu", "--quick", "--out", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["failures"] == 0 and report["environment"]["device"] == "cpu"
    runs = {(r["twin"], r["profile"], r["switch"]): r for r in report["twins"]}
    for twin in ("wan", "ltx"):
        off = runs[(twin, "fast", "off")]
        assert off["status"] == "ok" and off["s_per_step"] > 0 and off["peak_ram_gb"] > 0
        assert runs[(twin, "colab-t4", "off")]["text_encoder_bytes"] < off["text_encoder_bytes"]
        for mode in ("first_block", "mag", "taylorseer"):
            rec = runs[(twin, "fast", f"cache={mode}")]
            assert rec["status"] == "ok" and rec["layer_calls"] < off["layer_calls"]
            assert rec["identical"] or rec["psnr_db"] > 35
    assert runs[("wan", "fast", "cache=faster")]["status"] == "refused"
    assert runs[("ltx", "fast", "cache=faster")]["status"] == "ok"
