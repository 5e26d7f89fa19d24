# %% [markdown]
"""
# Module 05: Autograd

**Learning Objectives:**
- Build a reverse-mode automatic differentiation engine that records a computation graph while ops run
- Write one small gradient rule per op (a vector-Jacobian product) and check each against finite differences
- Walk the graph backward in topological order with a loop, not recursion, so graphs of any depth work
- Control recording with `no_grad`, cut graphs with `detach`, accumulate and reset gradients like PyTorch
- Measure what the graph costs: the memory that saved tensors hold and the time each recorded op adds
"""

# %% [markdown]
r"""
## Part 1: Mathematical Foundations

### The chain rule, run backward
A training step computes a scalar loss $L$ from parameters through many small ops. For one op
$y = f(x_1, \dots, x_k)$ inside that computation, the chain rule says

$$\frac{\partial L}{\partial x_i} = \left(\frac{\partial y}{\partial x_i}\right)^{\!\top} \frac{\partial L}{\partial y}.$$

We never build the Jacobian $\partial y / \partial x_i$: for an elementwise op on a million numbers it would
have a million squared entries. Each op instead supplies a **vector-Jacobian product** (VJP): given the
upstream gradient $g = \partial L / \partial y$ (same shape as $y$), return $\partial L / \partial x_i$ (same
shape as $x_i$). For $y = a \cdot b$ elementwise that is $(g \cdot b,\; g \cdot a)$; for $Y = A B$ it is
$(G B^\top,\; A^\top G)$. These small functions are the **gradient rules**.

### The computation graph
Module 01 builds every op's result with `record_op(data, op, inputs, attrs)` and calls a `record` hook that
this module installs. `record` attaches a **node** to the output tensor (`out.grad_fn`) remembering the op
name, its input tensors and its attributes (a `dim`, an index, a class target). Following `grad_fn` and
then each input's `grad_fn` walks the graph from the loss back to the parameters (the **leaves**, which have
no `grad_fn`).

### Topological order, without recursion
A node may only run its rule when its output gradient is complete, that is, after every consumer of its
output has passed its share back. A tensor used twice (`y = x * x + x`) receives two contributions, which
**add up**. We count, for every node, how many consumers it has in the graph (its *pending* count); a node
is ready when that count drops to zero. This is Kahn's algorithm: one loop over a work list, so a very
deep graph needs no deeper Python stack than a graph one op deep. A recursive depth-first walk would hit
Python's recursion limit.

### Broadcasting in reverse
If `a` of shape `(3, 1)` is added to `b` of shape `(4,)`, the result has shape `(3, 4)`: NumPy repeated
`a` along the last axis and `b` along a new first axis. Each repeated copy of an input element contributed
to the loss, so the gradient must **sum** over the broadcast axes to get back to the input's shape. That
is `unbroadcast`, used by every binary rule.

### Accumulation and leaves
Gradients land in the leaves' `.grad` and **accumulate** across `backward()` calls, exactly as in PyTorch:
call `zero_grad` (or set `.grad = None`) between training steps. Intermediate tensors do not keep their
gradients; the engine passes them along and forgets them.
"""

# %%
#| export
import functools
import threading

import numpy as np

from tinytorch.core.activations import GELU_TANH_COEFF   # GELU's one definition lives in module 02
from tinytorch.core.tensor import Tensor, register_autograd

__all__ = [
    "GRADIENTS", "register_gradient", "unbroadcast", "Node", "record", "backward", "zero_grad",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
]

# %% [markdown]
"""
## Part 2: The gradient registry and `unbroadcast`

Every gradient rule is a function `rule(g, inputs, out, attrs)`:

- `g`: the gradient of the loss with respect to the op's output (an ndarray, the output's shape);
- `inputs`: the op's input tensors (read their values with `.data`);
- `out`: the op's output values (an ndarray), handy for `exp`, `sigmoid`, `tanh`, `softmax`;
- `attrs`: the dict the op passed to `record_op` (or `None`).

It returns one gradient per input (an ndarray of that input's shape), or `None` for an input that needs
none: one that does not require grad (the constant `2` in `x * 2`, whose gradient would be computed only
to be thrown away) or a target. Rules are filed by op name in the dictionary `GRADIENTS` with the decorator
`@register_gradient("name")`, so the whole calculus of the framework reads as one table.

Implement `unbroadcast(grad, shape)`: sum away the leading axes that broadcasting added, then sum (keeping
the axis) every axis where `shape` has size 1 but `grad` does not.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "autograd-registry", "locked": false, "schema_version": 3, "solution": true}}
#| export
GRADIENTS = {}          # op name -> rule(g, inputs, out, attrs) -> tuple of input gradients


def register_gradient(*ops):
    """Decorator: file the decorated rule under each op name in `ops`."""
    def decorator(rule):
        for op in ops:
            GRADIENTS[op] = rule
        return rule
    return decorator


def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`, undoing NumPy broadcasting (the reverse of `np.broadcast_to`)."""
    ### BEGIN SOLUTION
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad
    ### END SOLUTION

# %% [markdown]
"""
### Testing the registry and `unbroadcast`
`unbroadcast` must invert `np.broadcast_to` in the sense of a sum: every element of the small array
receives the sum of its copies.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "autograd-registry-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_unbroadcast():
    g = np.arange(12.0).reshape(3, 4)
    assert unbroadcast(g, (3, 4)) is g, "no broadcasting: return the gradient unchanged"
    np.testing.assert_array_equal(unbroadcast(g, (4,)), g.sum(axis=0))
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), g.sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(unbroadcast(g, (1, 1)), g.sum(keepdims=True))
    np.testing.assert_array_equal(unbroadcast(g, ()), g.sum())
    g3 = np.ones((2, 3, 4))
    assert unbroadcast(g3, (3, 1)).shape == (3, 1)
    np.testing.assert_array_equal(unbroadcast(g3, (3, 1)), np.full((3, 1), 8.0))
    ### BEGIN HIDDEN TESTS
    assert unbroadcast(np.ones((5, 0)), (1, 0)).shape == (1, 0)
    np.testing.assert_array_equal(unbroadcast(np.ones((2, 3)), (2, 1)), np.full((2, 1), 3.0))
    ### END HIDDEN TESTS
    print("unbroadcast sums gradients back to each input's shape")


def test_unit_register_gradient():
    @register_gradient("_test_twice", "_test_twice_alias")
    def twice_grad(g, inputs, out, attrs):
        return (2 * g,)
    assert GRADIENTS["_test_twice"] is twice_grad and GRADIENTS["_test_twice_alias"] is twice_grad
    del GRADIENTS["_test_twice"], GRADIENTS["_test_twice_alias"]
    print("register_gradient files a rule under each name")


test_unit_unbroadcast()
test_unit_register_gradient()

# %% [markdown]
r"""
### A gradient checker for single rules
Before any graph exists we can already test a rule on its own. The derivative of
$\ell(x) = \sum (f(x) \cdot g)$ with respect to one entry of $x$ is what the rule must return at that
entry, and a **central difference** estimates it with error $O(\varepsilon^2)$:

$$\frac{\partial \ell}{\partial x_j} \approx \frac{\ell(x + \varepsilon e_j) - \ell(x - \varepsilon e_j)}{2 \varepsilon}.$$

We do it in float64, where a step of about $10^{-6}$ balances truncation against rounding.
`check_rule` runs a rule on a NumPy forward function and compares.
"""

# %%
def numerical_vjp(forward, arrays, g, eps=1e-6):
    """Central-difference gradients of sum(forward(*arrays) * g) with respect to every array."""
    grads = []
    for a in arrays:
        grad = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            saved = a[idx]
            a[idx] = saved + eps
            up = np.sum(forward(*arrays) * g)
            a[idx] = saved - eps
            down = np.sum(forward(*arrays) * g)
            a[idx] = saved
            grad[idx] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


def check_rule(op, forward, arrays, attrs=None, rtol=1e-6, atol=1e-8, seed=0):
    """Compare GRADIENTS[op] against central differences of `forward` (ndarrays in, ndarray out)."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    out = np.asarray(forward(*arrays))
    g = np.random.default_rng(seed).standard_normal(out.shape)
    inputs = tuple(Tensor(a.copy(), requires_grad=True) for a in arrays)
    got = GRADIENTS[op](g, inputs, out, attrs)
    assert len(got) == len(arrays), f"{op}: the rule returned {len(got)} gradients for {len(arrays)} inputs"
    want = numerical_vjp(forward, arrays, g)
    for k, (mine, numeric) in enumerate(zip(got, want)):
        if mine is None:
            continue
        assert np.shape(mine) == arrays[k].shape, \
            f"{op}: gradient of input {k} has shape {np.shape(mine)}, expected {arrays[k].shape}"
        np.testing.assert_allclose(mine, numeric, rtol=rtol, atol=atol, err_msg=f"{op}: input {k}")

