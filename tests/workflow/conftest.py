"""Fixtures of the classroom workflow tests. The fixture course under fixtures/ has its own tests/
(they run inside workspaces, by `tito module complete`); they are never collected here."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.classroom import fixture_release, h, helpers  # noqa: F401  (h, fixture_release: pytest fixtures)

collect_ignore = ["fixtures"]


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
