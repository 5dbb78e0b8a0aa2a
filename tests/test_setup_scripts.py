"""The set-up behind the README's two commands (scripts/_env.sh) and its lock (constraints.txt).

The full cold install is measured outside the suite (README, Benchmarks); here the paths that
must fail fast and say so in one line run for real, with pip cut off from every index.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = pathlib.Path(__file__).resolve().parent.parent
ENV_SH = ROOT / "scripts" / "_env.sh"
CONSTRAINTS = ROOT / "scripts" / "constraints.txt"


def _source_env(tmp_path: pathlib.Path, python: str, **extra: str) -> subprocess.CompletedProcess:
    """Source _env.sh in a fresh bash with pip unable to reach any index."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path / "home"),
        "I2V_NB_VENV": str(tmp_path / "venv"),
        "PYTHON": python,
        "PIP_CONFIG_FILE": os.devnull,      # ignore the machine's pip.conf (extra indexes)
        "PIP_NO_INDEX": "1",                 # no index, no local wheels: installs must fail
        "PIP_FIND_LINKS": "",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "I2V_NB_TORCH_INDEX": "http://127.0.0.1:9",  # a closed port: "not reachable" at once
        **extra,
    }
    return subprocess.run(["bash", "-c", f"source {ENV_SH}"], capture_output=True, text=True,
                          env=env, timeout=300)


def _errors(proc: subprocess.CompletedProcess) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.startswith("[i2v_nb] error:")]


def test_missing_interpreter_is_one_line(tmp_path):
    proc = _source_env(tmp_path, "no-such-python3")
    assert proc.returncode == 1
    assert len(_errors(proc)) == 1
    assert "no 'no-such-python3' on PATH" in proc.stderr and "PYTHON=" in proc.stderr
    assert not (tmp_path / "venv").exists()


def test_too_old_interpreter_is_refused_before_any_venv(tmp_path):
    fake = tmp_path / "python3.10"
    fake.write_text('#!/bin/sh\ncase "$2" in\n  *platform*) echo "3.10.13 CPython /opt/py310/bin/'
                    'python3.10";;\n  *) exit 1;;\nesac\n')
    fake.chmod(0o755)
    proc = _source_env(tmp_path, str(fake))
    assert proc.returncode == 1
    (line,) = _errors(proc)
    assert "needs Python >= 3.11" in line and "3.10.13" in line and "PYTHON=python3.11" in line
    assert not (tmp_path / "venv").exists()


@pytest.mark.slow
def test_failed_install_says_what_and_a_foreign_venv_is_rebuilt(tmp_path):
    proc = _source_env(tmp_path, sys.executable)
    assert proc.returncode == 1, proc.stderr
    (line,) = _errors(proc)
    version = "%d.%d.%d" % sys.version_info[:3]
    # what failed, with which interpreter, pip's own reason, where the log is, what to do
    assert "installing torch" in line and f"Python {version}" in line
    assert "ERROR:" in line and "install.log" in line and "delete" in line
    assert "not reachable" in proc.stderr            # the torch build is not promised as CPU
    assert "CPU build)" not in proc.stderr
    venv = tmp_path / "venv"
    origin = (venv / ".i2v_nb_python").read_text().split()
    assert origin[0] == version
    assert not (venv / ".i2v_nb_installed").exists()  # a failed install is retried next time

    # a .venv recorded as made by another interpreter is rebuilt, not reused
    (venv / ".i2v_nb_python").write_text("3.11.2 /usr/bin/python3\n")
    (venv / "marker").write_text("old")
    again = _source_env(tmp_path, sys.executable)
    assert "was made with 3.11.2 /usr/bin/python3; rebuilding it" in again.stderr
    assert not (venv / "marker").exists()
    assert len(_errors(again)) == 1


@pytest.mark.parametrize("python", ["3.11.0", "3.11.2", "3.11.7", "3.12.1", "3.13.0", "3.14.0"])
@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_the_lock_pins_each_package_once_for_every_supported_python(python, platform):
    """constraints.txt is one lock for every Python >= 3.11.0: where its markers split a package
    (soupsieve 4.1 needs 3.11.5+), exactly one pin applies on each interpreter and platform."""
    env = {"python_full_version": python, "python_version": python.rsplit(".", 1)[0],
           "sys_platform": platform, "platform_system": platform.capitalize(),
           "platform_machine": "x86_64", "os_name": "posix", "implementation_name": "cpython",
           "platform_python_implementation": "CPython"}
    seen: dict[str, list[str]] = {}
    for raw in CONSTRAINTS.read_text().splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        req = Requirement(raw)
        assert str(req.specifier).startswith("=="), raw
        if req.marker is None or Marker(str(req.marker)).evaluate(env):
            seen.setdefault(req.name.lower().replace("_", "-"), []).append(str(req.specifier))
    doubles = {name: pins for name, pins in seen.items() if len(pins) > 1}
    assert not doubles, f"several pins apply on Python {python}: {doubles}"
    assert "torch" not in seen and not [n for n in seen if n.startswith("nvidia-")]
    if tuple(map(int, python.split("."))) < (3, 11, 5):
        assert seen["soupsieve"] != ["==4.1.3"]   # 4.1.x needs Python >= 3.11.5
    for name in ("diffusers", "ipywidgets", "numpy", "pillow", "jupyterlab", "nbval"):
        assert name in seen, f"{name} is not pinned for Python {python}"
