"""tinytorch.perf.acceleration: every matmul rung equals np.matmul (hypothesis, many shapes and dtypes), the
tiled product's block count and block shapes for any tile, contiguity decided from strides equals NumPy's
flag on arbitrary views, and the fused kernels' peak bytes (tracemalloc) against their formula. No timing
is asserted: timings are printed by the module, never gated."""
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.perf.acceleration import (bias_relu_, c_strides, contiguous, gelu_fused, gelu_reference,
                                         is_c_contiguous, matmul_loops, matmul_outer, tile_ranges, tiled_matmul)

SLACK = 64 * 1024
DTYPES = [np.float32, np.float64, np.int32, np.int64]


def operands(rng, m, k, n, dtype):
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-20, 20, (m, k)).astype(dtype), rng.integers(-20, 20, (k, n)).astype(dtype)
    return rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)


def assert_matches(out, a, b):
    want = np.matmul(a, b)
    assert out.shape == want.shape and out.dtype == want.dtype
    if np.issubdtype(want.dtype, np.integer):
        assert np.array_equal(out, want)
    else:
        tol = 1e-4 if want.dtype == np.float32 else 1e-10
        assert np.allclose(out, want, rtol=tol, atol=tol * max(1, a.shape[1]))


sizes = st.integers(0, 13)


@settings(max_examples=60, deadline=None)
@given(m=sizes, k=sizes, n=sizes, dtype=st.sampled_from(DTYPES), tile=st.integers(1, 9), seed=st.integers(0, 999))
def test_every_rung_equals_np_matmul(m, k, n, dtype, tile, seed):
    a, b = operands(np.random.default_rng(seed), m, k, n, dtype)
    assert_matches(matmul_loops(a, b), a, b)
    assert_matches(matmul_outer(a, b), a, b)
    assert_matches(tiled_matmul(a, b, tile), a, b)
    assert_matches(tiled_matmul(a, b, tile, kernel=matmul_outer), a, b)


@settings(max_examples=80, deadline=None)
@given(m=st.integers(1, 40), k=st.integers(1, 40), n=st.integers(1, 40), tile=st.integers(1, 48))
def test_tiled_calls_its_kernel_once_per_block_of_at_most_tile(m, k, n, tile):
    calls = []

    def kernel(x, y):
        calls.append((x.shape, y.shape))
        return x @ y

    a, b = operands(np.random.default_rng(0), m, k, n, np.float64)
    assert_matches(tiled_matmul(a, b, tile, kernel=kernel), a, b)
    assert len(calls) == math.ceil(m / tile) * math.ceil(n / tile) * math.ceil(k / tile)
    want = sorted(((min(tile, m - i), min(tile, k - p)), (min(tile, k - p), min(tile, n - j)))
                  for i in range(0, m, tile) for j in range(0, n, tile) for p in range(0, k, tile))
    assert sorted(calls) == want


def test_tiled_loop_order_keeps_the_output_tile_innermost():
    """For each output tile the inner-axis blocks are consecutive calls (k innermost), as documented."""
    seen = []

    def kernel(x, y):
        seen.append((x.shape[0], y.shape[1], x.shape[1]))
        return x @ y

    tiled_matmul(np.ones((5, 7)), np.ones((7, 3)), 3, kernel=kernel)
    # rows (3, 2), cols (3,), inner (3, 3, 1): calls for row tile 0 first, its three inner blocks in order
    assert seen == [(3, 3, 3), (3, 3, 3), (3, 3, 1), (2, 3, 3), (2, 3, 3), (2, 3, 1)]


def test_tiled_matches_large_ragged_float32_against_torch():
    torch = pytest.importorskip("torch")
    a, b = operands(np.random.default_rng(5), 130, 97, 65, np.float32)
    theirs = (torch.from_numpy(a) @ torch.from_numpy(b)).numpy()
    assert np.allclose(tiled_matmul(a, b, 32), theirs, atol=1e-4)


