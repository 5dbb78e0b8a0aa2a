"""Write the Colab and Binder badges of every notebook from the one repository URL in
pyproject.toml ([project.urls] Repository), into README.md and each notebook's first cell.

    python scripts/badges.py           # rewrite the badges
    python scripts/badges.py --check   # exit 1 if any badge is out of date (the tests run this)

Publishing under another name is a one-line change in pyproject.toml, then this script.
"""

from __future__ import annotations

import json
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
START, END = "<!-- badges:start -->", "<!-- badges:end -->"
TABLE_START, TABLE_END = "<!-- notebooks:start -->", "<!-- notebooks:end -->"


def repository() -> tuple[str, str]:
    """(owner/name, branch) from pyproject.toml."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    url = meta["urls"]["Repository"].rstrip("/")
    match = re.fullmatch(r"https://github\.com/([^/]+/[^/]+)", url)
    if not match:
        raise SystemExit(f"[project.urls] Repository must be https://github.com/OWNER/NAME, "
                         f"got {url!r}")
    return match.group(1), "main"


def badges(notebook: str) -> str:
    repo, branch = repository()
    colab = f"https://colab.research.google.com/github/{repo}/blob/{branch}/{notebook}"
    binder = f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{notebook}"
    return (f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}) "
            f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder})")


def notebooks() -> list[pathlib.Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _replace_block(text: str, start: str, end: str, body: str) -> str:
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    block = f"{start}\n{body}\n{end}"
    if pattern.search(text):
        return pattern.sub(lambda _: block, text)
    return text


def _description(nb: dict) -> str:
    """The notebook's one-line description: the first line of its first markdown cell after
    the title that starts with '> ' (its tag line)."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("> "):
                    return line[2:].strip()
    return ""


def render() -> dict[pathlib.Path, str]:
    """New text of every file that carries badges."""
    out: dict[pathlib.Path, str] = {}
    rows = ["| notebook | what it teaches | open |", "| --- | --- | --- |"]
    for path in notebooks():
        rel = path.relative_to(ROOT).as_posix()
        nb = json.loads(path.read_text())
        rows.append(f"| [`{path.name}`]({rel}) | {_description(nb)} | {badges(rel)} |")
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                src = "".join(cell["source"])
                new = _replace_block(src, START, END, badges(rel))
                if new != src:
                    cell["source"] = new.splitlines(keepends=True)
                break
        out[path] = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    readme = ROOT / "README.md"
    text = readme.read_text()
    text = _replace_block(text, START, END, badges("notebooks/00_quickstart.ipynb"))
    text = _replace_block(text, TABLE_START, TABLE_END, "\n".join(rows))
    out[readme] = text
    return out


def main(argv: list[str]) -> int:
    stale = [p for p, text in render().items() if p.read_text() != text]
    if "--check" in argv:
        for p in stale:
            print(f"out of date: {p.relative_to(ROOT)} (run python scripts/badges.py)")
        return 1 if stale else 0
    for p, text in render().items():
        if p in stale:
            p.write_text(text)
            print(f"updated {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
