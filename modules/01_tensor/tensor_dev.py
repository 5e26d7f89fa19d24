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
in one kind of object: the **Tensor**. In this module you build it on top of a NumPy array, with the
names and rules of PyTorch, so that code written against `torch.Tensor` reads the same against yours.

**Learning Objectives:**
- Build a `Tensor` that wraps a NumPy `ndarray` and exposes `shape`, `dtype`, `ndim`, `numel()` and
  `stride()`, with PyTorch's dtype rules (`float32` by default, the dtype of a NumPy input kept).
- Write creation helpers (`tensor`, `zeros`, `randn`, ...) that draw from a seeded generator, so runs repeat.
- Implement broadcasting arithmetic, matrix multiplication, reductions with `dim`/`keepdim`, and the
  shape operations `reshape`, `transpose`, `permute` and indexing, each with an error message that names
  the shapes or values at fault.
- Understand **views versus copies**: how strides let `transpose` and slicing cost nothing, and when a
  copy is unavoidable. Measure it with `tracemalloc`.
- Measure what the wrapper costs: matmul GFLOP/s of your Tensor against NumPy's own, and the fixed
  per-operation overhead.
- Know the extension point that the Autograd module plugs into, so it can add gradients to your Tensor
  without patching it.

**How this module works.** The code is split into steps. Each step is one code cell for you to
complete (between the solution markers, inside a function whose signature and
docstring are given), followed by a graded test cell that runs at once. Code marked *given* is
infrastructure: read it, you will use it, but you do not write it. Cells that start with `#| export`
become the package file `tinytorch/core/tensor.py` when you run `tito export`.

One warning before you start: like PyTorch (`torch.sum`, `torch.max`, ...), this module defines
functions called `sum`, `max`, `min` and `pow`. After their cells have run, those names in the notebook
mean the Tensor versions, not Python's built-ins. Use `np.sum`, `builtins.max`, ... in your own
scratch cells.
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

A tensor is three things: a flat block of numbers in memory (the *storage*), a **shape** (how many
entries along each dimension), and **strides** (how many storage slots to skip to move one step along
each dimension). Element `[i, j]` of a 2-D tensor sits at storage position
`offset + i * stride[0] + j * stride[1]`. Run the cell below to check that formula on a real array.
"""

# %%
import numpy as np

grid = np.arange(12, dtype=np.float32).reshape(3, 4)            # storage: 0, 1, ..., 11
strides_in_elements = tuple(s // grid.itemsize for s in grid.strides)
flat = grid.reshape(-1)                                         # the same storage, seen as 1-D
i, j = 2, 1
position = i * strides_in_elements[0] + j * strides_in_elements[1]
print("shape", grid.shape, "strides (in elements)", strides_in_elements)
print(f"element [{i}, {j}] = {grid[i, j]} sits at storage position {position}, which holds {flat[position]}")

# The transpose is the same storage with the strides swapped: no number moves.
grid_t = grid.T
print("transposed shape", grid_t.shape, "strides", tuple(s // grid_t.itemsize for s in grid_t.strides),
      "shares memory with grid:", np.shares_memory(grid, grid_t))

# %% [markdown]
"""
**Broadcasting.** To combine tensors of different shapes elementwise, align the shapes from the right;
each pair of sizes must be equal, or one of them must be 1 (that dimension is repeated, without copying).
A missing leading dimension counts as 1. **Matrix multiplication** `(m, k) @ (k, n) -> (m, n)`: each of the
`m * n` outputs is a dot product of length `k`, so it costs `m * n * k` multiply-adds, which is
`2 * m * n * k` floating-point operations (FLOPs). Leading dimensions are batch dimensions and broadcast.
A **reduction** such as `sum(dim=d)` removes dimension `d` (or keeps it with size 1 when `keepdim=True`).
"""

# %%
print("broadcast (3, 1) with (4,)      ->", np.broadcast_shapes((3, 1), (4,)))
print("broadcast (8, 1, 5) with (7, 1) ->", np.broadcast_shapes((8, 1, 5), (7, 1)))

m, k, n = 2, 3, 4
a_demo = np.arange(m * k, dtype=np.float32).reshape(m, k)
b_demo = np.ones((k, n), dtype=np.float32)
product = a_demo @ b_demo
print(f"({m}, {k}) @ ({k}, {n}) -> {product.shape}; FLOPs = 2*m*n*k = {2 * m * n * k}")
print("output [1, 2] is the dot product of row 1 and column 2:", product[1, 2], "=", np.dot(a_demo[1], b_demo[:, 2]))

cube = np.ones((2, 3, 4), dtype=np.float32)
print("sum over dim 1:", np.sum(cube, axis=1).shape, "  with keepdim:", np.sum(cube, axis=1, keepdims=True).shape)

# %% [markdown]
"""
## Part 2: Building the Tensor

### Setup (given)

The package file starts with its imports, the list of public names (`__all__`), and short dtype names
so that users can write `tinytorch.float32` as they would write `torch.float32`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import numbers
from collections import namedtuple

import numpy as np

__all__ = [
    "Tensor", "tensor", "from_numpy", "register_autograd", "register_op", "OPS",
    "zeros", "ones", "full", "empty", "arange", "linspace", "eye", "zeros_like", "ones_like", "full_like",
    "rand", "randn", "randint", "manual_seed", "Generator", "default_generator",
    "add", "sub", "mul", "div", "pow", "neg", "matmul", "exp", "log",
    "sum", "mean", "max", "min", "argmax", "argmin", "reshape", "transpose", "permute",
    "float16", "float32", "float64", "int32", "int64", "bool_",
    # Step 9 (given): more operations, in-place updates, saving and loading
    "cat", "concat", "stack", "where", "sqrt", "abs", "sin", "cos", "clamp", "clip", "maximum", "minimum",
    "var", "std", "masked_fill", "tril", "triu", "flatten", "mm", "bmm", "split", "chunk", "unbind", "equal", "unsqueeze", "squeeze", "randperm", "allclose",
    "is_tensor", "device", "save", "load", "gather", "sort", "topk",
]

float16, float32, float64 = np.float16, np.float32, np.float64
int32, int64, bool_ = np.int32, np.int64, np.bool_
DEFAULT_DTYPE = np.dtype(np.float32)      # what Python floats become, as in PyTorch
_NUMERIC_KINDS = "biuf"                   # NumPy dtype kind codes: bool, signed int, unsigned int, float
_F64 = np.dtype(np.float64)

# %% [markdown]
"""
### Step 1: From Python data to a checked array

A Tensor keeps its numbers in a NumPy array. The first job is to turn whatever the user passes (a
number, a nested list, a NumPy array) into that array, following PyTorch's dtype rules:

| input | dtype of the result |
|---|---|
| Python floats, e.g. `[1.5, 2.0]` | `float32` (NumPy would say `float64`; deep learning uses 32-bit floats) |
| Python ints, e.g. `[1, 2]` | `int64` |
| Python bools | `bool` |
| a NumPy array or NumPy scalar | **its own dtype**, unchanged (and no copy is made) |
| any input with `dtype=` given | that dtype |

Anything that is not numbers (strings, `None`, complex numbers) is rejected, and so is a *ragged* list
such as `[[1, 2], [3]]`, whose rows differ in length.

*Given:* the helpers that turn NumPy's errors into messages that say what is wrong (`_array_from_python`,
`_check_numeric`), and two argument checkers used all through the module: `_norm_dim` turns a `dim`
(which may be negative, `-1` meaning the last dimension) into a non-negative index or raises a message
naming the valid range; `_shape_args` accepts sizes written as `f(2, 3)` or `f((2, 3))`.

**Your task:** write `_to_array`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-to-array", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given: input checking with messages that name the problem -------------------------------------
def _describe_ragged(data):
    """Say where a nested list stops being rectangular."""
    def walk(x, path):
        if not isinstance(x, (list, tuple)):
            return None
        lengths = [len(e) if isinstance(e, (list, tuple)) else None for e in x]
        if len({length is None for length in lengths}) > 1:
            return f"at {path or 'the top level'} some elements are lists and some are scalars"
        if lengths and lengths[0] is not None and len(set(lengths)) > 1:
            return f"at {path or 'the top level'} the rows have different lengths {lengths[:8]}"
        for i, element in enumerate(x):
            found = walk(element, f"{path}[{i}]")
            if found:
                return found
        return None
    return walk(data, "") or "the nested sequences do not form a rectangular array"


def _array_from_python(data, dtype):
    """np.array(data, dtype=dtype) for Python numbers and nested lists, with readable errors."""
    try:
        return np.array(data, dtype=dtype)
    except ValueError as exc:
        if isinstance(data, (list, tuple)) and "inhomogeneous" in str(exc):
            raise ValueError(f"Tensor data is ragged: {_describe_ragged(data)}") from None
        raise ValueError(f"cannot make a Tensor from {type(data).__name__} {data!r:.80}: {exc}") from None
    except TypeError as exc:
        raise TypeError(f"cannot make a Tensor from {type(data).__name__} {data!r:.80}: {exc}") from None


def _check_numeric(arr, data):
    """Reject arrays of strings, objects or complex numbers."""
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"Tensor data must be numeric (bool, int or float); got dtype {arr.dtype} "
            f"from {type(data).__name__} {data!r:.80}"
        )


def _norm_dim(dim, ndim, op):
    """A dim in [-ndim, ndim - 1] (or a tuple of them) as a non-negative index; None stays None."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        dims = tuple(_norm_dim(d, ndim, op) for d in dim)
        if len(set(dims)) != len(dims):
            raise ValueError(f"{op}: dim {tuple(dim)} names the same dimension more than once")
        return dims
    lo = -ndim if ndim else -1
    hi = ndim - 1 if ndim else 0
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or not lo <= dim <= hi:
        raise IndexError(f"{op}: dim {dim!r} is out of range for a tensor with {ndim} dimension(s) "
                         f"(expected an int in [{lo}, {hi}])")
    return int(dim) % ndim if ndim else 0


def _shape_args(args, op, allow_infer=False):
    """Sizes given as f(2, 3) or f((2, 3)), like PyTorch. `allow_infer` lets one size be -1 (reshape)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    lowest = -1 if allow_infer else 0
    for s in args:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < lowest:
            rule = "non-negative integers (or -1 for one size to infer)" if allow_infer else "non-negative integers"
            raise ValueError(f"{op}: sizes must be {rule}, got {args}")
    return tuple(int(s) for s in args)


# ---- your part --------------------------------------------------------------------------------------
def _to_array(data, dtype=None):
    """Turn `data` into a numeric NumPy array, following PyTorch's dtype rules.

    data:  a Python number, a (nested) list or tuple of numbers, or a NumPy array / NumPy scalar.
    dtype: None (infer it) or anything np.dtype() accepts.

    Rules:
    - NumPy input (np.ndarray or np.generic): keep its dtype and do not copy (np.asarray);
      if `dtype` is given, convert with .astype(dtype, copy=False).
    - Python input: build the array with the given helper _array_from_python(data, dtype); when no
      dtype was asked for and NumPy chose float64, convert to DEFAULT_DTYPE (float32).
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
            arr = arr.astype(DEFAULT_DTYPE)
    _check_numeric(arr, data)
    return arr
    ### END SOLUTION


# %% [markdown]
"""
### Testing `_to_array`

The test checks each row of the dtype table, that a NumPy array is not copied, and that bad input is
rejected with a message that says what is wrong.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-to-array-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_to_array():
    assert _to_array([1.5, 2.0]).dtype == np.float32, "Python floats must become float32"
    assert _to_array([1, 2]).dtype == np.int64, "Python ints must become int64"
    assert _to_array([True, False]).dtype == np.bool_, "Python bools must stay bool"
    assert _to_array(3.0).shape == (), "a Python number becomes a 0-d array"
    assert _to_array([[1, 2], [3, 4]]).shape == (2, 2)

    source = np.array([1.0, 2.0])                       # float64
    arr = _to_array(source)
    assert arr.dtype == np.float64, "the dtype of a NumPy input must be kept"
    assert np.shares_memory(arr, source), "a NumPy input must not be copied"
    assert _to_array(np.float64(1.5)).dtype == np.float64, "a NumPy scalar keeps its dtype too"
    assert _to_array([1, 2], dtype=np.float64).dtype == np.float64, "an explicit dtype wins"
    assert _to_array(source, dtype=np.float32).dtype == np.float32

    try:
        _to_array([[1, 2], [3]])
        raise AssertionError("a ragged list must raise ValueError")
    except ValueError as exc:
        assert "ragged" in str(exc), f"the message should say the data is ragged, got: {exc}"
    try:
        _to_array(["a", "b"])
        raise AssertionError("strings must raise TypeError")
    except TypeError as exc:
        assert "numeric" in str(exc), f"the message should say data must be numeric, got: {exc}"
    ### BEGIN HIDDEN TESTS
    assert _to_array([]).dtype == np.float32, "an empty list is float32, as in PyTorch"
    assert _to_array((1, 2.5)).dtype == np.float32, "a mix of ints and floats is float"
    assert _to_array([1.5], dtype=np.float64).dtype == np.float64, "explicit float64 must not be narrowed"
    ints = np.arange(3, dtype=np.int32)
    assert _to_array(ints).dtype == np.int32
    for bad, kind in ((None, TypeError), ([1j], TypeError), ([[1], [2, 3]], ValueError)):
        try:
            _to_array(bad)
            raise AssertionError(f"{bad!r} must raise {kind.__name__}")
        except kind:
            pass
    ### END HIDDEN TESTS
    print("✅ _to_array follows the dtype rules and rejects bad data")


test_unit_to_array()

# %% [markdown]
"""
### Step 2: The Tensor class

Now the class itself. A `Tensor` holds its array in `.data` and three fields that the Autograd module
will use (`requires_grad`, `grad`, `grad_fn`); in this module they only carry values.

What is *given* and why:
- `from_array(array)` is a fast constructor for arrays that are already checked. Every operation builds its
  result with it, skipping `_to_array`, because that checking would cost more than a small addition.
- The arithmetic operators (`__add__`, `__matmul__`, ...) and methods (`t.sum()`, `t.reshape()`, ...)
  are one-liners that call module-level functions (`add`, `matmul`, `sum`, ...). You write those
  functions in the later steps, one per step. This is also how PyTorch is organised: `t.sum()` and
  `torch.sum(t)` are the same operation.
- Conversions (`numpy()`, `item()`, `float()`, ...), comparisons, printing, and `backward()`, which
  hands the work to the Autograd module (see Step 3).

**Your task:** the constructor and the properties that describe a tensor: `shape`, `dtype`, `ndim`,
`numel()`, `stride()` and `is_contiguous()`.

