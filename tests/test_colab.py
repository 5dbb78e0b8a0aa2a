"""Colab as it is: i2v_nb installed into Colab's own stack, then driven in the front end closest
to Colab's (classic Notebook 6.5 + ipywidgets 7.7.1 + widgetsnbextension 3.6.10) in Chromium.

``tests/colab/build_env.py`` builds (once, cached outside the repository) a Python 3.13
environment holding ``tests/colab/pins.txt`` — versions copied from Colab's published
``pip freeze`` — and installs i2v_nb into it the way a Colab user does (``pip install <repo>``).
These tests then check that

* installing i2v_nb changed none of Colab's pins (``MAY_CHANGE`` lists allowed exceptions: none) and
  added no JupyterLab;
* ``i2v_nb.generate`` (preview engine) and ``i2v_nb.Studio()`` work in that environment, also
  with Colab's own diffusers;
* in a real browser the Studio renders, an uploaded image loads, Generate makes a clip that plays,
  and the Gallery and Diagnostics tabs show it.

Needs Python 3.13 (``I2V_NB_COLAB_PYTHON``, ``python3.13`` on PATH or pyenv's) and network access
to PyPI for the first build; the browser test also needs ``/usr/bin/chromium`` and playwright.
They are skipped with the reason when one is missing, unless ``I2V_NB_REQUIRE_COLAB=1`` is set
(CI), which turns a skip into a failure. Screenshots go to ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tests.colab.build_env import (
    BuildError,
    ColabEnv,
    ensure_env,
    find_python313,
    read_freeze,
    read_pins,
)
from tests.test_browser import ARTIFACTS, ServerProcess, _launch, _missing

# a cold build downloads several GB (torch with its CUDA packages): the first test waits for it
pytestmark = [pytest.mark.colab, pytest.mark.timeout(3600)] if importlib.util.find_spec(
    "pytest_timeout") else [pytest.mark.colab]

TOKEN = "i2v-colab-test"
#: Pins that installing i2v_nb may change, and why. pyproject allows Colab's diffusers 0.39
#: (0.41+ would also upgrade Colab's huggingface_hub), so nothing may change.
MAY_CHANGE: dict[str, str] = {}  # package -> why installing i2v_nb may change it (none now)
#: Never installed by ``pip install i2v_nb``: Colab brings its own front end.
MUST_NOT_ADD = ("jupyterlab", "jupyterlab-server", "jupyter-lsp")


def _unavailable(reason: str) -> None:
    """Skip with ``reason``; fail instead where I2V_NB_REQUIRE_COLAB=1 (CI), so a machine that
    lost Python 3.13 or its browser cannot pass silently."""
    if os.environ.get("I2V_NB_REQUIRE_COLAB") == "1":
        pytest.fail(f"the Colab-shaped test must run here (I2V_NB_REQUIRE_COLAB=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def colab_env() -> ColabEnv:
    python = find_python313()
    if python is None:
        _unavailable("no Python 3.13 interpreter (set I2V_NB_COLAB_PYTHON, or install it: "
                     "pyenv install 3.13)")
    try:
        return ensure_env(python, say=lambda line: print(line, file=sys.stderr))
    except BuildError as exc:
        pytest.fail(f"could not build the Colab-shaped environment: {exc}")


def test_pins_are_colabs(colab_env):
    """Before i2v_nb, the environment holds exactly the pinned versions (else the check below
    would compare against something that is not Colab's stack)."""
    pins, before = read_pins(), read_freeze(colab_env.freeze_before)
    wrong = {name: (version, before.get(name)) for name, version in pins.items()
             if before.get(name) != version}
    assert not wrong, f"pinned vs installed before i2v_nb: {wrong}"


def test_installing_i2v_nb_keeps_colabs_pins(colab_env):
    pins = read_pins()
    before, after = read_freeze(colab_env.freeze_before), read_freeze(colab_env.freeze_after)
    assert "i2v-nb" in after, "i2v_nb is not installed in the Colab-shaped environment"
    changed = {name: f"{version} -> {after.get(name, 'removed')}"
               for name, version in pins.items()
               if after.get(name) != version and name not in MAY_CHANGE}
    assert not changed, ("`pip install i2v_nb` changed packages Colab ships (a Colab user would "
                         f"get a restart prompt and a stack Colab does not support): {changed}; "
                         f"required by: {_who_excludes(colab_env, pins, changed)}")
    removed = sorted(set(before) - set(after))
    assert not removed, f"`pip install i2v_nb` removed {removed}"


_WHO = textwrap.dedent("""
    import json, sys
    from importlib.metadata import distributions
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    pins = json.loads(sys.argv[1])
    out = []
    for dist in distributions():
        for line in dist.requires or []:
            req = Requirement(line)
            name = canonicalize_name(req.name)
            if name in pins and (req.marker is None or req.marker.evaluate({"extra": ""})) \\
                    and not req.specifier.contains(pins[name], prereleases=True):
                out.append(f"{dist.metadata['Name']} {dist.version} needs {line}")
    print(json.dumps(sorted(out)))
""")


def _who_excludes(env: ColabEnv, pins: dict[str, str], names) -> list[str]:
    """Which installed packages require a version of ``names`` other than the pinned one."""
    wanted = {name: pins[name] for name in names}
    proc = subprocess.run([str(env.python), "-c", _WHO, json.dumps(wanted)],
                          capture_output=True, text=True, env=env.env(), timeout=120)
    return json.loads(proc.stdout) if proc.returncode == 0 else [proc.stderr[-500:]]


def test_installing_i2v_nb_adds_no_jupyterlab(colab_env):
    before, after = read_freeze(colab_env.freeze_before), read_freeze(colab_env.freeze_after)
    added = sorted(set(after) - set(before) - {"i2v-nb"})
    server = [name for name in MUST_NOT_ADD if name in after]
    assert not server, f"`pip install i2v_nb` added {server} (all it added: {added})"
    assert after.get("notebook") == before.get("notebook") == "6.5.7"


_SMOKE = textwrap.dedent("""
    import json, sys, tempfile, warnings
    import numpy as np
    import ipywidgets, i2v_nb
    out = {"python": list(sys.version_info[:2]), "ipywidgets": ipywidgets.__version__}
    try:
        import diffusers
        out["diffusers"] = diffusers.__version__
    except Exception as exc:  # noqa: BLE001 -- reported, the core must not need it
        out["diffusers"] = f"not importable: {exc!r}"
    root = tempfile.mkdtemp()
    image = i2v_nb.sample_image("lake")
    clip = i2v_nb.generate(image, "slow zoom in, clouds drifting", num_frames=6, seed=3,
                           history=i2v_nb.History(root))
    frames = np.asarray(clip.frames)
    again = i2v_nb.generate(image, "slow zoom in, clouds drifting", num_frames=6, seed=3)
    out.update(shape=list(frames.shape), dtype=str(frames.dtype), model=clip.metadata["model"],
               moves=float(np.abs(frames[-1].astype(int) - frames[0]).mean()),
               same_seed_same_clip=bool(np.array_equal(frames, np.asarray(again.frames))),
               saved=[e.id for e in i2v_nb.History(root).list()])
    for twin in ("tiny-svd", "tiny-wan"):  # the diffusers code path on Colab's diffusers/torch
        made = i2v_nb.generate(image, "slow zoom in", model=twin, seed=0)
        out[twin] = list(np.asarray(made.frames).shape)
    studio = i2v_nb.Studio(history=root, auto_suggest=False)
    studio.image_input.load("astronaut")
    made = studio.generate(wait=True, timeout=120)
    out.update(studio_tabs=len(studio.tabs.children),
               studio_clip=list(np.asarray(made.frames).shape) if made is not None else None,
               gallery=len(studio.gallery.entry_ids))
    print("RESULT " + json.dumps(out))
""")


def test_generate_and_studio(colab_env, tmp_path):
    """``generate`` with the preview engine and with tiny diffusers twins (Colab's own torch and
    diffusers, which installing i2v_nb keeps), and a ``Studio`` that builds and generates, in the
    Colab-shaped environment."""
    env = colab_env.env(MPLBACKEND="Agg", TQDM_DISABLE="1", HF_HUB_OFFLINE="1")
    expect_diffusers = read_pins()["diffusers"]
    proc = subprocess.run([str(colab_env.python), "-c", _SMOKE], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, f"in the Colab-shaped environment:\n{proc.stderr[-6000:]}"
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    out = json.loads(line[len("RESULT "):])
    assert out["python"] == [3, 13]
    assert out["ipywidgets"] == read_pins()["ipywidgets"]
    assert out["diffusers"] == expect_diffusers, out["diffusers"]
    t, h, w, c = out["shape"]
    assert (t, c, out["dtype"]) == (6, 3, "uint8") and h > 16 and w > 16, out
    assert out["model"] == "preview"
    for twin in ("tiny-svd", "tiny-wan"):
        assert len(out[twin]) == 4 and out[twin][0] > 1 and out[twin][-1] == 3, (twin, out[twin])
    assert out["moves"] > 0.5, "the preview clip does not move"
    assert out["same_seed_same_clip"]
    assert len(out["saved"]) == 1
    assert out["studio_tabs"] == 3
    assert out["studio_clip"] is not None and out["studio_clip"][-1] == 3, out
    assert out["gallery"] == 2


# -- the browser check --------------------------------------------------------------------------
class ClassicNotebook(ServerProcess):
    """Classic ``jupyter notebook`` 6.5 of the Colab-shaped environment, in its own process
    group (always killed), with its config, data and runtime folders in ``base``."""

    name = "jupyter notebook"
    log_tail = 6000

    def __init__(self, env: ColabEnv, workdir: pathlib.Path, base: pathlib.Path) -> None:
        super().__init__(TOKEN, base / "notebook-server.log")
        extra = {key: str(base / sub) for key, sub in (
            ("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"))}
        run_env = env.env(MPLBACKEND="Agg", TQDM_DISABLE="1", HF_HUB_OFFLINE="1",
                          PYTHONUNBUFFERED="1", **extra)
        run_env.pop("JUPYTER_PATH", None)
        cmd = [str(env.python), "-m", "notebook", "--no-browser", "--allow-root",
               f"--NotebookApp.token={TOKEN}", "--NotebookApp.ip=127.0.0.1",
               f"--NotebookApp.port={self.port}", "--NotebookApp.port_retries=0",
               f"--NotebookApp.notebook_dir={workdir}"]
        self.start(cmd, workdir, run_env)

    def wait_ready(self, timeout: float = 90.0) -> None:
        super().wait_ready(timeout)


_NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "execution_count": None, "id": "imports", "metadata": {},
         "outputs": [], "source": ["import i2v_nb, ipywidgets\n", "print('ipywidgets', ipywidgets.__version__)"]},
        {"cell_type": "code", "execution_count": None, "id": "studio", "metadata": {},
         "outputs": [], "source": ["studio = i2v_nb.Studio()\n", "studio"]},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                "name": "python3"},
                 "language_info": {"name": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}

