"""`tito check`: the module standard (docs/MODULE_STANDARD.md) as a linter.

Each rule TT1xx is one small function below, registered with `@rule`. A rule reads one parsed module
file (`Source`: its cells, the `ast` of every code cell, its markdown headings) and yields `Issue`s that
name the exact file line and say how to fix the problem. `check_modules` runs every rule on the
modules asked for; course-wide facts (grade_id uniqueness, stray folders) are scanned over the whole
course.
"""
from __future__ import annotations

import ast
import builtins
import re
import symtable
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .cells import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, EXPORT_DIRECTIVE, HEADER, Cell, parse_py
from .manifest import Course, Module


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


# ---------------------------------------------------------------------------------------------
# TT100: the file parses (checked first; a file that does not parse is not checked further)
# ---------------------------------------------------------------------------------------------
_LOOSE_HEADER = re.compile(r"^\s*#\s*%%")
_HEADER_FORMS = re.compile(r"^(\[markdown\]|\[code\])?\s*(\{.*\}|\w+=.*)?$")


@rule("TT100", "The file parses: well-formed cell headers and JSON metadata, markdown cells are one "
               "triple-quoted string, code cells are valid Python, `#| export` is the only directive.")
def tt100(src: Source, scan: Scan) -> Iterator[Issue]:
    yield from _tt100_structure(src)
    yield from _tt100_escapes(src)


def _tt100_structure(src: Source) -> Iterator[Issue]:
    """Problems that make the cells unreliable: while any is left, the other rules are not run."""
    yield from _tt100_headers(src)
    for i, cell in enumerate(src.cells):
        if cell.header_error:
            yield src.issue(cell.line, "TT100", f"{cell.header_error}; write the metadata as one JSON object, "
                            'e.g. {"nbgrader": {"grade": false, ...}}')
        if cell.kind == "markdown":
            yield from _tt100_markdown(src, i)
        elif i in src.syntax_errors:
            exc = src.syntax_errors[i]
            yield src.issue(cell.lineno((exc.lineno or 1) - 1), "TT100",
                            f"code cell is not valid Python: {exc.msg}; fix the syntax (notebook magics "
                            "such as `%timeit` or `!pip` are not allowed in a module file)")
        else:
            yield from _tt100_directives(src, cell)


def _tt100_escapes(src: Source) -> Iterator[Issue]:
    """Backslashes that mean one thing to Python and another to the notebook (or soon nothing at all)."""
    for i, cell in enumerate(src.cells):
        for w in src.warnings.get(i, []):
            yield src.issue(cell.lineno((w.lineno or 1) - 1), "TT100", f"{w.message} (Python warns now and "
                            "will reject it later): double the backslash or use a raw string r\"...\"")
        if cell.kind == "markdown" and "\\" in cell.source and _markdown_is_one_string(src, i) == "plain":
            k, line = next((k, t) for k, t in enumerate(cell.source.splitlines()) if "\\" in t)
            at = line.index("\\")
            yield src.issue(cell.lineno(k), "TT100", f"backslash in a markdown cell that is not a raw string "
                            f"(`{line[at:at + 12]}`): the notebook gets the text exactly as typed, Python reads "
                            'escapes; open the cell with r""" and write LaTeX with single backslashes')


def _tt100_headers(src: Source) -> Iterator[Issue]:
    seen_header = False
    for n, text in enumerate(src.lines, start=1):
        if seen_header and "%%" not in text:
            continue
        m = HEADER.match(text)
        if m:
            seen_header = True
            rest = m.group("rest")
            if rest and not rest.startswith(" ") or not _HEADER_FORMS.match(rest.strip()):
                yield src.issue(n, "TT100", f"malformed cell header `{text.strip()}`: use `# %% [markdown]`, "
                                "`# %%` or `# %% [code] {...nbgrader JSON...}`")
        elif _LOOSE_HEADER.match(text):
            yield src.issue(n, "TT100", f"`{text.strip()}` looks like a cell header but is not one: a header "
                            "is exactly `# %%` at the start of the line")
        elif not seen_header and text.strip() and not text.lstrip().startswith("#"):
            yield src.issue(n, "TT100", "code before the first `# %%` cell header belongs to no cell: "
                            "put it in a cell")
            seen_header = True      # report it once


_OPENING_QUOTES = ('"""', "'''", 'r"""', "r'''")


def _tt100_markdown(src: Source, i: int) -> Iterator[Issue]:
    if _markdown_is_one_string(src, i) is None:
        yield src.issue(src.cells[i].line, "TT100", 'markdown cell must hold exactly one closed triple-quoted '
                        'string, the quotes on lines of their own: """ (or r""" for LaTeX), the text, """')


