"""tinytorch.set_num_threads / get_num_threads and module 09's parallel kernels (col2im and the max-pool gradient
run on slices of the batch in parallel threads, conv2d on chunks of it): col2im and the pooling gradient are the
same, bit for bit, with 1 and with several threads; results that pass through a product agree to float rounding
(as BLAS's own results do across its thread counts); small inputs and a batch of one are not split; bad thread
counts raise ValueError."""
import numpy as np
import pytest

import tinytorch as tt
from tinytorch.core import threads
from tinytorch.core.spatial import MaxPool2d, col2im, conv2d, max_pool2d
from tinytorch.core.tensor import Tensor


@pytest.fixture
def restore_threads():
    saved = tt.get_num_threads()
    yield
    tt.set_num_threads(saved)


def _block_grads(x, w, b, stride=1, padding=1, dilation=1, groups=1, pool=2, pool_stride=None):
    tx, tw, tb = (Tensor(a.copy(), requires_grad=True) for a in (x, w, b))
    out = max_pool2d(tt.relu(conv2d(tx, tw, tb, stride, padding, dilation, groups)), pool, pool_stride)
    out.backward(np.random.default_rng(1).standard_normal(out.shape).astype(x.dtype))
    return out.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n, cfg", [(32, {}), (7, dict(stride=2, padding=(1, 2), dilation=(2, 1), groups=2,
                                                       pool=3, pool_stride=1)), (1, {})])
def test_same_results_with_one_and_several_threads(restore_threads, n, cfg, dtype):
    rng = np.random.default_rng(0)
    groups = cfg.get("groups", 1)
    x = rng.standard_normal((n, 4, 24, 21)).astype(dtype)
    x[:, :, :4] = 0.0                                  # ties in the pooling windows (after ReLU)
    w = rng.standard_normal((32, 4 // groups, 3, 3)).astype(dtype)     # 32 x 36 x 16128: products are split
    b = rng.standard_normal(32).astype(dtype)
    tt.set_num_threads(1)
    serial = _block_grads(x, w, b, **cfg)
    for k in (2, 3):
        tt.set_num_threads(k)
        parallel = _block_grads(x, w, b, **cfg)
        for name, a, c in zip(("out", "input grad", "weight grad", "bias grad"), serial, parallel):
            assert a.dtype == c.dtype == dtype
            scale = float(np.abs(a).max())
            tol = 1e-5 if dtype == np.float32 else 1e-12          # a few ulps of the largest value
            np.testing.assert_allclose(c, a, rtol=tol, atol=tol * scale, err_msg=f"{name} with {k} threads")


def test_kernels_are_split_only_when_worth_it(restore_threads, monkeypatch):
    calls = []
    real = col2im.serial

    def counting(cols, *args):
        calls.append(cols.shape[0])
        return real(cols, *args)

    split = threads.over_batch(lambda a: (a[1][0], a[0].size),
                               lambda a, s: (a[0][s], (s.stop - s.start,) + tuple(a[1][1:])) + tuple(a[2:]))(counting)
    tt.set_num_threads(2)
    big = np.ones((32, 27, 1024), dtype=np.float32)
    out = split(big, (32, 3, 34, 34), (3, 3), (1, 1), (1, 1), (32, 32))
    assert sorted(calls) == [16, 16] and out.shape == (32, 3, 34, 34)
    np.testing.assert_array_equal(out, real(big, (32, 3, 34, 34), (3, 3), (1, 1), (1, 1), (32, 32)))
    calls.clear()
    split(np.ones((8, 27, 16), dtype=np.float32), (8, 3, 6, 6), (3, 3), (1, 1), (1, 1), (4, 4))
    assert calls == [8], "a small input runs once, on the whole batch"
    calls.clear()
    tt.set_num_threads(1)
    split(big, (32, 3, 34, 34), (3, 3), (1, 1), (1, 1), (32, 32))
    assert calls == [32], "one thread: no split"


def test_max_pool_module_gradient_parallel_matches_torch(restore_threads):
    torch = pytest.importorskip("torch")
    tt.set_num_threads(2)
    x = np.random.default_rng(3).standard_normal((16, 8, 16, 16)).astype(np.float32)
    x[::2, :, :8] = 0.5                                 # ties: the first maximum takes the gradient
    tx = Tensor(x.copy(), requires_grad=True)
    MaxPool2d(2)(tx).sum().backward()
    rx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(rx, 2).sum().backward()
    np.testing.assert_array_equal(tx.grad.numpy(), rx.grad.numpy())


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, None])
def test_set_num_threads_rejects_what_is_not_a_positive_int(bad):
    with pytest.raises(ValueError, match="positive integer"):
        tt.set_num_threads(bad)


def test_get_num_threads_default_is_positive():
    assert isinstance(tt.get_num_threads(), int) and tt.get_num_threads() >= 1


