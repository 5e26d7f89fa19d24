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
# Module 01: Tensor

Every later piece of TinyTorch (layers, losses, autograd, optimisers, attention) moves numbers around
in one kind of object: the **Tensor**. You build it on top of a NumPy array, with the names and rules
of PyTorch, so that code written against `torch.Tensor` reads the same against yours.

**Learning Objectives:**
- Build a `Tensor` that wraps a NumPy `ndarray` and exposes `shape`, `dtype`, `ndim`, `numel()` and
  `stride()`, with PyTorch's dtype rules (`float32` by default, the dtype of a NumPy input kept).
- Write `tensor`, `zeros` and `randn`, drawing from a seeded generator so that runs repeat.
- Implement broadcasting arithmetic, matrix multiplication, reductions with `dim`/`keepdim`, and
  `reshape`, `transpose`, `permute` and indexing, with errors that name the shapes at fault.
- Understand **views versus copies** (strides make `transpose` and slicing free), measured with `tracemalloc`;
  write `record_op`, through which the Autograd module adds gradients without patching anything; and
  measure what the wrapper costs against NumPy (per-operation overhead, matmul GFLOP/s).

**How this module works.** Each step is a code cell to complete (between the solution markers, in a
function whose signature and docstring are given), followed by a graded test cell. Cells marked
`#| export` become `tinytorch/core/tensor.py` when you run `tito export`. What PyTorch programs need
but this module does not teach (readable input checks, the `Generator`, `to()`, comparisons, `view`,
`cat`, `where`, in-place updates, `save`/`load`, ...) is given in the hand-written package file
**`tinytorch/core/tensor_ops.py`**; your `Tensor` inherits those methods from its class `TensorOps`.
Like PyTorch, the module defines `sum`, `max`, `min`, `pow` and `abs`: in your scratch cells use
`np.sum`, `builtins.max`, ... for the built-ins.
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

A tensor is three things: a flat block of numbers in memory (the *storage*), a **shape** (entries
along each dimension), and **strides** (storage slots to skip for one step along each dimension).
Element `[i, j]` of a 2-D tensor sits at storage position `offset + i * stride[0] + j * stride[1]`.
**Broadcasting** combines different shapes elementwise: align them from the right; each pair of sizes
must be equal or one of them 1 (repeated without copying); a missing leading dimension counts as 1.
**Matrix multiplication** `(m, k) @ (k, n) -> (m, n)`: each of the `m * n` outputs is a dot product of
length `k`, so `2 * m * n * k` floating-point operations (FLOPs); leading dimensions are batch
dimensions. A **reduction** such as `sum(dim=d)` removes dimension `d` (kept with size 1 if `keepdim=True`).
"""

# %%
import numpy as np

grid = np.arange(12, dtype=np.float32).reshape(3, 4)            # storage: 0, 1, ..., 11
strides = tuple(s // grid.itemsize for s in grid.strides)
position = 2 * strides[0] + 1 * strides[1]
print(f"shape {grid.shape}, strides (in elements) {strides}: [2, 1] = {grid[2, 1]} at storage position "
      f"{position}, which holds {grid.reshape(-1)[position]}")
print("the transpose swaps the strides:", tuple(s // grid.itemsize for s in grid.T.strides),
      "and shares memory:", np.shares_memory(grid, grid.T))
print("broadcast (8, 1, 5) with (7, 1) ->", np.broadcast_shapes((8, 1, 5), (7, 1)))
product = grid[:2, :3] @ np.ones((3, 4), dtype=np.float32)
print(f"(2, 3) @ (3, 4) -> {product.shape}, {2 * 2 * 4 * 3} FLOPs; sum over dim 1 of shape (2, 3, 4):",
      np.ones((2, 3, 4)).sum(axis=1).shape, "with keepdim:", np.ones((2, 3, 4)).sum(axis=1, keepdims=True).shape)

# %% [markdown]
"""
## Part 2: Building the Tensor

### Setup (given)

The package file imports NumPy and the given support code of this module, `tensor_ops.py`: its public
names (`cat`, `float32`, ...) and the helpers your code calls (`_norm_dim`, ...).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import numbers

import numpy as np

from tinytorch.core import tensor_ops
from tinytorch.core.tensor_ops import *  # noqa: F401,F403  (the given PyTorch surface: cat, stack, float32, ...)
from tinytorch.core.tensor_ops import (  # noqa: F401  (given helpers used below, and names other modules import)
    DEFAULT_DTYPE, SUPPORT_OPS, MaxResult, TensorOps, _F64, _array_from_python, _broadcast_error, _operands,
    _check_device, _check_float, _check_not_empty, _check_numeric, _floating, _keep_float32, _matmul_error,
    _norm_dim, _reduction_args, _shape_args, _true_divide, cast, register_activation, write_atomic,
)

__all__ = ["Tensor", "tensor", "register_autograd", "register_op", "OPS", "zeros", "randn", "add", "sub", "mul",
           "div", "pow", "matmul", "exp", "sum", "mean", "reshape", "transpose", "permute"] + tensor_ops.__all__

# %%
def expect_error(call, kind, *words):
    """Given test helper: call() must raise `kind` with every one of `words` in its message."""
    try:
        call()
    except kind as exc:
        missing = [w for w in words if w not in str(exc)]
        assert not missing, f"the {kind.__name__} message should contain {missing}, got: {exc}"
        return
    raise AssertionError(f"expected {kind.__name__} (mentioning {list(words)}), but nothing was raised")


# %% [markdown]
"""
### Step 1: From Python data to a checked array

A Tensor keeps its numbers in a NumPy array, made from what the user passes with PyTorch's dtype rules:

| input | dtype of the result |
|---|---|
| Python floats, e.g. `[1.5, 2.0]` | `float32` (NumPy would say `float64`; deep learning uses 32-bit floats) |
| Python ints / bools | `int64` / `bool` |
| a NumPy array or NumPy scalar | **its own dtype**, unchanged (and no copy is made) |
| any input with `dtype=` given | that dtype |

*Given:* `_array_from_python(data, dtype)` builds the array, raising `ValueError` that says "ragged"
for rows of different lengths such as `[[1, 2], [3]]`; `_check_numeric(arr, data)` raises `TypeError`
saying the data must be "numeric" for strings, `None` or complex numbers. Two checkers serve the whole
module: `_norm_dim(dim, ndim, op)` turns a `dim` (`-1` is the last) into an index or raises
`IndexError` naming the valid range; `_shape_args` reads sizes as `f(2, 3)` or `f((2, 3))`.

**Your task:** write `_to_array`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-to-array", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _to_array(data, dtype=None):
    """Turn `data` into a numeric NumPy array, following PyTorch's dtype rules.

    data: a Python number, a (nested) list or tuple of numbers, or a NumPy array / scalar; dtype: None or
    anything np.dtype() accepts.
    - NumPy input (np.ndarray or np.generic): keep its dtype and do not copy (np.asarray);
      if `dtype` is given, convert with .astype(dtype, copy=False).
    - Python input: build the array with the given helper _array_from_python(data, dtype); when no
      dtype was asked for and NumPy chose float64, convert to get_default_dtype() (float32
      unless torch.set_default_dtype changed it).
    - Finally call the given _check_numeric(arr, data) and return the array.

    HINT: `isinstance(x, (np.ndarray, np.generic))` is true for arrays and NumPy scalars such as np.float64(1.5).
    """
    ### BEGIN SOLUTION
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
    else:
        arr = _array_from_python(data, dtype)
        if dtype is None and arr.dtype == _F64:
            arr = arr.astype(get_default_dtype())
    _check_numeric(arr, data)
    return arr
    ### END SOLUTION


# %% [markdown]
"""
### Testing `_to_array`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-to-array-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_to_array():
    assert _to_array([1.5, 2.0]).dtype == np.float32, "Python floats must become float32"
    assert _to_array([1, 2]).dtype == np.int64, "Python ints must become int64"
    assert _to_array([True, False]).dtype == np.bool_, "Python bools must stay bool"
    assert _to_array(3.0).shape == () and _to_array([[1, 2], [3, 4]]).shape == (2, 2)
    source = np.array([1.0, 2.0])                       # float64
    arr = _to_array(source)
    assert arr.dtype == np.float64 and np.shares_memory(arr, source), "a NumPy input: same dtype, no copy"
    assert _to_array(np.float64(1.5)).dtype == np.float64, "a NumPy scalar keeps its dtype too"
    assert _to_array([1, 2], dtype=np.float64).dtype == np.float64, "an explicit dtype wins"
    assert _to_array(source, dtype=np.float32).dtype == np.float32
    expect_error(lambda: _to_array([[1, 2], [3]]), ValueError, "ragged")
    expect_error(lambda: _to_array(["a", "b"]), TypeError, "numeric")
    ### BEGIN HIDDEN TESTS
    assert _to_array([]).dtype == np.float32, "an empty list is float32, as in PyTorch"
    assert _to_array((1, 2.5)).dtype == np.float32, "a mix of ints and floats is float"
    assert _to_array([1.5], dtype=np.float64).dtype == np.float64, "explicit float64 must not be narrowed"
    assert _to_array(np.arange(3, dtype=np.int32)).dtype == np.int32
    expect_error(lambda: _to_array(None), TypeError)
    expect_error(lambda: _to_array([1j]), TypeError)
    ### END HIDDEN TESTS
    print("✅ _to_array follows the dtype rules and rejects bad data")