def _markdown_is_one_string(src: Source, i: int) -> str | None:
    """How markdown cell i is written: "raw" (r-string) or "plain" (one triple-quoted string with the quotes
    on lines of their own), "empty", or None (anything else)."""
    _, raw = src.raw_body(i)
    text = [t.strip() for t in raw if t.strip()]
    if not text:
        return "empty"
    if len(text) < 2 or text[0] not in _OPENING_QUOTES:
        return None
    quote = text[0].lstrip("r")
    if text[-1] != quote or any(quote in t for t in text[1:-1]):
        return None
    return "raw" if text[0].startswith("r") else "plain"


def _tt100_directives(src: Source, cell: Cell) -> Iterator[Issue]:
    top = cell.directives
    for k, text in enumerate(cell.source.splitlines()):
        s = text.strip()
        if not s.startswith("#|"):
            continue
        if s != EXPORT_DIRECTIVE:
            yield src.issue(cell.lineno(k), "TT100", f"unknown directive `{s}`: the only directive is "
                            f"`{EXPORT_DIRECTIVE}` (the package target is set in course.toml)")
        elif s not in top or any(t.strip() and not t.strip().startswith("#|") for t in cell.source.splitlines()[:k]):
            yield src.issue(cell.lineno(k), "TT100", f"`{EXPORT_DIRECTIVE}` must be the first line of the cell; "
                            "here it is ignored and the cell is not exported")


# ---------------------------------------------------------------------------------------------
# TT101-TT108: the structure of a module
# ---------------------------------------------------------------------------------------------
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s+\S")


@rule("TT101", "The first cell is markdown titled `# Module NN: Title` exactly as in course.toml, with a "
               "`Learning Objectives` list.")
def tt101(src: Source, scan: Scan) -> Iterator[Issue]:
    m = src.module
    expected = f"# Module {m.tag}: {m.title}"
    if not src.cells or src.cells[0].kind != "markdown":
        line = src.cells[0].line if src.cells else 1
        yield src.issue(line, "TT101", f"the first cell must be a markdown cell starting with `{expected}`")
        return
    cell = src.cells[0]
    lines = cell.source.splitlines()
    k = next((k for k, t in enumerate(lines) if t.strip()), 0)
    title = lines[k].strip() if lines else ""
    if title != expected:
        yield src.issue(cell.lineno(k), "TT101", f"title is `{title}`, course.toml says `{expected}`: "
                        "number and title come from course.toml")
    objectives = next((k for k, t in enumerate(lines) if "learning objectives" in t.lower()), None)
    if objectives is None:
        yield src.issue(cell.line, "TT101", "the title cell has no `**Learning Objectives:**` list")
        return
    rest = [t for t in lines[objectives + 1:] if t.strip()]
    if not rest or not _LIST_ITEM.match(rest[0]):
        yield src.issue(cell.lineno(objectives), "TT101", "`Learning Objectives` must be followed by a list "
                        "(`- Build ...`)")


@rule("TT102", "A `## Part 1: Mathematical Foundations` section comes before the first implementation cell.")
def tt102(src: Source, scan: Scan) -> Iterator[Issue]:
    part1 = next((h for h in src.headings
                  if h.level == 2 and re.match(r"part 1:\s*mathematical foundations", h.text, re.I)), None)
    first_impl = next((i for i, c in enumerate(src.cells) if _is_impl_cell(c, src.trees[i])), None)
    if part1 is None:
        line = src.cells[first_impl].line if first_impl is not None else 1
        yield src.issue(line, "TT102", "no `## Part 1: Mathematical Foundations` section: add one (the maths "
                        "behind what is built) before the first implementation cell")
    elif first_impl is not None and part1.cell > first_impl:
        yield src.issue(part1.line, "TT102", "`## Part 1: Mathematical Foundations` comes after the first "
                        f"implementation cell (line {src.cells[first_impl].line}): move it before")


@rule("TT103", "Every implementation cell (defines a function or class; exported or a solution cell) is "
               "followed at once by a `### Testing ...` markdown cell, then a test cell that defines "
               "`test_...` functions and calls each at top level.")
