"""Regression (module 07): bad arguments to the training pieces surfaced as Python internals.

Before: `EarlyStopping().step(None)` -> "float() argument must be ... not 'NoneType'";
`Trainer(None, ...)` was accepted and failed later; `Trainer.fit(None)` and `train_epoch(m, None, ...)`
-> "'NoneType' object is not iterable"; a single Tensor given as a batch was unpacked row by row and
failed inside cross_entropy with a message about float targets; `plot_history(None)` -> "object of
type 'NoneType' has no len()". Each now names what is wrong.
"""
import numpy as np
import pytest

from tinytorch.core.layers import Linear
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD
from tinytorch.core.tensor import Tensor
from tinytorch.core.training import EarlyStopping, Trainer, evaluate, plot_history, train_epoch


def _parts():
    model = Linear(3, 2)
    return model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1)


@pytest.mark.parametrize("bad", [None, "a", [0.5], True])
def test_early_stopping_needs_a_number(bad):
    with pytest.raises(TypeError, match="EarlyStopping.step expects the monitored number \\('val_loss'"):
        EarlyStopping().step(bad)


def test_early_stopping_accepts_numbers_and_0d_tensors():
    stopper = EarlyStopping(patience=1)
    assert stopper.step(Tensor(np.float32(1.0))) is False
    assert stopper.step(np.float64(0.5)) is False and stopper.best == 0.5
    assert stopper.step(2) is True


@pytest.mark.parametrize("which, words", [(0, "model must be a Module"), (1, "loss_fn must be callable"),
                                          (2, "optimizer must be an optimizer")])
def test_trainer_checks_its_parts(which, words):
    parts = list(_parts())
    parts[which] = None
    with pytest.raises(TypeError, match=words):
        Trainer(*parts)


@pytest.mark.parametrize("call", [
    lambda m, l, o: train_epoch(m, None, l, o),
    lambda m, l, o: evaluate(m, 5, l),
    lambda m, l, o: Trainer(m, l, o, log=None).fit(None, epochs=1),
])
def test_batches_must_be_iterable(call):
    with pytest.raises(TypeError, match="batches must be an iterable of \\(x, y\\) pairs"):
        call(*_parts())


def test_single_tensor_batch_named():
    model, loss, opt = _parts()
    with pytest.raises(TypeError, match="got a single Tensor of shape \\(2, 3\\)"):
        train_epoch(model, [Tensor(np.ones((2, 3), np.float32))], loss, opt)


def test_plot_history_needs_a_history(tmp_path):
    with pytest.raises(TypeError, match="plot_history expects a History"):
        plot_history(None, tmp_path / "x.png")
