"""Writing a motion spec back in English, in words the parser reads back the same.

:func:`describe_motion` is the one writer of motion words: ``MotionSpec.describe``,
:func:`~i2v_nb.prompting.build_prompt` and :func:`~i2v_nb.prompting.prompt_variations` all use
it. Every phrase below parses back (:func:`~i2v_nb.prompting.parse_prompt`) to the entry it
names, and every speed word to its speed bucket.

>>> speed_bucket(0.25), negative_phrase(["rain", "zoom_in", "zoom_out"])
('slow', 'no rain, no zoom')
"""

from __future__ import annotations

import random
import re
from typing import Any

from i2v_nb.prompting.vocabulary import CAMERA_MOVES


__all__ = ["describe_motion", "speed_bucket", "negative_phrase"]

_SPEED_ADVERBS = {  # bucket -> adverbs that parse back to that bucket
    "very_slow": ["very slowly", "extremely slowly"],
    "slow": ["slowly", "gradually"],
    "normal": ["", "steadily", "smoothly"],
    "fast": ["quickly", "rapidly", "swiftly"],
    "very_fast": ["very quickly", "extremely fast"],
}
_SPEED_ADJECTIVES = {
    "very_slow": ["very slow", "extremely slow"],
    "slow": ["slow", "gradual"],
    "normal": ["", "steady", "smooth"],
    "fast": ["fast", "quick", "rapid"],
    "very_fast": ["very fast", "very quick"],
}

_CAMERA_PHRASES: dict[str, list[str]] = {  # "{adv}" is the speed adverb (may be empty)
    "static": ["the camera stays still", "static camera", "the camera remains fixed",
               "locked off static shot"],
    "zoom_in": ["the camera {adv} zooms in", "{adj} zoom in", "the camera {adv} zooms in closer"],
    "zoom_out": ["the camera {adv} zooms out", "{adj} zoom out", "the camera {adv} zooms out wider"],
    "pan_left": ["the camera {adv} pans left", "{adj} pan to the left", "the camera {adv} pans to the left"],
    "pan_right": ["the camera {adv} pans right", "{adj} pan to the right",
                  "the camera {adv} pans to the right"],
    "tilt_up": ["the camera {adv} tilts up", "{adj} tilt upward", "the camera {adv} tilts upward"],
    "tilt_down": ["the camera {adv} tilts down", "{adj} tilt downward",
                  "the camera {adv} tilts downward"],
    "orbit_left": ["the camera {adv} orbits to the left", "{adj} orbit left",
                   "the camera {adv} arcs to the left"],
    "orbit_right": ["the camera {adv} orbits to the right", "{adj} orbit right",
                    "the camera {adv} arcs to the right"],
    "dolly_in": ["the camera {adv} dollies in", "{adj} push in", "{adj} dolly forward",
                 "the camera {adv} pushes in"],
    "dolly_out": ["the camera {adv} dollies out", "{adj} pull back", "{adj} dolly back",
                  "the camera {adv} pulls back"],
    "roll": ["the camera {adv} rolls", "{adj} camera roll", "the camera {adv} rotates"],
}

_SUBJECT_PHRASES: dict[str, list[str]] = {
    "turn_head": ["the subject turns their head", "the subject turns its head",
                  "a head turn"],
    "blink": ["the subject blinks", "eyes blinking"],
    "smile": ["the subject smiles", "a smile appears"],
    "walk": ["the subject walks", "walking"],
    "run": ["the subject runs", "running"],
    "wave": ["the subject waves a hand", "waving hello"],
    "hair_moving": ["hair flowing", "hair fluttering"],
    "nod": ["the subject nods", "a small nod"],
    "talk": ["the subject talks", "speaking"],
    "breathe": ["the subject breathes", "breathing"],
    "dance": ["the subject dances", "dancing"],
    "laugh": ["the subject laughs", "laughing"],
}

_ENV_PHRASES: dict[str, list[str]] = {
    # no leaves or fabric named here: the image may have none, and a text model would add them;
    # no ocean or shore for waves either: they may be on a lake (and a model would paint a beach)
    "wind": ["a gentle breeze blows", "the wind blows", "a light breeze in the air"],
    "water_ripples": ["ripples spread across the water", "the water ripples",
                      "rippling water"],
    "waves": ["waves roll across the water", "rolling waves", "waves move across the water"],
    "clouds_drift": ["clouds drift across the sky", "drifting clouds", "the clouds move"],
    "rain": ["rain falls", "it is raining", "raindrops fall"],
    "snow": ["snow falls", "snowflakes drift down", "it is snowing"],
    "fog": ["fog drifts", "mist rolls through", "hazy fog"],
    "smoke": ["smoke curls upward", "wisps of smoke", "steam rises"],
    "fire_flicker": ["flames flicker", "flickering candle light", "the fire flickers"],
    "light_change": ["the light shifts", "changing light", "shifting light"],
    "day_to_night": ["day turns into night", "night falls", "day fades into night"],
}

_INTENSITY_WORDS = {"low": ["subtle", "slight"], "normal": [""], "high": ["strong", "intense"]}