# %% [markdown]
r"""
## Part 3: Elementwise arithmetic

| op | forward | gradient for each input |
|---|---|---|
| add | $a + b$ | $g,\; g$ |
| sub | $a - b$ | $g,\; -g$ |
| mul | $a b$ | $g b,\; g a$ |
| div | $a / b$ | $g / b,\; -g\, a / b^2$ |
| pow | $a^b$ | $g\, b\, a^{b-1},\; g\, a^b \ln a$ |
| neg | $-a$ | $-g$ |
| exp | $e^a$ | $g\, e^a$ (reuse the output) |
| log | $\ln a$ | $g / a$ |

Every binary rule ends with `unbroadcast` and skips an input that does not require grad (in `x * 2` the
`2` wants no gradient; summing one for it would waste time on every step). For `pow` the exponent's
gradient also costs a logarithm; like PyTorch, it is 0 where the base is 0 and the exponent is
non-negative.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "autograd-arith-rules", "locked": false, "schema_version": 3, "solution": true}}
#| export
@register_gradient("add")
def add_grad(g, inputs, out, attrs):
    """d(a + b) = (g, g), each summed back to its input's shape."""
    a, b = inputs
    return (unbroadcast(g, a.shape) if a.requires_grad else None,
            unbroadcast(g, b.shape) if b.requires_grad else None)


@register_gradient("sub")
def sub_grad(g, inputs, out, attrs):
    """d(a - b) = (g, -g)."""
    a, b = inputs
    return (unbroadcast(g, a.shape) if a.requires_grad else None,
            unbroadcast(-g, b.shape) if b.requires_grad else None)


@register_gradient("mul")
def mul_grad(g, inputs, out, attrs):
    """d(a * b) = (g * b, g * a)."""
    a, b = inputs
    ### BEGIN SOLUTION
    return (unbroadcast(g * b.data, a.shape) if a.requires_grad else None,
            unbroadcast(g * a.data, b.shape) if b.requires_grad else None)
    ### END SOLUTION


@register_gradient("div")
def div_grad(g, inputs, out, attrs):
    """d(a / b) = (g / b, -g * a / b**2) = (g / b, -g * out / b)."""
    a, b = inputs
    ### BEGIN SOLUTION
    ga = g / b.data
    return (unbroadcast(ga, a.shape) if a.requires_grad else None,
            unbroadcast(-ga * out, b.shape) if b.requires_grad else None)
    ### END SOLUTION


@register_gradient("pow")
def pow_grad(g, inputs, out, attrs):
    """d(a ** b) = (g * b * a**(b-1), g * a**b * log(a)); the second only if b requires grad."""
    a, b = inputs
    ### BEGIN SOLUTION
    x, p = a.data, b.data
    ga = gb = None
    with np.errstate(divide="ignore", invalid="ignore"):
        if a.requires_grad:
            ga = unbroadcast(g * p * x ** (p - 1), a.shape)
        if b.requires_grad:
            log_x = np.where((x == 0) & (p >= 0), 0.0, np.log(x))
            gb = unbroadcast(g * out * log_x, b.shape)
    return ga, gb
    ### END SOLUTION


@register_gradient("neg")
def neg_grad(g, inputs, out, attrs):
    """d(-a) = -g."""
    return (-g,)


@register_gradient("exp")
def exp_grad(g, inputs, out, attrs):
    """d(exp a) = g * exp(a), and exp(a) is the output we already have."""
    ### BEGIN SOLUTION
    return (g * out,)
    ### END SOLUTION


@register_gradient("log")
def log_grad(g, inputs, out, attrs):
    """d(log a) = g / a."""
    ### BEGIN SOLUTION
    return (g / inputs[0].data,)
    ### END SOLUTION

# %% [markdown]
"""
### Testing the arithmetic rules
Each rule against central differences, with broadcasting shapes so that `unbroadcast` is exercised.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "autograd-arith-rules-test", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_arithmetic_rules():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    pos_a, pos_b = rng.uniform(0.5, 2.0, (3, 1)), rng.uniform(0.5, 2.0, (1, 4))
    check_rule("add", np.add, [a, b])
    check_rule("sub", np.subtract, [a, b])
    check_rule("mul", np.multiply, [a, b])
    check_rule("div", np.divide, [a, pos_b])
    check_rule("pow", np.power, [pos_a, pos_b])
    check_rule("neg", np.negative, [a])
    check_rule("exp", np.exp, [a])
    check_rule("log", np.log, [pos_a])
    ### BEGIN HIDDEN TESTS
    check_rule("mul", np.multiply, [rng.standard_normal(()), rng.standard_normal((2, 3))])
    check_rule("div", np.divide, [rng.standard_normal((2, 1, 3)), rng.uniform(1, 2, (4, 1))])
    ### END HIDDEN TESTS
    print("add, sub, mul, div, pow, neg, exp, log match finite differences")


def test_unit_pow_skips_constant_exponent():
    x = Tensor(np.array([0.0, 2.0, 3.0]), requires_grad=True)
    two = Tensor(np.array(2.0))                         # a constant exponent: no gradient wanted
    ga, gb = pow_grad(np.ones(3), (x, two), x.data ** 2, None)
    np.testing.assert_allclose(ga, [0.0, 4.0, 6.0])
    assert gb is None, "the exponent does not require grad: skip its (costly) gradient"
    print("pow skips the exponent's gradient when nobody needs it")


test_unit_arithmetic_rules()
test_unit_pow_skips_constant_exponent()

# %% [markdown]
r"""
## Part 4: Matrix multiplication

For $Y = A B$ with $A$ of shape $(n, k)$ and $B$ of shape $(k, m)$: $\partial L/\partial A = G B^\top$ and
$\partial L/\partial B = A^\top G$, where $G = \partial L / \partial Y$. `matmul` also accepts 1-D operands
(a vector is a $(1, k)$ row on the left, a $(k, 1)$ column on the right, and that axis is dropped from the
result) and batches (leading axes broadcast like elementwise ops). The rule lifts vectors to matrices,
uses `np.swapaxes(X, -1, -2)` as the batched transpose, sums broadcast batch axes with `unbroadcast`, and
reshapes back. Each gradient is a full matrix product, so the rule skips an input that does not require a
gradient (the data `x` in `x @ W`).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "autograd-matmul-rule", "locked": false, "schema_version": 3, "solution": true}}
#| export
@register_gradient("matmul")
def matmul_grad(g, inputs, out, attrs):
    """d(A @ B) = (G @ B^T, A^T @ G), with 1-D operands lifted to matrices and batches unbroadcast."""
    a, b = inputs
    ### BEGIN SOLUTION
    A = a.data if a.ndim > 1 else a.data[None, :]
    B = b.data if b.ndim > 1 else b.data[:, None]
    G = g
    if b.ndim == 1:
        G = np.expand_dims(G, -1)
    if a.ndim == 1:
        G = np.expand_dims(G, -2)
    ga = gb = None
    if a.requires_grad:
        ga = unbroadcast(G @ np.swapaxes(B, -1, -2), A.shape).reshape(a.shape)
    if b.requires_grad:
        gb = unbroadcast(np.swapaxes(A, -1, -2) @ G, B.shape).reshape(b.shape)
    return ga, gb
    ### END SOLUTION

# %% [markdown]
"""
### Testing matmul
Matrix-matrix, vector cases and a broadcast batch.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "autograd-matmul-rule-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_matmul_rule():
    rng = np.random.default_rng(2)
    for sa, sb in [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
                   ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2))]:
        check_rule("matmul", np.matmul, [rng.standard_normal(sa), rng.standard_normal(sb)])
    print("matmul matches finite differences for matrices, vectors and batches")


test_unit_matmul_rule()

# %% [markdown]
"""
## Part 5: Reductions

`sum` copies its upstream gradient to every element that was summed: re-insert the reduced axes (when
`keepdim` was false) and broadcast to the input's shape. `mean` does the same divided by the number of
elements averaged. Module 01 records `{"dim": ..., "keepdim": ...}` with `dim` already non-negative (an
int, a tuple, or `None` for all axes).

`max` and `min` pass the gradient to the element that won. **Ties: the gradient is split evenly among all
tied elements** (two equal maxima each get half). This matches PyTorch's `amax`/`amin` and its full
reduction `x.max()`; PyTorch's `x.max(dim)` instead gives everything to the one index it returns. With no
ties, all agree.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "autograd-reduction-rules", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _restore_reduced_axes(g, attrs, ndim):
    """Put back the axes a reduction removed (keepdim=False), so `g` broadcasts against an input with
    `ndim` axes. (Reducing a 0-d tensor along dim 0 removes nothing.)"""
    dim = attrs["dim"]
    if dim is not None and not attrs["keepdim"] and np.ndim(g) < ndim:
        g = np.expand_dims(g, dim)
    return g


