"""The built sites, shared by the slow site tests: one student build and one instructor build per
session, both with the repository's build cache (build/site-cache: CI fills it in its site step with
`tito site`, so the tests here only lay out pages and run mkdocs). Skipped, saying why, when the
`site` extra is not installed."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import load_file

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "build" / "site-cache"


def _require_site_extra():
    from tito import site

    missing = site.missing_packages()
    if missing:
        pytest.skip(f"the site extra is not installed (missing {', '.join(missing)}): pip install -e '.[site]'")


@pytest.fixture(scope="session")
def course():
    from tito import manifest

    return manifest.load(REPO)


@pytest.fixture(scope="session")
def student_site(course, tmp_path_factory):
    from tito import site

    _require_site_extra()
    return site.build(course, tmp_path_factory.mktemp("site") / "student", CACHE, say=print)


INSTRUCTOR_SAMPLE = (1, 7, 9)      # the instructor build only proves the leak check can fail: three modules


@pytest.fixture(scope="session")
def instructor_site(course, tmp_path_factory):
    """`--with-solutions` on the course with only modules 01, 07 and 09 ready (their executed notebooks
    come from the same cache) and no milestones: a smaller mkdocs run."""
    import dataclasses

    from tito import site

    _require_site_extra()
    sample = dataclasses.replace(course, modules=tuple(
        dataclasses.replace(m, status="ready" if m.number in INSTRUCTOR_SAMPLE and m.ready else "planned")
        for m in course.modules))
    return site.build(sample, tmp_path_factory.mktemp("site") / "instructor", CACHE, with_solutions=True,
                      milestones=False, say=print)


@pytest.fixture(scope="session")
def h():
    """The classroom workflow helpers (tests/workflow/classroom_helpers.py): the release leak finder."""
    return load_file(REPO / "tests" / "workflow" / "classroom_helpers.py", "classroom_helpers")
