"""Module 03: Dropout statistics (fixed seed), eval identity, edge cases, validation."""
import numpy as np
import pytest

import tinytorch.core.tensor as tensor_mod
from tinytorch.core.layers import Dropout, Linear, Sequential
from tinytorch.core.tensor import Tensor, manual_seed


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_mean_preserved_and_drop_rate(p):
    manual_seed(2024)
    x = Tensor(np.random.default_rng(0).uniform(0.5, 1.5, size=(400, 500)).astype(np.float32))
    y = Dropout(p)(x)
    n = x._data.size
    dropped = float((y._data == 0).mean())
    assert abs(dropped - p) < 4 * np.sqrt(p * (1 - p) / n)
    kept = y._data != 0
    np.testing.assert_allclose(y._data[kept], x._data[kept] / np.float32(1 - p), rtol=1e-6)
    # E[y] = E[x]: the relative error of the mean shrinks like 1/sqrt(n)
    assert abs(y._data.mean() / x._data.mean() - 1) < 4 * np.sqrt(p / (1 - p) / n) * 1.2
    assert y.dtype == np.float32 and y.shape == x.shape


def test_many_samples_average_back_to_the_input():
    manual_seed(7)
    x = Tensor(np.linspace(-1, 1, 50, dtype=np.float32))
    drop = Dropout(0.5)
    avg = np.mean([drop(x)._data for _ in range(4000)], axis=0)
    np.testing.assert_allclose(avg, x._data, atol=0.06)


def test_eval_mode_is_the_identity():
    x = Tensor(np.ones((3, 3), dtype=np.float32))
    drop = Dropout(0.9).eval()
    assert drop(x) is x
    model = Sequential(Linear(3, 3), Dropout(0.9))
    model.eval()
    out1, out2 = model(x), model(x)
    assert np.array_equal(out1._data, out2._data)


def test_p_zero_and_p_one():
    x = Tensor(np.full((10, 10), 3.0, dtype=np.float32))
    assert Dropout(0.0)(x) is x
    y = Dropout(1.0)(x)
    assert y.shape == x.shape and not y._data.any() and np.isfinite(y._data).all()
    assert Dropout(1)(x).dtype == np.float32


def test_seed_repeats_mask():
    x = Tensor(np.ones((20, 20), dtype=np.float32))
    manual_seed(3)
    a = Dropout(0.3)(x)._data
    manual_seed(3)
    assert np.array_equal(a, Dropout(0.3)(x)._data)


@pytest.mark.parametrize("bad", [-0.01, 1.01, float("nan"), "0.5", None, True])
def test_invalid_p_is_refused(bad):
    with pytest.raises(ValueError, match="between 0 and 1"):
        Dropout(bad)


def test_mask_is_applied_with_a_recorded_mul():
    recorded = []
    saved = (tensor_mod._HOOKS.record, tensor_mod._HOOKS.backward)
    tensor_mod.register_autograd(lambda op, out, inputs, attrs: recorded.append((op, inputs)), saved[1])
    try:
        x = Tensor(np.ones((4, 4), dtype=np.float32))
        Dropout(0.5)(x)
    finally:
        tensor_mod.register_autograd(*saved)
    assert [op for op, _ in recorded] == ["mul"] and recorded[0][1][0] is x


def test_non_tensor_input():
    with pytest.raises(TypeError, match="Tensor"):
        Dropout(0.5)(np.ones(3))
