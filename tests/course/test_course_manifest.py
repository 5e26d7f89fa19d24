"""The manifest is the one source of course facts: the README table, folders and package agree with it."""
from pathlib import Path

from tests.conftest import load_file

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


def test_milestone_import_failure_names_the_module_without_tito(tmp_path):
    """milestones/common.py works out the module from the failing import and course.toml's targets."""
    common = load_file(ROOT / "milestones" / "common.py")
    script = ROOT / "milestones" / "04_cnn" / "cnn_digits.py"
    for target, module in (("tinytorch.core.spatial", COURSE.module("spatial")),
                           ("tinytorch.core.layers.sub", COURSE.module("layers"))):
        message = common.missing_module_message(script, ModuleNotFoundError(f"No module named {target!r}", name=target))
        assert message.startswith(f"milestone 04_cnn needs module {module.tag} ({module.slug}), which is not")
        assert f"tito module complete {module.tag}" in message and f"tito export {module.tag}" in message
    assert "the tinytorch package" in common.missing_module_message(script, ModuleNotFoundError("x", name="tinytorch"))
    assert "'matplotlib'" in common.missing_module_message(script, ModuleNotFoundError("x", name="matplotlib"))
    other = common.missing_module_message(script, ImportError("x", name="tinytorch.nowhere"))
    assert "needs tinytorch.nowhere" in other
    (tmp_path / "course.toml").write_text("not toml [")                  # unreadable manifest: still a message
    assert common.course_modules(tmp_path) == []
    assert "needs tinytorch.core.spatial" in common.missing_module_message(
        script, ImportError("x", name="tinytorch.core.spatial"), root=tmp_path)