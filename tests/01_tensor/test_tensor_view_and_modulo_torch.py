"""Module 01 support (tinytorch/core/tensor_ops.py) against PyTorch: view() on any tensor whose strides
allow it (split/chunk pieces, slices), PyTorch's error where they do not; % and // (remainder and
floor_divide) with Python's rounding and integer dtypes kept. (The gradient of remainder is checked
against torch by the gradient oracle of module 05: these public tests must not need module 05.)"""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (optional oracle: "
                                            ".venv/bin/pip install torch==2.13.0)")
pytestmark = pytest.mark.torch

import tinytorch  # noqa: E402
from tinytorch.core.tensor import Tensor  # noqa: E402

VIEW_ERROR = ("view size is not compatible with input tensor's size and stride (at least one dimension spans "
              "across two contiguous subspaces). Use .reshape(...) instead.")


def both(array):
    return Tensor(array), torch.tensor(array)


def same(ours, theirs):
    assert ours.shape == tuple(theirs.shape), (ours.shape, tuple(theirs.shape))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    np.testing.assert_array_equal(ours._data, theirs.numpy())
    assert ours.stride() == theirs.stride(), (ours.stride(), theirs.stride())


@pytest.mark.parametrize("make, shape", [
    (lambda t: t.split(6, dim=-1)[1], (2, 3, 2, 3)),           # split along the last dim, then heads
    (lambda t: t.chunk(3, dim=-1)[2], (2, 3, 2, 2)),
    (lambda t: t[:, 1:], (2, 2, 12)),                           # a slice along a leading dim
    (lambda t: t[:, :, ::2], (2, 3, 3, 2)),                     # a strided last dim
    (lambda t: t[:, :, ::2], (2, 18)),
    (lambda t: t.transpose(0, 1), (3, 2, 12)),                  # only the merged dims must be contiguous
    (lambda t: t.transpose(0, 1), (3, 2, 3, 4)),
    (lambda t: t, (-1,)),
    (lambda t: t[0], (36,)),
    (lambda t: t.expand(4, 2, 3, 12)[1], (6, 12)),
])
def test_view_works_wherever_torch_allows_it(make, shape):
    ours, theirs = both(np.arange(72, dtype=np.float32).reshape(2, 3, 12))
    a, b = make(ours), make(theirs)
    va, vb = a.view(*shape), b.view(*shape)
    same(va, vb)
    assert np.shares_memory(va._data, ours._data), "a view shares the storage"


@pytest.mark.parametrize("make, shape", [
    (lambda t: t.transpose(1, 2), (-1,)),
    (lambda t: t.transpose(1, 2), (2, 36)),
    (lambda t: t[:, :2, ::2], (-1,)),
    (lambda t: t.split(6, dim=-1)[0], (2, 18)),
])
def test_view_raises_torch_message_where_strides_do_not_allow_it(make, shape):
    ours, theirs = both(np.arange(72, dtype=np.float32).reshape(2, 3, 12))
    with pytest.raises(RuntimeError) as torch_error:
        make(theirs).view(*shape)
    with pytest.raises(RuntimeError) as our_error:
        make(ours).view(*shape)
    assert str(our_error.value) == VIEW_ERROR == str(torch_error.value)


def test_view_of_a_wrong_size_is_a_value_error_naming_the_shapes():
    with pytest.raises(ValueError, match=r"\(5, 5\).*\(2, 3\)"):
        Tensor(np.zeros((2, 3))).view(5, 5)


def test_attention_heads_from_a_fused_projection():
    """The Part III idiom: q, k, v = qkv.split(d, dim=-1); q.view(B, T, heads, d // heads)."""
    qkv = np.random.default_rng(0).standard_normal((2, 5, 3 * 8)).astype(np.float32)
    ours, theirs = both(qkv)
    for a, b in zip(ours.split(8, dim=-1), theirs.split(8, dim=-1)):
        same(a.view(2, 5, 2, 4).transpose(1, 2), b.view(2, 5, 2, 4).transpose(1, 2))


VALUES = [np.array([-7, -6, -1, 0, 1, 5, 7], dtype=np.int64), np.array([-7.5, -2.0, -0.25, 0.0, 0.5, 3.0, 7.25])]
DIVISORS = [np.array([3, -3, 2, -2, 5, 4, -4], dtype=np.int64), np.array([2.0, -2.0, 0.75, -1.5, 3.0, 2.5, -0.5],
                                                                            dtype=np.float32)]


@pytest.mark.parametrize("a", VALUES)
@pytest.mark.parametrize("b", DIVISORS + [3, -2, 2.5, -0.75])
def test_remainder_and_floor_divide_match_torch(a, b):
    ta, tb = Tensor(a), (Tensor(b) if isinstance(b, np.ndarray) else b)
    ra, rb = torch.tensor(a), (torch.tensor(b) if isinstance(b, np.ndarray) else b)
    for ours, theirs in ((ta % tb, ra % rb), (ta // tb, ra // rb),
                         (tinytorch.remainder(ta, tb), torch.remainder(ra, rb)),
                         (tinytorch.floor_divide(ta, tb), torch.floor_divide(ra, rb)),
                         (ta.remainder(tb), ra.remainder(rb))):
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
        np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("number", [7, -7, 7.5])
def test_reflected_modulo_and_floor_division_match_torch(number):
    a = np.array([2, -3, 4], dtype=np.int64)
    for ours, theirs in ((number % Tensor(a), number % torch.tensor(a)),
                         (number // Tensor(a), number // torch.tensor(a))):
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-6)


def test_integer_division_by_zero_raises_like_torch():
    for op in (lambda x, y: x % y, lambda x, y: x // y):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            op(torch.tensor([5]), 0)
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            op(Tensor([5]), 0)
    assert np.isnan((Tensor([5.0]) % 0.0).item()) and np.isnan((torch.tensor([5.0]) % 0.0).item())


def test_floor_divide_is_not_recorded():
    x = Tensor([5.0, -3.0], requires_grad=True)
    out = x // 2
    assert out.grad_fn is None and not out.requires_grad
