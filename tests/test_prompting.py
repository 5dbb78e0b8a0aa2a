"""Motion prompts: parse_prompt on a table of prompts, robustness, build_prompt per family,
prompt_variations keeping the motion."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import i2v_nb
from i2v_nb.errors import ParameterError
from i2v_nb.prompting import (
    CAMERA_MOVES,
    DEFAULT_NEGATIVE_PROMPTS,
    ENVIRONMENT_EFFECTS,
    FAMILIES,
    MotionSpec,
    build_prompt,
    parse_prompt,
    prompt_variations,
    resolve_family,
)
from i2v_nb.prompting.rules import CAMERA_KINDS, compiled_rules
from i2v_nb.prompting.vocabulary import SUBJECT_MOTIONS
from i2v_nb.prompting.wording import describe_motion, speed_bucket
from i2v_nb.prompting.writers import guess_family

# prompt -> expected fields (only the fields named are checked; lists compared as sets)
TABLE: list[tuple[str, dict]] = [
    # empty and blank
    ("", dict(camera="static", speed=0.5, environment=[], subject=[], loop=False, free_text="")),
    ("   \n\t ", dict(camera="static", environment=[], free_text="")),
    # camera vocabulary and synonyms
    ("zoom in", dict(camera="zoom_in", speed=0.5)),
    ("Slow zoom out", dict(camera="zoom_out", speed=0.25)),
    ("push in", dict(camera="dolly_in")),
    ("Dolly forward", dict(camera="dolly_in")),
    ("the camera slowly dollies in", dict(camera="dolly_in", speed=0.25)),
    ("pull back slowly", dict(camera="dolly_out", speed=0.25)),
    ("camera moves right", dict(camera="pan_right")),
    ("the camera moves to the left", dict(camera="pan_left")),
    ("PAN RIGHT!!!", dict(camera="pan_right")),
    ("tilt up to the sky", dict(camera="tilt_up")),
    ("camera tilts down", dict(camera="tilt_down")),
    ("crane up", dict(camera="tilt_up")),
    ("orbit around the statue to the left", dict(camera="orbit_left")),
    ("orbits clockwise", dict(camera="orbit_right")),
    ("slow roll", dict(camera="roll", speed=0.25)),
    ("dutch angle", dict(camera="roll")),
    ("Camera moves forward through the forest", dict(camera="dolly_in", free_text="the forest")),
    ("very fast pan right", dict(camera="pan_right", speed=0.95)),
    ("dramatic orbit right, fire flickers",
     dict(camera="orbit_right", speed=0.85, intensity=0.85, environment=["fire_flicker"])),
    # negation and static cameras
    ("static camera, clouds drift", dict(camera="static", environment=["clouds_drift"],
                                         free_text="")),
    ("the camera stays still", dict(camera="static", negative=[])),
    ("no camera movement, only the clouds drift",
     dict(camera="static", environment=["clouds_drift"], negative=[])),
    ("the camera does not zoom, rain falls",
     dict(camera="static", environment=["rain"], negative=["zoom_in", "zoom_out"])),
    ("don't pan. leaves sway gently in the breeze",
     dict(camera="static", environment=["wind"], negative=["pan_left", "pan_right"], speed=0.25)),
    ("no wind, no rain, slow zoom in",
     dict(camera="zoom_in", environment=[], negative=["wind", "rain"], speed=0.25)),
    ("no wind or rain", dict(environment=[], negative=["wind", "rain"])),
    ("never zoom in, pan left", dict(camera="pan_left", negative=["zoom_in", "zoom_out"])),
    ("a dog with no collar runs", dict(subject=["run"], negative=[],
                                      free_text="a dog with no collar")),
    ("no loop", dict(loop=False)),
    ("subtle breathing, static shot", dict(camera="static", subject=["breathe"], intensity=0.2)),
    # mixed camera + environment + subject
    ("fast dolly in, waves crash on the shore",
     dict(camera="dolly_in", speed=0.8, environment=["waves"], free_text="the shore")),
    ("A woman on a beach, hair moving in the wind, slow zoom in, cinematic",
     dict(camera="zoom_in", speed=0.25, subject=["hair_moving"], environment=["wind"],
          atmosphere=["cinematic"], free_text="a woman on a beach")),
    ("a woman, hair blowing in the wind, she smiles and blinks",
     dict(subject=["hair_moving", "smile", "blink"], environment=["wind"])),
    ("she waves hello while the camera pans left", dict(camera="pan_left", subject=["wave"],
                                                       environment=[])),
    ("the man turns his head and nods", dict(camera="static", subject=["turn_head", "nod"])),
    ("snow falling, foggy morning, cinematic",
     dict(environment=["snow", "fog"], atmosphere=["cinematic"], free_text="morning")),
    ("day to night timelapse over the city", dict(environment=["day_to_night"],
                                                  free_text="the city")),
    ("candle flickering in a dark room", dict(environment=["fire_flicker"])),
    ("shadows move across the wall", dict(camera="static", environment=["light_change"],
                                          free_text="the wall")),
    ("ripples on the lake, very slowly zoom in",
     dict(camera="zoom_in", speed=0.1, environment=["water_ripples"])),
    ("flag waving, camera tilts up", dict(camera="tilt_up", environment=["wind"], subject=[])),
    ("strong wind in the trees", dict(environment=["wind"], intensity=0.85)),
    ("rolling waves, camera static", dict(camera="static", environment=["waves"])),
    ("smoke rises from the chimney", dict(camera="static", environment=["smoke"])),
    ("the sun sets", dict(environment=["day_to_night"])),
    ("the camera rises above the clouds", dict(camera="tilt_up", environment=["clouds_drift"])),
    ("seamless loop of drifting clouds", dict(loop=True, environment=["clouds_drift"])),
    # unicode, arrows, dashes, control characters
    ("day→night, seamless loop", dict(environment=["day_to_night"], loop=True)),
    ("ZOOM–IN ＼ slowly", dict(camera="zoom_in", speed=0.25, free_text="")),
    ("zoom\x00in\x07 fast", dict(camera="zoom_in", speed=0.8)),
    ("caméra: zoom avant, 雲が流れる", dict(camera="zoom_in", free_text="caméra, avant, 雲が流れる")),
    ("🌊 waves 🌊", dict(environment=["waves"], free_text="")),
    ("pan\u200bleft", dict(camera="pan_left")),  # invisible format characters separate words
    ("Ｐａｎ　ｌｅｆｔ", dict(camera="pan_left")),  # full-width letters (NFKC)
    ("the camera pans left\r\nthe leaves rustle", dict(camera="pan_left", environment=["wind"])),
]


@pytest.mark.parametrize("text,expected", TABLE, ids=[repr(t)[:40] for t, _ in TABLE])
def test_parse_prompt_table(text, expected):
    spec = parse_prompt(text)
    for name, want in expected.items():
        got = getattr(spec, name)
        if isinstance(want, list):
            assert sorted(got) == sorted(want), (name, got)
        elif isinstance(want, float):
            assert got == pytest.approx(want), (name, got)
        else:
            assert got == want, (name, got)


def test_table_covers_the_vocabulary():
    """Every camera move and environment effect is the expected answer of some row above."""
    cameras = {expected.get("camera") for _, expected in TABLE}
    effects = {e for _, expected in TABLE for e in expected.get("environment", [])}
    assert set(CAMERA_MOVES) <= cameras, set(CAMERA_MOVES) - cameras
    assert set(ENVIRONMENT_EFFECTS) <= effects, set(ENVIRONMENT_EFFECTS) - effects


def test_very_long_prompt():
    text = ("a quiet harbour at dawn with small boats, " * 2000) + "slow pan left, waves"
    spec = parse_prompt(text)
    # only the first 8 000 characters are read: the camera at the end is beyond that
    assert spec.camera == "static"
    assert len(spec.free_text) <= 2000
    short = parse_prompt(("boats " * 500) + ", slow pan left, ripples")
    assert short.camera == "pan_left" and short.environment == ["water_ripples"]


def test_parse_prompt_accepts_none_spec_and_objects():
    assert parse_prompt(None).is_static
    spec = MotionSpec(camera="roll", speed=0.2, environment=["rain"])
    copy = parse_prompt(spec)
    assert copy == spec and copy is not spec and copy.environment is not spec.environment
    assert parse_prompt(12345).free_text == "12345"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_prompt_never_raises(text):
    spec = parse_prompt(text)
    assert spec.camera in CAMERA_MOVES
    assert 0.0 <= spec.speed <= 1.0 and 0.0 <= spec.intensity <= 1.0
    assert set(spec.environment) <= set(ENVIRONMENT_EFFECTS)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["zoom", "in", "no", "pan", "left", "wind", "camera", "not",
                                 "slowly", "fast", ",", ".", "loop", "rain", "orbit", "é", "\x00",
                                 "clouds", "drift", "very", "rolls"]), max_size=30))
def test_parse_prompt_never_raises_on_vocabulary_soup(words):
    spec = parse_prompt(" ".join(words))
    assert spec.camera in CAMERA_MOVES


def test_motion_spec_validation():
    with pytest.raises(ParameterError, match="sideways"):
        MotionSpec(camera="sideways")
    with pytest.raises(ParameterError, match="speed"):
        MotionSpec(speed=1.5)
    with pytest.raises(ParameterError, match="intensity"):
        MotionSpec(intensity=-0.1)
    with pytest.raises(ParameterError, match="tornado"):
        MotionSpec(environment=["tornado"])
    spec = MotionSpec(camera="zoom_in", subject="smile")
    assert spec.subject == ["smile"]
    assert MotionSpec.from_dict(spec.to_dict() | {"unknown": 1}) == spec


def test_public_names_from_top_level():
    assert i2v_nb.MotionSpec is MotionSpec
    assert i2v_nb.parse_prompt is parse_prompt
    assert i2v_nb.build_prompt is build_prompt
    assert i2v_nb.prompt_variations is prompt_variations


def test_motion_strength_orders_prompts():
    still = parse_prompt("").motion_strength
    gentle = parse_prompt("slow zoom in").motion_strength
    wild = parse_prompt("very fast dramatic orbit, strong wind, waves, rain").motion_strength
    assert still < gentle < wild <= 1.0


# ---------------------------------------------------------------------------- build_prompt

TEXT = "A lighthouse on a cliff, slow zoom in, waves crash, no rain, cinematic"


def test_build_prompt_svd_has_knobs_and_no_text():
    out = build_prompt(TEXT, "svd")
    assert out["family"] == "svd" and out["prompt"] is None and out["negative_prompt"] is None
    assert set(out["pipeline_kwargs"]) == {"motion_bucket_id", "noise_aug_strength"}
    assert 1 <= out["motion_bucket_id"] <= 255 and 0 <= out["noise_aug_strength"] <= 0.1
    # more motion -> larger bucket and more noise augmentation; a normal amount maps to the
    # model's default 127 / 0.02 neighbourhood
    calm = build_prompt("static camera", "svd")
    wild = build_prompt("very fast dramatic orbit, strong wind, rain", "svd")
    assert calm["motion_bucket_id"] < out["motion_bucket_id"] < wild["motion_bucket_id"]
    assert calm["noise_aug_strength"] < wild["noise_aug_strength"]
    mid = build_prompt(MotionSpec(camera="pan_left", speed=0.5, intensity=0.5), "svd")
    assert abs(mid["motion_bucket_id"] - 127) <= 3
    assert mid["noise_aug_strength"] == pytest.approx(0.02, abs=0.002)
    assert "lighthouse" in out["ignored_text"]


@pytest.mark.parametrize("family", ["cogvideox", "wan"])
def test_build_prompt_long_families(family):
    out = build_prompt(TEXT, family)
    prompt = out["prompt"]
    assert prompt.startswith("A lighthouse on a cliff.")
    assert "zooms in" in prompt and "waves" in prompt.lower() and "cinematic" in prompt.lower()
    assert "rain" not in prompt  # the exclusion goes to the negative prompt only
    assert len(prompt.split()) >= 20  # descriptive sentences
    assert out["negative_prompt"].startswith("rain, ")  # the excluded thing comes first
    assert out["pipeline_kwargs"] == {"prompt": prompt, "negative_prompt": out["negative_prompt"]}
    # the prompt describes the same motion
    back = parse_prompt(prompt)
    assert back.camera == "zoom_in" and "waves" in back.environment and back.speed == 0.25


def test_build_prompt_wan_uses_its_recommended_negative():
    out = build_prompt("zoom in", "wan")
    assert out["negative_prompt"] == DEFAULT_NEGATIVE_PROMPTS["wan"]
    assert "overexposed" in out["negative_prompt"]
    still = build_prompt("the camera stays still", "wan")
    assert "static" not in still["negative_prompt"]  # a still clip must not fight "static"


def test_build_prompt_ltx_paragraph_starts_with_the_action():
    """LTX-Video's README: one flowing paragraph, the main action first in a single sentence,
    then the scene, the camera, the light; within 200 words."""
    out = build_prompt(TEXT, "ltx")
    assert out["prompt"] == ("Waves roll across the water. A lighthouse on a cliff. "
                             "The camera slowly zooms in. Cinematic atmosphere.")
    assert "\n" not in out["prompt"] and len(out["prompt"].split()) <= 200
    assert "worst quality" in out["negative_prompt"] and out["negative_prompt"].startswith("rain")
    back = parse_prompt(out["prompt"])
    assert (back.camera, back.speed, back.environment) == ("zoom_in", 0.25, ["waves"])
    two = build_prompt("she smiles, clouds drift, rain, slow pan left", "ltx")["prompt"]
    assert two.startswith("The subject smiles, clouds drift across the sky, and rain falls.")
    assert two.index("pans left") > two.index("rain falls")  # the camera after the action
    still = build_prompt("static camera", "ltx")["prompt"]
    assert still == "The camera stays still."  # no action: the camera is the action


def test_waves_name_no_ocean_or_shore():
    """Waves on a lake are not an ocean's: no writer adds an ocean or a shore the image lacks."""
    for family in FAMILIES:
        out = build_prompt("a lake, gentle waves, slow pan right", family)
        text = " ".join(str(out.get(k) or "") for k in ("prompt", "ignored_text"))
        assert not re.search(r"\b(?:ocean|sea|shore|beach|surf)\b", text, re.I), (family, text)
    for v in prompt_variations("a lake, gentle waves", 8, seed=0):
        assert not re.search(r"\b(?:ocean|sea|shore|beach)\b", v, re.I), v
        assert parse_prompt(v).environment == ["waves"] and parse_prompt(v).free_text == "a lake"


