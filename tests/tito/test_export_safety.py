"""Issue 11 frictions in `tito export`: a syntax error is refused (file and line named, nothing written),
`export --check` never says "in sync" for a package that cannot import, and files keep the user's umask."""
from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import load_file

import pytest
from typer.testing import CliRunner

from tito import manifest
from tito.cli import build_app
from tito.export import write_atomic

democourse = load_file(Path(__file__).with_name("democourse.py"), "tito_tests_democourse")
runner = CliRunner()


@pytest.fixture
def course(tmp_path, monkeypatch):
    democourse.make_course(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return manifest.load(tmp_path)


def tito(*args):
    return runner.invoke(build_app(strict=True), list(args))


def _break_source(root: Path) -> None:
    source = root / "modules" / "01_demo" / "demo_dev.py"
    text = source.read_text()
    assert "import math" in text
    source.write_text(text.replace("import math", "import math\ndef broken(:\n    pass", 1))


def test_export_refuses_a_syntax_error_naming_file_and_line(course, tmp_path):
    assert tito("export", "01").exit_code == 0
    package_file = tmp_path / "tinytorch" / "core" / "demo.py"
    before = package_file.read_bytes()
    _break_source(tmp_path)
    result = tito("export", "01")
    assert result.exit_code == 2, result.output
    lineno = before.decode().splitlines().index("import math") + 2
    assert f"tinytorch/core/demo.py line {lineno}" in result.output, result.output
    assert "def broken(:" in result.output and "modules/01_demo/demo_dev.py" in result.output
    assert "Traceback" not in result.output
    assert package_file.read_bytes() == before                 # nothing written


def test_check_fails_on_a_syntax_error_in_the_source(course, tmp_path):
    assert tito("export", "01").exit_code == 0
    _break_source(tmp_path)
    result = tito("export", "--check")
    assert result.exit_code != 0 and "in sync" not in result.output


def test_check_never_says_in_sync_for_a_package_that_cannot_import(course, tmp_path):
    assert tito("export").exit_code == 0
    init = tmp_path / "tinytorch" / "__init__.py"
    init.write_text(init.read_text() + "\nimport tinytorch.no_such_module\n")
    result = tito("export", "--check")
    assert result.exit_code == 1, result.output
    assert "in sync" not in result.output.replace("match their modules", "")
    assert "import tinytorch` fails" in result.output and "no_such_module" in result.output


def test_written_files_get_the_users_umask_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.txt", "x\n")
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644
        os.chmod(tmp_path / "new.txt", 0o664)
        write_atomic(tmp_path / "new.txt", "y\n")             # a kept file keeps its mode
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old)
