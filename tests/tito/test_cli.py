"""The `tito` command line: discovery, help texts, one-line errors with exit 2, test and milestone commands."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tito.cli import build_app, command_modules
from tito.commands.check import format_issue
from tito.commands.milestone import missing_prerequisites
from tito.commands.test import pytest_counts
from tito import manifest

REPO = Path(__file__).resolve().parents[2]
MY_COMMANDS = [["export"], ["notebooks"], ["check"], ["test"], ["milestone", "list"], ["milestone", "run"]]


def _load_helper(name: str):
    spec = importlib.util.spec_from_file_location(f"tito_tests_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


democourse = _load_helper("democourse")
runner = CliRunner()


def tito(*args):
    """Run tito in-process the way `main()` does: only the command module named first is loaded."""
    return runner.invoke(build_app(strict=True, only=args[0] if args[0] in command_modules() else None),
                         list(args))


def tito_process(*args, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m tito ...` as a real process (output of child scripts is only visible this way)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "tito", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def demo(tmp_path, monkeypatch):
    democourse.make_course(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---------------------------------------------------------------- discovery and help

def test_every_command_module_registers():
    names = command_modules()
    assert {"export", "notebooks", "check", "test", "milestone"} <= set(names)
    build_app(strict=True)          # raises if any tito/commands/*.py fails to import or register


@pytest.mark.parametrize("name", command_modules())
def test_each_command_module_registers_the_command_of_its_name(name):
    """`tito NAME ...` loads only tito/commands/NAME.py, so that file must provide the command NAME."""
    result = runner.invoke(build_app(strict=True, only=name), [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"tito {name}" in result.output


def test_top_level_help_lists_the_commands():
    result = runner.invoke(build_app(strict=True), ["--help"])
    assert result.exit_code == 0
    for name in ("export", "notebooks", "check", "test", "milestone"):
        assert name in result.output


@pytest.mark.parametrize("words", MY_COMMANDS, ids=" ".join)
def test_each_command_help_has_an_example(words):
    result = tito(*words, "--help")
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    assert f"tito {' '.join(words)}" in " ".join(result.output.split())


def test_python_dash_m_tito_and_no_args_shows_help(tmp_path):
    done = tito_process("--help", cwd=tmp_path)          # works outside any course
    assert done.returncode == 0, done.stderr
    assert "Usage: tito" in done.stdout


# ---------------------------------------------------------------- one-line errors, exit 2

def assert_one_line_error(result, *needles):
    """Exit status 2, exactly one line on stderr containing every needle, and no traceback."""
    if isinstance(result, subprocess.CompletedProcess):
        code, out, err = result.returncode, result.stdout, result.stderr
    else:
        code, out, err = result.exit_code, result.stdout, result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_unknown_module_number(demo):
    assert_one_line_error(tito("export", "99"), "tito: error:", "no module '99' in course.toml", "01 demo")


def test_unknown_module_number_in_a_real_process(demo):
    done = tito_process("test", "42", cwd=demo)
    assert_one_line_error(done, "tito: error:", "no module '42' in course.toml")


@pytest.mark.parametrize("command", [["export"], ["notebooks"], ["test"], ["milestone", "list"]])
def test_folder_without_course_toml(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(tito(*command), "no course.toml found")


def test_broken_cell_header_json(demo):
    source = demo / "modules" / "01_demo" / "demo_dev.py"
    source.write_text(source.read_text().replace('"points": 3,', '"points": 3,,'))
    assert_one_line_error(tito("notebooks", "01"), "modules/01_demo/demo_dev.py:", "not valid JSON")


def test_invalid_notebook_json_is_one_line(demo):
    """A truncated notebook (as a half-saved student file would be) is named, not a JSON traceback."""
    from tito.cells import read_cells
    broken = demo / "broken.ipynb"
    broken.write_text('{"cells": [')
    app = build_app(strict=True)

    @app.command("read-cells-probe")
    def probe():
        read_cells(broken)

    result = runner.invoke(app, ["read-cells-probe"])
    assert_one_line_error(result, "broken.ipynb", "not valid JSON")


# ---------------------------------------------------------------- tito check (engine written elsewhere)

def test_check_issue_formatting():
    class Issue:
        path, line, rule, message = REPO / "modules" / "01_tensor" / "tensor_dev.py", 12, "TT101", "no title"
    assert format_issue(Issue(), REPO) == "modules/01_tensor/tensor_dev.py:12: TT101 no title"
    assert format_issue("plain text issue", REPO) == "plain text issue"


def test_check_command_runs_the_checker(demo):
    result = tito("check", "--rules")
    assert result.exit_code == 0, result.output
    assert "TT101" in result.output
    # The demo module has no Systems Analysis / Production Context sections: issues, exit 1.
    result = tito("check", "01")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[-1].startswith(f"{len(lines) - 1} issue(s) in module(s) 01")
    assert all(re.match(r"^modules/01_demo/demo_dev\.py:\d+: TT1\d\d \S", l) for l in lines[:-1]), lines
    assert any(" TT105 " in l for l in lines)


# ---------------------------------------------------------------- tito test

def test_tito_test_passes_a_good_module(demo):
    tests = demo / "tests" / "01_demo"
    tests.mkdir(parents=True)
    (tests / "test_demo_public.py").write_text(
        "from tinytorch.core.demo import scale\n\ndef test_scale():\n    assert scale([2], 2) == [4]\n")
    assert tito("export").exit_code == 0
    result = tito("test", "01")
    assert result.exit_code == 0, result.output
    assert "1 passed" in result.output and "all 1 module(s) passed" in result.output
    assert sorted(p.name for p in demo.iterdir()) == ["course.toml", "milestones", "modules", "tests", "tinytorch"]


def test_tito_test_reports_a_failing_inline_test_and_pytest_failure(demo):
    source = demo / "modules" / "01_demo" / "demo_dev.py"
    source.write_text(source.read_text().replace("result = [v * factor for v in values]",
                                                 "result = [v + factor for v in values]"))
    tests = demo / "tests" / "01_demo"
    tests.mkdir(parents=True)
    (tests / "test_demo_public2.py").write_text(
        "from tinytorch.core.demo import scale\n\ndef test_scale():\n    assert scale([2], 3) == [6]\n")
    assert tito("export").exit_code == 0
    result = tito("test")
    assert result.exit_code == 1, result.output
    assert "inline tests failed" in result.output and "AssertionError" in result.output   # tail of the output
    assert "1 failed" in result.output and "1 of 1 module(s) failed" in result.output


def test_tito_test_stops_a_module_that_hangs(demo):
    source = demo / "modules" / "01_demo" / "demo_dev.py"
    source.write_text(source.read_text().replace("    run_all_tests()", "    import time\n    time.sleep(60)"))
    result = tito("test", "01", "--timeout", "2")
    assert result.exit_code == 1, result.output
    assert "timeout (2 s)" in result.output and "still running after 2 s" in result.output


def test_pytest_summary_is_read_from_the_last_line():
    output = "a test printed: 3 passed\n==== 1 failed, 2 passed, 1 error in 0.31s ====\n"
    assert pytest_counts(output) == {"failed": 1, "passed": 2, "error": 1}


# ---------------------------------------------------------------- milestones

def test_missing_prerequisites_in_the_course_repo(demo):
    course = manifest.load(demo)
    assert missing_prerequisites(course, course.milestone(1)) == []
    assert [m.slug for m in missing_prerequisites(course, course.milestone(2))] == ["other"]


def test_milestone_run_refuses_and_lists_missing_modules(demo):
    assert_one_line_error(tito("milestone", "run", "02"), "milestone 02", "02 other", "not complete")


def test_milestone_run_streams_output_and_passes_args_and_exit_code(demo):
    assert tito("export").exit_code == 0
    done = tito_process("milestone", "run", "01", "7", "--flag", cwd=demo)
    assert done.returncode == 7, done.stdout + done.stderr
    assert "first milestone: [2, 4] args: ['7', '--flag']" in done.stdout
    done = tito_process("milestone", "run", "first", cwd=demo)
    assert done.returncode == 0 and "args: []" in done.stdout


def test_milestone_run_all_runs_ready_milestones(demo):
    assert tito("export").exit_code == 0
    done = tito_process("milestone", "run", "--all", cwd=demo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "first milestone:" in done.stdout and "Second" not in done.stdout


def test_milestone_list_shows_what_is_missing(demo):
    result = tito("milestone", "list")
    assert result.exit_code == 0, result.output
    assert "First milestone" in result.output and "Second milestone" in result.output
    row = next(l for l in result.output.splitlines() if "Second" in l)
    assert "02" in row.split("│")[-2]          # the "missing" column names module 02


def test_unknown_milestone(demo):
    assert_one_line_error(tito("milestone", "run", "9"), "no milestone '9'")


def test_workspace_progress_decides(demo):
    """In a student workspace (.tinytorch/progress.json) completion comes from tito.progress, not from
    the status in course.toml."""
    store = demo / ".tinytorch" / "progress.json"
    store.parent.mkdir()
    store.write_text(json.dumps({"version": 1, "modules": {}}))
    course = manifest.load(demo)
    if importlib.util.find_spec("tito.progress") is None:
        assert_one_line_error(tito("milestone", "run", "01"), "tito/progress.py")
        return
    # Nothing completed yet: milestone 01 needs module 01 even though course.toml marks it ready.
    assert [m.number for m in missing_prerequisites(course, course.milestone(1))] == [1]
    assert_one_line_error(tito("milestone", "run", "01"), "01 demo", "tito module complete")
    store.write_text(json.dumps({"version": 1, "modules": {"01": {"state": "completed"}}}))
    assert missing_prerequisites(course, course.milestone(1)) == []
    assert [m.number for m in missing_prerequisites(course, course.milestone(2))] == [2]
    store.write_text("{not json")
    assert_one_line_error(tito("milestone", "list"), "progress.json", "not valid JSON")
