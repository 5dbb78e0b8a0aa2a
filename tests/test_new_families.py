"""The families creators use now (issue 13), each through its tiny twin on CPU.

Every new pipeline class and argument path runs through ``i2v_nb.generate``: Wan 2.2 A14B's two
experts, Wan 2.1 FLF2V's first and last frame, LTX-Video 0.9.8's condition pipeline (last frame,
keyframes, distilled timesteps), CogVideoX 1.5's temporal patch, HunyuanVideo 1.5 (no size, no
callback, a guider), SkyReels-V2 I2V / FLF2V / Diffusion Forcing (windows for long clips).
One torch thread: the twins are tiny and the machine is shared.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import i2v_nb
from i2v_nb.synthesis import diffusers_backend as backend
from i2v_nb.synthesis.registry import get_model
from i2v_nb.testing import TINY_DEFAULTS, TINY_NEEDS, TINY_PIPELINE_CLASSES, tiny_pipeline
from tests.conftest import smooth_image

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]

NEW = ["tiny-wan-a14b", "tiny-wan-flf2v", "tiny-ltx-condition", "tiny-cogvideox15",
       "tiny-hunyuan15", "tiny-skyreels", "tiny-skyreels-flf2v", "tiny-skyreels-df"]
PROMPT = "a cat walks, slow zoom in"


@pytest.fixture(scope="module")
def image():
    from PIL import Image

    return Image.fromarray(smooth_image(48, 64, seed=3))


@pytest.fixture(scope="module")
def last():
    from PIL import Image

    return Image.fromarray(smooth_image(48, 64, seed=11)[:, ::-1].copy())


def _needs(name: str, last) -> dict:
    return {"last_image": last} if get_model(name).needs else {}


@pytest.mark.parametrize("name", NEW)
def test_new_twin_through_generate_is_deterministic(name, image, last):
    preset = get_model(name)
    assert set(NEW) == {m.name for m in i2v_nb.models() if m.is_tiny
                        and m.twin in TINY_PIPELINE_CLASSES and m.twin not in
                        ("svd", "cogvideox", "ltx", "wan", "wan-ti2v", "hunyuan", "framepack")}
    calls = []
    clip = i2v_nb.generate(image, PROMPT, model=name, seed=5, previews=True,
                           progress=lambda s, t, p: calls.append((s, t)), **_needs(name, last))
    w, h = preset.fit_size(image.width / image.height)
    n, steps = preset.defaults["num_frames"], preset.defaults["num_inference_steps"]
    assert clip.frames.shape == (n, h, w, 3) and clip.frames.dtype == np.uint8
    assert clip.frames.std() > 0
    assert calls == [(i, steps) for i in range(1, steps + 1)]  # a callback (or hook) per step
    meta = clip.metadata["backend_info"]
    assert meta["pipeline_class"] == preset.pipeline_class == TINY_PIPELINE_CLASSES[preset.twin]
    assert clip.metadata["conditions"]["last_image"] == bool(preset.needs)
    again = i2v_nb.generate(image, PROMPT, model=name, seed=5, **_needs(name, last))
    np.testing.assert_array_equal(clip.frames, again.frames)
    other = i2v_nb.generate(image, PROMPT, model=name, seed=6, **_needs(name, last))
    assert np.abs(other.frames.astype(int) - clip.frames.astype(int)).mean() > 0.5


def test_wan_a14b_switches_experts_at_the_preset_boundary(image, last):
    """transformer (high noise) for t >= boundary_ratio * 1000, then transformer_2; the boundary
    is the preset's data, set on the pipeline at load; guidance_scale_2 reaches the call."""
    preset = get_model("tiny-wan-a14b")
    assert preset.pipeline_config["boundary_ratio"] == 0.9 and preset.experts
    i2v_nb.generate(image, PROMPT, model=preset, seed=1, num_inference_steps=4)
    _, pipe = backend.loaded_pipeline()
    assert pipe.config.boundary_ratio == 0.9
    used = []
    hooks = [getattr(pipe, name).register_forward_hook(
        lambda mod, args, kwargs, out, name=name: used.append((name, float(kwargs["timestep"][0]))),
        with_kwargs=True) for name in preset.experts]
    try:
        clip = i2v_nb.generate(image, PROMPT, model=preset, seed=1, num_inference_steps=4,
                               guidance_scale_2=1.5)
    finally:
        for hook in hooks:
            hook.remove()
    assert {name for name, _ in used} == {"transformer", "transformer_2"}
    for name, t in used:
        assert (name == "transformer") == (t >= 900), (name, t)
    assert clip.metadata["backend_info"]["pipeline_call"]["guidance_scale_2"] == 1.5
    with_last = i2v_nb.generate(image, PROMPT, model=preset, seed=1, num_inference_steps=4,
                                guidance_scale_2=1.5, last_image=last)
    assert with_last.metadata["backend_info"]["conditions"]["last_image"] is True
    assert not np.array_equal(with_last.frames, clip.frames)  # the last frame is used


