"""``Knob``: an extra, model-specific parameter of a preset (its default and legal range).

:class:`~i2v_nb.synthesis.preset.ModelPreset` holds them by name; the validation engine
(:mod:`i2v_nb.synthesis.validation`) checks a request's values against them.

>>> Knob(0.5, 0.0, 1.0, "float", "how much").high
1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Knob"]


@dataclass(frozen=True)
class Knob:
    """An extra, model-specific parameter: its default and legal range.

    Args:
        default: value used when the caller gives none (``None`` = decided at run time).
        low, high: inclusive range; out-of-range values are clipped with a warning (refused
            when ``strict``).
        kind: ``"int"``, ``"float"``, ``"bool"`` or ``"choice"`` (one of ``choices``).
        help: one line for tables, widgets and the messages about the knob.
        choices: the legal strings of a ``"choice"`` knob.
        strict: refuse out-of-range values instead of clipping them.
        advanced: a keyword of :func:`~i2v_nb.synthesis.generate` that the widgets do not offer
            as a control (the preview engine's ``camera``, ``parallax``, ``fit``...).

    >>> Knob(127, 1, 255, "int", "how much motion").default
    127
    """

    default: Any
    low: float | None = None
    high: float | None = None
    kind: str = "float"
    help: str = ""
    choices: tuple[str, ...] | None = None
    strict: bool = False
    advanced: bool = False