_VIDEO_PLAYS = """() => { const v = document.querySelector('.i2v-studio .i2v-video video');
                         return v && v.readyState >= 1 && v.duration > 0; }"""


def _upload_image(path: pathlib.Path) -> None:
    """A 320x240 PNG with structure (gradients and a disc) for the upload."""
    from PIL import Image

    yy, xx = np.mgrid[0:240, 0:320].astype(np.float32)
    disc = ((xx - 200) ** 2 + (yy - 110) ** 2 < 50 ** 2)[..., None]
    rgb = np.stack([xx / 320, yy / 240, 0.5 + 0.3 * np.sin(xx / 25)], -1) * 255
    rgb = np.where(disc, [230, 200, 60], rgb)
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(path)


def _tab(studio, title: str):
    """A tab of the Studio's Tab widget (phosphor ``p-TabBar`` in ipywidgets 7, lumino
    ``lm-TabBar`` in 8)."""
    return studio.locator(".i2v-tabs .p-TabBar-tab, .i2v-tabs .lm-TabBar-tab",
                          has_text=title).first


@pytest.fixture(scope="module")
def browser_available() -> None:
    """Chromium and playwright are here (checked before the environment is built)."""
    reason = _missing()
    if reason:
        _unavailable(reason)


def test_studio_in_classic_notebook(browser_available, colab_env, tmp_path):
    from playwright.sync_api import sync_playwright

    work = tmp_path / "nb"
    work.mkdir()
    (work / "studio.ipynb").write_text(json.dumps(_NOTEBOOK))
    image = tmp_path / "upload-me.png"
    _upload_image(image)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    server = ClassicNotebook(colab_env, work, tmp_path)
    console: list[str] = []
    step = "starting jupyter notebook"
    try:
        server.wait_ready()
        with sync_playwright() as p:
            browser = _launch(p)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: console.append(f"console.{m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: console.append(f"page error: {e}"))
            try:
                step = "opening the notebook and waiting for its kernel"
                page.goto(f"{server.url}/notebooks/studio.ipynb?token={TOKEN}",
                          wait_until="domcontentloaded", timeout=60_000)
                page.wait_for_function(
                    "() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel"
                    " && Jupyter.notebook.kernel.is_connected()", timeout=90_000)
                page.wait_for_selector("#kernel_indicator_icon.kernel_idle_icon",
                                       state="attached", timeout=90_000)

                step = "running all cells; the Studio renders"
                page.evaluate("Jupyter.notebook.execute_all_cells()")
                page.wait_for_function(
                    "() => Jupyter.notebook.get_cells().every(c => c.cell_type !== 'code'"
                    " || Number.isInteger(c.input_prompt_number))", timeout=120_000)
                errors = page.evaluate(
                    """() => Jupyter.notebook.get_cells().flatMap(c => (c.output_area
                         ? c.output_area.outputs : []).filter(o => o.output_type === 'error')
                         .map(o => o.ename + ': ' + o.evalue))""")
                assert not errors, f"a cell raised: {errors}"
                page.wait_for_selector(".i2v-studio .i2v-generate", state="visible",
                                       timeout=60_000)
                studio = page.locator(".i2v-studio").first
                studio.scroll_into_view_if_needed()
                box = studio.bounding_box()
                assert box and box["height"] > 200 and box["width"] > 300, box
                for part in ("button.widget-upload", ".i2v-prompt textarea",
                             "button.i2v-generate", ".i2v-tabs"):
                    assert studio.locator(part).first.is_visible(), f"{part} is not visible"
                page.screenshot(path=str(ARTIFACTS / "colab_studio.png"))

                step = "uploading an image through the FileUpload"
                with page.expect_file_chooser(timeout=10_000) as chooser:
                    studio.locator("button.widget-upload").first.click()
                chooser.value.set_files(str(image))
                studio.locator(".i2v-thumbnail img").wait_for(timeout=30_000)
                page.wait_for_function(
                    "() => (document.querySelector('.i2v-studio .i2v-image-status') || {})"
                    ".textContent?.includes('upload-me.png')", timeout=30_000)
                size = page.evaluate(
                    "() => { const i = document.querySelector('.i2v-studio .i2v-thumbnail img');"
                    " return [i.naturalWidth, i.naturalHeight]; }")
                assert size[0] > 0 and size[1] > 0, f"the thumbnail did not decode: {size}"

                step = "typing a prompt and clicking Generate"
                studio.locator(".i2v-prompt textarea").fill("slow zoom in, the sun glowing")
                studio.locator("button.i2v-generate").click()
                page.wait_for_function(_VIDEO_PLAYS, timeout=120_000)
                duration = page.evaluate(
                    "() => document.querySelector('.i2v-studio .i2v-video video').duration")
                assert duration > 0, duration
                page.wait_for_function(
                    "() => document.querySelector('.i2v-studio .i2v-message')"
                    ".textContent.includes('Done')", timeout=30_000)
                saved = sorted((work / "i2v_outputs").glob("*/clip.mp4"))
                assert len(saved) == 1, f"the Studio's clip was not saved once: {saved}"
                studio.locator(".i2v-video").scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / "colab_generated.png"))

                step = "the Gallery tab shows the clip"
                _tab(studio, "Gallery").click()
                page.wait_for_function(
                    "() => (document.querySelector('.i2v-studio .i2v-gallery-grid') || {})"
                    ".textContent?.includes('the sun glowing')", timeout=30_000)
                assert studio.locator(".i2v-gallery-card").count() == 1
                page.screenshot(path=str(ARTIFACTS / "colab_gallery.png"))

                step = "the Diagnostics tab shows its continuity report"
                _tab(studio, "Diagnostics").click()
                studio.locator(".i2v-diag-plot img").wait_for(timeout=60_000)
                assert "Continuity report" in studio.locator(".i2v-diag-summary").inner_text()
                page.screenshot(path=str(ARTIFACTS / "colab_diagnostics.png"))
            except Exception as exc:
                page.screenshot(path=str(ARTIFACTS / "colab_failure.png"), full_page=True)
                raise AssertionError(
                    f"Notebook 6.5 + ipywidgets 7.7.1, while {step}: {exc}\n"
                    f"browser console:\n" + "\n".join(console[-30:])
                    + f"\nserver log:\n{server.log()[-3000:]}") from exc
            finally:
                browser.close()
    finally:
        server.kill()
    widget_errors = [line for line in console if "error" in line.split(":")[0]
                     and ("widget" in line.lower() or "i2v" in line.lower())]
    assert not widget_errors, widget_errors
