"""float16 input is computed in float32 and rounded back once at the end, as PyTorch does on the CPU.

So the float16 result must equal the float32 result (same input values) rounded to float16, bit for bit.
Computing directly in float16 rounds every intermediate (the exp, the sum, the division) and differs.
"""
import numpy as np
import pytest

from tinytorch.core import activations as A
from tinytorch.core.tensor import Tensor

CASES = {
    "sigmoid": A.sigmoid,
    "tanh": A.tanh,
    "leaky_relu": lambda x: A.leaky_relu(x, 0.1),
    "gelu_tanh": lambda x: A.gelu(x, approximate="tanh"),
    "softmax": lambda x: A.softmax(x, dim=-1),
    "log_softmax": lambda x: A.log_softmax(x, dim=-1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_float16_is_float32_rounded_once(name):
    fn = CASES[name]
    rng = np.random.default_rng(16)
    x16 = (rng.standard_normal((64, 33)) * 4).astype(np.float16)
    got = fn(Tensor(x16))._data
    assert got.dtype == np.float16
    want = fn(Tensor(x16.astype(np.float32)))._data.astype(np.float16)
    np.testing.assert_array_equal(got, want)
