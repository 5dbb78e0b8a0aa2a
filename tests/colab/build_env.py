"""Build, or reuse, a Colab-shaped Python 3.13 environment with i2v_nb installed in it.

The environment holds the versions in ``tests/colab/pins.txt`` (copied from Colab's published
``pip freeze``); then i2v_nb is installed the way a Colab user does it, ``pip install <repo>``
(not editable, no extras, no constraints), so that ``tests/test_colab.py`` can check what pip
changed. ``pip freeze --all`` is written before and after that install.

The environment lives outside the repository, in ``$I2V_NB_COLAB_CACHE`` (default
``~/.cache/i2v_nb``), in a folder named after a hash of the pins, the requirements in
pyproject.toml (build-system, requires-python, dependencies) and this recipe, so a rerun reuses
it. When only the package (its code, README or the rest of pyproject.toml) changed, just i2v_nb
is reinstalled (``--no-deps``: its requirements are unchanged). The two most recent
environments are kept; older ones are removed.

From a terminal (prints where the environment is)::

    python tests/colab/build_env.py            # --force rebuilds from scratch
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import glob
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PINS = HERE / "pins.txt"
PYPROJECT = ROOT / "pyproject.toml"
RECIPE = "1"  # bump when the build steps below change, so old environments are not reused
KEEP = 2  # environments kept in the cache (the newest ones)
PIP = ("-m", "pip", "install", "--progress-bar", "off", "-q")

__all__ = ["BuildError", "ColabEnv", "cache_dir", "ensure_env", "find_python313",
           "read_freeze", "read_pins"]


class BuildError(RuntimeError):
    """A step of the build failed; the message ends with the tail of its output."""


def cache_dir() -> pathlib.Path:
    """Where the environments are kept: ``$I2V_NB_COLAB_CACHE`` or ``~/.cache/i2v_nb``."""
    return pathlib.Path(os.environ.get("I2V_NB_COLAB_CACHE")
                        or pathlib.Path.home() / ".cache" / "i2v_nb")


def _version_of(python: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run([python, "-c", "import sys, venv, ensurepip; "
                              "print(*sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60, env=_clean_env())
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    major, minor = out.stdout.split()
    return int(major), int(minor)


def find_python313() -> str | None:
    """A Python 3.13 interpreter that can make a venv: ``$I2V_NB_COLAB_PYTHON``, ``python3.13``
    on PATH, or pyenv's; None when there is none."""
    candidates = [os.environ.get("I2V_NB_COLAB_PYTHON"), shutil.which("python3.13")]
    for root in (os.environ.get("PYENV_ROOT"), os.path.expanduser("~/.pyenv"), "/root/.pyenv"):
        if root:
            candidates += sorted(glob.glob(os.path.join(root, "versions", "3.13*", "bin",
                                                        "python3.13")), reverse=True)
    candidates += ["/usr/local/bin/python3.13", "/usr/bin/python3.13"]
    for python in candidates:
        if python and os.path.exists(python) and _version_of(python) == (3, 13):
            return python
    return None


