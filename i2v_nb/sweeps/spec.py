"""A sweep as data: images × prompts × seeds × models with shared parameters, each item with a
stable id.

An item's id is the first 16 hex digits of the SHA-256 of its image's bytes (a file's bytes; an
array's or PIL image's pixels, :func:`i2v_nb.io.image_sha256`; an ``http(s)://`` URL's text; a
bundled sample's name, ``"sample:lake"``), its prompt, seed, model name and parameters (except
those of :data:`EXECUTION_KEYS`: the memory profile, the device), so the same item always has the
same id, in any process, on any machine, in any order of the lists. The sweep's id (``sw-`` + 12
hex digits) is the hash of its item ids (their order does not count).

Items are ordered models first (each process of a split run then gets long runs of one model and
loads its pipeline once), then images, prompts and seeds.

>>> import numpy as np
>>> img = np.full((48, 64, 3), 120, np.uint8)
>>> sweep = Sweep(images=[img], prompts=["zoom in", "pan left"], seeds=[0, 1],
...               params={"num_frames": 8})
>>> len(sweep.items()), sweep.items()[0].seed, sweep.items()[1].seed
(4, 0, 1)
>>> sweep.items()[0].id == Sweep(images=[img.copy()], prompts=["zoom in"], seeds=[0],
...                              params={"num_frames": 8}).items()[0].id
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pathlib
from typing import Any, Iterable, Mapping

from i2v_nb.errors import ParameterError

__all__ = ["Sweep", "SweepItem", "image_key", "SAMPLE_PREFIX", "TOML_KEYS", "EXECUTION_KEYS"]

#: An image written ``"sample:NAME"`` is the bundled sample ``NAME`` (:func:`i2v_nb.sample_image`).
SAMPLE_PREFIX = "sample:"
#: The keys a sweep's TOML file may have.
TOML_KEYS = ("name", "images", "prompts", "seeds", "models", "params")
#: Parameters that change how an item runs, not what it makes: left out of the item ids, so a
#: rerun with ``profile = "balanced"`` after out-of-memory errors keeps the finished items.
EXECUTION_KEYS = ("profile", "device", "previews")
#: ``generate`` arguments a sweep sets itself (not allowed in ``params``).
_RESERVED = ("image", "prompt", "seed", "model", "history", "progress", "stop")
_ID_VERSION = "i2v_nb-sweep-1"


@dataclasses.dataclass(frozen=True)
class SweepItem:
    """One clip of a sweep: what to make it from, and its stable id.

    Attributes:
        id: 16 hex digits (see the module docstring).
        index: the item's place in :meth:`Sweep.items`.
        image: the image as given (a path, URL, ``"sample:NAME"``, bytes, array or PIL image).
        image_label: a short name of the image for tables (the file name, ``"sample:lake"``,
            ``"image 2"`` for arrays).
        image_hash: the image's fingerprint used in the id.
        prompt, seed, model: as for :func:`i2v_nb.generate` (``model`` is the preset name).
        params: the other keyword arguments of :func:`i2v_nb.generate`.
    """

    id: str
    index: int
    image: Any = dataclasses.field(repr=False, compare=False)
    image_label: str
    image_hash: str
    prompt: str
    seed: int
    model: str
    params: Mapping[str, Any] = dataclasses.field(compare=False)
    preset: Any = dataclasses.field(default=None, repr=False, compare=False)

    def load_image(self) -> Any:
        """The item's image as a PIL image: a ``"sample:NAME"`` sample photo, else
        :func:`i2v_nb.io.load_image` of what was given."""
        from i2v_nb.io import load_image
        from i2v_nb.samples import sample_image

        if isinstance(self.image, str) and self.image.startswith(SAMPLE_PREFIX):
            return sample_image(self.image[len(SAMPLE_PREFIX):])
        return load_image(self.image)

    def describe(self) -> dict[str, Any]:
        """The item as plain JSON-ready data (no image pixels)."""
        return {"item": self.id, "image": self.image_label, "image_hash": self.image_hash,
                "prompt": self.prompt, "seed": self.seed, "model": self.model,
                "params": dict(self.params)}


def _canonical(value: Any) -> Any:
    """``value`` as plain JSON data for hashing (numpy scalars become numbers)."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and getattr(value, "shape", None) == ():
        return item()
    raise ParameterError(f"sweep params must be plain values (numbers, text, lists, tables), "
                         f"got {type(value).__name__} {value!r:.60}; write it as a number or text")


