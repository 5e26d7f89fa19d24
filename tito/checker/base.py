"""What every rule shares: `Issue`, the rule registry (`RULES`, `@rule`), a parsed module file
(`Source`), the course-wide view (`Scan`) and small ast helpers."""
from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..cells import Cell, parse_py
from ..manifest import Course, Module


@dataclass(frozen=True)
class Issue:
    path: Path
    line: int          # 1-based file line; 0 when the issue is about a whole file or folder
    rule: str
    message: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.rule} {self.message}"


RULES: dict[str, str] = {}
_CHECKS: list[tuple[str, Callable]] = []


def rule(rule_id: str, description: str):
    """Register a per-module rule: `fn(src, scan) -> Iterator[Issue]`."""
    def register(fn):
        RULES[rule_id] = description
        _CHECKS.append((rule_id, fn))
        return fn
    return register


# ---------------------------------------------------------------------------------------------
# A parsed module file
# ---------------------------------------------------------------------------------------------
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Heading:
    cell: int          # index of the markdown cell
    line: int          # file line
    level: int
    text: str


class Source:
    """One module file: cells, the ast of each code cell (None if markdown or unparsable), headings."""

    def __init__(self, module: Module, path: Path, shown: Path, text: str):
        self.module, self.path, self.shown = module, path, shown
        self.lines = text.splitlines()
        self.cells: list[Cell] = parse_py(text, shown)
        self.trees: list[ast.Module | None] = []
        self.syntax_errors: dict[int, SyntaxError] = {}
        self.warnings: dict[int, list[warnings.WarningMessage]] = {}     # e.g. invalid escape sequences
        for i, cell in enumerate(self.cells):
            tree = None
            if cell.kind == "code":
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    try:
                        tree = ast.parse(cell.source)
                    except SyntaxError as exc:
                        tree = None
                        self.syntax_errors[i] = exc
                self.warnings[i] = [w for w in caught if issubclass(w.category, (SyntaxWarning, DeprecationWarning))]
            self.trees.append(tree)
        self.md_lines = list(self._markdown_lines())
        self.headings = [Heading(c, n, len(m.group(1)), m.group(2)) for c, n, t, fenced in self.md_lines
                         if not fenced and (m := _HEADING.match(t))]

    def issue(self, line: int, rule_id: str, message: str) -> Issue:
        return Issue(self.shown, line, rule_id, message)

    def raw_body(self, i: int) -> tuple[int, list[str]]:
        """(first file line, raw lines) of cell i's body, between its header and the next header."""
        start = self.cells[i].line + 1
        end = self.cells[i + 1].line if i + 1 < len(self.cells) else len(self.lines) + 1
        return start, self.lines[start - 1:end - 1]

    def _markdown_lines(self) -> Iterator[tuple[int, int, str, bool]]:
        """(cell index, file line, text, inside a ``` fence) for every markdown line."""
        for i, cell in enumerate(self.cells):
            if cell.kind != "markdown":
                continue
            fenced = False
            for k, text in enumerate(cell.source.splitlines()):
                if _FENCE.match(text):
                    fenced = not fenced
                    continue
                yield i, cell.lineno(k), text, fenced

    def find_heading(self, pattern: str) -> Heading | None:
        for h in self.headings:
            if re.search(pattern, h.text, re.IGNORECASE):
                return h
        return None

    def section_end(self, h: Heading) -> tuple[int, int]:
        """(cell, line) of the next heading of the same or a higher level, or the end of the file."""
        for other in self.headings:
            if (other.cell, other.line) > (h.cell, h.line) and other.level <= h.level:
                return other.cell, other.line
        return len(self.cells), 0

    def code_cells(self) -> Iterator[tuple[int, Cell, ast.Module]]:
        for i, cell in enumerate(self.cells):
            if self.trees[i] is not None:
                yield i, cell, self.trees[i]

    def first_heading(self, i: int) -> str:
        """First non-blank line of markdown cell i."""
        return next((t.strip() for t in self.cells[i].source.splitlines() if t.strip()), "")


