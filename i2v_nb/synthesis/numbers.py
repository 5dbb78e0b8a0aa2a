"""The one number parser of the synthesis layer: numbers, whole numbers and frame rates.

Every model's parameters (the registry's presets and the preview engine) go through these, so a
value means the same thing, and is refused with the same words, whichever model it is for:

* a *number* is a real number (``numbers.Real``: int, float, numpy integers and floats,
  fractions), not a bool, that fits a float and is finite; ints stay exact ints;
* a *whole number* is a number, rounded to the nearest int when it is not whole (the caller warns
  with the note it gets back);
* a *frame rate* is a number in the range the video writer stores (:func:`i2v_nb.io.check_fps`,
  the one fps rule), at most an engine's own cap when it has one.

The global limits every model shares are here too (:data:`MAX_SIDE`, :data:`MAX_FRAMES`,
:data:`MAX_STEPS`, :data:`MAX_GUIDANCE`): the presets' schema and the validation engine read them.

>>> check_number(12, "num_frames", owner="tiny-wan"), check_whole_number(12.4, "num_frames", owner="x")
(12, (12, 'num_frames 12.4 -> 12 for x (rule: a whole number)'))
>>> check_number("12", "fps", owner="the preview engine")
Traceback (most recent call last):
...
i2v_nb.errors.ParameterError: fps='12' for the preview engine: must be a number (got str)
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import Any

from i2v_nb.errors import ParameterError

__all__ = ["show_value", "is_bool", "check_number", "check_whole_number", "check_fps",
           "MAX_SIDE", "MAX_FRAMES", "MAX_STEPS", "MAX_GUIDANCE"]

#: Largest side (px) any request may ask for: larger ones are typos, not sizes to snap down.
MAX_SIDE = 16384
#: Most frames any request may ask for (larger counts are refused, smaller ones snapped).
MAX_FRAMES = 100_000
#: Most denoising steps: DDIM/DDPM-style schedulers refuse more steps than their 1000 training
#: timesteps, and no model needs more.
MAX_STEPS = 1000
#: Largest guidance scale: far above every model's useful range (1-15); more only saturates.
MAX_GUIDANCE = 100.0


def show_value(value: Any) -> str:
    """``repr(value)`` kept short: huge integers as ``1e+100``, long texts cut (for messages).

    >>> show_value(10**100), show_value(2.5), show_value("x" * 100)[-5:]
    ('1e+100', '2.5', 'xx...')
    """
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        try:
            return f"{float(value):.3g}"
        except OverflowError:
            return f"{'-' if value < 0 else ''}10**{len(str(abs(value))) - 1} or so"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def is_bool(value: Any) -> bool:
    """True for Python's and numpy's booleans (numpy is only checked when already imported).

    >>> is_bool(True), is_bool(1), is_bool("yes")
    (True, False, False)
    """
    np = sys.modules.get("numpy")
    return isinstance(value, bool) or (np is not None and isinstance(value, np.bool_))


def check_number(value: Any, name: str, *, owner: str) -> float | int:
    """Check that parameter ``name`` of ``owner`` is a finite real number; return it.

    Ints come back as exact ints (so ``10**100`` is compared and shown exactly), everything else
    as a float.

    Args:
        value: the value given.
        name: the parameter's name, for the message (``"num_frames"``).
        owner: who takes it, for the message (``"ltx-video"``, ``"the preview engine"``).

    Raises:
        ParameterError: a bool, a string or another non-number; a number beyond a float's range
            (``10**400``); NaN or infinity.

    >>> check_number(float("nan"), "guidance_scale", owner="svd")
    Traceback (most recent call last):
    ...
    i2v_nb.errors.ParameterError: guidance_scale=nan for svd: must be finite
    """
    if is_bool(value) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{name}={show_value(value)} for {owner}: must be a number "
                             f"(got {type(value).__name__})")
    try:
        v = float(value)
    except (OverflowError, ValueError, TypeError) as e:
        raise ParameterError(f"{name}={show_value(value)} for {owner}: must be a number that fits "
                             f"a float ({type(e).__name__}: {e})") from e
    if not math.isfinite(v):
        raise ParameterError(f"{name}={show_value(value)} for {owner}: must be finite")
    return int(value) if isinstance(value, int) else v


def check_whole_number(value: Any, name: str, *, owner: str) -> tuple[int, str | None]:
    """:func:`check_number`, rounded to a whole number: ``(int, note)``.

    ``note`` is ``None`` when the value was whole, else the message of the change, for the
    caller's ``ParameterSnapped`` warning (issued by the caller, so it points at the caller's
    caller).

    >>> check_whole_number(49, "num_frames", owner="svd")
    (49, None)
    """
    v = check_number(value, name, owner=owner)
    if v != int(v):
        r = int(round(v))
        return r, f"{name} {v} -> {r} for {owner} (rule: a whole number)"
    return int(v), None


def check_fps(fps: Any, *, model: str = "the clip", high: float | None = None) -> float:
    """Check a frame rate against the writer's rule before any work; return it as a float.

    The rule is :func:`i2v_nb.io.check_fps`'s (``MIN_FPS`` to ``MAX_FPS``: what mp4/webm store
    and read back), at most ``high`` when given (an engine's own cap). A GIF or WebP output has
    narrower limits: the command line checks those against ``--out`` before generating.

    >>> check_fps(24)
    24.0
    >>> check_fps(300, model="the preview engine", high=240)
    Traceback (most recent call last):
    ...
    i2v_nb.errors.ParameterError: fps=300 for the preview engine: the preview engine makes 0.0001 to 240 frames per second; pick a rate in that range (8, 12, 16 or 24 are usual)

    Raises:
        ParameterError: not a finite number, or outside the range (the message gives it).
    """
    from i2v_nb.io import MAX_FPS, MIN_FPS
    from i2v_nb.io import check_fps as check_writer_fps

    v = float(check_number(fps, "fps", owner=model))
    top = MAX_FPS if high is None else min(MAX_FPS, high)
    if v <= 0:
        raise ParameterError(f"fps={show_value(fps)} for {model}: the frame rate must be positive "
                             f"(rule: {MIN_FPS:g} to {top:g}; 8, 12, 16 or 24 are usual)")
    cause: Exception | None = None
    try:
        if check_writer_fps(v, error=ParameterError) <= top:
            return v
    except ParameterError as e:  # outside what the video writer stores
        cause = e
    why = f"the video writer encodes {MIN_FPS:g} to {MAX_FPS:g} frames per second" \
        if top == MAX_FPS else f"{model} makes {MIN_FPS:g} to {top:g} frames per second"
    raise ParameterError(f"fps={show_value(fps)} for {model}: {why}; pick a rate in that range "
                         "(8, 12, 16 or 24 are usual)") from cause