test_unit_to_array()

# %% [markdown]
"""
### Step 2: The Tensor class

A `Tensor` holds its storage, a NumPy array, in the internal attribute `_data` (every operation of the
framework reads it there), and three fields for the Autograd module (`requires_grad`, `grad`, `grad_fn`).
`t.data` is not that array: as in PyTorch it is a *new Tensor on the same storage, detached from the
graph* (`requires_grad` False). PyTorch programs use it to change values behind autograd's back
(`w.data.zero_()`, `p.data -= lr * p.grad`) and to read results (`torch.max(outputs.data, 1)`); the
NumPy array itself comes from `t.numpy()`. *Given:* the `data` property and its setter (`t.data = other`
swaps the storage), `from_array(array)`, a fast constructor for checked arrays (every operation
uses it), `requires_grad_`, `backward()` (Step 3), and from the base class `TensorOps` the operators and
methods (`a + b`, `t.sum()`, `t[i]`: one-liners calling the functions you write later, as `t.sum()` is
`torch.sum(t)` in PyTorch), printing, `item()`, `to()`, comparisons, `view()`, `t.T`, ...

**Your task:** the constructor and the properties `shape`, `dtype`, `ndim`, `numel()`, `stride()` and
`is_contiguous()`. NumPy reports strides in *bytes*, PyTorch in *elements*: a `float32` array of shape
`(3, 4)` has NumPy strides `(16, 4)` and PyTorch strides `(4, 1)`. A tensor is **contiguous** (C order)
when its elements lie in storage row after row with no gaps; a transpose or a column slice is not.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-class", "locked": false, "schema_version": 3, "solution": true}}
#| export
class Tensor(TensorOps):
    """An n-dimensional array of numbers, backed by a NumPy ndarray, with the API of torch.Tensor."""

    __slots__ = ("_data", "requires_grad", "grad", "grad_fn", "__dict__", "__weakref__")   # __dict__: for autograd
    __array_priority__ = 1000          # makes `ndarray + Tensor` call Tensor.__radd__, so the result is a Tensor

    def __init__(self, data, dtype=None, requires_grad=False):
        """Make a Tensor from a number, a nested list, a NumPy array or another Tensor.

        1. If `data` is a Tensor, use its array (`data._data`) instead.
        2. Store `_to_array(data, dtype)` in `self._data`.
        3. If `requires_grad` is true, call `self.requires_grad_(True)` (TypeError unless the dtype is float).
        """
        self.grad, self.grad_fn, self.requires_grad = None, None, False     # autograd's fields (module 05)
        ### BEGIN SOLUTION
        if isinstance(data, Tensor):
            data = data._data
        self._data = _to_array(data, dtype)
        if requires_grad:
            self.requires_grad_(True)
        ### END SOLUTION

    @classmethod
    def from_array(cls, array):
        """Given: fast constructor for an ndarray that is already checked (used by every operation)."""
        t = object.__new__(Tensor)
        t._data, t.requires_grad, t.grad, t.grad_fn = array, False, None, None
        return t

    @property
    def data(self):
        """Given, PyTorch's `.data`: a new Tensor on the SAME storage, detached (requires_grad False, no graph).
        `w.data.zero_()` or `w.data -= lr * g` change w without autograd recording it. Framework code reads
        the storage array as `self._data` (no Tensor is made); users call `.numpy()`."""
        return Tensor.from_array(self._data)

    @data.setter
    def data(self, value):
        """Given: `t.data = other` (a Tensor or a NumPy array, any shape) makes t use other's storage."""
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"data has to be a Tensor or a NumPy array, got {type(value).__name__}")
        array = value._data if isinstance(value, Tensor) else value
        if self.requires_grad and array.dtype.kind != "f":
            raise RuntimeError("data set to a tensor that requires gradients must be floating point, "
                               f"got dtype {array.dtype}")
        self._data = array

    @property
    def shape(self):
        """The size of each dimension, as a tuple of ints (PyTorch returns a torch.Size, a tuple too)."""
        ### BEGIN SOLUTION
        return self._data.shape
        ### END SOLUTION

    @property
    def dtype(self):
        """The element type, a numpy.dtype such as dtype('float32')."""
        ### BEGIN SOLUTION
        return self._data.dtype
        ### END SOLUTION

    @property
    def ndim(self):
        """The number of dimensions (0 for a scalar tensor)."""
        ### BEGIN SOLUTION
        return self._data.ndim
        ### END SOLUTION

    def numel(self):
        """The number of elements, a Python int (the product of the shape; 1 for a 0-d tensor)."""
        ### BEGIN SOLUTION
        return int(self._data.size)
        ### END SOLUTION

    def stride(self, dim=None):
        """Strides in ELEMENTS (PyTorch's convention), not bytes (NumPy's).

        stride() returns the tuple for all dimensions; stride(d) returns the one for dimension d
        (d may be negative: use `_norm_dim(dim, self.ndim, "stride")`, which raises IndexError naming
        the valid range for a dim out of range).
        HINT: NumPy's byte strides are `self._data.strides`; the size of one element is `self._data.itemsize`.
        """
        ### BEGIN SOLUTION
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_norm_dim(dim, self._data.ndim, "stride")]
        ### END SOLUTION

    def is_contiguous(self):
        """True when the elements lie in storage in row-major (C) order with no gaps.

        HINT: NumPy knows: `self._data.flags.c_contiguous`. Return a Python bool.
        """
        ### BEGIN SOLUTION
        return bool(self._data.flags.c_contiguous)
        ### END SOLUTION

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self._data.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient=None, retain_graph=False):
        """Reverse-mode differentiation from this tensor, done by the autograd engine of module 05 (Step 3).
        retain_graph=True keeps the graph, so that backward can run through it again."""
        if _HOOKS.backward is None:
            raise RuntimeError("backward() needs the autograd engine of module 05 (Autograd, "
                               "tinytorch.core.autograd), which is not installed: `import tinytorch` installs it")
        _HOOKS.backward(self, gradient, retain_graph=retain_graph)


