"""Rendering a preview clip: plan it once, then make its frames one by one, with the same progress
and stop seam as the diffusers backend.

>>> import numpy as np
>>> img = np.random.default_rng(0).integers(30, 220, (64, 96, 3), dtype=np.uint8)
>>> render_preview(img, "tilt up", num_frames=4, seed=1).shape
(4, 64, 96, 3)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from i2v_nb.errors import GenerationStopped
from i2v_nb.prompting import MotionSpec
from i2v_nb.synthesis.preview.plan import PreviewPlan, plan_preview

if TYPE_CHECKING:  # pragma: no cover
    from i2v_nb.synthesis.request import ProgressFn

__all__ = ["render_preview", "render_frames"]


def render_preview(image: Any, spec: MotionSpec | str = "", *, num_frames: int = 24,
                   fps: float = 12.0, seed: int = 0, loop: bool | None = None,
                   intensity: float | None = None, speed: float | None = None,
                   camera: str | None = None, parallax: float = 0.5, auto_effects: bool = True,
                   depth: np.ndarray | None = None, masks: dict[str, np.ndarray] | None = None,
                   fit: str = "crop", start_on_image: bool = False,
                   progress: ProgressFn | None = None, stop: Any = None) -> np.ndarray:
    """Render a preview clip from an image and a motion prompt (CPU, no weights).

    The image is used at its own size (``generate`` fits it first). Depth and masks are computed
    with :func:`i2v_nb.analysis.classical_depth` and :func:`i2v_nb.analysis.motion_region_masks`
    unless given (e.g. from a depth model); maps of another size are fitted like the image.

    Args:
        image: ``(H, W, 3)`` uint8 array or PIL image.
        spec: a :class:`MotionSpec` or a prompt text.
        num_frames: frames to render.
        fps: frame rate (sets how many cycles periodic effects make).
        seed: random seed (phases, textures, ±10 % amplitude).
        loop: seamless loop (default: the prompt's ``loop``).
        intensity, speed: override the prompt's intensity and speed (in [0, 1]).
        camera: override the prompt's camera move.
        parallax: 0 = every pixel moves alike, 1 = the farthest pixels do not move.
        auto_effects: when the prompt asks for no motion at all, animate the sky, water and
            foliage found in the image, subtly.
        depth: ``(H, W)`` float depth, 0 = nearest (any range is normalised to [0, 1]).
        masks: dict with bool ``(H, W)`` masks ``sky``, ``water``, ``foliage``, ``hair``,
            ``fabric`` (missing keys = empty).
        fit: how ``depth``/``masks`` of another size are fitted (like the image was).
        start_on_image: frame 0 is the picture itself (pans and rolls take no margin; the
            picture is mirrored at its edges instead).
        progress: ``progress(frame_number, num_frames, frame)`` after every frame.
        stop: a ``threading.Event``; when set, rendering stops with ``GenerationStopped``.

    Returns:
        ``(num_frames, H, W, 3)`` uint8 frames.

    Raises:
        GenerationStopped: ``stop`` was set.
        ParameterError: bad depth/masks or camera.
    """
    plan = plan_preview(image, spec, num_frames=num_frames, fps=fps, seed=seed, loop=loop,
                        intensity=intensity, speed=speed, camera=camera, parallax=parallax,
                        auto_effects=auto_effects, depth=depth, masks=masks, fit=fit,
                        start_on_image=start_on_image)
    return render_frames(plan, progress=progress, stop=stop)


def render_frames(plan: PreviewPlan, *, progress: ProgressFn | None = None,
                  stop: Any = None) -> np.ndarray:
    """Render every frame of ``plan`` as ``(num_frames, H, W, 3)`` uint8.

    ``progress(frame_number, num_frames, frame)`` is called after every frame; ``stop`` (a
    ``threading.Event``) is checked before each one.

    Raises:
        GenerationStopped: ``stop`` was set; nothing is kept.
    """
    H, W = plan.image.shape[:2]
    frames = np.empty((plan.num_frames, H, W, 3), np.uint8)
    for i in range(plan.num_frames):
        if stop is not None and stop.is_set():
            raise GenerationStopped(f"preview stopped after {i} of {plan.num_frames} frames; "
                                    "nothing was kept. Clear the stop event and call again.")
        frames[i] = plan.frame(i)
        if progress is not None:
            progress(i + 1, plan.num_frames, frames[i])
    return frames
