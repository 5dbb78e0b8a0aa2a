"""The diffusers backend through the tiny twin of every family, on CPU.

One pipeline is cached at a time, so the tests are grouped by family (one test per family runs
every per-call check) and the stop / OOM tests use one fast twin.
"""

from __future__ import annotations

import functools
import os
import threading

import numpy as np
import pytest
import torch  # a required dependency (as diffusers): a missing one fails, never skips

import i2v_nb
from i2v_nb.errors import GenerationStopped, ModelUnavailable, OutOfMemory, ParameterError
from i2v_nb.synthesis import diffusers_backend as backend
from i2v_nb.synthesis import memory
from i2v_nb.synthesis.registry import get_model, models
from tests.conftest import smooth_image

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]

TINY = [m.name for m in models() if m.is_tiny]
PROMPT = "a cat walks, slow zoom in"


@pytest.fixture(scope="module")
def image():
    from PIL import Image

    return Image.fromarray(smooth_image(48, 64, seed=3))


# ------------------------------------------------------------------------ every family
@pytest.mark.parametrize("name", TINY)
def test_generate_through_every_family(name, image):
    """i2v_nb.generate -> the diffusers backend -> the tiny twin (same class as the real model)."""
    preset = get_model(name)
    calls = []
    needs = {"last_image": image.transpose(0)} if preset.needs else {}  # FLF2V: a last frame
    clip = i2v_nb.generate(image, PROMPT, model=name, seed=7, previews=True,
                           progress=lambda s, t, p: calls.append((s, t, p)), **needs)
    frames, meta = clip.frames, clip.metadata["backend_info"]
    w, h = preset.fit_size(image.width / image.height)  # generate fits the picture's aspect
    n = preset.defaults["num_frames"]
    # frame count, size, dtype
    assert frames.shape == (n, h, w, 3) and frames.dtype == np.uint8
    assert frames.std() > 0  # not a constant picture
    # one progress call per step, in order, with the total
    steps = preset.defaults["num_inference_steps"]
    assert [(s, t) for s, t, _ in calls] == [(i, steps) for i in range(1, steps + 1)]
    for _, _, p in calls:  # latent previews: small RGB uint8 for every family (LTX included)
        assert p is not None and p.dtype == np.uint8 and p.ndim == 3 and p.shape[2] == 3
    # metadata: every parameter used, ids, timings, memory
    assert clip.metadata["model"] == name and clip.metadata["backend"] == "diffusers"
    assert meta["pipeline_class"] == preset.pipeline_class
    used = clip.metadata["params"]
    assert (used["num_frames"], used["width"], used["height"]) == (n, w, h)
    assert used["num_inference_steps"] == steps and meta["params"]["seed"] == 7
    assert meta["params"].get("prompt") == (clip.metadata["model_prompt"] if preset.uses_prompt
                                            else None)  # the family prompt reached the pipeline
    assert meta["profile"] == "fast" and meta["device"] == "cpu" and meta["dtype"] == "float32"
    assert meta["peak_gpu_memory_gb"] is None and meta["steps_run"] == steps
    t = meta["timings"]
    assert t["run_s"] > 0 and t["decode_s"] >= 0 and t["total_s"] >= t["run_s"] + t["decode_s"]
    # determinism: same seed -> same frames (cached pipeline, load_s 0); other seed -> different
    again = i2v_nb.generate(image, PROMPT, model=name, seed=7, **needs)
    assert again.metadata["backend_info"]["timings"]["load_s"] == 0.0
    np.testing.assert_array_equal(frames, again.frames)
    other = i2v_nb.generate(image, PROMPT, model=name, seed=8, **needs)
    assert np.abs(other.frames.astype(int) - frames.astype(int)).mean() > 0.5


def test_prompt_reaches_the_text_encoder(image):
    """Different prompts change the clip of a text model (the prompt argument is wired)."""
    a, _ = backend.run_pipeline("tiny-ltx", image, prompt="a cat walks", seed=1)
    b, _ = backend.run_pipeline("tiny-ltx", image, prompt="the sea waves crash", seed=1)
    assert not np.array_equal(a, b)