# %% [markdown]
"""
### Testing the Tensor class
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-class-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_tensor_class():
    t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3) and t.dtype == np.float32, f"expected (2, 3) float32, got {t.shape} {t.dtype}"
    assert t.ndim == 2 and t.numel() == 6 and isinstance(t.numel(), int)
    assert Tensor([1, 2]).dtype == np.int64 and Tensor(np.zeros(3)).dtype == np.float64
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert np.shares_memory(Tensor(t)._data, t._data), "Tensor(tensor) wraps the same array"
    assert t.requires_grad is False and t.grad is None and Tensor([1.0], requires_grad=True).requires_grad
    assert t.stride() == (3, 1), f"a fresh (2, 3) tensor has strides (3, 1) in elements, got {t.stride()}"
    assert t.stride(0) == 3 and t.stride(-1) == 1 and t.is_contiguous() is True
    transposed = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3).T)
    assert transposed.stride() == (1, 3) and transposed.is_contiguous() is False, transposed.stride()
    column = Tensor(np.arange(12.0).reshape(3, 4)[:, 1])
    assert column.stride() == (4,) and not column.is_contiguous()
    w = Tensor([1.0, 2.0], requires_grad=True)
    view = w.data                                       # given: PyTorch's .data, a detached Tensor
    assert isinstance(view, Tensor) and not view.requires_grad and view.grad_fn is None
    assert np.shares_memory(view._data, w._data), "w.data shares w's storage: writing to it changes w"
    print("t =", t, "| w.data =", view)
    ### BEGIN HIDDEN TESTS
    scalar, wide = Tensor(7), Tensor(np.zeros((2, 3, 4), dtype=np.float64))
    assert scalar.shape == () and scalar.ndim == 0 and scalar.numel() == 1 and scalar.stride() == ()
    assert Tensor(np.zeros((0, 3))).numel() == 0 and wide.stride() == (12, 4, 1) and wide.stride(-3) == 12
    expect_error(lambda: Tensor([1, 2], requires_grad=True), TypeError)
    expect_error(lambda: t.stride(2), IndexError, "[-2, 1]")
    ### END HIDDEN TESTS
    print("✅ Tensor stores its data and describes its shape, dtype and layout")


test_unit_tensor_class()

# %% [markdown]
"""
### Step 3: The extension point for autograd

Earlier courses added gradients by *monkey-patching*: replacing Tensor's methods at import time, so the
code you read was not the code that ran. TinyTorch declares the extension point here instead:

1. **Every differentiable operation returns `record_op(data, op, inputs, attrs)`**: the NumPy result,
   the op's name (`"add"`), the input Tensors, and what the gradient will need (for a sum, `dim` and
   `keepdim`). It wraps the data and tells the autograd engine, if one is installed, how it was made.
2. **`register_autograd(record, backward, is_grad_enabled=None)`** (given) installs the engine: `record`
   is called by `record_op`, `backward` by `Tensor.backward()`; in-place updates ask `is_grad_enabled`.
3. **`OPS`** (given) names every differentiable op and its module; autograd must give each a gradient
   rule, and a later module declares its own ops with `register_op(name, module)`.

Module 02 plugs in the same way: `t.relu()`, `t.softmax(dim)`, ... look up a registry that module 02
fills with `register_activation` (in `tensor_ops.py`). **Your task:** `record_op`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-extension-point", "locked": false, "schema_version": 3, "solution": true}}
#| export
class _AutogradHooks:
    record = None            # record(op, out, inputs, attrs)
    backward = None          # backward(root, gradient, retain_graph)
    is_grad_enabled = None   # is_grad_enabled() -> bool: are ops being recorded now?


_HOOKS = _AutogradHooks()
OPS = {}     # op name -> the module that declared it; the gradient oracle (module 05) tests every entry


def register_op(name, module):
    """Declare a differentiable op `name` (defined in `module`). Returns `name` for convenience."""
    if name in OPS and OPS[name] != module:
        raise ValueError(f"op '{name}' is already declared by {OPS[name]}; pick another name")
    OPS[name] = module
    return name


for _name in ("add", "sub", "mul", "div", "pow", "neg", "matmul", "exp", "log", "sum", "mean",
              "max", "min", "reshape", "transpose", "permute", "getitem") + SUPPORT_OPS:
    register_op(_name, "01_tensor")


def register_autograd(record, backward, is_grad_enabled=None):
    """Install the autograd engine (called by tinytorch.core.autograd); record=None removes it (and
    is_grad_enabled with it). An is_grad_enabled of None keeps the one installed before."""
    _HOOKS.record, _HOOKS.backward = record, backward
    if record is None or is_grad_enabled is not None:
        _HOOKS.is_grad_enabled = None if record is None else is_grad_enabled


def record_op(data, op, inputs, attrs=None):
    """Wrap the raw result `data` of op `op` in a Tensor and let autograd (if installed) record it.

    - NumPy returns scalars (np.float32(2.5)) for 0-d results: if `data` is not an np.ndarray, make it
      one with np.asarray, so that `._data` is always an array.
    - out = Tensor.from_array(data).
    - If `_HOOKS.record` is not None, call it as `_HOOKS.record(op, out, inputs, attrs)`.
    - Return out.
    """
    ### BEGIN SOLUTION
    if not isinstance(data, np.ndarray):
        data = np.asarray(data)
    out = Tensor.from_array(data)
    record = _HOOKS.record
    if record is not None:
        record(op, out, inputs, attrs)
    return out
    ### END SOLUTION


# %% [markdown]
"""
### Testing the extension point
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-extension-point-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_extension_point():
    assert OPS["add"] == "01_tensor" and register_op("add", "01_tensor") == "add", "re-declaring is fine"
    expect_error(lambda: register_op("add", "99_elsewhere"), ValueError, "add", "01_tensor")
    seen, saved = [], (_HOOKS.record, _HOOKS.backward)
    register_autograd(lambda op, out, inputs, attrs: seen.append((op, out, inputs, attrs)),
                      lambda root, gradient, retain_graph=False: seen.append(("backward", root, gradient)))
    try:
        x = Tensor(np.arange(6.0).reshape(2, 3).T)
        out = record_op(np.float32(2.5), "mul", (x, x), {"note": 1})
        assert isinstance(out, Tensor) and isinstance(out._data, np.ndarray) and out.shape == (), "a 0-d ndarray"
        assert seen[-1][0] == "mul" and seen[-1][1] is out and seen[-1][2] == (x, x) and seen[-1][3] == {"note": 1}
        assert x.contiguous().is_contiguous() and seen[-1][0] == "reshape" and seen[-1][2] == (x,)
        x.backward()
        assert seen[-1] == ("backward", x, None), "Tensor.backward() must hand over to the engine"
    finally:
        register_autograd(*saved)
    ### BEGIN HIDDEN TESTS
    before, plain = len(seen), record_op(np.ones(2), "add", (x, x))
    assert len(seen) == before and plain.tolist() == [1.0, 1.0], "after the engine is removed, nothing is recorded"
    ### END HIDDEN TESTS
    if _HOOKS.backward is None:
        expect_error(lambda: Tensor([1.0]).backward(), RuntimeError, "module 05")
    print("✅ operations report to the autograd hook; backward() is delegated")


test_unit_extension_point()

# %% [markdown]
"""
### Step 4: Creating tensors, with a seeded generator

