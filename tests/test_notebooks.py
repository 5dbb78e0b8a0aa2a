"""The tutorial notebooks: written to a common shape, stored with outputs, and run under nbval.

The fast tests read the ``.ipynb`` files: title, badges and tag line, learning goals, the install
cell, an exercise, stored outputs, and nbval markers used per cell (not for whole notebooks).
The notebooks themselves run under nbval in the same pytest session (``scripts/test.sh`` passes
``notebooks --nbval --nbval-sanitize-with notebooks/sanitize.cfg``), which re-executes every cell
on the CPU and compares its text outputs with the stored ones.

Refresh the stored outputs after changing a notebook or the library: ``python
scripts/run_notebooks.py`` (it also prints each notebook's run time; the issue asks for under
3 minutes each on a CPU).
"""

from __future__ import annotations

import json
import pathlib
import re
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
EXPECTED = ["00_quickstart", "01_structure_analysis", "02_prompting", "03_how_it_works",
            "03_synthesis", "04_continuity_diagnostics", "05_iteration", "06_creator_controls",
            "07_speed_and_memory"]
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]
NBVAL_MARKERS = {"NBVAL_IGNORE_OUTPUT", "NBVAL_CHECK_OUTPUT", "NBVAL_SKIP",
                 "NBVAL_RAISES_EXCEPTION"}


def _repository() -> str:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return meta["urls"]["Repository"].rstrip("/")


def _load(path: pathlib.Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_every_tutorial_exists():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_cell_has_title_badges_tag_line_and_learning_goals(path):
    first = _load(path)["cells"][0]
    assert first["cell_type"] == "markdown"
    text = _source(first)
    assert text.startswith("# "), "the first cell starts with the notebook's title"
    repo = _repository().removeprefix("https://github.com/")
    rel = f"notebooks/{path.name}"
    block = re.search(r"<!-- badges:start -->(.*?)<!-- badges:end -->", text, re.S)
    assert block, "badge markers missing from the first cell"
    assert f"https://colab.research.google.com/github/{repo}/blob/main/{rel}" in block.group(1), (
        "Colab badge missing or stale: run python scripts/badges.py")
    assert f"https://mybinder.org/v2/gh/{repo}/main?urlpath=lab/tree/{rel}" in block.group(1), (
        "Binder badge missing or stale: run python scripts/badges.py")
    tag = [line for line in text.splitlines() if line.startswith("> ")]
    assert tag and len(tag[0]) > 20, "a '> one-line description' feeds the README table"
    assert "Learning goals" in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_ends_with_an_exercise(path):
    markdown = [_source(c) for c in _load(path)["cells"] if c["cell_type"] == "markdown"]
    assert "## Exercise" in markdown[-1], "the last markdown cell is the exercise"
    assert re.search(r"^1\. ", markdown[-1], re.M), "the exercise lists numbered tasks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_code_cell_installs_the_package_only_when_missing(path):
    first = _source(_code_cells(_load(path))[0])
    assert "import i2v_nb" in first and "except ImportError:" in first
    assert f'%pip install -q "i2v_nb @ git+{_repository()}"' in first, (
        "install line differs from [project.urls] Repository: run python scripts/run_notebooks.py")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_with_outputs_and_without_errors(path):
    nb = _load(path)
    cells = _code_cells(nb)
    unrun = [i for i, c in enumerate(cells) if c.get("execution_count") is None]
    assert not unrun, f"code cells {unrun} were not executed: run python scripts/run_notebooks.py"
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), "stored from one run, top to bottom"
    outputs = [o for c in cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    kinds = {k for o in outputs for k in o.get("data", {})}
    assert "text/html" in kinds, "at least one inline clip"
    if path.stem != "00_quickstart":
        assert "image/png" in kinds, "at least one figure"
    text = "".join(json.dumps(o) for o in outputs)
    assert not re.search(r"\d+it/s|\d+%\|", text), "tqdm text in the outputs (set TQDM_DISABLE=1)"
    assert "Traceback" not in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_nbval_markers_mark_cells_not_notebooks(path):
    cells = _code_cells(_load(path))
    ignored = 0
    for cell in cells:
        src = _source(cell)
        assert "clear_output" not in src, "nbval cannot compare cells that call clear_output"
        for line in src.splitlines():
            if line.strip().startswith("#") and "NBVAL" in line:
                marker = line.strip().lstrip("#").strip()
                assert marker in NBVAL_MARKERS, (
                    f"{marker!r}: an nbval marker must be alone on its comment line")
                ignored += marker in ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP")
        ignored += "nbval-ignore-output" in cell.get("metadata", {}).get("tags", [])
    assert ignored <= max(1, len(cells) // 4), "only legitimately variable cells are ignored"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_size_stays_reasonable(path):
    assert path.stat().st_size < 4_000_000, "keep clips and figures small"
