"""Module 01 against PyTorch itself (optional oracle: skipped, with the reason, without torch)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (optional oracle: "
                                            ".venv/bin/pip install torch==2.13.0)")
pytestmark = pytest.mark.torch

import tinytorch.core.tensor as tt  # noqa: E402
from tinytorch.core.tensor import Tensor  # noqa: E402


def torch_dtype_name(t):
    return str(t.dtype).replace("torch.", "")


@pytest.mark.parametrize("data", [[1.5, 2.0], [1, 2], [True, False], [1, 2.5], 3.0, 7, []])
def test_inferred_dtypes_match_torch(data):
    assert str(Tensor(data).dtype) == torch_dtype_name(torch.tensor(data))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_])
def test_numpy_dtypes_kept_like_torch(dtype):
    arr = np.ones(3, dtype=dtype)
    assert str(Tensor(arr).dtype) == torch_dtype_name(torch.from_numpy(arr))
    assert str(tt.tensor(arr).dtype) == torch_dtype_name(torch.tensor(arr))


@pytest.mark.parametrize("expr", [
    lambda m, a, b: a + b, lambda m, a, b: a / b, lambda m, a, b: a * 2.5, lambda m, a, b: a + 1,
    lambda m, a, b: a / 2, lambda m, a, b: m.exp(a), lambda m, a, b: a.sum(), lambda m, a, b: (a > 1).sum(),
    lambda m, a, b: a ** 2, lambda m, a, b: a ** 0.5, lambda m, a, b: a @ a.T,
])
@pytest.mark.parametrize("kind", ["int", "float"])
def test_result_dtypes_match_torch(expr, kind):
    a_np = np.array([[1, 2], [3, 4]], dtype=np.int64 if kind == "int" else np.float32)
    b_np = np.array([[5, 6], [7, 8]], dtype=np.int64)
    ours = expr(tt, Tensor(a_np), Tensor(b_np))
    theirs = expr(torch, torch.from_numpy(a_np), torch.from_numpy(b_np))
    assert str(ours.dtype) == torch_dtype_name(theirs)
    np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-6)


def test_reductions_views_and_strides_match_torch():
    x_np = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    ours, theirs = Tensor(x_np), torch.from_numpy(x_np)
    for dim in (0, -1, (0, 2)):
        for keepdim in (False, True):
            np.testing.assert_allclose(ours.sum(dim, keepdim)._data, theirs.sum(dim, keepdim).numpy())
            np.testing.assert_allclose(ours.mean(dim, keepdim)._data, theirs.mean(dim, keepdim).numpy())
    ov, oi = ours.max(dim=1)
    tv, ti = theirs.max(dim=1)
    np.testing.assert_array_equal(ov._data, tv.numpy())
    np.testing.assert_array_equal(oi._data, ti.numpy())
    for make in (lambda t: t.transpose(0, 2), lambda t: t.permute(2, 0, 1), lambda t: t[:, 1],
                 lambda t: t[..., ::2], lambda t: t.reshape(6, 4), lambda t: t.unsqueeze(1)):
        o, t_ = make(ours), make(theirs)
        assert o.shape == tuple(t_.shape)
        assert o.stride() == t_.stride()
        assert o.is_contiguous() == t_.is_contiguous()
        np.testing.assert_array_equal(o._data, t_.numpy())


def test_repr_matches_torch():
    for data in ([1.0, 2.0], [1, 2], [[1.0, 2.0], [3.0, 4.0]], [True, False]):
        assert repr(Tensor(data)) == repr(torch.tensor(data))
    # for other dtypes torch writes `dtype=torch.float64`; we write `dtype=float64` (there is no torch here)
