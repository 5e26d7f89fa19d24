"""Fixtures of the grading tests: the classroom helpers and the fixture course's student release."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import load_file

collect_ignore = ["attacks"]
helpers = load_file(Path(__file__).parents[1] / "workflow" / "classroom_helpers.py", "classroom_helpers")


@pytest.fixture(scope="session")
def h():
    return helpers


@pytest.fixture(scope="session")
def fixture_release(tmp_path_factory) -> Path:
    from tito import manifest, release

    course = manifest.load(helpers.FIXTURE_COURSE)
    dest = tmp_path_factory.mktemp("fixture-release") / "ws"
    release.build(course, course.select(None), dest, say=lambda m: None)
    return dest
