"""What the tutorials say matches what their cells print.

A notebook's text states facts about the outputs beside it: "a box 585 px wide", "Seven lamps",
"confidence 0.07", "the near water shifts 11.9 px and the far shore 7.7 px". When the library
or the notebook changes and an output moves, the sentence goes stale silently; this test names it.

Each fact is one row of :data:`FACTS`:

* ``notebook`` (file stem) and ``cell``: the markdown cell id that states it;
* ``stated``: a regex on that cell's text whose groups are the stated values;
* ``source``: where the truth is: a code cell id, whose stored outputs (stream text and
  ``text/plain``) are read, or :class:`Solution` (cell id, block number) for a worked solution in
  a ``<details>`` cell: that ``python`` code block is run (after the notebook's :data:`PRELUDES`
  lines, in a temporary folder, so a solution that saves a clip leaves nothing behind) and what
  it prints is read;
* ``read``: a regex on that text (``re.M``; start it with ``(?s)`` to cross lines with ``.``)
  whose groups are the true values, in the same order, or with the
  same names as the groups of ``stated``;
* ``compare``: ``"text"`` (equal, case and spaces aside), ``"number"`` (the output rounded to the
  digits the text gives; number words like "Seven" count), ``"abs"`` (the same on absolute
  values, for "shifts 11.9 px" against "-11.9 px"), ``"contains"`` (the stated text appears in the
  output's) or ``"below"`` (the one stated number bounds the absolute value of every value read,
  in every match of ``read``).

To check a new notebook's facts, add rows; the cell ids are the ``id`` fields of the ``.ipynb``.
Refresh the outputs first (``python scripts/run_notebooks.py``): the facts are read from the
stored outputs, the same ones nbval compares with a fresh run.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import pathlib
import re
import tempfile
from dataclasses import dataclass

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"

_WORDS = {"no": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
          "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_NUM = r"[-+−]?\d+(?:\.\d+)?"


@dataclass(frozen=True)
class Solution:
    """The ``block``-th (0-based) ``python`` code block of the markdown cell ``cell``."""

    cell: str
    block: int = 0


@dataclass(frozen=True)
class Fact:
    notebook: str
    cell: str
    stated: str
    source: str | Solution
    read: str
    compare: str = "number"

    def __str__(self) -> str:
        src = self.source if isinstance(self.source, str) else (
            f"{self.source.cell}[{self.source.block}]")
        return f"{self.notebook}:{self.cell}<-{src}:{self.stated[:40]}"


#: One line run before a worked solution's code, standing for the notebook's earlier cells.
PRELUDES = {
    "01_structure_analysis": (
        "import numpy as np, i2v_nb\nfrom i2v_nb import analysis, plotting\n"
        "image = np.asarray(i2v_nb.sample_image('lake'))\n"),
    "02_prompting": (
        "import numpy as np, i2v_nb\nfrom i2v_nb.prompting import build_prompt, parse_prompt\n"
        "image = i2v_nb.sample_image('lake')\n"),
    "00_quickstart": "import numpy as np, i2v_nb\nimage = i2v_nb.sample_image('lake')\n",
    "03_synthesis": (
        "import warnings, numpy as np, i2v_nb\n"
        "from i2v_nb.synthesis.memory import resolve_profile\n"
        "def profile_for(preset, free_gb):\n"
        "    if preset.vram_gb['low-vram'] * 1.1 > free_gb:\n"
        "        return None\n"
        "    return resolve_profile('auto', vram_gb=preset.vram_gb, free_gb=free_gb)\n"
        "image = i2v_nb.sample_image('lake')\n"
        "prompt = 'slow zoom in, clouds drifting, gentle waves'\n"),
    "04_continuity_diagnostics": (
        "import numpy as np, i2v_nb\nimage = i2v_nb.sample_image('lake')\n"
        "prompt = 'slow zoom in, clouds drifting'\n"
        "clip = i2v_nb.generate(image, prompt, seed=0, num_frames=24, width=320, height=212)\n"),
    "05_iteration": (
        "import pathlib, numpy as np, i2v_nb\nMODEL = 'preview'\n"
        "PARAMS = dict(num_frames=16, width=256, height=170)\n"
        "image = i2v_nb.sample_image('lake')\n"
        "report = i2v_nb.analyze(image, depth='classical')\n"
        "prompts = i2v_nb.suggest_prompts(report)[:3]\n"
        "idea = 'a lake among hills, slow zoom in, gentle waves, clouds drifting'\n"
        "clips = i2v_nb.generate_many(image, prompts, [0, 1], model=MODEL, depth=report.depth,\n"
        "                             masks=report.motion_regions, **PARAMS)\n"
        "names = [f\"{c.metadata['spec']['camera']} · seed {c.metadata['seed']}\"\n"
        "         for c in clips]\n"
        "comparison = i2v_nb.compare_clips(dict(zip(names, clips)))\n"),
    "07_speed_and_memory": (
        "import i2v_nb\nfrom i2v_nb.synthesis.memory import resolve_profile\n"
        "MODELS = i2v_nb.models(backend='diffusers', include_tiny=False)\n"
        "def fit(needs, vram, ram):\n"
        "    pick = resolve_profile('auto', **needs, free_gb=vram, free_ram_gb=ram)\n"
        "    v, r = needs['vram_gb'][pick], needs['ram_gb'][pick]\n"
        "    return pick, v * 1.1 <= vram and (ram is None or r * 1.1 <= ram), v, r\n"),
}

N01, N02 = "01_structure_analysis", "02_prompting"
N00, N03S = "00_quickstart", "03_synthesis"
N04, N05 = "04_continuity_diagnostics", "05_iteration"
N07 = "07_speed_and_memory"

FACTS: list[Fact] = [
    # ------------------------------------------------------------------ 01 · structure analysis
    # what could move: the trees are foliage, the far hills are not
    Fact(N01, "nb01-09a", r"The trees are foliage \((\S+) % of the frame\)", "nb01-09",
         r"foliage\s+(\S+)%"),
    Fact(N01, "nb01-09a", r"hills behind the lake are not \((\S+) %", "nb01-09",
         r"open hills[^:]*: (\S+)%"),
    # the subject box: its width, the frame's width, and the one placement every text uses
    Fact(N01, "nb01-11a", r"a box (\d+) px wide", "nb01-11", r"= (\d+) x \d+ px"),
    Fact(N01, "nb01-11a", r"wide out of (\d+)", "nb01-04", r"\(\d+, (\d+), 3\)"),
    Fact(N01, "nb01-11a", r"\*(spans most of the width from the left edge)\*", "nb01-11",
         r"placement: (.+)", "text"),
    Fact(N01, "nb01-11a", r"\*(spans most of the width from the left edge)\*", "nb01-12",
         r"- subject (.+)", "text"),
    Fact(N01, "nb01-11a", r"\*(spans most of the width from the left edge)\*", "nb01-23",
         r"Subject at \([^)]*\) \(([^,)]+)", "text"),
    Fact(N01, "nb01-11a", r"`column: '(\w+)'`", "nb01-11", r"'column': '(\w+)'", "text"),
    Fact(N01, "nb01-11a", r"centre \(x = (\S+)\) falls", "nb01-11", r"'center': \((\S+),"),
    Fact(N01, "nb01-11a", r"`centred: (\w+)`", "nb01-11", r"'centred': (\w+)", "text"),
    Fact(N01, "nb01-11a", r"`on_thirds: (\w+)`", "nb01-11", r"'on_thirds': (\w+)", "text"),
    # lighting of the lake: the end of the kelvin scale, no light direction
    Fact(N01, "nb01-16", r"^(\d+) K is the end of the scale", "nb01-15", r"'kelvin': (\d+)"),
    Fact(N01, "nb01-16", r"\(`(None)`, confidence", "nb01-15", r"light direction (\S+) \(",
         "text"),
    Fact(N01, "nb01-16", r"\(`None`, confidence (\S+)\)", "nb01-15",
         r"light direction None \(confidence (\S+)\)"),
    # the rocket: lamps, no single direction, shadows not in the sky
    Fact(N01, "nb01-17a", r"^(\w+) lamps", "nb01-17", r"rocket: (\d+) point lights"),
    Fact(N01, "nb01-17a", r"confidence (\S+), below 0\.25", "nb01-17",
         r"light direction None \(confidence (\S+)\)"),
    Fact(N01, "nb01-17a", r"ground \((\S+) % of the frame\)", "nb01-17",
         r"shadows cover (\S+)%"),
    Fact(N01, "nb01-17a", r"none of the sky \((\d+) pixels\)", "nb01-17",
         r"shadow pixels in the sky: (\d+)"),
    # worked solutions
    Fact(N01, "nb01-31", r"standing out by (\S+)\)", Solution("nb01-31", 0),
         r"stands out by (\S+)\."),
    Fact(N01, "nb01-31", r"only sky that could move \((\d+) %\)", Solution("nb01-31", 0),
         r"Could move: sky \((\d+)%\)"),
    Fact(N01, "nb01-31", r"the first suggestion is `([^`]+)`", Solution("nb01-31", 0),
         r"\['([^']+)'", "text"),
    Fact(N01, "nb01-31", r"Position dominates \(correlation (?P<position>\S+) with the blend; "
         r"defocus (?P<defocus>\S+), haze (?P<haze>\S+);", Solution("nb01-31", 1),
         r"position (?P<position>\S+)\ndefocus (?P<defocus>\S+)\nhaze (?P<haze>\S+)"),
    Fact(N01, "nb01-31", r"has no horizon for `find_horizon` \(`(None)`\)", Solution("nb01-31", 2),
         r"^3 (\w+)\n5 \1\n10 \1$", "text"),
    # ------------------------------------------------------------------ 02 · prompting
    # no ocean or shore for waves on a lake; the LTX paragraph starts with the action
    Fact(N02, "nb02-12a", r"the text models read\s+\*(Waves roll across the water)\*", "nb02-12",
         r"── cogvideox\n\s+prompt:\s+(.+)", "contains"),
    Fact(N02, "nb02-12a", r"the short form \*(rolling waves)\*", "nb02-12",
         r"ignored: '(.+)'", "contains"),
    Fact(N02, "nb02-12a", r"starts with\s+what happens \(\*(.+?)\*\)", "nb02-12",
         r"── ltx\n\s+prompt:\s+(.+)", "contains"),
    # the black heat map of the waves
    Fact(N02, "nb02-20a", r"\((?P<waves>\S+)\s+levels a frame, more than the slow pan's "
         r"(?P<pan>\S+)\)", "nb02-18",
         r"(?s)slow pan right\s+(?P<pan>\S+).*?static, gentle waves\s+(?P<waves>\S+)"),
    Fact(N02, "nb02-20a", r"until frame (?P<frame>\d+) \((?P<level>\S+) levels\)", "nb02-18",
         r"static, gentle waves\s+\S+\s+\S+\s+(?P<level>\S+) at frame\s+(?P<frame>\d+)"),
    Fact(N02, "nb02-20a", r"one frame is from the next \((\S+) levels\)", "nb02-18",
         r"static, gentle waves\s+\S+\s+(\S+)"),
    Fact(N02, "nb02-20a", r"the slow pan ends (\S+) levels away", "nb02-18",
         r"slow pan right\s+\S+\s+(\S+)"),
    # parallax, measured
    Fact(N02, "nb02-20c", r"On the slow pan the near water shifts (?P<near>\S+) px\s+and the "
         r"far shore (?P<far>\S+) px", "nb02-20b",
         r"slow pan right\s+far shore\s+(?P<far>\S+) px.*?near water\s+(?P<near>\S+) px", "abs"),
    Fact(N02, "nb02-20c", r"on the fast pan (?P<near>\S+) px and (?P<far>\S+) px", "nb02-20b",
         r"fast pan right\s+far shore\s+(?P<far>\S+) px.*?near water\s+(?P<near>\S+) px", "abs"),
    Fact(N02, "nb02-20c", r"barely shift sideways \(under (\S+) px\)", "nb02-20b",
         r"static, [^\n]*?far shore\s+(\S+) px[^\n]*?near water\s+(\S+) px", "below"),
    # worked solutions
    Fact(N02, "nb02-23", r"It prints `([^`]+)`", Solution("nb02-23", 0), r"^(.+)$", "text"),
    Fact(N02, "nb02-23", r'"fast pan left" gives motion strength (?P<s>\S+), `motion_bucket_id` '
         r"(?P<b>\d+) and `noise_aug_strength`\s+(?P<n>\S+);", Solution("nb02-23", 2),
         r"fast pan left \|[^\n]*\n\s+svd: (?P<s>\S+) (?P<b>\d+) (?P<n>\S+)"),
    Fact(N02, "nb02-23", r'"subtle pan left" (?P<s>\S+), (?P<b>\d+) and (?P<n>\S+)\.',
         Solution("nb02-23", 2),
         r"subtle pan left \|[^\n]*\n\s+svd: (?P<s>\S+) (?P<b>\d+) (?P<n>\S+)"),
    Fact(N02, "nb02-23", r"The change per frame is (?P<step>\S+) levels, the most of all five "
         r"takes, yet \|last − first\| is only (?P<end>\S+):", Solution("nb02-23", 3),
         r"^(?P<step>\S+)\n\[0\.0, [^\]]*?(?P<end>[\d.]+)\] largest"),
    Fact(N02, "nb02-23", r"\((?P<peak>\S+) levels from the first frame at frame (?P<at>\d+)\)",
         Solution("nb02-23", 3), r"largest (?P<peak>\S+) at frame (?P<at>\d+)"),
    # ------------------------------------------------------------------ 00 · quickstart
    # the default model is the preview engine, and the clip it made
    Fact(N00, "nb00-md2", r"`model='(\w+)'`", "nb00-clipinfo", r"model='(\w+)'", "text"),
    Fact(N00, "nb00-md2", r"(?P<n>\d+) frames of (?P<w>\d+)×(?P<h>\d+) at (?P<fps>\d+) fps "
         r"\((?P<s>\S+) s\)", "nb00-clipinfo",
         r"Clip\((?P<n>\d+) frames, (?P<w>\d+)×(?P<h>\d+), (?P<fps>\d+) fps, (?P<s>\S+) s"),
    # worked solutions: the chips, the pan left
    Fact(N00, "nb00-exercise", r"\(\*(Replaced [^*]+)\*\)", Solution("nb00-exercise", 0),
         r"^(Replaced .+)$", "text"),
    Fact(N00, "nb00-exercise", r"the prompt ends up as `([^`]+)`", Solution("nb00-exercise", 0),
         r"^'(.+)'$", "text"),
    Fact(N00, "nb00-exercise", r"the\s+line reads `([^`]+)`", Solution("nb00-exercise", 0),
         r"^Understood: (.+)$", "text"),
    Fact(N00, "nb00-exercise", r"\*\*right\*\*: (?P<all>\S+) px in all over the \d+ frames, "
         r"(?P<per>\S+) px per frame", Solution("nb00-exercise", 1),
         r"^(?P<all>\S+) px in all; (?P<per>\S+) px per frame"),
    Fact(N00, "nb00-exercise", r"reads the move as `(\w+)`", Solution("nb00-exercise", 1),
         r"the camera does (\w+)", "text"),
    # ------------------------------------------------------------------ 03 · synthesis
    Fact(N03S, "nb03-09", r"\(`PROFILES`: ([^)]+)\)", "nb03-10", r"^profiles: (.+)$", "text"),
    Fact(N03S, "nb03-13", r"\(here (?P<calls>\d+) calls for (?P<frames>\d+) frames\)", "nb03-14",
         r"Clip\((?P<frames>\d+) frames(?s:.*)^(?P<calls>\d+) progress calls"),
    Fact(N03S, "nb03-24", r"after step (\d+):", "nb03-25", r"stopped after (\d+) of"),
    Fact(N03S, "nb03-26", r"(?P<fit>\d+) of the (?P<all>\d+) fit", Solution("nb03-26", 0),
         r"^(?P<fit>\d+) of (?P<all>\d+) fit"),
    Fact(N03S, "nb03-26", r"\((?P<one>\S+) for seed 1, (?P<two>\S+) for seed 2\), the last\s+"
         r"frames by more \((?P<last1>\S+) and (?P<last2>\S+)\)", Solution("nb03-26", 1),
         r"seed 1: first frame (?P<one>\S+), last frame (?P<last1>\S+) levels(?s:.*)"
         r"seed 2: first frame (?P<two>\S+), last frame (?P<last2>\S+) levels"),
    Fact(N03S, "nb03-26", r"It snaps to (?P<w>\d+)×(?P<h>\d+) and (?P<n>\d+) frames",
         Solution("nb03-26", 2),
         r"'width': (?P<w>\d+), 'height': (?P<h>\d+), 'num_frames': (?P<n>\d+)"),
    # ------------------------------------------------------------------ 04 · continuity
    Fact(N04, "nb04-12", r"\((\d+) on average, once the brightest", "nb04-13",
         r"frame 7 is (\d+) grey levels brighter"),
    Fact(N04, "nb04-21b", r"\*\*(\w+)\*\*, with confidence", "nb04-21",
         r"the camera does (\w+) \(compatible with pan_right\)", "text"),
    Fact(N04, "nb04-21b", r"with confidence (\S+), for a camera", "nb04-21",
         r"\(compatible with pan_right\), confidence ([\d.]+)"),
    Fact(N04, "nb04-24b", r"here (\S+) px of flow per pair", "nb04-07",
         r"'dynamic_threshold': (\S+),"),
    Fact(N04, "nb04-24b", r"\*\*seed 0 and seed 1 are (tied)\*\*", "nb04-24",
         r"^#2 seed 0 .*\((tied) with the best\)", "text"),
    Fact(N04, "nb04-25", r"One flag, `(\d+ \w+ - [^`]+)`", Solution("nb04-25", 0), r"^(.+)$",
         "text"),
    Fact(N04, "nb04-25", r"\+5 and \+4 as a `(\w+)`", Solution("nb04-25", 1),
         r"^4 \[\(7, '(\w+)'\)\]", "text"),
    Fact(N04, "nb04-25", r"from \+(\d+) on nothing is flagged", Solution("nb04-25", 1),
         r"^(\d+) \[\]$"),
    Fact(N04, "nb04-25", r"The pan left gives `pan_x` \+(?P<x>\S+) px per frame \(and `pan_y` "
         r"(?P<y>\S+)\)", Solution("nb04-25", 2),
         r"^slow pan left True \| pan_x (?P<x>\S+) pan_y (?P<y>\S+)$", "abs"),
    Fact(N04, "nb04-25", r"The tilt up gives `pan_y` \+(?P<y>\S+) \(and `pan_x` (?P<x>\S+)\)",
         Solution("nb04-25", 2), r"^slow tilt up True \| pan_x (?P<x>\S+) pan_y (?P<y>\S+)$"),
    Fact(N04, "nb04-25", r"SSIM mean (?P<ssim>\S+) against 0\.619, no flags\); PSNR comes out "
         r"higher\s+\((?P<psnr>\S+) dB", Solution("nb04-25", 3),
         r"SSIM mean (?P<ssim>\S+), min \S+; PSNR mean (?P<psnr>\S+) dB"),
    # ------------------------------------------------------------------ 05 · iteration
    Fact(N05, "nb05-03", r"two seeds: (\d+) takes", "nb05-08", r"^(\d+) takes;"),
    Fact(N05, "nb05-13", r"the zooms start at (?P<z>\S+), the orbits at (?P<o0>[\d.]+)–"
         r"(?P<o1>[\d.]+), the pans at (?P<p>[\d.]+)\.", "nb05-784576",
         r"'zoom_in · seed 0': (?P<z>\S+),.*'orbit_right · seed 0': (?P<o0>[\d.]+), "
         r"'orbit_right · seed 1': (?P<o1>[\d.]+), 'pan_right · seed 0': (?P<p>[\d.]+),"),
    Fact(N05, "nb05-20", r"(?P<tied>\d+) of the (?P<all>\d+) takes are tied with the\s+best",
         Solution("nb05-20", 0), r"^(?P<tied>\d+) of (?P<all>\d+) takes tied with the best"),
    Fact(N05, "nb05-20", r"the means step down from the zooms\s+\((?P<p0>\S+)\) to the orbit "
         r"\(p1, (?P<p1>\S+)\) and the pan \(p2, (?P<p2>[\d.]+)\)", Solution("nb05-20", 0),
         r"^p0\s+(?P<p0>\S+)\s(?s:.*)^p1\s+(?P<p1>\S+)\s(?s:.*)^p2\s+(?P<p2>\S+)\s"),
    Fact(N05, "nb05-20", r"give (p0)'s clips frame for frame", Solution("nb05-20", 0),
         r"^p3 is (p0): True$", "text"),
    Fact(N05, "nb05-20", r"now clearly \((?P<best>\S+) against (?P<orbit>\S+) for the best "
         r"orbit\)", Solution("nb05-20", 1),
         r"^zoom_in · seed 1\s+\S+\s+\S+\s+\S+\s+(?P<best>\S+)\n(?s:.*)"
         r"^orbit_right · seed 1\s+\S+\s+\S+\s+\S+\s+(?P<orbit>\S+)$"),
    Fact(N05, "nb05-20", r"the orbit is read as `orbit_right` \(confidence (?P<o>\S+)\), the "
         r"dolly as `zoom_in`, which\s+is compatible \((?P<d>\S+)\), the zoom out as `zoom_out` "
         r"\((?P<z>[\d.]+)\)", Solution("nb05-20", 2),
         r"^True \| slow orbit.*confidence (?P<o>[\d.]+);(?s:.*)^True \| slow dolly in.*"
         r"confidence (?P<d>[\d.]+);(?s:.*)^True \| slow zoom out.*confidence (?P<z>[\d.]+);"),
    # ------------------------------------------------------------------ 07 · speed and memory
    # one plan, read part by part
    Fact(N07, "nb07-12", r"its (?P<w>\S+) GB of weights, (?P<a>\S+) GB of\s+activations and "
         r"(?P<c>\S+) GB assumed for the CUDA context make (?P<v>\S+) GB", "nb07-11",
         r"VRAM (?P<v>\S+) GB = weights \(transformer\) (?P<w>\S+), activations (?P<a>\S+), "
         r"CUDA context (?P<c>\S+)$"),
    Fact(N07, "nb07-12", r"every\s+weight \((?P<w>\S+) GB\) plus the Python runtime with CUDA's "
         r"libraries \((?P<r>\S+) GB, partly assumed\) and the\s+output frames: (?P<t>\S+) GB",
         "nb07-11", r"RAM (?P<t>\S+) GB = runtime (?P<r>\S+), weights (?P<w>\S+),"),
    Fact(N07, "nb07-14", r"(?s)on the GPU \((?P<w>\S+) GB\) and decodes.*?another (?P<d>\S+) GB: "
         r"(?P<v>\S+) GB in all", "nb07-13",
         r"^VRAM\s+(?P<v>\S+)(?s:.*)^  weights on the GPU\s+(?P<w>\S+)(?s:.*)"
         r"^  activations or VAE decode\s+(?P<d>\S+)"),
    Fact(N07, "nb07-14", r"in RAM while it sets up: (\S+) GB\.", "nb07-13",
         r"^RAM\s+\S+\s+\S+\s+(\S+)"),
    Fact(N07, "nb07-14", r"the least\s+RAM, (\S+) GB", "nb07-13",
         r"^RAM\s+\S+\s+\S+\s+\S+\s+(\S+)"),
    # every model on four GPUs
    Fact(N07, "nb07-18", r"only (?P<fit>\d+) of the (?P<all>\d+), SVD and SVD-XT", "nb07-16",
         r"^T4 \([^)]*\): (?P<fit>\d+) of (?P<all>\d+) fit, \d+ under fast; fit: svd, svd-xt$"),
    Fact(N07, "nb07-18", r"LTX-Video comes closest of the others, (\S+) GB under `colab-t4`",
         "nb07-15", r"^ltx-video\s+none \(colab-t4: \S+ / (\S+)\)"),
    Fact(N07, "nb07-18", r"(?s)\*\*L4\*\* runs (?P<l4>\d+) of the 18.*?\*\*A100\*\* runs all 18, "
         r"(?P<a>\d+) without any offloading; the \*\*H100\*\*\s+all 18, (?P<h>\d+) without",
         "nb07-16", r"^L4 [^:]*: (?P<l4>\d+) of 18(?s:.*)^A100 [^:]*: 18 of 18 fit, "
         r"(?P<a>\d+) under fast(?s:.*)^H100 [^:]*: 18 of 18 fit, (?P<h>\d+) under fast"),
    Fact(N07, "nb07-18", r"needs (\S+) GB even under `low-vram`", "nb07-15",
         r"^hunyuanvideo-1\.5-i2v-480p .*none \(low-vram: (\S+) /"),
    Fact(N07, "nb07-18", r"(\S+) GB of it for the activations", "nb07-16", r"'activations': (\S+),"),
    # the work the caches skip on the twins (rows of the table, per twin)
    Fact(N07, "nb07-22", r"under every cache: (\d+) times for the Wan twin", "nb07-20",
         r"^tiny-wan\s+off\s+(\d+)\s"),
    Fact(N07, "nb07-22", r"(\d+) for LTX and\s+CogVideoX", "nb07-20", r"^tiny-ltx\s+off\s+(\d+)\s"),
    Fact(N07, "nb07-22", r"(\d+) for LTX and\s+CogVideoX", "nb07-20",
         r"^tiny-cogvideox\s+off\s+(\d+)\s"),
    *[Fact(N07, "nb07-22", stated, "nb07-20",
           rf"(?s)^tiny-wan .*?^\s+{mode}\s+\d+\s+\d+\s+(?P<wan>\d+)%.*?^tiny-ltx .*?"
           rf"^\s+{mode}\s+\d+\s+\d+\s+(?P<ltx>\d+)%.*?^tiny-cogvideox .*?"
           rf"^\s+{mode}\s+\d+\s+\d+\s+(?P<cog>\d+)%")
      for mode, stated in (
          ("first_block", r"First Block Cache skips (?P<wan>\d+) % on Wan, (?P<ltx>\d+) % on LTX "
                          r"and (?P<cog>\d+) % on\s+CogVideoX"),
          ("mag", r"MagCache's second call (?P<wan>\d+) %, (?P<ltx>\d+) % and (?P<cog>\d+) %"),
          ("taylorseer", r"TaylorSeer (?P<wan>\d+) %, (?P<ltx>\d+) % and (?P<cog>\d+) %"))],
    Fact(N07, "nb07-22",
         r"FasterCache, on LTX and CogVideoX only, (?P<ltx>\d+) % and (?P<cog>\d+) %",
         "nb07-20", r"(?s)^tiny-ltx .*?^\s+faster\s+\d+\s+\d+\s+(?P<ltx>\d+)%.*?^tiny-cogvideox .*?"
         r"^\s+faster\s+\d+\s+\d+\s+(?P<cog>\d+)%"),
    Fact(N07, "nb07-22", r"PSNR from (?P<lo>\S+) to (?P<hi>\S+) dB", "nb07-20",
         r"(?s)^tiny-wan .*?^\s+first_block\s+\d+\s+\d+\s+\d+%\s+(?P<hi>\S+).*?^tiny-cogvideox .*?"
         r"^\s+mag\s+\d+\s+\d+\s+\d+%\s+(?P<lo>\S+)"),
    Fact(N07, "nb07-22", r"identical to the first\s+(uncached) call, on all three twins", "nb07-20",
         r"^tiny-cogvideox: (uncached) again after the caches, identical to the first run: True$",
         "text"),
    # the bytes of 8-bit weights
    *[Fact(N07, "nb07-27", stated, "nb07-25",
           rf"(?s)^tiny-wan\s+float32.*?{mode}\s+\d+\s+\d+\s+(?P<wan>\d+)%.*?^tiny-ltx\s+float32.*?"
           rf"{mode}\s+\d+\s+\d+\s+(?P<ltx>\d+)%.*?^tiny-cogvideox\s+float32.*?"
           rf"{mode}\s+\d+\s+\d+\s+(?P<cog>\d+)%")
      for mode, stated in (
          ("fp8-storage", r"denoisers come to (?P<wan>\d+) %, (?P<ltx>\d+) % and (?P<cog>\d+) % of "
                          r"their float32 bytes"),
          ("int8", r"The denoisers come to\s+(?P<wan>\d+) %, (?P<ltx>\d+) % and (?P<cog>\d+) %;"))],
    Fact(N07, "nb07-27", r"\((?P<wan>\d+) % of Wan's weights, (?P<ltx>\d+) % of LTX's, "
         r"(?P<cog>\d+) % of CogVideoX's\)", "nb07-25",
         r"(?s)^tiny-wan, fp8-storage: .*?True \((?P<wan>\d+)% of the weights kept\).*?"
         r"^tiny-ltx, fp8-storage: .*?True \((?P<ltx>\d+)%.*?^tiny-cogvideox, fp8-storage: .*?"
         r"True \((?P<cog>\d+)%"),
    Fact(N07, "nb07-27", r"take\s+(\d+) bytes as built \(float64\) and (\d+) after", "nb07-25",
         r"^tiny-cogvideox, fp8-storage: .* \+ (\d+) of buffers: True(?s:.*)"
         r"^tiny-cogvideox, int8: .* \+ (\d+) of buffers: True"),
    Fact(N07, "nb07-27", r"drop from (?P<f>\d+) bytes to\s+(?P<e>\d+) \(fp8\) and (?P<i>\d+) "
         r"\(int8\)", "nb07-25",
         r"^tiny-wan\s+float32\s+\d+\s+\d+\s+\S+\s+(?P<f>\d+)\s*$\n^\s+fp8-storage\s+.*\s(?P<e>\d+)"
         r"\s+\S+\s*$\n^\s+int8\s+.*\s(?P<i>\d+)\s+\S+\s*$"),
    # worked solutions
    Fact(N07, "nb07-28", r"With `nf4` (?P<a>\w+) models fit instead of (?P<b>\w+)",
         Solution("nb07-28", 0),
         r"^quantize=None: (?P<b>\d+) fit(?s:.*)^quantize=nf4: (?P<a>\d+) fit"),
    Fact(N07, "nb07-28", r"CogVideoX-5B-I2V\s+\((?P<c>\S+) GB of RAM\), LTX-Video "
         r"\((?P<l>\S+) GB\) and LTX-Video 0\.9\.8 2B \((?P<l2>\S+) GB\)", Solution("nb07-28", 0),
         r"^quantize=nf4: .*cogvideox-5b-i2v \(colab-t4, \S+ / (?P<c>\S+) GB\), ltx-video "
         r"\(colab-t4, \S+ / (?P<l>\S+) GB\), ltx-video-0\.9\.8-2b-distilled \(colab-t4, \S+ / "
         r"(?P<l2>\S+) GB\)$"),
    Fact(N07, "nb07-28", r"The VRAM grows from (?P<v0>\S+) to (?P<v1>\S+) GB",
         Solution("nb07-28", 2),
         r"^25 frames: VRAM (?P<v0>\S+) (?s:.*)^161 frames: VRAM (?P<v1>\S+) "),
    Fact(N07, "nb07-28", r"The RAM hardly moves, (?P<r0>\S+) to (?P<r1>\S+) GB",
         Solution("nb07-28", 2),
         r"^25 frames: .*RAM (?P<r0>\S+) \((?s:.*)^161 frames: .*RAM (?P<r1>\S+) \("),
]


# --------------------------------------------------------------------------------- reading


@functools.cache
def _notebook(stem: str) -> dict:
    return json.loads((NOTEBOOK_DIR / f"{stem}.ipynb").read_text(encoding="utf-8"))


def _text(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _cell(nb: dict, cell_id: str) -> dict:
    for cell in nb["cells"]:
        if cell.get("id") == cell_id:
            return cell
    raise LookupError(f"no cell with id {cell_id!r}")


def output_text(cell: dict) -> str:
    """The stored outputs of a code cell as text: stream output and ``text/plain``."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(_join(out["text"]))
        elif "text/plain" in out.get("data", {}):
            parts.append(_join(out["data"]["text/plain"]))
    return "\n".join(parts)


