"""`tito export`: the export rules, determinism, `--check`, speed, and module 01's package file in sync."""
from __future__ import annotations

import time
from pathlib import Path

from tests.conftest import load_file

import pytest
from typer.testing import CliRunner

from tito import manifest
from tito.cells import parse_py, read_cells
from tito.cli import build_app
from tito.export import GENERATED_MARK, banner, export_module, render

REPO = Path(__file__).resolve().parents[2]


democourse = load_file(Path(__file__).with_name("democourse.py"), "tito_tests_democourse")
runner = CliRunner()


@pytest.fixture
def course(tmp_path, monkeypatch):
    democourse.make_course(tmp_path)
    monkeypatch.chdir(tmp_path)
    return manifest.load(tmp_path)


def tito(*args):
    return runner.invoke(build_app(strict=True), list(args))


# ---------------------------------------------------------------- the export rules (on the demo module)

def test_rules_on_the_demo_module(course):
    module = course.module("01")
    text = render(module, read_cells(module.source), "modules/01_demo/demo_dev.py")
    first_line = text.splitlines()[0]
    assert first_line == banner(module, "modules/01_demo/demo_dev.py")
    assert first_line.startswith(GENERATED_MARK) and "modules/01_demo/demo_dev.py" in first_line
    assert "DO NOT EDIT" in first_line
    # Solution markers dropped, the solution code kept (the package is the reference implementation).
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert text.count("SOLUTION-LINE") == 2
    # Test cells never exported, hidden tests never exported, directives dropped.
    assert "VISIBLE-CHECK" not in text and "HIDDEN-CHECK" not in text
    assert "def test_unit" not in text and "run_all_tests" not in text
    assert "#|" not in text
    assert "import math" in text and "def scale(" in text and "def norm(" in text


def test_exported_code_runs(course, tmp_path):
    result = export_module(course.module("01"), course.root)
    assert result.path == tmp_path / "tinytorch" / "core" / "demo.py"
    assert (tmp_path / "tinytorch" / "core" / "__init__.py").is_file()   # package folder created
    demo = load_file(result.path, "exported_demo")
    assert demo.scale([1, 2], 3) == [3, 6]
    assert demo.norm([3, 4]) == 5


def test_hidden_block_dropped_and_marked_test_cell_never_exported(tmp_path):
    source = democourse.dedent('''
        # %%
        #| export
        def kept():
            ### BEGIN HIDDEN TESTS
            secret = 1  # HIDDEN-IN-EXPORT-CELL
            ### END HIDDEN TESTS
            return 1

        # %% [code] {"nbgrader": {"grade": true, "grade_id": "x-test", "locked": true, "points": 1, "schema_version": 3, "solution": false}}
        #| export
        def test_unit_marked():
            assert kept() == 1  # TEST-CELL-LINE

        # %%
        def not_marked():  # UNMARKED-LINE
            pass
        ''')
    democourse.make_course(tmp_path)
    module = manifest.load(tmp_path).module(1)
    text = render(module, parse_py(source), "x.py")
    assert "def kept():" in text and "return 1" in text
    assert "HIDDEN-IN-EXPORT-CELL" not in text and "HIDDEN TESTS" not in text
    assert "TEST-CELL-LINE" not in text and "test_unit_marked" not in text
    assert "UNMARKED-LINE" not in text


def test_render_layout_is_exact(tmp_path):
    source = "# %%\n#| export\nA = 1\n\n\n# %%\n#| export\n\nB = 2   \n\n"
    democourse.make_course(tmp_path)
    module = manifest.load(tmp_path).module(1)
    assert render(module, parse_py(source), "m.py") == banner(module, "m.py") + "\n\nA = 1\n\n\nB = 2\n"


# ---------------------------------------------------------------- determinism and --check

def test_export_is_deterministic(course):
    module = course.module("01")
    first = export_module(module, course.root)
    bytes_after_first = first.path.read_bytes()
    second = export_module(module, course.root)
    assert first.changed and not second.changed
    assert second.text == first.text
    assert first.path.read_bytes() == bytes_after_first == first.text.encode()