**Strides.** NumPy reports strides in *bytes*; PyTorch reports them in *elements*. A `float32` array of
shape `(3, 4)` has NumPy strides `(16, 4)` and PyTorch strides `(4, 1)`: divide by the item size.
A tensor is **contiguous** (C order) when its elements lie in storage row after row with no gaps,
which is what a fresh array looks like; a transpose or a column slice is not.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-class", "locked": false, "schema_version": 3, "solution": true}}
#| export
class Tensor:
    """An n-dimensional array of numbers, backed by a NumPy ndarray, with the API of torch.Tensor."""

    # `__dict__` stays available so that autograd can attach its own bookkeeping to a tensor.
    __slots__ = ("data", "requires_grad", "grad", "grad_fn", "__dict__", "__weakref__")
    __array_priority__ = 1000          # makes `ndarray + Tensor` call Tensor.__radd__, so the result is a Tensor

    def __init__(self, data, dtype=None, requires_grad=False):
        """Make a Tensor from a number, a nested list, a NumPy array or another Tensor.

        Steps:
        1. If `data` is a Tensor, use its array (`data.data`) instead.
        2. Store `_to_array(data, dtype)` in `self.data`.
        3. If `requires_grad` is true, call `self.requires_grad_(True)` (it checks the dtype is float).
        """
        # Fields used by autograd (Autograd module); a plain tensor leaves them empty.
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        ### BEGIN SOLUTION
        if isinstance(data, Tensor):
            data = data.data
        self.data = _to_array(data, dtype)
        if requires_grad:
            self.requires_grad_(True)
        ### END SOLUTION

    @classmethod
    def from_array(cls, array):
        """Given: fast constructor for an ndarray that is already checked (used by every operation)."""
        t = object.__new__(Tensor)
        t.data = array
        t.requires_grad = False
        t.grad = None
        t.grad_fn = None
        return t

    # ----- what a tensor is: shape, dtype, layout ---------------------------------------------------
    @property
    def shape(self):
        """The size of each dimension, as a tuple of ints (PyTorch returns a torch.Size, a tuple too)."""
        ### BEGIN SOLUTION
        return self.data.shape
        ### END SOLUTION

    @property
    def dtype(self):
        """The element type, a numpy.dtype such as dtype('float32')."""
        ### BEGIN SOLUTION
        return self.data.dtype
        ### END SOLUTION

    @property
    def ndim(self):
        """The number of dimensions (0 for a scalar tensor)."""
        ### BEGIN SOLUTION
        return self.data.ndim
        ### END SOLUTION

    def numel(self):
        """The number of elements, a Python int (the product of the shape; 1 for a 0-d tensor)."""
        ### BEGIN SOLUTION
        return int(self.data.size)
        ### END SOLUTION

    def stride(self, dim=None):
        """Strides in ELEMENTS (PyTorch's convention), not bytes (NumPy's).

        stride() returns the tuple for all dimensions; stride(d) returns the one for dimension d
        (d may be negative: use `_norm_dim(dim, self.ndim, "stride")`).
        HINT: NumPy's byte strides are `self.data.strides`; the size of one element is `self.data.itemsize`.
        """
        ### BEGIN SOLUTION
        strides = tuple(s // self.data.itemsize for s in self.data.strides)
        return strides if dim is None else strides[_norm_dim(dim, self.data.ndim, "stride")]
        ### END SOLUTION

    def is_contiguous(self):
        """True when the elements lie in storage in row-major (C) order with no gaps.

        HINT: NumPy knows: `self.data.flags.c_contiguous`. Return a Python bool.
        """
        ### BEGIN SOLUTION
        return bool(self.data.flags.c_contiguous)
        ### END SOLUTION

    # ----- given: more of PyTorch's API -------------------------------------------------------------
    @property
    def device(self):
        return "cpu"

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def dim(self):
        return self.data.ndim

    def size(self, dim=None):
        if dim is None:
            return self.data.shape
        return self.data.shape[_norm_dim(dim, self.data.ndim, "size")]

    def contiguous(self):
        """This tensor if it is contiguous, else a contiguous copy (recorded as a reshape to the same shape)."""
        if self.data.flags.c_contiguous:
            return self
        return record_op(np.ascontiguousarray(self.data), "reshape", (self,), {"shape": self.data.shape})

    # ----- conversion -------------------------------------------------------------------------------
    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("numpy() on a Tensor that requires grad would lose the graph; "
                               "use tensor.detach().numpy()")
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with exactly one element, got shape {self.shape}")
        return self.data.reshape(()).item()

    def tolist(self):
        return self.data.tolist()

    def detach(self):
        """A tensor sharing this one's data but cut from the graph."""
        return Tensor.from_array(self.data)

    def clone(self):
        """A copy with its own memory (recorded as a reshape to the same shape, so gradients flow)."""
        return record_op(self.data.copy(), "reshape", (self,), {"shape": self.data.shape})

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def to(self, *args, dtype=None, device=None, **kw):
        """t.to(dtype), t.to(device), t.to(device, dtype), t.to(other_tensor): CPU only."""
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif (isinstance(arg, str) and arg.split(":")[0] in ("cpu", "cuda", "mps")) \
                    or type(arg).__name__ == "device":
                device = arg
            else:
                dtype = arg
        if device is not None and str(device) != "cpu":
            raise ValueError(f"tinytorch runs on the CPU only; got device {str(device)!r}")
        return self if dtype is None else cast(self, dtype)

    def cpu(self):
        return self

    def cuda(self, *args, **kw):
        raise RuntimeError("tinytorch runs on the CPU only: .cuda() is not available (use .to('cpu'))")

    is_cuda = False

    _TYPE_NAMES = {"float32": "torch.FloatTensor", "float64": "torch.DoubleTensor", "float16": "torch.HalfTensor",
                   "int64": "torch.LongTensor", "int32": "torch.IntTensor", "bool": "torch.BoolTensor"}

    def type(self, dtype=None):
        """t.type() names the type ('torch.FloatTensor'); t.type(dtype) converts, like t.to(dtype)."""
        if dtype is None:
            return Tensor._TYPE_NAMES.get(str(self.data.dtype), f"torch.{self.data.dtype}")
        if isinstance(dtype, str):
            names = {v: k for k, v in Tensor._TYPE_NAMES.items()}
            if dtype not in names:
                raise TypeError(f"type(): unknown type name {dtype!r}; expected one of {sorted(names)}")
            dtype = names[dtype]
        return cast(self, dtype)

    def float(self):
        return cast(self, np.float32)

    def double(self):
        return cast(self, np.float64)

    def half(self):
        return cast(self, np.float16)

    def long(self):
        return cast(self, np.int64)

    def int(self):
        return cast(self, np.int32)

    def bool(self):
        return cast(self, np.bool_)

    def __array__(self, dtype=None, copy=None):
        """Let NumPy read the tensor: np.asarray(t) shares memory, np.array(t) copies."""
        arr = self.data if dtype is None else self.data.astype(dtype, copy=False)
        if copy and arr is self.data:
            arr = arr.copy()
        return arr

    def backward(self, gradient=None, retain_graph=False):
        """Reverse-mode differentiation from this tensor: handed to the autograd engine (see Step 3).
        retain_graph=True keeps the graph, so that backward can run through it again."""
        if _HOOKS.backward is None:
            try:
                import tinytorch.core.autograd  # noqa: F401  (registers itself on import)
            except ImportError:
                pass
        if _HOOKS.backward is None:
            raise RuntimeError("backward() needs the autograd engine (tinytorch.core.autograd, built in the "
                               "Autograd module), which is not available yet")
        _HOOKS.backward(self, gradient, retain_graph=retain_graph)

    # ----- printing ---------------------------------------------------------------------------------
    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.data.dtype not in (DEFAULT_DTYPE, np.dtype(np.int64), np.dtype(np.bool_)):
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{getattr(self.grad_fn, 'op', 'op')}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # ----- Python protocol --------------------------------------------------------------------------
    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                               "use .any() or .all()")
        return bool(self.data.reshape(()))

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of one element can be used as an index")
        return int(self.item())

    __hash__ = object.__hash__         # tensors are hashable by identity, as in PyTorch

    # ----- arithmetic: each delegates to a module-level function (Steps 5 and 6) -------------------
    def __add__(self, other): return add(self, other)
    def __radd__(self, other): return add(_operand(other, self), self)
    def __sub__(self, other): return sub(self, other)
    def __rsub__(self, other): return sub(_operand(other, self), self)
    def __mul__(self, other): return mul(self, other)
    def __rmul__(self, other): return mul(_operand(other, self), self)
    def __truediv__(self, other): return div(self, other)
    def __rtruediv__(self, other): return div(_operand(other, self), self)
    def __pow__(self, other): return pow(self, other)
    def __rpow__(self, other): return pow(_operand(other, self), self)
    def __neg__(self): return neg(self)
    def __pos__(self): return self
    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(_operand(other, self), self)

    # comparisons give bool tensors and are never differentiated
    def _compare(self, other, fn):
        other = other.data if isinstance(other, Tensor) else other
        try:
            return Tensor.from_array(np.asarray(fn(self.data, other)))
        except ValueError:
            raise _broadcast_error(fn.__name__, self.data, np.asarray(other)) from None

    def __eq__(self, other): return self._compare(other, np.equal)
    def __ne__(self, other): return self._compare(other, np.not_equal)
    def __lt__(self, other): return self._compare(other, np.less)
    def __le__(self, other): return self._compare(other, np.less_equal)
    def __gt__(self, other): return self._compare(other, np.greater)
    def __ge__(self, other): return self._compare(other, np.greater_equal)

    def eq(self, other): return self == other
    def ne(self, other): return self != other
    def lt(self, other): return self < other
    def le(self, other): return self <= other
    def gt(self, other): return self > other
    def ge(self, other): return self >= other

    def __format__(self, spec):
        """f"{loss:.4f}" formats a 0-d tensor's value, as in PyTorch."""
        if spec and self.data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    # logical operators on bool (and integer) tensors: masks combine with & | ^ ~, never differentiated
    def _logical(self, other, fn):
        other = other.data if isinstance(other, Tensor) else other
        try:
            return Tensor.from_array(np.asarray(fn(self.data, other)))
        except TypeError:
            raise TypeError(f"{fn.__name__}: needs bool or integer tensors, got dtype {self.data.dtype}") from None
        except ValueError:
            raise _broadcast_error(fn.__name__, self.data, np.asarray(other)) from None

    def __and__(self, other): return self._logical(other, np.bitwise_and)
    def __or__(self, other): return self._logical(other, np.bitwise_or)
    def __xor__(self, other): return self._logical(other, np.bitwise_xor)
    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __invert__(self):
        if self.data.dtype.kind not in "biu":
            raise TypeError(f"~ needs a bool or integer tensor, got dtype {self.data.dtype}")
        return Tensor.from_array(np.invert(self.data))

    def logical_not(self): return Tensor.from_array(np.logical_not(self.data))
    def any(self, dim=None, keepdim=False): return _logical_reduce(self, np.any, dim, keepdim, "any")
    def all(self, dim=None, keepdim=False): return _logical_reduce(self, np.all, dim, keepdim, "all")

    # ----- elementwise and reductions (Steps 5-7) ---------------------------------------------------
    def add(self, other): return add(self, other)
    def sub(self, other): return sub(self, other)
    def mul(self, other): return mul(self, other)
    def div(self, other): return div(self, other)
    def pow(self, exponent): return pow(self, exponent)
    def neg(self): return neg(self)
    def matmul(self, other): return matmul(self, other)
    def exp(self): return exp(self)
    def log(self): return log(self)
    def sum(self, dim=None, keepdim=False, **kw): return sum(self, dim, keepdim, **kw)
    def mean(self, dim=None, keepdim=False, **kw): return mean(self, dim, keepdim, **kw)
    def max(self, dim=None, keepdim=False, **kw): return max(self, dim, keepdim, **kw)
    def min(self, dim=None, keepdim=False, **kw): return min(self, dim, keepdim, **kw)
    def argmax(self, dim=None, keepdim=False, **kw): return argmax(self, dim, keepdim, **kw)
    def argmin(self, dim=None, keepdim=False, **kw): return argmin(self, dim, keepdim, **kw)

    # ----- shape (Step 8) ---------------------------------------------------------------------------
    def reshape(self, *shape): return reshape(self, *shape)

    def view(self, *shape):
        if not self.data.flags.c_contiguous:
            raise RuntimeError(f"view() needs a contiguous tensor (this one has strides {self.stride()} for "
                               f"shape {self.shape}); call .contiguous() first or use .reshape()")
        return reshape(self, *shape)

    def flatten(self, start_dim=0, end_dim=-1):
        nd = self.data.ndim
        if nd == 0:
            return reshape(self, 1)
        s, e = _norm_dim(start_dim, nd, "flatten"), _norm_dim(end_dim, nd, "flatten")
        if s > e:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        shape = self.shape
        return reshape(self, *shape[:s], int(np.prod(shape[s:e + 1])), *shape[e + 1:])

    def unsqueeze(self, dim):
        d = _norm_dim(dim, self.data.ndim + 1, "unsqueeze")
        return reshape(self, *self.shape[:d], 1, *self.shape[d:])

    def squeeze(self, dim=None):
        if dim is None:
            return reshape(self, *[s for s in self.shape if s != 1])
        d = _norm_dim(dim, self.data.ndim, "squeeze")
        if self.shape[d] != 1:
            return self
        return reshape(self, *self.shape[:d], *self.shape[d + 1:])

    def transpose(self, dim0, dim1): return transpose(self, dim0, dim1)
    def permute(self, *dims): return permute(self, *dims)

    @property
    def T(self):
        return permute(self, *reversed(range(self.data.ndim)))

    def __getitem__(self, index): return _index(self, index)

    # ----- given: more operations, in-place updates (Step 9) -------------------------------------
    def sqrt(self): return sqrt(self)
    def sin(self): return sin(self)
    def cos(self): return cos(self)
    def abs(self): return abs(self)
    def square(self): return mul(self, self)
    def clamp(self, min=None, max=None): return clamp(self, min, max)
    clip = clamp
    def clamp_min(self, min): return clamp(self, min, None)
    def clamp_max(self, max): return clamp(self, None, max)
    def maximum(self, other): return maximum(self, other)
    def minimum(self, other): return minimum(self, other)
    def var(self, dim=None, unbiased=None, keepdim=False, **kw): return var(self, dim, unbiased, keepdim, **kw)
    def std(self, dim=None, unbiased=None, keepdim=False, **kw): return std(self, dim, unbiased, keepdim, **kw)
    def norm(self, p=2, dim=None, keepdim=False): return _norm(self, p, dim, keepdim)
    def masked_fill(self, mask, value): return masked_fill(self, mask, value)
    def where(self, condition, other): return where(condition, self, other)
    def expand(self, *sizes): return expand(self, *sizes)
    def expand_as(self, other): return expand(self, other.shape)
    def repeat(self, *sizes): return repeat(self, *sizes)
    def tril(self, diagonal=0): return tril(self, diagonal)
    def mm(self, other): return mm(self, other)
    def bmm(self, other): return bmm(self, other)
    def split(self, split_size_or_sections, dim=0): return split(self, split_size_or_sections, dim)
    def chunk(self, chunks, dim=0): return chunk(self, chunks, dim)
    def unbind(self, dim=0): return unbind(self, dim)
    def triu(self, diagonal=0): return triu(self, diagonal)
    def view_as(self, other): return self.view(other.shape)
    def reshape_as(self, other): return reshape(self, other.shape)
    def t(self): return self.T if self.data.ndim == 2 else self
    def gather(self, dim, index): return gather(self, dim, index)
    def sort(self, dim=-1, descending=False, stable=False): return sort(self, dim, descending, stable)
    def topk(self, k, dim=-1, largest=True, sorted=True): return topk(self, k, dim, largest, sorted)

    @property
    def mT(self):
        """Transpose of the last two dimensions (a batch of matrices)."""
        return transpose(self, -2, -1)

    # activations of module 02, as methods (found there when it is installed)
    def relu(self): return _activation("relu")(self)
    def sigmoid(self): return _activation("sigmoid")(self)
    def tanh(self): return _activation("tanh")(self)
    def softmax(self, dim): return _activation("softmax")(self, dim=dim)
    def log_softmax(self, dim): return _activation("log_softmax")(self, dim=dim)

    # in-place updates: allowed on data that autograd does not track (e.g. under no_grad)
    def add_(self, other, alpha=1): return _inplace(self, "add_", np.add, other, alpha)
    def sub_(self, other, alpha=1): return _inplace(self, "sub_", np.subtract, other, alpha)
    def mul_(self, other): return _inplace(self, "mul_", np.multiply, other)
    def div_(self, other): return _inplace(self, "div_", np.true_divide, other)
    def __iadd__(self, other): return self.add_(other)
    def __isub__(self, other): return self.sub_(other)
    def __imul__(self, other): return self.mul_(other)
    def __itruediv__(self, other): return self.div_(other)
    def zero_(self): return _assign(self, "zero_", ..., 0)
    def fill_(self, value): return _assign(self, "fill_", ..., value)
    def copy_(self, src): return _assign(self, "copy_", ..., src)
    def __setitem__(self, index, value): _assign(self, "__setitem__", index, value)

    def uniform_(self, a=0.0, b=1.0, generator=None):
        rng = (generator or default_generator).rng
        return _assign(self, "uniform_", ..., rng.uniform(a, b, self.data.shape))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        rng = (generator or default_generator).rng
        return _assign(self, "normal_", ..., rng.normal(mean, std, self.data.shape))

    def clamp_(self, min=None, max=None):
        return _assign(self, "clamp_", ..., clamp(Tensor.from_array(self.data), min, max))


