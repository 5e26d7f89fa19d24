"""The README's module and milestone tables, generated from course.toml (a test keeps them in sync)."""
from __future__ import annotations

import re
from pathlib import Path

from .manifest import Course

BEGIN = "<!-- BEGIN COURSE TABLE (generated from course.toml by `tito readme`; do not edit) -->"
END = "<!-- END COURSE TABLE -->"


def course_table(course: Course) -> str:
    lines = ["| # | module | package | needs | status |", "|---|---|---|---|---|"]
    for m in course.modules:
        needs = ", ".join(f"{r:02d}" for r in m.requires) or "-"
        folder = f"[{m.title}](modules/{m.dirname}/)" if m.ready else m.title
        lines.append(f"| {m.tag} | {folder} | `{m.package_module}` | {needs} | {m.status} |")
    lines += ["", "| milestone | year | needs modules | status |", "|---|---|---|---|"]
    for s in course.milestones:
        needs = ", ".join(f"{r:02d}" for r in s.requires)
        lines.append(f"| {s.tag} {s.title} | {s.year} | {needs} | {s.status} |")
    return "\n".join(lines)


def render(text: str, course: Course) -> str:
    """`text` with the block between the markers replaced by the current table."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"the README has no '{BEGIN}' ... '{END}' block")
    return pattern.sub(lambda _: f"{BEGIN}\n{course_table(course)}\n{END}", text)


def readme_path(course: Course) -> Path:
    return course.root / "README.md"
