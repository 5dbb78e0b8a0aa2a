"""End-to-end: the quickstart notebook's Studio clicked through in a real browser.

Starts a JupyterLab server on 127.0.0.1 (a free port, a token, a temporary copy of
``notebooks/00_quickstart.ipynb``), opens it in headless Debian Chromium driven by Playwright,
runs every cell, picks a sample image, types a prompt, clicks Generate, waits for the inline
``<video>`` and checks the browser decoded a non-zero duration, then clicks Stop during a longer
second run and checks the stop message. Screenshots go to ``tests/artifacts/`` (git-ignored).

Needs ``/usr/bin/chromium`` (Debian's ``chromium`` package; ``scripts/install_browser.sh``
installs it) and the ``playwright`` Python package; skipped with the reason when either is missing.
The Studio relies on these stable CSS classes: ``i2v-studio``, ``i2v-sample`` (a ``<select>``),
``i2v-prompt`` (a ``<textarea>``), ``i2v-understood``, ``i2v-frames`` (a slider with an editable
readout), ``i2v-generate``, ``i2v-stop``, ``i2v-status``, ``i2v-message``, ``i2v-video``,
``i2v-thumbnail``, ``i2v-tabs``, ``i2v-gallery-card``.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)] if importlib.util.find_spec(
    "pytest_timeout") else [pytest.mark.browser]

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "00_quickstart.ipynb"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
TOKEN = "i2v-browser-test"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]


def _missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (install Debian's chromium: bash scripts/install_browser.sh)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing (pip install playwright)"
    return None


def _skip_reason() -> str | None:
    """Why the browser test cannot run here, or None. Where I2V_NB_REQUIRE_BROWSER is set (CI),
    a missing browser is a failure, not a skip, so a broken install cannot pass silently."""
    reason = _missing()
    if reason and os.environ.get("I2V_NB_REQUIRE_BROWSER"):
        pytest.fail(f"the browser test must run here (I2V_NB_REQUIRE_BROWSER is set): {reason}")
    return reason


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterServer:
    """``jupyter lab`` (or ``jupyter notebook``) in its own process group; always killed."""

    def __init__(self, app: str, workdir: pathlib.Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir.parent / f"{app}-server.log"
        env = dict(os.environ)
        for key, sub in (("JUPYTER_CONFIG_DIR", "cfg"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                         ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
                         ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):
            env[key] = str(workdir.parent / f"{app}-{sub}")
        env.update(MPLBACKEND="Agg", TQDM_DISABLE="1", HF_HUB_OFFLINE="1",
                   PYTHONUNBUFFERED="1")
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        # settings of a fresh user: no "Jupyter news?" toast over the page, and the notebook's
        # kernel (python3) starts without a "Select Kernel" dialog
        settings = workdir.parent / f"{app}-settings" / "@jupyterlab"
        for ext, name, value in (("apputils-extension", "notification", '{"fetchNews": "false"}'),
                                 ("notebook-extension", "tracker",
                                  '{"autoStartDefaultKernel": true}')):
            (settings / ext).mkdir(parents=True, exist_ok=True)
            (settings / ext / f"{name}.jupyterlab-settings").write_text(value)
        module = "jupyterlab" if app == "lab" else "notebook"
        cmd = [sys.executable, "-m", module, f"--IdentityProvider.token={TOKEN}", "--allow-root",
               "--port-retries=0", "--no-browser", f"--ServerApp.port={self.port}",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={workdir}"]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Jupyter server exited ({self.proc.returncode}):\n"
                                   + self.log())
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={TOKEN}",
                                            timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the Jupyter server did not answer in time:\n" + self.log())

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(10)
            except (subprocess.TimeoutExpired, ProcessLookupError, PermissionError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(5)
        self._log.close()


@pytest.fixture
def server_dir(tmp_path):
    work = tmp_path / "nb"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return work


def _launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)


def _wait_idle(page, timeout_ms: int) -> None:
    """Wait until the notebook's kernel reports idle (JupyterLab 4 / Notebook 7 toolbar)."""
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]',
                           state="attached", timeout=timeout_ms)


