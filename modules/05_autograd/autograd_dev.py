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
A node may run its rule only when its output gradient is complete: every consumer has passed its share
back (a tensor used twice, `y = x * x + x`, receives contributions that **add up**). We count each node's
consumers (its *pending* count); a node is ready when the count reaches zero. This is Kahn's algorithm:
one loop over a work list, so a graph of any depth needs no deeper Python stack (a recursive walk would
hit Python's recursion limit).

### Broadcasting in reverse, and accumulation
If `a` of shape `(3, 1)` is added to `b` of shape `(4,)`, NumPy repeated each along the missing axis; every
copy contributed to the loss, so the gradient **sums** over the broadcast axes back to the input's shape:
`unbroadcast`, used by every binary rule. Gradients land in the leaves' `.grad` and **accumulate** across
`backward()` calls, as in PyTorch (reset with `zero_grad` or `.grad = None`); intermediates keep none.
"""

# %%
#| export
import numpy as np

from tinytorch.core.activations import GELU_TANH_COEFF   # GELU's one definition lives in module 02
from tinytorch.core.tensor import Tensor, register_autograd

__all__ = [
    "GRADIENTS", "register_gradient", "unbroadcast", "Node", "record", "backward", "zero_grad",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
]

# Hand-written support code of this module (not taught): tinytorch/core/autograd_support.py
from tinytorch.core.autograd_support import (  # noqa: E402
    bad_gradient, enable_grad, grad_mode, is_grad_enabled, long_tail_rules, loss_weight, no_grad, reset_nodes,
    seed_gradient, set_grad_enabled, zero_grad, SECOND_BACKWARD as _SECOND_BACKWARD, accumulate as _accumulate,
)

# %% [markdown]
"""
## Part 2: The gradient registry and `unbroadcast`

Every gradient rule is a function `rule(g, inputs, out, attrs)`: `g` is the gradient of the loss with
respect to the op's output (an ndarray of its shape), `inputs` the op's input tensors (values in `._data`),
`out` the output values (handy for `exp`, `sigmoid`, `softmax`), `attrs` the dict the op passed to
`record_op` (or `None`). It returns one gradient per input (an ndarray of that input's shape), or `None`
for an input that needs none (one that does not require grad, such as the `2` in `x * 2`, or a target).
Rules are filed by op name in `GRADIENTS` with `@register_gradient("name")`: the whole calculus of the
framework reads as one table.

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


test_unit_unbroadcast()

# %% [markdown]
r"""
### A gradient checker for single rules
Before any graph exists we can test a rule on its own: the derivative of $\ell(x) = \sum (f(x) \cdot g)$
with respect to one entry of $x$ is what the rule must return there, and a **central difference**
estimates it with error $O(\varepsilon^2)$:

$$\frac{\partial \ell}{\partial x_j} \approx \frac{\ell(x + \varepsilon e_j) - \ell(x - \varepsilon e_j)}{2 \varepsilon}.$$

In float64 a step of about $10^{-6}$ balances truncation against rounding. `check_rule` runs a rule on a
NumPy forward function and compares.
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

Every binary rule ends with `unbroadcast` and skips an input that does not require grad (the `2` in
`x * 2`). For `pow` the exponent's gradient costs a logarithm; like PyTorch, it is 0 where the base is 0
and the exponent is non-negative.
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
    return (unbroadcast(g * b._data, a.shape) if a.requires_grad else None,
            unbroadcast(g * a._data, b.shape) if b.requires_grad else None)
    ### END SOLUTION


@register_gradient("div")
def div_grad(g, inputs, out, attrs):
    """d(a / b) = (g / b, -g * a / b**2) = (g / b, -g * out / b)."""
    a, b = inputs
    ### BEGIN SOLUTION
    ga = g / b._data
    return (unbroadcast(ga, a.shape) if a.requires_grad else None,
            unbroadcast(-ga * out, b.shape) if b.requires_grad else None)
    ### END SOLUTION


@register_gradient("pow")
def pow_grad(g, inputs, out, attrs):
    """d(a ** b) = (g * b * a**(b-1), g * a**b * log(a)); the second only if b requires grad."""
    a, b = inputs
    ### BEGIN SOLUTION
    x, p = a._data, b._data
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
    return (g / inputs[0]._data,)
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
    x, two = Tensor(np.array([0.0, 2.0, 3.0]), requires_grad=True), Tensor(np.array(2.0))   # constant exponent
    ga, gb = pow_grad(np.ones(3), (x, two), x._data ** 2, None)
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
    A = a._data if a.ndim > 1 else a._data[None, :]
    B = b._data if b.ndim > 1 else b._data[:, None]
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

`sum` copies its upstream gradient to every summed element: re-insert the reduced axes (when `keepdim`
was false) and broadcast to the input's shape; `mean` divides by the count averaged. Module 01 records
`{"dim": ..., "keepdim": ...}`, `dim` non-negative (an int, a tuple, or `None` for all axes).

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
    count = a._data.size // max(np.size(out), 1) or 1
    return (np.broadcast_to(_restore_reduced_axes(g, attrs, a.ndim) / count, a.shape),)
    ### END SOLUTION


@register_gradient("max", "min")
def extreme_grad(g, inputs, out, attrs):
    """The gradient goes to the extreme element(s); tied elements share it equally."""
    (a,) = inputs
    ### BEGIN SOLUTION
    g = _restore_reduced_axes(g, attrs, a.ndim)
    winners = a._data == _restore_reduced_axes(out, attrs, a.ndim)
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
`reshape` (given) reshapes it to the recorded **input** shape; `cast` (given) casts it to the input
dtype; `permute` (and `transpose`, recorded as a permute) applies the inverse permutation
`np.argsort(dims)`; `getitem` scatters it into zeros of the input's shape. With basic indices (ints,
slices, `None`, `...`) each element appears at most once, so assignment works; with **fancy** indices
(integer arrays, lists, masks) an element can be picked several times (`x[[0, 0]]`) and its gradient is
the **sum** of its copies: `np.add.at` accumulates, plain `grad[idx] += g` keeps only one.
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
Permute and basic and fancy indexing, including a repeated index.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "autograd-shape-rules-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_shape_rules():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 4))
    check_rule("permute", lambda v: v.transpose(2, 0, 1), [x], {"dims": (2, 0, 1)})
    check_rule("transpose", lambda v: v.transpose(0, 2, 1), [x], {"dims": (0, 2, 1)})
    for index in [1, (slice(None), 2), (Ellipsis, None, slice(1, 3)), np.array([0, 0, 1]),
                  (np.array([1, 1]), slice(None), np.array([3, 3])), x[..., 0] > 0]:
        check_rule("getitem", lambda v: v[index], [x], {"index": index})
    (grad,) = getitem_grad(np.ones(3), (Tensor(np.zeros(2)),), None, {"index": np.array([0, 0, 1])})
    np.testing.assert_array_equal(grad, [2.0, 1.0], err_msg="a repeated index accumulates")
    print("permute and getitem (basic and fancy) gradients are right")


test_unit_shape_rules()

# %% [markdown]
"""
Module 01's long tail of given ops (`cat`, `stack`, `where`, `expand`, `repeat`, `sqrt`, `sin`, `cos`,
`abs`, `clamp`, `maximum`, `minimum`, `tril`, `triu`, `gather`) gets its rules from the support file
`tinytorch/core/autograd_support.py`, filed here with your `unbroadcast`; the oracle checks them too.
"""

# %%
#| export
GRADIENTS.update(long_tail_rules(unbroadcast))

# %% [markdown]
r"""
## Part 7: Activations (ops of module 02)

Module 02 declares these ops with `register_op` and records them with `record_op(out, op, (x,), attrs)`.
You write the rules of `sigmoid`, `gelu` and `softmax`; the others (`relu`, `leaky_relu`, `tanh`,
`log_softmax`) come from the support file, filed by `long_tail_rules` above.

| op | gradient | attrs |
|---|---|---|
| sigmoid | $g\, \sigma (1 - \sigma)$, with $\sigma$ the output | |
| gelu | $g\, (\Phi(x) + x\, \varphi(x))$, or the derivative of the tanh form | `approximate` |
| softmax | $s \odot (g - \sum_j g_j s_j)$ along `dim` | `dim` |

For exact GELU, $y = x\,\Phi(x)$ gives $\Phi(x) = y / x$ for $x \neq 0$ (and $\tfrac12$ at 0): no `erf`
needed. The tanh form is $y = \tfrac12 x (1 + \tanh u)$, $u = \sqrt{2/\pi}\,(x + c\, x^3)$, $c$ =
`GELU_TANH_COEFF`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "autograd-activation-rules", "locked": false, "schema_version": 3, "solution": true}}
#| export
_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))
_INV_SQRT_2PI = float(1.0 / np.sqrt(2.0 * np.pi))