def _sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def image_key(image: Any, index: int = 0) -> tuple[str, str]:
    """``(label, fingerprint)`` of an image of a sweep, without decoding it.

    A file's bytes are hashed (a file that cannot be read gets the hash of its path, so its items
    still have ids and fail when they run); an array or PIL image its pixels; a URL or
    ``"sample:NAME"`` its text.

    >>> image_key("sample:lake")[0], len(image_key("sample:lake")[1])
    ('sample:lake', 64)

    Raises:
        ParameterError: an unknown sample name, or an image of a kind no function reads.
    """
    if isinstance(image, (str, os.PathLike)):
        text = os.fspath(image)
        if text.startswith(SAMPLE_PREFIX):
            from i2v_nb.samples import sample_names

            name = text[len(SAMPLE_PREFIX):]
            if name not in sample_names():
                known = ", ".join(SAMPLE_PREFIX + n for n in sample_names())
                raise ParameterError(f"image {text!r}: no bundled sample called {name!r}; use "
                                     f"one of {known}")
            return text, _sha(text)
        if text.startswith(("http://", "https://")):
            return text.rsplit("/", 1)[-1] or text, _sha(text)
        try:
            return pathlib.Path(text).name, _sha(pathlib.Path(text).read_bytes())
        except OSError:
            return pathlib.Path(text).name, _sha("unreadable:" + text)
    if isinstance(image, (bytes, bytearray, memoryview)):
        return f"image {index + 1}", _sha(bytes(image))
    if hasattr(image, "shape") or hasattr(image, "getpixel"):
        from i2v_nb.io import image_sha256

        try:
            return f"image {index + 1}", image_sha256(image)
        except (ValueError, TypeError):
            import numpy as np

            a = np.ascontiguousarray(np.asarray(image))
            return f"image {index + 1}", _sha(f"{a.dtype}{a.shape}".encode() + a.tobytes())
    raise ParameterError(f"a sweep image must be a path, URL, 'sample:NAME', bytes, an array or a "
                         f"PIL image, got {type(image).__name__}")


def _as_list(value: Any, what: str) -> list:
    if isinstance(value, (str, bytes, os.PathLike)) or hasattr(value, "shape") \
            or hasattr(value, "getpixel") or not isinstance(value, Iterable):
        return [value]
    out = list(value)
    if not out:
        raise ParameterError(f"a sweep needs at least one of {what}, got an empty list")
    return out


def _check_seed(seed: Any) -> int:
    import numbers

    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ParameterError(f"sweep seeds must be whole numbers (e.g. [0, 1, 2]), got {seed!r}")
    seed = int(seed)
    if not 0 <= seed < 2**63:
        raise ParameterError(f"seed {seed} is out of range; use numbers from 0 to 2**63 - 1")
    return seed