def read_pins(path: pathlib.Path = PINS) -> dict[str, str]:
    """``{normalized name: version}`` of the ``name==version`` lines of a pins file."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_normalize(name)] = version.strip()
    return pins


def read_freeze(path: pathlib.Path) -> dict[str, str]:
    """``{normalized name: version}`` of a ``pip freeze`` file; ``name @ url`` lines get the
    url as their version."""
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if " @ " in line:
            name, _, version = line.partition(" @ ")
        else:
            name, _, version = line.partition("==")
        out[_normalize(name)] = version.strip()
    return out


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def _hash(parts: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for label, data in parts:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:16]


def _requirements() -> bytes:
    """The parts of pyproject.toml that decide what pip installs (the rest only needs i2v_nb
    reinstalled, see :func:`package_key`)."""
    data = tomllib.loads(PYPROJECT.read_text())
    project = data.get("project", {})
    return json.dumps([data.get("build-system"), project.get("requires-python"),
                       project.get("dependencies")], sort_keys=True).encode()


def env_key() -> str:
    """Names the environment: the recipe, the pins (not their comments) and the requirements."""
    pins = "\n".join(f"{name}=={version}" for name, version in sorted(read_pins().items()))
    return _hash([("recipe", RECIPE.encode()), ("pins", pins.encode()),
                  ("requirements", _requirements())])


def _package_files() -> list[pathlib.Path]:
    files = [p for p in (ROOT / "i2v_nb").rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")]
    files += [p for p in ROOT.iterdir() if p.is_file() and (
        p.name in ("README.md", "MANIFEST.in", "setup.py", "setup.cfg")
        or p.name.upper().startswith(("LICENSE", "LICENCE", "COPYING", "NOTICE")))]
    return sorted(files)


def package_key() -> str:
    """Changes whenever a file of the i2v_nb package, the README it ships or pyproject.toml
    changes."""
    return _hash([(p.relative_to(ROOT).as_posix(), p.read_bytes())
                  for p in [PYPROJECT, *_package_files()]])


def _clean_env() -> dict[str, str]:
    """The caller's environment without anything that points Python or pip elsewhere."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP",
                        "PYTHONUSERBASE", "__PYVENV_LAUNCHER__")
           and not k.startswith(("PIP_REQUIRE", "PIP_TARGET", "PIP_PREFIX", "PIP_USER",
                                 "PIP_ROOT", "PIP_EDITABLE", "PIP_CONSTRAINT",
                                 "PIP_NO_DEPS", "PIP_UPGRADE"))}
    env.update(PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONNOUSERSITE="1")
    return env


@dataclasses.dataclass
class ColabEnv:
    """A built environment: its folder, its python and what its build recorded."""

    path: pathlib.Path

    @property
    def python(self) -> pathlib.Path:
        return self.path / "bin" / "python"

    @property
    def bin(self) -> pathlib.Path:
        return self.path / "bin"

    @property
    def freeze_before(self) -> pathlib.Path:
        """``pip freeze --all`` after the pins, before i2v_nb."""
        return self.path / "freeze-before.txt"

    @property
    def freeze_after(self) -> pathlib.Path:
        """``pip freeze --all`` after ``pip install <repo>``."""
        return self.path / "freeze-after.txt"

    @property
    def log(self) -> pathlib.Path:
        return self.path / "build.log"

    @property
    def info(self) -> dict:
        """What the last build/refresh did and how long each step took (seconds)."""
        try:
            return json.loads((self.path / "build.json").read_text())
        except (OSError, ValueError):
            return {}

    def env(self, **extra: str) -> dict[str, str]:
        """Environment variables for a process run in this environment (its bin/ first)."""
        env = _clean_env()
        env["PATH"] = str(self.bin) + os.pathsep + env.get("PATH", "")
        env["VIRTUAL_ENV"] = str(self.path)
        env.update(extra)
        return env


