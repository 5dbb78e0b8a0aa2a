"""Colour step previews: the published latent→RGB factors, every family's latent layout, the
inverse projection, and the previews every tiny twin delivers through ``generate``."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

import i2v_nb
from i2v_nb.errors import ParameterError
from i2v_nb.synthesis.latent_preview import (
    PreviewSpec,
    StepPreview,
    latent_frames,
    latent_space,
    latents_to_rgb,
    noise_sigma,
    preview_spec,
    rgb_to_latents,
    step_preview,
)
from i2v_nb.synthesis.latent_rgb_factors import FAMILY_SPACES, LATENT_SPACES
from i2v_nb.synthesis.registry import get_model, models
from tests.conftest import smooth_image

#: Every (family, latent channels) with factors: each family's real latent space(s).
CASES = sorted((fam, LATENT_SPACES[s].channels) for fam, spaces in FAMILY_SPACES.items()
               for s in spaces)


# ------------------------------------------------------------------------ the tables
def _default(cls, name):
    return inspect.signature(cls.__init__).parameters[name].default


def test_factor_tables_fit_the_vaes_latent_channels():
    """Each table has one (r, g, b) row per latent channel of its VAE (the diffusers VAE
    classes' default configs are the real models' latent widths; Wan 2.2's z 48 is its
    checkpoint's config), a 3-vector bias and full rank (the pseudo-inverse exists)."""
    from diffusers import (
        AutoencoderKL,
        AutoencoderKLCogVideoX,
        AutoencoderKLHunyuanVideo,
        AutoencoderKLHunyuanVideo15,
        AutoencoderKLLTXVideo,
        AutoencoderKLWan,
    )

    expected = {
        "sd": _default(AutoencoderKL, "latent_channels"),
        "cogvideox": _default(AutoencoderKLCogVideoX, "latent_channels"),
        "ltxv": _default(AutoencoderKLLTXVideo, "latent_channels"),
        "hunyuanvideo": _default(AutoencoderKLHunyuanVideo, "latent_channels"),
        "hunyuanvideo15": _default(AutoencoderKLHunyuanVideo15, "latent_channels"),
        "wan2.1": _default(AutoencoderKLWan, "z_dim"),
        "wan2.2": 48,  # Wan-AI/Wan2.2-TI2V-5B-Diffusers vae/config.json z_dim
    }
    assert expected == {"sd": 4, "cogvideox": 16, "ltxv": 128, "hunyuanvideo": 16,
                        "hunyuanvideo15": 32, "wan2.1": 16, "wan2.2": 48}
    assert set(LATENT_SPACES) == set(expected)
    for name, space in LATENT_SPACES.items():
        f = np.asarray(space.factors)
        assert f.shape == (expected[name], 3), name
        assert len(space.bias) == 3 and np.isfinite(f).all()
        assert np.linalg.matrix_rank(f) == 3, name
        assert space.source  # cited
    # the published tables, spot-checked against their source text
    assert LATENT_SPACES["sd"].factors[3] == (-0.2120, -0.2616, -0.7177)
    assert LATENT_SPACES["wan2.1"].factors[0] == (-0.1299, -0.1692, 0.2932)
    assert LATENT_SPACES["ltxv"].factors[127] == (-1.4605e-02, -6.7032e-03, 3.9675e-03)
    assert LATENT_SPACES["wan2.2"].factors[47] == (-0.0837, 0.0168, 0.0055)


def test_projection_matches_comfyuis_latent2rgb_formula():
    """Pinned to ComfyUI's use of the factors, rewritten here with torch: ``Latent2RGBPreviewer``
    (``F.linear(x.movedim(0, -1), factors.T, bias)``) then ``preview_to_image``
    (``((y + 1) / 2).clamp(0, 1) * 255``)."""
    rng = np.random.default_rng(0)
    for space in LATENT_SPACES.values():
        x = rng.normal(0, 1.5, (space.channels, 5, 7)).astype(np.float32)
        w = torch.tensor(space.factors).transpose(0, 1)
        ref = torch.nn.functional.linear(torch.from_numpy(x).movedim(0, -1), w,
                                         bias=torch.tensor(space.bias))
        ref = ((ref + 1.0) / 2.0).clamp(0, 1).numpy()
        np.testing.assert_allclose(latents_to_rgb(x, space), ref, atol=1e-5)


# ------------------------------------------------------------------------ layouts
def _layout(frames_chw: np.ndarray, family: str, patch=(1, 1)):
    """(F, C, h, w) latent frames in ``family``'s step-callback layout, as a torch tensor, and
    its PreviewSpec. LTX tokens are packed with diffusers' own ``_pack_latents``."""
    from diffusers import LTXImageToVideoPipeline

    x = torch.from_numpy(np.ascontiguousarray(frames_chw))[None]  # (1, F, C, h, w)
    layout = preview_spec(family, grid=(1, 1, 1)).layout
    if layout == "BFCHW":
        return x, preview_spec(family)
    bcfhw = x.permute(0, 2, 1, 3, 4).contiguous()
    if layout == "BCFHW":
        return bcfhw, preview_spec(family)
    f, _, h, w = frames_chw.shape
    tokens = LTXImageToVideoPipeline._pack_latents(bcfhw, patch[1], patch[0])
    return tokens, preview_spec(family, grid=(f, h, w), patch=patch)


@pytest.mark.parametrize("patch", [(1, 1), (1, 2), (2, 2)])
def test_ltx_tokens_unpack_as_diffusers_packs_them(patch):
    rng = np.random.default_rng(1)
    lat = rng.normal(size=(4, 6, 4, 8)).astype(np.float32)  # (F, C, h, w)
    tokens, spec = _layout(lat, "ltx", patch)
    np.testing.assert_array_equal(latent_frames(tokens, spec, [0, 1, 2, 3]), lat)
    # LTXConditionPipeline puts extra conditioning tokens before the video's
    extra = torch.randn(1, 5, tokens.shape[2])
    np.testing.assert_array_equal(latent_frames(torch.cat([extra, tokens], 1), spec, [2]), lat[2:3])


def test_ltx_grid_is_read_from_the_pipeline_and_call():
    class Pipe:  # the attributes LTXImageToVideoPipeline.__init__ sets
        vae_spatial_compression_ratio, vae_temporal_compression_ratio = 32, 8
        transformer_spatial_patch_size, transformer_temporal_patch_size = 1, 1

    spec = preview_spec("ltx", pipe=Pipe(), call=dict(num_frames=161, height=512, width=704))
    assert spec == PreviewSpec("ltx", "tokens", (21, 16, 22), (1, 1))  # as __call__ computes it
    with pytest.raises(ParameterError, match="grid="):
        preview_spec("ltx")


# ------------------------------------------------------------------------ colours
def _frames_of_colours(colours, space, h=6, w=10, noise=0.0, seed=0):
    """(F, C, h, w) latents made with the inverse projection from smooth pictures tinted with
    ``colours``, plus isotropic latent noise; and the pictures (F, h, w, 3) uint8."""
    rng = np.random.default_rng(seed)
    base = smooth_image(h, w, seed=seed).astype(np.float32) / 255.0
    pics = [np.clip(0.5 * base + 0.5 * np.asarray(c, np.float32) / 255.0, 0, 1) for c in colours]
    pics = np.round(np.stack(pics) * 255).astype(np.uint8)
    lat = rgb_to_latents(pics, space)
    return (lat + rng.normal(0, noise, lat.shape)).astype(np.float32), pics


@pytest.mark.parametrize("family,channels", CASES)
def test_inverse_projection_round_trips_the_mean_colour(family, channels):
    """A latent built from known pictures with the family's inverse projection, in the family's
    callback layout: the preview shows the middle frame's colours (mean within 2/255 without
    noise, 6/255 with latent noise of std 0.1), and a strip shows each frame's in order."""
    space = latent_space(family, channels)
    assert space is not None
    colours = [(220, 40, 40), (40, 200, 60), (50, 60, 230), (230, 210, 40), (200, 60, 210)]
    for noise, tol in ((0.0, 2.0), (0.1, 6.0)):
        lat, pics = _frames_of_colours(colours, space, noise=noise)
        latents, spec = _layout(lat, family)
        p = step_preview(latents, spec, size=40)
        assert isinstance(p, StepPreview) and p.colour and p.dtype == np.uint8
        assert p.shape == (24, 40, 3) and p.frames == (2,)
        assert space.label in p.caption and "latent frame 2 of 5" in p.caption
        got, want = p.reshape(-1, 3).mean(0), pics[2].reshape(-1, 3).mean(0)
        assert np.abs(got - want).max() <= tol, (family, noise, got, want)
        # strip: every frame, left to right, 2-px gaps
        s = step_preview(latents, spec, strip=5, size=40)
        assert s.shape == (24, 5 * 40 + 4 * 2, 3) and s.frames == (0, 1, 2, 3, 4)
        for k in range(5):
            tile = s[:, k * 42:k * 42 + 40].reshape(-1, 3).mean(0)
            assert np.abs(tile - pics[k].reshape(-1, 3).mean(0)).max() <= tol


def test_preview_of_the_real_image_keeps_its_layout():
    """Not only the mean: the preview of a latent built from a picture is that picture, upscaled
    (compared after shrinking the preview back with PIL)."""
    from PIL import Image

    space = LATENT_SPACES["wan2.1"]
    pic = smooth_image(12, 20, seed=5)
    lat = rgb_to_latents(pic[None], space)  # (1, C, h, w)
    p = step_preview(torch.from_numpy(lat)[:, :, None], preview_spec("wan"), size=200)
    back = np.asarray(Image.fromarray(np.asarray(p)).resize((20, 12), Image.BILINEAR))
    assert np.abs(back.astype(int) - pic.astype(int)).mean() < 3


def test_svd_noise_level_is_divided_out():
    """SVD's Euler scheduler is variance-exploding: the latents at σ are scaled by
    1/sqrt(1 + σ²) before the projection; noise_sigma reads σ after a step."""
    from diffusers import EulerDiscreteScheduler, FlowMatchEulerDiscreteScheduler

    sched = EulerDiscreteScheduler()
    sched.set_timesteps(4)
    sample = torch.zeros(1, 4, 2, 2)
    sched.step(torch.zeros_like(sample), sched.timesteps[0], sample)
    assert noise_sigma(sched) == pytest.approx(float(sched.sigmas[1]))
    flow = FlowMatchEulerDiscreteScheduler()
    flow.set_timesteps(4)
    assert noise_sigma(flow) is None and noise_sigma(None) is None
    space = LATENT_SPACES["sd"]
    lat, _ = _frames_of_colours([(200, 80, 40)] * 3, space)
    x = torch.from_numpy(lat)[None]
    sigma = 14.6
    np.testing.assert_array_equal(
        step_preview(x * float(np.sqrt(1 + sigma ** 2)), preview_spec("svd"), sigma=sigma),
        step_preview(x, preview_spec("svd")))


def test_grey_fallback_only_without_factors_and_says_so():
    rng = np.random.default_rng(2)
    x = torch.from_numpy(rng.normal(size=(1, 3, 4, 4, 6)).astype(np.float32))  # 4-ch "CogVideoX"
    p = step_preview(x, preview_spec("cogvideox"), size=30)
    assert not p.colour and p.shape == (20, 30, 3) and p.dtype == np.uint8
    assert "no latent→RGB factors for 4-channel 'cogvideox'" in p.caption
    assert p.min() < 20 and p.max() > 235  # min-max scaled
    q = step_preview(torch.randn(1, 12, 3, 4, 4), preview_spec("mochi"))  # an unknown family
    assert not q.colour and "'mochi'" in q.caption
    assert step_preview(torch.randn(1, 16, 3, 4, 4), preview_spec("wan")).colour


def test_bad_input_names_the_problem():
    with pytest.raises(ParameterError, match="5-D"):
        step_preview(torch.randn(4, 4, 4), preview_spec("wan"))
    with pytest.raises(ParameterError, match="do not fit the grid"):
        step_preview(torch.randn(1, 3, 8), preview_spec("ltx", grid=(2, 2, 2)))
    with pytest.raises(ParameterError, match="strip"):
        step_preview(torch.randn(1, 16, 3, 4, 4), preview_spec("wan"), strip=0)
    with pytest.raises(ParameterError, match="3 channels"):
        rgb_to_latents(np.zeros((2, 2, 4)), LATENT_SPACES["sd"])


def test_every_registered_family_has_a_layout_and_factors():
    """A diffusers preset whose family is missing here would get no preview (unknown layout)
    or a grey one: add its line to FAMILY_LAYOUTS and FAMILY_SPACES."""
    from i2v_nb.synthesis.latent_preview import FAMILY_LAYOUTS

    families = {m.family for m in models(backend="diffusers")}
    assert families - set(FAMILY_LAYOUTS) == set()
    assert families - set(FAMILY_SPACES) == set()
    assert set(FAMILY_LAYOUTS) == set(FAMILY_SPACES)


# ------------------------------------------------------------------------ through generate
TINY = [m.name for m in models() if m.is_tiny]


@pytest.mark.slow
@pytest.mark.parametrize("name", TINY)
def test_every_tiny_twin_delivers_step_previews(name, one_torch_thread):
    """generate(..., previews=True) gives progress a (H, W, 3) uint8 preview at every step, for
    every family (LTX's packed tokens included); twins whose latents have their real model's
    channel count (SVD 4, Wan 2.1 16, Wan 2.2 48) get the colour projection."""
    from PIL import Image

    calls = []
    image = Image.fromarray(smooth_image(48, 64, seed=3))
    needs = {"last_image": image.transpose(0)} if get_model(name).needs else {}  # FLF2V
    i2v_nb.generate(image, "a cat walks", model=name, seed=1, previews=True,
                    progress=lambda s, t, p: calls.append(p), **needs)
    assert len(calls) == get_model(name).defaults["num_inference_steps"]
    for p in calls:
        assert isinstance(p, StepPreview) and p.dtype == np.uint8
        assert p.ndim == 3 and p.shape[2] == 3 and max(p.shape[:2]) == 256
        assert p.caption and len(p.frames) == 1
    if name in ("tiny-svd", "tiny-wan", "tiny-wan-ti2v"):
        assert all(p.colour for p in calls), calls[0].caption
