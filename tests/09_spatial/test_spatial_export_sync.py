"""Module 09: the package file tinytorch/core/spatial.py is the current export of the module source."""
from pathlib import Path

from tito.export import export_module
from tito.manifest import load

ROOT = Path(__file__).resolve().parents[2]


def test_exported_package_is_up_to_date():
    course = load(ROOT)
    module = course.module("spatial")
    result = export_module(module, ROOT, check=True)
    assert not result.changed, (
        f"{result.path} is out of date with {module.source}: run `tito export {module.tag}`")


def test_ops_and_gradient_rules_are_declared_by_module_09():
    import tinytorch.core.spatial  # noqa: F401  (declares the ops)
    from tinytorch.core.autograd import GRADIENTS
    from tinytorch.core.tensor import OPS
    for op in ("conv2d", "max_pool2d", "avg_pool2d"):
        assert OPS[op] == "09_spatial", op
        assert GRADIENTS[op].__module__ == "tinytorch.core.spatial", f"{op}'s rule must come from module 09"
