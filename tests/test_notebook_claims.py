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
  line) and what it prints is read;
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
}

N01, N02 = "01_structure_analysis", "02_prompting"

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
    with contextlib.redirect_stdout(out):
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
    assert {f.notebook for f in FACTS} >= {N01, N02}


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
