"""`tito test [NN ...] [--all]`: run each module's inline tests (the module file as a script) and then
its pytest folder tests/NN_slug/, and print a summary table."""
from __future__ import annotations

import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from .. import manifest
from ..manifest import Module
from ..report import (EXIT_FAILED, child_env, console, relative, require_source, run_captured, seconds,
                      select_modules, tail)


@dataclass
class Step:
    ok: bool
    summary: str        # what the table shows
    output: str         # full output, its tail is shown on failure


@dataclass
class ModuleRun:
    module: Module
    inline: Step
    pytest: Step | None      # None: the module has no tests/NN_slug folder
    elapsed: float

    @property
    def ok(self) -> bool:
        return self.inline.ok and (self.pytest is None or self.pytest.ok)


def run_inline(module: Module, timeout: float) -> Step:
    """`python slug_dev.py` in an empty temporary folder, so files the module writes land there."""
    with tempfile.TemporaryDirectory(prefix=f"tito-test-{module.tag}-") as tmp:
        code, out = run_captured([sys.executable, str(module.source)], Path(tmp), child_env(module.root), timeout)
    if code is None:
        return Step(False, f"timeout ({timeout:g} s)", out)
    return Step(code == 0, "ok" if code == 0 else f"failed (exit {code})", out)


SUMMARY_WORD = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)\b")


def pytest_counts(output: str) -> dict[str, int]:
    """{'passed': 3, 'failed': 1, ...} from pytest's final summary line (the last line that has counts)."""
    for line in reversed(output.splitlines()):
        found = SUMMARY_WORD.findall(line)
        if found:
            return {("error" if word.startswith("error") else word): int(n) for n, word in found}
    return {}


def run_pytest(module: Module, timeout: float) -> Step | None:
    if not module.tests_dir.is_dir():
        return None
    cmd = [sys.executable, "-m", "pytest", str(module.tests_dir), "-q", "--import-mode=importlib",
           "-p", "no:cacheprovider"]
    code, out = run_captured(cmd, module.root, child_env(module.root), timeout)
    if code is None:
        return Step(False, f"timeout ({timeout:g} s)", out)
    counts = pytest_counts(out)
    if code == 5:       # pytest: no tests were collected
        return Step(True, "no tests collected", out)
    parts = [f"{counts.get('passed', 0)} passed"]
    parts += [f"{counts[k]} {k}" for k in ("failed", "error", "skipped") if counts.get(k)]
    if code != 0 and not counts.get("failed") and not counts.get("error"):
        parts.append(f"exit {code}")
    return Step(code == 0, ", ".join(parts), out)


def run_module(module: Module, timeout: float) -> ModuleRun:
    require_source(module)
    start = time.perf_counter()
    inline = run_inline(module, timeout)
    tests = run_pytest(module, timeout)
    return ModuleRun(module, inline, tests, time.perf_counter() - start)


def summary_table(runs: list[ModuleRun]) -> Table:
    table = Table(title="tito test")
    for name in ("module", "inline tests", "pytest", "time"):
        table.add_column(name)
    for run in runs:
        mark = lambda step: f"[green]{step.summary}[/]" if step.ok else f"[red]{step.summary}[/]"
        table.add_row(f"{run.module.tag} {run.module.slug}", mark(run.inline),
                      mark(run.pytest) if run.pytest else "[dim]no tests folder[/]", seconds(run.elapsed))
    return table


def register(app: typer.Typer) -> None:
    @app.command("test", epilog="Examples: tito test 01 | tito test --all | tito test 01 02 --timeout 300")
    def test(
        modules: Optional[List[str]] = typer.Argument(
            None, metavar="NN", help="Module numbers or slugs (default: every ready module)."),
        all_: bool = typer.Option(False, "--all", help="Every module marked ready in course.toml."),
        timeout: float = typer.Option(300.0, "--timeout", min=1, help="Seconds allowed for each step."),
    ):
        """Run each module's inline tests and its pytest tests; exit 1 if anything failed.

        Inline tests: `python modules/NN_slug/slug_dev.py`, run in a temporary folder. Pytest tests: tests/NN_slug/.
        """
        course = manifest.load()
        selected = select_modules(course, modules, all_)
        runs = []
        for module in selected:
            console.print(f"testing {module.tag} {module.slug} ...")
            runs.append(run_module(module, timeout))
        for run in runs:
            for label, step in (("inline tests", run.inline), ("pytest", run.pytest)):
                if step is not None and not step.ok:
                    what = relative(run.module.source, course.root) if label == "inline tests" \
                        else relative(run.module.tests_dir, course.root)
                    console.rule(f"{run.module.tag} {run.module.slug}: {label} failed ({what})")
                    console.print(tail(step.output), markup=False, highlight=False)
        console.print(summary_table(runs))
        failed = [r for r in runs if not r.ok]
        if failed:
            console.print(f"[red]{len(failed)} of {len(runs)} module(s) failed[/]")
            raise typer.Exit(EXIT_FAILED)
        console.print(f"[green]all {len(runs)} module(s) passed[/]")