@register_gradient("sigmoid")
def sigmoid_grad(g, inputs, out, attrs):
    """sigma' = sigma (1 - sigma), from the output."""
    ### BEGIN SOLUTION
    return (g * out * (1 - out),)
    ### END SOLUTION


@register_gradient("gelu")
def gelu_grad(g, inputs, out, attrs):
    """Exact: Phi(x) + x phi(x). Tanh form: the derivative of 0.5 x (1 + tanh(u(x)))."""
    x = inputs[0]._data
    ### BEGIN SOLUTION
    if (attrs or {}).get("approximate", "none") == "tanh":
        x2 = x * x                               # x * x, not x ** 3: np.power is far slower
        t = np.tanh(_SQRT_2_OVER_PI * x * (1 + GELU_TANH_COEFF * x2))
        du = _SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_COEFF * x2)
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


# %% [markdown]
"""
### Testing activation rules
Against central differences of NumPy forwards written from the definitions (the exact GELU uses `math.erf`
element by element, which is fine for a handful of numbers).
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "autograd-activation-rules-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
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
    check_rule("sigmoid", lambda v: 1 / (1 + np.exp(-v)), [x])
    check_rule("gelu", _np_gelu, [x], {"approximate": "none"})
    check_rule("gelu", lambda v: _np_gelu(v, "tanh"), [x], {"approximate": "tanh"})
    xz = np.array([0.0, -0.7, 1.3])                         # exact GELU at x = 0 uses Phi(0) = 1/2
    check_rule("gelu", _np_gelu, [xz], {"approximate": "none"})
    for dim in (0, 1, -1):
        check_rule("softmax", lambda v: _np_softmax(v, dim), [x], {"dim": dim})
    print("sigmoid, gelu (both forms) and softmax are right")


test_unit_activation_rules()

# %% [markdown]
r"""
## Part 8: Losses (ops of module 04)

