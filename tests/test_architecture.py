"""The package's architecture, checked: the layer contract and private names.

Two rules from docs/ARCHITECTURE.md (issue 12) are enforced here:

1. **Layers.** ``lint-imports`` (import-linter) keeps the contract written in pyproject.toml's
   ``[tool.importlinter]``: a module imports only from lower layers or its own package. One test
   runs it on the package; another proves it would fail, by running it on a copy of the package
   with a deliberate upward import.
2. **No use of another module's private names.** An AST scan of every module under ``i2v_nb/``.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "i2v_nb"
PYPROJECT = ROOT / "pyproject.toml"


# ----------------------------------------------------------------------------------------------
# private names
# ----------------------------------------------------------------------------------------------


def _is_private(name: str) -> bool:
    """One leading underscore and not a ``__dunder__``."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _all_modules(package: Path) -> dict[str, Path]:
    """Dotted name -> file, for every ``.py`` file in ``package``."""
    root = package.parent
    return {_module_name(p, root): p for p in sorted(package.rglob("*.py"))}


@dataclass(frozen=True)
class Violation:
    module: str  # the module that uses the name
    line: int
    target: str  # "i2v_nb.x._y": the private name and the module that defines it

    def __str__(self) -> str:
        return f"{self.module}:{self.line} uses {self.target}"


def _private_module_allowed(user: str, module: str) -> bool:
    """A private module ``P._m`` may be used by ``P`` itself and by any module inside ``P``."""
    parts = module.split(".")
    for i, part in enumerate(parts):
        if _is_private(part):
            owner = ".".join(parts[:i])
            if not (user == owner or user.startswith(owner + ".")):
                return False
    return True


