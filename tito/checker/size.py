"""TT131: a module has teaching size (COURSE_BAR section 4: at most about 1,200 lines).

Two measures. The student's notebook source: the module .py as the release shows it, where nbgrader
replaces each solution block by its two-line stub (`# YOUR CODE HERE`, `raise NotImplementedError()`)
and removes the hidden tests (counted here from the .py, without running nbgrader). And the .py
itself, which also holds the solutions and hidden tests, so it gets a little more room.
"""
from __future__ import annotations

from typing import Iterator

from ..cells import hidden_blocks, solution_blocks
from .base import Issue, Scan, Source, _nbgrader, rule

STUDENT_LINES = 1200          # the student notebook's source, at most
SOURCE_LINES = 1300           # the module .py (solutions and hidden tests included), at most
STUB_LINES = 2                # what nbgrader leaves of a solution block

def student_lines(src: Source) -> int:
    """Lines of the module as the student's notebook source shows it (see the module docstring)."""
    total = len(src.lines)
    for cell in src.cells:
        if cell.kind != "code":
            continue
        nb = _nbgrader(cell)
        if nb.get("solution") is True:
            total -= sum(end - begin + 1 - STUB_LINES for begin, end in solution_blocks(cell.source))
        if nb.get("grade") is True and nb.get("solution") is False:
            total -= sum(end - begin + 1 for begin, end in hidden_blocks(cell.source))
    return total


@rule("TT131", f"A module has teaching size: its student notebook source (solution blocks replaced by the "
               f"{STUB_LINES}-line stub, hidden tests removed) has at most {STUDENT_LINES:,} lines, and its .py at "
               f"most {SOURCE_LINES:,}.")
def tt131(src: Source, scan: Scan) -> Iterator[Issue]:
    student, source = student_lines(src), len(src.lines)
    move = ("move code that is needed but not taught (compatibility surface, file formats, conveniences) into a "
            "support file of the package and say so in one line, or split the module")
    if student > STUDENT_LINES:
        yield src.issue(0, "TT131", f"the student notebook source has {student:,} lines (at most "
                        f"{STUDENT_LINES:,}): {move}")
    if source > SOURCE_LINES:
        yield src.issue(0, "TT131", f"the module file has {source:,} lines (at most {SOURCE_LINES:,}, "
                        f"solutions and hidden tests included): {move}")
