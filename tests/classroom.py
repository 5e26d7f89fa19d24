"""The classroom fixtures shared by tests/workflow, tests/grading and tests/e2e (one definition).

Each of those folders' conftest.py imports them (`from tests.classroom import fixture_release, h`).
They are not in tests/conftest.py because `tito release` ships that file into every student workspace,
and these fixtures need the course repository (the fixture course, tito's CLI).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import load_file

helpers = load_file(Path(__file__).parent / "workflow" / "classroom_helpers.py", "classroom_helpers")


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
