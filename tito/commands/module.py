"""`tito module start|complete|status|reset`: the student's side of the course, in a workspace made
by `tito release`. Progress lives in ONE file, .tinytorch/progress.json (tito/progress.py)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import typer
from rich.table import Table

from .. import progress, student, workspace
from ..export import export_module
from ..report import EXIT_FAILED, TitoError, console, relative

HELP = "Work through a module in your workspace: start it, complete it (tests YOUR code), see status, reset."


def start(
    number: str = typer.Argument(..., metavar="NN", help="Module number or slug, e.g. 01."),
    open_: bool = typer.Option(False, "--open", help="Open the notebook in Jupyter Lab."),
    force: bool = typer.Option(False, "--force", help="Start even if prerequisites are not complete."),
):
    """Check the module's prerequisites, mark it started, and show where its notebook is."""
    ws = workspace.find()
    module = ws.module(number)
    done = progress.completed_modules(ws.root)
    missing = [ws.course.module(r) for r in module.requires if r not in done]
    if missing and not force:
        names = ", ".join(f"{m.tag} ({m.title})" for m in missing)
        console.print(f"Module {module.tag} ({module.title}) needs {names} completed first. "
                      f"Run `tito module complete {missing[0].tag}` (or pass --force to look anyway).")
        raise typer.Exit(EXIT_FAILED)
    progress.mark_started(ws.root, module.tag)
    nb = relative(ws.notebook(module), ws.root)
    py = relative(ws.paired_py(module), ws.root)
    console.print(f"Module {module.tag}: {module.title}\n  notebook: {nb}\n  or edit:  {py} "
                  "(paired with the notebook; `complete` syncs it)")
    if open_:
        _open_jupyter(ws.notebook(module), ws.root)
    console.print(f"Next: implement every function that raises NotImplementedError, then run "
                  f"`tito module complete {module.tag}`.")


def complete(
    number: str = typer.Argument(..., metavar="NN", help="Module number or slug, e.g. 01."),
    timeout: int = typer.Option(student.CELL_TIMEOUT, "--timeout", min=1, help="Seconds each notebook cell may run."),
):
    """Run YOUR notebook top to bottom in a Jupyter kernel, export your code into your tinytorch
    package, run the module's public tests against that package, and record the result."""
    ws = workspace.find()
    module = ws.module(number)
    outcome = student.complete(ws, module, cell_timeout=timeout,
                               say=lambda m: console.print(m, style="dim"))
    progress.mark_attempt(ws.root, module.tag, outcome.passed, outcome.tests_passed, outcome.tests_total)
    if outcome.passed:
        _report_success(ws, module, outcome)
    else:
        _report_failure(ws, module, outcome)
        raise typer.Exit(EXIT_FAILED)


def status():
    """One table of every module in the course: state, public tests, last completed."""
    ws = workspace.find()
    data = progress.load(ws.root)["modules"]
    done = progress.completed_modules(ws.root)
    table = Table(title=f"{ws.course.name}: your progress ({len(done)} of {len(ws.course.modules)} complete)")
    for col in ("NN", "module", "state", "tests", "last completed"):
        table.add_column(col)
    for m in ws.course.modules:
        rec = data.get(m.tag, {})
        tests = f"{rec['tests_passed']}/{rec['tests_total']}" if "tests_total" in rec else "-"
        table.add_row(m.tag, m.title, _state(ws, m, rec, done), tests, rec.get("completed_at", "-"))
    console.print(table)


def reset(
    number: str = typer.Argument(..., metavar="NN", help="Module number or slug, e.g. 01."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
):
    """Back up your notebook and .py to .tinytorch/backups/, then restore the fresh stub version."""
    ws = workspace.find()
    module = ws.module(number)
    pristine = ws.pristine(module)
    if not pristine.is_file():
        raise TitoError(f"{relative(pristine, ws.root)} is missing: this workspace cannot restore module "
                        f"{module.tag}; ask for a new release")
    if not yes and not typer.confirm(f"Replace your work on module {module.tag} with a fresh copy "
                                     "(a backup is kept)?", default=False):
        console.print("Nothing changed.")
        raise typer.Exit(EXIT_FAILED)
    backup = ws.backup([ws.notebook(module), ws.paired_py(module)], module.dirname)
    stamp = time.time()
    for src, dest in ((pristine, ws.notebook(module)), (pristine.with_suffix(".py"), ws.paired_py(module))):
        shutil.copyfile(src, dest)
        os.utime(dest, (stamp, stamp))
    export_module(module, ws.root, source=ws.notebook(module))
    progress.mark_reset(ws.root, module.tag)
    console.print(f"Your previous work is in {relative(backup, ws.root)}/\nModule {module.tag} is a fresh "
                  f"stub again: {relative(ws.notebook(module), ws.root)}")


def sync(
    number: str = typer.Argument(..., metavar="NN", help="Module number or slug, e.g. 01."),
    from_: str = typer.Option(..., "--from", metavar="py|ipynb",
                              help="The file that holds your work: `py` rebuilds the notebook from the paired "
                                   ".py (also a missing or broken notebook), `ipynb` rewrites the .py."),
):
    """Rewrite one file of the notebook/.py pair from the other; the replaced file is backed up first."""
    ws = workspace.find()
    module = ws.module(number)
    backup = student.sync_from(ws, module, from_)
    target = ws.notebook(module) if from_ == "py" else ws.paired_py(module)
    saved = f" (old file saved in {relative(backup, ws.root)}/)" if backup else ""
    console.print(f"Rebuilt {relative(target, ws.root)} from {relative(target.with_suffix('.' + from_), ws.root)}"
                  f"{saved}")


def restore(
    number: str = typer.Argument(..., metavar="NN", help="Module number or slug, e.g. 01."),
    backup: str = typer.Argument(None, metavar="[BACKUP]",
                                 help="A backup's number or folder name from the list (none: list them)."),
):
    """List the backups of a module's notebook and .py, or bring one back (the current files are
    backed up first)."""
    ws = workspace.find()
    module = ws.module(number)
    found = student.backups_of(ws, module)
    if backup is None:
        if not found:
            console.print(f"No backups of module {module.tag} in {workspace.STATE_DIR}/backups/.")
            return
        console.print(f"Backups of module {module.tag} (oldest first):")
        for i, folder in enumerate(found, start=1):
            files = ", ".join(p.name for p in sorted(folder.iterdir()) if p.is_file())
            console.print(f"  {i}. {relative(folder, ws.root)}  ({files})")
        console.print(f"Bring one back with `tito module restore {module.tag} N`.")
        return
    chosen = None
    if backup.isdigit() and 1 <= int(backup) <= len(found):
        chosen = found[int(backup) - 1]
    else:
        chosen = next((f for f in found if backup in (f.name, f.parent.parent.name, relative(f, ws.root))), None)
    if chosen is None:
        raise TitoError(f"no backup {backup!r} of module {module.tag}; `tito module restore {module.tag}` lists them")
    saved = student.restore(ws, module, chosen)
    console.print(f"Restored module {module.tag} from {relative(chosen, ws.root)}/ (your current files are in "
                  f"{relative(saved, ws.root)}/). `tito module complete {module.tag}` re-exports and tests it.")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help=HELP, no_args_is_help=True,
                        epilog="Example: tito module start 01 ; tito module complete 01 ; tito module status")
    group.command("start", epilog="Example: tito module start 01 --open")(start)
    group.command("complete", epilog="Example: tito module complete 01")(complete)
    group.command("status", epilog="Example: tito module status")(status)
    group.command("reset", epilog="Example: tito module reset 01 --yes")(reset)
    group.command("sync", epilog="Example: tito module sync 01 --from py")(sync)
    group.command("restore", epilog="Example: tito module restore 01  (lists) ; tito module restore 01 2")(restore)
    app.add_typer(group, name="module")


