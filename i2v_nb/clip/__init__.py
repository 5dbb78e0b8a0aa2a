"""``Clip``: the frames of a generated (or loaded) video with everything needed to reproduce it.

>>> import numpy as np
>>> clip = Clip(np.zeros((8, 64, 64, 3), np.uint8), fps=8, metadata={"prompt": "static"})
>>> clip.num_frames, clip.width, clip.height, clip.duration
(8, 64, 64, 1.0)

``_clip`` holds :class:`Clip` and :func:`read_video`; ``_inline`` the capped inline player
(:func:`inline_video_html`). The sidecar and JSON helpers that a saved clip uses live a layer
below, in :mod:`i2v_nb.io` (``io.sidecar``, ``io.jsonsafe``), and are re-exported here for the
code that has always imported them from ``i2v_nb.clip``.
"""

from __future__ import annotations

from i2v_nb.clip._clip import Clip, read_video
from i2v_nb.clip._inline import (MAX_INLINE_BYTES, MAX_INLINE_FRAMES, MAX_INLINE_SIZE,
                                 format_bytes, inline_video_html)
from i2v_nb.errors import SidecarWarning
from i2v_nb.io.jsonsafe import jsonable, write_json_atomic
from i2v_nb.io.sidecar import (MAX_METADATA_DEPTH, MAX_METADATA_ITEMS, MAX_SIDECAR_BYTES,
                               parse_sidecar, read_sidecar, sidecar_path, sidecar_text)

__all__ = ["Clip", "read_video", "SidecarWarning", "jsonable", "sidecar_path", "read_sidecar",
           "parse_sidecar", "sidecar_text", "write_json_atomic", "MAX_SIDECAR_BYTES",
           "MAX_METADATA_DEPTH", "MAX_METADATA_ITEMS", "inline_video_html", "format_bytes",
           "MAX_INLINE_SIZE", "MAX_INLINE_FRAMES", "MAX_INLINE_BYTES"]
