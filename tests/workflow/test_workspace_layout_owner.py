"""The student-workspace layout has one owner: only tito/workspace.py (the layout) and tito/progress.py
(the progress store's file) spell out a path inside .tinytorch/; every other part of tito asks them.
Docstrings and messages may mention the paths; code (a string constant that is not a docstring) may not."""
import ast
from pathlib import Path

import pytest

from tito import manifest, progress, workspace

TITO = Path(__file__).resolve().parents[2] / "tito"
OWNERS = {"workspace.py", "progress.py"}
LAYOUT_WORDS = (".tinytorch", "pristine", "backups", "workspace.json", "progress.json")


def code_strings(path: Path):
    """(line, text) of each string constant in `path` that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_only_the_owners_spell_out_workspace_paths():
    offenders = []
    for path in sorted(TITO.rglob("*.py")):
        if path.name in OWNERS and path.parent == TITO:
            continue
        for line, text in code_strings(path):
            # a message naming a path is fine; a bare path component is a second owner
            if text.strip() in LAYOUT_WORDS or text.strip().startswith(".tinytorch/"):
                offenders.append(f"{path.relative_to(TITO.parent)}:{line}: {text!r}")
    assert offenders == [], "ask tito/workspace.py or tito/progress.py instead:\n" + "\n".join(offenders)


def test_the_checker_sees_a_second_owner(tmp_path):
    """The test above would catch a command module that keeps its own STATE_DIR."""
    stray = tmp_path / "stray.py"
    stray.write_text('"""doc mentions .tinytorch"""\nSTATE_DIR = ".tinytorch"\n')
    assert [text for _, text in code_strings(stray)] == [".tinytorch"]


def test_workspace_at_and_completion_where_tito_runs(tmp_path):
    repo = manifest.load(TITO.parent)                        # the course repository: not a workspace
    assert workspace.at(repo.root) is None
    assert progress.complete_where_tito_runs(repo) == {m.number for m in repo.modules if m.ready}
    ws_root = tmp_path / "ws"
    ws_root.mkdir()
    (ws_root / manifest.MANIFEST_NAME).write_text((repo.root / manifest.MANIFEST_NAME).read_text())
    course = manifest.load(ws_root)
    assert workspace.at(ws_root) is None                     # a progress store alone does not make a workspace
    progress.mark_attempt(ws_root, "01", True, 1, 1)
    assert workspace.at(ws_root) is None
    workspace.write_marker(ws_root, ["01", "02"], "test")
    ws = workspace.at(ws_root)
    assert ws is not None and ws.modules == ("01", "02") and ws.state_dir == ws_root / workspace.STATE_DIR
    assert progress.store_path(ws_root).parent == ws.state_dir
    assert progress.complete_where_tito_runs(course) == {1}
    with pytest.raises(Exception, match="not inside a TinyTorch student workspace"):
        workspace.find(tmp_path)
