"""``i2v-nb``: the toolkit's jobs from a terminal.

    i2v-nb demo                                  # a clip from a bundled sample, on CPU
    i2v-nb generate photo.jpg "slow zoom in, clouds drift" --out clip.mp4
    i2v-nb analyze photo.jpg --out report.png
    i2v-nb diagnose clip.mp4 --out report.png
    i2v-nb models                                # the model presets
    i2v-nb history                               # clips saved so far
    i2v-nb sweep spec.toml --history out         # a grid of takes (several GPUs: accelerate launch)
    i2v-nb lab                                   # JupyterLab on the quickstart notebook
"""

from __future__ import annotations

from i2v_nb.cli.app import build_parser, main
from i2v_nb.cli.messages import cli_terms, one_line

__all__ = ["main", "build_parser", "cli_terms", "one_line"]
