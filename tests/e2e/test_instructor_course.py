"""A scripted instructor grades the whole course: every ready module released (`tito release`), full, partial
and untouched submissions of every module collected, all graded in one `tito grade` run (real nbgrader,
each kernel in the bubblewrap sandbox, as CI grades), every gradebook row checked against the points of
the reference module's graded cells.

`tito grade` grades a module with the student's OWN other modules (the student package is the release's
stubs with each submitted notebook exported over its stub), so a module's score depends on the modules
it builds on. Hence the students:
- full: every module, every reference solution cell pasted into the released notebook: full marks.
- untouched: every module as released: 0 on every graded cell.
- partial-1, partial-2, ...: each has a partial submission of some modules and full submissions of every
  module those need (course.toml `requires`, transitively), nothing else. partial-1 takes the ready
  modules no other ready module needs, partial-2 those that only partial-1's modules needed, and so on,
  until every ready module had its partial submission, each in a package where all it builds on is full.
  A partial notebook has the solution cells before a cut pasted, none after it. The cut lies after one of
  the module's graded test cells (the one that puts the score nearest half of the points, with solution
  cells on both sides). Expected: each graded cell before the cut scores its points (the notebook up to
  there is the full student's), each after it 0 (the module standard puts each test right after the code
  it tests, and an untouched notebook scores 0 on every graded cell: a test after the cut calls a stub
  after it). A graded cell after the cut that passes is a test that does not test its own part; one
  before it that fails depends on a module course.toml does not list in `requires`.
Slow (one nbgrader run per notebook): `pytest -m slow`.
"""
from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest

from tito.cells import read_cells

pytestmark = pytest.mark.slow


@dataclass
class Plan:
    """What the partial student pastes, and the points each graded cell must then score."""
    pasted: set[str]
    expected: dict[str, float]          # graded grade_id -> expected score of the partial submission
    points: dict[str, float]            # graded grade_id -> its points (the full score)


def partial_plan(source) -> Plan:
    cells = [c.nbgrader for c in read_cells(source) if c.nbgrader]
    graded = [(i, c["grade_id"], float(c.get("points", 0))) for i, c in enumerate(cells)
              if c.get("grade") and not c.get("solution")]
    solutions = [(i, c["grade_id"]) for i, c in enumerate(cells) if c.get("solution")]
    points = {gid: p for _, gid, p in graded}
    total = sum(points.values())
    cuts = []                          # (distance from half the points, cell index after which to cut)
    for i, _, _ in graded:
        before = sum(p for j, _, p in graded if j <= i)
        if any(j < i for j, _ in solutions) and any(j > i for j, _ in solutions) and 0 < before < total:
            cuts.append((abs(before - total / 2), i))
    assert cuts, f"{source}: no cut between graded cells leaves solution cells on both sides"
    cut = min(cuts)[1]
    return Plan(pasted={gid for j, gid in solutions if j < cut},
                expected={gid: (p if j <= cut else 0.0) for j, gid, p in graded}, points=points)


def needs(course, numbers) -> set[int]:
    """Every module the modules `numbers` build on (course.toml `requires`, transitively)."""
    out, todo = set(), list(numbers)
    while todo:
        for r in course.module(todo.pop()).requires:
            if r not in out:
                out.add(r)
                todo.append(r)
    return out


def partial_students(course, modules) -> dict[str, tuple[set[int], set[int]]]:
    """{student: (modules submitted partial, modules submitted full)} covering every module once as partial."""
    remaining, students = {m.number for m in modules}, {}
    while remaining:
        last = remaining - needs(course, remaining)         # needed by no other remaining module
        full = needs(course, last)
        assert full <= {m.number for m in modules}, f"modules {sorted(last)} need a module that is not ready"
        students[f"partial-{len(students) + 1}"] = (last, full)
        remaining -= last
    return students


def test_instructor_grades_full_partial_and_untouched_submissions_of_every_ready_module(course, course_release,
                                                                                        tmp_path, h):
    modules = course.select(None)
    subs = tmp_path / "submissions"
    plans = {m.number: partial_plan(m.source) for m in modules}
    students = {"full": (set(), {m.number for m in modules}), "untouched": (set(), set()),
                **partial_students(course, modules)}
    expected = {}                                         # (student, module dirname) -> {grade_id: score}
    for student, (partial, full) in students.items():
        for m in modules:
            released = course_release / "modules" / m.dirname / f"{m.slug}_dev.ipynb"
            dest = subs / student / m.dirname / released.name
            if student != "untouched" and m.number not in partial | full:
                continue
            dest.parent.mkdir(parents=True)
            shutil.copy(released, dest)
            plan = plans[m.number]
            if m.number in full:
                assert h.paste_solutions(m.source, dest)
                expected[student, m.dirname] = plan.points
            elif m.number in partial:
                assert set(h.paste_solutions(m.source, dest, only=plan.pasted)) == plan.pasted
                expected[student, m.dirname] = plan.expected
            else:
                expected[student, m.dirname] = {gid: 0.0 for gid in plan.points}
    print(f"{len(expected)} notebooks; partial students: "
          + "; ".join(f"{s}: partial {sorted(p)}, full {sorted(f)}" for s, (p, f) in students.items()
                      if s.startswith("partial")))

    before = h.tree_hashes(subs)
    out = tmp_path / "gradebook.csv"
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "tito", "grade", str(subs), "--out", str(out), "--jobs", "2"],
                         cwd=h.REPO, capture_output=True, text=True, timeout=3600)
    print(f"tito grade: {len(expected)} notebooks of {len(modules)} modules in {time.perf_counter() - start:.0f} s")
    assert run.returncode == 0, run.stdout + run.stderr
    assert h.tree_hashes(subs) == before, "grading changed a submitted file"
    rows = list(csv.DictReader(out.open()))
    assert rows and not any("NOT SANDBOXED" in r["note"] for r in rows)     # no --unsafe: bwrap ran every kernel

    wrong = []
    for (student, module), want in sorted(expected.items()):
        got = {r["grade_id"]: float(r["score"]) for r in rows if r["student_id"] == student and r["module"] == module}
        if got != want:
            notes = {r["grade_id"]: r["note"] for r in rows
                     if r["student_id"] == student and r["module"] == module and r["note"]}
            wrong.append(f"{student} {module}: got {got}, expected {want}; notes {notes}")
    for m in modules:
        full, part = sum(plans[m.number].points.values()), sum(plans[m.number].expected.values())
        print(f"{m.dirname}: full {full:g}, partial {part:g} ({len(plans[m.number].pasted)} solution cells), "
              "untouched 0")
        assert 0 < part < full
    assert wrong == [], "\n".join(wrong)
