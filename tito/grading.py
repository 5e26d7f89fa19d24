"""`tito grade`: autograde student submissions with nbgrader, safely, and write a gradebook.

SUBMISSIONS is a folder laid out as `<student_id>/<NN_slug>/<slug>_dev.ipynb` (for example
`submissions/alice/01_tensor/tensor_dev.ipynb`). Each notebook is graded by `nbgrader autograde` in its
own subprocess and its own throw-away nbgrader course folder (a copy of the submission, its OWN copy of
the gradebook), under a per-cell timeout and CPU/memory limits (tito.limits), with a wall-clock limit for
the whole notebook; tito reads each notebook's scores from its own gradebook and writes the CSV itself.
nbgrader puts the instructor's test cells (hidden tests included) back in before running, so a student
cannot edit the tests. nbgrader runs outside the sandbox; the kernel that runs the student's code runs
inside bubblewrap (tito.sandbox), importing only the student-release package with the student's own
exported modules, never the course's reference package. A kernel that dies or stops answering is
restarted and tampering is flagged (tito.grading_kernel). A graded cell that raises ClaimsFlagged (module 20's
re-measurement of a report's claims) is noted FLAGGED and listed apart in the markdown gradebook. The
submissions are only read, never written.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import nbgrader_run, sandbox
from .export import write_atomic
from .grading_kernel import CLAIMS_FLAGGED, FLAG_NOTE, IOPUB_TIMEOUT, KERNEL_DIED, NOT_RUN, TAMPERING
from .manifest import Course, Module
from .notebooks import to_notebook
from .report import TitoError, require_source, tail

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
INTERNAL_FAILURE = "Exception while loading config file"


@dataclass
class Limits:
    cell_timeout: int = 60          # seconds per cell
    memory_mb: int = 2048           # address space of nbgrader and of the kernel, each
    cpu_seconds: int = 600          # CPU time of each process
    max_procs: int = 64             # processes the submission may run at once (the whole sandbox)

    def wall(self, cells: int) -> float:
        """Wall-clock limit for one notebook: every cell may use its timeout, plus start-up."""
        return cells * (self.cell_timeout + 5) + 120


@dataclass
class CellScore:
    grade_id: str
    score: float
    max_score: float
    note: str = ""

    @property
    def flagged(self) -> bool:
        """The cell raised ClaimsFlagged: its note is 'FLAGGED: <the claims grading did not reproduce>'."""
        return self.note.startswith(f"{FLAG_NOTE}:")

    @property
    def unreproduced(self) -> str:
        """What a flagged cell's note says was not reproduced ('' for a cell that is not flagged)."""
        return self.note[len(FLAG_NOTE) + 1:].strip() if self.flagged else ""


@dataclass
class Submission:
    student: str
    module: Module
    path: Path
    cells: list[CellScore] = field(default_factory=list)
    problem: str = ""               # why the notebook could not be graded at all, or what went wrong
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.cells)


