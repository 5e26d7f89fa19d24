"""Fixtures of the grading tests: the classroom helpers and the fixture course's student release
(defined once, in tests/classroom.py)."""
from __future__ import annotations

from tests.classroom import fixture_release, h  # noqa: F401  (pytest fixtures)

collect_ignore = ["attacks"]
