"""The seam of a looping clip: the pair last frame → first frame, measured like any other pair.

A clip plays on repeat without a visible seam when the step from its last frame back to its
first is no larger than its ordinary steps. :func:`loop_seam` measures that step with the same
numbers the report gives every pair — mean absolute difference (``mad_prev``, 0–255) and mean
optical-flow magnitude (``flow_mean``, px) — and compares it with the clip's own median step.
The seam passes when its change is at most ``tolerance`` (default 1.0) times the median change
(floor: half a grey level, so a still clip's perfect loop is not failed by rounding) and its
motion is not a jump: at most 1.5 × the median flow + 0.25 px (flow is noisier than the change,
hence the margin).

>>> import numpy as np
>>> t = np.arange(12)
>>> frames = np.stack([np.roll(np.tile(np.arange(64, dtype=np.uint8) * 4, (48, 1)), 2 * int(k), 1)
...                    for k in np.minimum(t, 12 - t)])[..., None].repeat(3, -1)
>>> seam = loop_seam(frames)
>>> seam.ok, round(seam.ratio, 2)
(True, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["LoopSeam", "loop_seam"]


@dataclass(frozen=True)
class LoopSeam:
    """How the last → first step of a clip compares with its ordinary steps (truthy when it
    loops without a visible seam).

    Attributes:
        ok: the seam's change is within ``tolerance`` × the median change, and its motion is
            not a jump (see the module docstring).
        mad: mean absolute difference last → first (0–255).
        flow: mean flow magnitude last → first (px).
        median_mad, median_flow: the clip's median over its consecutive pairs.
        ratio: ``mad / median_mad``, the seam's change in units of the clip's median change.
        reason: the verdict in words.
    """

    ok: bool
    mad: float
    flow: float
    median_mad: float
    median_flow: float
    ratio: float
    reason: str

    def __bool__(self) -> bool:
        return self.ok


def loop_seam(clip_or_report: Any, *, tolerance: float = 1.0) -> LoopSeam:
    """Measure the seam of a looping clip (see the module docstring).

    >>> i2v_nb.loop_seam(i2v_nb.generate(img, "slow pan right, seamless loop"))  # doctest: +SKIP
    LoopSeam(ok=True, ...)

    Args:
        clip_or_report: a :class:`~i2v_nb.Clip`, frames ``(T, H, W, 3)`` or a
            :class:`~i2v_nb.diagnostics.ContinuityReport` (its frames and per-pair table are
            reused).
        tolerance: how many times the median step the seam may be.

    Raises:
        VideoInputError: fewer than 3 frames.
    """
    from i2v_nb._media import as_frames
    from i2v_nb.diagnostics.flow import optical_flow
    from i2v_nb.diagnostics.scores import mean_abs_diff
    from i2v_nb.errors import VideoInputError

    per_frame = getattr(clip_or_report, "per_frame", None)
    frames = as_frames(getattr(clip_or_report, "frames", clip_or_report))
    if len(frames) < 3:
        raise VideoInputError(f"a loop needs at least 3 frames to judge its seam, got "
                              f"{len(frames)}")
    if per_frame is not None:
        mads = per_frame["mad_prev"].to_numpy(np.float64)[1:]
        flows = per_frame["flow_mean"].to_numpy(np.float64)[1:]
    else:
        mads = np.array([mean_abs_diff(frames[i], frames[i + 1]) for i in range(len(frames) - 1)])
        flows = np.array([float(np.linalg.norm(optical_flow(frames[i], frames[i + 1]), axis=2)
                                .mean()) for i in range(len(frames) - 1)])
    seam_mad = mean_abs_diff(frames[-1], frames[0])
    seam_flow = float(np.linalg.norm(optical_flow(frames[-1], frames[0]), axis=2).mean())
    med_mad = max(0.5, float(np.nanmedian(mads)))
    med_flow = max(0.05, float(np.nanmedian(flows)))
    ratio = seam_mad / med_mad
    ok = ratio <= tolerance + 1e-9 and seam_flow <= 1.5 * med_flow + 0.25
    verdict = "loops without a visible seam" if ok else "shows a seam when it repeats"
    reason = (f"the clip {verdict}: last → first changes {seam_mad:.2f} grey levels and moves "
              f"{seam_flow:.2f} px, against a median step of {med_mad:.2f} grey levels and "
              f"{med_flow:.2f} px (a change {ratio:.2f}× the median)")
    return LoopSeam(ok, seam_mad, seam_flow, med_mad, med_flow, float(ratio), reason)
