"""``generate``: the one entry point for synthesis (preview engine on CPU, diffusers models on GPU).

``generate(image, prompt)`` loads the image, parses the prompt, resolves the model, validates the
parameters, runs the model's backend (see :mod:`i2v_nb.synthesis.backend`) and returns a
:class:`~i2v_nb.clip.Clip` whose metadata records everything needed to make it again. With
``history=``, the clip is saved there before ``generate`` returns.

>>> import numpy as np
>>> from i2v_nb.synthesis import generate
>>> img = np.random.default_rng(0).integers(30, 220, (64, 96, 3), dtype=np.uint8)
>>> clip = generate(img, "slow pan left", num_frames=6, fps=6)
>>> clip.frames.shape, clip.metadata["model"], clip.metadata["spec"]["camera"]
((6, 64, 96, 3), 'preview', 'pan_left')
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from i2v_nb.errors import ParameterError
from i2v_nb.synthesis.speed import SPEED_SWITCHES

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from PIL.Image import Image

    from i2v_nb.clip import Clip
    from i2v_nb.history import History
    from i2v_nb.prompting import MotionSpec
    from i2v_nb.synthesis.backend import Backend
    from i2v_nb.synthesis.preset import ModelPreset
    from i2v_nb.synthesis.request import ProgressFn

__all__ = ["generate", "generate_many", "default_model", "cuda_available", "resolve_model",
           "as_history"]


def cuda_available() -> bool:
    """Whether a CUDA GPU is visible, without importing torch when it is not loaded yet.

    With torch already imported, asks ``torch.cuda.is_available()``; otherwise looks for the
    NVIDIA driver (``/proc/driver/nvidia/version`` or ``/dev/nvidia0``), which costs microseconds.
    """
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            return bool(torch.cuda.is_available())
        except Exception:  # noqa: BLE001
            return False
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    return os.path.exists("/proc/driver/nvidia/version") or os.path.exists("/dev/nvidia0")


#: Keywords that are options of the backend, not model parameters (moved to ``backend_options``):
#: the memory profile, dtype, device, previews and the speed switches (``cache``, ``compile``...).
_BACKEND_OPTION_KEYS = ("profile", "dtype", "device", "previews", *SPEED_SWITCHES)

#: The model ``generate`` uses by default when a CUDA GPU is present.
DEFAULT_GPU_MODEL = "ltx-video"


def default_model() -> str:
    """``"preview"`` when no CUDA GPU is present, else :data:`DEFAULT_GPU_MODEL`."""
    return DEFAULT_GPU_MODEL if cuda_available() else "preview"


def resolve_model(model: str | ModelPreset | None) -> ModelPreset:
    """The preset for ``model`` (a name, a hub id or a preset object; ``None`` = default).

    A preset object is anything with ``backend`` and ``validate`` (a :class:`ModelPreset`, or an
    object shaped like one); it is returned as it is.

    Raises:
        ParameterError: unknown model name.
    """
    if model is None:
        model = default_model()
    if not isinstance(model, str):
        if hasattr(model, "backend") and hasattr(model, "validate"):
            return model
        raise ParameterError(f"model must be a preset name such as 'preview' (see "
                             f"i2v_nb.models()) or a ModelPreset, got {type(model).__name__}")
    from i2v_nb.synthesis.registry import get_model

    return get_model(model)


def _backend_for(preset: ModelPreset) -> Backend:
    """The backend callable of a preset: the one place that dispatches on ``preset.backend``."""
    from i2v_nb.synthesis.backend import get_backend

    return get_backend(preset.backend)


def as_history(history: History | str | os.PathLike | None) -> History | None:
    """A ``history=`` argument as a :class:`~i2v_nb.history.History` (a folder path opens one;
    ``None`` stays ``None``).

    Raises:
        ParameterError: neither a History nor a path.
    """
    if history is None or hasattr(history, "add"):
        return history
    if isinstance(history, (str, os.PathLike)):
        from i2v_nb.history import History

        return History(history)
    raise ParameterError(f"history must be an i2v_nb.History or a folder path, got "
                         f"{type(history).__name__}")


def _check_seed(seed: Any) -> int:
    import numpy as np

    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ParameterError(f"seed must be a whole number (e.g. 0, 1, 42), got {seed!r}")
    seed = int(seed)
    if not 0 <= seed < 2**63:
        raise ParameterError(f"seed={seed} is out of range; use a number from 0 to 2**63 - 1")
    return seed


def _check_backend_options(backend_options: Mapping[str, Any] | None, params: dict[str, Any],
                           backend: str) -> dict[str, Any]:
    """``backend_options`` merged with backend options given as keywords, checked (no torch)."""
    from i2v_nb.synthesis.backend import check_options

    options = check_options(backend_options, backend=backend)
    for key in _BACKEND_OPTION_KEYS:  # backend options given as keywords (the CLI does that)
        if key in params:
            value = params.pop(key)
            if value is not None and options.get(key) is None:
                options[key] = value
    return check_options(options, backend=backend)


def generate(image: Any, prompt: str | MotionSpec | None = "", *,
             model: str | ModelPreset | None = "preview", seed: int = 0,
             progress: ProgressFn | bool | str | None = None,
             stop: threading.Event | None = None,
             history: History | str | os.PathLike | None = None, enhance_prompt: bool = True,
             depth: np.ndarray | None = None, masks: Mapping[str, np.ndarray] | None = None,
             backend_options: Mapping[str, Any] | None = None, last_image: Any = None,
             keyframes: Mapping[int, Any] | None = None, **params: Any) -> Clip:
    """Make a clip from an image and a motion prompt.

    Steps: check everything that needs no image before any work — the seed, the model
    (registry preset; default ``"preview"``), ``backend_options`` (a mapping; ``device``,
    ``profile``, ``dtype`` names), the parameters (``preset.validate``: snapped values warn,
    impossible ones raise :class:`~i2v_nb.errors.ParameterError`, including an fps the video
    writer cannot encode) and the backend's own precheck (packages, a GPU); then load the image
    (:func:`i2v_nb.load_image`), take the size the preset makes it at
    (:meth:`ModelPreset.size_for_image <i2v_nb.synthesis.preset.ModelPreset.size_for_image>`:
    a missing width or height derived from it) and check the memory cap with that final size
    (:meth:`~i2v_nb.synthesis.preset.ModelPreset.check_budget`), fit the image once, build the
    family's prompt (:func:`i2v_nb.build_prompt`), hand the backend one frozen
    :class:`~i2v_nb.synthesis.request.GenerationRequest`, and wrap the frames in a
    :class:`~i2v_nb.clip.Clip` with full metadata, saved to ``history`` when given.

    Args:
        image: a path, URL, bytes, array or PIL image.
        prompt: the motion prompt ("slow zoom in, hair moving in the wind") or a
            :class:`~i2v_nb.prompting.MotionSpec`.
        model: preset name (``i2v_nb.models()``), hub id or preset. The default is the CPU
            preview engine, so nothing is downloaded unless a model is asked for by name;
            ``None`` picks :func:`default_model` (a GPU model when CUDA is present).
        seed: random seed; the same seed and parameters give the same clip.
        progress: ``None`` (default) a progress bar (a widget in Jupyter, text in a terminal),
            ``False`` none, ``"previews"`` the bar and the step previews in a notebook, or a
            function ``progress(step, total, preview)`` called per frame (preview engine) or
            denoising step (the one rule of every long call: :mod:`i2v_nb._progress`).
        stop: a ``threading.Event``; setting it (from another thread, a Stop button) interrupts
            with :class:`~i2v_nb.errors.GenerationStopped`; the next call works normally.
        history: an :class:`~i2v_nb.history.History` (or a folder path) to save the clip into.
        enhance_prompt: pass the family's prompt from ``build_prompt`` to text models (default);
            ``False`` passes the text as typed.
        depth, masks: structure maps for the preview engine (see
            :func:`~i2v_nb.synthesis.preview.render_preview`); computed when omitted.
        backend_options: options for the backend that are not model parameters, e.g.
            ``{"profile": "low-vram", "device": "cuda"}`` for diffusers (``profile=``,
            ``dtype=``, ``device=``, ``previews=`` given as keywords land here too, and so do
            the speed switches of :data:`i2v_nb.synthesis.speed.SPEED_SWITCHES`: ``cache=``,
            ``cache_threshold=``, ``compile=``, ``attention=``, ``quantize=``,
            ``quantize_text_encoder=``; each checked before any work).
        last_image: a last frame (anything ``load_image`` reads), for models with the
            ``"last_frame"`` capability (``i2v_nb.models(can="last_frame")``); fitted like the
            picture. FLF2V models need one.
        keyframes: ``{frame index: picture}`` for models with the ``"keyframes"`` capability
            (LTX-Video 0.9.8): indices from 1 to ``num_frames - 1``, or negative ones from the
            end (``-1``: the last frame).
        **params: model parameters (``num_frames``, ``fps``, ``width``, ``height``, and per model:
            ``num_inference_steps``, ``guidance_scale``, ``motion_bucket_id``...; for the preview:
            ``loop``, ``intensity``, ``speed``, ``camera``, ``parallax``, ``fit``...).

    Returns:
        A :class:`~i2v_nb.clip.Clip`; ``clip.metadata`` has ``prompt``, ``model_prompt``,
        ``negative_prompt``, ``spec``, ``model``, ``family``, ``backend``, ``seed``, ``params``
        (every parameter used), ``timings``, ``backend_info``, ``i2v_nb_version``, ``created``
        and ``history_id`` when saved.

    Raises:
        ImageInputError: the image cannot be loaded.
        ParameterError: unknown model, impossible parameters or backend options, a clip too
            large for memory (raised before the image is loaded when the image is not needed
            to tell), or a ``last_image``/``keyframes`` the model cannot take (the message
            names the models that can).
        GenerationStopped: ``stop`` was set.
        ModelUnavailable, OutOfMemory: from GPU backends.
    """
    import i2v_nb
    from i2v_nb.clip import Clip
    from i2v_nb.io import image_sha256, load_image
    from i2v_nb.prompting import build_prompt, parse_prompt

    t0 = time.perf_counter()
    # 1. every check that needs no image, before any work (no download, no decoding, no model)
    seed = _check_seed(seed)
    history = as_history(history)
    if stop is None:
        stop = threading.Event()
    from i2v_nb._progress import check_progress, progress_reporter

    check_progress(progress)
    preset = resolve_model(model)
    loop_model = _model_loop(preset, params, last_image, keyframes)
    given = {"last_image": True if loop_model else last_image, "keyframes": keyframes}
    _check_conditions(preset, {k: v for k, v in given.items() if v is not None})
    options = _check_backend_options(backend_options, params, preset.backend)
    run = _backend_for(preset)
    precheck = getattr(run, "precheck", None)

    text = prompt.text if hasattr(prompt, "camera") and hasattr(prompt, "text") else prompt
    spec = parse_prompt(prompt)
    user_prompt = "" if text is None else str(text)

    # family prompt and the motion knobs of text-free models (SVD) unless the user set them
    built = build_prompt(spec, preset.family)
    for key, value in built.get("pipeline_kwargs", {}).items():
        if key in (preset.knobs or {}) and params.get(key) is None:
            params[key] = value
    size_from_image = params.get("width") is None and params.get("height") is None
    used = preset.validate(**params)  # defaults are legal sizes: no warning when taken
    if keyframes is not None:
        from i2v_nb.synthesis.capabilities import check_keyframes

        keyframes = check_keyframes(keyframes, int(used["num_frames"]))
    if callable(precheck):
        precheck(preset, options)  # e.g. no GPU for a real model: say so before loading anything

    # 2. the image (loaded and fitted once, here), then the checks that need its size
    source = load_image(image)
    t_load = time.perf_counter()
    fitted = _fit_source(preset, source, used, size_from_image)
    conditions = _fit_conditions(source if loop_model else last_image, keyframes, used)
    if preset.uses_prompt:
        model_prompt = built["prompt"] if enhance_prompt else user_prompt
        negative = params.get("negative_prompt") or built.get("negative_prompt")
    else:
        model_prompt, negative = None, None
    t_prep = time.perf_counter()

    from i2v_nb.synthesis.request import GenerationRequest

    report, close = progress_reporter(progress, desc=f"generate ({preset.name})",
                                      unit="frame" if preset.backend == "preview" else "step")
    request = GenerationRequest(
        image=fitted, spec=spec, preset=preset, params=used, seed=seed, prompt=model_prompt,
        negative_prompt=negative, user_prompt=user_prompt,
        progress=None if progress is False else report, stop=stop,
        depth=depth, masks=masks, options=options, conditions=conditions)
    try:
        frames, backend_meta = run(request)
    finally:
        close()
    if loop_model and len(frames) > 1:
        frames = frames[:-1]  # the last frame is the first again: played on repeat, no seam
    t_run = time.perf_counter()

    params_used = {k: v for k, v in used.items() if k not in ("prompt", "negative_prompt")}
    if isinstance(backend_meta, dict) and isinstance(backend_meta.get("params"), dict):
        params_used = {**params_used, **{k: v for k, v in backend_meta["params"].items()
                                         if k not in ("prompt", "negative_prompt", "image",
                                                      "generator")}}
    if loop_model:
        params_used["loop"] = True
    fps = float(used.get("fps") or 8.0)
    metadata = {
        "prompt": user_prompt,
        "model_prompt": model_prompt,
        "negative_prompt": negative,
        "spec": spec.to_dict(),
        "model": request.model,
        "family": request.family,
        "backend": preset.backend,
        "hub_id": getattr(preset, "hub_id", None),
        "seed": seed,
        "params": params_used,
        "enhance_prompt": bool(enhance_prompt),
        "source_size": list(source.size),
        "source_sha256": image_sha256(source),  # what i2v_nb.restore checks an image against
        "timings": {
            "load_s": round(t_load - t0, 4),
            "prepare_s": round(t_prep - t_load, 4),
            "run_s": round(t_run - t_prep, 4),
        },
        "backend_options": options,
        "conditions": {"last_image": last_image is not None,
                       "keyframes": sorted(keyframes or {})},
        "backend_info": backend_meta if isinstance(backend_meta, dict) else {},
        "i2v_nb_version": i2v_nb.__version__,
        "created": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    clip = Clip(frames, fps=fps, source=fitted, metadata=metadata)
    metadata["timings"]["total_s"] = round(time.perf_counter() - t0, 4)
    clip.metadata = metadata
    if history is not None:
        clip.metadata["history_id"] = history.add(clip)
    return clip


def _model_loop(preset: ModelPreset, params: dict[str, Any], last_image: Any,
                keyframes: Any) -> bool:
    """Whether a model (not the preview engine, whose ``loop`` is its own knob) makes a seamless
    loop: ``loop=True`` is taken out of ``params`` and becomes a last frame equal to the first
    (then dropped from the clip), for models with the ``last_frame`` capability."""
    if preset.backend == "preview" or "loop" not in params:
        return False
    loop = params.pop("loop")
    if loop is None or loop is False:
        return False
    if loop is not True:
        raise ParameterError(f"loop={loop!r} must be True, False or None")
    if last_image is not None or keyframes:
        raise ParameterError("loop=True and a last image or keyframes contradict each other (a "
                             "loop ends where it starts); drop one of them")
    return True


def _check_conditions(preset: ModelPreset, given: Mapping[str, Any]) -> None:
    """Refuse, before any work, a ``last_image``/``keyframes`` the model cannot take, or a
    request without the one it needs (the one rule: ``registry.check_request_capabilities``)."""
    from i2v_nb.synthesis.capabilities import INPUT_CAPABILITIES
    from i2v_nb.synthesis.registry import check_request_capabilities

    check_request_capabilities(preset, [INPUT_CAPABILITIES[key] for key in given])


def _fit_conditions(last_image: Any, keyframes: Mapping[int, Any] | None,
                    used: Mapping[str, Any]) -> dict[str, Any]:
    """The extra pictures loaded and fitted (centre crop) to the clip's final size."""
    if last_image is None and not keyframes:
        return {}
    from i2v_nb.io import fit_image, load_image

    def fit(picture: Any) -> Image:
        return fit_image(load_image(picture), int(used["width"]), int(used["height"]),
                         mode="crop", multiple_of=1)

    return {"last_image": None if last_image is None else fit(last_image),
            "keyframes": {i: fit(p) for i, p in (keyframes or {}).items()}}


