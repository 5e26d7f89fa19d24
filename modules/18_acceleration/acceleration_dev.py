# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
"""
# Module 18: Acceleration

The times of the same matrix product, computed in different ways on the same machine, differ by a
factor of thousands. This module climbs that ladder one rung at a time and measures
every rung against the one below it: three Python loops, then vectorised NumPy, then **cache blocking**
(tiling), then the BLAS library NumPy calls for `a @ b`, then BLAS on more threads. Along the way it
looks at what a rung is made of: how an array lies in memory (strides, C and Fortran order, copies
that `np.ascontiguousarray` makes), and how many temporary arrays an element-wise formula allocates
and how to cut them (a "fused" GELU written with `out=`).

Nothing here is a speed claim carried in from elsewhere: each table is printed by code that ran, and
each timing is worded as what *this run* measured (on a machine shared with other work, with its load
average printed beside it). What is exact (loop counts of a tiled product, strides, bytes allocated)
is asserted against its formula.

**Learning Objectives:**
- Write the matmul as a triple loop and as `K` vectorised rank-1 updates; measure the gap.
- Build a tiled (cache-blocked) matmul that really uses its tile size, correct at ragged edges, and
  measure it honestly against BLAS, including where it loses.
- Compute C-order strides, decide contiguity from strides, and make a contiguous copy only when needed.
- Write a GELU and a bias + ReLU that allocate no temporaries (`out=`, in place), proved with
  `tracemalloc`.
- Measure BLAS's speed on one and two threads (threadpoolctl) and read the result against the load.

**How this module works.** Each step is a code cell to complete (between the solution markers), followed
at once by a graded test; `#| export` cells become `tinytorch/perf/acceleration.py` (`tito export 18`).
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

**Work.** `C = A @ B` with `A` of shape `(M, K)` and `B` of shape `(K, N)` computes
`C[i, j] = sum_p A[i, p] * B[p, j]`: `M*N*K` multiply-adds, **`2*M*N*K` FLOPs**, whatever the loop
order. The rungs of the ladder all do this same arithmetic; they differ in how much *overhead* surrounds
each multiply-add and how often each number travels from memory.

**Overhead.** In a Python loop each `a[i, p] * b[p, j]` indexes two arrays, builds NumPy scalar objects
and dispatches a multiplication and an addition through the interpreter: far more time than the
multiply-add itself (the first table below prints how much per multiply-add, in this run). NumPy moves the loop into C: one
Python call then runs a compiled loop over a whole array. Written as a sum of rank-1 updates,

    C = sum over p of  (column p of A) x (row p of B)      (an outer product: M x N numbers each)

the product is `K` NumPy calls, each doing `M*N` multiply-adds in C.

**Memory traffic.** Each rank-1 update reads and writes all of `C`: `K` passes over `M*N` numbers. When `C`
does not fit in the CPU's caches, those passes go to main memory, which is many times slower than
arithmetic. **Cache blocking** (tiling) cuts `C`, `A` and `B` into `t x t` tiles and finishes all the work
on one tile of `C` while it sits in cache:

    for each row block I, column block J:          (ceil(M/t) * ceil(N/t) tiles of C)
        for each inner block P:                    (ceil(K/t) of them)
            C[I, J] += A[I, P] @ B[P, J]           (one t x t x t block product)

That is exactly `ceil(M/t) * ceil(N/t) * ceil(K/t)` block products; when `t` does not divide a size, the
last block along that axis is smaller (a **ragged edge**) and must still be computed. One block product
does `2 t^3` FLOPs on `3 t^2` numbers, so its **arithmetic intensity** grows with `t`: about `t / 6`
FLOPs per byte in float32 for tiles that stay in cache. BLAS libraries (OpenBLAS, MKL) do this in several
levels (registers, L1, L2) with hand-written SIMD kernels: that is why `a @ b` is the top rung.

**Layout.** An array is a block of bytes plus **strides**: `x[i0, i1, ...]` lives at byte offset
`sum_d i_d * strides[d]`. In **C order** (row-major) the last index moves fastest: `strides[-1] = itemsize`
and `strides[d] = strides[d+1] * shape[d+1]`. A transpose or a step slice (`x[:, ::2]`) only changes the
strides: no copy, but the elements are no longer adjacent, and each 64-byte cache line fetched may carry
one useful number. `np.ascontiguousarray` copies such a view into fresh C order: `x.nbytes` new bytes.

**Temporaries.** `0.5 * x * (1 + np.tanh(c * (x + a * x**3)))` (the tanh GELU) evaluates one operation at
a time, and each one allocates a new array the size of `x`. The same result can be computed into a
single output array with the ufuncs' `out=` argument: **one** array allocated instead of several, and
fewer bytes pushed through memory. (This cuts allocations, not passes: each ufunc is still its own pass.
A compiler such as `torch.compile` or a hand-written kernel *fuses* them into one loop.)

The cell below counts the blocks of one ragged case by hand.
"""

# %%
import math

import numpy as np

m_, n_, k_, t_ = 10, 9, 7, 4
blocks = math.ceil(m_ / t_) * math.ceil(n_ / t_) * math.ceil(k_ / t_)
ragged = {axis: size % t_ for axis, size in (("M", m_), ("N", n_), ("K", k_)) if size % t_}
print(f"({m_}x{k_}) @ ({k_}x{n_}) in {t_}x{t_} tiles: {blocks} block products; "
      f"the last block is shorter along {ragged} (size of the ragged edge per axis)")
assert blocks == 3 * 3 * 2

# %% [markdown]
"""
## Part 2: Building the ladder

### Setup (given)

The package file needs NumPy, and module 02's GELU (the one definition of GELU in the package, used here
as the reference the fused kernel must match) with its cubic coefficient.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "acceleration-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import math

import numpy as np

from tinytorch.core.activations import GELU_TANH_COEFF, gelu
from tinytorch.core.tensor import Tensor

__all__ = ["matmul_loops", "matmul_outer", "tile_ranges", "tiled_matmul", "c_strides", "is_c_contiguous",
           "contiguous", "gelu_reference", "gelu_fused", "bias_relu_"]

GELU_C = math.sqrt(2.0 / math.pi)      # Python floats: they keep a float32 array float32
GELU_A = GELU_TANH_COEFF               # 0.044715

# %% [markdown]
"""
### Step 1: The triple loop (rung 0)