Module 04 records each loss as one op with `{"reduction": "mean" | "sum" | "none"}`. Write $w$ for the
upstream gradient divided by the number of elements for `mean` (for `none`, $w = g$ elementwise):

| op | inputs | gradient |
|---|---|---|
| binary_cross_entropy | probabilities $p$, target $y$ | $w (p - y) / \max(p (1 - p), 10^{-12})$; target: $w (\ln(1-p) - \ln p)$ |
| cross_entropy | logits $z$ (`(N, C)` or `(C,)`); class indices in attrs | $(\mathrm{softmax}(z) - \mathrm{onehot}(t)) / N$ for `mean` |

The cross-entropy rule is **fused**: instead of differentiating through `exp`, `sum`, `log` and indexing,
it recomputes a stable softmax and subtracts one at each target class. Targets get no gradient except
where PyTorch defines one (BCE's target, and `mse_loss`'s), and only when they require it.

**The guard of BCE.** `p (1 - p)` is 0 at `p = 0` or `p = 1`, and in float32 that happens to real
predictions: `sigmoid(20)` rounds to exactly `1.0`. Unguarded, `(p - y) / (p (1 - p))` is `0 / 0 = nan`
there for a correct target `y = 1`, and one nan poisons every parameter. PyTorch divides by
`max(p (1 - p), 1e-12)`: the gradient is then `0` for `p = y = 1` and `1e12` for `p = 1, y = 0`.
You write `binary_cross_entropy` and the fused `cross_entropy`; `mse_loss` and `..._with_logits` come
from the support file.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "autograd-loss-rules", "locked": false, "schema_version": 3, "solution": true}}
#| export
_loss_weight = loss_weight              # given (support file): g / n for 'mean', g otherwise