@contextlib.contextmanager
def _locked(path: pathlib.Path) -> Iterator[None]:
    """One builder at a time (other test runs on this machine wait)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(cmd: list[str], log: pathlib.Path, env: dict[str, str], what: str,
         timeout: float) -> float:
    start = time.monotonic()
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(map(str, cmd))}\n")
        out.flush()
        try:
            proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                  timeout=timeout, cwd=tempfile.gettempdir())
        except subprocess.TimeoutExpired as exc:
            raise BuildError(f"{what} took over {timeout:.0f} s:\n{_tail(log)}") from exc
    if proc.returncode != 0:
        raise BuildError(f"{what} failed (exit {proc.returncode}):\n{_tail(log)}")
    return time.monotonic() - start


def _tail(log: pathlib.Path, chars: int = 4000) -> str:
    try:
        return log.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def _freeze(env: ColabEnv, target: pathlib.Path) -> None:
    out = subprocess.run([str(env.python), "-m", "pip", "freeze", "--all"], capture_output=True,
                         text=True, env=env.env(), timeout=120, cwd=tempfile.gettempdir())
    if out.returncode != 0:
        raise BuildError(f"pip freeze failed:\n{out.stderr[-4000:]}")
    target.write_text(out.stdout)


def _stage_repo(dest: pathlib.Path) -> pathlib.Path:
    """A copy of what ``pip install <repo>`` builds from, so the build leaves nothing (build/,
    *.egg-info) in the working tree; like the clone pip makes of a git URL."""
    src = dest / "i2v_nb-src"
    src.mkdir()
    shutil.copy2(PYPROJECT, src / PYPROJECT.name)
    for path in _package_files():
        target = src / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return src


def _install_package(env: ColabEnv, *, no_deps: bool, timeout: float) -> float:
    with tempfile.TemporaryDirectory(prefix="i2v_nb-colab-") as tmp:
        src = _stage_repo(pathlib.Path(tmp))
        extra = ["--no-deps", "--force-reinstall"] if no_deps else []
        return _run([str(env.python), *PIP, *extra, str(src)], env.log, env.env(),
                    "pip install <repo>", timeout)


def _prune(keep: pathlib.Path) -> None:
    others = sorted((p for p in cache_dir().glob("colab-env-*") if p.is_dir() and p != keep),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def ensure_env(python: str | None = None, *, force: bool = False,
               timeout: float = 3600.0, say: Callable[[str], None] = print) -> ColabEnv:
    """The Colab-shaped environment, built if missing, i2v_nb reinstalled if its code changed.

    Args:
        python: a Python 3.13 interpreter (default :func:`find_python313`).
        force: remove the environment and build it again.
        timeout: seconds allowed for each pip step.
        say: where progress lines go.

    Raises:
        BuildError: no Python 3.13, or a step failed (the message has the tail of the log).
    """
    python = python or find_python313()
    if python is None:
        raise BuildError("no Python 3.13 interpreter found (set I2V_NB_COLAB_PYTHON)")
    env = ColabEnv(cache_dir() / f"colab-env-{env_key()}")
    done = env.path / ".complete"
    with _locked(cache_dir() / "colab-env.lock"):
        if force or not done.exists() or not env.python.exists():
            shutil.rmtree(env.path, ignore_errors=True)
            say(f"building the Colab-shaped environment in {env.path} (a cold build downloads "
                "torch with its CUDA packages, several GB)")
            start = time.monotonic()
            times: dict[str, float] = {}
            env.path.parent.mkdir(parents=True, exist_ok=True)
            t = time.monotonic()
            made = subprocess.run([python, "-m", "venv", str(env.path)], env=_clean_env(),
                                  capture_output=True, text=True, timeout=300)
            if made.returncode != 0:
                raise BuildError(f"{python} -m venv failed:\n{made.stderr[-4000:]}")
            times["venv"] = time.monotonic() - t
            times["pins"] = _run([str(env.python), *PIP, "-r", str(PINS)], env.log, env.env(),
                                 "pip install -r pins.txt", timeout)
            _freeze(env, env.freeze_before)
            times["i2v_nb"] = _install_package(env, no_deps=False, timeout=timeout)
            _freeze(env, env.freeze_after)
            times["total"] = time.monotonic() - start
            (env.path / ".package-key").write_text(package_key())
            (env.path / "build.json").write_text(json.dumps(
                {"action": "built", "python": python, "seconds": times,
                 "when": time.strftime("%Y-%m-%d %H:%M:%S")}, indent=1))
            done.write_text("ok\n")
            say(f"built in {times['total']:.0f} s ({', '.join(f'{k} {v:.0f} s' for k, v in times.items())})")
            _prune(env.path)
        elif (env.path / ".package-key").read_text() != package_key():
            say("i2v_nb's code changed: reinstalling it alone into the Colab-shaped environment")
            seconds = _install_package(env, no_deps=True, timeout=timeout)
            _freeze(env, env.freeze_after)
            (env.path / ".package-key").write_text(package_key())
            info = env.info
            info.update(action="refreshed", refresh_seconds=seconds,
                        when=time.strftime("%Y-%m-%d %H:%M:%S"))
            (env.path / "build.json").write_text(json.dumps(info, indent=1))
        else:
            info = env.info
            info["action"] = "reused"
            (env.path / "build.json").write_text(json.dumps(info, indent=1))
    os.utime(env.path)  # the newest one survives pruning
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", help="a Python 3.13 interpreter (default: found)")
    parser.add_argument("--force", action="store_true", help="rebuild from scratch")
    args = parser.parse_args(argv)
    try:
        env = ensure_env(args.python, force=args.force)
    except BuildError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(env.path)
    print(json.dumps(env.info, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
