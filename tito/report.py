"""Shared pieces of tito's output: the rich consoles, the user-facing error type, small formatters.

Commands raise `TitoError` (or `ManifestError` / `CellParseError`) for anything the user got wrong;
tito/cli.py turns those into one line on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from .manifest import Course, Module

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_FAILED = 1      # the command ran, and what it checked failed (tests, sync check, rules)
EXIT_USAGE = 2       # the command could not run: unknown module, missing file, broken input


class TitoError(Exception):
    """A problem the user can fix (bad argument, missing file). Printed as one line, exit status 2."""


def error(message: str) -> None:
    err_console.print(f"[bold red]tito: error:[/] {message}", markup=True, soft_wrap=True)


def warn(message: str) -> None:
    err_console.print(f"[yellow]tito: warning:[/] {message}", markup=True, soft_wrap=True)


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def tail(text: str, lines: int = 25) -> str:
    """The last `lines` lines of `text` (what usually explains a failure)."""
    parts = text.rstrip().splitlines()
    cut = parts[-lines:]
    prefix = [f"... ({len(parts) - lines} earlier lines not shown)"] if len(parts) > lines else []
    return "\n".join(prefix + cut)


def relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def require_source(module: Module) -> Path:
    """The module's source file, or a TitoError saying it does not exist yet."""
    if not module.source.is_file():
        state = "planned, not written yet" if not module.ready else "marked ready in course.toml"
        raise TitoError(f"module {module.tag} ({module.slug}) has no source file "
                        f"{relative(module.source, module.root)} ({state})")
    return module.source


def select_modules(course: Course, refs: list[str] | None, all_: bool) -> list[Module]:
    """Modules named on the command line, or every ready module (none named, or --all)."""
    modules = course.select(refs or None, all_)
    if not modules:
        raise TitoError("no module is marked ready in course.toml; name the modules to use, e.g. `01`")
    return modules


def child_env(root: Path) -> dict[str, str]:
    """Environment for a child Python: the course's own `tinytorch` first on the path, no GUI plots."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("MPLBACKEND", "Agg")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # Child tools (nbgrader -> alembic, jupyter) are found next to this interpreter.
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bindir, env.get("PATH", "")])
    return env


def run_captured(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[int | None, str]:
    """Run `cmd`, return (exit status or None on timeout, combined stdout+stderr)."""
    try:
        done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.output or ""
        out = out.decode(errors="replace") if isinstance(out, bytes) else out
        return None, out + f"\n[stopped: still running after {timeout:g} s]"
    return done.returncode, done.stdout