@register_gradient("binary_cross_entropy")
def binary_cross_entropy_grad(g, inputs, out, attrs):
    """d BCE / dp = (p - y) / max(p (1 - p), 1e-12), like PyTorch: finite (never nan, no warning) at
    p = 0 or 1; 0 where p == y. Target (only if it requires grad): log(1 - p) - log(p). Both times w."""
    x, y = inputs
    ### BEGIN SOLUTION
    p, t = x._data, y._data
    w = _loss_weight(g, p.size, attrs["reduction"])
    gx = w * (p - t) / np.maximum(p * (1 - p), 1e-12)
    gy = None
    if y.requires_grad:
        with np.errstate(divide="ignore"):
            gy = w * (np.log1p(-p) - np.log(p))
    return gx, gy
    ### END SOLUTION


@register_gradient("cross_entropy")
def cross_entropy_grad(g, inputs, out, attrs):
    """Fused: (softmax(z) - onehot(target)) scaled by the upstream gradient (/ N for 'mean')."""
    z = inputs[0]._data
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
    import warnings
    rng = np.random.default_rng(6)
    p, t = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3))
    logits, classes = rng.standard_normal((4, 5)), np.array([0, 4, 2, 2])
    for red in ("mean", "sum", "none"):
        attrs = {"reduction": red}
        check_rule("binary_cross_entropy",
                   lambda a, b: _np_reduce(-(b * np.log(a) + (1 - b) * np.log1p(-a)), red), [p, t], attrs)
        ce_attrs = {"target": classes, "reduction": red}
        check_rule("cross_entropy",
                   lambda a: _np_reduce(-np.log(_np_softmax(a, 1))[np.arange(4), classes], red),
                   [logits], ce_attrs)
    one = {"target": np.array(3), "reduction": "mean"}
    check_rule("cross_entropy", lambda a: -np.log(_np_softmax(a, 0))[3], [logits[0]], one)
    saturated = np.array([1.0, 1.0, 0.0], dtype=np.float32)          # float32 sigmoid(20) == 1.0 exactly
    assert saturated[0] == 1 / (1 + np.exp(np.float32(-20.0)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                # 0/0 would warn: the guard avoids it
        (gp, _) = binary_cross_entropy_grad(np.float32(1.0), (Tensor(saturated), Tensor(np.array(
            [1.0, 0.0, 0.0], dtype=np.float32))), None, {"reduction": "sum"})
    np.testing.assert_allclose(gp, [0.0, 1e12, 0.0], rtol=1e-6, err_msg="BCE's guard: 0 where p == y, 1e12 "
                               "for p = 1, y = 0 (PyTorch's values), never nan")
    ### BEGIN HIDDEN TESTS
    (gp, _) = binary_cross_entropy_grad(np.ones(2), (Tensor(np.array([0.0, 1.0])), Tensor(np.array([0.0, 1.0]))),
                                        None, {"reduction": "none"})
    np.testing.assert_array_equal(gp, [0.0, 0.0])
    ### END HIDDEN TESTS
    print("binary_cross_entropy (with its guard) and fused cross_entropy are right")


test_unit_loss_rules()

# %% [markdown]
"""
## Part 9: Grad mode

Evaluation, optimizer updates and metrics need no graph. PyTorch's switch is **grad mode**, one flag per
thread, read by `record` below (`grad_mode.enabled`): `with no_grad():` turns recording off and restores
the previous mode on exit (even on an exception); `enable_grad()`, `set_grad_enabled(mode)` and
`is_grad_enabled()` complete it (given in `tinytorch/core/autograd_support.py`; also decorators). Leaves
created under `no_grad` still want gradients; only the *results of ops* are not recorded.
"""

# %% [markdown]
"""
## Part 10: The engine

**Recording** (given: every op calls it, so a half-written one would break modules 01 to 04).
`record(op, out, inputs, attrs)` runs after *every* op: if grad mode is on and an input requires a
gradient, the output requires one too and gets a `Node` (inputs, output values, attrs) as its `grad_fn`.

**Backward.** `backward(root, gradient)`:

1. *Seed* (given, `seed_gradient`): ones for a one-element root, else the caller's `gradient`.
2. *Count.* `count_dependencies` visits every node reachable from the root with a stack (no recursion)
   and sets `node.pending` to the number of reachable nodes that consume its output.
3. *Run.* A work list starts with the root's node. Pop a node, run its rule on its complete gradient, and
   hand each input its share: a leaf that requires grad adds it to `.grad`; an input with a node adds it
   to that node's gradient and decrements its `pending`; at zero, the node joins the work list.
4. *Free.* Unless `retain_graph=True`, a node drops its inputs, output and attrs once its rule ran, so a
   training step's graph is released by the end of backward (a second backward then fails clearly).

Leaf gradients accumulate in place (`_accumulate`, given: a private copy first, then `+=`).
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
    if not grad_mode.enabled:
        return
    for t in inputs:
        if t.requires_grad:
            out.requires_grad = True
            out.grad_fn = Node(op, inputs, out._data, attrs)
            return


def count_dependencies(root_node):
    """Visit the nodes reachable from `root_node` with a stack (no recursion); set each node's `pending` to
    its number of consumers among them. Returns the visited nodes (each once). A node already freed by an
    earlier backward (`node.inputs is None`) raises RuntimeError(_SECOND_BACKWARD.format(op=node.op))."""
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


def backward(root, gradient=None, retain_graph=False):
    """Reverse-mode differentiation from `root` (what Tensor.backward runs): fill the leaves' .grad.

    Your loop (Part 10's steps 3 and 4) raises RuntimeError with these words when a rule is missing or
    wrong: "no gradient rule for op '<op>': add one with @register_gradient('<op>') ..."; "the gradient
    rule of op '<op>' returned <n> gradients for <m> inputs"; and `bad_gradient(op, i, grad, t)` (given)
    for a gradient whose shape differs from its input's. A node reached by no gradient (`g is None`)
    passes None to its inputs; leaves that require grad get theirs through `_accumulate`.
    """
    g = seed_gradient(root, gradient)       # given: ones for a scalar root, else checks `gradient`
    start = root.grad_fn
    if start is None:                        # backward on a leaf: d root / d root = 1
        _accumulate(root, g)
        return
    try:
        nodes = count_dependencies(start)
    except RuntimeError:
        reset_nodes(start)
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
                        if gi.shape != t._data.shape:
                            raise bad_gradient(node.op, i, gi, t)
                        fn.grad = gi if fn.grad is None else fn.grad + gi
                    fn.pending -= 1
                    if fn.pending == 0:
                        ready.append(fn)
                elif gi is not None and t.requires_grad:
                    if gi.shape != t._data.shape:
                        raise bad_gradient(node.op, i, gi, t)
                    _accumulate(t, gi)
        ### END SOLUTION
    except BaseException:
        for node in nodes:                   # leave no half-counted state behind
            node.grad = None
            node.pending = 0
        raise


register_autograd(record, backward, is_grad_enabled)

# %% [markdown]
"""
### Testing the engine
Shared inputs accumulate, leaves accumulate across calls, intermediates keep no gradient, a second
backward through a freed graph fails clearly, and a chain thousands of ops deep works.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "autograd-engine-test", "locked": true, "points": 8, "schema_version": 3, "solution": false}}
def test_unit_backward_simple_graph():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    w = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    y = (x * w + x).exp().sum()
    assert y.grad_fn is not None and y.grad_fn.op == "sum"
    y.backward()
    e = np.exp(x._data * w._data + x._data)
    np.testing.assert_allclose(x.grad._data, e * (w._data + 1))
    np.testing.assert_allclose(w.grad._data, e * x._data)
    print("backward through add, mul, exp, sum gives the analytic gradients")


def test_unit_accumulation():
    x = Tensor(np.array([2.0, -1.0]), requires_grad=True)
    (x * x + x).sum().backward()                     # x used three times in one graph
    np.testing.assert_allclose(x.grad._data, 2 * x._data + 1)
    first = x.grad
    (x * 3).sum().backward()                         # a second graph adds to .grad, in place
    np.testing.assert_allclose(x.grad._data, 2 * x._data + 1 + 3)
    assert x.grad is first, "leaf gradients accumulate into the same tensor"
    x.grad = None
    h = x * 3.0                                      # an intermediate used three times
    (h * h + h).sum().backward()
    np.testing.assert_allclose(x.grad._data, 3 * (2 * h._data + 1), err_msg="a shared intermediate sums its shares")
    hidden = x * 2
    hidden.sum().backward()
    assert hidden.grad is None, "intermediate tensors do not keep their gradient"
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    (a + b).sum().backward()
    a.grad._data += 1
    np.testing.assert_array_equal(b.grad._data, [1.0, 1.0, 1.0], "leaves never share a gradient array")
    print("gradients accumulate within a graph and across backward calls")


def test_unit_errors():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * 2).backward(np.array([1.0, 10.0]))
    np.testing.assert_allclose(x.grad._data, [2.0, 20.0])
    x.grad = None
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
    np.testing.assert_allclose(x.grad._data, 4 * x._data, err_msg="retain_graph allows a second pass")
    ### BEGIN HIDDEN TESTS
    from tinytorch.core.tensor import record_op
    GRADIENTS["_bad_shape_op"] = lambda g, inputs, out, attrs: (np.ones(5),)
    try:
        for op, words in (("_op_without_rule", "no gradient rule for op '_op_without_rule'"),
                          ("_bad_shape_op", "returned a gradient of shape (5,)")):
            try:
                record_op(x._data * 1, op, (x,), None).sum().backward()
            except RuntimeError as exc:
                assert words in str(exc), str(exc)
            else:
                raise AssertionError(f"backward through op {op} must raise RuntimeError")
    finally:
        del GRADIENTS["_bad_shape_op"]
    ### END HIDDEN TESTS
    print("a second backward fails with a clear message; retain_graph keeps the graph")