@pytest.mark.parametrize("family", ["hunyuan", "framepack", "preview"])
def test_build_prompt_other_families(family):
    out = build_prompt(TEXT, family)
    assert out["family"] == family
    assert "zoom" in out["prompt"]
    assert parse_prompt(out["prompt"]).camera == "zoom_in"
    if family == "hunyuan":
        assert out["negative_prompt"] and "negative_prompt" in out["pipeline_kwargs"]
    else:
        assert out["negative_prompt"] is None and "negative_prompt" not in out["pipeline_kwargs"]


def test_build_prompt_every_family_and_model_forms():
    for family in FAMILIES:
        out = build_prompt("pan left", family)
        assert out["family"] == family and out["spec"]["camera"] == "pan_left"

    class Preset:
        family = "ltx"

    assert build_prompt("zoom in", Preset())["family"] == "ltx"
    assert resolve_family("WAN") == "wan"
    assert resolve_family("svd-xt") == "svd"  # a preset name from the registry
    assert resolve_family("tiny-cogvideox") == "cogvideox"
    with pytest.raises(ParameterError, match="no known family"):
        build_prompt("zoom in", "dall-e")


def test_build_prompt_accepts_spec():
    spec = MotionSpec(camera="tilt_down", speed=0.9, environment=["snow"], loop=True)
    out = build_prompt(spec, "cogvideox")
    back = parse_prompt(out["prompt"])
    assert (back.camera, back.environment, back.loop) == ("tilt_down", ["snow"], True)
    assert back.speed >= 0.8