def _open_notebook(page, url: str) -> None:
    """Open the notebook and wait for its kernel; accept the "Select Kernel" dialog (the
    notebook names the python3 kernel) if the front end asks."""
    page.goto(url, wait_until="domcontentloaded", timeout=60_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    deadline = time.monotonic() + 60
    calm = 0  # idle with no dialog for 1.5 s in a row
    while time.monotonic() < deadline:
        dialog = page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept")
        if dialog.count():
            dialog.first.click()
            calm = 0
        elif page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').count():
            calm += 1
            if calm >= 6:
                return
        page.wait_for_timeout(250)
    raise AssertionError("the notebook's kernel did not become idle within 60 s")


def _accept_dialog(page) -> bool:
    """Accept a "Select Kernel" dialog if one is open (the notebook names python3)."""
    button = page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept")
    if button.count():
        button.first.click()
        page.wait_for_timeout(1000)
        return True
    return False


def _run_all(page) -> None:
    """Run → Run All Cells through the menu bar (what a user clicks).

    A click on the first code cell first makes the notebook the current widget. When the front
    end has not attached the kernel yet, Run All opens "Select Kernel" instead of running: the
    dialog is accepted and Run All repeated (at most 4 times) until the first code cell shows it
    has run or is running.
    """
    first_prompt = page.locator(".jp-CodeCell .jp-InputPrompt").first
    for _ in range(4):
        _accept_dialog(page)
        first_prompt.click()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator('li[data-command="runmenu:run-all"]').first.click()
        for _ in range(40):
            if re.search(r"\[(\*|\d+)\]", first_prompt.inner_text()):
                return
            if _accept_dialog(page):
                break
            page.wait_for_timeout(250)
    raise AssertionError("Run All Cells did not start the notebook")


def _wait_all_ran(page, timeout_ms: int) -> None:
    """Wait until every code cell shows an execution count (the whole notebook has run)."""
    page.wait_for_function(
        """() => { const p = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'));
                   return p.length > 0 && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }""",
        timeout=timeout_ms)


def _saved_clips(server_dir: pathlib.Path) -> list[pathlib.Path]:
    return sorted((server_dir / "i2v_outputs").glob("*/clip.mp4"))


def test_studio_in_jupyterlab(server_dir):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    server = JupyterServer("lab", server_dir)
    problems: list[str] = []
    try:
        server.wait_ready()
        with sync_playwright() as p:
            browser = _launch(p)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
                _open_notebook(page, f"{server.url}/lab/tree/{NOTEBOOK.name}?token={TOKEN}")
                _run_all(page)

                # the Studio renders in the cell's output
                page.wait_for_selector(".i2v-studio .i2v-generate", timeout=60_000)
                # let the cells below it finish (the kernel runs one thing at a time)
                _wait_all_ran(page, 120_000)
                studio = page.locator(".i2v-studio").first
                studio.scroll_into_view_if_needed()

                # 1. pick a sample, type a prompt, Generate
                studio.locator(".i2v-sample select").select_option("astronaut")
                studio.locator(".i2v-thumbnail img").wait_for(timeout=30_000)
                prompt = studio.locator(".i2v-prompt textarea")
                prompt.fill("slow zoom in, hair moving in the wind")
                page.wait_for_function(
                    "() => (document.querySelector('.i2v-studio .i2v-understood') || {})"
                    ".textContent?.includes('zoom in')", timeout=20_000)
                studio.locator(".i2v-tabs").scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / "studio_create.png"), full_page=False)
                studio.locator("button.i2v-generate").click()
                page.wait_for_function(
                    """() => { const v = document.querySelector('.i2v-studio .i2v-video video');
                               return v && v.readyState >= 1 && v.duration > 0; }""",
                    timeout=90_000)
                duration = page.evaluate(
                    "() => document.querySelector('.i2v-studio .i2v-video video').duration")
                assert duration > 0, duration
                page.wait_for_function(
                    "() => document.querySelector('.i2v-studio .i2v-message')"
                    ".textContent.includes('Done')", timeout=30_000)
                studio.locator(".i2v-video").scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / "studio_generated.png"), full_page=False)
                saved = _saved_clips(server_dir)
                assert saved, "the Studio's clip was not saved to i2v_outputs"

                # 2. a longer run (240 frames), stopped while it runs
                readout = studio.locator(".i2v-frames .widget-readout")
                readout.click()
                page.keyboard.press("Control+A")
                page.keyboard.type("240")
                page.keyboard.press("Enter")
                page.wait_for_function(
                    "() => document.querySelector('.i2v-studio .i2v-frames .widget-readout')"
                    ".textContent.trim() === '240'", timeout=10_000)
                studio.locator("button.i2v-generate").click()
                page.wait_for_function(
                    "() => /step \\d+\\/240/.test(document.querySelector("
                    "'.i2v-studio .i2v-status').textContent)", timeout=60_000)
                studio.locator("button.i2v-stop").click()
                page.wait_for_function(
                    "() => document.querySelector('.i2v-studio .i2v-message')"
                    ".textContent.includes('Stopped')", timeout=30_000)
                stop_text = studio.locator(".i2v-message").inner_text()
                assert "Stopped after step" in stop_text, stop_text
                assert "of 240" in stop_text, stop_text
                studio.locator(".i2v-run-controls").scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / "studio_stopped.png"), full_page=False)

                assert _saved_clips(server_dir) == saved  # a stopped run saves nothing

                # 3. the gallery shows every saved clip, the Studio's prompt among them
                studio.locator(".i2v-tabs .lm-TabBar-tab", has_text="Gallery").click()
                page.wait_for_function(
                    "() => (document.querySelector('.i2v-studio .i2v-gallery-grid') || {})"
                    ".textContent?.includes('hair moving in the wind')", timeout=20_000)
                cards = studio.locator(".i2v-gallery-card")
                assert cards.count() == min(len(saved), 24), (cards.count(), saved)
                page.screenshot(path=str(ARTIFACTS / "studio_gallery.png"), full_page=False)

                # 4. the Diagnostics tab computes the continuity report of the new clip
                studio.locator(".i2v-tabs .lm-TabBar-tab", has_text="Diagnostics").click()
                studio.locator(".i2v-diag-plot img").wait_for(timeout=60_000)
                assert "Continuity report" in studio.locator(".i2v-diag-summary").inner_text()
                page.screenshot(path=str(ARTIFACTS / "studio_diagnostics.png"), full_page=False)
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "failure_lab.png"), full_page=False)
                raise
            finally:
                browser.close()
    finally:
        server.kill()
    assert not [e for e in problems if "i2v" in e.lower()], problems


