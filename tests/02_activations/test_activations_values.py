"""Activations: every function against an independent float64 NumPy reference, dtypes and shapes kept,
the op contract the autograd module relies on (op names, attrs, inputs), and clear errors on bad input."""
import math
import warnings

import numpy as np
import pytest

import tinytorch.core.tensor as tensor_module
from tinytorch.core.activations import (
    GELU_TANH_COEFF, erf_numpy, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, tanh,
)
from tinytorch.core.tensor import OPS, Tensor

TOL = dict(rtol=1e-5, atol=1e-5)
FLOATS = (np.float32, np.float64)


# ----- float64 references, written independently of the module's formulas --------------------------
def ref_relu(x):
    return np.where(x > 0, x, 0.0)


def ref_leaky_relu(x, slope=0.01):
    return np.where(x > 0, x, slope * x)


def ref_sigmoid(x):
    with np.errstate(over="ignore"):                 # exp(-x) = inf for x << 0 gives the right 0
        return 1.0 / (1.0 + np.exp(-x))


def ref_tanh(x):
    return np.vectorize(math.tanh, otypes=[float])(x)


def ref_gelu(x, approximate="none"):
    if approximate == "none":
        return np.vectorize(lambda v: v * 0.5 * (1.0 + math.erf(v / math.sqrt(2.0))), otypes=[float])(x)
    c = math.sqrt(2.0 / math.pi)
    return np.vectorize(lambda v: 0.5 * v * (1.0 + math.tanh(c * (v + 0.044715 * v ** 3))), otypes=[float])(x)


def ref_softmax(x, dim):
    """Textbook formula, no max shift: only valid for moderate logits (|x| < 700 in float64)."""
    e = np.exp(x)
    return e / e.sum(axis=dim, keepdims=True)


def ref_log_softmax(x, dim):
    return x - np.log(np.exp(x).sum(axis=dim, keepdims=True))