def tt103(src: Source, scan: Scan) -> Iterator[Issue]:
    cells = src.cells
    for i, cell in enumerate(cells):
        if not _is_impl_cell(cell, src.trees[i]):
            continue
        what = _names(_top_defs(src.trees[i]))
        if i + 1 >= len(cells) or cells[i + 1].kind != "markdown" \
                or not src.first_heading(i + 1).startswith("### Testing"):
            yield src.issue(cell.line, "TT103", f"implementation cell ({what}) must be followed at once by a "
                            "markdown cell whose first line is `### Testing ...`")
            continue
        tree = src.trees[i + 2] if i + 2 < len(cells) else None
        tests = [d for d in _top_defs(tree) if _is_test_name(d.name)] if tree else []
        if not tests:
            line = cells[i + 2].line if i + 2 < len(cells) else cells[i + 1].line
            yield src.issue(line, "TT103", f"the cell after `{src.first_heading(i + 1)}` must be a test cell "
                            f"defining `def test_unit_...():` for {what}")
            continue
        called = {name for name, _ in _top_calls(tree)}
        for t in tests:
            if t.name not in called:
                yield src.issue(cells[i + 2].lineno(t.lineno - 1), "TT103", f"test `{t.name}` is defined but "
                                f"not called: add `{t.name}()` at the top level of the cell, after the def")


@rule("TT104", "A Systems Analysis section holds a heading with `Complexity`, a code cell using "
               "`tracemalloc` and a code cell timing with `time.perf_counter` (Build -> Measure -> Understand).")
def tt104(src: Source, scan: Scan) -> Iterator[Issue]:
    head = src.find_heading(r"systems analysis")
    if head is None:
        yield src.issue(_near_end(src), "TT104", "no Systems Analysis section: add a heading such as "
                        "`## Part 3: Systems Analysis` with complexity, memory and timing measurements")
        return
    end = src.section_end(head)
    inside = [h for h in src.headings if (head.cell, head.line) < (h.cell, h.line) < end]
    if not any("complexity" in h.text.lower() for h in inside):
        yield src.issue(head.line, "TT104", "the Systems Analysis section has no heading containing "
                        "`Complexity` (e.g. `### Computational Complexity`)")
    code = [(c, t) for i, c, t in src.code_cells() if head.cell < i < end[0]]
    if not any(_uses(t, "tracemalloc") for _, t in code):
        yield src.issue(head.line, "TT104", "the Systems Analysis section has no code cell that measures "
                        "memory with `tracemalloc`")
    if not any(_uses(t, "time", "perf_counter") for _, t in code):
        yield src.issue(head.line, "TT104", "the Systems Analysis section has no code cell that times work "
                        "with `time.perf_counter()`")


def _near_end(src: Source) -> int:
    return src.cells[-1].line if src.cells else 1


@rule("TT105", "A Production Context section exists (a heading containing `Production Context`).")
def tt105(src: Source, scan: Scan) -> Iterator[Issue]:
    if src.find_heading(r"production context") is None:
        yield src.issue(_near_end(src), "TT105", "no `## Production Context` section: add one saying how "
                        "PyTorch/TensorFlow implement what this module builds")


def _main_cell(src: Source) -> int | None:
    for i, _, tree in src.code_cells():
        for stmt in tree.body:
            if _is_main_guard(stmt) and "run_all_tests" in _calls_in(stmt):
                return i
    return None


@rule("TT106", "A code cell holds `if __name__ == \"__main__\":` calling `run_all_tests()`, which is defined "
               "earlier in the module and calls every `test_...` function.")
def tt106(src: Source, scan: Scan) -> Iterator[Issue]:
    main = _main_cell(src)
    if main is None:
        yield src.issue(_near_end(src), "TT106", 'no code cell `if __name__ == "__main__": run_all_tests()`'
                        ": add one after the Production Context section")
        return
    defined = [(i, d) for i, _, tree in src.code_cells() for d in _top_defs(tree) if d.name == "run_all_tests"]
    if not defined or defined[0][0] > main:
        yield src.issue(src.cells[main].line, "TT106", "`run_all_tests` is not defined before the `__main__` "
                        "cell: define `def run_all_tests():` calling every test in an earlier cell")
        return
    i, runner = defined[0]
    called = _calls_in(runner)
    for j, cell, tree in src.code_cells():
        for d in _top_defs(tree):
            if _is_test_name(d.name) and d.name not in called:
                yield src.issue(src.cells[i].lineno(runner.lineno - 1), "TT106", f"`run_all_tests` does not "
                                f"call `{d.name}` (line {cell.lineno(d.lineno - 1)}): add `{d.name}()` to it")


@rule("TT107", "An `ML Systems Thinking` section with at least one question (a line ending in `?`) "
               "follows the `__main__` cell.")
