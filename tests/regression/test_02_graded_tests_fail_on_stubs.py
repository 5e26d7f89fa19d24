"""Regression (modules 02, 03, 04, 06, 07): graded tests that passed on the student stubs.

In the student release every `### BEGIN SOLUTION` ... `### END SOLUTION` block becomes
`raise NotImplementedError()`. Two graded cells of module 02 (`activations-setup-test`,
`activations-erf-test`) and two of module 07 (`training-progress-test`, `training-plot-test`) tested only
given code, so they passed on an untouched release: free points for writing nothing. Each now tests a
piece the student writes (`_check_dim`, `_erf_horner`, `ProgressBar.render`, `_curve_points`).

This test builds the stubbed student view of each module (hidden tests removed, as in the release),
runs its cells in a fresh interpreter (the Systems Analysis and later cells are skipped), and requires
every graded test cell to fail. `python modules/NN_slug/slug_dev.py` already proves they pass on the
reference.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tito.cells import hidden_blocks, read_cells, solution_blocks
from tito.manifest import load

ROOT = Path(__file__).resolve().parents[2]
MODULES = ["02", "03", "04", "06", "07"]

RUNNER = r'''
import contextlib, io, json, sys
cells = json.loads(sys.stdin.read())
ns = {"__name__": "__student_view__"}
passed = []
for grade_id, src in cells:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(src, grade_id or "<cell>", "exec"), ns)
    except BaseException:
        continue
    if grade_id:
        passed.append(grade_id)
print(json.dumps(passed))
'''


def student_view(path):
    """[(grade_id or None, source)] of the code cells up to the Systems Analysis, solutions stubbed."""
    out = []
    for cell in read_cells(path):
        if cell.kind == "markdown":
            if re.search(r"^#+ .*Systems Analysis", cell.source, re.M):
                break
            continue
        nb = cell.nbgrader or {}
        lines = cell.source.splitlines()
        if nb.get("solution"):
            for begin, end in reversed(solution_blocks(cell.source)):
                indent = re.match(r"\s*", lines[begin]).group(0)
                lines[begin:end + 1] = [indent + "# YOUR CODE HERE", indent + "raise NotImplementedError()"]
        for begin, end in reversed(hidden_blocks("\n".join(lines))):
            del lines[begin:end + 1]
        graded = bool(nb.get("grade")) and not nb.get("solution")
        out.append((nb["grade_id"] if graded else None, "\n".join(lines)))
    return out


@pytest.mark.parametrize("number", MODULES)
def test_every_graded_cell_fails_on_the_untouched_release(number):
    module = load().module(number)
    cells = student_view(module.source)
    graded = [g for g, _ in cells if g]
    assert graded, f"module {number} has no graded test cells before its Systems Analysis"
    result = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(cells), capture_output=True,
                            text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    passed = json.loads(result.stdout.strip().splitlines()[-1])
    assert passed == [], (f"module {number}: graded cells {passed} pass on the student stubs "
                          "(they give points for writing nothing)")