class Sweep:
    """A grid of images × prompts × seeds × models sharing ``params``, run as one job.

    Args:
        images: paths, URLs, ``"sample:NAME"``, bytes, arrays or PIL images (one or a list).
        prompts: motion prompts (one or a list; default ``[""]``).
        seeds: seeds (one or a list; default ``[0]``).
        models: preset names or presets (one or a list; default ``["preview"]``).
        params: keyword arguments of :func:`i2v_nb.generate` shared by every item
            (``num_frames``, ``width``, ``fps``, ``profile``…).
        name: a label shown in the summary (not part of any id).

    Raises:
        ParameterError: no images, a bad seed, an unknown model, params that are not plain
            values or set what the sweep sets (``image``, ``prompt``, ``seed``, ``model``…).
    """

    def __init__(self, images: Any, prompts: Any = ("",), seeds: Any = (0,),
                 models: Any = ("preview",), params: Mapping[str, Any] | None = None, *,
                 name: str = "") -> None:
        from i2v_nb.synthesis.generate import resolve_model

        self.images = _as_list(images, "images")
        self.prompts = [str(p) for p in _as_list(prompts, "prompts")]
        self.seeds = [_check_seed(s) for s in _as_list(seeds, "seeds")]
        self.presets = [resolve_model(m) for m in _as_list(models, "models")]
        self.models = [p.name for p in self.presets]
        params = dict(params or {})
        taken = [k for k in params if k in _RESERVED]
        if taken:
            raise ParameterError(f"sweep params may not set {', '.join(taken)}: the sweep sets "
                                 "them per item (use images=, prompts=, seeds=, models=)")
        self.params = _canonical(params)
        self.name = str(name)
        self._items: list[SweepItem] | None = None
        self.items()  # every image fingerprinted now: a bad sample name fails here

    def __repr__(self) -> str:
        return (f"Sweep({self.id}{' ' + repr(self.name) if self.name else ''}: "
                f"{len(self.images)} images × {len(self.prompts)} prompts × {len(self.seeds)} "
                f"seeds × {len(self.models)} models = {len(self.items())} items)")

    def items(self) -> list[SweepItem]:
        """Every item, models first, then images, prompts, seeds; an item listed twice (the
        same image, prompt, seed and model) is kept once."""
        if self._items is None:
            keys = [image_key(img, i) for i, img in enumerate(self.images)]
            params_text = json.dumps({k: v for k, v in self.params.items()
                                      if k not in EXECUTION_KEYS},
                                     sort_keys=True, separators=(",", ":"))
            items: dict[str, SweepItem] = {}
            for preset in self.presets:
                for image, (label, digest) in zip(self.images, keys, strict=True):
                    for prompt in self.prompts:
                        for seed in self.seeds:
                            text = json.dumps([_ID_VERSION, digest, prompt, seed, preset.name,
                                               params_text], ensure_ascii=False)
                            item_id = _sha(text)[:16]
                            if item_id not in items:
                                items[item_id] = SweepItem(
                                    id=item_id, index=len(items), image=image, image_label=label,
                                    image_hash=digest, prompt=prompt, seed=seed,
                                    model=preset.name, params=dict(self.params), preset=preset)
            self._items = list(items.values())
        return list(self._items)

    @property
    def id(self) -> str:
        """``"sw-"`` + 12 hex digits of the hash of the item ids (order-free)."""
        return "sw-" + _sha("\n".join(sorted(item.id for item in self.items())))[:12]

    def describe(self) -> dict[str, Any]:
        """The sweep as JSON-ready data: its id, name, parameters and items."""
        return {"sweep": self.id, "name": self.name, "params": self.params,
                "models": self.models, "items": [item.describe() for item in self.items()]}

    @classmethod
    def from_toml(cls, path: str | os.PathLike) -> "Sweep":
        """Read a sweep from a TOML file (stdlib ``tomllib``); image paths are relative to the
        file's folder. Keys: ``name``, ``images``, ``prompts``, ``seeds``, ``models`` and a
        ``[params]`` table::

            name = "lake takes"
            images = ["lake.jpg", "sample:chelsea"]
            prompts = ["slow zoom in", "pan left, clouds drift"]
            seeds = [0, 1, 2]
            models = ["preview"]
            [params]
            num_frames = 16
            width = 256

        Raises:
            ParameterError: the file is missing or not TOML, an unknown key, or any error of
                :class:`Sweep`.
        """
        import tomllib

        path = pathlib.Path(path).expanduser()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise ParameterError(f"cannot read the sweep file {str(path)!r} ({e.strerror or e}); "
                                 "check the path") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ParameterError(f"the sweep file {str(path)!r} is not valid TOML ({e}); see "
                                 "Sweep.from_toml's docstring for an example") from None
        unknown = sorted(set(data) - set(TOML_KEYS))
        if unknown:
            raise ParameterError(f"the sweep file {str(path)!r} has unknown keys "
                                 f"{', '.join(unknown)}; it may have {', '.join(TOML_KEYS)}")
        if "images" not in data:
            raise ParameterError(f"the sweep file {str(path)!r} has no images = [...]; add the "
                                 "pictures to animate (paths, URLs or 'sample:NAME')")
        params = data.get("params", {})
        if not isinstance(params, dict):
            raise ParameterError(f"params in {str(path)!r} must be a table ([params]), got "
                                 f"{type(params).__name__}")

        def place(image: Any) -> Any:
            if not isinstance(image, str):
                raise ParameterError(f"images in {str(path)!r} must be text (paths, URLs or "
                                     f"'sample:NAME'), got {image!r}")
            if image.startswith((SAMPLE_PREFIX, "http://", "https://")):
                return image
            p = pathlib.Path(image).expanduser()
            return str(p if p.is_absolute() else path.parent / p)

        images = [place(img) for img in _as_list(data["images"], "images")]
        return cls(images, data.get("prompts", [""]), data.get("seeds", [0]),
                   data.get("models", ["preview"]), params, name=str(data.get("name", "")))

    def run(self, history: Any, *, progress: Any = True, score: str = "overall") -> Any:
        """Run every item not yet in ``history``: in this process, or split between the
        processes of ``accelerate launch`` / ``accelerate.notebook_launcher``; see
        :func:`i2v_nb.sweeps.run.run_sweep`. Returns the :class:`~i2v_nb.sweeps.SweepSummary`
        on the main process (``None`` on the others)."""
        from i2v_nb.sweeps.run import run_sweep

        return run_sweep(self, history, progress=progress, score=score)

    def summary(self, history: Any, *, score: str = "overall") -> Any:
        """The ranked :class:`~i2v_nb.sweeps.SweepSummary` of what ``history`` holds of this
        sweep (nothing is run or written)."""
        from i2v_nb.sweeps.summary import summarize

        return summarize(self, history, score=score)
