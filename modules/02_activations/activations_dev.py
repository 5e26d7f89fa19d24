# %% [markdown]
"""
# Module 02: Activations

A layer such as `x @ W + b` is linear, and a stack of linear layers is still one linear map: however
deep, it can only draw straight decision boundaries. An **activation function**, applied elementwise
between the layers, bends the map, and that bend is what lets a network learn curves, XOR and images.
This module builds the activations that modern networks use, with PyTorch's names and semantics:

| function (`nn.functional`) | class (`nn`) | typical place |
|---|---|---|
| `relu(x)` | `ReLU()` | hidden layers of MLPs and CNNs |
| `leaky_relu(x, negative_slope=0.01)` | `LeakyReLU(negative_slope=0.01)` | when ReLU units "die" |
| `sigmoid(x)` | `Sigmoid()` | yes/no probabilities, gates in LSTMs |
| `tanh(x)` | `Tanh()` | zero-centred squashing, RNN states |
| `gelu(x, approximate="none")` | `GELU(approximate="none")` | transformers (BERT, GPT) |
| `softmax(x, dim=-1)` | `Softmax(dim=-1)` | turning scores into a probability distribution |
| `log_softmax(x, dim=-1)` | `LogSoftmax(dim=-1)` | the input of the negative log-likelihood loss |

**Learning Objectives:**
- Build ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Softmax and LogSoftmax as functions on Tensors, then wrap them in classes that keep their settings
- Understand why a naive sigmoid and a naive softmax overflow, and make both numerically stable for any input
- Know the one GELU definition of this course: the exact erf form and PyTorch's tanh approximation, and how far apart they are
- Measure what an `exp` costs compared with an add or a max, and how much memory saved activations take
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

All of these functions map a tensor to a tensor **of the same shape**. Five of them work on each
element on its own; softmax and log-softmax look at a whole slice along one dimension `dim`.

**ReLU** (rectified linear unit): `relu(x) = max(0, x)`. Its slope is 1 for positive inputs and 0 for
negative ones, so it passes gradients through unchanged where it is active. It costs one comparison.

**LeakyReLU**: `leaky_relu(x) = x` if `x > 0`, else `negative_slope · x`. The small slope on the
negative side keeps a unit that only ever sees negative inputs from going silent ("dying") for good.

**Sigmoid**: `σ(x) = 1 / (1 + e^(-x))`, an S-curve from 0 to 1 with `σ(0) = 1/2` and
`σ(-x) = 1 - σ(x)`. Its derivative `σ(x)·(1 - σ(x))` needs only the output.

**Tanh**: `tanh(x) = (e^x - e^(-x)) / (e^x + e^(-x)) = 2·σ(2x) - 1`, an S-curve from -1 to 1 centred
at 0. Its derivative is `1 - tanh(x)²`, again from the output alone.

**GELU** (Gaussian error linear unit, Hendrycks and Gimpel, 2016): weigh `x` by the probability that a
standard normal variable is below it,

    gelu(x) = x · Φ(x),   Φ(x) = (1 + erf(x / √2)) / 2                      (approximate="none")

where `Φ` is the standard normal cumulative distribution function and `erf` the error function.
Before `erf` was cheap on accelerators, the BERT and GPT-2 code used a tanh approximation of `Φ`,
which PyTorch keeps as `approximate="tanh"`:

    gelu(x) ≈ x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))) / 2               (approximate="tanh")

These two formulas are the **only** definition of GELU in this course: the function `gelu` below
computes both, and every later module (transformers included) calls it.

**Softmax** along `dim`: `softmax(x)_i = e^(x_i) / Σ_j e^(x_j)`, where `j` runs over the slice that
contains `i`. Every output is in (0, 1] and each slice sums to 1: scores become a distribution.
Adding the same constant `c` to every score of a slice changes nothing, because `e^c` cancels:
`e^(x_i - c) / Σ_j e^(x_j - c) = softmax(x)_i`. That identity is the key to a stable implementation.

**LogSoftmax**: `log_softmax(x)_i = x_i - log Σ_j e^(x_j)`. Computing it directly (rather than as
`log(softmax(x))`) keeps it finite where softmax rounds to 0, which is exactly where a loss needs it.

**What "stable" means here.** `e^x` overflows to `inf` for quite moderate `x` (Part 3 prints where),
and `inf / inf` is `nan`. A stable implementation returns the correct answer for every finite input
(logits of ±1e4, tiny tails included) and never lets an exponential overflow. Parts 3 and 5 print
the failures of the naive formulas first.

**Where the results go.** Every function returns through `record_op(out, op, inputs, attrs)` (module
01), which wraps the array in a `Tensor` and, once autograd (module 05) is installed, records the op
for `backward()`. The `op` names and `attrs` below are a contract with that module: keep them.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "activations-setup", "locked": false, "schema_version": 3, "solution": true}}
#| export
import math

import numpy as np

from tinytorch.core.tensor import Tensor, record_op, register_activation, register_op

__all__ = [
    "relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softmax", "log_softmax",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax",
    "erf_numpy", "GELU_TANH_COEFF", "GELU_APPROXIMATIONS", "KERNELS",
]

# An extension point: a later module may file a faster kernel here, op name -> function with the same values
# as the code it replaces (module 09 files a multi-threaded ReLU, "relu", and its gradient, "relu_grad", which
# module 05's rule uses; see tinytorch/core/threads.py).
KERNELS = {}

# The differentiable ops of this module. The autograd module supplies a gradient rule for each name,
# computed from the op's input, its output and the attrs passed to `record_op`.
for _op in ("relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softmax", "log_softmax"):
    register_op(_op, "02_activations")
del _op


# Given helpers (support file tinytorch/core/activations_support.py, not taught): _as_tensor(x, op),
# _float_data(t, op, promote_ints), _working_copy(a), _check_slope(slope, op), _finish(out, t, dtype, op, attrs).
from tinytorch.core.activations_support import (  # noqa: E402
    _as_tensor, _check_slope, _finish, _float_data, _working_copy,
)


def _check_dim(dim, ndim, op):
    """Normalise `dim` to a non-negative int in [0, ndim) (a 0-d tensor accepts -1 and 0, giving 0).

    Valid dims are -ndim .. ndim-1 (for ndim = 0: -1 and 0); -1 means the last dimension. Anything else
    raises IndexError naming `op`, the dim, the number of dimensions and the valid range.
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}(): dim must be an int, got {type(dim).__name__} {dim!r}")
    ### BEGIN SOLUTION
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not lo <= dim <= hi:
        raise IndexError(f"{op}(): dim {dim} is out of range for a tensor with {ndim} dimension(s) "
                         f"(expected an int in [{lo}, {hi}])")
    return int(dim) % ndim if ndim else 0
    ### END SOLUTION

