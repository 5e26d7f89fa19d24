"""A workspace is its own project: `pip install -e <workspace>` in a fresh venv gives `tito` and the
student's tinytorch, and nothing of the course's reference package (issue 11's acceptance test).

What the slow test proves, honestly: the fresh venv is made with `python -m venv --without-pip`; the
third-party dependencies (numpy, jupytext, nbclient, ipykernel, pip, setuptools) come from the test
interpreter's site-packages through ONE plain path line in a .pth file, not copied and not downloaded. A
plain path line does not run the .pth files of that folder, so the course's editable install there (an
import hook set up by its own .pth) is NOT active in the fresh venv: the test first proves that
`import tinytorch` fails there before the workspace is installed. Then only the workspace is installed
(`pip install --no-deps --no-build-isolation -e`), a real Jupyter kernel started in modules/01_tensor
reports tinytorch.__file__ inside the workspace, and the leak finder finds no reference solution line in
any file of the venv (nor in the workspace, nor in its copy of tito, checked against the real course's
modules too). It does not prove that a download of the dependencies from PyPI works.
"""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from tests.e2e import student_venv


def test_release_writes_a_project_with_the_tool_and_a_readme(fixture_release):
    ws = fixture_release
    project = (ws / "pyproject.toml").read_text()
    assert 'name = "tinytorch-workspace"' in project and 'tito = "tito.cli:main"' in project
    assert 'include = ["tinytorch*", "tito*"]' in project
    for rel in ["tito/cli.py", "tito/student.py", "tito/commands/module.py", "tito/manifest.py"]:
        assert (ws / rel).is_file(), rel
    readme = (ws / "README.md").read_text()
    assert "pip install -e" in readme and "tito module start 01" in readme


@pytest.mark.slow
def test_fresh_venv_with_only_the_workspace_imports_the_students_package(fixture_release, tmp_path, h):
    ws = tmp_path / "ws"
    shutil.copytree(fixture_release, ws, symlinks=True)
    venv = tmp_path / "venv"
    # the fresh venv, `import tinytorch` failing there before, then only the workspace installed
    py = student_venv.make(ws, venv)
    env = student_venv.clean_env(venv)

    # 1. A real Jupyter kernel started in modules/01_tensor (the way Jupyter starts one for a notebook).
    probe = textwrap.dedent("""
        import sys, nbformat
        from nbclient import NotebookClient
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            "import sys, os, tinytorch; print(tinytorch.__file__); print(sys.executable); print(os.getcwd())")])
        NotebookClient(nb, kernel_name="python3", timeout=120,
                       resources={"metadata": {"path": sys.argv[1]}}).execute()
        print(nb.cells[0].outputs[0]["text"], end="")
    """)
    kernel = student_venv.run([py, "-c", probe, ws / "modules/01_tensor"], tmp_path, env)
    assert kernel.returncode == 0, kernel.stdout + kernel.stderr
    where, exe, cwd = kernel.stdout.strip().splitlines()[-3:]
    print("kernel:", where, exe, cwd)
    assert Path(where).resolve() == (ws / "tinytorch/__init__.py").resolve()
    assert Path(exe).parent.parent.resolve() == venv.resolve()
    assert Path(cwd).resolve() == (ws / "modules/01_tensor").resolve()

    # 2. A module file run with python, from the workspace and from anywhere else.
    script = ws / "modules/01_tensor/where_is_tinytorch.py"
    script.write_text("import tinytorch, tito\nprint(tinytorch.__file__)\nprint(tito.__file__)\n")
    for cwd in (ws, tmp_path):
        run = student_venv.run([py, script], cwd, env)
        assert run.returncode == 0, run.stderr
        pkg, tool = run.stdout.split()
        assert Path(pkg).resolve().is_relative_to(ws.resolve()), pkg
        assert Path(tool).resolve().is_relative_to(ws.resolve()), tool

    # 3. The installed tito works in the workspace, and reads only the workspace.
    status = student_venv.run([venv / "bin" / "tito", "module", "status"], ws, env)
    assert status.returncode == 0 and "Tensor" in status.stdout, status.stdout + status.stderr

    # 4. No reference answer anywhere in the venv, the workspace, or the copied tool.
    sources = sorted(h.FIXTURE_COURSE.glob("modules/*/*_dev.py"))
    assert h.leaks(venv, sources) == []
    assert h.leaks(ws, sources) == []
    # The tool's source against the real course's answers: distinctive lines only (a generic line such as
    # `errors = []` is in a solution block of one module and in tito alike).
    real = sorted(h.REPO.glob("modules/[0-9][0-9]_*/*_dev.py"))
    distinctive = {s for s in h.secret_lines(*real) if len(s) >= 24}
    tool = "\n".join(p.read_text() for p in sorted((ws / "tito").rglob("*.py")))
    assert real and len(distinctive) > 100
    assert sorted(s for s in distinctive if s in tool) == []