def _join(text: str | list[str]) -> str:
    return text if isinstance(text, str) else "".join(text)


def solution_code(markdown: str, block: int) -> str:
    """The ``block``-th fenced ``python`` code block of a markdown text."""
    blocks = re.findall(r"```python\n(.*?)```", markdown, re.S)
    if block >= len(blocks):
        raise LookupError(f"only {len(blocks)} python block(s); block {block} asked for")
    return blocks[block]


@functools.cache
def _run_solution(stem: str, markdown: str, block: int) -> str:
    code = PRELUDES.get(stem, "") + solution_code(markdown, block)
    out = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="i2v_nb-solution-") as work, \
            contextlib.chdir(work), contextlib.redirect_stdout(out):
        exec(compile(code, f"<{stem} solution {block}>", "exec"), {"__name__": "__solution__"})
    return out.getvalue()


def _value(text: str) -> float:
    t = text.strip().rstrip(".,;:").replace("−", "-").lower()
    if t in _WORDS:
        return float(_WORDS[t])
    return float(t)


def _digits(text: str) -> int:
    t = text.strip().rstrip(".,;:")
    return len(t.split(".")[1]) if "." in t else 0


def _groups(match: re.Match) -> list[tuple[str, str]]:
    named = match.groupdict()
    if named:
        return sorted(named.items())
    return [(str(i), g) for i, g in enumerate(match.groups())]


