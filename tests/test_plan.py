"""The memory plan (i2v_nb.plan): weight bytes against counted parameters, peak RAM against RSS."""

from __future__ import annotations

import inspect
import json
import math
import os
import subprocess
import sys
import textwrap

import pytest

from i2v_nb.errors import ParameterError
from i2v_nb.synthesis.memory import PROFILES
from i2v_nb.synthesis.model_sizes import COUNTS, PRESET_COMPONENTS
from i2v_nb.synthesis.plan import OFFLOAD, QUANT_BYTES, RUNTIME_RAM_GB, Plan, plan
from i2v_nb.synthesis.registry import models

REAL = [m for m in models(backend="diffusers", include_tiny=False)]
TINY = [m for m in models(backend="diffusers") if m.is_tiny]
ROOT = os.path.join(os.path.dirname(__file__), "..")


@pytest.fixture(scope="module")
def twins():
    """Every tiny twin preset's pipeline, built once."""
    import torch

    torch.set_num_threads(1)
    from i2v_nb.testing import tiny_pipeline

    return {m.name: tiny_pipeline(m.twin) for m in TINY}


def _param_bytes(module) -> int:
    return sum(p.numel() * p.element_size() for p in module.parameters())


# ------------------------------------------------------------------ weights: exact, from counts
@pytest.mark.parametrize("preset", TINY, ids=lambda m: m.name)
def test_twin_weight_bytes_equal_counted_parameters_times_dtype(twins, preset):
    """Stored counts and counts of the built pipeline both give params × 4 bytes (float32)."""
    import torch

    pipe = twins[preset.name]
    modules = {n: c for n, c in pipe.components.items() if isinstance(c, torch.nn.Module)}
    counted = sum(_param_bytes(m) for m in modules.values())
    from_data = plan(preset.name, device="cpu")
    from_pipe = plan(preset.name, device="cpu", pipeline=pipe)
    assert from_pipe.weight_bytes == counted
    assert from_data.weight_bytes == counted, (
        "model_sizes_tiny.py is stale: run .venv/bin/python scripts/count_model_params.py --write")
    assert {c.name: c.weight_bytes for c in from_data.components} == \
        {n: _param_bytes(m) for n, m in modules.items()}
    assert all(c.dtype == "float32" for c in from_data.components)


def test_real_presets_name_components_of_their_pipeline_class():
    import diffusers

    for preset in REAL:
        if preset.backend != "diffusers":
            continue
        names = set(PRESET_COMPONENTS[preset.name])
        accepted = set(inspect.signature(getattr(diffusers, preset.pipeline_class).__init__)
                       .parameters)
        assert names <= accepted, (preset.name, names - accepted)
        assert "vae" in names and names & {"transformer", "unet"}
        assert all(COUNTS[key].params > 0 for key in PRESET_COMPONENTS[preset.name].values())


@pytest.mark.parametrize("key", ["wan2.1-vae", "clip-vit-h-14", "ltx-2b"])
def test_stored_real_counts_match_a_fresh_meta_device_count(key):
    """The data is what scripts/count_model_params.py counts from the cited configs."""
    import torch

    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    try:
        import count_model_params
    finally:
        sys.path.pop(0)
    from i2v_nb.synthesis.param_count import count_module

    build, role, _source = count_model_params.REAL[key]
    with torch.device("meta"):
        module = build()
    assert count_module(module, role=role) == COUNTS[key]


def test_real_weight_bytes_follow_the_preset_dtypes():
    p = plan("wan2.1-i2v-480p", profile="fast")
    by = {c.name: c for c in p.components}
    counts = {n: COUNTS[k] for n, k in PRESET_COMPONENTS["wan2.1-i2v-480p"].items()}
    assert by["transformer"].weight_bytes == 2 * counts["transformer"].params  # bfloat16
    assert by["vae"].weight_bytes == 4 * counts["vae"].params  # component_dtypes: float32
    assert p.weight_bytes == sum(c.weight_bytes for c in p.components)
    t4 = {c.name: c for c in plan("wan2.1-i2v-480p", profile="colab-t4").components}
    assert t4["transformer"].dtype == "float16"
    assert t4["text_encoder"].weight_bytes == counts["text_encoder"].params  # int8: half of bf16