def test_unit_deep_chain():
    import sys
    depth = 5000
    assert depth > sys.getrecursionlimit(), "deeper than any recursive walk could go"
    x = Tensor(np.array(1.0), requires_grad=True)
    y = x
    for _ in range(depth):
        y = y * 1.0 + 0.0
    y.backward()
    np.testing.assert_allclose(x.grad._data, 1.0)
    print(f"backward through a chain of {2 * depth} ops works (no recursion)")


test_unit_backward_simple_graph()
test_unit_accumulation()
test_unit_errors()
test_unit_deep_chain()

# %% [markdown]
"""
## Part 11: Systems Analysis

### Computational Complexity
- **Time.** Backward runs each recorded op's rule once and counting touches every edge once: O(nodes +
  edges) of bookkeeping plus the rules' arithmetic, which mirrors the forward pass (a matmul rule is two
  matrix products, so backward costs about twice the forward pass for matmul-heavy models).
- **Memory.** Until backward runs, the graph keeps every recorded op's saved tensors alive: O(depth x
  activation size). Hence training needs far more memory than inference under `no_grad`.
- **Per-op overhead.** Each recorded op allocates a `Node` and, in backward, makes one Python call of its
  rule: for tiny tensors this fixed cost dominates, so we measure it in microseconds per op.
"""

