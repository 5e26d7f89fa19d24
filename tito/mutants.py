"""`tito mutants`: prove that the grade catches known-wrong solutions (COURSE_BAR section 1).

A mutant is a file `tests/mutants/NN_slug/<name>.py` (format: tests/mutants/README.md):

    \"\"\"What is wrong, on one line. Why a grade must catch it.\"\"\"
    CELL = "layers-linear"            # grade_id of the solution cell to patch
    FIND = '''exact text, exactly once inside that cell's ### BEGIN/END SOLUTION block(s)'''
    REPLACE = '''the wrong code'''
    # or, for several patches: PATCHES = [(CELL, FIND, REPLACE), ...]

For each module this builds the instructor's nbgrader course folder once (tito.grading.prepare_master:
the reference notebook, `nbgrader generate_assignment`, the gradebook), then autogrades with real
nbgrader, in the sandbox `tito grade` uses (tito.grading.grade_batch): the reference notebook (must
score full marks), the released student notebook (must score 0) and one notebook per mutant (must lose
points). Several notebooks of a module are graded in one nbgrader run (each in its own fresh kernel), so
nbgrader's start-up is paid once per batch rather than once per notebook.
"""
from __future__ import annotations

import ast
import math
import re
import runpy
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .cells import BEGIN_SOLUTION, END_SOLUTION, CellParseError, parse_py, solution_blocks
from .grading import Limits, Submission, grade_batch, prepare_master
from .manifest import Course, Module
from .notebooks import to_notebook
from .report import TitoError, relative, require_source

MUTANTS_DIR = Path("tests/mutants")
REFERENCE, STUB = "reference", "stub"
MIN_MUTANTS = 3
BATCH_MAX = 8          # notebooks per nbgrader run at most (a hanging notebook delays only its batch)
SAFE_ID = re.compile(r"[^A-Za-z0-9_.-]")


class MutantError(ValueError):
    """A mutant that cannot be applied (reported as 'broken', never graded)."""


@dataclass
class Mutant:
    name: str
    path: Path
    doc: str = ""                                     # first line of the docstring
    patches: list[tuple[str, str, str]] = field(default_factory=list)
    broken: str = ""                                  # why it cannot be applied ('' when fine)
    flagged: bool = False                             # FLAGGED = True: grading must also flag its claims


@dataclass
class Outcome:
    """One graded notebook: the reference, the stub or a mutant."""
    kind: str                                         # "reference", "stub" or "mutant"
    name: str
    doc: str = ""
    score: float = 0.0
    max_score: float = 0.0
    lost: list[str] = field(default_factory=list)     # grade_ids below full marks (with the error note)
    problem: str = ""                                 # broken mutant, or a notebook nbgrader could not grade
    graded: bool = False
    ungraded: bool = False                            # nbgrader could not grade the notebook at all
    expect_flag: bool = False                         # the mutant says FLAGGED = True
    flags: list[str] = field(default_factory=list)    # grade_ids whose note is "FLAGGED: ..." (claims not reproduced)

    @property
    def broken(self) -> bool:
        return self.kind == "mutant" and not self.graded

    @property
    def ok(self) -> bool:
        if self.broken or self.ungraded:
            return False                              # a tool failure never counts as "caught"
        if self.kind == REFERENCE:
            return not self.problem and self.max_score > 0 and self.score == self.max_score and not self.flags
        if self.kind == STUB:
            return self.score == 0
        return self.score < self.max_score and (bool(self.flags) or not self.expect_flag)

    @property
    def verdict(self) -> str:
        if self.broken:
            return "BROKEN"
        if self.ungraded:
            return "NOT GRADED"
        if self.ok:
            return {"reference": "full marks", "stub": "scores 0"}.get(self.kind, "caught" + (
                ", flagged" if self.flags else ""))
        if self.kind == REFERENCE and self.flags:
            return "FLAGGED"
        if self.expect_flag and self.score < self.max_score:
            return "caught, NOT FLAGGED"
        return {"reference": "NOT full marks", "stub": "NOT 0"}.get(self.kind, "SURVIVED")


