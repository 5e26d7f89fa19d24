"""Support code of module 09 (hand-written, not taught): intra-op threads, and freed memory kept for reuse.

PyTorch's `set_num_threads` / `get_num_threads`; `for_each_chunk`, which runs a function on chunks of a batch
shared among the threads; `over_batch`, which runs a function that treats every image of a batch
independently on slices of the batch, one slice per thread; `copy` and `apply`, np.copy(order="K") and a
ufunc with the result split over the threads; and `relu` / `relu_grad`, the ReLU kernels that module 09
files in module 02's KERNELS (the same values as np.maximum(a, 0) and g * (x > 0), vectorised and split).

NumPy releases the GIL inside its array loops (ufuncs, copies) on large arrays, and BLAS runs without it, so
two Python threads working on two halves of a batch can keep two cores busy where one thread leaves the
second idle. The threads are a team of parked workers, each sleeping on its own lock: a hand-off is one
release and one acquire. Module 09's conv2d runs its chunks through `for_each_chunk`, with BLAS on one thread
inside: OpenBLAS's own worker threads keep spinning on the cores for a while after each multi-threaded call
(this machine: 20 ms of CPU during a 20 ms sleep after one product), which takes the core from the thread
that works next; with our threads doing the splitting, BLAS's are never woken. `over_batch` serves col2im
and the max-pool gradient rule (tinytorch/core/spatial_support.py): the result for a slice of the batch is
that slice of the result, so the split changes nothing but the time. Small work is never split: on this
machine (2 vCPUs) a thread that slept for a millisecond takes 15-60 microseconds to wake, and two threads
that both run Python between short NumPy calls wait for each other's interpreter lock (measured: a small
CNN's step on 8x8 images got slower with any split of its convolutions).

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
import os
import threading

import numpy as np

__all__ = ["set_num_threads", "get_num_threads", "for_each_chunk", "over_batch", "copy", "apply", "relu",
           "relu_grad", "keep_freed_memory"]

# Two threads that both run Python between NumPy calls contend for the GIL: split only large work. Measured
# here (idle moments, alternated runs): with a hand-off through the team below, the conv block on 32x32
# images took 6.9-7.3 ms per step with 128 K against 7.4-7.9 ms with 512 K; milestone 04's CNN on 8x8 digits
# still runs its convolutions unsplit (for_each_chunk(split=False)), as any split of them was slower.
MIN_ELEMENTS = 1 << 17          # below this many elements, a batch-parallel kernel runs once, unsplit
CHUNK_ELEMENTS = 1 << 20       # for_each_chunk: about this many elements of work per chunk (measured: the conv block's
                               # gradient took 3.6 ms with 128 K, 2.7 with 256 K, 2.1 with 512 K, 1.95 with 1 M)
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


_state = {"threads": _default_threads(), "team": None}
_lock = threading.Lock()
_split_running = threading.Lock()     # held while a split runs: one split at a time uses the team


class _Team:
    """`workers` parked threads that run the slices of a split (the caller runs the first slice itself).

    Each worker sleeps on its own lock; handing it a slice is one lock release and collecting it one lock
    acquire: a round trip of about 16 microseconds here, where a ThreadPoolExecutor's submit and result took
    about 30, enough to eat the gain of splitting a 4 MB elementwise op (measured: 139 us split against 128 us
    serial with the executor, 79 us with the team)."""

    def __init__(self, workers):
        self.slots = []
        for i in range(workers):
            go, done = threading.Lock(), threading.Lock()
            go.acquire()
            done.acquire()
            slot = {"go": go, "done": done, "task": None, "error": None}
            thread = threading.Thread(target=self._work, args=(slot,), daemon=True, name=f"tinytorch-{i}")
            thread.start()                  # may raise RuntimeError (no thread can be started): caller handles
            slot["thread"] = thread
            self.slots.append(slot)

    @staticmethod
    def _work(slot):
        go, done = slot["go"], slot["done"]
        while True:
            go.acquire()
            task = slot["task"]
            if task is None:                # asked to stop
                done.release()
                return
            fn, args = task
            try:
                fn(*args)
            except BaseException as error:  # handed back to the caller, which raises it
                slot["error"] = error
            slot["task"] = None
            done.release()

    def run(self, fn, slices):
        """fn(*slices[0]) here and fn(*slices[k]) in worker k-1, at once; returns when all are done and raises
        the first error of any of them."""
        slots = self.slots[:len(slices) - 1]
        for slot, args in zip(slots, slices[1:]):
            slot["task"] = (fn, args)
            slot["go"].release()
        try:
            fn(*slices[0])
        finally:
            for slot in slots:
                slot["done"].acquire()
        for slot in slots:
            error, slot["error"] = slot["error"], None
            if error is not None:
                raise error

    def stop(self):
        for slot in self.slots:
            slot["task"] = None
            slot["go"].release()
        for slot in self.slots:
            slot["done"].acquire()
            slot["thread"].join()


def set_num_threads(n):
    """Use `n` threads (a positive int) for the batch-parallel kernels, like torch.set_num_threads.
    Raises ValueError otherwise. NumPy's BLAS threads are not changed (set them with threadpoolctl)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"set_num_threads: the number of threads must be a positive integer, got {n!r}")
    with _lock, _split_running:
        if int(n) != _state["threads"] and _state["team"] is not None:
            _state["team"].stop()
            _state["team"] = None
        _state["threads"] = int(n)


