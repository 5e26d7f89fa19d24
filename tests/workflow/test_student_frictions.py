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