@dataclass
class ModuleReport:
    module: Module
    outcomes: list[Outcome] = field(default_factory=list)
    mutants: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)    # module-level failures (too few mutants)

    @property
    def ok(self) -> bool:
        return not self.notes and all(o.ok for o in self.outcomes)


# ---------------------------------------------------------------- reading and applying mutants

def load_mutant(path: Path) -> Mutant:
    """Read a mutant file (it is run as Python: mutant files are course code, not student input)."""
    path = Path(path)
    mutant = Mutant(path.stem, path)
    try:
        ns = runpy.run_path(str(path), run_name="tito_mutant")
    except Exception as exc:           # a syntax error in a mutant file is that mutant's problem
        mutant.broken = f"cannot be read: {type(exc).__name__}: {exc}"
        return mutant
    doc = (ns.get("__doc__") or "").strip()
    mutant.doc = doc.splitlines()[0].strip() if doc else ""
    if "PATCHES" in ns:
        patches = ns["PATCHES"]
        if not isinstance(patches, (list, tuple)) or not patches or not all(
                isinstance(p, (list, tuple)) and len(p) == 3 for p in patches):
            mutant.broken = "PATCHES must be a non-empty list of (CELL, FIND, REPLACE) tuples"
            return mutant
        mutant.patches = [tuple(p) for p in patches]
    elif all(k in ns for k in ("CELL", "FIND", "REPLACE")):
        mutant.patches = [(ns["CELL"], ns["FIND"], ns["REPLACE"])]
    else:
        mutant.broken = "defines neither CELL, FIND and REPLACE nor PATCHES"
        return mutant
    flagged = ns.get("FLAGGED", False)
    if not isinstance(flagged, bool):
        mutant.broken = f"FLAGGED must be True or False, got {flagged!r}"
    mutant.flagged = flagged is True
    if not doc:
        mutant.broken = "has no docstring (one line: what is wrong, and why a grade must catch it)"
    for cell, find, replace in mutant.patches:
        if not all(isinstance(x, str) for x in (cell, find, replace)):
            mutant.broken = "CELL, FIND and REPLACE must be strings"
        elif not find:
            mutant.broken = f"FIND is empty (cell {cell!r})"
        elif find == replace:
            mutant.broken = f"REPLACE equals FIND (cell {cell!r}): the mutant changes nothing"
        elif any(m in replace for m in (BEGIN_SOLUTION, END_SOLUTION)):
            mutant.broken = f"REPLACE holds a solution marker (cell {cell!r}): patch inside the block only"
    return mutant


