"""`tito milestone list` and `tito milestone run NN [ARGS...] | --all`.

A milestone may run only when every module it requires is complete. What "complete" means depends on
where tito runs, and progress.py decides it (`progress.complete_where_tito_runs`): in a student
workspace, the progress store; in the course repository, status "ready" in course.toml.
`missing_prerequisites` is the one place that applies it to a milestone; other commands import it.
"""
from __future__ import annotations

import subprocess
import sys
import time
from typing import Optional

import typer
from rich.table import Table

from .. import manifest, progress, workspace
from ..manifest import Course, Milestone, Module
from ..report import EXIT_FAILED, TitoError, child_env, console, relative, seconds


def missing_prerequisites(course: Course, milestone: Milestone) -> list[Module]:
    """The modules `milestone` requires that are not complete yet, in course order."""
    done = progress.complete_where_tito_runs(course)
    return [course.module(n) for n in milestone.requires if n not in done]


def describe_missing(course: Course, milestone: Milestone, missing: list[Module]) -> str:
    names = ", ".join(f"{m.tag} {m.slug}" for m in missing)
    how = ("finish each with `tito module complete NN`" if workspace.at(course.root) is not None
           else "each must be marked ready in course.toml")
    return (f"milestone {milestone.tag} ({milestone.title}) needs module(s) that are not complete yet: "
            f"{names}; {how}")


def check_runnable(course: Course, milestone: Milestone) -> None:
    """Raise TitoError naming what stops `milestone` from running."""
    missing = missing_prerequisites(course, milestone)
    if missing:
        raise TitoError(describe_missing(course, milestone, missing))
    if not milestone.path.is_file():
        raise TitoError(f"milestone {milestone.tag} ({milestone.slug}, status {milestone.status}) has no "
                        f"script {relative(milestone.path, course.root)}")


def run_script(course: Course, milestone: Milestone, args: list[str]) -> int:
    """Run the milestone script with this Python from the repo root; its output streams through."""
    console.rule(f"milestone {milestone.tag}: {milestone.title} ({milestone.year})")
    console.file.flush()
    done = subprocess.run([sys.executable, str(milestone.path), *args], cwd=course.root,
                          env=child_env(course.root))
    code = done.returncode
    return 128 - code if code < 0 else code      # killed by a signal: shell convention 128 + signal


def list_():
    """List the milestones, the modules each needs, and which of those are still missing."""
    course = manifest.load()
    done = progress.complete_where_tito_runs(course)
    table = Table(title=f"{course.name} milestones")
    for name in ("#", "milestone", "year", "status", "needs modules", "missing"):
        table.add_column(name)
    for s in course.milestones:
        missing = [f"{n:02d}" for n in s.requires if n not in done]
        table.add_row(s.tag, s.title, str(s.year), s.status, " ".join(f"{n:02d}" for n in s.requires),
                      "[red]" + " ".join(missing) + "[/]" if missing else "[green]none[/]")
    console.print(table)


def run(
    ctx: typer.Context,
    number: Optional[str] = typer.Argument(None, metavar="NN", help="Milestone number or slug."),
    all_: bool = typer.Option(False, "--all", help="Run every milestone marked ready in course.toml."),
):
    """Run a milestone script (after checking its prerequisite modules); exit with its exit code.

    Arguments after NN are passed to the script; put `--` before them if they look like tito options.
    """
    course = manifest.load()
    if all_:
        if number is not None or ctx.args:
            raise TitoError("give either a milestone number (with its arguments) or --all, not both")
        run_all(course)
        return
    if number is None:
        raise TitoError("name a milestone (see `tito milestone list`) or pass --all")
    milestone = course.milestone(number)
    check_runnable(course, milestone)
    code = run_script(course, milestone, list(ctx.args))
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Historical milestones that use the modules you built.", no_args_is_help=True)
    group.command("list", epilog="Example: tito milestone list")(list_)
    group.command("run", context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
                  epilog="Examples: tito milestone run 01 | tito milestone run 03 -- --epochs 5 | "
                         "tito milestone run --all")(run)
    app.add_typer(group, name="milestone")


def run_all(course: Course) -> None:
    stones = [s for s in course.milestones if s.ready]
    if not stones:
        console.print("no milestone is marked ready in course.toml; nothing to run")
        return
    for s in stones:
        check_runnable(course, s)
    results = []
    for s in stones:
        start = time.perf_counter()
        code = run_script(course, s, [])
        results.append((s, code, time.perf_counter() - start))
    table = Table(title="milestones")
    for name in ("#", "milestone", "result", "time"):
        table.add_column(name)
    for s, code, elapsed in results:
        table.add_row(s.tag, s.title, "[green]ok[/]" if code == 0 else f"[red]exit {code}[/]", seconds(elapsed))
    console.print(table)
    if any(code != 0 for _, code, _ in results):
        raise typer.Exit(EXIT_FAILED)
