"""Tiny offline twins: real diffusers classes, valid defaults, determinism, callbacks, offline."""

from __future__ import annotations

import socket

import diffusers  # required dependencies: a missing one fails, never skips
import numpy as np
import pytest
import torch

from i2v_nb.errors import ParameterError
from i2v_nb.testing import (
    TINY_DEFAULTS,
    TINY_FAMILIES,
    TINY_OUTPUT_FRAMES,
    TINY_PIPELINE_CLASSES,
    tiny_pipeline,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]

# The first round's families; the ones added for issue 13 (HunyuanVideo 1.5 takes no size and
# no step callback, the FLF2V twins need a last frame) are checked in test_new_families.py.
ALL = ("svd", "cogvideox", "ltx", "wan", "wan-ti2v", "hunyuan", "framepack")
# Families whose pipeline takes a text prompt (SVD does not).
PROMPTED = [f for f in ALL if f != "svd"]


def _output_frames(family: str) -> int:
    """Frames out of a TINY_DEFAULTS call, worked out from each pipeline's own rule."""
    d = TINY_DEFAULTS[family]
    if family == "framepack":
        # one section: num_frames fits in one window of (lws - 1) * 4 + 1 frames, and the
        # image latent + lws new latent frames decode to 4 * lws + 1 frames
        assert d["num_frames"] <= (d["latent_window_size"] - 1) * 4 + 1
        return 4 * d["latent_window_size"] + 1
    return d["num_frames"]


