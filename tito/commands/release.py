"""`tito release [NN ...] --to DIR`: build a student workspace (a course release) with nbgrader."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .. import manifest, release
from ..report import console, relative, select_modules, warn


def register(app: typer.Typer) -> None:
    @app.command("release", epilog="Example: tito release 01 02 --to ~/tinytorch-work  |  tito release --to release/")
    def release_cmd(
        modules: Optional[List[str]] = typer.Argument(
            None, metavar="NN", help="Module numbers or slugs (default: every ready module)."),
        to: Path = typer.Option(..., "--to", help="Folder to write the workspace into (empty, or a previous release)."),
        force: bool = typer.Option(False, "--force", help="Write into a non-empty folder that is not a previous release."),
    ):
        """Build a student workspace: student notebooks made by nbgrader (solutions replaced by stubs,
        hidden tests removed), paired .py files, the student tinytorch package, the public tests, the
        milestones, the manifest, pristine copies for `tito module reset` and a fresh progress store.

        Releasing again into an existing workspace adds the new modules and never replaces the
        student's work (notebooks, .py files, their exported package files, progress); other files it
        replaces are first copied to DIR/.tinytorch/backups/. `tito module reset NN` gives the new stub.
        """
        course = manifest.load()
        selected = select_modules(course, modules, False)
        result = release.build(course, selected, to, force=force, say=lambda m: console.print(m, style="dim"))
        for m in selected:
            names = ", ".join(f"{n}()" for n in result.stubs.get(m.tag, [])) or "none"
            console.print(f"{m.tag} {m.slug:<14} stubs to implement: {names}")
        if result.skipped_tests:
            console.print("Not shipped (they test the course repository, not the student's code): "
                          + ", ".join(result.skipped_tests), style="dim")
        for w in result.warnings:
            warn(w)
        if result.kept:
            console.print(f"Kept the student's version of {len(result.kept)} file(s) (use `tito module reset NN` "
                          "for a fresh stub): " + ", ".join(result.kept))
        if result.backups:
            console.print(f"Replaced files were backed up to {relative(result.backups, result.dest)}")
        console.print(f"Workspace ready: {result.dest}\nNext: cd {result.dest} && tito module start "
                      f"{selected[0].tag}")
