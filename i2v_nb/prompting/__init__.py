"""Motion prompts: words → a structured :class:`MotionSpec` → what each model family wants.

``parse_prompt`` turns free English ("slow push in, hair moving in the wind, no rain") into a
:class:`MotionSpec`; ``build_prompt`` turns a spec (or a text) into the keyword arguments a model
family responds to (long descriptive prompts for CogVideoX/Wan, a short one for LTX, motion knobs
for SVD, which takes no text); ``prompt_variations`` rephrases a prompt while keeping its motion.

The package has one job per module; each imports only modules named before it here:
``vocabulary`` (the names), ``rules`` (the English that names them), ``wording`` (a spec back in
words), ``spec`` (:class:`MotionSpec`), ``parser`` (``parse_prompt``), ``writers``
(``build_prompt``, per family) and ``variations`` (``prompt_variations``). Prompting sits below
synthesis: callers pass a model's family (or a preset with a ``.family``); it never imports the
model registry.

Camera words mean the camera's own move: when the camera pans left, the content moves right in the
frame; when it zooms in, the content grows outward from the centre.

>>> spec = parse_prompt("Slowly push in, the clouds drift, no wind")
>>> spec.camera, spec.speed, spec.environment, spec.negative
('dolly_in', 0.25, ['clouds_drift'], ['wind'])
>>> build_prompt(spec, "svd")["motion_bucket_id"] <= 127
True
"""

from __future__ import annotations

from i2v_nb.prompting.parser import parse_prompt
from i2v_nb.prompting.spec import MotionSpec
from i2v_nb.prompting.variations import prompt_variations
from i2v_nb.prompting.vocabulary import (
    CAMERA_MOVES,
    DEFAULT_NEGATIVE_PROMPTS,
    ENVIRONMENT_EFFECTS,
    FAMILIES,
    SUBJECT_MOTIONS,
)
from i2v_nb.prompting.writers import build_prompt, resolve_family

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
