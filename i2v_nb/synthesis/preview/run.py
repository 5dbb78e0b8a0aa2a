"""The preview engine behind the backend seam: ``run_preview(request) -> (frames, metadata)``,
named in :data:`i2v_nb.synthesis.backend.BACKENDS` like every other backend."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from i2v_nb.errors import GenerationStopped
from i2v_nb.synthesis.preview.plan import plan_preview
from i2v_nb.synthesis.preview.render import render_frames

if TYPE_CHECKING:  # pragma: no cover
    from i2v_nb.synthesis.request import GenerationRequest

__all__ = ["run_preview"]


def run_preview(request: GenerationRequest) -> tuple[np.ndarray, dict[str, Any]]:
    """The preview backend: render a :class:`~i2v_nb.synthesis.request.GenerationRequest`.

    The request's picture is already fitted to the validated size (``generate`` did it once);
    the engine renders at that size.

    Returns ``(frames, metadata)``; metadata holds the effects applied, the camera, the depth
    and mask sources and the timings (``plan_s``, ``render_s``).

    Raises:
        GenerationStopped: ``request.stop`` was set, before or during rendering.
    """
    params = request.params
    t0 = time.perf_counter()
    if request.stop is not None and request.stop.is_set():
        raise GenerationStopped("preview: stop was already set before generation began; clear "
                                "the event (stop.clear()) and call again")
    if request.conditions.get("last_image") is not None or request.conditions.get("keyframes"):
        return _run_through(request, t0)
    plan = plan_preview(request.image, request.spec, num_frames=params["num_frames"],
                        fps=params["fps"], seed=request.seed, loop=params["loop"],
                        intensity=params["intensity"], speed=params["speed"],
                        camera=params["camera"], parallax=params["parallax"],
                        auto_effects=params["auto_effects"], depth=request.depth,
                        masks=request.masks, fit=params["fit"],
                        start_on_image=bool(params.get("start_on_image", False)))
    t1 = time.perf_counter()
    frames = render_frames(plan, progress=request.progress, stop=request.stop)
    t2 = time.perf_counter()
    meta = {
        "backend": "preview",
        "camera": plan.camera,
        "loop": plan.loop,
        "effects": plan.effects,
        "depth_source": plan.depth_source,
        "masks_source": plan.masks_source,
        "params": {"camera": plan.camera, "loop": plan.loop, "speed": round(plan.speed, 4),
                   "intensity": round(plan.intensity, 4)},
        "overscan": round(plan.overscan, 4),
        "parallax": params["parallax"],
        "timings": {"plan_s": t1 - t0, "render_s": t2 - t1},
    }
    return frames, meta


def _anchors(request: GenerationRequest) -> list[tuple[int, np.ndarray]]:
    """``(frame index, picture)`` pairs: the picture at 0, the keyframes (negative indices count
    from the end), the last image at the last frame."""
    from i2v_nb.errors import ParameterError
    from i2v_nb.io import image_to_array

    n = int(request.params["num_frames"])
    anchors = {0: image_to_array(request.image)}
    for index, picture in (request.conditions.get("keyframes") or {}).items():
        k = int(index) + n if int(index) < 0 else int(index)
        anchors[k] = image_to_array(picture)
    last = request.conditions.get("last_image")
    if last is not None:
        if n - 1 in anchors and n - 1 != 0:
            raise ParameterError("a keyframe at the last frame and last_image both set it; "
                                 "give one of them")
        anchors[n - 1] = image_to_array(last)
    if n < 2 or len(anchors) < 2:
        raise ParameterError("a clip through a last image or keyframes needs at least 2 frames")
    return sorted(anchors.items())


def _run_through(request: GenerationRequest, t0: float) -> tuple[np.ndarray, dict[str, Any]]:
    """The preview through the request's last image and keyframes
    (:mod:`~i2v_nb.synthesis.preview.keyframes`)."""
    from i2v_nb.errors import ParameterError
    from i2v_nb.synthesis.preview.keyframes import render_through

    params = request.params
    if params.get("loop"):
        raise ParameterError("loop=True and a last image or keyframes contradict each other (a "
                             "loop ends where it starts); drop one of them")
    anchors = _anchors(request)
    t1 = time.perf_counter()
    frames = render_through(anchors, num_frames=int(params["num_frames"]),
                            progress=request.progress, stop=request.stop)
    t2 = time.perf_counter()
    meta = {
        "backend": "preview",
        "camera": "through keyframes",
        "loop": False,
        "effects": [],
        "keyframes": [k for k, _ in anchors],
        "params": {"camera": "through keyframes", "loop": False},
        "timings": {"plan_s": t1 - t0, "render_s": t2 - t1},
    }
    return frames, meta
