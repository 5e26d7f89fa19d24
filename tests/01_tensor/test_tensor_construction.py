"""Module 01: constructing a Tensor, its dtype rules, properties, conversions and Python protocol."""
import numpy as np
import pytest

import tinytorch.core.tensor as tt
from tinytorch.core.tensor import Tensor


@pytest.mark.parametrize("data, dtype", [
    ([1.5, 2.0], np.float32),           # Python floats -> float32, as in PyTorch
    (3.0, np.float32),
    ([1, 2], np.int64),                 # Python ints -> int64
    (7, np.int64),
    ([True, False], np.bool_),
    ([1, 2.5], np.float32),             # a mix of ints and floats is float
    ([], np.float32),                   # an empty list is float32
    ((1, 2), np.int64),                 # tuples work like lists
])
def test_python_data_dtype_rules(data, dtype):
    assert Tensor(data).dtype == dtype
    assert tt.tensor(data).dtype == dtype


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.int32, np.int64,
                                   np.uint8, np.bool_])
def test_numpy_input_keeps_dtype_and_memory(dtype):
    arr = np.arange(6).reshape(2, 3).astype(dtype)
    t = Tensor(arr)
    assert t.dtype == dtype
    assert t._data is arr, "Tensor(ndarray) wraps the array without copying"
    assert Tensor(arr[0, 0]).dtype == dtype, "a NumPy scalar keeps its dtype too"


def test_explicit_dtype_wins():
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert Tensor([1.5], dtype=tt.float64).dtype == np.float64
    assert Tensor(np.ones(2), dtype="float16").dtype == np.float16
    assert Tensor([1.7], dtype=tt.int32).dtype == np.int32


def test_tensor_from_tensor_shares_data():
    a = Tensor([1.0, 2.0])
    b = Tensor(a)
    assert b._data is a._data


def test_shape_properties():
    t = Tensor(np.zeros((2, 3, 4), dtype=np.float32))
    assert t.shape == (2, 3, 4) and t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.ndim == 3 and t.dim() == 3
    assert t.numel() == 24 and isinstance(t.numel(), int)
    assert t.device == "cpu"
    scalar = Tensor(5.0)
    assert scalar.shape == () and scalar.ndim == 0 and scalar.numel() == 1


def test_strides_are_in_elements():
    base = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    assert Tensor(base).stride() == (12, 4, 1)
    assert Tensor(base).stride(0) == 12 and Tensor(base).stride(-1) == 1
    assert Tensor(base.transpose(2, 0, 1)).stride() == (1, 12, 4)
    assert Tensor(base[:, :, ::2]).stride() == (12, 4, 2)
    assert Tensor(base).is_contiguous() and not Tensor(base.T).is_contiguous()
    assert not Tensor(base[:, 1]).is_contiguous()


def test_contiguous_copies_only_when_needed():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    assert t.contiguous() is t
    tt_ = Tensor(t._data.T)
    c = tt_.contiguous()
    assert c.is_contiguous() and not np.shares_memory(c._data, t._data)
    np.testing.assert_array_equal(c._data, t._data.T)


def test_conversions():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert t.numpy() is t._data
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert Tensor([[2.5]]).item() == 2.5 and isinstance(Tensor([[2.5]]).item(), float)
    assert float(Tensor(2.5)) == 2.5 and int(Tensor(3)) == 3
    assert [10, 20, 30][Tensor(1)] == 20, "an int tensor of one element works as an index"
    assert np.asarray(t) is t._data or np.shares_memory(np.asarray(t), t._data)
    copied = np.array(t)
    copied[0, 0] = 99
    assert t._data[0, 0] == 1.0, "np.array(tensor) must copy"
    assert np.array(t, dtype=np.float64).dtype == np.float64


def test_detach_clone_and_casts():
    t = Tensor([1.0, 2.0], requires_grad=True)
    d = t.detach()
    assert d._data is t._data and not d.requires_grad
    c = t.clone()
    assert not np.shares_memory(c._data, t._data)
    np.testing.assert_array_equal(c._data, t._data)
    assert t.float() is t, "casting to the dtype a tensor already has returns it"
    assert t.double().dtype == np.float64 and t.half().dtype == np.float16
    assert t.long().dtype == np.int64 and t.int().dtype == np.int32 and t.bool().dtype == np.bool_
    assert t.to(tt.float64).dtype == np.float64 and t.to("cpu") is t and t.to(device="cpu") is t


def test_requires_grad_flag():
    t = Tensor([1.0])
    assert t.requires_grad is False and t.grad is None and t.grad_fn is None and t.is_leaf
    assert t.requires_grad_() is t and t.requires_grad is True
    t.requires_grad_(False)
    assert t.requires_grad is False
    assert Tensor([1.0], requires_grad=True).requires_grad


def test_python_protocol():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert len(t) == 2
    rows = list(t)
    assert len(rows) == 2 and all(isinstance(r, Tensor) for r in rows)
    np.testing.assert_array_equal(rows[1]._data, [3.0, 4.0])
    assert bool(Tensor([1.0])) is True and bool(Tensor(0.0)) is False
    assert +t is t
    assert hash(t) == hash(t) and len({t, Tensor([1.0])}) == 2


def test_comparisons_give_bool_tensors():
    t = Tensor([1.0, 2.0, 3.0])
    for result, expected in [(t == 2.0, [False, True, False]), (t != 2.0, [True, False, True]),
                             (t < 2.0, [True, False, False]), (t <= 2.0, [True, True, False]),
                             (t > 2.0, [False, False, True]), (t >= 2.0, [False, True, True]),
                             (t.eq(Tensor([1.0, 0.0, 3.0])), [True, False, True])]:
        assert isinstance(result, Tensor) and result.dtype == np.bool_
        np.testing.assert_array_equal(result._data, expected)
    assert (t > 0).all().item() is True and (t > 2.5).any().item() is True and (t > 5).any().item() is False


def test_repr_like_pytorch():
    assert repr(Tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(Tensor([1, 2])) == "tensor([1, 2])"
    assert repr(Tensor(np.array([1.0], dtype=np.float64))) == "tensor([1.], dtype=float64)"
    assert repr(Tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(Tensor([[1.0, 2.0], [3.0, 4.0]])) == "tensor([[1., 2.],\n        [3., 4.]])"


def test_ndarray_on_the_left_gives_a_tensor():
    out = np.ones(2, dtype=np.float32) + Tensor([1.0, 2.0])
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(out._data, [2.0, 3.0])


def test_dtype_aliases():
    assert tt.float32 is np.float32 and tt.float64 is np.float64 and tt.float16 is np.float16
    assert tt.int32 is np.int32 and tt.int64 is np.int64 and tt.bool_ is np.bool_


def test_public_names_exist():
    for name in tt.__all__:
        assert hasattr(tt, name), name