# %% [markdown]
"""
### Testing the Tensor class

Construction, the dtype rules through the constructor, and the properties. The stride checks use
NumPy arrays that are already transposed or sliced, because those are the interesting cases.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-class-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_tensor_class():
    t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3), f"shape should be (2, 3), got {t.shape}"
    assert t.dtype == np.float32, f"Python floats should give float32, got {t.dtype}"
    assert t.ndim == 2 and t.numel() == 6 and isinstance(t.numel(), int)
    assert Tensor([1, 2]).dtype == np.int64
    assert Tensor(np.zeros(3)).dtype == np.float64, "a NumPy array keeps its dtype"
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    again = Tensor(t)
    assert np.shares_memory(again.data, t.data), "Tensor(tensor) wraps the same array"
    assert t.requires_grad is False and t.grad is None
    assert Tensor([1.0], requires_grad=True).requires_grad is True

    assert t.stride() == (3, 1), f"a fresh (2, 3) tensor has strides (3, 1) in elements, got {t.stride()}"
    assert t.stride(0) == 3 and t.stride(-1) == 1
    assert t.is_contiguous() is True
    transposed = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3).T)
    assert transposed.stride() == (1, 3), f"transposed strides should be (1, 3), got {transposed.stride()}"
    assert transposed.is_contiguous() is False, "a transposed array is not contiguous"
    column = Tensor(np.arange(12.0).reshape(3, 4)[:, 1])
    assert column.stride() == (4,) and not column.is_contiguous()
    print("t =", t)
    ### BEGIN HIDDEN TESTS
    scalar = Tensor(7)
    assert scalar.shape == () and scalar.ndim == 0 and scalar.numel() == 1 and scalar.stride() == ()
    empty_t = Tensor(np.zeros((0, 3)))
    assert empty_t.numel() == 0 and empty_t.shape == (0, 3)
    wide = Tensor(np.zeros((2, 3, 4), dtype=np.float64))
    assert wide.stride() == (12, 4, 1) and wide.stride(-3) == 12
    try:
        Tensor([1, 2], requires_grad=True)
        raise AssertionError("an int tensor cannot require gradients")
    except TypeError:
        pass
    try:
        t.stride(2)
        raise AssertionError("stride(2) of a 2-d tensor must raise IndexError")
    except IndexError:
        pass
    ### END HIDDEN TESTS
    print("✅ Tensor stores its data and describes its shape, dtype and layout")


test_unit_tensor_class()

# %% [markdown]
"""
### Step 3: The extension point for autograd (given)

In the Autograd module you will teach this Tensor to compute gradients. Earlier courses did that by
*monkey-patching*: replacing Tensor's methods at import time, so the class behaved differently
depending on what had been imported, and the code you read was not the code that ran. TinyTorch
declares the extension point here instead, in three parts:

1. **Every differentiable operation builds its result with `record_op(data, op, inputs, attrs)`**:
   `data` is the NumPy result, `op` the operation's name (such as `"add"`), `inputs` the input Tensors,
   and `attrs` whatever the gradient will need (for a sum, the `dim` and `keepdim`).
   `record_op` wraps the data and, if an autograd engine is installed, tells it how the tensor was made.
   Without one, `record_op` is just `Tensor.from_array`.
2. **`register_autograd(record, backward)`** installs the engine: `record` is called by `record_op`,
   and `backward` is called by `Tensor.backward()`. (An optional third hook, `is_grad_enabled`, lets
   the in-place operations of Step 9 ask whether autograd is recording.)
3. **`OPS`** lists every differentiable operation and the module that declared it. The autograd engine
   must supply a gradient for each one, and its tests check that it does; a later module adds an
   operation with `register_op(name, module)`.

You do not write this code, but every operation you write from now on ends with `return record_op(...)`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-extension-point", "locked": true, "schema_version": 3, "solution": false}}
#| export
class _AutogradHooks:
    record = None      # record(op: str, out: Tensor, inputs: tuple[Tensor, ...], attrs: dict | None)
    backward = None    # backward(root: Tensor, gradient: Tensor | None, retain_graph: bool) -> None
    is_grad_enabled = None   # is_grad_enabled() -> bool: are ops being recorded now? (for in-place checks)


_HOOKS = _AutogradHooks()

# Every differentiable op, by name, with the module that declared it. Autograd must provide a
# gradient for each entry, and the gradient oracle tests each one: adding an op here without a
# gradient rule or an oracle case makes a test fail.
OPS = {}


def register_op(name, module):
    """Declare a differentiable op `name` (defined in `module`). Returns `name` for convenience."""
    if name in OPS and OPS[name] != module:
        raise ValueError(f"op '{name}' is already declared by {OPS[name]}; pick another name")
    OPS[name] = module
    return name


for _name in ("add", "sub", "mul", "div", "pow", "neg", "matmul", "exp", "log", "sum", "mean",
              "max", "min", "reshape", "transpose", "permute", "getitem", "cast"):
    register_op(_name, "01_tensor")


def register_autograd(record, backward, is_grad_enabled=None):
    """Install the autograd engine (called once by tinytorch.core.autograd). Pass None to remove it.

    `is_grad_enabled` (optional) tells in-place operations whether ops are being recorded; when not
    given it is kept as it was, and removing the engine (record=None) removes it too.
    """
    _HOOKS.record = record
    _HOOKS.backward = backward
    if record is None:
        _HOOKS.is_grad_enabled = None
    elif is_grad_enabled is not None:
        _HOOKS.is_grad_enabled = is_grad_enabled


def record_op(data, op, inputs, attrs=None):
    """Wrap the raw result of op `op` and let autograd (if installed) record how it was made."""
    if not isinstance(data, np.ndarray):      # NumPy returns scalars for 0-d results; keep .data an array
        data = np.asarray(data)
    out = Tensor.from_array(data)
    record = _HOOKS.record
    if record is not None:
        record(op, out, inputs, attrs)
    return out


# %% [markdown]
"""
### Testing the extension point

A toy "engine" that only writes down what it is told shows the contract: which operation, which
inputs, which attributes. `clone()` and `contiguous()` (given in the class) already use `record_op`.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-extension-point-tests", "locked": true, "points": 1, "schema_version": 3, "solution": false}}
def test_unit_extension_point():
    assert OPS["add"] == "01_tensor" and "matmul" in OPS and "getitem" in OPS
    assert register_op("add", "01_tensor") == "add", "declaring the same op again from the same module is fine"
    try:
        register_op("add", "99_elsewhere")
        raise AssertionError("declaring an op that another module owns must raise ValueError")
    except ValueError as exc:
        assert "add" in str(exc)

    seen = []
    saved = (_HOOKS.record, _HOOKS.backward)
    register_autograd(lambda op, out, inputs, attrs: seen.append((op, out, inputs, attrs)),
                      lambda root, gradient, retain_graph=False: seen.append(("backward", root, gradient)))
    try:
        x = Tensor(np.arange(6.0).reshape(2, 3).T)
        out = record_op(np.float32(2.5), "mul", (x, x), {"note": 1})
        assert isinstance(out.data, np.ndarray) and out.shape == (), "record_op keeps .data an ndarray"
        assert seen[-1][0] == "mul" and seen[-1][1] is out and seen[-1][2] == (x, x)
        copy = x.contiguous()
        assert copy.is_contiguous() and seen[-1][0] == "reshape" and seen[-1][2] == (x,)
        x.backward()
        assert seen[-1] == ("backward", x, None), "Tensor.backward() must hand over to the engine"
    finally:
        register_autograd(*saved)
    if _HOOKS.backward is None:
        try:
            Tensor([1.0]).backward()
            raise AssertionError("without an engine, backward() must raise RuntimeError")
        except RuntimeError as exc:
            assert "autograd" in str(exc)
    ### BEGIN HIDDEN TESTS
    before = len(seen)
    Tensor([1.0]).clone()
    assert len(seen) == before, "after register_autograd(None, None)-style restore nothing is recorded"
    ### END HIDDEN TESTS
    print("✅ operations report to the autograd hook; backward() is delegated")


test_unit_extension_point()

# %% [markdown]
"""
### Step 4: Creating tensors, with a seeded generator

Most tensors are not typed in by hand: they are made by helpers such as `zeros`, `ones`, `arange` or
`randn`. Random numbers come from a **generator** with a seed, so that "random" weights are the same on
every run (and on every student's machine). `manual_seed(s)` resets the default generator; a
`Generator(seed)` object gives an independent stream that other code cannot disturb.

| helper | PyTorch equivalent | default dtype |
|---|---|---|
| `tensor(data)` | `torch.tensor` (always copies) | from the data (Step 1 rules) |
| `from_numpy(a)` | `torch.from_numpy` (shares memory) | `a.dtype` |
| `zeros`, `ones`, `empty`, `full`, `*_like` | same names | `float32` (`full`: from the fill value) |
| `arange`, `linspace`, `eye` | same names | `int64` for all-int `arange`, else `float32` |
| `rand`, `randn`, `randint` | same names | `float32` (`randint`: `int64`) |

*Given:* the `Generator`, and every helper except the three you write. `_finish(array, dtype,
requires_grad)` wraps a freshly made array (converting to `dtype` if one is given) and sets
`requires_grad`.

**Your task:** `tensor`, `zeros` and `randn`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-creation", "locked": false, "schema_version": 3, "solution": true}}
#| export
class Generator:
    """A seeded source of random numbers (wraps NumPy's PCG64 generator)."""

    def __init__(self, seed=None):
        self.manual_seed(seed)

    def manual_seed(self, seed):
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        return self


default_generator = Generator(0)


def manual_seed(seed):
    """Reseed the default generator, so that rand/randn/randint and layer initialisation repeat."""
    return default_generator.manual_seed(seed)


def _check_device(device, op):
    """Given: accept device=None/"cpu"/torch.device("cpu") as PyTorch code passes it; refuse any other."""
    if device is not None and str(device) != "cpu":
        raise ValueError(f"{op}: tinytorch runs on the CPU only; got device {str(device)!r}")


def _finish(arr, dtype, requires_grad):
    """Given: wrap a new array (converted to `dtype` if given) and set requires_grad."""
    t = Tensor.from_array(arr if dtype is None else arr.astype(dtype, copy=False))
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, requires_grad=False, device=None):
    """Make a Tensor from data, like torch.tensor: the result NEVER shares memory with `data`.

    - If `data` is a Tensor, start from its array (`data.data`).
    - Convert with `_to_array(data, dtype)`. For NumPy input _to_array returns the same array object
      (no copy); in that case copy it (`arr.copy()`), so changing the tensor cannot change the input.
    - Return `_finish(arr, None, requires_grad)`.
    """
    _check_device(device, "tensor")
    ### BEGIN SOLUTION
    if isinstance(data, Tensor):
        data = data.data
    arr = _to_array(data, dtype)
    if arr is data:
        arr = arr.copy()
    return _finish(arr, None, requires_grad)
    ### END SOLUTION


def from_numpy(array):
    """A Tensor that shares memory with `array` and keeps its dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def zeros(*size, dtype=None, requires_grad=False, device=None):
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3)); dtype defaults to DEFAULT_DTYPE (float32).

    HINT: `_shape_args(size, "zeros")` turns both spellings into a tuple and rejects negative sizes;
    `np.zeros(shape, dtype=...)` makes the array; `_finish(arr, None, requires_grad)` wraps it.
    """
    _check_device(device, "zeros")
    ### BEGIN SOLUTION
    arr = np.zeros(_shape_args(size, "zeros"), dtype=dtype or DEFAULT_DTYPE)
    return _finish(arr, None, requires_grad)
    ### END SOLUTION


def ones(*size, dtype=None, requires_grad=False, device=None):
    _check_device(device, "ones")
    return _finish(np.ones(_shape_args(size, "ones"), dtype=dtype or DEFAULT_DTYPE), None, requires_grad)


def empty(*size, dtype=None, requires_grad=False, device=None):
    """Uninitialised memory: the values are whatever was there (fast; overwrite before use)."""
    _check_device(device, "empty")
    return _finish(np.empty(_shape_args(size, "empty"), dtype=dtype or DEFAULT_DTYPE), None, requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False, device=None):
    _check_device(device, "full")
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = np.bool_
        elif isinstance(fill_value, numbers.Integral):
            dtype = np.int64
        else:
            dtype = DEFAULT_DTYPE
    return _finish(np.full(_shape_args((size,), "full"), fill_value, dtype=dtype), None, requires_grad)


def zeros_like(t, dtype=None, requires_grad=False, device=None):
    _check_device(device, "zeros_like")
    return _finish(np.zeros(t.shape, dtype=dtype or t.dtype), None, requires_grad)


