"""tito.sandbox without nbgrader: what a sandboxed process sees, and the whole-tree watchdog."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tito import sandbox

pytestmark = pytest.mark.skipif(not sandbox.available()[0], reason="bubblewrap cannot run here")
REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


def _sandboxed(tmp_path, code: str) -> list[str]:
    work, scratch = tmp_path / "work", tmp_path / "scratch"
    work.mkdir(), scratch.mkdir()
    return sandbox.bwrap_args(str(work), str(scratch), None) + ["--", sys.executable, "-c", code]


def test_a_sandboxed_process_sees_no_repo_and_cannot_write_the_environment(tmp_path):
    # The repository's files, not its folder: a venv inside the repository (as CI makes one) is bound at
    # its own path, so the folder exists in the sandbox with the venv alone in it.
    code = ("import os, sys, site; print(os.path.exists(%r), os.path.exists(%r));"
            "open(os.path.join(site.getsitepackages()[0], 'x.pth'), 'w')"
            % (str(REPO / "course.toml"), str(tmp_path / "other")))
    (tmp_path / "other").mkdir()
    done = subprocess.run(_sandboxed(tmp_path, code), capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "False"], done
    assert "Read-only file system" in done.stderr


def test_the_watchdog_kills_the_whole_tree_over_the_process_limit(tmp_path):
    code = "import os, time\nfor _ in range(30):\n    if os.fork() == 0:\n        time.sleep(120); os._exit(0)\ntime.sleep(120)"
    proc = subprocess.Popen(_sandboxed(tmp_path, code), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    events = []
    dog = sandbox.Watchdog(proc.pid, 0, 10, events.append)
    dog.start()
    start = time.monotonic()
    proc.wait(timeout=30)
    dog.join(timeout=5)
    assert time.monotonic() - start < 30
    assert events and events[0].startswith("ProcessLimit")
    time.sleep(0.5)
    assert sandbox.descendants(proc.pid) == []
