"""The package file tinytorch/core/activations.py is exactly what the exporter makes from the module source."""
from pathlib import Path

import pytest

pytest.importorskip("tito.export", reason="the course tool `tito` is not importable here")
from tito.export import export_module  # noqa: E402
from tito.manifest import load  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def test_package_file_is_in_sync_with_the_module_source():
    course = load(ROOT)
    module = course.module("activations")
    result = export_module(module, ROOT, check=True)
    assert not result.changed, (f"{result.path} is out of date with {module.source}: "
                                f"run `tito export {module.tag}`")
