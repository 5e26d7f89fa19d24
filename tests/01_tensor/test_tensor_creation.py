"""Module 01: creation helpers and the seeded generator."""
import numpy as np
import pytest

import tinytorch.core.tensor as tt
from tinytorch.core.tensor import Generator, Tensor


def test_tensor_copies_and_from_numpy_shares():
    arr = np.arange(4.0)
    t = tt.tensor(arr)
    assert t.dtype == np.float64 and not np.shares_memory(t._data, arr)
    t._data[0] = 99.0
    assert arr[0] == 0.0
    s = tt.from_numpy(arr)
    assert s._data is arr and s.dtype == np.float64
    src = Tensor([1.0, 2.0])
    assert not np.shares_memory(tt.tensor(src)._data, src._data)
    assert tt.tensor(arr, dtype=np.float32).dtype == np.float32
    assert tt.tensor([1.0], requires_grad=True).requires_grad


@pytest.mark.parametrize("make, value", [(tt.zeros, 0.0), (tt.ones, 1.0)])
def test_zeros_ones(make, value):
    for args in ((2, 3), ((2, 3),), ([2, 3],)):
        t = make(*args)
        assert t.shape == (2, 3) and t.dtype == np.float32
        assert np.all(t._data == value)
    assert make(3, dtype=tt.int64).dtype == np.int64
    assert make(()).shape == () and make(0).numel() == 0
    assert make(2, requires_grad=True).requires_grad


def test_empty_has_shape_and_dtype():
    t = tt.empty(4, 5)
    assert t.shape == (4, 5) and t.dtype == np.float32


def test_full_and_like_helpers():
    assert tt.full((2, 2), 1.5).dtype == np.float32
    assert tt.full((2,), 3).dtype == np.int64 and tt.full(3, True).dtype == np.bool_
    np.testing.assert_array_equal(tt.full((2, 2), 7.0)._data, np.full((2, 2), 7.0))
    ref = Tensor(np.zeros((3, 2), dtype=np.float64))
    assert tt.zeros_like(ref).shape == (3, 2) and tt.zeros_like(ref).dtype == np.float64
    assert np.all(tt.ones_like(ref)._data == 1) and tt.ones_like(ref, dtype=tt.int32).dtype == np.int32
    np.testing.assert_array_equal(tt.full_like(ref, 2.5)._data, np.full((3, 2), 2.5))


def test_arange_linspace_eye():
    assert tt.arange(5).tolist() == [0, 1, 2, 3, 4] and tt.arange(5).dtype == np.int64
    assert tt.arange(2, 8, 2).tolist() == [2, 4, 6]
    a = tt.arange(0, 1, 0.25)
    assert a.dtype == np.float32 and a.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert tt.arange(3, dtype=tt.float64).dtype == np.float64
    lin = tt.linspace(0, 1, 5)
    assert lin.dtype == np.float32
    np.testing.assert_allclose(lin._data, [0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_array_equal(tt.eye(3)._data, np.eye(3))
    assert tt.eye(2, 3).shape == (2, 3) and tt.eye(2).dtype == np.float32


def test_manual_seed_repeats_draws():
    for draw in (lambda: tt.rand(3, 4), lambda: tt.randn(3, 4), lambda: tt.randint(0, 10, (3, 4))):
        tt.manual_seed(123)
        first = draw()
        tt.manual_seed(123)
        second = draw()
        np.testing.assert_array_equal(first._data, second._data)
    assert tt.manual_seed(5) is tt.default_generator


def test_generators_are_independent_streams():
    g1, g2 = Generator(42), Generator(42)
    np.testing.assert_array_equal(tt.randn(10, generator=g1)._data, tt.randn(10, generator=g2)._data)
    tt.manual_seed(0)
    tt.randn(100)                                      # disturbing the default stream...
    g3 = Generator(42)
    np.testing.assert_array_equal(tt.randn(10, generator=g3)._data,
                                  tt.randn(10, generator=Generator(42))._data)  # ...does not touch g3
    assert not np.array_equal(tt.randn(10, generator=Generator(1))._data, tt.randn(10, generator=Generator(2))._data)
    assert Generator(3).manual_seed(4).seed == 4


def test_random_distributions():
    g = Generator(0)
    u = tt.rand(20000, generator=g)
    assert u.dtype == np.float32 and 0.0 <= u._data.min() and u._data.max() < 1.0
    assert abs(float(u._data.mean()) - 0.5) < 0.01
    n = tt.randn(20000, generator=g)
    assert n.dtype == np.float32
    assert abs(float(n._data.mean())) < 0.03 and abs(float(n._data.std()) - 1.0) < 0.03
    assert tt.randn(2, 3, dtype=tt.float64, generator=g).dtype == np.float64
    assert tt.randn((2, 3), generator=g, requires_grad=True).requires_grad


def test_randint_like_pytorch():
    g = Generator(0)
    r = tt.randint(3, 7, (1000,), generator=g)
    assert r.dtype == np.int64 and r.shape == (1000,)
    assert r._data.min() >= 3 and r._data.max() <= 6
    assert set(np.unique(r._data).tolist()) == {3, 4, 5, 6}
    high_only = tt.randint(5, (50,), generator=g)             # torch.randint(high, size)
    assert high_only.shape == (50,) and 0 <= high_only._data.min() and high_only._data.max() < 5
    assert tt.randint(5, size=(2, 2), generator=g).shape == (2, 2)
    assert tt.randint(0, 2, (3,), dtype=tt.int32).dtype == np.int32
