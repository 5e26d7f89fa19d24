"""`tito notebooks`: turn a module source (jupytext percent .py) into a Jupyter notebook.

The nbgrader metadata written in each cell header arrives in the notebook exactly as written; the
cell-layout hints jupytext adds (`"title": "[code]"`, `cell_marker`, `lines_to_next_cell`) are dropped.
Cell ids are numbered, so the same source always gives the same notebook bytes.
"""
from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat

from .cells import CellParseError, parse_py
from .export import write_atomic

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
# Keys jupytext puts into cell metadata to remember how the text file was laid out.
JUPYTEXT_LAYOUT_KEYS = ("cell_marker", "lines_to_next_cell", "lines_to_end_of_cell_marker")


def build_notebook(source_py: Path) -> nbformat.NotebookNode:
    """The notebook for `source_py`, validated; raises CellParseError for a broken cell header."""
    source_py = Path(source_py)
    text = source_py.read_text(encoding="utf-8")
    cells = parse_py(text, source_py)
    for cell in cells:
        if cell.header_error:
            raise CellParseError(source_py, cell.line, cell.header_error)
    nb = jupytext.reads(text, fmt="py:percent")
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata
        if meta.get("title") == "[code]":
            del meta["title"]
        for key in JUPYTEXT_LAYOUT_KEYS:
            meta.pop(key, None)
        cell.id = f"cell-{i:03d}"
    nb.metadata = nbformat.NotebookNode(
        kernelspec=dict(KERNELSPEC), language_info={"name": "python"})
    expected = [c.nbgrader for c in cells if c.nbgrader is not None]
    got = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
    if expected != got:
        raise CellParseError(source_py, 1, "jupytext read the nbgrader cell headers differently from "
                                           "tito (check the `# %% [code] {...}` header lines)")
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise CellParseError(source_py, 1, f"the generated notebook is not valid nbformat: {exc.message}") from None
    return nb


def to_notebook(source_py: Path, dest_ipynb: Path) -> Path:
    """Write the notebook for `source_py` to `dest_ipynb` atomically and return `dest_ipynb`."""
    nb = build_notebook(source_py)
    text = nbformat.writes(nb)
    dest_ipynb = Path(dest_ipynb)
    write_atomic(dest_ipynb, text if text.endswith("\n") else text + "\n")
    return dest_ipynb
