"""Build a student workspace (a course release) from the reference modules: `tito release`.

The student notebooks are made by nbgrader's generate_assignment, run for real in a temporary nbgrader
course folder; tito then names each stub (`raise NotImplementedError("Module 01 (tensor): implement
add() -- ...")`), pairs a jupytext .py with each notebook and exports the student package from the
student notebooks, so nothing in the workspace holds a reference solution or a hidden test.
"""
from __future__ import annotations

import filecmp
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat

from . import nbgrader_run, progress, workspace, workspace_project
from .export import GENERATED_MARK, export_module, write_atomic
from .manifest import MANIFEST_NAME, Course, Module
from .notebooks import to_notebook
from .report import TitoError, child_env, relative, require_source, run_captured, tail

PAIRING = {"formats": "ipynb,py:percent"}
PYTEST_INI = """\
# Written by `tito release`: run the public tests against THIS folder's tinytorch package.
[pytest]
addopts = --import-mode=importlib -p no:cacheprovider
pythonpath = .
"""


@dataclass
class Release:
    dest: Path
    modules: list[Module]
    stubs: dict[str, list[str]] = field(default_factory=dict)     # tag -> functions to implement
    backups: Path | None = None
    kept: list[str] = field(default_factory=list)   # the student's files a re-release left alone
    warnings: list[str] = field(default_factory=list)
    skipped_tests: list[str] = field(default_factory=list)    # course-maintenance tests not shipped


def check_destination(dest: Path, force: bool) -> bool:
    """True when `dest` holds a previous release. A non-empty folder that is not one needs --force."""
    if dest.exists() and not dest.is_dir():
        raise TitoError(f"{dest} is a file, not a folder; choose another --to")
    previous = workspace.read_marker(dest) is not None
    if dest.is_dir() and any(dest.iterdir()) and not previous and not force:
        raise TitoError(f"{dest} is not empty and is not a previous TinyTorch release; choose an empty "
                        "folder, or pass --force to write into it anyway")
    return previous


