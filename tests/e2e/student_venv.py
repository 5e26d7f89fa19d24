"""A student's own venv for a workspace, made the way the workspace README says (`pip install -e .`),
without a download: the venv is made `--without-pip`; numpy, jupytext, nbclient, ipykernel, pip and
setuptools come from the test interpreter's site-packages through ONE plain path line in a .pth file
(a plain path line does not run that folder's .pth files, so a course installed there in editable mode
is NOT importable in the student venv), then only the workspace is installed, `--no-deps`.

`tinytorch_probe` adds a second .pth line to the student venv: when E2E_TINYTORCH_LOG names a file, each
Python process of the venv appends, at exit, the `__file__` of the tinytorch it imported (None when it
imported none). It observes; it changes nothing a program sees.
"""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

PROBE = ('import os, sys, atexit; os.environ.get("E2E_TINYTORCH_LOG") and atexit.register(lambda: '
         'open(os.environ["E2E_TINYTORCH_LOG"], "a").write(str(getattr(sys.modules.get("tinytorch"), '
         '"__file__", None)) + "\\n"))\n')


def clean_env(venv: Path, **extra: str) -> dict[str, str]:
    """The environment of a shell where the student activated `venv`: no PYTHONPATH, no other venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    here = str(Path(sys.executable).parent)
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != here]
    env.update(PATH=os.pathsep.join([str(venv / "bin"), *path]), VIRTUAL_ENV=str(venv), MPLBACKEND="Agg",
               COLUMNS="200", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def run(cmd, cwd: Path, env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def make(workspace: Path, venv: Path, tinytorch_probe: bool = False) -> Path:
    """Create `venv`, install `workspace` into it (editable, like the student); return its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    env = clean_env(venv)
    purelib = Path(run([py, "-c", "import sysconfig;print(sysconfig.get_paths()['purelib'])"], venv, env)
                   .stdout.strip())
    (purelib / "_dependencies_from_test_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    if tinytorch_probe:
        (purelib / "_e2e_tinytorch_probe.pth").write_text(PROBE)
    gone = run([py, "-c", "import tinytorch"], venv, env)
    assert gone.returncode != 0 and "No module named 'tinytorch'" in gone.stderr, gone
    inst = run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-e",
                workspace], venv, env, timeout=900)
    assert inst.returncode == 0, inst.stdout + inst.stderr
    assert (venv / "bin" / "tito").is_file()
    return py