def check(fact: Fact, nb: dict) -> str | None:
    """None when the fact holds in ``nb``, else what differs, in words."""
    stated_text = _text(_cell(nb, fact.cell))
    said = re.search(fact.stated, stated_text, re.M)
    if said is None:
        return f"the text of {fact.cell} no longer says /{fact.stated}/"
    if isinstance(fact.source, Solution):
        truth_text = _run_solution(fact.notebook, _text(_cell(nb, fact.source.cell)),
                                   fact.source.block)
    else:
        truth_text = output_text(_cell(nb, fact.source))
        if not truth_text:
            return f"{fact.source} has no stored output: run python scripts/run_notebooks.py"
    found = re.search(fact.read, truth_text, re.M)
    if found is None:
        return f"the output of {fact.source} has nothing like /{fact.read}/:\n{truth_text}"
    stated, read = _groups(said), _groups(found)
    if fact.compare == "below":  # every match of ``read`` counts, not only the first
        bound = _value(stated[0][1])
        values = [v for m in re.finditer(fact.read, truth_text, re.M) for _, v in _groups(m)]
        over = [v for v in values if abs(_value(v)) >= bound]
        return None if not over else f"{over} not below {bound} as {fact.cell} says"
    if [k for k, _ in stated] != [k for k, _ in read]:
        return f"stated groups {stated} and read groups {read} do not pair up"
    for (name, s), (_, r) in zip(stated, read, strict=True):
        if fact.compare == "text":
            ok = " ".join(s.lower().split()) == " ".join(r.lower().split())
        elif fact.compare == "contains":
            ok = " ".join(s.lower().split()) in " ".join(r.lower().split())
        elif fact.compare in ("number", "abs"):
            sv, rv = _value(s), _value(r)
            if fact.compare == "abs":
                sv, rv = abs(sv), abs(rv)
            ok = round(rv, _digits(s)) == round(sv, _digits(s))
        else:
            raise ValueError(f"unknown compare {fact.compare!r}")
        if not ok:
            return (f"{fact.notebook} cell {fact.cell} says {s!r} ({name}), but {fact.source} "
                    f"gives {r!r}")
    return None


