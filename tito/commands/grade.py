"""`tito grade SUBMISSIONS [--out gradebook.csv]`: autograde submissions with nbgrader."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .. import manifest
from ..grading import Limits, find_submissions, flagged_cells, grade_all, shard, write_gradebook
from ..report import console, err_console


def register(app: typer.Typer) -> None:
    @app.command("grade", epilog="Example: tito grade submissions/ --out gradebook.csv  "
                                 "(with submissions/alice/01_tensor/tensor_dev.ipynb, ...)")
    def grade_cmd(
        submissions: Path = typer.Argument(..., metavar="SUBMISSIONS",
                                           help="Folder laid out as <student_id>/<NN_slug>/<slug>_dev.ipynb."),
        out: Path = typer.Option(Path("gradebook.csv"), "--out", help="CSV gradebook; the markdown one is written beside it (.md)."),
        timeout: int = typer.Option(60, "--timeout", min=1, help="Seconds each cell may run."),
        memory_mb: int = typer.Option(2048, "--memory-mb", min=128, help="Memory limit (MiB) of each process, and of all the submission's processes together."),
        cpu_seconds: int = typer.Option(600, "--cpu-seconds", min=1, help="CPU-time limit (s) of each process."),
        max_procs: int = typer.Option(64, "--max-procs", min=4, help="Processes one submission may run at once (its whole sandbox)."),
        jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Notebooks graded at once."),
        course_dir: Path = typer.Option(None, "--course", help="The course repository (default: the one holding the current folder)."),
        shard_spec: str = typer.Option(None, "--shard", metavar="K/N", help="Grade only the K-th of N deterministic slices (merge with `tito gradebook merge`)."),
        unsafe: bool = typer.Option(False, "--unsafe", help="Grade even where the bubblewrap sandbox cannot run (student code then runs with your rights; every gradebook row says so)."),
    ):
        """Autograde every submission with nbgrader (the instructor's tests, hidden tests included, are put
        back before running), each notebook in its own nbgrader run with its own gradebook, on a copy
        (the submissions are never changed). The student's code runs in a bubblewrap sandbox (Linux,
        `apt-get install bubblewrap`): it sees only its notebook copy, the Python environment and the
        student-release package with the student's own exported modules; never the course repository,
        the answers, the gradebook or other submissions. Per-cell timeout, memory/CPU limits per process,
        memory and process-count limits for the whole submission. Writes a CSV and a markdown gradebook
        (per student, module and graded cell) and prints a summary of failures. Run it in the course
        repository or pass --course PATH; split a big class with --shard K/N and `tito gradebook merge`.
        A module is graded against the student's own earlier modules found in SUBMISSIONS (a stub for any
        module of theirs not there): grade from the folder that holds all of a class's submissions.
        """
        course = manifest.load(course_dir)
        skipped: list[str] = []
        subs = everything = find_submissions(course, submissions, skipped)
        if shard_spec:
            subs = shard(subs, shard_spec)
            skipped = skipped if shard_spec.split("/")[0] == "1" else []    # noted once, in shard 1
        if not subs:
            md = write_gradebook([], out, skipped)
            console.print(f"shard {shard_spec}: nothing to grade. Gradebook: {out} and {md}")
            return
        limits = Limits(cell_timeout=timeout, memory_mb=memory_mb, cpu_seconds=cpu_seconds, max_procs=max_procs)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err_console, transient=False) as bar:
            task = bar.add_task("grading", total=len(subs))

            def done(sub):
                bar.update(task, advance=1, description=f"graded {sub.student} {sub.module.dirname}")

            grade_all(course, subs, limits, jobs=jobs, on_done=done, unsafe=unsafe, everything=everything)
        md = write_gradebook(subs, out, skipped)
        for problem in skipped:
            err_console.print(f"not graded: {problem}")
        for s in subs:
            console.print(f"{s.student:<16} {s.module.dirname:<18} {s.score:g} / {s.max_score:g}"
                          + (f"   ({s.problem})" if s.problem else ""))
        failed = [(s, c) for s in subs for c in s.cells if c.score < c.max_score]
        for s, c in flagged_cells(subs):
            err_console.print(f"flagged: {s.student} {s.module.dirname} {c.grade_id}: {c.unreproduced}")
        console.print(f"{len(subs)} notebooks graded, {len(failed)} graded cells below full marks. "
                      f"Gradebook: {out} and {md}")