@register_gradient("sum")
def sum_grad(g, inputs, out, attrs):
    """Every summed element receives the upstream gradient of its sum."""
    ### BEGIN SOLUTION
    (a,) = inputs
    return (np.broadcast_to(_restore_reduced_axes(g, attrs, a.ndim), a.shape),)
    ### END SOLUTION


@register_gradient("mean")
def mean_grad(g, inputs, out, attrs):
    """Like sum, divided by how many elements each mean averaged."""
    (a,) = inputs
    ### BEGIN SOLUTION
    count = a.data.size // max(np.size(out), 1) or 1
    return (np.broadcast_to(_restore_reduced_axes(g, attrs, a.ndim) / count, a.shape),)
    ### END SOLUTION


@register_gradient("max", "min")
def extreme_grad(g, inputs, out, attrs):
    """The gradient goes to the extreme element(s); tied elements share it equally."""
    (a,) = inputs
    ### BEGIN SOLUTION
    g = _restore_reduced_axes(g, attrs, a.ndim)
    winners = a.data == _restore_reduced_axes(out, attrs, a.ndim)
    count = winners.sum(axis=attrs["dim"] if a.ndim else None, keepdims=True)
    return (winners * (g / count),)
    ### END SOLUTION

# %% [markdown]
"""
### Testing reductions
Sum, mean, max and min over all axes, one axis and several axes, with and without `keepdim`, plus a tie.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "autograd-reduction-rules-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_reduction_rules():
    rng = np.random.default_rng(3)
    x = rng.permutation(24).reshape(2, 3, 4) * 0.1 + rng.uniform(0, 0.01, (2, 3, 4))   # no ties
    for dim in (None, 0, 2, (0, 2)):
        for keepdim in (False, True):
            attrs = {"dim": dim, "keepdim": keepdim}
            check_rule("sum", lambda v: np.sum(v, axis=dim, keepdims=keepdim), [x], attrs)
            check_rule("mean", lambda v: np.mean(v, axis=dim, keepdims=keepdim), [x], attrs)
            if not isinstance(dim, tuple):
                check_rule("max", lambda v: np.max(v, axis=dim, keepdims=keepdim), [x], attrs)
                check_rule("min", lambda v: np.min(v, axis=dim, keepdims=keepdim), [x], attrs)
    scalar = np.array(1.5)                              # a 0-d tensor reduced along dim 0 stays 0-d
    for op, fn in (("sum", np.sum), ("mean", np.mean), ("max", np.max), ("min", np.min)):
        check_rule(op, lambda v: fn(v), [scalar], {"dim": 0, "keepdim": False})
    tied = Tensor(np.array([1.0, 3.0, 3.0, 2.0]), requires_grad=True)
    (grad,) = extreme_grad(np.array(1.0), (tied,), np.array(3.0), {"dim": None, "keepdim": False})
    np.testing.assert_allclose(grad, [0.0, 0.5, 0.5, 0.0], err_msg="tied maxima share the gradient")
    print("sum, mean, max, min match finite differences; ties split evenly")


test_unit_reduction_rules()

# %% [markdown]
"""
## Part 6: Shape ops, indexing and casts

These ops move numbers without changing them, so the gradient moves back the same way:

- `reshape` records the **input** shape: reshape the gradient to it.
- `permute` records `dims`; the inverse permutation is `np.argsort(dims)`. (`transpose` is recorded as a
  `permute`, and its rule is the same function.)
- `getitem` records the index. Scatter the gradient into zeros of the input's shape. With basic indices
  (ints, slices, `None`, `...`) each input element appears at most once, so assignment works. With
  **fancy** indices (integer arrays, lists, masks) an element can be picked several times (`x[[0, 0]]`),
  and its gradient must be the **sum** of its copies: `np.add.at` accumulates, plain `grad[idx] += g`
  would silently keep only one copy.
- `cast` records the **input** dtype: cast the gradient back.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "autograd-shape-rules", "locked": false, "schema_version": 3, "solution": true}}
#| export
@register_gradient("reshape")
def reshape_grad(g, inputs, out, attrs):
    """Reshape the gradient back to the input shape that was recorded."""
    return (g.reshape(attrs["shape"]),)


@register_gradient("permute", "transpose")
def permute_grad(g, inputs, out, attrs):
    """Undo the permutation: the inverse of `dims` is argsort(dims)."""
    ### BEGIN SOLUTION
    return (np.transpose(g, np.argsort(attrs["dims"])),)
    ### END SOLUTION


_BASIC_INDEX_TYPES = (int, np.integer, slice, type(None), type(Ellipsis))


def _is_basic_index(index):
    """True if `index` uses only ints, slices, None and Ellipsis (no element can be picked twice)."""
    if isinstance(index, tuple):
        return all(isinstance(i, _BASIC_INDEX_TYPES) for i in index)
    return isinstance(index, _BASIC_INDEX_TYPES)


@register_gradient("getitem")
def getitem_grad(g, inputs, out, attrs):
    """Scatter the gradient back to the picked positions; repeated picks add up."""
    index = attrs["index"]
    ### BEGIN SOLUTION
    grad = np.zeros(inputs[0].shape, dtype=np.result_type(g))
    if _is_basic_index(index):
        grad[index] = g
    else:
        np.add.at(grad, index, g)
    return (grad,)
    ### END SOLUTION


@register_gradient("cast")
def cast_grad(g, inputs, out, attrs):
    """Cast the gradient back to the input's dtype (recorded in attrs)."""
    return (g.astype(attrs["dtype"], copy=False),)

# %% [markdown]
"""
### Testing shape ops
Reshape, permute, basic and fancy indexing (including a repeated index), and a cast.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "autograd-shape-rules-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_shape_rules():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 4))
    check_rule("reshape", lambda v: v.reshape(6, 4), [x], {"shape": (2, 3, 4)})
    check_rule("permute", lambda v: v.transpose(2, 0, 1), [x], {"dims": (2, 0, 1)})
    check_rule("transpose", lambda v: v.transpose(0, 2, 1), [x], {"dims": (0, 2, 1)})
    for index in [1, (slice(None), 2), (Ellipsis, None, slice(1, 3)), np.array([0, 0, 1]),
                  (np.array([1, 1]), slice(None), np.array([3, 3])), x[..., 0] > 0]:
        check_rule("getitem", lambda v: v[index], [x], {"index": index})
    (grad,) = getitem_grad(np.ones(3), (Tensor(np.zeros(2)),), None, {"index": np.array([0, 0, 1])})
    np.testing.assert_array_equal(grad, [2.0, 1.0], err_msg="a repeated index accumulates")
    (grad,) = cast_grad(np.ones(2, dtype=np.float64), (Tensor(np.zeros(2, np.float32)),), None,
                        {"dtype": np.dtype(np.float32)})
    assert grad.dtype == np.float32, "the gradient of a cast has the input's dtype"
    print("reshape, permute, getitem (basic and fancy) and cast gradients are right")


test_unit_shape_rules()

# %% [markdown]
"""
## Part 6, continued: the given operations of module 01

Module 01 gave you more ops (Step 9). Their gradients are short, and each one is a pattern you will
meet again:

- `cat` **splits** the gradient: input `i` receives the slice of `g` along `dim` where its values went
  (`attrs["sizes"]` says how wide each slice is; `np.split` at the running totals cuts them).
- `stack` **unstacks** it: input `i` receives `g` indexed at position `i` of the new dimension.
- `where(cond, a, b)` **routes** it: `a` gets `g` where the condition was true and zeros elsewhere,
  `b` the rest; both are then `unbroadcast` to their own shapes (the condition is not differentiable).
- `expand` is broadcasting made explicit, so its gradient is `unbroadcast(g, input shape)`.
- `repeat` places copies side by side: view `g` as `(count_0, size_0, count_1, size_1, ...)` and sum the
  count axes.
- `sin` and `cos`: `cos(x)` and `-sin(x)`, from the input.
- `sqrt`: `d sqrt(x) = 1 / (2 sqrt(x))`, from the output. `abs`: `sign(x)` (0 at 0, as in PyTorch).
- `clamp` passes the gradient where the input lay inside `[min, max]`, bounds included (PyTorch's choice).
- `tril`/`triu` keep a triangle, so the gradient keeps the same triangle (zeros elsewhere).
- `maximum(a, b)` sends the gradient to the larger input; on a tie each input gets **half** (PyTorch
  does the same, so that `maximum(x, x)` has gradient 1).
- `gather(dim, index)` (given) reads positions of the input, so its gradient **scatter-adds** `g` back to
  them: `np.add.at` accumulates where one position was read more than once (plain fancy-index
  assignment would keep only the last write). `sort` and `topk` build their values with `gather`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "autograd-more-rules", "locked": false, "schema_version": 3, "solution": true}}
#| export
@register_gradient("cat")
def cat_grad(g, inputs, out, attrs):
    """Split the gradient along `dim` into pieces as wide as the inputs were."""
    ### BEGIN SOLUTION
    cuts = np.cumsum(attrs["sizes"])[:-1]
    return tuple(np.split(g, cuts, axis=attrs["dim"]))
    ### END SOLUTION


