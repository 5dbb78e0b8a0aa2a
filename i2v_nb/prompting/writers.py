"""Per-family prompts: what to pass to each model family for a motion spec.

:func:`build_prompt` writes the spec the way each family responds to it (long descriptive
prompts for CogVideoX and Wan; for LTX-Video the single flowing paragraph its authors advise,
the main action first; motion knobs for SVD, which takes no text) with the family's default
negative prompt. The family comes from the caller: a family name or
a registry preset (duck-typed on ``.family``); prompting never imports the model registry.

>>> build_prompt("slow pan left, clouds drift", "ltx")["prompt"]
'Clouds drift across the sky. The camera slowly pans left.'
"""

from __future__ import annotations

import re
from typing import Any

from i2v_nb.errors import ParameterError
from i2v_nb.prompting.parser import parse_prompt
from i2v_nb.prompting.spec import MotionSpec
from i2v_nb.prompting.vocabulary import DEFAULT_NEGATIVE_PROMPTS, FAMILIES
from i2v_nb.prompting.wording import negative_phrase

__all__ = ["build_prompt", "resolve_family", "guess_family"]


def resolve_family(model: Any) -> str:
    """The model family of a family name, a model name, or an object with a ``.family``.

    A registry preset (anything with a ``.family`` attribute) gives its own family; a string is
    a family name (:data:`FAMILIES`, any case) or a model name or hub id whose words name a
    family (:func:`guess_family`: ``"ltx-video"`` → ``"ltx"``; every registered preset's name is
    read right). Prompting sits below the model registry and never looks a name up in it: for a
    preset whose name names no family, pass the preset itself (``i2v_nb.get_model(name)``).

    >>> resolve_family("wan"), resolve_family(type("P", (), {"family": "ltx"})())
    ('wan', 'ltx')
    >>> resolve_family("wan2.1-i2v-480p"), resolve_family("svd-xt")
    ('wan', 'svd')

    Raises:
        ParameterError: when the family cannot be found.
    """
    family = getattr(model, "family", None)
    if family is None and isinstance(model, str):
        family = guess_family(model)
    if family not in FAMILIES:
        raise ParameterError(f"model {model!r} has no known family; pass a family name "
                             f"({', '.join(FAMILIES)}), a model name that contains one "
                             "(e.g. 'ltx-video') or the preset object (i2v_nb.get_model(name)), "
                             "which carries its .family")
    return family


def guess_family(name: str) -> str | None:
    """The model family a family name, model name or hub id names; ``None`` when it names none.

    Read from the words of the name alone (no registry lookup), first match wins: "framepack",
    "stable-video" or "svd", "cogvideo", "ltx", "wan" or "skyreels" (SkyReels-V2 is built on
    Wan 2.1 and prompted like it), "hunyuan"; a family name is its own family.

    >>> guess_family("Lightricks/LTX-Video"), guess_family("tiny-cogvideox"), guess_family("sora")
    ('ltx', 'cogvideox', None)
    """
    key = str(name).strip().lower()
    if key in FAMILIES:
        return key
    for needle, fam in (("framepack", "framepack"), ("stable-video", "svd"), ("svd", "svd"),
                        ("cogvideo", "cogvideox"), ("ltx", "ltx"), ("wan", "wan"),
                        ("skyreels", "wan"), ("hunyuan", "hunyuan")):
        if needle in key:
            return fam
    return None


def build_prompt(spec: MotionSpec | str | None, model: Any = "preview") -> dict[str, Any]:
    """What to pass to a model family for a motion spec (or a prompt text).

    Every result has ``family``, ``prompt`` (None for SVD, which takes no text),
    ``negative_prompt`` (None where the family takes none), ``motion_strength`` (in [0, 1]),
    ``spec`` (the spec as a dict) and ``pipeline_kwargs``: the keyword arguments to splat into the
    family's diffusers pipeline call. Per family:

    * ``svd``: ``motion_bucket_id`` (1–255, 127 for a normal amount of motion) and
      ``noise_aug_strength`` (0–0.1, 0.02 normal) mapped from ``spec.motion_strength``;
      ``ignored_text`` says which words SVD cannot follow.
    * ``cogvideox``, ``wan``: a long descriptive prompt (scene, then one sentence per motion) and
      a default negative prompt (Wan's own recommended one for ``wan``).
    * ``ltx``: one flowing paragraph in the order LTX-Video's README advises ("start with main
      action in a single sentence", then the scene, the camera move, the light; within 200
      words) and LTX-Video's recommended negative prompt. Only what the spec says is written:
      details of the picture come from your own scene words (``spec.free_text``).
    * ``hunyuan``, ``framepack``: a medium descriptive prompt (HunyuanVideo's ``negative_prompt``
      takes effect with ``true_cfg_scale`` > 1).
    * ``preview``: the short prompt; the CPU engine reads the spec itself.

    Args:
        spec: a :class:`MotionSpec`, or a prompt text parsed with :func:`parse_prompt`.
        model: a family name (:data:`FAMILIES`), an object with a ``.family`` attribute (a
            registry preset), or a model name that names its family (``"ltx-video"``; see
            :func:`resolve_family`).

    Returns:
        The dict described above.

    Raises:
        ParameterError: for a model whose family is unknown.

    >>> out = build_prompt("slow zoom in, clouds drift", "ltx")
    >>> out["prompt"], out["negative_prompt"] is not None
    ('Clouds drift across the sky. The camera slowly zooms in.', True)
    >>> build_prompt("fast dramatic orbit", "svd")["motion_bucket_id"] > 127
    True
    """
    family = resolve_family(model)
    spec = parse_prompt(spec)
    strength = spec.motion_strength
    negative = DEFAULT_NEGATIVE_PROMPTS[family]
    extra_neg = negative_phrase(spec.negative).replace("no ", "") if spec.negative else ""
    out: dict[str, Any] = {"family": family, "motion_strength": strength, "spec": spec.to_dict()}
    if family == "svd":
        bucket = int(round(2 + 250 * strength))
        noise = 0.04 * strength if strength <= 0.5 else 0.02 + 0.16 * (strength - 0.5)
        noise = round(min(0.1, max(0.0, noise)), 4)
        ignored = spec.describe(style="short") if (spec.text or spec.free_text) else ""
        out.update(prompt=None, negative_prompt=None, motion_bucket_id=bucket,
                   noise_aug_strength=noise, ignored_text=ignored,
                   pipeline_kwargs={"motion_bucket_id": bucket, "noise_aug_strength": noise})
        return out
    negs = negative is None  # say "no rain" in the prompt only where no negative prompt exists
    if family in ("cogvideox", "wan"):
        prompt = spec.describe(style="long", negations=negs)
        quality = " High quality, smooth natural motion, consistent details."
        prompt = (prompt + quality).strip()
        if spec.is_static and negative:  # a still clip is wanted: do not push away "static"
            negative = re.sub(r"\b(?:static|still picture),\s*", "", negative)
    elif family == "ltx":
        prompt = spec.describe(style="paragraph", negations=negs)
    elif family in ("hunyuan", "framepack"):
        prompt = spec.describe(style="long", negations=negs)
    else:  # preview
        prompt = spec.describe(style="short", negations=negs)
    if negative is not None and extra_neg:
        negative = f"{extra_neg}, {negative}"
    elif negative is None and extra_neg and family == "framepack":
        negative = None  # FramePack's pipeline takes a negative prompt only with true CFG
    out.update(prompt=prompt, negative_prompt=negative,
               pipeline_kwargs={"prompt": prompt} | ({"negative_prompt": negative}
                                                      if negative is not None else {}))
    return out
