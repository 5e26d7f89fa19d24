"""`tito check`: the module standard (docs/MODULE_STANDARD.md) as a linter.

Each rule TT1xx is one small function, registered with `@rule` (tito/checker/base.py). A rule reads one
parsed module file (`Source`: its cells, the `ast` of every code cell, its markdown headings) and yields
`Issue`s that name the exact file line and say how to fix the problem. `check_modules` runs every rule
on the modules asked for; course-wide facts (grade_id uniqueness, stray folders) are scanned over the
whole course. The rules live in one file per family:

    parse.py      TT100       the file parses
    structure.py  TT101-108   the order of a module's sections
    nbgrader.py   TT110-115   nbgrader metadata and markers
    imports.py    TT116-117   imports of earlier modules, package code only in exported cells
    layout.py     TT120       folders and files agree with course.toml
    tests.py      TT130, 132  a test can fail; points go to the student's work
    size.py       TT131       teaching size (at most about 1,200 lines)
"""
from __future__ import annotations

from ..manifest import Course, Module
# Importing the rule files registers their rules, in this order (the order `tito check --rules` prints).
from . import parse, structure, nbgrader, imports, layout, tests, size  # noqa: F401  (registration)
from .base import _CHECKS, RULES, Issue, Scan, Source, rule
from .layout import _module_files, _stray_folders
from .parse import _tt100_escapes, _tt100_structure

__all__ = ["RULES", "Issue", "Scan", "Source", "check_modules", "rule"]


def check_modules(course: Course, modules: list[Module]) -> list[Issue]:
    """Every issue in `modules` (plus course-wide ones: stray folders under modules/)."""
    scan = Scan(course)
    issues = list(_stray_folders(scan))
    for module in modules:
        issues.extend(_module_files(module, scan))
        if not module.source.is_file():
            continue                     # planned and not written yet (or reported just above)
        src = scan.source(module)
        if src is None:
            issues.append(Issue(scan.shown(module.source), 1, "TT100", "the file is not valid UTF-8 text: "
                                "save it as UTF-8"))
            continue
        broken = list(_tt100_structure(src))
        issues.extend(broken + list(_tt100_escapes(src)))
        if broken:
            continue                     # fix the parse errors first; other rules would only echo them
        for rule_id, check in _CHECKS:
            if rule_id != "TT100":
                issues.extend(check(src, scan))
    return sorted(set(issues), key=lambda x: (str(x.path), x.line, x.rule, x.message))