**Your task:** `matmul_loops(a, b)`: fill `out[i, j]` with `sum_p a[i, p] * b[p, j]` using three nested
Python loops (no NumPy arithmetic on whole arrays: each step multiplies two numbers). The shape check
and the output array (dtype `np.result_type(a, b)`, so float32 stays float32 and integers stay exact)
are given: `_check_matmul` raises `ValueError` naming both shapes when they are not `(M, K)` and `(K, N)`,
and keeps an ndarray subclass as it is (`np.asanyarray`): the grader passes arrays that refuse `@`,
`np.dot` and any whole-array arithmetic, to check the rule.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "acceleration-loops", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _check_matmul(a, b, name):
    """(a, b) as 2-D arrays (ndarray subclasses kept) with a.shape[1] == b.shape[0]; else ValueError
    naming both shapes."""
    a, b = np.asanyarray(a), np.asanyarray(b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"{name}: cannot multiply shapes {a.shape} and {b.shape}: expected (M, K) and (K, N)")
    return a, b


def matmul_loops(a, b):
    """a @ b with three Python loops; dtype np.result_type(a, b).

    Reads a and b as given (an ndarray subclass is not converted) one element at a time: no `@`, np.dot,
    np.matmul, np.einsum, ... and no NumPy arithmetic on whole rows or arrays.
    Raises ValueError naming both shapes unless a is (M, K) and b is (K, N).
    """
    a, b = _check_matmul(a, b, "matmul_loops")
    (m, k), n = a.shape, b.shape[1]
    out = np.zeros((m, n), dtype=np.result_type(a, b))
    ### BEGIN SOLUTION
    for i in range(m):
        for j in range(n):
            acc = 0
            for p in range(k):
                acc += a[i, p] * b[p, j]
            out[i, j] = acc
    ### END SOLUTION
    return out


# %% [markdown]
"""
### Testing `matmul_loops`

Against `np.matmul`, on a non-square product (a swapped index fails it), integers (exact), and an
inner size of 0 (the sum of nothing is 0). `_NoBlasArray` (a test helper, also used for `matmul_outer`) is
an ndarray that refuses every BLAS call (`@`, `np.dot`, `.dot`, `np.einsum`, ...); with `strict` it also
refuses any whole-array arithmetic, which is how the triple loop is checked to really loop.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "acceleration-loops-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
class _NoBlasArray(np.ndarray):
    """Test helper: an ndarray that refuses BLAS (`@`, np.matmul, np.dot, .dot, np.inner, np.vdot,
    np.tensordot, np.einsum) and counts how often it is read (so a test can tell it was not converted)."""
    BLAS_UFUNCS = {"matmul", "vecdot", "matvec", "vecmat"}
    BLAS_FUNCTIONS = {"dot", "vdot", "inner", "tensordot", "einsum", "matmul", "multi_dot", "vecdot"}
    strict = False          # True: refuse every ufunc too (no whole-array arithmetic at all)
    reads = 0

    def __getitem__(self, index):
        _NoBlasArray.reads += 1
        return super().__getitem__(index)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc.__name__ in self.BLAS_UFUNCS:
            raise AssertionError(f"np.{ufunc.__name__} (the @ operator) is a BLAS call, the rung this "
                                 "function must not use")
        if _NoBlasArray.strict:
            raise AssertionError(f"np.{ufunc.__name__} on whole arrays: the triple loop multiplies and adds "
                                 "one pair of numbers at a time")
        plain = lambda x: x.view(np.ndarray) if isinstance(x, _NoBlasArray) else x
        if "out" in kwargs:
            kwargs["out"] = tuple(plain(x) for x in kwargs["out"])
        return getattr(ufunc, method)(*(plain(x) for x in inputs), **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if func.__name__ in self.BLAS_FUNCTIONS:
            raise AssertionError(f"np.{func.__name__} is a BLAS call, the rung this function must not use")
        if _NoBlasArray.strict and func.__name__ in ("outer", "sum", "prod", "cumsum"):
            raise AssertionError(f"np.{func.__name__} on whole arrays: the triple loop multiplies and adds "
                                 "one pair of numbers at a time")
        return super().__array_function__(func, types, args, kwargs)

    def dot(self, *args, **kwargs):
        raise AssertionError("ndarray.dot is a BLAS call, the rung this function must not use")


def _without_blas(fn, a, b, strict=False):
    """fn(a, b) on arrays that refuse BLAS; checks they were read as given and the result equals a @ b."""
    _NoBlasArray.reads, _NoBlasArray.strict = 0, strict
    try:
        out = fn(np.asarray(a).view(_NoBlasArray), np.asarray(b).view(_NoBlasArray))
    finally:
        _NoBlasArray.strict = False
    assert _NoBlasArray.reads > 0, (f"{fn.__name__} converted its inputs (np.asarray?): it must read the "
                                    "arrays it is given, ndarray subclasses included")
    assert np.allclose(np.asarray(out), np.asarray(a) @ np.asarray(b)), f"{fn.__name__} must equal a @ b"


def test_unit_matmul_loops():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 5)), rng.standard_normal((5, 2))
    assert np.allclose(matmul_loops(a, b), a @ b), "three loops must give a @ b"
    ai, bi = rng.integers(-9, 9, (4, 3)), rng.integers(-9, 9, (3, 6))
    out = matmul_loops(ai, bi)
    assert out.dtype == np.result_type(ai, bi) and np.array_equal(out, ai @ bi)
    try:
        matmul_loops(a, a)
        raise AssertionError("(3, 5) @ (3, 5) must raise ValueError")
    except ValueError as exc:
        assert "(3, 5)" in str(exc), str(exc)
    _without_blas(matmul_loops, a, b, strict=True)       # really three loops: no @, no whole-array math
    ### BEGIN HIDDEN TESTS
    _without_blas(matmul_loops, ai, bi, strict=True)
    a32, b32 = rng.standard_normal((7, 4)).astype(np.float32), rng.standard_normal((4, 9)).astype(np.float32)
    out = matmul_loops(a32, b32)
    assert out.dtype == np.float32 and np.allclose(out, a32 @ b32, atol=1e-5)
    assert np.array_equal(matmul_loops(np.ones((2, 0)), np.ones((0, 3))), np.zeros((2, 3)))
    assert np.allclose(matmul_loops([[2.0]], [[3.0, 4.0]]), [[6.0, 8.0]])
    ### END HIDDEN TESTS
    print("✅ matmul_loops equals np.matmul (float, int, empty inner size), one pair of numbers at a time")


test_unit_matmul_loops()

# %% [markdown]
"""
### Step 2: Vectorised NumPy (rung 1)

