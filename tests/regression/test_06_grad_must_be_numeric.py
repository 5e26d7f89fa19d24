"""Regression (module 06): a non-numeric `.grad` gave a misleading or NumPy-internal error.

A string `.grad` was reported as "its .grad has shape ()", and an array of strings failed deep in NumPy
with "could not convert string to float". `step()` now names the parameter and says what `.grad`
must be.
"""
import numpy as np
import pytest

from tinytorch.core.layers import Parameter
from tinytorch.core.optimizers import SGD, Adam


@pytest.mark.parametrize("opt_cls", [SGD, Adam])
@pytest.mark.parametrize("grad, words", [("abc", "must be a Tensor or a NumPy array"),
                                         ([0.1, 0.2, 0.3], "must be a Tensor or a NumPy array"),
                                         (np.array(["a", "b", "c"]), "must hold numbers, got dtype <U1"),
                                         (np.array([1 + 1j, 0, 0]), "must hold numbers, got dtype complex128")])
def test_non_numeric_grad_named(opt_cls, grad, words):
    p = Parameter(np.zeros(3, np.float32))
    p.grad = grad
    with pytest.raises(TypeError, match="parameter 0: .grad " + words.replace("(", r"\(")):
        opt_cls([p], lr=0.1).step()
    np.testing.assert_array_equal(p._data, np.zeros(3, np.float32))     # nothing changed


def test_numeric_grads_still_work():
    p = Parameter(np.ones(3, np.float32))
    p.grad = np.array([1, 2, 3])                     # int gradient: cast to the parameter's dtype
    SGD([p], lr=0.5).step()
    np.testing.assert_allclose(p._data, [0.5, 0.0, -0.5])
    q = Parameter(np.ones((), np.float32))
    q.grad = np.float32(2.0)                         # a NumPy scalar for a 0-d parameter
    SGD([q], lr=0.5).step()
    assert float(q._data) == 0.0
