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
]

float16, float32, float64 = np.float16, np.float32, np.float64
int32, int64, bool_ = np.int32, np.int64, np.bool_
DEFAULT_DTYPE = np.dtype(np.float32)
_NUMERIC_KINDS = "biuf"          # numpy kind codes: bool, signed int, unsigned int, float
_F64 = np.dtype(np.float64)


# ---------------------------------------------------------------------------------------------
# The extension point for module 05 (autograd).
#
# Module 01 only computes values. Every differentiable op builds its result with `_result(...)`,
# which hands (op name, output, inputs, attrs) to the `record` function that autograd registers
# through `register_autograd`. `Tensor.backward` calls the registered `backward` function. Until
# autograd registers, both are absent and tensors behave as plain arrays.
# ---------------------------------------------------------------------------------------------
class _AutogradHooks:
    record = None      # record(op: str, out: Tensor, inputs: tuple[Tensor, ...], attrs: dict | None)
    backward = None    # backward(root: Tensor, gradient: Tensor | None) -> None


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


def register_autograd(record, backward):
    """Install the autograd engine (called once by tinytorch.core.autograd). Pass None to remove it."""
    _HOOKS.record = record
    _HOOKS.backward = backward


def _result(data, op, inputs, attrs=None):
    """Wrap the raw result of op `op` and let autograd (if installed) record how it was made."""
    out = Tensor._wrap(data)
    record = _HOOKS.record
    if record is not None:
        record(op, out, inputs, attrs)
    return out


# ---------------------------------------------------------------------------------------------
# Input checking: turn numpy's errors into messages that name the problem.
# ---------------------------------------------------------------------------------------------
def _describe_ragged(data):
    """Explain where a nested list stops being rectangular."""
    def walk(x, path):
        if not isinstance(x, (list, tuple)):
            return None
        lengths = [len(e) if isinstance(e, (list, tuple)) else None for e in x]
        kinds = {l is None for l in lengths}
        if len(kinds) > 1:
            return f"at {path or 'the top level'} some elements are lists and some are scalars"
        if lengths and lengths[0] is not None and len(set(lengths)) > 1:
            return f"at {path or 'the top level'} the rows have different lengths {lengths[:8]}"
        for i, e in enumerate(x):
            found = walk(e, f"{path}[{i}]")
            if found:
                return found
        return None
    return walk(data, "") or "the nested sequences do not form a rectangular array"


def _to_array(data, dtype=None):
    if isinstance(data, Tensor):
        data = data.data
    try:
        if isinstance(data, np.ndarray):
            arr = data if dtype is None else data.astype(dtype, copy=False)
        elif dtype is not None:
            arr = np.array(data, dtype=dtype)
        else:
            arr = np.array(data)
            if arr.dtype == _F64:                 # Python floats become float32, as in PyTorch
                arr = arr.astype(DEFAULT_DTYPE)
    except ValueError as exc:
        if isinstance(data, (list, tuple)) and "inhomogeneous" in str(exc):
            raise ValueError(f"Tensor data is ragged: {_describe_ragged(data)}") from None
        raise ValueError(f"cannot make a Tensor from {type(data).__name__} {data!r:.80}: {exc}") from None
    except TypeError as exc:
        raise TypeError(f"cannot make a Tensor from {type(data).__name__} {data!r:.80}: {exc}") from None
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"Tensor data must be numeric (bool, int or float); got dtype {arr.dtype} "
            f"from {type(data).__name__} {data!r:.80}"
        )
    return arr


def _broadcast_error(op, a, b):
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
    """Turn a Python number or array-like into a Tensor whose dtype suits `like`."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, numbers.Number) and not isinstance(x, np.ndarray):
        kind = like.data.dtype.kind
        if kind == "f" or (kind in "iub" and isinstance(x, numbers.Integral)):
            dtype = like.data.dtype if kind != "b" or isinstance(x, bool) else np.int64
        else:
            dtype = DEFAULT_DTYPE
        return Tensor._wrap(np.asarray(x, dtype=dtype))
    return Tensor(x)


def _keep_float32(out, a, b):
    """numpy promotes int/int division and int-float mixes to float64; PyTorch keeps float32."""
    if out.dtype == _F64 and a.dtype != _F64 and b.dtype != _F64:
        return out.astype(DEFAULT_DTYPE)
    return out


def _check_float(t, what):
    if t.data.dtype.kind != "f":
        raise TypeError(f"{what} needs a floating-point Tensor, got dtype {t.data.dtype}")


def _norm_dim(dim, ndim, op):
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        return tuple(_norm_dim(d, ndim, op) for d in dim)
    lo = -ndim if ndim else -1
    hi = ndim - 1 if ndim else 0
    if not isinstance(dim, (int, np.integer)) or not lo <= dim <= hi:
        raise IndexError(f"{op}: dim {dim!r} is out of range for a tensor with {ndim} dimension(s) "
                         f"(expected an int in [{lo}, {hi}])")
    return int(dim) % ndim if ndim else 0


def _shape_args(args, op):
    """Accept f(2, 3) and f((2, 3)) like PyTorch."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for s in args:
        if not isinstance(s, (int, np.integer)) or s < -1:
            raise ValueError(f"{op}: sizes must be non-negative integers, got {args}")
    return tuple(int(s) for s in args)


