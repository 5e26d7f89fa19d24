"""TT130, TT132: a graded test must be able to fail, and must test the student's work.

TT130 flags a `try`/`except` in a test (a graded test cell, hidden tests included, or a `test_...`
function) that has no failure path: when the guarded call does not raise, nothing fails. TT132 flags
points on a graded cell that tests no student solution (only given code, or solution blocks that are
empty). Both are what a tool can see of COURSE_BAR sections 1, 2 and 4.
"""
from __future__ import annotations

import ast
from typing import Iterator

from ..cells import BEGIN_SOLUTION, END_SOLUTION, Cell, solution_blocks
from .base import Issue, Scan, Source, _is_test_name, _nbgrader, _statements, rule
from .nbgrader import _marker_problems

OPTIONAL_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}
HOW_TO = ("use `with pytest.raises(ErrorType, match=...)`, or put `raise AssertionError(...)` (or "
          "`assert False, ...`) right after the call in the `try` or in an `else:`")


# ---------------------------------------------------------------------------------------------
# TT130: no try/except that cannot fail
# ---------------------------------------------------------------------------------------------
@rule("TT130", "A test (graded test cell, hidden tests included, or `test_...` function) has no `try`/`except` "
               "without a failure path: when the call does not raise, something must fail (`pytest.raises`, or a "
               "`raise`/`assert False`/`pytest.fail` after the call or in `else:`).")
def tt130(src: Source, scan: Scan) -> Iterator[Issue]:
    for i, cell, tree in src.code_cells():
        nb = _nbgrader(cell)
        graded_test = nb.get("grade") is True and nb.get("solution") is False
        bodies = [tree.body] if graded_test else [
            f.body for f in _statements(tree.body) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
            and _is_test_name(f.name)]
        reported_trys = set()
        for body in bodies:
            for block in _blocks(body):
                for k, stmt in enumerate(block):
                    if not isinstance(stmt, ast.Try) or id(stmt) in reported_trys or not stmt.handlers:
                        continue
                    reported_trys.add(id(stmt))
                    if not _can_fail(stmt, block[k + 1:]):
                        names = _handler_names(stmt)
                        caught = (names[0] if len(names) == 1 else f"({', '.join(names)})" if names
                                  else "(every exception)")
                        yield src.issue(cell.lineno(stmt.lineno - 1), "TT130",
                                        f"this `try`/`except {caught}` in a test cannot fail: when the call does "
                                        f"not raise, the test passes anyway; {HOW_TO}")


def _blocks(body: list[ast.stmt]) -> Iterator[list[ast.stmt]]:
    """`body` and every statement list nested in it (so a Try is seen with the statements after it)."""
    yield body
    for stmt in body:
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if inner:
                yield from _blocks(inner)
        for handler in getattr(stmt, "handlers", []):
            yield from _blocks(handler.body)


def _handler_names(stmt: ast.Try) -> list[str]:
    names = []
    for h in stmt.handlers:
        kinds = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type] if h.type else []
        names += [ast.unparse(k) for k in kinds]
    return names


def _can_fail(stmt: ast.Try, after: list[ast.stmt]) -> bool:
    """Does the test fail somewhere when the guarded code does NOT raise?"""
    names = _handler_names(stmt)
    if names and all(n.split(".")[-1] in OPTIONAL_IMPORT_ERRORS for n in names):
        return True                                   # an optional import, not a check
    if any(_fails(s) for h in stmt.handlers for s in _statements(h.body)):
        return True                                   # the exception is a failure: normal code, guarded
    if any(_fails(s) for s in _statements(stmt.body)) or any(_fails(s) for s in _statements(stmt.orelse)):
        return True                                   # raise after the call, or in else:
    if after and _fails(after[0]):
        return True                                   # except: continue/return ... then raise
    # a name set in the try or in a handler and checked afterwards (`raised = True` ... `assert raised`)
    flags = {n.id for s in [*_statements(stmt.body), *(x for h in stmt.handlers for x in _statements(h.body))]
             if isinstance(s, (ast.Assign, ast.AugAssign, ast.AnnAssign))
             for t in (s.targets if isinstance(s, ast.Assign) else [s.target]) for n in ast.walk(t)
             if isinstance(n, ast.Name)}
    return any(isinstance(s, (ast.Assert, ast.If)) and flags & _names_in(s.test) for s in after)


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _fails(stmt: ast.stmt) -> bool:
    """A statement that makes the test fail when it runs: raise, assert <falsy constant>, pytest.fail()."""
    if isinstance(stmt, ast.Raise):
        return True
    if isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Constant) and not stmt.test.value:
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        f = stmt.value.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        return name == "fail"
    return False


