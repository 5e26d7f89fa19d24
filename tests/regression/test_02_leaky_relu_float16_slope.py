"""Regression (module 02): leaky_relu computed float16 input in float16, unlike every other activation.

`slope * np.minimum(a, 0)` with a float16 `a` rounds the slope to float16 first (0.1 -> 0.09998), so
`leaky_relu(float16(-2.379), 0.1)` gave -0.2378 where PyTorch gives -0.2379. Found by a mutation check
(removing the float32 working copy of the other activations went unnoticed, because no test compared
float16 results with the float32 computation rounded once). Fixed by computing on `_working_copy(a)`.
"""
import numpy as np
import pytest

from tinytorch.core.activations import leaky_relu
from tinytorch.core.tensor import Tensor


def test_leaky_relu_float16_uses_float32_slope():
    out = leaky_relu(Tensor(np.array([-2.379, 3.0], np.float16)), 0.1)._data
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out, np.array([-0.2379, 3.0], np.float16))


def test_leaky_relu_float16_matches_torch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the comparison needs it")
    x = (np.random.default_rng(2).standard_normal(500) * 4).astype(np.float16)
    for slope in (0.1, 0.01, 0.3):
        want = torch.nn.functional.leaky_relu(torch.from_numpy(x), slope).numpy()
        np.testing.assert_array_equal(leaky_relu(Tensor(x), slope)._data, want)
