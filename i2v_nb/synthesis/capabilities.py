"""What a model can do, as data: the capability names, their meaning and the one parser of them.

Each :class:`~i2v_nb.synthesis.preset.ModelPreset` lists its ``capabilities`` (a frozenset of
:data:`CAPABILITIES`) and the ones a request must use (``needs``: the FLF2V checkpoints cannot
run without a last frame). :func:`i2v_nb.models` filters by them (``models(can="last_frame")``)
and :func:`i2v_nb.synthesis.registry.require_capability` refuses a request that uses one a model
lacks, naming the models that have it. :data:`INPUT_CAPABILITIES` says which keyword of
``generate`` uses which capability.

>>> check_capabilities("last_frame"), sorted(check_capabilities(["keyframes", "upsample"]))
(frozenset({'last_frame'}), ['keyframes', 'upsample'])
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from i2v_nb.errors import ParameterError

__all__ = ["CAPABILITIES", "CAPABILITY_HELP", "CAPABILITY_WORDS", "INPUT_CAPABILITIES",
           "check_capabilities",
           "check_keyframes"]

#: Every capability a preset may list, with what it means (for tables, widgets and messages).
CAPABILITY_HELP: dict[str, str] = {
    "text_prompt": "a text prompt",
    "last_frame": "a last frame as well as the first: last_image=",
    "keyframes": "pictures at chosen frame indices: keyframes={index: image}",
    "video_condition": "a video to continue or to condition on",
    "long_video": "long clips made in overlapping sections or windows",
    "upsample": "a latent upsampler for a second, sharper pass",
}

#: A few words for each capability, for a line such as "can also take: a last frame, keyframes".
CAPABILITY_WORDS: dict[str, str] = {
    "text_prompt": "a text prompt",
    "last_frame": "a last frame",
    "keyframes": "keyframes",
    "video_condition": "a video to continue",
    "long_video": "long clips",
    "upsample": "a latent upsampler",
}

#: The capability names, in the order tables show them.
CAPABILITIES: tuple[str, ...] = tuple(CAPABILITY_HELP)

#: ``generate`` keyword -> the capability a request that gives it uses.
INPUT_CAPABILITIES: dict[str, str] = {"last_image": "last_frame", "keyframes": "keyframes"}


def check_capabilities(value: Any) -> frozenset[str]:
    """The capability names in ``value`` (one name, or a list/tuple/set of names) as a frozenset.

    >>> check_capabilities(("text_prompt",))
    frozenset({'text_prompt'})

    Raises:
        ParameterError: a name that is not a capability, or a value that is not a name or a
            collection of names; the message lists the known capabilities.
    """
    names: Iterable[Any] = (value,) if isinstance(value, str) else value
    try:
        names = list(names)
    except TypeError:
        raise ParameterError(f"capabilities must be a name or a list of names, got "
                             f"{type(value).__name__}; known: {', '.join(CAPABILITIES)}") from None
    unknown = [n for n in names if n not in CAPABILITY_HELP]
    if unknown:
        raise ParameterError(f"unknown capability {', '.join(map(repr, unknown))}; known "
                             f"capabilities: {', '.join(CAPABILITIES)}")
    return frozenset(names)


def check_keyframes(keyframes: Any, num_frames: int) -> dict[int, Any]:
    """``keyframes`` as ``{frame index: picture}`` sorted by index: whole numbers from 1 to
    ``num_frames - 1``, or negative ones counted from the end (``-1`` is the last frame); frame
    0 is the picture itself.

    >>> sorted(check_keyframes({-1: "b.png", 4: "a.png"}, 9))
    [4, 8]

    Raises:
        ParameterError: not a mapping, an index that is not a frame of the clip (or is frame
            0), or two entries for one frame.
    """
    if not isinstance(keyframes, Mapping) or not keyframes:
        raise ParameterError(f"keyframes must be a mapping {{frame index: picture}} with at least "
                             f"one entry, got {type(keyframes).__name__}")
    out: dict[int, Any] = {}
    for index, picture in keyframes.items():
        frame = index + num_frames if isinstance(index, int) and index < 0 else index
        if isinstance(index, bool) or not isinstance(index, int) or not 1 <= frame < num_frames:
            raise ParameterError(f"keyframes index {index!r}: use whole frame numbers from 1 to "
                                 f"{num_frames - 1}, or -1 to -{num_frames - 1} from the end "
                                 "(frame 0 is the picture you animate)")
        if frame in out:
            raise ParameterError(f"keyframes: two pictures for frame {frame} ({index!r} is "
                                 f"frame {frame} of {num_frames})")
        out[frame] = picture
    return dict(sorted(out.items()))
