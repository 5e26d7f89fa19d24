"""What `tito module complete` does in a student workspace, step by step.

1. Read the student's notebook (a notebook that is not valid JSON stops here; nothing is written).
2. Keep the notebook and its paired .py in step with jupytext: if the student edited the .py after
   the notebook, the .py is synced into the notebook, else the .py is rewritten from the notebook
   (whichever file is replaced is first copied to .tinytorch/backups/).
3. Run THE STUDENT'S notebook top to bottom in a real Jupyter kernel (nbclient), with the workspace
   first on sys.path, so `import tinytorch` means the student's package.
4. Export the student's `#| export` cells into the workspace package.
5. Run the module's public tests with pytest in a subprocess whose cwd and sys.path start at the
   workspace (checked: tito refuses to go on if `tinytorch` would be imported from anywhere else).
6. The caller records the result in the progress store.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path


from .export import ExportSyntaxError, export_module, write_atomic
from .manifest import Module
from .report import TitoError, child_env, relative, run_captured, tail
from .workspace import Workspace, stubs_in_file

CELL_TIMEOUT = 300        # seconds one notebook cell may run in `complete`
TEST_TIMEOUT = 600        # seconds for the module's public tests


@dataclass
class Outcome:
    module: Module
    synced: str = ""                               # "py->ipynb" or "ipynb->py" when the pair was synced
    synced_backup: Path | None = None
    cell_errors: list[tuple[str, str]] = field(default_factory=list)   # (cell, first error line)
    stubs: list[str] = field(default_factory=list)
    tests_passed: int = 0
    tests_total: int = 0
    test_failures: list[tuple[str, str]] = field(default_factory=list)  # (test [ids] (file:line), message)
    test_problem: str = ""                         # pytest could not run / collect
    package_file: Path | None = None
    tinytorch_file: str = ""

    @property
    def passed(self) -> bool:
        return not (self.cell_errors or self.stubs or self.test_failures or self.test_problem)


def _rebuild_hint(path: Path) -> str:
    tag = path.parent.name.split("_")[0]
    py = path.with_suffix(".py")
    if py.is_file():
        return (f"rebuild it from your {py.name} with `tito module sync {tag} --from py`, fix it in an editor, "
                f"or `tito module restore {tag}` (a backup)")
    return f"`tito module restore {tag}` brings back a backup, `tito module reset {tag}` a fresh copy"


def read_notebook(path: Path, ws_root: Path) -> nbformat.NotebookNode:
    import nbformat
    rel = relative(path, ws_root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TitoError(f"{rel}: no such notebook; nothing was changed: {_rebuild_hint(path)}") from None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise TitoError(f"{rel} is not valid JSON ({exc.msg}, line {exc.lineno}); nothing was changed: "
                        f"{_rebuild_hint(path)}") from None
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat's own validation
        raise TitoError(f"{rel} is not a readable Jupyter notebook ({exc}); nothing was changed: "
                        f"{_rebuild_hint(path)}") from None


def _grade_ids(nb) -> list[str]:
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id")]


def read_paired_py(ws: Workspace, module: Module, against=None):
    """The paired .py read by jupytext. With `against` (the notebook), a .py that lost graded cells the
    notebook has (a truncated file: a write that failed, a full disk) is refused, naming the cells."""
    import jupytext

    py_path = ws.paired_py(module)
    rel = relative(py_path, ws.root)
    try:
        from_py = jupytext.read(py_path, fmt="py:percent")
    except FileNotFoundError:
        raise TitoError(f"{rel}: no such file") from None
    except Exception as exc:
        raise TitoError(f"{rel} cannot be read by jupytext ({exc}); nothing was changed") from None
    if against is not None:
        missing = [g for g in _grade_ids(against) if g not in set(_grade_ids(from_py))]
        if missing:
            raise TitoError(
                f"{rel} lacks {len(missing)} graded cell(s) the notebook has ({', '.join(missing[:3])}"
                f"{', ...' if len(missing) > 3 else ''}): it looks truncated, so it was NOT synced into the "
                f"notebook and nothing was changed; rewrite it from the notebook with `tito module sync "
                f"{module.tag} --from ipynb`, or keep the .py anyway with `--from py`")
    return from_py


def sync_from(ws: Workspace, module: Module, source: str) -> Path | None:
    """`tito module sync NN --from py|ipynb`: rewrite the other file of the pair from `source`, backing it
    up first. From the .py, a missing or broken notebook is rebuilt (cell outputs kept when the old
    notebook is still readable). Returns the backup folder (None when there was nothing to back up)."""
    import nbformat

    import jupytext
    from jupytext.combine import combine_inputs_with_outputs

    nb_path, py_path = ws.notebook(module), ws.paired_py(module)
    if source == "ipynb":
        current = read_notebook(nb_path, ws.root)
        backup = ws.backup([py_path], f"{module.dirname}_before-sync") if py_path.exists() else None
        write_atomic(py_path, jupytext.writes(current, fmt="py:percent"))
    elif source == "py":
        from_py = read_paired_py(ws, module)
        try:
            old = nbformat.read(nb_path, as_version=4)
        except Exception:
            old = None
        if old is not None:
            from_py = combine_inputs_with_outputs(from_py, old, fmt="py:percent")
        from_py.metadata.setdefault("jupytext", {})["formats"] = "ipynb,py:percent"
        from_py.metadata.setdefault("kernelspec", {"display_name": "Python 3", "language": "python",
                                                   "name": "python3"})
        nbformat.validate(from_py)
        backup = ws.backup([nb_path], f"{module.dirname}_before-sync") if nb_path.exists() else None
        write_atomic(nb_path, nbformat.writes(from_py) + "\n")
    else:
        raise TitoError(f"--from {source!r}: use `py` or `ipynb`")
    _same_mtime(nb_path, py_path)
    return backup


def backups_of(ws: Workspace, module: Module) -> list[Path]:
    """Backup folders (oldest first) holding this module's notebook or .py: those of `reset`, `sync`,
    `restore`, and the module's folder in a re-release's backup."""
    names = (ws.notebook(module).name, ws.paired_py(module).name)
    found = []
    root = ws.backups_root
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        for candidate in (folder, folder / relative(ws.notebook(module).parent, ws.root)):
            if (candidate == folder and module.dirname not in folder.name):
                continue
            if any((candidate / n).is_file() for n in names):
                found.append(candidate)
                break
    return found


def restore(ws: Workspace, module: Module, backup: Path) -> Path:
    """Bring back the notebook and .py of `backup`; the current ones are backed up first."""
    nb_path, py_path = ws.notebook(module), ws.paired_py(module)
    saved = ws.backup([nb_path, py_path], f"{module.dirname}_before-restore")
    restored = []
    for target in (nb_path, py_path):
        src = backup / target.name
        if src.is_file():
            write_atomic(target, src.read_text(encoding="utf-8"))
            restored.append(target)
    if not restored:
        raise TitoError(f"{relative(backup, ws.root)} holds neither {nb_path.name} nor {py_path.name}")
    _same_mtime(*restored)
    return saved


def sync_pair(ws: Workspace, module: Module) -> tuple[str, Path | None]:
    """Keep the notebook and its paired .py in step; the newer one wins, the other is backed up first.

    Returns ("py->ipynb" | "ipynb->py" | "", backup folder or None)."""
    import nbformat

    import jupytext
    from jupytext.combine import combine_inputs_with_outputs

    nb_path, py_path = ws.notebook(module), ws.paired_py(module)
    current = read_notebook(nb_path, ws.root)
    if not py_path.is_file():
        write_atomic(py_path, jupytext.writes(current, fmt="py:percent"))
        _same_mtime(nb_path, py_path)
        return "ipynb->py", None
    from_py = read_paired_py(ws, module)
    if [c.source for c in from_py.cells] == [c.source for c in current.cells]:
        return "", None
    if py_path.stat().st_mtime > nb_path.stat().st_mtime:
        read_paired_py(ws, module, against=current)      # a truncated .py is never synced in
        backup = ws.backup([nb_path], f"{module.dirname}_before-sync")
        merged = combine_inputs_with_outputs(from_py, current, fmt="py:percent")
        write_atomic(nb_path, nbformat.writes(merged) + "\n")
        direction = "py->ipynb"
    else:
        backup = ws.backup([py_path], f"{module.dirname}_before-sync")
        write_atomic(py_path, jupytext.writes(current, fmt="py:percent"))
        direction = "ipynb->py"
    _same_mtime(nb_path, py_path)
    return direction, backup


def _same_mtime(*paths: Path) -> None:
    stamp = time.time()
    for p in paths:
        os.utime(p, (stamp, stamp))


def run_notebook(nb: nbformat.NotebookNode, ws: Workspace, module: Module, timeout: int) -> list[tuple[str, str]]:
    """Execute a copy of the student's notebook; (cell, error) for every cell that raised."""
    import nbformat

    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    run = nbformat.from_dict(json.loads(json.dumps(nb)))
    client = NotebookClient(run, timeout=timeout, kernel_name="python3", allow_errors=True,
                            interrupt_on_timeout=True,
                            resources={"metadata": {"path": str(ws.notebook(module).parent)}})
    failing_cells = []
    try:
        # The kernel's own process stderr carries only its start-up log (the student's prints and
        # tracebacks arrive as cell outputs), so keep it off the student's terminal.
        client.execute(env=child_env(ws.root), stderr=subprocess.DEVNULL)
    except DeadKernelError:
        failing_cells.append(("(kernel)", "the Python kernel died (os._exit, a crash, or out of memory); "
                                   "the cells after it did not run"))
    for i, cell in enumerate(run.cells, start=1):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = next((l for l in cell.source.splitlines() if l.strip()), "")[:40]
                label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"{i} ({first})"
                text = f"{out.get('ename', '')}: {out.get('evalue', '')}".strip(": ")
                failing_cells.append((label, (text.splitlines() or ["error"])[0][:300]))
                break
    return failing_cells