Random numbers come from a **generator** with a seed, so that "random" weights are the same on every
run and machine: `manual_seed(s)` resets the default generator; `Generator(seed)` is an independent
stream. `tensor(data)` always copies (as `torch.tensor`); `zeros` and `randn` default to `float32`.
*Given:* `Generator`, `default_generator`, `manual_seed` and the other helpers (`ones`, `arange`, ... in
`tensor_ops.py`, with `from_numpy`), and `_finish(array, dtype, requires_grad)`, which wraps a new array
(converted to `dtype` if one is given) and sets `requires_grad`. **Your task:** `tensor`, `zeros`, `randn`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-creation", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _finish(arr, dtype, requires_grad):
    """Given: wrap a new array (converted to `dtype` if given) and set requires_grad."""
    t = Tensor.from_array(arr if dtype is None else arr.astype(dtype, copy=False))
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, requires_grad=False, device=None):
    """Make a Tensor from data, like torch.tensor: the result NEVER shares memory with `data`.

    If `data` is a Tensor, start from its array (`data._data`). Convert with `_to_array(data, dtype)`; when
    it returns the very same NumPy array (no copy was made), copy it. Return `_finish(arr, None, requires_grad)`.
    """
    _check_device(device, "tensor")
    ### BEGIN SOLUTION
    if isinstance(data, Tensor):
        data = data._data
    arr = _to_array(data, dtype)
    if arr is data:
        arr = arr.copy()
    return _finish(arr, None, requires_grad)
    ### END SOLUTION


def zeros(*size, dtype=None, requires_grad=False, device=None):
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3)); dtype defaults to get_default_dtype() (float32).

    HINT: `_shape_args(size, "zeros")` turns both spellings into a tuple (ValueError naming the sizes if one
    is negative);
    `np.zeros(shape, dtype=...)` makes the array; `_finish(arr, None, requires_grad)` wraps it.
    """
    _check_device(device, "zeros")
    ### BEGIN SOLUTION
    arr = np.zeros(_shape_args(size, "zeros"), dtype=dtype or get_default_dtype())
    return _finish(arr, None, requires_grad)
    ### END SOLUTION


def randn(*size, generator=None, dtype=None, requires_grad=False, device=None):
    """Standard normal random numbers (mean 0, standard deviation 1), drawn from `generator`.

    - Use `generator` if one is given, else `default_generator`; its NumPy generator is `.rng`.
    - Draw with `rng.standard_normal(shape)` (shape from `_shape_args(size, "randn")`); NumPy draws
      float64, so pass `dtype or get_default_dtype()` to `_finish`, which converts.
    """
    _check_device(device, "randn")
    ### BEGIN SOLUTION
    rng = (generator or default_generator).rng
    arr = rng.standard_normal(_shape_args(size, "randn"))
    return _finish(arr, dtype or get_default_dtype(), requires_grad)
    ### END SOLUTION


# %% [markdown]
"""
### Testing creation helpers
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-creation-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_creation():
    source, original = np.array([1.0, 2.0, 3.0]), Tensor([1.0, 2.0])
    assert tensor(source).dtype == np.float64 and not np.shares_memory(tensor(source)._data, source), "tensor() copies"
    assert not np.shares_memory(tensor(original)._data, original._data), "tensor(Tensor) must copy too"
    assert tensor([1.5]).dtype == np.float32 and tensor([1.0], requires_grad=True).requires_grad
    z = zeros(2, 3)
    assert z.shape == (2, 3) and z.dtype == np.float32 and float(np.abs(z._data).max()) == 0.0
    assert zeros((4,)).shape == (4,) and zeros(2, dtype=np.int64).dtype == np.int64
    expect_error(lambda: zeros(2, -3), ValueError, "-3")
    manual_seed(7)
    first = randn(3, 4)
    manual_seed(7)
    assert first.shape == (3, 4) and first.dtype == np.float32
    assert np.array_equal(first._data, randn(3, 4)._data), "the same seed must give the same numbers"
    assert np.array_equal(randn(5, generator=Generator(1))._data, randn(5, generator=Generator(1))._data)
    big = randn(10000, generator=Generator(0))
    assert np.abs(big._data.mean()) < 0.05 and np.abs(big._data.std() - 1.0) < 0.05, "randn is N(0, 1)"
    assert randn(2, dtype=np.float64).dtype == np.float64 and randn((2, 2)).shape == (2, 2)
    ### BEGIN HIDDEN TESTS
    assert tensor(np.float64(2.0)).dtype == np.float64
    assert zeros(()).shape == () and zeros(0).numel() == 0 and zeros(2, requires_grad=True).requires_grad
    assert not np.array_equal(randn(4, generator=Generator(1))._data, randn(4, generator=Generator(2))._data)
    ### END HIDDEN TESTS
    print("✅ creation helpers: copies where PyTorch copies, repeatable random numbers")


test_unit_creation()