**Your task:** `matmul_outer(a, b)`: the same product as `K` rank-1 updates, each one vectorised NumPy
over the whole output: for each `p`, add to `out` the outer product of column `p` of `a` and row `p` of
`b`, written with broadcasting (an `(M, 1)` slice times a `(1, N)` slice; keep the slices 2-D). One
Python loop of length `K` instead of three nested ones; no `@`, `np.dot` or `np.matmul` (that is the
BLAS rung).
Same shape check and output dtype as `matmul_loops`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "acceleration-outer", "locked": false, "schema_version": 3, "solution": true}}
#| export
def matmul_outer(a, b):
    """a @ b as K broadcast rank-1 updates of the output (no BLAS call); dtype np.result_type(a, b).

    Reads a and b as given (an ndarray subclass is not converted with np.asarray) and never calls `@`,
    np.matmul, np.dot, ndarray.dot, np.inner, np.vdot, np.tensordot or np.einsum: the grader passes
    arrays that refuse those calls and let elementwise arithmetic through.
    Raises ValueError naming both shapes unless a is (M, K) and b is (K, N).
    """
    a, b = _check_matmul(a, b, "matmul_outer")
    out = np.zeros((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))
    ### BEGIN SOLUTION
    for p in range(a.shape[1]):
        out += a[:, p:p + 1] * b[p:p + 1, :]
    ### END SOLUTION
    return out


# %% [markdown]
"""
### Testing `matmul_outer`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "acceleration-outer-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_matmul_outer():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((6, 4)), rng.standard_normal((4, 3))
    assert np.allclose(matmul_outer(a, b), a @ b)
    a32 = a.astype(np.float32)
    assert matmul_outer(a32, b.astype(np.float32)).dtype == np.float32
    _without_blas(matmul_outer, a, b)                 # no @, np.dot, np.einsum, ...: elementwise only
    ### BEGIN HIDDEN TESTS
    _without_blas(matmul_outer, rng.standard_normal((9, 7)), rng.standard_normal((7, 5)))
    ai, bi = rng.integers(-50, 50, (5, 8)), rng.integers(-50, 50, (8, 2))
    assert np.array_equal(matmul_outer(ai, bi), ai @ bi)
    assert np.allclose(matmul_outer(np.ones((1, 1)), np.full((1, 4), 2.0)), [[2.0] * 4])
    assert np.array_equal(matmul_outer(np.ones((3, 0)), np.ones((0, 2))), np.zeros((3, 2)))
    try:
        matmul_outer(np.ones((2, 3)), np.ones((2, 3)))
        raise AssertionError("mismatched inner sizes must raise ValueError")
    except ValueError as exc:
        assert "(2, 3)" in str(exc)
    ### END HIDDEN TESTS
    print("✅ matmul_outer: K rank-1 updates equal np.matmul, without a BLAS call")


test_unit_matmul_outer()

# %% [markdown]
"""
### Step 3: Tile ranges with ragged edges

A tiled loop walks each axis in steps of `t`. **Your task:** `tile_ranges(n, tile)` returns the list of
`(start, stop)` pairs that cover `range(n)` in order, each `tile` long except possibly the last, which
ends at `n` (a ragged edge). `tile_ranges(10, 4) == [(0, 4), (4, 8), (8, 10)]`, `tile_ranges(0, 4) == []`.
A `tile` below 1 raises `ValueError` naming the tile (given).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "acceleration-tile-ranges", "locked": false, "schema_version": 3, "solution": true}}
#| export
def tile_ranges(n, tile):
    """[(start, stop), ...] covering range(n) in steps of `tile`; the last one may be shorter (ends at n).

    Raises ValueError naming the tile when tile < 1.
    """
    if int(tile) != tile or tile < 1:
        raise ValueError(f"tile_ranges: tile must be a positive integer, got tile={tile!r}")
    tile = int(tile)
    ### BEGIN SOLUTION
    return [(start, min(start + tile, n)) for start in range(0, n, tile)]
    ### END SOLUTION


# %% [markdown]
"""
### Testing `tile_ranges`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "acceleration-tile-ranges-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_tile_ranges():
    assert tile_ranges(10, 4) == [(0, 4), (4, 8), (8, 10)], tile_ranges(10, 4)
    assert tile_ranges(8, 4) == [(0, 4), (4, 8)]
    assert tile_ranges(0, 4) == []
    ### BEGIN HIDDEN TESTS
    assert tile_ranges(3, 5) == [(0, 3)], "a tile larger than the axis is one ragged block"
    assert tile_ranges(5, 1) == [(i, i + 1) for i in range(5)]
    for n in range(0, 40):
        for tile in (1, 2, 3, 7, 16):
            r = tile_ranges(n, tile)
            assert len(r) == math.ceil(n / tile) and sum(stop - start for start, stop in r) == n, (n, tile, r)
            assert all(b[0] == a[1] for a, b in zip(r, r[1:])), "contiguous, in order"
    ### END HIDDEN TESTS
    print("✅ tile_ranges covers every index once, ragged edge included")


test_unit_tile_ranges()

# %% [markdown]
"""
### Step 4: The tiled (cache-blocked) matmul (rung 2)

**Your task:** `tiled_matmul(a, b, tile=64, kernel=None)`. Loop over the row tiles of `A` (the
`tile_ranges` of `M`), then the column tiles of `B` (of `N`), then, innermost, the tiles of the inner
axis `K`; for each triple call the **block kernel** once and add its result into the output tile:

    out[i0:i1, j0:j1] += kernel(a[i0:i1, p0:p1], b[p0:p1, j0:j1])