def tt107(src: Source, scan: Scan) -> Iterator[Issue]:
    head = src.find_heading(r"ml systems thinking")
    if head is None:
        yield src.issue(_near_end(src), "TT107", "no `## ML Systems Thinking` section: add one with questions "
                        "about the systems consequences of this module")
        return
    main = _main_cell(src)
    if main is not None and head.cell < main:
        yield src.issue(head.line, "TT107", f"`{head.text}` must come after the `__main__` cell "
                        f"(line {src.cells[main].line})")
    end = src.section_end(head)
    questions = [t for c, n, t, _ in src.md_lines
                 if (head.cell, head.line) < (c, n) < end and t.rstrip(" *_").endswith("?")]
    if not questions:
        yield src.issue(head.line, "TT107", "the ML Systems Thinking section has no question: write questions "
                        "as lines ending in `?`")


@rule("TT108", "The last cell is the `Module Summary` markdown cell.")
def tt108(src: Source, scan: Scan) -> Iterator[Issue]:
    if not src.cells:
        return
    last = len(src.cells) - 1
    if src.cells[last].kind != "markdown" or "module summary" not in src.first_heading(last).lower():
        summary = src.find_heading(r"module summary")
        where = f" (it is at line {summary.line})" if summary else ""
        yield src.issue(src.cells[last].line, "TT108", f"the last cell must be the `## Module Summary` "
                        f"markdown cell{where}: move it to the end")


# ---------------------------------------------------------------------------------------------
# TT110-TT115: nbgrader
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# TT116-TT117: what the module imports and exports
# ---------------------------------------------------------------------------------------------
@rule("TT116", "The module imports earlier modules only from the package, and only modules it requires "
               "(directly or through their prerequisites) in course.toml; never other module files.")
def tt116(src: Source, scan: Scan) -> Iterator[Issue]:
    targets = {m.package_module: m for m in scan.course.modules}
    allowed = _prerequisites(scan.course, src.module) | {src.module.number}
    for _, cell, tree in src.code_cells():
        if not any(word in cell.source for word in ("tinytorch", "_dev", "modules.")):
            continue
        optional = _optional_imports(tree)
        for node in _statements(tree.body):
            if node in optional:
                continue                 # `try: import ... except ImportError:` is an optional plug-in point
            problem = _import_problem(_imported_modules(node), targets, allowed, src.module)
            if problem:
                yield src.issue(cell.lineno(node.lineno - 1), "TT116", problem)


def _import_problem(names: list[str], targets: dict[str, Module], allowed: set[int], module: Module) -> str | None:
    for name in names:
        if name.startswith("modules.") or name.endswith("_dev"):
            return (f"imports the module file `{name}`: import earlier modules from the package instead "
                    "(e.g. `from tinytorch.core.tensor import Tensor`)")
        if name in targets and targets[name].number not in allowed:
            other = targets[name]
            return (f"imports `{name}` (module {other.tag} {other.slug}), which module {module.tag} does not "
                    "require in course.toml: students reach this module before building that one; remove the "
                    "import (or fix `requires` in course.toml)")
    return None


def _optional_imports(tree: ast.Module) -> set[ast.AST]:
    """Import statements inside a `try:` whose handler catches ImportError or ModuleNotFoundError."""
    out = set()
    for node in _statements(tree.body):
        if isinstance(node, ast.Try) and any(_catches_import_error(h.type) for h in node.handlers):
            out |= {n for n in _statements(node.body) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return out


def _catches_import_error(kind: ast.expr | None) -> bool:
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names)


def _prerequisites(course: Course, module: Module) -> set[int]:
    by_number = {m.number: m for m in course.modules}
    todo, seen = list(module.requires), set()
    while todo:
        n = todo.pop()
        if n not in seen and n in by_number:
            seen.add(n)
            todo.extend(by_number[n].requires)
    return seen


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return []


@rule("TT117", "An exported cell holds package code only: no test functions, no top-level print or test "
               "calls, and no use of names defined only in cells that are not exported.")
def tt117(src: Source, scan: Scan) -> Iterator[Issue]:
    exported = [(i, c, t) for i, c, t in src.code_cells() if c.exported]
    for _, cell, tree in exported:
        for d in _top_defs(tree):
            if _is_test_name(d.name) or d.name == "run_all_tests":
                yield src.issue(cell.lineno(d.lineno - 1), "TT117", f"exported cell defines `{d.name}`: tests "
                                "do not belong in the package; move it to a test cell without `#| export`")
        for name, stmt in _top_calls(tree):
            if name == "print" or _is_test_name(name) or name == "run_all_tests":
                yield src.issue(cell.lineno(stmt.lineno - 1), "TT117", f"exported cell calls `{name}()` at top "
                                "level: it would run on every `import tinytorch`; move it to a cell without "
                                "`#| export`")
    yield from _tt117_unexported_names(src, exported)


