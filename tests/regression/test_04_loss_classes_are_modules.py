"""Regression (module 04): the loss classes were plain objects, not Modules as in PyTorch.

`nn.CrossEntropyLoss` is an `nn.Module` in PyTorch: `criterion.to("cpu")`, `train()`/`eval()`,
`isinstance(criterion, nn.Module)`, an empty `state_dict()`, a place in a `Sequential`, and a repr
without the reduction (`MSELoss()` even for reduction='sum'). Our `_Loss` had its own `__call__` and
`__repr__` and none of that. Now `_Loss` subclasses module 03's `Module`, and module 04 requires
module 03 in course.toml. The functional API and the op contract with autograd are unchanged.
"""
import numpy as np
import pytest

from tinytorch.core.layers import Linear, Module, Sequential
from tinytorch.core.losses import (CROSS_ENTROPY, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss,
                                   NLLLoss, cross_entropy)
from tinytorch.core.tensor import Tensor
from tito.manifest import load

CLASSES = [MSELoss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss]


@pytest.mark.parametrize("cls", CLASSES)
def test_loss_class_is_a_module(cls):
    criterion = cls(reduction="sum")
    assert isinstance(criterion, Module)
    assert criterion.to("cpu") is criterion and criterion.cpu() is criterion
    assert criterion.eval() is criterion and criterion.training is False
    assert criterion.train().training is True
    assert list(criterion.parameters()) == [] and len(criterion.state_dict()) == 0
    assert criterion.reduction == "sum"
    assert repr(criterion) == f"{cls.__name__}()"          # PyTorch prints no reduction
    with pytest.raises(ValueError, match="CPU only"):
        criterion.to("cuda")


def test_loss_in_sequential_and_calls_forward():
    model = Sequential(Linear(2, 3))
    criterion = CrossEntropyLoss(reduction="none")
    x, t = Tensor(np.ones((4, 2), np.float32)), np.array([0, 1, 2, 0])
    np.testing.assert_array_equal(criterion(model(x), t)._data, cross_entropy(model(x), t, reduction="none")._data)
    both = Sequential(Linear(2, 2), MSELoss())
    assert "(1): MSELoss()" in repr(both)


def test_bad_reduction_still_refused_at_construction():
    with pytest.raises(ValueError, match="CrossEntropyLoss.*'average'"):
        CrossEntropyLoss(reduction="average")


def test_op_contract_unchanged():
    x = Tensor(np.array([[1.0, 2.0], [0.5, -1.0]], np.float32))
    out = CrossEntropyLoss()(x, np.array([1, 0]))
    assert out.shape == () and out.dtype == np.float32
    assert CROSS_ENTROPY == "cross_entropy"


def test_module_04_requires_module_03():
    course = load()
    assert 3 in course.module("04").requires


def test_repr_matches_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the repr comparison needs it")
    for cls in CLASSES:
        for reduction in ("mean", "sum", "none"):
            assert repr(cls(reduction=reduction)) == repr(getattr(torch.nn, cls.__name__)(reduction=reduction))
