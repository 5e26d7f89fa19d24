"""Regression (module 06): two classic optimizer bugs.

1. SGD's first momentum buffer is the gradient itself (PyTorch), not (1 - dampening) * gradient.
2. Adam counts steps per parameter: a parameter that receives its first gradient late gets the full
   bias correction of a first step (a global step counter would make its first update far too small)."""
import numpy as np

from tinytorch.core.layers import Parameter
from tinytorch.core.optimizers import SGD, Adam
from tinytorch.core.tensor import Tensor


def test_first_momentum_buffer_is_the_gradient_even_with_dampening():
    p = Parameter(np.array([0.0]))
    opt = SGD([p], lr=1.0, momentum=0.9, dampening=0.5)
    p.grad = Tensor(np.array([2.0]))
    opt.step()
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], [2.0])
    np.testing.assert_array_equal(p._data, [-2.0])


def test_adam_step_count_is_per_parameter():
    early, late = Parameter(np.array([0.0])), Parameter(np.array([0.0]))
    opt = Adam([early, late], lr=0.1)
    for step in range(5):
        early.grad = Tensor(np.array([1.0]))
        late.grad = Tensor(np.array([1.0])) if step == 4 else None
        opt.step()
    assert opt.state[early]["step"] == 5 and opt.state[late]["step"] == 1
    np.testing.assert_allclose(late._data, [-0.1], rtol=1e-6)