class Scan:
    """Course-wide view shared by the rules: every module file, parsed at most once."""

    def __init__(self, course: Course):
        self.course = course
        self._sources: dict[int, Source | None] = {}
        self._grade_ids: dict[str, list[tuple[Path, int]]] | None = None

    def shown(self, path: Path) -> Path:
        try:
            return path.relative_to(self.course.root)
        except ValueError:
            return path

    def source(self, module: Module) -> Source | None:
        if module.number not in self._sources:
            src = None
            if module.source.is_file():
                try:
                    text = module.source.read_text(encoding="utf-8")
                except UnicodeDecodeError:
                    text = None
                if text is not None:
                    src = Source(module, module.source, self.shown(module.source), text)
            self._sources[module.number] = src
        return self._sources[module.number]

    def all_sources(self) -> list[Source]:
        return [s for m in self.course.modules if (s := self.source(m)) is not None]

    def grade_ids(self) -> dict[str, list[tuple[Path, int]]]:
        """grade_id -> every (file, line) that uses it, over every module file of the course."""
        if self._grade_ids is None:
            self._grade_ids = {}
            for other in self.all_sources():
                for cell in other.cells:
                    gid = _nbgrader(cell).get("grade_id")
                    if isinstance(gid, str) and gid:
                        self._grade_ids.setdefault(gid, []).append((other.shown, cell.line))
        return self._grade_ids


# ---------------------------------------------------------------------------------------------
# Small ast helpers
# ---------------------------------------------------------------------------------------------
def _top_defs(tree: ast.Module) -> list[ast.stmt]:
    return [s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def _top_calls(tree: ast.Module) -> list[tuple[str, ast.stmt]]:
    """`name(...)` statements at the top level of a cell."""
    return [(s.value.func.id, s) for s in tree.body
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Name)]


def _statements(body: list[ast.stmt], into_defs: bool = True) -> Iterator[ast.stmt]:
    """Every statement in `body`, nested ones included (faster than ast.walk: no expressions)."""
    for stmt in body:
        yield stmt
        if not into_defs and isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(stmt, field, []), into_defs)
        for handler in getattr(stmt, "handlers", []):
            yield from _statements(handler.body, into_defs)


def _calls_in(node: ast.AST) -> set[str]:
    return {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def _is_main_guard(stmt: ast.stmt) -> bool:
    if not isinstance(stmt, ast.If) or not isinstance(stmt.test, ast.Compare):
        return False
    parts = [stmt.test.left, *stmt.test.comparators]
    names = {p.id for p in parts if isinstance(p, ast.Name)}
    consts = {p.value for p in parts if isinstance(p, ast.Constant)}
    return names == {"__name__"} and consts == {"__main__"} and isinstance(stmt.test.ops[0], ast.Eq)


def _uses(tree: ast.Module, module: str, attr: str | None = None) -> bool:
    """Does the code use `module` (or `module.attr`, or `from module import attr`)?"""
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == module:
            if attr is None or n.attr == attr:
                return True
        if isinstance(n, ast.ImportFrom) and n.module == module:
            if attr is None or any(a.name == attr for a in n.names):
                return True
    return False


def _is_test_name(name: str) -> bool:
    return name.startswith("test_")


def _nbgrader(cell: Cell) -> dict:
    nb = cell.metadata.get("nbgrader")
    return nb if isinstance(nb, dict) else {}


def _is_impl_cell(cell: Cell, tree: ast.Module | None) -> bool:
    """A code cell that defines a function or class and is exported or an nbgrader solution cell."""
    if tree is None or not (cell.exported or _nbgrader(cell).get("solution") is True):
        return False
    return any(not _is_test_name(d.name) and d.name != "run_all_tests" for d in _top_defs(tree))


def _names(nodes) -> str:
    return ", ".join(f"`{getattr(n, 'name', n)}`" for n in nodes)
