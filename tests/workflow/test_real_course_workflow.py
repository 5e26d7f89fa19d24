"""The workflow on the REAL course modules (modules/NN_slug/), not the fixture: no answer leaks into a
release, a stub module 01 fails `complete` and the pasted reference passes, the milestones ship with their
shared file. (Grading the real course: tests/e2e/test_instructor_course.py.)
Slow (real nbgrader runs over the full modules): run with `pytest -m slow`."""
from __future__ import annotations

import shutil

import pytest

from tito import manifest, progress, release

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course(h):
    course = manifest.load(h.REPO)
    ready = [m for m in course.select(None) if m.source.is_file()]
    if not ready or not course.module("01").source.is_file():
        pytest.skip("module 01 (modules/01_tensor/tensor_dev.py) is not written yet")
    return course


@pytest.fixture(scope="module")
def real_release(course, tmp_path_factory):
    """`tito release --to DIR` of every ready module of the real course."""
    dest = tmp_path_factory.mktemp("real-release") / "ws"
    modules = [m for m in course.select(None) if m.source.is_file()]
    release.build(course, modules, dest, say=lambda m: None)
    return dest, modules


def test_release_contains_no_solution_or_hidden_test_line(real_release, h):
    dest, modules = real_release
    sources = [m.source for m in modules]
    assert any(h.secret_lines(s) for s in sources)
    leaks = h.leaks(dest, sources)
    assert leaks == [], "\n".join(leaks[:20])


def test_new_student_completes_real_module_01(course, real_release, tmp_path, h, monkeypatch):
    """In a release of every ready module (a release of 01 alone needs tinytorch/__init__.py to import
    only the modules that exist; see the report)."""
    monkeypatch.setenv("PYTHONPATH", str(h.REPO))       # the repo's reference tinytorch is importable
    monkeypatch.setenv("COLUMNS", "200")
    ws = tmp_path / "ws"
    shutil.copytree(real_release[0], ws)
    run = h.tito(["module", "complete", "01"], cwd=ws)
    assert run.code == 1, run.text
    assert "Still stubs (they raise NotImplementedError):" in run.text
    assert "Module 01 (tensor): implement" in run.text
    pasted = h.paste_solutions(course.module("01").source, ws / "modules/01_tensor/tensor_dev.ipynb")
    assert pasted
    run = h.tito(["module", "complete", "01"], cwd=ws)
    assert run.code == 0, run.text
    assert "Module 01 (Tensor) complete" in run.text
    assert progress.completed_modules(ws) == {1}
    run = h.tito(["module", "status"], cwd=ws)
    assert "01 Tensor completed" in run.text


# The reference of every ready module scoring full marks and its untouched release scoring 0 is graded by
# tests/e2e/test_instructor_course.py (full, partial and untouched students of every module, one `tito grade`
# run) and again by `tito mutants --all` in CI; a third grading of the whole course here would add minutes only.


def test_milestones_ship_with_their_shared_file(real_release):
    """The milestone scripts import milestones/common.py: a release carries it, and a script starts there."""
    import subprocess
    import sys
    dest, _ = real_release
    assert (dest / "milestones" / "common.py").is_file()
    run = subprocess.run([sys.executable, "milestones/01_perceptron/perceptron.py", "--help"], cwd=dest,
                         capture_output=True, text=True, timeout=120, env={"PATH": "", "MPLBACKEND": "Agg"})
    assert run.returncode == 0 and "--seed" in run.stdout, run.stderr
