"""conv2d's two layouts: on small images (2 * out_w <= N) the whole batch in one product per group, columns ordered
(pixel, image); otherwise one product per image and group, in chunks of images shared among the threads. A mix-up
of the batch and pixel axes, or of one chunk's rows with another's, only shows with several images, several
groups, non-square sizes and several chunks: these cases check the values, the layout of the output and every
gradient against PyTorch (float32 and float64, with the usual chunks and with chunks of one image) and against
finite differences (float64, batch 3)."""
import numpy as np
import pytest

from tinytorch.core.autograd_support import numeric_gradient
from tinytorch.core.spatial import conv2d
from tinytorch.core.tensor import Tensor

torch = pytest.importorskip("torch")

CASES = [  # (N, C_in, H, W), (C_out, C_in/groups, kh, kw), settings
    ((5, 4, 9, 7), (6, 2, 3, 2), dict(stride=(2, 1), padding=(2, 1), dilation=(1, 2), groups=2)),
    ((3, 8, 6, 11), (8, 2, 3, 3), dict(stride=1, padding=1, dilation=1, groups=4)),
    ((1, 3, 5, 8), (4, 3, 2, 3), dict(stride=(1, 3), padding=0, dilation=(2, 1), groups=1)),
    ((7, 2, 4, 4), (2, 1, 3, 3), dict(stride=1, padding="same", dilation=1, groups=2)),
    ((16, 3, 5, 6), (4, 3, 3, 3), dict(stride=1, padding=1, dilation=1, groups=1)),   # small images: batch innermost
    ((12, 4, 3, 4), (6, 2, 2, 3), dict(stride=1, padding=(1, 0), dilation=1, groups=2)),  # small images, groups
]


@pytest.fixture(params=["usual chunks", "chunks of one image"])
def chunking(request, monkeypatch):
    if request.param == "chunks of one image":
        from tinytorch.core import threads
        monkeypatch.setattr(threads, "CHUNK_ELEMENTS", 1)
    return request.param


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_whole_batch_product_matches_torch(case, dtype, chunking):
    xshape, wshape, kw = CASES[case]
    rng = np.random.default_rng(case)
    x, w = rng.standard_normal(xshape).astype(dtype), rng.standard_normal(wshape).astype(dtype)
    b = rng.standard_normal(wshape[0]).astype(dtype)
    tx, tw, tb = (Tensor(a.copy(), requires_grad=True) for a in (x, w, b))
    out = conv2d(tx, tw, tb, **kw)
    rx, rw, rb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ref = torch.nn.functional.conv2d(rx, rw, rb, **kw)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    assert out.dtype == dtype and out.shape == tuple(ref.shape)
    values = out.detach().numpy()
    if 2 * out.shape[3] <= out.shape[0]:        # small images: the product itself, the batch innermost in memory
        assert values.strides[0] == values.itemsize and not out.is_contiguous(), values.strides
        assert values.transpose(1, 2, 3, 0).flags.c_contiguous, "(C_out, oh, ow, N) in memory, viewed, not copied"
    else:
        assert values.flags.c_contiguous, "one product per image writes the (N, C, H, W) output in place"
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), **tol)
    upstream = rng.standard_normal(out.shape).astype(dtype)
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    for name, ours, theirs in (("input", tx, rx), ("weight", tw, rw), ("bias", tb, rb)):
        assert ours.grad.dtype == dtype, f"{name} gradient keeps the dtype"
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), err_msg=name, **tol)


def test_whole_batch_product_matches_finite_differences():
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal((3, 4, 5, 6)), rng.standard_normal((4, 2, 2, 3)), rng.standard_normal(4)]

    def fn(a, k, c):
        return conv2d(a, k, c, stride=(1, 2), padding=(1, 0), dilation=(2, 1), groups=2)

    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    for k, t in enumerate(tensors):
        np.testing.assert_allclose(t.grad.numpy(), numeric_gradient(fn, arrays, k, upstream), atol=1e-6,
                                   err_msg=f"input {k}")
