"""Conv2d / MaxPool2d / AvgPool2d as modules: PyTorch's parameters, init, reprs, state dicts, float32
outputs against torch.nn with the same weights, and a small CNN's gradients."""
import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.layers import Flatten, Linear, ReLU, Sequential
from tinytorch.core.spatial import AvgPool2d, Conv2d, MaxPool2d
from tinytorch.core.tensor import Tensor, manual_seed

try:
    import torch
except ImportError:                      # the torch comparisons are skipped with the reason below
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed (.venv/bin/pip install torch==2.13.0)")


def test_parameters_shapes_and_names():
    conv = Conv2d(6, 4, (3, 2), groups=2)
    assert conv.weight.shape == (4, 3, 3, 2) and conv.bias.shape == (4,)
    assert list(conv.state_dict()) == ["weight", "bias"]
    assert conv.weight.dtype == np.float32 and conv.weight.requires_grad
    assert Conv2d(2, 2, 1, bias=False).bias is None and list(Conv2d(2, 2, 1, bias=False).state_dict()) == ["weight"]
    assert Conv2d(2, 2, 3, dtype=np.float64).weight.dtype == np.float64


def test_default_init_is_seeded_and_uniform_in_pytorch_bounds():
    manual_seed(3)
    a = Conv2d(16, 32, 5)
    manual_seed(3)
    b = Conv2d(16, 32, 5)
    assert np.array_equal(a.weight._data, b.weight._data) and np.array_equal(a.bias._data, b.bias._data)
    bound = 1 / np.sqrt(16 * 5 * 5)
    w = a.weight._data
    assert np.abs(w).max() <= bound and np.abs(a.bias._data).max() <= bound
    # uniform on [-bound, bound]: variance bound^2 / 3 (12,800 samples: within 5%)
    assert abs(w.var() / (bound ** 2 / 3) - 1) < 0.05 and abs(w.mean()) < 0.02 * bound * 10


@needs_torch
def test_init_statistics_match_torch():
    torch.manual_seed(0)
    ref = torch.nn.Conv2d(8, 16, 3, groups=2).weight.detach().numpy()
    ours = Conv2d(8, 16, 3, groups=2).weight._data
    assert ours.shape == ref.shape
    assert abs(ours.std() / ref.std() - 1) < 0.15 and np.abs(ours).max() <= np.abs(ref).max() * 1.05 + 1e-6


@needs_torch
@pytest.mark.parametrize("kw", [dict(), dict(padding="same"), dict(stride=2, dilation=2, groups=2, bias=False),
                                dict(padding=(1, 0), stride=(2, 1))])
def test_repr_matches_torch(kw):
    ours = Conv2d(4, 6, (2, 3), **kw)
    ref = torch.nn.Conv2d(4, 6, (2, 3), **kw)
    assert repr(ours) == repr(ref)


@needs_torch
def test_small_cnn_matches_torch_forward_and_backward_float32():
    """The same LeNet-style stack with the same weights: outputs and every parameter gradient agree."""
    tnn = torch.nn
    torch.manual_seed(0)
    ref = tnn.Sequential(tnn.Conv2d(1, 6, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(2),
                         tnn.Conv2d(6, 8, 3, padding=1, groups=2), tnn.ReLU(), tnn.AvgPool2d(2),
                         tnn.Flatten(), tnn.Linear(8 * 2 * 2, 10))
    ours = Sequential(Conv2d(1, 6, 3, padding=1), ReLU(), MaxPool2d(2), Conv2d(6, 8, 3, padding=1, groups=2),
                      ReLU(), AvgPool2d(2), Flatten(), Linear(8 * 2 * 2, 10))
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    x = np.random.default_rng(0).random((5, 1, 8, 8), dtype=np.float32)
    out = ours(Tensor(x))
    expected = ref(torch.from_numpy(x))
    np.testing.assert_allclose(out._data, expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    upstream = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    ref_grads = {name: p.grad.numpy() for name, p in ref.named_parameters()}
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad._data, ref_grads[name], rtol=1e-4, atol=1e-5, err_msg=name)


@needs_torch
def test_bench_block_matches_torch_float32():
    """The bench workload (Conv2d 3->32, k3, pad 1 + ReLU + MaxPool2d(2), batch 32x3x32x32)."""
    torch.manual_seed(0)
    tconv = torch.nn.Conv2d(3, 32, 3, padding=1)
    conv = Conv2d(3, 32, 3, padding=1)
    conv.load_state_dict({k: v.detach().numpy() for k, v in tconv.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((32, 3, 32, 32)).astype(np.float32)
    xt = Tensor(x.copy(), requires_grad=True)
    out = MaxPool2d(2)(ReLU()(conv(xt)))
    out.sum().backward()
    X = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.max_pool2d(torch.relu(tconv(X)), 2)
    ref.sum().backward()
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(xt.grad._data, X.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(conv.weight.grad._data, tconv.weight.grad.numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(conv.bias.grad._data, tconv.bias.grad.numpy(), rtol=1e-4, atol=1e-3)


def test_pool_modules_default_stride_is_kernel():
    x = Tensor(np.arange(2 * 3 * 7 * 6, dtype=np.float32).reshape(2, 3, 7, 6))
    assert MaxPool2d(2)(x).shape == (2, 3, 3, 3)
    assert MaxPool2d(3, stride=1, padding=1)(x).shape == (2, 3, 7, 6)
    assert AvgPool2d((2, 3))(x).shape == (2, 3, 3, 2)
    assert MaxPool2d(2)(x)._data[0, 0, 0, 0] == 7.0          # max of [[0, 1], [6, 7]]


def test_no_grad_keeps_no_column_matrix():
    from tinytorch.core.autograd import no_grad
    conv = Conv2d(3, 4, 3)
    with no_grad():
        out = conv(Tensor(np.zeros((1, 3, 5, 5), dtype=np.float32)))
    assert out.grad_fn is None and not out.requires_grad
