"""`tito notebooks` / tito.notebooks.to_notebook: valid nbformat, nbgrader metadata exactly as written."""
from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import load_file

import nbformat
import pytest
from typer.testing import CliRunner

from tito import manifest
from tito.cells import CellParseError, parse_py
from tito.cli import build_app
from tito.notebooks import to_notebook

REPO = Path(__file__).resolve().parents[2]


democourse = load_file(Path(__file__).with_name("democourse.py"), "tito_tests_democourse")


def header_metadata(source_text: str) -> list[dict]:
    """The JSON written after `# %% [code]` on each nbgrader header line, read independently of tito."""
    out = []
    for line in source_text.splitlines():
        if line.startswith("# %% [code] {"):
            out.append(json.loads(line[len("# %% [code] "):])["nbgrader"])
    return out


def assert_notebook_matches_source(source: Path, dest: Path) -> dict:
    raw = json.loads(dest.read_text(encoding="utf-8"))
    nbformat.validate(nbformat.reads(dest.read_text(encoding="utf-8"), as_version=4))
    assert raw["metadata"]["kernelspec"]["name"] == "python3"
    text = source.read_text(encoding="utf-8")
    cells = parse_py(text, source)
    assert [c["cell_type"] for c in raw["cells"]] == [c.kind for c in cells]
    got = [c["metadata"]["nbgrader"] for c in raw["cells"] if "nbgrader" in c["metadata"]]
    assert got == header_metadata(text), "nbgrader metadata changed on the way into the notebook"
    for cell in raw["cells"]:
        assert set(cell["metadata"]) <= {"nbgrader"}, cell["metadata"]    # no jupytext title/layout keys
        if cell["cell_type"] == "markdown":
            assert '"""' not in "".join(cell["source"])
    ids = [c["id"] for c in raw["cells"]]
    assert len(set(ids)) == len(ids)
    return raw


def test_demo_notebook_is_valid_and_keeps_nbgrader_metadata(tmp_path):
    democourse.make_course(tmp_path)
    source = tmp_path / "modules" / "01_demo" / "demo_dev.py"
    dest = to_notebook(source, tmp_path / "out" / "demo.ipynb")
    assert dest == tmp_path / "out" / "demo.ipynb"
    raw = assert_notebook_matches_source(source, dest)
    graded = [c for c in raw["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert [c["metadata"]["nbgrader"]["points"] for c in graded] == [2, 3]
    code = "".join(graded[0]["source"])
    assert "### BEGIN HIDDEN TESTS" in code and "test_unit_scale()" in code     # the reference keeps all
    title = "".join(raw["cells"][0]["source"])
    assert title.startswith("# Module 01: Demo")


def test_notebook_is_deterministic_and_written_atomically(tmp_path):
    democourse.make_course(tmp_path)
    source = tmp_path / "modules" / "01_demo" / "demo_dev.py"
    dest = tmp_path / "demo.ipynb"
    dest.write_text("old content")
    first = to_notebook(source, dest).read_bytes()
    second = to_notebook(source, dest).read_bytes()
    assert first == second
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["course.toml", "demo.ipynb"]


def test_broken_header_json_is_reported_with_its_line(tmp_path):
    democourse.make_course(tmp_path)
    source = tmp_path / "modules" / "01_demo" / "demo_dev.py"
    text = source.read_text().replace('"grade_id": "demo-norm-impl",', '"grade_id": "demo-norm-impl"')
    source.write_text(text)
    bad_line = next(i for i, l in enumerate(text.splitlines(), 1) if '"demo-norm-impl"' in l)
    with pytest.raises(CellParseError) as info:
        to_notebook(source, tmp_path / "demo.ipynb")
    assert info.value.line == bad_line
    assert not (tmp_path / "demo.ipynb").exists()


def test_cli_notebooks_writes_next_to_the_source(tmp_path, monkeypatch):
    democourse.make_course(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(build_app(strict=True), ["notebooks", "--all"])
    assert result.exit_code == 0, result.output
    dest = tmp_path / "modules" / "01_demo" / "demo_dev.ipynb"
    assert dest.is_file() and "modules/01_demo/demo_dev.ipynb" in result.output
    assert_notebook_matches_source(tmp_path / "modules" / "01_demo" / "demo_dev.py", dest)


def test_module_01_notebook(tmp_path):
    module = manifest.load(REPO).module(1)
    if not module.source.is_file():
        pytest.skip(f"{module.source.relative_to(REPO)} does not exist yet (module 01 is being written)")
    dest = to_notebook(module.source, tmp_path / module.notebook.name)
    raw = assert_notebook_matches_source(module.source, dest)
    assert any(c["metadata"].get("nbgrader", {}).get("grade") for c in raw["cells"]), "module 01 has no graded cell"
