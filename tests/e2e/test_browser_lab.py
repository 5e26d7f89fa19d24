"""A real browser: JupyterLab in a student workspace, module 01's notebook run through the UI.

The workspace (the instructor's release) is set up as the student does (its own venv, `pip install -e .`:
student_venv.py); JupyterLab runs from that venv on 127.0.0.1 (a free port, a random token, its own
config, data, runtime and settings folders) with the workspace as its root. Debian's chromium, driven by
playwright (executable_path=/usr/bin/chromium; playwright never downloads a browser here), opens
modules/01_tensor/tensor_dev.ipynb, and the menu Run > Run All Cells runs it. In the page the test reads:
the output of a first cell it added (`tinytorch.__file__`: the workspace's package, not the course's),
and the NotImplementedError of the first stub a test cell calls (Run All stops there, as for a student).
The screenshot is kept at .ci/artifacts/lab-module01.png (CI keeps .ci/artifacts/). The server is
stopped by its process id. Skips, saying why, without chromium, playwright or jupyterlab.
Slow (a venv, a server, a browser): `pytest -m slow`.
"""
from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tests.e2e import student_venv

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / ".ci" / "artifacts"
PROBE = "import tinytorch\nprint('TINYTORCH_FILE=' + tinytorch.__file__)"


def _missing() -> str:
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (Debian: apt-get install -y chromium)"
    for module, extra in (("playwright", "browser"), ("jupyterlab", "lab")):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -e '.[{extra}]')"
    return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited with {server.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer {url.split('?')[0]} within {timeout:g} s:\n{log.read_text()[-4000:]}")


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM to the server's process id (it shuts its kernels down), then, if anything of its process
    group is still alive after 30 s, SIGKILL to that group (the server was started in a session of its own)."""
    if server.poll() is None:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.wait(timeout=30)


def test_module_01_runs_in_jupyterlab_in_chromium(course, course_release, tmp_path):
    why = _missing()
    if why:
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    m = course.select(None)[0]
    ws = tmp_path / "tinytorch-work"
    shutil.copytree(course_release, ws, symlinks=True)
    notebook = ws / "modules" / m.dirname / f"{m.slug}_dev.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROBE))
    nbformat.write(nb, notebook)

    venv = tmp_path / "venv"
    py = student_venv.make(ws, venv)
    jupyter = tmp_path / "jupyter"
    settings = jupyter / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # every cell in the page (no windowing), so the test can read outputs anywhere in the notebook
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    notices = jupyter / "settings" / "@jupyterlab" / "apputils-extension"          # no news toast on the screenshot
    notices.mkdir(parents=True)
    (notices / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false",
                                                                          "checkForUpdates": False}))
    share = Path(sys.prefix) / "share" / "jupyter"          # JupyterLab's built assets (the server's files)
    env = student_venv.clean_env(venv, JUPYTER_CONFIG_DIR=str(jupyter / "config"),
                                 JUPYTER_DATA_DIR=str(jupyter / "data"), JUPYTER_RUNTIME_DIR=str(jupyter / "run"),
                                 JUPYTERLAB_SETTINGS_DIR=str(jupyter / "settings"),
                                 JUPYTERLAB_WORKSPACES_DIR=str(jupyter / "workspaces"),
                                 JUPYTERLAB_DIR=str(share / "lab"), JUPYTER_PATH=str(share))
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp_path / "jupyter-lab.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [py, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ws}",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             *(["--allow-root"] if os.geteuid() == 0 else [])],          # CI containers run as root
            cwd=ws, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "lab-module01.png"
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{base}/api/status?token={token}", server, log)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                rel = notebook.relative_to(ws).as_posix()
                page.goto(f"{base}/lab/tree/{rel}?token={token}", timeout=120_000)
                page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=120_000)
                # the released notebook names no kernel, so JupyterLab asks; the student clicks Select
                # (Python 3 (ipykernel), the venv's python)
                dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
                try:
                    dialog.wait_for(timeout=30_000)
                    asked = True
                except Exception:
                    asked = False
                if asked:
                    dialog.get_by_role("button", name="Select", exact=True).click()
                page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=120_000)
                page.get_by_role("menuitem", name="Run", exact=True).click()
                page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
                error = page.locator(".jp-OutputArea-output", has_text="NotImplementedError").first
                try:
                    error.wait_for(timeout=300_000)
                except Exception:
                    page.screenshot(path=str(ARTIFACTS / "lab-module01-failed.png"), full_page=True)
                    raise AssertionError("no NotImplementedError in the page after Run All Cells; outputs: "
                                         + "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())[:3000]
                                         + f"\nscreenshot: {ARTIFACTS / 'lab-module01-failed.png'}") from None
                error.scroll_into_view_if_needed()
                page.screenshot(path=str(shot))
                outputs = "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())
            finally:
                browser.close()
    finally:
        _stop(server)
    print("screenshot:", shot, "| JupyterLab asked for a kernel:", asked)
    probe = [line for line in outputs.splitlines() if line.startswith("TINYTORCH_FILE=")]
    assert probe, outputs[:3000]
    where = Path(probe[0].split("=", 1)[1].strip())
    assert where.resolve() == (ws / "tinytorch" / "__init__.py").resolve(), where
    assert f"NotImplementedError: Module {m.tag} ({m.slug}): implement" in outputs, outputs[:3000]
    assert shot.is_file() and shot.stat().st_size > 10_000