def ones_like(t, dtype=None, requires_grad=False, device=None):
    _check_device(device, "ones_like")
    return _finish(np.ones(t.shape, dtype=dtype or t.dtype), None, requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False, device=None):
    _check_device(device, "full_like")
    return _finish(np.full(t.shape, fill_value, dtype=dtype or t.dtype), None, requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None):
    _check_device(device, "arange")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError(f"arange: step must be non-zero (start={start}, end={end})")
    ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    arr = np.arange(start, end, step, dtype=dtype or (np.int64 if ints else DEFAULT_DTYPE))
    return _finish(arr, None, requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None):
    _check_device(device, "linspace")
    return _finish(np.linspace(start, end, steps, dtype=dtype or DEFAULT_DTYPE), None, requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    _check_device(device, "eye")
    return _finish(np.eye(n, m, dtype=dtype or DEFAULT_DTYPE), None, requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False, device=None):
    """Uniform random numbers in [0, 1)."""
    _check_device(device, "rand")
    rng = (generator or default_generator).rng
    return _finish(rng.random(_shape_args(size, "rand"), dtype=np.float64), dtype or DEFAULT_DTYPE, requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad=False, device=None):
    """Standard normal random numbers (mean 0, standard deviation 1), drawn from `generator`.

    - Use `generator` if one is given, else `default_generator`; its NumPy generator is `.rng`.
    - Draw with `rng.standard_normal(shape)` (shape from `_shape_args(size, "randn")`); NumPy draws
      float64, so pass `dtype or DEFAULT_DTYPE` to `_finish`, which converts.
    """
    _check_device(device, "randn")
    ### BEGIN SOLUTION
    rng = (generator or default_generator).rng
    arr = rng.standard_normal(_shape_args(size, "randn"))
    return _finish(arr, dtype or DEFAULT_DTYPE, requires_grad)
    ### END SOLUTION


def randint(low, high=None, size=(), generator=None, dtype=None, device=None):
    """Random integers in [low, high). Like PyTorch: randint(high, size) or randint(low, high, size)."""
    _check_device(device, "randint")
    if isinstance(high, (tuple, list)):          # randint(10, (3,)): the second argument is the size
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: need low < high, got low={low}, high={high}")
    rng = (generator or default_generator).rng
    return _finish(rng.integers(low, high, size=_shape_args((size,), "randint")), dtype or np.int64, False)


# %% [markdown]
"""
### Testing creation helpers

Seeding must make draws repeat; `tensor` must copy and `from_numpy` must not.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-creation-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_creation():
    source = np.array([1.0, 2.0, 3.0])
    copied = tensor(source)
    assert copied.dtype == np.float64 and not np.shares_memory(copied.data, source), "tensor() must copy"
    assert np.shares_memory(from_numpy(source).data, source), "from_numpy() must share memory"
    assert tensor([1.5]).dtype == np.float32 and tensor([[1, 2]]).shape == (1, 2)
    assert tensor([1.0], requires_grad=True).requires_grad
    original = Tensor([1.0, 2.0])
    assert not np.shares_memory(tensor(original).data, original.data), "tensor(Tensor) must copy too"

    z = zeros(2, 3)
    assert z.shape == (2, 3) and z.dtype == np.float32 and float(np.abs(z.data).max()) == 0.0
    assert zeros((4,)).shape == (4,) and zeros(2, dtype=np.int64).dtype == np.int64
    try:
        zeros(2, -3)
        raise AssertionError("a negative size must raise ValueError")
    except ValueError as exc:
        assert "-3" in str(exc), f"the message should show the bad size, got: {exc}"

    manual_seed(7)
    first = randn(3, 4)
    manual_seed(7)
    second = randn(3, 4)
    assert first.shape == (3, 4) and first.dtype == np.float32
    assert np.array_equal(first.data, second.data), "the same seed must give the same numbers"
    g1, g2 = Generator(1), Generator(1)
    assert np.array_equal(randn(5, generator=g1).data, randn(5, generator=g2).data)
    big = randn(10000, generator=Generator(0))
    assert abs(float(big.data.mean())) < 0.05 and abs(float(big.data.std()) - 1.0) < 0.05, "randn is N(0, 1)"
    assert randn(2, dtype=np.float64).dtype == np.float64
    ### BEGIN HIDDEN TESTS
    assert tensor(np.float64(2.0)).dtype == np.float64
    assert zeros(()).shape == () and zeros(0).numel() == 0
    assert zeros(2, requires_grad=True).requires_grad
    assert not np.array_equal(randn(4, generator=Generator(1)).data, randn(4, generator=Generator(2)).data)
    assert randn((2, 2)).shape == (2, 2)
    ### END HIDDEN TESTS
    print("✅ creation helpers: copies where PyTorch copies, repeatable random numbers")


test_unit_creation()

# %% [markdown]
"""
### Step 5: Elementwise arithmetic with broadcasting

`add`, `sub`, `mul` and `div` all follow one recipe, so you write it once in `_binary(op, fn, a, b)`:

1. make both operands Tensors (`_operands`, given: a Python number takes the dtype of the Tensor
   beside it, so `float32_tensor * 2.0` stays `float32`, as in PyTorch);
2. compute `fn(a.data, b.data)` with NumPy, which broadcasts;
3. if NumPy raises `ValueError`, the shapes do not broadcast: raise the given `_broadcast_error(op,
   a.data, b.data)` instead, which names both shapes and the dimension that clashes;
4. apply the dtype rule `_keep_float32` (given: NumPy turns `int / int` and `int32 + float32` into
   `float64`; PyTorch keeps `float32`);
5. return `record_op(out, op, (a, b))` so autograd can record the operation.

You also write `pow` (which has one more rule: an integer raised to a negative integer power is a
fraction, so compute it in float) and `exp`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-elementwise", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given ------------------------------------------------------------------------------------------
def _broadcast_error(op, a, b):
    """A ValueError naming both shapes and the first dimension (from the right) where they clash."""
    sa, sb = a.shape, b.shape
    n = len(sa) if len(sa) > len(sb) else len(sb)
    pa, pb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return ValueError(
                f"{op}: shapes {sa} and {sb} cannot be broadcast together: aligned from the right, "
                f"dimension {i - n} is {pa[i]} in the first and {pb[i]} in the second "
                "(sizes must match or one of them must be 1)"
            )
    return ValueError(f"{op}: shapes {sa} and {sb} cannot be broadcast together")


def _operand(x, like):
    """Turn a Python number or array-like into a Tensor whose dtype suits the Tensor `like`."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, numbers.Number) and not isinstance(x, np.ndarray):
        kind = like.data.dtype.kind
        if kind == "f" or (kind in "iub" and isinstance(x, numbers.Integral)):
            dtype = like.data.dtype if kind != "b" or isinstance(x, bool) else np.int64
        else:
            dtype = DEFAULT_DTYPE
        return Tensor.from_array(np.asarray(x, dtype=dtype))
    return Tensor(x)


def _operands(a, b):
    """Both operands as Tensors (at least one of them usually is one already)."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a)
    if not isinstance(a, Tensor):
        a = _operand(a, b)
    if not isinstance(b, Tensor):
        b = _operand(b, a)
    return a, b


def _keep_float32(out, a, b):
    """NumPy promotes int/int division and int-float mixes to float64; PyTorch keeps float32."""
    if out.dtype == _F64 and a.dtype != _F64 and b.dtype != _F64:
        return out.astype(DEFAULT_DTYPE)
    return out


def _true_divide(x, y):
    """x / y where dividing by zero (or overflowing) gives inf or nan quietly, as in PyTorch."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.true_divide(x, y)


def _floating(a):
    """The array of `a`, as float32 if it holds ints or bools (exp and log of ints are floats)."""
    return a.data if a.data.dtype.kind == "f" else a.data.astype(DEFAULT_DTYPE)


# ---- your part --------------------------------------------------------------------------------------
def _binary(op, fn, a, b):
    """Apply the NumPy function `fn` elementwise to a and b with broadcasting; follow steps 1-5 above.

    Also turn a TypeError from NumPy (for example subtracting two bool tensors) into
    TypeError(f"{op}: not supported for dtypes {a.dtype} and {b.dtype} (...)").
    """
    ### BEGIN SOLUTION
    a, b = _operands(a, b)
    try:
        out = fn(a.data, b.data)
    except ValueError:
        raise _broadcast_error(op, a.data, b.data) from None
    except TypeError as exc:
        raise TypeError(f"{op}: not supported for dtypes {a.data.dtype} and {b.data.dtype} ({exc})") from None
    return record_op(_keep_float32(out, a.data, b.data), op, (a, b))
    ### END SOLUTION


def add(a, b):
    """a + b elementwise, with broadcasting."""
    return _binary("add", np.add, a, b)


def sub(a, b):
    """a - b elementwise, with broadcasting."""
    return _binary("sub", np.subtract, a, b)


def mul(a, b):
    """a * b elementwise, with broadcasting."""
    return _binary("mul", np.multiply, a, b)


def div(a, b):
    """a / b elementwise (true division: ints give floats), with broadcasting."""
    return _binary("div", _true_divide, a, b)


def pow(a, exponent):
    """a ** exponent elementwise, with broadcasting.

    - Make both Tensors with `_operands(a, exponent)`.
    - If both arrays hold integers (dtype kind in "biu") and any exponent is negative, compute with
      the base converted to DEFAULT_DTYPE: 2 ** -1 is 0.5, not 0.
    - Compute np.power inside `with np.errstate(divide="ignore", invalid="ignore", over="ignore"):`
      (0 ** -1 is inf, (-8) ** 0.5 is nan, quietly); on ValueError raise `_broadcast_error("pow", ...)`.
    - Return `record_op(_keep_float32(out, a.data, exponent.data), "pow", (a, exponent))`.
    """
    ### BEGIN SOLUTION
    a, exponent = _operands(a, exponent)
    base, e = a.data, exponent.data
    if base.dtype.kind in "biu" and e.dtype.kind in "biu" and (e < 0).any():
        base = base.astype(DEFAULT_DTYPE)
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.power(base, e)
    except ValueError:
        raise _broadcast_error("pow", a.data, exponent.data) from None
    return record_op(_keep_float32(out, a.data, exponent.data), "pow", (a, exponent))
    ### END SOLUTION


def neg(a):
    """-a elementwise."""
    if a.data.dtype.kind == "b":
        raise TypeError("neg: negating a bool tensor is not supported; convert it first with .long() or .float()")
    return record_op(np.negative(a.data), "neg", (a,))


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


def log(a):
    """Natural logarithm elementwise (log 0 = -inf, log of a negative number = nan, as in PyTorch)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return record_op(np.log(_floating(a)), "log", (a,))


# %% [markdown]
"""
### Testing elementwise arithmetic

Each result is compared with NumPy, for broadcast shapes and for operands that are not contiguous.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-elementwise-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_elementwise():
    a_np = np.arange(6, dtype=np.float32).reshape(2, 3)
    b_np = np.array([10.0, 20.0, 30.0], dtype=np.float32)
    a, b = Tensor(a_np), Tensor(b_np)
    np.testing.assert_allclose((a + b).data, a_np + b_np)
    np.testing.assert_allclose((a - b).data, a_np - b_np)
    np.testing.assert_allclose((a * b).data, a_np * b_np)
    np.testing.assert_allclose((a / b).data, a_np / b_np, rtol=1e-6)
    assert (a + b).shape == (2, 3) and isinstance(a + b, Tensor)
    np.testing.assert_allclose((2 - a).data, 2 - a_np)
    np.testing.assert_allclose((1 / (a + 1)).data, 1 / (a_np + 1), rtol=1e-6)
    assert (a * 2.0).dtype == np.float32, "a Python float must not promote float32 to float64"
    col = Tensor(a_np.T)                                   # (3, 2), not contiguous
    np.testing.assert_allclose((col + Tensor([[1.0], [2.0], [3.0]])).data, a_np.T + [[1.0], [2.0], [3.0]])

    ints = Tensor([1, 2, 4])
    assert (ints / ints).dtype == np.float32, "int / int is float32"
    assert (ints + 1).dtype == np.int64 and (ints + 0.5).dtype == np.float32
    np.testing.assert_allclose((ints ** -1).data, [1.0, 0.5, 0.25])
    assert (ints ** -1).dtype == np.float32
    np.testing.assert_allclose((a ** 2).data, a_np ** 2)
    np.testing.assert_allclose((2 ** a).data, 2 ** a_np, rtol=1e-6)
    np.testing.assert_allclose((-a).data, -a_np)
    np.testing.assert_allclose(exp(a).data, np.exp(a_np), rtol=1e-6)
    np.testing.assert_allclose(log(a + 1).data, np.log(a_np + 1), rtol=1e-6)
    assert exp(ints).dtype == np.float32, "exp of ints is float32"

    try:
        Tensor(np.zeros((2, 3))) + Tensor(np.zeros((3, 2)))
        raise AssertionError("(2, 3) + (3, 2) must raise ValueError")
    except ValueError as exc:
        assert "(2, 3)" in str(exc) and "(3, 2)" in str(exc), f"the message should name both shapes: {exc}"
    ### BEGIN HIDDEN TESTS
    x = Tensor(np.array([1.0, 2.0], dtype=np.float64))
    assert (x + 1.0).dtype == np.float64, "a float64 tensor stays float64"
    assert (Tensor(np.array([1], dtype=np.int32)) + Tensor([1.5])).dtype == np.float32
    zero = Tensor([0.0, 1.0])
    assert np.isinf((1 / zero).data[0]), "x / 0 is inf, without an exception"
    assert (Tensor([4]) ** 0.5).dtype == np.float32
    try:
        Tensor([True]) - Tensor([False])
        raise AssertionError("bool - bool must raise TypeError")
    except TypeError as exc:
        assert "sub" in str(exc)
    try:
        pow(Tensor(np.ones((2, 3))), Tensor(np.ones(4)))
        raise AssertionError("pow with shapes that do not broadcast must raise ValueError")
    except ValueError as exc:
        assert "(4,)" in str(exc)
    np.testing.assert_allclose(mul(a, b).data, a_np * b_np)
    assert add(a, b).shape == (2, 3)
    ### END HIDDEN TESTS
    print("✅ broadcasting arithmetic matches NumPy and keeps PyTorch's dtypes")


test_unit_elementwise()

# %% [markdown]
"""
### Step 6: Matrix multiplication

`matmul(a, b)` follows `torch.matmul` (and `np.matmul`): 2-D @ 2-D is the matrix product; a 1-D
operand is treated as a row (first) or column (second) vector and that dimension is removed from the
result; with more than two dimensions the leading ones are batch dimensions and broadcast, so
`(B, m, k) @ (k, n)` multiplies every matrix of the batch by the same `(k, n)` matrix.

The rule that matters: the first operand's **last** dimension must equal the second operand's
**second-to-last** dimension (its only dimension, if it is 1-D). When it does not, NumPy's message is
hard to read (`mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?)`). Check
the shapes yourself and raise the given `_matmul_error(sa, sb)`, which explains the rule with the
actual sizes.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-matmul", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _matmul_error(sa, sb):
    """Given: a ValueError explaining why shapes `sa` and `sb` cannot be matrix-multiplied."""
    if not sa or not sb:
        return ValueError(f"matmul: both operands need at least 1 dimension, got shapes {sa} and {sb}")
    k_a, k_b = sa[-1], (sb[-2] if len(sb) > 1 else sb[0])
    if k_a != k_b:
        where = "second-to-last" if len(sb) > 1 else "only"
        return ValueError(
            f"matmul: shapes {sa} and {sb} cannot be multiplied: the first operand's last dimension "
            f"({k_a}) must equal the second operand's {where} dimension ({k_b})"
        )
    return ValueError(f"matmul: batch dimensions of shapes {sa[:-2]} and {sb[:-2]} cannot be broadcast "
                      f"(full shapes {sa} and {sb})")


def matmul(a, b):
    """Matrix product a @ b, like torch.matmul.

    - Make both Tensors with `_operands(a, b)`.
    - If either has 0 dimensions, or the inner dimensions differ, raise `_matmul_error(a.shape, b.shape)`.
    - Compute `np.matmul(a.data, b.data)`; a ValueError now can only mean that the batch dimensions do
      not broadcast: raise `_matmul_error(...)` for that too.
    - Return `record_op(_keep_float32(out, a.data, b.data), "matmul", (a, b))`.
    """
    ### BEGIN SOLUTION
    a, b = _operands(a, b)
    sa, sb = a.data.shape, b.data.shape
    if not sa or not sb or sa[-1] != (sb[-2] if len(sb) > 1 else sb[0]):
        raise _matmul_error(sa, sb)
    try:
        out = np.matmul(a.data, b.data)
    except ValueError:
        raise _matmul_error(sa, sb) from None
    return record_op(_keep_float32(out, a.data, b.data), "matmul", (a, b))
    ### END SOLUTION


# %% [markdown]
"""
### Testing matmul

Plain, vector and batched products against NumPy, and the error message for mismatched shapes.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-matmul-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_matmul():
    g = Generator(3)
    a, b = randn(4, 3, generator=g), randn(3, 5, generator=g)
    out = a @ b
    assert out.shape == (4, 5) and out.dtype == np.float32
    np.testing.assert_allclose(out.data, a.data @ b.data, rtol=1e-5, atol=1e-6)
    v = randn(3, generator=g)
    assert (a @ v).shape == (4,) and (v @ b).shape == (5,)
    dot = v @ v
    assert dot.shape == () and isinstance(dot.data, np.ndarray), "1-D @ 1-D is a 0-d tensor"
    batch = randn(2, 4, 3, generator=g)
    np.testing.assert_allclose((batch @ b).data, batch.data @ b.data, rtol=1e-5, atol=1e-6)
    at = Tensor(a.data.T.copy().T)                        # the values of a, stored column by column
    assert not at.is_contiguous()
    np.testing.assert_allclose((at @ b).data, a.data @ b.data, rtol=1e-5, atol=1e-6)
    try:
        randn(2, 3) @ randn(2, 3)
        raise AssertionError("(2, 3) @ (2, 3) must raise ValueError")
    except ValueError as exc:
        text = str(exc)
        assert "(2, 3)" in text and "3" in text and "2" in text, f"the message should name the shapes: {text}"
    ### BEGIN HIDDEN TESTS
    ints = Tensor([[1, 2], [3, 4]])
    assert (ints @ ints).dtype == np.int64
    np.testing.assert_array_equal((ints @ ints).data, [[7, 10], [15, 22]])
    assert (ints @ Tensor([[1.0], [2.0]])).dtype == np.float32, "int @ float32 is float32"
    np.testing.assert_allclose(matmul(a, b).data, a.data @ b.data, rtol=1e-5, atol=1e-6)
    for sa, sb in (((), (3,)), ((2, 4, 3), (3, 3, 2)), ((3,), (4,))):
        try:
            zeros(*sa) @ zeros(*sb)
            raise AssertionError(f"{sa} @ {sb} must raise ValueError")
        except ValueError as exc:
            assert str(sa) in str(exc) or str(sa[:-2]) in str(exc)
    ### END HIDDEN TESTS
    print("✅ matmul matches NumPy, batched too, and explains shape mismatches")


test_unit_matmul()

# %% [markdown]
"""
### Step 7: Reductions with `dim` and `keepdim`

A reduction combines many elements into one: `sum`, `mean`, `max`, `min`. With `dim=None` it reduces
everything to a 0-d tensor; with `dim=d` (or a tuple of dims) only along those dimensions, which
disappear from the shape unless `keepdim=True` keeps them with size 1. `keepdim=True` is what makes
`x - x.mean(dim=1, keepdim=True)` broadcast correctly.

PyTorch details that we follow: `max(dim=d)` returns a pair `(values, indices)` (a named tuple);
`mean` of an integer tensor is an error (PyTorch cannot pick the output dtype), and the sum of bools
counts the `True`s as `int64`. NumPy's spellings `axis=` and `keepdims=` are accepted too.

*Given:* `_reduction_args`, which reads `dim`/`keepdim` (or `axis`/`keepdims`) and checks the dim;
`_check_float`; `argmax` and `argmin`. **Your task:** `sum`, `mean`, and `_extreme` (the common body
of `max` and `min`).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-reductions", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given ------------------------------------------------------------------------------------------
def _reduction_args(a, dim, keepdim, kw, op):
    """(dim normalised to non-negative ints or None, keepdim as bool); accepts axis=/keepdims= too."""
    if "axis" in kw:                       # NumPy spelling accepted, as PyTorch does
        dim = kw.pop("axis")
    if "keepdims" in kw:
        keepdim = kw.pop("keepdims")
    if kw:
        raise TypeError(f"{op}() got unexpected keyword argument(s) {sorted(kw)}")
    return _norm_dim(dim, a.data.ndim, op), bool(keepdim)


def _check_float(t, what):
    if t.data.dtype.kind != "f":
        raise TypeError(f"{what} needs a floating-point Tensor, got dtype {t.data.dtype}")


MaxResult = namedtuple("MaxResult", ["values", "indices"])


def _check_not_empty(a, op):
    if a.data.size == 0:
        raise ValueError(f"{op}() of an empty tensor (shape {a.shape}) has no value")


def argmax(a, dim=None, keepdim=False, **kw):
    """Index of the largest value (of the flattened tensor when dim is None), as int64."""
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, "argmax")
    _check_not_empty(a, "argmax")
    if isinstance(dim, tuple):
        raise TypeError(f"argmax() takes a single dim, got {dim}")
    return Tensor.from_array(np.asarray(np.argmax(a.data, axis=dim, keepdims=keepdim), dtype=np.int64))