# ------------------------------------------------------------------------ prompt_variations

@pytest.mark.parametrize("text", [
    TEXT,
    "she smiles, hair flowing, slow orbit left, seamless loop",
    "static camera, clouds drift, rain",
    "very fast pan right, strong wind in the trees",
    "",
])
def test_prompt_variations_keep_motion(text):
    base = parse_prompt(text)
    out = prompt_variations(text, 5, seed=3)
    assert len(out) == 5
    for v in out:
        spec = parse_prompt(v)
        assert spec.camera == base.camera
        assert set(spec.environment) == set(base.environment)
        assert set(spec.subject) == set(base.subject)
        assert spec.loop == base.loop
        assert abs(spec.speed - base.speed) <= 0.15
    if text:
        assert len(set(out)) >= 3  # the wording varies


def test_prompt_variations_deterministic_per_seed():
    assert prompt_variations(TEXT, 4, seed=7) == prompt_variations(TEXT, 4, seed=7)
    assert prompt_variations(TEXT, 4, seed=7) != prompt_variations(TEXT, 4, seed=8)
    assert prompt_variations(TEXT, 0) == []
    with pytest.raises(ParameterError, match="0 to 100"):
        prompt_variations(TEXT, -1)


def test_spec_is_a_plain_dataclass():
    assert dataclasses.is_dataclass(MotionSpec)
    names = {f.name for f in dataclasses.fields(MotionSpec)}
    assert {"camera", "speed", "subject", "environment", "atmosphere", "intensity", "loop",
            "free_text"} <= names


