"""End-to-end: the quickstart notebook's Studio clicked through in a real browser.

Starts a JupyterLab server on 127.0.0.1 (a free port, a token, a temporary copy of
``notebooks/00_quickstart.ipynb``), opens it in headless Debian Chromium driven by Playwright,
runs every cell, picks a sample image, types a prompt, clicks Generate, waits for the inline
``<video>`` and checks the browser decoded a non-zero duration, uploads a bad file and then a
good one through the browser's file chooser (the error names the file, then goes), clicks Stop
during a longer second run and checks the stop message, and finally narrows the window to 800 px
with the file browser open and measures that no video, button or label overflows its cell or is
cut short. Screenshots go to ``tests/artifacts/`` (git-ignored); ``studio_cell.png`` there is the
Studio alone, small enough for the docs: with ``I2V_NB_UPDATE_SCREENSHOT=1`` it is also written
to ``docs/images/studio.png``, the picture the quickstart shows where widgets cannot render.

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

import numpy as np
import pytest
from PIL import Image

from i2v_nb.samples import sample_image

pytestmark = [pytest.mark.browser, pytest.mark.timeout(480)] if importlib.util.find_spec(
    "pytest_timeout") else [pytest.mark.browser]

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "00_quickstart.ipynb"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
DOCS_SCREENSHOT = ROOT / "docs" / "images" / "studio.png"
#: Largest docs screenshot (it is committed and shown on GitHub).
MAX_SCREENSHOT_BYTES = 150_000
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


class ServerProcess:
    """A Jupyter server in its own process group (always killed), answering ``/api/status``
    with ``token``; ``name`` says which in errors, ``log_tail`` how much of its log they quote.
    Subclasses build the command and call :meth:`start`."""

    name = "the Jupyter server"
    log_tail = 4000

    def __init__(self, token: str, log_path: pathlib.Path) -> None:
        self.token = token
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path

    def start(self, cmd: list[str], cwd: pathlib.Path, env: dict[str, str]) -> None:
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n"
                                   + self.log())
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}",
                                            timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not answer in time:\n" + self.log())

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-self.log_tail:]
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


class JupyterServer(ServerProcess):
    """``jupyter lab`` (or ``jupyter notebook``) in its own process group; always killed."""

    def __init__(self, app: str, workdir: pathlib.Path) -> None:
        super().__init__(TOKEN, workdir.parent / f"{app}-server.log")
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
        self.start(cmd, workdir, env)


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


#: Every visible video, image, button, tab and widget label under ``root`` that sticks out of
#: the notebook cell's output, is cut off by a scrolling or clipping box on the way up, or whose
#: text is cut short ("Analy…"); measured from the elements' boxes. Hidden tabs are skipped.
_LAYOUT_PROBLEMS_JS = """(root) => {
  const cell = root.closest('.jp-OutputArea-output') || root.parentElement;
  const cellBox = cell.getBoundingClientRect();
  const problems = [];
  const label = el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} `
      + `"${(el.textContent || el.getAttribute('alt') || '').trim().slice(0, 40)}"`;
  const selector = 'video, img, button, .widget-label, .lm-TabBar-tab, select, textarea';
  let measured = 0;
  for (const el of root.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;  // not shown (another tab, no label)
    measured += 1;
    if (box.left < cellBox.left - 1 || box.right > cellBox.right + 1) {
      problems.push(`${label(el)} overflows the cell: ${Math.round(box.left)}–`
                    + `${Math.round(box.right)} px, the cell ${Math.round(cellBox.left)}–`
                    + `${Math.round(cellBox.right)} px`);
      continue;
    }
    for (let up = el.parentElement; up && up !== cell; up = up.parentElement) {
      if (getComputedStyle(up).overflowX === 'visible') continue;
      const upBox = up.getBoundingClientRect();
      if (box.left < upBox.left - 1 || box.right > upBox.right + 1) {
        problems.push(`${label(el)} is cut off by ${label(up).slice(0, 80)}`);
        break;
      }
    }
    const text = el.tagName === 'BUTTON' || el.classList.contains('widget-label')
      || el.classList.contains('lm-TabBar-tab');
    if (text && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${label(el)} is cut short: ${el.scrollWidth} px of text in `
                    + `${el.clientWidth} px`);
    }
  }
  return {measured, problems};
}"""


def layout_problems(locator) -> tuple[int, list[str]]:
    """``(elements measured, problems)`` of :data:`_LAYOUT_PROBLEMS_JS` under ``locator``."""
    found = locator.evaluate(_LAYOUT_PROBLEMS_JS)
    return found["measured"], found["problems"]


def _show_file_browser(page, shown: bool = True) -> None:
    """Open (or close) JupyterLab's file browser in the left sidebar: its tab toggles it."""
    if page.locator("#filebrowser").is_visible() != shown:
        page.locator('.jp-SideBar .lm-TabBar-tab[data-id="filebrowser"]').first.click()
    page.locator("#filebrowser").wait_for(state="visible" if shown else "hidden",
                                          timeout=10_000)