@register_gradient("stack")
def stack_grad(g, inputs, out, attrs):
    """Input i receives the gradient at position i of the stacked dimension."""
    ### BEGIN SOLUTION
    return tuple(np.take(g, i, axis=attrs["dim"]) for i in range(len(inputs)))
    ### END SOLUTION


@register_gradient("where")
def where_grad(g, inputs, out, attrs):
    """The gradient goes to `a` where the condition held and to `b` elsewhere."""
    a, b = inputs
    cond = attrs["condition"]
    ### BEGIN SOLUTION
    ga = unbroadcast(np.where(cond, g, 0), a.shape) if a.requires_grad else None
    gb = unbroadcast(np.where(cond, 0, g), b.shape) if b.requires_grad else None
    return ga, gb
    ### END SOLUTION


@register_gradient("expand")
def expand_grad(g, inputs, out, attrs):
    """Expanding is broadcasting: sum the gradient back to the recorded input shape."""
    ### BEGIN SOLUTION
    return (unbroadcast(g, attrs["shape"]),)
    ### END SOLUTION


@register_gradient("repeat")
def repeat_grad(g, inputs, out, attrs):
    """Sum the gradient over the copies: view it as (count, size) pairs and sum the counts."""
    counts, shape = attrs["counts"], attrs["shape"]
    sizes = (1,) * (len(counts) - len(shape)) + tuple(shape)
    ### BEGIN SOLUTION
    pairs = [n for pair in zip(counts, sizes) for n in pair]
    summed = g.reshape(pairs).sum(axis=tuple(range(0, 2 * len(counts), 2)))
    return (summed.reshape(shape),)
    ### END SOLUTION


@register_gradient("sqrt")
def sqrt_grad(g, inputs, out, attrs):
    """d sqrt(x) = 1 / (2 sqrt(x)), and sqrt(x) is the output."""
    ### BEGIN SOLUTION
    with np.errstate(divide="ignore"):
        return (g / (2 * out),)
    ### END SOLUTION


@register_gradient("sin")
def sin_grad(g, inputs, out, attrs):
    """d sin(x) = cos(x)."""
    ### BEGIN SOLUTION
    return (g * np.cos(inputs[0].data),)
    ### END SOLUTION


@register_gradient("cos")
def cos_grad(g, inputs, out, attrs):
    """d cos(x) = -sin(x)."""
    ### BEGIN SOLUTION
    return (-g * np.sin(inputs[0].data),)
    ### END SOLUTION


@register_gradient("abs")
def abs_grad(g, inputs, out, attrs):
    """d |x| = sign(x) (0 at x = 0)."""
    ### BEGIN SOLUTION
    return (g * np.sign(inputs[0].data),)
    ### END SOLUTION


@register_gradient("clamp")
def clamp_grad(g, inputs, out, attrs):
    """The gradient passes where min <= x <= max (a missing bound does not limit)."""
    x = inputs[0].data
    ### BEGIN SOLUTION
    inside = np.ones(x.shape, dtype=bool)
    if attrs["min"] is not None:
        inside &= x >= attrs["min"]
    if attrs["max"] is not None:
        inside &= x <= attrs["max"]
    return (g * inside,)
    ### END SOLUTION


def _extreme_pair_grad(g, inputs, a_wins):
    """Shared by maximum and minimum: the winner gets g, a tie gives g / 2 to each."""
    a, b = inputs
    x, y = a.data, b.data
    ### BEGIN SOLUTION
    tie = x == y
    share_a = np.where(tie, 0.5, a_wins.astype(np.result_type(g)))
    ga = unbroadcast(g * share_a, a.shape) if a.requires_grad else None
    gb = unbroadcast(g * (1 - share_a), b.shape) if b.requires_grad else None
    return ga, gb
    ### END SOLUTION


@register_gradient("maximum")
def maximum_grad(g, inputs, out, attrs):
    return _extreme_pair_grad(g, inputs, inputs[0].data > inputs[1].data)


@register_gradient("minimum")
def minimum_grad(g, inputs, out, attrs):
    return _extreme_pair_grad(g, inputs, inputs[0].data < inputs[1].data)


@register_gradient("tril")
def tril_grad(g, inputs, out, attrs):
    """Only the kept triangle depended on the input: keep the same triangle of the gradient."""
    ### BEGIN SOLUTION
    return (np.tril(g, attrs["diagonal"]),)
    ### END SOLUTION


@register_gradient("triu")
def triu_grad(g, inputs, out, attrs):
    """Like tril_grad, for the upper triangle."""
    ### BEGIN SOLUTION
    return (np.triu(g, attrs["diagonal"]),)
    ### END SOLUTION


@register_gradient("gather")
def gather_grad(g, inputs, out, attrs):
    """Given: scatter-add g back to the positions gather read (an index read twice gets both shares)."""
    index, dim = attrs["index"], attrs["dim"]
    grad = np.zeros(inputs[0].shape, dtype=g.dtype)
    if dim is None:                              # a 0-d input: the one element was read
        return (grad + g.sum(),)
    where = list(np.indices(index.shape, sparse=True))
    where[dim] = index
    np.add.at(grad, tuple(where), g)             # unbuffered: repeated positions accumulate
    return (grad,)


@register_gradient("remainder")
def remainder_grad(g, inputs, out, attrs):
    """Given: a % b = a - b * floor(a / b), so d/da = 1 and d/db = -floor(a / b) (as PyTorch)."""
    a, b = inputs
    ga = unbroadcast(g, a.shape) if a.requires_grad else None
    gb = unbroadcast(-g * np.floor(a.data / b.data), b.shape) if b.requires_grad else None
    return ga, gb

# %% [markdown]
"""
### Testing the given operations' rules
Each rule against central differences, with broadcasting for `where` and `maximum`, a tie for
`maximum`, and the bounds of `clamp` away from the sample points (the derivative jumps there).
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "autograd-more-rules-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_more_rules():
    rng = np.random.default_rng(6)
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((4, 3)), rng.standard_normal((1, 3))
    check_rule("cat", lambda x, y, z: np.concatenate([x, y, z], axis=0), [a, b, c], {"dim": 0, "sizes": (2, 4, 1)})
    check_rule("cat", lambda x, y: np.concatenate([x, y], axis=1), [a.T, b.T], {"dim": 1, "sizes": (2, 4)})
    check_rule("stack", lambda x, y: np.stack([x, y], axis=1), [a, b[:2]], {"dim": 1})
    cond = rng.random((2, 3)) < 0.5
    check_rule("where", lambda x, y: np.where(cond, x, y), [a, c], {"condition": cond})
    check_rule("expand", lambda x: np.broadcast_to(x, (5, 4, 3)), [c], {"shape": (1, 3)})
    check_rule("repeat", lambda x: np.tile(x, (2, 1, 3)), [a], {"counts": (2, 1, 3), "shape": (2, 3)})
    check_rule("sqrt", np.sqrt, [rng.uniform(0.5, 2.0, (3, 2))])
    check_rule("abs", np.abs, [a])
    check_rule("sin", np.sin, [a])
    check_rule("cos", np.cos, [b])
    clamp_attrs = {"min": -0.35, "max": 0.45}
    away = a + 0.01 * np.sign(a)            # keep the sample points off the bounds
    check_rule("clamp", lambda x: np.clip(x, -0.35, 0.45), [away], clamp_attrs)
    check_rule("clamp", lambda x: np.maximum(x, 0.1), [away], {"min": 0.1, "max": None})
    check_rule("maximum", np.maximum, [a, c])
    check_rule("minimum", np.minimum, [b, c])
    square = rng.standard_normal((2, 3, 3))
    check_rule("tril", lambda v: np.tril(v, -1), [square], {"diagonal": -1})
    check_rule("triu", lambda v: np.triu(v, 1), [square], {"diagonal": 1})
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    ga, gb = maximum_grad(np.ones(2), (x, x), None, None)
    np.testing.assert_array_equal(ga, [0.5, 0.5], err_msg="a tie shares the gradient equally")
    index = np.array([[2, 0, 2], [1, 1, 0]])
    check_rule("gather", lambda v: np.take_along_axis(v, index, axis=1), [b[:2]], {"dim": 1, "index": index})
    check_rule("gather", lambda v: np.take_along_axis(v[:, :2], index[:1, :2], axis=0), [b],
               {"dim": 0, "index": index[:1, :2]})
    (grad,) = gather_grad(np.ones((1, 3)), (Tensor(np.zeros((1, 3))),), None,
                          {"dim": 1, "index": np.array([[2, 0, 2]])})
    np.testing.assert_array_equal(grad, [[1.0, 0.0, 2.0]], err_msg="an index read twice gets both gradients")
    (grad,) = abs_grad(np.ones(3), (Tensor(np.array([-2.0, 0.0, 3.0])),), None, None)
    np.testing.assert_array_equal(grad, [-1.0, 0.0, 1.0])
    ### BEGIN HIDDEN TESTS
    (grad,) = clamp_grad(np.ones(3), (Tensor(np.array([-1.0, 0.0, 1.0])),), None, {"min": 0.0, "max": 1.0})
    np.testing.assert_array_equal(grad, [0.0, 1.0, 1.0], err_msg="clamp's bounds are inclusive")
    ### END HIDDEN TESTS
    print("cat, stack, where, expand, repeat, sqrt, abs, clamp, maximum and minimum gradients are right")


test_unit_more_rules()

# %% [markdown]
r"""
## Part 7: Activations (ops of module 02)

