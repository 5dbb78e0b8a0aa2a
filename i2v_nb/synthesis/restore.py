"""``restore``: the call that made a clip, read back from the clip or from its file alone, ready
to make the same clip again.

``generate`` records everything it used in ``clip.metadata``; ``Clip.save`` writes it beside the
video (``NAME.json``) and inside it (a container tag), so a shared mp4 still knows its prompt,
model, seed and parameters. :func:`restore` turns that record back into the keyword arguments of
:func:`~i2v_nb.synthesis.generate` (a :class:`Run`), and ``run.generate()`` calls it again: the
same clip, bit for bit, on the preview engine (and for a seed on the same model and hardware).

>>> import numpy as np
>>> from i2v_nb.synthesis import generate
>>> img = np.random.default_rng(0).integers(30, 220, (48, 64, 3), dtype=np.uint8)
>>> clip = generate(img, "slow pan left", num_frames=4, fps=8)
>>> run = restore(clip)
>>> run.kwargs["prompt"], run.kwargs["model"], run.kwargs["num_frames"]
('slow pan left', 'preview', 4)
>>> bool((run.generate().frames == clip.frames).all())
True
"""

from __future__ import annotations

import os
import pathlib
import warnings
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

from i2v_nb.errors import (HistoryError, ImageInputError, ParameterError, SourceMismatchWarning,
                           VideoInputError)

if TYPE_CHECKING:  # pragma: no cover
    from PIL.Image import Image

    from i2v_nb.clip import Clip
    from i2v_nb.history import History
    from i2v_nb.synthesis.preset import ModelPreset

__all__ = ["Run", "restore"]

#: Pictures a call may need besides ``image`` (recorded by ``generate`` in ``conditions``).
_CONDITION_NAMES = ("last_image", "keyframes")
#: Derived values are recorded rounded to 4 decimals (the preview engine's speed, intensity).
_SAME_TOLERANCE = 5.1e-5


@dataclass(frozen=True)
class Run:
    """The call that made a clip (what :func:`restore` gives back).

    Attributes:
        kwargs: the keyword arguments of :func:`~i2v_nb.synthesis.generate` (``prompt``,
            ``model``, ``seed``, ``num_frames``, ``fps``, ``width``, ``height``,
            ``num_inference_steps``, ``guidance_scale``, the model's knobs…; read-only).
            Values the prompt decides (the preview engine's ``camera`` or ``speed`` when the
            prompt set them) are left to the prompt, so a new ``prompt=`` steers them again.
        image: the source picture (PIL RGB) when it is known — from the clip (``clip.source``),
            its history entry, or ``restore(image=...)`` — else None.
        source_sha256: the fingerprint of the original picture
            (:func:`~i2v_nb.io.image_sha256`), or None for clips made before it was recorded.
        needs: other pictures the call took (``"last_image"``, ``"keyframes"``), which are not
            stored: pass them to :meth:`generate`.
        metadata: the clip's whole metadata, as recorded.
    """

    kwargs: Mapping[str, Any]
    image: Image | None = None
    source_sha256: str | None = None
    needs: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def generate(self, image: Any = None, **overrides: Any) -> Clip:
        """Make the clip again: :func:`~i2v_nb.synthesis.generate` with :attr:`kwargs`, the
        ``overrides`` replacing any of them (``seed=7``, ``num_frames=48``, ``history=...``).

        Args:
            image: the source picture, when :attr:`image` is None (or to use another one). It is
                checked against :attr:`source_sha256`: another picture gives a
                :class:`~i2v_nb.errors.SourceMismatchWarning` (the settings still apply to it).
            **overrides: any keyword of ``generate``.

        Raises:
            ParameterError: no picture is known and none was given (the message says to pass
                ``image=``), or the call took a ``last_image``/``keyframes`` not given again.
        """
        from i2v_nb.synthesis.generate import generate

        if image is not None:
            picture = _checked_image(image, self.source_sha256, self.metadata)
        elif self.image is not None:
            picture = self.image
        else:
            raise ParameterError(
                "the source image of this clip is not known (it is not stored in the video "
                f"file){_made_from(self.metadata, self.source_sha256)}; pass it: "
                "run.generate(image='photo.jpg'), or restore(path, image=...)")
        missing = [name for name in self.needs if overrides.get(name) is None]
        if missing:
            raise ParameterError(
                f"this clip was made with {' and '.join(n + '=' for n in missing)} as well, "
                f"which the file does not store; pass the same: run.generate("
                f"{', '.join(n + '=...' for n in missing)})")
        return generate(picture, **{**self.kwargs, **overrides})


