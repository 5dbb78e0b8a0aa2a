"""Loading images from anything a user has, fitting them to a model, and reading/writing video.

>>> from i2v_nb.io import load_image, fit_image
>>> image = load_image("photo.jpg")                       # doctest: +SKIP
>>> fit_image(image, 1024, 576, mode="crop").size          # doctest: +SKIP
(1024, 576)

Every image that comes in is untrusted: its size is checked from the header *before* the pixels
are decoded, so a decompression bomb cannot eat memory, and every failure is an
:class:`~i2v_nb.errors.ImageInputError` that names the input and says what to do.

One job per module, re-exported here:

=================  ===============================================================================
``checks``         shared validators: the one fps policy (:func:`check_fps`), sizes, colours…
``url``            downloading an image within one deadline for the whole download
``image``          :func:`load_image` (with private ``_source``, ``_sniff``, ``_decode``,
                   ``_pixels``: where bytes come from, what they are, decoding, pixel modes)
``fit``            :func:`fit_image`
``ffmpeg``         the ffmpeg binary, even-size padding, :func:`ffmpeg_error_line`
``video``          :func:`write_video`, :func:`read_frames` (frames, fps, metadata)
``jsonsafe``       :func:`jsonable` — the one JSON-safe converter — and atomic JSON writes
``sidecar``        the JSON sidecar beside a saved clip: written always storable, read untrusted
``embedded``       the same settings inside the video file (tags), read untrusted;
                   :func:`image_sha256`, the fingerprint of a source image
=================  ===============================================================================

This layer knows nothing of :class:`~i2v_nb.clip.Clip`: ``i2v_nb.clip.read_video`` wraps
:func:`read_frames`, and ``Clip.save`` calls :func:`write_video`.
"""

from __future__ import annotations

from i2v_nb.errors import (AnimatedImageWarning, ResolutionSnapWarning, SidecarWarning,
                           VideoTruncatedWarning)
from i2v_nb.io.checks import (DEFAULT_MAX_PIXELS, FPS_LIMITS, MAX_FPS, MIN_FPS, VIDEO_SUFFIXES,
                              brief, check_crf, check_fps, check_image_size, check_max_pixels,
                              check_positive_int, check_rgb, check_video_suffix)
from i2v_nb.io.embedded import (MAX_EMBEDDED_BYTES, embedded_text, image_sha256, read_embedded,
                                read_settings)
from i2v_nb.io.ffmpeg import ffmpeg_error_line, pad_even, setup_ffmpeg
from i2v_nb.io.fit import fit_image
from i2v_nb.io.image import image_to_array, load_image
from i2v_nb.io.jsonsafe import jsonable, json_text, write_json_atomic, write_text_atomic
from i2v_nb.io.sidecar import (MAX_METADATA_DEPTH, MAX_METADATA_ITEMS, MAX_SIDECAR_BYTES,
                               SIDECAR_VERSION, parse_sidecar, parse_sidecar_bytes, read_sidecar,
                               sidecar_path, sidecar_text)
from i2v_nb.io.url import MAX_URL_BYTES, URL_TIMEOUT_S
from i2v_nb.io.video import (DEFAULT_MAX_VIDEO_BYTES, DecodedVideo, read_frames,
                             write_animation, write_video)

__all__ = [
    # images
    "DEFAULT_MAX_PIXELS",
    "MAX_URL_BYTES",
    "URL_TIMEOUT_S",
    "AnimatedImageWarning",
    "ResolutionSnapWarning",
    "load_image",
    "image_to_array",
    "fit_image",
    # video
    "VIDEO_SUFFIXES",
    "DEFAULT_MAX_VIDEO_BYTES",
    "VideoTruncatedWarning",
    "write_video",
    "write_animation",
    "read_frames",
    "DecodedVideo",
    "ffmpeg_error_line",
    "setup_ffmpeg",
    "pad_even",
    # the fps policy and the other shared checks
    "check_fps",
    "FPS_LIMITS",
    "MIN_FPS",
    "MAX_FPS",
    "brief",
    "check_positive_int",
    "check_max_pixels",
    "check_image_size",
    "check_rgb",
    "check_crf",
    "check_video_suffix",
    # JSON and sidecars
    "jsonable",
    "json_text",
    "write_json_atomic",
    "write_text_atomic",
    "SidecarWarning",
    "SIDECAR_VERSION",
    "MAX_SIDECAR_BYTES",
    "MAX_METADATA_DEPTH",
    "MAX_METADATA_ITEMS",
    "sidecar_path",
    "sidecar_text",
    "parse_sidecar",
    "parse_sidecar_bytes",
    "read_sidecar",
    # settings inside the video file
    "MAX_EMBEDDED_BYTES",
    "embedded_text",
    "read_embedded",
    "read_settings",
    "image_sha256",
]
