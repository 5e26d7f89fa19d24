"""Support code of module 09 (hand-written, not taught): intra-op threads, and freed memory kept for reuse.

PyTorch's `set_num_threads` / `get_num_threads`; `over_batch`, which runs a function that treats every image
of a batch independently on slices of the batch, one slice per thread; and `matmul`, np.matmul with the
result's columns split over the threads.

NumPy releases the GIL inside its array loops (ufuncs, copies) on large arrays, and BLAS runs without it, so
two Python threads working on two halves of a batch can keep two cores busy where one thread leaves the
second idle. Module 09 applies `over_batch` to col2im and to the max-pool gradient rule
(tinytorch/core/spatial_support.py): the result for a slice of the batch is that slice of the result, so the
split changes nothing but the time. Its conv2d runs its three products through `matmul`, with BLAS on one
thread inside: OpenBLAS's own worker threads keep spinning on the cores for a while after each
multi-threaded call (this machine: 20 ms of CPU during a 20 ms sleep after one product), which takes the
core from the thread that works next; with our threads doing the splitting, BLAS's are never woken.

Freed memory kept for reuse: every op returns new arrays, and a conv block's arrays are megabytes. glibc's
malloc hands the top of its heap back to the system when it is freed and asks for it again on the next
allocation, so each fresh array page-faults page by page (one run here: about 3,500 faults per step of
bench/run.py's conv block and a quarter of its CPU time in the kernel). At import, `keep_freed_memory()`
asks glibc to keep up to KEEP_FREED_BYTES of freed heap for the next arrays (mallopt M_TOP_PAD) and to
serve arrays below HEAP_ARRAYS_BELOW from that heap (M_MMAP_THRESHOLD); with another C library (macOS, musl,
Windows), or when the environment sets MALLOC_TOP_PAD_ or MALLOC_MMAP_THRESHOLD_, nothing changes.
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["set_num_threads", "get_num_threads", "over_batch", "matmul", "copy", "apply", "keep_freed_memory"]

# A hand-off to a pool thread costs tens of microseconds, and two threads that both run Python between
# NumPy calls contend for the GIL: split only large work. Measured here (idle moments): milestone 04's CNN
# on 8x8 digits (arrays up to 0.3 M elements, products up to 9.4 M multiply-adds) trained 13% faster per
# step with these thresholds than with 128 K / 4 M (as fast as with no split at all), while the conv block
# on 32x32 images (1 M elements, 28 M multiply-adds) still splits everything.
MIN_ELEMENTS = 1 << 19          # below this many elements, a batch-parallel kernel runs once, unsplit
MIN_MULTIPLY_ADDS = 1 << 24     # below this many multiply-adds, a matrix product is not split
MIN_SPLIT_COLUMNS = 256         # a product with fewer result columns is split along its inner dimension
KEEP_FREED_BYTES = 64 << 20     # freed heap memory glibc keeps for the next arrays instead of returning it
HEAP_ARRAYS_BELOW = 32 << 20    # arrays smaller than this come from the heap, not from a fresh mmap (glibc's max)
_M_TOP_PAD, _M_MMAP_THRESHOLD = -2, -3      # glibc's mallopt parameter numbers (malloc.h)


def keep_freed_memory(nbytes=KEEP_FREED_BYTES):
    """Ask glibc's malloc to keep up to `nbytes` of freed heap memory for reuse (mallopt M_TOP_PAD) and to
    take arrays below HEAP_ARRAYS_BELOW from the heap (M_MMAP_THRESHOLD; setting M_TOP_PAD turns off glibc's
    own raising of that threshold, so without it every array above 128 KB would be a fresh mmap), so that the
    next large arrays do not page-fault. Returns True if set; False (nothing changed) on a C library other
    than glibc or when the environment already sets MALLOC_TOP_PAD_ or MALLOC_MMAP_THRESHOLD_."""
    try:
        libc_version = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):
        libc_version = ""
    if (not libc_version.startswith("glibc") or "MALLOC_TOP_PAD_" in os.environ
            or "MALLOC_MMAP_THRESHOLD_" in os.environ):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
        return bool(mallopt(_M_MMAP_THRESHOLD, HEAP_ARRAYS_BELOW)) and bool(mallopt(_M_TOP_PAD, int(nbytes)))
    except (OSError, AttributeError):
        return False


keep_freed_memory()


def _default_threads():
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


_state = {"threads": _default_threads(), "pool": None}
_lock = threading.Lock()


def set_num_threads(n):
    """Use `n` threads (a positive int) for the batch-parallel kernels, like torch.set_num_threads.
    Raises ValueError otherwise. NumPy's BLAS threads are not changed (set them with threadpoolctl)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"set_num_threads: the number of threads must be a positive integer, got {n!r}")
    with _lock:
        if int(n) != _state["threads"] and _state["pool"] is not None:
            _state["pool"].shutdown(wait=True)
            _state["pool"] = None
        _state["threads"] = int(n)