`kernel(x, y)` must return `x @ y` for 2-D blocks; `None` means `np.matmul` (BLAS on each block). Pass
`matmul_outer` to get cache-blocked NumPy with no BLAS inside. So the kernel is called exactly
`ceil(M/t) * ceil(N/t) * ceil(K/t)` times, on blocks no larger than `t x t`: the graded test counts the
calls and checks every block's shape with an instrumented kernel. Output dtype `np.result_type(a, b)`;
shape errors as before (given).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "acceleration-tiled", "locked": false, "schema_version": 3, "solution": true}}
#| export
def tiled_matmul(a, b, tile=64, kernel=None):
    """a @ b computed tile by tile: for each (row tile, column tile, inner tile), in that loop order,
    out[I, J] += kernel(a[I, P], b[P, J]). kernel defaults to np.matmul; it is called exactly
    ceil(M/tile) * ceil(N/tile) * ceil(K/tile) times, on blocks at most tile x tile (ragged at the edges).

    Raises ValueError naming both shapes unless a is (M, K) and b is (K, N), and naming the tile when
    tile < 1.
    """
    a, b = _check_matmul(a, b, "tiled_matmul")
    kernel = np.matmul if kernel is None else kernel
    (m, k), n = a.shape, b.shape[1]
    out = np.zeros((m, n), dtype=np.result_type(a, b))
    ### BEGIN SOLUTION
    rows, cols, inner = tile_ranges(m, tile), tile_ranges(n, tile), tile_ranges(k, tile)
    for i0, i1 in rows:
        for j0, j1 in cols:
            block = out[i0:i1, j0:j1]
            for p0, p1 in inner:
                block += kernel(a[i0:i1, p0:p1], b[p0:p1, j0:j1])
    ### END SOLUTION
    return out


# %% [markdown]
"""
### Testing `tiled_matmul`

The instrumented kernel records the shape of every block it receives. A tiled matmul that ignores its
tile size (the bug of the original course of this kind), tiles only two of the three loops, or drops the
ragged edges, fails here.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "acceleration-tiled-tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
def expected_block_shapes(m, k, n, tile):
    """The (A block shape, B block shape) of every block product of an (m, k) @ (k, n) tiling, sorted."""
    return sorted(((i1 - i0, p1 - p0), (p1 - p0, j1 - j0)) for i0, i1 in tile_ranges(m, tile)
                  for j0, j1 in tile_ranges(n, tile) for p0, p1 in tile_ranges(k, tile))


def test_unit_tiled_matmul():
    rng = np.random.default_rng(2)
    calls = []

    def counting_kernel(x, y):
        calls.append((x.shape, y.shape))
        return x @ y

    a, b = rng.standard_normal((10, 7)), rng.standard_normal((7, 9))
    out = tiled_matmul(a, b, 4, kernel=counting_kernel)
    assert np.allclose(out, a @ b), "tiled product must equal a @ b (ragged edges included)"
    assert len(calls) == 3 * 3 * 2, f"expected ceil(10/4)*ceil(9/4)*ceil(7/4) = 18 block products, got {len(calls)}"
    assert sorted(calls) == expected_block_shapes(10, 7, 9, 4), "each block is at most tile x tile"
    assert np.allclose(tiled_matmul(a, b, 3), a @ b)
    ### BEGIN HIDDEN TESTS
    for (m, k, n), tile in [((65, 33, 130), 32), ((5, 5, 5), 5), ((1, 17, 3), 4), ((12, 12, 12), 100)]:
        calls.clear()
        x, y = rng.standard_normal((m, k)), rng.standard_normal((k, n))
        assert np.allclose(tiled_matmul(x, y, tile, kernel=counting_kernel), x @ y), (m, k, n, tile)
        assert sorted(calls) == expected_block_shapes(m, k, n, tile), (m, k, n, tile, len(calls))
    calls.clear()
    tiled_matmul(np.ones((3, 4)), np.ones((4, 2)), 1, kernel=counting_kernel)
    assert len(calls) == 24 and set(calls) == {((1, 1), (1, 1))}, "tile 1: one block per multiply-add"
    xi, yi = rng.integers(-20, 20, (9, 11)), rng.integers(-20, 20, (11, 5))
    assert np.array_equal(tiled_matmul(xi, yi, 4), xi @ yi)
    x32, y32 = rng.standard_normal((33, 20)).astype(np.float32), rng.standard_normal((20, 31)).astype(np.float32)
    out32 = tiled_matmul(x32, y32, 8, kernel=matmul_outer)
    assert out32.dtype == np.float32 and np.allclose(out32, x32 @ y32, atol=1e-4)
    assert np.array_equal(tiled_matmul(np.ones((2, 0)), np.ones((0, 3)), 4), np.zeros((2, 3)))
    try:
        tiled_matmul(np.ones((4, 4)), np.ones((4, 4)), 0)
        raise AssertionError("tile 0 must raise ValueError")
    except ValueError as exc:
        assert "tile" in str(exc)
    ### END HIDDEN TESTS
    print("✅ tiled_matmul: exact, ceil(M/t)*ceil(N/t)*ceil(K/t) block products of at most t x t")


test_unit_tiled_matmul()

# %% [markdown]
"""
### Step 5: Strides and contiguity

**Your task:** three functions.
- `c_strides(shape, itemsize)` -> the tuple of byte strides of a C-ordered array of that shape
  (`()` for a 0-d shape): `strides[-1] = itemsize`, `strides[d] = strides[d+1] * shape[d+1]`.
- `is_c_contiguous(x)` -> whether the array `x` is laid out in C order, decided from `x.shape`,
  `x.strides` and `x.itemsize` (not from `x.flags`): every axis longer than 1 must have its C stride
  (an axis of length 1 is never stepped, so its stride does not matter), and an array with no elements
  is contiguous. This is NumPy's own rule for `x.flags.c_contiguous`.
- `contiguous(x)` -> `x` itself (no copy) when it is C-contiguous, else a new C-ordered copy
  (one allocation of `x.nbytes`), like `np.ascontiguousarray`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "acceleration-layout", "locked": false, "schema_version": 3, "solution": true}}
#| export
def c_strides(shape, itemsize):
    """Byte strides of a C-ordered (row-major) array of `shape` with `itemsize`-byte elements."""
    ### BEGIN SOLUTION
    strides = []
    step = int(itemsize)
    for size in reversed(tuple(shape)):
        strides.append(step)
        step *= int(size)
    return tuple(reversed(strides))
    ### END SOLUTION