@pytest.mark.parametrize("mode", sorted(QUANT_BYTES))
def test_quantize_changes_only_the_denoisers_bytes(mode):
    plain = {c.name: c for c in plan("wan2.2-i2v-a14b", profile="fast").components}
    quant = {c.name: c for c in plan("wan2.2-i2v-a14b", profile="fast", quantize=mode).components}
    for name, c in quant.items():
        if name.startswith("transformer"):
            assert c.weight_bytes == math.ceil(c.params * QUANT_BYTES[mode]) < plain[name].weight_bytes
            assert c.dtype == mode
        else:
            assert c == plain[name]


# ------------------------------------------------------------------------------ profile rules
def test_every_memory_profile_has_an_offload_rule():
    assert set(PROFILES) <= set(OFFLOAD)


@pytest.mark.parametrize("preset", REAL, ids=lambda m: m.name)
def test_offloading_needs_less_vram_and_keeps_every_weight_in_ram(preset):
    fast, balanced, low = (plan(preset.name, profile=p) for p in ("fast", "balanced", "low-vram"))
    assert fast.vram_gb > balanced.vram_gb >= low.vram_gb > 0
    assert fast.vram_gb > fast.weight_bytes / 1e9  # all weights + activations + context
    held = balanced.weight_bytes + sum(c.buffer_bytes for c in balanced.components)
    assert balanced.ram_parts["weights"] == pytest.approx(held / 1e9, abs=1e-3)
    if preset.family != "svd":  # SVD's low-vram is model offload: nothing pinned
        assert low.ram_gb > balanced.ram_gb  # the pinned copy of one shard on top
    t4 = plan(preset.name, profile="colab-t4")
    assert t4.weight_bytes <= balanced.weight_bytes  # float16 + int8 text encoders
    if any(c.name.startswith("text_encoder") for c in t4.components):
        assert t4.weight_bytes < balanced.weight_bytes


