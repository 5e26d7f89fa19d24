"""`tito mutants` (tito/mutants.py): each failure path shown on the fixture course.

The fast tests read and apply mutants without nbgrader. The slow ones run real nbgrader on module 01 of
tests/tito/fixtures/course with the fixture mutants in tests/tito/fixtures/mutants/01_scale: one the
grade catches, one that keeps full marks, one whose FIND lies outside the solution block; and on a
broken copy of the course whose reference loses points and whose stub keeps points.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tito.grading import CellScore, Submission
from tito.mutants import MutantError, Outcome, _fill, apply_patch, load_mutant, mutate

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "course"
MUTANTS = Path(__file__).parent / "fixtures" / "mutants"
SCALE = FIXTURE / "modules" / "01_scale" / "scale_dev.py"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def mutant_file(tmp_path: Path, body: str, doc: str = '"""A wrong scale."""\n') -> Path:
    return write(tmp_path / "01_scale" / "m.py", doc + body)


# ---------------------------------------------------------------- reading and applying (no nbgrader)

def test_fixture_mutants_read_with_their_docstring():
    m = load_mutant(MUTANTS / "01_scale" / "factor_plus_one.py")
    assert not m.broken and m.name == "factor_plus_one"
    assert m.doc.startswith("Scales by factor + 1")
    assert m.patches == [("scale-impl", "* factor", "* (factor + 1)")]


def test_patch_applies_inside_the_solution_block_only():
    source = SCALE.read_text(encoding="utf-8")
    out = apply_patch(source, "scale-impl", "* factor", "* (factor + 1)")
    assert "return np.asarray(x, dtype=np.float64) * (factor + 1)\n    ### END SOLUTION" in out
    assert out.replace("* (factor + 1)", "* factor") == source        # nothing else changed


@pytest.mark.parametrize("cell, find, says", [
    ("scale-impl", "multiplied element-wise", "0 times inside the solution block(s) of cell 'scale-impl'"),
    ("scale-impl", "import numpy as np", "occurs 1 time(s) elsewhere"),
    ("scale-impl", "not in the file", "0 times"),
    ("scale-test", "scale([1, 2], 3)", "not a code solution cell"),
    ("scale-nothing", "factor", "no cell with grade_id 'scale-nothing'"),
    ("scale-impl", "a", "times inside"),                               # more than once
])
def test_find_must_occur_exactly_once_inside_a_solution_block(cell, find, says):
    with pytest.raises(MutantError) as info:
        apply_patch(SCALE.read_text(encoding="utf-8"), cell, find, "x")
    assert says in str(info.value)


def test_patches_apply_in_order(tmp_path):
    path = mutant_file(tmp_path, 'PATCHES = [("scale-impl", "* factor", "* factor2"), '
                                 '("scale-impl", "factor2", "(factor * 2)")]\n')
    m = load_mutant(path)
    assert not m.broken
    assert "np.float64) * (factor * 2)" in mutate(SCALE.read_text(encoding="utf-8"), m)


def test_a_patch_that_breaks_the_syntax_is_refused(tmp_path):
    m = load_mutant(mutant_file(tmp_path, 'CELL = "scale-impl"\nFIND = "* factor"\nREPLACE = "* (factor"\n'))
    with pytest.raises(MutantError, match="not valid Python"):
        mutate(SCALE.read_text(encoding="utf-8"), m)


@pytest.mark.parametrize("body, doc, says", [
    ('CELL = "scale-impl"\nFIND = "* factor"\nREPLACE = "* 2"\n', "", "no docstring"),
    ('CELL = "scale-impl"\nFIND = "* factor"\n', '"""d"""\n', "neither CELL, FIND and REPLACE"),
    ('PATCHES = [("scale-impl", "* factor")]\n', '"""d"""\n', "PATCHES must be"),
    ('CELL = "scale-impl"\nFIND = ""\nREPLACE = "x"\n', '"""d"""\n', "FIND is empty"),
    ('CELL = "scale-impl"\nFIND = "x"\nREPLACE = "x"\n', '"""d"""\n', "changes nothing"),
    ('CELL = "scale-impl"\nFIND = "* factor"\nREPLACE = "1\\n    ### END SOLUTION"\n', '"""d"""\n',
     "solution marker"),
    ('CELL = "scale-impl"\nFIND = (\n', '"""d"""\n', "cannot be read: SyntaxError"),
])
def test_malformed_mutant_files_are_broken_with_a_reason(tmp_path, body, doc, says):
    m = load_mutant(mutant_file(tmp_path, body, doc))
    assert says in m.broken


@pytest.mark.parametrize("kind, cells, problem, verdict, ok", [
    ("mutant", [(1, 2, ""), (3, 3, "")], "", "caught", True),
    ("mutant", [(2, 2, ""), (3, 3, "")], "", "SURVIVED", False),
    ("mutant", [(0, 2, "KernelDied: kernel died in this cell, restarted"), (3, 3, "")],
     "the kernel died in a cell", "caught", True),
    ("mutant", [(0, 2, ""), (0, 3, "")], "timed out as a whole: ...", "NOT GRADED", False),   # never "caught"
    ("reference", [(2, 2, ""), (3, 3, "")], "", "full marks", True),
    ("reference", [(2, 2, ""), (2, 3, "")], "", "NOT full marks", False),
    ("stub", [(0, 2, ""), (0, 3, "")], "", "scores 0", True),
    ("stub", [(0, 2, ""), (1, 3, "")], "", "NOT 0", False),
    ("stub", [(0, 2, ""), (0, 3, "")], "nbgrader autograde failed (exit 1): ...", "NOT GRADED", False),
])
def test_verdicts(kind, cells, problem, verdict, ok):
    sub = Submission("s", None, Path("x.ipynb"), [CellScore(f"c{i}", a, b, n) for i, (a, b, n) in enumerate(cells)],
                     problem)
    outcome = Outcome(kind, "name")
    _fill(outcome, sub)
    assert (outcome.verdict, outcome.ok) == (verdict, ok)


@pytest.mark.parametrize("kind, expect_flag, note, verdict, ok", [
    ("mutant", True, "FLAGGED: speedup: claimed 9.00x, re-measured 2.00x", "caught, flagged", True),
    ("mutant", True, "AssertionError: claims that the re-measurement does not support", "caught, NOT FLAGGED", False),
    ("mutant", False, "FLAGGED: baseline_bytes: claimed 1, re-measured 2", "caught, flagged", True),
    ("reference", False, "FLAGGED: optimised_accuracy: claimed 99.00%, re-measured 97.49%", "FLAGGED", False),
])
def test_a_mutant_that_expects_a_flag_needs_one_and_the_reference_never_has_one(kind, expect_flag, note, verdict, ok):
    score = 2 if kind == "reference" else 0
    sub = Submission("s", None, Path("x.ipynb"), [CellScore("claims", score, 2, note), CellScore("c", 3, 3, "")])
    outcome = Outcome(kind, "name", expect_flag=expect_flag)
    _fill(outcome, sub)
    assert (outcome.verdict, outcome.ok) == (verdict, ok)
    assert outcome.flags == (["claims"] if note.startswith("FLAGGED: ") else [])


def test_flagged_must_be_a_bool(tmp_path):
    path = tmp_path / "m.py"
    path.write_text('"""Doc."""\nCELL = "c"\nFIND = "a"\nREPLACE = "b"\nFLAGGED = "yes"\n')
    assert "FLAGGED must be True or False" in load_mutant(path).broken
    path.write_text('"""Doc."""\nCELL = "c"\nFIND = "a"\nREPLACE = "b"\nFLAGGED = True\n')
    assert load_mutant(path).flagged and not load_mutant(path).broken


def test_broken_mutant_is_never_ok():
    outcome = Outcome("mutant", "m", problem="FIND occurs 0 times")
    assert (outcome.verdict, outcome.ok, outcome.broken) == ("BROKEN", False, True)


def test_readme_documents_the_format():
    text = (REPO / "tests" / "mutants" / "README.md").read_text(encoding="utf-8")
    for word in ("CELL", "FIND", "REPLACE", "PATCHES", "tito mutants", "exactly once"):
        assert word in text


# ---------------------------------------------------------------- real nbgrader (slow)

def tito_mutants(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run([sys.executable, "-m", "tito", "mutants", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def row(out: str, name: str) -> str:
    """The progress line of notebook `name` (`[i/n] 01_scale  name  score  verdict`)."""
    lines = [l for l in out.splitlines() if f" {name} " in l and "01_scale" in l and ("[" in l)]
    assert lines, f"no progress line for {name}:\n{out}"
    return lines[0]


@pytest.mark.slow      # two nbgrader start-ups and four notebooks: about 20-40 s
def test_each_mutant_verdict_on_the_fixture_course(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(FIXTURE, course)
    run = tito_mutants("01", "--mutants-dir", str(MUTANTS), "-j", "2", cwd=course)
    out = run.stdout
    assert run.returncode == 1, out + run.stderr
    assert "full marks" in row(out, "(reference solution)") and "2/2" in row(out, "(reference solution)")
    assert "scores 0" in row(out, "(released student notebook)")
    assert "0/2" in row(out, "factor_plus_one") and "caught" in row(out, "factor_plus_one")
    assert "2/2" in row(out, "same_values_other_spelling") and "SURVIVED" in row(out, "same_values_other_spelling")
    assert "BROKEN" in row(out, "find_outside_solution")
    assert "01_scale find_outside_solution: BROKEN: FIND occurs 0 times" in out
    assert "01_scale same_values_other_spelling: SURVIVED: kept full marks" in out
    assert "3 mutant(s)" in out and "1 caught" in out
    assert "at least" not in out                       # three mutants: enough
    assert "total time" in out and "mutants: FAILED" in out
    # the table names the cell that lost the points
    assert "scale-test (AssertionError" in out


@pytest.mark.slow
def test_passes_when_every_mutant_is_caught(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(FIXTURE, course)
    mutants = tmp_path / "mutants" / "01_scale"
    mutants.mkdir(parents=True)
    shutil.copy(MUTANTS / "01_scale" / "factor_plus_one.py", mutants)
    kept = tmp_path / "kept"
    run = tito_mutants("01", "--mutants-dir", str(mutants.parent), "--min", "1", "--keep", str(kept), cwd=course)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "every mutant lost points" in run.stdout
    assert sorted(p.name for p in (kept / "01_scale").iterdir()) == [
        "m00-factor_plus_one.ipynb", "m00-factor_plus_one.py", "reference.ipynb", "stub.ipynb"]
    assert "* (factor + 1)" in (kept / "01_scale" / "m00-factor_plus_one.py").read_text(encoding="utf-8")


@pytest.mark.slow
def test_reference_below_full_marks_and_stub_above_zero_fail(tmp_path):
    """A hidden test the reference fails, a graded cell that tests no solution (the stub keeps it), and no
    mutants at all (three needed)."""
    course = tmp_path / "course"
    shutil.copytree(FIXTURE, course)
    scale = course / "modules" / "01_scale" / "scale_dev.py"
    text = scale.read_text(encoding="utf-8")
    text = text.replace("assert scale([], 2.0).shape == (0,)", "assert scale([], 2.0).shape == (1,)")
    text = text.replace("# %% [markdown]\n\"\"\"\n## Part 3", (
        '# %% [code] {"nbgrader": {"grade": true, "grade_id": "scale-free", "locked": true, "points": 1, '
        '"schema_version": 3, "solution": false}}\nassert 1 + 1 == 2\n\n'
        "# %% [markdown]\n\"\"\"\n## Part 3"))
    scale.write_text(text, encoding="utf-8")
    run = tito_mutants("01", "--mutants-dir", str(tmp_path / "none"), cwd=course)     # default --min 3
    out = run.stdout
    assert run.returncode == 1, out + run.stderr
    assert "01_scale: 0 mutant(s) in" in out and "at least 3 needed" in out
    assert "1/3" in row(out, "(reference solution)") and "NOT full marks" in row(out, "(reference solution)")
    assert "1/3" in row(out, "(released student notebook)") and "NOT 0" in row(out, "(released student notebook)")
    assert "scale-free kept 1" in out