def sample(shape=(4, 7), dtype=np.float32, scale=4.0, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


ELEMENTWISE = [
    ("relu", relu, ref_relu),
    ("leaky_relu", leaky_relu, ref_leaky_relu),
    ("leaky_relu(0.2)", lambda x: leaky_relu(x, negative_slope=0.2), lambda x: ref_leaky_relu(x, 0.2)),
    ("sigmoid", sigmoid, ref_sigmoid),
    ("tanh", tanh, ref_tanh),
    ("gelu", gelu, ref_gelu),
    ("gelu(tanh)", lambda x: gelu(x, approximate="tanh"), lambda x: ref_gelu(x, "tanh")),
]


# ----- values ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name, fn, ref", ELEMENTWISE, ids=[c[0] for c in ELEMENTWISE])
def test_elementwise_matches_float64_reference(name, fn, ref, dtype):
    x = sample(dtype=dtype)
    y = fn(Tensor(x))
    assert isinstance(y, Tensor) and y.shape == x.shape and y.dtype == dtype
    np.testing.assert_allclose(y._data, ref(x.astype(np.float64)), **TOL)


@pytest.mark.parametrize("name, fn, ref", ELEMENTWISE, ids=[c[0] for c in ELEMENTWISE])
def test_elementwise_float16_kept_and_close(name, fn, ref):
    x = sample(dtype=np.float16, scale=3.0)
    y = fn(Tensor(x))
    assert y.dtype == np.float16
    np.testing.assert_allclose(y._data.astype(np.float64), ref(x.astype(np.float64)), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("name, fn, ref", ELEMENTWISE, ids=[c[0] for c in ELEMENTWISE])
def test_elementwise_extreme_inputs_no_warning(name, fn, ref):
    x = np.array([-1e30, -1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4, 1e30], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # an overflow (or any other) warning fails the test
        y = fn(Tensor(x))
    assert np.all(np.isfinite(y._data))
    np.testing.assert_allclose(y._data, ref(x.astype(np.float64)), **TOL)


@pytest.mark.parametrize("name, fn, ref", ELEMENTWISE, ids=[c[0] for c in ELEMENTWISE])
def test_elementwise_accepts_lists_scalars_and_views(name, fn, ref):
    y = fn([[-1.5, 0.5], [2.0, -3.0]])
    assert y.dtype == np.float32 and y.shape == (2, 2)
    np.testing.assert_allclose(y._data, ref(np.array([[-1.5, 0.5], [2.0, -3.0]])), **TOL)
    scalar = fn(Tensor(np.array(-0.7)))
    assert scalar.shape == () and math.isclose(scalar.item(), float(ref(np.array(-0.7))), rel_tol=1e-9, abs_tol=1e-12)
    view = Tensor(sample((5, 6), np.float64)).T                 # non-contiguous input
    np.testing.assert_allclose(fn(view)._data, ref(view._data), rtol=1e-9, atol=1e-12)
    empty = fn(Tensor(np.zeros((0, 3), dtype=np.float32)))
    assert empty.shape == (0, 3) and empty.dtype == np.float32


@pytest.mark.parametrize("name, fn, ref", ELEMENTWISE, ids=[c[0] for c in ELEMENTWISE])
def test_elementwise_nan_propagates(name, fn, ref):
    y = fn(Tensor(np.array([np.nan, 1.0], dtype=np.float32)))
    assert np.isnan(y._data[0]) and not np.isnan(y._data[1])


def test_float64_agrees_to_float64_precision():
    """The exact GELU (through erf_numpy) and the stable sigmoid are accurate far beyond 1e-5."""
    x = np.linspace(-40, 40, 8001)
    np.testing.assert_allclose(gelu(Tensor(x))._data, ref_gelu(x), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(sigmoid(Tensor(x))._data, ref_sigmoid(x), rtol=1e-13, atol=0)
    np.testing.assert_allclose(gelu(Tensor(x), approximate="tanh")._data, ref_gelu(x, "tanh"), rtol=1e-13, atol=1e-14)


def test_sigmoid_keeps_relative_precision_of_tiny_values():
    x = np.array([-50.0, -200.0, -700.0])
    np.testing.assert_allclose(sigmoid(Tensor(x))._data, np.exp(x) / (1 + np.exp(x)), rtol=1e-12, atol=0)


def test_sigmoid_and_tanh_promote_integers_like_pytorch():
    for fn, ref in ((sigmoid, ref_sigmoid), (tanh, ref_tanh)):
        y = fn(Tensor([-2, 0, 3]))
        assert y.dtype == np.float32
        np.testing.assert_allclose(y._data, ref(np.array([-2.0, 0.0, 3.0])), **TOL)
        assert fn(Tensor([True, False])).dtype == np.float32


def test_relu_keeps_integer_dtypes():
    for dtype in (np.int32, np.int64, np.uint8):
        y = relu(Tensor(np.array([3, 0, 7], dtype=dtype)))
        assert y.dtype == dtype and y.tolist() == [3, 0, 7]
    assert relu(Tensor([-3, 4])).tolist() == [0, 4]


def test_gelu_tanh_constant_and_gap():
    assert GELU_TANH_COEFF == 0.044715
    x = np.linspace(-8, 8, 4001)
    gap = np.max(np.abs(gelu(Tensor(x))._data - gelu(Tensor(x), approximate="tanh")._data))
    assert 1e-4 < gap < 1e-3                         # the two forms are different, and close


def test_erf_numpy_against_math_erf():
    x = np.concatenate([np.linspace(-9, 9, 30001), [6.0 - 1e-12, 6.0, 1e-300, -1e-300, 5e-8]])
    got = erf_numpy(x)
    exact = np.array([math.erf(v) for v in x])
    assert np.max(np.abs(got - exact)) <= 2.3e-16
    np.testing.assert_allclose(got[np.abs(x) < 1e-3], exact[np.abs(x) < 1e-3], rtol=1e-14)
    for block in (1, 7, 4096, 10 ** 6):
        assert np.array_equal(erf_numpy(x, block=block), got)
    special = erf_numpy([np.inf, -np.inf, np.nan, -0.0])
    assert special[0] == 1.0 and special[1] == -1.0 and np.isnan(special[2])
    assert special[3] == 0.0 and math.copysign(1.0, special[3]) == -1.0


def test_outputs_are_new_arrays():
    x = Tensor(sample())
    before = x._data.copy()
    for name, fn, _ in ELEMENTWISE:
        y = fn(x)
        assert not np.shares_memory(y._data, x._data), name
    for fn in (softmax, log_softmax):
        assert not np.shares_memory(fn(x)._data, x._data)
    assert np.array_equal(x._data, before)


# ----- the op contract with autograd -----------------------------------------------------------
def test_ops_are_declared_by_this_module():
    for op in ("relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softmax", "log_softmax"):
        assert OPS.get(op) == "02_activations", op


@pytest.fixture
def recorded():
    """Install a recording autograd hook for one test, then restore whatever was there."""
    hooks = getattr(tensor_module, "_HOOKS", None)
    if hooks is None:
        pytest.skip("tinytorch.core.tensor has no _HOOKS object to save and restore")
    saved = (hooks.record, hooks.backward)
    calls = []
    tensor_module.register_autograd(lambda op, out, inputs, attrs: calls.append((op, out, inputs, attrs)),
                                    saved[1])
    try:
        yield calls
    finally:
        tensor_module.register_autograd(*saved)


@pytest.mark.parametrize("call, op, attrs", [
    (lambda x: relu(x), "relu", None),
    (lambda x: leaky_relu(x, 0.3), "leaky_relu", {"negative_slope": 0.3}),
    (lambda x: leaky_relu(x, 1), "leaky_relu", {"negative_slope": 1.0}),
    (lambda x: sigmoid(x), "sigmoid", None),
    (lambda x: tanh(x), "tanh", None),
    (lambda x: gelu(x), "gelu", {"approximate": "none"}),
    (lambda x: gelu(x, approximate="tanh"), "gelu", {"approximate": "tanh"}),
    (lambda x: softmax(x, dim=-1), "softmax", {"dim": 2}),
    (lambda x: softmax(x, dim=np.int64(-3)), "softmax", {"dim": 0}),
    (lambda x: log_softmax(x, dim=1), "log_softmax", {"dim": 1}),
    (lambda x: log_softmax(x, dim=-2), "log_softmax", {"dim": 1}),
])
def test_result_is_recorded_with_op_inputs_and_attrs(recorded, call, op, attrs):
    x = Tensor(sample((2, 3, 4)))
    y = call(x)
    assert len(recorded) == 1
    got_op, out, inputs, got_attrs = recorded[0]
    assert got_op == op and out is y and len(inputs) == 1 and inputs[0] is x
    assert got_attrs == attrs
    if attrs and "dim" in attrs:
        assert type(got_attrs["dim"]) is int and got_attrs["dim"] >= 0
    if attrs and "negative_slope" in attrs:
        assert type(got_attrs["negative_slope"]) is float


def test_zero_dim_softmax_records_dim_zero(recorded):
    y = softmax(Tensor(2.5), dim=-1)
    assert y.shape == () and y.item() == 1.0
    assert recorded[-1][3] == {"dim": 0}


# ----- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, words", [
    (lambda: relu(Tensor([True, False])), TypeError, ["relu", "bool"]),
    (lambda: leaky_relu(Tensor([1, -2])), TypeError, ["leaky_relu", "int64"]),
    (lambda: gelu(Tensor(np.array([1, 2], dtype=np.int32))), TypeError, ["gelu", "int32"]),
    (lambda: softmax(Tensor([1, 2])), TypeError, ["softmax", "int64"]),
    (lambda: log_softmax(Tensor([True])), TypeError, ["log_softmax", "bool"]),
    (lambda: leaky_relu(Tensor([1.0]), "0.1"), TypeError, ["negative_slope", "str"]),
    (lambda: leaky_relu(Tensor([1.0]), True), TypeError, ["negative_slope"]),
    (lambda: gelu(Tensor([1.0]), approximate="exact"), ValueError, ["approximate", "'exact'"]),
    (lambda: gelu(Tensor([1.0]), approximate=None), ValueError, ["approximate"]),
    (lambda: softmax(Tensor(np.zeros((2, 3))), dim=2), IndexError, ["softmax", "dim 2", "[-2, 1]"]),
    (lambda: log_softmax(Tensor(np.zeros((2, 3))), dim=-3), IndexError, ["log_softmax", "-3"]),
    (lambda: softmax(Tensor(np.zeros(3)), dim=0.0), TypeError, ["dim", "float"]),
    (lambda: softmax(Tensor(np.zeros(3)), dim=None), TypeError, ["dim", "NoneType"]),
    (lambda: softmax(Tensor(1.0), dim=1), IndexError, ["softmax", "0 dimension"]),
    (lambda: relu([[1.0, 2.0], [3.0]]), ValueError, ["relu", "ragged"]),
    (lambda: sigmoid("abc"), TypeError, ["sigmoid"]),
])
def test_bad_input_gets_a_clear_error(call, error, words):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