Module 02 declares these ops with `register_op` and records them with `record_op(out, op, (x,), attrs)`.

| op | gradient | attrs |
|---|---|---|
| relu | $g \cdot [x > 0]$ | |
| leaky_relu | $g$ where $x > 0$, else $g \cdot s$ | `negative_slope` $s$ |
| sigmoid | $g\, \sigma (1 - \sigma)$, with $\sigma$ the output | |
| tanh | $g (1 - t^2)$, with $t$ the output | |
| gelu | $g\, (\Phi(x) + x\, \varphi(x))$, or the derivative of the tanh form | `approximate` |
| softmax | $s \odot (g - \sum_j g_j s_j)$ along `dim` | `dim` |
| log_softmax | $g - e^{y} \sum_j g_j$ along `dim` | `dim` |

For exact GELU, $y = x\,\Phi(x)$ gives $\Phi(x) = y / x$ for $x \neq 0$ (and $\tfrac12$ at 0): no `erf`
is needed (NumPy has none). The tanh form is
$y = \tfrac12 x (1 + \tanh u)$ with $u = \sqrt{2/\pi}\,(x + c\, x^3)$, where $c$ is module 02's
`GELU_TANH_COEFF`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "autograd-activation-rules", "locked": false, "schema_version": 3, "solution": true}}
#| export
_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))
_INV_SQRT_2PI = float(1.0 / np.sqrt(2.0 * np.pi))


@register_gradient("relu")
def relu_grad(g, inputs, out, attrs):
    """The gradient passes where the input was positive."""
    ### BEGIN SOLUTION
    return (g * (inputs[0].data > 0),)
    ### END SOLUTION


@register_gradient("leaky_relu")
def leaky_relu_grad(g, inputs, out, attrs):
    """Slope 1 where x > 0, `negative_slope` elsewhere."""
    ### BEGIN SOLUTION
    return (np.where(inputs[0].data > 0, g, g * attrs["negative_slope"]),)
    ### END SOLUTION


@register_gradient("sigmoid")
def sigmoid_grad(g, inputs, out, attrs):
    """sigma' = sigma (1 - sigma), from the output."""
    ### BEGIN SOLUTION
    return (g * out * (1 - out),)
    ### END SOLUTION


@register_gradient("tanh")
def tanh_grad(g, inputs, out, attrs):
    """tanh' = 1 - tanh^2, from the output."""
    ### BEGIN SOLUTION
    return (g * (1 - out * out),)
    ### END SOLUTION


@register_gradient("gelu")
def gelu_grad(g, inputs, out, attrs):
    """Exact: Phi(x) + x phi(x). Tanh form: the derivative of 0.5 x (1 + tanh(u(x)))."""
    x = inputs[0].data
    ### BEGIN SOLUTION
    if (attrs or {}).get("approximate", "none") == "tanh":
        t = np.tanh(_SQRT_2_OVER_PI * (x + GELU_TANH_COEFF * x ** 3))
        du = _SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_COEFF * x * x)
        slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            cdf = np.where(x == 0, 0.5, out / x)
        slope = cdf + x * np.exp(-0.5 * x * x) * _INV_SQRT_2PI
    return (g * slope,)
    ### END SOLUTION


@register_gradient("softmax")
def softmax_grad(g, inputs, out, attrs):
    """s * (g - sum(g * s)) along dim: the Jacobian-vector product without the Jacobian."""
    ### BEGIN SOLUTION
    return (out * (g - (g * out).sum(axis=attrs["dim"], keepdims=True)),)
    ### END SOLUTION


@register_gradient("log_softmax")
def log_softmax_grad(g, inputs, out, attrs):
    """g - softmax * sum(g) along dim, with softmax = exp(output)."""
    ### BEGIN SOLUTION
    return (g - np.exp(out) * g.sum(axis=attrs["dim"], keepdims=True),)
    ### END SOLUTION

# %% [markdown]
"""
### Testing activation rules
Against central differences of NumPy forwards written from the definitions (the exact GELU uses `math.erf`
element by element, which is fine for a handful of numbers).
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "autograd-activation-rules-test", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def _np_gelu(v, approximate="none"):
    import math
    if approximate == "tanh":
        return 0.5 * v * (1 + np.tanh(_SQRT_2_OVER_PI * (v + GELU_TANH_COEFF * v ** 3)))
    return v * 0.5 * (1 + np.vectorize(math.erf)(v / math.sqrt(2.0)))


def _np_softmax(v, dim):
    e = np.exp(v - v.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def test_unit_activation_rules():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 4))
    x = np.where(np.abs(x) < 1e-3, 0.5, x)                  # keep away from the kink of relu
    check_rule("relu", lambda v: np.maximum(v, 0), [x])
    check_rule("leaky_relu", lambda v: np.where(v > 0, v, 0.1 * v), [x], {"negative_slope": 0.1})
    check_rule("sigmoid", lambda v: 1 / (1 + np.exp(-v)), [x])
    check_rule("tanh", np.tanh, [x])
    check_rule("gelu", _np_gelu, [x], {"approximate": "none"})
    check_rule("gelu", lambda v: _np_gelu(v, "tanh"), [x], {"approximate": "tanh"})
    xz = np.array([0.0, -0.7, 1.3])                         # exact GELU at x = 0 uses Phi(0) = 1/2
    check_rule("gelu", _np_gelu, [xz], {"approximate": "none"})
    for dim in (0, 1, -1):
        check_rule("softmax", lambda v: _np_softmax(v, dim), [x], {"dim": dim})
        check_rule("log_softmax", lambda v: np.log(_np_softmax(v, dim)), [x], {"dim": dim})
    print("relu, leaky_relu, sigmoid, tanh, gelu (both forms), softmax, log_softmax are right")


test_unit_activation_rules()

# %% [markdown]
r"""
## Part 8: Losses (ops of module 04)

Module 04 records each loss as one op with `{"reduction": "mean" | "sum" | "none"}`. Write $w$ for the
upstream gradient divided by the number of elements for `mean` (for `none`, $w = g$ elementwise):

| op | inputs | gradient |
|---|---|---|
| mse_loss | input $x$, target $y$ | $2 w (x - y)$, and its negative for the target |
| binary_cross_entropy | probabilities $p$, target $y$ | $w (p - y) / \max(p (1 - p), 10^{-12})$; target: $w (\ln(1-p) - \ln p)$ |
| binary_cross_entropy_with_logits | logits $z$, target $y$ | $w (\sigma(z) - y)$; target: $-w z$ |
| cross_entropy | logits $z$ (`(N, C)` or `(C,)`); class indices in attrs | $(\mathrm{softmax}(z) - \mathrm{onehot}(t)) / N$ for `mean` |

The cross-entropy rule is **fused**: rather than differentiating through `exp`, `sum`, `log` and indexing
(several graph nodes and large intermediates), it recomputes a stable softmax (subtract the row maximum)
and subtracts one at each target class. Targets get no gradient except where PyTorch defines one
(the target of `mse_loss`, `binary_cross_entropy` and `..._with_logits`), and only when they require it.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "autograd-loss-rules", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _loss_weight(g, n, reduction):
    """The upstream gradient per element: g / n for 'mean', g otherwise."""
    return g / max(n, 1) if reduction == "mean" else g


@register_gradient("mse_loss")
def mse_loss_grad(g, inputs, out, attrs):
    """d mean((x - y)^2) = 2 (x - y) / n for x, the negative for y."""
    x, y = inputs
    ### BEGIN SOLUTION
    diff = x.data - y.data
    gx = 2 * _loss_weight(g, diff.size, attrs["reduction"]) * diff
    gy = unbroadcast(-gx, y.shape) if y.requires_grad else None
    return unbroadcast(gx, x.shape), gy
    ### END SOLUTION


@register_gradient("binary_cross_entropy")
def binary_cross_entropy_grad(g, inputs, out, attrs):
    """d BCE / dp = (p - y) / (p (1 - p)), guarded at 1e-12 like PyTorch."""
    x, y = inputs
    ### BEGIN SOLUTION
    p, t = x.data, y.data
    w = _loss_weight(g, p.size, attrs["reduction"])
    gx = w * (p - t) / np.maximum(p * (1 - p), 1e-12)
    gy = None
    if y.requires_grad:
        with np.errstate(divide="ignore"):
            gy = w * (np.log1p(-p) - np.log(p))
    return gx, gy
    ### END SOLUTION