# ---------------------------------------------------------------------------------------------
# The Tensor
# ---------------------------------------------------------------------------------------------
class Tensor:
    """An n-dimensional array of numbers, backed by a numpy ndarray, shaped like torch.Tensor."""

    __slots__ = ("data", "requires_grad", "grad", "grad_fn", "__dict__", "__weakref__")
    __array_priority__ = 1000          # make `ndarray + Tensor` call Tensor.__radd__

    def __init__(self, data, dtype=None, requires_grad=False):
        self.data = _to_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array):
        """Fast constructor for an ndarray that is already checked (used by every op)."""
        t = object.__new__(Tensor)
        t.data = array
        t.requires_grad = False
        t.grad = None
        t.grad_fn = None
        return t

    # ----- properties --------------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

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

    def numel(self):
        return int(self.data.size)

    def stride(self, dim=None):
        """Strides in elements (PyTorch's convention), not bytes (numpy's)."""
        strides = tuple(s // self.data.itemsize for s in self.data.strides)
        return strides if dim is None else strides[_norm_dim(dim, self.data.ndim, "stride")]

    def is_contiguous(self):
        return bool(self.data.flags.c_contiguous)

    def contiguous(self):
        if self.data.flags.c_contiguous:
            return self
        return _result(np.ascontiguousarray(self.data), "reshape", (self,), {"shape": self.data.shape})

    # ----- conversion --------------------------------------------------------------------------
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
        return Tensor._wrap(self.data)

    def clone(self):
        return _result(self.data.copy(), "reshape", (self,), {"shape": self.data.shape})

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        return self

    def to(self, dtype=None, device=None):
        if isinstance(dtype, str) and dtype == "cpu":
            dtype = None
        if device not in (None, "cpu"):
            raise ValueError(f"tinytorch runs on the CPU only; got device {device!r}")
        return self if dtype is None else cast(self, dtype)

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
        if dtype is None:
            return self.data
        return self.data.astype(dtype)

    def backward(self, gradient=None):
        """Reverse-mode differentiation from this tensor. Needs the autograd module (05)."""
        if _HOOKS.backward is None:
            try:
                import tinytorch.core.autograd  # noqa: F401  (registers itself on import)
            except ImportError:
                pass
        if _HOOKS.backward is None:
            raise RuntimeError("backward() needs the autograd engine from module 05 "
                               "(tinytorch.core.autograd), which is not available yet")
        _HOOKS.backward(self, gradient)

    # ----- printing ----------------------------------------------------------------------------
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

    # ----- Python protocol -----------------------------------------------------------------
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

    __hash__ = object.__hash__

    # ----- arithmetic (delegates to the functions below) ------------------------------------
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
        return Tensor._wrap(np.asarray(fn(self.data, other)))

    def __eq__(self, other): return self._compare(other, np.equal)
    def __ne__(self, other): return self._compare(other, np.not_equal)
    def __lt__(self, other): return self._compare(other, np.less)
    def __le__(self, other): return self._compare(other, np.less_equal)
    def __gt__(self, other): return self._compare(other, np.greater)
    def __ge__(self, other): return self._compare(other, np.greater_equal)

    def eq(self, other): return self == other
    def any(self): return Tensor._wrap(np.asarray(self.data.any()))
    def all(self): return Tensor._wrap(np.asarray(self.data.all()))

    # ----- elementwise and reductions -----------------------------------------------------
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

    # ----- shape -----------------------------------------------------------------------------
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
        nd = self.data.ndim + 1
        d = _norm_dim(dim, nd, "unsqueeze")
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

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        try:
            out = self.data[index]
        except IndexError as exc:
            raise IndexError(f"index {index!r} is invalid for a tensor of shape {self.shape}: {exc}") from None
        return _result(np.asarray(out), "getitem", (self,), {"index": index})


# ---------------------------------------------------------------------------------------------
# Operations. Each computes with numpy and returns `_result(...)`, so autograd can record it.
# ---------------------------------------------------------------------------------------------
def _binary(op, fn, a, b):
    if not isinstance(a, Tensor):
        a = _operand(a, b)
    if not isinstance(b, Tensor):
        b = _operand(b, a)
    try:
        out = fn(a.data, b.data)
    except ValueError:
        raise _broadcast_error(op, a.data, b.data) from None
    return _result(_keep_float32(out, a.data, b.data), op, (a, b))


def add(a, b):
    return _binary("add", np.add, a, b)


def sub(a, b):
    return _binary("sub", np.subtract, a, b)


def mul(a, b):
    return _binary("mul", np.multiply, a, b)


def div(a, b):
    if not isinstance(a, Tensor):
        a = _operand(a, b)
    if not isinstance(b, Tensor):
        b = _operand(b, a)
    try:
        with np.errstate(divide="ignore", invalid="ignore"):     # x/0 gives inf or nan, as in PyTorch
            out = np.true_divide(a.data, b.data)
    except ValueError:
        raise _broadcast_error("div", a.data, b.data) from None
    return _result(_keep_float32(out, a.data, b.data), "div", (a, b))


def pow(a, exponent):
    if not isinstance(a, Tensor):
        a = _operand(a, exponent)
    if not isinstance(exponent, Tensor):
        exponent = _operand(exponent, a)
    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            if exponent.data.dtype.kind in "iu" and a.data.dtype.kind in "iu" and (exponent.data < 0).any():
                out = np.power(a.data.astype(DEFAULT_DTYPE), exponent.data)
            else:
                out = np.power(a.data, exponent.data)
    except ValueError:
        raise _broadcast_error("pow", a.data, exponent.data) from None
    return _result(out, "pow", (a, exponent))


def neg(a):
    return _result(np.negative(a.data), "neg", (a,))


def matmul(a, b):
    if not isinstance(a, Tensor):
        a = _operand(a, b)
    if not isinstance(b, Tensor):
        b = _operand(b, a)
    sa, sb = a.data.shape, b.data.shape
    if not sa or not sb:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {sa} and {sb}")
    k_a = sa[-1]
    k_b = sb[-2] if len(sb) > 1 else sb[0]
    if k_a != k_b:
        raise ValueError(
            f"matmul: shapes {sa} and {sb} cannot be multiplied: the first operand's last dimension "
            f"({k_a}) must equal the second operand's {'second-to-last' if len(sb) > 1 else 'only'} "
            f"dimension ({k_b})"
        )
    try:
        out = np.matmul(a.data, b.data)
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of shapes {sa[:-2]} and {sb[:-2]} cannot be broadcast "
                         f"(full shapes {sa} and {sb})") from None
    return _result(out, "matmul", (a, b))


