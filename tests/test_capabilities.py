"""Capabilities as data: every preset says what it can do, models(can=...) filters by it, and one
rule refuses a request using what a model lacks (before any work), naming the models that can.

Pure Python and the diffusers *source* (no torch, no weights): fast.
"""

from __future__ import annotations

import ast
import pathlib
import sys

import pytest

import i2v_nb
from i2v_nb.errors import ParameterError
from i2v_nb.synthesis import memory
from i2v_nb.synthesis.capabilities import (
    CAPABILITIES,
    INPUT_CAPABILITIES,
    check_capabilities,
    check_keyframes,
)
from i2v_nb.synthesis.registry import (
    check_request_capabilities,
    get_model,
    models,
    require_capability,
)

SITE = pathlib.Path(sys.modules["pytest"].__file__).resolve().parents[1]  # site-packages
DIFFUSERS = [m for m in models(backend="diffusers")]
IMG = [[[120, 80, 40]] * 8] * 8


def _call_names(pipeline_class: str) -> set[str]:
    """The parameters of a diffusers pipeline's ``__call__``, read from the installed source."""
    for path in sorted((SITE / "diffusers" / "pipelines").rglob("pipeline_*.py")):
        text = path.read_text()
        if f"class {pipeline_class}(" in text:
            cls = next(n for n in ast.parse(text).body
                       if isinstance(n, ast.ClassDef) and n.name == pipeline_class)
            call = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__call__")
            return {a.arg for a in call.args.args + call.args.kwonlyargs}
    raise AssertionError(pipeline_class)


# ------------------------------------------------------------------------- the data
@pytest.mark.parametrize("preset", models(), ids=lambda m: m.name)
def test_every_preset_lists_known_capabilities_consistent_with_its_data(preset):
    assert preset.capabilities <= set(CAPABILITIES) and preset.needs <= preset.capabilities
    assert ("text_prompt" in preset.capabilities) == preset.uses_prompt
    if preset.is_tiny:  # a twin can do what its real model can
        real = [m for m in models(include_tiny=False) if m.twin == preset.twin]
        assert real and all(m.capabilities == preset.capabilities for m in real)


@pytest.mark.parametrize("preset", DIFFUSERS, ids=lambda m: m.name)
def test_capabilities_match_the_pipeline_arguments(preset):
    """A capability is claimed only where the installed pipeline has the argument behind it."""
    names = _call_names(preset.pipeline_class)
    if "last_frame" in preset.capabilities:
        assert "last_image" in names or "frame_index" in names
    if {"keyframes", "video_condition"} & preset.capabilities:
        assert {"frame_index", "video", "conditions"} <= names
    if "long_video" in preset.capabilities:
        assert "latent_window_size" in names or "overlap_history" in names
    if "upsample" in preset.capabilities:
        init = (SITE / "diffusers" / "__init__.py").read_text()
        assert preset.upsampler and f'"{preset.upsampler[0]}"' in init
    if "overlap_history" in names or "frame_index" in names or "latent_window_size" in names:
        # the pipelines that have these arguments are the ones that can
        assert {"long_video", "keyframes", "last_frame"} & preset.capabilities


def test_superseded_presets_name_a_newer_one_and_keep_working():
    superseded = [m for m in models(include_tiny=False) if m.superseded_by]
    assert {m.name for m in superseded} >= {"wan2.1-i2v-480p", "wan2.1-i2v-720p", "ltx-video",
                                            "cogvideox-5b-i2v", "hunyuanvideo-i2v"}
    for m in superseded:
        newer = get_model(m.superseded_by)
        assert newer.superseded_by is None and newer.family == m.family
        assert m.validate()["num_frames"] == m.defaults["num_frames"]  # still usable


# ------------------------------------------------------------------------- models(can=...)
def test_models_can_filters_by_one_or_all_capabilities():
    last = {m.name for m in models(can="last_frame", include_tiny=False, backend="diffusers")}
    assert last == {"framepack", "wan2.2-i2v-a14b", "wan2.1-flf2v-720p",
                    "ltx-video-0.9.8-13b-distilled", "ltx-video-0.9.8-2b-distilled",
                    "skyreels-v2-flf2v-1.3b-540p"}
    assert {m.name for m in models(can="long_video", include_tiny=False, backend="diffusers")} \
        == {"framepack", "skyreels-v2-df-14b-540p"}
    both = {m.name for m in models(can=("last_frame", "long_video"))}
    assert both == {"framepack", "tiny-framepack"}
    assert {m.name for m in models(can=["last_frame", "long_video"])} == both
    assert i2v_nb.models(can="upsample", include_tiny=False) == [
        get_model("ltx-video-0.9.8-13b-distilled"), get_model("ltx-video-0.9.8-2b-distilled")]
    assert [m.name for m in models(can=[])] == [m.name for m in models()]  # no filter
    assert all("keyframes" in m.capabilities for m in models(can="keyframes"))