def find_submissions(course: Course, folder: Path, skipped: list[str] | None = None) -> list[Submission]:
    """Every `<student>/<NN_slug>/<slug>_dev.ipynb` under `folder`, checked against the manifest.

    A misnamed folder (a student id with other characters, a folder that is no module of the course)
    raises TitoError, unless `skipped` is given: then its message is appended there and the others
    are still returned (`tito grade` writes them into the gradebook). No submission at all: TitoError."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TitoError(f"{folder}: no such folder (expected SUBMISSIONS/<student_id>/<NN_slug>/<slug>_dev.ipynb)")
    found, problems = [], []
    for student_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not STUDENT_ID.match(student_dir.name):
            problems.append(f"{student_dir}: a student id may only hold letters, digits, '_', '.', '-'; not graded")
            continue
        for module_dir in sorted(p for p in student_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            module = next((m for m in course.modules if m.dirname == module_dir.name), None)
            if module is None:
                problems.append(f"{module_dir}: '{module_dir.name}' is not a module folder of this course "
                                f"(expected one of {', '.join(m.dirname for m in course.modules[:3])}, ...); not graded")
                continue
            found.append(Submission(student_dir.name, module, module_dir / f"{module.slug}_dev.ipynb"))
    if problems and (skipped is None or not found):
        raise TitoError(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    if not found:
        raise TitoError(f"{folder}: no submissions found (expected <student_id>/<NN_slug>/<slug>_dev.ipynb)")
    skipped.extend(problems) if skipped is not None else None
    return found


def shard(subs: list[Submission], spec: str) -> list[Submission]:
    """The K-th of N deterministic slices (`spec` = "K/N", 1 <= K <= N) of the submissions, sorted by
    student and module: every submission lands in exactly one shard, whatever machine runs it."""
    try:
        k, n = (int(x) for x in spec.split("/"))
    except ValueError:
        raise TitoError(f"--shard {spec!r}: expected K/N, for example 3/10") from None
    if not 1 <= k <= n:
        raise TitoError(f"--shard {spec!r}: K must be between 1 and N")
    ordered = sorted(subs, key=lambda s: (s.student, s.module.number))
    return [s for i, s in enumerate(ordered) if i % n == k - 1]


def sandbox_mode(unsafe: bool) -> str:
    """'' when the sandbox can run; with --unsafe and no sandbox, the note every gradebook row gets.
    Without --unsafe and no sandbox: TitoError saying why and what to do."""
    ok, why = sandbox.available()
    if ok:
        return ""
    if not unsafe:
        raise TitoError(f"cannot sandbox the grading: {why}. Student code would run with your rights and "
                        "could read the answers and change the gradebook. Install bubblewrap, or pass "
                        "--unsafe to grade anyway (the gradebook will say the run was not sandboxed).")
    return f"NOT SANDBOXED (--unsafe: {why})"


def grade_all(course: Course, subs: list[Submission], limits: Limits, jobs: int = 1,
              on_done=None, unsafe: bool = False, everything: list[Submission] | None = None) -> list[Submission]:
    """Autograde every submission of `subs` (in place on the Submission objects) and return them.

    Each student's package is built from ALL of that student's submissions in `everything` (default:
    `subs`), so that a shard, or a selection, grades module 02 against the student's own module 01 and
    not against its stub: the gradebook of N shards merged equals the gradebook of one run."""
    unsafe_note = sandbox_mode(unsafe)
    modules = sorted({s.module.tag: s.module for s in subs}.values(), key=lambda m: m.number)
    for m in modules:
        require_source(m)
    with tempfile.TemporaryDirectory(prefix="tito-grade-") as tmp:
        master = Path(tmp) / "master"
        max_points = prepare_master(course, modules, master)
        packages = student_packages(course, package_sources(subs, everything), Path(tmp) / "packages")

        def one(item):
            i, sub = item
            start = time.perf_counter()
            grade_batch(course, master, Path(tmp) / f"work{i:04d}", [sub], limits, max_points[sub.module.tag],
                        package=packages[sub.student], sandboxed=not unsafe_note)
            if unsafe_note:
                sub.problem = "; ".join(filter(None, [unsafe_note, sub.problem]))
            sub.seconds = time.perf_counter() - start
            if on_done:
                on_done(sub)
            return sub

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            return list(pool.map(one, enumerate(subs)))


def package_sources(subs: list[Submission], everything: list[Submission] | None) -> list[Submission]:
    """The submissions each graded student's package is built from: all of theirs in `everything`
    (default `subs`), not only the ones graded in this run (a shard, a selection)."""
    graded = {s.student for s in subs}
    return [s for s in (everything or subs) if s.student in graded]


def student_packages(course: Course, subs: list[Submission], folder: Path) -> dict[str, Path]:
    """{student: the `tinytorch` folder their kernels import}: the student-release package (built by
    tito's release code, every exercise a stub, nothing of the reference answers) with each module the
    student submitted exported from their own notebook over the stub."""
    from . import release
    from .export import export_module

    base = folder / "release"
    release.build(course, [], base, say=lambda m: None)
    out = {}
    for student in sorted({s.student for s in subs}):
        root = folder / student
        shutil.copytree(base / "tinytorch", root / "tinytorch",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for sub in subs:
            if sub.student == student and not _readable(sub.path):
                try:
                    export_module(sub.module, root, source=sub.path)
                except Exception:       # an unexportable notebook keeps the stub; grading says why
                    pass
        out[student] = root / "tinytorch"
    return out


def prepare_master(course: Course, modules: list[Module], master: Path) -> dict[str, dict[str, float]]:
    """The instructor's nbgrader course folder in `master`: each module's reference notebook in
    source/, one `generate_assignment` run (so release/<NN_slug>/ holds the student notebooks) and the
    gradebook. Returns {module tag: {grade_id: points}}."""
    nbgrader_run.write_config(master, course.root)
    for m in modules:
        to_notebook(m.source, master / "source" / m.dirname / f"{m.slug}_dev.ipynb")
    nbgrader_run.generate_assignments(master, [m.dirname for m in modules], course.root)
    return {m.tag: _grade_cells(master, m) for m in modules}


def _grade_cells(course_dir: Path, module: Module) -> dict[str, float]:
    """grade_id -> points of the module's graded cells, from the gradebook nbgrader just built."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        nb = gb.find_notebook(f"{module.slug}_dev", module.dirname)
        return {c.name: float(c.max_score) for c in nb.grade_cells}


def grade_batch(course: Course, master: Path, work: Path, subs: list[Submission], limits: Limits,
                points: dict[str, float], package: Path | None = None, sandboxed: bool | None = None) -> None:
    """Autograde `subs` (submissions of one module, distinct students) in ONE nbgrader run in the
    course folder `work` (a copy of the master's gradebook and source): nbgrader starts each notebook
    in its own fresh kernel, so batching only saves nbgrader's start-up. Scores land on the subs.

    `package` is the `tinytorch` folder the kernels import (default: the course's reference package,
    for the instructor's own notebooks, as `tito mutants` grades them). `sandboxed`: run the kernels
    in tito.sandbox (default: when bwrap works here)."""
    zero = [CellScore(g, 0.0, p) for g, p in points.items()]
    module = subs[0].module
    assert all(s.module.tag == module.tag for s in subs), "a batch holds one module's submissions"
    todo, cells = [], 0
    for sub in subs:
        problem = _readable(sub.path)
        if problem:
            sub.cells, sub.problem = list(zero), problem
            continue
        todo.append(sub)
    if not todo:
        return
    nbgrader_run.write_config(work, course.root, cell_timeout=limits.cell_timeout, restarting=True)
    shutil.copy2(master / "gradebook.db", work / "gradebook.db")
    nbgrader_run.copy_tree(master / "source" / module.dirname, work / "source" / module.dirname)
    for sub in todo:
        dest = work / "submitted" / sub.student / module.dirname / sub.path.name
        dest.parent.mkdir(parents=True)
        shutil.copyfile(sub.path, dest)      # content only: the original keeps its permissions and times
        cells += len(json.loads(dest.read_text(encoding="utf-8"))["cells"])
    args = ["autograde", module.dirname, "--create"]
    if len(todo) == 1:
        args[2:2] = ["--student", todo[0].student]
    package = Path(package or course.root / "tinytorch").resolve()
    if sandboxed is None:
        sandboxed = sandbox.available()[0]
    events = work / "events.jsonl"
    env = {sandbox.EVENTS: str(events), "PYTHONPATH": str(package.parent)}
    if sandboxed:
        (work / "scratch").mkdir()
        env[sandbox.ENV] = json.dumps({"scratch": str(work / "scratch"), "package": str(package),
                                       "tree_memory": limits.memory_mb * 2**20, "max_procs": limits.max_procs})
    code, out = nbgrader_run.run(args, work, course.root, timeout=limits.wall(cells),
                                 limits=(limits.memory_mb * 2**20, limits.cpu_seconds * len(todo)), extra_env=env)
    happened = sandbox.read_events(events)
    if INTERNAL_FAILURE in out:
        raise TitoError(f"nbgrader could not read tito's nbgrader_config.py: {tail(out, 6)}")
    for sub in todo:
        scores = _read_scores(work, sub)
        if scores is None:
            why = "timed out as a whole" if code is None else f"nbgrader autograde failed (exit {code})"
            sub.cells, sub.problem = list(zero), f"{why}: {_last_error(out)}"
            continue
        notes = _cell_notes(work / "autograded" / sub.student / module.dirname / sub.path.name)
        sub.cells = [CellScore(g, scores.get(g, 0.0), p, notes.get(g, "")) for g, p in points.items()]
        mine = [e["event"] for e in happened if e.get("student") in (sub.student, "")]
        if any(KERNEL_DIED in c.note for c in sub.cells):
            mine.insert(0, "the kernel died in a cell; it was restarted and the later cells graded normally")
        if mine:
            sub.problem = "; ".join(dict.fromkeys(mine))


def _readable(path: Path) -> str:
    """'' when `path` is a readable notebook, else what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"missing: no {path.name} in {path.parent.name}/"
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"{path.name} is not valid JSON ({getattr(exc, 'msg', exc)}); not graded"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return f"{path.name} is not a Jupyter notebook (no 'cells' list); not graded"
    return ""


def _read_scores(work: Path, sub: Submission) -> dict[str, float] | None:
    from nbgrader.api import Gradebook, MissingEntry

    db = work / "gradebook.db"
    if not db.is_file():
        return None
    try:
        with Gradebook(f"sqlite:///{db}") as gb:
            nb = gb.find_submission_notebook(sub.path.stem, sub.module.dirname, sub.student)
            return {g.name: float(g.score) for g in nb.grades}
    except (MissingEntry, Exception):     # a wrecked gradebook counts as "not graded", never a crash
        return None


def _cell_notes(autograded: Path) -> dict[str, str]:
    """grade_id -> the error a graded cell ended with (empty when it passed)."""
    try:
        nb = json.loads(autograded.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    notes = {}
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if meta.get("grade") and errors:
            names = [e.get("ename", "") for e in errors]
            if TAMPERING in names:
                e = next(e for e in errors if e.get("ename") == TAMPERING)
                notes[meta["grade_id"]] = f"{TAMPERING}: {e.get('evalue', '')}"[:200]
            elif KERNEL_DIED in names:
                e = next(e for e in errors if e.get("ename") == KERNEL_DIED)
                notes[meta["grade_id"]] = f"{KERNEL_DIED}: {e.get('evalue', 'kernel died in this cell, restarted')}"[:200]
            elif IOPUB_TIMEOUT in names:
                notes[meta["grade_id"]] = f"{IOPUB_TIMEOUT}: the kernel stopped answering in this cell; restarted"
            elif NOT_RUN in names:
                notes[meta["grade_id"]] = "not run: the kernel died too often"
            elif CLAIMS_FLAGGED in names:        # claimed numbers differ from the re-measured ones: all of them named
                e = next(e for e in errors if e.get("ename") == CLAIMS_FLAGGED)
                text = " ".join(str(e.get("evalue", "")).split())
                notes[meta["grade_id"]] = f"{FLAG_NOTE}: {text}"[:400]
            else:
                e = errors[-1]
                text = f"{e.get('ename', '')}: {e.get('evalue', '')}".strip(": ")
                notes[meta["grade_id"]] = text.splitlines()[0][:160] if text else "error"
    return notes


def _last_error(out: str) -> str:
    lines = [l.strip() for l in out.splitlines() if "ERROR" in l or "Error" in l]
    return (lines[-1] if lines else tail(out, 1))[:200]


HEADER = ["student_id", "module", "grade_id", "score", "max_score", "note"]


def write_gradebook(subs: list[Submission], csv_path: Path, skipped: list[str] = ()) -> Path:
    """The CSV (one row per student, module and graded cell; one row per folder that could not be
    graded) and the markdown gradebook beside it."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for problem in skipped:
        path = Path(problem.split(": ", 1)[0])
        student, module = (path.name, "") if "a student id" in problem else (path.parent.name, path.name)
        writer.writerow([student, module, "", "0", "0", problem])
    for s in subs:
        for c in s.cells:
            writer.writerow([s.student, s.module.dirname, c.grade_id, f"{c.score:g}", f"{c.max_score:g}",
                             "; ".join(dict.fromkeys(filter(None, [c.note, s.problem])))])
    write_atomic(csv_path, buf.getvalue())
    md_path = csv_path.with_suffix(".md")
    write_atomic(md_path, markdown(subs, skipped))
    return md_path


def merge_gradebooks(parts: list[Path], csv_path: Path) -> tuple[int, Path]:
    """`tito gradebook merge`: the CSVs of several shards into one CSV and markdown gradebook.
    A (student, module, graded cell) found in two parts, or a file that is not a tito gradebook, is a
    TitoError. Returns (rows, markdown path)."""
    rows, seen, skipped = [], {}, []
    for part in parts:
        try:
            with open(part, newline="", encoding="utf-8") as fh:
                reader = csv.DictReader(fh)
                if reader.fieldnames != HEADER:
                    raise TitoError(f"{part}: not a tito gradebook (columns {reader.fieldnames})")
                for row in reader:
                    if not row["grade_id"]:
                        skipped.append(row["note"])
                        continue
                    key = (row["student_id"], row["module"], row["grade_id"])
                    if key in seen:
                        raise TitoError(f"{part}: {'/'.join(key)} is graded in {seen[key]} too; were the "
                                        "shards cut from the same SUBMISSIONS with the same N?")
                    seen[key] = part
                    rows.append(row)
        except FileNotFoundError:
            raise TitoError(f"{part}: no such gradebook") from None
    subs: dict[tuple[str, str], Submission] = {}
    for r in rows:
        key = (r["student_id"], r["module"])
        if key not in subs:
            subs[key] = Submission(r["student_id"], _Named(r["module"]), Path(r["module"]))
        subs[key].cells.append(CellScore(r["grade_id"], float(r["score"]), float(r["max_score"]), r["note"]))
    ordered = [subs[k] for k in sorted(subs)]
    return len(rows), write_gradebook(ordered, csv_path, sorted(set(skipped)))


@dataclass
class _Named:
    """Stands in for a Module where only the folder name is known (a merged gradebook)."""
    dirname: str


def flagged_cells(subs: list[Submission]) -> list[tuple[Submission, CellScore]]:
    """(submission, cell) for every graded cell whose claims grading did not reproduce (ClaimsFlagged)."""
    return [(s, c) for s in subs for c in s.cells if c.flagged]


def markdown(subs: list[Submission], skipped: list[str] = ()) -> str:
    lines = ["# Gradebook", "", "Autograded with nbgrader by `tito grade`.", ""]
    if skipped:
        lines += ["## Not graded (misnamed folders)", ""] + [f"- {p}" for p in skipped] + [""]
    for student in sorted({s.student for s in subs}):
        mine = [s for s in subs if s.student == student]
        total, top = sum(s.score for s in mine), sum(s.max_score for s in mine)
        lines += [f"## {student}: {total:g} / {top:g}", "",
                  "| module | graded cell | score | max | note |", "|---|---|---|---|---|"]
        for s in mine:
            for c in s.cells:
                note = (c.note or "").replace("|", "\\|")
                lines.append(f"| {s.module.dirname} | {c.grade_id} | {c.score:g} | {c.max_score:g} | {note} |")
            if s.problem:
                lines.append(f"| {s.module.dirname} | (whole notebook) | | | {s.problem.replace('|', '/')} |")
        lines.append("")
    flagged = flagged_cells(subs)
    if flagged:
        lines += ["## Flagged: claimed numbers differ from the re-measured ones", "",
                  "Read these before releasing grades: the submission's report claims numbers that grading "
                  "did not reproduce.", ""]
        lines += [f"- {s.student} {s.module.dirname} {c.grade_id}: {c.unreproduced}" for s, c in flagged]
        lines.append("")
    lines += ["## Failures", ""]
    failures = [(s, c) for s in subs for c in s.cells if c.score < c.max_score]
    problems = [s for s in subs if s.problem]
    if not failures and not problems:
        lines.append("None: every graded cell scored full marks.")
    for s in problems:
        lines.append(f"- {s.student} {s.module.dirname}: {s.problem}")
    for s, c in failures:
        lines.append(f"- {s.student} {s.module.dirname} {c.grade_id}: {c.score:g}/{c.max_score:g}"
                     + (f" ({c.note})" if c.note else ""))
    return "\n".join(lines) + "\n"
