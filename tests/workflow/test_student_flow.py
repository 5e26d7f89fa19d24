"""A scripted new student works through module 01 of the fixture course with the real CLI, a real
Jupyter kernel and real pytest: stub fails, pasted solution passes, break + reset keeps a backup."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tito import progress, student
from tito import workspace as wsp

SOURCE_01 = "modules/01_tensor/tensor_dev.py"
NB_01 = "modules/01_tensor/tensor_dev.ipynb"


def test_new_student_completes_module_01(workspace, h):
    ws = workspace
    src = h.FIXTURE_COURSE / SOURCE_01

    run = h.tito(["module", "start", "01"], cwd=ws)
    assert run.code == 0, run
    assert NB_01 in run.text and "tito module complete 01" in run.text

    # 1. The untouched stub must fail, naming the stubs.
    run = h.tito(["module", "complete", "01"], cwd=ws)
    assert run.code == 1, run
    assert "not complete yet" in run.text
    assert "Still stubs (they raise NotImplementedError): add(), Tensor.total()" in run.text
    assert "implement add() -- see the docstring above" in run.text
    assert "test_add_public" in run.text
    assert progress.record(ws, "01")["state"] == "failed"

    # 2. Paste the reference solution cells (matched by grade_id): now it passes.
    assert h.paste_solutions(src, ws / NB_01) == ["fixture-tensor-add-impl", "fixture-tensor-class-impl"]
    run = h.tito(["module", "complete", "01"], cwd=ws)
    assert run.code == 0, run
    assert "Module 01 (Tensor) complete" in run.text and "3/3 public tests passed" in run.text
    assert "Unlocked: module 02 (Activations)" in run.text
    assert "Unlocked: milestone 01 (First milestone" in run.text
    assert progress.completed_modules(ws) == {1}
    assert workspace_stubs(ws) == []
    assert "left_operand = np.asarray(a)" in (ws / "tinytorch/core/tensor.py").read_text()

    run = h.tito(["module", "status"], cwd=ws)
    assert run.code == 0, run
    assert "01 Tensor completed 3/3" in run.text
    assert "02 Activations available" in run.text and "03 Layers not released" in run.text

    # 3. Break the code: complete fails and says which test.
    h.set_cell(ws / NB_01, "fixture-tensor-add-impl",
               "#| export\ndef add(a, b):\n    return np.asarray(a) - np.asarray(b)  # oops\n")
    run = h.tito(["module", "complete", "01"], cwd=ws)
    assert run.code == 1, run
    assert "Notebook cell fixture-tensor-add-test failed: AssertionError" in run.text
    assert "test_add_public" in run.text
    assert progress.completed_modules(ws) == set()

    # 4. Reset (asks first), then find the backup.
    run = h.tito(["module", "reset", "01"], cwd=ws, input="n\n")
    assert run.code == 1 and "Nothing changed" in run.text
    assert "# oops" in (ws / NB_01).read_text()
    run = h.tito(["module", "reset", "01", "--yes"], cwd=ws)
    assert run.code == 0, run
    [backup] = (ws / ".tinytorch/backups").glob("*_01_tensor")
    assert "# oops" in (backup / "tensor_dev.ipynb").read_text()
    assert (backup / "tensor_dev.py").is_file()
    assert (ws / NB_01).read_bytes() == (ws / ".tinytorch/pristine/01_tensor/tensor_dev.ipynb").read_bytes()
    assert workspace_stubs(ws) == ["add", "Tensor.total"]
    assert progress.record(ws, "01")["state"] == "started"


def workspace_stubs(ws: Path) -> list[str]:
    return wsp.stubs_in_file(ws / "tinytorch/core/tensor.py")


def test_public_tests_import_the_students_package(workspace, h, tmp_path):
    """PYTHONPATH points at the course repo (see the fixture), and the repo's tinytorch is importable
    there: the public tests must still get the WORKSPACE's tinytorch."""
    ws = workspace
    (ws / "tests/01_tensor/test_where_from.py").write_text(
        "from pathlib import Path\nimport tinytorch\n\n"
        "def test_package_is_the_workspace_one():\n"
        "    assert Path(tinytorch.__file__).resolve().is_relative_to(Path.cwd().resolve()), tinytorch.__file__\n"
        f"    assert not Path(tinytorch.__file__).resolve().is_relative_to({str(h.REPO / 'tinytorch')!r})\n")
    w = workspace_obj(ws)
    module = w.module("01")
    outcome = student.Outcome(module)
    student.run_public_tests(w, module, outcome, timeout=300)
    assert Path(outcome.tinytorch_file).resolve() == (ws / "tinytorch/__init__.py").resolve()
    names = {n.split(" ")[0] for n, _ in outcome.test_failures}      # "test (file:line)"
    assert "test_package_is_the_workspace_one" not in names          # it passed
    assert outcome.tests_total == 4 and "test_add_public" in names  # the stubs still fail


