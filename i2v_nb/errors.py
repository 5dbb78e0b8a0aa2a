"""Every error and warning i2v_nb raises, in one place.

Messages name the input, the rule it broke and what to do about it, e.g.::

    ImageInputError: 'holiday.heic' is not an image format Pillow can read (HEIF).
    Convert it to PNG or JPEG first, e.g. with `heif-convert`, then load the PNG.
"""

from __future__ import annotations

__all__ = [
    "I2VError",
    "I2VWarning",
    "ImageInputError",
    "VideoInputError",
    "ParameterError",
    "ModelUnavailable",
    "GenerationStopped",
    "OutOfMemory",
    "HistoryError",
    "AnimatedImageWarning",
    "ResolutionSnapWarning",
    "VideoTruncatedWarning",
    "SidecarWarning",
    "DamagedEntryWarning",
    "SourceMismatchWarning",
]


class I2VError(Exception):
    """Base class of every i2v_nb error."""


class I2VWarning(UserWarning):
    """Base class of i2v_nb's warnings (tests turn these into errors)."""


class ImageInputError(I2VError, ValueError):
    """An image could not be loaded: missing, empty, corrupt, too large, wrong shape or dtype."""


class VideoInputError(I2VError, ValueError):
    """A video or frame array could not be read or has the wrong shape, dtype or fps."""


class ParameterError(I2VError, ValueError):
    """A generation parameter breaks a rule of the chosen model (named in the message)."""


class ModelUnavailable(I2VError, RuntimeError):
    """A model cannot run here (no GPU, missing package, weights not reachable)."""


class GenerationStopped(I2VError, RuntimeError):
    """Generation was interrupted through its ``stop`` event; nothing is broken, call again."""


class OutOfMemory(I2VError, RuntimeError):
    """The GPU ran out of memory; the message gives the numbers and the profile to try next."""


class HistoryError(I2VError, ValueError):
    """A history entry is missing or damaged."""


# -- warnings: soft problems, the work goes on -------------------------------------------------

class AnimatedImageWarning(I2VWarning):
    """An animated image (GIF, WebP, APNG…) was given; only its first frame is used."""


class ResolutionSnapWarning(I2VWarning):
    """A requested size was changed to satisfy a rule (a multiple of N, even sizes…)."""


class VideoTruncatedWarning(I2VWarning):
    """A video had more frames than ``read_video`` may hold; only the first ones were read."""


class SidecarWarning(I2VWarning):
    """A clip's JSON sidecar (or one field of it) is damaged and was ignored, or metadata had to
    be shortened to be stored; the message names the file, the field and the rule."""


class DamagedEntryWarning(I2VWarning):
    """A history entry could not be read and was skipped (or its damaged source image was left
    out)."""


class SourceMismatchWarning(I2VWarning):
    """An image given to re-make a clip (``i2v_nb.restore``) is not the one the clip was made
    from (its pixels' SHA-256 differs from the one recorded); the clip will differ."""