def _fit_source(preset: ModelPreset, source: Image, used: dict[str, Any],
                size_from_image: bool) -> Image:
    """The picture at the size the preset makes it (written into ``used``), fitted once.

    The size comes from the preset's own rule (:meth:`ModelPreset.size_for_image
    <i2v_nb.synthesis.preset.ModelPreset.size_for_image>`: the sides asked for, a missing one
    from the picture's aspect ratio, or the legal size nearest it when none was asked for),
    then the memory cap is checked with it. The picture is brought to it by the preset's
    ``fit`` knob when it has one (``"pad"``: bars in the picture's own border colour, not
    black), else by a centre crop. A preset object without these methods keeps its validated
    size.
    """
    from i2v_nb.io import fit_image

    width, height = (None, None) if size_from_image else (used["width"], used["height"])
    size_for_image = getattr(preset, "size_for_image", None)
    if callable(size_for_image):
        used["width"], used["height"] = size_for_image(source.size, width, height)
    check_budget = getattr(preset, "check_budget", None)
    if callable(check_budget):  # the final size, whichever side was given
        check_budget(used["width"], used["height"], used["num_frames"])
    mode = used.get("fit") or "crop"
    fill = (0, 0, 0)
    if mode == "pad":  # bars in the picture's own border colour, not black holes
        import numpy as np

        a = np.asarray(source)
        border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
        fill = tuple(int(v) for v in np.median(border, axis=0))
    return fit_image(source, int(used["width"]), int(used["height"]), mode=mode,
                     multiple_of=1, fill=fill)


