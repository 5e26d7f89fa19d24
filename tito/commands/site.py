"""`tito site [--out DIR]`: build the course website (executed modules, milestones, guides, API, search).

Needs the `site` extra (`pip install -e '.[site]'`); students never need it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .. import manifest, site, workspace
from ..report import EXIT_FAILED, TitoError, console, relative, warn


def register(app: typer.Typer) -> None:
    @app.command("site", epilog="Example: tito site --out build/site && python -m http.server -d build/site 8000")
    def site_cmd(
        out: Optional[Path] = typer.Option(
            None, "--out", help="Folder for the built site (default: build/site, or build/site-instructor "
                                "with --with-solutions). Its contents are replaced."),
        with_solutions: bool = typer.Option(
            False, "--with-solutions", help="Instructor build: show the reference solutions and hidden tests."),
        jobs: int = typer.Option(2, "--jobs", "-j", min=1, help="Notebooks and milestones run in parallel."),
        cache: Optional[Path] = typer.Option(
            None, "--cache", help="Cache of executed notebooks and milestone runs (default: build/site-cache)."),
        no_milestones: bool = typer.Option(
            False, "--no-milestones", help="Do not run the milestones (their page says so)."),
    ):
        """Build a static website of the course: a home page with the module map, one page per ready
        module (its notebook executed, code as the student sees it), the milestones with their measured
        results and curves, the student and instructor guides, the API reference and a search box.

        Notebooks and milestones are executed with a cache keyed on their source and the package, so a
        rebuild with nothing changed runs nothing. Exits 1 when a notebook or milestone failed (the
        site is still written and shows the failure).
        """
        course = manifest.load()
        root = course.root
        if workspace.at(root) is not None:
            raise TitoError(f"{root} is a student workspace; `tito site` builds the course website from the "
                            "course repository (it executes the reference modules)")
        out = out or root / "build" / ("site-instructor" if with_solutions else "site")
        cache = cache or root / "build" / "site-cache"
        result = site.build(course, out, cache, with_solutions=with_solutions, jobs=jobs,
                            milestones=not no_milestones, say=lambda m: console.print(m, style="dim"))
        ran = sum(not r.cached for r in result.modules) + sum(not r.cached and r.folder is not None
                                                             for r in result.milestones)
        console.print(f"Site written to {relative(result.out, root)} in {result.seconds:.0f} s "
                      f"({ran} notebook(s)/milestone(s) run, the rest from the cache). "
                      f"Serve it: python -m http.server -d {relative(result.out, root)} 8000")
        for failure in result.failures:
            warn(failure)
        if result.failures:
            raise typer.Exit(EXIT_FAILED)
