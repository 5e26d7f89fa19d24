"""Module 04 losses against torch.nn.functional (optional oracle: skipped, with the reason, without torch)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (optional oracle: "
                                            ".venv/bin/pip install torch==2.13.0)")
F = torch.nn.functional
pytestmark = pytest.mark.torch

from tinytorch.core.losses import (  # noqa: E402
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss, binary_cross_entropy,
    binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss,
)
from tinytorch.core.tensor import Tensor  # noqa: E402

REDUCTIONS = ("mean", "sum", "none")
DTYPES = (np.float32, np.float64)
RNG = np.random.default_rng(7)


def same(ours, theirs, rtol=1e-5, atol=1e-5):
    theirs = theirs.detach().numpy()
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    np.testing.assert_allclose(ours._data, theirs, rtol=rtol, atol=atol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_mse(reduction, dtype):
    x, y = RNG.normal(size=(5, 4)).astype(dtype), RNG.normal(size=(5, 4)).astype(dtype)
    same(mse_loss(Tensor(x), Tensor(y), reduction=reduction),
         F.mse_loss(torch.from_numpy(x), torch.from_numpy(y), reduction=reduction))
    same(MSELoss(reduction)(Tensor(x), Tensor(y)), torch.nn.MSELoss(reduction=reduction)(torch.from_numpy(x), torch.from_numpy(y)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_bce(reduction, dtype):
    p = RNG.uniform(size=(6, 3)).astype(dtype)
    p[0, :3] = [0.0, 1.0, 1e-30]                       # the clamp at -100
    y = RNG.uniform(size=(6, 3)).astype(dtype)
    y[0, :2] = [1.0, 0.0]
    same(binary_cross_entropy(Tensor(p), Tensor(y), reduction=reduction),
         F.binary_cross_entropy(torch.from_numpy(p), torch.from_numpy(y), reduction=reduction))
    same(BCELoss(reduction)(Tensor(p), Tensor(y)),
         torch.nn.BCELoss(reduction=reduction)(torch.from_numpy(p), torch.from_numpy(y)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_bce_with_logits(reduction, dtype, scale):
    x = (RNG.normal(size=(4, 5)) * scale).astype(dtype)
    y = RNG.uniform(size=(4, 5)).astype(dtype)
    rtol = 1e-5
    same(binary_cross_entropy_with_logits(Tensor(x), Tensor(y), reduction=reduction),
         F.binary_cross_entropy_with_logits(torch.from_numpy(x), torch.from_numpy(y), reduction=reduction),
         rtol=rtol, atol=1e-5 * scale)
    same(BCEWithLogitsLoss(reduction)(Tensor(x), Tensor(y)),
         torch.nn.BCEWithLogitsLoss(reduction=reduction)(torch.from_numpy(x), torch.from_numpy(y)),
         rtol=rtol, atol=1e-5 * scale)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_cross_entropy(reduction, dtype, scale):
    x = (RNG.normal(size=(8, 6)) * scale).astype(dtype)
    t = RNG.integers(0, 6, size=8)
    tt = torch.from_numpy(t)
    same(cross_entropy(Tensor(x), Tensor(t), reduction=reduction),
         F.cross_entropy(torch.from_numpy(x), tt, reduction=reduction), atol=1e-5 * scale)
    same(CrossEntropyLoss(reduction)(Tensor(x), t),
         torch.nn.CrossEntropyLoss(reduction=reduction)(torch.from_numpy(x), tt), atol=1e-5 * scale)
    logp = F.log_softmax(torch.from_numpy(x), dim=1)
    same(nll_loss(Tensor(logp.numpy()), t, reduction=reduction), F.nll_loss(logp, tt, reduction=reduction),
         atol=1e-5 * scale)
    same(NLLLoss(reduction)(Tensor(logp.numpy()), t), torch.nn.NLLLoss(reduction=reduction)(logp, tt),
         atol=1e-5 * scale)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_single_sample(reduction):
    x = RNG.normal(size=5).astype(np.float32)
    same(cross_entropy(Tensor(x), 3, reduction=reduction),
         F.cross_entropy(torch.from_numpy(x), torch.tensor(3), reduction=reduction))


def test_extreme_logits_exact():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0], [10.0, 0.0, -10.0]], np.float32)
    t = np.array([0, 0, 0])
    same(cross_entropy(Tensor(x), t, reduction="none"),
         F.cross_entropy(torch.from_numpy(x), torch.from_numpy(t), reduction="none"), rtol=1e-6, atol=1e-6)
