"""Activation classes: settings kept as plain attributes, forward = the function, PyTorch-like repr,
early errors on bad settings, and the multiple-inheritance pattern of the Layers module
(`class ReLU(Module, activations.ReLU)`) with both a cooperative and an explicit Module.__init__."""
import numpy as np
import pytest

from tinytorch.core import activations as act
from tinytorch.core.tensor import Tensor



@pytest.fixture
def X():
    return Tensor(np.linspace(-4, 4, 24, dtype=np.float32).reshape(2, 3, 4))


CASES = [
    (lambda: act.ReLU(), lambda x: act.relu(x), "ReLU()", {}),
    (lambda: act.LeakyReLU(), lambda x: act.leaky_relu(x), "LeakyReLU(negative_slope=0.01)", {"negative_slope": 0.01}),
    (lambda: act.LeakyReLU(0.2), lambda x: act.leaky_relu(x, 0.2), "LeakyReLU(negative_slope=0.2)", {"negative_slope": 0.2}),
    (lambda: act.LeakyReLU(negative_slope=1), lambda x: act.leaky_relu(x, 1.0), "LeakyReLU(negative_slope=1.0)",
     {"negative_slope": 1.0}),
    (lambda: act.Sigmoid(), lambda x: act.sigmoid(x), "Sigmoid()", {}),
    (lambda: act.Tanh(), lambda x: act.tanh(x), "Tanh()", {}),
    (lambda: act.GELU(), lambda x: act.gelu(x), "GELU(approximate='none')", {"approximate": "none"}),
    (lambda: act.GELU(approximate="tanh"), lambda x: act.gelu(x, approximate="tanh"), "GELU(approximate='tanh')",
     {"approximate": "tanh"}),
    (lambda: act.Softmax(), lambda x: act.softmax(x, dim=-1), "Softmax(dim=-1)", {"dim": -1}),
    (lambda: act.Softmax(dim=1), lambda x: act.softmax(x, dim=1), "Softmax(dim=1)", {"dim": 1}),
    (lambda: act.LogSoftmax(dim=0), lambda x: act.log_softmax(x, dim=0), "LogSoftmax(dim=0)", {"dim": 0}),
    (lambda: act.LogSoftmax(), lambda x: act.log_softmax(x), "LogSoftmax(dim=-1)", {"dim": -1}),
]
IDS = [c[2] for c in CASES]


@pytest.mark.parametrize("build, fn, text, settings", CASES, ids=IDS)
def test_class_calls_its_function_and_prints_like_pytorch(build, fn, text, settings, X):
    layer = build()
    assert np.array_equal(layer(X)._data, fn(X)._data)
    assert np.array_equal(layer.forward(X)._data, fn(X)._data)
    assert repr(layer) == text and str(layer) == text
    assert vars(layer) == settings                      # only the settings, as plain attributes
    assert type(layer).__bases__ == (act._Activation,)  # only the small shared base (no Module yet)
    assert act._Activation.__bases__ == (object,)


@pytest.mark.parametrize("build, error, words", [
    (lambda: act.LeakyReLU("0.1"), TypeError, ["negative_slope", "str"]),
    (lambda: act.LeakyReLU(None), TypeError, ["negative_slope"]),
    (lambda: act.GELU("exact"), ValueError, ["approximate", "'exact'"]),
    (lambda: act.GELU(approximate=False), ValueError, ["approximate"]),
    (lambda: act.Softmax(dim=None), TypeError, ["Softmax", "dim"]),
    (lambda: act.Softmax(dim=1.0), TypeError, ["Softmax", "float"]),
    (lambda: act.LogSoftmax(dim="1"), TypeError, ["LogSoftmax", "str"]),
])
def test_bad_settings_fail_when_the_object_is_built(build, error, words):
    with pytest.raises(error) as info:
        build()
    for word in words:
        assert word in str(info.value)


def test_dim_out_of_range_fails_at_call_time_with_the_shape(X):
    with pytest.raises(IndexError, match="dim 5"):
        act.Softmax(dim=5)(X)


def test_settings_are_plain_attributes_that_can_be_changed(X):
    layer = act.LeakyReLU(0.1)
    layer.negative_slope = 0.5
    assert np.array_equal(layer(X)._data, act.leaky_relu(X, 0.5)._data)
    soft = act.Softmax(dim=0)
    soft.dim = 2
    assert np.array_equal(soft(X)._data, act.softmax(X, dim=2)._data)


# ----- the Layers module's pattern: class ReLU(Module, activations.ReLU) -----------------------------
class FakeModule:
    """Stands in for nn.Module: own registries, __setattr__ bookkeeping, __call__ with hooks, __repr__."""

    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_calls", 0)
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign before Module.__init__() call")
        object.__setattr__(self, name, value)

    def __call__(self, *args, **kwargs):
        object.__setattr__(self, "_calls", self._calls + 1)
        return self.forward(*args, **kwargs)

    def extra_repr(self):
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


class CooperativeModule(FakeModule):
    """A Module whose __init__ passes its arguments on along the MRO."""

    def __init__(self, *args, **kwargs):
        FakeModule.__init__(self)
        super(FakeModule, self).__init__(*args, **kwargs)      # the next class after the Module: ours


@pytest.mark.parametrize("style", ["explicit", "cooperative"])
@pytest.mark.parametrize("build, fn, text, settings", CASES, ids=IDS)
def test_module_first_multiple_inheritance(style, build, fn, text, settings, X):
    base_cls = type(build())
    if style == "explicit":
        def __init__(self, *args, **kwargs):
            FakeModule.__init__(self)
            base_cls.__init__(self, *args, **kwargs)
        cls = type(base_cls.__name__, (FakeModule, base_cls), {"__init__": __init__})
    else:
        cls = type(base_cls.__name__, (CooperativeModule, base_cls), {})
    layer = cls(**settings)
    out = layer(X)
    assert layer._calls == 1                             # Module.__call__ won
    assert np.array_equal(out._data, fn(X)._data)          # forward and settings came from activations
    assert repr(layer) == f"{base_cls.__name__}()"        # Module.__repr__ won; it sees our extra_repr via MRO
    assert layer.extra_repr() == "" and text.startswith(base_cls.__name__)
    assert {k: v for k, v in vars(layer).items() if not k.startswith("_") and k != "training"} == settings


def test_extra_repr_is_reachable_for_a_module_without_its_own():
    class BareModule:
        def __init__(self):
            self.training = True

        def __repr__(self):
            return f"{type(self).__name__}({self.extra_repr()})"

    class GELU(BareModule, act.GELU):
        def __init__(self, approximate="none"):
            BareModule.__init__(self)
            act.GELU.__init__(self, approximate)

    assert repr(GELU("tanh")) == "GELU(approximate='tanh')"
