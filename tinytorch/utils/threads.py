"""Hand-written support code for the timed cells of the modules (not taught): pin BLAS threads.

A matmul timed while BLAS uses a varying number of threads measures the machine's load, not the code.
`blas_threads(1)` pins the BLAS thread count for a `with` block and restores it afterwards:
with threadpoolctl when it is installed, else through OpenBLAS's own `*_set_num_threads` function
(the BLAS that numpy's wheels ship), found in the loaded libraries. When neither works it pins
nothing and says so in `how`. numpy's elementwise operations never use BLAS threads.
"""
import contextlib
import ctypes
import os

__all__ = ["blas_threads"]


def _openblas_functions():
    """(get, set) of the OpenBLAS library loaded in this process, or None."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as fh:
            paths = {line.split()[-1] for line in fh if "openblas" in line.split()[-1].lower()
                     and ".so" in line.split()[-1]}
    except OSError:
        return None
    for path in sorted(paths):
        if not os.path.exists(path):
            continue
        lib = ctypes.CDLL(path)
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    return get, put
    return None


class _Pinned:
    how = ""


@contextlib.contextmanager
def blas_threads(n=1):
    """Context manager: BLAS uses `n` threads inside the block. Yields an object whose `how` says how
    the threads were pinned (or why they are not)."""
    import numpy  # noqa: F401  (loads the BLAS library, so that it can be found)
    state = _Pinned()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        with threadpool_limits(limits=n, user_api="blas"):
            state.how = f"BLAS pinned to {n} thread(s) with threadpoolctl"
            yield state
        return
    functions = _openblas_functions()
    if functions is None:
        state.how = (f"BLAS threads NOT pinned (threadpoolctl is not installed and no OpenBLAS was found): "
                     f"set OPENBLAS_NUM_THREADS={n} before starting Python to pin them")
        yield state
        return
    get, put = functions
    before = get()
    put(n)
    state.how = f"BLAS pinned to {n} thread(s) through OpenBLAS (threadpoolctl is not installed)"
    try:
        yield state
    finally:
        put(before)