def _latent_shape(family: str) -> tuple[int, ...]:
    """Latents in the step callback for TINY_DEFAULTS, from the *real* models' VAE ratios."""
    d = TINY_DEFAULTS[family]
    f, h, w = d["num_frames"], d["height"], d["width"]
    if family == "svd":  # (B, F, C, H, W), 8x spatial, no temporal compression, 4 channels
        return (1, f, 4, h // 8, w // 8)
    if family == "cogvideox":  # (B, F, C, H, W), 8x, 4x in time
        return (1, (f - 1) // 4 + 1, 4, h // 8, w // 8)
    if family == "ltx":  # packed (B, tokens, C), 32x, 8x in time, patch 1
        return (1, ((f - 1) // 8 + 1) * (h // 32) * (w // 32), 8)
    if family == "wan":  # (B, C, F, H, W), 8x, 4x in time, z_dim 16
        return (1, 16, (f - 1) // 4 + 1, h // 8, w // 8)
    if family == "wan-ti2v":  # Wan 2.2 VAE: 16x, 4x in time, z_dim 48
        return (1, 48, (f - 1) // 4 + 1, h // 16, w // 16)
    if family == "hunyuan":  # (B, C, F, H, W), 8x, 4x in time
        return (1, 4, (f - 1) // 4 + 1, h // 8, w // 8)
    if family == "framepack":  # (B, C, F, H, W): one window of latent_window_size latent frames
        return (1, 4, d["latent_window_size"], h // 8, w // 8)
    raise AssertionError(family)


@pytest.fixture()
def no_network(monkeypatch):
    """Offline mode for the hub client, and any socket connection fails the test."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")

    def refuse(*args, **kwargs):
        raise AssertionError(f"a tiny twin tried to open a network connection: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture(scope="module")
def image():
    """A 48x64 gradient image with a diagonal edge (any size works: pipelines resize it)."""
    from PIL import Image

    y, x = np.mgrid[0:48, 0:64]
    rgb = np.stack([x * 4, y * 5, np.where(x > y, 200, 40)], axis=-1)
    return Image.fromarray(rgb.astype(np.uint8))


@pytest.fixture(scope="module")
def twins():
    """Each twin built once per module (seed 0); the network is refused for as long as they live."""
    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("HF_HUB_OFFLINE", "1")

        def refuse(*args, **kwargs):
            raise AssertionError("a tiny twin tried to open a network connection while building")

        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        built = {}
        for family in ALL:
            pipe = tiny_pipeline(family, seed=0)
            pipe.set_progress_bar_config(disable=True)
            built[family] = pipe
        yield built
    finally:
        mp.undo()


def _run(pipe, family, image, *, seed, prompt="a cat walks on the grass, slow zoom in", **extra):
    kwargs = dict(TINY_DEFAULTS[family])
    if family in PROMPTED:
        kwargs.update(prompt=prompt, negative_prompt="blurry, low quality")
    kwargs.update(extra)
    out = pipe(
        image=image,
        generator=torch.Generator("cpu").manual_seed(seed),
        output_type="np",
        **kwargs,
    )
    return np.asarray(out.frames)


def _weights(pipe) -> dict[str, torch.Tensor]:
    weights = {}
    for name, component in pipe.components.items():
        if isinstance(component, torch.nn.Module):
            for key, value in component.state_dict().items():
                weights[f"{name}.{key}"] = value
    return weights


def test_families_cover_the_real_model_classes():
    assert set(TINY_FAMILIES) == set(TINY_DEFAULTS) == set(TINY_PIPELINE_CLASSES) == set(
        TINY_OUTPUT_FRAMES) and set(ALL) < set(TINY_FAMILIES)
    assert {"svd", "cogvideox", "ltx", "wan", "hunyuan"} <= set(TINY_FAMILIES)
    for family in ALL:
        assert TINY_OUTPUT_FRAMES[family] == _output_frames(family)
        d = TINY_DEFAULTS[family]
        assert {"height", "width", "num_frames", "num_inference_steps"} <= set(d)
        assert 2 <= d["num_inference_steps"] <= 4
        assert d["height"] <= 64 and d["width"] <= 64


def test_unknown_family_is_a_parameter_error():
    with pytest.raises(ParameterError, match="'sora'.*svd.*framepack"):
        tiny_pipeline("sora")


@pytest.mark.parametrize("family", ALL)
def test_twin_is_the_real_diffusers_class(twins, family):
    pipe = twins[family]
    cls = getattr(diffusers, TINY_PIPELINE_CLASSES[family])
    assert type(pipe) is cls
    assert all(
        p.device.type == "cpu" and p.dtype == torch.float32
        for c in pipe.components.values()
        if isinstance(c, torch.nn.Module)
        for p in c.parameters()
    )


@pytest.mark.parametrize("family", ALL)
def test_defaults_give_frames_of_the_expected_shape_and_callbacks_per_step(
    twins, family, image, no_network
):
    pipe = twins[family]
    d = TINY_DEFAULTS[family]
    calls = []

    def on_step(p, step, timestep, kwargs):
        assert p is pipe
        calls.append((step, tuple(kwargs["latents"].shape)))
        return kwargs

    frames = _run(
        pipe,
        family,
        image,
        seed=0,
        callback_on_step_end=on_step,
        callback_on_step_end_tensor_inputs=["latents"],
    )
    assert frames.shape == (1, _output_frames(family), d["height"], d["width"], 3)
    assert frames.dtype == np.float32
    assert np.isfinite(frames).all() and frames.min() >= 0.0 and frames.max() <= 1.0
    assert frames.std() > 0.01  # not a constant image
    steps = d["num_inference_steps"]
    assert [step for step, _ in calls] == list(range(steps))
    assert {shape for _, shape in calls} == {_latent_shape(family)}


@pytest.mark.parametrize("family", ALL)
def test_same_seed_same_frames_other_seed_other_frames(twins, family, image, no_network):
    pipe = twins[family]
    first = _run(pipe, family, image, seed=0)
    again = _run(pipe, family, image, seed=0)
    other = _run(pipe, family, image, seed=1)
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).mean() > 1e-3


@pytest.mark.parametrize("family", PROMPTED)
def test_prompt_reaches_the_model(twins, family, image, no_network):
    """The in-code tokenizer and text encoder really feed the denoiser: a new prompt, new frames."""
    pipe = twins[family]
    a = _run(pipe, family, image, seed=0, prompt="a red car drives left")
    b = _run(pipe, family, image, seed=0, prompt="waves crash on rocks at night")
    assert np.abs(a - b).max() > 1e-6


@pytest.mark.parametrize("family", ALL)
def test_same_seed_same_weights_other_seed_other_weights(twins, family, no_network):
    again = _weights(tiny_pipeline(family, seed=0))
    original = _weights(twins[family])
    assert again.keys() == original.keys()
    for key, value in original.items():
        assert torch.equal(value, again[key]), key
    other = _weights(tiny_pipeline(family, seed=1))
    changed = [
        k for k, v in original.items() if v.is_floating_point() and not torch.equal(v, other[k])
    ]
    assert len(changed) > len(original) // 3


def test_building_leaves_the_global_torch_rng_alone(no_network):
    torch.manual_seed(1234)
    expected = torch.rand(4)
    torch.manual_seed(1234)
    tiny_pipeline("ltx", seed=7)
    np.testing.assert_array_equal(torch.rand(4).numpy(), expected.numpy())


def test_hunyuan_tokenizers_split_the_default_templates_like_llama3(twins):
    """HunyuanVideo-I2V crops its template at token 103 (<image> at 5), FramePack's at 95."""
    from diffusers.pipelines.hunyuan_video.pipeline_hunyuan_video_framepack import (
        DEFAULT_PROMPT_TEMPLATE as FRAMEPACK_TEMPLATE,
    )
    from diffusers.pipelines.hunyuan_video.pipeline_hunyuan_video_image2video import (
        DEFAULT_PROMPT_TEMPLATE,
    )

    framepack_tokenizer = twins["framepack"].tokenizer
    prefix = FRAMEPACK_TEMPLATE["template"].split("{}")[0]
    assert len(framepack_tokenizer(prefix).input_ids) == FRAMEPACK_TEMPLATE["crop_start"] == 95

    pipe = twins["hunyuan"]
    prefix = DEFAULT_PROMPT_TEMPLATE["template"].split("{}")[0]
    ids = pipe.tokenizer(prefix).input_ids
    assert len(ids) == DEFAULT_PROMPT_TEMPLATE["crop_start"] == 103
    image_token = pipe.text_encoder.config.image_token_index
    assert ids[DEFAULT_PROMPT_TEMPLATE["image_emb_start"]] == image_token
    # 576 image tokens from the vision tower, as the template's image_emb_len says
    vision = pipe.text_encoder.config.vision_config
    assert (vision.image_size // vision.patch_size) ** 2 == DEFAULT_PROMPT_TEMPLATE["image_emb_len"]


def test_tokenizers_encode_any_prompt_distinctly(twins):
    tok = twins["wan"].tokenizer
    a = tok("A fox jumps over the lazy dog 1!").input_ids
    b = tok("A fox jumps over the lazy cat 2!").input_ids
    assert a != b and a[-1] == tok.eos_token_id
    assert tok.unk_token_id not in a  # letters, digits and punctuation are all in the vocabulary
    decoded = tok.decode(tok("slow zoom").input_ids, skip_special_tokens=True)
    assert decoded.replace(" ", "") == "slowzoom"


def test_cogvideox_twin_keeps_the_one_trained_resolution_rule(twins, image, no_network):
    """Like CogVideoX-5b-I2V (480x720 only), the twin only runs at its trained size."""
    pipe = twins["cogvideox"]
    with pytest.raises(ValueError, match="different resolution"):
        _run(pipe, "cogvideox", image, seed=0, height=48, width=48)


@pytest.mark.parametrize("family", ["svd", "wan", "hunyuan"])
def test_twin_round_trips_through_safetensors(twins, family, image, tmp_path, no_network):
    """A saved twin loads back offline with use_safetensors=True and makes the same frames."""
    pipe = twins[family]
    pipe.save_pretrained(tmp_path, safe_serialization=True)
    assert list(tmp_path.rglob("*.safetensors")) and not list(tmp_path.rglob("*.bin"))
    loaded = type(pipe).from_pretrained(tmp_path, use_safetensors=True)
    loaded.set_progress_bar_config(disable=True)
    np.testing.assert_allclose(
        _run(loaded, family, image, seed=3), _run(pipe, family, image, seed=3), atol=1e-4
    )