def check_import_target(ws: Workspace) -> str:
    """Where a child Python started like the test run imports tinytorch from; must be the workspace.
    Returns that file, or "" when the import itself fails (the tests will then say why)."""
    code, out = run_captured([sys.executable, "-c", "import tinytorch; print(tinytorch.__file__)"],
                             ws.root, child_env(ws.root), 120)
    where = out.strip().splitlines()[-1] if out.strip() else ""
    if code != 0:
        return ""
    if not Path(where).resolve().is_relative_to(ws.root.resolve()):
        raise TitoError(f"the tests would import tinytorch from {where}, not from this workspace; "
                        "remove that installation from PYTHONPATH")
    return where


def run_public_tests(ws: Workspace, module: Module, outcome: Outcome, timeout: int) -> None:
    tests = ws.tests_dir(module)
    if not tests.is_dir():
        return
    outcome.tinytorch_file = check_import_target(ws)
    if not outcome.tinytorch_file:
        code, out = run_captured([sys.executable, "-c", "import tinytorch"], ws.root, child_env(ws.root), 120)
        outcome.test_problem = f"`import tinytorch` fails in this workspace: {tail(out, 1)}"
        return
    with tempfile.TemporaryDirectory(prefix="tito-complete-") as tmp:
        junit = Path(tmp) / "junit.xml"
        cmd = [sys.executable, "-m", "pytest", str(tests), "-q", "-c", str(ws.root / "pytest.ini"),
               "--rootdir", str(ws.root), "-p", "no:cacheprovider", f"--junitxml={junit}"]
        code, out = run_captured(cmd, ws.root, child_env(ws.root), timeout)
        if code is None:
            outcome.test_problem = f"the public tests did not finish within {timeout} s"
            return
        if not junit.is_file():
            outcome.test_problem = f"pytest could not run the public tests: {tail(out, 3)}"
            return
        _read_junit(junit, outcome, ws.root)
    if code not in (0, 1) and not outcome.test_failures:
        outcome.test_problem = f"pytest stopped with exit status {code}: {tail(out, 3)}"


