"""Issue 11 frictions on the student's side of `tito module`: what a failing `complete` says, what is
announced as unlocked. (Real pytest runs; the notebook kernel is not needed for these.)"""
from __future__ import annotations

from tito import progress, student
from tito import workspace as wsp
from tito.commands import module as module_cmd

FAILING = '''\
import pytest


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_even(n):
    assert n % 2 == 0, f"first line for {n}\\nsecond line of the message\\nthird line"


def test_plain():
    value = 41
    assert value == 42, "the answer is wrong"
'''


def test_failure_report_names_file_line_full_message_and_lists_a_parametrised_test_once(workspace, capsys):
    ws = wsp.at(workspace)
    module = ws.module("01")
    (workspace / "tests/01_tensor/test_extra.py").write_text(FAILING)
    outcome = student.Outcome(module)
    student.run_public_tests(ws, module, outcome, timeout=300)
    module_cmd._report_failure(ws, module, outcome)
    out = capsys.readouterr().out
    print(out)
    even = [line for line in out.splitlines() if "test_even" in line]
    assert len(even) == 1, out                                 # once, with its failing ids
    assert "test_even [1, 3]" in even[0] and "(tests/01_tensor/test_extra.py:6)" in even[0]
    assert "first line for 1" in out and "second line of the message" in out and "third line" in out
    assert "test_plain (tests/01_tensor/test_extra.py:11)" in out and "the answer is wrong" in out
    assert "assert 41 == 42" in out


def test_a_planned_module_is_not_announced_as_unlocked(workspace, capsys):
    ws = wsp.at(workspace)
    for tag in ("01", "02"):
        progress.mark_attempt(workspace, tag, True, 1, 1)
    module = ws.module("02")
    assert not ws.course.module("03").ready and ws.course.module("03") in ws.course.unlocked_by(2)[0]
    module_cmd._report_success(ws, module, student.Outcome(module, tests_passed=1, tests_total=1))
    out = capsys.readouterr().out
    assert "Module 02 (Activations) complete" in out
    assert "03" not in out and "not in this workspace yet" not in out, out


NB_01, PY_01 = "modules/01_tensor/tensor_dev.ipynb", "modules/01_tensor/tensor_dev.py"


def test_a_broken_notebook_is_rebuilt_from_its_paired_py(workspace, h):
    import json
    import os
    import time

    ws = workspace
    py = ws / PY_01
    py.write_text(py.read_text().replace('"""Return the elementwise sum', '"""MY EDIT. Return the elementwise sum'))
    (ws / NB_01).write_text('{"cells": [ {"cell_type": "code", ')
    run = h.tito(["module", "complete", "01"], cwd=ws)
    assert run.code == 2 and "tito module sync 01 --from py" in run.stderr, run     # complete offers it
    run = h.tito(["module", "sync", "01", "--from", "py"], cwd=ws)
    assert run.code == 0, run
    nb = json.loads((ws / NB_01).read_text())
    assert any("MY EDIT" in "".join(c["source"]) for c in nb["cells"])
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    assert "fixture-tensor-add-impl" in ids and nb["metadata"]["jupytext"]["formats"] == "ipynb,py:percent"
    [saved] = (ws / ".tinytorch/backups").glob("*_01_tensor_before-sync/tensor_dev.ipynb")
    assert saved.read_text() == '{"cells": [ {"cell_type": "code", '
    os.remove(ws / NB_01)                                   # a missing notebook, too
    assert h.tito(["module", "sync", "01", "--from", "py"], cwd=ws).code == 0
    assert "MY EDIT" in (ws / NB_01).read_text()
    assert time.time() > 0


def test_restore_lists_backups_and_brings_one_back(workspace, h):
    ws = workspace
    run = h.tito(["module", "restore", "01"], cwd=ws)
    assert run.code == 0 and "No backups of module 01" in run.text, run
    h.set_cell(ws / NB_01, "fixture-tensor-add-impl", "#| export\ndef add(a, b):\n    return 'my work'\n")
    mine = (ws / NB_01).read_bytes()
    assert h.tito(["module", "reset", "01", "--yes"], cwd=ws).code == 0
    assert b"my work" not in (ws / NB_01).read_bytes()
    run = h.tito(["module", "restore", "01"], cwd=ws)
    assert run.code == 0 and "1. .tinytorch/backups/" in run.text and "tensor_dev.ipynb" in run.text, run
    run = h.tito(["module", "restore", "01", "1"], cwd=ws)
    assert run.code == 0, run
    assert (ws / NB_01).read_bytes() == mine
    assert (ws / NB_01).stat().st_mtime == (ws / PY_01).stat().st_mtime
    run = h.tito(["module", "restore", "01", "nope"], cwd=ws)
    assert run.code == 2 and "no backup 'nope'" in run.stderr


def test_a_truncated_py_is_never_synced_into_the_notebook(workspace, h):
    import os
    import time

    ws = workspace
    py = ws / PY_01
    text = py.read_text()
    cut = text.index("fixture-tensor-total-test")                 # a write that stopped part-way
    py.write_text(text[:text.rindex("# %%", 0, cut)])
    os.utime(py, (time.time() + 5,) * 2)                           # newer than the notebook
    before = h.tree_hashes(ws)
    run = h.tito(["module", "complete", "01"], cwd=ws)
    assert run.code == 2, run
    assert "looks truncated" in run.stderr and "fixture-tensor-total-test" in run.stderr
    assert "tito module sync 01 --from ipynb" in run.stderr
    assert h.tree_hashes(ws) == before


def test_release_writes_the_pair_atomically(tmp_path, monkeypatch):
    import errno
    import os

    import nbformat
    import pytest

    from tito import release

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    target = tmp_path / "m" / "a_dev.ipynb"
    release.write_pair(nb, target)
    old_py = target.with_suffix(".py").read_bytes()
    nb.cells.append(nbformat.v4.new_code_cell("y = 2"))
    real = os.replace

    def full_disk(src, dst):
        if str(dst).endswith(".py"):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        release.write_pair(nb, target)
    assert target.with_suffix(".py").read_bytes() == old_py            # the old file, whole
    assert not [p for p in target.parent.iterdir() if p.suffix == ".tmp"]


def test_a_read_only_workspace_is_one_line_naming_the_path(workspace, h, monkeypatch):
    """Simulated (the tests may run as root, where chmod cannot make a folder read-only): every write
    tito makes goes through one writer, whose temporary file cannot be created."""
    import errno
    import tempfile

    def read_only(*args, dir=None, **kwargs):
        raise PermissionError(errno.EROFS, "Read-only file system", str(dir))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    run = h.tito(["module", "start", "01"], cwd=workspace)
    assert run.code == 2, run
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot write" in lines[0] and ".tinytorch/progress.json" in lines[0], run
    assert "Read-only file system" in lines[0] and "Traceback" not in run.text