def _tt117_unexported_names(src: Source, exported: list) -> Iterator[Issue]:
    local = {}                            # name -> file line, for top-level names of cells not exported
    for i, cell, tree in src.code_cells():
        if not cell.exported:
            for name in _bound_names(tree):
                local.setdefault(name, cell.line)
    package_names = set().union(*(_bound_names(t) for _, _, t in exported)) if exported else set()
    reported = set()
    for _, cell, tree in exported:
        for name in sorted(_global_refs(cell.source) - package_names - set(dir(builtins)) - reported):
            if name in local:
                reported.add(name)
                use = next(n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name)
                yield src.issue(cell.lineno(use.lineno - 1), "TT117", f"exported code uses `{name}`, which is "
                                f"defined only in a cell that is not exported (line {local[name]}): the package "
                                f"would raise NameError; export that definition or import it in this cell")


def _symtable(code: str) -> symtable.SymbolTable:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # escape warnings are reported by TT100
        return symtable.symtable(code, "<cell>", "exec")


def _bound_names(tree: ast.Module) -> set[str]:
    """Names a cell binds at module level (defs, classes, imports, assignment and loop targets)."""
    out = set()
    for stmt in _statements(tree.body, into_defs=False):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(stmt.name)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            out |= {a.asname or a.name.split(".")[0] for a in stmt.names}
        targets = {ast.Assign: lambda s: s.targets, ast.AnnAssign: lambda s: [s.target],
                   ast.AugAssign: lambda s: [s.target], ast.For: lambda s: [s.target],
                   ast.With: lambda s: [i.optional_vars for i in s.items if i.optional_vars]}
        for target in targets.get(type(stmt), lambda s: [])(stmt):
            out |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        for handler in getattr(stmt, "handlers", []):
            if handler.name:
                out.add(handler.name)
    return out


def _global_refs(code: str) -> set[str]:
    """Names the code reads from the module namespace (at top level or inside functions/classes)."""
    top = _symtable(code)
    out = {s.get_name() for s in top.get_symbols()
           if s.is_referenced() and not s.is_assigned() and not s.is_imported()}
    todo = list(top.get_children())
    while todo:
        table = todo.pop()
        out |= {s.get_name() for s in table.get_symbols() if s.is_referenced() and s.is_global()}
        todo.extend(table.get_children())
    return out


# ---------------------------------------------------------------------------------------------
# TT120: folders and files agree with course.toml
# ---------------------------------------------------------------------------------------------
RULES["TT120"] = ("Module folders and files agree with course.toml: every folder under modules/ is `NN_slug` "
                  "of a listed module, its source is `slug_dev.py`, and a module marked ready has its source.")


def _stray_folders(scan: Scan) -> Iterator[Issue]:
    folder = scan.course.root / "modules"
    if not folder.is_dir():
        return
    names = {m.dirname: m for m in scan.course.modules}
    for d in sorted(p for p in folder.iterdir() if p.is_dir()):
        if d.name in names or d.name.startswith((".", "_")):
            continue
        hint = ""
        m = re.match(r"^(\d+)_", d.name)
        if m and int(m.group(1)) in {x.number for x in scan.course.modules}:
            real = next(x for x in scan.course.modules if x.number == int(m.group(1)))
            hint = f" (module {real.tag} is `{real.dirname}`)"
        yield Issue(scan.shown(d), 0, "TT120", f"folder `{d.name}` matches no module in course.toml{hint}: "
                    "rename it to `NN_slug` of a listed module, or add the module to course.toml")


def _module_files(module: Module, scan: Scan) -> Iterator[Issue]:
    if module.directory.is_dir():
        for f in sorted(module.directory.glob("*_dev.py")):
            if f != module.source:
                yield Issue(scan.shown(f), 0, "TT120", f"`{f.name}` is not this module's source: course.toml "
                            f"names it `{module.source.name}` (slug `{module.slug}`); rename it")
    if not module.source.is_file() and module.ready:
        yield Issue(scan.shown(module.source), 0, "TT120", f"module {module.tag} is marked \"ready\" in "
                    "course.toml but its source file is missing: write it or set status = \"planned\"")


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------
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
