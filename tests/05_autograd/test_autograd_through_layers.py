"""Module 03 layers are built from Tensor ops, so module 05's autograd differentiates them with no extra
code: gradients against torch (skipped, with the reason, without torch or before module 05 is exported)."""
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (optional oracle: "
                                            ".venv/bin/pip install torch==2.13.0)")
pytest.importorskip("tinytorch.core.autograd", reason="module 05 (autograd) is not exported yet")
pytestmark = pytest.mark.torch

from tinytorch.core import layers as nn  # noqa: E402
from tinytorch.core.tensor import Tensor, manual_seed  # noqa: E402


def test_mlp_gradients_match_torch():
    manual_seed(0)
    ours = nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 3), nn.LogSoftmax(dim=1))
    theirs = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 8), torch.nn.ReLU(),
                                 torch.nn.Linear(8, 3), torch.nn.LogSoftmax(dim=1))
    theirs.load_state_dict(OrderedDict((k, torch.from_numpy(v.numpy())) for k, v in ours.state_dict().items()))
    x = np.random.default_rng(0).standard_normal((4, 3, 2, 2)).astype(np.float32)
    w = np.arange(12, dtype=np.float32).reshape(4, 3)
    xo = Tensor(x, requires_grad=True)
    (ours(xo) * Tensor(w)).sum().backward()
    xt = torch.from_numpy(x).requires_grad_()
    (theirs(xt) * torch.from_numpy(w)).sum().backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad._data, q.grad.numpy(), rtol=1e-5, atol=1e-5, err_msg=name)
    np.testing.assert_allclose(xo.grad._data, xt.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_dropout_gradient_is_the_mask():
    manual_seed(1)
    x = Tensor(np.ones((5, 6), dtype=np.float32), requires_grad=True)
    y = nn.Dropout(0.4)(x)
    y.sum().backward()
    assert np.array_equal(x.grad._data, y._data)         # d(x * mask)/dx = mask, and y = mask here


def test_zero_grad_after_backward():
    lin = nn.Linear(3, 2)
    lin(Tensor(np.ones((1, 3), dtype=np.float32))).sum().backward()
    assert all(p.grad is not None for p in lin.parameters())
    lin.zero_grad()
    assert all(p.grad is None for p in lin.parameters())
