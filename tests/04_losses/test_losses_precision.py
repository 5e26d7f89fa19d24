"""binary_cross_entropy keeps its precision for tiny probabilities: log(1 - p) is computed as log1p(-p).

With `np.log(1 - p)`, 1 - p rounds first: for p = 1e-10 in float64 the loss -log(1 - p) is off by
about 1e-8 relative, and for p < 1.1e-16 it becomes exactly 0 instead of p.
"""
import numpy as np
import pytest

from tinytorch.core.losses import binary_cross_entropy
from tinytorch.core.tensor import Tensor


@pytest.mark.parametrize("p", [1e-10, 1e-13, 1e-17, 1e-30])
def test_bce_tiny_probability_negative_target(p):
    got = binary_cross_entropy(Tensor(np.array([p])), Tensor(np.array([0.0])), reduction="none")._data
    np.testing.assert_allclose(got, [-np.log1p(-p)], rtol=1e-13)
    assert got[0] > 0


def test_bce_probability_near_one_positive_target():
    q = 1e-12                                       # p = 1 - q, target 1: loss = -log(p)
    p = 1.0 - q
    got = binary_cross_entropy(Tensor(np.array([p])), Tensor(np.array([1.0])), reduction="sum")._data
    np.testing.assert_allclose(got, -np.log(p), rtol=1e-13)
