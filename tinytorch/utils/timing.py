"""Hand-written support code for the timed cells of the modules (not taught): pin the BLAS threads.

A timing taken while NumPy's BLAS spreads a matrix product over a varying number of threads (and other
programs compete for the cores) is not comparable from row to row. `pinned_blas_threads(1)` limits BLAS to
one thread inside a `with` block when `threadpoolctl` is installed, and says in its text what it did.
`best_time` (BLAS pinned to one thread) and `best_wall_and_cpu` (threads as the caller set them) keep
the fastest of a few calls, the one least disturbed by other processes; bench/ uses the second.
"""
from __future__ import annotations

import contextlib
import os
import time

__all__ = ["pinned_blas_threads", "best_time", "best_wall_and_cpu"]


@contextlib.contextmanager
def pinned_blas_threads(threads: int = 1):
    """Limit NumPy's BLAS to `threads` threads inside the block; yields a line to print with the timings."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        fixed = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
        yield ("BLAS threads: " + (f"{fixed} (set by the environment)" if fixed else
               "not pinned (install threadpoolctl, or set OPENBLAS_NUM_THREADS=1 before starting Python)"))
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        yield f"BLAS threads: pinned to {threads} with threadpoolctl"


def best_time(fn, repeats=5, warmup=0):
    """Seconds of the fastest of `repeats` calls of fn(), after `warmup` untimed calls, with BLAS pinned
    to one thread."""
    best = float("inf")
    with pinned_blas_threads(1):
        for _ in range(warmup):
            fn()
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
    return best


def best_wall_and_cpu(fn, repeats):
    """(smallest wall time, smallest CPU time of this process) over `repeats` calls of fn(), in seconds,
    with the BLAS threads as the caller set them. The CPU time is less disturbed by other processes on a
    loaded machine (with one thread it is the compute)."""
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)
