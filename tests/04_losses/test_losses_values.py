"""Module 04 losses: values against an independent float64 NumPy reference, extreme logits, hypothesis
over shapes, and the op contract that module 05 (autograd) relies on."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch.core.tensor as tensor_module
from tinytorch.core.losses import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss, binary_cross_entropy,
    binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss,
)
from tinytorch.core.tensor import OPS, Tensor

REDUCTIONS = ("mean", "sum", "none")
TOL = dict(rtol=1e-5, atol=1e-5)


# ----- float64 references, written independently of the module's formulas ---------------------
def ref_reduce(values, reduction):
    if reduction == "none":
        return values
    if reduction == "sum":
        return values.sum()
    return values.mean() if values.size else np.nan


def ref_mse(x, y, reduction="mean"):
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return ref_reduce((x - y) ** 2, reduction)


def ref_bce(p, y, reduction="mean"):
    p, y = np.asarray(p, np.float64), np.asarray(y, np.float64)
    with np.errstate(divide="ignore"):
        log_p = np.clip(np.log(p), -100, None)
        log_q = np.clip(np.log(1.0 - p), -100, None)
    return ref_reduce(-y * log_p - (1.0 - y) * log_q, reduction)


def ref_bce_with_logits(x, y, reduction="mean"):
    # -log(sigmoid(x)) = logaddexp(0, -x) and -log(1 - sigmoid(x)) = logaddexp(0, x)
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return ref_reduce(y * np.logaddexp(0.0, -x) + (1.0 - y) * np.logaddexp(0.0, x), reduction)


def ref_cross_entropy(x, t, reduction="mean"):
    x, t = np.asarray(x, np.float64), np.asarray(t)
    if x.ndim == 1:
        return ref_reduce(np.logaddexp.reduce(x) - x[t], reduction)
    lse = np.logaddexp.reduce(x, axis=1) if x.shape[0] else np.zeros(0)
    return ref_reduce(lse - x[np.arange(x.shape[0]), t], reduction)


def ref_nll(z, t, reduction="mean"):
    z, t = np.asarray(z, np.float64), np.asarray(t)
    picked = z[t] if z.ndim == 1 else z[np.arange(z.shape[0]), t]
    return ref_reduce(-picked, reduction)


def check(got, expected, dtype):
    assert isinstance(got, Tensor)
    assert got.dtype == dtype, f"result dtype {got.dtype}, expected the input's {dtype}"
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got._data.astype(np.float64), expected, **TOL)


RNG = np.random.default_rng(2024)


# ----- plain cases, every reduction, float32 and float64 -----------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mse_matches_reference(reduction, dtype):
    x, y = RNG.normal(size=(6, 4)).astype(dtype), RNG.normal(size=(6, 4)).astype(dtype)
    check(mse_loss(Tensor(x), Tensor(y), reduction=reduction), ref_mse(x, y, reduction), dtype)
    check(MSELoss(reduction)(Tensor(x), Tensor(y)), ref_mse(x, y, reduction), dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_matches_reference(reduction, dtype):
    p = RNG.uniform(0.01, 0.99, size=(5, 3)).astype(dtype)
    y = RNG.uniform(0, 1, size=(5, 3)).astype(dtype)          # soft targets are allowed
    check(binary_cross_entropy(Tensor(p), Tensor(y), reduction=reduction), ref_bce(p, y, reduction), dtype)
    check(BCELoss(reduction)(Tensor(p), Tensor(y)), ref_bce(p, y, reduction), dtype)


def test_bce_clamps_log_at_minus_100():
    p = np.array([0.0, 1.0, 0.0, 1.0], np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0], np.float32)
    out = binary_cross_entropy(Tensor(p), Tensor(y), reduction="none")
    np.testing.assert_array_equal(out._data, [100.0, 100.0, 0.0, 0.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_matches_reference(reduction, dtype):
    x = RNG.normal(scale=4, size=(7,)).astype(dtype)
    y = (RNG.uniform(size=7) > 0.5).astype(dtype)
    check(binary_cross_entropy_with_logits(Tensor(x), Tensor(y), reduction=reduction),
          ref_bce_with_logits(x, y, reduction), dtype)
    check(BCEWithLogitsLoss(reduction)(Tensor(x), Tensor(y)), ref_bce_with_logits(x, y, reduction), dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_matches_reference(reduction, dtype):
    x = RNG.normal(scale=3, size=(8, 5)).astype(dtype)
    t = RNG.integers(0, 5, size=8)
    check(cross_entropy(Tensor(x), Tensor(t), reduction=reduction), ref_cross_entropy(x, t, reduction), dtype)
    check(CrossEntropyLoss(reduction)(Tensor(x), t), ref_cross_entropy(x, t, reduction), dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_single_sample(reduction):
    x = np.array([0.3, -1.2, 2.0, 0.0], np.float32)
    for target in (2, np.int64(0), Tensor(np.array(3)), np.array(1, np.int32)):
        k = int(np.asarray(target._data if isinstance(target, Tensor) else target))
        check(cross_entropy(Tensor(x), target, reduction=reduction), ref_cross_entropy(x, k, reduction), np.float32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_matches_reference_and_cross_entropy(reduction):
    x = RNG.normal(size=(6, 4))
    t = RNG.integers(0, 4, size=6)
    z = x - np.logaddexp.reduce(x, axis=1, keepdims=True)      # log-softmax
    check(nll_loss(Tensor(z), Tensor(t), reduction=reduction), ref_nll(z, t, reduction), np.float64)
    check(NLLLoss(reduction)(Tensor(z), t), ref_cross_entropy(x, t, reduction), np.float64)
    np.testing.assert_allclose(nll_loss(Tensor(z), t, reduction=reduction)._data,
                               cross_entropy(Tensor(x), t, reduction=reduction)._data, **TOL)


def test_empty_batch_like_pytorch():
    assert np.isnan(cross_entropy(Tensor(np.zeros((0, 3), np.float32)), np.zeros(0, np.int64))._data)
    assert float(cross_entropy(Tensor(np.zeros((0, 3), np.float32)), [], reduction="sum")._data) == 0.0
    assert cross_entropy(Tensor(np.zeros((0, 3), np.float32)), [], reduction="none").shape == (0,)
    assert np.isnan(mse_loss(Tensor(np.zeros(0, np.float32)), Tensor(np.zeros(0, np.float32)))._data)


def test_integer_targets_for_mse_are_converted():
    out = mse_loss(Tensor([0.5, 2.0]), Tensor(np.array([1, 2])))
    assert out.dtype == np.float32 and np.isclose(float(out._data), 0.125)


def test_inputs_are_not_modified():
    x = RNG.normal(size=(4, 3)).astype(np.float32)
    keep = x.copy()
    cross_entropy(Tensor(x), [0, 1, 2, 0])
    binary_cross_entropy_with_logits(Tensor(x), Tensor(np.ones_like(x)))
    np.testing.assert_array_equal(x, keep)


# ----- extreme logits: finite and exact ---------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_at_large_logits(dtype):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]], dtype)
    t = np.array([0, 0, 1, 2])
    out = cross_entropy(Tensor(x), t, reduction="none")
    assert np.all(np.isfinite(out._data)), out
    np.testing.assert_allclose(out._data, ref_cross_entropy(x, t, "none"), **TOL)
    np.testing.assert_allclose(out._data, [0.0, 2e4, np.log(2.0), np.log(3.0)], **TOL)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_at_large_logits(dtype):
    x = np.array([1e4, -1e4, 1e4, -1e4, 1e4], dtype)
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.25], dtype)
    out = binary_cross_entropy_with_logits(Tensor(x), Tensor(y), reduction="none")
    assert np.all(np.isfinite(out._data)), out
    np.testing.assert_allclose(out._data, [0.0, 0.0, 1e4, 1e4, 7500.0], **TOL)


# ----- hypothesis: arbitrary shapes and values --------------------------------------------------
finite = dict(allow_nan=False, allow_infinity=False)


@st.composite
def pairs(draw, elements):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    a = draw(hnp.arrays(dtype, shape, elements=elements(dtype)))
    b = draw(hnp.arrays(dtype, shape, elements=elements(dtype)))
    return a, b


def any_float(dtype):
    return st.floats(-1e3, 1e3, width=32 if dtype == np.float32 else 64, **finite)


def unit(dtype):
    return st.floats(0, 1, width=32 if dtype == np.float32 else 64, **finite)


def assert_reductions_agree(fn, a, b):
    none = fn(a, b, reduction="none")
    assert none.shape == np.shape(a._data) or a.ndim == 2 and none.shape == a.shape[:1]
    total = fn(a, b, reduction="sum")
    assert total.shape == ()
    np.testing.assert_allclose(total._data, none._data.astype(np.float64).sum(), rtol=1e-4, atol=1e-3)


@settings(max_examples=60, deadline=None)
@given(pairs(any_float), st.sampled_from(REDUCTIONS))
def test_mse_hypothesis(xy, reduction):
    x, y = xy
    out = mse_loss(Tensor(x), Tensor(y), reduction=reduction)
    expected = ref_mse(x, y, reduction)
    assert out.dtype == x.dtype and out.shape == np.shape(expected)
    np.testing.assert_allclose(out._data, expected, rtol=1e-5, atol=1e-5)
    assert_reductions_agree(mse_loss, Tensor(x), Tensor(y))


@settings(max_examples=60, deadline=None)
@given(pairs(unit), st.sampled_from(REDUCTIONS))
def test_bce_hypothesis(py, reduction):
    p, y = py
    out = binary_cross_entropy(Tensor(p), Tensor(y), reduction=reduction)
    expected = ref_bce(p, y, reduction)
    assert out.dtype == p.dtype and np.all(np.isfinite(out._data) | (np.size(p) == 0))
    np.testing.assert_allclose(out._data, expected, rtol=1e-5, atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(pairs(lambda d: st.floats(-1e4, 1e4, width=32 if d == np.float32 else 64, **finite)),
       st.sampled_from(REDUCTIONS))
def test_bce_with_logits_hypothesis(xy, reduction):
    x, y01 = xy
    y = (y01 > 0).astype(x.dtype)
    out = binary_cross_entropy_with_logits(Tensor(x), Tensor(y), reduction=reduction)
    expected = ref_bce_with_logits(x, y, reduction)
    assert np.all(np.isfinite(out._data)) or x.size == 0
    np.testing.assert_allclose(out._data, expected, rtol=1e-5, atol=1e-5)


@st.composite
def logits_and_targets(draw):
    one_d = draw(st.booleans())
    C = draw(st.integers(1, 6))
    N = draw(st.integers(0, 6))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = (C,) if one_d else (N, C)
    scale = draw(st.sampled_from([1.0, 1e2, 1e4]))
    x = draw(hnp.arrays(dtype, shape, elements=st.floats(-1, 1, width=32, **finite))) * dtype(scale)
    t = draw(st.integers(0, C - 1)) if one_d else draw(hnp.arrays(np.int64, (N,), elements=st.integers(0, C - 1)))
    return x, t


@pytest.mark.filterwarnings("ignore:Mean of empty slice", "ignore:invalid value encountered")
@settings(max_examples=100, deadline=None)
@given(logits_and_targets(), st.sampled_from(REDUCTIONS))
def test_cross_entropy_hypothesis(xt, reduction):
    x, t = xt
    out = cross_entropy(Tensor(x), t, reduction=reduction)
    expected = ref_cross_entropy(x, t, reduction)
    assert out.dtype == x.dtype and out.shape == np.shape(expected)
    assert np.all(np.isfinite(out._data)) or (x.ndim == 2 and x.shape[0] == 0 and reduction == "mean")
    # float32 rounds logits of size 1e4 to about 1e-3: scale the tolerance with the logits
    atol = 1e-5 * max(1.0, float(np.abs(x).max(initial=0.0)))
    np.testing.assert_allclose(out._data, expected, rtol=1e-5, atol=atol)
    z = x - np.logaddexp.reduce(x.astype(np.float64), axis=-1, keepdims=True)
    np.testing.assert_allclose(nll_loss(Tensor(z), t, reduction=reduction)._data, expected, rtol=1e-5, atol=atol)


# ----- the op contract used by module 05 (autograd) ---------------------------------------------
@pytest.fixture
def recorded():
    """Install a recording hook in place of autograd's, and put back whatever was there."""
    calls = []
    saved = tensor_module._HOOKS.record
    tensor_module._HOOKS.record = lambda op, out, inputs, attrs: calls.append((op, out, inputs, attrs))
    yield calls
    tensor_module._HOOKS.record = saved


