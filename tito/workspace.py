"""A student workspace (made by `tito release --to DIR`) and the stubs inside it.

Layout of a workspace:
    course.toml                          the manifest (copied from the course)
    modules/NN_slug/slug_dev.ipynb       the student's notebook (solutions replaced by stubs)
    modules/NN_slug/slug_dev.py          the same, paired with jupytext, for editor users
    tinytorch/                           the student's package, exported from the student notebooks
    tests/NN_slug/                       public tests, run by `tito module complete`
    milestones/                          milestone scripts
    pytest.ini                           so that `pytest` here imports this folder's tinytorch
    pyproject.toml, README.md, tito/     the workspace as its own project: `pip install -e .` in a new venv
                                         gives `tito` and THIS tinytorch (tito/workspace_project.py)
    .tinytorch/workspace.json            marker: which modules were released, and when
    .tinytorch/progress.json             the ONE progress store (tito/progress.py)
    .tinytorch/pristine/NN_slug/         fresh copies of the student files, for `tito module reset`
    .tinytorch/backups/                  what `reset` (and a re-release) moved aside

This file is the one owner of that layout: every other part of tito asks a `Workspace` for a path
(the progress store's file name is progress.py's), and `at(root)` / `find()` decide what a workspace is.
"""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .export import write_atomic
from .manifest import Course, ManifestError, Module, find_root, load
from .report import TitoError

STATE_DIR = ".tinytorch"
MARKER = "workspace.json"
KIND = "tinytorch-workspace"

# nbgrader leaves `raise NotImplementedError()` (sometimes without the brackets) where a solution was.
NBGRADER_STUB = re.compile(r"^(?P<indent>[ \t]*)raise NotImplementedError(\(\))?[ \t]*$")
STUB_MESSAGE = re.compile(r'NotImplementedError\("Module (?P<tag>\d+) \((?P<slug>[\w-]+)\): '
                          r'implement (?P<name>[\w.]+)\(\)')
_DEF = re.compile(r"^(?P<indent>[ \t]*)(async[ \t]+)?def[ \t]+(?P<name>\w+)")
_CLASS = re.compile(r"^(?P<indent>[ \t]*)class[ \t]+(?P<name>\w+)")


def stub_message(module: Module, name: str) -> str:
    return f"Module {module.tag} ({module.slug}): implement {name}() -- see the docstring above"


def name_stubs(source: str, module: Module) -> tuple[str, list[str]]:
    """Replace each bare nbgrader stub in a cell's code by one whose message names the module and the
    function to implement (found from the enclosing def, and its class for a method)."""
    lines = source.split("\n")
    names = []
    for i, text in enumerate(lines):
        m = NBGRADER_STUB.match(text)
        if not m:
            continue
        name = _enclosing(lines, i, len(m.group("indent")))
        if name is None:
            continue          # a stub outside any function: leave nbgrader's text alone
        names.append(name)
        lines[i] = f'{m.group("indent")}raise NotImplementedError("{stub_message(module, name)}")'
    return "\n".join(lines), list(dict.fromkeys(names))    # two stubs in one function: named once


def _enclosing(lines: list[str], index: int, indent: int) -> str | None:
    """Qualified name (Class.method or function) of the def that contains line `index`."""
    func, func_indent = None, None
    for j in range(index - 1, -1, -1):
        text = lines[j]
        width = len(text) - len(text.lstrip())
        if func is None:
            m = _DEF.match(text)
            if m and width < indent:
                func, func_indent = m.group("name"), width
                if func_indent == 0:
                    return func
        else:
            m = _CLASS.match(text)
            if m and width < func_indent:
                return f"{m.group('name')}.{func}"
            if text.strip() and width < func_indent and not text.lstrip().startswith(("#", "@")):
                return func
    return func


def stubs_in_file(path: Path) -> list[str]:
    """Functions in a package file that still raise tito's NotImplementedError stub."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [m.group("name") for m in STUB_MESSAGE.finditer(text)]


@dataclass(frozen=True)
class Workspace:
    root: Path
    course: Course
    modules: tuple[str, ...]          # tags of the released modules

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    def module(self, ref: str) -> Module:
        """A released module of this workspace; TitoError for an unknown or unreleased one."""
        module = self.course.module(ref)
        if module.tag not in self.modules:
            have = ", ".join(self.modules) or "none"
            raise TitoError(f"module {module.tag} ({module.slug}) is not in this workspace (released: "
                            f"{have}); ask your instructor for a release that includes it")
        return module

    def notebook(self, module: Module) -> Path:
        return self.root / "modules" / module.dirname / f"{module.slug}_dev.ipynb"

    def paired_py(self, module: Module) -> Path:
        return self.notebook(module).with_suffix(".py")

    def pristine(self, module: Module) -> Path:
        return self.state_dir / "pristine" / module.dirname / f"{module.slug}_dev.ipynb"

    def tests_dir(self, module: Module) -> Path:
        return self.root / "tests" / module.dirname

    def package_file(self, module: Module) -> Path:
        return self.root / module.package_file

    @property
    def backups_root(self) -> Path:
        """.tinytorch/backups/: every backup folder is made inside it (see backups_dir)."""
        return self.state_dir / "backups"

    def backups_dir(self, label: str) -> Path:
        """A new folder name .tinytorch/backups/<timestamp>_<label>/ (not created)."""
        return self.backups_root / f"{datetime.now().strftime('%Y%m%d-%H%M%S-%f')}_{label}"

    def backup(self, files: list[Path], label: str) -> Path:
        """Copy `files` into a new backups_dir(label) and return that folder."""
        dest = self.backups_dir(label)
        dest.mkdir(parents=True, exist_ok=False)
        for f in files:
            if f.exists():
                shutil.copy2(f, dest / f.name)
        return dest


def write_marker(root: Path, tags: list[str], source: str) -> None:
    write_atomic(root / STATE_DIR / MARKER, json.dumps({"kind": KIND, "modules": tags, "released_at": datetime.now()
                 .isoformat(timespec="seconds"), "released_from": source}, indent=2) + "\n")


def read_marker(root: Path) -> dict | None:
    """The workspace marker in `root`, or None when `root` is not a workspace."""
    try:
        data = json.loads((root / STATE_DIR / MARKER).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("kind") == KIND else None


def at(root: Path) -> Workspace | None:
    """The workspace whose root is `root` (it holds the marker), or None for any other folder, such as
    the course repository."""
    marker = read_marker(Path(root))
    return None if marker is None else Workspace(Path(root), load(root), tuple(marker.get("modules", [])))


def find(start: Path | None = None) -> Workspace:
    """The student workspace at or above `start` (default: cwd), or a TitoError saying how to get one."""
    try:
        root = find_root(start)
    except ManifestError:
        root = None
    ws = at(root) if root else None
    if ws is None:
        here = (start or Path.cwd()).resolve()
        raise TitoError(f"{here} is not inside a TinyTorch student workspace (no {STATE_DIR}/{MARKER}); "
                        "make one with `tito release --to DIR` in the course repository, then cd DIR")
    return ws
