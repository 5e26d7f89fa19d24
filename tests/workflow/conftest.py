"""Fixtures of the classroom workflow tests. The fixture course under fixtures/ has its own tests/
(they run inside workspaces, by `tito module complete`); they are never collected here."""
from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import load_file

import pytest

collect_ignore = ["fixtures"]


helpers = load_file(Path(__file__).with_name("classroom_helpers.py"), "classroom_helpers")


@pytest.fixture(scope="session")
def h():
    """The helper functions (tito runner, solution paster, hashing, leak finder)."""
    return helpers


@pytest.fixture(scope="session")
def fixture_release(tmp_path_factory) -> Path:
    """`tito release --to DIR` of the fixture course (modules 01 and 02), built once per session."""
    from tito import manifest, release

    course = manifest.load(helpers.FIXTURE_COURSE)
    dest = tmp_path_factory.mktemp("fixture-release") / "ws"
    release.build(course, course.select(None), dest, say=lambda m: None)
    return dest


@pytest.fixture
def workspace(fixture_release, tmp_path, monkeypatch) -> Path:
    """A private copy of the fixture release (modification times kept), as a fresh student gets it.

    PYTHONPATH points at the course repository, so a wrong import order would pick the repo's
    reference tinytorch instead of the workspace's: the tests prove it does not."""
    ws = tmp_path / "student-ws"
    shutil.copytree(fixture_release, ws, symlinks=True)
    monkeypatch.setenv("PYTHONPATH", str(helpers.REPO))
    monkeypatch.setenv("COLUMNS", "200")
    return ws