def get_num_threads():
    """The number of threads the batch-parallel kernels use (default: the CPUs this process may use, at most 8)."""
    return _state["threads"]


_inside = threading.local()     # .split is True while this thread computes its own slice of a split


def _serial_here():
    """True where work must not be split: one thread, inside one of our worker threads, or while this thread
    computes its slice of a split (a nested split would wait for workers that are busy with the outer one)."""
    return (_state["threads"] < 2 or getattr(_inside, "split", False)
            or threading.current_thread().name.startswith("tinytorch"))


def _forget_team_after_fork():
    """In a forked child (a DataLoader worker) the team's threads do not exist: start a new team when needed."""
    global _lock, _split_running
    _state["team"] = None
    _lock, _split_running = threading.Lock(), threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_team_after_fork)


def _run_split(fn, slices):
    """fn(*args) for every args in `slices`, at once on the team (this thread runs the first). Runs them one
    after another here instead when another thread's split holds the team or no thread can be started."""
    if not _split_running.acquire(blocking=False):      # another user thread is splitting: do not wait
        for args in slices:
            fn(*args)
        return
    try:
        team = _state["team"]
        if team is None or len(team.slots) < len(slices) - 1:
            try:
                team = _state["team"] = _Team(max(1, _state["threads"] - 1))
            except RuntimeError:                        # no thread can be started (a sandbox's limit)
                team = None
        if team is None or len(team.slots) < len(slices) - 1:
            for args in slices:
                fn(*args)
            return
        _inside.split = True
        try:
            team.run(fn, slices)
        finally:
            _inside.split = False
    finally:
        _split_running.release()


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
    _run_split(work, [((slice(None),) * axis + (s,),) for s in parts])