def _solution_spans(text: str, grade_id: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the inside of every solution block of the cell `grade_id`."""
    cells = [c for c in parse_py(text) if c.nbgrader and c.nbgrader.get("grade_id") == grade_id]
    if not cells:
        raise MutantError(f"no cell with grade_id {grade_id!r} in the module source")
    cell = cells[0]
    if not cell.nbgrader.get("solution") or cell.kind != "code":
        raise MutantError(f"cell {grade_id!r} is not a code solution cell (\"solution\": true)")
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    spans = []
    for begin, end in solution_blocks(cell.source):
        first = cell.lineno(begin + 1) - 1          # 0-based file line after BEGIN SOLUTION
        last = cell.lineno(end) - 1                 # 0-based file line of END SOLUTION
        spans.append((starts[first], starts[last]))
    if not spans:
        raise MutantError(f"cell {grade_id!r} has no ### BEGIN SOLUTION / ### END SOLUTION block")
    return spans


def apply_patch(text: str, grade_id: str, find: str, replace: str) -> str:
    """`text` with `find` replaced by `replace`; `find` must occur exactly once inside the solution
    block(s) of the cell `grade_id`, else MutantError says where it does occur."""
    spans = _solution_spans(text, grade_id)
    hits = [(a, i) for a, b in spans for i in _occurrences(text[a:b], find)]
    if len(hits) != 1:
        elsewhere = len(_occurrences(text, find)) - len(hits)
        where = f"; it occurs {elsewhere} time(s) elsewhere in the file" if elsewhere else ""
        raise MutantError(f"FIND occurs {len(hits)} times inside the solution block(s) of cell "
                          f"{grade_id!r} (exactly once needed){where}: {_short(find)}")
    a, i = hits[0]
    return text[:a + i] + replace + text[a + i + len(find):]


def _occurrences(haystack: str, needle: str) -> list[int]:
    out, i = [], haystack.find(needle)
    while i >= 0:
        out.append(i)
        i = haystack.find(needle, i + 1)
    return out


def _short(text: str, width: int = 60) -> str:
    one = " ".join(text.split())
    return repr(one if len(one) <= width else one[:width - 3] + "...")


def mutate(source: str, mutant: Mutant) -> str:
    """The module source with every patch of `mutant` applied in order (MutantError when one fails, or
    when a patched cell is no longer valid Python: a syntax error loses points without proving anything)."""
    for cell, find, replace in mutant.patches:
        source = apply_patch(source, cell, find, replace)
    patched = {cell for cell, _, _ in mutant.patches}
    for cell in parse_py(source):
        if cell.nbgrader and cell.nbgrader.get("grade_id") in patched:
            try:
                ast.parse(cell.source)
            except SyntaxError as exc:
                raise MutantError(f"after REPLACE, cell {cell.nbgrader['grade_id']!r} is not valid Python "
                                  f"({exc.msg}, line {exc.lineno} of the cell): a mutant must be a plausible "
                                  "wrong solution that runs") from None
    return source


def find_mutants(module: Module, mutants_dir: Path) -> list[Mutant]:
    folder = mutants_dir / module.dirname
    if not folder.is_dir():
        return []
    return [load_mutant(p) for p in sorted(folder.glob("*.py")) if not p.name.startswith(("_", "."))]


# ---------------------------------------------------------------- grading

def run(course: Course, modules: list[Module], mutants_dir: Path | None = None, jobs: int = 2,
        limits: Limits | None = None, min_mutants: int = MIN_MUTANTS, on_done=None,
        on_start=None, keep: Path | None = None) -> list[ModuleReport]:
    """Grade the reference, the stub and every mutant of each module; returns one report per module.
    With `keep`, the autograded notebooks and the mutated sources are copied to keep/NN_slug/.

    `on_start(total_notebooks, setup_seconds)` is called once the notebooks are built, `on_done(report,
    outcome)` after each notebook is graded (or found broken)."""
    mutants_dir = Path(mutants_dir) if mutants_dir else course.root / MUTANTS_DIR
    limits = limits or Limits()
    for m in modules:
        require_source(m)
    reports = {m.tag: ModuleReport(m) for m in modules}
    with tempfile.TemporaryDirectory(prefix="tito-mutants-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        points = prepare_master(course, modules, tmp / "master")
        setup = time.perf_counter() - t0
        batches: list[list[tuple[Submission, Outcome]]] = []
        per_module: dict[str, list[tuple[Submission, Outcome]]] = {}
        for m in modules:
            rep = reports[m.tag]
            items = [(Submission(REFERENCE, m, tmp / "master" / "source" / m.dirname / f"{m.slug}_dev.ipynb"),
                      Outcome(REFERENCE, "(reference solution)")),
                     (Submission(STUB, m, tmp / "master" / "release" / m.dirname / f"{m.slug}_dev.ipynb"),
                      Outcome(STUB, "(released student notebook)"))]
            mutants = find_mutants(m, mutants_dir)
            rep.mutants = len(mutants)
            if len(mutants) < min_mutants:
                rep.notes.append(f"{len(mutants)} mutant(s) in {relative(mutants_dir / m.dirname, course.root)}/, "
                                 f"at least {min_mutants} needed")
            source = m.source.read_text(encoding="utf-8")
            for n, mutant in enumerate(mutants):
                outcome = Outcome("mutant", mutant.name, mutant.doc, problem=mutant.broken, expect_flag=mutant.flagged)
                if not mutant.broken:
                    try:
                        text = mutate(source, mutant)
                        student = f"m{n:02d}-{SAFE_ID.sub('_', mutant.name)}"     # unique nbgrader student id
                        py = tmp / "mutated" / m.dirname / student / m.source.name
                        py.parent.mkdir(parents=True)
                        py.write_text(text, encoding="utf-8")
                        nb = to_notebook(py, py.with_suffix(".ipynb"))
                    except (MutantError, CellParseError) as exc:
                        outcome.problem = str(getattr(exc, "message", exc))
                    else:
                        items.append((Submission(student, m, nb), outcome))
                        continue
                rep.outcomes.append(outcome)          # broken: reported, never graded
            per_module[m.tag] = items
        total = sum(len(v) for v in per_module.values())
        if on_start:
            on_start(total, setup)
        for rep in reports.values():
            for o in rep.outcomes:
                if on_done:
                    on_done(rep, o)
        for tag, items in per_module.items():
            # few modules: split each across the jobs; many: one run per module (less start-up)
            parts = max(1, math.ceil(jobs / len(modules)), math.ceil(len(items) / BATCH_MAX))
            size = math.ceil(len(items) / parts)
            batches += [items[i:i + size] for i in range(0, len(items), size)]
        # the biggest batches first, so that the pool ends evenly
        batches.sort(key=lambda b: -len(b))

        def grade(item):
            i, batch = item
            rep = reports[batch[0][0].module.tag]
            start = time.perf_counter()
            subs = [s for s, _ in batch]
            grade_batch(course, tmp / "master", tmp / f"work{i:03d}", subs, limits, points[rep.module.tag])
            if len(subs) > 1:
                # a notebook that took the shared nbgrader run down with it must not cost the others
                # their grade: each notebook of the batch that was not graded is graded again, alone
                for k, sub in enumerate(s for s in subs if _not_graded(s)):
                    grade_batch(course, tmp / "master", tmp / f"work{i:03d}-{k}", [sub], limits,
                                points[rep.module.tag])
            with lock:
                rep.seconds += time.perf_counter() - start
                for sub, outcome in batch:
                    _fill(outcome, sub)
                    rep.outcomes.append(outcome)
                    if on_done:
                        on_done(rep, outcome)

        lock = threading.Lock()

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            list(pool.map(grade, enumerate(batches)))
        if keep:
            _keep(tmp, Path(keep))
    order = {REFERENCE: 0, STUB: 1, "mutant": 2}
    for rep in reports.values():
        rep.outcomes.sort(key=lambda o: (order[o.kind], o.name))
    return [reports[m.tag] for m in modules]


def _keep(tmp: Path, dest: Path) -> None:
    """keep/NN_slug/<notebook>.ipynb (autograded, outputs and errors included) and <mutant>.py (mutated)."""
    for nb in sorted(tmp.glob("work*/autograded/*/*/*.ipynb")):
        student, dirname = nb.parent.parent.name, nb.parent.name
        target = dest / dirname / f"{student}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(nb, target)
    for py in sorted(tmp.glob("mutated/*/*/*.py")):
        target = dest / py.parent.parent.name / f"{py.parent.name}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(py, target)


def _not_graded(sub: Submission) -> bool:
    """nbgrader failed on the whole notebook (grade_batch then gives every cell 0 without a note)."""
    return bool(sub.problem) and not any(c.note for c in sub.cells)


def _fill(outcome: Outcome, sub: Submission) -> None:
    outcome.score, outcome.max_score, outcome.problem = sub.score, sub.max_score, sub.problem
    outcome.graded, outcome.ungraded = True, _not_graded(sub)
    outcome.lost = [c.grade_id + (f" ({c.note.strip().rstrip(':')})" if c.note and outcome.kind == "mutant" else "")
                    for c in sub.cells if c.score < c.max_score]
    outcome.flags = [c.grade_id for c in sub.cells if c.flagged]
    if outcome.kind == STUB:
        outcome.lost = [f"{c.grade_id} kept {c.score:g}" for c in sub.cells if c.score > 0]
