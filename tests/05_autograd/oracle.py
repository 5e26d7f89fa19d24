"""The gradient oracle: check one op, forward and backward, against central finite differences (float64)
and against PyTorch when it is installed.

    check_op(fn, inputs, torch_fn=..., op="mul")

`fn` takes tinytorch Tensors and returns a Tensor; `torch_fn` does the same with torch tensors. `inputs`
are NumPy arrays (float64 ones are differentiated unless `differentiable` says otherwise; integer arrays
such as class targets are passed as non-differentiable tensors) and may be non-contiguous views: the
tinytorch run sees them exactly as given.

This file is loaded by the oracle tests by path (tests run with --import-mode=importlib); it also holds
the hypothesis strategies they share and `exported_module`, the manifest-aware import.
"""
from __future__ import annotations

import importlib
import os

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinytorch.core.autograd  # noqa: F401  (installs the engine)
from tinytorch.core.autograd import no_grad
from tinytorch.core.tensor import Tensor
from tito.manifest import load

# ------------------------------------------------------------------------------------------------
# PyTorch, optional. TINYTORCH_ORACLE_NO_TORCH=1 simulates its absence (to test the skip path).
# ------------------------------------------------------------------------------------------------
TORCH_INSTALL_HINT = "install it with `.venv/bin/pip install torch==2.13.0` (CPU build)"
if os.environ.get("TINYTORCH_ORACLE_NO_TORCH"):
    torch = None
    TORCH_MISSING = "PyTorch disabled by TINYTORCH_ORACLE_NO_TORCH: the PyTorch half of the oracle is skipped"
else:
    try:
        import torch
        TORCH_MISSING = None
    except ImportError:
        torch = None
        TORCH_MISSING = ("PyTorch is not installed: the PyTorch half of the gradient oracle is skipped; "
                         + TORCH_INSTALL_HINT)


# ------------------------------------------------------------------------------------------------
# Importing other modules' package files, tolerant only of "not exported yet" while not ready.
# ------------------------------------------------------------------------------------------------
class NotExportedYet(Exception):
    """A course module whose package file does not exist yet and whose status is not 'ready'."""


def exported_module(slug):
    """Import the package module of course module `slug` (e.g. 'activations').

    Raises NotExportedYet only when the package file does not exist AND the module's status in
    course.toml is not 'ready'. Once the module is 'ready', a missing or broken package file is an
    ordinary (failing) import error.
    """
    module = load().module(slug)
    try:
        return importlib.import_module(module.package_module)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if (missing == module.package_module or module.package_module.startswith(missing + ".")) \
                and not module.ready:
            raise NotExportedYet(f"module {module.tag} ({module.slug}) is not exported yet and its status in "
                                 f"course.toml is '{module.status}'") from None
        raise


# ------------------------------------------------------------------------------------------------
# The oracle
# ------------------------------------------------------------------------------------------------
def _as_tinytorch(value, requires_grad):
    if isinstance(value, np.ndarray):
        t = Tensor(value)                 # shares memory: non-contiguous views stay non-contiguous
        if requires_grad:
            t.requires_grad_(True)
        return t
    return value


def _as_torch(value, requires_grad):
    if isinstance(value, np.ndarray):
        t = torch.tensor(np.array(value))     # a C-contiguous copy; 0-d stays 0-d
        if requires_grad:
            t.requires_grad_(True)
        return t
    return value


def _differentiable(inputs, differentiable):
    if differentiable is not None:
        return tuple(differentiable)
    return tuple(i for i, a in enumerate(inputs) if isinstance(a, np.ndarray) and a.dtype == np.float64)


def finite_differences(fn, inputs, wrt, w, eps):
    """Central differences of sum(fn(*inputs) * w) with respect to each input listed in `wrt`."""
    work = [np.array(a) if isinstance(a, np.ndarray) else a for a in inputs]   # private writable copies

    def loss():
        with no_grad():
            out = fn(*[_as_tinytorch(a, False) for a in work])
        return float(np.sum(np.asarray(out._data, dtype=np.float64) * w))

    grads = {}
    for i in wrt:
        a = work[i]
        grad = np.zeros(a.shape)
        for idx in np.ndindex(a.shape):
            saved = a[idx]
            a[idx] = saved + eps
            up = loss()
            a[idx] = saved - eps
            down = loss()
            a[idx] = saved
            grad[idx] = (up - down) / (2 * eps)
        grads[i] = grad
    return grads