# %% [markdown]
"""
### Measuring the memory the graph holds (Build -> Measure -> Understand)
A chain of elementwise ops on a float32 matrix, read with `tracemalloc` three ways: under `no_grad`
(intermediates die once read), recorded (the graph keeps each one until backward), after backward.
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
    assert abs(results["recorded"] - n_ops * one) < 0.05 * n_ops * one, "the graph keeps one output per op"
    assert results["no_grad"] < one and results["after backward"] < one, "no graph: nothing big is kept"
    return results


memory = graph_memory()

# %% [markdown]
"""
The cell asserted its prediction: the recorded run holds one matrix per op (each op's output, kept as
the next op's saved input), nothing after backward or under `no_grad`. PyTorch saves less for some ops
(`add` needs only shapes), and activation checkpointing trades this memory for recomputation.
"""

# %% [markdown]
"""
### Measuring per-op overhead
A chain of elementwise ops on a 16x16 float32 matrix, forward and backward, timed with
`time.perf_counter` (best of several repeats): at this size the time is the framework's bookkeeping.
"""

# %%
import time

from tinytorch.utils.timing import pinned_blas_threads


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

    def no_grad_forward():
        with no_grad():
            chain()

    raw = x._data.copy()

    def numpy_only():
        y = raw
        for i in range(n_ops):
            y = (y * np.float32(1.0001)) if i % 2 else (y + np.float32(0.5))

    with pinned_blas_threads(1) as blas_note:
        result = {"forward+backward": best(lambda: chain().sum().backward()), "forward (recorded)": best(chain),
                  "forward (no_grad)": best(no_grad_forward), "NumPy alone": best(numpy_only)}
    print(f"chain of {n_ops} elementwise ops (alternating * and +) on a 16x16 float32 tensor, "
          f"best of {repeats} runs ({blas_note}):")
    x.grad = None
    for name, us in result.items():
        print(f"  {name:>20}: {us:6.2f} us/op")
    return result


overhead = per_op_overhead()

# %% [markdown]
"""
What did this run measure? Subtract the `no_grad` line from the recorded one, and the recorded one from
forward+backward: that is what recording and backward cost per op here. Most of it is Python (creating
the `Node`, one call of the rule, the `unbroadcast` check, the loop's bookkeeping). Against the
NumPy-alone line, how large a share of each op is arithmetic at 16x16? On small tensors a Python autograd
is overhead-bound; on large ones the arithmetic dominates. (Speed against PyTorch is measured in
`bench/`, same thread count on both sides.)
"""

# %% [markdown]
"""
## Production Context

- **PyTorch** records the same kind of graph ("define-by-run"): each result's `grad_fn` (`MulBackward0`,
  ...) comes from a table of derivative formulas (`derivatives.yaml`), like our `GRADIENTS`; its C++ engine
  counts dependencies and runs nodes from a ready queue, like ours. It saves only what each formula needs
  (`add` saves nothing), frees saved tensors after backward unless `retain_graph=True`, and detects
  in-place changes to saved tensors with version counters; `inference_mode()` goes beyond `no_grad`.
- **TensorFlow** records eager ops on an explicit `tf.GradientTape`; **JAX** transforms functions
  (`jax.grad`), which gives higher derivatives for free. Our rules return NumPy arrays, so a gradient cannot
  be differentiated again; PyTorch's rules are differentiable tensor ops (`create_graph=True`).
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_unbroadcast()
    test_unit_arithmetic_rules()
    test_unit_pow_skips_constant_exponent()
    test_unit_matmul_rule()
    test_unit_reduction_rules()
    test_unit_shape_rules()
    test_unit_activation_rules()
    test_unit_loss_rules()
    test_unit_backward_simple_graph()
    test_unit_accumulation()
    test_unit_errors()
    test_unit_deep_chain()
    print("All autograd tests passed.")


# %%
if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## ML Systems Thinking

1. The recorded run in the memory measurement held one matrix per op. For a network whose
   activations are large, which ops could give their inputs up right after the forward pass, and what would
   each rule have to save instead?
2. Backward freed the graph as it went. What would go wrong in a training loop if it did not, given that the
   last loss tensor stays referenced by a variable until the next step overwrites it?
3. The per-op overhead is fixed Python work. At what tensor size does the arithmetic of a 16-wide
   elementwise op start to dominate it, and how would you find out with the timing code above?
4. `max` splits the gradient among ties while PyTorch's `max(dim)` gives it to one index. When can that
   difference change a training run, and when is it irrelevant?
"""

# %% [markdown]
"""
## Module Summary

You built reverse-mode automatic differentiation:

- **Rules**: one vector-Jacobian product per op in `GRADIENTS`, each checked against central differences:
  arithmetic with `unbroadcast`, matmul, reductions (ties split evenly), shape ops and fancy indexing,
  sigmoid, GELU, softmax, and the guarded BCE and fused cross-entropy.
- **Engine**: dependency counting plus a work list gives a topological order without recursion; gradients
  accumulate where a tensor is used twice and in leaves across calls; the graph is freed as backward goes.
- **Systems**: the graph keeps one output per op until backward (asserted); this run measured the cost
  of each recorded op's Python bookkeeping.

Next, module 06 uses these gradients to update parameters with optimizers.
"""
