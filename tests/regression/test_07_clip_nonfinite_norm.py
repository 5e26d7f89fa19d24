"""Regression (module 07): clip_grad_norm_ with a non-finite total norm must not leave gradients untouched.

Found while writing clip_grad_norm_: the coefficient `min(1.0, max_norm / (norm + 1e-6))` is 1.0 when the
norm is nan, because Python's min() compares with `<` and every comparison with nan is False. The gradients
then pass through unclipped while PyTorch turns them into nan (and zeroes finite ones when the norm is inf).
"""
import numpy as np

from tinytorch.core.tensor import Tensor
from tinytorch.core.training import clip_grad_norm_


def grad_param(values):
    p = Tensor(np.zeros(len(values), dtype=np.float32), requires_grad=True)
    p.grad = Tensor(np.array(values, dtype=np.float32))
    return p


def test_nan_norm_poisons_the_gradients_like_torch():
    p, q = grad_param([np.nan, 1.0]), grad_param([2.0, 3.0])
    with np.errstate(invalid="ignore"):
        total = clip_grad_norm_([p, q], 1.0)
    assert np.isnan(total.item())
    assert np.isnan(p.grad._data).all() and np.isnan(q.grad._data).all()


def test_inf_norm_zeroes_finite_gradients_like_torch():
    p, q = grad_param([np.inf, 1.0]), grad_param([2.0, 3.0])
    with np.errstate(invalid="ignore"):
        total = clip_grad_norm_([p, q], 1.0)
    assert total.item() == np.inf
    assert np.isnan(p.grad._data[0]) and p.grad._data[1] == 0.0
    assert np.array_equal(q.grad._data, [0.0, 0.0])