def restore(source: Any, *, image: Any = None,
            history: History | str | os.PathLike | None = None) -> Run:
    """The call that made a clip, from the clip or from its saved file alone.

    The settings come from ``clip.metadata``, or for a file from its sidecar (``NAME.json``),
    else from the copy :meth:`Clip.save <i2v_nb.clip.Clip.save>` embedded in the video (both
    read as untrusted input: bad fields are dropped with a
    :class:`~i2v_nb.errors.SidecarWarning`). The source picture is taken from, in order:
    ``image=`` (checked against the recorded fingerprint), the clip's ``source``, the history
    entry the file sits in, or ``history`` (the entry named by the clip's ``history_id``).
    Pictures given as ``depth=``/``masks=`` to the first call are not stored either.

    >>> run = restore("take1.mp4")                        # doctest: +SKIP
    >>> run.kwargs                                         # doctest: +SKIP
    {'prompt': 'slow pan left', 'model': 'preview', 'seed': 0, 'width': 512, ...}
    >>> clip = run.generate(image="photo.jpg")             # doctest: +SKIP

    Args:
        source: a :class:`~i2v_nb.clip.Clip`, a video path (mp4, webm, gif, webp) or a
            :class:`~i2v_nb.history.HistoryEntry`.
        image: the source picture, when you have it (anything ``load_image`` reads).
        history: a :class:`~i2v_nb.history.History` (or its folder) that may hold the source.

    Returns:
        A :class:`Run`: ``run.kwargs``, ``run.image``, ``run.generate(**overrides)``.

    Raises:
        ParameterError: ``source`` is of another type, or holds no i2v_nb settings.
        VideoInputError: the video file is missing.
    """
    clip_source, where, entry_source = None, "the clip", None
    if hasattr(source, "video_path") and hasattr(source, "metadata"):  # a HistoryEntry
        source = source.video_path
    if isinstance(source, (str, os.PathLike)):
        from i2v_nb.io import read_settings

        path = pathlib.Path(source)
        where = repr(str(path))
        if not path.is_file():
            raise VideoInputError(f"no video file at {where}; check the path")
        document = read_settings(path, stacklevel=2) or {}
        metadata = document.get("metadata", {})
        entry_source = _entry_source(path)
    elif hasattr(source, "frames") and isinstance(getattr(source, "metadata", None), dict):
        metadata, clip_source = source.metadata, getattr(source, "source", None)
    else:
        raise ParameterError(f"restore takes a Clip, a video path or a HistoryEntry, got "
                             f"{type(source).__name__}")
    kwargs, needs = call_from_metadata(metadata, where)
    sha = metadata.get("source_sha256")
    sha = sha if isinstance(sha, str) else None
    if image is not None:
        picture = _checked_image(image, sha, metadata)
    else:
        picture = clip_source or entry_source or _history_source(history, metadata)
    return Run(kwargs=MappingProxyType(kwargs), image=picture, source_sha256=sha, needs=needs,
               metadata=MappingProxyType(dict(metadata)))


def call_from_metadata(metadata: Mapping[str, Any],
                       where: str = "the clip") -> tuple[dict[str, Any], tuple[str, ...]]:
    """The keyword arguments of ``generate`` recorded in a clip's ``metadata``, and the names
    of the other pictures the call took (see :attr:`Run.needs`).

    >>> kwargs, needs = call_from_metadata({"prompt": "zoom in", "model": "preview", "seed": 2,
    ...                                     "params": {"num_frames": 8, "camera": "zoom_in"}})
    >>> kwargs, needs
    ({'prompt': 'zoom in', 'model': 'preview', 'seed': 2, 'num_frames': 8}, ())

    Raises:
        ParameterError: the metadata lacks the model, the seed or the parameters.
    """
    from i2v_nb.prompting import MotionSpec, build_prompt, parse_prompt

    model, params = metadata.get("model"), metadata.get("params")
    if not isinstance(model, str) or not model or not isinstance(params, dict) \
            or "seed" not in metadata:
        raise ParameterError(
            f"{where} holds no i2v_nb run settings (model, seed and params); restore needs a clip "
            "made by i2v_nb.generate, saved by Clip.save or a History (the settings are in its "
            "sidecar NAME.json and inside the video)")
    text = metadata.get("prompt")
    text = text if isinstance(text, str) else ""
    prompt: Any = text
    spec = parse_prompt(text)
    if isinstance(metadata.get("spec"), dict):
        try:
            recorded = MotionSpec.from_dict(metadata["spec"])
        except (ParameterError, TypeError, ValueError):
            recorded = None
        if recorded is not None and recorded.to_dict() != spec.to_dict():
            prompt, spec = recorded, recorded  # a MotionSpec given, or the parser changed since
    kwargs: dict[str, Any] = {"prompt": prompt, "model": model, "seed": metadata["seed"]}
    preset = _preset(model)
    names = preset.param_names if preset is not None else tuple(params)
    call = {k: v for k, v in params.items() if k in names and k not in ("prompt", "negative_prompt")}
    built: dict[str, Any] = {}
    if preset is not None:
        built = build_prompt(spec, preset.family)
        for key, value in _from_prompt(preset, spec, built).items():
            if key in call and _same(call[key], value):
                del call[key]  # the prompt decides it, as it did the first time
    kwargs.update(call)
    negative = metadata.get("negative_prompt")
    if isinstance(negative, str) and negative != built.get("negative_prompt") \
            and (preset is None or preset.uses_prompt):
        kwargs["negative_prompt"] = negative
    if metadata.get("enhance_prompt") is False:
        kwargs["enhance_prompt"] = False
    options = metadata.get("backend_options")
    if isinstance(options, dict) and any(v is not None for v in options.values()):
        kwargs["backend_options"] = {k: v for k, v in options.items() if v is not None}
    conditions = metadata.get("conditions")
    conditions = conditions if isinstance(conditions, dict) else {}
    needs = tuple(name for name in _CONDITION_NAMES if conditions.get(name))
    return kwargs, needs