# ---------------------------------------------------------------------------------------------
# TT132: points go to the student's work
# ---------------------------------------------------------------------------------------------
@rule("TT132", "Points go to the student's work: a graded test cell tests at least one non-empty solution "
               "block of the module (directly or through the given code it calls), and a graded solution cell "
               "has a non-empty solution block.")
def tt132(src: Source, scan: Scan) -> Iterator[Issue]:
    defines: list[set[str]] = []               # per cell: the names it defines (functions, classes, methods, ...)
    uses: list[set[str]] = []                  # per cell: the names and attributes it reads
    for i, cell in enumerate(src.cells):
        tree = src.trees[i]
        defines.append(_defined(tree) if tree else set())
        uses.append(_used(tree) if tree else set())
    solved = [_has_solution(cell) for cell in src.cells]
    for i, cell in enumerate(src.cells):
        nb = _nbgrader(cell)
        if nb.get("grade") is not True or cell.kind != "code" or src.trees[i] is None:
            continue
        points = nb.get("points")
        if nb.get("solution") is True:
            if not solved[i]:
                yield src.issue(cell.line, "TT132", f"graded solution cell '{nb.get('grade_id')}' ({points} "
                                "points) has no non-empty solution block: the points would be for nothing")
            continue
        tested = _tested_cells(i, defines, uses)
        if not any(solved[j] for j in tested):
            lines = ", ".join(str(src.cells[j].line) for j in sorted(tested))
            what = (f"the cells it uses (line {lines}) hold given code or empty solution blocks" if tested
                    else "it uses no code of this module")
            yield src.issue(cell.line, "TT132", f"graded cell '{nb.get('grade_id')}' ({points} points) tests no "
                            f"student solution: {what}, so the released stub scores these points; test a "
                            "solution, or make the cell ungraded (\"grade\": false, no points)")


def _has_solution(cell: Cell) -> bool:
    """A solution cell with at least one block holding code (not only blanks, comments or `pass`)."""
    if cell.kind != "code":
        return False
    solution = _nbgrader(cell).get("solution") is True
    problems, pairs, first = _marker_problems(cell, BEGIN_SOLUTION, END_SOLUTION)
    if problems or (solution and not pairs) or (first and not solution):
        return True                          # misplaced or broken markers: TT112's business, no echo here
    if not solution:
        return False
    lines = cell.source.splitlines()
    for begin, end in solution_blocks(cell.source):
        code = [t.split("#")[0].strip() for t in lines[begin + 1:end]]
        if any(t and t not in ("pass", "...") for t in code):
            return True
    return False


def _defined(tree: ast.Module) -> set[str]:
    """Names a cell defines for later cells: top-level functions, classes and their methods, assigned names."""
    out = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(stmt.name)
            if isinstance(stmt, ast.ClassDef):
                out |= {s.name for s in stmt.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                out |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
                out |= {n.attr for n in ast.walk(t) if isinstance(n, ast.Attribute)}    # Tensor.op = op
    return out


def _used(tree: ast.Module) -> set[str]:
    """Names and attribute names the cell reads; dunders (`__init__`, ...) are reached through their class."""
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
            {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    return {n for n in names if not (n.startswith("__") and n.endswith("__"))}


def _tested_cells(i: int, defines: list[set[str]], uses: list[set[str]]) -> set[int]:
    """Earlier cells that cell i uses, directly or through the cells it uses (latest definition wins)."""
    tested, todo = set(), [i]
    while todo:
        k = todo.pop()
        for name in uses[k] - defines[k] if k == i else uses[k]:
            owner = next((j for j in range(k - 1, -1, -1) if name in defines[j]), None)
            if owner is not None and owner not in tested:
                tested.add(owner)
                todo.append(owner)
    return tested
