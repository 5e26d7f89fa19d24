"""TT100: the file parses (checked first; a file that does not parse is not checked further)."""
from __future__ import annotations

import re
from typing import Iterator

from ..cells import EXPORT_DIRECTIVE, HEADER, Cell
from .base import Issue, Scan, Source, rule


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
