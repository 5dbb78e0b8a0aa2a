"""Rephrasing a prompt while keeping its motion: :func:`prompt_variations`.

>>> prompt_variations("zoom in", 2, seed=0) == prompt_variations("zoom in", 2, seed=0)
True
"""

from __future__ import annotations

import random

from i2v_nb.errors import ParameterError
from i2v_nb.prompting.parser import parse_prompt
from i2v_nb.prompting.spec import MotionSpec
from i2v_nb.prompting.wording import describe_motion, speed_bucket

__all__ = ["prompt_variations"]


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
        v = describe_motion(spec, style=style, rng=rng)
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
    return (a.camera == b.camera and speed_bucket(a.speed) == speed_bucket(b.speed)
            and set(a.environment) == set(b.environment) and set(a.subject) == set(b.subject)
            and a.loop == b.loop)
