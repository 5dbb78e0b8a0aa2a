"""Gradual defects: a change that builds up over many frames, none of which looks wrong alone.

* **color_drift** — a colour cast creeping in. Each pair's signed colour change after motion
  compensation (``RegionMaps.colour_step``: mean RGB of the warped frame t minus frame t−1) is
  summed from frame 0, and the sum ``C_t`` is put in CIELAB (``cv2.cvtColor`` of the frame-0
  mean colour plus ``C_t``, minus that of the mean colour: ``ΔLab_t``). Moving content does not
  change the sum (the warp follows it); a cast, a fade or an exposure drift does. A flag needs
  ``|ΔLab|`` of the last frame ≥ ``COLOR_DRIFT_MIN`` (3 ΔE*ab — a visible cast), a build-up
  rather than one step (the largest single step under half the total) that is steady: along the
  final direction ``u``, ``p_t = ΔLab_t·u`` rises on at least 70 % of the pairs from the start.
  The start is the change point of the best fit ``p_t ≈ a·max(0, t − s + 1)``; the flag sits
  there. Per-frame columns: ``color_shift`` (``|ΔLab_t|``, against the reference's frame 0)
  and ``color_shift_recent`` (``|ΔLab_t − mean(ΔLab_{t−5…t−1})|``, against a running average
  of the five frames before).
* **motion_reversal** — the camera's move turns back abruptly (ping-pong). Each pair's global
  motion is a vector in pixels, ``v_t = (pan_x, pan_y, zoom·m/2, rotation·m/2, shear·H/2)``
  (``m = min(H, W)``, rotation in radians: the shift of a point half a side from the centre).
  Pair t reverses when ``cos(v_t, v_{t−1}) < −0.5``, both moves exceed ``REVERSAL_MIN`` =
  ``max(0.05 px, 0.3·median_t |v_t|)``, the pair before moved the same way as its own
  predecessor (a steady move) and the pair after keeps the new direction. A loop that slows to a
  stop and comes back passes through moves too small to count, so it is not flagged.
"""

from __future__ import annotations

import math

import numpy as np

from i2v_nb.diagnostics.flags import Flag
from i2v_nb.diagnostics.regions import RegionMaps
from i2v_nb.diagnostics.words import colour_words

__all__ = ["COLOR_DRIFT_MIN", "colour_shift_lab", "recent_shift", "color_drift_flags",
           "motion_vectors",
           "motion_reversal_flags", "gradual_flags"]

#: Least colour change (ΔE*ab, CIELAB) at the last frame for a colour-drift flag.
COLOR_DRIFT_MIN = 3.0


def colour_shift_lab(maps: RegionMaps) -> np.ndarray:
    """``(T, 3)`` cumulative colour change ``(ΔL*, Δa*, Δb*)`` of every frame against frame 0
    along the motion-compensated chain (row 0 is zero; see the module docstring)."""
    import cv2

    steps = np.nan_to_num(np.asarray(maps.colour_step, np.float64))
    steps[0] = 0.0
    cum = np.cumsum(steps, axis=0)
    base = maps.colour_base if maps.colour_base is not None else np.full(3, 128.0)
    rgb = np.clip(np.vstack([base, base + cum]), 0.0, 255.0) / 255.0
    lab = cv2.cvtColor(rgb.astype(np.float32)[None], cv2.COLOR_RGB2Lab)[0].astype(np.float64)
    return lab[1:] - lab[0]


def recent_shift(shift: np.ndarray, *, window: int = 5) -> np.ndarray:
    """``|ΔLab_t − mean(ΔLab_{t−window…t−1})|`` per frame (NaN on frame 0)."""
    out = np.full(len(shift), np.nan)
    for t in range(1, len(shift)):
        out[t] = float(np.linalg.norm(shift[t] - shift[max(0, t - window):t].mean(axis=0)))
    return out


def _ramp_start(p: np.ndarray) -> int:
    """The ``s`` of the least-squares fit ``p_t ≈ a·max(0, t − s + 1)``."""
    t = np.arange(len(p), dtype=np.float64)
    best, best_s = np.inf, 1
    for s in range(1, len(p)):
        r = np.maximum(0.0, t - s + 1)
        a = float(r @ p / (r @ r))
        sse = float(np.sum((p - a * r) ** 2))
        if sse < best - 1e-12:
            best, best_s = sse, s
    return best_s


