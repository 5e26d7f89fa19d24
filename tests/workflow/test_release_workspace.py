"""`tito release`: what a student workspace holds, and that it holds no answer."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from tito import manifest, progress, workspace
from tito.export import GENERATED_MARK


def test_workspace_layout_and_named_stubs(fixture_release, h):
    ws = fixture_release
    for rel in ["course.toml", "pytest.ini", ".tinytorch/workspace.json", ".tinytorch/progress.json",
                "modules/01_tensor/tensor_dev.ipynb", "modules/01_tensor/tensor_dev.py",
                ".tinytorch/pristine/01_tensor/tensor_dev.ipynb", ".tinytorch/pristine/01_tensor/tensor_dev.py",
                "modules/02_activations/activations_dev.ipynb", "tinytorch/__init__.py",
                "tinytorch/core/__init__.py", "tinytorch/core/tensor.py", "tinytorch/core/activations.py",
                "tests/01_tensor/test_fixture_tensor_public.py", "milestones/01_first/first.py"]:
        assert (ws / rel).is_file(), rel
    assert progress.load(ws) == progress.empty()
    assert not (ws / "tests/01_tensor/test_fixture_tensor_export_sync.py").exists()   # repo check, not shipped
    assert json.loads((ws / ".tinytorch/workspace.json").read_text())["modules"] == ["01", "02"]
    package = (ws / "tinytorch/core/tensor.py").read_text()
    assert package.startswith(GENERATED_MARK)
    assert workspace.stubs_in_file(ws / "tinytorch/core/tensor.py") == ["add", "Tensor.total"]
    assert ('raise NotImplementedError("Module 01 (tensor): implement Tensor.total() -- see the docstring '
            'above")') in package
    nb = nbformat.read(ws / "modules/01_tensor/tensor_dev.ipynb", as_version=4)
    impl = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "fixture-tensor-add-impl"][0]
    assert 'def add(a, b):' in impl.source and '"""Return the elementwise sum' in impl.source   # scaffolding kept
    assert 'implement add() -- see the docstring above' in impl.source
    text = (ws / "modules/01_tensor/tensor_dev.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
    assert nb.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    py, ipynb = ws / "modules/01_tensor/tensor_dev.py", ws / "modules/01_tensor/tensor_dev.ipynb"
    assert py.stat().st_mtime == ipynb.stat().st_mtime    # a fresh .py is not mistaken for an edit
    assert "implement Tensor.total()" in py.read_text()


def test_release_leaks_no_solution_or_hidden_test_line(fixture_release, h):
    sources = sorted(h.FIXTURE_COURSE.glob("modules/*/*_dev.py"))
    secrets = h.secret_lines(*sources)
    assert "left_operand = np.asarray(a)" in secrets           # the finder does find solution lines
    assert any("hidden check on an odd length" in s for s in secrets)   # ... and hidden-test lines
    assert h.leaks(fixture_release, sources) == []


def test_the_leak_finder_catches_a_leak(fixture_release, tmp_path, h):
    leaky = tmp_path / "leaky"
    shutil.copytree(fixture_release, leaky)
    (leaky / "tinytorch" / "extra.py").write_text("    left_operand = np.asarray(a)\n")
    assert any("extra.py" in f for f in h.leaks(leaky, [h.FIXTURE_COURSE / "modules/01_tensor/tensor_dev.py"]))


def test_refuses_a_non_empty_folder_that_is_not_a_release(tmp_path, h):
    target = tmp_path / "my-stuff"
    target.mkdir()
    (target / "thesis.tex").write_text("precious")
    run = h.tito(["release", "01", "--to", target], cwd=h.FIXTURE_COURSE)
    assert run.code == 2, run
    assert "not empty and is not a previous TinyTorch release" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in target.iterdir()) == ["thesis.tex"]


def test_wrong_module_number_is_a_one_line_error(tmp_path, h):
    run = h.tito(["release", "42", "--to", tmp_path / "x"], cwd=h.FIXTURE_COURSE)
    assert run.code == 2, run
    assert "no module '42'" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_rerelease_keeps_the_students_work(fixture_release, tmp_path, h):
    ws = tmp_path / "ws"
    shutil.copytree(fixture_release, ws)
    nb = ws / "modules/01_tensor/tensor_dev.ipynb"
    h.paste_solutions(h.FIXTURE_COURSE / "modules/01_tensor/tensor_dev.py", nb)
    run = h.tito(["module", "complete", "01"], cwd=ws)
    assert run.code == 0, run
    mine_nb, mine_pkg = nb.read_bytes(), (ws / "tinytorch/core/tensor.py").read_bytes()
    mine_progress = (ws / ".tinytorch/progress.json").read_bytes()
    (ws / "tests/01_tensor/test_fixture_tensor_public.py").write_text("# changed by the student\n")

    run = h.tito(["release", "01", "--to", ws], cwd=h.FIXTURE_COURSE)
    assert run.code == 0, run
    assert "Kept the student's version" in run.text and "modules/01_tensor/tensor_dev.ipynb" in run.text
    assert nb.read_bytes() == mine_nb
    assert (ws / "tinytorch/core/tensor.py").read_bytes() == mine_pkg
    assert (ws / ".tinytorch/progress.json").read_bytes() == mine_progress
    # files that are not the student's work are refreshed, the old copy backed up
    assert "backed up" in run.text
    [saved] = (ws / ".tinytorch/backups").glob("*_before-release/tests/01_tensor/test_fixture_tensor_public.py")
    assert saved.read_text() == "# changed by the student\n"
    assert "changed by the student" not in (ws / "tests/01_tensor/test_fixture_tensor_public.py").read_text()
    run = h.tito(["module", "status"], cwd=ws)
    assert "01 Tensor completed" in run.text, run


@pytest.mark.parametrize("source, expected", [
    ("def f(x):\n    '''doc'''\n    raise NotImplementedError()", ["f"]),
    ("class A:\n    @property\n    def size(self):\n        raise NotImplementedError", ["A.size"]),
    ("class A:\n    def m(self):\n        def inner():\n            raise NotImplementedError()\n", ["inner"]),
    ("raise NotImplementedError()", []),
    # two solution blocks in one method (module 03's Module.__setattr__): listed once
    ("class Module:\n    def __setattr__(self, n, v):\n        raise NotImplementedError()\n        x = 1\n"
     "        raise NotImplementedError()\n", ["Module.__setattr__"]),
])
def test_name_stubs_finds_the_enclosing_def(source, expected, h):
    module = manifest.load(h.FIXTURE_COURSE).module("01")
    new, names = workspace.name_stubs(source, module)
    assert names == expected
    for name in names:
        assert f'"Module 01 (tensor): implement {name}() -- see the docstring above"' in new
    assert new.count("implement ") == source.count("NotImplementedError") * bool(expected)


def test_fixture_course_package_is_its_current_export(h):
    """The fixture's reference package (used when grading) is what the exporter makes of its modules."""
    from tito.export import export_module

    course = manifest.load(h.FIXTURE_COURSE)
    for m in course.select(None):
        assert not export_module(m, course.root, check=True).changed, f"re-export the fixture module {m.tag}"