def test_svd_knob_reaches_pipeline(image):
    m = get_model("tiny-svd")
    a, meta = backend.run_pipeline(m, image, params=m.validate(motion_bucket_id=10), seed=1)
    b, _ = backend.run_pipeline(m, image, params=m.validate(motion_bucket_id=250), seed=1)
    assert meta["params"]["motion_bucket_id"] == 10 and meta["params"]["max_guidance_scale"] == 3.0
    assert meta["params"]["decode_chunk_size"] == 4  # profile "fast": min(8, 4 frames)
    assert not np.array_equal(a, b)
    # decode_chunk_size is wired too: SVD's temporal decoder mixes the frames decoded together
    c, meta_c = backend.run_pipeline(m, image, params=m.validate(motion_bucket_id=10,
                                                                 decode_chunk_size=1), seed=1)
    assert meta_c["params"]["decode_chunk_size"] == 1 and not np.array_equal(a, c)


def test_image_is_fitted_to_the_model_size(image):
    frames, _ = backend.run_pipeline("tiny-wan", np.asarray(image), seed=0)  # 64x48 array in
    assert frames.shape[1:3] == (16, 16)


def test_run_diffusers_reads_the_typed_request(image, monkeypatch):
    """The backend seam: a GenerationRequest read by attribute, its picture used as fitted
    (generate fits it once; the backend never fits again), its options honoured."""
    import i2v_nb.io
    from i2v_nb.prompting import parse_prompt
    from i2v_nb.synthesis.request import GenerationRequest

    m = get_model("tiny-wan")
    params = m.validate(num_frames=5)
    fitted = i2v_nb.io.fit_image(image, params["width"], params["height"], multiple_of=1)
    fit, calls = i2v_nb.io.fit_image, []
    monkeypatch.setattr(i2v_nb.io, "fit_image", lambda *a, **k: calls.append(a[1:3]) or fit(*a, **k))
    request = GenerationRequest(image=fitted, spec=parse_prompt(PROMPT), preset=m, params=params,
                                seed=3, prompt=PROMPT, options={"profile": "low-vram"})
    frames, meta = backend.run_diffusers(request)
    assert frames.shape == (5, 16, 16, 3) and meta["profile_requested"] == "low-vram"
    assert calls == []  # used as it came
    direct, _ = backend.run_pipeline(m, fitted, params=dict(params), prompt=PROMPT, seed=3,
                                     profile="low-vram")
    np.testing.assert_array_equal(frames, direct)
    clip = i2v_nb.generate(image, PROMPT, model=m, seed=3, num_frames=5, profile="low-vram")
    assert calls == [(16, 16)] and clip.source.size == (16, 16)  # once, in generate


# ------------------------------------------------------------------------ stop
@pytest.mark.parametrize("name", ["tiny-svd", "tiny-ltx"])  # SVD ignores pipe._interrupt
def test_stop_interrupts_and_next_call_works(name, image, tmp_path):
    history = i2v_nb.History(tmp_path / "h")
    stop = threading.Event()
    seen = []

    def progress(step, total, preview):
        seen.append(step)
        if step == 2:
            stop.set()

    with pytest.raises(GenerationStopped, match="after step 2 of 4"):
        i2v_nb.generate(image, PROMPT, model=name, seed=3, num_inference_steps=4,
                        progress=progress, stop=stop, history=history)
    assert seen == [1, 2]  # the denoising loop left at once: no further steps, no decode
    assert len(history) == 0  # nothing half-made was saved
    key, pipe = backend.loaded_pipeline()
    assert key[0] == name and getattr(pipe, "_interrupt", False) is False
    # the same pipeline still works, and gives what an uninterrupted call gives
    stop.clear()
    clip = i2v_nb.generate(image, PROMPT, model=name, seed=3, num_inference_steps=4, stop=stop,
                           history=history)
    meta = clip.metadata["backend_info"]
    assert meta["steps_run"] == 4 and meta["timings"]["load_s"] == 0.0 and len(history) == 1
    backend.unload_pipeline()
    fresh = i2v_nb.generate(image, PROMPT, model=name, seed=3, num_inference_steps=4)
    np.testing.assert_array_equal(clip.frames, fresh.frames)


