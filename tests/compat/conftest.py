"""Shared harness of the PyTorch-compatibility programs (tests/compat/test_compat_*.py).

Each test holds one small program written for PyTorch, as a function `program(torch, nn, F, ...)`. The
harness runs it twice: with `import tinytorch as torch` (tinytorch.nn, tinytorch.nn.functional) and with
real PyTorch, then compares everything the program returned (tensors, numbers, lists, dicts of them):
values to tight tolerances, and dtypes and shapes exactly. Input data comes from NumPy, so both runs see
the same numbers (the two frameworks' random generators differ).

Without PyTorch the tinytorch half still runs (and must not fail); the PyTorch half is skipped with a
printed reason. TINYTORCH_COMPAT_NO_TORCH=1 simulates a missing PyTorch.
"""
from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

import tinytorch
import tinytorch.nn
import tinytorch.nn.functional

if os.environ.get("TINYTORCH_COMPAT_NO_TORCH"):
    torch = None
    TORCH_MISSING = "PyTorch disabled by TINYTORCH_COMPAT_NO_TORCH: the PyTorch half is skipped"
else:
    try:
        import torch
        TORCH_MISSING = None
    except ImportError:
        torch = None
        TORCH_MISSING = ("PyTorch is not installed: the PyTorch half of the compatibility programs is "
                         "skipped; install it with `.venv/bin/pip install torch==2.13.0` (CPU build)")


def _plain(value, where):
    """A program's result as nested Python/NumPy values: tensors become (array, dtype name)."""
    if isinstance(value, dict):
        return {k: _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if hasattr(value, "detach") and hasattr(value, "shape"):           # a tinytorch or torch tensor
        array = np.asarray(value.detach().numpy())
        return ("tensor", array)
    if isinstance(value, np.ndarray):
        return ("array", value)
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, np.dtype) or (torch is not None and isinstance(value, torch.dtype)):
        return ("dtype", str(value).replace("torch.", ""))
    if isinstance(value, type) and issubclass(value, np.generic):          # np.float32 itself
        return ("dtype", np.dtype(value).name)
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{where}: the program returned {type(value).__name__}, which the harness cannot compare")


def _compare(ours, theirs, where, rtol, atol):
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and set(ours) == set(theirs), \
            f"{where}: keys {sorted(ours) if isinstance(ours, dict) else ours} vs PyTorch's {sorted(theirs)}"
        for k in theirs:
            _compare(ours[k], theirs[k], f"{where}[{k!r}]", rtol, atol)
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), f"{where}: {ours!r} vs PyTorch's {theirs!r}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _compare(a, b, f"{where}[{i}]", rtol, atol)
    elif isinstance(theirs, tuple) and theirs[0] == "dtype":
        assert ours == theirs, f"{where}: {ours!r} vs PyTorch's {theirs!r}"
    elif isinstance(theirs, tuple) and theirs[0] in ("tensor", "array"):
        assert isinstance(ours, tuple) and ours[0] == theirs[0], f"{where}: {ours!r:.200} vs PyTorch's {theirs[0]}"
        a, b = ours[1], theirs[1]
        assert a.shape == b.shape, f"{where}: shape {a.shape} vs PyTorch's {b.shape}"
        assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} vs PyTorch's {b.dtype}"
        if a.dtype.kind == "f":
            assert np.isfinite(b).all(), f"{where}: PyTorch's values are not finite; the program diverged?"
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=where)
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(theirs, float):
        assert isinstance(ours, float), f"{where}: {ours!r} ({type(ours).__name__}) vs PyTorch's float {theirs!r}"
        assert np.isfinite(theirs), f"{where}: PyTorch's value {theirs} is not finite; the program diverged?"
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=where)
    else:
        assert type(ours) is type(theirs) and ours == theirs, f"{where}: {ours!r} vs PyTorch's {theirs!r}"


def run_both(program, *args, rtol=1e-5, atol=1e-6):
    """Run `program(torch, nn, F, *args)` on tinytorch and on PyTorch; compare; return tinytorch's result."""
    ours = program(tinytorch, tinytorch.nn, tinytorch.nn.functional, *args)
    plain_ours = _plain(ours, "result")
    if torch is None:
        print(f"\nSKIPPED the PyTorch half of {program.__name__}: {TORCH_MISSING}", file=sys.stderr)
        warnings.warn(f"{program.__name__}: {TORCH_MISSING}")
        return ours
    with torch.random.fork_rng():
        torch.set_num_threads(1)
        theirs = program(torch, torch.nn, torch.nn.functional, *args)
    _compare(plain_ours, _plain(theirs, "result"), "result", rtol, atol)
    return ours


@pytest.fixture
def both():
    return run_both


@pytest.fixture
def torch_or_none():
    return torch
