"""TT110-TT115: nbgrader metadata, solution and hidden-test markers, scaffolding outside the solution,
test cells that are autograded."""
from __future__ import annotations

import ast
import re
from typing import Iterator

from ..cells import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, Cell
from .base import Issue, Scan, Source, _is_test_name, _nbgrader, _statements, _top_calls, rule


_SCHEMA_KEYS = {"schema_version", "grade", "locked", "solution", "task", "grade_id", "points", "checksum",
                "cell_type"}
_GRADE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


@rule("TT110", "nbgrader metadata is complete schema 3: boolean `grade`, `locked`, `solution`, a "
               "`grade_id` of letters, digits, - and _, `schema_version: 3`, and `points` > 0 when graded.")
def tt110(src: Source, scan: Scan) -> Iterator[Issue]:
    for cell in src.cells:
        if "nbgrader" not in cell.metadata:
            continue
        for problem in _metadata_problems(cell):
            yield src.issue(cell.line, "TT110", f"nbgrader metadata: {problem}")


def _metadata_problems(cell: Cell) -> Iterator[str]:
    nb = cell.metadata["nbgrader"]
    if not isinstance(nb, dict):
        yield "must be a JSON object"
        return
    missing = [k for k in ("grade", "grade_id", "locked", "schema_version", "solution") if k not in nb]
    if missing:
        yield f"missing {', '.join(repr(k) for k in missing)}: write all of grade, grade_id, locked, " \
              "schema_version (3) and solution"
    for key in ("grade", "locked", "solution", "task"):
        if key in nb and not isinstance(nb[key], bool):
            yield f"'{key}' must be true or false, not {nb[key]!r}"
    if "schema_version" in nb and (nb["schema_version"] != 3 or isinstance(nb["schema_version"], bool)):
        yield f"'schema_version' must be 3 (nbgrader 0.9 rejects {nb['schema_version']!r})"
    if "grade_id" in nb and not (isinstance(nb["grade_id"], str) and _GRADE_ID.match(nb["grade_id"])):
        yield f"'grade_id' {nb['grade_id']!r} must be a non-empty string of letters, digits, '-' and '_'"
    points = nb.get("points")
    if nb.get("grade") is True:
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            yield "a graded cell (\"grade\": true) needs \"points\" > 0"
    elif "points" in nb:
        yield "'points' on a cell that is not graded: set \"grade\": true or remove points"
    extra = sorted(set(nb) - _SCHEMA_KEYS)
    if extra:
        yield f"unknown key(s) {', '.join(extra)}: nbgrader schema 3 does not allow them"
    if cell.kind == "markdown" and nb.get("grade") is not nb.get("solution"):
        yield "a markdown nbgrader cell must have grade and solution both true (a written answer)"


@rule("TT111", "Every `grade_id` starts with the module slug and is unique across the whole course.")
def tt111(src: Source, scan: Scan) -> Iterator[Issue]:
    slug = src.module.slug
    for cell in src.cells:
        gid = _nbgrader(cell).get("grade_id")
        if isinstance(gid, str) and gid and not (gid.startswith(f"{slug}-") or gid.startswith(f"{slug}_")):
            yield src.issue(cell.line, "TT111", f"grade_id '{gid}' must start with the module slug "
                            f"('{slug}-...') so that ids cannot clash across the course")
    owners = scan.grade_ids()
    for cell in src.cells:
        gid = _nbgrader(cell).get("grade_id")
        if not isinstance(gid, str) or len(owners.get(gid, ())) < 2:
            continue
        others = [f"{p}:{n}" for p, n in owners[gid] if (p, n) != (src.shown, cell.line)]
        yield src.issue(cell.line, "TT111", f"grade_id '{gid}' is also used at {', '.join(others)}: "
                        "grade_ids must be unique across the course; rename one")


def _marker_problems(cell: Cell, begin: str, end: str) -> tuple[list[tuple[int, str]], int, int]:
    """Problems with one kind of marker pair in a cell, the number of pairs, the first marker's line (or 0).

    nbgrader treats ANY line containing 'BEGIN SOLUTION' (etc.) as a marker, so near-misses count.
    """
    problems, pairs, open_at, first = [], 0, None, 0
    for k, text in enumerate(cell.source.splitlines()):
        s = text.strip()
        word = "begin" if begin[4:] in s else "end" if end[4:] in s else None
        if word is None:
            continue
        first = first or cell.lineno(k)
        marker = begin if word == "begin" else end
        if s != marker:
            problems.append((cell.lineno(k), f"`{s}` is read by nbgrader as a marker: write exactly `{marker}` "
                                             "on its own line (and never mention it in prose or strings)"))
        if word == "begin":
            if open_at is not None:
                problems.append((cell.lineno(k), f"`{begin}` inside another one (opened at line {open_at}): "
                                                 "close the first block"))
            open_at = cell.lineno(k)
        elif open_at is None:
            problems.append((cell.lineno(k), f"`{end}` without a `{begin}` before it"))
        else:
            pairs += 1
            open_at = None
    if open_at is not None:
        problems.append((open_at, f"`{begin}` is never closed: add `{end}`"))
    return problems, pairs, first


@rule("TT112", "A code solution cell (`\"solution\": true`) has one or more balanced, non-nested "
               "`### BEGIN SOLUTION` / `### END SOLUTION` pairs; no other cell has these markers.")
