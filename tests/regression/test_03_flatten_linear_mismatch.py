"""Regression (module 03): a Flatten -> Linear stack whose in_features do not match the flattened size
must fail with an error that states both sizes, not a bare NumPy matmul message."""
import numpy as np
import pytest

from tinytorch.core.layers import Flatten, Linear, ReLU, Sequential
from tinytorch.core.tensor import Tensor


@pytest.mark.parametrize("shape, in_features", [((2, 16, 6, 6), 400), ((3, 8, 5, 5), 256), ((1, 1, 28, 28), 784 + 1)])
def test_flatten_linear_mismatch_states_both_sizes(shape, in_features):
    flat = int(np.prod(shape[1:]))
    model = Sequential(Flatten(), Linear(in_features, 10), ReLU())
    with pytest.raises(ValueError) as info:
        model(Tensor(np.zeros(shape, dtype=np.float32)))
    msg = str(info.value)
    assert f"in_features={in_features}" in msg and str(flat) in msg, msg
    assert "Flatten" in msg and "matmul" not in msg


def test_flatten_linear_match_works():
    model = Sequential(Flatten(), Linear(16 * 6 * 6, 10))
    assert model(Tensor(np.zeros((2, 16, 6, 6), dtype=np.float32))).shape == (2, 10)