@register_gradient("binary_cross_entropy_with_logits")
def bce_with_logits_grad(g, inputs, out, attrs):
    """d BCE(sigmoid(z), y) / dz = sigmoid(z) - y (stable: sigmoid = exp(-softplus(-z)))."""
    x, y = inputs
    ### BEGIN SOLUTION
    z = x.data
    w = _loss_weight(g, z.size, attrs["reduction"])
    sig = np.exp(-np.logaddexp(0.0, -z))
    gy = -w * z if y.requires_grad else None
    return w * (sig - y.data), gy
    ### END SOLUTION


@register_gradient("cross_entropy")
def cross_entropy_grad(g, inputs, out, attrs):
    """Fused: (softmax(z) - onehot(target)) scaled by the upstream gradient (/ N for 'mean')."""
    z = inputs[0].data
    target = attrs["target"]
    ### BEGIN SOLUTION
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    if z.ndim == 1:
        p[target] -= 1
        return (p * g,)
    p[np.arange(z.shape[0]), target] -= 1
    reduction = attrs["reduction"]
    if reduction == "none":
        return (p * g[:, None],)
    return (p * _loss_weight(g, z.shape[0], reduction),)
    ### END SOLUTION

# %% [markdown]
"""
### Testing loss rules
Each loss and each reduction against central differences of a NumPy forward.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "autograd-loss-rules-test", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def _np_reduce(v, reduction):
    return v.mean() if reduction == "mean" else v.sum() if reduction == "sum" else v


def test_unit_loss_rules():
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    p, t = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3))
    logits, classes = rng.standard_normal((4, 5)), np.array([0, 4, 2, 2])
    for red in ("mean", "sum", "none"):
        attrs = {"reduction": red}
        check_rule("mse_loss", lambda a, b: _np_reduce((a - b) ** 2, red), [x, y], attrs)
        check_rule("binary_cross_entropy",
                   lambda a, b: _np_reduce(-(b * np.log(a) + (1 - b) * np.log1p(-a)), red), [p, t], attrs)
        check_rule("binary_cross_entropy_with_logits",
                   lambda a, b: _np_reduce(np.logaddexp(0, a) - b * a, red), [x, t], attrs)
        ce_attrs = {"target": classes, "reduction": red}
        check_rule("cross_entropy",
                   lambda a: _np_reduce(-np.log(_np_softmax(a, 1))[np.arange(4), classes], red),
                   [logits], ce_attrs)
    one = {"target": np.array(3), "reduction": "mean"}
    check_rule("cross_entropy", lambda a: -np.log(_np_softmax(a, 0))[3], [logits[0]], one)
    print("mse_loss, binary_cross_entropy (+ with_logits) and fused cross_entropy are right")


test_unit_loss_rules()

# %% [markdown]
"""
## Part 9: Grad mode: `no_grad`, `enable_grad`, `set_grad_enabled`

Evaluation, optimizer updates and metrics need no graph: recording would only cost time and memory.
PyTorch's switch is **grad mode**, one flag per thread:

- `with no_grad():` turns recording off inside the block and restores the previous mode on exit, even
  when the block raises. `@no_grad()` (or `@no_grad`) does the same around a function call.
- `enable_grad()` turns it back on inside a `no_grad` region.
- `set_grad_enabled(mode)` sets the mode at once when called; used in a `with`, it restores the old mode on
  exit.
- `is_grad_enabled()` reads the flag.

Tensors created inside `no_grad` with `requires_grad=True` are still leaves that want gradients; only the
*results of ops* stop being recorded. Implement `__enter__` and `__exit__` of the shared base class.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "autograd-grad-mode", "locked": false, "schema_version": 3, "solution": true}}
#| export
class _GradMode(threading.local):
    enabled = True       # the class attribute is each thread's starting value


_grad_mode = _GradMode()


def is_grad_enabled():
    """True when ops on tensors that require grad are being recorded (this thread)."""
    return _grad_mode.enabled


class _GradModeContext:
    """Set grad mode to `self.mode` inside a `with` block (or a decorated call); restore it after."""
    mode = True

    def __enter__(self):
        """Remember the current mode, then switch to ours."""
        ### BEGIN SOLUTION
        self._previous = _grad_mode.enabled
        _grad_mode.enabled = self.mode
        ### END SOLUTION

    def __exit__(self, *exc_info):
        """Restore the remembered mode (also when the block raised)."""
        ### BEGIN SOLUTION
        _grad_mode.enabled = self._previous
        ### END SOLUTION
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def run_in_mode(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return run_in_mode


class no_grad(_GradModeContext):
    """Do not record ops (context manager or decorator), like torch.no_grad."""
    mode = False

    def __new__(cls, fn=None):
        if fn is not None and callable(fn):          # bare `@no_grad` without parentheses
            return cls()(fn)
        return super().__new__(cls)


class enable_grad(_GradModeContext):
    """Record ops again, e.g. inside a no_grad region (context manager or decorator)."""
    mode = True

    def __new__(cls, fn=None):
        if fn is not None and callable(fn):
            return cls()(fn)
        return super().__new__(cls)


class set_grad_enabled(_GradModeContext):
    """Set grad mode now; as a context manager, restore the previous mode on exit."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._previous = _grad_mode.enabled
        _grad_mode.enabled = self.mode

    def __enter__(self):
        pass                        # the mode was already set by __init__

    def __call__(self, fn):
        _grad_mode.enabled = self._previous        # used as a decorator: change nothing now
        return super().__call__(fn)

# %% [markdown]
"""
### Testing grad mode
The flag inside and outside blocks, nesting, exceptions, and both decorator spellings.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "autograd-grad-mode-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_grad_mode():
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        with enable_grad():
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    try:
        with no_grad():
            raise KeyError("boom")
    except KeyError:
        pass
    assert is_grad_enabled(), "no_grad must restore the mode when its block raises"

    @no_grad()
    def inside():
        return is_grad_enabled()

    @no_grad
    def inside_bare():
        return is_grad_enabled()

    assert inside() is False and inside_bare() is False and is_grad_enabled()
    assert inside.__name__ == "inside", "the decorator keeps the function's name"
    set_grad_enabled(False)
    assert not is_grad_enabled()
    set_grad_enabled(True)
    with set_grad_enabled(False):
        assert not is_grad_enabled()
    assert is_grad_enabled()
    print("no_grad, enable_grad, set_grad_enabled and is_grad_enabled behave like PyTorch's")


test_unit_grad_mode()

# %% [markdown]
"""
## Part 10: The engine

**Recording.** `record(op, out, inputs, attrs)` runs after *every* op, so it must be cheap. If grad mode is
on and any input requires a gradient, the output requires one too and gets a `Node` as its `grad_fn`.
The node keeps the input tensors, the output's values and the attrs: what the rule will need. (This
`record` is given: every op calls it, so a half-written one would break modules 01 to 04.)

**Backward.** `backward(root, gradient)`:

1. *Seed.* The gradient of the root with respect to itself: ones for a one-element root; otherwise the
   caller must pass `gradient` (PyTorch refuses to guess: "grad can be implicitly created only for scalar
   outputs").
2. *Count.* `count_dependencies` visits every node reachable from the root with a stack (no recursion)
   and sets `node.pending` to the number of reachable nodes that consume its output.
3. *Run.* A work list starts with the root's node. Pop a node, run its rule on its complete gradient, and
   hand each input its share: a leaf that requires grad adds it to `.grad`; an input with a node adds it
   to that node's gradient and decrements its `pending`. When `pending` reaches zero, every consumer has
   contributed, and the node joins the work list.
4. *Free.* Unless `retain_graph=True`, a node drops its inputs, output and attrs as soon as its rule ran,
   so the graph of a training step is released by the end of its backward pass. A second backward through
   the same graph raises a clear error instead of returning wrong numbers.

Leaf gradients accumulate in place across calls (`+=`); the first one is stored as a private copy so no
two leaves ever share a gradient array.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "autograd-engine", "locked": false, "schema_version": 3, "solution": true}}
#| export
class Node:
    """One recorded op: its name, inputs, output values and attrs, plus two fields used during backward."""
    __slots__ = ("op", "inputs", "out", "attrs", "grad", "pending")

    def __init__(self, op, inputs, out, attrs):
        self.op = op
        self.inputs = inputs        # tuple of input Tensors (None once freed by backward)
        self.out = out              # the output's values (ndarray)
        self.attrs = attrs
        self.grad = None            # gradient of the loss w.r.t. the output, summed over consumers
        self.pending = 0            # consumers that have not yet passed their gradient back

    def __repr__(self):
        return f"<Node {self.op}{'' if self.inputs is not None else ' (freed by backward)'}>"


def record(op, out, inputs, attrs):
    """Called by module 01 after every op: attach a Node to `out` if grad mode is on and an input needs grad."""
    if not _grad_mode.enabled:
        return
    for t in inputs:
        if t.requires_grad:
            out.requires_grad = True
            out.grad_fn = Node(op, inputs, out.data, attrs)
            return


_SECOND_BACKWARD = (
    "Trying to backward through the graph a second time: backward() frees the graph it used (op '{op}' "
    "is already freed). Recompute the forward pass, or pass retain_graph=True to the first call "
    "(loss.backward(retain_graph=True)).")


def count_dependencies(root_node):
    """Visit the nodes reachable from `root_node` with a stack; set each node's `pending` to its number of
    consumers among them. Returns the visited nodes."""
    ### BEGIN SOLUTION
    visited = [root_node]
    stack = [root_node]
    while stack:
        node = stack.pop()
        if node.inputs is None:
            raise RuntimeError(_SECOND_BACKWARD.format(op=node.op))
        for t in node.inputs:
            fn = t.grad_fn
            if fn is not None:
                if fn.pending == 0:             # first time we reach it
                    visited.append(fn)
                    stack.append(fn)
                fn.pending += 1
    return visited
    ### END SOLUTION


def _seed(root, gradient):
    """The gradient that starts backward: ones for a one-element root, else the caller's `gradient`."""
    if not root.requires_grad:
        raise RuntimeError("backward(): this tensor does not require grad and has no grad_fn, so there is "
                           "nothing to differentiate (element 0 of tensors does not require grad); create "
                           "the leaves with requires_grad=True and do not compute it under no_grad()")
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(f"grad can be implicitly created only for scalar outputs: this tensor has shape "
                               f"{tuple(root.shape)}; reduce it first (e.g. .sum() or .mean()) or pass "
                               "backward(gradient) with that shape")
        return np.ones_like(root.data)
    g = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient)
    if g.shape != root.shape:
        raise RuntimeError(f"backward(): the gradient has shape {g.shape} but the tensor has shape "
                           f"{tuple(root.shape)}; they must be equal")
    return g.astype(root.data.dtype, copy=False)


