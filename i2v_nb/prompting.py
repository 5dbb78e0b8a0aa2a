"""Motion prompts: words → a structured :class:`MotionSpec` → what each model family wants.

``parse_prompt`` turns free English ("slow push in, hair moving in the wind, no rain") into a
:class:`MotionSpec`; ``build_prompt`` turns a spec (or a text) into the keyword arguments a model
family responds to (long descriptive prompts for CogVideoX/Wan, a short one for LTX, motion knobs
for SVD, which takes no text); ``prompt_variations`` rephrases a prompt while keeping its motion.

Camera words mean the camera's own move: when the camera pans left, the content moves right in the
frame; when it zooms in, the content grows outward from the centre.

>>> spec = parse_prompt("Slowly push in, the clouds drift, no wind")
>>> spec.camera, spec.speed, spec.environment, spec.negative
('dolly_in', 0.25, ['clouds_drift'], ['wind'])
>>> build_prompt(spec, "svd")["motion_bucket_id"] <= 127
True
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import random
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from i2v_nb.errors import ParameterError

__all__ = [
    "MotionSpec",
    "parse_prompt",
    "build_prompt",
    "prompt_variations",
    "resolve_family",
    "CAMERA_MOVES",
    "SUBJECT_MOTIONS",
    "ENVIRONMENT_EFFECTS",
    "FAMILIES",
    "DEFAULT_NEGATIVE_PROMPTS",
]

#: The camera vocabulary: the camera's own move (pan left → content moves right in the frame).
CAMERA_MOVES: tuple[str, ...] = (
    "static", "zoom_in", "zoom_out", "pan_left", "pan_right", "tilt_up", "tilt_down",
    "orbit_left", "orbit_right", "dolly_in", "dolly_out", "roll",
)
#: Known subject motions (``MotionSpec.subject`` may also hold other short verbs).
SUBJECT_MOTIONS: tuple[str, ...] = (
    "turn_head", "blink", "smile", "walk", "run", "wave", "hair_moving", "nod", "talk",
    "breathe", "dance", "laugh",
)
#: Known environment effects.
ENVIRONMENT_EFFECTS: tuple[str, ...] = (
    "wind", "water_ripples", "waves", "clouds_drift", "rain", "snow", "fog", "smoke",
    "fire_flicker", "light_change", "day_to_night",
)
#: Model families ``build_prompt`` knows (the model registry's presets carry one of these).
FAMILIES: tuple[str, ...] = ("svd", "cogvideox", "ltx", "wan", "hunyuan", "framepack", "preview")

#: Default negative prompts per family (None: the family takes no negative prompt).
DEFAULT_NEGATIVE_PROMPTS: dict[str, str | None] = {
    "svd": None,
    "cogvideox": ("blurry, low quality, distorted, deformed, jittery motion, flickering, "
                  "morphing faces, extra limbs, watermark, text, subtitles, static frame"),
    # Wan's recommended negative prompt (English translation of the model card's Chinese one).
    "wan": ("bright tones, overexposed, static, blurred details, subtitles, style, works, "
            "paintings, images, static, overall gray, worst quality, low quality, JPEG compression "
            "residue, ugly, incomplete, extra fingers, poorly drawn hands, poorly drawn faces, "
            "deformed, disfigured, misshapen limbs, fused fingers, still picture, messy background, "
            "three legs, many people in the background, walking backwards"),
    # LTX-Video's recommended negative prompt.
    "ltx": "worst quality, inconsistent motion, blurry, jittery, distorted",
    "hunyuan": ("blurry, low quality, distorted, deformed, jittery, flickering, watermark, text, "
                "static"),
    "framepack": None,
    "preview": None,
}

_MAX_CHARS = 8_000  # longer prompts are parsed on their first 8 000 characters

# ----------------------------------------------------------------------------------------------
# The spec
# ----------------------------------------------------------------------------------------------


@dataclass
class MotionSpec:
    """What should move in a clip, and how: the structured form of a motion prompt.

    Attributes:
        camera: one of :data:`CAMERA_MOVES` (the camera's own move; ``"static"`` for none).
        speed: tempo of the motion in [0, 1] (0.5 normal, 0.25 "slowly", 0.8 "fast").
        subject: subject motions, from :data:`SUBJECT_MOTIONS` (other short verbs allowed).
        environment: environment effects, each one of :data:`ENVIRONMENT_EFFECTS`.
        atmosphere: atmosphere and style words ("cinematic", "dreamy", "golden hour"...).
        intensity: motion strength in [0, 1] (amplitude of sway, ripples, flicker...).
        loop: whether the clip should loop seamlessly.
        free_text: the words of the prompt no rule recognised (the scene description).
        negative: things the prompt excluded ("no wind" → ``["wind"]``; "no zoom" →
            ``["zoom_in", "zoom_out"]``).
        text: the cleaned prompt text the spec came from.

    >>> MotionSpec(camera="pan_left", speed=0.3).camera
    'pan_left'
    >>> MotionSpec(camera="sideways")
    Traceback (most recent call last):
    ...
    i2v_nb.errors.ParameterError: MotionSpec.camera is 'sideways', which is not a camera move; use one of static, zoom_in, zoom_out, pan_left, pan_right, tilt_up, tilt_down, orbit_left, orbit_right, dolly_in, dolly_out, roll

    Raises:
        ParameterError: for a camera outside the vocabulary, a speed or intensity outside [0, 1]
            or an unknown environment effect.
    """

    camera: str = "static"
    speed: float = 0.5
    subject: list[str] = field(default_factory=list)
    environment: list[str] = field(default_factory=list)
    atmosphere: list[str] = field(default_factory=list)
    intensity: float = 0.5
    loop: bool = False
    free_text: str = ""
    negative: list[str] = field(default_factory=list)
    text: str = ""

    def __post_init__(self) -> None:
        if self.camera not in CAMERA_MOVES:
            raise ParameterError(f"MotionSpec.camera is {self.camera!r}, which is not a camera move; "
                                 f"use one of {', '.join(CAMERA_MOVES)}")
        for name in ("speed", "intensity"):
            value = getattr(self, name)
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ParameterError(f"MotionSpec.{name} is {value!r}; use a number in [0, 1]") from None
            if not 0.0 <= value <= 1.0:
                raise ParameterError(f"MotionSpec.{name} is {value!r}, outside [0, 1]; "
                                     "use 0 for none, 0.5 for normal, 1 for the most")
            setattr(self, name, value)
        for name in ("subject", "environment", "atmosphere", "negative"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = [value]
            setattr(self, name, [str(v) for v in value])
        unknown = [e for e in self.environment if e not in ENVIRONMENT_EFFECTS]
        if unknown:
            raise ParameterError(f"MotionSpec.environment has unknown effect(s) {unknown}; "
                                 f"use names from {', '.join(ENVIRONMENT_EFFECTS)}")
        self.loop = bool(self.loop)
        self.free_text = str(self.free_text)
        self.text = str(self.text)

    @property
    def is_static(self) -> bool:
        """True when nothing moves: static camera, no subject motion, no environment effect."""
        return self.camera == "static" and not self.subject and not self.environment

    @property
    def motion_strength(self) -> float:
        """Overall amount of motion in [0, 1], from camera, speed, effects and intensity.

        A fully static spec gives 0.1; a normal single move gives 0.5; a fast camera move with
        strong effects approaches 1. Families without text (SVD) use this for their knobs.
        """
        if self.is_static:
            return round(0.1 * (0.5 + self.intensity), 4)
        level = 0.5 * self.intensity + 0.5 * (self.speed if self.camera != "static" else
                                              0.5 * self.speed)
        extra = 0.05 * min(3, len(self.environment) + len(self.subject))
        return round(min(1.0, max(0.0, level + extra)), 4)

    def to_dict(self) -> dict[str, Any]:
        """The spec as a JSON-ready dict (for clip metadata and history sidecars)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MotionSpec:
        """Rebuild a spec from :meth:`to_dict` output (unknown keys are ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in dict(data).items() if k in names})

    def describe(self, *, style: str = "long", negations: bool = True) -> str:
        """An English description of the motion that :func:`parse_prompt` reads back the same.

        Args:
            style: ``"long"`` (sentences, for CogVideoX/Wan), ``"short"`` (comma phrases, LTX).
            negations: include "no rain"-style phrases for :attr:`negative` (models with a
                negative prompt get them there instead).
        """
        return _describe(self, style=style, rng=None, negations=negations)


# ----------------------------------------------------------------------------------------------
# Vocabulary: (regex, value) rules. Longer matches win over shorter overlapping ones.
# ----------------------------------------------------------------------------------------------

_NEG_WORDS = (r"no|not|never|without|nor|none|dont|doesnt|didnt|isnt|arent|wont|shouldnt|"
              r"cannot|cant|avoid|avoiding|stop|stops|zero|non|neither")
_NEG_RE = re.compile(rf"\b(?:{_NEG_WORDS})\b")
_CTX_RE = re.compile(r"\b(?:camera|cam|shot|view|we|lens|pov|viewpoint|viewer|frame|framing|"
                     r"perspective|angle)\b")
# a clause that is only a roll word ("slow roll", "rotate clockwise") is a camera roll
_BARE_ROLL_RE = re.compile(r"(?:(?:very|slow|slowly|fast|quick|quickly|gentle|gently|smooth|smoothly|"
                           r"subtle|dramatic|a|the)\s+)*(?:roll|rolls|rolling|rotate|rotates|"
                           r"rotating|rotation|spin|spins|spinning)(?:\s+(?:left|right|clockwise|"
                           r"counterclockwise))?")
_CLAUSE_SPLIT_RE = re.compile(r"[,.;:!?()\[\]{}|/\n]+|\b(?:but|only|just|while|whereas|except|"
                              r"and then|then|as|meanwhile|instead)\b")

_SIDE = r"(?:to\s+the\s+|towards?\s+the\s+|toward\s+)?"
_MOVE_VERBS = (r"(?:move|moves|moving|moved|swing|swings|swinging|sweep|sweeps|sweeping|turn|turns|"
               r"turning|rotate|rotates|rotating|glide|glides|gliding|slide|slides|sliding|travel|"
               r"travels|traveling|travelling|drift|drifts|drifting|goes|going|go|shift|shifts|"
               r"shifting|looks|looking|look|heads|heading)")

# camera rules: (pattern, camera, kind, needs camera context)
_CAMERA_RULES: list[tuple[str, str, str, bool]] = [
    # static
    (r"\b(?:static|still|fixed|locked|locked off|steady|stationary|stable|motionless|tripod)\s+"
     r"(?:camera|shot|cam|view|frame|framing)\b", "static", "static", False),
    (r"\b(?:camera|shot|view|frame|framing)\s+(?:stays|remains|is|stay|remain|holds|kept|keeps|"
     r"being)\s+(?:completely\s+|perfectly\s+|totally\s+)?(?:still|static|steady|fixed|locked|"
     r"stationary|motionless|put|in place)\b", "static", "static", False),
    (r"\b(?:no|without|zero|not any)\s+(?:camera\s+|cam\s+)(?:movement|movements|motion|moves|move|"
     r"moving|work)\b", "static", "static", False),
    (r"\b(?:camera|shot|view)\s+(?:does\s+not|doesnt|do\s+not|dont|will\s+not|wont|should\s+not|"
     r"shouldnt|must\s+not|never|is\s+not|isnt|not)\s+(?:move|moving|moves)\b", "static", "static", False),
    (r"\b(?:tripod|locked off|lock off|locked down|static)\b", "static", "static", True),
    (r"\bstatic\b", "static", "static", False),
    # zoom
    (r"\bzoom(?:s|ing|ed)?\s+(?:out|away|back|wider|outward|outwards)\b", "zoom_out", "zoom", False),
    (r"\bzoom(?:s|ing|ed)?\s*(?:in|into|closer|onto|on|toward|towards|inward|inwards)\b", "zoom_in",
     "zoom", False),
    (r"\b(?:punch|punches|punching|crash)\s+(?:in|zoom)\b", "zoom_in", "zoom", False),
    (r"\bclos(?:e|es|ing)\s+in\b", "zoom_in", "zoom", False),
    (r"\bwiden(?:s|ing)?\b", "zoom_out", "zoom", True),
    (r"\bzoom(?:s|ing|ed)?\b", "zoom_in", "zoom", False),
    # dolly
    (r"\bdoll(?:y|ying|ies|ied)\s+(?:out|back|backward|backwards|away)\b", "dolly_out", "dolly", False),
    (r"\bdoll(?:y|ying|ies|ied)\s+(?:in|forward|forwards|closer|toward|towards|into)\b", "dolly_in",
     "dolly", False),
    (r"\bpush(?:es|ing|ed)?\s+(?:in|forward|forwards|closer|into)\b", "dolly_in", "dolly", False),
    (r"\bpull(?:s|ing|ed)?\s+(?:back|out|away|backward|backwards)\b", "dolly_out", "dolly", False),
    (r"\btrack(?:s|ing|ed)?\s+(?:in|forward|forwards|closer)\b", "dolly_in", "dolly", False),
    (r"\btrack(?:s|ing|ed)?\s+(?:out|back|backward|backwards)\b", "dolly_out", "dolly", False),
    (r"\bfly(?:ing)?\s*through\b|\bflythrough\b", "dolly_in", "dolly", False),
    (rf"\b(?:{_MOVE_VERBS}|flies|flying|fly|advance|advances|advancing|creeps|creeping)\s+"
     r"(?:slowly\s+|gently\s+|quickly\s+)?(?:forward|forwards|closer|toward|towards|in|inward)\b",
     "dolly_in", "dolly", True),
    (rf"\b(?:{_MOVE_VERBS}|retreat|retreats|retreating|backs|backing)\s+(?:slowly\s+|gently\s+|"
     r"quickly\s+)?(?:back|backward|backwards|away|out)\b", "dolly_out", "dolly", True),
    (r"\bapproach(?:es|ing)?\b", "dolly_in", "dolly", True),
    (r"\bdoll(?:y|ying|ies|ied)\b", "dolly_in", "dolly", False),
    # pan
    (rf"\bpan(?:s|ning|ned)?\s+{_SIDE}left(?:ward|wards)?\b", "pan_left", "pan", False),
    (rf"\bpan(?:s|ning|ned)?\s+{_SIDE}right(?:ward|wards)?\b", "pan_right", "pan", False),
    (r"\b(?:left|leftward)\s+pan\b", "pan_left", "pan", False),
    (r"\b(?:right|rightward)\s+pan\b", "pan_right", "pan", False),
    (rf"\b(?:truck|trucks|trucking|strafe|strafes|strafing)\s+{_SIDE}left\b", "pan_left", "pan", False),
    (rf"\b(?:truck|trucks|trucking|strafe|strafes|strafing)\s+{_SIDE}right\b", "pan_right", "pan",
     False),
    (rf"\b(?:{_MOVE_VERBS}|track|tracks|tracking)\s+(?:slowly\s+|gently\s+|quickly\s+)?{_SIDE}"
     r"left(?:ward|wards)?\b", "pan_left", "pan", True),
    (rf"\b(?:{_MOVE_VERBS}|track|tracks|tracking)\s+(?:slowly\s+|gently\s+|quickly\s+)?{_SIDE}"
     r"right(?:ward|wards)?\b", "pan_right", "pan", True),
    (r"\bpan(?:s|ning|ned)?\b", "pan_right", "pan", False),
    # tilt
    (r"\btilt(?:s|ing|ed)?\s+(?:up|upward|upwards|skyward|skywards)\b", "tilt_up", "tilt", False),
    (r"\btilt(?:s|ing|ed)?\s+(?:down|downward|downwards)\b", "tilt_down", "tilt", False),
    (r"\b(?:crane|cranes|craning|pedestal|pedestals|boom|booms|jib|jibs)\s+(?:up|upward|upwards)\b",
     "tilt_up", "tilt", False),
    (r"\b(?:crane|cranes|craning|pedestal|pedestals|boom|booms|jib|jibs)\s+(?:down|downward|"
     r"downwards)\b", "tilt_down", "tilt", False),
    (rf"\b(?:{_MOVE_VERBS}|rise|rises|rising|pan|pans|panning|climbs|climbing)\s+(?:slowly\s+|"
     r"gently\s+|quickly\s+)?(?:up|upward|upwards|skyward|skywards|to the sky)\b", "tilt_up", "tilt",
     True),
    (rf"\b(?:{_MOVE_VERBS}|sink|sinks|sinking|pan|pans|panning|lowers|lowering|drops|dropping)\s+"
     r"(?:slowly\s+|gently\s+|quickly\s+)?(?:down|downward|downwards|to the ground)\b", "tilt_down",
     "tilt", True),
    (r"\b(?:rises|rising|ascends|ascending|lifts|lifting)\b", "tilt_up", "tilt", True),
    (r"\b(?:descends|descending|lowers|lowering)\b", "tilt_down", "tilt", True),
    (r"\btilt(?:s|ing|ed)?\b", "tilt_up", "tilt", False),
    # orbit
    (r"\b(?:orbit|orbits|orbiting|orbital|arc|arcs|arcing|circles|circling|revolves|revolving|"
     r"rotates\s+around|rotating\s+around)(?:\s+(?:around|round)(?:\s+(?:the|a|an|her|his|its|"
     r"their))?(?:\s+\w+)?)?\s+(?:to\s+the\s+)?(?:left|leftward|counterclockwise|counter clockwise|"
     r"anticlockwise|anti clockwise)\b", "orbit_left", "orbit", False),
    (r"\b(?:orbit|orbits|orbiting|orbital|arc|arcs|arcing|circles|circling|revolves|revolving|"
     r"rotates\s+around|rotating\s+around)(?:\s+(?:around|round)(?:\s+(?:the|a|an|her|his|its|"
     r"their))?(?:\s+\w+)?)?\s+(?:to\s+the\s+)?(?:right|rightward|clockwise)\b", "orbit_right",
     "orbit", False),
    (r"\b(?:orbit|orbits|orbiting|orbital)\b", "orbit_right", "orbit", False),
    (r"\b(?:circles|circling|revolves|revolving|rotates|rotating|rotate|moves|moving|arcs|arcing)\s+"
     r"(?:around|round)\b", "orbit_right", "orbit", False),
    # roll
    (r"\b(?:dutch\s+(?:angle|tilt)|barrel\s+roll)\b", "roll", "roll", False),
    (r"\bcamera\s+(?:roll|rolls|rolling|rotates|rotating|spins|spinning|twists|twisting)\b", "roll",
     "roll", False),
    (r"\b(?:roll|rolls|rolling|rotate|rotates|rotating|rotation|spin|spins|spinning|twist|twists|"
     r"twisting|clockwise|counterclockwise)\b", "roll", "roll", True),
]

_CAMERA_KINDS = {
    "zoom": ("zoom_in", "zoom_out"), "dolly": ("dolly_in", "dolly_out"),
    "pan": ("pan_left", "pan_right"), "tilt": ("tilt_up", "tilt_down"),
    "orbit": ("orbit_left", "orbit_right"), "roll": ("roll",), "static": (),
}

_SUBJECT_RULES: list[tuple[str, str]] = [
    (r"\bhair\s+(?:is\s+)?(?:moving|moves|move|blowing|blows|flowing|flows|waving|waves|fluttering|"
     r"flutters|swaying|sways|flying|flies|streaming|streams|dancing|tousled|whipping)\b",
     "hair_moving"),
    (r"\b(?:moving|flowing|blowing|windswept|wind swept|fluttering|swaying|streaming)\s+hair\b",
     "hair_moving"),
    (r"\bturn(?:s|ing|ed)?\s+(?:(?:his|her|their|its|the|a)\s+)?heads?\b", "turn_head"),
    (r"\bheads?\s+turn(?:s|ing|ed)?\b", "turn_head"),
    (r"\blook(?:s|ing)?\s+(?:around|over|back|aside|sideways|to the side|up|down|at the camera|"
     r"towards the camera|toward the camera|into the camera)\b", "turn_head"),
    (r"\bblink(?:s|ing|ed)?\b", "blink"),
    (r"\b(?:smil(?:e|es|ing|ed)|grin(?:s|ning|ned)?)\b", "smile"),
    (r"\b(?:walk(?:s|ing|ed)?|stroll(?:s|ing|ed)?|step(?:s|ping)?\s+forward|strid(?:e|es|ing))\b",
     "walk"),
    (r"\b(?:run|runs|running|jog|jogs|jogging|sprint|sprints|sprinting)\b", "run"),
    (r"\bwav(?:e|es|ing|ed)\s+(?:(?:his|her|their|its|a|the|both|one)\s+)?(?:hands?|arms?|hello|"
     r"goodbye|hi|bye|at)\b", "wave"),
    (r"\b(?:hands?|arms?)\s+wav(?:e|es|ing)\b", "wave"),
    (r"\b(?:she|he|they|it|person|man|woman|girl|boy|child|kid|astronaut|cat|dog|someone|"
     r"subject|character)\s+wav(?:e|es|ed)\b", "wave"),
    (r"\bwaving\b", "wave"),
    (r"\bnod(?:s|ding|ded)?\b", "nod"),
    (r"\b(?:talk(?:s|ing|ed)?|speak(?:s|ing)?|spoke|chat(?:s|ting)?|lip sync\w*)\b", "talk"),
    (r"\bbreath(?:e|es|ing|ed)?\b", "breathe"),
    (r"\bdanc(?:e|es|ing|ed)\b", "dance"),
    (r"\blaugh(?:s|ing|ed|ter)?\b", "laugh"),
]

_ENV_RULES: list[tuple[str, str]] = [
    # fire before light: "flickering candle" is fire
    (r"\b(?:flicker\w*|danc\w*|burn\w*|crackl\w*|glow\w*)\s+(?:candle|candles|flame|flames|fire|"
     r"fires|fireplace|campfire|bonfire|torch|torches|embers)\b", "fire_flicker"),
    (r"\b(?:candle|candles|candlelight|flame|flames|fire|fires|fireplace|campfire|bonfire|torch|"
     r"torches|embers)\s+(?:flicker\w*|danc\w*|burn\w*|crackl\w*|glow\w*)\b", "fire_flicker"),
    (r"\b(?:candle|candles|candlelight|flame|flames|fire|fires|fireplace|campfire|bonfire|torch|"
     r"torches|embers|blaze)\b", "fire_flicker"),
    # day to night
    (r"\bday\s+(?:to|into|turns?\s+(?:in)?to|turning\s+(?:in)?to|becomes?|becoming|fades?\s+"
     r"(?:in)?to|fading\s+(?:in)?to)\s+night\b", "day_to_night"),
    (r"\b(?:night\s*falls?|nightfall|dusk\s+falls|darkness\s+falls|getting\s+dark|grows\s+dark|"
     r"sun\s+(?:sets|setting|goes\s+down|going\s+down)|sunset\s+time\s*lapse)\b", "day_to_night"),
    # light changes
    (r"\blight(?:s|ing)?\s+(?:chang\w*|shift\w*|flicker\w*|dim\w*|brighten\w*|puls\w*|fad\w*|"
     r"mov\w*|play\w*)\b", "light_change"),
    (r"\b(?:changing|shifting|flickering|moving|dappled|pulsing|fading|dimming|brightening|"
     r"twinkling|sparkling)\s+(?:light|lights|lighting|shadows|sunlight|glow|neon|stars)\b",
     "light_change"),
    (r"\bshadows?\s+(?:mov\w*|shift\w*|lengthen\w*|pass\w*|danc\w*)\b", "light_change"),
    (r"\b(?:sun\s+(?:comes\s+out|breaks\s+through|rises|rising)|sunrise|god\s+rays|sunbeams|"
     r"light\s+rays|flicker\w*|twinkl\w*|strob\w*)\b", "light_change"),
    # water
    (r"\b(?:ocean|sea)\s+waves\b", "waves"),
    (r"\bwaves\s+(?:crash\w*|roll\w*|break\w*|lap\w*|wash\w*|surg\w*|com\w*)\b", "waves"),
    (r"\b(?:crashing|rolling|breaking|lapping|gentle|big|small|ocean|sea)\s+waves\b", "waves"),
    (r"\b(?:waves|surf|breakers|swell|swells|tide)\b", "waves"),
    (r"\b(?:ripple|ripples|rippling|rippled)\b", "water_ripples"),
    (r"\b(?:water|lake|river|stream|creek|pond|pool|sea|ocean|surface)\s+(?:mov\w*|flow\w*|"
     r"shimmer\w*|sparkl\w*|glisten\w*|ripple\w*|trickl\w*|rush\w*)\b", "water_ripples"),
    (r"\b(?:flowing|moving|shimmering|sparkling|glistening|rushing|running|trickling)\s+(?:water|"
     r"river|stream|creek)\b", "water_ripples"),
    (r"\b(?:waterfall|waterfalls|fountain|fountains)\b", "water_ripples"),
    # sky
    (r"\b(?:the\s+)?clouds?\s+(?:are\s+|is\s+)?(?:drift\w*|mov\w*|roll\w*|pass\w*|float\w*|gather\w*|"
     r"rac\w*|scud\w*|sail\w*|stream\w*|flow\w*|swirl\w*|glid\w*)(?:\s+(?:slowly\s+|gently\s+)?"
     r"(?:across|over|through|by|past|in)(?:\s+the\s+sky)?)?\b", "clouds_drift"),
    (r"\b(?:drifting|moving|rolling|passing|floating|racing|gathering|swirling)\s+clouds?\b",
     "clouds_drift"),
    (r"\bclouds?\b", "clouds_drift"),
    (r"\bsky\s+(?:mov\w*|drift\w*|chang\w*)\b", "clouds_drift"),
    # precipitation and air
    (r"\b(?:rain|rains|raining|rainy|rainfall|drizzle|drizzling|downpour|raindrops|rainstorm)\b",
     "rain"),
    (r"\b(?:snow|snows|snowing|snowfall|snowflakes|snowflake|snowy|blizzard|flurries)\b", "snow"),
    (r"\b(?:fog|foggy|mist|misty|haze|hazy)\b", "fog"),
    (r"\b(?:smoke|smoky|smoking|steam|steaming|vapor|vapour)\b", "smoke"),
    # wind (after hair_moving etc. which are longer)
    (r"\b(?:flags?|banners?|curtains?|sails?|dress|cape|scarf|fabric|cloth|clothes|leaves|grass|"
     r"trees|branches|foliage|wheat|reeds|flowers)\s+(?:are\s+|is\s+)?(?:wav\w*|flutter\w*|flap\w*|"
     r"sway\w*|rustl\w*|billow\w*|blow\w*|mov\w*|bend\w*|danc\w*|shak\w*|trembl\w*)\b", "wind"),
    (r"\b(?:wind|winds|windy|breeze|breezes|breezy|gust|gusts|gusty|blowing|blows|sway|sways|"
     r"swaying|rustl\w*|flutter\w*|billow\w*|flapping|windswept)\b", "wind"),
]

# speed/intensity words: (pattern, speed or None, intensity or None)
_TEMPO_RULES: list[tuple[str, float | None, float | None]] = [
    (r"\b(?:very|extremely|super|really|ultra|incredibly)\s+(?:slow|slowly)\b", 0.1, None),
    (r"\b(?:very|extremely|super|really|ultra|incredibly)\s+(?:gently|gentle|softly|soft)\b", 0.1, 0.15),
    (r"\b(?:very|extremely|super|really|ultra|incredibly)\s+(?:subtle|subtly|slight|slightly)\b",
     None, 0.1),
    (r"\b(?:very|extremely|super|really|ultra|incredibly)\s+(?:fast|quickly|quick|rapid|rapidly|"
     r"swift|swiftly)\b", 0.95, None),
    (r"\b(?:very|extremely|super|really|ultra|incredibly)\s+(?:strong|strongly|intense|intensely|"
     r"dramatic|dramatically|violent|violently|wild|wildly)\b", 0.95, 0.95),
    (r"\b(?:slow|slowly|slower|gradual|gradually|leisurely|unhurried|lazily|lazy|languid|"
     r"languidly|slow motion)\b", 0.25, None),
    (r"\b(?:gently|gentle|softly|soft|calmly|calm|peacefully|tenderly|delicately|delicate)\b", 0.25, 0.3),
    (r"\b(?:subtle|subtly|slight|slightly|barely|faint|faintly|minimal|minimally)\b",
     None, 0.2),
    (r"\b(?:fast|faster|quick|quickly|rapid|rapidly|swift|swiftly|speedy|hurried|brisk|briskly|"
     r"whip|energetic|energetically|dynamic|frantic|frantically)\b", 0.8, None),
    (r"\b(?:dramatic|dramatically)\b", 0.85, 0.85),
    (r"\b(?:strong|strongly|intense|intensely|heavy|heavily|violent|violently|wild|wildly|powerful|"
     r"powerfully|vigorous|vigorously|stormy|fierce|fiercely|extreme)\b", None, 0.85),
    (r"\b(?:moderate|moderately|steady|steadily|smooth|smoothly|normal|medium)\b", 0.5, None),
]

_LOOP_RE = re.compile(r"\b(?:loop|loops|looping|looped|loopable|seamless|seamlessly|cinemagraph|"
                      r"boomerang|endless|endlessly|repeating)\b")

_ATMOSPHERE_RULES: list[str] = [
    "golden hour", "blue hour", "film grain", "film noir", "noir", "cinematic", "dreamy", "dreamlike",
    "moody", "ethereal", "serene", "peaceful", "tranquil", "mysterious", "epic", "nostalgic",
    "vintage", "retro", "magical", "romantic", "melancholic", "eerie", "spooky", "whimsical",
    "surreal", "photorealistic", "realistic", "hyperrealistic", "documentary", "anime", "cartoon",
    "watercolor", "watercolour", "oil painting", "painterly", "warm", "cold", "cool tones",
    "warm tones", "pastel", "vibrant", "muted", "dark", "bright", "high quality", "4k", "8k", "hdr",
    "soft light", "soft lighting", "dramatic lighting", "volumetric light", "bokeh", "shallow depth",
    "slow motion", "timelapse", "time lapse", "cozy", "gloomy", "atmospheric", "lush", "sunny",
]

_STOPWORDS = set("""a an the and or of in on at to into onto with by for from as is are be being
been its it this that these those some while then very so too also just only there here camera
shot view lens scene video clip frame please make let have has show showing shows we us our
slowly does do did will would should must can could may might movement movements motion moves
move moving moved drift drifts drifting crash crashes crashing fall falls falling flow flows
flowing rise rises rising pass passes passing float floats floating across over through around
stays stay remains remain still keep keeps any""".split())
_ARTICLES = {"a", "an", "the"}
# words that may stand between a negation and what it negates
_NEG_FILLER = set("""the a an any more camera cam of too much further real visible is are does do
will should let it be or and nor at all there any some kind sort type its his her their""".split())

_COMPILED: dict[str, Any] = {}


def _compiled() -> dict[str, Any]:
    if not _COMPILED:
        _COMPILED["camera"] = [(re.compile(p), v, k, c) for p, v, k, c in _CAMERA_RULES]
        _COMPILED["subject"] = [(re.compile(p), v) for p, v in _SUBJECT_RULES]
        _COMPILED["env"] = [(re.compile(p), v) for p, v in _ENV_RULES]
        _COMPILED["tempo"] = [(re.compile(p), s, i) for p, s, i in _TEMPO_RULES]
        _COMPILED["atmos"] = [(re.compile(r"\b" + re.escape(w).replace(r"\ ", r"\s+") + r"\b"), w)
                              for w in _ATMOSPHERE_RULES]
    return _COMPILED


# ----------------------------------------------------------------------------------------------
# Parsing
# ----------------------------------------------------------------------------------------------


def _clean_text(text: str) -> str:
    """NFKC, drop control/format characters, unify quotes, dashes and arrows, collapse spaces."""
    text = unicodedata.normalize("NFKC", text[:_MAX_CHARS])
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\t":
            out.append(ch if ch == "\n" else " ")
        elif cat[0] == "C" or cat in ("Zl", "Zp"):
            out.append(" ")
        else:
            out.append(ch)
    text = "".join(out)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    return text.strip()


def _normalise(text: str) -> str:
    """Lower-case matching form: apostrophes dropped, arrows → ' to ', hyphens → spaces."""
    t = text.lower()
    t = re.sub(r"\s*(?:→|⟶|->|=>|➔|➜)\s*", " to ", t)
    t = re.sub(r"[’'`´]", "", t)
    t = re.sub(r"[-_‐‑‒–—~]+", " ", t)
    t = re.sub(r"[ \t]+", " ", t)
    return t


def _find_rules(clause: str, rules: list, *, has_ctx: bool, kind: str):
    """All rule matches in a clause as (start, end, kind, payload)."""
    found = []
    for rule in rules:
        pat = rule[0]
        if kind == "camera" and rule[3] and not has_ctx:
            continue
        for m in pat.finditer(clause):
            found.append((m.start(), m.end(), kind, rule[1:]))
    return found


def parse_prompt(text: Any) -> MotionSpec:
    """Parse a motion prompt into a :class:`MotionSpec`; never raises on any string.

    Reads camera moves (with synonyms: "push in" → ``dolly_in``, "camera moves right" →
    ``pan_right``), subject motions, environment effects, speed adverbs ("slowly", "gently",
    "fast", "dramatic"), intensity words ("subtle", "strong"), atmosphere words and the loop flag.
    Negation is read per clause: "no camera movement, only the clouds drift" gives a static camera
    with drifting clouds; excluded things land in ``spec.negative``. Words no rule knows are kept,
    in order, in ``spec.free_text``. An empty prompt gives a static spec.

    Args:
        text: the prompt (``None`` counts as empty; a :class:`MotionSpec` is returned as a copy;
            anything else is converted with ``str``). Only the first 8 000 characters are read.

    Returns:
        The parsed :class:`MotionSpec`.

    >>> s = parse_prompt("the camera stays still, leaves sway gently in the breeze")
    >>> s.camera, s.environment, s.speed
    ('static', ['wind'], 0.25)
    >>> parse_prompt("camera moves right, seamless loop").camera
    'pan_right'
    >>> parse_prompt("").is_static
    True
    """
    if isinstance(text, MotionSpec):
        return _copy_spec(text)
    if text is None:
        text = ""
    if not isinstance(text, str):
        try:
            text = str(text)
        except Exception:  # noqa: BLE001 - never raise on odd input
            text = ""
    try:
        return _copy_spec(_parse_cached(text))
    except Exception:  # noqa: BLE001 - a prompt is never an error; keep it all as free text
        try:
            cleaned = _clean_text(text)
        except Exception:  # noqa: BLE001
            cleaned = ""
        return MotionSpec(free_text=cleaned[:2000], text=cleaned)


def _copy_spec(spec: MotionSpec) -> MotionSpec:
    """A copy whose lists can be changed without touching ``spec``."""
    return dataclasses.replace(spec, subject=list(spec.subject),
                               environment=list(spec.environment),
                               atmosphere=list(spec.atmosphere), negative=list(spec.negative))


@functools.lru_cache(maxsize=512)
def _parse_cached(text: str) -> MotionSpec:
    """:func:`_parse` remembered per text (sweeps and the Studio parse the same prompts again);
    callers get copies, so the cached spec is never changed."""
    return _parse(text)


def _parse(text: str) -> MotionSpec:
    cleaned = _clean_text(text)
    norm = _normalise(cleaned)
    rules = _compiled()

    camera_pos: list[tuple[int, str]] = []  # (position, camera) of positive camera matches
    static_pos: list[int] = []
    negated_cameras: list[str] = []
    subject: list[str] = []
    environment: list[str] = []
    negative: list[str] = []
    atmosphere: list[str] = []
    tempo_hits: list[tuple[int, float | None, float | None, int]] = []  # pos, speed, intens, clause
    loop: bool | None = None
    camera_clause: int | None = None
    leftovers: list[str] = []

    # split into clauses, keeping offsets
    clauses: list[tuple[int, str]] = []
    pos = 0
    for m in _CLAUSE_SPLIT_RE.finditer(norm):
        clauses.append((pos, norm[pos:m.start()]))
        pos = m.end()
    clauses.append((pos, norm[pos:]))

    for ci, (offset, clause) in enumerate(clauses):
        if not clause.strip():
            continue
        has_ctx = bool(_CTX_RE.search(clause) or _BARE_ROLL_RE.fullmatch(clause.strip()))
        matches = []
        matches += _find_rules(clause, rules["camera"], has_ctx=has_ctx, kind="camera")
        matches += _find_rules(clause, rules["subject"], has_ctx=has_ctx, kind="subject")
        matches += _find_rules(clause, rules["env"], has_ctx=has_ctx, kind="env")
        matches += _find_rules(clause, rules["tempo"], has_ctx=has_ctx, kind="tempo")
        matches += _find_rules(clause, rules["atmos"], has_ctx=has_ctx, kind="atmos")
        matches += [(m.start(), m.end(), "loop", ()) for m in _LOOP_RE.finditer(clause)]
        # longer matches first, then rule order (stable sort keeps camera before subject before env)
        order = {"camera": 0, "subject": 1, "env": 2, "loop": 3, "tempo": 4, "atmos": 5}
        matches.sort(key=lambda m: (-(m[1] - m[0]), order[m[2]]))
        taken = [False] * (len(clause) + 1)
        accepted = []
        for start, end, kind, payload in matches:
            if any(taken[start:end]):
                continue
            for i in range(start, end):
                taken[i] = True
            accepted.append((start, end, kind, payload))
        accepted.sort()
        tokens = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"\S+", clause)]

        token_ends = [te for _, te, _ in tokens]

        def is_negated(start: int) -> bool:
            # walk back over filler words and other matches: "no wind or rain", "not zoom",
            # "without any wind"; any other word ends the negation's reach ("no collar runs")
            steps = 0
            last = bisect.bisect_right(token_ends, start)
            for ts, te, word in reversed(tokens[max(0, last - 8):last]):
                if _NEG_RE.fullmatch(word):
                    return True
                steps += 1
                if steps > 6 or not (word in _NEG_FILLER or any(taken[ts:te])):
                    return False
            return False

        for start, end, kind, payload in accepted:
            negated = kind != "atmos" and is_negated(start)
            if kind == "camera":
                cam, cam_kind = payload[0], payload[1]
                if cam == "static":
                    if not negated:
                        static_pos.append(offset + start)
                elif negated:
                    negated_cameras.extend(_CAMERA_KINDS[cam_kind])
                else:
                    camera_pos.append((offset + start, cam))
                    if camera_clause is None:
                        camera_clause = ci
            elif kind == "subject":
                target = negative if negated else subject
                if payload[0] not in target:
                    target.append(payload[0])
            elif kind == "env":
                target = negative if negated else environment
                if payload[0] not in target:
                    target.append(payload[0])
            elif kind == "tempo":
                if not negated:
                    tempo_hits.append((offset + start, payload[0], payload[1], ci))
            elif kind == "loop":
                loop = False if negated else (True if loop is None else loop)
            elif kind == "atmos":
                if payload[0] not in atmosphere:
                    atmosphere.append(payload[0])
        # what no rule took (and is not a function word) stays as free text
        words = []
        for m in re.finditer(r"\S+", clause):
            if any(taken[m.start():m.end()]):
                continue
            w = m.group(0)
            if not any(ch.isalnum() for ch in w):
                continue  # punctuation and symbols only
            if _NEG_RE.fullmatch(w) or w in _STOPWORDS:
                words.append((w, False))
            else:
                words.append((w, True))
        if any(keep for _, keep in words):
            # trim function words at both ends of the fragment
            while words and not words[0][1] and not (
                    words[0][0] in _ARTICLES and len(words) > 1 and words[1][1]):
                words.pop(0)
            while words and not words[-1][1]:
                words.pop()
            leftovers.append(" ".join(w for w, _ in words))

    if camera_pos:
        camera = sorted(camera_pos)[0][1]
    else:
        camera = "static"
    for cam in negated_cameras:
        if cam not in negative:
            negative.append(cam)
    if camera in negative:  # "zoom in, no zoom"... the later negation wins
        camera = "static"

    speed, intensity = 0.5, 0.5
    speed_hits = [h for h in tempo_hits if h[1] is not None]
    if speed_hits:
        in_cam = [h for h in speed_hits if h[3] == camera_clause]
        speed = float((in_cam or speed_hits)[0][1])
    int_hits = [h for h in tempo_hits if h[2] is not None]
    if int_hits:
        intensity = float(int_hits[0][2])

    free_text = ", ".join(x for x in leftovers if x)
    free_text = _free_text_from_original(cleaned, free_text)
    return MotionSpec(camera=camera, speed=speed, subject=subject, environment=environment,
                      atmosphere=atmosphere, intensity=intensity, loop=bool(loop),
                      free_text=free_text, negative=negative, text=cleaned)


def _free_text_from_original(original: str, free_text: str) -> str:
    """Keep the free text short and tidy (the normalised form is lower-case and unaccented)."""
    free_text = re.sub(r"\s+", " ", free_text).strip(" ,")
    return free_text[:2000]


# ----------------------------------------------------------------------------------------------
# Describing a spec in words (used by build_prompt and prompt_variations)
# ----------------------------------------------------------------------------------------------

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
    # no leaves or fabric named here: the image may have none, and a text model would add them
    "wind": ["a gentle breeze blows", "the wind blows", "a light breeze in the air"],
    "water_ripples": ["ripples spread across the water", "the water ripples",
                      "rippling water"],
    "waves": ["waves roll in", "ocean waves", "waves crash on the shore"],
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


def _speed_bucket(speed: float) -> str:
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


def _describe(spec: MotionSpec, *, style: str, rng: random.Random | None,
              negations: bool = True) -> str:
    bucket = _speed_bucket(spec.speed)
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
    neg = _negative_phrase(spec.negative) if negations else ""
    loop = ["seamless loop"] if spec.loop else []
    atmos = list(spec.atmosphere)
    scene = spec.free_text.strip()
    if style == "short":
        items = ([scene] if scene else []) + parts_motion + atmos + loop + ([neg] if neg else [])
        return ", ".join(i for i in items if i)
    sentences = []
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


def _negative_phrase(negative: list[str]) -> str:
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


# ----------------------------------------------------------------------------------------------
# Per-family prompts
# ----------------------------------------------------------------------------------------------


def resolve_family(model: Any) -> str:
    """The model family of a family name, a preset name or an object with a ``.family``.

    >>> resolve_family("wan"), resolve_family(type("P", (), {"family": "ltx"})())
    ('wan', 'ltx')

    Raises:
        ParameterError: when the family cannot be found.
    """
    family = getattr(model, "family", None)
    if family is None and isinstance(model, str):
        key = model.strip().lower()
        if key in FAMILIES:
            family = key
        else:
            from i2v_nb.synthesis.registry import get_model

            try:
                family = get_model(model).family
            except Exception:  # noqa: BLE001 - reported below with the fix
                family = None
            if family is None:
                family = _guess_family(key)
    if family not in FAMILIES:
        raise ParameterError(f"model {model!r} has no known family; pass a family name "
                             f"({', '.join(FAMILIES)}), a preset name from i2v_nb.models() or a "
                             "preset object with a .family attribute")
    return family


def _guess_family(key: str) -> str | None:
    for needle, fam in (("framepack", "framepack"), ("stable-video", "svd"), ("svd", "svd"),
                        ("cogvideo", "cogvideox"), ("ltx", "ltx"), ("wan", "wan"),
                        ("hunyuan", "hunyuan")):
        if needle in key:
            return fam
    return None


def build_prompt(spec: MotionSpec | str | None, model: Any = "preview") -> dict[str, Any]:
    """What to pass to a model family for a motion spec (or a prompt text).

    Every result has ``family``, ``prompt`` (None for SVD, which takes no text),
    ``negative_prompt`` (None where the family takes none), ``motion_strength`` (in [0, 1]),
    ``spec`` (the spec as a dict) and ``pipeline_kwargs``: the keyword arguments to splat into the
    family's diffusers pipeline call. Per family:

    * ``svd``: ``motion_bucket_id`` (1–255, 127 for a normal amount of motion) and
      ``noise_aug_strength`` (0–0.1, 0.02 normal) mapped from ``spec.motion_strength``;
      ``ignored_text`` says which words SVD cannot follow.
    * ``cogvideox``, ``wan``: a long descriptive prompt (scene, then one sentence per motion) and
      a default negative prompt (Wan's own recommended one for ``wan``).
    * ``ltx``: a short comma-separated prompt and LTX-Video's recommended negative prompt.
    * ``hunyuan``, ``framepack``: a medium descriptive prompt (HunyuanVideo's ``negative_prompt``
      takes effect with ``true_cfg_scale`` > 1).
    * ``preview``: the short prompt; the CPU engine reads the spec itself.

    Args:
        spec: a :class:`MotionSpec`, or a prompt text parsed with :func:`parse_prompt`.
        model: a family name (:data:`FAMILIES`), a preset name from the model registry, or an
            object with a ``.family`` attribute (a registry preset).

    Returns:
        The dict described above.

    Raises:
        ParameterError: for a model whose family is unknown.

    >>> out = build_prompt("slow zoom in, clouds drift", "ltx")
    >>> out["prompt"], out["negative_prompt"] is not None
    ('slow zoom in, drifting clouds', True)
    >>> build_prompt("fast dramatic orbit", "svd")["motion_bucket_id"] > 127
    True
    """
    family = resolve_family(model)
    spec = parse_prompt(spec)
    strength = spec.motion_strength
    negative = DEFAULT_NEGATIVE_PROMPTS[family]
    extra_neg = _negative_phrase(spec.negative).replace("no ", "") if spec.negative else ""
    out: dict[str, Any] = {"family": family, "motion_strength": strength, "spec": spec.to_dict()}
    if family == "svd":
        bucket = int(round(2 + 250 * strength))
        noise = 0.04 * strength if strength <= 0.5 else 0.02 + 0.16 * (strength - 0.5)
        noise = round(min(0.1, max(0.0, noise)), 4)
        ignored = spec.describe(style="short") if (spec.text or spec.free_text) else ""
        out.update(prompt=None, negative_prompt=None, motion_bucket_id=bucket,
                   noise_aug_strength=noise, ignored_text=ignored,
                   pipeline_kwargs={"motion_bucket_id": bucket, "noise_aug_strength": noise})
        return out
    negs = negative is None  # say "no rain" in the prompt only where no negative prompt exists
    if family in ("cogvideox", "wan"):
        prompt = spec.describe(style="long", negations=negs)
        quality = " High quality, smooth natural motion, consistent details."
        prompt = (prompt + quality).strip()
        if spec.is_static and negative:  # a still clip is wanted: do not push away "static"
            negative = re.sub(r"\b(?:static|still picture),\s*", "", negative)
    elif family == "ltx":
        prompt = spec.describe(style="short", negations=negs)
    elif family in ("hunyuan", "framepack"):
        prompt = spec.describe(style="long", negations=negs)
    else:  # preview
        prompt = spec.describe(style="short", negations=negs)
    if negative is not None and extra_neg:
        negative = f"{extra_neg}, {negative}"
    elif negative is None and extra_neg and family == "framepack":
        negative = None  # FramePack's pipeline takes a negative prompt only with true CFG
    out.update(prompt=prompt, negative_prompt=negative,
               pipeline_kwargs={"prompt": prompt} | ({"negative_prompt": negative}
                                                      if negative is not None else {}))
    return out


def prompt_variations(text: str | MotionSpec, n: int = 4, seed: int = 0) -> list[str]:
    """n rephrasings of a prompt that keep its motion and vary the wording.

    Every variation parses back (:func:`parse_prompt`) to the same camera, speed level, subject
    motions, environment effects and loop flag; wording, word order and synonyms change. Use them
    to try several prompts for the same idea with one seed.

    Args:
        text: a prompt text or a :class:`MotionSpec`.
        n: how many variations (0–100).
        seed: random seed; the same seed gives the same list.

    Returns:
        A list of ``n`` strings (distinct while enough wordings exist).

    Raises:
        ParameterError: for ``n`` outside 0–100.

    >>> vs = prompt_variations("a lighthouse, slow zoom in, waves crash", 3, seed=1)
    >>> len(vs), all(parse_prompt(v).camera == "zoom_in" for v in vs)
    (3, True)
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 100:
        raise ParameterError(f"n is {n!r}; ask for a whole number of variations from 0 to 100")
    spec = parse_prompt(text)
    rng = random.Random(int(seed))
    out: list[str] = []
    seen: set[str] = set()
    for _ in range(n * 20):
        if len(out) == n:
            break
        style = rng.choice(["short", "long"])
        v = _describe(spec, style=style, rng=rng)
        if v in seen:
            continue
        if not _same_motion(parse_prompt(v), spec):
            continue
        seen.add(v)
        out.append(v)
    while len(out) < n:  # few wordings exist (e.g. an empty prompt): repeat them in order
        out.append(out[len(out) % max(1, len(seen))] if out else spec.describe(style="short"))
    return out


def _same_motion(a: MotionSpec, b: MotionSpec) -> bool:
    return (a.camera == b.camera and _speed_bucket(a.speed) == _speed_bucket(b.speed)
            and set(a.environment) == set(b.environment) and set(a.subject) == set(b.subject)
            and a.loop == b.loop)
