"""TT101-TT108: the structure of a module (title, maths first, implement then test, systems analysis,
production context, one entry point for the tests, thinking questions, the summary last)."""
from __future__ import annotations

import re
from typing import Iterator

from .base import (Issue, Scan, Source, _calls_in, _is_impl_cell, _is_main_guard, _is_test_name, _names,
                   _top_calls, _top_defs, _uses, rule)


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
               "`tracemalloc` and a code cell timing with `time.perf_counter` or the course's timer "
               "`tinytorch.utils.timing.best_time` (Build -> Measure -> Understand).")
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
    if not any(_uses(t, "time", "perf_counter") or _uses(t, "tinytorch.utils.timing", "best_time") for _, t in code):
        yield src.issue(head.line, "TT104", "the Systems Analysis section has no code cell that times work "
                        "with `time.perf_counter()` or `tinytorch.utils.timing.best_time`")


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
