"""Module 03: Linear forward, initialisation statistics, seeding, errors, and that it is built from Tensor ops."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinytorch.core.tensor as tensor_mod
from tinytorch.core.layers import (
    Linear, calculate_gain, fan_in_and_fan_out, kaiming_normal_, kaiming_uniform_, xavier_normal_,
    xavier_uniform_,
)
from tinytorch.core.tensor import Tensor, manual_seed


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.lists(st.integers(1, 4), max_size=2), st.booleans())
def test_forward_matches_numpy(n_in, n_out, lead, bias):
    layer = Linear(n_in, n_out, bias=bias)
    x = np.random.default_rng(n_in * 10 + n_out).standard_normal((*lead, n_in)).astype(np.float32)
    y = layer(Tensor(x))
    ref = x @ layer.weight._data.T + (layer.bias._data if bias else 0)
    assert y.shape == (*lead, n_out) and y.dtype == np.float32
    np.testing.assert_allclose(y._data, ref, rtol=1e-5, atol=1e-6)


def test_default_init_is_pytorchs_uniform_bound():
    manual_seed(0)
    layer = Linear(256, 512)
    bound = 1 / math.sqrt(256)
    w, b = layer.weight._data, layer.bias._data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.var() / (bound ** 2 / 3) - 1) < 0.02          # variance of U(-a, a) is a^2/3
    assert abs(w.mean()) < 3 * bound / math.sqrt(3 * w.size)
    assert np.abs(b).max() > 0.9 * bound                          # really spread over the range


def test_manual_seed_repeats_and_different_seeds_differ():
    manual_seed(123)
    a = Linear(5, 4)
    manual_seed(123)
    b = Linear(5, 4)
    manual_seed(124)
    c = Linear(5, 4)
    assert np.array_equal(a.weight._data, b.weight._data) and np.array_equal(a.bias._data, b.bias._data)
    assert not np.array_equal(a.weight._data, c.weight._data)


def test_dtype_option_and_dtype_mismatch_error():
    layer = Linear(3, 2, dtype=np.float64)
    assert layer.weight.dtype == np.float64 and layer.bias.dtype == np.float64
    assert layer(Tensor(np.ones((1, 3)))).dtype == np.float64
    with pytest.raises(TypeError, match=r"float64.*x\.float\(\)"):
        Linear(3, 2)(Tensor(np.ones((1, 3))))


def test_last_dimension_mismatch_names_both_sizes_and_the_cause():
    with pytest.raises(ValueError) as info:
        Linear(400, 120)(Tensor(np.zeros((8, 576), dtype=np.float32)))
    msg = str(info.value)
    assert "in_features=400" in msg and "576" in msg and "(8, 576)" in msg and "Flatten" in msg
    with pytest.raises(ValueError, match="0-d"):
        Linear(1, 1)(Tensor(np.float32(1.0)))


def test_non_tensor_input_and_bad_sizes():
    with pytest.raises(TypeError, match="Tensor"):
        Linear(2, 2)(np.ones((1, 2), dtype=np.float32))
    for bad in (0, -1, 1.5, True, None, (2,)):
        with pytest.raises(ValueError, match="in_features"):
            Linear(bad, 2)
        with pytest.raises(ValueError, match="out_features"):
            Linear(2, bad)


def test_forward_is_recorded_as_registered_tensor_ops():
    """Autograd (module 05) differentiates Linear only if forward uses ops it knows."""
    recorded = []
    saved = (tensor_mod._HOOKS.record, tensor_mod._HOOKS.backward)
    tensor_mod.register_autograd(lambda op, out, inputs, attrs: recorded.append((op, inputs)), saved[1])
    try:
        layer = Linear(3, 2)
        layer(Tensor(np.ones((4, 3), dtype=np.float32)))
    finally:
        tensor_mod.register_autograd(*saved)
    assert all(op in tensor_mod.OPS for op, _ in recorded)
    used = {id(t) for _, inputs in recorded for t in inputs}
    assert id(layer.weight) in used and id(layer.bias) in used
    assert [op for op, _ in recorded] == ["permute", "matmul", "add"]


def test_initialiser_variances():
    w = Tensor(np.empty((300, 500), dtype=np.float32))
    assert fan_in_and_fan_out(w) == (500, 300)
    assert fan_in_and_fan_out(Tensor(np.empty((8, 4, 3, 3), dtype=np.float32))) == (36, 72)
    for fill, expected in [
        (lambda t: xavier_uniform_(t), 2 / 800),
        (lambda t: xavier_normal_(t), 2 / 800),
        (lambda t: kaiming_uniform_(t, nonlinearity="relu"), 2 / 500),
        (lambda t: kaiming_normal_(t, nonlinearity="relu"), 2 / 500),
        (lambda t: kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"), 2 / 300),
        (lambda t: xavier_uniform_(t, gain=calculate_gain("tanh")), (5 / 3) ** 2 * 2 / 800),
    ]:
        assert abs(fill(w)._data.var() / expected - 1) < 0.03


def test_gain_values_and_errors():
    assert calculate_gain("relu") == math.sqrt(2)
    assert calculate_gain("tanh") == 5 / 3
    assert calculate_gain("linear") == calculate_gain("sigmoid") == 1
    assert math.isclose(calculate_gain("leaky_relu"), math.sqrt(2 / (1 + 0.01 ** 2)))
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        calculate_gain("swish")
    with pytest.raises(ValueError, match="fan_in"):
        kaiming_uniform_(Tensor(np.empty((2, 2), dtype=np.float32)), mode="fan_avg")
    with pytest.raises(TypeError, match="Tensor"):
        xavier_uniform_(np.empty((2, 2)))
