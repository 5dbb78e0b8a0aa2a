"""Extend a clip: continue it from its last frame, with the colours kept across the joint.

``extend(clip, seconds=2)`` generates a new segment whose first frame is the clip's last frame
(same model, prompt, seed and parameters unless told otherwise), drops that repeated frame,
optionally colour-matches the new frames to the clip's last frame
(:func:`~i2v_nb.editing.color.color_match`, ``anchor="first"``: one correction estimated from
the segment's first frame, so drift does not add up over a chain) and returns the joined clip:
its first frames are the original's, bit for bit. A model whose frame rules or maximum length
cannot make the whole extension at once is called several times, each segment continuing the
previous one. The metadata records the chain: ``parent`` (the original's history id) and
``segments``, a list of ``{"start", "stop", "prompt", "seed", "model", "color_shift"}`` (frame
bounds, stop exclusive; ``color_shift`` the ΔE*ab the colour match removed at the joint).

On the preview engine the segment starts exactly on the last frame (``start_on_image``: no
margin taken for the camera, the picture is mirrored at its edges instead), so the joint shows
no zoom or shift.

>>> import i2v_nb
>>> clip = i2v_nb.generate(i2v_nb.sample_image("chelsea"), "slow pan left", num_frames=12,
...                        width=96, height=64)
>>> longer = i2v_nb.extend(clip, num_frames=6)
>>> longer.num_frames, bool((longer.frames[:12] == clip.frames).all())
(18, True)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from i2v_nb.errors import ParameterError

__all__ = ["extend", "MAX_SEGMENTS"]

#: At most this many model calls for one extension.
MAX_SEGMENTS = 64
#: Parameters of the original that are not carried into the continuation.
_NOT_CARRIED = ("num_frames", "width", "height")


def _added_frames(seconds: Any, num_frames: Any, fps: float) -> int:
    if (seconds is None) == (num_frames is None):
        raise ParameterError("give seconds= or num_frames= (the length to add), one of them")
    if num_frames is not None:
        if isinstance(num_frames, bool) or not isinstance(num_frames, (int, np.integer)) \
                or int(num_frames) < 1:
            raise ParameterError(f"num_frames={num_frames!r} must be a whole number ≥ 1 (the "
                                 "frames to add)")
        return int(num_frames)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
            or not math.isfinite(seconds) or seconds <= 0:
        raise ParameterError(f"seconds={seconds!r} must be a positive number (the time to add)")
    return max(1, round(float(seconds) * fps))


def extend(clip: Any, prompt: str | None = None, *, seconds: float | None = None,
           num_frames: int | None = None, model: str | None = None, color_match: bool = True,
           history: Any = None, seed: int | None = None, progress: Any = None,
           stop: Any = None, **params: Any):
    """The clip continued by ``seconds`` or ``num_frames`` more (see the module docstring).

    >>> longer = i2v_nb.extend(clip, "the camera keeps panning", seconds=2)  # doctest: +SKIP

    Args:
        clip: the :class:`~i2v_nb.Clip` to continue.
        prompt: the continuation's prompt (default the clip's own).
        seconds, num_frames: how much to add (one of them; the added length, not the total).
        model: the model (default the clip's own, else the preview engine).
        color_match: correct each new segment's colours to the frame it continues.
        history: save the joined clip there (with ``parent`` = the original's id).
        seed: default the clip's own seed.
        progress, stop: as for :func:`~i2v_nb.generate` (per segment).
        **params: model parameters for the continuation (default the clip's own, except frame
            count and size, which follow the clip).

    Returns:
        The joined :class:`~i2v_nb.Clip` at the clip's fps and size.

    Raises:
        ParameterError: bad lengths, or a clip without frames; errors of
            :func:`~i2v_nb.generate` for the continuation.
    """
    from i2v_nb.editing.color import color_match as match, lab_stats
    from i2v_nb.editing.lineage import child_clip, clip_input
    from i2v_nb.synthesis import generate, get_model
    from i2v_nb.synthesis.generate import as_history

    frames, fps, meta = clip_input(clip, "extend")
    add = _added_frames(seconds, num_frames, fps)
    preset = get_model(model or meta.get("model") or "preview")
    carried = {k: v for k, v in (meta.get("params") or {}).items()
               if k not in _NOT_CARRIED and (k in preset.knobs or k in ("fps", "num_inference_steps",
                                                                         "guidance_scale"))}
    call = {**carried, **params, "fps": params.get("fps", fps)}
    if preset.backend == "preview" and "start_on_image" not in params:
        call["start_on_image"] = True  # the joint shows no zoom or shift
    text = prompt if prompt is not None else meta.get("prompt", "")
    seed = int(meta.get("seed", 0)) if seed is None else seed
    h, w = frames.shape[1:3]
    parts, segments, made = [frames], [], len(frames)
    last = frames[-1]
    for _ in range(MAX_SEGMENTS):
        want = add - (made - len(frames))
        if want <= 0:
            break
        count = min(want + 1, preset.max_frames)
        count = max(count, preset.min_frames)
        count = preset.snap_frames(count)
        seg = generate(last, text, model=preset, seed=seed, width=w, height=h,
                       num_frames=count, progress=progress, stop=stop, **call)
        new = seg.frames[1:1 + want]
        shift = 0.0
        if color_match and len(new):
            before = lab_stats(seg.frames[0])[0]
            new = match(np.concatenate([seg.frames[:1], new]), last)[1:]
            shift = float(np.linalg.norm(before - lab_stats(last)[0]))
        if not len(new):
            raise ParameterError(f"{preset.name} made a segment of {seg.num_frames} frame(s), "
                                 "too short to continue; use a model with longer clips")
        segments.append({"start": made, "stop": made + len(new), "prompt": text, "seed": seed,
                         "model": preset.name, "color_shift": round(shift, 3)})
        parts.append(new)
        made += len(new)
        last = new[-1]
    else:  # pragma: no cover - MAX_SEGMENTS model calls were not enough
        raise ParameterError(f"extending by {add} frames needs more than {MAX_SEGMENTS} "
                             f"segments of {preset.name}; extend by less at a time")
    before = meta.get("segments") or [{"start": 0, "stop": len(frames),
                                       "prompt": meta.get("prompt", ""), "seed": meta.get("seed"),
                                       "model": meta.get("model"), "color_shift": 0.0}]
    meta["segments"] = list(before) + segments  # a chain keeps its earlier segments
    joined = child_clip(clip, np.concatenate(parts), meta, "extended",
                        {"added_frames": add, "color_match": bool(color_match)}, fps=fps)
    store = as_history(history)
    if store is not None:
        joined.metadata["history_id"] = store.add(joined)
    return joined