def is_c_contiguous(x):
    """True when x's strides are the C strides on every axis longer than 1 (or x has no elements)."""
    x = np.asarray(x)
    ### BEGIN SOLUTION
    if x.size == 0:
        return True
    expected = c_strides(x.shape, x.itemsize)
    return all(size == 1 or got == want for size, got, want in zip(x.shape, x.strides, expected))
    ### END SOLUTION


def contiguous(x):
    """x itself when it is C-contiguous, else a C-ordered copy of it (x.nbytes new bytes)."""
    x = np.asarray(x)
    ### BEGIN SOLUTION
    if is_c_contiguous(x):
        return x
    return x.copy(order="C")
    ### END SOLUTION


# %% [markdown]
"""
### Testing strides and contiguity

A transpose and a step slice are views with other strides; `contiguous` of one must be C-ordered, and
of an already contiguous array must be the array itself (copying it would waste `x.nbytes`).
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "acceleration-layout-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_layout():
    assert c_strides((2, 3, 4), 4) == (48, 16, 4)
    assert c_strides((5,), 8) == (8,) and c_strides((), 4) == ()
    x = np.arange(24, dtype=np.float32).reshape(4, 6)
    assert is_c_contiguous(x) and not is_c_contiguous(x.T) and not is_c_contiguous(x[:, ::2])
    assert contiguous(x) is x, "an already contiguous array must not be copied"
    y = contiguous(x.T)
    assert y.flags.c_contiguous and np.array_equal(y, x.T), "contiguous(x.T) is a C-ordered copy"
    ### BEGIN HIDDEN TESTS
    assert c_strides((2, 3), 1) == (3, 1)
    assert c_strides((7, 1, 5), 2) == (10, 10, 2)
    f = np.asfortranarray(np.ones((3, 5)))
    views = [x, x.T, x[::2], x[:, 1:3], x[1:2, ::3], x[:, :1], x.reshape(2, 2, 6)[:, 1], np.ones((0, 3))[:, ::2],
             f, f[:, :1], np.ones(()), x[::-1]]
    for v in views:
        assert is_c_contiguous(v) == v.flags.c_contiguous, (v.shape, v.strides)
        c = contiguous(v)
        assert c.flags.c_contiguous and np.array_equal(c, v), (v.shape, v.strides)
        assert (c is v) == bool(v.flags.c_contiguous), "copy exactly when not contiguous"
    for order in ("C", "F"):
        z = np.empty((3, 4, 5), dtype=np.int16, order=order)
        assert (c_strides(z.shape, 2) == z.strides) == (order == "C")
    ### END HIDDEN TESTS
    print("✅ C strides, contiguity from strides, a copy only when needed")


test_unit_layout()

# %% [markdown]
"""
### Step 6: Element-wise kernels without temporaries

`gelu_reference(x)` (given) runs module 02's GELU with `approximate="tanh"`,
`0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`, on an array: it evaluates the formula one operation
at a time, and every operation makes a new array the size of `x`. **Your task:** two kernels that allocate (almost) nothing.
- `gelu_fused(x, out=None)`: the same values, computed step by step into **one** array: allocate `out`
  with `np.empty_like(x)` when it is not given, then apply each operation with `out=out` (`np.multiply`,
  `np.add`, `np.tanh`). No other array may be created: the test measures with `tracemalloc` that the
  peak is `x.nbytes` (plus a few KiB of NumPy's bookkeeping) without `out`, and near 0 with `out`. Returns
  `out`, of `x`'s dtype. The given checks raise `ValueError` when `out`'s shape or dtype differs from `x`'s,
  or when `out` overlaps `x` (the steps read `x` after the first write).
- `bias_relu_(x, bias)`: `x = max(x + bias, 0)` **in place** (`bias` broadcasts over the last axis),
  returning `x` itself and allocating no array.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "acceleration-fused", "locked": false, "schema_version": 3, "solution": true}}
#| export
def gelu_reference(x):
    """Module 02's tanh GELU (tinytorch.core.activations.gelu, approximate="tanh") of the array x, as an
    array of x's dtype (given)."""
    return gelu(Tensor.from_array(np.asarray(x)), approximate="tanh").numpy()


def gelu_fused(x, out=None):
    """The tanh GELU of the float array x computed into `out` (allocated once with np.empty_like(x) when
    None) with out= ufunc steps: no other array is allocated. Returns out (x's dtype).

    Raises ValueError when out's shape or dtype differs from x's, or when out overlaps x.
    """
    x = np.asarray(x)
    if out is None:
        out = np.empty_like(x)
    elif out.shape != x.shape or out.dtype != x.dtype or np.shares_memory(out, x):
        raise ValueError(f"gelu_fused: out must be a separate array of x's shape {x.shape} and dtype {x.dtype}, "
                         f"got shape {out.shape}, dtype {out.dtype}, overlapping x: {np.shares_memory(out, x)}")
    ### BEGIN SOLUTION
    np.multiply(x, x, out=out)            # x^2
    np.multiply(out, x, out=out)          # x^3
    np.multiply(out, GELU_A, out=out)
    np.add(out, x, out=out)               # x + a x^3
    np.multiply(out, GELU_C, out=out)
    np.tanh(out, out=out)
    np.add(out, 1.0, out=out)
    np.multiply(out, x, out=out)
    np.multiply(out, 0.5, out=out)
    ### END SOLUTION
    return out


def bias_relu_(x, bias):
    """x <- max(x + bias, 0) in place (bias broadcasts over the last axis); returns x, allocates no array."""
    ### BEGIN SOLUTION
    np.add(x, bias, out=x)
    np.maximum(x, 0, out=x)
    ### END SOLUTION
    return x


