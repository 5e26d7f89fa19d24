"""Regressions for bugs found in the hand-written draft of tinytorch/core/tensor.py (module 01).

Each test names the draft's behaviour it guards against.
"""
import numpy as np
import pytest

import tinytorch.core.tensor as tt
from tinytorch.core.tensor import Tensor


def test_zero_dim_results_keep_data_an_ndarray():
    # draft: Tensor(1.) + Tensor(2.) and 1-D @ 1-D stored a NumPy scalar (np.float32) in ._data
    for out in (Tensor(1.0) + Tensor(2.0), -Tensor(1.0), Tensor([1.0, 2.0]) @ Tensor([3.0, 4.0]),
                Tensor(2.0).exp(), Tensor([1.0, 2.0])[0]):
        assert type(out._data) is np.ndarray and out.shape == ()
    out = Tensor(1.0) + Tensor(2.0)
    out._data[...] = 5.0                   # in-place writes (optimisers) need an array
    assert out.item() == 5.0


def test_integer_pow_stays_float32():
    # draft: int ** 0.5 and int ** -1.0 gave float64
    assert (Tensor([1, 4]) ** 0.5).dtype == np.float32
    out = Tensor([2, 4]) ** -1.0
    assert out.dtype == np.float32 and out.tolist() == [0.5, 0.25]


def test_integer_to_negative_integer_power_raises_as_in_pytorch():
    # issue 9: int_tensor ** -1 returned floats; PyTorch raises
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed."):
        Tensor([2, 4]) ** -1


def test_int_matmul_float32_is_float32():
    # draft: int64 @ float32 gave float64
    assert (Tensor([[1, 2]]) @ Tensor([[1.0], [2.0]])).dtype == np.float32


def test_permute_accepts_negative_dims():
    # draft: permute(-1, -2) raised "sizes must be non-negative integers"
    t = Tensor(np.zeros((2, 3, 4)))
    assert t.permute(-1, -3, -2).shape == (4, 2, 3)
    assert tt.permute(t, (0, -1, 1)).shape == (2, 4, 3)


def test_negative_sizes_in_creation_helpers_are_named():
    # draft: zeros(-1) leaked NumPy's "negative dimensions are not allowed"
    for make in (tt.zeros, tt.ones, tt.empty, tt.rand, tt.randn):
        with pytest.raises(ValueError, match="non-negative"):
            make(2, -1)


def test_randint_high_size_form():
    # draft: randint(10, (3,)) (PyTorch's randint(high, size)) raised "low >= high"
    r = tt.randint(10, (3,))
    assert r.shape == (3,) and r.dtype == np.int64 and (r._data < 10).all()


def test_numpy_scalars_keep_their_dtype():
    # draft: Tensor(np.float64(1.5)) became float32; torch keeps float64
    assert Tensor(np.float64(1.5)).dtype == np.float64
    assert tt.tensor(np.int32(3)).dtype == np.int32


def test_np_array_of_a_tensor_copies():
    # draft: np.array(t) returned t._data itself, so writing to it changed the tensor
    t = Tensor([1.0, 2.0])
    arr = np.array(t)
    arr[0] = 99.0
    assert t._data[0] == 1.0


def test_comparison_shape_mismatch_is_named():
    # draft: leaked NumPy's "operands could not be broadcast together"
    with pytest.raises(ValueError, match=r"shapes \(2,\) and \(3,\) cannot be broadcast together: aligned"):
        Tensor([1.0, 2.0]) < Tensor([1.0, 2.0, 3.0])


def test_argmax_of_empty_and_duplicate_dims_are_named():
    # draft: NumPy's "attempt to get argmax of an empty sequence" / "duplicate value in 'axis'"
    with pytest.raises(ValueError, match=r"argmax.*\(0,\)"):
        Tensor(np.zeros(0)).argmax()
    with pytest.raises(ValueError, match="more than once"):
        Tensor(np.zeros((2, 2))).sum((0, 0))


def test_exp_log_of_integers_compute_in_float32():
    # draft: raised TypeError; PyTorch returns float32
    assert Tensor([0, 1]).exp().dtype == np.float32
    np.testing.assert_allclose(Tensor([1, 2]).log()._data, np.log([1.0, 2.0]), rtol=1e-6)


def test_arange_step_zero_is_named():
    # draft: ZeroDivisionError from NumPy
    with pytest.raises(ValueError, match="step"):
        tt.arange(0, 3, 0)


def test_bool_arithmetic_errors_name_the_op():
    # draft: NumPy's TypeError without the op or the dtypes of the tensors
    with pytest.raises(TypeError, match="sub.*bool"):
        Tensor([True]) - Tensor([False])
    with pytest.raises(TypeError, match="neg.*bool"):
        -Tensor([True])


def test_scalar_op_scalar_works():
    # draft: add(2, 3) failed with AttributeError ('int' object has no attribute 'data')
    assert tt.add(2, 3).item() == 5 and tt.mul(2.0, 3.0).dtype == np.float32


def test_division_overflow_is_quiet():
    # draft: float32 overflow in division printed a RuntimeWarning; PyTorch gives inf silently
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = Tensor(np.array([3e38], dtype=np.float32)) / Tensor(np.array([1e-3], dtype=np.float32))
    assert np.isinf(out._data[0])
