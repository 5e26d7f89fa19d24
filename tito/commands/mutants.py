"""`tito mutants [NN ...] [--all]`: autograde known-wrong solutions; each must lose points.

The work is done by tito/mutants.py; this file parses the options and prints the progress lines, the
table and the summary. Exit 1 when a mutant keeps full marks or is broken, the reference is not full
marks, the released stub does not score 0, or a module has fewer mutants than --min.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .. import manifest
from .. import mutants as engine
from ..grading import Limits
from ..report import EXIT_FAILED, console, seconds, select_modules


def register(app: typer.Typer) -> None:
    @app.command("mutants", epilog="Examples: tito mutants 03 | tito mutants --all -j 2 | "
                                   "tito mutants 01 --mutants-dir /tmp/my-mutants --min 0")
    def mutants_cmd(
        modules: Optional[List[str]] = typer.Argument(
            None, metavar="NN", help="Module numbers or slugs (default: every ready module)."),
        all_: bool = typer.Option(False, "--all", help="Every module marked ready in course.toml."),
        jobs: int = typer.Option(2, "--jobs", "-j", min=1, help="nbgrader runs at once."),
        mutants_dir: Optional[Path] = typer.Option(
            None, "--mutants-dir", help="Folder holding NN_slug/<mutant>.py (default: tests/mutants)."),
        min_mutants: int = typer.Option(engine.MIN_MUTANTS, "--min", min=0,
                                        help="Fail a module with fewer mutants than this."),
        timeout: int = typer.Option(60, "--timeout", min=1, help="Seconds each cell may run."),
    ):
        """Autograde, with real nbgrader (hidden tests included), each module's reference notebook (must
        score full marks), its released student notebook (must score 0) and each mutant in
        tests/mutants/NN_slug/ (a known-wrong patch of one solution; must lose points). Format of a
        mutant: tests/mutants/README.md.
        """
        course = manifest.load()
        selected = select_modules(course, modules, all_)
        start = time.perf_counter()
        lock = threading.Lock()
        state = {"done": 0, "total": 0}

        def started(total: int, setup: float) -> None:
            state["total"] = total
            console.print(f"reference notebooks and nbgrader release built for "
                          f"{', '.join(m.dirname for m in selected)} in {seconds(setup)}; "
                          f"grading {total} notebook(s), {jobs} nbgrader run(s) at once")

        def done(rep, o) -> None:
            with lock:
                if o.graded or o.kind != "mutant":
                    state["done"] += 1
                count = f"[{state['done']}/{state['total']}]" if not o.broken else "[broken]"
                score = f"{o.score:g}/{o.max_score:g}" if not o.broken else "-"
                console.print(f"{count:>9} {rep.module.dirname:<16} {o.name:<28} {score:>9}  {o.verdict}"
                              f"  ({seconds(time.perf_counter() - start)})", markup=False)

        reports = engine.run(course, selected, mutants_dir, jobs=jobs, limits=Limits(cell_timeout=timeout),
                             min_mutants=min_mutants, on_done=done, on_start=started)
        elapsed = time.perf_counter() - start
        # piped output (CI logs) gets 160 columns instead of rich's 80, so the tables stay readable
        out = console if console.is_terminal else Console(width=160, highlight=False)
        for rep in reports:
            out.print(table(rep))
        failed = False
        for rep in reports:
            bad = [o for o in rep.outcomes if not o.ok]
            for note in rep.notes:
                console.print(f"[red]{rep.module.dirname}: {escape(note)}[/]")
            for o in bad:
                why = o.problem or ("kept full marks" if o.kind == "mutant" else ", ".join(o.lost) or o.verdict)
                console.print(f"[red]{rep.module.dirname} {escape(o.name)}: {o.verdict}: {escape(why)}[/]")
            failed |= not rep.ok
            graded = sum(1 for o in rep.outcomes if o.graded)
            console.print(f"{rep.module.dirname}: {graded} notebook(s) graded in {seconds(rep.seconds)} of "
                          f"nbgrader runs; {rep.mutants} mutant(s), "
                          f"{sum(1 for o in rep.outcomes if o.kind == 'mutant' and o.ok)} caught")
        console.print(f"total time {seconds(elapsed)} for {len(reports)} module(s)"
                      + (f", {seconds(elapsed / len(reports))} per module" if len(reports) > 1 else ""))
        if failed:
            console.print("[bold red]mutants: FAILED[/] (see the lines above)")
            raise typer.Exit(EXIT_FAILED)
        console.print("[bold green]mutants: every mutant lost points; reference full marks, stub 0[/]")


def table(rep) -> Table:
    """One module's notebooks: score, verdict, the graded cells that lost points, what the mutant breaks."""
    t = Table(title=f"{rep.module.dirname}: each mutant must lose points", title_justify="left")
    t.add_column("notebook", overflow="fold", max_width=34)
    t.add_column("score", justify="right", no_wrap=True)
    t.add_column("verdict", no_wrap=True)
    t.add_column("graded cells that lost points", overflow="fold", max_width=50)
    t.add_column("what is wrong", overflow="fold")
    for o in rep.outcomes:
        score = "-" if o.broken else f"{o.score:g}/{o.max_score:g}"
        detail = o.problem if o.broken else "; ".join(o.lost)
        if o.kind == engine.STUB and o.ok:
            detail = ""
        t.add_row(o.name, score, o.verdict, detail, o.doc, style="" if o.ok else "red")
    return t