def workspace_obj(ws: Path) -> wsp.Workspace:
    return wsp.find(ws)


def test_edited_py_is_synced_into_the_notebook(workspace, h):
    ws = workspace
    py = ws / "modules/01_tensor/tensor_dev.py"
    text = py.read_text()
    solutions = h.reference_solution_cells(h.FIXTURE_COURSE / SOURCE_01)
    body = {"add": "    return np.asarray(a) + np.asarray(b)",
            "Tensor.total": "        return float(self._data.sum())"}
    for name, code in body.items():
        stub = f'raise NotImplementedError("Module 01 (tensor): implement {name}() -- see the docstring above")'
        line = next(l for l in text.splitlines() if l.strip() == stub)
        text = text.replace(line, code)
    assert solutions  # the .py route does not paste reference cells; it edits the stub lines
    time.sleep(0.05)
    py.write_text(text)
    future = time.time() + 5
    os.utime(py, (future, future))
    run = h.tito(["module", "complete", "01"], cwd=ws)
    assert run.code == 0, run
    assert "is newer than the notebook: synced it into modules/01_tensor/tensor_dev.ipynb" in run.text
    nb = json.loads((ws / NB_01).read_text())
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    assert "fixture-tensor-add-impl" in ids and "fixture-tensor-total-test" in ids   # metadata kept
    assert list((ws / ".tinytorch/backups").glob("*_01_tensor_before-sync/tensor_dev.ipynb"))


def test_invalid_notebook_is_a_one_line_error_and_nothing_is_overwritten(workspace, h):
    ws = workspace
    (ws / NB_01).write_text('{"cells": [ {"cell_type": "code", ')
    py = ws / "modules/01_tensor/tensor_dev.py"
    os.utime(py, (time.time() + 5,) * 2)          # even with a newer .py, nothing is synced over it
    before = h.tree_hashes(ws)
    run = h.tito(["module", "complete", "01"], cwd=ws)
    assert run.code == 2, run
    assert "tensor_dev.ipynb is not valid JSON" in run.stderr and "nothing was changed" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert h.tree_hashes(ws) == before


@pytest.mark.parametrize("args, message", [
    (["module", "complete", "99"], "no module '99'"),
    (["module", "start", "x1"], "no module 'x1'"),
    (["module", "start", "03"], "module 03 (layers) is not in this workspace"),
    (["module", "reset", "42", "--yes"], "no module '42'"),
])
def test_wrong_module_is_a_one_line_error(workspace, h, args, message):
    run = h.tito(args, cwd=workspace)
    assert run.code == 2, run
    assert message in run.stderr and len(run.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["module", "status"], ["module", "complete", "01"], ["module", "start", "01"],
                                  ["module", "reset", "01", "--yes"]])
def test_outside_a_workspace_is_a_one_line_error(tmp_path, h, args):
    run = h.tito(args, cwd=h.FIXTURE_COURSE)      # the course itself is not a workspace
    assert run.code == 2, run
    assert "not inside a TinyTorch student workspace" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_prerequisites_are_checked(workspace, h):
    run = h.tito(["module", "start", "02"], cwd=workspace)
    assert run.code == 1 and "needs 01 (Tensor) completed first" in run.text
    run = h.tito(["module", "start", "02", "--force"], cwd=workspace)
    assert run.code == 0 and "modules/02_activations/activations_dev.ipynb" in run.text


@pytest.mark.parametrize("args", [["release"], ["grade"], ["module"], ["module", "start"], ["module", "complete"],
                                  ["module", "status"], ["module", "reset"]])
def test_every_command_has_help_with_an_example(h, args):
    run = h.tito(args + ["--help"], cwd=h.FIXTURE_COURSE)
    assert run.code == 0, run
    assert "Example" in run.text


def test_code_that_does_not_even_import_is_a_recorded_failure(workspace, h):
    ws = workspace
    h.set_cell(ws / NB_01, "fixture-tensor-add-impl", "#| export\ndef add(a, b)\n    return a\n")
    run = h.tito(["module", "complete", "01"], cwd=ws)
    assert run.code == 1, run
    assert "SyntaxError" in run.text and "not complete yet" in run.text
    assert progress.record(ws, "01")["state"] == "failed"