def for_each_chunk(n, per_image, fn, split=True):
    """Call fn(s) for slices s that cover range(n), the images of a batch, in chunks of about CHUNK_ELEMENTS
    elements of work (`per_image` elements per image; the size was measured, see CHUNK_ELEMENTS, and bounds
    the size of each call's products and copies). With several threads and at least MIN_ELEMENTS of work in
    all, the chunks are shared among get_num_threads() threads (each a run of neighbouring chunks), at once.
    NumPy's BLAS runs on one thread inside (our threads are the parallelism). fn must treat images
    independently and write its results itself (into slices of arrays allocated before). With split=False,
    fn(slice(0, n)) runs once here (still with BLAS on one thread). Work run here in one thread does not
    split what it calls (col2im inside a small convolution): small pieces lose more in hand-offs than they gain."""
    total = n * max(1, per_image)
    threads = 1 if _serial_here() or total < MIN_ELEMENTS or not split else min(get_num_threads(), n)
    count = max(threads, -(-total // CHUNK_ELEMENTS)) if split else 1
    count = min(n, -(-count // threads) * threads)              # a multiple of the threads: even shares
    chunks = _blocks(n, max(1, count))

    def run(share):
        for s in share:
            fn(s)
    with _blas_on_one_thread():
        if threads >= 2:
            return _run_split(run, [(chunks[b],) for b in _blocks(len(chunks), threads)])
        outer, _inside.split = getattr(_inside, "split", False), True    # what fn calls is not split either
        try:
            run(chunks)
        finally:
            _inside.split = outer


def copy(a):
    """A new array with a's values, in a's memory order (np.copy(a, order="K"): C-contiguous for a C-ordered
    array or a slice of one; the batch stays innermost for a small-image convolution's output), copied by
    get_num_threads() threads at once."""
    out = np.empty_like(a)
    if out.size < MIN_ELEMENTS:                                 # small: one call, no per-block machinery
        np.copyto(out, a)
        return out
    _in_blocks(out, lambda index: np.copyto(out[index], a[index]))
    return out


def apply(ufunc, *operands, out):
    """ufunc(*operands, out=out) computed by get_num_threads() threads on blocks of `out` at once (operands
    broadcast against out, as in NumPy); elementwise, so the values are those of one call. Returns out."""
    if out.size < MIN_ELEMENTS:                                 # small: one call, no per-block machinery
        ufunc(*operands, out=out)
        return out

    def block_of(op, index):
        if np.ndim(op) == 0 or index == (Ellipsis,):
            return op
        axis = len(index) - 1 - (out.ndim - op.ndim)          # the same axis in op (aligned on the right)
        if axis < 0 or op.shape[axis] == 1:
            return op
        return op[(slice(None),) * axis + (index[-1],)]
    _in_blocks(out, lambda index: ufunc(*(block_of(op, index) for op in operands), out=out[index]))
    return out


def relu(a):
    """np.maximum(a, 0): the same values and dtype, computed faster. NumPy's maximum against a broadcast scalar
    runs a loop that is not vectorised (this machine, 1 M float32: 0.76 ms, against 0.24 ms for a row of
    zeros as long as the array's rows), so a C-contiguous array is viewed as rows of at least 1,024 elements
    (its trailing dimensions merged), compared with one row of zeros, by get_num_threads() threads at once.
    An array with the batch innermost (a small-image convolution's output) is done the same way in its own
    memory order, and its result has that order too."""
    if a.ndim == 0 or a.size < 1024:
        return np.maximum(a, 0)
    if not a.flags.c_contiguous:
        batch_last = a.transpose(tuple(range(1, a.ndim)) + (0,))
        if batch_last.flags.c_contiguous:
            return relu(batch_last).transpose((a.ndim - 1,) + tuple(range(a.ndim - 1)))
        return np.maximum(a, 0)
    width, axis = 1, a.ndim
    while axis > 0 and width < 1024:
        axis -= 1
        width *= a.shape[axis]
    rows = a.reshape(-1, width)
    out = np.empty(rows.shape, dtype=a.dtype)
    apply(np.maximum, rows, np.zeros(width, dtype=a.dtype), out=out)
    return out.reshape(a.shape)


def _pass_where_positive(g, x, out):
    """out = g where x > 0, else 0 (ReLU's gradient on one block)."""
    return np.multiply(g, x > 0, out=out)


def relu_grad(g, x):
    """g * (x > 0), ReLU's gradient: the same values, computed by get_num_threads() threads on blocks of a
    large array, each block's mask made where it is used (module 09 files it in module 02's KERNELS)."""
    dtype = np.result_type(g.dtype, np.bool_)
    if g.shape == x.shape:                                      # in g's memory order (the batch may be innermost)
        out = np.empty_like(g, dtype=dtype)
    else:
        out = np.empty(np.broadcast_shapes(g.shape, x.shape), dtype=dtype)
    return apply(_pass_where_positive, g, x, out=out)


def _allocate(first, n):
    """Empty full-batch results shaped like `first`, one slice's result (an array with the batch first, or a
    tuple of them / None)."""
    if isinstance(first, tuple):
        return tuple(_allocate(r, n) for r in first)
    return None if first is None else np.empty_like(first, shape=(n,) + first.shape[1:])     # first's memory order


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

            def one_slice(k, s):                # slice k computes, then copies its result into place itself
                try:
                    result = fn(*slice_args(args, s))
                    if k == 0:
                        full["out"] = _allocate(result, n)
                finally:
                    if k == 0:
                        allocated.set()         # never leave another slice waiting (also when fn raised)
                allocated.wait()
                if "out" in full:
                    _place(full["out"], result, s)
            _run_split(one_slice, list(enumerate(parts)))
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
    saved = [(c, n) for c, n in ((c, c.get_num_threads()) for c in controllers) if n != 1]
    for c, _ in saved:
        c.set_num_threads(1)
    try:
        yield
    finally:
        for c, n in saved:
            c.set_num_threads(n)
