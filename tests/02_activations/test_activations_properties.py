"""Hypothesis over shapes, dtypes and values for the elementwise activations: shape and dtype kept,
agreement with float64 references, and the mathematical properties each function must have."""
import math

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch.core.activations import gelu, leaky_relu, relu, sigmoid, tanh
from tinytorch.core.tensor import Tensor

TOL = dict(rtol=1e-5, atol=1e-5)
shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)
dtypes = st.sampled_from([np.float32, np.float64])


@st.composite
def arrays(draw, bound=1e4):
    dtype = draw(dtypes)
    return draw(hnp.arrays(dtype, draw(shapes), elements=st.floats(-bound, bound, width=32)))


def erf_ref(x):
    return np.vectorize(math.erf, otypes=[float])(x)


@settings(max_examples=120, deadline=None)
@given(arrays(), st.floats(-2, 2, width=32))
def test_relu_and_leaky_relu(x, slope):
    r = relu(Tensor(x))
    lr = leaky_relu(Tensor(x), slope)
    assert r.shape == lr.shape == x.shape and r.dtype == lr.dtype == x.dtype
    assert np.array_equal(r._data, np.where(x > 0, x, 0))
    np.testing.assert_allclose(lr._data, np.where(x > 0, x, np.float64(slope) * x), **TOL)


@settings(max_examples=120, deadline=None)
@given(arrays())
def test_sigmoid_and_tanh(x):
    x64 = x.astype(np.float64)
    s = sigmoid(Tensor(x))
    t = tanh(Tensor(x))
    assert s.shape == t.shape == x.shape and s.dtype == t.dtype == x.dtype
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(s._data, 1 / (1 + np.exp(-x64)), **TOL)
    np.testing.assert_allclose(t._data, np.vectorize(math.tanh, otypes=[float])(x64), **TOL)
    assert np.all((s._data >= 0) & (s._data <= 1)) and np.all(np.abs(t._data) <= 1)
    np.testing.assert_allclose(sigmoid(Tensor(-x))._data, 1 - s._data, **TOL)          # σ(-x) = 1 - σ(x)
    assert np.array_equal(tanh(Tensor(-x))._data, -t._data)                            # odd function


@settings(max_examples=120, deadline=None)
@given(arrays(bound=50.0), st.sampled_from(["none", "tanh"]))
def test_gelu(x, approximate):
    x64 = x.astype(np.float64)
    y = gelu(Tensor(x), approximate=approximate)
    assert y.shape == x.shape and y.dtype == x.dtype
    if approximate == "none":
        ref = x64 * 0.5 * (1 + erf_ref(x64 / math.sqrt(2)))
    else:
        ref = 0.5 * x64 * (1 + np.tanh(math.sqrt(2 / math.pi) * (x64 + 0.044715 * x64 ** 3)))
    np.testing.assert_allclose(y._data, ref, **TOL)
    assert np.all(y._data >= -0.17) and np.all(y._data <= np.maximum(x64, 0) + 1e-6)   # min of GELU is about -0.17