def _bad_gradient(op, i, grad, t):
    return RuntimeError(f"the gradient rule of op '{op}' returned a gradient of shape {np.shape(grad)} for "
                        f"input {i}, whose shape is {tuple(t.shape)}; fix GRADIENTS['{op}']")


def _accumulate(t, grad):
    """Add `grad` into leaf `t`'s .grad (a private copy the first time, in place afterwards)."""
    if t.grad is None:
        t.grad = Tensor.from_array(np.array(grad, dtype=t.data.dtype))
    else:
        t.grad.data += grad


def backward(root, gradient=None, retain_graph=False):
    """Reverse-mode differentiation from `root` (what Tensor.backward runs): fill the leaves' .grad."""
    g = _seed(root, gradient)
    start = root.grad_fn
    if start is None:                        # backward on a leaf: d root / d root = 1
        _accumulate(root, g)
        return
    try:
        nodes = count_dependencies(start)
    except RuntimeError:
        _reset(start)
        raise
    start.grad = g
    ready = [start]
    rules = GRADIENTS
    try:
        ### BEGIN SOLUTION
        while ready:
            node = ready.pop()
            g, node.grad = node.grad, None
            inputs = node.inputs
            if g is None:                    # nothing reached this node: pass nothing on
                grads = (None,) * len(inputs)
            else:
                rule = rules.get(node.op)
                if rule is None:
                    raise RuntimeError(f"no gradient rule for op '{node.op}': add one with "
                                       f"@register_gradient('{node.op}') in tinytorch.core.autograd")
                grads = rule(g, inputs, node.out, node.attrs)
                if len(grads) != len(inputs):
                    raise RuntimeError(f"the gradient rule of op '{node.op}' returned {len(grads)} gradients "
                                       f"for {len(inputs)} inputs")
            if not retain_graph:
                node.inputs = node.out = node.attrs = None
            for i, t in enumerate(inputs):
                gi = grads[i]
                fn = t.grad_fn
                if fn is not None:
                    if gi is not None:
                        if gi.shape != t.data.shape:
                            raise _bad_gradient(node.op, i, gi, t)
                        fn.grad = gi if fn.grad is None else fn.grad + gi
                    fn.pending -= 1
                    if fn.pending == 0:
                        ready.append(fn)
                elif gi is not None and t.requires_grad:
                    if gi.shape != t.data.shape:
                        raise _bad_gradient(node.op, i, gi, t)
                    _accumulate(t, gi)
        ### END SOLUTION
    except BaseException:
        for node in nodes:                   # leave no half-counted state behind
            node.grad = None
            node.pending = 0
        raise


def _reset(start):
    """Clear `pending`/`grad` on every node reachable from `start` (after a failed count)."""
    stack, seen = [start], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        node.pending, node.grad = 0, None
        for t in node.inputs or ():
            if t.grad_fn is not None:
                stack.append(t.grad_fn)


def zero_grad(tensors, set_to_none=True):
    """Reset the .grad of each tensor: to None (PyTorch's default) or to zeros in place."""
    for t in tensors:
        if t.grad is None:
            continue
        if set_to_none:
            t.grad = None
        else:
            t.grad.data[...] = 0


register_autograd(record, backward, is_grad_enabled)

# %% [markdown]
"""
### Testing the engine
Shared inputs accumulate, leaves accumulate across calls, intermediates keep no gradient, `detach` and
`no_grad` cut the graph, bad calls fail with clear messages, and a chain thousands of ops deep works.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "autograd-engine-test", "locked": true, "points": 6, "schema_version": 3, "solution": false}}
def test_unit_backward_simple_graph():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    w = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    y = (x * w + x).exp().sum()
    assert y.grad_fn is not None and y.grad_fn.op == "sum"
    y.backward()
    e = np.exp(x.data * w.data + x.data)
    np.testing.assert_allclose(x.grad.data, e * (w.data + 1))
    np.testing.assert_allclose(w.grad.data, e * x.data)
    print("backward through add, mul, exp, sum gives the analytic gradients")


def test_unit_accumulation():
    x = Tensor(np.array([2.0, -1.0]), requires_grad=True)
    (x * x + x).sum().backward()                     # x used three times in one graph
    np.testing.assert_allclose(x.grad.data, 2 * x.data + 1)
    first = x.grad
    (x * 3).sum().backward()                         # a second graph adds to .grad, in place
    np.testing.assert_allclose(x.grad.data, 2 * x.data + 1 + 3)
    assert x.grad is first, "leaf gradients accumulate into the same tensor"
    hidden = x * 2
    hidden.sum().backward()
    assert hidden.grad is None, "intermediate tensors do not keep their gradient"
    zero_grad([x])
    assert x.grad is None
    (x * 1).sum().backward()
    zero_grad([x], set_to_none=False)
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    (a + b).sum().backward()
    a.grad.data += 1
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0, 1.0], "leaves never share a gradient array")
    print("gradients accumulate within a graph and across backward calls; zero_grad resets them")


def test_unit_no_grad_and_detach():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None, "no_grad: results are not recorded"
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    z = (d * x).sum()                                # d is a constant now
    z.backward()
    np.testing.assert_allclose(x.grad.data, d.data)
    print("no_grad and detach cut the graph")


def test_unit_errors():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    try:
        (x * 2).backward()
        raise AssertionError("backward on a non-scalar without a gradient must fail")
    except RuntimeError as exc:
        assert "grad can be implicitly created only for scalar outputs" in str(exc)
    (x * 2).backward(np.array([1.0, 10.0]))
    np.testing.assert_allclose(x.grad.data, [2.0, 20.0])
    try:
        Tensor(np.array(1.0)).backward()
        raise AssertionError("backward on a tensor that needs no grad must fail")
    except RuntimeError as exc:
        assert "does not require grad" in str(exc)
    y = (x * x).sum()
    y.backward()
    try:
        y.backward()
        raise AssertionError("a second backward through a freed graph must fail")
    except RuntimeError as exc:
        assert "backward through the graph a second time" in str(exc)
    x.grad = None
    y = (x * x).sum()
    y.backward(retain_graph=True)                 # Tensor.backward forwards retain_graph to the engine
    backward(y)
    np.testing.assert_allclose(x.grad.data, 4 * x.data, err_msg="retain_graph allows a second pass")
    print("bad backward calls fail with clear messages; retain_graph keeps the graph")


def test_unit_deep_chain():
    import sys
    depth = 5000
    assert depth > sys.getrecursionlimit(), "deeper than any recursive walk could go"
    x = Tensor(np.array(1.0), requires_grad=True)
    y = x
    for _ in range(depth):
        y = y * 1.0 + 0.0
    y.backward()
    np.testing.assert_allclose(x.grad.data, 1.0)
    print(f"backward through a chain of {2 * depth} ops works (no recursion)")


test_unit_backward_simple_graph()
test_unit_accumulation()
test_unit_no_grad_and_detach()
test_unit_errors()
test_unit_deep_chain()

# %% [markdown]
"""
## Part 11: Systems Analysis