def argmin(a, dim=None, keepdim=False, **kw):
    """Index of the smallest value (of the flattened tensor when dim is None), as int64."""
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, "argmin")
    _check_not_empty(a, "argmin")
    if isinstance(dim, tuple):
        raise TypeError(f"argmin() takes a single dim, got {dim}")
    return Tensor.from_array(np.asarray(np.argmin(a.data, axis=dim, keepdims=keepdim), dtype=np.int64))


# ---- your part --------------------------------------------------------------------------------------
def sum(a, dim=None, keepdim=False, **kw):
    """Sum over `dim` (all dims when None); bools are counted as int64.

    Record it as record_op(np.asarray(out), "sum", (a,), {"dim": dim, "keepdim": keepdim}) with the
    normalised dim and keepdim (autograd needs them to spread the gradient back).
    HINT: np.sum(x, axis=dim, keepdims=keepdim) does the arithmetic; np.sum of a whole array returns a
    NumPy scalar, which np.asarray turns into a 0-d array.
    """
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, "sum")
    ### BEGIN SOLUTION
    out = np.sum(a.data, axis=dim, keepdims=keepdim)
    if a.data.dtype.kind == "b":
        out = out.astype(np.int64)
    return record_op(np.asarray(out), "sum", (a,), {"dim": dim, "keepdim": keepdim})
    ### END SOLUTION


def mean(a, dim=None, keepdim=False, **kw):
    """Mean over `dim`; only for floating-point tensors (call _check_float(a, "mean") first).

    Record it as "mean" with attrs {"dim": dim, "keepdim": keepdim}, like sum.
    """
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, "mean")
    ### BEGIN SOLUTION
    _check_float(a, "mean")
    axis = dim if a.data.ndim else None        # a 0-d tensor has no axis 0 in NumPy; PyTorch allows dim=0
    out = np.mean(a.data, axis=axis, keepdims=keepdim)
    return record_op(np.asarray(out), "mean", (a,), {"dim": dim, "keepdim": keepdim})
    ### END SOLUTION


def _extreme(a, dim, keepdim, kw, op, reduce, arg):
    """The body of max and min. `reduce` is np.max or np.min, `arg` is np.argmax or np.argmin.

    - Read the arguments with _reduction_args; call _check_not_empty(a, op); a tuple dim is a
      TypeError ("takes a single dim").
    - values = record_op(np.asarray(reduce(a.data, axis=dim, keepdims=keepdim)), op, (a,),
      {"dim": dim, "keepdim": keepdim}).
    - With dim None return `values`. Otherwise also compute the int64 indices with `arg` (keepdims
      like the values) and return MaxResult(values, Tensor.from_array(indices)).
    """
    ### BEGIN SOLUTION
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, op)
    _check_not_empty(a, op)
    if isinstance(dim, tuple):
        raise TypeError(f"{op}() takes a single dim, got {dim}")
    values = record_op(np.asarray(reduce(a.data, axis=dim, keepdims=keepdim)), op, (a,),
                     {"dim": dim, "keepdim": keepdim})
    if dim is None:
        return values
    indices = np.asarray(arg(a.data, axis=dim, keepdims=keepdim), dtype=np.int64)
    return MaxResult(values, Tensor.from_array(indices))
    ### END SOLUTION


def max(a, dim=None, keepdim=False, **kw):
    """Largest value; with `dim`, a (values, indices) pair as in PyTorch; max(a, b) of two tensors is maximum."""
    if isinstance(dim, Tensor):
        return maximum(a, dim)
    return _extreme(a, dim, keepdim, kw, "max", np.max, np.argmax)


def min(a, dim=None, keepdim=False, **kw):
    """Smallest value; with `dim`, a (values, indices) pair as in PyTorch; min(a, b) of two tensors is minimum."""
    if isinstance(dim, Tensor):
        return minimum(a, dim)
    return _extreme(a, dim, keepdim, kw, "min", np.min, np.argmin)


# %% [markdown]
"""
### Testing reductions

Every combination of `dim` and `keepdim` on a 3-D tensor, against NumPy.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-reductions-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_reductions():
    x_np = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 10
    x = Tensor(x_np)
    assert x.sum().shape == () and float(x.sum().item()) == float(np.sum(x_np))
    for dim in (0, 1, 2, -1, (0, 2)):
        for keepdim in (False, True):
            np.testing.assert_allclose(x.sum(dim, keepdim).data, np.sum(x_np, axis=dim, keepdims=keepdim))
            np.testing.assert_allclose(x.mean(dim=dim, keepdim=keepdim).data,
                                       np.mean(x_np, axis=dim, keepdims=keepdim), rtol=1e-6)
    assert x.sum(1, keepdim=True).shape == (2, 1, 4) and x.sum(1).shape == (2, 4)
    values, indices = x.max(dim=1)
    np.testing.assert_array_equal(values.data, np.max(x_np, axis=1))
    np.testing.assert_array_equal(indices.data, np.argmax(x_np, axis=1))
    assert indices.dtype == np.int64
    assert x.max().item() == 13.0 and x.min().item() == -10.0
    assert x.min(dim=2, keepdim=True).values.shape == (2, 3, 1)
    assert argmax(x).item() == 23 and x.argmin(dim=0).shape == (3, 4)
    assert Tensor([True, False, True]).sum().item() == 2
    centred = x - x.mean(dim=2, keepdim=True)
    np.testing.assert_allclose(centred.mean(dim=2).data, np.zeros((2, 3)), atol=1e-5)
    try:
        x.sum(dim=3)
        raise AssertionError("dim=3 on a 3-d tensor must raise IndexError")
    except IndexError as exc:
        assert "3" in str(exc)
    try:
        Tensor([1, 2]).mean()
        raise AssertionError("mean of ints must raise TypeError")
    except TypeError:
        pass
    ### BEGIN HIDDEN TESTS
    np.testing.assert_allclose(x.sum(axis=0, keepdims=True).data, np.sum(x_np, axis=0, keepdims=True))
    np.testing.assert_allclose(sum(x, -2).data, np.sum(x_np, axis=-2))
    assert isinstance(x.sum().data, np.ndarray)
    m = min(x, 0)
    np.testing.assert_array_equal(m.indices.data, np.argmin(x_np, axis=0))
    try:
        Tensor(np.zeros((0, 2))).max()
        raise AssertionError("max of an empty tensor must raise ValueError")
    except ValueError as exc:
        assert "(0, 2)" in str(exc)
    try:
        x.sum(dim=(1, 1))
        raise AssertionError("a repeated dim must raise ValueError")
    except ValueError:
        pass
    ### END HIDDEN TESTS
    print("✅ reductions honour dim and keepdim")


test_unit_reductions()

# %% [markdown]
"""
### Step 8: Reshape, transpose, permute and indexing: views and copies

These operations change how the numbers are *seen*, not the numbers. A **view** is a new tensor that
shares the storage of the old one, with different shape, strides or offset; it costs no memory and no
time, whatever the size. A **copy** allocates and fills new storage.

| operation | view or copy? | why |
|---|---|---|
| `transpose(0, 1)`, `permute(...)`, `.T` | always a view | swapping strides is enough |
| basic indexing `t[1]`, `t[:, 2:5]`, `t[::2]` | always a view | a new offset and new strides |
| `reshape` of a contiguous tensor | a view | the row-major order is unchanged |
| `reshape` of a non-contiguous tensor (e.g. after a transpose) | a copy | the order of elements in storage no longer matches; no strides can describe the new shape |
| advanced indexing `t[[0, 2]]`, `t[mask]` | a copy | arbitrary elements cannot be described by strides |
| `contiguous()` of a non-contiguous tensor, `clone()` | a copy | that is their purpose |

Views have one trap: writing through a view changes the original. NumPy's `reshape`, `transpose` and
indexing already make views exactly in these cases, so your code stays short; the tests check that the
views really share memory.

**Your task:** `reshape` (sizes via `_shape_args(shape, "reshape", allow_infer=True)`, so one size may be
`-1`), `transpose`, `permute`, and `_index` (what `t[index]` calls).
Record them for autograd as the table of the extension point expects:
- reshape: `record_op(out, "reshape", (a,), {"shape": <the INPUT's shape>})` (the gradient is reshaped back);
- transpose and permute: both as `"permute"` with `{"dims": <the full permutation, a tuple>}`;
- indexing: `"getitem"` with `{"index": index}`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-shape-ops", "locked": false, "schema_version": 3, "solution": true}}
#| export
def reshape(a, *shape):
    """The same elements in a new shape: reshape(t, 2, 3) or reshape(t, (2, -1)).

    On ValueError from NumPy raise ValueError(f"reshape: cannot reshape a tensor of shape {a.shape}
    ({a.numel()} elements) into shape {shape}").
    """
    ### BEGIN SOLUTION
    shape = _shape_args(shape, "reshape", allow_infer=True)
    try:
        out = a.data.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {a.shape} ({a.data.size} elements) "
                         f"into shape {shape}") from None
    return record_op(out, "reshape", (a,), {"shape": a.data.shape})
    ### END SOLUTION


def transpose(a, dim0, dim1):
    """Swap two dimensions (a view). Normalise both dims with _norm_dim(..., "transpose")."""
    ### BEGIN SOLUTION
    nd = a.data.ndim
    d0, d1 = _norm_dim(dim0, nd, "transpose"), _norm_dim(dim1, nd, "transpose")
    axes = list(range(nd))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return record_op(a.data.transpose(axes), "permute", (a,), {"dims": tuple(axes)})
    ### END SOLUTION


