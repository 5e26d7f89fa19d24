"""`tito check` engine (tito/checker/): every rule of docs/MODULE_STANDARD.md, shown failing.

The fixture course (tests/tito/fixtures/course) has two module files that follow every rule. Each case
below copies the course to tmp_path, breaks ONE rule by editing the text, and asserts that exactly that
rule is reported, at exactly the expected lines. The expected line is found by searching the edited
text for an anchor, never typed in as a number.
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tito.cells import parse_py
from tito.checker import RULES, Issue, check_modules
from tito.manifest import load

FIXTURE = Path(__file__).parent / "fixtures" / "course"
REPO = Path(__file__).resolve().parents[2]
SCALE = Path("modules/01_scale/scale_dev.py")
SHIFT = Path("modules/02_shift/shift_dev.py")


def run(root: Path, *refs: str) -> list[Issue]:
    course = load(root)
    return check_modules(course, [course.module(r) for r in refs or ("1",)])


def lines_with(root: Path, rel: Path, anchor: str) -> set[tuple[Path, int]]:
    """(path, line) of every line of the file that contains `anchor`."""
    text = (root / rel).read_text(encoding="utf-8").splitlines()
    found = {(rel, n) for n, t in enumerate(text, start=1) if anchor in t}
    assert found, f"anchor {anchor!r} not in {rel}"
    return found


def first_line_with(root: Path, rel: Path, anchor: str) -> set[tuple[Path, int]]:
    return {min(lines_with(root, rel, anchor), key=lambda x: x[1])}


def last_cell(root: Path, rel: Path = SCALE) -> set[tuple[Path, int]]:
    return {max(lines_with(root, rel, "# %%"), key=lambda x: x[1])}


def after(root: Path, rel: Path, start: str, anchor: str) -> set[tuple[Path, int]]:
    """The first line containing `anchor` after the first line containing `start`."""
    (_, begin), = first_line_with(root, rel, start)
    return {min((x for x in lines_with(root, rel, anchor) if x[1] > begin), key=lambda x: x[1])}


def header_of(root: Path, rel: Path, anchor: str) -> set[tuple[Path, int]]:
    """The `# %%` header line of the cell holding the first line that contains `anchor`."""
    (_, at), = first_line_with(root, rel, anchor)
    return {max((x for x in lines_with(root, rel, "# %%") if x[1] < at), key=lambda x: x[1])}


def exact_lines(root: Path, rel: Path, text: str) -> set[tuple[Path, int]]:
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    return {(rel, n) for n, t in enumerate(lines, start=1) if t == text}


def edit(root: Path, old: str, new: str, rel: Path = SCALE, count: int = 1) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not found {count} time(s) in {rel}"
    path.write_text(text.replace(old, new) if count == -1 else text.replace(old, new, count), encoding="utf-8")


def edits(*pairs: tuple[str, str]) -> Callable[[Path], None]:
    """Several `edit`s of the module 01 file, in order."""
    def apply(root: Path) -> None:
        for old, new in pairs:
            edit(root, old, new)
    return apply


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    apply: Callable[[Path], None]                       # break the tmp course
    where: Callable[[Path], set[tuple[Path, int]]]      # the expected issue locations
    modules: tuple[str, ...] = ("1",)                   # which modules to check
    says: str = ""                                      # a fragment every message must contain

    def __str__(self):
        return f"{self.rule}-{self.name}"


IMPL_HEADER = '"grade_id": "scale-impl"'
TEST_HEADER = '"grade_id": "scale-test"'
DOC = '    """Return `x` multiplied element-wise by `factor`, as a float64 NumPy array."""\n'

CASES = [
    # TT100 the file parses
    Case("TT100", "bad-json", lambda r: edit(r, '"solution": true}}', '"solution": true}'),
         lambda r: lines_with(r, SCALE, IMPL_HEADER), says="not valid JSON"),
    Case("TT100", "syntax-error", lambda r: edit(r, "dtype=np.float64) * factor", "dtype=np.float64 * factor"),
         lambda r: lines_with(r, SCALE, "dtype=np.float64 * factor"), says="not valid Python"),
    Case("TT100", "markdown-not-a-string",
         lambda r: edit(r, '"""\n## Production Context\n\nPyTorch\'s `torch.mul` does the same element-wise work '
                           'in a vectorised C++ kernel.\n"""',
                        "# ## Production Context\n#\n# PyTorch's `torch.mul` does the same element-wise work."),
         lambda r: header_of(r, SCALE, "# ## Production Context"),
         says="triple-quoted string"),
    Case("TT100", "unknown-directive", lambda r: edit(r, "#| export\nimport numpy", "#|export\nimport numpy"),
         lambda r: lines_with(r, SCALE, "#|export"), says="unknown directive"),
    Case("TT100", "directive-after-code", lambda r: edit(r, "#| export\nimport numpy as np\n", "import numpy as np\n#| export\n"),
         lambda r: after(r, SCALE, "import numpy", "#| export"),
         says="first line of the cell"),
    Case("TT100", "malformed-header", lambda r: edit(r, "# %% [markdown]\n\"\"\"\n## Production",
                                                     "#%% [markdown]\n\"\"\"\n## Production"),
         lambda r: lines_with(r, SCALE, "#%% [markdown]"), says="not one"),
    Case("TT100", "unknown-cell-type", lambda r: edit(r, "# %% [markdown]\n\"\"\"\n## Production",
                                                      "# %% [md]\n\"\"\"\n## Production"),
         lambda r: lines_with(r, SCALE, "# %% [md]"), says="malformed cell header"),
    Case("TT100", "code-before-first-cell", lambda r: (r / SCALE).write_text(
        "import os\n" + (r / SCALE).read_text(encoding="utf-8"), encoding="utf-8"),
         lambda r: {(SCALE, 1)}, says="before the first"),
    Case("TT100", "markdown-backslash-not-raw", lambda r: edit(r, 'r"""\n## Part 1', '"""\n## Part 1'),
         lambda r: lines_with(r, SCALE, "a \\cdot x_i"), says="raw string"),
    Case("TT100", "invalid-escape-in-code", lambda r: edit(r, 'print(f"time for', 'print(f"time \\d for'),
         lambda r: lines_with(r, SCALE, 'print(f"time \\d for'), says="invalid escape sequence"),

    # TT101 title and learning objectives
    Case("TT101", "title-number", lambda r: edit(r, "# Module 01: Scale", "# Module 1: Scale"),
         lambda r: lines_with(r, SCALE, "# Module 1: Scale"), says="# Module 01: Scale"),
    Case("TT101", "title-text", lambda r: edit(r, "# Module 01: Scale", "# Module 01: Scaling"),
         lambda r: lines_with(r, SCALE, "# Module 01: Scaling"), says="course.toml"),
    Case("TT101", "no-objectives-list", lambda r: edit(r, "**Learning Objectives:**\n", "**Learning Objectives:**\nWe will\n"),
         lambda r: lines_with(r, SCALE, "**Learning Objectives:**"), says="followed by a list"),
    Case("TT101", "first-cell-code", lambda r: (r / SCALE).write_text(
        "# %%\nx = 1\n\n" + (r / SCALE).read_text(encoding="utf-8"), encoding="utf-8"),
         lambda r: {(SCALE, 1)}, says="first cell"),

    # TT102 Part 1 before the first implementation
    Case("TT102", "missing", lambda r: edit(r, "## Part 1: Mathematical Foundations", "## Foundations"),
         lambda r: lines_with(r, SCALE, IMPL_HEADER), says="Part 1: Mathematical Foundations"),
    Case("TT102", "after-implementation", edits(("## Part 2: Implementation", "## Part 0: Intro"),
                                                    ("## Part 1: Mathematical Foundations", "## Part 2: Maths"),
                                                    ("### Testing scale\n", "### Testing scale\n\n"
                                                                            "## Part 1: Mathematical Foundations\n")),
         lambda r: lines_with(r, SCALE, "## Part 1: Mathematical Foundations"), says="comes after"),

    # TT103 implementation -> ### Testing -> test cell
    Case("TT103", "no-testing-heading", lambda r: edit(r, "### Testing scale", "### Checking scale"),
         lambda r: lines_with(r, SCALE, IMPL_HEADER), says="### Testing"),
    Case("TT103", "test-not-called", lambda r: edit(r, "\ntest_unit_scale()\n", "\n"),
         lambda r: lines_with(r, SCALE, "def test_unit_scale"), says="not called"),
    Case("TT103", "no-test-function", edits(("def test_unit_scale():", "def check_scale():"),
                                                ("\ntest_unit_scale()\n", "\ncheck_scale()\n"),
                                                ("    test_unit_scale()\n", "    check_scale()\n")),
         lambda r: lines_with(r, SCALE, TEST_HEADER), says="test cell"),

    # TT104 Systems Analysis
    Case("TT104", "no-complexity", lambda r: edit(r, "### Computational Complexity", "### Cost"),
         lambda r: lines_with(r, SCALE, "## Part 3: Systems Analysis"), says="Complexity"),
    Case("TT104", "no-timing", lambda r: edit(r, "time.perf_counter()", "time.time()", count=-1),
         lambda r: lines_with(r, SCALE, "## Part 3: Systems Analysis"), says="perf_counter"),
    Case("TT104", "measurements-outside-section",
         lambda r: edit(r, "# %%\nimport time\n", '# %% [markdown]\n"""\n## Measurements\n"""\n\n# %%\nimport time\n'),
         lambda r: lines_with(r, SCALE, "## Part 3: Systems Analysis"), says="section has no code cell"),
    Case("TT104", "missing", lambda r: edit(r, "## Part 3: Systems Analysis", "## Part 3: Costs"),
         last_cell, says="Systems Analysis"),

    # TT105 Production Context
    Case("TT105", "missing", lambda r: edit(r, "## Production Context", "## In practice"), last_cell,
         says="Production Context"),

    # TT106 __main__ and run_all_tests
    Case("TT106", "run-all-misses-a-test", lambda r: edit(r, "    test_unit_scale()\n    print(", "    print("),
         lambda r: lines_with(r, SCALE, "def run_all_tests"), says="does not call `test_unit_scale`"),
    Case("TT106", "no-main-guard", lambda r: edit(r, 'if __name__ == "__main__":\n    run_all_tests()', "pass"),
         last_cell, says="__main__"),
    Case("TT106", "run-all-not-defined", lambda r: edit(r, "def run_all_tests():", "def run_every_test():"),
         lambda r: header_of(r, SCALE, "if __name__"),
         says="not defined"),

    # TT107 ML Systems Thinking
    Case("TT107", "no-question", lambda r: edit(r, "1. Why does the peak memory grow linearly with n?",
                                                "1. Explain the linear growth of the peak memory."),
         lambda r: lines_with(r, SCALE, "## ML Systems Thinking"), says="question"),
    Case("TT107", "before-main", lambda r: edit(r, "## Production Context", "## ML Systems Thinking\n\nWhy?\n\n"
                                                "## Production Context"),
         lambda r: first_line_with(r, SCALE, "## ML Systems Thinking"), says="after the `__main__` cell"),

    # TT108 Module Summary last
    Case("TT108", "cell-after-summary", lambda r: (r / SCALE).write_text(
        (r / SCALE).read_text(encoding="utf-8") + '\n# %%\nprint("bye")\n', encoding="utf-8"),
         last_cell, says="Module Summary"),

    # TT110 nbgrader metadata
    Case("TT110", "no-schema-version", lambda r: edit(r, '"points": 2, "schema_version": 3, ', '"points": 2, '),
         lambda r: lines_with(r, SCALE, TEST_HEADER), says="schema_version"),
    Case("TT110", "graded-without-points", lambda r: edit(r, '"points": 2, ', ""),
         lambda r: lines_with(r, SCALE, TEST_HEADER), says="points"),
    Case("TT110", "bad-grade-id", lambda r: edit(r, '"scale-impl"', '"scale-impl.v1"'),
         lambda r: lines_with(r, SCALE, '"scale-impl.v1"'), says="grade_id"),
    Case("TT110", "string-bool", lambda r: edit(r, '"locked": false, "schema_version"', '"locked": "no", "schema_version"'),
         lambda r: lines_with(r, SCALE, IMPL_HEADER), says="true or false"),
    Case("TT110", "unknown-key", lambda r: edit(r, '"points": 2,', '"points": 2, "hidden": true,'),
         lambda r: lines_with(r, SCALE, TEST_HEADER), says="unknown key"),

    # TT111 grade_id prefix and uniqueness across the course
    Case("TT111", "duplicate-in-module", lambda r: edit(r, '"scale-test"', '"scale-impl"'),
         lambda r: lines_with(r, SCALE, IMPL_HEADER), says="also used at"),
    Case("TT111", "duplicate-in-other-module", lambda r: edit(r, '"shift-impl"', '"scale-impl"', rel=SHIFT),
         lambda r: lines_with(r, SCALE, IMPL_HEADER), says=str(SHIFT)),
    Case("TT111", "no-slug-prefix", lambda r: edit(r, '"scale-impl"', '"impl-scale"'),
         lambda r: lines_with(r, SCALE, '"impl-scale"'), says="module slug"),

    # TT112 solution markers
    Case("TT112", "unclosed", lambda r: edit(r, "    ### END SOLUTION\n", ""),
         lambda r: lines_with(r, SCALE, "### BEGIN SOLUTION"), says="never closed"),
    Case("TT112", "solution-cell-without-markers",
         edits(("    ### END SOLUTION\n", ""), ("    ### BEGIN SOLUTION\n", "")),
         lambda r: lines_with(r, SCALE, IMPL_HEADER), says="without"),
    Case("TT112", "markers-in-non-solution-cell", lambda r: edit(r, '"schema_version": 3, "solution": true}}',
                                                                 '"schema_version": 3, "solution": false}}'),
         lambda r: lines_with(r, SCALE, "### BEGIN SOLUTION"), says="not a solution cell"),
    Case("TT112", "near-miss-marker", lambda r: edit(r, "    ### END SOLUTION", "    # END SOLUTION"),
         lambda r: lines_with(r, SCALE, "# END SOLUTION"), says="exactly"),
    Case("TT112", "marker-in-prose", lambda r: edit(r, "You built `scale`", "Your code went between BEGIN SOLUTION "
                                                    "markers. You built `scale`"),
         lambda r: lines_with(r, SCALE, "BEGIN SOLUTION markers"), says="not a solution cell"),

    # TT113 hidden tests
    Case("TT113", "hidden-in-solution-cell",
         lambda r: edit(r, "    ### BEGIN SOLUTION\n", "    ### BEGIN HIDDEN TESTS\n    ### END HIDDEN TESTS\n"
                                                       "    ### BEGIN SOLUTION\n"),
         lambda r: after(r, SCALE, IMPL_HEADER, "### BEGIN HIDDEN TESTS"),
         says="outside a graded test cell"),
    Case("TT113", "unclosed", lambda r: edit(r, "    ### END HIDDEN TESTS\n", ""),
         lambda r: lines_with(r, SCALE, "### BEGIN HIDDEN TESTS"), says="never closed"),

    # TT114 scaffolding outside the solution
    Case("TT114", "whole-function-in-solution",
         edits(("    ### BEGIN SOLUTION\n", ""), ("    ### END SOLUTION\n", "### END SOLUTION\n"),
               ("#| export\ndef scale", "#| export\n### BEGIN SOLUTION\ndef scale")),
         lambda r: lines_with(r, SCALE, "### BEGIN SOLUTION"), says="not inside a function"),
    Case("TT114", "docstring-inside-solution",
         lambda r: edit(r, DOC + "    ### BEGIN SOLUTION\n", "    ### BEGIN SOLUTION\n" + DOC),
         lambda r: lines_with(r, SCALE, "### BEGIN SOLUTION"), says="docstring"),
    Case("TT114", "no-docstring", lambda r: edit(r, DOC, ""),
         lambda r: lines_with(r, SCALE, "### BEGIN SOLUTION"), says="no docstring"),
    Case("TT114", "end-outside-function",
         lambda r: edit(r, "    ### END SOLUTION\n", "\nSCALE_NAME = 'scale'\n### END SOLUTION\n"),
         lambda r: lines_with(r, SCALE, "### BEGIN SOLUTION"), says="END SOLUTION"),

    # TT115 test cells are autograded
    Case("TT115", "test-cell-not-locked", lambda r: edit(r, '"locked": true, "points": 2', '"locked": false, "points": 2'),
         lambda r: lines_with(r, SCALE, TEST_HEADER), says="autograded test cell"),

    # TT116 imports
    Case("TT116", "imports-later-module", lambda r: edit(r, "#| export\nimport numpy as np\n",
                                                         "#| export\nimport numpy as np\nfrom tinytorch.core.shift import Affine\n"),
         lambda r: lines_with(r, SCALE, "from tinytorch.core.shift"), says="does not require"),
    Case("TT116", "imports-planned-module", lambda r: edit(r, "import time\n", "import time\nimport tinytorch.core.later\n",
                                                           rel=SHIFT),
         lambda r: lines_with(r, SHIFT, "import tinytorch.core.later"), modules=("2",), says="module 03 later"),
    Case("TT116", "imports-module-file", lambda r: edit(r, "import time\n", "import time\nfrom scale_dev import scale\n",
                                                        rel=SHIFT),
         lambda r: lines_with(r, SHIFT, "from scale_dev"), modules=("2",), says="module file"),

    # TT117 exported cells hold package code only
    Case("TT117", "print-in-exported-cell", lambda r: edit(r, "import numpy as np\n", "import numpy as np\nprint('hi')\n"),
         lambda r: lines_with(r, SCALE, "print('hi')"), says="print"),
    Case("TT117", "name-from-unexported-cell", lambda r: edit(r, "#| export\nimport numpy", "import numpy"),
         lambda r: lines_with(r, SCALE, "return np.asarray"), says="NameError"),
    Case("TT117", "test-in-exported-cell", lambda r: edit(r, TEST_HEADER + ', "locked": true, "points": 2, '
                                                          '"schema_version": 3, "solution": false}}\n',
                                                          TEST_HEADER + ', "locked": true, "points": 2, '
                                                          '"schema_version": 3, "solution": false}}\n#| export\n'),
         lambda r: lines_with(r, SCALE, "def test_unit_scale") | exact_lines(r, SCALE, "test_unit_scale()"),
         says="exported cell"),

    # TT130 a test can fail
    Case("TT130", "except-pass-in-hidden-tests",
         lambda r: edit(r, "    assert scale([], 2.0).shape == (0,)\n",
                        "    assert scale([], 2.0).shape == (0,)\n    try:\n        scale([1], None)\n"
                        "    except TypeError:\n        pass\n"),
         lambda r: after(r, SCALE, "BEGIN HIDDEN TESTS", "    try:"), says="cannot fail"),
    Case("TT130", "except-checks-only-the-message",
         lambda r: edit(r, '    print("scale works")\n',
                        '    try:\n        scale([1], None)\n    except (TypeError, ValueError) as exc:\n'
                        '        assert "factor" in str(exc)\n    print("scale works")\n'),
         lambda r: after(r, SCALE, "END HIDDEN TESTS", "    try:"), says="`except (TypeError, ValueError)`"),

    # TT131 teaching size
    Case("TT131", "student-notebook-too-long",
         lambda r: edit(r, "import tracemalloc\n", "import tracemalloc\n" + "# measured below\n" * 1150),
         lambda r: {(SCALE, 0)}, says="the student notebook source has 1,"),
    Case("TT131", "module-file-too-long",
         lambda r: edit(r, "    return np.asarray(x, dtype=np.float64) * factor\n",
                        "    # a long worked solution\n" * 1300 + "    return np.asarray(x, dtype=np.float64) * factor\n"),
         lambda r: {(SCALE, 0)}, says="the module file has 1,"),

    # TT132 points go to the student's work
    Case("TT132", "graded-test-of-given-code",
         edits((IMPL_HEADER + ', "locked": false, "schema_version": 3, "solution": true',
                IMPL_HEADER + ', "locked": true, "schema_version": 3, "solution": false'),
               ("    ### BEGIN SOLUTION\n", ""), ("    ### END SOLUTION\n", "")),
         lambda r: lines_with(r, SCALE, TEST_HEADER), says="tests no student solution"),
    Case("TT132", "graded-test-of-an-empty-solution",
         lambda r: edit(r, "    return np.asarray(x, dtype=np.float64) * factor\n", "    pass  # students write this\n"),
         lambda r: lines_with(r, SCALE, TEST_HEADER), says="empty solution blocks"),

    # TT120 folders and files agree with course.toml
    Case("TT120", "stray-folder", lambda r: (r / "modules" / "07_extra").mkdir(),
         lambda r: {(Path("modules/07_extra"), 0)}, says="matches no module"),
    Case("TT120", "wrong-number-folder", lambda r: (r / "modules" / "01_scaling").mkdir(),
         lambda r: {(Path("modules/01_scaling"), 0)}, says="module 01 is `01_scale`"),
    Case("TT120", "misnamed-source", lambda r: (r / SCALE).rename(r / SCALE.with_name("scaling_dev.py")),
         lambda r: {(SCALE.with_name("scaling_dev.py"), 0), (SCALE, 0)}, says="course.toml"),
    Case("TT120", "ready-module-missing", lambda r: (r / SHIFT).unlink(),
         lambda r: {(SHIFT, 0)}, modules=("2",), says="ready"),
]