def test_cli_export_then_check_in_sync(course):
    result = tito("export")
    assert result.exit_code == 0, result.output
    assert "tinytorch/core/demo.py" in result.output and "exported 1 module(s) in" in result.output
    result = tito("export", "--check")
    assert result.exit_code == 0, result.output
    assert "in sync" in result.output


def test_check_names_a_modified_package_file(course, tmp_path):
    assert tito("export", "01").exit_code == 0
    package_file = tmp_path / "tinytorch" / "core" / "demo.py"
    edited = package_file.read_text() + "\nHAND_EDIT = True\n"
    package_file.write_text(edited)
    result = tito("export", "--check")
    assert result.exit_code == 1, result.output
    assert "tinytorch/core/demo.py" in result.output
    assert "tito export 01" in result.output
    assert package_file.read_text() == edited          # --check writes nothing


def test_check_names_a_missing_package_file(course):
    result = tito("export", "--check", "demo")
    assert result.exit_code == 1
    assert "tinytorch/core/demo.py" in result.output


def test_check_after_source_change(course, tmp_path):
    assert tito("export").exit_code == 0
    source = tmp_path / "modules" / "01_demo" / "demo_dev.py"
    source.write_text(source.read_text().replace("import math", "import math\nimport os"))
    assert tito("export", "--check").exit_code == 1
    assert tito("export").exit_code == 0
    assert tito("export", "--check").exit_code == 0


def test_planned_module_without_source_is_a_clear_error(course):
    result = tito("export", "02")
    assert result.exit_code == 2
    assert "module 02 (other) has no source file modules/02_other/other_dev.py" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- speed

def test_exporting_twenty_modules_takes_under_two_seconds(tmp_path, monkeypatch):
    """A course as large as ours (20 modules, each a few thousand lines) exports in well under 2 s."""
    entries = []
    for n in range(1, 21):
        entries.append(f'[[modules]]\nnumber = {n}\nslug = "m{n}"\ntitle = "M{n}"\n'
                       f'target = "core.m{n}"\nrequires = []\nstatus = "ready"\n')
        folder = tmp_path / "modules" / f"{n:02d}_m{n}"
        folder.mkdir(parents=True)
        body = democourse.DEMO_SOURCE.replace("def scale", "def scale_{i}").replace("def norm", "def norm_{i}")
        (folder / f"m{n}_dev.py").write_text("\n".join(body.replace("{i}", str(i)) for i in range(40)))
    (tmp_path / "course.toml").write_text('[course]\nname = "Big"\n\n' + "\n".join(entries))
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    result = tito("export", "--all")
    elapsed = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "tinytorch" / "core").glob("m*.py"))) == 20
    assert elapsed < 2.0, f"exporting 20 modules took {elapsed:.2f} s"


def test_exporting_the_real_course_takes_under_two_seconds():
    course = manifest.load(REPO)
    modules = [m for m in course.modules if m.source.is_file()]
    if not modules:
        pytest.skip("no module source exists yet in modules/")
    start = time.perf_counter()
    for m in modules:
        export_module(m, course.root, check=True)     # everything but the write; never touches the repo
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"rendering {len(modules)} module(s) took {elapsed:.2f} s"


# ---------------------------------------------------------------- the real module 01

def test_module_01_package_file_is_the_render_of_its_exported_cells():
    course = manifest.load(REPO)
    module = course.module(1)
    if not module.source.is_file():
        pytest.skip(f"{module.source.relative_to(REPO)} does not exist yet (module 01 is being written)")
    expected = render(module, read_cells(module.source), module.source.relative_to(REPO).as_posix())
    package_file = REPO / module.package_file
    assert package_file.is_file(), f"{module.package_file} missing: run `tito export {module.tag}`"
    assert package_file.read_text(encoding="utf-8") == expected, (
        f"{module.package_file} is not the export of {module.source.relative_to(REPO)}: run `tito export {module.tag}`")
