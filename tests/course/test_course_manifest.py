"""The manifest is the one source of course facts: the README table, folders and package agree with it."""
from pathlib import Path

import pytest

from tito import manifest
from tito.export import export_module
from tito.readme import course_table, render

ROOT = Path(__file__).resolve().parents[2]
COURSE = manifest.load(ROOT)


def test_readme_table_matches_manifest():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert render(text, COURSE) == text, "README course table is stale: run `tito readme`"
    assert course_table(COURSE) in text


def test_twenty_modules_and_six_milestones():
    assert [m.number for m in COURSE.modules] == list(range(1, 21))
    assert [s.number for s in COURSE.milestones] == list(range(1, 7))
    assert [s.year for s in COURSE.milestones] == [1957, 1969, 1986, 1998, 2017, 2018]


@pytest.mark.parametrize("module", [m for m in COURSE.modules if m.ready], ids=lambda m: m.dirname)
def test_ready_module_has_source_readme_tests_and_package(module):
    assert module.source.is_file(), module.source
    assert (module.directory / "README.md").is_file()
    assert module.tests_dir.is_dir(), f"{module.dirname} is ready but has no tests/{module.dirname}/"
    assert (ROOT / module.package_file).is_file()


@pytest.mark.parametrize("module", [m for m in COURSE.modules if m.ready], ids=lambda m: m.dirname)
def test_package_file_is_the_current_export_of_its_module(module):
    result = export_module(module, ROOT, check=True)
    assert not result.changed, f"{result.path} is out of date with {module.source}: run `tito export {module.tag}`"


@pytest.mark.parametrize("stone", [s for s in COURSE.milestones if s.ready], ids=lambda s: s.slug)
def test_ready_milestone_script_exists_and_needs_ready_modules(stone):
    assert stone.path.is_file()
    assert all(COURSE.module(n).ready for n in stone.requires)


def test_unknown_module_error_names_the_course():
    with pytest.raises(manifest.ManifestError, match="no module '42'.*01 tensor"):
        COURSE.module("42")


def test_broken_manifest_is_reported_with_the_key(tmp_path):
    (tmp_path / "course.toml").write_text('[[modules]]\nnumber = 1\nslug = "a"\n')
    with pytest.raises(manifest.ManifestError, match="missing key 'status'"):
        manifest.load(tmp_path)


def test_milestone_import_failure_names_the_modules_from_the_manifest(tmp_path):
    stone = COURSE.milestone("01")
    message = manifest.missing_modules_message(stone.path, ImportError("no module named tinytorch.core.layers"))
    needed = ", ".join(f"{COURSE.module(n).tag} {COURSE.module(n).slug}" for n in stone.requires)
    assert message.startswith(f"milestone 01 needs modules {needed} exported")
    assert "no module named tinytorch.core.layers" in message
    stray = tmp_path / "script.py"
    stray.write_text("")
    assert "script.py needs tinytorch modules" in manifest.missing_modules_message(stray, ImportError("x"))
