"""ipywidgets front end: the :class:`Studio` app and the parts it is made of.

>>> import i2v_nb
>>> studio = i2v_nb.Studio()          # the whole workflow in one cell   # doctest: +SKIP

Each part works on its own in a cell, over the same public functions a user can call:

* :class:`ImageInput` — upload / path or URL / sample picker (``load_image``, ``sample_image``);
* :class:`PromptInput` — prompt, motion chips, live ``parse_prompt`` line, ``suggest_prompts``;
* :class:`Parameters` — model and parameters from the preset's rules (``get_model``);
* :class:`RunControls` — Generate / Stop / progress around ``generate`` (in a thread);
* :class:`Preview` — inline looping video (``Clip.show``), mp4/GIF downloads, save frames;
* :class:`Gallery` — the ``History`` as thumbnails; show, re-run, compare two side by side;
* :class:`DiagnosticsTab` — ``continuity_report`` plot and summary.

Core ipywidgets only (no third-party widget), so it runs on Colab's widget manager too; media
travel as ``data:`` URIs inside ``HTML`` widgets, never as binary widget buffers, and logs are
``HTML`` too (no ``Output`` widget, which some front ends cannot create). It works with
ipywidgets 7.7 (what Colab ships) and 8.x; the few differences (tooltips, tab titles, the upload
format) are handled in one private module, ``i2v_nb.widgets._compat``. On Colab (detected by
importing ``google.colab``) the Preview also sends files with ``google.colab.files.download``.
Important elements carry stable CSS classes (``i2v-generate``, ``i2v-stop``, ``i2v-video``,
``i2v-message``...) that the browser test uses.
"""

from __future__ import annotations

from i2v_nb.widgets.diagnostics_tab import DiagnosticsTab
from i2v_nb.widgets.gallery import Gallery
from i2v_nb.widgets.image_input import ImageInput
from i2v_nb.widgets.parameters import Parameters
from i2v_nb.widgets.preview import Preview
from i2v_nb.widgets.prompt_input import PromptInput
from i2v_nb.widgets.run_controls import RunControls
from i2v_nb.widgets.studio import Studio

__all__ = [
    "DiagnosticsTab",
    "Gallery",
    "ImageInput",
    "Parameters",
    "Preview",
    "PromptInput",
    "RunControls",
    "Studio",
]