def generate_many(image: Any, prompts: str | MotionSpec | Iterable[str | MotionSpec] = ("",),
                  seeds: int | Iterable[int] = (0,), **params: Any) -> list[Clip]:
    """Generate one clip per (prompt, seed) pair: a sweep for comparing wordings and seeds.

    Prompts are the outer loop, seeds the inner one. Every keyword of :func:`generate` works
    (``model``, ``history``, ``progress``, ``stop``...). Each finished clip is saved to the
    history as soon as it is done, so a later failure keeps the earlier clips; the error is
    re-raised with a note of how many clips were finished and an ``exc.clips`` list.

    Args:
        image: loaded once and reused.
        prompts: one prompt or a list.
        seeds: one seed or a list.
        **params: passed to :func:`generate`.

    Returns:
        The clips, in order.

    >>> import numpy as np
    >>> img = np.full((32, 32, 3), 120, np.uint8)
    >>> [c.metadata["seed"] for c in generate_many(img, ["zoom in"], [1, 2], num_frames=2)]
    [1, 2]
    """
    from i2v_nb.io import load_image

    prompt_list = [prompts] if isinstance(prompts, str) or hasattr(prompts, "camera") \
        else list(prompts)
    seed_list = [seeds] if isinstance(seeds, int) else list(seeds)
    if not prompt_list or not seed_list:
        raise ParameterError("generate_many needs at least one prompt and one seed, got "
                             f"{len(prompt_list)} prompt(s) and {len(seed_list)} seed(s)")
    for s in seed_list:
        _check_seed(s)
    if "history" in params:
        params["history"] = as_history(params["history"])
    source = load_image(image)
    clips: list[Clip] = []
    total = len(prompt_list) * len(seed_list)
    from i2v_nb._progress import check_progress, progress_reporter

    check_progress(params.get("progress"))
    outer = None
    if params.get("progress") is None:  # one bar over the clips, none per clip
        outer, close = progress_reporter(None, desc="generate_many", unit="clip")
        params["progress"] = False
    try:
        _many(source, prompt_list, seed_list, clips, total, outer, params)
    finally:
        if outer is not None:
            close()
    return clips


def _many(source: Any, prompt_list: list, seed_list: list, clips: list, total: int,
          outer: Any, params: dict[str, Any]) -> None:
    for prompt in prompt_list:
        for seed in seed_list:
            try:
                clips.append(generate(source, prompt, seed=seed, **params))
                if outer is not None:
                    outer(len(clips), total)
            except BaseException as exc:
                if clips or total > 1:
                    exc.add_note(f"generate_many: {len(clips)} of {total} clips were finished "
                                 "(and saved to the history if one was given); they are in "
                                 "exc.clips")
                try:
                    exc.clips = clips  # type: ignore[attr-defined]
                except Exception:  # noqa: BLE001 - some exceptions refuse attributes
                    pass
                raise