def test_studio_renders_in_notebook7(server_dir):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    if importlib.util.find_spec("notebook") is None:
        pytest.skip("the notebook package (Notebook 7) is not installed")
    from playwright.sync_api import sync_playwright

    server = JupyterServer("notebook", server_dir)
    try:
        server.wait_ready()
        with sync_playwright() as p:
            browser = _launch(p)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                _open_notebook(page, f"{server.url}/notebooks/{NOTEBOOK.name}?token={TOKEN}")
                _run_all(page)
                page.wait_for_selector(".i2v-studio .i2v-generate", timeout=60_000)
                # let the cells below it finish (the kernel runs one thing at a time)
                _wait_all_ran(page, 120_000)
                studio = page.locator(".i2v-studio").first
                studio.scroll_into_view_if_needed()
                studio.locator(".i2v-sample select").select_option("lake")
                studio.locator(".i2v-thumbnail img").wait_for(timeout=30_000)
                studio.locator("button.i2v-generate").click()
                page.wait_for_function(
                    """() => { const v = document.querySelector('.i2v-studio .i2v-video video');
                               return v && v.readyState >= 1 && v.duration > 0; }""",
                    timeout=90_000)
                page.wait_for_function(
                    "() => document.querySelector('.i2v-studio .i2v-message')"
                    ".textContent.includes('Done')", timeout=30_000)
                studio.locator(".i2v-video").scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / "studio_notebook7.png"), full_page=False)
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "failure_notebook7.png"), full_page=False)
                raise
            finally:
                browser.close()
    finally:
        server.kill()