def exp(a):
    _check_float(a, "exp")
    with np.errstate(over="ignore"):
        return _result(np.exp(a.data), "exp", (a,))


def log(a):
    _check_float(a, "log")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _result(np.log(a.data), "log", (a,))


def _reduction_args(a, dim, keepdim, kw, op):
    if "axis" in kw:                       # numpy spelling accepted, as PyTorch does
        dim = kw.pop("axis")
    if "keepdims" in kw:
        keepdim = kw.pop("keepdims")
    if kw:
        raise TypeError(f"{op}() got unexpected keyword argument(s) {sorted(kw)}")
    return _norm_dim(dim, a.data.ndim, op), bool(keepdim)


def sum(a, dim=None, keepdim=False, **kw):
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, "sum")
    out = np.sum(a.data, axis=dim, keepdims=keepdim)
    if a.data.dtype.kind == "b":
        out = out.astype(np.int64)
    return _result(np.asarray(out), "sum", (a,), {"dim": dim, "keepdim": keepdim})


def mean(a, dim=None, keepdim=False, **kw):
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, "mean")
    _check_float(a, "mean")
    return _result(np.asarray(np.mean(a.data, axis=dim, keepdims=keepdim)), "mean", (a,),
                   {"dim": dim, "keepdim": keepdim})


MaxResult = namedtuple("MaxResult", ["values", "indices"])


def _extreme(a, dim, keepdim, kw, op, reduce, arg):
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, op)
    if a.data.size == 0:
        raise ValueError(f"{op}() of an empty tensor (shape {a.shape}) has no value")
    if isinstance(dim, tuple):
        raise TypeError(f"{op}() takes a single dim, got {dim}")
    values = _result(np.asarray(reduce(a.data, axis=dim, keepdims=keepdim)), op, (a,),
                     {"dim": dim, "keepdim": keepdim})
    if dim is None:
        return values
    idx = arg(a.data, axis=dim)
    if keepdim:
        idx = np.expand_dims(idx, dim)
    return MaxResult(values, Tensor._wrap(idx.astype(np.int64)))


def max(a, dim=None, keepdim=False, **kw):
    """Largest value; with `dim`, a (values, indices) pair as in PyTorch."""
    return _extreme(a, dim, keepdim, kw, "max", np.max, np.argmax)