def test_stop_already_set_runs_nothing(image):
    stop = threading.Event()
    stop.set()
    with pytest.raises(GenerationStopped, match="already set"):
        backend.run_pipeline("tiny-ltx", image, stop=stop)


# ------------------------------------------------------------------------ OOM
def test_oom_recognised():
    assert backend.is_oom(torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB"))
    assert backend.is_oom(RuntimeError("CUDA error: out of memory"))
    assert backend.is_oom(RuntimeError("MPS backend out of memory (MPS allocated: 9 GB)"))
    assert not backend.is_oom(RuntimeError("mat1 and mat2 shapes cannot be multiplied"))
    assert not backend.is_oom(ValueError("out of memory"))  # only runtime errors


@pytest.mark.parametrize("exc", [
    lambda: torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB"),
])
def test_oom_becomes_out_of_memory_and_history_survives(exc, image, tmp_path, monkeypatch):
    history = i2v_nb.History(tmp_path / "history")
    first = i2v_nb.generate(image, PROMPT, model="tiny-ltx", seed=1, history=history,
                            profile="balanced")
    pipe = backend.loaded_pipeline()[1]

    def boom(self, *a, **k):
        raise exc()

    monkeypatch.setattr(type(pipe), "__call__", boom)
    with pytest.raises(OutOfMemory) as e:
        i2v_nb.generate(image, PROMPT, model="tiny-ltx", seed=2, history=history,
                        profile="balanced")
    msg = str(e.value)
    assert "profile='low-vram'" in msg and "9 frames at 32x32" in msg and "tiny-ltx" in msg
    assert e.value.next_profile == "low-vram"
    assert backend.loaded_pipeline() == (None, None)  # freed: the next call starts clean
    entries = history.list()
    assert [x.id for x in entries] == [first.metadata["history_id"]]
    assert history.load(entries[0].id).frames.shape == first.frames.shape
    monkeypatch.undo()
    again = i2v_nb.generate(image, PROMPT, model="tiny-ltx", seed=2, history=history,
                            profile="low-vram")
    assert again.metadata["backend_info"]["profile"] == "low-vram" and len(history) == 2


def test_oom_while_loading(monkeypatch):
    backend.unload_pipeline()

    def boom(*a, **k):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 9.00 GiB")

    monkeypatch.setattr(memory, "apply_profile", boom)
    with pytest.raises(OutOfMemory, match="while loading tiny-wan.*profile='low-vram'") as e:
        backend.load_pipeline("tiny-wan", profile="balanced")
    assert e.value.__cause__ is None and "9.00 GiB" in e.value.detail
    assert backend.loaded_pipeline() == (None, None)


def test_other_errors_pass_through(image, monkeypatch):
    pipe, _ = backend.load_pipeline("tiny-ltx")
    monkeypatch.setattr(type(pipe), "__call__",
                        lambda self, *a, **k: (_ for _ in ()).throw(RuntimeError("shape mismatch")))
    with pytest.raises(RuntimeError, match="shape mismatch"):
        backend.run_pipeline("tiny-ltx", image)


# ------------------------------------------------------------------------ no GPU, real model
def test_real_model_without_gpu_points_to_preview(image, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    for name in ("wan2.1-i2v-480p", "svd-xt"):
        with pytest.raises(ModelUnavailable, match="model='preview'"):
            backend.run_pipeline(name, image)
    assert backend.pick_device(get_model("tiny-wan")) == "cpu"


# ------------------------------------------------------------------------ memory profiles
class FakeModule(torch.nn.Module):
    """A component that records the diffusers switches called on it."""

    def __init__(self, log, name, *, tiling=True):
        super().__init__()
        self.log, self.name = log, name
        if tiling:
            self.enable_tiling = lambda: log.append(f"{name}.enable_tiling")
            self.enable_slicing = lambda: log.append(f"{name}.enable_slicing")

    def enable_forward_chunking(self):
        self.log.append(f"{self.name}.enable_forward_chunking")

    def enable_group_offload(self, **kw):
        extra = "".join(f",{k}={kw[k]}" for k in ("num_blocks_per_group", "offload_to_disk_path")
                        if kw.get(k))
        self.log.append(f"{self.name}.group_offload({kw['onload_device'].type},"
                        f"{kw['offload_device'].type},{kw['offload_type']},"
                        f"stream={kw['use_stream']},low_cpu={kw['low_cpu_mem_usage']}{extra})")


class FakePipe:
    """Records which diffusers switches were called."""

    def __init__(self, *, svd=False):
        self.log = []
        self.vae = FakeModule(self.log, "vae", tiling=not svd)
        if svd:
            self.unet = FakeModule(self.log, "unet")
        else:
            self.transformer = FakeModule(self.log, "transformer")
            self.text_encoder = FakeModule(self.log, "text_encoder")

    @property
    def components(self):
        names = ("unet", "vae") if hasattr(self, "unet") else ("transformer", "text_encoder", "vae")
        return {n: getattr(self, n) for n in names}

    def to(self, device):
        self.log.append(f"to({device})")

    def enable_model_cpu_offload(self, device=None):
        self.log.append(f"model_cpu_offload({device})")

    def enable_sequential_cpu_offload(self, device=None):
        self.log.append("sequential_cpu_offload")


_LEAF = "cuda,cpu,leaf_level,stream=True"
_VAE = ["vae.enable_slicing", "vae.enable_tiling"]


@pytest.mark.parametrize("profile,expected", [
    ("fast", ["to(cuda)"]),
    ("balanced", ["model_cpu_offload(cuda)", *_VAE]),
    ("low-vram", [f"transformer.group_offload({_LEAF},low_cpu=False)",
                  f"text_encoder.group_offload({_LEAF},low_cpu=False)",
                  f"vae.group_offload({_LEAF},low_cpu=False)", *_VAE]),
    # colab-t4: the denoiser by blocks (one per group), every copy pinned on the fly
    ("colab-t4", ["transformer.group_offload(cuda,cpu,block_level,stream=True,low_cpu=True,"
                  "num_blocks_per_group=1)",
                  f"text_encoder.group_offload({_LEAF},low_cpu=True)",
                  f"vae.group_offload({_LEAF},low_cpu=True)", *_VAE]),
])
def test_profile_switches_transformer_families(profile, expected):
    pipe = FakePipe()
    done = memory.apply_profile(pipe, profile, family="wan", device="cuda")
    assert pipe.log == expected
    if profile in ("low-vram", "colab-t4"):
        assert done[0].startswith("group_offload(") and "stream" in done[0]


def test_short_ram_sends_text_encoders_to_disk_unless_quantized(tmp_path):
    pipe = FakePipe()
    done = memory.apply_profile(pipe, "low-vram", family="wan", device="cuda",
                                offload_dir=str(tmp_path))
    assert f"offload_to_disk_path={tmp_path / 'text_encoder'})" in pipe.log[1]
    assert "offload_to_disk_path" not in pipe.log[0] + pipe.log[2]  # only text encoders
    assert "text_encoder: offload to disk" in done
    quantized = FakePipe()
    memory.apply_profile(quantized, "colab-t4", family="wan", device="cuda",
                         offload_dir=str(tmp_path), keep_in_ram=("text_encoder",))
    assert not any("offload_to_disk_path" in line for line in quantized.log)


@pytest.mark.parametrize("family", ["ltx", "wan"])
def test_group_and_disk_offload_really_run_and_keep_the_output(family, tmp_path):
    """diffusers' group offloading, with the text encoder on disk, on a real twin (onload to
    the CPU here): same frames. T5/UMT5 tie two embedding layers to one weight, which disk
    offload would write empty from the second layer; memory shares the layer first."""
    from PIL import Image

    from i2v_nb.testing import TINY_DEFAULTS, tiny_pipeline

    pipe = tiny_pipeline(family, seed=0)
    pipe.set_progress_bar_config(disable=True)
    kw = TINY_DEFAULTS[family]
    img = Image.fromarray(smooth_image(kw["height"], kw["width"], seed=1))

    def run():
        return pipe(image=img, prompt=PROMPT, generator=torch.Generator().manual_seed(0),
                    output_type="np", **kw).frames[0]

    before = run()
    done = memory._group_offload(pipe, "cpu", profile="low-vram", offload_dir=str(tmp_path),
                                 keep_in_ram=())
    assert done == ["group_offload(leaf_level)", "text_encoder: offload to disk"]
    assert list((tmp_path / "text_encoder").glob("*.safetensors"))
    assert np.array_equal(run(), before) and np.array_equal(run(), before)


def test_auto_weighs_free_ram_as_well_as_vram():
    vram = {"fast": 30, "balanced": 12, "low-vram": 6}
    ram = {"fast": None, "balanced": 30, "low-vram": 30, "colab-t4": 12}
    pick = functools.partial(memory.resolve_profile, "auto", vram_gb=vram, ram_gb=ram)
    assert pick(free_gb=80, free_ram_gb=8) == "fast"  # fast keeps nothing in RAM
    assert pick(free_gb=16, free_ram_gb=64) == "balanced"
    assert pick(free_gb=8, free_ram_gb=64) == "low-vram"
    assert pick(free_gb=16, free_ram_gb=12) == "colab-t4"  # offloading would not fit the RAM
    assert pick(free_gb=4, free_ram_gb=64) == "low-vram"  # nothing fits: least VRAM
    assert pick(free_gb=None, free_ram_gb=1) == "fast"  # no GPU: nothing to offload to
    assert pick(free_gb=16, free_ram_gb=None) == "balanced"  # RAM unknown: not limiting
    # the needs auto weighs are the computed plan's (counted weights + estimated activations)
    from i2v_nb.synthesis.plan import plan, profile_needs

    ltx = get_model("ltx-video")
    needs = profile_needs(ltx)
    for p in memory.PROFILES:
        assert needs["vram_gb"][p] == round(plan(ltx, profile=p).vram_gb, 1)
        assert needs["ram_gb"][p] == round(plan(ltx, profile=p).ram_gb, 1)
    assert needs["vram_gb"]["low-vram"] < needs["vram_gb"]["balanced"] < needs["vram_gb"]["fast"]
    # a user's own preset the plan cannot count falls back to its hand-typed figures
    import dataclasses

    own = dataclasses.replace(ltx, name="my-ltx", vram_gb={"fast": 18, "balanced": 10,
                                                           "low-vram": 5})
    fallback = profile_needs(own)
    assert fallback["vram_gb"]["colab-t4"] == fallback["vram_gb"]["low-vram"] == 5
    assert fallback["ram_gb"] == {"fast": None, "balanced": 18, "low-vram": 18,
                                  "colab-t4": 12.0}


def test_profile_chain_and_chunks():
    assert [memory.next_profile(p) for p in memory.PROFILES] == \
        ["balanced", "low-vram", None, "low-vram"]
    assert memory.decode_chunk_size("colab-t4", 25) == memory.decode_chunk_size("low-vram", 25) == 2
    with pytest.raises(ParameterError, match="'colab-t4'"):
        memory.check_profile("t4")


def test_colab_t4_on_cpu_quantizes_the_text_encoder_and_says_so(image, monkeypatch):
    monkeypatch.setattr("i2v_nb.synthesis.diffusers_backend.load.torchao_usable", lambda: False)
    frames, meta = backend.run_pipeline("tiny-ltx", image, profile="colab-t4", seed=0)
    assert meta["profile"] == "colab-t4" and meta["dtype"] == "float32"  # CPU: float32
    assert meta["speed_switches"] == ["text_encoder: fp8-storage"]  # no torchao: fp8 storage
    assert meta["memory_switches"] == ["to(cpu)", "vae_slicing", "vae_tiling"]
    key, pipe = backend.loaded_pipeline()
    assert key[1] == "colab-t4" and key[4] == (("quantize_text_encoder", "fp8-storage"),)
    assert pipe.text_encoder.encoder.block[0].layer[0].SelfAttention.q.weight.dtype == \
        torch.float8_e4m3fn
    assert frames.shape == (9, 32, 32, 3)


def test_offload_dir_only_when_ram_is_short(monkeypatch):
    from i2v_nb.synthesis.diffusers_backend import load

    preset = get_model("ltx-video")  # offloading keeps ~18 GB in RAM
    monkeypatch.setattr(memory, "free_ram_gb", lambda: 64.0)
    assert load._offload_dir(preset, "low-vram") is None
    monkeypatch.setattr(memory, "free_ram_gb", lambda: 10.0)
    assert load._offload_dir(preset, "fast") is None
    folder = load._offload_dir(preset, "low-vram")
    assert folder and os.path.isdir(folder)
    backend.unload_pipeline()  # removes the folder with the cached pipeline
    assert not os.path.exists(folder)


@pytest.mark.parametrize("profile,expected,chunk", [
    ("fast", ["to(cuda)"], 8),
    ("balanced", ["model_cpu_offload(cuda)"], 4),
    ("low-vram", ["model_cpu_offload(cuda)", "unet.enable_forward_chunking"], 2),
    ("colab-t4", ["model_cpu_offload(cuda)", "unet.enable_forward_chunking"], 2),
])
def test_profile_switches_svd_never_tile(profile, expected, chunk):
    pipe = FakePipe(svd=True)
    memory.apply_profile(pipe, profile, family="svd", device="cuda", supports_tiling=False)
    assert pipe.log == expected  # SVD's VAE raises on tiling/slicing: never called
    assert memory.decode_chunk_size(profile, 25) == chunk
    m = get_model("svd-xt")
    assert backend.pipeline_kwargs(m, m.validate(), profile=profile)["decode_chunk_size"] == chunk


def test_profile_on_cpu_skips_offload_keeps_vae_switches():
    pipe = FakePipe()
    done = memory.apply_profile(pipe, "low-vram", family="ltx", device="cpu")
    assert pipe.log == ["to(cpu)", "vae.enable_slicing", "vae.enable_tiling"]
    assert done == ["to(cpu)", "vae_slicing", "vae_tiling"]
    with pytest.raises(ParameterError):
        memory.apply_profile(pipe, "auto", family="ltx", device="cpu")


def test_real_tiny_vae_switches_apply(image):
    """The VAE switches exist on the real VAE classes (tiny twins share them) and keep output."""
    frames, meta = backend.run_pipeline("tiny-wan", image, profile="low-vram", seed=2)
    assert meta["memory_switches"] == ["to(cpu)", "vae_slicing", "vae_tiling"]
    _, pipe = backend.loaded_pipeline()
    assert pipe.vae.use_tiling and pipe.vae.use_slicing
    assert frames.shape == (5, 16, 16, 3)


def test_auto_keeps_the_loaded_pipeline_and_profile_change_reloads():
    pipe, info = backend.load_pipeline("tiny-ltx", profile="balanced")
    again, info2 = backend.load_pipeline("tiny-ltx", profile="auto")
    assert again is pipe and info2["cached"] and info2["profile"] == "balanced"
    other, info3 = backend.load_pipeline("tiny-ltx", profile="fast")
    assert other is not pipe and not info3["cached"] and info3["switches"] == ["to(cpu)"]


def test_switching_models_keeps_one_pipeline(image):
    backend.run_pipeline("tiny-ltx", image)
    key1, pipe1 = backend.loaded_pipeline()
    backend.run_pipeline("tiny-wan", image)
    key2, pipe2 = backend.loaded_pipeline()
    assert key1[0] == "tiny-ltx" and key2[0] == "tiny-wan" and pipe1 is not pipe2
    import gc
    import weakref

    ref = weakref.ref(pipe1)
    del pipe1
    gc.collect()
    assert ref() is None  # the old pipeline was really released
