"""The structured form of a motion prompt: :class:`MotionSpec`.

A spec is what :func:`~i2v_nb.prompting.parse_prompt` reads from words and what the writers
(:func:`~i2v_nb.prompting.build_prompt`, :func:`~i2v_nb.prompting.prompt_variations`) turn back
into words; the preview engine and the diagnostics read it directly.

>>> MotionSpec(camera="zoom_in", environment="rain").environment
['rain']
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from i2v_nb.errors import ParameterError
from i2v_nb.prompting.vocabulary import CAMERA_MOVES, ENVIRONMENT_EFFECTS
from i2v_nb.prompting.wording import describe_motion

__all__ = ["MotionSpec"]


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
            style: ``"long"`` (sentences, for CogVideoX/Wan), ``"paragraph"`` (the action first,
                for LTX-Video) or ``"short"`` (comma phrases, the preview engine).
            negations: include "no rain"-style phrases for :attr:`negative` (models with a
                negative prompt get them there instead).
        """
        return describe_motion(self, style=style, rng=None, negations=negations)