def save_studio_picture(studio, path: pathlib.Path, *,
                        max_bytes: int = MAX_SCREENSHOT_BYTES) -> int:
    """Screenshot the Studio's cell output alone as a small PNG (a palette of at most 128
    colours, shrunk until it is under ``max_bytes``) for the docs; returns its size in bytes."""
    import io

    from PIL import Image

    shot = Image.open(io.BytesIO(studio.screenshot(animations="disabled"))).convert("RGB")
    scale, colours = 1.0, 128
    while True:
        image = shot if scale == 1.0 else shot.resize(
            (round(shot.width * scale), round(shot.height * scale)), Image.LANCZOS)
        buf = io.BytesIO()
        image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT,
                       dither=Image.Dither.NONE).save(buf, format="PNG", optimize=True)
        if buf.tell() <= max_bytes or scale < 0.5:
            break
        scale, colours = scale * 0.9, max(48, colours - 16)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return buf.tell()


def _upload_through_file_chooser(page, studio, path: pathlib.Path) -> None:
    """Click "Upload image" and pick ``path`` in the browser's file dialog."""
    with page.expect_file_chooser(timeout=10_000) as chooser:
        studio.locator(".i2v-upload").first.click()
    chooser.value.set_files(str(path))


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
                # a landscape: the docs picture below shows no real person
                studio.locator(".i2v-sample select").select_option("lake")
                studio.locator(".i2v-thumbnail img").wait_for(timeout=30_000)
                prompt = studio.locator(".i2v-prompt textarea")
                prompt.fill("slow zoom in, gentle waves")
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
                # idle, Stop is disabled and looks it: not red, faded
                stop_look = studio.locator("button.i2v-stop").evaluate(
                    "b => ({disabled: b.disabled, red: b.classList.contains('mod-danger'), "
                    "opacity: parseFloat(getComputedStyle(b).opacity)})")
                assert stop_look["disabled"] and not stop_look["red"], stop_look
                assert stop_look["opacity"] < 0.6, stop_look

                # 1b. uploads through the browser's file dialog: a bad file, then the picture
                # already shown (the same image: the status must still be redrawn)
                bad = server_dir.parent / "not-a-picture.png"
                bad.write_text("a shopping list, not a picture\n")
                good = server_dir.parent / "lake.png"
                Image.fromarray(np.asarray(sample_image("lake"))).save(good)
                status = studio.locator(".i2v-image-status")
                _upload_through_file_chooser(page, studio, bad)
                status.locator(".i2v-msg-error").wait_for(timeout=30_000)
                text = status.inner_text()
                assert "not-a-picture.png" in text and "a text file" in text, text
                assert "bytes>" not in text and "Pillow" not in text, text
                _upload_through_file_chooser(page, studio, good)
                page.wait_for_function(
                    "() => { const s = document.querySelector('.i2v-studio .i2v-image-status');"
                    " return s && s.textContent.includes('upload: lake.png') &&"
                    " !s.querySelector('.i2v-msg-error'); }", timeout=30_000)
                studio.locator(".i2v-image-input").scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / "studio_uploaded.png"), full_page=False)

                # the picture of the Studio for places where widgets cannot render: the
                # file browser closed and a window tall enough for the whole Create tab
                page.set_viewport_size({"width": 1400, "height": 2000})
                _show_file_browser(page, False)
                page.evaluate("() => document.activeElement && document.activeElement.blur()")
                studio.scroll_into_view_if_needed()
                page.wait_for_timeout(500)
                size = save_studio_picture(studio, ARTIFACTS / "studio_cell.png")
                assert size <= MAX_SCREENSHOT_BYTES, size
                if os.environ.get("I2V_NB_UPDATE_SCREENSHOT"):
                    shutil.copy(ARTIFACTS / "studio_cell.png", DOCS_SCREENSHOT)
                page.set_viewport_size({"width": 1400, "height": 1000})

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
                assert studio.locator(".i2v-status").inner_text().strip() == "stopped"
                # no picture is left of the clip that was not made
                assert studio.locator(".i2v-step-preview img").count() == 0
                studio.locator(".i2v-run-controls").scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / "studio_stopped.png"), full_page=False)

                assert _saved_clips(server_dir) == saved  # a stopped run saves nothing

                # 3. the gallery shows every saved clip, the Studio's prompt among them
                studio.locator(".i2v-tabs .lm-TabBar-tab", has_text="Gallery").click()
                page.wait_for_function(
                    "() => (document.querySelector('.i2v-studio .i2v-gallery-grid') || {})"
                    ".textContent?.includes('gentle waves')", timeout=20_000)
                cards = studio.locator(".i2v-gallery-card")
                assert cards.count() == min(len(saved), 24), (cards.count(), saved)
                page.screenshot(path=str(ARTIFACTS / "studio_gallery.png"), full_page=False)

                # 4. the Diagnostics tab computes the continuity report of the new clip
                studio.locator(".i2v-tabs .lm-TabBar-tab", has_text="Diagnostics").click()
                studio.locator(".i2v-diag-plot img").wait_for(timeout=60_000)
                assert "Continuity report" in studio.locator(".i2v-diag-summary").inner_text()
                page.screenshot(path=str(ARTIFACTS / "studio_diagnostics.png"), full_page=False)

                # 5. a narrow window (800 px) with the file browser open: every tab fits its
                # cell — videos and plots shrink, buttons and labels wrap instead of "Analy…"
                page.set_viewport_size({"width": 800, "height": 900})
                _show_file_browser(page)
                page.wait_for_timeout(500)
                width = studio.evaluate(
                    "s => s.closest('.jp-OutputArea-output').getBoundingClientRect().width")
                assert width < 560, f"the cell is {width} px wide: not a narrow screen"
                measured, overflows = layout_problems(studio)  # Diagnostics: plot, flags
                assert measured > 3 and not overflows, overflows
                page.screenshot(path=str(ARTIFACTS / "narrow_diagnostics.png"), full_page=False)
                studio.locator(".i2v-tabs .lm-TabBar-tab", has_text="Create").click()
                studio.locator(".i2v-video video").wait_for(timeout=10_000)
                measured, overflows = layout_problems(studio)
                assert measured > 40 and not overflows, overflows
                studio.locator(".i2v-video").scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / "narrow_create.png"), full_page=False)
                studio.locator(".i2v-tabs .lm-TabBar-tab", has_text="Gallery").click()
                studio.locator(".i2v-gallery-card button.i2v-gallery-show").first.click()
                studio.locator(".i2v-gallery-view video").wait_for(timeout=30_000)
                measured, overflows = layout_problems(studio)
                assert measured > 5 and not overflows, overflows
                studio.locator(".i2v-gallery-view").scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / "narrow_gallery.png"), full_page=False)
                # no element carries the text "null" as its hover text
                nulls = page.locator('.i2v-studio [title="null"]').count()
                assert nulls == 0, f'{nulls} elements have title="null"'
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
