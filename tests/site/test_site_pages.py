"""`tito site` without building a site (fast; needs no `site` extra): README sections, links, the
module map, the student view of an executed notebook, the cache keys, pictures saved by a cell."""
from __future__ import annotations

import dataclasses
import time

import nbformat
import pytest

from tito import manifest, site, site_pages
from tito.notebooks import build_notebook


@pytest.fixture(scope="module")
def course():
    return manifest.load()


def test_readme_has_every_section_the_site_includes(course):
    intro, sections = site_pages.readme_parts(course.root)
    assert "pip install -e '.[dev]' && tito milestone run --all" in intro     # the two commands
    assert "python -m pytest -q" in intro
    for key, heading in site_pages.README_SECTIONS.items():
        assert heading in sections, f"README.md lost its '## {heading}' section (the site includes it)"
        assert site_pages.section(course.root, key) == sections[heading]
    assert "--shard" in sections["For instructors"] and "sandbox" in sections["For instructors"].lower()


def test_links_point_at_site_pages_or_become_text(course):
    text = ("[Tensor](modules/01_tensor/) [std](docs/MODULE_STANDARD.md#rules) "
            "[web](https://example.org/x) [fixture](tests/workflow/fixtures/) [read](README.md)")
    out = site_pages.fix_links(course, text, "", "guides/student.md")
    assert "[Tensor](../modules/01_tensor.ipynb)" in out
    assert "[std](../authors/MODULE_STANDARD.md#rules)" in out
    assert "[web](https://example.org/x)" in out
    assert "fixture (`tests/workflow/fixtures`)" in out
    assert "[read](../index.md)" in out
    # a milestone README's links are relative to its folder
    out = site_pages.fix_links(course, "[m](../../modules/09_spatial/spatial_dev.py)", "milestones/04_cnn",
                               "milestones.md")
    assert out == "[m](modules/09_spatial.ipynb)"


def test_module_map_draws_direct_prerequisites_only(course, tmp_path):
    direct = site_pages.direct_requires(course)

    def below(n):                         # every module `n` needs, directly or not
        out = set()
        for r in course.module(n).requires:
            out |= {r} | below(r)
        return out

    for m in course.modules:
        assert direct[m.number] <= set(m.requires)
        for r in m.requires:              # drawn exactly when no other prerequisite already needs it
            implied = any(r in below(o) for o in m.requires if o != r)
            assert (r in direct[m.number]) == (not implied), (m.tag, r)
    four = course.module("04")
    if set(four.requires) == {1, 2, 3}:              # 04 needs 03, which needs 02 and 01
        assert direct[4] == {3}
    svg = site_pages.draw_module_map(course, tmp_path / "map.svg").read_text(encoding="utf-8")
    for m in course.modules:
        assert f">{m.tag}<" in svg or m.tag in svg
    again = site_pages.draw_module_map(course, tmp_path / "again.svg").read_text(encoding="utf-8")
    assert svg == again, "the same course must give the same picture (the cache compares bytes)"


def test_student_page_takes_the_student_sources_and_keeps_the_outputs(course):
    m = course.module("01")
    executed = build_notebook(m.source)
    code = next(c for c in executed.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution"))
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
    student = nbformat.from_dict(nbformat.reads(nbformat.writes(executed), as_version=4))
    target = next(c for c in student.cells if c.id == code.id)
    target.source = "def f():\n    raise NotImplementedError('stub')"
    dropped = student.cells.pop(len(student.cells) - 1)
    page = site.student_page(executed, student)
    shown = next(c for c in page.cells if c.id == code.id)
    assert shown.source == target.source and shown.outputs[0]["text"] == "ran\n"
    assert dropped.id not in {c.id for c in page.cells}
    assert len(page.cells) == len(executed.cells) - 1
    assert site.student_page(executed, None) is executed


def test_cache_keys_follow_the_source_and_the_package(course, tmp_path):
    m = course.module("01")
    pkg = site.package_key(course.root)
    assert site.package_key(course.root) == pkg
    key = site.module_key(m, pkg)
    assert site.module_key(m, pkg + "x") != key
    copy = tmp_path / "modules" / m.dirname / m.source.name
    copy.parent.mkdir(parents=True)
    copy.write_text(m.source.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    moved = dataclasses.replace(m, root=tmp_path)
    assert site.module_key(moved, pkg) != key


def test_a_picture_a_cell_saved_is_shown_below_it(tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    start = time.time()
    fig = Figure(figsize=(1, 1))
    FigureCanvasAgg(fig)
    fig.savefig(tmp_path / "curve.png")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("plot()"), nbformat.v4.new_code_cell("x")])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"plot saved to {tmp_path}/curve.png\n")]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"{tmp_path}/absent.png\n")]
    site.attach_saved_pictures(nb, start)
    images = [o for o in nb.cells[0].outputs if o.output_type == "display_data"]
    assert len(images) == 1 and images[0].data["image/png"]
    assert len(nb.cells[1].outputs) == 1


def test_missing_site_packages_are_named_with_the_install_command(monkeypatch, course, tmp_path):
    monkeypatch.setattr(site, "missing_packages", lambda: ["mkdocs-material"])
    with pytest.raises(site.TitoError, match=r"mkdocs-material.*pip install -e '\.\[site\]'"):
        site.build(course, tmp_path / "out", tmp_path / "cache")


def test_site_refuses_to_write_over_the_course(monkeypatch, course, tmp_path):
    monkeypatch.setattr(site, "missing_packages", lambda: [])
    with pytest.raises(site.TitoError, match="would overwrite the course"):
        site.build(course, course.root, tmp_path / "cache")


def test_api_page_lists_the_package_surface_with_signatures_and_docstrings_as_written(course):
    m = course.module("09")
    page = site_pages.api_module_page(m)
    import importlib
    import inspect

    mod = importlib.import_module(m.package_module)
    for name in mod.__all__:
        assert f"## `{name}`" in page
    conv2d = mod.conv2d
    assert f"def conv2d{inspect.signature(conv2d)}" in page
    assert inspect.getdoc(conv2d) in page          # verbatim, in a text block: columns and lines kept
    assert "[module 09](../modules/09_spatial.ipynb)" in page


def test_headings_lose_their_backticks_so_the_contents_links_match():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Testing `add`\nthe `add` op\n### Step 5: `StepLR`"),
                                         nbformat.v4.new_code_cell("# `x`")])
    site_pages.plain_headings(nb)
    assert nb.cells[0].source == "## Testing add\nthe `add` op\n### Step 5: StepLR"
    assert nb.cells[1].source == "# `x`"


def test_tito_site_refuses_a_student_workspace(course, tmp_path, monkeypatch):
    import shutil

    from typer.testing import CliRunner

    from tito import workspace
    from tito.cli import build_app

    shutil.copy2(course.root / "course.toml", tmp_path / "course.toml")
    workspace.write_marker(tmp_path, ["01"], str(course.root))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(build_app(only="site"), ["site"])
    assert result.exit_code == 2
    assert "student workspace" in " ".join((result.stdout + result.stderr).split())