def min(a, dim=None, keepdim=False, **kw):
    return _extreme(a, dim, keepdim, kw, "min", np.min, np.argmin)


def argmax(a, dim=None, keepdim=False, **kw):
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, "argmax")
    idx = np.argmax(a.data, axis=dim, keepdims=keepdim)
    return Tensor._wrap(np.asarray(idx, dtype=np.int64))


def argmin(a, dim=None, keepdim=False, **kw):
    dim, keepdim = _reduction_args(a, dim, keepdim, kw, "argmin")
    idx = np.argmin(a.data, axis=dim, keepdims=keepdim)
    return Tensor._wrap(np.asarray(idx, dtype=np.int64))


def reshape(a, *shape):
    shape = _shape_args(shape, "reshape")
    try:
        out = a.data.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {a.shape} ({a.data.size} elements) "
                         f"into shape {shape}") from None
    return _result(out, "reshape", (a,), {"shape": a.data.shape})


def transpose(a, dim0, dim1):
    nd = a.data.ndim
    d0, d1 = _norm_dim(dim0, nd, "transpose"), _norm_dim(dim1, nd, "transpose")
    axes = list(range(nd))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return _result(a.data.transpose(axes), "permute", (a,), {"dims": tuple(axes)})


def permute(a, *dims):
    dims = _shape_args(dims, "permute") if dims and not isinstance(dims[0], (tuple, list)) else tuple(dims[0])
    nd = a.data.ndim
    norm = tuple(_norm_dim(d, nd, "permute") for d in dims)
    if sorted(norm) != list(range(nd)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {nd} dimensions of shape {a.shape}")
    return _result(a.data.transpose(norm), "permute", (a,), {"dims": norm})


def cast(a, dtype):
    dtype = np.dtype(dtype)
    if dtype == a.data.dtype:
        return a
    if dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(f"cannot cast a Tensor to non-numeric dtype {dtype}")
    out = _result(a.data.astype(dtype), "cast", (a,), {"dtype": a.data.dtype})
    if dtype.kind != "f":
        out.requires_grad = False
        out.grad_fn = None
    return out


# ---------------------------------------------------------------------------------------------
# Creation helpers, with a seeded generator.
# ---------------------------------------------------------------------------------------------
class Generator:
    """A seeded source of random numbers (wraps numpy's PCG64 Generator)."""

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


def _finish(arr, dtype, requires_grad):
    t = Tensor._wrap(arr if dtype is None else arr.astype(dtype, copy=False))
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, requires_grad=False):
    """Make a Tensor from data (copied), like torch.tensor."""
    arr = _to_array(data, dtype)
    if isinstance(data, (np.ndarray, Tensor)):
        arr = arr.copy()
    return _finish(arr, None, requires_grad)


def from_numpy(array):
    """A Tensor that shares memory with `array` and keeps its dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def zeros(*size, dtype=None, requires_grad=False):
    return _finish(np.zeros(_shape_args(size, "zeros"), dtype=dtype or DEFAULT_DTYPE), None, requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _finish(np.ones(_shape_args(size, "ones"), dtype=dtype or DEFAULT_DTYPE), None, requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return _finish(np.empty(_shape_args(size, "empty"), dtype=dtype or DEFAULT_DTYPE), None, requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None:
        dtype = np.int64 if isinstance(fill_value, numbers.Integral) and not isinstance(fill_value, bool) \
            else (np.bool_ if isinstance(fill_value, bool) else DEFAULT_DTYPE)
    return _finish(np.full(_shape_args((size,), "full"), fill_value, dtype=dtype), None, requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return _finish(np.zeros(t.shape, dtype=dtype or t.dtype), None, requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return _finish(np.ones(t.shape, dtype=dtype or t.dtype), None, requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return _finish(np.full(t.shape, fill_value, dtype=dtype or t.dtype), None, requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    arr = np.arange(start, end, step, dtype=dtype or (np.int64 if ints else DEFAULT_DTYPE))
    return _finish(arr, None, requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return _finish(np.linspace(start, end, steps, dtype=dtype or DEFAULT_DTYPE), None, requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=dtype or DEFAULT_DTYPE), None, requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False):
    rng = (generator or default_generator).rng
    return _finish(rng.random(_shape_args(size, "rand"), dtype=np.float64), dtype or DEFAULT_DTYPE, requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad=False):
    rng = (generator or default_generator).rng
    return _finish(rng.standard_normal(_shape_args(size, "randn")), dtype or DEFAULT_DTYPE, requires_grad)


def randint(low, high=None, size=(), generator=None, dtype=None):
    if high is None:
        low, high = 0, low
    rng = (generator or default_generator).rng
    return _finish(rng.integers(low, high, size=_shape_args((size,), "randint")), dtype or np.int64, False)
