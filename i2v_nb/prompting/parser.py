"""Reading a motion prompt: free English → :class:`~i2v_nb.prompting.MotionSpec`.

The text is cleaned (Unicode NFKC, control characters dropped, quotes, dashes and arrows
unified), split into clauses, and matched against the rules of :mod:`i2v_nb.prompting.rules`;
negation and camera context are read per clause. Words no rule takes are kept as free text.

>>> parse_prompt("slow pan left, no rain").camera, parse_prompt("no rain").negative
('pan_left', ['rain'])
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import re
import unicodedata
from typing import Any

from i2v_nb.prompting.rules import (
    ARTICLES,
    BARE_ROLL_RE,
    CAMERA_CONTEXT_RE,
    CAMERA_KINDS,
    CLAUSE_SPLIT_RE,
    LOOP_RE,
    NEGATION_FILLER,
    NEGATION_RE,
    STOPWORDS,
    compiled_rules,
)
from i2v_nb.prompting.spec import MotionSpec

__all__ = ["parse_prompt"]

_MAX_CHARS = 8_000  # longer prompts are parsed on their first 8 000 characters


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
    rules = compiled_rules()

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
    for m in CLAUSE_SPLIT_RE.finditer(norm):
        clauses.append((pos, norm[pos:m.start()]))
        pos = m.end()
    clauses.append((pos, norm[pos:]))

    for ci, (offset, clause) in enumerate(clauses):
        if not clause.strip():
            continue
        has_ctx = bool(CAMERA_CONTEXT_RE.search(clause) or BARE_ROLL_RE.fullmatch(clause.strip()))
        matches = []
        matches += _find_rules(clause, rules["camera"], has_ctx=has_ctx, kind="camera")
        matches += _find_rules(clause, rules["subject"], has_ctx=has_ctx, kind="subject")
        matches += _find_rules(clause, rules["env"], has_ctx=has_ctx, kind="env")
        matches += _find_rules(clause, rules["tempo"], has_ctx=has_ctx, kind="tempo")
        matches += _find_rules(clause, rules["atmos"], has_ctx=has_ctx, kind="atmos")
        matches += [(m.start(), m.end(), "loop", ()) for m in LOOP_RE.finditer(clause)]
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
                if NEGATION_RE.fullmatch(word):
                    return True
                steps += 1
                if steps > 6 or not (word in NEGATION_FILLER or any(taken[ts:te])):
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
                    negated_cameras.extend(CAMERA_KINDS[cam_kind])
                else:
                    camera_pos.append((offset + start, cam))
                    if camera_clause is None:
                        camera_clause = ci
            elif kind in ("subject", "env"):
                target = negative if negated else subject if kind == "subject" else environment
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
            if NEGATION_RE.fullmatch(w) or w in STOPWORDS:
                words.append((w, False))
            else:
                words.append((w, True))
        if any(keep for _, keep in words):
            # trim function words at both ends of the fragment
            while words and not words[0][1] and not (
                    words[0][0] in ARTICLES and len(words) > 1 and words[1][1]):
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