def permute(a, *dims):
    """Reorder all dimensions (a view): permute(t, 2, 0, 1) or permute(t, (2, 0, 1)); dims may be negative.

    Raise ValueError naming `dims` and the shape if they are not a permutation of range(ndim).
    """
    ### BEGIN SOLUTION
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    nd = a.data.ndim
    norm = tuple(_norm_dim(d, nd, "permute") for d in dims)
    if sorted(norm) != list(range(nd)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {nd} dimensions of shape {a.shape}")
    return record_op(a.data.transpose(norm), "permute", (a,), {"dims": norm})
    ### END SOLUTION


def _index(a, index):
    """t[index]: like NumPy indexing (basic indexing gives a view, advanced indexing a copy).

    Tensors used as indices (alone or inside a tuple) are replaced by their arrays. On IndexError
    raise IndexError(f"index {index!r} is invalid for a tensor of shape {a.shape}: {exc}").
    NumPy returns a scalar for a single element: wrap the result with np.asarray (or let record_op do it).
    """
    ### BEGIN SOLUTION
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    try:
        out = a.data[index]
    except IndexError as exc:
        raise IndexError(f"index {index!r} is invalid for a tensor of shape {a.shape}: {exc}") from None
    return record_op(np.asarray(out), "getitem", (a,), {"index": index})
    ### END SOLUTION


# ---- given ------------------------------------------------------------------------------------------
def cast(a, dtype):
    """The tensor converted to `dtype` (itself if it already has it). Behind .float(), .long(), .to()."""
    dtype = np.dtype(dtype)
    if dtype == a.data.dtype:
        return a
    if dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(f"cannot cast a Tensor to non-numeric dtype {dtype}")
    out = record_op(a.data.astype(dtype), "cast", (a,), {"dtype": a.data.dtype})
    if dtype.kind != "f":                 # integers carry no gradient
        out.requires_grad = False
        out.grad_fn = None
    return out


# %% [markdown]
"""
### Testing shape operations, views and copies

Besides the values, the test checks *memory*: `np.shares_memory` says whether two arrays overlap, so it
tells a view from a copy.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-shape-ops-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_shape_ops():
    x_np = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = Tensor(x_np)
    r = x.reshape(6, 4)
    assert r.shape == (6, 4) and np.shares_memory(r.data, x.data), "reshape of a contiguous tensor is a view"
    assert x.reshape(-1).shape == (24,) and reshape(x, (4, -1)).shape == (4, 6)
    t = x.transpose(0, 2)
    assert t.shape == (4, 3, 2) and np.shares_memory(t.data, x.data) and not t.is_contiguous()
    np.testing.assert_array_equal(t.data, np.swapaxes(x_np, 0, 2))
    assert t.stride() == (1, 4, 12), f"transpose swaps strides: expected (1, 4, 12), got {t.stride()}"
    p = x.permute(2, 0, 1)
    np.testing.assert_array_equal(p.data, np.transpose(x_np, (2, 0, 1)))
    np.testing.assert_array_equal(x.permute(-1, -3, -2).data, p.data)
    flat_t = t.reshape(-1)
    assert not np.shares_memory(flat_t.data, x.data), "reshape of a non-contiguous tensor must copy"
    np.testing.assert_array_equal(flat_t.data, np.swapaxes(x_np, 0, 2).reshape(-1))

    row = x[1]
    assert row.shape == (3, 4) and np.shares_memory(row.data, x.data), "basic indexing gives a view"
    np.testing.assert_array_equal(x[:, 1:, ::2].data, x_np[:, 1:, ::2])
    picked = x[[0, 1], 0]
    assert not np.shares_memory(picked.data, x.data), "advanced indexing gives a copy"
    one = x[1, 2, 3]
    assert one.shape == () and one.item() == 23.0 and isinstance(one.data, np.ndarray)
    mask = x > 20
    np.testing.assert_array_equal(x[mask].data, x_np[x_np > 20])

    bad_calls = [(lambda: x.reshape(5, 5), ValueError, "(2, 3, 4)"),
                 (lambda: x.permute(0, 1), ValueError, "(2, 3, 4)"),
                 (lambda: x.transpose(0, 3), IndexError, "dim 3")]
    for call, kind, expected in bad_calls:
        try:
            call()
            raise AssertionError(f"a bad shape operation must raise {kind.__name__}")
        except kind as exc:
            assert expected in str(exc), f"the message should contain {expected!r}: {exc}"
    ### BEGIN HIDDEN TESTS
    assert x.T.shape == (4, 3, 2) and x.flatten(1).shape == (2, 12) and x.unsqueeze(0).shape == (1, 2, 3, 4)
    assert x.view(4, 6).shape == (4, 6)
    try:
        t.view(24)
        raise AssertionError("view of a non-contiguous tensor must raise")
    except RuntimeError:
        pass
    try:
        x[5]
        raise AssertionError("x[5] on a first dimension of size 2 must raise IndexError")
    except IndexError as exc:
        assert "(2, 3, 4)" in str(exc)
    assert x[Tensor(1)].shape == (3, 4)
    assert transpose(x, -1, 0).shape == (4, 3, 2)
    assert permute(x, (1, 2, 0)).shape == (3, 4, 2)
    assert x.long().dtype == np.int64 and x.float() is x
    ### END HIDDEN TESTS
    print("✅ reshape/transpose/permute/indexing: right values, views where PyTorch gives views")


test_unit_shape_ops()

# %% [markdown]
"""
### Step 9: More operations, in-place updates (given)

Real PyTorch programs use more than the core you just wrote: `torch.cat` and `torch.stack` to join
tensors, `torch.where` to choose elementwise, `clamp`, `sqrt`, `abs`, `var`/`std`, `expand` and
`repeat`, and in-place updates such as `p -= lr * p.grad` inside `with torch.no_grad():`. They are
*given* here, so that this first module stays about the core ideas; read them, they use nothing you have
not seen: each computes its NumPy result and returns `record_op(data, op, inputs, attrs)`.

| operation | op recorded | what autograd will need (`attrs`) |
|---|---|---|
| `cat(tensors, dim)` | `cat` | the dim and each input's size along it (to split the gradient) |
| `stack(tensors, dim)` | `stack` | the new dim |
| `where(cond, a, b)` | `where` | the condition (differentiable in `a` and `b`, not in `cond`) |
| `expand(*sizes)` | `expand` | the input shape (a broadcast view: no copy) |
| `repeat(*counts)` | `repeat` | the counts and the input shape (a copy) |
| `sqrt`, `abs`, `sin`, `cos` | `sqrt`, `abs`, `sin`, `cos` | nothing |
| `clamp(min, max)` | `clamp` | the bounds |
| `maximum(a, b)`, `minimum(a, b)` | `maximum`, `minimum` | nothing |
| `tril(k)`, `triu(k)` (causal masks) | `tril`, `triu` | the diagonal `k` |
| `gather(dim, index)` | `gather` | the dim and the index (to scatter-add the gradient back) |
| `var`, `std`, `masked_fill`, `norm`, `split`, `chunk`, `unbind`, `mm`, `bmm` | built from the ops above | (no op of their own) |
| `sort(dim, descending)`, `topk(k, dim, largest)` | `gather` (values); indices are int64, not differentiable | the order found by a stable argsort |

**In-place operations** (`add_`, `sub_`, `mul_`, `div_`, `zero_`, `fill_`, `copy_`, `clamp_`,
`x[i] = v`, and `+=`, `-=`, `*=`, `/=`) change `.data` itself. Autograd records *values*; changing a
value that a recorded graph still needs would silently corrupt the gradients. So, as in PyTorch, an
in-place change of a tensor that requires grad raises `RuntimeError: a leaf Variable that requires
grad is being used in an in-place operation.` unless autograd is not recording (inside `no_grad()`),
which is exactly how an optimizer updates parameters. To know whether autograd records, `register_autograd`
accepts a third hook, `is_grad_enabled`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-more-ops", "locked": true, "schema_version": 3, "solution": false}}
#| export
# ---- given: more operations (Step 9) ----------------------------------------------------------------
for _name in ("cat", "stack", "where", "expand", "repeat", "sqrt", "abs", "clamp", "maximum", "minimum",
              "tril", "triu", "sin", "cos", "gather"):
    register_op(_name, "01_tensor")


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _tensor_list(tensors, op):
    """The Tensors of a list or tuple, for cat and stack."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}() expects a list or tuple of Tensors, got {type(tensors).__name__}")
    if len(tensors) == 0:
        raise ValueError(f"{op}() expects a non-empty list of Tensors")
    return tuple(_as_tensor(t) for t in tensors)


def _joined_dtype(arrays):
    """The dtype of joined arrays: NumPy's promotion, except that float32 with ints stays float32."""
    dtype = np.result_type(*arrays)
    if dtype == _F64 and not any(a.dtype == _F64 for a in arrays):
        return DEFAULT_DTYPE
    return dtype


def cat(tensors, dim=0):
    """Join tensors along an existing dimension `dim`; all other sizes must agree."""
    ts = _tensor_list(tensors, "cat")
    nd = ts[0].data.ndim
    if nd == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated; use stack() instead")
    d = _norm_dim(dim, nd, "cat")
    rest = ts[0].shape[:d] + ts[0].shape[d + 1:]
    for t in ts:
        if t.data.ndim != nd or t.shape[:d] + t.shape[d + 1:] != rest:
            raise ValueError(f"cat: tensors must have the same shape except in dimension {d}; "
                             f"got shapes {[t.shape for t in ts]}")
    arrays = [t.data for t in ts]
    out = np.concatenate(arrays, axis=d).astype(_joined_dtype(arrays), copy=False)
    return record_op(out, "cat", ts, {"dim": d, "sizes": tuple(t.shape[d] for t in ts)})


concat = cat


def stack(tensors, dim=0):
    """Join tensors of one shape along a NEW dimension `dim` (result has one more dimension)."""
    ts = _tensor_list(tensors, "stack")
    shape = ts[0].shape
    if any(t.shape != shape for t in ts):
        raise ValueError(f"stack: all tensors must have the same shape; got shapes {[t.shape for t in ts]}")
    d = _norm_dim(dim, len(shape) + 1, "stack")
    arrays = [t.data for t in ts]
    out = np.stack(arrays, axis=d).astype(_joined_dtype(arrays), copy=False)
    return record_op(out, "stack", ts, {"dim": d})


def _bool_mask(mask, op):
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"{op}: the condition/mask must be a bool tensor (e.g. x > 0), got dtype {m.dtype}")
    return m


def where(condition, input=None, other=None):
    """Elementwise `input` where `condition` is true, else `other` (numbers allowed), broadcasting all three.

    where(condition) alone returns the indices of the true elements, one int64 tensor per dimension.
    """
    if input is None and other is None:
        cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
        return tuple(Tensor.from_array(i.astype(np.int64)) for i in np.nonzero(cond))
    if input is None or other is None:
        raise TypeError("where(condition, input, other) needs both input and other (or neither)")
    cond = _bool_mask(condition, "where")
    a, b = _operands(input, other)
    try:
        out = np.where(cond, a.data, b.data)
    except ValueError:
        raise ValueError(f"where: shapes {cond.shape} (condition), {a.shape} and {b.shape} cannot be "
                         "broadcast together") from None
    return record_op(_keep_float32(out, a.data, b.data), "where", (a, b), {"condition": cond})


def expand(a, *sizes):
    """A broadcast view of `a` with shape `sizes` (-1 keeps a size); only size-1 dims can grow."""
    sizes = _shape_args(sizes, "expand", allow_infer=True)
    nd, lead = a.data.ndim, len(sizes) - a.data.ndim
    if lead < 0:
        raise ValueError(f"expand: the new shape {sizes} has fewer dimensions than the tensor's {a.shape}")
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise ValueError(f"expand: -1 is not allowed for a new leading dimension (sizes {sizes})")
        else:
            old = a.shape[i - lead]
            if s == -1:
                s = old
            elif old != 1 and s != old:
                raise ValueError(f"expand: cannot expand shape {a.shape} to {sizes}: dimension {i} has size {old}, "
                                 "and only a dimension of size 1 can be expanded")
        target.append(s)
    return record_op(np.broadcast_to(a.data, tuple(target)), "expand", (a,), {"shape": a.data.shape})


def repeat(a, *counts):
    """Tile `a`: repeat(2, 3) repeats it twice along dim 0 and three times along dim 1 (a copy)."""
    counts = _shape_args(counts, "repeat")
    if len(counts) < a.data.ndim:
        raise ValueError(f"repeat: give one count per dimension at least ({a.data.ndim} for shape {a.shape}), "
                         f"got {counts}")
    return record_op(np.tile(a.data, counts), "repeat", (a,), {"counts": counts, "shape": a.data.shape})


def _triangle(a, diagonal, op, fn):
    if a.data.ndim < 2:
        raise ValueError(f"{op}: needs a tensor with at least 2 dimensions (a matrix or a batch), got shape {a.shape}")
    return record_op(fn(a.data, diagonal), op, (a,), {"diagonal": int(diagonal)})


def tril(a, diagonal=0):
    """The lower triangle of the last two dims (below and on diagonal `diagonal`), zeros above."""
    return _triangle(a, diagonal, "tril", np.tril)


def triu(a, diagonal=0):
    """The upper triangle of the last two dims (on and above diagonal `diagonal`), zeros below."""
    return _triangle(a, diagonal, "triu", np.triu)


def mm(a, b):
    """Matrix product of two 2-D tensors (torch.mm): matmul that insists on matrices."""
    if a.data.ndim != 2 or _as_tensor(b).data.ndim != 2:
        raise ValueError(f"mm: both operands must be 2-D matrices, got shapes {a.shape} and {_as_tensor(b).shape}")
    return matmul(a, b)


def bmm(a, b):
    """Batched matrix product of two 3-D tensors (torch.bmm)."""
    if a.data.ndim != 3 or _as_tensor(b).data.ndim != 3 or a.shape[0] != _as_tensor(b).shape[0]:
        raise ValueError(f"bmm: both operands must be 3-D with the same batch size, got shapes {a.shape} "
                         f"and {_as_tensor(b).shape}")
    return matmul(a, b)