# ----------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("fact", FACTS, ids=str)
def test_stated_fact_matches_its_output(fact):
    problem = check(fact, _notebook(fact.notebook))
    assert problem is None, problem


def test_every_fact_names_existing_cells_of_the_right_kind():
    for fact in FACTS:
        nb = _notebook(fact.notebook)
        assert _cell(nb, fact.cell)["cell_type"] == "markdown", fact
        if isinstance(fact.source, str):
            assert _cell(nb, fact.source)["cell_type"] == "code", fact
    assert {f.notebook for f in FACTS} >= {N00, N01, N02, N03S, N04, N05}


def test_a_stale_sentence_is_reported():
    """The checker can fail: change a stated number, a stated word and a stored output."""
    fact = next(f for f in FACTS if f.cell == "nb01-17a" and "lamps" in f.stated)
    nb = json.loads(json.dumps(_notebook(N01)))
    assert check(fact, nb) is None
    cell = _cell(nb, "nb01-17a")
    cell["source"] = _text(cell).replace("Seven lamps", "Six lamps")
    assert "says 'Six'" in check(fact, nb)

    fact = next(f for f in FACTS if f.cell == "nb02-20c" and "slow pan" in f.stated)
    nb = json.loads(json.dumps(_notebook(N02)))
    assert check(fact, nb) is None
    out = _cell(nb, "nb02-20b")["outputs"][0]
    out["text"] = _join(out["text"]).replace("-11.9 px", "-12.4 px")
    assert "gives '-12.4'" in check(fact, nb)

    fact = next(f for f in FACTS if f.compare == "text" and f.source == "nb01-11"
                and "placement" in f.read)
    nb = json.loads(json.dumps(_notebook(N01)))
    cell = _cell(nb, "nb01-11a")
    cell["source"] = _text(cell).replace("*spans most of the width from the left edge*",
                                         "*sits left of centre*")
    assert "no longer says" in check(fact, nb)


def test_number_words_and_rounding():
    assert _value("Seven") == 7 and _value("−11.9") == -11.9 and _digits("0.07") == 2
    fact = Fact("x", "m", r"shifts (\S+) px", "c", r"moved (\S+) px", "abs")
    nb = {"cells": [{"id": "m", "cell_type": "markdown", "source": "shifts 11.9 px"},
                    {"id": "c", "cell_type": "code",
                     "outputs": [{"output_type": "stream", "text": "moved -11.94 px"}]}]}
    assert check(fact, nb) is None
    nb["cells"][1]["outputs"][0]["text"] = "moved -11.96 px"
    assert check(fact, nb) is not None  # rounds to 12.0, not to the stated 11.9