# %% [markdown]
"""
### Testing the input checks
The helpers above are given to you, except one piece of `_check_dim` that you write: normalising
`dim` the way PyTorch does (`-1` is the last dimension, `-ndim` the first) and refusing a dim out of
range with an `IndexError` whose message names the function (`op`) and the valid range. The others
turn any input into a Tensor and refuse the wrong dtype with a message that names it.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "activations-setup-test", "locked": true, "points": 1, "schema_version": 3, "solution": false}}
def test_unit_input_checks():
    t = _as_tensor([1.0, -2.0], "relu")
    assert isinstance(t, Tensor) and t.dtype == np.float32
    assert _check_dim(-1, 3, "softmax") == 2 and _check_dim(0, 3, "softmax") == 0
    assert _check_dim(-1, 0, "softmax") == 0
    for bad, error in ((3, IndexError), (-4, IndexError), (1.0, TypeError), (True, TypeError)):
        try:
            _check_dim(bad, 3, "softmax")
        except error as exc:
            assert "softmax" in str(exc)
        else:
            raise AssertionError(f"dim={bad!r} should raise {error.__name__}")
    try:
        _float_data(Tensor([1, 2]), "gelu")
    except TypeError as exc:
        assert "int64" in str(exc) and "gelu" in str(exc)
    else:
        raise AssertionError("gelu() of an int64 tensor should raise TypeError")
    assert _float_data(Tensor([1, 2]), "sigmoid", promote_ints=True).dtype == np.float32
    print("input checks: OK")


test_unit_input_checks()

# %% [markdown]
"""
## Part 2: ReLU and LeakyReLU, the simplest activations

Each activation below takes anything a Tensor can be made from, checks it, computes on the numpy
array with **whole-array** operations (no Python loop over elements: Part 7 measures what a
per-element Python call costs), and returns a Tensor through `_finish`, which checks the shape, keeps
the input's dtype and calls `record_op(out, "relu", (t,))`. ReLU works on integer tensors too (like
`torch.relu`), but not on bool tensors.

**Your task:** compute `out`, the numpy array `max(0, a)` taken element by element, with one numpy
call (look for numpy's elementwise maximum; a Python scalar broadcasts against an array). The two given
lines before your part use a faster kernel with the same values when a later module has filed one in
`KERNELS` (module 09 does, one that splits the work over threads); in this notebook there is none.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "activations-relu", "locked": false, "schema_version": 3, "solution": true}}
#| export
def relu(x):
    """ReLU(x) = max(0, x), elementwise. Keeps the dtype; integer tensors are allowed."""
    t = _as_tensor(x, "relu")
    a = t._data
    if a.dtype.kind == "b":
        raise TypeError("relu() does not take a bool Tensor (dtype bool); convert it first, "
                        "e.g. with x.float()")
    if "relu" in KERNELS:                               # given: a faster kernel filed by a later module
        return _finish(KERNELS["relu"](a), t, a.dtype, "relu")
    ### BEGIN SOLUTION
    out = np.maximum(a, 0)
    ### END SOLUTION
    return _finish(out, t, a.dtype, "relu")

# %% [markdown]
"""
### Testing ReLU
Negative values become 0, the rest pass unchanged, and shape and dtype are kept.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "activations-relu-test", "locked": true, "points": 1, "schema_version": 3, "solution": false}}
def test_unit_relu():
    y = relu(Tensor([[-2.0, -0.5, 0.0], [0.5, 2.0, 3.0]]))
    assert isinstance(y, Tensor) and y.shape == (2, 3) and y.dtype == np.float32
    assert np.array_equal(y._data, [[0.0, 0.0, 0.0], [0.5, 2.0, 3.0]])
    assert relu([-3, 4]).dtype == np.int64 and relu([-3, 4]).tolist() == [0, 4]
    assert relu(np.array([-1.0, 1.0])).dtype == np.float64
    try:
        relu(Tensor([True, False]))
    except TypeError as exc:
        assert "bool" in str(exc)
    else:
        raise AssertionError("relu() of a bool tensor should raise TypeError")
    ### BEGIN HIDDEN TESTS
    assert relu(Tensor(-3.0)).shape == () and relu(Tensor(-3.0)).item() == 0.0
    assert np.isnan(relu(Tensor([np.nan]))._data).all()
    x = Tensor(np.arange(-6, 6, dtype=np.float32).reshape(3, 4)).T
    assert np.array_equal(relu(x)._data, np.maximum(x._data, 0))
    ### END HIDDEN TESTS
    print("relu: OK")


test_unit_relu()

# %% [markdown]
"""
**LeakyReLU** has one setting, `negative_slope`. Where `a > 0` the output is `a`, elsewhere it is
`negative_slope · a`, for **any** real slope (also above 1 or negative: `negative_slope = -1` gives
`|a|`). Write it without a per-element choice (`np.where`; Part 7 measures why): split `a` into
its positive part and its negative part, each one elementwise numpy call, and scale only one of
them. LeakyReLU needs a floating-point tensor (as in PyTorch).

**Your task:** compute `out` from `w` and `slope`. (`w` is `a`, computed in float32 when `a` is
float16, as PyTorch does on the CPU: otherwise the slope itself would first be rounded to float16.)
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "activations-leaky-relu", "locked": false, "schema_version": 3, "solution": true}}
#| export
def leaky_relu(x, negative_slope=0.01):
    """LeakyReLU(x) = x where x > 0, negative_slope * x elsewhere."""
    t = _as_tensor(x, "leaky_relu")
    slope = _check_slope(negative_slope, "leaky_relu")
    a = _float_data(t, "leaky_relu")
    w = _working_copy(a)            # float16 is computed in float32 (the slope too), rounded back by _finish
    ### BEGIN SOLUTION
    out = np.maximum(w, 0) + slope * np.minimum(w, 0)
    ### END SOLUTION
    return _finish(out, t, a.dtype, "leaky_relu", {"negative_slope": slope})

