"""Module 07: the package file tinytorch/core/training.py is the current export of the module source."""
from pathlib import Path

from tito.export import export_module
from tito.manifest import load

ROOT = Path(__file__).resolve().parents[2]


def test_exported_package_is_up_to_date():
    course = load(ROOT)
    module = course.module("training")
    result = export_module(module, ROOT, check=True)
    assert not result.changed, (
        f"{result.path} is out of date with {module.source}: run `tito export {module.tag}`")


def test_public_names():
    import tinytorch.core.training as training
    for name in training.__all__:
        assert hasattr(training, name), name
    assert {"clip_grad_norm_", "Trainer", "EarlyStopping", "save_checkpoint", "load_checkpoint"} <= set(training.__all__)