def _preset(model: str) -> ModelPreset | None:
    from i2v_nb.synthesis.registry import get_model

    try:
        return get_model(model)
    except ParameterError:
        return None  # a preset object passed to generate, or one of another version


def _from_prompt(preset: ModelPreset, spec: Any, built: Mapping[str, Any]) -> dict[str, Any]:
    """The values the prompt gives when the call leaves them out: knobs whose default is None
    ("read from the prompt") named like a field of the motion spec, and the family's knobs
    from ``build_prompt`` (SVD's motion bucket)."""
    derived = {key: getattr(spec, key) for key, knob in preset.knobs.items()
               if knob.default is None and hasattr(spec, key)}
    derived.update((k, v) for k, v in (built.get("pipeline_kwargs") or {}).items()
                   if k in preset.knobs)
    return derived


def _same(recorded: Any, derived: Any) -> bool:
    numbers = (int, float)
    if isinstance(recorded, bool) or isinstance(derived, bool):
        return type(recorded) is type(derived) and recorded == derived
    if isinstance(recorded, numbers) and isinstance(derived, numbers):
        return abs(float(recorded) - float(derived)) <= _SAME_TOLERANCE
    return recorded == derived


def _source_desc(metadata: Mapping[str, Any], sha: str | None) -> str:
    """``"a 640×480 picture with SHA-256 81e6d2c72b57…"`` (what is known of it), or ``""``."""
    size = metadata.get("source_size")
    parts = []
    if isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) for v in size):
        parts.append(f"a {size[0]}×{size[1]} picture")
    if sha:
        parts.append(f"SHA-256 {sha[:12]}…")
    return " with ".join(parts)


def _made_from(metadata: Mapping[str, Any], sha: str | None) -> str:
    desc = _source_desc(metadata, sha)
    return f"; it was made from {desc}" if desc else ""


def _checked_image(image: Any, sha: str | None, metadata: Mapping[str, Any]) -> Image:
    """``image`` loaded, with a :class:`SourceMismatchWarning` when its pixels are not the
    recorded source's. A picture at the clip's own size is not judged when the source had
    another size: it may be the fitted copy that ``clip.source`` and histories keep."""
    from i2v_nb.io import image_sha256, load_image

    picture = load_image(image)
    if sha is None:
        return picture
    digest = image_sha256(picture)
    if digest == sha:
        return picture
    params = metadata.get("params") if isinstance(metadata.get("params"), dict) else {}
    fitted = (params.get("width"), params.get("height"))
    original = tuple(metadata.get("source_size") or ())
    if picture.size == fitted and picture.size != original:
        return picture
    warnings.warn(
        f"the image given ({picture.size[0]}×{picture.size[1]}, SHA-256 {digest[:12]}…) is not "
        f"the one this clip was made from ({_source_desc(metadata, sha)}): the new clip will "
        "differ. Pass the original picture to make the same clip, or keep this one to use the "
        "settings on it", SourceMismatchWarning, stacklevel=3)
    return picture


def _entry_source(path: pathlib.Path) -> Image | None:
    """The source picture of the history entry the video ``path`` belongs to, if it is one."""
    from i2v_nb.history import History

    try:
        entry = History(path.parent.parent).entry(path.parent.name)
    except (HistoryError, OSError):
        return None
    if entry.video_path.resolve() != path.resolve():
        return None
    return _load_quietly(entry.source_path)


def _history_source(history: History | str | os.PathLike | None,
                    metadata: Mapping[str, Any]) -> Image | None:
    """The source picture of the entry ``metadata["history_id"]`` in ``history``."""
    entry_id = metadata.get("history_id")
    if history is None or not isinstance(entry_id, str):
        return None
    from i2v_nb.history import History

    if not hasattr(history, "entry"):
        history = History(history)
    try:
        return _load_quietly(history.entry(entry_id).source_path)
    except (HistoryError, OSError):
        return None


def _load_quietly(path: pathlib.Path | None) -> Image | None:
    from i2v_nb.io import load_image

    if path is None:
        return None
    try:
        return load_image(path)
    except (ImageInputError, OSError):
        return None
