"""Small images (2 * out_w <= N) leave conv2d with the batch innermost in memory, and the layers after it keep
that layout (padding, ReLU, pooling, their gradients), so no layer pays a transposing copy. These tests check
that the layout is what the code says, that the values and every gradient of a small CNN still match PyTorch
through each layer (with one and two threads), and that the layout shows only where PyTorch's strides would
show it: views that keep the batch apart work, views that merge it raise PyTorch's message."""
import numpy as np
import pytest

import tinytorch as tt
from tinytorch.core import threads
from tinytorch.core.spatial import avg_pool2d, conv2d, max_pool2d
from tinytorch.core.spatial_support import _batch_last, _pad
from tinytorch.core.tensor import Tensor

torch = pytest.importorskip("torch")


def batch_innermost(a):
    return a.strides[0] == a.itemsize and a.transpose(tuple(range(1, a.ndim)) + (0,)).flags.c_contiguous


@pytest.fixture(params=[1, 2])
def thread_count(request):
    saved = tt.get_num_threads()
    tt.set_num_threads(request.param)
    yield request.param
    tt.set_num_threads(saved)


def small_cnn(lib, x, ws, pool):
    """conv 3x3 p1 -> ReLU -> conv 3x3 p1 -> ReLU -> pool -> conv 3x3 p1 -> ReLU -> pool -> flatten -> linear."""
    F = lib.nn.functional
    h = F.relu(F.conv2d(x, ws[0], ws[1], padding=1))
    h = F.relu(F.conv2d(h, ws[2], ws[3], padding=1))
    h = pool(lib, h)
    h = F.relu(F.conv2d(h, ws[4], ws[5], padding=1))
    h = pool(lib, h)
    return F.linear(h.reshape(h.shape[0], -1), ws[6], ws[7])


POOLS = {
    "max 2": lambda lib, h: lib.nn.functional.max_pool2d(h, 2),
    "max 3 stride 2 padding 1 (overlapping)": lambda lib, h: lib.nn.functional.max_pool2d(h, 3, 2, 1),
    "avg 2": lambda lib, h: lib.nn.functional.avg_pool2d(h, 2),
}


@pytest.mark.parametrize("pool", list(POOLS))
def test_small_cnn_matches_torch_through_the_batch_innermost_layout(pool, thread_count):
    rng = np.random.default_rng(3)
    shapes = [(16, 1, 3, 3), (16,), (32, 16, 3, 3), (32,), (32, 32, 3, 3), (32,), (10, 32 * 2 * 2), (10,)]
    arrays = [rng.standard_normal(s) * 0.3 for s in shapes]
    x = rng.standard_normal((40, 1, 8, 8))
    x[0, 0, :2, :2] = 1.0                                              # ties for max pooling's first-maximum rule
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    tx, rx = Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = small_cnn(tt, tx, ours, POOLS[pool]), small_cnn(torch, rx, theirs, POOLS[pool])
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    for k, (a, b) in enumerate(zip([tx] + ours, [rx] + theirs)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-10, err_msg=f"input {k}")


def test_each_layer_keeps_the_batch_innermost():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((32, 4, 8, 8)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((16, 4, 3, 3)).astype(np.float32), requires_grad=True)
    conv = conv2d(x, w, padding=1)
    relu = tt.nn.functional.relu(conv)
    pooled = max_pool2d(relu, 2)
    averaged = avg_pool2d(relu, 2)
    for name, t in (("conv2d", conv), ("relu", relu), ("max_pool2d", pooled)):
        assert batch_innermost(t.detach().numpy()), (name, t.detach().numpy().strides)
    assert batch_innermost(_pad(relu.detach().numpy(), (1, 1, 2, 0))), "_pad keeps its input's memory order"
    np.testing.assert_array_equal(_pad(relu.detach().numpy(), (1, 1, 2, 0)),
                                  np.pad(relu.detach().numpy(), ((0, 0), (0, 0), (1, 1), (2, 0))))
    (pooled.sum() + averaged.sum()).backward()
    assert batch_innermost(x.grad.numpy()), "the input's gradient comes back from col2im with the batch innermost"
    big = conv2d(Tensor(rng.standard_normal((2, 4, 8, 8)).astype(np.float32)), w, padding=1)   # 2 * 8 > 2
    assert big.is_contiguous(), "large images: one product per image, the usual (N, C, H, W) layout"


def test_views_work_where_the_strides_allow_and_raise_pytorchs_message_elsewhere():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 2, 4, 4)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
    out = conv2d(Tensor(x), Tensor(w), padding=1)
    ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1)
    assert not out.is_contiguous() and out.stride()[0] == 1
    np.testing.assert_allclose(out.view(32, -1).numpy(), ref.view(32, -1).numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out.view(-1, 3 * 16).numpy(), ref.reshape(-1, 48).numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out.flatten(1).numpy(), torch.flatten(ref, 1).numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(RuntimeError, match="view size is not compatible with input tensor's size and stride"):
        out.view(-1)                           # merges the batch with the rest: PyTorch's strides would allow it
    assert out.contiguous().is_contiguous()
    np.testing.assert_allclose(out.contiguous().view(-1).numpy(), ref.view(-1).numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out.reshape(-1).numpy(), ref.reshape(-1).numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
def test_relu_kernels_on_the_batch_innermost_layout_equal_numpy_bit_for_bit(dtype, thread_count):
    rng = np.random.default_rng(2)
    for shape in ((16, 8, 8, 32), (64, 32, 32, 64)):                   # one call, and split among the threads
        a = np.moveaxis((rng.standard_normal(shape) * 4).astype(dtype), -1, 0)
        if dtype != np.int32:
            a[1, 2, 3, 4], a[2, 3, 4, 5] = np.nan, -0.0
        got = threads.relu(a)
        assert batch_innermost(got) and got.dtype == a.dtype
        np.testing.assert_array_equal(got, np.maximum(a, 0))
        assert np.array_equal(np.signbit(got), np.signbit(np.maximum(a, 0)))
        g = np.moveaxis(rng.standard_normal(shape).astype(np.float32), -1, 0)
        grad = threads.relu_grad(g, a)
        assert batch_innermost(grad)
        np.testing.assert_array_equal(grad, g * (a > 0))


def test_batch_last_is_a_view_when_the_batch_is_already_innermost():
    rng = np.random.default_rng(5)
    inner = np.moveaxis(rng.standard_normal((6, 5, 4, 32)), -1, 0)
    moved = _batch_last(inner)
    assert np.shares_memory(moved, inner) and moved.flags.c_contiguous
    usual = np.ascontiguousarray(inner)
    copied = _batch_last(usual)
    assert not np.shares_memory(copied, usual) and copied.flags.c_contiguous
    np.testing.assert_array_equal(moved, copied)
    np.testing.assert_array_equal(copied, np.moveaxis(usual, 0, -1))
