"""Module 07 clip_grad_norm_ against torch.nn.utils.clip_grad_norm_ (optional oracle: skipped without torch)."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (optional oracle: "
                                            ".venv/bin/pip install torch==2.13.0)")
pytestmark = pytest.mark.torch

from tinytorch.core.tensor import Tensor  # noqa: E402
from tinytorch.core.training import clip_grad_norm_  # noqa: E402

SHAPES = [(3, 4), (4,), (2, 2, 2), (1,)]


def make_pair(rng, scale, dtype, with_none=False):
    ours, theirs = [], []
    for i, shape in enumerate(SHAPES):
        g = (rng.standard_normal(shape) * scale).astype(dtype)
        p = Tensor(np.zeros(shape, dtype=dtype), requires_grad=True)
        t = torch.zeros(shape, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
        if not (with_none and i == 1):
            p.grad = Tensor(g.copy())
            t.grad = torch.from_numpy(g.copy())
        ours.append(p)
        theirs.append(t)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.1, 1.0, 100.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch(norm_type, max_norm, dtype):
    rng = np.random.default_rng(hash((str(norm_type), max_norm)) % 2**32)
    ours, theirs = make_pair(rng, 3.0, dtype, with_none=True)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=float(norm_type))
    assert total.dtype == np.dtype(dtype) and total.shape == ()
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-5)
    for p, t in zip(ours, theirs):
        if t.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad._data, t.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_no_gradients_returns_zero_like_torch():
    p = Tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    t = torch.zeros(3, requires_grad=True)
    assert clip_grad_norm_([p], 1.0).item() == torch.nn.utils.clip_grad_norm_([t], 1.0).item() == 0.0


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_non_finite_gradients_like_torch(bad):
    g = np.array([bad, 1.0, -2.0], dtype=np.float32)
    p = Tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    p.grad = Tensor(g.copy())
    t = torch.zeros(3, requires_grad=True)
    t.grad = torch.from_numpy(g.copy())
    with np.errstate(invalid="ignore"):
        total = clip_grad_norm_([p], 1.0)
    expected = torch.nn.utils.clip_grad_norm_([t], 1.0)
    assert np.isnan(total.item()) == math.isnan(expected.item())
    np.testing.assert_array_equal(np.isnan(p.grad._data), torch.isnan(t.grad).numpy())
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