# %% [markdown]
"""
### Step 5: Elementwise arithmetic with broadcasting

`add`, `sub`, `mul` and `div` follow one recipe, which you write once in `_binary(op, fn, a, b)`:
1. make both operands Tensors with the given `_operands` (a Python number takes the dtype of the
   Tensor beside it, so `float32_tensor * 2.0` stays `float32`, as in PyTorch);
2. compute `fn(a._data, b._data)` with NumPy, which broadcasts; a `ValueError` means the shapes do not
   broadcast: raise the given `_broadcast_error(op, a._data, b._data)`, which names both shapes;
3. apply the given dtype rule `_keep_float32(out, a._data, b._data)` (NumPy turns `int / int` and
   `int32 + float32` into `float64`; PyTorch keeps `float32`);
4. return `record_op(out, op, (a, b))`.

You also write `exp`, and `pow` with PyTorch's rule that an integer tensor to a negative integer power
raises `RuntimeError: Integers to negative integer powers are not allowed.`
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-elementwise", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- your part --------------------------------------------------------------------------------------
def _binary(op, fn, a, b):
    """Apply the NumPy function `fn` elementwise to a and b with broadcasting; follow steps 1-5 above.

    Also turn a TypeError from NumPy (for example subtracting two bool tensors) into
    TypeError(f"{op}: not supported for dtypes {a.dtype} and {b.dtype} (...)").
    """
    ### BEGIN SOLUTION
    a, b = _operands(a, b)
    try:
        out = fn(a._data, b._data)
    except ValueError:
        raise _broadcast_error(op, a._data, b._data) from None
    except TypeError as exc:
        raise TypeError(f"{op}: not supported for dtypes {a._data.dtype} and {b._data.dtype} ({exc})") from None
    return record_op(_keep_float32(out, a._data, b._data), op, (a, b))
    ### END SOLUTION


# given: the four operators, each one call of your _binary (div is true division: ints give floats)
def add(a, b): return _binary("add", np.add, a, b)
def sub(a, b): return _binary("sub", np.subtract, a, b)
def mul(a, b): return _binary("mul", np.multiply, a, b)
def div(a, b): return _binary("div", _true_divide, a, b)


def pow(a, exponent):
    """a ** exponent elementwise, with broadcasting.

    - Make both Tensors with `_operands(a, exponent)`.
    - If both arrays hold integers (dtype kind in "biu") and any exponent is negative, raise
      RuntimeError("Integers to negative integer powers are not allowed.") (PyTorch's message).
    - Compute np.power inside `with np.errstate(divide="ignore", invalid="ignore", over="ignore"):`
      (0.0 ** -1 is inf, (-8.0) ** 0.5 is nan, quietly); on ValueError raise `_broadcast_error("pow", ...)`.
    - Return `record_op(_keep_float32(out, a._data, exponent._data), "pow", (a, exponent))`.
    """
    ### BEGIN SOLUTION
    a, exponent = _operands(a, exponent)
    base, e = a._data, exponent._data
    if base.dtype.kind in "biu" and e.dtype.kind in "biu" and (e < 0).any():
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.power(base, e)
    except ValueError:
        raise _broadcast_error("pow", a._data, exponent._data) from None
    return record_op(_keep_float32(out, a._data, exponent._data), "pow", (a, exponent))
    ### END SOLUTION


def exp(a):
    """e ** a elementwise; ints and bools are computed as float32 (PyTorch does the same).

    HINT: `_floating(a)` gives the array to use; overflow to inf is expected, so compute inside
    `with np.errstate(over="ignore"):`; record the op as "exp" with inputs (a,).
    """
    ### BEGIN SOLUTION
    with np.errstate(over="ignore"):
        out = np.exp(_floating(a))
    return record_op(out, "exp", (a,))
    ### END SOLUTION


# %% [markdown]
"""
### Testing elementwise arithmetic
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-elementwise-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_elementwise():
    a_np = np.arange(6, dtype=np.float32).reshape(2, 3)
    b_np = np.array([10.0, 20.0, 30.0], dtype=np.float32)
    a, b = Tensor(a_np), Tensor(b_np)
    for got, want in ((a + b, a_np + b_np), (a - b, a_np - b_np), (a * b, a_np * b_np), (a / b, a_np / b_np),
                      (2 - a, 2 - a_np), (1 / (a + 1), 1 / (a_np + 1)), (a ** 2, a_np ** 2), (2 ** a, 2 ** a_np),
                      (-a, -a_np), (exp(a), np.exp(a_np)), (log(a + 1), np.log(a_np + 1))):
        assert isinstance(got, Tensor) and got.shape == want.shape
        np.testing.assert_allclose(got._data, want, rtol=1e-6)
    assert (a * 2.0).dtype == np.float32, "a Python float must not promote float32 to float64"
    col = Tensor(a_np.T)                                   # (3, 2), not contiguous
    np.testing.assert_allclose((col + Tensor([[1.0], [2.0], [3.0]]))._data, a_np.T + [[1.0], [2.0], [3.0]])
    ints = Tensor([1, 2, 4])
    assert (ints / ints).dtype == np.float32, "int / int is float32"
    assert (ints + 1).dtype == np.int64 and (ints + 0.5).dtype == np.float32 and (ints ** 2).dtype == np.int64
    np.testing.assert_allclose((ints ** -1.0)._data, [1.0, 0.5, 0.25])
    assert (ints ** -1.0).dtype == np.float32 and exp(ints).dtype == np.float32, "int ** float, exp(int): float32"
    expect_error(lambda: ints ** -1, RuntimeError, "Integers to negative integer powers are not allowed.")
    expect_error(lambda: Tensor(np.zeros((2, 3))) + Tensor(np.zeros((3, 2))), ValueError, "(2, 3)", "(3, 2)")
    ### BEGIN HIDDEN TESTS
    assert (Tensor(np.array([1.0, 2.0])) + 1.0).dtype == np.float64, "a float64 tensor stays float64"
    assert (Tensor(np.array([1], dtype=np.int32)) + Tensor([1.5])).dtype == np.float32
    assert np.isinf((1 / Tensor([0.0, 1.0]))._data[0]), "x / 0 is inf, without an exception"
    assert (Tensor([4]) ** 0.5).dtype == np.float32 and (Tensor([2]) ** Tensor([3])).tolist() == [8]
    expect_error(lambda: Tensor([True]) - Tensor([False]), TypeError, "sub")
    expect_error(lambda: pow(Tensor(np.ones((2, 3))), Tensor(np.ones(4))), ValueError, "(4,)")
    expect_error(lambda: Tensor([2]) ** Tensor([1, -2]), RuntimeError, "negative")
    np.testing.assert_allclose(mul(a, b)._data, a_np * b_np)
    ### END HIDDEN TESTS
    print("✅ broadcasting arithmetic matches NumPy and keeps PyTorch's dtypes")


test_unit_elementwise()

# %% [markdown]
"""
### Step 6: Matrix multiplication

`matmul(a, b)` follows `torch.matmul`: 2-D @ 2-D is the matrix product; a 1-D operand is a row (first)
or column (second) vector whose dimension is removed from the result; leading dimensions are batch
dimensions and broadcast, so `(B, m, k) @ (k, n)` multiplies every matrix of the batch by one matrix.
The rule that matters: the first operand's **last** dimension must equal the second operand's
**second-to-last** dimension (its only one, if it is 1-D). NumPy's own message for a mismatch is hard to
read (`mismatch in its core dimension 0, with gufunc signature ...`): check the shapes yourself and raise
the given `_matmul_error(sa, sb)`, a `ValueError` that explains the rule with the actual shapes.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-matmul", "locked": false, "schema_version": 3, "solution": true}}
#| export
def matmul(a, b):
    """Matrix product a @ b, like torch.matmul.

    - Make both Tensors with `_operands(a, b)`.
    - If either has 0 dimensions, or the inner dimensions differ, raise `_matmul_error(a.shape, b.shape)`.
    - Compute `np.matmul(a._data, b._data)`; a ValueError now can only mean that the batch dimensions do
      not broadcast: raise `_matmul_error(...)` for that too.
    - Return `record_op(_keep_float32(out, a._data, b._data), "matmul", (a, b))`.
    """
    ### BEGIN SOLUTION
    a, b = _operands(a, b)
    sa, sb = a._data.shape, b._data.shape
    if not sa or not sb or sa[-1] != (sb[-2] if len(sb) > 1 else sb[0]):
        raise _matmul_error(sa, sb)
    try:
        out = np.matmul(a._data, b._data)
    except ValueError:
        raise _matmul_error(sa, sb) from None
    return record_op(_keep_float32(out, a._data, b._data), "matmul", (a, b))
    ### END SOLUTION


# %% [markdown]
"""
### Testing matmul
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-matmul-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_matmul():
    g = Generator(3)
    a, b, v = randn(4, 3, generator=g), randn(3, 5, generator=g), randn(3, generator=g)
    out = a @ b
    assert out.shape == (4, 5) and out.dtype == np.float32
    np.testing.assert_allclose(out._data, a._data @ b._data, rtol=1e-5, atol=1e-6)
    assert (a @ v).shape == (4,) and (v @ b).shape == (5,)
    assert (v @ v).shape == () and isinstance((v @ v)._data, np.ndarray), "1-D @ 1-D is a 0-d tensor"
    batch = randn(2, 4, 3, generator=g)
    np.testing.assert_allclose((batch @ b)._data, batch._data @ b._data, rtol=1e-5, atol=1e-6)
    at = Tensor(a._data.T.copy().T)                        # the values of a, stored column by column
    np.testing.assert_allclose((at @ b)._data, a._data @ b._data, rtol=1e-5, atol=1e-6)
    expect_error(lambda: randn(2, 3) @ randn(2, 3), ValueError, "(2, 3)")
    ### BEGIN HIDDEN TESTS
    ints = Tensor([[1, 2], [3, 4]])
    assert (ints @ ints).dtype == np.int64 and (ints @ ints).tolist() == [[7, 10], [15, 22]]
    assert (ints @ Tensor([[1.0], [2.0]])).dtype == np.float32, "int @ float32 is float32"
    expect_error(lambda: zeros() @ zeros(3), ValueError, "()")
    expect_error(lambda: zeros(2, 4, 3) @ zeros(3, 3, 2), ValueError, "(2,)", "(3,)")
    expect_error(lambda: zeros(3) @ zeros(4), ValueError, "(3,)", "(4,)")
    ### END HIDDEN TESTS
    print("✅ matmul matches NumPy, batched too, and explains shape mismatches")


test_unit_matmul()

# %% [markdown]
"""
### Step 7: Reductions with `dim` and `keepdim`

A reduction combines many elements into one: `sum`, `mean`, `max`, `min`. With `dim=None` it reduces
everything to a 0-d tensor; with `dim=d` (or a tuple of dims) only those dimensions, which disappear
unless `keepdim=True` keeps them with size 1, so that `x - x.mean(dim=1, keepdim=True)` broadcasts.
As in PyTorch, `max(dim=d)` returns a named pair `(values, indices)`, `mean` of an integer tensor is an
error, the sum of bools counts the `True`s as `int64`, and a 0-d tensor can be reduced over `dim=0` or
`dim=-1` (the result is the same 0-d value).

*Given:* `_reduction_args(a, dim, keepdim, kw, op)` reads `dim`/`keepdim` (or NumPy's `axis`/`keepdims`)
and normalises the dim with `_norm_dim` (`IndexError` out of range, `ValueError` if repeated);
`_check_float`, `_check_not_empty`, `MaxResult`, `argmax`, `argmin`, and `max`/`min` in `tensor_ops.py`,
which call your `_extreme`. **Your task:** `sum`, `mean`, and
`_extreme` (the common body of `max` and `min`).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-reductions", "locked": false, "schema_version": 3, "solution": true}}
#| export
def sum(a, dim=None, keepdim=False, **kw):
    """Sum over `dim` (all dims when None, an int or a tuple of ints); bools are counted as int64.

    A 0-d tensor accepts dim 0 or -1 (as in PyTorch) and its sum is itself, still 0-d.
    Record it as record_op(np.asarray(out), "sum", (a,), {"dim": dim, "keepdim": keepdim}) with the
    normalised dim and keepdim (autograd needs them to spread the gradient back).
    HINT: np.sum(x, axis=dim, keepdims=keepdim); np.asarray turns its NumPy scalar into a 0-d array.
    """
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, "sum")
    ### BEGIN SOLUTION
    axis = dim if a._data.ndim else None        # a 0-d tensor: dim 0 / -1 reduces nothing
    out = np.sum(a._data, axis=axis, keepdims=keepdim)
    if a._data.dtype.kind == "b":
        out = out.astype(np.int64)
    return record_op(np.asarray(out), "sum", (a,), {"dim": dim, "keepdim": keepdim})
    ### END SOLUTION


def mean(a, dim=None, keepdim=False, **kw):
    """Mean over `dim`; only for floating-point tensors (call _check_float(a, "mean") first: it raises
    TypeError for int and bool tensors). A 0-d tensor accepts dim 0 or -1 and its mean is itself.

    Record it as "mean" with attrs {"dim": dim, "keepdim": keepdim}, like sum.
    """
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, "mean")
    ### BEGIN SOLUTION
    _check_float(a, "mean")
    axis = dim if a._data.ndim else None
    out = np.mean(a._data, axis=axis, keepdims=keepdim)
    return record_op(np.asarray(out), "mean", (a,), {"dim": dim, "keepdim": keepdim})
    ### END SOLUTION


def _extreme(a, dim, keepdim, kw, op, reduce, arg):
    """The body of max and min. `reduce` is np.max or np.min, `arg` is np.argmax or np.argmin.

    - Read the arguments with _reduction_args; call _check_not_empty(a, op) (ValueError naming the
      shape); a tuple dim is a TypeError ("takes a single dim").
    - values = record_op(np.asarray(reduce(a._data, axis=dim, keepdims=keepdim)), op, (a,),
      {"dim": dim, "keepdim": keepdim}).
    - With dim None return `values`. Otherwise also compute the int64 indices with `arg` (keepdims
      like the values) and return MaxResult(values, Tensor.from_array(indices)).
    """
    ### BEGIN SOLUTION
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, op)
    _check_not_empty(a, op)
    if isinstance(dim, tuple):
        raise TypeError(f"{op}() takes a single dim, got {dim}")
    values = record_op(np.asarray(reduce(a._data, axis=dim, keepdims=keepdim)), op, (a,),
                       {"dim": dim, "keepdim": keepdim})
    if dim is None:
        return values
    indices = np.asarray(arg(a._data, axis=dim, keepdims=keepdim), dtype=np.int64)
    return MaxResult(values, Tensor.from_array(indices))
    ### END SOLUTION


# %% [markdown]
"""
### Testing reductions
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-reductions-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_reductions():
    x_np = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 10
    x = Tensor(x_np)
    assert x.sum().shape == () and float(x.sum().item()) == float(np.sum(x_np))
    for dim in (0, 1, 2, -1, (0, 2)):
        for keepdim in (False, True):
            np.testing.assert_allclose(x.sum(dim, keepdim)._data, np.sum(x_np, axis=dim, keepdims=keepdim))
            np.testing.assert_allclose(x.mean(dim=dim, keepdim=keepdim)._data,
                                       np.mean(x_np, axis=dim, keepdims=keepdim), rtol=1e-6)
    values, indices = x.max(dim=1)
    assert np.array_equal(values._data, np.max(x_np, axis=1)) and np.array_equal(indices._data, np.argmax(x_np, axis=1))
    assert indices.dtype == np.int64 and x.max().item() == 13.0 and x.min().item() == -10.0
    assert x.min(dim=2, keepdim=True).values.shape == (2, 3, 1)
    assert Tensor([True, False, True]).sum().item() == 2
    for d in (0, -1):
        assert Tensor(2.5).sum(dim=d).shape == () and Tensor(2.5).mean(d).item() == 2.5, "0-d over dim 0 / -1"
    expect_error(lambda: x.sum(dim=3), IndexError, "[-3, 2]")
    expect_error(lambda: Tensor([1, 2]).mean(), TypeError, "floating-point")
    ### BEGIN HIDDEN TESTS
    np.testing.assert_allclose(x.sum(axis=0, keepdims=True)._data, np.sum(x_np, axis=0, keepdims=True))
    np.testing.assert_allclose(sum(x, -2)._data, np.sum(x_np, axis=-2))
    assert isinstance(x.sum()._data, np.ndarray) and Tensor(2.5).sum(0, keepdim=True).shape == ()
    np.testing.assert_array_equal(min(x, 0).indices._data, np.argmin(x_np, axis=0))
    expect_error(lambda: Tensor(np.zeros((0, 2))).max(), ValueError, "(0, 2)")
    expect_error(lambda: x.sum(dim=(1, 1)), ValueError, "more than once")
    expect_error(lambda: x.max(dim=(0, 1)), TypeError, "single")
    ### END HIDDEN TESTS
    print("✅ reductions honour dim and keepdim")


test_unit_reductions()

# %% [markdown]
"""
### Step 8: Reshape, transpose, permute and indexing: views and copies

These operations change how the numbers are *seen*, not the numbers. A **view** shares the storage of
the old tensor with a different shape, strides or offset, at no cost whatever the size; a **copy**
allocates and fills new storage.

| operation | view or copy? | why |
|---|---|---|
| `transpose(0, 1)`, `permute(...)`, `.T` | always a view | swapping strides is enough |
| basic indexing `t[1]`, `t[:, 2:5]`, `t[::2]` | always a view | a new offset and new strides |
| `reshape` of a contiguous tensor | a view | the row-major order is unchanged |
| `reshape` of a non-contiguous tensor (e.g. after a transpose) | a copy | the order of elements in storage no longer matches; no strides can describe the new shape |
| advanced indexing `t[[0, 2]]`, `t[mask]` | a copy | arbitrary elements cannot be described by strides |
| `contiguous()` of a non-contiguous tensor, `clone()` | a copy | that is their purpose |

Writing through a view changes the original. NumPy already makes views exactly in these cases, so
your code stays short; the tests check that the views really share memory.

**Your task:** `reshape` (sizes via `_shape_args(shape, "reshape", allow_infer=True)`: one may be `-1`),
`transpose`, `permute` and `_index` (what `t[index]` calls), recorded as autograd expects: `"reshape"`
with `{"shape": <the INPUT's shape>}` (the gradient is reshaped back); transpose and permute both as
`"permute"` with `{"dims": <the full permutation, a tuple>}`; indexing as `"getitem"` with `{"index": index}`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-shape-ops", "locked": false, "schema_version": 3, "solution": true}}
#| export
def reshape(a, *shape):
    """The same elements in a new shape: reshape(t, 2, 3) or reshape(t, (2, -1)).

    On ValueError from NumPy raise ValueError(f"reshape: cannot reshape a tensor of shape {a.shape}
    ({a.numel()} elements) into shape {shape}").
    Record it with attrs {"shape": the INPUT's shape}: the gradient has the output's shape and autograd
    reshapes it back to the input's.
    """
    ### BEGIN SOLUTION
    shape = _shape_args(shape, "reshape", allow_infer=True)
    try:
        out = a._data.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {a.shape} ({a._data.size} elements) "
                         f"into shape {shape}") from None
    return record_op(out, "reshape", (a,), {"shape": a._data.shape})
    ### END SOLUTION


def transpose(a, dim0, dim1):
    """Swap two dimensions (a view). Normalise both dims with _norm_dim(..., "transpose"), which raises
    IndexError naming the valid range (e.g. "dim 3 is out of range ... (expected an int in [-3, 2])")."""
    ### BEGIN SOLUTION
    nd = a._data.ndim
    d0, d1 = _norm_dim(dim0, nd, "transpose"), _norm_dim(dim1, nd, "transpose")
    axes = list(range(nd))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return record_op(a._data.transpose(axes), "permute", (a,), {"dims": tuple(axes)})
    ### END SOLUTION


def permute(a, *dims):
    """Reorder all dimensions (a view): permute(t, 2, 0, 1) or permute(t, (2, 0, 1)); dims may be negative.

    Normalise each dim with _norm_dim(d, ndim, "permute"): a dim out of range raises IndexError naming
    the valid range ("... (expected an int in [-3, 2])"). Then raise ValueError naming `dims` and the
    shape if the normalised dims are not a permutation of range(ndim) (too few, or repeated).
    """
    ### BEGIN SOLUTION
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    nd = a._data.ndim
    norm = tuple(_norm_dim(d, nd, "permute") for d in dims)
    if sorted(norm) != list(range(nd)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {nd} dimensions of shape {a.shape}")
    return record_op(a._data.transpose(norm), "permute", (a,), {"dims": norm})
    ### END SOLUTION


def _index(a, index):
    """t[index]: like NumPy indexing (basic indexing gives a view, advanced indexing a copy).

    Tensors used as indices (alone or inside a tuple) are replaced by their arrays. On IndexError
    raise IndexError(f"index {index!r} is invalid for a tensor of shape {a.shape}: {exc}").
    NumPy returns a scalar for a single element: wrap the result with np.asarray (or let record_op do it).
    """
    ### BEGIN SOLUTION
    if isinstance(index, Tensor):
        index = index._data
    elif isinstance(index, tuple):
        index = tuple(i._data if isinstance(i, Tensor) else i for i in index)
    try:
        out = a._data[index]
    except IndexError as exc:
        raise IndexError(f"index {index!r} is invalid for a tensor of shape {a.shape}: {exc}") from None
    return record_op(np.asarray(out), "getitem", (a,), {"index": index})
    ### END SOLUTION


# %% [markdown]
"""
### Testing shape operations, views and copies
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-shape-ops-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_shape_ops():
    x_np = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = Tensor(x_np)
    assert np.shares_memory(x.reshape(6, 4)._data, x._data) and reshape(x, (4, -1)).shape == (4, 6), "a view"
    t = x.transpose(0, 2)
    assert t.shape == (4, 3, 2) and np.shares_memory(t._data, x._data) and not t.is_contiguous()
    np.testing.assert_array_equal(t._data, np.swapaxes(x_np, 0, 2))
    assert t.stride() == (1, 4, 12), f"transpose swaps strides: expected (1, 4, 12), got {t.stride()}"
    np.testing.assert_array_equal(x.permute(-1, -3, -2)._data, np.transpose(x_np, (2, 0, 1)))
    flat_t = t.reshape(-1)
    assert not np.shares_memory(flat_t._data, x._data), "reshape of a non-contiguous tensor must copy"
    assert np.array_equal(flat_t._data, np.swapaxes(x_np, 0, 2).reshape(-1))
    assert x[1].shape == (3, 4) and np.shares_memory(x[1]._data, x._data), "basic indexing gives a view"
    assert np.array_equal(x[:, 1:, ::2]._data, x_np[:, 1:, ::2]) and not np.shares_memory(x[[0, 1], 0]._data, x._data)
    assert x[1, 2, 3].shape == () and x[1, 2, 3].item() == 23.0 and isinstance(x[1, 2, 3]._data, np.ndarray)
    np.testing.assert_array_equal(x[x > 20]._data, x_np[x_np > 20])
    seen, saved = [], (_HOOKS.record, _HOOKS.backward)      # what autograd will be told (Step 3)
    register_autograd(lambda op, out, inputs, attrs: seen.append((op, inputs, attrs)), saved[1])
    try:
        x.reshape(4, 6)
        assert seen[-1] == ("reshape", (x,), {"shape": (2, 3, 4)}), f"reshape records the INPUT shape: {seen[-1]}"
        x.transpose(0, 2)
        assert seen[-1][0] == "permute" and seen[-1][2] == {"dims": (2, 1, 0)}, f"got {seen[-1]}"
        x[0, 1:]
        assert seen[-1][0] == "getitem" and seen[-1][1] == (x,)
    finally:
        register_autograd(*saved)
    expect_error(lambda: x.reshape(5, 5), ValueError, "(2, 3, 4)")
    expect_error(lambda: x.permute(0, 1), ValueError, "(2, 3, 4)")
    expect_error(lambda: x.permute(0, 3, 1), IndexError, "[-3, 2]")
    expect_error(lambda: x.transpose(0, 3), IndexError, "dim 3")
    ### BEGIN HIDDEN TESTS
    seen.clear()
    register_autograd(lambda op, out, inputs, attrs: seen.append((op, attrs)), saved[1])
    x.permute(1, -1, 0), Tensor(np.ones((4, 2))).reshape(2, 2, 2)
    register_autograd(*saved)
    assert seen == [("permute", {"dims": (1, 2, 0)}), ("reshape", {"shape": (4, 2)})], seen
    expect_error(lambda: x[5], IndexError, "(2, 3, 4)")
    expect_error(lambda: x.permute(0, 1, 1), ValueError, "(0, 1, 1)")
    assert x[Tensor(1)].shape == (3, 4) and transpose(x, -1, 0).shape == (4, 3, 2)
    assert permute(x, (1, 2, 0)).shape == (3, 4, 2) and reshape(Tensor(5.0), 1, 1).shape == (1, 1)
    ### END HIDDEN TESTS
    print("✅ reshape/transpose/permute/indexing: right values, views where PyTorch gives views")


test_unit_shape_ops()

# %% [markdown]
"""
### The rest of the PyTorch surface (given)

`view`, `flatten`, `cat`, `stack`, `where`, `expand`, `clamp`, `var`/`std`, `gather`, `sort`/`topk`,
`%` and `//`, comparisons and masks, in-place updates such as `p -= lr * p.grad`, and `save`/`load` are
given in `tinytorch/core/tensor_ops.py`, built on your functions; `tests/01_tensor/` tests them.
"""

# %% [markdown]
"""
## Part 3: Systems Analysis

### Computational Complexity

| operation (tensors of `n` elements; matrices `(m, k)` and `(k, n)`) | time | new memory |
|---|---|---|
| elementwise `+ - * /`, `exp`, `log` | O(n) | O(n) |
| reductions `sum`, `mean`, `max` | O(n) | O(size of the result) |
| `matmul` | O(m k n), exactly `2 m k n` FLOPs | O(m n) |
| `reshape` (contiguous), `transpose`, `permute`, basic indexing | O(1): new shape and strides | O(1) |
| `reshape` (non-contiguous), `contiguous()`, `clone()`, advanced indexing | O(n) | O(n) |

Matmul does `k` operations per element it reads, so large products are limited by arithmetic; an
elementwise op does one per element and is limited by memory bandwidth. Every operation also pays a
fixed Python cost (checks, wrapping, the autograd hook) whatever the size.

### Memory: views versus copies

**Build -> Measure -> Understand.** For a 1000 x 1000 float32 tensor, `tracemalloc` measures the bytes
each operation allocates while its result is alive. NumPy reports its buffers to `tracemalloc`, so a
copy shows its full size and a view only the small Python objects around it. These sizes are
deterministic, so the cell asserts them against their formula.
"""

# %% [code]
import tracemalloc


def allocated_bytes(make):
    """Bytes allocated by make() that are still held while its result is alive."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    result = make()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before, result


big = randn(1000, 1000, generator=Generator(0))
assert big._data.nbytes == 1000 * 1000 * 4, "1000 x 1000 float32 = 4,000,000 bytes"
cases = [("x[10:20]", lambda: big[10:20]), ("x[:, 0]", lambda: big[:, 0]),
         ("x.transpose(0, 1)", lambda: big.transpose(0, 1)), ("x.reshape(500, 2000)", lambda: big.reshape(500, 2000)),
         ("x.transpose(0, 1).reshape(-1)", lambda: big.transpose(0, 1).reshape(-1)),
         ("x[[0, 2, 4]]", lambda: big[[0, 2, 4]]), ("x * 2", lambda: big * 2)]
print(f"{'operation':32s} {'allocated':>12s}  {'shares x':>8s}  {'contiguous':>10s}  strides")
for name, make in cases:
    nbytes, out = allocated_bytes(make)
    shares = np.shares_memory(out._data, big._data)
    if shares:       # a view: a few hundred bytes of Python objects, whatever the size of x
        assert nbytes < 0.001 * big._data.nbytes, (name, nbytes)
    else:            # a copy: at least numel * itemsize bytes of new storage
        assert nbytes >= out.numel() * out._data.itemsize, (name, nbytes)
    print(f"{name:32s} {nbytes / 1e3:9.1f} KB  {str(shares):>8s}  {str(out.is_contiguous()):>10s}  {out.stride()}")
    del out

# %% [markdown]
"""
A column `x[:, 0]` is a view but not contiguous: reading it touches one float per cache line. The
transposed reshape must copy: that order of elements exists nowhere in storage.

### Speed: per-operation overhead and matmul throughput

A 16 x 16 addition as Tensors and in NumPy (best of alternating runs), then `a @ b` for growing square
matrices in GFLOP/s (`2 n^3` FLOPs each), with BLAS pinned to one thread when `threadpoolctl` is installed.
"""

# %% [code]
import builtins
import time

try:
    from threadpoolctl import threadpool_limits
    blas_limit = threadpool_limits(limits=1, user_api="blas")
    print("BLAS pinned to 1 thread (threadpoolctl) for the timings below")
except ImportError:
    blas_limit = None
    print("threadpoolctl is not installed: BLAS uses its default thread count here (pip install threadpoolctl)")


def best_seconds_pair(fn_a, fn_b, repeats=7, inner=1):
    """Shortest time per call of fn_a and of fn_b; runs alternate, so background load hits both alike."""
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for k, fn in enumerate((fn_a, fn_b)):
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            best[k] = builtins.min(best[k], (time.perf_counter() - start) / inner)
    return best


small_a, small_b = randn(16, 16), randn(16, 16)
tensor_s, numpy_s = best_seconds_pair(lambda: small_a + small_b, lambda: np.add(small_a._data, small_b._data), inner=2000)
overhead_s = tensor_s - numpy_s
print(f"this run: a 16x16 add took {tensor_s * 1e6:.2f} us as Tensors, {numpy_s * 1e6:.2f} us in NumPy: "
      f"{overhead_s * 1e6:.2f} us of wrapper per operation")
print(f"{'n':>5s} {'FLOPs':>12s} {'Tensor GFLOP/s':>15s} {'NumPy GFLOP/s':>14s} {'overhead share':>15s}")
for size in (16, 64, 256, 512):
    ta, tb, flops = randn(size, size, generator=Generator(1)), randn(size, size, generator=Generator(2)), 2 * size ** 3
    assert (ta @ tb).shape == (size, size) and flops == 2 * size * size * size
    ours_s, theirs_s = best_seconds_pair(lambda: ta @ tb, lambda: np.matmul(ta._data, tb._data),
                                         repeats=15, inner=1 if size >= 256 else 100)
    share = overhead_s / (theirs_s + overhead_s)
    print(f"{size:5d} {flops:12,d} {flops / ours_s / 1e9:15.2f} {flops / theirs_s / 1e9:14.2f} {share:15.3%}")
if blas_limit is not None:
    blas_limit.restore_original_limits()

# %% [markdown]
"""
Both columns call the same BLAS routine, so the difference is the wrapper. The overhead share column
is this run's measured overhead divided by (NumPy's time + overhead): read your own table to see how it
changes as the `n^3` work grows. The fixed cost per call (checks, `record_op`, a new Tensor object) is
why frameworks fuse small operations and batch their inputs, and why `Tensor.from_array` skips the
checks. Timings differ between runs and machines: compare your own numbers, not these words.

## Part 4: Production Context

**How PyTorch stores a tensor.** A `torch.Tensor` is a small header (sizes, strides in elements, a
storage offset, dtype, device) pointing at a **storage**, one flat reference-counted buffer. Views are
new headers on the same storage, which is why `t.transpose(0, 1)` is free. Your Tensor has the same
model, borrowed from NumPy (`._data.base` owns the storage).

**The dispatcher.** `torch.add(a, b)` goes through a *dispatcher* that looks at the inputs (device,
whether autograd records, ...) and routes the call through a stack of handlers: the autograd handler
records the operation, then the device's kernel runs. That is the grown-up `record_op`: operations are
written once, and autograd attaches through a declared mechanism instead of editing each one.
TensorFlow's tensors are handles to buffers of its runtime; JAX arrays are immutable buffers whose
operations are traced and compiled by XLA.
"""

# %% [markdown]
"""
## Run all tests

`python modules/01_tensor/tensor_dev.py` runs every test above once more, through `run_all_tests()`.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_to_array()
    test_unit_tensor_class()
    test_unit_extension_point()
    test_unit_creation()
    test_unit_elementwise()
    test_unit_matmul()
    test_unit_reductions()
    test_unit_shape_ops()
    print("🎉 All Tensor tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. Your memory table showed each view costing a few hundred bytes whatever the size of `x`. A
   transformer splits a `(batch, seq, 768)` activation into 12 heads with `reshape` and `transpose`.
   Which of those steps are free, and where is the first copy forced?
2. `x[:, 0]` is a view that the next operation reads with a stride of 1000 elements. When would you pay
   for a `.contiguous()` copy first, and how would you measure whether it pays off?
3. Read the overhead share column of your timing table. If a model runs thousands of 16 x 16 operations
   per step, what would you change: the framework (fusing operations, a C++ core) or the model (bigger batches)?
4. What would break if the Autograd module replaced `Tensor.__add__` at import time instead of
   installing itself through `register_autograd`?
5. Why does `int_tensor ** -1` raise instead of returning `0` or `0.5`? What would each choice cost a
   program that computes `1 / n` with an integer `n`?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built the `Tensor` that every later module uses: a NumPy array with PyTorch's names and dtype
rules, `shape`, `dtype`, `ndim`, `numel()` and `stride()`; `tensor`, `zeros` and a seeded `randn`;
broadcasting arithmetic, batched `matmul` and reductions with `dim`/`keepdim`, with errors that name the
shapes at fault; `reshape`, `transpose`, `permute` and indexing, which return views whenever strides can
describe the result; and `record_op`, through which autograd will plug in. The rest of the PyTorch
surface is given in `tinytorch/core/tensor_ops.py`, built on your functions. You measured that views
cost almost nothing while copies cost their full size, and how the fixed cost per call compares with
the work of small and large matrix products.

**Next:** `tito export` writes your code to `tinytorch/core/tensor.py`; then the Activations module.
"""
