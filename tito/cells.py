"""Split a module source (jupytext percent .py, or .ipynb) into cells, with line numbers.

One small parser serves `tito export`, `tito check` and the release tools, so they all agree on what
a cell, a directive and a solution block are.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

HEADER = re.compile(r"^# %%(?P<rest>.*)$")
EXPORT_DIRECTIVE = "#| export"
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


class CellParseError(ValueError):
    def __init__(self, path, line, message):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass
class Cell:
    kind: str                    # "code" or "markdown"
    source: str                  # the cell's text (markdown without its triple quotes)
    line: int                    # 1-based line of the cell header in the file (or cell index + 1 for .ipynb)
    metadata: dict = field(default_factory=dict)
    header_error: str | None = None      # set when the header's JSON could not be read
    body_line: int = 0           # 1-based file line of the first line of `source`

    @property
    def nbgrader(self) -> dict | None:
        nb = self.metadata.get("nbgrader")
        return nb if isinstance(nb, dict) else None

    @property
    def directives(self) -> list[str]:
        """`#| ...` lines at the top of a code cell."""
        out = []
        for text in self.source.splitlines():
            stripped = text.strip()
            if stripped.startswith("#|"):
                out.append(stripped)
            elif stripped:
                break
        return out

    @property
    def exported(self) -> bool:
        return self.kind == "code" and EXPORT_DIRECTIVE in self.directives

    def lineno(self, offset: int) -> int:
        """File line of the `offset`-th (0-based) line of the source."""
        return (self.body_line or self.line) + offset


def _parse_header(rest: str) -> tuple[str, dict, str | None]:
    """`# %% [markdown]`, `# %% [code] {...json...}`, `# %% nbgrader={...}` -> (kind, metadata, error)."""
    rest = rest.strip()
    kind = "code"
    if rest.startswith("[markdown]"):
        kind, rest = "markdown", rest[len("[markdown]"):].strip()
    elif rest.startswith("[code]"):
        rest = rest[len("[code]"):].strip()
    if not rest:
        return kind, {}, None
    if rest.startswith("{"):
        try:
            meta = json.loads(rest)
        except json.JSONDecodeError as exc:
            return kind, {}, f"cell header metadata is not valid JSON: {exc.msg} (column {exc.colno})"
        if not isinstance(meta, dict):
            return kind, {}, "cell header metadata must be a JSON object"
        return kind, meta, None
    m = re.match(r"^(\w+)=(.*)$", rest)
    if m:
        try:
            return kind, {m.group(1): json.loads(m.group(2))}, None
        except json.JSONDecodeError as exc:
            return kind, {}, f"cell header metadata {m.group(1)}= is not valid JSON: {exc.msg}"
    return kind, {}, None      # a plain title such as `# %% Part 2`


def _strip_markdown(lines: list[str]) -> tuple[str, int]:
    """Markdown cell body: a triple-quoted string, or `# `-commented lines. Returns (text, first-line offset)."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    body = lines[start:]
    if body and body[0].strip() in ('"""', "'''", 'r"""', "r'''"):    # r""": LaTeX needs no escaping
        quote = body[0].strip().lstrip("r")
        end = len(body) - 1 if body[-1].strip() == quote and len(body) > 1 else len(body)
        return "\n".join(body[1:end]), start + 1
    text = "\n".join(l[2:] if l.startswith("# ") else l[1:] if l.startswith("#") else l for l in body)
    return text, start


def parse_py(text: str, path: str | Path = "<module>") -> list[Cell]:
    """Cells of a jupytext percent-format file. The YAML front matter (if any) is skipped."""
    lines = text.splitlines()
    cells: list[Cell] = []
    current: tuple[int, str] | None = None
    body: list[str] = []

    def close():
        if current is None:
            return
        line, rest = current
        kind, meta, error = _parse_header(rest)
        if kind == "markdown":
            source, offset = _strip_markdown(body)
        else:
            trimmed = list(body)
            offset = 0
            while trimmed and not trimmed[0].strip():
                trimmed.pop(0)
                offset += 1
            while trimmed and not trimmed[-1].strip():
                trimmed.pop()
            source = "\n".join(trimmed)
        cells.append(Cell(kind, source, line, meta, error, body_line=line + 1 + offset))

    for i, raw in enumerate(lines, start=1):
        m = HEADER.match(raw)
        if m:
            close()
            current, body = (i, m.group("rest")), []
        elif current is not None:
            body.append(raw)
    close()
    return cells


def parse_ipynb(text: str, path: str | Path = "<notebook>") -> list[Cell]:
    """Cells of a notebook; `line` is the cell's 1-based index (notebooks have no file lines)."""
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CellParseError(path, exc.lineno, f"the notebook is not valid JSON ({exc.msg}); "
                                               "was it saved completely?") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise CellParseError(path, 1, "this JSON file is not a Jupyter notebook (no 'cells' list)")
    cells = []
    for i, c in enumerate(nb["cells"], start=1):
        src = c.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        kind = c.get("cell_type", "code")
        if kind not in ("code", "markdown"):
            continue
        cells.append(Cell(kind, src, i, dict(c.get("metadata", {})), None, body_line=i))
    return cells


def read_cells(path: str | Path) -> list[Cell]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    if path.suffix == ".ipynb":
        return parse_ipynb(text, path)
    return parse_py(text, path)


def solution_blocks(source: str) -> list[tuple[int, int]]:
    """(begin, end) 0-based line indexes of each ### BEGIN/END SOLUTION pair (assumes balanced markers)."""
    return _blocks(source, BEGIN_SOLUTION, END_SOLUTION)


def hidden_blocks(source: str) -> list[tuple[int, int]]:
    return _blocks(source, BEGIN_HIDDEN, END_HIDDEN)


def _blocks(source, begin, end):
    out, start = [], None
    for i, text in enumerate(source.splitlines()):
        s = text.strip()
        if s == begin:
            start = i
        elif s == end and start is not None:
            out.append((start, i))
            start = None
    return out
