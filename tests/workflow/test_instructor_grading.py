"""`tito grade`: a scripted instructor releases, collects submissions, autogrades with nbgrader.

Besides a full, a partial and an empty submission, six students misbehave: an endless loop, a huge
allocation, sys.exit(), a kernel crash (os._exit), code that deletes the files in its working
directory, and a `ClaimsFlagged` error (what module 20's re-measuring cells raise when a report's
claims are not reproduced), which the gradebook must flag for the instructor. Each misbehaving code sits in add(), so only the add test may lose its points; the Tensor
test after it must still be graded normally, the other students must be unaffected, and no submitted
file may change.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from tito.notebooks import to_notebook

ADD = "fixture-tensor-add-impl"
TOTAL = "fixture-tensor-class-impl"
MISBEHAVING = {
    "loop": "def add(a, b):\n    while True:\n        pass\n",
    "hoarder": "def add(a, b):\n    hoard = [bytearray(2**30) for _ in range(64)]\n    return hoard\n",
    "quitter": "import sys\n\ndef add(a, b):\n    sys.exit(0)\n",
    "crasher": "import os\n\ndef add(a, b):\n    os._exit(1)\n",
    "deleter": ("import os\n\ndef add(a, b):\n    for name in os.listdir('.'):\n        os.remove(name)\n"
                "    raise RuntimeError('deleted everything')\n"),
    "claimer": ("class ClaimsFlagged(AssertionError):\n    pass\n\n\ndef add(a, b):\n"
                "    raise ClaimsFlagged('claimed accuracy 99.00%, re-measured 50.00% (tolerance 0.5 points)')\n"),
}
EXPECTED_NOTE = {"loop": "CellTimeoutError", "hoarder": "MemoryError", "quitter": "SystemExit",
                 "crasher": "KernelDied", "deleter": "RuntimeError",
                 "claimer": "FLAGGED: claimed accuracy 99.00%, re-measured 50.00% (tolerance 0.5 points)"}


@pytest.fixture(scope="module")
def graded(fixture_release, tmp_path_factory, h):
    """Submissions built from the student release, graded once by `tito grade`."""
    subs = tmp_path_factory.mktemp("class") / "submissions"
    student_nb = fixture_release / "modules/01_tensor/tensor_dev.ipynb"
    source = h.FIXTURE_COURSE / "modules/01_tensor/tensor_dev.py"

    def submit(student: str) -> Path:
        dest = subs / student / "01_tensor" / "tensor_dev.ipynb"
        dest.parent.mkdir(parents=True)
        shutil.copy(student_nb, dest)
        return dest

    h.paste_solutions(source, submit("full"))
    h.paste_solutions(source, submit("partial"), only={ADD})
    submit("empty")
    for student, code in MISBEHAVING.items():
        nb = submit(student)
        h.paste_solutions(source, nb, only={TOTAL})
        h.set_cell(nb, ADD, "#| export\n" + code)
    (subs / "broken" / "01_tensor").mkdir(parents=True)
    (subs / "broken" / "01_tensor" / "tensor_dev.ipynb").write_text('{"cells": [', encoding="utf-8")
    # a second module for one student: the reference notebook itself must score full marks
    ref02 = subs / "full" / "02_activations" / "activations_dev.ipynb"
    to_notebook(h.FIXTURE_COURSE / "modules/02_activations/activations_dev.py", ref02)

    before = h.tree_hashes(subs)
    out = subs.parent / "gradebook.csv"
    run = h.tito(["grade", subs, "--out", out, "--timeout", "8", "--jobs", "2", "--memory-mb", "2048"],
                 cwd=h.FIXTURE_COURSE)
    rows = list(csv.DictReader(out.open())) if out.exists() else []
    return run, rows, before, h.tree_hashes(subs), out


def _scores(rows, student, module="01_tensor"):
    return {r["grade_id"]: float(r["score"]) for r in rows if r["student_id"] == student and r["module"] == module}


def _note(rows, student, grade_id):
    return next(r["note"] for r in rows if r["student_id"] == student and r["grade_id"] == grade_id)


def test_grading_ran_and_changed_no_submission(graded):
    run, rows, before, after, out = graded
    assert run.code == 0, run
    assert before == after                      # every submitted file byte-identical, same modes
    assert out.with_suffix(".md").is_file()


def test_full_partial_empty_scores(graded):
    run, rows, *_ = graded
    assert _scores(rows, "full") == {"fixture-tensor-add-test": 2.0, "fixture-tensor-total-test": 3.0}, run.stdout
    assert _scores(rows, "full", "02_activations") == {"fixture-activations-relu-test": 1.0}
    assert _scores(rows, "partial") == {"fixture-tensor-add-test": 2.0, "fixture-tensor-total-test": 0.0}
    assert _scores(rows, "empty") == {"fixture-tensor-add-test": 0.0, "fixture-tensor-total-test": 0.0}
    assert "implement Tensor.total()" in _note(rows, "partial", "fixture-tensor-total-test")


@pytest.mark.parametrize("student", sorted(MISBEHAVING))
def test_misbehaving_code_loses_only_its_own_cell(graded, student):
    run, rows, *_ = graded
    assert _scores(rows, student) == {"fixture-tensor-add-test": 0.0, "fixture-tensor-total-test": 3.0}
    assert EXPECTED_NOTE[student] in _note(rows, student, "fixture-tensor-add-test")


def test_invalid_notebook_scores_zero_and_says_why(graded):
    run, rows, *_ = graded
    assert _scores(rows, "broken") == {"fixture-tensor-add-test": 0.0, "fixture-tensor-total-test": 0.0}
    assert "not valid JSON" in _note(rows, "broken", "fixture-tensor-add-test")


def test_markdown_gradebook_and_summary(graded):
    run, rows, before, after, out = graded
    md = out.with_suffix(".md").read_text()
    assert "## full: 6 / 6" in md and "## empty: 0 / 5" in md
    assert "## Failures" in md and "crasher 01_tensor fixture-tensor-add-test: 0/2 (KernelDied" in md
    assert "the kernel died in a cell; it was restarted" in md
    assert "graded cells below full marks" in run.text
    flagged = md.split("## Flagged: claimed numbers differ from the re-measured ones")[1].split("## Failures")[0]
    assert ("claimer 01_tensor fixture-tensor-add-test: claimed accuracy 99.00%, re-measured 50.00%" in flagged
            and "crasher" not in flagged)
    assert "flagged: claimer 01_tensor fixture-tensor-add-test: claimed accuracy 99.00%" in run.text


def test_grade_errors_are_one_line(tmp_path, h):
    run = h.tito(["grade", tmp_path / "nowhere"], cwd=h.FIXTURE_COURSE)
    assert run.code == 2 and "no such folder" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    (tmp_path / "subs" / "alice" / "99_nothing").mkdir(parents=True)
    run = h.tito(["grade", tmp_path / "subs"], cwd=h.FIXTURE_COURSE)
    assert run.code == 2 and "'99_nothing' is not a module folder" in run.stderr