def split(a, split_size_or_sections, dim=0):
    """Pieces of `a` along `dim`: of size `split_size` (the last may be smaller), or of the listed sizes.
    Each piece is a slice (recorded as getitem), so gradients flow back into `a`."""
    d = _norm_dim(dim, a.data.ndim, "split")
    n = a.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or np.sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} must be non-negative and add up to {n} (dimension {d} of {a.shape})")
    else:
        step = int(split_size_or_sections)
        if step <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [step] * (n // step) + ([n % step] if n % step else [])
    pieces, start = [], 0
    for size in sizes:
        pieces.append(_index(a, (slice(None),) * d + (slice(start, start + size),)))
        start += size
    return tuple(pieces)


def chunk(a, chunks, dim=0):
    """`chunks` pieces of (nearly) equal size along `dim`, like torch.chunk."""
    if int(chunks) <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = a.shape[_norm_dim(dim, a.data.ndim, "chunk")]
    return split(a, -(-n // int(chunks)) or 1, dim)


def unbind(a, dim=0):
    """The slices of `a` along `dim`, each without that dimension."""
    d = _norm_dim(dim, a.data.ndim, "unbind")
    return tuple(_index(a, (slice(None),) * d + (i,)) for i in range(a.shape[d]))


def equal(a, b):
    """True if a and b have the same shape and the same values."""
    a, b = _as_tensor(a), _as_tensor(b)
    return a.shape == b.shape and bool(np.array_equal(a.data, b.data))


def sin(a):
    """Sine elementwise (radians); ints are computed as float32."""
    a = _as_tensor(a)
    return record_op(np.sin(_floating(a)), "sin", (a,))


def cos(a):
    """Cosine elementwise (radians); ints are computed as float32."""
    a = _as_tensor(a)
    return record_op(np.cos(_floating(a)), "cos", (a,))


def sqrt(a):
    """Square root elementwise (nan for negative numbers, as in PyTorch)."""
    a = _as_tensor(a)
    with np.errstate(invalid="ignore"):
        return record_op(np.sqrt(_floating(a)), "sqrt", (a,))


def abs(a):
    """Absolute value elementwise."""
    a = _as_tensor(a)
    return record_op(np.abs(a.data), "abs", (a,))


def clamp(a, min=None, max=None):
    """Limit every element to [min, max] (either bound may be None); bounds may be tensors."""
    a = _as_tensor(a)
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min and max")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = a if min is None else maximum(a, min)
        return out if max is None else minimum(out, max)
    out = a.data
    with np.errstate(invalid="ignore"):
        if min is not None:
            out = np.maximum(out, min)
        if max is not None:
            out = np.minimum(out, max)
    if out.dtype == _F64 and a.data.dtype != _F64:
        out = out.astype(DEFAULT_DTYPE)
    return record_op(out, "clamp", (a,), {"min": min, "max": max})


clip = clamp


def maximum(a, b):
    """The larger of a and b elementwise, with broadcasting."""
    return _binary("maximum", np.maximum, a, b)


def minimum(a, b):
    """The smaller of a and b elementwise, with broadcasting."""
    return _binary("minimum", np.minimum, a, b)


def _reduced_count(a, dim):
    """How many elements each result of a reduction over `dim` (normalised) combines."""
    if dim is None or a.data.ndim == 0:
        return a.data.size if dim is None else 1
    dims = dim if isinstance(dim, tuple) else (dim,)
    return int(np.prod([a.shape[d] for d in dims]))


def var(a, dim=None, unbiased=None, keepdim=False, *, correction=None, **kw):
    """Variance over `dim`: sum((x - mean)^2) / (n - correction); correction 1 (unbiased) by default.

    Built from mean, sub, mul, sum and div, so its gradient comes from theirs.
    """
    if isinstance(dim, bool):                  # var(x, False): the old positional `unbiased`
        dim, unbiased = None, dim
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, "var")
    _check_float(a, "var")
    if correction is not None and unbiased is not None:
        raise TypeError("var/std: give either unbiased or correction, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    n = _reduced_count(a, dim)
    centred = a - mean(a, dim, keepdim=True)
    denominator = n - correction if n > correction else 0     # 0: inf or nan, as in PyTorch
    return div(sum(centred * centred, dim, keepdim), denominator)


def std(a, dim=None, unbiased=None, keepdim=False, *, correction=None, **kw):
    """Standard deviation: sqrt(var(...)), same arguments."""
    return sqrt(var(a, dim, unbiased, keepdim, correction=correction, **kw))


def _norm(a, p, dim, keepdim):
    """The p-norm (p = 1 or 2) over `dim` (all elements when None)."""
    if p == 2 or p == "fro":
        return sqrt(sum(a * a, dim, keepdim))
    if p == 1:
        return sum(abs(a), dim, keepdim)
    raise ValueError(f"norm: only p=1 and p=2 are supported, got p={p!r}")


def masked_fill(a, mask, value):
    """A copy of `a` with `value` wherever `mask` is true (gradient flows to the other elements)."""
    m = _bool_mask(mask, "masked_fill")
    if np.broadcast_shapes(m.shape, a.shape) != a.shape:
        raise ValueError(f"masked_fill: mask of shape {m.shape} does not broadcast to the tensor's shape {a.shape}")
    fill = value if isinstance(value, Tensor) else Tensor.from_array(np.asarray(value, dtype=a.data.dtype))
    return where(m, fill, a)


def flatten(a, start_dim=0, end_dim=-1):
    return a.flatten(start_dim, end_dim)


def unsqueeze(a, dim):
    return a.unsqueeze(dim)


def squeeze(a, dim=None):
    return a.squeeze(dim)


def randperm(n, generator=None, dtype=None, device=None):
    """A random permutation of 0..n-1 (int64), drawn from `generator` (default: the seeded default)."""
    _check_device(device, "randperm")
    rng = (generator or default_generator).rng
    return _finish(rng.permutation(n).astype(np.int64), dtype, False)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if every element of a is close to b: |a - b| <= atol + rtol * |b|."""
    return bool(np.allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def _logical_reduce(a, fn, dim, keepdim, op):
    """x.any() / x.all(), over everything or along `dim` (a bool tensor, not recorded)."""
    axis = None if dim is None else _norm_dim(dim, a.data.ndim or 1, op)
    if a.data.ndim == 0:
        axis = None
    return Tensor.from_array(np.asarray(fn(a.data, axis=axis, keepdims=keepdim)))


def _index_array(index, op):
    """The integer NumPy array of an index tensor (gather's `index`)."""
    idx = index.data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}(): the index must be an integer (int64) tensor, got dtype {idx.dtype}")
    return idx


def gather(a, dim, index):
    """out[i][j] = a[index[i][j]][j] for dim=0 (and likewise for other dims), as torch.gather.

    `index` has as many dimensions as `a`; along `dim` its entries pick positions of `a`, and along every
    other dimension its size may not exceed `a`'s. The result has the shape of `index`.
    """
    idx = _index_array(index, "gather")
    if idx.ndim != a.data.ndim:
        raise ValueError(f"gather(): index has {idx.ndim} dimensions but the input has {a.data.ndim}; "
                         "they must have the same number of dimensions")
    d = _norm_dim(dim, a.data.ndim or 1, "gather")
    if a.data.ndim == 0:
        if idx.size and (idx != 0).any():
            raise IndexError(f"gather(): index out of range for a 0-d tensor (indices {idx.tolist()})")
        return record_op(a.data.copy().reshape(idx.shape), "gather", (a,), {"dim": None, "index": idx})
    for i, (si, sa) in enumerate(zip(idx.shape, a.shape)):
        if i != d and si > sa:
            raise ValueError(f"gather(): index shape {tuple(idx.shape)} is larger than the input shape {a.shape} "
                             f"in dimension {i} (only dimension {d}, the gathered one, may differ)")
    n = a.shape[d]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].flat[0]
        raise IndexError(f"gather(): index {bad} is out of bounds for dimension {d} with size {n}")
    window = tuple(slice(None) if i == d else slice(0, s) for i, s in enumerate(idx.shape))
    out = np.take_along_axis(a.data[window], idx.astype(np.intp, copy=False), axis=d)
    return record_op(out, "gather", (a,), {"dim": d, "index": idx})


SortResult = namedtuple("SortResult", ["values", "indices"])
TopkResult = namedtuple("TopkResult", ["values", "indices"])


def _sorted_positions(x, d, descending):
    """Stable argsort along d: equal values keep their original order, ascending or descending."""
    if not descending:
        return np.argsort(x, axis=d, kind="stable")
    n = x.shape[d]
    # a stable ascending sort of the reversed array, read backwards, is descending with ties in order
    return (n - 1) - np.flip(np.argsort(np.flip(x, axis=d), axis=d, kind="stable"), axis=d)


def sort(a, dim=-1, descending=False, stable=False):
    """(values, indices) of `a` sorted along `dim`, as torch.sort; values are differentiable (via gather).

    The sort is always stable: equal values keep their original order (PyTorch's `stable=True`; with
    stable=False PyTorch does not promise an order for ties). NaN sorts as the largest value.
    """
    if a.data.ndim == 0:
        return SortResult(gather(a, 0, Tensor.from_array(np.zeros((), np.int64))), Tensor.from_array(np.zeros((), np.int64)))
    d = _norm_dim(dim, a.data.ndim, "sort")
    idx = _sorted_positions(a.data, d, descending).astype(np.int64)
    return SortResult(gather(a, d, Tensor.from_array(idx)), Tensor.from_array(idx))


def topk(a, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) values along `dim` and their indices, as torch.topk.

    Always returned in sorted order (also with sorted=False, where PyTorch leaves the order open);
    among equal values the one with the lower index comes first.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk(): k must be an integer, got {k!r}")
    d = _norm_dim(dim, a.data.ndim or 1, "topk")
    n = a.shape[d] if a.data.ndim else 1
    if not 0 <= k <= n or (a.data.ndim == 0 and k != 1):
        raise ValueError(f"topk(): k={k} is out of range for dimension {d} of size {n}")
    if a.data.ndim == 0:
        return TopkResult(*sort(a))
    order = _sorted_positions(a.data, d, largest)
    idx = np.take(order, np.arange(k), axis=d).astype(np.int64)
    return TopkResult(gather(a, d, Tensor.from_array(idx)), Tensor.from_array(idx))


def is_tensor(x):
    return isinstance(x, Tensor)


def device(kind="cpu", index=None):
    """torch.device(...): tinytorch runs on the CPU, so this returns the name; moving to another fails."""
    return str(kind)


def _activation(name):
    """The activation `name` of module 02 (behind t.relu(), t.softmax(dim), ...)."""
    try:
        from tinytorch.core import activations
    except ImportError:
        activations = None
    if activations is None:
        raise RuntimeError(f"t.{name}() needs the Activations module (tinytorch.core.activations), "
                           "which is not available yet")
    return getattr(activations, name)


# ---- in-place updates ----------------------------------------------------------------------------
_LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def _check_in_place(t, op, value=None):
    """Refuse an in-place change that autograd would miss, or that writes to read-only memory."""
    query = _HOOKS.is_grad_enabled
    if query is not None and query():
        if t.requires_grad:
            if t.grad_fn is None:
                raise RuntimeError(f"{_LEAF_IN_PLACE} ({op}: update parameters inside `with no_grad():`)")
            raise RuntimeError(f"{op}: in-place change of a tensor that is part of the autograd graph (made by "
                               f"'{t.grad_fn.op}'); write it out of place (x = x + y instead of x += y)")
        if isinstance(value, Tensor) and value.requires_grad:
            raise RuntimeError(f"{op}: in-place update with a value that requires grad would not be recorded; "
                               "write it out of place (x = x + y instead of x += y)")
    if not t.data.flags.writeable:
        raise RuntimeError(f"{op}: this tensor's memory is read-only (an expand()ed view shares elements); "
                           "make a copy with .clone() first")


def _inplace(t, op, fn, other, alpha=1):
    """t = fn(t, other * alpha), written into t's own memory; t keeps its shape and dtype."""
    _check_in_place(t, op, other)
    value = other.data if isinstance(other, Tensor) else other
    if alpha != 1:
        value = np.multiply(value, alpha)
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            fn(t.data, value, out=t.data, casting="same_kind")
    except TypeError:
        raise RuntimeError(f"{op}: the result type of a {t.data.dtype} tensor and a {np.result_type(value)} value "
                           f"cannot be stored in place in dtype {t.data.dtype}") from None
    except ValueError:
        raise RuntimeError(f"{op}: a value of shape {np.shape(value)} cannot be broadcast to this tensor's shape "
                           f"{t.shape} (an in-place result keeps the tensor's shape)") from None
    return t


def _assign(t, op, index, value):
    """t[index] = value in t's own memory (fill_, zero_, copy_ and x[index] = value)."""
    _check_in_place(t, op, value)
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    value = value.data if isinstance(value, Tensor) else value
    try:
        t.data[index] = value
    except IndexError as exc:
        raise IndexError(f"{op}: index {index!r} is invalid for a tensor of shape {t.shape}: {exc}") from None
    except ValueError as exc:
        raise RuntimeError(f"{op}: a value of shape {np.shape(value)} cannot be written into a tensor of shape "
                           f"{t.shape} at {index!r}: {exc}") from None
    return t


# %% [markdown]
"""
### Testing the given operations

The values are compared with NumPy; autograd is checked for every one of these ops in the Autograd
module (and against PyTorch by the course's gradient oracle).
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-more-ops-tests", "locked": true, "points": 1, "schema_version": 3, "solution": false}}
def test_unit_more_ops():
    a = Tensor([[1.0, -2.0], [3.0, -4.0]])
    b = Tensor([[5.0, 6.0]])
    assert cat([a, b]).shape == (3, 2) and cat([a, a], dim=1).shape == (2, 4)
    np.testing.assert_array_equal(cat([a, b], 0).data[2], [5.0, 6.0])
    assert stack([a, a], dim=2).shape == (2, 2, 2) and stack([a, a]).dtype == np.float32
    assert cat([a, Tensor([[1, 2]])]).dtype == np.float32, "float32 joined with int64 stays float32"
    np.testing.assert_array_equal(where(a > 0, a, 0.0).data, [[1.0, 0.0], [3.0, 0.0]])
    assert where(a > 0, a, 0.0).dtype == np.float32
    rows, cols = where(a > 0)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 0]
    np.testing.assert_array_equal(a.abs().data, np.abs(a.data))
    np.testing.assert_allclose(Tensor([4.0, 9.0]).sqrt().data, [2.0, 3.0])
    np.testing.assert_allclose(sin(Tensor([0.0, 1.0])).data, np.sin([0.0, 1.0]), rtol=1e-6)
    assert cos(Tensor([0, 1])).dtype == np.float32, "the cosine of ints is float32"
    np.testing.assert_array_equal(a.clamp(min=-1.0, max=2.0).data, [[1.0, -1.0], [2.0, -1.0]])
    np.testing.assert_array_equal(a.clamp_min(0).data, np.maximum(a.data, 0))
    np.testing.assert_array_equal(maximum(a, b[:, :1]).data, np.maximum(a.data, 5.0))
    x_np = np.arange(12, dtype=np.float32).reshape(3, 4) ** 1.5
    x = Tensor(x_np)
    np.testing.assert_allclose(x.var().item(), x_np.var(ddof=1), rtol=1e-5)
    np.testing.assert_allclose(x.std(dim=1, keepdim=True).data, x_np.std(axis=1, ddof=1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(x.var(0, unbiased=False).data, x_np.var(axis=0), rtol=1e-5)
    np.testing.assert_allclose(x.var(1, correction=0).data, x_np.var(axis=1), rtol=1e-5)
    np.testing.assert_array_equal(x.masked_fill(x > 10, -1.0).data, np.where(x_np > 10, -1.0, x_np))
    col = Tensor([[1.0], [2.0]])
    e = col.expand(2, 3)
    assert e.shape == (2, 3) and np.shares_memory(e.data, col.data), "expand is a view"
    assert col.expand(-1, 4).shape == (2, 4) and col.repeat(2, 3).shape == (4, 3)
    np.testing.assert_array_equal(Tensor([1, 2]).repeat(2).data, [1, 2, 1, 2])
    assert sorted(randperm(5, generator=Generator(0)).tolist()) == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(ones(3, 3).tril().data, np.tril(np.ones((3, 3))))
    assert [p.shape for p in arange(10).split(4)] == [(4,), (4,), (2,)]
    assert [p.shape for p in ones(2, 5).chunk(2, dim=1)] == [(2, 3), (2, 2)] and len(ones(3, 2).unbind()) == 3
    assert f"{Tensor(0.123456):.3f}" == "0.123" and equal(a.mm(a), a @ a)
    np.testing.assert_array_equal(triu(ones(2, 3, 3), 1).data, np.triu(np.ones((2, 3, 3)), 1))

    t = Tensor([1.0, 2.0, 3.0])
    t += 1
    t.mul_(2).sub_(Tensor([1.0, 1.0, 1.0]), alpha=2)
    np.testing.assert_array_equal(t.data, [2.0, 4.0, 6.0])
    t[0] = 10.0
    t[t > 5] = 0.0
    assert t.tolist() == [0.0, 4.0, 0.0]
    assert t.fill_(7).tolist() == [7.0] * 3 and t.zero_().tolist() == [0.0] * 3
    assert t.copy_(Tensor([1, 2, 3])).tolist() == [1.0, 2.0, 3.0] and t.dtype == np.float32
    scores = Tensor([[0.25, 1.5, 0.125], [0.5, 0.375, 0.5]])
    picked = scores.gather(1, Tensor([[1, 1], [2, 0]]))
    np.testing.assert_array_equal(picked.data, np.array([[1.5, 1.5], [0.5, 0.5]], np.float32))
    assert gather(scores, 0, Tensor([[1, 0, 1]])).tolist() == [[0.5, 1.5, 0.5]] and picked.dtype == np.float32
    values, order = scores.sort(dim=1, descending=True)
    assert order.tolist() == [[1, 0, 2], [0, 2, 1]], "ties keep their original order (stable)"
    np.testing.assert_array_equal(values.data, -np.sort(-scores.data, axis=1))
    assert sort(Tensor([3, 1, 2])).indices.tolist() == [1, 2, 0] and order.dtype == np.int64
    top = topk(Tensor([[1.0, 5.0, 3.0, 4.0]]), 2)
    assert top.values.tolist() == [[5.0, 4.0]] and top.indices.tolist() == [[1, 3]]
    assert Tensor([1.0, 5.0, 3.0]).topk(2, largest=False).indices.tolist() == [0, 2]
    assert (scores > 1.0).any(dim=1).tolist() == [True, False] and (scores > 0).all(1, keepdim=True).shape == (2, 1)
    bad_calls = [(lambda: cat([a, Tensor([1.0, 2.0, 3.0])]), ValueError, "shape"),
                 (lambda: stack([a, b]), ValueError, "same shape"),
                 (lambda: col.expand(3, 3), ValueError, "(2, 1)"),
                 (lambda: where(a, a, b), TypeError, "bool"),
                 (lambda: e.add_(1.0), RuntimeError, "read-only"),
                 (lambda: Tensor([1, 2]).mul_(0.5), RuntimeError, "int64"),
                 (lambda: t.add_(Tensor([1.0, 2.0])), RuntimeError, "(3,)"),
                 (lambda: scores.gather(1, Tensor([[3]])), IndexError, "out of bounds"),
                 (lambda: scores.gather(1, Tensor([1.0])), TypeError, "int64"),
                 (lambda: scores.gather(0, Tensor([0])), ValueError, "dimensions"),
                 (lambda: scores.topk(4), ValueError, "k=4")]
    for call, kind, expected in bad_calls:
        try:
            call()
            raise AssertionError(f"a bad call must raise {kind.__name__}")
        except kind as exc:
            assert expected in str(exc), f"the message should contain {expected!r}: {exc}"
    ### BEGIN HIDDEN TESTS
    assert Tensor(2.5).mean(dim=0).item() == 2.5, "mean(dim=0) of a 0-d tensor works, as in PyTorch"
    assert x.T.mT.shape == (3, 4) and x.type() == "torch.FloatTensor" and x.type(np.float64).dtype == np.float64
    np.testing.assert_allclose(x.norm().item(), np.linalg.norm(x_np), rtol=1e-5)
    assert maximum(Tensor([1.0]), 2.0).item() == 2.0 and minimum(Tensor([1.0]), 2.0).item() == 1.0
    ### END HIDDEN TESTS
    print("✅ cat/stack/where/expand/repeat/clamp/var/std and in-place updates behave like PyTorch")


test_unit_more_ops()

# %% [markdown]
"""
### Step 10: Saving and loading tensors (given)

`torch.save(model.state_dict(), path)` and `model.load_state_dict(torch.load(path))` are in almost every
training script. PyTorch writes them with Python's `pickle`, which can run arbitrary code when a file is
loaded. TinyTorch writes an `.npz` archive (`np.savez`), read back with `np.load(allow_pickle=False)`:
only numbers can come back. `save(obj, path)` accepts a Tensor, a NumPy array, a number or a string, or
(nested) dicts of those with string keys, such as `{"model": model.state_dict(), "epoch": 3}`; anything
else is refused with a message naming it. The archive also stores a small JSON table of contents that
says where each entry goes and whether it was a Tensor, an array or a number, so `load` rebuilds the
same structure. The file is written to a temporary name and then renamed, so a crash never leaves a
half-written checkpoint behind.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "tensor-save-load", "locked": true, "schema_version": 3, "solution": false}}
#| export
# ---- given: saving and loading (Step 10) ------------------------------------------------------------
import json
import os
import tempfile

_TOC_KEY = "__tinytorch_contents__"      # the archive entry holding the JSON table of contents


def _flatten_for_save(obj, path, entries, toc):
    """Walk `obj`, putting arrays into `entries` and describing every leaf in `toc`."""
    where_ = "/".join(map(str, path)) or "the object"
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"save: dict keys must be strings, got {key!r} at {where_}")
            _flatten_for_save(value, path + [key], entries, toc)
        if not obj:
            toc.append({"path": path, "kind": "dict"})
        return
    if isinstance(obj, (bool, numbers.Number)) and not isinstance(obj, (np.ndarray, np.generic)):
        if isinstance(obj, complex):
            raise TypeError(f"save: complex number at {where_} cannot be saved")
        toc.append({"path": path, "kind": type(obj).__name__, "value": obj})
        return
    if isinstance(obj, str):
        toc.append({"path": path, "kind": "str", "value": obj})
        return
    if isinstance(obj, (Tensor, np.ndarray, np.generic)):
        array = np.asarray(obj.data if isinstance(obj, Tensor) else obj)
        if array.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(f"save: the array at {where_} has dtype {array.dtype}; only numbers can be saved")
        name = f"e{len(entries)}"
        entries[name] = array
        toc.append({"path": path, "kind": "tensor" if isinstance(obj, Tensor) else "array", "entry": name})
        return
    raise TypeError(f"save: cannot save {type(obj).__name__} at {where_}: TinyTorch saves Tensors, NumPy arrays, "
                    "numbers and strings, in (nested) dicts with string keys, as .npz (never pickle); "
                    "save model.state_dict(), not the model")