def _read_junit(path: Path, outcome: Outcome, root: Path | None = None) -> None:
    """Count the test cases and record each failing test once: a parametrised test is listed once with
    its failing ids. Each failure carries the file and line where it failed and its full message."""
    failures: dict[str, list] = {}          # base name -> [location, message, ids]
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("skipped") is not None:
            continue
        outcome.tests_total += 1
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        if bad is None:
            outcome.tests_passed += 1
            continue
        name = case.get("name", "?")
        base, _, ids = name.partition("[")
        entry = failures.setdefault(base, [_location(bad.text or "", root), _message(bad), []])
        if ids:
            entry[2].append(ids[:-1])
    for base, (where, message, ids) in failures.items():
        label = base + (f" [{', '.join(ids)}]" if ids else "") + (f" ({where})" if where else "")
        outcome.test_failures.append((label, message))


_WHERE = re.compile(r"^(?P<file>[^\s:][^:\n]*\.py):(?P<line>\d+): ", re.MULTILINE)
MESSAGE_LINES = 30


def _location(longrepr: str, root: Path | None) -> str:
    """'tests/01_x/test_y.py:12' of the last frame pytest reports inside the tests (else the last)."""
    found = [(m.group("file"), m.group("line")) for m in _WHERE.finditer(longrepr)]
    if not found:
        return ""
    inside = [f for f in found if "test" in Path(f[0]).name] or found
    file, line = inside[-1]
    if root is not None and Path(file).is_absolute():
        file = relative(Path(file), root)
    return f"{file}:{line}"