def check_op(fn, inputs, torch_fn=None, *, op=None, differentiable=None, finite_diff=True,
             eps=1e-6, rtol=1e-6, atol=1e-8, seed=0):
    """Check a tinytorch op forward and backward in float64.

    1. Runs `fn` on tensors made from `inputs`; if `op` is given, the result must have been recorded as
       that op (so the case really exercises that op's gradient rule).
    2. Backward with a random output gradient `w`; every differentiable input gets a `.grad` of its own
       shape and dtype, and the inputs are not modified.
    3. With finite_diff: the gradients match central differences of sum(fn(x) * w).
    4. With torch_fn and PyTorch installed: forward values and gradients match PyTorch's.
    Returns a dict with the output and gradients, for further checks.
    """
    wrt = _differentiable(inputs, differentiable)
    originals = [a.copy() if isinstance(a, np.ndarray) else a for a in inputs]
    tensors = [_as_tinytorch(a, i in wrt) for i, a in enumerate(inputs)]
    out = fn(*tensors)
    assert isinstance(out, Tensor), f"the op returned {type(out).__name__}, not a Tensor"
    if op is not None:
        assert out.grad_fn is not None, f"the result of {op} was not recorded (no grad_fn)"
        assert out.grad_fn.op == op, f"expected the result to be recorded as op '{op}', got '{out.grad_fn.op}'"
    w = np.asarray(np.random.default_rng(seed).standard_normal(out.shape))
    out.backward(w)
    for i, (before, t) in enumerate(zip(originals, tensors)):
        if isinstance(before, np.ndarray):
            np.testing.assert_array_equal(t._data, before, err_msg=f"input {i} was modified by the op or backward")
    grads = {}
    for i in wrt:
        t = tensors[i]
        assert t.grad is not None, f"input {i} requires grad but received no gradient"
        g = t.grad._data
        assert g.shape == t.shape, f"gradient of input {i} has shape {g.shape}, expected {t.shape}"
        assert g.dtype == t.dtype, f"gradient of input {i} has dtype {g.dtype}, expected {t.dtype}"
        grads[i] = np.asarray(g)
    if finite_diff:
        numeric = finite_differences(fn, inputs, wrt, w, eps)
        for i in wrt:
            np.testing.assert_allclose(grads[i], numeric[i], rtol=rtol, atol=atol,
                                       err_msg=f"{op or 'op'}: gradient of input {i} vs central differences")
    if torch_fn is not None:
        if torch is None:
            raise RuntimeError(TORCH_MISSING)
        tt = [_as_torch(a, i in wrt) for i, a in enumerate(inputs)]
        ref = torch_fn(*tt)
        np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-7, atol=1e-10,
                                   err_msg=f"{op or 'op'}: forward values vs PyTorch")
        ref.backward(torch.tensor(np.array(w)))
        for i in wrt:
            assert tt[i].grad is not None, f"PyTorch gives input {i} no gradient but tinytorch does"
            np.testing.assert_allclose(grads[i], tt[i].grad.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"{op or 'op'}: gradient of input {i} vs PyTorch")
    return {"out": out._data, "grads": grads}


# ------------------------------------------------------------------------------------------------
# Hypothesis strategies: shapes, broadcasting pairs, arrays with a chosen layout.
# ------------------------------------------------------------------------------------------------
def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcast_pair(max_dims=3, max_side=4):
    """Two shapes that broadcast together (sizes of 1 and missing leading axes included)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=max_dims,
                                             max_side=max_side).map(lambda r: r.input_shapes)


def _layout(values, how):
    """The same values in a contiguous, strided (every other element) or transposed array."""
    if how == "strided" and values.ndim:
        base = np.zeros(values.shape[:-1] + (2 * values.shape[-1],))
        view = base[..., ::2]
        view[...] = values
        return view
    if how == "transposed" and values.ndim >= 2:
        return np.ascontiguousarray(values.T).T
    return values


@st.composite
def arrays(draw, shape, kind="normal", low=-2.0, high=2.0):
    """A float64 array of `shape`, values from a seeded generator, in a drawn memory layout.

    kind: "normal" (N(0,1), kept at least 1e-3 away from 0, so kinks such as relu's are never straddled),
    "uniform" (in [low, high]), "distinct" (well-separated values: max/min never tie, even when nudged by
    a finite-difference step), "nonzero" (|x| in [0.5, 2], random sign).
    """
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = tuple(shape)
    if kind == "normal":
        v = rng.standard_normal(shape)
        v = np.where(np.abs(v) < 1e-3, 0.5, v)
    elif kind == "uniform":
        v = rng.uniform(low, high, shape)
    elif kind == "distinct":
        n = int(np.prod(shape, dtype=np.int64))
        v = (rng.permutation(n) * 0.1 + rng.uniform(0, 0.05, n) - 0.05 * n).reshape(shape)
    elif kind == "nonzero":
        v = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return _layout(np.asarray(v, dtype=np.float64), draw(st.sampled_from(["contiguous", "strided", "transposed"])))