# %% [markdown]
"""
### Testing LeakyReLU
Positive values pass, negative ones are scaled by the slope, integer input is refused.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "activations-leaky-relu-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_leaky_relu():
    x = Tensor([-2.0, -0.5, 0.0, 0.5, 2.0])
    assert np.allclose(leaky_relu(x)._data, [-0.02, -0.005, 0.0, 0.5, 2.0])
    assert np.allclose(leaky_relu(x, negative_slope=0.2)._data, [-0.4, -0.1, 0.0, 0.5, 2.0])
    assert np.allclose(leaky_relu(x, negative_slope=2.0)._data, [-4.0, -1.0, 0.0, 0.5, 2.0]), "any slope, also > 1"
    assert leaky_relu(x).dtype == np.float32
    assert np.allclose(leaky_relu(x, 0.0)._data, relu(x)._data)
    for bad_input, bad_slope, error in (([1, -2], 0.01, TypeError), ([1.0], "0.1", TypeError)):
        try:
            leaky_relu(bad_input, bad_slope)
        except error as exc:
            assert "leaky_relu" in str(exc)
        else:
            raise AssertionError(f"leaky_relu({bad_input}, {bad_slope!r}) should raise {error.__name__}")
    ### BEGIN HIDDEN TESTS
    h = leaky_relu(Tensor(np.array([-1.0, 1.0], dtype=np.float16)), 0.5)
    assert h.dtype == np.float16 and h.tolist() == [-0.5, 1.0]
    assert np.allclose(leaky_relu(x, -1.0)._data, np.abs(x._data))
    ### END HIDDEN TESTS
    print("leaky_relu: OK")


test_unit_leaky_relu()

# %% [markdown]
"""
## Part 3: Sigmoid and Tanh, and the first overflow

The textbook sigmoid `1 / (1 + e^(-x))` computes `e^(-x)`, which overflows for large negative `x`.
Rewriting it as `e^x / (1 + e^x)` moves the problem to large positive `x`. The cell below runs both
naive forms and prints what numpy says.
"""

# %%
import warnings


def run_and_catch(fn, *args):
    """Run fn(*args) and return (result, the warning messages numpy raised)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args)
    return result, [str(w.message) for w in caught]


def sigmoid_naive_neg(a):
    return 1 / (1 + np.exp(-a))


def sigmoid_naive_pos(a):
    return np.exp(a) / (1 + np.exp(a))


probe = np.array([-1000.0, -95.0, -20.0, 0.0, 20.0, 1000.0], dtype=np.float32)
for fn in (sigmoid_naive_neg, sigmoid_naive_pos):
    result, messages = run_and_catch(fn, probe)
    print(f"{fn.__name__:18} {result}  warnings: {messages}")
for dtype in (np.float32, np.float64):
    largest = np.finfo(dtype).max
    print(f"{np.dtype(dtype).name}: largest finite value {float(largest):.4g}, "
          f"so exp(x) overflows above x = {float(np.log(largest)):.2f}")

# %% [markdown]
"""
Read what the cell printed. `e^x / (1 + e^x)` gives `nan` (`inf / inf`) for large positive `x`. The
textbook form looks harmless once its warnings are silenced, but read its value at `x = -95`: `e^95`
overflowed float32, so it returns exactly `0`, while the true `σ(-95) ≈ 5.5e-42` is still a float32
number (a subnormal). A loss takes `log σ(x)`: about `-95` is right, and `log 0 = -inf` breaks
training. That is the lesson: evaluate sigmoid so that **no exponential ever overflows**.

Both naive forms are exact where their exponent is not positive: `1 / (1 + e^(-x))` for `x >= 0`,
`e^x / (1 + e^x)` for `x < 0`. Combine them into one formula without any per-element branch: find a
numerator and a denominator whose exponents are never positive, for either sign of `x` (hint:
`min(x, 0)` and `-|x|` are never positive). Then nothing overflows, no warning appears, and the tail
keeps its tiny nonzero values. (Choosing per element with `np.where(x >= 0, ..., ...)` gives the same
values, but evaluates both exponentials everywhere, overflow included, and is slower: see Part 7.)

Like PyTorch, `sigmoid` and `tanh` accept integer tensors and return float32. The scaffolding hands
you `w`, a float copy of the input (float16 is computed in float32).

**Your task:** compute `out`, the stable sigmoid of `w`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "activations-sigmoid", "locked": false, "schema_version": 3, "solution": true}}
#| export
def sigmoid(x):
    """σ(x) = 1 / (1 + e^(-x)), computed so that no exponential overflows, for any input.

    No overflow warning; finite inputs give finite outputs; and where e^(-x) would overflow, the
    result is still the tiny nonzero σ(x) when the dtype can hold it (float32: σ(-95) ≈ 5.5e-42;
    float64: σ(-720) ≈ e^-720 ≈ 2.0e-313), never 0 and never nan.
    """
    t = _as_tensor(x, "sigmoid")
    a = _float_data(t, "sigmoid", promote_ints=True)
    w = _working_copy(a)
    ### BEGIN SOLUTION
    out = np.exp(np.minimum(w, 0)) / (1 + np.exp(-np.abs(w)))
    ### END SOLUTION
    return _finish(out, t, a.dtype, "sigmoid")

# %% [markdown]
"""
### Testing Sigmoid
Known values, the symmetry `σ(-x) = 1 - σ(x)`, huge inputs without any warning, and the tail at
`x = -95` in float32.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "activations-sigmoid-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_sigmoid():
    x = np.linspace(-8, 8, 33)
    y = sigmoid(Tensor(x))
    assert y.dtype == np.float64
    assert np.allclose(y._data, 1 / (1 + np.exp(-x)), atol=1e-12)
    assert np.allclose(sigmoid(Tensor(-x))._data, 1 - y._data, atol=1e-12)
    assert sigmoid(Tensor(0.0)).item() == 0.5
    big = Tensor(np.array([-1e4, -100.0, 100.0, 1e4], dtype=np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # any overflow warning fails the test
        yb = sigmoid(big)
    assert yb.dtype == np.float32 and np.all(np.isfinite(yb._data))
    assert np.allclose(yb._data, [0.0, 0.0, 1.0, 1.0])
    assert sigmoid([0, 1]).dtype == np.float32
    tail = sigmoid(Tensor(np.array([-95.0], dtype=np.float32))).item()
    assert tail > 0 and abs(tail / math.exp(-95.0) - 1) < 1e-3, f"sigmoid(-95) in float32 is {tail}, not 5.5e-42"
    ### BEGIN HIDDEN TESTS
    edge = sigmoid(Tensor(np.array([-720.0, -100.0, 745.0]))).tolist()
    assert abs(edge[0] / math.exp(-720.0) - 1) < 1e-6 and abs(edge[1] / math.exp(-100.0) - 1) < 1e-12
    assert edge[2] == 1.0
    deep = sigmoid(Tensor(np.array([-89.0, -100.0, -103.0], dtype=np.float32)))._data
    assert np.all(deep > 0), f"float32 sigmoid must keep its subnormal tail, got {deep}"
    assert np.isnan(sigmoid(Tensor([np.nan]))._data).all()
    assert sigmoid(Tensor(np.array([0.0], dtype=np.float16))).dtype == np.float16
    ### END HIDDEN TESTS
    print("sigmoid: OK")


test_unit_sigmoid()

# %% [markdown]
"""
**Tanh.** numpy's `np.tanh` is already stable for every input (it never forms `e^x` for large `x`), so
this one is short. Writing it as `2·σ(2x) - 1` would work too, but loses relative precision near 0,
where the subtraction cancels.

**Your task:** compute `out`, the tanh of `w`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "activations-tanh", "locked": false, "schema_version": 3, "solution": true}}
#| export
def tanh(x):
    """tanh(x) = (e^x - e^(-x)) / (e^x + e^(-x)), elementwise."""
    t = _as_tensor(x, "tanh")
    a = _float_data(t, "tanh", promote_ints=True)
    w = _working_copy(a)
    ### BEGIN SOLUTION
    out = np.tanh(w)
    ### END SOLUTION
    return _finish(out, t, a.dtype, "tanh")

# %% [markdown]
"""
### Testing Tanh
Odd symmetry, the identity `tanh(x) = 2σ(2x) - 1`, and saturation at ±1.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "activations-tanh-test", "locked": true, "points": 1, "schema_version": 3, "solution": false}}
def test_unit_tanh():
    x = Tensor(np.linspace(-5, 5, 21))
    y = tanh(x)
    assert np.allclose(y._data, -tanh(Tensor(-x._data))._data)
    assert np.allclose(y._data, 2 * sigmoid(Tensor(2 * x._data))._data - 1, atol=1e-12)
    assert np.allclose(tanh(Tensor([-1e4, 1e4]))._data, [-1.0, 1.0])
    assert tanh(Tensor([1.0])).dtype == np.float32 and tanh([2]).dtype == np.float32
    ### BEGIN HIDDEN TESTS
    assert abs(tanh(Tensor(np.array([1e-10]))).item() - 1e-10) < 1e-20
    ### END HIDDEN TESTS
    print("tanh: OK")


