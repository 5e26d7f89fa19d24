"""Shared helpers of the classroom workflow tests (loaded by conftest.py; not a test file)."""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import nbformat
from typer.testing import CliRunner

from tito.cells import hidden_blocks, read_cells, solution_blocks
from tito.cli import build_app

REPO = Path(__file__).resolve().parents[2]
FIXTURE_COURSE = Path(__file__).resolve().parent / "fixtures" / "course"
_runner = CliRunner()


class Run:
    def __init__(self, result):
        self.code = result.exit_code
        self.stdout = result.stdout
        try:
            self.stderr = result.stderr
        except ValueError:
            self.stderr = ""
        both = (self.stdout + " " + self.stderr).translate({ord(c): " " for c in "│┃"})
        self.text = " ".join(both.split())   # rich wraps long lines and draws table borders
        self.exception = result.exception

    def __repr__(self):
        return f"exit {self.code}\nstdout: {self.stdout}\nstderr: {self.stderr}\nexc: {self.exception!r}"


def tito(args: list[str], cwd: Path, input: str | None = None) -> Run:
    """Run the real `tito` CLI (every command module, strictly loaded) in-process, in folder `cwd`."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return Run(_runner.invoke(build_app(strict=True), [str(a) for a in args], input=input))
    finally:
        os.chdir(old)


def reference_solution_cells(source_py: Path) -> dict[str, str]:
    """grade_id -> source of every solution cell of a reference module."""
    return {c.nbgrader["grade_id"]: c.source for c in read_cells(source_py)
            if c.nbgrader and c.nbgrader.get("solution")}


def paste_solutions(source_py: Path, notebook: Path, only: set[str] | None = None) -> list[str]:
    """What a student does by hand: put the reference code into the student notebook's solution
    cells, matched by grade_id. Returns the grade_ids pasted."""
    solutions = reference_solution_cells(source_py)
    nb = nbformat.read(notebook, as_version=4)
    pasted = []
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in solutions and (only is None or gid in only):
            cell.source = solutions[gid]
            pasted.append(gid)
    nbformat.write(nb, notebook)
    return pasted


def set_cell(notebook: Path, grade_id: str, source: str) -> None:
    nb = nbformat.read(notebook, as_version=4)
    [cell] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    cell.source = source
    nbformat.write(nb, notebook)


def tree_hashes(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under `folder` (plus file modes), to prove nothing changed."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            out[p.relative_to(folder).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest() + oct(p.stat().st_mode)
    return out


_TRIVIAL = re.compile(r"^[\s()\[\]{},:;.\"']*$")
_KEYWORD_ONLY = {"pass", "return", "else:", "try:", "finally:", "break", "continue", "return None",
                 "return self", "return out", "return result", "raise", "yield"}


def _split(source_py: Path) -> tuple[set[str], str]:
    """(stripped lines inside solution / hidden-test blocks, all text outside them) of one module."""
    secret, public = set(), []
    for cell in read_cells(source_py):
        inside = set()
        for begin, end in solution_blocks(cell.source) + hidden_blocks(cell.source):
            inside.update(range(begin, end + 1))
        for i, text in enumerate(cell.source.splitlines()):
            if i in inside:
                secret.add(text.strip())
            else:
                public.append(text)
    return secret, "\n".join(public)


def published_text(course_root: Path) -> str:
    """What the course publishes on purpose besides the notebooks: public tests and milestone scripts."""
    files = sorted((course_root / "tests").glob("[0-9][0-9]_*/**/*.py"))
    files += sorted((course_root / "milestones").glob("**/*.py"))
    return "\n".join(p.read_text(encoding="utf-8", errors="ignore") for p in files)


def secret_lines(*sources: Path) -> set[str]:
    """Distinctive lines of every solution block and hidden-test block of the reference modules: not
    blank, not a comment, not a lone bracket or keyword, at least 8 characters, and not written
    anywhere in what students get on purpose (the modules' scaffolding, docstrings and prose, the
    public tests, the milestone scripts)."""
    secret = set()
    public = [published_text(src.parents[2]) for src in sources[:1]]
    for src in sources:
        s, p = _split(src)
        secret |= s
        public.append(p)
    given = "\n".join(public)
    return {s for s in secret
            if len(s) >= 8 and not s.startswith("#") and not _TRIVIAL.match(s) and s not in _KEYWORD_ONLY
            and s not in given}


def searchable_text(path: Path) -> str:
    """A file's text as a student would see it (notebook cells decoded from JSON)."""
    raw = path.read_bytes()
    text = raw.decode("utf-8", errors="ignore")
    if path.suffix == ".ipynb":
        nb = json.loads(text)
        parts = []
        for cell in nb.get("cells", []):
            src = cell.get("source", "")
            parts.append("".join(src) if isinstance(src, list) else src)
            for out in cell.get("outputs", []):
                parts.append(json.dumps(out))
        text = text + "\n" + "\n".join(parts)
    return text


def leaks(release: Path, sources: list[Path]) -> list[str]:
    """'<secret line>  in  <file>' for every secret line of `sources` found anywhere in `release`."""
    common = secret_lines(*sources)
    secrets = {line: src for src in sources for line in secret_lines(src) & common}
    found = []
    for path in sorted(p for p in release.rglob("*") if p.is_file()):
        text = searchable_text(path)
        for line in secrets:
            if line in text:
                found.append(f"{line!r} (from {secrets[line].name}) in {path.relative_to(release)}")
    return found
