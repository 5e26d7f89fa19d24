"""`tito export [NN ...] [--all] [--check]`: write each module's `#| export` cells into the package."""
from __future__ import annotations

import sys
import time
from typing import List, Optional

import typer

from .. import manifest
from ..export import export_module
from ..report import (EXIT_FAILED, child_env, console, relative, require_source, run_captured, seconds,
                      select_modules, tail)


def register(app: typer.Typer) -> None:
    @app.command("export", epilog="Examples: tito export 01 | tito export --all | tito export --check")
    def export(
        modules: Optional[List[str]] = typer.Argument(
            None, metavar="NN", help="Module numbers or slugs (default: every ready module)."),
        all_: bool = typer.Option(False, "--all", help="Every module marked ready in course.toml."),
        check: bool = typer.Option(False, "--check",
                                   help="Write nothing; exit 1 and name each package file that is out of sync."),
    ):
        """Export modules into the tinytorch package (the file course.toml names as each module's target).

        Only cells starting with `#| export` go to the package; solution markers are dropped (their code kept) and hidden-test blocks are dropped.
        """
        course = manifest.load()
        selected = select_modules(course, modules, all_)
        start = time.perf_counter()
        stale = []
        for module in selected:
            require_source(module)
            result = export_module(module, course.root, check=check)
            target = relative(result.path, course.root)
            if check:
                if result.changed:
                    stale.append((module, target))
                continue
            state = "written" if result.changed else "unchanged"
            console.print(f"{module.tag} {module.slug:<14} -> {target} ({state})")
        elapsed = seconds(time.perf_counter() - start)
        if not check:
            console.print(f"exported {len(selected)} module(s) in {elapsed}")
            return
        if stale:
            for module, target in stale:
                console.print(f"{target}: out of sync with "
                              f"{relative(module.source, course.root)}; run `tito export {module.tag}`")
            console.print(f"{len(stale)} of {len(selected)} package file(s) out of sync (checked in {elapsed})")
            raise typer.Exit(EXIT_FAILED)
        problem = import_problem(course.root)
        if problem:
            console.print(f"the package files match their modules, but `import tinytorch` fails: {problem}")
            raise typer.Exit(EXIT_FAILED)
        console.print(f"all {len(selected)} package file(s) in sync (checked in {elapsed})")


def import_problem(root) -> str:
    """'' when `import tinytorch` works in a fresh Python at `root`, else the last lines of its error."""
    code, out = run_captured([sys.executable, "-c", "import tinytorch"], root, child_env(root), 120)
    return "" if code == 0 else tail(out, 3)
