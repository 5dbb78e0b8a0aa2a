"""The README stays in step with the code: models table and badges are generated, not typed."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_readme_models_table_matches_the_registry():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import models_table
    finally:
        sys.path.pop(0)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert models_table.readme_with_table(text) == text, (
        "README's models table is stale: run python scripts/models_table.py --write")
    for name in ("svd", "cogvideox-5b-i2v", "ltx-video", "wan2.1-i2v-480p", "wan2.1-i2v-720p",
                 "wan2.2-ti2v-5b", "hunyuanvideo-i2v", "preview"):
        assert f"| `{name}` |" in text


def test_badges_are_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "badges.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_readme_names_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash scripts/demo.sh" in readme and "bash scripts/test.sh" in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in ci