def color_drift_flags(maps: RegionMaps) -> list[Flag]:
    """A colour cast or fade that builds up over the clip (see the module docstring)."""
    shift = colour_shift_lab(maps)
    n = len(shift)
    if n < 4:
        return []
    total = float(np.linalg.norm(shift[-1]))
    if total < COLOR_DRIFT_MIN:
        return []
    u = shift[-1] / total
    p = shift @ u
    steps = np.diff(p)
    if np.max(np.abs(steps)) > 0.5 * total:
        return []  # one step, not a drift (a cut or a jump in exposure)
    s = _ramp_start(p)
    rising = steps[s - 1:] > 0
    if rising.size < 2 or rising.mean() < 0.7:
        return []
    words = colour_words(shift[-1])
    if words in ("brighter", "darker"):
        message = f"the picture gets {words} from frame {s}"
        what = f"gets {words}"
    else:
        message = f"the colours shift towards {words} from frame {s}"
        what = f"shifts towards {words}"
    dl, da, db = shift[-1]
    return [Flag(s, "color_drift", "color_shift", total, float("nan"),
                 f"the colour {what} steadily from frame {s} (motion-compensated), by "
                 f"ΔE {total:.1f} at the last frame (ΔL* {dl:+.1f}, Δa* {da:+.1f}, "
                 f"Δb* {db:+.1f})", last=n - 1, message=message)]


def motion_vectors(per_frame, *, height: int, width: int) -> np.ndarray:
    """``(T, 5)`` global motion of each pair as a vector in pixels (row 0 NaN; see the module
    docstring)."""
    m = float(min(height, width))
    col = lambda name: per_frame[name].to_numpy(np.float64)  # noqa: E731
    return np.stack([col("pan_x"), col("pan_y"), col("zoom") * m / 2,
                     np.radians(col("rotation")) * m / 2, col("shear") * height / 2], axis=1)


def motion_reversal_flags(per_frame, *, height: int, width: int, skip: set[int] = frozenset()
                          ) -> list[Flag]:
    """Abrupt reversals of the camera's move (see the module docstring).

    Args:
        per_frame: the report's per-frame table.
        height, width: the clip's frame size.
        skip: pairs a flag already explains (a cut's motion means nothing).
    """
    v = motion_vectors(per_frame, height=height, width=width)
    n = len(v)
    speed = np.linalg.norm(v, axis=1)
    ok = np.isfinite(speed)
    if ok.sum() < 4:
        return []
    floor = max(0.05, 0.3 * float(np.median(speed[ok])))

    def moving(t: int) -> bool:
        return 1 <= t < n and ok[t] and speed[t] >= floor and t not in skip

    def cos(a: int, b: int) -> float:
        return float(v[a] @ v[b] / (speed[a] * speed[b]))

    out: list[Flag] = []
    for t in range(3, n - 1):
        if not all(moving(k) for k in (t - 2, t - 1, t, t + 1)):
            continue
        if cos(t, t - 1) < -0.5 and cos(t - 1, t - 2) > 0.5 and cos(t + 1, t) > 0.5:
            angle = math.degrees(math.acos(max(-1.0, min(1.0, cos(t, t - 1)))))
            out.append(Flag(t, "motion_reversal", "pan_x", float(v[t, 0]), float("nan"),
                            f"the camera's move turns back at frame {t}: pair {t - 1}→{t} "
                            f"moves {speed[t]:.1f} px at {angle:.0f}° to the pair before "
                            f"({speed[t - 1]:.1f} px), and keeps the new direction",
                            message=f"the motion reverses at frame {t}: the camera moves back "
                                    "the way it came (a ping-pong)"))
    return out


def gradual_flags(maps: RegionMaps, per_frame, *, skip: set[int] = frozenset()) -> list[Flag]:
    """:func:`color_drift_flags` and :func:`motion_reversal_flags` of a clip."""
    return color_drift_flags(maps) + motion_reversal_flags(
        per_frame, height=maps.height, width=maps.width, skip=skip)
