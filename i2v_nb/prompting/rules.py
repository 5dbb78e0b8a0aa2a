"""The parser's rules: the English that names each entry of the motion vocabulary.

Each rule is a regular expression and the vocabulary entry it stands for ("push in" →
``dolly_in``, "leaves sway" → ``wind``, "slowly" → speed 0.25). Where two matches overlap the
longer one wins (:func:`~i2v_nb.prompting.parse_prompt` applies them). Camera rules marked as
needing context only count in a clause that mentions the camera ("the camera rises", not "the sun
rises").

>>> rules = compiled_rules()
>>> sorted(rules)
['atmos', 'camera', 'env', 'subject', 'tempo']
>>> [value for pattern, value, kind, ctx in rules["camera"] if pattern.search("push in")]
['dolly_in']
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "compiled_rules",
    "NEGATION_RE",
    "CAMERA_CONTEXT_RE",
    "BARE_ROLL_RE",
    "CLAUSE_SPLIT_RE",
    "CAMERA_KINDS",
    "LOOP_RE",
    "STOPWORDS",
    "ARTICLES",
    "NEGATION_FILLER",
]

_NEG_WORDS = (r"no|not|never|without|nor|none|dont|doesnt|didnt|isnt|arent|wont|shouldnt|"
              r"cannot|cant|avoid|avoiding|stop|stops|zero|non|neither")
#: A negation word ("no", "without", "dont"...); it negates what follows it in its clause.
NEGATION_RE = re.compile(rf"\b(?:{_NEG_WORDS})\b")
#: Words that put a clause about the camera (context for the camera rules that need it).
CAMERA_CONTEXT_RE = re.compile(r"\b(?:camera|cam|shot|view|we|lens|pov|viewpoint|viewer|frame|"
                               r"framing|perspective|angle)\b")
# a clause that is only a roll word ("slow roll", "rotate clockwise") is a camera roll
BARE_ROLL_RE = re.compile(r"(?:(?:very|slow|slowly|fast|quick|quickly|gentle|gently|smooth|smoothly|"
                           r"subtle|dramatic|a|the)\s+)*(?:roll|rolls|rolling|rotate|rotates|"
                           r"rotating|rotation|spin|spins|spinning)(?:\s+(?:left|right|clockwise|"
                           r"counterclockwise))?")
#: Where a prompt splits into clauses (negation and camera context are read per clause).
CLAUSE_SPLIT_RE = re.compile(r"[,.;:!?()\[\]{}|/\n]+|\b(?:but|only|just|while|whereas|except|"
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

#: Camera moves per kind of camera rule: a negated "zoom" excludes both zooms.
CAMERA_KINDS: dict[str, tuple[str, ...]] = {
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
    (r"\bwaves\s+(?:crash\w*|roll\w*|break\w*|lap\w*|wash\w*|surg\w*|com\w*|mov\w*)"
     r"(?:\s+(?:gently\s+)?(?:across|over|on)\s+the\s+(?:water|surface))?\b", "waves"),
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

#: Words that ask for a seamless loop.
LOOP_RE = re.compile(r"\b(?:loop|loops|looping|looped|loopable|seamless|seamlessly|cinemagraph|"
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

#: Function words never kept as free text (the scene description).
STOPWORDS = set("""a an the and or of in on at to into onto with by for from as is are be being
been its it this that these those some while then very so too also just only there here camera
shot view lens scene video clip frame please make let have has show showing shows we us our
slowly does do did will would should must can could may might movement movements motion moves
move moving moved drift drifts drifting crash crashes crashing fall falls falling flow flows
flowing rise rises rising pass passes passing float floats floating across over through around
stays stay remains remain still keep keeps any""".split())
#: Articles kept at the start of a free-text fragment ("a lighthouse").
ARTICLES = {"a", "an", "the"}
#: Words that may stand between a negation and what it negates ("no more wind").
NEGATION_FILLER = set("""the a an any more camera cam of too much further real visible is are does do
will should let it be or and nor at all there any some kind sort type its his her their""".split())

_COMPILED: dict[str, Any] = {}


def compiled_rules() -> dict[str, Any]:
    """Every rule table compiled once, by kind: ``camera``, ``subject``, ``env``, ``tempo``, ``atmos``.

    Entries are ``(pattern, camera, kind, needs_context)`` for camera rules, ``(pattern, name)``
    for subject, environment and atmosphere rules, ``(pattern, speed, intensity)`` for tempo
    rules (``None`` where a word sets only one of them). Compiled on first use, then shared.
    """
    if not _COMPILED:
        _COMPILED["camera"] = [(re.compile(p), v, k, c) for p, v, k, c in _CAMERA_RULES]
        _COMPILED["subject"] = [(re.compile(p), v) for p, v in _SUBJECT_RULES]
        _COMPILED["env"] = [(re.compile(p), v) for p, v in _ENV_RULES]
        _COMPILED["tempo"] = [(re.compile(p), s, i) for p, s, i in _TEMPO_RULES]
        _COMPILED["atmos"] = [(re.compile(r"\b" + re.escape(w).replace(r"\ ", r"\s+") + r"\b"), w)
                              for w in _ATMOSPHERE_RULES]
    return _COMPILED