def _message(bad) -> str:
    """The failure's whole message (all its lines, up to MESSAGE_LINES)."""
    lines = (bad.get("message") or "").strip().splitlines()
    if not lines:
        lines = [l for l in (bad.text or "").splitlines() if l.startswith("E ")] or ["failed"]
        lines = [l[1:].strip() for l in lines] if lines != ["failed"] else lines
    if len(lines) > MESSAGE_LINES:
        lines = lines[:MESSAGE_LINES] + [f"... ({len(lines) - MESSAGE_LINES} more lines)"]
    return "\n".join(l.rstrip() for l in lines)


def complete(ws: Workspace, module: Module, cell_timeout: int = CELL_TIMEOUT,
             test_timeout: int = TEST_TIMEOUT, say=print) -> Outcome:
    outcome = Outcome(module)
    nb_path = ws.notebook(module)
    read_notebook(nb_path, ws.root)                     # invalid JSON: stop before writing anything
    outcome.synced, outcome.synced_backup = sync_pair(ws, module)
    py, saved = relative(ws.paired_py(module), ws.root), relative(outcome.synced_backup or ws.root, ws.root)
    if outcome.synced == "py->ipynb":
        say(f"{py} is newer than the notebook: synced it into {relative(nb_path, ws.root)} "
            f"(old notebook saved in {saved})")
    elif outcome.synced == "ipynb->py" and outcome.synced_backup:
        say(f"updated {py} from the notebook (old .py saved in {saved})")
    nb = read_notebook(nb_path, ws.root)
    say(f"Running {relative(nb_path, ws.root)} in a Jupyter kernel ...")
    outcome.cell_errors = run_notebook(nb, ws, module, cell_timeout)
    say(f"Exporting your code to {module.package_file.as_posix()} ...")
    try:
        outcome.package_file = export_module(module, ws.root, source=nb_path).path
    except ExportSyntaxError as exc:
        outcome.test_problem = f"your code cannot be exported: {exc}"
        return outcome
    outcome.stubs = stubs_in_file(outcome.package_file)
    say(f"Running the public tests in {relative(ws.tests_dir(module), ws.root)}/ ...")
    run_public_tests(ws, module, outcome, test_timeout)
    return outcome
