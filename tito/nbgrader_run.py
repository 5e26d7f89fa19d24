"""Run nbgrader for real, in a throw-away nbgrader course folder, as a subprocess.

`tito release` uses it to generate student notebooks (`nbgrader generate_assignment`), `tito grade` to
autograde submissions (`nbgrader autograde`). nbgrader shells out to `alembic`, so the child gets the
venv's bin/ on PATH (tito.report.child_env).
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .report import TitoError, child_env, run_captured, tail

COURSE_ID = "tinytorch"
NBGRADER = [sys.executable, "-m", "nbgrader"]
TITO_HOME = Path(__file__).resolve().parents[1]       # the folder holding the running `tito` package
# The per-cell execution timeout (s) used when nothing else is asked for.
DEFAULT_CELL_TIMEOUT = 60


def write_config(course_dir: Path, repo_root: Path, cell_timeout: int = DEFAULT_CELL_TIMEOUT,
                 restarting: bool = False) -> Path:
    """nbgrader_config.py for a course folder. With `restarting`, autograde runs the notebook with
    tito's RestartingExecute (a dead kernel is restarted instead of failing the whole notebook)."""
    lines = [
        "# Written by tito for one nbgrader run; deleted afterwards.",
        "import sys",
        f"sys.path.insert(0, {str(repo_root)!r})",
        f"sys.path.insert(0, {str(TITO_HOME)!r})   # this tito (tito.grading_kernel, tito.sandbox)",
        "c = get_config()",
        f"c.CourseDirectory.root = {str(course_dir)!r}",
        f"c.CourseDirectory.course_id = {COURSE_ID!r}",
        f"c.ExecutePreprocessor.timeout = {int(cell_timeout)}",
        f"c.Execute.timeout = {int(cell_timeout)}",
        "c.Execute.execute_retries = 0",
    ]
    if restarting:
        lines += [
            "from tito.grading_kernel import autograde_preprocessors",
            "c.Autograde.autograde_preprocessors = autograde_preprocessors()",
        ]
    path = course_dir / "nbgrader_config.py"
    course_dir.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(args: list[str], course_dir: Path, repo_root: Path, timeout: float = 600,
        limits: tuple[int, int] | None = None, extra_env: dict[str, str] | None = None
        ) -> tuple[int | None, str]:
    """Run `nbgrader ARGS` in `course_dir`; returns (exit status or None on timeout, output).

    With `limits` = (memory bytes, CPU seconds) the child runs under tito.limits (setrlimit, then
    exec nbgrader; the kernel nbgrader starts inherits the limits) in its own process group."""
    env = child_env(repo_root)
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = "1"
    env.update(extra_env or {})
    if limits is None:
        return run_captured(NBGRADER + args, course_dir, env, timeout)
    memory, cpu = limits
    cmd = [sys.executable, "-m", "tito.limits", str(memory), str(cpu), "--", *NBGRADER, *args]
    return _run_group(cmd, course_dir, env, timeout)


def _run_group(cmd, cwd, env, timeout) -> tuple[int | None, str]:
    """Like run_captured, but in a new session, the output going to a file (never a pipe: a process
    left holding a pipe open would block the read), every wait bounded, and the whole process group
    (nbgrader and anything it started outside a sandbox) killed on timeout and when it ends."""
    import os
    import signal
    import subprocess
    import tempfile

    with tempfile.TemporaryFile(mode="w+b") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        code: int | None
        try:
            code = proc.wait(timeout=timeout)
            suffix = ""
        except subprocess.TimeoutExpired:
            code, suffix = None, f"\n[stopped: still running after {timeout:g} s; killed]"
        finally:
            # A kernel left behind by a crashed nbgrader must not outlive the run.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:      # pragma: no cover - SIGKILL could not be delivered
                pass
        log.seek(0)
        out = log.read().decode(errors="replace")
    return code, out + suffix


def generate_assignments(course_dir: Path, assignments: list[str], repo_root: Path) -> dict[str, Path]:
    """One `nbgrader generate_assignment '*'` run over source/<assignment>/ (every folder there, which
    must be exactly `assignments`); returns {assignment: release/<assignment>/}."""
    code, out = run(["generate_assignment", "*", "--force", "--create"], course_dir, repo_root)
    releases = {a: course_dir / "release" / a for a in assignments}
    missing = [a for a, path in releases.items() if not path.is_dir()]
    if code != 0 or missing:
        raise TitoError(f"nbgrader generate_assignment failed for {', '.join(missing) or 'a module'}: "
                        f"{tail(out, 8)}")
    return releases


def copy_tree(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc"))
