"""Softmax and LogSoftmax: correct and finite at logits of +-1e4 along every dim, slices summing to 1,
hypothesis over shapes and dims, masks (-inf), 0-d and empty tensors, no overflow warnings."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch.core.activations import log_softmax, softmax
from tinytorch.core.tensor import Tensor

TOL = dict(rtol=1e-5, atol=1e-5)


def ref_softmax(x, dim):
    """Textbook formula in float64 without the max shift: exact for moderate logits only."""
    e = np.exp(np.asarray(x, np.float64))
    return e / e.sum(axis=dim, keepdims=True)


def ref_log_softmax(x, dim):
    x = np.asarray(x, np.float64)
    return x - np.log(np.exp(x).sum(axis=dim, keepdims=True))


def no_warnings(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


@pytest.mark.parametrize("dtype", (np.float32, np.float64))
@pytest.mark.parametrize("shift", (1e4, -1e4))
def test_huge_logits_along_every_dim(dtype, shift):
    """softmax(x + c) = softmax(x): shifting moderate logits by +-1e4 must give the textbook values."""
    x = np.random.default_rng(0).standard_normal((3, 4, 5)) * 3
    big = (x + shift).astype(dtype)
    moderate = big.astype(np.float64) - shift          # exactly the moderate logits `big` holds
    for dim in range(-3, 3):
        y = no_warnings(softmax, Tensor(big), dim=dim)
        ly = no_warnings(log_softmax, Tensor(big), dim=dim)
        assert y.dtype == dtype and ly.dtype == dtype
        assert np.all(np.isfinite(y._data)) and np.all(np.isfinite(ly._data))
        np.testing.assert_allclose(y._data, ref_softmax(moderate, dim), **TOL)
        np.testing.assert_allclose(ly._data, ref_log_softmax(moderate, dim), **TOL)
        np.testing.assert_allclose(y._data.sum(axis=dim), 1.0, **TOL)


@pytest.mark.parametrize("dtype", (np.float16, np.float32, np.float64))
def test_opposite_extremes_in_one_row(dtype):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [-1e4, 1e4, 1e4]], dtype=dtype)
    y = no_warnings(softmax, Tensor(x), dim=1)
    ly = no_warnings(log_softmax, Tensor(x), dim=1)
    assert y.dtype == dtype and ly.dtype == dtype
    assert np.all(np.isfinite(y._data)) and np.all(np.isfinite(ly._data))
    np.testing.assert_allclose(y._data.astype(np.float64), [[1, 0, 0], [1 / 3] * 3, [0, 0.5, 0.5]], rtol=1e-3, atol=1e-3)
    expected_log = [[0.0, -2e4, -1e4], [-np.log(3.0)] * 3, [-2e4 - np.log(2.0), -np.log(2.0), -np.log(2.0)]]
    np.testing.assert_allclose(ly._data.astype(np.float64), expected_log, rtol=1e-3, atol=1e-3)
    # the same along dim 0 of the transpose
    np.testing.assert_allclose(softmax(Tensor(x.T), dim=0)._data, y._data.T, rtol=1e-6, atol=1e-7)


def test_log_softmax_stays_finite_where_softmax_underflows():
    x = np.array([0.0, -200.0, -1e4])
    ly = log_softmax(Tensor(x))
    assert softmax(Tensor(x))._data[2] == 0.0 and np.isfinite(ly._data).all()
    np.testing.assert_allclose(ly._data, x - np.log1p(np.exp(-200.0) + np.exp(-1e4)), rtol=1e-12, atol=1e-12)


def test_masked_positions_and_nonfinite_slices_match_pytorch_semantics():
    x = Tensor([[0.0, -np.inf, 0.0], [-np.inf, -np.inf, -np.inf], [np.inf, 0.0, 1.0]])
    y = no_warnings(softmax, x, dim=1)
    ly = no_warnings(log_softmax, x, dim=1)
    assert y._data[0].tolist() == [0.5, 0.0, 0.5]
    assert ly._data[0, 1] == -np.inf and np.allclose(ly._data[0, [0, 2]], -np.log(2.0))
    assert np.isnan(y._data[1]).all() and np.isnan(ly._data[1]).all()     # all masked: nan, as in PyTorch
    assert np.isnan(y._data[2]).all()                                        # +inf: nan, as in PyTorch


def test_zero_dim_and_empty_tensors():
    for fn, value in ((softmax, 1.0), (log_softmax, 0.0)):
        for dim in (0, -1):
            y = fn(Tensor(np.array(7.5)), dim=dim)
            assert y.shape == () and y.item() == value
        for shape, dim in (((0, 4), 0), ((0, 4), 1), ((3, 0), -1), ((2, 0, 3), 2)):
            y = fn(Tensor(np.zeros(shape, dtype=np.float32)), dim=dim)
            assert y.shape == shape and y.dtype == np.float32


def test_numpy_integer_dim_and_default_dim():
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    np.testing.assert_allclose(softmax(Tensor(x))._data, ref_softmax(x, -1), rtol=1e-12)
    np.testing.assert_allclose(softmax(Tensor(x), dim=np.int32(1))._data, ref_softmax(x, 1), rtol=1e-12)
    np.testing.assert_allclose(log_softmax(Tensor(x))._data, ref_log_softmax(x, -1), rtol=1e-12, atol=1e-12)


# ----- hypothesis over shapes, dims and logit scales ------------------------------------------------
shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5)


@st.composite
def logits_and_dim(draw, scale):
    shape = draw(shapes)
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    x = draw(hnp.arrays(dtype, shape, elements=st.floats(-scale, scale, width=32)))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return x, dim


@settings(max_examples=150, deadline=None)
@given(logits_and_dim(scale=50.0))
def test_hypothesis_moderate_logits_match_reference(case):
    x, dim = case
    y = softmax(Tensor(x), dim=dim)
    ly = log_softmax(Tensor(x), dim=dim)
    assert y.shape == x.shape and y.dtype == x.dtype and ly.dtype == x.dtype
    np.testing.assert_allclose(y._data, ref_softmax(x, dim), **TOL)
    np.testing.assert_allclose(ly._data, ref_log_softmax(x, dim), **TOL)
    np.testing.assert_allclose(y._data.sum(axis=dim), 1.0, **TOL)
    assert np.all(y._data >= 0) and np.all(y._data <= 1)


@settings(max_examples=150, deadline=None)
@given(logits_and_dim(scale=1e4), st.sampled_from([0.0, 1e4, -1e4]))
def test_hypothesis_huge_logits_finite_and_shift_invariant(case, shift):
    x, dim = case
    big = (x.astype(np.float64) + shift).astype(x.dtype)
    y = no_warnings(softmax, Tensor(big), dim=dim)
    ly = no_warnings(log_softmax, Tensor(big), dim=dim)
    assert np.all(np.isfinite(y._data)) and np.all(np.isfinite(ly._data))
    np.testing.assert_allclose(y._data.sum(axis=dim), 1.0, **TOL)
    # reference: subtract each slice's max in float64 (exact for these values), then the textbook formula
    centred = big.astype(np.float64) - big.astype(np.float64).max(axis=dim, keepdims=True)
    np.testing.assert_allclose(y._data, ref_softmax(centred, dim), **TOL)
    np.testing.assert_allclose(ly._data, ref_log_softmax(centred, dim), **TOL)
    assert np.all(ly._data <= 0)


@settings(max_examples=60, deadline=None)
@given(logits_and_dim(scale=30.0))
def test_hypothesis_softmax_is_exp_of_log_softmax(case):
    x, dim = case
    np.testing.assert_allclose(np.exp(log_softmax(Tensor(x), dim=dim)._data.astype(np.float64)),
                               softmax(Tensor(x), dim=dim)._data, **TOL)