@pytest.fixture
def course_copy(tmp_path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(FIXTURE, root)
    return root


def test_good_fixture_has_no_issues():
    course = load(FIXTURE)
    assert check_modules(course, list(course.modules)) == []


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_rule_fails_on_a_broken_copy(case: Case, course_copy: Path):
    case.apply(course_copy)
    issues = run(course_copy, *case.modules)
    shown = "\n".join(map(str, issues))
    assert {i.rule for i in issues} == {case.rule}, shown
    assert {(i.path, i.line) for i in issues} == case.where(course_copy), shown
    assert all(case.says in i.message for i in issues), shown


def test_every_rule_has_a_failing_case():
    assert set(RULES) == {c.rule for c in CASES}
    assert all(desc.strip() and "\n" not in desc for desc in RULES.values())


# Edits that keep a module correct: the rules must not fire on them (strict, not silly).
ALLOWED = {
    "optional-import-of-later-module": lambda r: edit(
        r, "import time\n", "import time\ntry:\n    import tinytorch.core.shift\nexcept ImportError:\n    pass\n"),
    "blank-lines-before-directive": lambda r: edit(r, "#| export\nimport numpy", "\n#| export\nimport numpy"),
    "comment-style-thinking-question": lambda r: edit(r, "1. Why does the peak memory grow linearly with n?",
                                                      "**Why** does the peak memory grow linearly with n?**"),
    "raw-string-title-and-testing-cells": lambda r: edit(r, '"""\n# Module 01', 'r"""\n# Module 01') or edit(
        r, '"""\n### Testing scale', 'r"""\n### Testing scale'),
    "main-guard-reversed": lambda r: edit(r, 'if __name__ == "__main__":', 'if "__main__" == __name__:'),
    "helper-cell-without-def": lambda r: edit(r, "## Part 2: Implementation\n\"\"\"\n",
                                              "## Part 2: Implementation\n\"\"\"\n\n# %%\n#| export\nEPS = 1e-12\n"),
    "test-with-pytest-raises": lambda r: edit(
        r, "    assert scale([], 2.0).shape == (0,)\n",
        "    assert scale([], 2.0).shape == (0,)\n    import pytest\n    with pytest.raises(TypeError):\n"
        "        scale([1], None)\n"),
    "try-except-else-raise": lambda r: edit(
        r, '    print("scale works")\n', '    try:\n        scale([1], None)\n    except TypeError as exc:\n'
        '        assert "NoneType" in str(exc)\n    else:\n        raise AssertionError("must refuse None")\n'
        '    print("scale works")\n'),
    "try-assert-false-after-the-call": lambda r: edit(
        r, '    print("scale works")\n', '    try:\n        scale([1], None)\n        assert False, "must refuse"\n'
        '    except TypeError:\n        pass\n    print("scale works")\n'),
    "try-except-flag-asserted-after": lambda r: edit(
        r, '    print("scale works")\n', '    refused = False\n    try:\n        scale([1], None)\n'
        '    except TypeError:\n        refused = True\n    assert refused\n    print("scale works")\n'),
    "try-except-continue-then-raise": lambda r: edit(
        r, '    print("scale works")\n', '    for bad in (None, "x"):\n        try:\n            scale([1], bad)\n'
        '        except TypeError:\n            continue\n        raise AssertionError(bad)\n    print("scale works")\n'),
    "try-optional-import-in-test": lambda r: edit(
        r, '    print("scale works")\n', '    try:\n        import torch\n    except ImportError:\n'
        '        torch = None\n    print("scale works")\n'),
    "try-except-reraise-on-error": lambda r: edit(
        r, '    print("scale works")\n', '    try:\n        scale([1], 2)\n    except Exception as exc:\n'
        '        raise AssertionError("scale failed") from exc\n    print("scale works")\n'),
    "empty-solution-markdown-answer": lambda r: edit(
        r, '# %% [markdown]\n"""\n## Module Summary',
        '# %% [markdown] {"nbgrader": {"grade": true, "grade_id": "scale-answer", "locked": false, "points": 1, '
        '"schema_version": 3, "solution": true}}\n"""\nYOUR ANSWER HERE\n"""\n\n# %% [markdown]\n"""\n## Module Summary'),
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_rules_do_not_fire_on_correct_variations(name: str, course_copy: Path):
    ALLOWED[name](course_copy)
    assert run(course_copy, "1", "2") == []


def test_planned_module_without_source_is_skipped(course_copy: Path):
    assert run(course_copy, "3") == []


def test_issue_prints_as_path_line_rule_message():
    issue = Issue(Path("modules/01_x/x_dev.py"), 12, "TT103", "something is wrong")
    assert str(issue) == "modules/01_x/x_dev.py:12: TT103 something is wrong"


def test_tt110_agrees_with_nbgrader_schema(course_copy: Path):
    """Metadata the checker accepts, nbgrader's own schema 3 accepts; what TT110 rejects, nbgrader rejects.

    Reads nbgrader's schema file (nbgraderformat/v3.json) without importing nbgrader (whose import takes
    seconds) and adds the one check nbgrader makes in code: a graded cell must have points.
    """
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (an nbgrader dependency) is not installed")
    spec = importlib.util.find_spec("nbgrader")
    if spec is None:
        pytest.skip("nbgrader is not installed")
    schema = json.loads(Path(spec.submodule_search_locations[0], "nbgraderformat", "v3.json").read_text())

    def nbgrader_accepts(path: Path) -> bool:
        for cell in parse_py(path.read_text(encoding="utf-8")):
            meta = cell.metadata.get("nbgrader")
            if meta is None:
                continue
            try:
                jsonschema.validate(meta, schema)
            except jsonschema.ValidationError:
                return False
            if meta.get("grade") and "points" not in meta:
                return False
        return True

    assert nbgrader_accepts(course_copy / SCALE) and nbgrader_accepts(course_copy / SHIFT)
    for case in (c for c in CASES if c.rule == "TT110"):
        shutil.copy(FIXTURE / SCALE, course_copy / SCALE)
        case.apply(course_copy)
        assert not nbgrader_accepts(course_copy / SCALE), case


def test_real_course_meets_the_standard():
    """Every module of the real course that has a source file passes every rule."""
    course = load(REPO)
    written = [m for m in course.modules if m.source.is_file()]
    assert written, "no module sources found"
    issues = check_modules(course, written)
    assert issues == [], "\n".join(str(i) for i in issues)


def test_standard_doc_lists_every_rule_and_quotes_real_messages(tmp_path: Path):
    """docs/MODULE_STANDARD.md: its rule table has exactly the ids in RULES, and every message it quotes
    is what the checker prints for one of the broken fixture copies above."""
    doc = (REPO / "docs" / "MODULE_STANDARD.md").read_text(encoding="utf-8")
    table_ids = set(re.findall(r"^\| (TT\d{3}) \|", doc, re.MULTILINE))
    assert table_ids == set(RULES)
    printed = set()
    for n, case in enumerate(CASES):
        root = tmp_path / str(n)
        shutil.copytree(FIXTURE, root)
        case.apply(root)
        printed |= {str(i) for i in run(root, *case.modules)}
    quoted = re.findall(r"^(modules/\S+:\d+: TT\d{3} .*)$", doc, re.MULTILINE)
    assert quoted, "the doc quotes no message"
    assert [q for q in quoted if q not in printed] == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_checker_never_crashes_on_a_mangled_module(data, course_copy: Path):
    """Deleting, duplicating or truncating lines gives issues, never an exception."""
    path = course_copy / SCALE
    lines = (FIXTURE / SCALE).read_text(encoding="utf-8").splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        k = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "truncate", "dedent"]))
        if action == "delete":
            del lines[k]
        elif action == "duplicate":
            lines.insert(k, lines[k])
        elif action == "truncate":
            lines[k] = lines[k][: len(lines[k]) // 2]
        else:
            lines[k] = lines[k].lstrip()
        if not lines:
            break
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issues = run(course_copy, "1", "2")
    assert all(isinstance(i, Issue) and i.rule in RULES and i.line >= 0 for i in issues)