def test_repeated_prompts_give_independent_specs():
    """parse_prompt remembers parses per text; changing one result must not leak into the next."""
    first = parse_prompt("slow zoom in, clouds drifting")
    first.environment.append("rain")
    first.camera = "pan_left"
    again = parse_prompt("slow zoom in, clouds drifting")
    assert again.camera == "zoom_in" and "rain" not in again.environment
    assert again is not first and again == parse_prompt("slow zoom in, clouds drifting")


# ------------------------------------------------- the package's layers and the family lookup


def test_prompting_imports_nothing_above_it():
    """prompting sits below synthesis: importing it (every module of it) loads no synthesis,
    widgets or diagnostics module."""
    code = ("import sys, i2v_nb.prompting, pkgutil, importlib\n"
            "for m in pkgutil.iter_modules(i2v_nb.prompting.__path__):\n"
            "    importlib.import_module('i2v_nb.prompting.' + m.name)\n"
            "up = sorted(m for m in sys.modules if m.split('.')[:2] in "
            "(['i2v_nb', 'synthesis'], ['i2v_nb', 'widgets'], ['i2v_nb', 'diagnostics']))\n"
            "print(up)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout


def test_every_registry_preset_name_and_hub_id_gives_its_family():
    """Callers may pass a registry model name (or hub id) as a string: the family read from the
    name must be the preset's own family, for every registered preset."""
    presets = i2v_nb.models()
    assert len({p.family for p in presets}) >= 6  # real presets, the preview engine, tiny twins
    for preset in presets:
        for name in (preset.name, preset.name.upper(), f"  {preset.name} ", preset.hub_id):
            if name is None:
                continue
            assert resolve_family(name) == preset.family, (name, preset.family)
            assert guess_family(name) == preset.family, name
        spec = parse_prompt("slow zoom in, rain, no wind")
        by_preset, by_name = build_prompt(spec, preset), build_prompt(spec, preset.name)
        assert by_preset == by_name == build_prompt(spec, preset.family)
        assert by_preset["family"] == preset.family


def test_preset_objects_are_read_by_their_family_attribute():
    """A preset whose name names no family still works when passed as the object; its name
    alone gives an error that says to pass the preset."""
    preset = dataclasses.replace(i2v_nb.get_model("ltx-video"), name="my-house-model")
    assert build_prompt("pan left", preset)["family"] == "ltx"
    assert guess_family("my-house-model") is None
    with pytest.raises(ParameterError, match=r"no known family.*get_model\(name\)"):
        build_prompt("pan left", "my-house-model")
    with pytest.raises(ParameterError, match="no known family"):
        resolve_family(type("P", (), {"family": "sora"})())
    with pytest.raises(ParameterError, match="no known family"):
        resolve_family(None)


def test_parser_rules_name_only_vocabulary_entries():
    rules = compiled_rules()
    assert {r[1] for r in rules["camera"]} == set(CAMERA_MOVES)
    assert {r[1] for r in rules["subject"]} == set(SUBJECT_MOTIONS)
    assert {r[1] for r in rules["env"]} == set(ENVIRONMENT_EFFECTS)
    kinds = {r[2] for r in rules["camera"]}
    assert kinds == set(CAMERA_KINDS)
    assert {m for moves in CAMERA_KINDS.values() for m in moves} == set(CAMERA_MOVES) - {"static"}
    for _, speed, intensity in rules["tempo"]:
        assert speed is not None or intensity is not None
        assert all(v is None or 0.0 <= v <= 1.0 for v in (speed, intensity))


@pytest.mark.parametrize("style", ["long", "short"])
def test_canonical_wording_parses_back_for_every_entry(style):
    """describe_motion's canonical words for each camera move at each speed level, and for each
    subject motion and environment effect, parse back to the same entry and level."""
    for camera in CAMERA_MOVES:
        for speed in (0.1, 0.25, 0.5, 0.8, 0.95):
            text = describe_motion(MotionSpec(camera=camera, speed=speed), style=style)
            back = parse_prompt(text)
            assert back.camera == camera, (text, back.camera)
            if camera != "static":
                assert speed_bucket(back.speed) == speed_bucket(speed), (text, back.speed)
    for effect in ENVIRONMENT_EFFECTS:
        text = describe_motion(MotionSpec(environment=[effect]), style=style)
        assert parse_prompt(text).environment == [effect], text
    for motion in SUBJECT_MOTIONS:
        text = describe_motion(MotionSpec(subject=[motion]), style=style)
        assert parse_prompt(text).subject == [motion], text
    text = describe_motion(MotionSpec(negative=["rain", "zoom_in", "zoom_out"]), style=style)
    assert set(parse_prompt(text).negative) == {"rain", "zoom_in", "zoom_out"}, text