def tt112(src: Source, scan: Scan) -> Iterator[Issue]:
    for cell in src.cells:
        problems, pairs, first = _marker_problems(cell, BEGIN_SOLUTION, END_SOLUTION)
        solution = _nbgrader(cell).get("solution") is True
        if not solution and first:
            yield src.issue(first, "TT112", "this line contains 'BEGIN SOLUTION' or 'END SOLUTION' but the cell "
                            "is not a solution cell: nbgrader reads any such line as a marker and fails; set "
                            "\"solution\": true, or reword the line")
            continue
        for line, problem in problems:
            yield src.issue(line, "TT112", problem)
        if solution and cell.kind == "code" and not pairs and not problems:
            yield src.issue(cell.line, "TT112", "solution cell without `### BEGIN SOLUTION` / `### END SOLUTION`: "
                            "nbgrader would blank the whole cell; mark the part students write")


@rule("TT113", "`### BEGIN HIDDEN TESTS` / `### END HIDDEN TESTS` are balanced and appear only in graded "
               "test cells (`\"grade\": true, \"solution\": false`).")
def tt113(src: Source, scan: Scan) -> Iterator[Issue]:
    for cell in src.cells:
        problems, _, first = _marker_problems(cell, BEGIN_HIDDEN, END_HIDDEN)
        nb = _nbgrader(cell)
        test_cell = nb.get("grade") is True and nb.get("solution") is False
        if not test_cell and first:
            yield src.issue(first, "TT113", "this line contains 'BEGIN HIDDEN TESTS' or 'END HIDDEN TESTS' "
                            "outside a graded test cell: hidden tests belong in a cell with \"grade\": true, "
                            "\"solution\": false (nbgrader reads any such line as a marker)")
            continue
        for line, problem in problems:
            yield src.issue(line, "TT113", problem)


@rule("TT114", "Scaffolding stays outside the solution: each `### BEGIN SOLUTION` sits inside a function "
               "body, after its signature and docstring, and its `### END SOLUTION` in the same body.")
def tt114(src: Source, scan: Scan) -> Iterator[Issue]:
    for i, cell, tree in src.code_cells():
        if BEGIN_SOLUTION not in cell.source:
            continue
        problems, _, _ = _marker_problems(cell, BEGIN_SOLUTION, END_SOLUTION)
        if problems:
            continue                     # TT112 reports broken markers
        lines = cell.source.splitlines()
        funcs = [n for n in _statements(tree.body) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for begin, end in _solution_pairs(lines):
            problem = _solution_placement(lines, funcs, begin, end)
            if problem:
                yield src.issue(cell.lineno(begin), "TT114", problem)


def _solution_pairs(lines: list[str]) -> list[tuple[int, int]]:
    out, start = [], None
    for k, text in enumerate(lines):
        if text.strip() == BEGIN_SOLUTION:
            start = k
        elif text.strip() == END_SOLUTION and start is not None:
            out.append((start, k))
    return out


def _solution_placement(lines: list[str], funcs: list, begin: int, end: int) -> str | None:
    """Why the block lines[begin..end] (0-based) is not inside one function body after its docstring."""
    row = begin + 1                                          # ast lines are 1-based
    indent = len(lines[begin]) - len(lines[begin].lstrip())
    around = [f for f in funcs if f.lineno < row and indent > f.col_offset
              and (row <= f.end_lineno or _only_comments(lines[f.end_lineno:begin]))]
    if not around:
        return ("`### BEGIN SOLUTION` is not inside a function: put the def line and docstring above the "
                "marker so students keep the signature (scaffolding stays outside the solution)")
    f = max(around, key=lambda f: f.lineno)                  # the innermost function
    doc = f.body[0] if f.body and isinstance(f.body[0], ast.Expr) and isinstance(f.body[0].value, ast.Constant) \
        and isinstance(f.body[0].value.value, str) else None
    if doc is None:
        return f"`{f.name}` has no docstring: write one under the def saying what students must implement"
    if doc.end_lineno >= row:
        return f"the docstring of `{f.name}` must come before `### BEGIN SOLUTION`"
    end_indent = len(lines[end]) - len(lines[end].lstrip())
    if end_indent <= f.col_offset or (end + 1 > f.end_lineno and not _only_comments(lines[f.end_lineno:end])):
        return f"`### END SOLUTION` must be inside the body of `{f.name}`, like its BEGIN marker"
    return None


def _only_comments(lines: list[str]) -> bool:
    return all(not t.strip() or t.strip().startswith("#") for t in lines)


@rule("TT115", "Every cell that calls a test function at top level is an nbgrader autograded test cell "
               "(`\"grade\": true, \"locked\": true, \"solution\": false`).")
def tt115(src: Source, scan: Scan) -> Iterator[Issue]:
    for _, cell, tree in src.code_cells():
        tests = [name for name, _ in _top_calls(tree) if _is_test_name(name)]
        if not tests:
            continue
        nb = _nbgrader(cell)
        if not (nb.get("grade") is True and nb.get("locked") is True and nb.get("solution") is False):
            yield src.issue(cell.line, "TT115", f"cell calling `{tests[0]}()` must be an autograded test cell: "
                            '# %% [code] {"nbgrader": {"grade": true, "grade_id": "...", "locked": true, '
                            '"points": N, "schema_version": 3, "solution": false}}')
