"""Regression (module 09): odd sizes, stride 2 and padding 0/1/2 give the output shape of the formula
floor((n + 2p - d(k-1) - 1) / s) + 1, and the same shape as PyTorch, for Conv2d, MaxPool2d and AvgPool2d."""
import itertools

import numpy as np
import pytest

from tinytorch.core.spatial import AvgPool2d, Conv2d, MaxPool2d
from tinytorch.core.tensor import Tensor

try:
    import torch
except ImportError:
    torch = None

SIZES = [(7, 7), (9, 5), (8, 11), (5, 6)]
GRID = list(itertools.product(SIZES, [1, 2], [0, 1, 2], [3, (2, 3)]))


def formula(n, k, s, p, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


@pytest.mark.parametrize("size, stride, padding, kernel", GRID)
def test_conv_shapes(size, stride, padding, kernel):
    k = _pair(kernel)
    x = np.random.default_rng(0).standard_normal((2, 3, *size)).astype(np.float32)
    out = Conv2d(3, 4, kernel, stride=stride, padding=padding)(Tensor(x))
    expected = (2, 4) + tuple(formula(size[a], k[a], stride, padding) for a in range(2))
    assert out.shape == expected
    if torch is not None:
        assert tuple(torch.nn.Conv2d(3, 4, kernel, stride=stride, padding=padding)(torch.from_numpy(x)).shape) == expected


@pytest.mark.parametrize("size, stride, padding, kernel", [g for g in GRID if g[2] <= min(_pair(g[3])) // 2])
def test_pool_shapes(size, stride, padding, kernel):
    k = _pair(kernel)
    x = np.random.default_rng(0).standard_normal((2, 3, *size)).astype(np.float32)
    expected = (2, 3) + tuple(formula(size[a], k[a], stride, padding) for a in range(2))
    for ours, theirs in ((MaxPool2d, "MaxPool2d"), (AvgPool2d, "AvgPool2d")):
        assert ours(kernel, stride=stride, padding=padding)(Tensor(x)).shape == expected, theirs
        if torch is not None:
            ref = getattr(torch.nn, theirs)(kernel, stride=stride, padding=padding)(torch.from_numpy(x))
            assert tuple(ref.shape) == expected, theirs


def test_pool_padding_above_half_kernel_is_refused_like_torch():
    with pytest.raises(ValueError, match="half the kernel"):
        MaxPool2d(3, padding=2)(Tensor(np.zeros((1, 1, 7, 7), dtype=np.float32)))
