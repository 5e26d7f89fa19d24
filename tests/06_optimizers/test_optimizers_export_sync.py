"""Module 06: the package file tinytorch/core/optimizers.py is the current export of the module source."""
from pathlib import Path

from tito.export import export_module
from tito.manifest import load

ROOT = Path(__file__).resolve().parents[2]


def test_exported_package_is_up_to_date():
    course = load(ROOT)
    module = course.module("optimizers")
    result = export_module(module, ROOT, check=True)
    assert not result.changed, (
        f"{result.path} is out of date with {module.source}: run `tito export {module.tag}`")
