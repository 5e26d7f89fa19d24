"""`tito notebooks [NN ...] [--all]`: build modules/NN_slug/slug_dev.ipynb from slug_dev.py."""
from __future__ import annotations

import time
from typing import List, Optional

import typer

from .. import manifest
from ..report import console, relative, require_source, seconds, select_modules


def register(app: typer.Typer) -> None:
    @app.command("notebooks", epilog="Examples: tito notebooks 01 | tito notebooks --all")
    def notebooks(
        modules: Optional[List[str]] = typer.Argument(
            None, metavar="NN", help="Module numbers or slugs (default: every ready module)."),
        all_: bool = typer.Option(False, "--all", help="Every module marked ready in course.toml."),
    ):
        """Generate each module's Jupyter notebook from its .py source (nbgrader metadata kept exactly).

        Notebooks are build output: they are regenerated, never edited or committed.
        """
        from ..notebooks import to_notebook      # jupytext + nbformat: imported only when needed

        course = manifest.load()
        selected = select_modules(course, modules, all_)
        start = time.perf_counter()
        for module in selected:
            dest = to_notebook(require_source(module), module.notebook)
            console.print(f"{module.tag} {module.slug:<14} -> {relative(dest, course.root)}")
        console.print(f"wrote {len(selected)} notebook(s) in {seconds(time.perf_counter() - start)}")