@pytest.mark.parametrize("bad", ["last-frame", ["last_frame", "sound"], 3])
def test_unknown_capability_lists_the_known_ones(bad):
    with pytest.raises(ParameterError) as e:
        models(can=bad)
    assert all(cap in str(e.value) for cap in CAPABILITIES)
    with pytest.raises(ParameterError, match="known"):
        check_capabilities(bad)


# ------------------------------------------------------------------------- refusals
def test_require_capability_names_the_models_that_have_it():
    require_capability("wan2.1-flf2v-720p", "last_frame")  # has it: no error
    with pytest.raises(ParameterError) as e:
        require_capability("svd-xt", "keyframes")
    msg = str(e.value)
    assert "svd-xt does not support 'keyframes'" in msg
    assert "ltx-video-0.9.8-13b-distilled" in msg and "tiny-" not in msg
    with pytest.raises(ParameterError) as e:  # a twin is told about the twins too
        require_capability("tiny-wan", "last_frame")
    assert "tiny-wan-a14b" in str(e.value) and "wan2.2-i2v-a14b" in str(e.value)
    with pytest.raises(ParameterError, match="known capabilities"):
        require_capability("tiny-wan", "fly")


def test_a_model_that_needs_a_last_frame_refuses_a_request_without_one():
    check_request_capabilities("wan2.1-flf2v-720p", ["last_frame"])
    with pytest.raises(ParameterError, match="needs 'last_frame'.*last_image="):
        check_request_capabilities("wan2.1-flf2v-720p", [])


@pytest.mark.parametrize("model,kwargs,expect", [
    ("svd", {"last_image": IMG}, "svd does not support 'last_frame'"),
    ("tiny-wan", {"last_image": IMG}, "tiny-wan does not support 'last_frame'"),
    ("tiny-wan-a14b", {"keyframes": {4: IMG}}, "tiny-wan-a14b does not support 'keyframes'"),
    ("svd", {"keyframes": {4: IMG}}, "models that do: ltx-video-0.9.8-13b-distilled"),
    ("tiny-wan-flf2v", {}, "tiny-wan-flf2v needs 'last_frame'"),
    ("tiny-skyreels-flf2v", {}, "needs 'last_frame'"),
])
def test_generate_refuses_before_any_work(model, kwargs, expect, monkeypatch):
    """The refusal comes first: the picture is a missing file, and no backend runs."""
    from i2v_nb.synthesis import backend

    monkeypatch.setattr(backend, "get_backend", lambda name: pytest.fail("a backend was asked"))
    with pytest.raises(ParameterError) as e:
        i2v_nb.generate("no-such-picture.png", "a cat", model=model, **kwargs)
    assert expect in str(e.value)


def test_keyframes_are_checked_against_the_clip():
    assert list(check_keyframes({8: "b", 4: "a"}, 9)) == [4, 8]
    assert check_keyframes({-1: "z", 2: "k"}, 9) == {2: "k", 8: "z"}  # from the end
    for bad in ({0: "a"}, {9: "a"}, {-9: "a"}, {2.0: "a"}, {True: "a"}, {}, ["a"],
                {8: "a", -1: "b"}):
        with pytest.raises(ParameterError, match="keyframes"):
            check_keyframes(bad, 9)
    with pytest.raises(ParameterError, match="1 to 8"):
        i2v_nb.generate("no-such-picture.png", "a cat", model="tiny-ltx-condition",
                        keyframes={9: IMG})
    assert set(INPUT_CAPABILITIES.values()) <= set(CAPABILITIES)


def test_offload_profiles_keep_one_expert_on_the_gpu():
    """Wan 2.2 A14B's two experts: the profiles that offload say that only the active one is
    on the GPU (model offload chains them); fast holds both; a CPU has nothing to offload."""

    class Pipe:
        vae = None

        def __init__(self):
            self.calls = []

        def to(self, device):
            self.calls.append(("to", device))

        def enable_model_cpu_offload(self, device):
            self.calls.append(("model_cpu_offload", device))

        def enable_group_offload(self, **kwargs):
            self.calls.append(("group_offload", kwargs["offload_type"]))

    experts = get_model("wan2.2-i2v-a14b").experts
    assert experts == ("transformer", "transformer_2")
    note = "experts one at a time: transformer, transformer_2"
    for profile in ("balanced", "low-vram"):
        pipe = Pipe()
        done = memory.apply_profile(pipe, profile, family="wan", device="cuda", experts=experts)
        assert note in done and pipe.calls[0][0] in ("model_cpu_offload", "group_offload")
    assert note not in memory.apply_profile(Pipe(), "fast", family="wan", device="cuda",
                                            experts=experts)
    assert note not in memory.apply_profile(Pipe(), "balanced", family="wan", device="cpu",
                                            experts=experts)
    assert note not in memory.apply_profile(Pipe(), "balanced", family="wan", device="cuda")
    assert get_model("wan2.2-i2v-a14b").vram_gb["fast"] > 2 * get_model(
        "wan2.2-i2v-a14b").vram_gb["balanced"] * 0.9  # both 14B experts on the GPU under fast