def _state(ws: workspace.Workspace, m, rec: dict, done: set[int]) -> str:
    if m.tag not in ws.modules:
        return "not released"
    state = rec.get("state")
    if state == "completed":
        return "[green]completed[/]"
    if state == "failed":
        return "[red]failed (last try)[/]"
    missing = [f"{r:02d}" for r in m.requires if r not in done]
    if missing:
        return f"locked (needs {', '.join(missing)})"
    return "started" if state == "started" else "available"


def _open_jupyter(notebook: Path, root: Path) -> None:
    jupyter = shutil.which("jupyter") or shutil.which("jupyter", path=str(Path(sys.executable).parent))
    if not jupyter:
        console.print("Jupyter is not installed here: `pip install jupyterlab`, then "
                      f"`jupyter lab {relative(notebook, root)}`")
        return
    subprocess.Popen([jupyter, "lab", str(notebook)], cwd=root, start_new_session=True)
    console.print("Jupyter Lab is starting in your browser (stop it with Ctrl-C in its terminal).")


def _report_success(ws, module, outcome: student.Outcome) -> None:
    tests = f"{outcome.tests_passed}/{outcome.tests_total} public tests passed" if outcome.tests_total else \
        "no public tests for this module"
    console.print(f"[green]Module {module.tag} ({module.title}) complete[/]: your notebook ran cleanly, "
                  f"{tests}. Your code is in {module.package_file.as_posix()}.")
    done = progress.completed_modules(ws.root)
    mods, stones = ws.course.unlocked_by(module.number)
    for m in mods:
        if all(r in done for r in m.requires):
            if m.tag in ws.modules:
                console.print(f"  Unlocked: module {m.tag} ({m.title}): `tito module start {m.tag}`")
            elif m.ready:          # a planned module is not announced: it does not exist yet
                console.print(f"  Next: module {m.tag} ({m.title}) is ready in the course but not in this "
                              "workspace yet; ask your instructor for a release that includes it")
    for s in stones:
        if all(r in done for r in s.requires):
            console.print(f"  Unlocked: milestone {s.tag} ({s.title}, {s.year}): `tito milestone run {s.tag}`")


SHOW = 8      # failing cells / tests listed by name; the rest are counted


def _more(items: list, what: str) -> None:
    if len(items) > SHOW:
        console.print(f"    ... and {len(items) - SHOW} more {what}")


def _report_failure(ws, module, outcome: student.Outcome) -> None:
    console.print(f"[red]Module {module.tag} ({module.title}) is not complete yet.[/]")
    if outcome.stubs:
        console.print("  Still stubs (they raise NotImplementedError): "
                      + ", ".join(f"{n}()" for n in outcome.stubs))
    for cell, err in outcome.cell_errors[:SHOW]:
        console.print(f"  Notebook cell {cell} failed: {err}")
    _more(outcome.cell_errors, "failing cells")
    if outcome.test_failures:
        console.print(f"  Public tests: {outcome.tests_passed} of {outcome.tests_total} passed; failing:")
        for name, msg in outcome.test_failures[:SHOW]:
            first, *rest = msg.splitlines() or [""]
            console.print(f"    {name}: {first}", markup=False)
            for line in rest:
                console.print(f"        {line}", markup=False)
        _more(outcome.test_failures, "failing tests")
    if outcome.test_problem:
        console.print(f"  Public tests: {outcome.test_problem}")
    console.print(f"Fix these in {relative(ws.notebook(module), ws.root)} (or the .py), then run "
                  f"`tito module complete {module.tag}` again.")
