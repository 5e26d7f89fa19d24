"""The intra-op threads' team (tinytorch/core/threads.py): parked worker threads that run the slices of a split.
A split gives NumPy's results; a worker's error reaches the caller; two user threads splitting at once both
get right answers (one runs its split serially); a forked child (a DataLoader worker) starts its own team
instead of waiting for threads it does not have; changing the thread count replaces the team. Also
for_each_chunk (chunks cover the batch once, shared evenly, serial when small) and the fast ReLU kernel
that module 09 files in module 02's KERNELS (np.maximum(a, 0) bit for bit)."""
import concurrent.futures
import multiprocessing
import threading

import numpy as np
import pytest

import tinytorch as tt
from tinytorch.core import threads
from tinytorch.core.activations import KERNELS, relu


@pytest.fixture
def restore_threads():
    saved = tt.get_num_threads()
    yield
    tt.set_num_threads(saved)


def _watchdog(fn, *args, timeout=60):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:          # a hang fails the test, not the suite
        return pool.submit(fn, *args).result(timeout=timeout)


def test_split_work_equals_numpy_and_worker_errors_reach_the_caller(restore_threads):
    tt.set_num_threads(2)
    a = np.random.default_rng(0).standard_normal((64, 1 << 14)).astype(np.float32)
    out = threads.apply(np.multiply, a, 3.0, out=np.empty_like(a))
    np.testing.assert_array_equal(out, a * np.float32(3.0))
    names = []

    def record_and_fail(k):
        names.append(threading.current_thread().name)
        if k == 1:
            raise ValueError("slice 1 failed")
    with pytest.raises(ValueError, match="slice 1 failed"):
        _watchdog(threads._run_split, record_and_fail, [(0,), (1,)])
    assert sorted(n.startswith("tinytorch") for n in names) == [False, True], \
        "the caller runs the first slice, a worker the second"
    np.testing.assert_array_equal(threads.apply(np.add, a, a, out=np.empty_like(a)), a + a), \
        "the team still works after an error"


def test_two_user_threads_splitting_at_once_both_get_numpy_results(restore_threads):
    tt.set_num_threads(2)
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((32, 1 << 15)).astype(np.float32) for _ in range(2)]
    expected = [np.maximum(a, 0) for a in arrays]

    def many(a):
        return [threads.relu(a) for _ in range(30)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = [f.result(timeout=60) for f in [pool.submit(many, a) for a in arrays]]
    for got, want in zip(results, expected):
        for r in got:
            np.testing.assert_array_equal(r, want)


def _child_split(queue):
    a = np.ones((64, 1 << 14), dtype=np.float32)
    queue.put(float(threads.apply(np.add, a, a, out=np.empty_like(a)).sum()))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_a_forked_child_starts_its_own_team(restore_threads):
    tt.set_num_threads(2)
    a = np.ones((64, 1 << 14), dtype=np.float32)
    threads.apply(np.add, a, a, out=np.empty_like(a))           # the parent's team exists now
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_split, args=(queue,))
    child.start()
    child.join(60)
    assert child.exitcode == 0, "the forked child hung or failed in a split (it waited for the parent's threads?)"
    assert queue.get(timeout=5) == 2.0 * a.size


def test_changing_the_thread_count_replaces_the_team(restore_threads):
    a = np.random.default_rng(2).standard_normal((96, 1 << 13)).astype(np.float32)
    for k in (3, 2, 1, 3):
        tt.set_num_threads(k)
        seen = set()

        def note(s):
            seen.add(threading.current_thread().name)
            np.add(a[s], 1, out=a[s])
        before = a.copy()
        threads._run_split(note, [(s,) for s in threads._blocks(len(a), k)]) if k > 1 else note(slice(None))
        np.testing.assert_array_equal(a, before + 1)
        assert len(seen) == k, f"{k} threads ran the {k} slices"
    team_threads = [t for t in threading.enumerate() if t.name.startswith("tinytorch")]
    assert len(team_threads) == 2, f"one team of 2 workers for 3 threads, found {[t.name for t in team_threads]}"


