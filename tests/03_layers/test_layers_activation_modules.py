"""Module 03: the nn versions of module 02's activations are Modules that keep their settings."""
import numpy as np
import pytest

from tinytorch.core import activations as act
from tinytorch.core import layers
from tinytorch.core.layers import Linear, Module, Sequential
from tinytorch.core.tensor import Tensor

NAMES = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax"]
X = Tensor(np.linspace(-4, 4, 24, dtype=np.float32).reshape(4, 6))


@pytest.mark.parametrize("name", NAMES)
def test_is_module_and_activation(name):
    cls = getattr(layers, name)
    kwargs = {"dim": -1} if "Softmax" in name else {}
    m = cls(**kwargs)
    assert isinstance(m, Module) and isinstance(m, getattr(act, name))
    assert m.training and list(m.parameters()) == [] and len(m.state_dict()) == 0
    np.testing.assert_allclose(m(X)._data, getattr(act, name)(**kwargs)(X)._data, rtol=1e-6, atol=1e-7)
    m.eval()
    assert m.training is False


def test_settings_survive():
    leaky = layers.LeakyReLU(0.3)
    assert leaky.negative_slope == 0.3
    assert layers.LeakyReLU(negative_slope=0.05).negative_slope == 0.05
    assert layers.Softmax(dim=0).dim == 0
    assert layers.LogSoftmax(dim=1).dim == 1
    np.testing.assert_allclose(leaky(X)._data, act.leaky_relu(X, 0.3)._data)
    np.testing.assert_allclose(layers.Softmax(dim=0)(X)._data, act.softmax(X, dim=0)._data, rtol=1e-6)


def test_in_sequential_with_train_eval():
    model = Sequential(Linear(6, 5), layers.GELU(), Linear(5, 3), layers.LogSoftmax(dim=1))
    model.eval()
    assert not any(m.training for m in model.modules())
    out = model(X)
    assert out.shape == (4, 3)
    np.testing.assert_allclose(np.exp(out._data).sum(axis=1), 1.0, rtol=1e-5)
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_reprs_and_inplace_flag():
    assert repr(layers.ReLU()) == "ReLU()"
    assert repr(layers.Tanh()) == "Tanh()"
    assert repr(layers.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(layers.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(layers.GELU(approximate="tanh")) == "GELU(approximate='tanh')"
    assert repr(layers.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(layers.LeakyReLU(0.1, inplace=True)) == "LeakyReLU(negative_slope=0.1, inplace=True)"
    x = Tensor(np.array([-1.0, 2.0], dtype=np.float32))
    before = x._data.copy()
    assert np.array_equal(layers.ReLU(inplace=True)(x)._data, [0.0, 2.0])
    assert np.array_equal(x._data, before), "computed out of place: the input is left unchanged"


def test_settings_are_validated_by_module_02():
    with pytest.raises((TypeError, ValueError)):
        layers.Softmax(dim="1")
    with pytest.raises((TypeError, ValueError)):
        layers.GELU(approximate="fast")