def test_activations_grow_with_frames_and_size():
    small = plan("wan2.1-i2v-480p", profile="balanced", num_frames=33, width=832, height=480)
    large = plan("wan2.1-i2v-480p", profile="balanced", num_frames=81, width=832, height=480)
    assert small.tokens == ((33 - 1) // 4 + 1) * (480 // 16) * (832 // 16)
    assert large.tokens == ((81 - 1) // 4 + 1) * (480 // 16) * (832 // 16)
    assert large.vram_parts["activations"] > small.vram_parts["activations"]
    assert large.weight_bytes == small.weight_bytes


def test_batched_guidance_doubles_the_activations():
    cog = plan("cogvideox-5b-i2v")  # CogVideoX batches cond + uncond
    assert cog.batch == 2
    wan = plan("wan2.1-i2v-480p")  # Wan calls the transformer twice
    assert wan.batch == 1


def test_plan_is_a_readable_table():
    p = plan("svd-xt", profile="balanced")
    assert isinstance(p, Plan)
    text = str(p)
    assert "unet" in text and "VRAM" in text and p.time_class in text


@pytest.mark.parametrize("kwargs, word", [
    (dict(profile="auto"), "resolve 'auto'"),
    (dict(profile="turbo"), "not a memory profile"),
    (dict(quantize="int4"), "not a quantization mode"),
    (dict(num_frames=0), "num_frames"),
])
def test_bad_input_is_refused_with_the_fix(kwargs, word):
    with pytest.raises(ParameterError, match=word):
        plan("ltx-video", **kwargs)


def test_the_preview_engine_has_nothing_to_plan():
    with pytest.raises(ParameterError, match="no counted components"):
        plan("preview")


# ---------------------------------------------------------------- peak RAM against measured RSS
# The twins' weights are a few kB to a few MB: a process's RSS moves by more than that for
# reasons of its own (allocator arenas, first-call imports), so the ±30 % check runs on twins
# whose denoiser is widened until weights dominate: same pipeline class and wiring, a
# transformer of ~60-110 M parameters (0.25-0.45 GB in float32), saved and loaded back with
# from_pretrained as a real model is.
WIDER = {
    "tiny-wan": dict(num_attention_heads=4, attention_head_dim=128, ffn_dim=4096, num_layers=8),
    "tiny-ltx": dict(num_attention_heads=4, attention_head_dim=128, cross_attention_dim=512,
                     num_layers=12),
    "tiny-cogvideox": dict(num_attention_heads=4, attention_head_dim=128, num_layers=18),
}
_MEASURE = textwrap.dedent("""
    import ctypes, gc, json, sys
    import torch
    torch.set_num_threads(1)
    from PIL import Image
    from i2v_nb.synthesis.registry import get_model
    from i2v_nb.testing import TINY_DEFAULTS, tiny_pipeline
    from i2v_nb.synthesis.plan import plan
    name, folder = sys.argv[1], sys.argv[2]
    preset = get_model(name)
    args = dict(TINY_DEFAULTS[preset.twin], output_type="np")
    image = Image.new("RGB", (args["width"], args["height"]), (120, 80, 40))
    text = dict(prompt="a cat") if preset.uses_prompt else {}
    def call(pipe):
        return pipe(image=image, generator=torch.Generator().manual_seed(0), **text,
                    **args).frames
    warm = tiny_pipeline(preset.twin)  # the code paths and libraries, loaded once
    warm.set_progress_bar_config(disable=True)
    call(warm)
    cls = type(warm)
    del warm
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    before = status("VmRSS:")
    with open("/proc/self/clear_refs", "w") as f:  # resets the peak (VmHWM) to the current RSS
        f.write("5")
    pipe = cls.from_pretrained(folder, use_safetensors=True)
    pipe.set_progress_bar_config(disable=True)
    call(pipe)
    after = status("VmHWM:")
    p = plan(name, pipeline=pipe, device="cpu", width=args["width"], height=args["height"],
             num_frames=args["num_frames"])
    print(json.dumps({"measured": after - before, "planned": p.ram_gb * 1e9,
                      "runtime": p.ram_parts["runtime"] * 1e9, "weights": p.weight_bytes}))
""")
_SAVE = textwrap.dedent("""
    import sys, torch
    from i2v_nb.synthesis.registry import get_model
    from i2v_nb.testing import tiny_pipeline
    name, folder, wider = sys.argv[1], sys.argv[2], eval(sys.argv[3])
    pipe = tiny_pipeline(get_model(name).twin)
    if wider:
        torch.manual_seed(0)
        t = pipe.transformer
        pipe.transformer = type(t).from_config({**t.config, **wider})
    pipe.save_pretrained(folder, safe_serialization=True)
""")


def _python(code: str, *args: str) -> str:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=ROOT, TQDM_DISABLE="1")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
@pytest.mark.skipif(not os.access("/proc/self/clear_refs", os.W_OK), reason="needs Linux /proc")
@pytest.mark.parametrize("name", sorted(WIDER))
def test_planned_peak_ram_of_loading_and_one_call_is_within_30_percent_of_rss(name, tmp_path):
    """Measured: the peak RSS (VmHWM, reset first) of loading the widened twin with
    from_pretrained and one call, less the RSS before (a process that has imported torch,
    diffusers and transformers and run the plain twin once, then collected its garbage).
    ``ru_maxrss`` would hide growth under the warm-up's own transient peak. Planned: ram_gb
    less its runtime part (what that process already holds)."""
    _python(_SAVE, name, str(tmp_path / "pipe"), repr(WIDER[name]))
    out = json.loads(_python(_MEASURE, name, str(tmp_path / "pipe")).strip().splitlines()[-1])
    planned = out["planned"] - out["runtime"]
    assert out["weights"] > 0.2e9  # weights dominate
    assert abs(planned - out["measured"]) <= 0.3 * out["measured"], out
