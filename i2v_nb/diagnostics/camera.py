"""The camera's own move, named in ``MotionSpec.camera``'s vocabulary, and a check against a prompt.

The flow shows how *content* moves; the camera moves the other way. Content moving right in the
frame means the camera panned **left**; content moving down means the camera tilted **up**;
content expanding outwards means a **zoom in** (or a dolly in: without depth the two look alike);
content rotating means a **roll**.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["CAMERA_MOVES", "CameraCheck", "dominant_camera_motion", "compatible_moves",
           "check_camera"]

#: ``MotionSpec.camera`` vocabulary.
CAMERA_MOVES = ("static", "zoom_in", "zoom_out", "pan_left", "pan_right", "tilt_up", "tilt_down",
                "orbit_left", "orbit_right", "dolly_in", "dolly_out", "roll")

#: Total apparent motion (as a fraction of min(H, W)) under which the camera counts as static:
#: twice VBench's per-video 0.005, because chaining a classical flow accumulates a little noise.
STATIC_FRACTION = 0.01


def dominant_camera_motion(pan_x, pan_y, zoom, rotation, inliers=None, *, height: int,
                           width: int, shear=None) -> tuple[str, float, dict[str, float]]:
    """Name the dominant camera move of a clip from its per-pair global motion.

    The per-pair motions are summed over the clip and put in one unit, a displacement as a
    fraction of ``m = min(H, W)``: pan ``|Σ pan_x| / m``, tilt ``|Σ pan_y| / m``, zoom
    ``|Σ log(1 + zoom)| / 2`` (the shift of a point half a side from the centre), roll
    ``|Σ rotation| (rad) / 2``, orbit ``|Σ shear| · H / 2 / m`` (the horizontal parallax between
    the centre row and the bottom row). The largest component names the move (sign → direction,
    camera's own move); below :data:`STATIC_FRACTION` the camera is ``"static"``. An orbit is
    read from parallax alone, assuming the lower part of the frame is nearer (as in most photos):
    when the camera circles left around the subject, nearer content slides right past it, so the
    lower rows move right relative to the upper ones (shear > 0) → ``"orbit_left"``.

    Confidence in [0, 1] is ``dominance × consistency × fit``: the dominant component's share of
    the total (``c / Σ components``, so 1 when nothing else moves), the share of pairs whose own
    motion has the same sign, and the mean share of pixels the global model explains (inliers).
    For "static" it is ``1 − total / STATIC_FRACTION``-like: how far below the threshold it is.

    Returns:
        ``(label, confidence, components)`` with ``components`` the five fractions and the fit.
    """
    px, py, zm, rt = (np.nan_to_num(np.asarray(v, np.float64)) for v in (pan_x, pan_y, zoom,
                                                                          rotation))
    sh = np.zeros_like(px) if shear is None else np.nan_to_num(np.asarray(shear, np.float64))
    m = float(min(height, width))
    tot = {
        "pan": float(px.sum()) / m,
        "tilt": float(py.sum()) / m,
        "zoom": float(np.log1p(np.clip(zm, -0.9, None)).sum()) / 2.0,
        "roll": math.radians(float(rt.sum())) / 2.0,
        "orbit": float(sh.sum()) * height / 2.0 / m,
    }
    comps = {k: abs(v) for k, v in tot.items()}
    total = sum(comps.values())
    fit = float(np.nanmean(inliers)) if inliers is not None and len(inliers) else 1.0
    details = {**{f"{k}_fraction": v for k, v in tot.items()}, "fit": fit}
    if len(px) == 0 or max(comps.values()) < STATIC_FRACTION:
        conf = 1.0 - max(comps.values(), default=0.0) / STATIC_FRACTION
        return "static", float(np.clip(conf, 0.0, 1.0) * fit), details
    key = max(comps, key=comps.get)
    sign = np.sign(tot[key])
    label = {
        "pan": "pan_left" if sign > 0 else "pan_right",  # content moves right → camera pans left
        "tilt": "tilt_up" if sign > 0 else "tilt_down",  # content moves down → camera tilts up
        "zoom": "zoom_in" if sign > 0 else "zoom_out",   # content expands → zoom in
        "roll": "roll",
        "orbit": "orbit_left" if sign > 0 else "orbit_right",  # lower (nearer) rows move right
    }[key]
    per_pair = {"pan": px, "tilt": py, "zoom": zm, "roll": rt, "orbit": sh}[key]
    consistency = float(np.mean(np.sign(per_pair) == sign)) if len(per_pair) else 0.0
    dominance = comps[key] / total
    return label, float(np.clip(dominance * consistency * fit, 0.0, 1.0)), details


def compatible_moves(move: str) -> set[str]:
    """Detected labels that satisfy a requested camera move.

    The rule: a move matches itself; a dolly and a zoom in the same direction look alike in 2-D
    motion (no depth), so ``dolly_in ≍ zoom_in`` and ``dolly_out ≍ zoom_out``; an orbit moves the
    background sideways in a direction that depends on how far the subject is in front of it,
    so an orbit matches itself and either horizontal pan; a pan over a scene whose depth changes
    from top to bottom shears like an orbit, so ``pan_left ≍ orbit_left`` and
    ``pan_right ≍ orbit_right``; ``roll`` matches roll only; ``static`` matches static only.

    >>> sorted(compatible_moves("dolly_in"))
    ['dolly_in', 'zoom_in']
    """
    if move in ("zoom_in", "dolly_in"):
        return {"zoom_in", "dolly_in"}
    if move in ("zoom_out", "dolly_out"):
        return {"zoom_out", "dolly_out"}
    if move in ("orbit_left", "orbit_right"):
        return {move, "pan_left", "pan_right"}
    if move in ("pan_left", "pan_right"):
        return {move, "orbit" + move[3:]}
    return {move}


@dataclass(frozen=True)
class CameraCheck:
    """Whether the camera move a prompt asked for happened (truthy when it did).

    Attributes:
        ok: True if the detected move is compatible with the requested one.
        requested: the requested move (``None`` when the prompt names none).
        detected: ``report.camera_motion``.
        confidence: ``report.camera_confidence``.
        reason: the verdict in words.
    """

    ok: bool
    requested: str | None
    detected: str
    confidence: float
    reason: str

    def __bool__(self) -> bool:
        return self.ok

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _requested_move(spec_or_prompt: Any) -> str | None:
    from i2v_nb.errors import ParameterError

    if spec_or_prompt is None:
        return None
    if isinstance(spec_or_prompt, str):
        key = spec_or_prompt.strip().lower().replace(" ", "_").replace("-", "_")
        if key in CAMERA_MOVES:
            return key
        from i2v_nb.prompting import parse_prompt  # lazy: written separately, imports on demand

        spec = parse_prompt(spec_or_prompt)
    else:
        spec = spec_or_prompt
    camera = spec.get("camera") if isinstance(spec, dict) else getattr(spec, "camera", None)
    if camera is None or camera == "":
        return None
    if not isinstance(camera, str) or camera not in CAMERA_MOVES:
        raise ParameterError(f"camera move {camera!r} is not in MotionSpec's vocabulary "
                             f"{list(CAMERA_MOVES)}")
    return camera


def check_camera(report, spec_or_prompt: Any) -> CameraCheck:
    """Say whether the camera move requested by a prompt or ``MotionSpec`` happened in a clip.

    >>> check_camera(report, "slow zoom in on the face")      # doctest: +SKIP
    CameraCheck(ok=True, requested='zoom_in', detected='zoom_in', confidence=0.93, ...)

    Args:
        report: a :class:`~i2v_nb.diagnostics.ContinuityReport`.
        spec_or_prompt: a prompt (parsed with ``i2v_nb.prompting.parse_prompt``), a camera move
            name (``"zoom_in"``), a ``MotionSpec`` or a dict with a ``"camera"`` key.

    Returns:
        A :class:`CameraCheck`; the dominant move (``report.camera_motion``) must be one of
        :func:`compatible_moves` of the request (dolly ≍ zoom, orbit ≍ pan). VBench's labels
        (``report.camera_vbench``) are quoted in the reason but do not decide: its rule often
        returns several labels at once (a zoom's border points also read as a pan).

    Raises:
        ParameterError: the requested camera move is not in :data:`CAMERA_MOVES`.
    """
    requested = _requested_move(spec_or_prompt)
    detected = report.camera_motion
    conf = float(report.camera_confidence)
    if requested is None:
        return CameraCheck(True, None, detected, conf,
                           f"no camera move was requested; the clip shows {detected}")
    ok_set = compatible_moves(requested)
    vb = list(getattr(report, "camera_vbench", []) or [])
    vb_note = f"; VBench's border-point rule: {', '.join(vb)}" if vb else ""
    if detected in ok_set:
        how = "as requested" if detected == requested else f"compatible with {requested}"
        return CameraCheck(True, requested, detected, conf,
                           f"the camera does {detected} ({how}), confidence {conf:.2f}{vb_note}")
    return CameraCheck(False, requested, detected, conf,
                       f"requested {requested} but the camera does {detected} "
                       f"(confidence {conf:.2f}){vb_note}")
