"""Model registry and parameter validation: pure Python, no torch."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys
import warnings

import pytest

from i2v_nb.errors import ParameterError
from i2v_nb.synthesis.memory import next_profile, resolve_profile
from i2v_nb.synthesis.registry import (
    COMMON_PARAMS,
    ModelPreset,
    ParameterSnapped,
    PromptIgnored,
    get_model,
    models,
)

REAL = [m for m in models(backend="diffusers", include_tiny=False)]
DIFFUSERS = [m for m in models(backend="diffusers")]
SITE = pathlib.Path(sys.modules["pytest"].__file__).resolve().parents[1]  # site-packages


def quiet_validate(preset: ModelPreset, **params):
    """validate() and the list of warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = preset.validate(**params)
    return out, [w for w in caught if issubclass(w.category, (ParameterSnapped, PromptIgnored))]


# ---------------------------------------------------------------------------- registry contents
def test_required_families_and_hub_ids_present():
    ids = {m.hub_id for m in REAL}
    for hub in ["stabilityai/stable-video-diffusion-img2vid",
                "stabilityai/stable-video-diffusion-img2vid-xt",
                "THUDM/CogVideoX-5b-I2V", "Lightricks/LTX-Video",
                "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers", "Wan-AI/Wan2.1-I2V-14B-720P-Diffusers",
                "Wan-AI/Wan2.2-TI2V-5B-Diffusers", "hunyuanvideo-community/HunyuanVideo-I2V"]:
        assert hub in ids
    assert get_model("preview").backend == "preview" and get_model("preview").hub_id is None


@pytest.mark.parametrize("preset", DIFFUSERS, ids=lambda m: m.name)
def test_pipeline_class_exists_in_installed_diffusers(preset):
    # read the source instead of importing diffusers (fast): the class is exported by name
    init = (SITE / "diffusers" / "__init__.py").read_text()
    assert f'"{preset.pipeline_class}"' in init
    assert preset.family in {"svd", "cogvideox", "ltx", "wan", "hunyuan", "framepack"}


def _pipeline_class_source(name: str) -> ast.ClassDef:
    """The class ``name`` as found in the installed diffusers' pipelines (source, no import)."""
    for path in sorted((SITE / "diffusers" / "pipelines").rglob("pipeline_*.py")):
        text = path.read_text()
        if f"class {name}(" in text:
            tree = ast.parse(text)
            return next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
    raise AssertionError(f"no pipeline class {name} in the installed diffusers")