### Computational Complexity
- **Time.** Backward runs each recorded op's rule once; counting dependencies touches every edge once. So
  a backward pass costs O(number of nodes + edges) in bookkeeping, plus the rules' arithmetic, which
  mirrors the forward pass: an elementwise rule is O(n) like its op, a matmul rule is two matrix products,
  so backward costs about twice the forward pass for matmul-heavy models.
- **Memory.** Until backward runs, the graph keeps every recorded op's inputs alive: the activations of a
  whole forward pass, O(depth x activation size). That is why training needs far more memory than
  inference (`no_grad`), and why the engine frees each node as soon as its rule ran.
- **Per-op overhead.** Each recorded op allocates one small `Node` and, in backward, makes one Python call
  of its rule. For tiny tensors this fixed cost dominates, so we measure it in microseconds per op.
"""

# %% [markdown]
"""
### Measuring the memory the graph holds (Build -> Measure -> Understand)
Run a chain of elementwise ops on a float32 matrix three ways and read `tracemalloc`: under `no_grad`
(intermediates die as soon as the next op has read them), with recording (every intermediate is kept by
the graph until backward), and after backward (the graph has been freed).
"""

# %%
import tracemalloc


def graph_memory(n_ops=20, size=256):
    """Bytes held after a forward chain with and without a graph, and after backward."""
    x = Tensor(np.random.default_rng(0).standard_normal((size, size)).astype(np.float32), requires_grad=True)

    def forward():
        y = x
        for i in range(n_ops):
            y = (y * 0.99) if i % 2 else (y + 0.01)
        return y.sum()

    results = {}
    tracemalloc.start()
    with no_grad():
        base = tracemalloc.get_traced_memory()[0]
        loss = forward()
        results["no_grad"] = tracemalloc.get_traced_memory()[0] - base
        del loss
    base = tracemalloc.get_traced_memory()[0]
    loss = forward()
    results["recorded"] = tracemalloc.get_traced_memory()[0] - base
    loss.backward()
    x.grad = None
    results["after backward"] = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    one = size * size * 4
    print(f"chain of {n_ops} ops on a {size}x{size} float32 matrix ({one / 1e6:.2f} MB each):")
    for name, held in results.items():
        print(f"  {name:>15}: {held / 1e6:7.2f} MB held ({held / one:5.1f} matrices)")
    return results


memory = graph_memory()

# %% [markdown]
"""
The recorded run holds about one matrix per op: the saved tensors are the price of backward. PyTorch
saves less for some ops (an `add` needs no inputs at all, only shapes), and tricks such as activation
checkpointing trade this memory for recomputation.
"""

# %% [markdown]
"""
### Measuring per-op overhead
The workload the original course measured: a chain of elementwise ops on a 16x16 float32 matrix, forward
and backward, timed with `time.perf_counter`, best of several repeats. With tensors this small the
arithmetic is almost free, so the time is the framework's own bookkeeping.
"""

# %%
import time


def per_op_overhead(n_ops=1000, repeats=20):
    """Microseconds per op for forward+backward and for forward alone (with and without recording)."""
    x = Tensor(np.random.default_rng(0).standard_normal((16, 16)).astype(np.float32), requires_grad=True)

    def chain():
        y = x
        for i in range(n_ops):
            y = (y * 1.0001) if i % 2 else (y + 0.5)
        return y

    def best(fn):
        fn()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times) / n_ops * 1e6

    def train_step():
        chain().sum().backward()

    def forward_only():
        chain()

    def no_grad_forward():
        with no_grad():
            chain()

    raw = x.data.copy()

    def numpy_only():
        y = raw
        for i in range(n_ops):
            y = (y * np.float32(1.0001)) if i % 2 else (y + np.float32(0.5))

    print(f"chain of {n_ops} elementwise ops (alternating * and +) on a 16x16 float32 tensor, "
          f"best of {repeats} runs:")
    result = {"forward+backward": best(train_step), "forward (recorded)": best(forward_only),
              "forward (no_grad)": best(no_grad_forward), "NumPy alone": best(numpy_only)}
    x.grad = None
    for name, us in result.items():
        print(f"  {name:>20}: {us:6.2f} us/op")
    try:
        import torch
    except ImportError:
        print("  (PyTorch is not installed: no comparison; `pip install torch==2.13.0` to add one)")
        return result
    torch.set_num_threads(1)
    tx = torch.randn(16, 16, requires_grad=True)

    def torch_step():
        y = tx
        for i in range(n_ops):
            y = (y * 1.0001) if i % 2 else (y + 0.5)
        y.sum().backward()

    result["torch forward+backward"] = best(torch_step)
    print(f"  {'PyTorch fwd+bwd':>20}: {result['torch forward+backward']:6.2f} us/op "
          f"(ratio tinytorch/PyTorch {result['forward+backward'] / result['torch forward+backward']:.2f})")
    return result


overhead = per_op_overhead()

# %% [markdown]
"""
What the numbers say: recording and backward add a few microseconds on top of the forward op itself.
Most of it is Python: creating the `Node`, one call of the rule, the `unbroadcast` check and the loop's
bookkeeping. Compare the NumPy-alone line: the arithmetic of a 16x16 elementwise op is a small part of
the total, so on small tensors any Python autograd is overhead-bound; on large tensors the arithmetic
dominates and the overhead vanishes.
"""

# %% [markdown]
"""
## Production Context

- **PyTorch** records the same kind of graph ("define-by-run"): each differentiable op's result gets a
  `grad_fn` (`MulBackward0`, ...) generated from a table of derivative formulas (`derivatives.yaml`), much
  like our `GRADIENTS`. Its engine is C++, counts dependencies and runs nodes from a ready queue, like ours,
  and can run CPU and GPU parts of a graph on different threads.
- PyTorch saves only what each formula needs (`add` saves nothing), frees saved tensors after backward
  unless `retain_graph=True`, and detects in-place changes to saved tensors with version counters.
- `torch.no_grad()`, `enable_grad()` and `set_grad_enabled()` are thread-local switches like ours;
  `inference_mode()` goes further by also skipping version counting.
- **TensorFlow** records eager ops on a `tf.GradientTape` that you open explicitly; **JAX** transforms
  functions (`jax.grad`) instead of recording tensors, which also gives higher derivatives for free. Our
  rules return NumPy arrays, so we cannot differentiate a gradient again; PyTorch's rules are written with
  differentiable tensor ops, which is what `create_graph=True` relies on.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_unbroadcast()
    test_unit_register_gradient()
    test_unit_arithmetic_rules()
    test_unit_pow_skips_constant_exponent()
    test_unit_matmul_rule()
    test_unit_reduction_rules()
    test_unit_shape_rules()
    test_unit_more_rules()
    test_unit_activation_rules()
    test_unit_loss_rules()
    test_unit_grad_mode()
    test_unit_backward_simple_graph()
    test_unit_accumulation()
    test_unit_no_grad_and_detach()
    test_unit_errors()
    test_unit_deep_chain()
    print("All autograd tests passed.")


# %%
if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## ML Systems Thinking

1. The recorded run in the memory measurement held about one matrix per op. For a network whose
   activations are large, which ops could give their inputs up right after the forward pass, and what would
   each rule have to save instead?
2. Backward freed the graph as it went. What would go wrong in a training loop if it did not, given that the
   last loss tensor stays referenced by a variable until the next step overwrites it?
3. The per-op overhead is fixed Python work. At what tensor size does the arithmetic of a 16-wide
   elementwise op start to dominate it, and how would you find out with the timing code above?
4. `max` splits the gradient among ties while PyTorch's `max(dim)` gives it to one index. When can that
   difference change a training run, and when is it irrelevant?
5. Our rules compute with NumPy, so `backward` cannot be differentiated again. What would have to change to
   compute a Hessian-vector product?
"""

# %% [markdown]
"""
## Module Summary

You built reverse-mode automatic differentiation:

- **Recording**: `record` turns every op with a grad-requiring input into a `Node` on the result's
  `grad_fn`, unless grad mode is off (`no_grad`, `set_grad_enabled(False)`).
- **Rules**: one small vector-Jacobian product per op in `GRADIENTS`, each checked against central
  differences: arithmetic with `unbroadcast`, matmul with batches and vectors, reductions (ties split
  evenly), shape ops, fancy indexing with `np.add.at`, activations and fused losses.
- **Engine**: dependency counting plus a work list gives a topological order without recursion; gradients
  accumulate where a tensor is used twice and in leaves across calls; the graph is freed as backward
  goes, and a second backward through it fails with a clear message.
- **Systems**: the graph's saved tensors cost about one activation per op until backward, and each recorded
  op costs a few microseconds of Python bookkeeping, measured above.

Next, module 06 uses these gradients to update parameters with optimizers.
"""