def test_ltx_condition_takes_a_last_frame_and_keyframes(image, last):
    name = "tiny-ltx-condition"
    plain = i2v_nb.generate(image, PROMPT, model=name, seed=2, num_frames=17)
    ended = i2v_nb.generate(image, PROMPT, model=name, seed=2, num_frames=17, last_image=last)
    keyed = i2v_nb.generate(image, PROMPT, model=name, seed=2, num_frames=17, last_image=last,
                            keyframes={8: last})
    call = keyed.metadata["backend_info"]["pipeline_call"]
    assert call["frame_index"] == [0, 8, 16] and call["strength"] == [1.0, 1.0, 1.0]
    assert ended.metadata["backend_info"]["pipeline_call"]["frame_index"] == [0, 16]
    assert keyed.metadata["conditions"] == {"last_image": True, "keyframes": [8]}
    assert not np.array_equal(plain.frames, ended.frames)
    assert not np.array_equal(ended.frames, keyed.frames)
    # the distilled timesteps are passed when the step count is theirs, not otherwise
    preset = get_model(name)
    eight = i2v_nb.generate(image, PROMPT, model=name, seed=2, num_inference_steps=8)
    assert eight.metadata["backend_info"]["pipeline_call"]["timesteps"] == list(preset.timesteps)
    assert "timesteps" not in plain.metadata["backend_info"]["pipeline_call"]


def test_cogvideox15_makes_its_sizes_and_frame_counts(image):
    clip = i2v_nb.generate(image, PROMPT, model="tiny-cogvideox15", seed=0, width=32, height=48,
                           num_frames=17)
    assert clip.frames.shape == (17, 48, 32, 3)  # the pipeline pads the odd latent count
    assert get_model("cogvideox1.5-5b-i2v").legal_frames() == (81, 161)


def test_hunyuan15_size_guidance_and_progress_without_a_callback(image):
    """No height/width (the fitted picture is a bucket the pipeline keeps), guidance through its
    guider, progress through the scheduler's step (the pipeline has no step callback)."""
    name = "tiny-hunyuan15"
    preset = get_model(name)
    tall = i2v_nb.generate(image, PROMPT, model=name, seed=3, width=16, height=64)
    assert tall.frames.shape == (5, 64, 16, 3) and (16, 64) in preset.fixed_sizes
    call = tall.metadata["backend_info"]["pipeline_call"]
    assert "height" not in call and "guidance_scale" not in call
    assert tall.metadata["backend_info"]["params"]["guidance_scale"] == 6.0
    _, pipe = backend.loaded_pipeline()
    assert pipe.guider.guidance_scale == 6.0 and "step" not in vars(pipe.scheduler)
    weak = i2v_nb.generate(image, PROMPT, model=name, seed=3, width=16, height=64,
                           guidance_scale=1.0)
    assert pipe_guidance(backend) == 1.0 and not np.array_equal(weak.frames, tall.frames)


def pipe_guidance(backend_module) -> float:
    return backend_module.loaded_pipeline()[1].guider.guidance_scale


def test_skyreels_df_makes_long_clips_in_windows_deterministically(image):
    """17 frames with 9-frame windows overlapping by 5: three windows (the pipeline's formula),
    progress over all of them, and the same seed gives the same clip although
    addnoise_condition draws noise without the generator."""
    name = "tiny-skyreels-df"
    calls = []
    clip = i2v_nb.generate(image, PROMPT, model=name, seed=4, num_frames=17,
                           progress=lambda s, t, p: calls.append((s, t)))
    assert clip.frames.shape == (17, 16, 16, 3)
    call = clip.metadata["backend_info"]["pipeline_call"]
    assert call["overlap_history"] == 5 and call["base_num_frames"] == 9
    assert call["addnoise_condition"] == 20.0
    assert [s for s, _ in calls] == list(range(1, 7)) and {t for _, t in calls} == {6}
    again = i2v_nb.generate(image, PROMPT, model=name, seed=4, num_frames=17)
    np.testing.assert_array_equal(clip.frames, again.frames)
    short = i2v_nb.generate(image, PROMPT, model=name, seed=4)
    assert "overlap_history" not in short.metadata["backend_info"]["pipeline_call"]
    with pytest.raises(i2v_nb.ParameterError, match="overlap_history"):
        i2v_nb.generate(image, PROMPT, model=name, seed=4, num_frames=17, overlap_history=9)


def test_framepack_twin_takes_a_last_frame(image, last):
    plain = i2v_nb.generate(image, PROMPT, model="tiny-framepack", seed=1)
    ended = i2v_nb.generate(image, PROMPT, model="tiny-framepack", seed=1, last_image=last)
    assert ended.frames.shape == plain.frames.shape
    assert not np.array_equal(ended.frames, plain.frames)


@pytest.mark.parametrize("family", sorted(set(TINY_PIPELINE_CLASSES) - {
    "svd", "cogvideox", "ltx", "wan", "wan-ti2v", "hunyuan", "framepack"}))
def test_new_twins_are_the_real_classes_seeded_offline(family, image):
    import diffusers

    pipe = tiny_pipeline(family, seed=0)
    assert type(pipe) is getattr(diffusers, TINY_PIPELINE_CLASSES[family])
    a, b = tiny_pipeline(family, seed=0), tiny_pipeline(family, seed=1)
    weights = [{f"{n}.{k}": v for n, c in p.components.items() if isinstance(c, torch.nn.Module)
                for k, v in c.state_dict().items()} for p in (pipe, a, b)]
    assert all(torch.equal(v, weights[1][k]) for k, v in weights[0].items())
    assert any(not torch.equal(v, weights[2][k]) for k, v in weights[0].items()
               if v.is_floating_point())
    pipe.set_progress_bar_config(disable=True)
    kwargs = dict(TINY_DEFAULTS[family])
    if "last_image" in TINY_NEEDS.get(family, ()):
        kwargs["last_image"] = image
    out = pipe(image=image, prompt=PROMPT, generator=torch.Generator().manual_seed(0),
               output_type="np", **kwargs)
    assert np.asarray(out.frames).shape[1] == kwargs["num_frames"]
