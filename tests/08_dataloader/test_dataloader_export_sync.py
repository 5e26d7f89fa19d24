"""Module 08: the package file tinytorch/data/loader.py is the current export of the module source."""
from pathlib import Path

from tito.export import export_module
from tito.manifest import load

ROOT = Path(__file__).resolve().parents[2]


def test_exported_package_is_up_to_date():
    course = load(ROOT)
    module = course.module("dataloader")
    result = export_module(module, ROOT, check=True)
    assert not result.changed, (
        f"{result.path} is out of date with {module.source}: run `tito export {module.tag}`")


def test_public_names_exist():
    import tinytorch.data.loader as loader
    missing = [name for name in loader.__all__ if not hasattr(loader, name)]
    assert not missing, f"__all__ lists names the module does not define: {missing}"