def speed_bucket(speed: float) -> str:
    """The speed level a speed in [0, 1] falls in: ``very_slow``, ``slow``, ``normal``, ``fast``
    or ``very_fast`` (the words of each level parse back into the same level)."""
    if speed < 0.175:
        return "very_slow"
    if speed < 0.375:
        return "slow"
    if speed < 0.65:
        return "normal"
    if speed < 0.875:
        return "fast"
    return "very_fast"


def _intensity_bucket(intensity: float) -> str:
    return "low" if intensity < 0.4 else ("high" if intensity > 0.7 else "normal")


def _pick(options: list[str], rng: random.Random | None, index: int = 0) -> str:
    return options[min(index, len(options) - 1)] if rng is None else rng.choice(options)


def describe_motion(spec: Any, *, style: str = "long", rng: random.Random | None = None,
                    negations: bool = True) -> str:
    """An English description of ``spec``'s motion that :func:`parse_prompt` reads back the same.

    Args:
        spec: the :class:`~i2v_nb.prompting.MotionSpec` to describe.
        style: ``"long"`` (the scene, then one sentence per motion), ``"paragraph"`` (the action
            first in one sentence, then the scene, the camera, the light: the chronological
            paragraph LTX-Video's authors advise) or ``"short"`` (comma phrases).
        rng: ``None`` for the canonical wording; a ``random.Random`` picks synonyms and an order
            (how :func:`~i2v_nb.prompting.prompt_variations` varies the wording).
        negations: include "no rain"-style phrases for ``spec.negative``.

    >>> from i2v_nb.prompting import MotionSpec
    >>> describe_motion(MotionSpec(camera="pan_left", speed=0.25), style="short")
    'slow pan to the left'
    >>> print(describe_motion(MotionSpec(camera="pan_left", environment=["waves"],
    ...                                  free_text="a lake at dawn"), style="paragraph"))
    Waves roll across the water. A lake at dawn. The camera pans left.
    """
    bucket = speed_bucket(spec.speed)
    k = 1 if style == "short" else 0  # canonical wording: sentences (long) or noun phrases (short)
    adv, adj = _pick(_SPEED_ADVERBS[bucket], rng), _pick(_SPEED_ADJECTIVES[bucket], rng)
    camera = _pick(_CAMERA_PHRASES[spec.camera], rng, k).replace("{adv}", adv).replace("{adj}", adj)
    camera = re.sub(r"\s+", " ", camera).strip()
    subj = [_pick(_SUBJECT_PHRASES[s], rng, k) if s in _SUBJECT_PHRASES else s for s in spec.subject]
    env = [_pick(_ENV_PHRASES[e], rng, k) for e in spec.environment]
    inten = _pick(_INTENSITY_WORDS[_intensity_bucket(spec.intensity)], rng)
    if inten and (env or subj):
        first = (env or subj)
        first[0] = f"{inten} {first[0]}" if not first[0].startswith("the ") else \
            f"{first[0]}, {inten} motion"
    parts_motion = [camera, *subj, *env]
    if rng is not None and len(parts_motion) > 1:
        rest = parts_motion[1:]
        rng.shuffle(rest)
        parts_motion = [parts_motion[0], *rest] if rng.random() < 0.5 else [*rest, parts_motion[0]]
    neg = negative_phrase(spec.negative) if negations else ""
    loop = ["seamless loop"] if spec.loop else []
    atmos = list(spec.atmosphere)
    scene = spec.free_text.strip()
    if style == "short":
        items = ([scene] if scene else []) + parts_motion + atmos + loop + ([neg] if neg else [])
        return ", ".join(i for i in items if i)
    sentences = []
    if style == "paragraph":  # the main action first, in one sentence; then scene and camera
        actions = [*subj, *env]
        if actions:
            sentences.append(_sentence(", and ".join(actions) if len(actions) < 3 else
                                       ", ".join(actions[:-1]) + ", and " + actions[-1]))
        if scene:
            sentences.append(_sentence(scene))
        sentences.append(_sentence(camera))
    else:
        if scene:
            sentences.append(_sentence(scene))
        sentences += [_sentence(p) for p in parts_motion]
    if neg:
        sentences.append(_sentence(neg))
    if atmos:
        sentences.append(_sentence(", ".join(atmos) + " atmosphere"))
    if loop:
        sentences.append("The motion forms a seamless loop.")
    return " ".join(sentences)


def negative_phrase(negative: list[str]) -> str:
    """``"no rain, no zoom"`` for excluded vocabulary entries (one word per camera kind)."""
    words = []
    for n in negative:
        if n in CAMERA_MOVES:
            w = n.split("_")[0]
            w = {"dolly": "dolly", "zoom": "zoom", "pan": "pan", "tilt": "tilt", "orbit": "orbit",
                 "roll": "roll"}[w]
        else:
            w = n.replace("_", " ")
            w = {"clouds drift": "clouds", "water ripples": "ripples", "fire flicker": "fire",
                 "light change": "light changes", "day to night": "nightfall",
                 "hair moving": "hair movement", "turn head": "head turn"}.get(w, w)
        if w not in words:
            words.append(w)
    return ("no " + ", no ".join(words)) if words else ""


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return (text[:1].upper() + text[1:] + ".") if text else ""

