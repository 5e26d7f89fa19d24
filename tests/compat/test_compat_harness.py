"""The compatibility harness itself: it must notice a wrong value, dtype, shape or type, and run the
tinytorch half (printing why) when PyTorch is missing."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinytorch as tt

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def harness(both):
    return sys.modules[both.__module__]


@pytest.mark.parametrize("ours, theirs", [
    ({"x": ("tensor", np.array([1.0], np.float32))}, {"x": ("tensor", np.array([1.1], np.float32))}),
    ({"x": ("tensor", np.array([1.0], np.float64))}, {"x": ("tensor", np.array([1.0], np.float32))}),
    ({"x": ("tensor", np.array([1.0], np.float32))}, {"x": ("tensor", np.array([[1.0]], np.float32))}),
    ({"x": 1}, {"x": 1.0}),
    ({"x": [1, 2]}, {"x": [1, 2, 3]}),
    ({"x": ("dtype", "float32")}, {"x": ("dtype", "float64")}),
    ({"x": 1}, {"y": 1}),
    ({"x": float("nan")}, {"x": float("nan")}),
    ({"x": ("tensor", np.array([np.inf], np.float32))}, {"x": ("tensor", np.array([np.inf], np.float32))}),
])
def test_harness_notices_differences(harness, ours, theirs):
    with pytest.raises(AssertionError):
        harness._compare(ours, theirs, "result", 1e-5, 1e-6)


def test_harness_accepts_equal_results(harness):
    same = {"x": ("tensor", np.array([1.0], np.float32)), "n": 3, "f": 0.5, "l": [True, "a"]}
    harness._compare(same, same, "result", 1e-5, 1e-6)
    assert harness._plain(tt.tensor([1, 2]), "r")[1].dtype == np.int64


def test_without_torch_the_tinytorch_half_runs_and_says_why():
    env = dict(os.environ, TINYTORCH_COMPAT_NO_TORCH="1")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
                           str(ROOT / "tests" / "compat" / "test_compat_logistic_regression.py")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SKIPPED the PyTorch half" in proc.stdout + proc.stderr