def test_for_each_chunk_covers_the_batch_once_in_even_shares(restore_threads, monkeypatch):
    tt.set_num_threads(2)
    seen, lock = [], threading.Lock()

    def note(s):
        with lock:
            seen.append((s.start, s.stop, threading.current_thread().name))
    monkeypatch.setattr(threads, "CHUNK_ELEMENTS", 1 << 19)
    threads.for_each_chunk(32, 60_000, note)               # 1.9 M elements: 4 chunks, 2 per thread
    assert sorted((a, b) for a, b, _ in seen) == [(0, 8), (8, 16), (16, 24), (24, 32)]
    assert sorted((a, b) for a, b, name in seen if name.startswith("tinytorch")) == [(16, 24), (24, 32)], \
        "the worker runs the second half of the chunks, the caller the first"
    seen.clear()
    threads.for_each_chunk(32, 100, note)                  # 3,200 elements: one chunk, here
    assert [(a, b) for a, b, _ in seen] == [(0, 32)] and not seen[0][2].startswith("tinytorch")
    seen.clear()
    monkeypatch.setattr(threads, "CHUNK_ELEMENTS", 1)
    threads.for_each_chunk(5, 10, note)                    # chunks of one image, serial (50 elements of work)
    assert [(a, b) for a, b, _ in seen] == [(i, i + 1) for i in range(5)]


def test_for_each_chunk_runs_blas_on_one_thread_inside(restore_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    inside = []
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        threads.for_each_chunk(4, 10, lambda s: inside.append(
            [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]))
        after = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    assert inside and all(n == 1 for n in inside[0]), inside
    assert all(n == 2 for n in after), "restored after"


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int8, np.int64])
@pytest.mark.parametrize("shape", [(32, 32, 32, 32), (32, 16, 8, 8), (5, 3), (7, 3000, 1), ()])
def test_fast_relu_kernel_is_np_maximum_bit_for_bit(restore_threads, dtype, shape):
    rng = np.random.default_rng(3)
    a = np.asarray(rng.standard_normal(shape) * 50).astype(dtype)
    if a.dtype.kind == "f" and a.size > 11:
        a.flat[::7], a.flat[::11] = np.nan, -0.0
    for k in (1, 2):
        tt.set_num_threads(k)
        for view in (a, a[::2] if a.ndim else a):          # contiguous and strided
            got, want = threads.relu(view), np.maximum(view, 0)
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got, want)
            assert np.array_equal(np.signbit(got), np.signbit(want)), "the sign of zeros is kept too"


def test_module_09_files_the_fast_relu_and_relu_uses_it():
    assert KERNELS.get("relu") is threads.relu and KERNELS.get("relu_grad") is threads.relu_grad
    x = tt.tensor(np.linspace(-2, 2, 4096, dtype=np.float32).reshape(4, 1024), requires_grad=True)
    y = relu(x)
    np.testing.assert_array_equal(y.detach().numpy(), np.maximum(x.detach().numpy(), 0))
    assert y.grad_fn is not None and y.grad_fn.op == "relu", "still recorded as relu"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (x.detach().numpy() > 0).astype(np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_relu_grad_kernel_is_g_times_mask_bit_for_bit(restore_threads, dtype):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((32, 16, 32, 32)).astype(dtype)
    x[0, 0, 0, :4] = (0.0, -0.0, np.nan, np.inf)
    for g in (rng.standard_normal(x.shape).astype(dtype),
              np.broadcast_to(np.ones((), dtype), x.shape)):          # a sum's gradient: one broadcast value
        want = g * (x > 0)
        for k in (1, 2):
            tt.set_num_threads(k)
            got = threads.relu_grad(g, x)
            assert got.dtype == want.dtype and got.shape == want.shape and got.flags.c_contiguous
            np.testing.assert_array_equal(got, want)