def build(course: Course, modules: list[Module], dest: Path, force: bool = False, say=print) -> Release:
    dest = Path(dest).resolve()
    root = course.root
    if root == dest or root in dest.parents and dest.parts[len(root.parts)] in ("modules", "tinytorch", "tests"):
        raise TitoError(f"{dest} is inside the course's own sources; release to a folder outside them")
    check_destination(dest, force)
    for m in modules:
        require_source(m)
    result = Release(dest, list(modules))
    # The student package always holds every ready module (as stubs), so that `import tinytorch` works
    # whichever notebooks are handed out now; only the requested modules get notebooks.
    numbers = {m.number for m in modules}
    packaged = [m for m in course.modules if m.ready or m.number in numbers]
    for m in packaged:
        require_source(m)
    with tempfile.TemporaryDirectory(prefix="tito-release-") as tmp:
        tmp = Path(tmp)
        course_dir, stage, held_back = tmp / "nbgrader", tmp / "workspace", tmp / "held-back"
        nbgrader_run.write_config(course_dir, root)
        for m in packaged:
            to_notebook(m.source, course_dir / "source" / m.dirname / f"{m.slug}_dev.ipynb")
        say(f"nbgrader generate_assignment for {', '.join(m.dirname for m in packaged)} ...")
        released = nbgrader_run.generate_assignments(course_dir, [m.dirname for m in packaged], root)
        for m in packaged:
            notebook = released[m.dirname] / f"{m.slug}_dev.ipynb"
            if m.number in numbers:
                result.stubs[m.tag] = _student_files(course, m, notebook, stage)
            else:
                _student_files(course, m, notebook, held_back)
        _package(course, packaged, stage, held_back, numbers)
        for m in modules:
            result.skipped_tests += _public_tests(m, stage / "tests" / m.dirname)
        if (root / "tests" / "conftest.py").is_file():       # load_file, which public tests import
            (stage / "tests").mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / "tests" / "conftest.py", stage / "tests" / "conftest.py")
        _milestones(course, stage)
        shutil.copy2(root / MANIFEST_NAME, stage / MANIFEST_NAME)
        # pyproject.toml, README.md, tito/; a package-only build (tito grade asks for no notebooks) names the
        # first packaged module in the README
        workspace_project.write(stage, course.name, (modules or packaged)[0].tag)
        (stage / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
        earlier = (workspace.read_marker(dest) or {}).get("modules", [])
        tags = sorted(set(earlier) | {m.tag for m in modules})
        workspace.write_marker(stage, tags, str(root))
        progress.save(stage, progress.empty())
        _check_import(stage, result)
        result.backups, result.kept = _install(course, stage, dest)
    return result


def student_notebook(module: Module, released: Path) -> tuple[nbformat.NotebookNode, list[str]]:
    """The student notebook of `module` from nbgrader's generate_assignment output `released`, each stub
    named (`tito site` shows modules this way too). Returns it and the functions to implement."""
    from nbgrader.utils import compute_checksum

    nb = nbformat.read(released, as_version=4)
    names = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        cell.source, found = workspace.name_stubs(cell.source, module)
        names += found
        if "checksum" in meta:
            meta["checksum"] = compute_checksum(cell)
    return nb, list(dict.fromkeys(names))     # a function with two stubs (or two cells) is listed once


def student_notebooks(course: Course, modules: list[Module], say=print) -> dict[str, nbformat.NotebookNode]:
    """{dirname: student notebook} of `modules`, made as a release makes them (one generate_assignment
    run in a temporary nbgrader course), without writing a workspace."""
    for m in modules:
        require_source(m)
    with tempfile.TemporaryDirectory(prefix="tito-stubs-") as tmp:
        course_dir = Path(tmp) / "nbgrader"
        nbgrader_run.write_config(course_dir, course.root)
        for m in modules:
            to_notebook(m.source, course_dir / "source" / m.dirname / f"{m.slug}_dev.ipynb")
        say(f"nbgrader generate_assignment for {', '.join(m.dirname for m in modules)} ...")
        released = nbgrader_run.generate_assignments(course_dir, [m.dirname for m in modules], course.root)
        return {m.dirname: student_notebook(m, released[m.dirname] / f"{m.slug}_dev.ipynb")[0] for m in modules}


def _student_files(course: Course, module: Module, released: Path, stage: Path) -> list[str]:
    """Name the stubs of one nbgrader student notebook and write it, its paired .py and the pristine
    copies for `reset` into the stage. Returns the functions the student has to implement."""
    nb, names = student_notebook(module, released)
    nb.metadata["jupytext"] = dict(PAIRING)
    layout = workspace.Workspace(stage, course, ())
    for path in (layout.notebook(module), layout.pristine(module)):
        write_pair(nb, path)
    return names


def write_pair(nb, ipynb: Path) -> None:
    """Write a notebook and its paired jupytext .py with the same modification time (so `complete`
    does not mistake the fresh .py for a student's edit)."""
    text = nbformat.writes(nb)
    write_atomic(ipynb, text if text.endswith("\n") else text + "\n")      # never half a file
    write_atomic(ipynb.with_suffix(".py"), jupytext.writes(nb, fmt="py:percent"))
    stamp = time.time()
    for p in (ipynb, ipynb.with_suffix(".py")):
        os.utime(p, (stamp, stamp))


USES_EXPORTER = re.compile(r"^\s*(from\s+tito\.export\s+import|from\s+tito\s+import\s+export\b|import\s+tito\.export)",
                           re.MULTILINE)


def _public_tests(module: Module, dest: Path) -> list[str]:
    """Copy the module's public tests. Test files that use the exporter (tito.export: checks that the
    repository's package file matches its module source) test the repository, not the student's
    code, and are left out; returns their paths."""
    skipped = []
    if not module.tests_dir.is_dir():
        return skipped
    nbgrader_run.copy_tree(module.tests_dir, dest)
    for path in sorted(dest.rglob("*.py")):
        if USES_EXPORTER.search(path.read_text(encoding="utf-8", errors="ignore")):
            skipped.append(f"tests/{module.dirname}/{path.relative_to(dest).as_posix()}")
            path.unlink()
    return skipped


def _package(course: Course, modules: list[Module], stage: Path, held_back: Path, released: set[int]) -> None:
    """The student package: the course's hand-written package files, plus each module exported from
    its student notebook (so every exercise is a stub). Modules not handed out in this release are
    exported from stub notebooks kept outside the workspace (`held_back`)."""
    src = course.root / "tinytorch"
    for path in sorted(src.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        if path.suffix == ".py" and path.read_text(encoding="utf-8").startswith(GENERATED_MARK):
            continue
        target = stage / relative(path, course.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    for m in modules:
        folder = stage if m.number in released else held_back
        export_module(m, stage, source=workspace.Workspace(folder, course, ()).notebook(m))


def _milestones(course: Course, stage: Path) -> None:
    """Each milestone's folder, and the .py files its scripts share one level up (milestones/common.py)."""
    root = course.root
    folders = {(root / s.script).parent for s in course.milestones}
    for folder in sorted(f for f in folders if f.is_dir() and f != root):
        nbgrader_run.copy_tree(folder, stage / relative(folder, root))
    for shared in sorted({f.parent for f in folders if f.parent != root and root in f.parents}):
        for path in sorted(shared.glob("*.py")):
            (stage / relative(shared, root)).mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, stage / relative(path, root))


def _check_import(stage: Path, result: Release) -> None:
    env = child_env(stage)
    code, out = run_captured([sys.executable, "-c", "import tinytorch"], stage, env, 120)
    if code != 0:
        result.warnings.append("`import tinytorch` fails in the release (a hand-written package file "
                               f"imports a module that is not released?): {tail(out, 3)}")


def _students_own(rel: Path, old: Path) -> bool:
    """Files that hold the student's work in an existing workspace: their notebooks and .py files, the
    package files exported from their notebooks, and the progress store."""
    if rel.parts[0] == "modules" or rel == progress.store_path(Path()):
        return True
    if rel.parts[0] == "tinytorch" and rel.suffix == ".py":
        with open(old, encoding="utf-8", errors="ignore") as fh:
            return fh.readline().startswith(GENERATED_MARK)
    return False


def _install(course: Course, stage: Path, dest: Path) -> tuple[Path | None, list[str]]:
    """Copy the staged release into `dest`.

    In an existing workspace the student's own files (see `_students_own`) are never replaced: a
    re-release adds new modules and refreshes tests, milestones, the manifest and the pristine copies
    that `tito module reset` restores. Any other file that would be replaced by different content is
    first copied to .tinytorch/backups/. Returns (backup folder or None, the student's files kept).
    """
    backup_root = workspace.Workspace(dest, course, ()).backups_dir("before-release")
    saved, kept = False, []
    for path in sorted(stage.rglob("*")):
        if path.is_dir():
            continue
        rel = path.relative_to(stage)
        old = dest / rel
        if not old.is_file() or filecmp.cmp(old, path, shallow=False):
            continue
        if _students_own(rel, old):
            kept.append(rel.as_posix())
            path.unlink()
            continue
        (backup_root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(old, backup_root / rel)
        saved = True
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(stage, dest, dirs_exist_ok=True)
    return (backup_root if saved else None), kept