@pytest.mark.parametrize("fn", [matmul_loops, matmul_outer, tiled_matmul])
def test_shape_errors_name_both_shapes(fn):
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 3\)"):
        fn(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        fn(np.ones(3), np.ones((3, 1)))


@pytest.mark.parametrize("tile", [0, -2, 1.5])
def test_bad_tile_is_named(tile):
    with pytest.raises(ValueError, match="tile"):
        tiled_matmul(np.ones((2, 2)), np.ones((2, 2)), tile)
    with pytest.raises(ValueError, match="tile"):
        tile_ranges(4, tile)


@given(n=st.integers(0, 200), tile=st.integers(1, 64))
def test_tile_ranges_partition(n, tile):
    r = tile_ranges(n, tile)
    covered = [i for start, stop in r for i in range(start, stop)]
    assert covered == list(range(n)) and all(0 < stop - start <= tile for start, stop in r)
    assert all(stop - start == tile for start, stop in r[:-1])


@st.composite
def views(draw):
    """An arbitrary strided view: a random shape, order, dtype, then step slices, a transpose or not."""
    ndim = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=ndim, max_size=ndim)))
    base = np.zeros(shape, dtype=draw(st.sampled_from([np.int8, np.float32, np.float64])),
                    order=draw(st.sampled_from("CF")))
    index = tuple(slice(draw(st.integers(0, 2)), None, draw(st.sampled_from([1, 1, 2, -1]))) for _ in shape)
    v = base[index] if ndim else base          # base[()] of a 0-d array is a scalar, not a view
    if ndim and draw(st.booleans()):
        v = v.transpose(draw(st.permutations(range(ndim))))
    return v


@settings(max_examples=300, deadline=None)
@given(v=views())
def test_contiguity_from_strides_agrees_with_numpy(v):
    assert is_c_contiguous(v) == v.flags.c_contiguous, (v.shape, v.strides)
    c = contiguous(v)
    assert c.flags.c_contiguous and np.array_equal(c, v) and c.dtype == v.dtype
    assert (c is v) == bool(v.flags.c_contiguous)


@given(shape=st.lists(st.integers(1, 6), max_size=5), itemsize=st.sampled_from([1, 2, 4, 8]))
def test_c_strides_match_numpy(shape, itemsize):
    """(NumPy gives an array with no elements all-zero strides; the formula is compared where it applies.)"""
    dtype = {1: np.int8, 2: np.int16, 4: np.float32, 8: np.float64}[itemsize]
    assert c_strides(tuple(shape), itemsize) == np.empty(shape, dtype=dtype).strides


def peak_bytes(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(256, 1024), (1 << 18,), (16, 64, 256)])
def test_fused_gelu_peak_is_one_output_array(dtype, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    assert x.nbytes <= peak_bytes(lambda: gelu_fused(x)) <= x.nbytes + SLACK
    out = np.empty_like(x)
    assert peak_bytes(lambda: gelu_fused(x, out)) <= SLACK
    assert peak_bytes(lambda: gelu_reference(x)) >= 2 * x.nbytes, "module 02's GELU does allocate temporaries"


def test_fused_gelu_matches_torch_tanh_gelu():
    torch = pytest.importorskip("torch")
    x = np.linspace(-8, 8, 4001).astype(np.float32)
    theirs = torch.nn.functional.gelu(torch.from_numpy(x), approximate="tanh").numpy()
    ours = gelu_fused(x)
    assert ours.dtype == np.float32 and np.allclose(ours, theirs, atol=2e-6)


def test_fused_gelu_rejects_bad_out():
    x = np.ones((4, 4), dtype=np.float32)
    for bad in (x, x[:2], np.empty((4, 4), dtype=np.float64), x.T):
        with pytest.raises(ValueError, match="out"):
            gelu_fused(x, bad)


def test_bias_relu_in_place_allocates_nothing():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((512, 512)).astype(np.float32)
    b = rng.standard_normal(512).astype(np.float32)
    want = np.maximum(x + b, 0)
    assert peak_bytes(lambda: bias_relu_(x, b)) <= SLACK
    assert np.array_equal(x, want)
    y = rng.standard_normal((3, 4))
    assert bias_relu_(y, np.zeros(4)) is y and (y >= 0).all()