@pytest.mark.parametrize("preset", DIFFUSERS, ids=lambda m: m.name)
def test_call_arguments_exist_in_pipeline_signature(preset):
    """Every keyword the backend passes is a parameter of the pipeline's __call__ (source check),
    the pictures of a last frame and keyframes included where the preset can take them."""
    from i2v_nb.synthesis.diffusers_backend import pipeline_kwargs
    from i2v_nb.synthesis.diffusers_backend.conditions import condition_kwargs

    cls = _pipeline_class_source(preset.pipeline_class)
    call = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__call__")
    names = {a.arg for a in call.args.args + call.args.kwonlyargs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = preset.validate(prompt="a boat", negative_prompt="blur")
    kw = pipeline_kwargs(preset, params, prompt="a boat", negative_prompt="blur")
    conditions = {"last_image": "last" if "last_frame" in preset.capabilities else None,
                  "keyframes": {4: "key"} if "keyframes" in preset.capabilities else {}}
    pictures = condition_kwargs(preset, params, "first", conditions)
    # the step callback where the pipeline has one (else run.py hooks the scheduler's step)
    callbacks = {"callback_on_step_end", "callback_on_step_end_tensor_inputs"} & names
    assert set(kw) | set(pictures) | callbacks | {"generator", "output_type"} <= names
    assert callbacks or preset.pipeline_class == "HunyuanVideo15ImageToVideoPipeline"


def test_get_model_unknown_lists_names():
    with pytest.raises(ParameterError) as e:
        get_model("sora")
    assert "sora" in str(e.value) and "svd-xt" in str(e.value) and "tiny-wan" in str(e.value)


def test_get_model_accepts_hub_id_and_case():
    assert get_model("Lightricks/LTX-Video").name == "ltx-video"
    assert get_model("SVD-XT").name == "svd-xt"


def test_defaults_obey_own_rules():
    for m in DIFFUSERS:
        out, caught = quiet_validate(m)
        assert caught == [], (m.name, [str(w.message) for w in caught])
        assert out["width"] == m.defaults["width"] and out["num_frames"] == m.defaults["num_frames"]
        assert m.vram_gb["fast"] >= m.vram_gb["balanced"] >= m.vram_gb["low-vram"] > 0
        assert m.licence


def test_tiny_presets_cover_tiny_families():
    from i2v_nb import testing as tiny

    by_twin = {m.twin: m for m in models() if m.is_tiny}
    assert set(tiny.TINY_FAMILIES) == set(by_twin)
    for family, call in tiny.TINY_DEFAULTS.items():
        m = by_twin[family]
        assert m.hub_id is None and m.pipeline_class == tiny.TINY_PIPELINE_CLASSES[family]
        for key in ("width", "height", "num_frames", "num_inference_steps"):
            if key not in call:  # HunyuanVideo 1.5 takes no size: the picture's bucket
                continue
            if key == "num_frames" and m.sectioned:  # FramePack's argument is not its output
                assert m.sections(m.defaults[key], call["latent_window_size"]) == 1
                continue
            assert m.defaults[key] == call[key], (m.name, key)
    # every real model has a tiny twin of the same pipeline class
    for m in REAL:
        assert by_twin[m.twin].pipeline_class == m.pipeline_class


# ---------------------------------------------------------------------------- snapping rules
@pytest.mark.parametrize("name,asked,expected", [
    ("wan2.1-i2v-480p", 50, 49), ("wan2.1-i2v-480p", 51, 53), ("wan2.1-i2v-480p", 2, 5),
    ("wan2.1-i2v-480p", 500, 81), ("hunyuanvideo-i2v", 100, 101),
    ("ltx-video", 50, 49), ("ltx-video", 54, 57), ("ltx-video", 1000, 257), ("ltx-video", 3, 9),
    ("cogvideox-5b-i2v", 16, 49), ("svd-xt", 40, 25), ("svd", 1, 2),
])
def test_frame_rules_snap_to_nearest(name, asked, expected):
    m = get_model(name)
    with pytest.warns(ParameterSnapped, match=rf"num_frames {asked} -> {expected}"):
        out = m.validate(num_frames=asked)
    assert out["num_frames"] == expected
    if m.frame_step > 1:
        assert (out["num_frames"] - 1) % m.frame_step == 0


def test_framepack_sections_rule():
    m = get_model("framepack")
    with pytest.warns(ParameterSnapped, match="num_frames 91 -> 109"):
        assert m.validate(num_frames=91)["num_frames"] == 109  # 3 sections of 36 (+1)
    with pytest.warns(ParameterSnapped, match="num_frames 50 -> 41"):
        assert m.validate(num_frames=50, latent_window_size=5)["num_frames"] == 41
    assert m.sections(109, 9) == 3 and get_model("ltx-video").sections(161, 9) == 1


@pytest.mark.parametrize("name,legal", [("wan2.1-i2v-480p", 33), ("ltx-video", 97),
                                        ("svd-xt", 14), ("cogvideox-5b-i2v", 49)])
def test_legal_frames_pass_silently(name, legal):
    out, caught = quiet_validate(get_model(name), num_frames=legal)
    assert out["num_frames"] == legal and caught == []


def _windows(m: ModelPreset) -> list:
    """``latent_window_size`` values to try: None (the default) and, for sectioned models, a few
    inside the knob's range."""
    if not m.sectioned:
        return [None]
    knob = m.knobs["latent_window_size"]
    return [None, *sorted({int(knob.low), 2, 5, int(knob.high)} & set(range(int(knob.low),
                                                                            int(knob.high) + 1)))]


@pytest.mark.parametrize("preset", DIFFUSERS, ids=lambda m: m.name)
def test_frame_rule_methods_match_validate(preset):
    """legal_frames / frame_range / snap_frames are the rule validate() applies: every legal
    count passes silently, every other count warns, and snap_frames is the nearest legal count
    (ties up), found here by brute force over legal_frames."""
    for lws in _windows(preset):
        kw = {} if lws is None else {"latent_window_size": lws}
        legal = list(preset.legal_frames(**kw))
        assert legal == sorted(set(legal)) and legal
        assert preset.frame_range(**kw) == (legal[0], legal[-1])
        assert all(preset.min_frames <= n <= preset.max_frames for n in legal)
        if len(legal) > 1:
            assert {b - a for a, b in zip(legal, legal[1:])} == {preset.frame_stride(**kw)}
        top = legal[-1]  # every count up to 300, and around the largest (FramePack: 1801)
        for n in sorted({*range(1, min(top, 300)), *range(max(1, top - 60), top + 40)}):
            nearest = min(legal, key=lambda v: (abs(v - n), -v))
            assert preset.snap_frames(n, **kw) == nearest, (preset.name, lws, n)
            out, caught = quiet_validate(preset, num_frames=n, **kw)
            assert out["num_frames"] == nearest
            assert (caught == []) == (n in legal), (preset.name, lws, n, caught)


def test_frame_rule_methods_pinned():
    fp = get_model("framepack")
    assert fp.frame_stride() == 36 and fp.frame_stride(latent_window_size=5) == 20
    assert fp.frame_range(latent_window_size=5) == (21, 1801)
    assert list(get_model("tiny-ltx").legal_frames()) == [9, 17]
    assert get_model("cogvideox-5b-i2v").legal_frames() == (49,)
    assert get_model("wan2.1-i2v-480p").frame_range() == (5, 81)
    assert get_model("svd-xt").snap_frames(1) == 2 and get_model("hunyuanvideo-i2v").snap_frames(99) == 101


@pytest.mark.parametrize("preset", DIFFUSERS, ids=lambda m: m.name)
def test_snap_size_obeys_the_size_rule(preset):
    import random

    rng = random.Random(preset.name)
    sizes = [(rng.randint(1, 3000), rng.randint(1, 3000)) for _ in range(150)]
    for w, h in sizes + [(preset.defaults["width"], preset.defaults["height"])]:
        sw, sh = preset.snap_size(w, h)
        if preset.fixed_sizes is not None:
            assert (sw, sh) in preset.fixed_sizes
        else:
            assert sw % preset.size_multiple == 0 and sh % preset.size_multiple == 0
            assert sw * sh <= preset.max_pixels and sw > 0 and sh > 0
        assert preset.snap_size(sw, sh) == (sw, sh)  # a legal size is kept
        out, caught = quiet_validate(preset, width=w, height=h)
        assert (out["width"], out["height"]) == (sw, sh)
        assert (caught == []) == ((w, h) == (sw, sh))
    with pytest.raises(ParameterError, match="positive"):
        preset.snap_size(0, 480)


@pytest.mark.parametrize("name,size,expected", [
    ("ltx-video", (700, 470), (704, 480)),
    ("wan2.1-i2v-480p", (830, 478), (832, 480)),
    ("wan2.2-ti2v-5b", (1270, 700), (1280, 704)),
    ("svd", (1000, 580), (1024, 576)),
    ("cogvideox-5b-i2v", (1024, 576), (720, 480)),
])
def test_size_rules_snap(name, size, expected):
    m = get_model(name)
    with pytest.warns(ParameterSnapped, match=r"size"):
        out = m.validate(width=size[0], height=size[1])
    assert (out["width"], out["height"]) == expected


def test_size_above_budget_is_scaled_down_keeping_aspect():
    m = get_model("wan2.1-i2v-480p")
    with pytest.warns(ParameterSnapped):
        out = m.validate(width=1920, height=1080)
    w, h = out["width"], out["height"]
    assert w * h <= m.max_pixels and w % 16 == 0 and h % 16 == 0
    assert abs(w / h - 16 / 9) < 0.1


def test_fit_size_matches_aspect_and_rules():
    m = get_model("ltx-video")
    w, h = m.fit_size(9 / 16)
    assert w % 32 == 0 and h % 32 == 0 and h > w and w * h <= m.max_pixels
    assert get_model("cogvideox-5b-i2v").fit_size(0.5) == (720, 480)


@pytest.mark.parametrize("bad,rule", [
    (dict(num_frames=-3), "at least one frame"), (dict(num_frames=0), "at least one frame"),
    (dict(width=0), "positive"), (dict(height=-16), "positive"),
    (dict(num_inference_steps=0), "step"), (dict(fps=0), "positive"),
    (dict(guidance_scale=-1), ">= 0"), (dict(strength=0.5), "does not take"),
    (dict(width="wide"), "number"), (dict(num_frames=float("nan")), "finite"),
    (dict(prompt=3), "string"),
])
def test_impossible_requests_raise(bad, rule):
    with pytest.raises(ParameterError, match=rule):
        get_model("wan2.1-i2v-480p").validate(**bad)


def test_unknown_key_message_lists_accepted():
    with pytest.raises(ParameterError) as e:
        get_model("svd").validate(motion=3)
    assert "motion_bucket_id" in str(e.value) and "'motion'" in str(e.value)


def test_prompt_for_image_only_model_is_a_warning_and_dropped():
    with pytest.warns(PromptIgnored, match="does not read a text prompt"):
        out = get_model("svd-xt").validate(prompt="a cat walks")
    assert "prompt" not in out
    out, caught = quiet_validate(get_model("svd-xt"), prompt="  ")  # empty prompt: silent
    assert caught == []


def test_prompt_kept_for_text_models():
    out, caught = quiet_validate(get_model("ltx-video"), prompt="waves", negative_prompt="blur")
    assert out["prompt"] == "waves" and out["negative_prompt"] == "blur" and caught == []


def test_knobs_clip_with_warning_and_fill_defaults():
    m = get_model("svd-xt")
    with pytest.warns(ParameterSnapped, match="motion_bucket_id 400 -> 255"):
        out = m.validate(motion_bucket_id=400)
    assert out["motion_bucket_id"] == 255 and out["noise_aug_strength"] == 0.02
    with pytest.raises(ParameterError, match="True or False"):
        get_model("cogvideox-5b-i2v").validate(use_dynamic_cfg="yes")


def test_fps_conditioning_models_round_fps():
    with pytest.warns(ParameterSnapped, match="fps 7.6 -> 8"):
        assert get_model("svd").validate(fps=7.6)["fps"] == 8
    out, caught = quiet_validate(get_model("wan2.1-i2v-480p"), fps=12.5)
    assert out["fps"] == 12.5 and caught == []


def test_none_means_default():
    m = get_model("ltx-video")
    out, _ = quiet_validate(m, width=None, num_frames=None)
    assert out["width"] == 704 and out["num_frames"] == 161


def test_every_preset_accepts_common_params():
    for m in DIFFUSERS:
        assert set(COMMON_PARAMS) <= set(m.param_names)


def test_preview_preset_is_validated_by_the_one_engine():
    """The preview engine is a preset like the others: validate() runs the same engine
    (validate_params), and validate_preview_params is a thin name for it."""
    from i2v_nb.synthesis.preview import PREVIEW_DEFAULTS, PREVIEW_PARAMS, validate_preview_params
    from i2v_nb.synthesis.validation import validate_params

    p = get_model("preview")
    kw = dict(num_frames=30, fps=10, width=300, height=200, loop=True, camera="orbit_left")
    assert p.validate(**kw) == validate_params(p, **kw) == validate_preview_params(**kw)
    assert p.validate() == PREVIEW_DEFAULTS and set(PREVIEW_PARAMS) == set(p.param_names)
    assert PREVIEW_DEFAULTS["width"] is None and PREVIEW_DEFAULTS["fps"] == 12.0
    # its rules are data the shared engine reads: every count from 1 to 1000 passes silently,
    # counts outside are refused (not snapped), sizes are even from 16 to 4096
    for n in (1, 2, 24, 241, 999, 1000):
        out, caught = quiet_validate(p, num_frames=n)
        assert out["num_frames"] == n and caught == []
    for n in (0, 1001):
        with pytest.raises(ParameterError, match="1 to 1000"):
            p.validate(num_frames=n)
    out, caught = quiet_validate(p, width=101, height=60)
    assert (out["width"], out["height"]) == (102, 60) and len(caught) == 1
    assert "size 101x60 -> 102x60 for the preview engine" in str(caught[0].message)
    with pytest.raises(ParameterError, match="16 to 4096"):
        p.validate(width=15)
    with pytest.raises(ParameterError, match="240"):
        p.validate(fps=241)
    assert "num_inference_steps" not in p.validate(num_inference_steps=30)  # checked, unused
    with pytest.raises(ParameterError, match="ignores it"):
        p.validate(num_inference_steps=0)


def test_preview_preset_answers_the_rule_methods():
    """frame_stride / frame_range / legal_frames / snap_frames / snap_size / size_for_image /
    check_budget answer for the preview as they do for every model, and agree with validate()."""
    import random

    p = get_model("preview")
    assert p.frame_stride() == 1 and p.frame_range() == (1, 1000) and p.frame_rule == "any"
    assert list(p.legal_frames()) == list(range(1, 1001))
    assert [p.snap_frames(n) for n in (-5, 0, 1, 500, 1000, 5000)] == [1, 1, 1, 500, 1000, 1000]
    assert p.snap_size(513, None) == (514, None) and p.snap_size(513, 301) == (514, 302)
    assert p.snap_size(8, 5000) == (16, 4096)  # into the legal sides
    assert p.size_rule == "even sizes, 16 to 4096 px per side"
    rng = random.Random(0)
    for _ in range(300):
        w, h = rng.randint(16, 4096), rng.randint(16, 4096)
        sw, sh = p.snap_size(w, h)
        assert sw % 2 == 0 and sh % 2 == 0 and sw - w in (0, 1) and sh - h in (0, 1)
        assert p.snap_size(sw, sh) == (sw, sh)
        out, caught = quiet_validate(p, width=w, height=h, num_frames=1)
        assert (out["width"], out["height"]) == (sw, sh) and (caught == []) == ((w, h) == (sw, sh))
    # sizes that follow the picture: long side 512 (never enlarged), a given side kept
    assert p.size_for_image((1024, 768)) == (512, 384) and p.size_for_image((300, 200)) == (300, 200)
    assert p.size_for_image((1000, 500), None, 128) == (256, 128)
    assert get_model("ltx-video").size_for_image((1000, 500)) == get_model("ltx-video").fit_size(2.0)
    p.check_budget(512, 320, 1000)
    with pytest.raises(ParameterError, match="cap of 600,000,000"):
        p.check_budget(4096, 4096, 100)
    get_model("ltx-video").check_budget(4096, 4096, 10**6)  # no memory cap: a model's profiles


def test_validation_does_not_import_the_preview_engine():
    """One direction only: the preview engine reads the registry and the engine, never back."""
    code = ("import sys, i2v_nb.synthesis.registry as r; r.get_model('preview').validate(width=64); "
            "print('i2v_nb.synthesis.preview' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_presets_need_no_name_to_be_told_apart():
    """The preset data says what the widgets and generate need; nothing is keyed on a name."""
    for m in models():
        assert m.needs_gpu == (not m.is_tiny and m.backend != "preview"), m.name
        assert set(m.backend_options) <= {"profile", "dtype", "device", "previews"}
    p = get_model("preview")
    assert p.backend_options == () and p.ui_max_frames == 240 and p.owner == "the preview engine"
    assert all(k.advanced for k in p.knobs.values()) and not any(
        k.advanced for m in DIFFUSERS for k in m.knobs.values())


# ---------------------------------------------------------------------------- profiles
def test_auto_profile_picks_by_free_memory():
    need = {"fast": 30, "balanced": 12, "low-vram": 6}
    assert resolve_profile("auto", vram_gb=need, free_gb=80) == "fast"
    assert resolve_profile("auto", vram_gb=need, free_gb=20) == "balanced"
    assert resolve_profile("auto", vram_gb=need, free_gb=8) == "low-vram"
    assert resolve_profile("auto", vram_gb=need, free_gb=2) == "low-vram"
    assert resolve_profile("auto", vram_gb=need, free_gb=None) == "fast"  # CPU: no offload
    assert resolve_profile("balanced", vram_gb=need, free_gb=80) == "balanced"
    with pytest.raises(ParameterError, match="low-vram"):
        resolve_profile("tiny", vram_gb=need, free_gb=1)
    assert [next_profile(p) for p in ("fast", "balanced", "low-vram")] == ["balanced", "low-vram", None]


def test_import_stays_light():
    code = ("import sys, i2v_nb.synthesis.registry, i2v_nb.synthesis.memory, "
            "i2v_nb.synthesis.diffusers_backend, i2v_nb.testing; "
            "print(any(m in sys.modules for m in ('torch', 'diffusers', 'transformers')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_public_api_and_register_model():
    import dataclasses

    import i2v_nb
    from i2v_nb.synthesis.registry import register_model

    assert i2v_nb.get_model("svd") is get_model("svd")
    assert [m.name for m in i2v_nb.models(include_tiny=False)][-1] == "preview"
    with pytest.raises(ParameterError, match="already registered"):
        register_model(get_model("svd"))
    custom = dataclasses.replace(get_model("ltx-video"), name="my-ltx-finetune",
                                 hub_id="me/ltx-finetune")
    try:
        register_model(custom)
        assert get_model("me/ltx-finetune").name == "my-ltx-finetune"
        with pytest.warns(ParameterSnapped, match="num_frames 20 -> 17"):
            assert get_model("my-ltx-finetune").validate(num_frames=20)["num_frames"] == 17
    finally:
        from i2v_nb.synthesis import registry

        registry._PRESETS.pop("my-ltx-finetune", None)


def test_a_single_step_is_refused_where_the_pipeline_cannot_run_it():
    from i2v_nb.errors import ParameterError
    from i2v_nb.synthesis.registry import get_model

    with pytest.raises(ParameterError, match="at least 2 steps"):
        get_model("tiny-ltx").validate(num_inference_steps=1)
    with pytest.raises(ParameterError, match="at least 2 steps"):
        get_model("ltx-video").validate(num_inference_steps=1)
    assert get_model("tiny-wan").validate(num_inference_steps=1)["num_inference_steps"] == 1
