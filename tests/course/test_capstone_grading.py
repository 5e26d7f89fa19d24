"""Module 20's grader cells, run on hand-made submissions: the hidden claims cell raises ClaimsFlagged (the
exception tito's gradebook turns into a FLAGGED note) naming every claim that is off, claimed against
re-measured against the tolerance, and passes an honest report. Not shipped to students (it reads the
module source with its hidden tests)."""
import ast
import json
import re
from pathlib import Path

import pytest

import tinytorch.capstone
from tests.conftest import load_file
from tinytorch.capstone_support import remeasure
from tito.cells import read_cells

ROOT = Path(__file__).resolve().parents[2]
fixture = load_file(ROOT / "tests" / "20_capstone" / "submission_fixture.py")


def cell_source(grade_id):
    return next(c.source for c in read_cells(ROOT / "modules" / "20_capstone" / "capstone_dev.py")
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def run_cell(grade_id, folder):
    """Execute the module's graded cell `grade_id` (hidden tests included) against the submission in `folder`,
    with the grader's hidden helper `_grader_support` from the first project cell (which itself is not run:
    it would build a new submission)."""
    namespace = dict(vars(tinytorch.capstone), remeasure=remeasure, SUBMISSION_DIR=Path(folder))
    helper = [node for node in ast.parse(cell_source("capstone-project-format")).body
              if isinstance(node, ast.FunctionDef) and node.name == "_grader_support"]
    assert helper, "the first project cell defines the grader's _grader_support in its hidden tests"
    exec(compile(ast.Module(body=helper, type_ignores=[]), "capstone-project-format", "exec"), namespace)
    exec(compile(cell_source(grade_id), grade_id, "exec"), namespace)


def honest_submission(folder):
    claims = fixture.make_submission(folder)
    claims["speedup"] = remeasure(folder)["latency"]["speedup"]
    report = json.loads((folder / "report.json").read_text())
    report["claims"] = claims
    (folder / "report.json").write_text(json.dumps(report))
    return claims


def test_honest_claims_are_not_flagged(tmp_path):
    honest_submission(tmp_path)
    run_cell("capstone-project-claims", tmp_path)


def test_invented_claims_are_flagged_each_by_name(tmp_path):
    claims = honest_submission(tmp_path)
    report = json.loads((tmp_path / "report.json").read_text())
    report["claims"].update(optimised_accuracy=0.99, optimised_bytes=claims["optimised_bytes"] - 1,
                            speedup=claims["speedup"] * 5)
    (tmp_path / "report.json").write_text(json.dumps(report))
    with pytest.raises(AssertionError) as err:
        run_cell("capstone-project-claims", tmp_path)
    assert type(err.value).__name__ == "ClaimsFlagged", "the exception tito's gradebook looks for, by name"
    message = str(err.value)
    parts = message.split("; ")
    assert len(parts) == 3, message
    assert re.fullmatch(r"optimised_accuracy: claimed 99\.00%, re-measured \d+\.\d\d% \(\d+/359 images\) "
                        r"\(tolerance: exact\)", parts[0]), parts[0]
    assert parts[1] == (f"optimised_bytes: claimed {claims['optimised_bytes'] - 1:,}, re-measured "
                        f"{claims['optimised_bytes']:,} (tolerance: exact)")
    assert re.fullmatch(r"speedup: claimed \d+\.\d\dx, re-measured \d+\.\d\dx \(tolerance: within a factor 2\)",
                        parts[2]), parts[2]


def test_a_missing_submission_scores_zero_without_a_flag(tmp_path):
    from tinytorch.capstone_support import SubmissionError
    for grade_id in ("capstone-project-size", "capstone-project-accuracy", "capstone-project-latency",
                     "capstone-project-claims"):
        with pytest.raises(SubmissionError):
            run_cell(grade_id, tmp_path)