def private_name_violations(package: Path = PACKAGE) -> list[Violation]:
    """Every use, in a module of ``package``, of a private name defined in another module.

    The rule, precisely:

    - A *private name* is an identifier with one leading underscore (``_x``, not ``__x__``).
    - A module may use its own private names freely. It may not use a private name that another
      module defines: neither ``from i2v_nb.x import _y`` nor ``x._y`` where ``x`` is bound (by any
      ``import``/``from ... import`` in the module, aliases included) to another i2v_nb module.
    - A *private module* (``i2v_nb.pkg._mod``: a module whose own name is private) counts as a
      name of its package ``i2v_nb.pkg``: the package's ``__init__`` and every module inside the
      package may import it (the scikit-image pattern of public names re-exported from private
      modules); a module outside the package may not. Public names *of* a private module are then
      public to whoever may import the module.
    - Only names reached through modules are checked (imports and attribute chains on module
      bindings); attributes of objects (``clip._frames``) are not tracked.
    """
    modules = _all_modules(package)
    found: list[Violation] = []
    for user, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        here = user if is_package else user.rpartition(".")[0]
        bindings: dict[str, str] = {}  # local name -> i2v_nb module it refers to

        def check(target_module: str, line: int, *, user: str = user) -> None:
            if target_module in modules and not _private_module_allowed(user, target_module):
                found.append(Violation(user, line, target_module))

        def check_name(owner: str, name: str, line: int, *, user: str = user) -> str | None:
            """``owner.name`` is used; returns the module it names, if it is one."""
            full = f"{owner}.{name}"
            if full in modules:
                check(full, line)
                return full
            if _is_private(name) and owner != user:
                found.append(Violation(user, line, full))
            return None

        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] != package.name:
                        continue
                    check(alias.name, node.lineno)
                    if alias.asname:
                        bindings[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        bindings[top] = top
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = here.split(".")
                    parts = parts[: len(parts) - (node.level - 1)]
                    source = ".".join(parts + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                if source.split(".")[0] != package.name:
                    continue
                check(source, node.lineno)
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    named = check_name(source, alias.name, node.lineno)
                    if named is not None:
                        bindings[alias.asname or alias.name] = named
        # attribute chains on module bindings (``_flow._dis``, ``i2v_nb.io._ffmpeg``), each read
        # from its outermost node
        inner_nodes = {
            id(n.value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Attribute)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute) or id(node) in inner_nodes:
                continue
            chain: list[str] = []
            head: ast.expr = node
            while isinstance(head, ast.Attribute):
                chain.append(head.attr)
                head = head.value
            if not isinstance(head, ast.Name) or head.id not in bindings:
                continue
            owner = bindings[head.id]
            for name in reversed(chain):
                named = check_name(owner, name, node.lineno)
                if named is None:
                    break
                owner = named
    return sorted(set(found), key=lambda v: (v.module, v.line, v.target))


# Violations that other helpers of issue 12 are removing from their own modules while this test
# was written. Each entry is "user module -> private name it uses". THE LEAD EMPTIES THIS LIST:
# an entry that no longer occurs fails the test too, so the list can only shrink.
ALLOWED: set[tuple[str, str]] = set()


def test_no_module_uses_another_modules_private_names() -> None:
    violations = private_name_violations()
    unexpected = [str(v) for v in violations if (v.module, v.target) not in ALLOWED]
    stale = sorted(f"{m} -> {t}" for m, t in ALLOWED - {(v.module, v.target) for v in violations})
    assert not unexpected, "make the shared piece public in the lower module:\n" + "\n".join(
        unexpected
    )
    assert not stale, "these allowed violations are gone; remove them from ALLOWED:\n" + "\n".join(
        stale
    )


def _write_package(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_private_name_scan_finds_each_kind_of_use(tmp_path: Path) -> None:
    """The scan itself, on a small package with every allowed and forbidden form."""
    package = _write_package(tmp_path, {
        "pkg/__init__.py": "from ._impl import thing\nfrom .a import _x\n__all__ = ['thing']\n",
        "pkg/_impl.py": "thing = 1\n_hidden = 2\n",
        "pkg/a.py": "_x = 1\n\ndef f():\n    return _x\n",
        "pkg/b.py": (
            "from pkg import a as _a\n"           # public module, private alias: fine
            "import pkg.a\n"
            "from . import _impl\n"               # own package's private module: fine
            "from ._impl import thing, _hidden\n"
            "from .a import __doc__\n"            # dunder: fine
            "y = _a._x + pkg.a._x + _impl.thing + _impl._hidden + _a.f()\n"
        ),
        "pkg/sub/__init__.py": "from ._priv import y\n",
        "pkg/sub/_priv.py": "y = 1\n",
        "pkg/sub/deep.py": "from .. import _impl\nfrom pkg.sub._priv import y\n",
        "pkg/c.py": "from pkg.sub import _priv\nimport pkg.sub._priv as p\n",
    })
    found = [(v.module, v.line, v.target) for v in private_name_violations(package)]
    assert found == [
        ("pkg", 2, "pkg.a._x"),
        ("pkg.b", 4, "pkg._impl._hidden"),
        ("pkg.b", 6, "pkg._impl._hidden"),
        ("pkg.b", 6, "pkg.a._x"),
        ("pkg.c", 1, "pkg.sub._priv"),
        ("pkg.c", 2, "pkg.sub._priv"),
    ]


# ----------------------------------------------------------------------------------------------
# layers (import-linter)
# ----------------------------------------------------------------------------------------------

# ``importlinter.cli`` has no ``__main__`` block, so ``python -m importlinter.cli`` does nothing;
# this is what the ``lint-imports`` script next to the interpreter runs, without relying on it.
LINT_IMPORTS = [
    sys.executable, "-c",
    "import sys; from importlinter.cli import lint_imports_command as run; sys.exit(run())",
    "--no-cache", "--no-logo",
]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(LINT_IMPORTS, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_layer_contract_is_kept() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _toml(table: dict) -> str:
    """The few TOML forms the contract uses (strings, booleans, lists of strings)."""
    import json

    lines = ["[tool.importlinter]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in table.items() if k != "contracts"]
    for contract in table["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in contract.items()]
    return "\n".join(lines) + "\n"


def test_layer_contract_fails_on_an_upward_import(tmp_path: Path) -> None:
    """A copy of the package with ``errors`` (the lowest layer) importing ``widgets`` breaks it."""
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert config["contracts"], "pyproject.toml has no import-linter contract"
    shutil.copytree(PACKAGE, tmp_path / "i2v_nb", ignore=shutil.ignore_patterns("__pycache__"))
    errors = tmp_path / "i2v_nb" / "errors.py"
    errors.write_text("import i2v_nb.widgets\n" + errors.read_text(encoding="utf-8"),
                      encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(_toml(config), encoding="utf-8")

    result = _lint_imports(tmp_path)

    assert result.returncode != 0, result.stdout
    out = " ".join(result.stdout.split())  # the report wraps long lines
    assert "BROKEN" in out
    assert "i2v_nb.errors is not allowed to import i2v_nb.widgets" in out
    assert "i2v_nb.errors -> i2v_nb.widgets (l.1)" in out
