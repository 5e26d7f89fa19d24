"""Module 05 with module 01's in-place updates and Tensor.backward(retain_graph=...)."""
import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401  (installs the engine and its grad-mode query)
from tinytorch.core.autograd import enable_grad, no_grad
from tinytorch.core.tensor import Tensor, _HOOKS, cat, stack, where


def test_the_engine_registers_its_grad_mode_query():
    assert _HOOKS.is_grad_enabled is tinytorch.core.autograd.is_grad_enabled


def test_tensor_backward_forwards_retain_graph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad._data, 4 * x._data)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_sgd_step_under_no_grad_and_refusal_outside():
    w = Tensor(np.array([1.0, -1.0]), requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        w -= 0.1 * w.grad
    with no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
        with enable_grad():
            with pytest.raises(RuntimeError, match="leaf Variable"):
                w.add_(1.0)
    np.testing.assert_allclose(w._data, [0.8, -0.8])
    assert w.grad.tolist() == [0.0, 0.0] and w.is_leaf and w.requires_grad


def test_joined_and_selected_tensors_differentiate_end_to_end():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    joined = cat([a, b * 2]).sum() + (stack([a, b], dim=1) ** 2).sum() + where(a > 1.5, a, b).sum()
    joined.backward()
    np.testing.assert_allclose(a.grad._data, [1 + 2, 1 + 4 + 1])
    np.testing.assert_allclose(b.grad._data, [2 + 6 + 1, 2 + 8])