test_unit_tanh()

# %% [markdown]
"""
## Part 4: GELU

The exact GELU needs `erf`, and numpy has none (`math.erf` works on one Python float at a time). A
vectorised `erf_numpy` (a table of `math.erf` plus a short Taylor step, within 1e-15 of `math.erf`) is
given in the support file `tinytorch/core/activations_support.py`; it works in float64.
"""

# %%
#| export
from tinytorch.core.activations_support import erf_numpy  # noqa: E402  (given support code, not taught)

# %% [markdown]
"""
### GELU itself
`gelu(x, approximate="none")` computes the exact form `x·Φ(x)` with `Φ(x) = (1 + erf(x/√2)) / 2`,
and `approximate="tanh"` the tanh formula from Part 1. Both are one op, `"gelu"`, whose attr
`approximate` tells autograd which formula to differentiate. The constant of the tanh formula is
`GELU_TANH_COEFF`, so that nobody retypes it.

Numerics: compute the exact branch in float64 (`erf_numpy` works in float64 anyway); `_finish`
rounds back to the input's dtype. In the tanh branch, `x³` can overflow to `inf` for enormous `|x|`,
which is harmless (`tanh(±inf) = ±1`), and `-inf · 0` gives `nan` for `x = -inf`, as in PyTorch,
so the scaffolding silences those two warnings.

**Your task:** compute `out` for both values of `approximate`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "activations-gelu", "locked": false, "schema_version": 3, "solution": true}}
#| export
GELU_TANH_COEFF = 0.044715                    # the cubic coefficient of the tanh approximation
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
GELU_APPROXIMATIONS = ("none", "tanh")


def gelu(x, approximate="none"):
    """GELU(x) = x * Φ(x), Φ the standard normal CDF.

    approximate="none": Φ(x) = (1 + erf(x / √2)) / 2, exact.
    approximate="tanh": Φ(x) ≈ (1 + tanh(√(2/π) * (x + 0.044715 x³))) / 2, as in PyTorch.
    """
    t = _as_tensor(x, "gelu")
    if not isinstance(approximate, str) or approximate not in GELU_APPROXIMATIONS:
        raise ValueError(f"gelu(): approximate must be 'none' (exact, with erf) or 'tanh', got {approximate!r}")
    a = _float_data(t, "gelu")
    w = _working_copy(a)
    with np.errstate(over="ignore", invalid="ignore"):
        ### BEGIN SOLUTION
        if approximate == "none":
            z = w.astype(np.float64)
            out = z * 0.5 * (1.0 + erf_numpy(z / math.sqrt(2.0)))
        else:
            inner = _SQRT_2_OVER_PI * (w + GELU_TANH_COEFF * w * w * w)
            out = 0.5 * w * (1.0 + np.tanh(inner))
        ### END SOLUTION
    return _finish(out, t, a.dtype, "gelu", {"approximate": approximate})

# %% [markdown]
"""
### Testing GELU
Values against `math.erf` in float64, the limits (GELU is close to ReLU far from 0), the gap between
the two forms, and bad arguments.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "activations-gelu-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_gelu():
    x = np.linspace(-6, 6, 121)
    exact = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])
    tanh_form = np.array([0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3))) for v in x])
    assert np.allclose(gelu(Tensor(x))._data, exact, rtol=0, atol=1e-12)
    assert np.allclose(gelu(Tensor(x), approximate="tanh")._data, tanh_form, rtol=0, atol=1e-12)
    assert np.allclose(gelu(Tensor(x.astype(np.float32)))._data, exact, rtol=0, atol=2e-6)
    gap = np.max(np.abs(exact - tanh_form))
    print(f"max |gelu exact - gelu tanh| on [-6, 6]: {gap:.3g}")
    assert 0 < gap < 1e-3
    assert gelu(Tensor([1.0])).dtype == np.float32
    assert np.allclose(gelu(Tensor([-1e4, 1e4]))._data, [0.0, 1e4])
    for bad, error in ((dict(approximate="erf"), ValueError), (dict(approximate=None), ValueError)):
        try:
            gelu(Tensor([1.0]), **bad)
        except error as exc:
            assert "approximate" in str(exc)
        else:
            raise AssertionError(f"gelu(..., {bad}) should raise {error.__name__}")
    try:
        gelu(Tensor([1, 2]))
    except TypeError as exc:
        assert "int64" in str(exc)
    else:
        raise AssertionError("gelu() of an int64 tensor should raise TypeError")
    ### BEGIN HIDDEN TESTS
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        huge = gelu(Tensor(np.array([-1e30, 1e30], dtype=np.float32)), approximate="tanh")
    assert np.allclose(huge._data, [0.0, 1e30])
    assert gelu(Tensor(np.array([2.0], dtype=np.float16))).dtype == np.float16
    ### END HIDDEN TESTS
    print("gelu: OK")


test_unit_gelu()

# %% [markdown]
"""
## Part 5: Softmax and LogSoftmax

First the failure. Take one row of scores `[1e4, -1e4, 0]`: the right softmax is essentially
`[1, 0, 0]`. The naive formula exponentiates `1e4` directly:
"""

# %%
def softmax_naive(a, axis=-1):
    e = np.exp(a)
    return e / e.sum(axis=axis, keepdims=True)