def get_num_threads():
    """The number of threads the batch-parallel kernels use (default: the CPUs this process may use, at most 8)."""
    return _state["threads"]


_inside = threading.local()     # .split is True while this thread computes its own slice of a split


def _serial_here():
    """True where work must not be split: one thread, inside one of our pool threads, or while this thread
    computes its slice of an over_batch split (a nested split would wait for pool threads that are busy
    with, or waiting for, the outer one)."""
    return (_state["threads"] < 2 or getattr(_inside, "split", False)
            or threading.current_thread().name.startswith("tinytorch"))


def _pool():
    with _lock:
        if _state["pool"] is None:
            _state["pool"] = ThreadPoolExecutor(max_workers=max(1, _state["threads"] - 1),
                                                thread_name_prefix="tinytorch")
        return _state["pool"]


def _blocks(n, parts):
    """`parts` slices of nearly equal length covering range(n)."""
    bounds = [n * i // parts for i in range(parts + 1)]
    return [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]


def _in_blocks(out, work):
    """Run work(index) for get_num_threads() blocks of `out` along its longest axis other than the last (the
    inner loop stays whole), at once; index selects the block. One call on everything when not worth it."""
    threads = get_num_threads()
    if _serial_here() or out.ndim < 2 or out.size < MIN_ELEMENTS:
        return work((Ellipsis,))
    axis = max(range(out.ndim - 1), key=lambda i: out.shape[i])
    parts = _blocks(out.shape[axis], min(threads, out.shape[axis]))
    if len(parts) < 2:
        return work((Ellipsis,))
    indexes = [(slice(None),) * axis + (s,) for s in parts]
    try:
        futures = [_pool().submit(work, index) for index in indexes[1:]]
    except RuntimeError:                    # no thread can be started (a sandbox's limit): one call
        return work((Ellipsis,))
    work(indexes[0])
    for f in futures:
        f.result()


def copy(a):
    """np.ascontiguousarray(a) (a new C-contiguous copy), copied by get_num_threads() threads at once."""
    out = np.empty(a.shape, dtype=a.dtype)
    _in_blocks(out, lambda index: np.copyto(out[index], a[index]))
    return out


def apply(ufunc, *operands, out):
    """ufunc(*operands, out=out) computed by get_num_threads() threads on blocks of `out` at once (operands
    broadcast against out, as in NumPy); elementwise, so the values are those of one call. Returns out."""
    def block_of(op, index):
        if np.ndim(op) == 0 or index == (Ellipsis,):
            return op
        axis = len(index) - 1 - (out.ndim - op.ndim)          # the same axis in op (aligned on the right)
        if axis < 0 or op.shape[axis] == 1:
            return op
        return op[(slice(None),) * axis + (index[-1],)]
    _in_blocks(out, lambda index: ufunc(*(block_of(op, index) for op in operands), out=out[index]))
    return out


def _allocate(first, n):
    """Empty full-batch results shaped like `first`, one slice's result (an array with the batch first, or a
    tuple of them / None)."""
    if isinstance(first, tuple):
        return tuple(_allocate(r, n) for r in first)
    return None if first is None else np.empty((n,) + first.shape[1:], dtype=first.dtype)


def _place(out, result, s):
    """Copy one slice's result into rows `s` of the full-batch results."""
    if isinstance(out, tuple):
        for o, r in zip(out, result):
            _place(o, r, s)
    elif out is not None:
        out[s] = result


def over_batch(size, slice_args):
    """Decorator: run fn on get_num_threads() slices of the batch at once and put the results together.

    size(args) -> (batch size, elements of work); slice_args(args, s) -> the arguments for the batch slice
    `s` (a slice). fn must treat the images independently and return an array with the batch first, or a
    tuple of such arrays (None allowed). With one thread, a batch of one, or less than MIN_ELEMENTS of work,
    fn runs once on the whole batch. `wrapped.serial` is fn itself.
    """
    def deco(fn):
        @functools.wraps(fn)
        def run(*args):
            n, work = size(args)
            parts_wanted = min(get_num_threads(), n)
            if parts_wanted < 2 or work < MIN_ELEMENTS or _serial_here():
                return fn(*args)
            parts = _blocks(n, parts_wanted)
            full = {}                           # the full-batch results, once the first slice shows their shape
            allocated = threading.Event()

            def other_slice(s):                 # in a pool thread: compute, then copy into place there
                result = fn(*slice_args(args, s))
                allocated.wait()
                if "out" in full:
                    _place(full["out"], result, s)
            try:
                futures = [_pool().submit(other_slice, s) for s in parts[1:]]
            except RuntimeError:                # no thread can be started (a sandbox's limit): run serially
                return fn(*args)
            try:
                _inside.split = True
                try:
                    first = fn(*slice_args(args, parts[0]))
                finally:
                    _inside.split = False
                full["out"] = _allocate(first, n)
                allocated.set()
                _place(full["out"], first, parts[0])
            finally:
                allocated.set()                 # never leave a pool thread waiting (also when fn raised)
                done = [f.exception() for f in futures]
            for error in done:
                if error is not None:
                    raise error
            return full["out"]
        run.serial = fn
        return run
    return deco


@contextlib.contextmanager
def _blas_on_one_thread():
    """NumPy's BLAS on one thread inside the block (restored after), so that our threads' products do not
    each wake BLAS's own threads: OpenBLAS's workers keep spinning on the cores for a while after each
    multi-threaded call, which takes the core from the thread that works next."""
    controllers = _state.get("blas")
    if controllers is None:
        try:
            from threadpoolctl import ThreadpoolController
            controllers = ThreadpoolController().select(user_api="blas").lib_controllers
        except Exception:                   # threadpoolctl missing or unable to read a library: leave BLAS as is
            controllers = []
        _state["blas"] = controllers
    saved = [c.get_num_threads() for c in controllers]
    for c in controllers:
        c.set_num_threads(1)
    try:
        yield
    finally:
        for c, n in zip(controllers, saved):
            c.set_num_threads(n)


def matmul(a, b):
    """np.matmul(a, b), with the columns of the result computed by get_num_threads() threads at once.

    a (..., M, K) and b (..., K, P) arrays of the same float dtype. Each thread multiplies a by a block of
    b's columns into that block of the result, with NumPy's BLAS on one thread (so the threads do not
    oversubscribe the cores): every element is the same dot product as in np.matmul, only computed
    elsewhere. A result with fewer than MIN_SPLIT_COLUMNS columns and a long inner dimension (conv2d's
    weight gradient) is split along that dimension instead, the partial products added. With one thread it is np.matmul; a product of fewer than MIN_MULTIPLY_ADDS multiply-adds
    is one np.matmul call with BLAS on one thread (waking BLAS's threads for it would leave them spinning).
    """
    parts_wanted = min(get_num_threads(), b.shape[-1]) if b.ndim >= 2 else 1
    if parts_wanted < 2 or a.ndim < 2 or a.dtype != b.dtype or a.dtype.kind != "f" or _serial_here():
        return np.matmul(a, b)
    (m, k), p = a.shape[-2:], b.shape[-1]
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (m, p)
    if math.prod(shape) * k < MIN_MULTIPLY_ADDS:
        with _blas_on_one_thread():
            return np.matmul(a, b)
    if p < MIN_SPLIT_COLUMNS and k >= MIN_SPLIT_COLUMNS * parts_wanted:
        return _matmul_split_inner(a, b, min(get_num_threads(), k // MIN_SPLIT_COLUMNS))
    out = np.empty(shape, dtype=a.dtype)
    parts = [(Ellipsis, s) for s in _blocks(p, parts_wanted)]
    with _blas_on_one_thread():
        try:
            futures = [_pool().submit(np.matmul, a, b[s], out=out[s]) for s in parts[1:]]
        except RuntimeError:                # no thread can be started (a sandbox's limit): one product
            return np.matmul(a, b)
        np.matmul(a, b[parts[0]], out=out[parts[0]])
        for f in futures:
            f.result()
    return out


def _matmul_split_inner(a, b, parts_wanted):
    """a @ b for a narrow result (few columns) and a long inner dimension K (a weight gradient summed over a
    whole batch): each thread multiplies a block of K, and the partial products are added (the sum's order
    differs from one np.matmul's, so the result may differ in the last bits)."""
    parts = _blocks(a.shape[-1], parts_wanted)
    with _blas_on_one_thread():
        try:
            futures = [_pool().submit(np.matmul, a[..., s], b[..., s, :]) for s in parts[1:]]
        except RuntimeError:
            return np.matmul(a, b)
        out = np.matmul(a[..., parts[0]], b[..., parts[0], :])
        for f in futures:
            out += f.result()
    return out
