"""Motion prompts that fit an analysed image, in the vocabulary of :func:`i2v_nb.parse_prompt`.

Camera words: zoom in/out, pan left/right, tilt up/down, orbit, dolly in/out, static.
Environment words: wind in the trees / hair, water ripples / waves, clouds drifting, rain, snow,
fog, flicker.
"""

from __future__ import annotations

import numpy as np

from i2v_nb.analysis.report import StructureReport

__all__ = ["suggest_prompts", "ENVIRONMENT_PHRASES"]

#: motion region → phrase (each uses parse_prompt's environment words)
ENVIRONMENT_PHRASES: dict[str, str] = {
    "sky": "clouds drifting",
    "water": "water ripples",
    "foliage": "wind in the trees",
    "hair": "wind in the hair",
    "fabric": "clothes moving in the wind",
}


def _camera_moves(report: StructureReport) -> list[str]:
    moves: list[str] = []
    h, w = report.shape
    x0, y0, x1, y1 = report.subject_box
    cx = (x0 + x1) / 2.0 / w
    box_frac = (x1 - x0) * (y1 - y0) / float(h * w)
    d = report.depth
    spread = float(np.percentile(d, 90) - np.percentile(d, 10))
    if report.has_subject and box_frac < 0.6:
        moves.append("slow zoom in on the subject")
    if report.has_subject and spread > 0.35:
        moves.append("slow orbit around the subject")
    if report.horizon_y is not None or "sky" in report.movable or "water" in report.movable:
        moves.append("slow pan right" if cx <= 0.5 else "slow pan left")
    if report.has_subject and (y1 - y0) > 1.6 * (x1 - x0) and (y1 - y0) > 0.5 * h:
        moves.append("slow tilt up")
    if spread > 0.25:
        moves.append("slow dolly in")
    if box_frac >= 0.6 or not report.has_subject:
        moves.append("slow zoom out")
    moves.append("static camera")
    seen: list[str] = []
    for m in moves:
        if m not in seen:
            seen.append(m)
    return seen


def _environment(report: StructureReport) -> list[str]:
    env = [ENVIRONMENT_PHRASES[k] for k in report.movable if k in ENVIRONMENT_PHRASES]
    if "water" in report.movable and float(report.motion_regions["water"].mean()) > 0.2:
        env[env.index("water ripples")] = "gentle waves"
    if report.contrast.get("verdict") == "low" and report.exposure.get("mean", 0) > 0.45:
        env.append("light fog")
    if report.exposure.get("verdict") == "under-exposed" and \
            report.colour_temperature.get("label") == "warm":
        env.append("soft light flicker")
    return env


def suggest_prompts(report: StructureReport, *, n: int = 4, seed: int | None = None) -> list[str]:
    """A few short motion prompts that suit the image of ``report``.

    The first prompt pairs the most fitting camera move (zoom in on a clear subject, pan across a
    horizon, orbit when the depth has spread, zoom out when nothing stands out) with the
    environment motions of the largest movable regions (``report.movable``); the others vary the
    camera and the set of effects. Deterministic; ``seed`` (default ``report.seed``) reorders the
    alternatives after the first prompt.

    >>> from i2v_nb.analysis import analyze                       # doctest: +SKIP
    >>> suggest_prompts(analyze(photo, depth="classical"))         # doctest: +SKIP
    ['slow zoom in on the subject, wind in the hair, clothes moving in the wind', ...]
    """
    if n < 1:
        raise ValueError(f"n={n} must be at least 1")
    moves = _camera_moves(report)
    env = _environment(report)
    candidates: list[str] = []

    def add(move: str, effects: list[str]) -> None:
        p = ", ".join([move, *effects]) if effects else move
        if p not in candidates:
            candidates.append(p)

    add(moves[0], env[:2])
    for m in moves[1:]:
        add(m, env[:1])
    if len(env) > 1:
        for e in env[1:]:
            add(moves[0], [e])
    if env:
        add("static camera", env[:3])
    for m in moves:
        add(m, [])
    rng = np.random.default_rng(report.seed if seed is None else seed)
    rest = candidates[1:]
    if (report.seed if seed is None else seed) != 0:
        rest = [rest[i] for i in rng.permutation(len(rest))]
    return [candidates[0], *rest][:n]