logits = np.array([[1e4, -1e4, 0.0]], dtype=np.float32)
result, messages = run_and_catch(softmax_naive, logits)
print("naive softmax:", result, " warnings:", messages)
with np.errstate(all="ignore"):
    print("  exp(logits) =", np.exp(logits), " sum =", np.exp(logits).sum())
shifted = logits - logits.max(axis=-1, keepdims=True)
print("shifted logits (x - max):", shifted, " exp:", np.exp(shifted), " sum:", np.exp(shifted).sum())
moderate = np.array([[90.0, 89.0, 88.0]], dtype=np.float32)
result, messages = run_and_catch(softmax_naive, moderate)
print("naive softmax of", moderate, "in float32:", result, " warnings:", messages)

# %% [markdown]
"""
`e^(1e4)` is `inf`, `inf / inf` is `nan`, and in float32 even scores around 90 are enough to break
the naive formula (the thresholds were printed in Part 3). The fix is the shift identity from Part 1:
subtract each slice's maximum `m` before exponentiating. Then the largest exponent is `e^0 = 1`, all
others are in [0, 1], nothing can overflow, and the sum is at least 1, so the division is safe.
Very negative shifted scores **underflow** to 0, which is harmless: their true probabilities are
below anything a float can hold next to 1.

The same shift gives a stable log-softmax, the **log-sum-exp** trick:

    log_softmax(x)_i = (x_i - m) - log Σ_j e^(x_j - m)

Every term is finite for finite input, even where softmax itself has rounded to 0 (there
`log(softmax)` would be `-inf`).

Both take a `dim`. Reductions along it must keep that dimension (`keepdims=True`) so that the result
broadcasts back over the slice. The scaffolding checks `dim` (normalising it to `d >= 0`, which is the
attr autograd receives), treats a 0-d tensor as one slice of length 1, and returns empty tensors as
they are. `-inf` scores (masked positions, as in attention) get probability 0; a slice that contains
`+inf`, or only `-inf`, gives `nan`, as in PyTorch.

**Your task:** compute `out`, the softmax of `w` along axis `d`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "activations-softmax", "locked": false, "schema_version": 3, "solution": true}}
#| export
def softmax(x, dim=-1):
    """softmax(x)_i = e^(x_i) / Σ_j e^(x_j) along `dim`, stable for any finite input."""
    t = _as_tensor(x, "softmax")
    a = _float_data(t, "softmax")
    d = _check_dim(dim, a.ndim, "softmax")
    w = _working_copy(a).reshape(a.shape or (1,))      # a 0-d tensor is one slice of length 1
    if w.size == 0:
        return _finish(a.copy(), t, a.dtype, "softmax", {"dim": d})
    with np.errstate(invalid="ignore"):                 # inf - inf = nan, as in PyTorch
        ### BEGIN SOLUTION
        shifted = w - w.max(axis=d, keepdims=True)
        e = np.exp(shifted)
        out = e / e.sum(axis=d, keepdims=True)
        ### END SOLUTION
    return _finish(out.reshape(a.shape), t, a.dtype, "softmax", {"dim": d})

# %% [markdown]
"""
### Testing Softmax
Slices sum to 1, values match a float64 reference, huge logits stay finite, and every `dim` works.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "activations-softmax-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_softmax():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 5))
    for dim in (0, 1, 2, -1, -2, -3):
        y = softmax(Tensor(x), dim=dim)
        e = np.exp(x)
        assert np.allclose(y._data, e / e.sum(axis=dim, keepdims=True), atol=1e-12)
        assert np.allclose(y._data.sum(axis=dim), 1.0)
    big = Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yb = softmax(big, dim=1)
    assert yb.dtype == np.float32 and np.all(np.isfinite(yb._data))
    assert np.allclose(yb._data, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    assert np.allclose(softmax(Tensor([0.0, -np.inf, 0.0]))._data, [0.5, 0.0, 0.5])
    for bad, error in ((3, IndexError), ("1", TypeError)):
        try:
            softmax(Tensor(x), dim=bad)
        except error as exc:
            assert "softmax" in str(exc)
        else:
            raise AssertionError(f"softmax(dim={bad!r}) should raise {error.__name__}")
    ### BEGIN HIDDEN TESTS
    assert softmax(Tensor(5.0)).item() == 1.0
    assert softmax(Tensor(np.zeros((2, 0), dtype=np.float32)), dim=1).shape == (2, 0)
    shifted = Tensor(x + 1e4)
    assert np.allclose(softmax(shifted, dim=1)._data, softmax(Tensor(x), dim=1)._data, atol=1e-9)
    h = softmax(Tensor(np.array([1e4, 0.0], dtype=np.float16)))
    assert h.dtype == np.float16 and h.tolist() == [1.0, 0.0]
    ### END HIDDEN TESTS
    print("softmax: OK")


test_unit_softmax()

# %% [markdown]
"""
**LogSoftmax** uses the same shift. Compute `log Σ_j e^(x_j - m)` along `d` (keep the dimension) and
subtract it from the shifted scores.

**Your task:** compute `out`, the log-softmax of `w` along axis `d`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "activations-log-softmax", "locked": false, "schema_version": 3, "solution": true}}
#| export
def log_softmax(x, dim=-1):
    """log_softmax(x)_i = x_i - log Σ_j e^(x_j) along `dim`, by the log-sum-exp trick."""
    t = _as_tensor(x, "log_softmax")
    a = _float_data(t, "log_softmax")
    d = _check_dim(dim, a.ndim, "log_softmax")
    w = _working_copy(a).reshape(a.shape or (1,))
    if w.size == 0:
        return _finish(a.copy(), t, a.dtype, "log_softmax", {"dim": d})
    with np.errstate(invalid="ignore"):
        ### BEGIN SOLUTION
        shifted = w - w.max(axis=d, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=d, keepdims=True))
        ### END SOLUTION
    return _finish(out.reshape(a.shape), t, a.dtype, "log_softmax", {"dim": d})

# %% [markdown]
"""
### Testing LogSoftmax
It equals `log(softmax(x))` where that is finite, and stays finite where softmax rounds to 0.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "activations-log-softmax-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_log_softmax():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 6))
    for dim in (0, 1, -1):
        y = log_softmax(Tensor(x), dim=dim)
        assert np.allclose(y._data, np.log(softmax(Tensor(x), dim=dim)._data), atol=1e-12)
        assert np.allclose(np.exp(y._data).sum(axis=dim), 1.0)
    big = Tensor(np.array([[1e4, -1e4, 0.0]], dtype=np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yb = log_softmax(big)
    assert yb.dtype == np.float32 and np.all(np.isfinite(yb._data))
    assert np.allclose(yb._data, [[0.0, -2e4, -1e4]])
    ### BEGIN HIDDEN TESTS
    assert np.allclose(log_softmax(Tensor(x + 1e4), dim=0)._data, log_softmax(Tensor(x), dim=0)._data, atol=1e-9)
    masked = log_softmax(Tensor([0.0, -np.inf]))
    assert masked.tolist()[0] == 0.0 and masked.tolist()[1] == -np.inf
    ### END HIDDEN TESTS
    print("log_softmax: OK")


test_unit_log_softmax()

# %% [markdown]
"""
## Part 6: Activations as classes with saved state

The functions are stateless: everything they need arrives as arguments. A network, however, is built
once and called many times, so each activation becomes an **object** that is configured when it is
created and remembers its settings (its state): `LeakyReLU(0.2)` remembers its slope, `Softmax(dim=1)`
its dim. Calling the object runs its `forward`, which calls the function with the saved settings.
This is the shape of PyTorch's `nn.ReLU`, `nn.Softmax`, ...: `__init__` stores the settings as plain
attributes with PyTorch's names (`negative_slope`, `approximate`, `dim`); `forward(x)` calls the
function; `extra_repr()` describes the settings. The small base class `_Activation` (given) makes
calling the object run `forward` and prints `LeakyReLU(negative_slope=0.01)` like PyTorch. The Layers
module will make network-ready versions by inheritance, `class ReLU(Module, activations.ReLU)`:
because `Module` comes first, its `__call__` and `__repr__` win, while `forward` and the settings
come from here.

The objects keep no tensors: storing them on long-lived objects is the memory cost Part 7 measures,
and gradient bookkeeping belongs to autograd.

`ReLU`, `Sigmoid` and `Tanh` are written out as the pattern. **Your task:** complete `__init__` and
`forward` of `LeakyReLU`, `GELU`, `Softmax` and `LogSoftmax` (check the settings early, so that a
bad value fails when the object is built, not in the middle of training).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "activations-classes", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _check_class_dim(dim, cls):
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{cls}(dim=...) must be an int, got {type(dim).__name__} {dim!r}")
    return int(dim)


class _Activation:
    """What every activation class shares: calling the object runs forward(); repr() prints
    `Name(settings)` from extra_repr(), like PyTorch. No settings by default."""

    def __init__(self):
        pass

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def extra_repr(self):
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


class ReLU(_Activation):
    """Applies relu(x) = max(0, x) elementwise."""

    def forward(self, x):
        return relu(x)


class Sigmoid(_Activation):
    """Applies sigmoid(x) = 1 / (1 + e^(-x)) elementwise."""

    def forward(self, x):
        return sigmoid(x)


class Tanh(_Activation):
    """Applies tanh(x) elementwise."""

    def forward(self, x):
        return tanh(x)


class LeakyReLU(_Activation):
    """Applies leaky_relu(x, negative_slope) elementwise."""

    def __init__(self, negative_slope=0.01):
        """Store the slope (a real number) as self.negative_slope."""
        ### BEGIN SOLUTION
        self.negative_slope = _check_slope(negative_slope, "LeakyReLU")
        ### END SOLUTION

    def forward(self, x):
        """leaky_relu of x with the stored slope."""
        ### BEGIN SOLUTION
        return leaky_relu(x, self.negative_slope)
        ### END SOLUTION

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class GELU(_Activation):
    """Applies gelu(x, approximate) elementwise ("none": exact erf form; "tanh": tanh approximation)."""

    def __init__(self, approximate="none"):
        """Store approximate ("none" or "tanh") as self.approximate."""
        ### BEGIN SOLUTION
        if not isinstance(approximate, str) or approximate not in GELU_APPROXIMATIONS:
            raise ValueError(f"GELU(approximate=...) must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate
        ### END SOLUTION

    def forward(self, x):
        """gelu of x with the stored approximation."""
        ### BEGIN SOLUTION
        return gelu(x, approximate=self.approximate)
        ### END SOLUTION

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softmax(_Activation):
    """Applies softmax(x, dim): each slice along `dim` becomes a probability distribution."""

    def __init__(self, dim=-1):
        """Store dim (an int) as self.dim."""
        ### BEGIN SOLUTION
        self.dim = _check_class_dim(dim, "Softmax")
        ### END SOLUTION

    def forward(self, x):
        """softmax of x along the stored dim."""
        ### BEGIN SOLUTION
        return softmax(x, dim=self.dim)
        ### END SOLUTION

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(_Activation):
    """Applies log_softmax(x, dim) along `dim`."""

    def __init__(self, dim=-1):
        """Store dim (an int) as self.dim."""
        ### BEGIN SOLUTION
        self.dim = _check_class_dim(dim, "LogSoftmax")
        ### END SOLUTION

    def forward(self, x):
        """log_softmax of x along the stored dim."""
        ### BEGIN SOLUTION
        return log_softmax(x, dim=self.dim)
        ### END SOLUTION

    def extra_repr(self):
        return f"dim={self.dim}"



# t.relu(), t.sigmoid(), t.tanh(), t.softmax(dim), t.log_softmax(dim): module 01's registry finds them here
for _fn in (relu, sigmoid, tanh, softmax, log_softmax):
    register_activation(_fn.__name__, _fn)

# %% [markdown]
"""
### Testing the activation classes
Each object gives the same result as its function, prints like PyTorch, and refuses bad settings
when built.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "activations-classes-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_activation_classes():
    x = Tensor(np.linspace(-3, 3, 12).reshape(3, 4))
    cases = [
        (ReLU(), relu(x), "ReLU()"),
        (LeakyReLU(), leaky_relu(x), "LeakyReLU(negative_slope=0.01)"),
        (LeakyReLU(negative_slope=0.2), leaky_relu(x, 0.2), "LeakyReLU(negative_slope=0.2)"),
        (Sigmoid(), sigmoid(x), "Sigmoid()"),
        (Tanh(), tanh(x), "Tanh()"),
        (GELU(), gelu(x), "GELU(approximate='none')"),
        (GELU(approximate="tanh"), gelu(x, approximate="tanh"), "GELU(approximate='tanh')"),
        (Softmax(dim=0), softmax(x, dim=0), "Softmax(dim=0)"),
        (LogSoftmax(), log_softmax(x), "LogSoftmax(dim=-1)"),
    ]
    for layer, expected, text in cases:
        assert np.array_equal(layer(x)._data, expected._data), text
        assert np.array_equal(layer.forward(x)._data, expected._data), text
        assert repr(layer) == text, f"{repr(layer)} != {text}"
    for build, error in ((lambda: LeakyReLU("big"), TypeError), (lambda: GELU("erf"), ValueError),
                         (lambda: Softmax(dim=None), TypeError), (lambda: LogSoftmax(dim=1.5), TypeError)):
        try:
            build()
        except error:
            pass
        else:
            raise AssertionError(f"a bad setting should raise {error.__name__}")

    ### BEGIN HIDDEN TESTS
    assert vars(Softmax(dim=2)) == {"dim": 2} and vars(ReLU()) == {}
    assert vars(GELU("tanh")) == {"approximate": "tanh"}
    ### END HIDDEN TESTS
    print("activation classes: OK")


test_unit_activation_classes()

# %% [markdown]
"""
## Part 7: Systems Analysis

### Computational Complexity
Every activation here is **O(n)** in time for a tensor of `n` elements and allocates one output of
`n` elements; none has parameters. What differs is the constant in front of the `n`:

| function | work per element | passes over the data |
|---|---|---|
| relu, leaky_relu | a comparison (and a multiply) | 1 (relu), 4 (our branch-free leaky_relu) |
| sigmoid, tanh | one `exp`-class transcendental + a few arithmetic ops | 1 to 3 |
| gelu (tanh form) | a cube, a `tanh`, a few multiplies | several |
| gelu (exact) | a table lookup and a degree-6 polynomial (our `erf_numpy`) | many |
| softmax, log_softmax | max, subtract, `exp`, sum, divide (or log) | 3 to 4, plus a reduction along `dim` |

numpy runs each operation as a separate pass that reads and writes a whole array, so a formula with
`k` operations touches memory about `k` times; a framework kernel can **fuse** them into one pass.
Softmax also has a data dependency: the max and the sum of a slice must be known before any output
of that slice can be written.

### Measure: what does `exp` cost?
Build -> Measure -> Understand. First the numpy primitives, each writing into a preallocated output,
at two sizes: 4096 float32 values (16 KiB, which stays in the CPU's cache) and 4M values (16 MiB,
which has to come from main memory). Each figure is the best of several timed runs
(`time.perf_counter`), in nanoseconds per element and as a multiple of a plain `add`. numpy's
elementwise operations run on one thread and use no BLAS; `pinned_blas_threads(1)` pins BLAS anyway, so that
no timed cell of the course depends on the machine's thread count.
"""

# %%
import time

from tinytorch.utils.timing import pinned_blas_threads


def seconds_per_call(fn, repeats=5, target=0.02):
    """Best time of one fn() call; each timed run repeats fn() for about `target` seconds."""
    start = time.perf_counter()
    fn()
    calls = max(1, int(target / max(time.perf_counter() - start, 1e-7)))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def time_primitives(sizes=(4096, 1 << 22)):
    """ns per element of numpy primitives at each size; returns {size: {name: ns}}."""
    rng = np.random.default_rng(0)
    table = {}
    for n in sizes:
        a = rng.standard_normal(n).astype(np.float32)
        b = rng.standard_normal(n).astype(np.float32)
        out = np.empty_like(a)
        ops = {
            "add a + b": lambda: np.add(a, b, out=out),
            "maximum(a, b)": lambda: np.maximum(a, b, out=out),
            "exp(a)": lambda: np.exp(a, out=out),
            "tanh(a)": lambda: np.tanh(a, out=out),
            "where(a > 0, a, b)": lambda: np.where(a > 0, a, b),
        }
        with pinned_blas_threads(1) as blas_note:
            table[n] = {name: seconds_per_call(fn) / n * 1e9 for name, fn in ops.items()}
    print(blas_note)
    print(f"{'numpy primitive (float32)':26}" + "".join(f"{f'n = {n}':>22}" for n in sizes))
    for name in table[sizes[0]]:
        cells = "".join(f"{table[n][name]:9.3f} ns {table[n][name] / table[n]['add a + b']:6.1f}x add"
                        for n in sizes)
        print(f"{name:26}{cells}")
    return table


primitive_timings = time_primitives()

# %% [markdown]
"""
Now the activations themselves, on one million float32 values (a 1000 x 1000 matrix for the
softmaxes), including the Tensor wrapping and every temporary array they allocate, and one row that
calls `math.erf` once per element from Python (on 20,000 values), the per-element alternative to a
whole-array `erf`.
"""

# %%
def time_activations(n=1_000_000):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(n).astype(np.float32)
    t = Tensor(a)
    rows = Tensor(a.reshape(1000, -1))
    small = a[:20_000].astype(np.float64)
    math_erf = np.frompyfunc(math.erf, 1, 1)
    cases = {
        "relu": (lambda: relu(t), n),
        "leaky_relu": (lambda: leaky_relu(t), n),
        "sigmoid (stable)": (lambda: sigmoid(t), n),
        "tanh": (lambda: tanh(t), n),
        "gelu, approximate='tanh'": (lambda: gelu(t, approximate="tanh"), n),
        "gelu, approximate='none'": (lambda: gelu(t), n),
        "softmax(dim=-1)": (lambda: softmax(rows, dim=-1), n),
        "log_softmax(dim=-1)": (lambda: log_softmax(rows, dim=-1), n),
        "erf_numpy (whole array)": (lambda: erf_numpy(small), small.size),
        "math.erf once per element": (lambda: math_erf(small), small.size),
    }
    with pinned_blas_threads(1):
        ns = {name: seconds_per_call(fn, repeats=3) / count * 1e9 for name, (fn, count) in cases.items()}
    print(f"{'activation (float32)':32}{'ns / element':>14}{'x relu':>9}")
    for name, value in ns.items():
        print(f"{name:32}{value:14.2f}{value / ns['relu']:9.1f}")
    exact, approx = ns["gelu, approximate='none'"], ns["gelu, approximate='tanh'"]
    cheapest = min(("relu", "leaky_relu", "sigmoid (stable)", "tanh"), key=ns.get)
    print(f"this run: the cheapest elementwise activation was {cheapest}; exact GELU cost "
          f"{exact / approx:.1f}x the tanh form; math.erf per element cost "
          f"{ns['math.erf once per element'] / ns['erf_numpy (whole array)']:.1f}x erf_numpy")
    return ns


activation_timings = time_activations()

# %% [markdown]
"""
**Understand.** Read the tables this run printed (timings on a shared machine vary; rerun to see):

- **In cache**, how many adds does an `exp` or a `tanh` cost? An `add` or a `maximum` is one SIMD
  instruction for many elements; `exp` and `tanh` evaluate a polynomial per element.
- **From main memory**, do the ratios shrink towards 1? Then every primitive waits for the same
  bytes: large elementwise ops are bandwidth-bound, and the number of **passes** over the data
  matters more than the maths in each pass.
- Which activation was cheapest in *this* run, and do the numpy passes each one makes (ReLU one; the
  stable sigmoid six; softmax two reductions more) explain the order you measured?
- `where(a > 0, a, b)` against `maximum`: with random signs numpy cannot predict each element's
  branch, which is why `leaky_relu` and `sigmoid` avoid it.
- `math.erf` once per element is far slower than a whole-array `erf`: the Python call, not the maths,
  dominates. That gap is why the tanh form of GELU existed, and why frameworks fuse (Part 8).

### Measure: memory of saved activations
To compute gradients, training must keep, for every activation in the network, whatever its
derivative needs: the **input** for ReLU, LeakyReLU and GELU, the **output** for sigmoid, tanh and
softmax. Those tensors stay alive from the forward pass until the backward pass. The cell below
applies a stack of ReLU objects to a batch, once with plain objects and once with a teaching-only
subclass that keeps its input (what a backward pass would need), and measures with `tracemalloc`.
A third variant keeps only the sign pattern `x > 0` as a bool mask, all that ReLU's gradient needs.
"""

# %%
import tracemalloc


class ReLUKeepsInput(ReLU):
    """Teaching-only: keeps its input, as a backward pass would need (autograd does this later)."""

    def forward(self, x):
        self.saved = x
        return relu(x)


class ReLUKeepsMask(ReLU):
    """Teaching-only: keeps just the bool mask x > 0, which is all ReLU's gradient needs."""

    def forward(self, x):
        self.saved = x._data > 0
        return relu(x)


def traced_forward(layers, x):
    """(bytes still allocated after the forward pass, peak bytes during it), output excluded."""
    tracemalloc.start()
    h = x
    for layer in layers:
        h = layer(h)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return current - h._data.nbytes, peak


def saved_activation_memory(batch=128, width=1024, depth=8):
    x = Tensor(np.random.default_rng(0).standard_normal((batch, width)).astype(np.float32))
    mib = 2 ** 20
    one = x._data.nbytes
    assert one == batch * width * 4, "a float32 activation takes 4 bytes per value"
    print(f"batch {batch} x width {width} float32 = {one / mib:.2f} MiB per activation, depth {depth}")
    print(f"{'variant':26}{'kept after forward':>20}{'peak':>10}{'predicted kept':>16}")
    results = {}
    for name, cls, predicted in (("plain ReLU", ReLU, 0),
                                 ("keeps its input", ReLUKeepsInput, (depth - 1) * one),
                                 ("keeps a bool mask", ReLUKeepsMask, depth * x._data.size)):
        layers = [cls() for _ in range(depth)]
        kept, peak = traced_forward(layers, x)
        results[name] = kept
        print(f"{name:26}{kept / mib:17.2f} MiB{peak / mib:7.2f} MiB{predicted / mib:13.2f} MiB")
        assert abs(kept - predicted) < 0.05 * predicted + 64 * 1024, f"{name}: kept {kept} B, predicted {predicted} B"
    return results, one


memory, one_activation = saved_activation_memory()

# %% [markdown]
"""
**Understand.** The cell asserted each measurement against its prediction. The plain stack keeps
nothing after the forward pass (its peak is about two activations, input and output). The stack that
keeps inputs holds one activation per layer (`depth - 1`: the batch itself was allocated before
tracing started), growing linearly with depth **and** batch size: this, not the parameters, usually
fills memory in training. A bool mask needs a quarter of the bytes; autograd (module 05) decides
what each op keeps.
"""

# %% [markdown]
"""
## Part 8: Production Context

How PyTorch and TensorFlow provide the same functions:

- **Same API.** `torch.nn.functional` and `torch.nn` use the names and arguments used here;
  TensorFlow spells them `tf.nn.relu`, `tf.nn.leaky_relu(alpha=...)`, `tf.math.sigmoid`,
  `tf.nn.gelu(approximate=False)`, `tf.nn.softmax(logits, axis=-1)`.
- **Fused, vectorised kernels.** A framework kernel reads each element once, computes the whole
  formula in registers with SIMD instructions (vectorised `exp`, `tanh` and `erf` included) and writes
  once, instead of one memory pass per numpy operation. Compilers (`torch.compile`, XLA) go further
  and fuse an activation into the matrix multiply or bias add that precedes it.
- **Stable softmax everywhere.** Production softmax kernels subtract the maximum exactly as here.
  `F.cross_entropy` is `nll_loss(log_softmax(x))`, never `log(softmax(x))`. Attention kernels such as
  FlashAttention use an **online softmax**: it keeps a running maximum and rescales the partial sum
  when the maximum grows, so a row can be processed in blocks in one pass.
- **Memory.** `nn.ReLU(inplace=True)` overwrites its input to save an allocation. During training
  PyTorch's autograd saves, per op, only what the gradient needs, and **activation checkpointing**
  (`torch.utils.checkpoint`) discards saved activations and recomputes them in the backward pass,
  trading compute for the memory measured in Part 7. Inference under `torch.no_grad()` saves nothing.
- **Precision.** Half-precision inputs are computed with float32 intermediates on the CPU, as we do.

The public tests (`tests/02_activations/test_activations_torch.py`) compare every function with
PyTorch on the same inputs, ±1e4 logits included.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_input_checks()
    test_unit_relu()
    test_unit_leaky_relu()
    test_unit_sigmoid()
    test_unit_tanh()
    test_unit_gelu()
    test_unit_softmax()
    test_unit_log_softmax()
    test_unit_activation_classes()
    print("All activation tests passed.")

# %%
if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## ML Systems Thinking

1. Your timing table measured what an `exp` costs relative to an `add`. In a transformer, softmax runs over
   a `sequence × sequence` score matrix per head. How does its share of the total time change as the
   sequence grows, compared with the matrix multiplies around it?
2. The stable softmax needs the maximum of a slice before it can write any output. How does the online
   softmax used by FlashAttention get around that, and what extra work does it do when a new block
   raises the running maximum?
3. ReLU's gradient needs only the sign of its input, so a bool mask suffices; Part 7 measured the
   saving. Which of this module's activations could save a compact summary, and which need a full
   float tensor?
4. The exact and tanh-approximated GELU differ by at most the gap printed in Part 4. If a model was
   trained with one form and served with the other, would you expect the predictions to change, and
   how would you check?
5. `inplace=True` saves an allocation for ReLU. Why is it unsafe when the input is still needed by
   another op's gradient?
"""

# %% [markdown]
"""
## Module Summary

You built the activation functions of modern deep learning on top of the Tensor:

- `relu`, `leaky_relu`, `sigmoid`, `tanh`, `gelu`, `softmax` and `log_softmax` on Tensors, keeping
  shape and dtype and returning through `record_op`, and their classes, which print like PyTorch's;
- a sigmoid in which no exponential overflows (tiny tails kept), and softmax / log-softmax by the max
  shift and log-sum-exp, correct at logits of ±1e4, after watching the naive formulas fail;
- the single GELU of the course, exact (erf) and tanh-approximated;
- measurements of what transcendental functions cost relative to an add, and of how saved
  activations grow with depth and batch size.

Next, the Layers module turns these classes into `Module`s and combines them with `Linear` layers into
networks.
"""