def test_ops_are_declared_by_module_04():
    for name in ("mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy"):
        assert OPS.get(name) == "04_losses", name
    assert "nll_loss" not in OPS        # nll_loss is built from module 01 ops (getitem, neg, mean/sum)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ops_record_exact_inputs_and_attrs(recorded, reduction):
    a, b = Tensor(RNG.normal(size=(3, 2))), Tensor(RNG.uniform(size=(3, 2)))
    for fn, name in [(mse_loss, "mse_loss"), (binary_cross_entropy, "binary_cross_entropy"),
                     (binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits")]:
        recorded.clear()
        out = fn(Tensor(RNG.uniform(size=(3, 2))) if name == "binary_cross_entropy" else a, b, reduction=reduction)
        ((op, rec_out, inputs, attrs),) = recorded
        assert op == name and rec_out is out and len(inputs) == 2 and inputs[1] is b
        assert attrs == {"reduction": reduction}
    recorded.clear()
    logits = Tensor(RNG.normal(size=(4, 3)))
    out = cross_entropy(logits, np.array([2, 0, 1, 1], np.int32), reduction=reduction)   # int32 in, int64 recorded
    ((op, rec_out, inputs, attrs),) = recorded
    assert op == "cross_entropy" and rec_out is out and inputs == (logits,) and inputs[0] is logits
    assert set(attrs) == {"target", "reduction"} and attrs["reduction"] == reduction
    assert isinstance(attrs["target"], np.ndarray) and attrs["target"].dtype == np.int64
    np.testing.assert_array_equal(attrs["target"], [2, 0, 1, 1])


def test_nll_records_only_module_01_ops(recorded):
    z = Tensor(np.log(np.full((2, 3), 1 / 3)))
    nll_loss(z, [0, 2])
    assert [op for op, *_ in recorded] == ["getitem", "neg", "mean"]
    assert recorded[0][2][0] is z


# ----- with module 02: the fused loss equals log_softmax followed by nll_loss ------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_cross_entropy_equals_log_softmax_then_nll(reduction, scale):
    from tinytorch.core.activations import log_softmax
    x = Tensor((RNG.normal(size=(5, 7)) * scale).astype(np.float32))
    t = RNG.integers(0, 7, size=5)
    np.testing.assert_allclose(cross_entropy(x, t, reduction=reduction)._data,
                               nll_loss(log_softmax(x, dim=1), t, reduction=reduction)._data,
                               rtol=1e-5, atol=1e-5 * scale)