# %% [markdown]
"""
### Testing the fused kernels

`peak_bytes(fn)` runs `fn()` once under `tracemalloc` and returns the peak of traced bytes (NumPy reports
its array buffers to `tracemalloc`). The arrays are 1 MiB, so a single stray temporary is visible far
above the 64 KiB allowed for bookkeeping.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "acceleration-fused-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
import tracemalloc

SLACK = 64 * 1024           # NumPy's iterator buffers and Python objects: bytes, not arrays


def peak_bytes(fn):
    """Peak traced bytes while fn() runs (tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_unit_fused():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((512, 512)).astype(np.float32)          # 1 MiB
    y = gelu_fused(x)
    assert y.dtype == np.float32 and np.allclose(y, gelu_reference(x), atol=1e-6), "same values as the reference"
    peak = peak_bytes(lambda: gelu_fused(x))
    assert x.nbytes <= peak <= x.nbytes + SLACK, f"one output array ({x.nbytes:,} B) expected, peak {peak:,} B"
    out = np.empty_like(x)
    assert gelu_fused(x, out) is out and peak_bytes(lambda: gelu_fused(x, out)) <= SLACK, "out given: no array"
    h, b = rng.standard_normal((512, 512)).astype(np.float32), rng.standard_normal(512).astype(np.float32)
    want = np.maximum(h + b, 0)
    assert bias_relu_(h, b) is h and np.array_equal(h, want), "in place, returns x"
    ### BEGIN HIDDEN TESTS
    h2 = rng.standard_normal((512, 512)).astype(np.float32)
    assert peak_bytes(lambda: bias_relu_(h2, b)) <= SLACK, "bias_relu_ allocated an array"
    x64 = rng.standard_normal((256, 512))                               # float64, 1 MiB
    assert gelu_fused(x64).dtype == np.float64 and np.allclose(gelu_fused(x64), gelu_reference(x64))
    peak64 = peak_bytes(lambda: gelu_fused(x64))
    assert x64.nbytes <= peak64 <= x64.nbytes + SLACK, peak64
    edge = np.array([-10.0, -1.0, 0.0, 1.0, 10.0], dtype=np.float32)
    assert np.allclose(gelu_fused(edge), [0.0, -0.158808, 0.0, 0.841192, 10.0], atol=1e-5)
    try:
        gelu_fused(x, x)
        raise AssertionError("out overlapping x must raise ValueError")
    except ValueError:
        pass
    ### END HIDDEN TESTS
    print("✅ gelu_fused and bias_relu_: same values, no temporaries (tracemalloc)")


test_unit_fused()

# %% [markdown]
"""
## Part 3: Systems Analysis

### Computational complexity

Every rung performs the same `2*M*N*K` FLOPs; what changes is the constant. The triple loop pays
Python's overhead on each of the `M*N*K` multiply-adds; `matmul_outer` pays it `K` times and streams
the `M*N` output through memory `K` times (in float32, each update reads and writes the output, 8 bytes per
element, and writes and reads its broadcast temporary, 8 more: 2 FLOPs per 16 bytes, an intensity of
0.125 FLOP/byte, memory-bound whenever the output does not fit in cache); the tiled version pays Python overhead
`ceil(M/t)*ceil(N/t)*ceil(K/t)` times but keeps a `t x t` output tile in cache across the `K/t` inner
steps; BLAS pays no Python overhead inside and blocks for registers and each cache level. Extra memory:
the triple loop and the tiled product need only the output (`M*N*itemsize` bytes), plus one block
product per kernel call; `matmul_outer` allocates one `M x N` temporary per rank-1 update (freed each
step); `gelu_reference` (module 02's GELU) allocates several `x`-sized temporaries, `gelu_fused` exactly one output.

### Build -> Measure -> Understand: the ladder

Each rung runs with BLAS pinned to one thread. The triple loop is far too slow for large sizes, so the
ladder is measured at two sizes and each rung is compared with the rung below it **at the same size**.
The machine is shared, so `best_interleaved` measures the rungs of one size in alternating rounds (a
burst of other load then slows all of them, not one) and keeps each one's fastest call. The load
average is printed with the table; every figure is this run's measurement, not a property of NumPy.
"""

# %%
import os
import time

from tinytorch.utils.timing import best_time, pinned_blas_threads


def load_note():
    """This machine's 1-, 5- and 15-minute load averages and its core count, as one line."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def gflops(m, k, n, seconds):
    return 2 * m * n * k / seconds / 1e9


def best_interleaved(fns, rounds=3, repeats=3, threads=1):
    """{name: fastest seconds} of each fn of the dict `fns`, measured in `rounds` alternating rounds of
    `repeats` calls each, after one warm-up call each, with BLAS limited to `threads` threads."""
    best = dict.fromkeys(fns, float("inf"))
    with pinned_blas_threads(threads):
        for fn in fns.values():
            fn()
        for _ in range(rounds):
            for name, fn in fns.items():
                for _ in range(repeats):
                    start = time.perf_counter()
                    fn()
                    best[name] = min(best[name], time.perf_counter() - start)
    return best


rng = np.random.default_rng(0)
ladder = []                       # (rung, n, tile, seconds)
for n, tile in ((64, 32), (256, 64)):
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    assert np.allclose(tiled_matmul(a, b, tile, matmul_outer), a @ b, atol=1e-3)
    if n == 64:
        ladder.append(("0 triple loop", n, "", best_time(lambda: matmul_loops(a, b), repeats=1)))
    times = best_interleaved({"1 vectorised rank-1": lambda: matmul_outer(a, b),
                              "2 tiled rank-1": lambda: tiled_matmul(a, b, tile, matmul_outer),
                              "3 BLAS a @ b": lambda: a @ b,
                              "4 tiled BLAS": lambda: tiled_matmul(a, b, tile)})
    ladder += [(name, n, tile if "tiled" in name else "", seconds) for name, seconds in times.items()]

print(f"BLAS pinned to 1 thread; {load_note()}")
print(f"{'rung':20s} {'n':>5s} {'tile':>4s} {'this run':>12s} {'GFLOP/s':>9s}  speed-up over the rung below")
for k, (name, n, tile, seconds) in enumerate(ladder):
    below = ladder[k - 1] if k and ladder[k - 1][1] == n else None
    over = f"{below[3] / seconds:8.2f}x  ({below[0]})" if below else "         (first rung at this size)"
    print(f"{name:20s} {n:5d} {tile!s:>4s} {seconds * 1e3:9.3f} ms {gflops(n, n, n, seconds):9.3g}  {over}")
per_mac = {name: seconds / n ** 3 * 1e9 for name, n, _, seconds in ladder if n == 64}
print(f"at n=64, per multiply-add: triple loop {per_mac['0 triple loop']:.0f} ns, vectorised rank-1 "
      f"{per_mac['1 vectorised rank-1']:.2f} ns, BLAS {per_mac['3 BLAS a @ b']:.3f} ns (this run)")

# %% [markdown]
"""
Read the table row by row (this run's figures, under the load printed above). Expect the first step,
from three loops to rank-1 updates, to be the largest: it removes Python from the inner loops. Expect
BLAS to be far ahead of both NumPy rungs. The cache-blocked NumPy rung is the honest surprise: with
`matmul_outer` as the block kernel it does the same arithmetic as rung 1, but as `(n/t)^3` blocks of `t`
rank-1 updates: `(n/t)^2` times as many NumPy calls, each on a `t x t` block instead of `n x n`. At these
sizes the extra calls can cost more than the cache misses they save: the whole output of a 256 x 256
float32 product is 256 KiB, which may already fit in your CPU's L2 cache (`lscpu` shows its size).
Tiling pays when the block kernel is compiled and the data does not fit: that is BLAS.

Wrapping BLAS in our own tile loop (rung 4) only adds Python calls and copies around BLAS's own blocking.
The next cell sweeps the tile size at 512: measure how much each tile size costs.
"""

# %%
n = 512
a = rng.standard_normal((n, n)).astype(np.float32)
b = rng.standard_normal((n, n)).astype(np.float32)
sweep = best_interleaved({"BLAS a @ b": lambda: a @ b,
                          **{f"tiled BLAS, t={t}": (lambda t=t: tiled_matmul(a, b, t)) for t in (32, 64, 128, 256)}},
                         rounds=3, repeats=2)
print(f"n={n}, BLAS pinned to 1 thread; {load_note()}")
print(f"{'kernel':22s} {'blocks':>7s} {'this run':>12s} {'vs BLAS a @ b':>14s}")
for name, seconds in sweep.items():
    blocks = math.ceil(n / int(name.split("=")[1])) ** 3 if "=" in name else 1
    print(f"{name:22s} {blocks:7d} {seconds * 1e3:9.3f} ms {seconds / sweep['BLAS a @ b']:13.2f}x")

# %% [markdown]
"""
A ratio above 1.00x means our tile loop around BLAS was slower than BLAS alone in this run. The original
course of this kind measured 4.8 ms against 2.65 ms at 512 x 512 for its tiled version; compare with the
rows above rather than with that figure: the machine, the load and the BLAS build differ.

### Memory layout: strides, views and copies

Three measurements. (1) Reading every 16th float32 touches one number per 64-byte cache line: the same
count of elements read contiguously is faster. (2) A transpose is a view (no bytes), but
`np.ascontiguousarray` of it copies `x.nbytes` bytes: `tracemalloc` shows the copy, asserted against
the formula. (3) BLAS accepts a transposed operand without a copy (it reads the transpose flag).
"""

# %%
big = rng.standard_normal(4 * 1024 * 1024).astype(np.float32)          # 16 MiB
count = big.size // 16
reads = best_interleaved({"contiguous": lambda: big[:count].sum(), "strided": lambda: big[::16].sum()}, repeats=5)
print(f"{load_note()}")
print(f"sum of {count:,} float32: contiguous {reads['contiguous'] * 1e3:.3f} ms, every 16th (stride 64 B) "
      f"{reads['strided'] * 1e3:.3f} ms: {reads['strided'] / reads['contiguous']:.1f}x in this run")

m2 = rng.standard_normal((1024, 1024)).astype(np.float32)              # 4 MiB
view = m2.T
layout = best_interleaved({"view": lambda: m2.T, "copy": lambda: contiguous(view)}, repeats=3)
tracemalloc.start()
copied = contiguous(view)
copy_peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(f"m.T (a view): {layout['view'] * 1e6:.2f} us; contiguous(m.T) (a copy): {layout['copy'] * 1e3:.3f} ms, "
      f"peak {copy_peak:,} B for m.nbytes = {m2.nbytes:,} B")
assert m2.nbytes <= copy_peak <= m2.nbytes + SLACK, "the copy allocates exactly one array of x.nbytes"
assert np.shares_memory(view, m2) and not np.shares_memory(copied, m2)

sq = m2[:512, :512].copy()
blas = best_interleaved({"a @ b": lambda: sq @ sq, "a.T @ b": lambda: sq.T @ sq}, repeats=3)
print(f"512 x 512 BLAS: a @ b {blas['a @ b'] * 1e3:.3f} ms, a.T @ b on the strided view {blas['a.T @ b'] * 1e3:.3f} "
      f"ms (ratio {blas['a.T @ b'] / blas['a @ b']:.2f} in this run; NumPy passes the transpose to BLAS, no copy)")

# %% [markdown]
"""
### Temporaries: the fused GELU and bias + ReLU, measured

Peak traced bytes of each version on a 4 MiB float32 activation, and its time. The fused version's
peak is asserted against its formula (one output array); the reference's (module 02's GELU, which
also makes a working copy of its input) is printed as measured: NumPy reuses some temporaries by itself
("temporary elision"), so it is not simply the number of operations.
"""

# %%
act = rng.standard_normal((1024, 1024)).astype(np.float32)
bias = rng.standard_normal(1024).astype(np.float32)
out_buf = np.empty_like(act)
scratch = act.copy()
kernels = {"gelu_reference(x)": lambda: gelu_reference(act),
           "gelu_fused(x)": lambda: gelu_fused(act),
           "gelu_fused(x, out)": lambda: gelu_fused(act, out_buf),
           "np.maximum(x + b, 0)": lambda: np.maximum(scratch + bias, 0),
           "bias_relu_(x, b)": lambda: bias_relu_(scratch, bias)}
peaks = {name: peak_bytes(fn) for name, fn in kernels.items()}
seconds = best_interleaved(kernels, repeats=2)
print(f"x: {act.shape} float32 = {act.nbytes:,} B; {load_note()}")
print(f"{'kernel':22s} {'peak bytes':>12s} {'x.nbytes':>9s} {'this run':>11s}")
for name in kernels:
    print(f"{name:22s} {peaks[name]:12,d} {peaks[name] / act.nbytes:8.2f}x {seconds[name] * 1e3:8.3f} ms")
print(f"this run: gelu_reference took {seconds['gelu_reference(x)'] / seconds['gelu_fused(x)']:.2f}x the time of "
      f"gelu_fused(x), {seconds['gelu_reference(x)'] / seconds['gelu_fused(x, out)']:.2f}x that of gelu_fused(x, out)")
assert act.nbytes <= peaks["gelu_fused(x)"] <= act.nbytes + SLACK
assert peaks["gelu_fused(x, out)"] <= SLACK and peaks["bias_relu_(x, b)"] <= SLACK
assert peaks["gelu_reference(x)"] >= 2 * act.nbytes, "module 02's GELU holds several temporaries"

# %% [markdown]
"""
Both GELUs make about the same number of passes over memory (the reference's operations, the fused
version's nine ufunc calls), so the arithmetic and the streaming are similar. What differs is
allocation: each temporary of the reference is a fresh 4 MiB array, and memory that large usually comes
from the operating system as new pages, each costing a page fault when first written. Does your run
show it (compare `gelu_fused(x)`, one new array, with `gelu_fused(x, out)`, none)? Timings of a few
milliseconds on a shared machine may not separate them; the saving that always holds is the peak memory (asserted above), which in a network means larger batches fit. A compiler that fuses the nine
steps into one loop reads `x` once and writes the output once: that is what `torch.compile`
(TorchInductor) and hand-written CUDA kernels do.

### BLAS threads on this machine

The same 512 x 512 product with BLAS limited to 1 and to 2 threads (threadpoolctl, through
`pinned_blas_threads`), alternating three times, the best of all repeats for each count, with the load
average measured just before. With 2 cores shared by other programs, the second thread may find no
free core.
"""

# %%
print(load_note())
thread_times = {1: float("inf"), 2: float("inf")}
for _ in range(3):                        # alternate, so a burst of load hits both thread counts alike
    for threads in (1, 2):
        fastest = best_interleaved({"a @ b": lambda: a @ b}, rounds=1, repeats=5, threads=threads)["a @ b"]
        thread_times[threads] = min(thread_times[threads], fastest)
for threads in (1, 2):
    print(f"BLAS {threads} thread(s): {thread_times[threads] * 1e3:.3f} ms, "
          f"{gflops(512, 512, 512, thread_times[threads]):.2f} GFLOP/s, "
          f"speed-up {thread_times[1] / thread_times[threads]:.2f}x over 1 thread (this run)")
speedup = thread_times[1] / thread_times[2]
if speedup > 2 * 1.1:
    print(f"note: {speedup:.2f}x from 2 threads is more than 2 cores can give: the 1-thread calls were slowed by "
          "other load in this run, so this ratio measures the load, not BLAS")
elif speedup < 1:
    print("note: 2 threads were slower than 1 in this run: the second thread waited for a busy core")

# %% [markdown]
"""
Two threads can at most halve the time on two cores. What you see depends on what the other programs
on the machine were doing (the load average above): on a busy machine the ratio can be close to 1, or
below it when a thread waits for a core. That is why every timed cell of this course pins BLAS to one
thread before comparing anything: a thread count that varies from run to run makes rows incomparable.

## Production Context

PyTorch's `torch.matmul` on CPU calls a BLAS (MKL or OpenBLAS) or oneDNN, the same top rung; its
thread count is `torch.set_num_threads` (threadpoolctl does this for NumPy). `Tensor.is_contiguous()`,
`Tensor.stride()` and `.contiguous()` are `is_c_contiguous`, `c_strides` and `contiguous`: many PyTorch
kernels require contiguous inputs and call `.contiguous()` themselves, which is a hidden copy you can
now measure. `torch.compile` (TorchInductor) fuses chains of element-wise operations such as GELU and
bias + activation into one generated loop (C++/OpenMP on CPU, Triton on GPU); in-place operations end in
`_` (`relu_`, `add_`), as `bias_relu_` does. On GPUs, cache blocking is the central idea of
shared-memory tiled matmul kernels and of FlashAttention, which tiles attention so that the `T x T`
score matrix never reaches main memory.
"""

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/18_acceleration/acceleration_dev.py`) runs every test
above once more, through `run_all_tests()`.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_matmul_loops()
    test_unit_matmul_outer()
    test_unit_tile_ranges()
    test_unit_tiled_matmul()
    test_unit_layout()
    test_unit_fused()
    print("🎉 All Acceleration tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. In your ladder, which step gave the largest speed-up, and how many Python-level operations per
   multiply-add did it remove?
2. Your cache-blocked NumPy rung (tiled rank-1) did the same FLOPs as rung 1. Was it faster or slower
   in your run, and what would change if the block kernel were compiled instead of a Python loop?
3. In the tile sweep, which tile size came closest to BLAS? Why can no tile size make our loop around
   BLAS beat BLAS alone, and why might one still appear to in a single noisy run?
4. Summing every 16th float32 took longer than summing the same number of contiguous float32 in your
   run, by the printed factor. How many bytes of each 64-byte cache line did the strided sum use?
5. `gelu_fused` cut the peak memory but barely the time. For a transformer MLP with a `(batch*T, 4d)`
   activation, how many bytes does each avoided temporary cost, and where would a one-pass fused kernel
   save time as well?
6. With the load average you measured, did two BLAS threads help? How would you design a timing that
   still compares thread counts fairly on a shared machine?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You climbed the matmul ladder and measured each rung against the one below:
- the triple loop, and `K` vectorised rank-1 updates (`matmul_outer`);
- `tile_ranges` and `tiled_matmul`, a cache-blocked product that really uses its tile size (exactly
  `ceil(M/t)*ceil(N/t)*ceil(K/t)` block products, ragged edges included), with any block kernel;
- BLAS, and our tile loop around it, measured honestly against it;
- `c_strides`, `is_c_contiguous` and `contiguous`: layout from strides, and copies only when needed;
- `gelu_fused` and `bias_relu_`: element-wise kernels that allocate one array or none, proved with
  `tracemalloc`; and BLAS on one and two threads under this machine's load.

**Next:** `tito export 18`; module 19 turns single timings into a benchmark harness with repeats,
percentiles and confidence intervals.
"""