def write_atomic(path, write):
    """Call write(binary file) on a temporary file beside `path`, then rename it to `path`.

    The rename is atomic, so a crash mid-write never leaves half a file over a good one. Every
    checkpoint writer of the course (save here, Module.save in module 03, checkpoints in module 07)
    goes through this one function. The folder of `path` must exist.
    """
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)),
                               prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def save(obj, path):
    """Write `obj` (a Tensor, array, number, or nested dict of them) to `path` (exactly) as .npz."""
    path = os.fspath(path)
    entries, toc = {}, []
    _flatten_for_save(obj, [], entries, toc)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: cannot write {path}: folder {folder} does not exist")
    entries[_TOC_KEY] = np.array(json.dumps(toc))
    return write_atomic(path, lambda fh: np.savez(fh, **entries))


def load(path, map_location=None, weights_only=None):
    """Read what save() wrote (or any .npz of numeric arrays, as a dict of Tensors); never unpickles."""
    path = os.fspath(path)
    if map_location is not None and str(map_location) != "cpu":
        raise ValueError(f"load: tinytorch runs on the CPU only; got map_location={map_location!r}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load: {path} does not exist")
    try:
        archive = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise ValueError(f"load: {path} is not a TinyTorch .npz file ({type(exc).__name__}: {exc}); files "
                         "written by torch.save (pickle) cannot be read") from None
    if not hasattr(archive, "files"):
        return Tensor(archive)                      # a plain .npy file: one array
    with archive:
        try:
            arrays = {name: archive[name] for name in archive.files}
        except ValueError as exc:
            raise ValueError(f"load: {path} holds pickled Python objects, which TinyTorch never loads ({exc})") from None
    if _TOC_KEY not in arrays:                      # e.g. Module.save(): a flat dict of arrays
        return {name: Tensor(array) for name, array in arrays.items()}
    result = None
    for item in json.loads(str(arrays[_TOC_KEY])):
        kind, keys = item["kind"], item["path"]
        if kind == "tensor":
            value = Tensor(arrays[item["entry"]])
        elif kind == "array":
            value = arrays[item["entry"]]
        elif kind == "dict":
            value = {}
        else:
            value = item["value"]
        if not keys:
            return value
        if result is None:
            result = {}
        node = result
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return {} if result is None else result


# %% [markdown]
"""
### Testing save and load

A round trip through a temporary folder: the structure, the dtypes and the values come back, and
objects that cannot be stored as numbers are refused with a message.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "tensor-save-load-tests", "locked": true, "points": 1, "schema_version": 3, "solution": false}}
def test_unit_save_load():
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "checkpoint.pt")
        state = {"model": {"weight": Tensor([[1.0, 2.0]]), "steps": np.arange(3)}, "epoch": 4, "lr": 0.5,
                 "name": "mlp"}
        assert save(state, path) == path and os.path.exists(path), "save writes exactly the given path"
        back = load(path)
        assert set(back) == {"model", "epoch", "lr", "name"} and back["epoch"] == 4 and back["lr"] == 0.5
        w = back["model"]["weight"]
        assert isinstance(w, Tensor) and w.dtype == np.float32 and w.tolist() == [[1.0, 2.0]]
        assert isinstance(back["model"]["steps"], np.ndarray) and back["name"] == "mlp"
        save(Tensor([3, 4]), path)
        assert load(path).tolist() == [3, 4]
        with open(path, "rb") as fh:
            assert fh.read(2) == b"PK", "the file is an .npz (zip) archive"
        for bad in ([Tensor([1.0])], {"f": lambda: 0}, {1: Tensor([1.0])}):
            try:
                save(bad, path)
                raise AssertionError(f"save must refuse {bad!r}")
            except TypeError as exc:
                assert "save" in str(exc)
    ### BEGIN HIDDEN TESTS
    try:
        load(os.path.join(tempfile.gettempdir(), "no-such-tinytorch-file.npz"))
        raise AssertionError("loading a missing file must raise FileNotFoundError")
    except FileNotFoundError:
        pass
    ### END HIDDEN TESTS
    print("✅ save/load round-trip nested dicts of tensors, arrays and numbers as .npz, without pickle")


test_unit_save_load()

# %% [markdown]
"""
## Part 3: Systems Analysis

### Computational Complexity

For tensors of `n` elements (matrices `(m, k)` and `(k, n)` for matmul):

| operation | time | new memory |
|---|---|---|
| elementwise `+ - * /`, `exp`, `log` | O(n) | O(n) for the result |
| reductions `sum`, `mean`, `max` | O(n) | O(size of the result) |
| `matmul` | O(m k n), exactly `2 m k n` FLOPs | O(m n) |
| `reshape` (contiguous), `transpose`, `permute`, basic indexing | O(1): new shape and strides only | O(1) |
| `reshape` (non-contiguous), `contiguous()`, `clone()`, advanced indexing | O(n) | O(n) |

Two consequences. Matmul does `k` operations per element it reads or writes, so for large matrices
it is limited by arithmetic speed, while elementwise operations do one operation per element and are
limited by memory bandwidth. And every operation pays a fixed cost in Python (checking, wrapping, the
autograd hook) whatever the size, which dominates for small tensors. The cells below measure both.
"""

# %% [markdown]
"""
### Memory: views versus copies

**Build -> Measure -> Understand.** We take a 1000 x 1000 float32 tensor and measure, with
`tracemalloc`, how many bytes each operation allocates while its result is alive. NumPy reports its
array buffers to `tracemalloc`, so a copy shows up as its full size, and a view only as the small
Python objects around it.
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
cases = [
    ("x[10:20]        (row slice)", lambda: big[10:20]),
    ("x[:, 0]         (column)", lambda: big[:, 0]),
    ("x.T             (transpose)", lambda: big.T),
    ("x.reshape(500, 2000)", lambda: big.reshape(500, 2000)),
    ("x.T.reshape(-1) (non-contiguous)", lambda: big.T.reshape(-1)),
    ("x.T.contiguous()", lambda: big.T.contiguous()),
    ("x[[0, 2, 4]]    (advanced index)", lambda: big[[0, 2, 4]]),
    ("x * 2           (new values)", lambda: big * 2),
]
print(f"x: shape {big.shape}, dtype {big.dtype}, {big.data.nbytes / 1e6:.1f} MB of data")
print(f"{'operation':36s} {'allocated':>12s}  {'shares x':>8s}  {'contiguous':>10s}  strides")
view_bytes = []
for name, make in cases:
    nbytes, out = allocated_bytes(make)
    shares = np.shares_memory(out.data, big.data)
    if shares:
        view_bytes.append(nbytes)
    print(f"{name:36s} {nbytes / 1e3:9.1f} KB  {str(shares):>8s}  {str(out.is_contiguous()):>10s}  {out.stride()}")
    del out
largest_view = np.max(view_bytes) if view_bytes else 0
print(f"Understand: the largest view allocated {largest_view} bytes, "
      f"{largest_view / big.data.nbytes:.4%} of the data it shows; every copy allocates its full size.")

# %% [markdown]
"""
A column `x[:, 0]` is a view, but not contiguous: its elements lie a whole row apart in memory. Reading
it touches one float per cache line, which is why a `.contiguous()` copy before heavy work on it can pay
for itself. `x.T.reshape(-1)` must copy because the transposed order of elements exists nowhere in
storage.
"""

# %% [markdown]
"""
### Speed: matmul throughput and per-operation overhead

First the fixed cost of one operation: a 16 x 16 addition through your Tensor and through NumPy
directly, timed with `time.perf_counter` (best of several alternating runs, because other programs
share the machine). Then `a @ b` for growing square matrices, converted to GFLOP/s with `2 n^3` FLOPs
per product. The difference between the columns is the price of the wrapper.
"""

# %% [code]
import time


def best_seconds_pair(fn_a, fn_b, repeats=7, inner=1):
    """Shortest time per call of fn_a and of fn_b; runs alternate, so background load hits both alike."""
    best_a = best_b = float("inf")
    for _ in range(repeats):
        for which, fn in (("a", fn_a), ("b", fn_b)):
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            elapsed = (time.perf_counter() - start) / inner
            if which == "a" and elapsed < best_a:
                best_a = elapsed
            if which == "b" and elapsed < best_b:
                best_b = elapsed
    return best_a, best_b


# Per-operation overhead: a tiny elementwise add, where NumPy's own work is almost nothing.
small_a, small_b = randn(16, 16), randn(16, 16)
tensor_s, numpy_s = best_seconds_pair(lambda: small_a + small_b, lambda: np.add(small_a.data, small_b.data),
                                      inner=2000)
overhead_s = tensor_s - numpy_s
print(f"16x16 add: Tensor {tensor_s * 1e6:.2f} us, NumPy {numpy_s * 1e6:.2f} us per call; "
      f"the wrapper adds {overhead_s * 1e6:.2f} us per operation\n")

print(f"{'n':>5s} {'Tensor GFLOP/s':>15s} {'NumPy GFLOP/s':>14s} {'Tensor/NumPy':>13s} {'overhead share':>15s}")
for size in (16, 64, 256, 512):
    ta, tb = randn(size, size, generator=Generator(1)), randn(size, size, generator=Generator(2))
    na, nb = ta.data, tb.data
    flops = 2 * size ** 3
    ours_s, theirs_s = best_seconds_pair(lambda: ta @ tb, lambda: np.matmul(na, nb),
                                         repeats=15, inner=1 if size >= 256 else 100)
    share = overhead_s / (theirs_s + overhead_s)
    print(f"{size:5d} {flops / ours_s / 1e9:15.2f} {flops / theirs_s / 1e9:14.2f} {theirs_s / ours_s:13.2f} {share:15.2%}")
print("\n'overhead share': the measured per-operation overhead as a fraction of (NumPy's matmul time + overhead).")

# %% [markdown]
"""
Both columns use the same BLAS routine, so for large matrices they should nearly agree (timing noise
aside): all the time is in the multiplication, and the overhead share column shrinks towards zero as
`n^3` grows. For small ones the fixed cost per call (argument checks, `record_op`, creating
the Tensor object) is a visible share. This is why real frameworks fuse small operations, batch their
inputs, and keep the per-operation path as short as they can; it is also why `Tensor.from_array` skips the
input checks. The autograd hook you met in Step 3 adds to this fixed cost once it records operations.

If the large sizes show erratic or very low GFLOP/s, other programs are competing for the cores: a
multithreaded BLAS waits for all of its threads, so it suffers most from a busy machine. Run the
script again with `OPENBLAS_NUM_THREADS=1` (or `OMP_NUM_THREADS=1`) and compare: measuring under
known conditions is part of measuring.
"""

# %% [markdown]
"""
## Part 4: Production Context

**How PyTorch stores a tensor.** A `torch.Tensor` is a small header pointing at a **storage**: one flat,
reference-counted buffer of bytes. The header holds the **sizes** (shape), the **strides** (in elements),
a **storage offset** (where element `[0, 0, ...]` is), the **dtype**, and the **device** (CPU memory,
a GPU, ...). Views are new headers on the same storage, which is why `t.transpose(0, 1)` is free and
why `t.is_contiguous()` and `t.contiguous()` exist. Your Tensor has the same model, borrowed from NumPy:
`.data.base` is the storage owner, `.data.strides` the strides (in bytes), and the offset is the
distance of the first element's address from the start of the owner's buffer.

**The dispatcher.** When PyTorch runs `torch.add(a, b)`, it does not call one function. A *dispatcher*
looks at the inputs (their device, whether autograd must record, whether they are quantized or sparse,
...) and routes the call through a stack of handlers: the autograd handler records the operation and
passes the call on, then the kernel for the device runs (a vectorised CPU loop, a CUDA kernel). This
is the grown-up version of your `record_op` hook: operations are written once, and features such as
autograd attach through a declared mechanism instead of editing each operation. Other layers are
similar: TensorFlow's tensors are handles to buffers managed by its runtime, and JAX arrays are
immutable buffers whose operations are traced and compiled by XLA.

The cell below shows the model on your own Tensor: several views of one storage, each with its own
shape, strides and offset, and a check that the formula from Part 1 finds every element.
"""

# %% [code]
storage_owner = arange(12, dtype=np.float32)
base_view = storage_owner.reshape(3, 4)


def storage_offset(t):
    """Offset (in elements) of t's first element from the start of the buffer that owns its memory."""
    owner = t.data
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    start = owner.__array_interface__["data"][0]
    return (t.data.__array_interface__["data"][0] - start) // t.data.itemsize


buffer = storage_owner.data
print(f"{'view':12s} {'shape':>8s} {'strides':>8s} {'offset':>6s}  values")
for label, view in [("base", base_view), ("base[1:]", base_view[1:]), ("base[:, 2]", base_view[:, 2]),
                    ("base.T", base_view.T), ("base[1:, 1:]", base_view[1:, 1:])]:
    offset, strides = storage_offset(view), view.stride()
    for position in np.ndindex(*view.shape):            # the Part 1 formula, for every element
        location = offset + int(np.dot(position, strides)) if position else offset
        assert buffer[location] == view.data[position], (label, position)
    print(f"{label:12s} {str(view.shape):>8s} {str(strides):>8s} {offset:6d}  {view.data.reshape(-1).tolist()}")
print("every element of every view was found at offset + sum(index * stride) in the one storage buffer")

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/01_tensor/tensor_dev.py`) runs every test above once
more, through `run_all_tests()`.
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
    test_unit_more_ops()
    test_unit_save_load()
    print("🎉 All Tensor tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. Your measurements showed the largest view costing a tiny fraction of the bytes it shows. A
   transformer splits a `(batch, seq, 768)` activation into 12 heads with `reshape` and `transpose`.
   Which of those steps are free, and where is the first copy forced?
2. The column `x[:, 0]` is a view, but the next operation has to read it with a stride of 1000
   elements. When would you pay for a `.contiguous()` copy first, and how could you measure whether
   it pays off?
3. For 16 x 16 matrices your Tensor reached only part of NumPy's throughput. If a model runs thousands
   of such small operations per step, what would you change: the framework (fusing operations, a
   C++ core) or the model (bigger batches)?
4. `float32` is the default in deep learning, while NumPy defaults to `float64`. What does halving the
   bytes per element buy in memory and in bandwidth-bound operations, and what does it cost in
   precision?
5. PyTorch adds autograd through a dispatcher; TinyTorch through `record_op` and `register_autograd`.
   What would break if the Autograd module instead replaced `Tensor.__add__` at import time?
6. `p -= lr * p.grad` changes a parameter in place. Why must autograd refuse it while it records,
   and what would go wrong in the gradient of `w * x` if `w` changed after the product was recorded?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built the `Tensor` that every later module uses:
- a wrapper around a NumPy array with PyTorch's names and dtype rules (`float32` for Python floats,
  `int64` for ints, a NumPy input's dtype kept), and `shape`, `dtype`, `ndim`, `numel()`, `stride()`;
- creation helpers that draw from a seeded `Generator`, so experiments repeat;
- broadcasting arithmetic, `matmul` (batched too), and reductions with `dim` and `keepdim`, each with
  an error that names the shapes or values at fault;
- `reshape`, `transpose`, `permute` and indexing, returning views whenever strides can describe the
  result, and copies only when they cannot;
- the extension point (`record_op`, `register_autograd`, `OPS`) through which autograd will plug in.

You also read (and tested) the given extras that real PyTorch programs use: `cat`, `stack`, `where`,
`expand`, `repeat`, `sqrt`, `abs`, `clamp`, `maximum`/`minimum` (each an op recorded through `record_op`),
`var`/`std`/`masked_fill`/`norm` built from them, in-place updates that refuse to corrupt a graph, and
`save`/`load` of checkpoints as `.npz` without pickle.

You measured that views cost almost nothing while copies cost their full size, and that the wrapper's
fixed cost per call matters for small tensors and disappears for large matrix products.

**Next:** run `tito export` to write your code to `tinytorch/core/tensor.py`, then the Activations
module, which builds ReLU, Sigmoid, Softmax and friends on top of this Tensor.
"""
