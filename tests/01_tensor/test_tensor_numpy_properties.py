"""Module 01: property-based tests (hypothesis) of Tensor operations against NumPy.

Every input is drawn in one of several memory layouts (contiguous, transposed, strided, offset by a
slice, reversed), so the operations are checked on non-contiguous tensors too. The reference result
is always computed by NumPy on a contiguous copy of the same values.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch.core.tensor as tt
from tinytorch.core.tensor import Tensor

# Applied per test (a profile loaded here would change the settings of every other test file too).
CHECK = settings(max_examples=60, deadline=None)

LAYOUTS = ("contiguous", "transposed", "strided", "offset", "reversed")


def in_layout(values, layout):
    """An array equal to `values` but laid out in memory as `layout` says."""
    if values.ndim == 0 or layout == "contiguous":
        return values.copy()
    if layout == "transposed":                    # stored in the reverse order of dimensions
        return np.ascontiguousarray(values.T).T
    if layout == "strided":                       # every other element of a wider array
        wide = np.zeros(values.shape[:-1] + (2 * values.shape[-1],), dtype=values.dtype)
        wide[..., ::2] = values
        return wide[..., ::2]
    if layout == "offset":                        # a slice that starts one row in
        tall = np.zeros((values.shape[0] + 1,) + values.shape[1:], dtype=values.dtype)
        tall[1:] = values
        return tall[1:]
    if layout == "reversed":                      # negative strides along the first dimension
        return np.ascontiguousarray(values[::-1])[::-1]
    raise ValueError(layout)


def float_arrays(shape):
    return hnp.arrays(np.float32, shape, elements=st.floats(-8, 8, width=32))


@st.composite
def laid_out(draw, shape_strategy, dtype=np.float32):
    """(Tensor, contiguous reference array) with the Tensor in a random memory layout."""
    shape = draw(shape_strategy)
    if dtype == np.float32:
        values = draw(float_arrays(shape))
    else:
        values = draw(hnp.arrays(dtype, shape, elements=st.integers(-20, 20)))
    layout = draw(st.sampled_from(LAYOUTS))
    arr = in_layout(values, layout)
    np.testing.assert_array_equal(arr, values)
    return Tensor(arr), values


SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=5)


# ---- elementwise arithmetic with broadcasting --------------------------------------------------------
@CHECK
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
       op=st.sampled_from(["add", "sub", "mul", "div"]))
def test_binary_ops_broadcast_like_numpy(data, shapes, op):
    (sa, sb), expected_shape = shapes.input_shapes, shapes.result_shape
    a, a_np = data.draw(laid_out(st.just(sa)))
    b, b_np = data.draw(laid_out(st.just(sb)))
    if op == "div":
        b_np = np.where(np.abs(b_np) < 0.5, np.float32(1.0), b_np)
        b = Tensor(in_layout(b_np, data.draw(st.sampled_from(LAYOUTS))))
    reference = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}[op](a_np, b_np)
    operator_form = {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b, "div": lambda: a / b}[op]
    for out in (getattr(tt, op)(a, b), getattr(a, op)(b), operator_form()):
        assert isinstance(out, Tensor) and isinstance(out._data, np.ndarray)
        assert out.shape == expected_shape and out.dtype == np.float32
        np.testing.assert_allclose(out._data, reference, rtol=1e-6, atol=1e-6)


@CHECK
@given(pair=laid_out(SHAPES), scalar=st.floats(-4, 4).filter(lambda v: abs(v) > 0.1))
def test_python_scalars_keep_float32(pair, scalar):
    t, v = pair
    for out, ref in [(t + scalar, v + np.float32(scalar)), (scalar - t, np.float32(scalar) - v),
                     (t * scalar, v * np.float32(scalar)), (t / scalar, v / np.float32(scalar)),
                     (-t, -v), (t ** 2, v ** 2)]:
        assert out.dtype == np.float32 and out.shape == v.shape
        np.testing.assert_allclose(out._data, ref, rtol=1e-5, atol=1e-5)


@CHECK
@given(pair=laid_out(SHAPES, dtype=np.int64), other=laid_out(SHAPES, dtype=np.int64))
def test_integer_arithmetic_dtypes(pair, other):
    t, v = pair
    assert (t + 1).dtype == np.int64 and (t * 2).dtype == np.int64
    np.testing.assert_array_equal((t + 1)._data, v + 1)
    assert (t + 0.5).dtype == np.float32
    halves = t / 2
    assert halves.dtype == np.float32
    np.testing.assert_allclose(halves._data, v / 2)


@CHECK
@given(pair=laid_out(SHAPES))
def test_exp_log_like_numpy(pair):
    t, v = pair
    np.testing.assert_allclose(tt.exp(t)._data, np.exp(v), rtol=1e-6)
    np.testing.assert_allclose(t.exp()._data, np.exp(v), rtol=1e-6)
    positive = Tensor(np.abs(v) + 0.5)
    np.testing.assert_allclose(tt.log(positive)._data, np.log(np.abs(v) + 0.5), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(tt.neg(t)._data, -v)


# ---- matmul -----------------------------------------------------------------------------------------
@st.composite
def matmul_shapes(draw):
    m, k, n = draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(1, 5))
    kind = draw(st.sampled_from(["2d", "batched", "broadcast", "vec-mat", "mat-vec", "vec-vec"]))
    if kind == "2d":
        return (m, k), (k, n)
    if kind == "batched":
        batch = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
        return batch + (m, k), batch + (k, n)
    if kind == "broadcast":
        return (draw(st.integers(1, 3)), 1, m, k), (draw(st.integers(1, 3)), k, n)
    if kind == "vec-mat":
        return (k,), (k, n)
    if kind == "mat-vec":
        return (draw(st.integers(1, 3)), m, k), (k,)
    return (k,), (k,)


@CHECK
@given(data=st.data(), shapes=matmul_shapes())
def test_matmul_like_numpy(data, shapes):
    sa, sb = shapes
    a, a_np = data.draw(laid_out(st.just(sa)))
    b, b_np = data.draw(laid_out(st.just(sb)))
    reference = np.matmul(a_np, b_np)
    for out in (tt.matmul(a, b), a @ b, a.matmul(b)):
        assert out.shape == reference.shape and out.dtype == np.float32
        assert isinstance(out._data, np.ndarray)
        np.testing.assert_allclose(out._data, reference, rtol=1e-5, atol=1e-4)


# ---- reductions ---------------------------------------------------------------------------------------
@CHECK
@given(data=st.data(), pair=laid_out(SHAPES), keepdim=st.booleans())
def test_sum_and_mean_like_numpy(data, pair, keepdim):
    t, v = pair
    choices = [None] + list(range(-v.ndim, v.ndim))
    dim = data.draw(st.sampled_from(choices))
    if v.ndim >= 2 and data.draw(st.booleans()):
        dim = tuple(data.draw(st.lists(st.integers(0, v.ndim - 1), min_size=2, max_size=v.ndim, unique=True)))
    for fn, ref in ((tt.sum, np.sum), (tt.mean, np.mean)):
        out = fn(t, dim=dim, keepdim=keepdim)
        expected = ref(v, axis=dim, keepdims=keepdim)
        assert out.shape == np.shape(expected) and out.dtype == np.float32
        np.testing.assert_allclose(out._data, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(t.sum(dim, keepdim)._data, np.sum(v, axis=dim, keepdims=keepdim), rtol=1e-5, atol=1e-5)


@CHECK
@given(data=st.data(), pair=laid_out(SHAPES), keepdim=st.booleans())
def test_max_min_argmax_like_numpy(data, pair, keepdim):
    t, v = pair
    assert tt.max(t).item() == v.max() and tt.min(t).item() == v.min()
    assert tt.argmax(t).item() == int(np.argmax(v)) and tt.argmin(t).item() == int(np.argmin(v))
    if v.ndim == 0:
        return
    dim = data.draw(st.integers(-v.ndim, v.ndim - 1))
    for fn, ref, arg in ((tt.max, np.max, np.argmax), (tt.min, np.min, np.argmin)):
        values, indices = fn(t, dim=dim, keepdim=keepdim)
        np.testing.assert_array_equal(values._data, ref(v, axis=dim, keepdims=keepdim))
        np.testing.assert_array_equal(indices._data, arg(v, axis=dim, keepdims=keepdim))
        assert indices.dtype == np.int64
    np.testing.assert_array_equal(t.argmax(dim=dim, keepdim=keepdim)._data, np.argmax(v, axis=dim, keepdims=keepdim))
    np.testing.assert_array_equal(t.argmin(dim=dim)._data, np.argmin(v, axis=dim))


@CHECK
@given(pair=laid_out(SHAPES, dtype=np.int64))
def test_integer_sum_stays_integer(pair):
    t, v = pair
    assert t.sum().dtype == np.int64 and t.sum().item() == int(v.sum())
    assert (t > 0).sum().item() == int((v > 0).sum())


# ---- shape operations ---------------------------------------------------------------------------------
@CHECK
@given(data=st.data(), pair=laid_out(SHAPES))
def test_reshape_like_numpy(data, pair):
    t, v = pair
    n = v.size
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    d = data.draw(st.sampled_from(divisors))
    target = data.draw(st.sampled_from([(n,), (d, n // d), (d, -1), (-1, d), (1, n, 1)]))
    out = tt.reshape(t, *target)
    expected = v.reshape(target)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out._data, expected)
    np.testing.assert_array_equal(t.reshape(target)._data, expected)
    if t.is_contiguous():
        assert np.shares_memory(out._data, t._data) or n == 0, "reshape of a contiguous tensor is a view"
    flat = t.flatten()
    np.testing.assert_array_equal(flat._data, v.reshape(-1))


@CHECK
@given(data=st.data(), pair=laid_out(SHAPES))
def test_transpose_permute_like_numpy(data, pair):
    t, v = pair
    nd = v.ndim
    dims = tuple(data.draw(st.permutations(range(nd))))
    if nd and data.draw(st.booleans()):
        dims = tuple(d - nd for d in dims)            # negative dims are allowed too
    out = tt.permute(t, *dims)
    np.testing.assert_array_equal(out._data, np.transpose(v, dims))
    np.testing.assert_array_equal(t.permute(dims)._data, np.transpose(v, dims))
    assert np.shares_memory(out._data, t._data), "permute is a view"
    assert out.stride() == tuple(t.stride()[d] for d in dims), "permute permutes the strides"
    if nd >= 1:
        d0, d1 = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
        np.testing.assert_array_equal(tt.transpose(t, d0, d1)._data, np.swapaxes(v, d0, d1))
        np.testing.assert_array_equal(t.transpose(d0, d1)._data, np.swapaxes(v, d0, d1))
        np.testing.assert_array_equal(t.T._data, v.T)


@CHECK
@given(data=st.data(), pair=laid_out(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5)))
def test_basic_indexing_like_numpy_and_a_view(data, pair):
    t, v = pair
    index = data.draw(hnp.basic_indices(v.shape, allow_newaxis=True, allow_ellipsis=True))
    out = t[index]
    expected = v[index]
    assert out.shape == np.shape(expected) and isinstance(out._data, np.ndarray)
    np.testing.assert_array_equal(out._data, expected)
    if out.numel() > 0:
        assert np.shares_memory(out._data, t._data) or out.ndim == 0, "basic indexing gives a view"


@CHECK
@given(data=st.data(), pair=laid_out(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)))
def test_advanced_indexing_like_numpy(data, pair):
    t, v = pair
    rows = data.draw(st.lists(st.integers(-v.shape[0], v.shape[0] - 1), min_size=1, max_size=6))
    np.testing.assert_array_equal(t[rows]._data, v[rows])
    np.testing.assert_array_equal(t[Tensor(rows)]._data, v[rows])
    mask = v > 0
    np.testing.assert_array_equal(t[t > 0]._data, v[mask])


@CHECK
@given(pair=laid_out(SHAPES))
def test_unsqueeze_squeeze_roundtrip(pair):
    t, v = pair
    for d in range(-v.ndim - 1, v.ndim + 1):
        u = t.unsqueeze(d)
        np.testing.assert_array_equal(u._data, np.expand_dims(v, d))
        np.testing.assert_array_equal(u.squeeze(d)._data, v)
    np.testing.assert_array_equal(t.squeeze()._data, np.squeeze(v))
