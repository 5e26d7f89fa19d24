"""The whole course, end to end (issue 16): a scripted student, a scripted instructor and a real browser,
over every module and milestone whose status is `ready` in course.toml (read through tito/manifest.py),
so the tests cover new modules as they are marked ready, without an edit here."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.classroom import h, helpers  # noqa: F401  (h: pytest fixture)


@pytest.fixture(scope="session")
def course():
    """The real course: its ready modules must all have their source written."""
    from tito import manifest

    course = manifest.load(helpers.REPO)
    ready = course.select(None)
    if not ready:
        pytest.skip("no module of course.toml has status `ready`")
    missing = [m.dirname for m in ready if not m.source.is_file()]
    assert missing == [], f"modules marked ready in course.toml without their source: {missing}"
    return course


@pytest.fixture(scope="session")
def course_release(course, tmp_path_factory) -> Path:
    """`tito release --to DIR` of every ready module, run as the instructor types it (once per session)."""
    dest = tmp_path_factory.mktemp("course-release") / "release"
    run = subprocess.run([sys.executable, "-m", "tito", "release", "--to", str(dest)], cwd=helpers.REPO,
                         capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stdout + run.stderr
    for m in course.select(None):
        assert (dest / "modules" / m.dirname / f"{m.slug}_dev.ipynb").is_file(), m.dirname
    return dest
