"""Issue 18: `tito site` builds the whole course website from a real run. Slow (executes every ready
module and milestone unless build/site-cache holds them); skipped when the `site` extra is missing."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_every_ready_module_and_milestone_ran(student_site, course):
    assert student_site.failures == [], "\n\n".join(student_site.failures)
    assert [r.module.number for r in student_site.modules] == [m.number for m in course.modules if m.ready]
    ran = [r for r in student_site.milestones if r.folder is not None]
    assert [r.milestone.number for r in ran] == [s.number for s in course.milestones if s.ready]
    for r in ran:
        result = json.loads((r.folder / "result.json").read_text(encoding="utf-8"))
        assert result["exit_code"] == 0 and result["measured"].endswith("UTC")
    out = student_site.out
    for m in course.modules:
        assert (out / "modules" / f"{m.dirname}.html").is_file() == m.ready
    for page in ("index.html", "milestones.html", "guides/student.html", "guides/instructor.html",
                 "api/index.html", "module_map.svg", "search/search_index.json"):
        assert (out / page).is_file(), page


def test_a_rebuild_with_nothing_changed_runs_nothing(student_site, course, tmp_path):
    from tito import site

    said = []
    cache = student_site.modules[0].notebook.parents[1]          # <cache>/executed/<notebook>
    again = site.build(course, student_site.out, cache, say=said.append)
    assert all(r.cached for r in again.modules) and all(r.cached for r in again.milestones if r.folder)
    assert any("mkdocs not run" in line for line in said), said
    print(f"this run measured a rebuild with nothing changed: {again.seconds:.1f} s")


def _visible_text(path: Path) -> str:
    """What a reader of the file sees: HTML with its tags removed and entities decoded (a highlighted
    code line is split into <span>s), JSON (the search index) with its strings decoded the same way."""
    raw = path.read_text(encoding="utf-8", errors="ignore")
    if path.suffix == ".json":
        try:
            raw = "\n".join(_strings(json.loads(raw)))
        except ValueError:
            pass
    if path.suffix in (".html", ".json", ".svg", ".xml"):
        return raw + "\n" + html.unescape(re.sub(r"<[^>]*>", "", raw))
    return raw


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _leaks(site_dir: Path, course, h, tmp_path: Path) -> list[str]:
    """The release leak check (classroom_helpers.leaks, as tests/workflow use it on a release), run on
    the site's visible text: each built file is mirrored as the text a reader sees."""
    mirror = tmp_path / "visible"
    for path in site_dir.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".js", ".svg", ".xml", ".txt", ".ipynb"):
            dest = mirror / path.relative_to(site_dir).with_suffix(path.suffix + ".txt")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(_visible_text(path), encoding="utf-8")
    sources = [m.source for m in course.modules if m.ready]
    # A line the module's prose states (HTML drops the backticks of "return `Tensor(0.0)`") is not an answer.
    from tito.cells import read_cells

    prose = re.sub(r"[`*]", "", "\n".join(c.source for s in sources for c in read_cells(s) if c.kind == "markdown"))
    stated = {line for line in h.secret_lines(*sources) if line in prose}
    return [leak for leak in h.leaks(mirror, sources) if not any(leak.startswith(repr(s) + " ") for s in stated)]


def test_the_student_site_holds_no_answer_line(student_site, course, h, tmp_path):
    leaks = _leaks(student_site.out, course, h, tmp_path)
    assert leaks == [], "\n".join(leaks[:20])


def test_the_leak_check_finds_the_answers_in_the_instructor_site(instructor_site, course, h, tmp_path):
    """The same check on `--with-solutions` must find answer lines: the check can fail."""
    leaks = _leaks(instructor_site.out, course, h, tmp_path)
    modules = {re.search(r"\(from (\w+)_dev\.py\)", line).group(1) for line in leaks}
    # each shown module's answers are found (a line of another module's answer may be among them too)
    assert {r.module.slug for r in instructor_site.modules} <= modules, sorted(modules)
    assert len(instructor_site.modules) == 3


def test_a_notebook_that_fails_is_reported_and_never_cached(tmp_path):
    """execute_module on a module whose second cell raises: the partial run is kept as .failed (never
    taken for a cached success) with the error, the outputs before it and none after."""
    pytest.importorskip("nbclient", reason="the site extra (nbclient) is not installed")
    import nbformat

    from tito import site

    source = tmp_path / "broken_dev.py"
    source.write_text('# %%\nprint("before")\n\n# %%\nraise ValueError("boom in cell 2")\n\n# %%\nprint("after")\n',
                      encoding="utf-8")
    dest = tmp_path / "out.ipynb"
    info = site.execute_module(str(source), str(dest), str(tmp_path))
    assert not info["ok"] and "boom in cell 2" in info["error"]
    assert not dest.exists()
    nb = nbformat.read(str(dest) + ".failed", as_version=4)
    assert nb.cells[0].outputs[0]["text"] == "before\n"
    assert nb.cells[2].get("outputs") == []
    assert "boom in cell 2" in nb.metadata["tinytorch_site"]["error"]