def test_large_arrays_reuse_freed_memory_without_page_faults():
    """keep_freed_memory (set at import): on glibc, arrays come from the heap and a freed array's memory serves
    the next one, so allocating and filling it again does not fault page by page (one fault per 4 KB page
    otherwise)."""
    import os
    resource = pytest.importorskip("resource")
    if (not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc") or "MALLOC_TOP_PAD_" in os.environ
            or "MALLOC_MMAP_THRESHOLD_" in os.environ):
        pytest.skip("glibc only, and only when the environment does not choose glibc's malloc settings itself")
    assert threads.keep_freed_memory() is True

    # In a fresh process (a heap that has not grown yet), 1 MB arrays one at a time: without the mmap threshold,
    # each would be a fresh mmap (257 faults each, measured).
    code = ("import resource, numpy as np, tinytorch\n"
            "def one():\n    a = np.empty(1 << 18, dtype=np.float32); a.fill(1.0)\n"
            "one(); before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
            "for _ in range(10): one()\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)")
    import subprocess
    import sys
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert run.returncode == 0, run.stderr
    assert int(run.stdout.split()[-1]) < 100, f"{run.stdout.strip()} page faults for 10 fresh 1 MB arrays"

    def fill():
        a = np.empty(2 << 20, dtype=np.float32)
        a.fill(1.0)
        b = np.empty(2 << 20, dtype=np.float32)
        b.fill(2.0)
        return float(a[-1] + b[-1])
    fill()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        fill()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert faults < 500, f"{faults} page faults for 20 fresh 8 MB arrays: freed memory was given back"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parallel_copy_and_apply_equal_numpy_bit_for_bit(restore_threads, dtype):
    rng = np.random.default_rng(4)
    base = rng.standard_normal((32, 3, 34, 34)).astype(dtype)
    windows = np.lib.stride_tricks.as_strided(base, (32, 3, 3, 3, 32, 32), base.strides + base.strides[2:])
    view = windows.transpose(1, 2, 3, 0, 4, 5)                            # conv2d's column matrix, uncopied
    prod = rng.standard_normal((32, 32 * 1024)).astype(dtype).reshape(32, 32, 32, 32).transpose(1, 0, 2, 3)
    bias = rng.standard_normal((1, 32, 1, 1)).astype(dtype)
    for k in (1, 2, 3):
        tt.set_num_threads(k)
        copied = threads.copy(view)
        assert copied.dtype == dtype and copied.strides == np.empty_like(view).strides, "view's memory order"
        np.testing.assert_array_equal(copied, view)
        sliced = threads.copy(base[:, :, 1:, ::2])                          # a slice of a C-ordered array
        assert sliced.flags.c_contiguous and np.array_equal(sliced, base[:, :, 1:, ::2])
        batch_last = np.moveaxis(rng.standard_normal((3, 34, 34, 64)).astype(dtype), -1, 0)
        kept = threads.copy(batch_last)                                     # the batch innermost stays so
        assert kept.strides[0] == kept.itemsize and np.array_equal(kept, batch_last)
        assert not np.shares_memory(kept, batch_last)
        out = threads.apply(np.add, prod, bias, out=np.empty(prod.shape, dtype=dtype))
        np.testing.assert_array_equal(out, prod + bias)
        small = rng.standard_normal((3, 4)).astype(dtype)               # too small to split: one call
        np.testing.assert_array_equal(threads.apply(np.multiply, small, 2.0, out=np.empty_like(small)), small * 2)


def test_over_batch_error_in_a_slice_is_raised_and_nothing_hangs(restore_threads):
    tt.set_num_threads(2)

    def half_fails(a):
        if a[0, 0] < 0:
            raise ValueError("slice failed")
        return a * 2

    split = threads.over_batch(lambda a: (a[0].shape[0], a[0].size), lambda a, s: (a[0][s],))(half_fails)
    good = np.ones((8, 1 << 17), dtype=np.float32)
    np.testing.assert_array_equal(split(good), good * 2)
    for bad_rows in (slice(0, 4), slice(4, 8)):          # the first slice (this thread) or the pool's
        bad = good.copy()
        bad[bad_rows] = -1
        with pytest.raises(ValueError, match="slice failed"):
            split(bad)


def test_a_split_inside_a_pool_thread_runs_there_instead_of_waiting_for_itself(restore_threads):
    import concurrent.futures
    tt.set_num_threads(2)
    big = np.ones((8, 1 << 17), dtype=np.float32)

    def slice_that_splits_again(a):                    # a batch-parallel kernel calling the parallel helpers
        doubled = threads.copy(threads.apply(np.add, a, a, out=np.empty_like(a)))
        return np.matmul(doubled, np.ones((a.shape[1], 4), dtype=np.float32))

    split = threads.over_batch(lambda args: (args[0].shape[0], 1 << 22),
                               lambda args, s: (args[0][s],))(slice_that_splits_again)
    with concurrent.futures.ThreadPoolExecutor(1) as watchdog:         # a hang fails the test, not the suite
        result = watchdog.submit(split, big).result(timeout=60)
    np.testing.assert_array_equal(result, np.full((8, 4), 2.0 * (1 << 17), dtype=np.float32))
