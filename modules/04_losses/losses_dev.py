# %% [markdown]
"""
# Module 04: Losses

A network's output means nothing until we say how wrong it is. A **loss function** turns
(prediction, target) into one number that training pushes down. This module builds the losses
that cover most of deep learning, with PyTorch's names and semantics:

| function | class | use it for |
|---|---|---|
| `mse_loss` | `MSELoss` | regression (real-valued targets) |
| `binary_cross_entropy` | `BCELoss` | yes/no targets, when the model already outputs probabilities |
| `binary_cross_entropy_with_logits` | `BCEWithLogitsLoss` | yes/no targets from raw scores (the stable choice) |
| `cross_entropy` | `CrossEntropyLoss` | one-of-C classification from raw scores (logits) |
| `nll_loss` | `NLLLoss` | one-of-C classification from log-probabilities |

**Learning Objectives:**
- Build MSE, binary cross-entropy and cross-entropy from their formulas, with `reduction='mean' | 'sum' | 'none'`
- Understand why losses take **logits** and how the log-sum-exp trick keeps them finite at any scale
- Check targets (shape, dtype, class range) and explain bad ones with a clear message
- Measure the stability, peak memory and run time of a fused log-softmax + NLL against softmax -> log -> pick
"""

# %%
#| export
import numpy as np

from tinytorch.core.layers import Module
from tinytorch.core.losses_support import one_hot  # noqa: F401  (hand-written support code, not taught)
from tinytorch.core.tensor import Tensor, record_op, register_op

__all__ = [
    "mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
    "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "one_hot",
]

# Each loss is one differentiable op. Module 05 (autograd) supplies its gradient rule by name,
# using exactly the inputs and attrs passed to `record_op` below.
MSE_LOSS = register_op("mse_loss", "04_losses")
BCE = register_op("binary_cross_entropy", "04_losses")
BCE_WITH_LOGITS = register_op("binary_cross_entropy_with_logits", "04_losses")
CROSS_ENTROPY = register_op("cross_entropy", "04_losses")

# %% [markdown]
r"""
## Part 1: Mathematical Foundations

Write $x$ for the model's output and $y$ for the target. Every loss below first computes one value
$\ell_i$ per element (or per sample), then **reduces**:

- `reduction='mean'` (the default): $L = \frac{1}{n}\sum_i \ell_i$, so the loss does not grow with the batch size;
- `reduction='sum'`: $L = \sum_i \ell_i$;
- `reduction='none'`: return the $\ell_i$ themselves (useful for per-sample weighting or hard-example mining).

**Mean squared error.** $\ell_i = (x_i - y_i)^2$. Big mistakes cost quadratically more than small ones.

**Binary cross-entropy** on a probability $p \in [0, 1]$ and a target $y \in [0, 1]$:
$\ell = -\big(y \log p + (1 - y) \log(1 - p)\big)$. When $p$ is exactly 0 or 1, $\log$ is $-\infty$;
PyTorch clamps each log at $-100$ so the loss stays finite, and so do we.

**Binary cross-entropy with logits.** Models output a raw score (logit) $x$ and $p = \sigma(x) = 1/(1+e^{-x})$.
Substituting and simplifying gives a form that never exponentiates a large positive number:

$$\ell = \max(x, 0) - x\,y + \log\big(1 + e^{-|x|}\big)$$

(check it: for $x \ge 0$, $\log(1+e^{-x}) + x = \log(1 + e^{x})$). Computing $\sigma(x)$ first and then its log
loses everything once $\sigma(x)$ rounds to exactly 0 or 1.

**Cross-entropy from logits.** For one sample with logits $x_1, \dots, x_C$ and true class $t$,
softmax gives $p_t = e^{x_t} / \sum_j e^{x_j}$ and the loss is $-\log p_t$:

$$\ell = -x_t + \log \sum_j e^{x_j} = -x_t + \operatorname{LSE}(x).$$

The **log-sum-exp trick**: with $m = \max_j x_j$, $\operatorname{LSE}(x) = m + \log\sum_j e^{x_j - m}$.
Every exponent is now $\le 0$, so nothing overflows, and the largest term is exactly $e^0 = 1$,
so the sum is at least 1 and its log is never $-\infty$. Targets are **integer class indices**
$t \in \{0, \dots, C-1\}$, not one-hot vectors: storing one int per sample instead of $C$ floats.

**Negative log-likelihood.** If the model already outputs log-probabilities $z = \log p$, the loss is
just $\ell = -z_t$: pick the target's entry and negate. `cross_entropy(x, t)` equals
`nll_loss(log_softmax(x), t)`; doing both steps in one function is the "fused" version we measure in the
Systems Analysis.
"""

# %% [markdown]
"""
## Part 2: Implementation

### 2.1 Checking arguments, and reducing

Losses sit at the end of every training script, so a wrong target shape or dtype is one of the most
common bugs in practice, and NumPy's own errors (or worse, silent broadcasting) do not explain it.
The helpers below are given to you; they check arguments and raise errors that name the problem.
Note one deliberate difference from PyTorch: `mse_loss` refuses targets whose shape differs from the
input's. PyTorch broadcasts them with only a warning, so a `(N, 1)` prediction against a `(N,)` target
silently becomes an `(N, N)` matrix of errors.

Your job is `_reduce`: apply `'mean'`, `'sum'` or `'none'` to an array of per-element losses. Keep the
dtype of `values`, return a NumPy array (0-d for mean and sum), and give `nan` for the mean of an empty
array (as PyTorch does) without a NumPy warning.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "losses-helpers", "locked": false, "schema_version": 3, "solution": true}}
#| export
_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction, op):
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of 'mean', 'sum' or 'none', got {reduction!r}")


def _as_tensor(x, op, what):
    """Accept a Tensor, or anything Tensor() accepts (ndarray, list, number)."""
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{op}: {what} must be a Tensor or array-like, got {type(x).__name__} ({exc})") from None


def _float_input(x, op):
    x = _as_tensor(x, op, "input")
    if x._data.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a floating-point Tensor, got dtype {x._data.dtype}; "
                        "use input.float()")
    return x


def _matching_target(target, input, op, need_float):
    """The target as a Tensor with the input's shape (and, if need_float, a float dtype)."""
    target = _as_tensor(target, op, "target")
    if target.shape != input.shape:
        raise ValueError(f"{op}: target shape {target.shape} does not match input shape {input.shape}; "
                         "they must be equal (no broadcasting: reshape one of them, e.g. input.squeeze(1))")
    if need_float and target._data.dtype.kind != "f":
        raise TypeError(f"{op}: target must be a floating-point Tensor (values in [0, 1]), got dtype "
                        f"{target._data.dtype}; use target.float()")
    return target


def _check_unit_interval(values, op, what):
    """Raise if any entry is outside [0, 1] (nan included)."""
    bad = ~((values >= 0) & (values <= 1))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        hint = " (apply sigmoid first, or use binary_cross_entropy_with_logits)" if what == "input" else ""
        raise ValueError(f"{op}: every {what} value must lie in [0, 1]{hint}; found {values[bad][0]} "
                         f"at index {where}")


def _reduce(values, reduction):
    """Reduce per-element losses `values` (ndarray) by 'mean', 'sum' or 'none'; keep the dtype."""
    ### BEGIN SOLUTION
    if reduction == "none":
        return values
    if reduction == "sum":
        return np.asarray(values.sum(), dtype=values.dtype)
    if values.size == 0:
        return np.asarray(np.nan, dtype=values.dtype)
    return np.asarray(values.mean(), dtype=values.dtype)
    ### END SOLUTION

# %% [markdown]
"""
### Testing the helpers
`_reduce` must agree with NumPy's mean and sum and keep float32 as float32; the checks must reject a
bad reduction name and mismatched shapes with messages that say what is wrong.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "losses-helpers-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_reduce():
    v = np.array([1.0, 2.0, 6.0], dtype=np.float32)
    assert _reduce(v, "mean").shape == () and float(_reduce(v, "mean")) == 3.0
    assert float(_reduce(v, "sum")) == 9.0
    assert _reduce(v, "sum").dtype == np.float32 and _reduce(v, "mean").dtype == np.float32
    assert np.array_equal(_reduce(v, "none"), v)
    assert np.isnan(_reduce(np.zeros(0, np.float32), "mean"))
    assert float(_reduce(np.zeros(0, np.float32), "sum")) == 0.0
    try:
        _check_reduction("avg", "mse_loss")
        raise AssertionError("reduction='avg' should be rejected")
    except ValueError as e:
        assert "'avg'" in str(e) and "'mean'" in str(e)
    try:
        _matching_target(Tensor(np.zeros(3)), Tensor(np.zeros((3, 1))), "mse_loss", False)
        raise AssertionError("a (3,) target for a (3, 1) input should be rejected")
    except ValueError as e:
        assert "(3,)" in str(e) and "(3, 1)" in str(e)
    print("✅ _reduce and the argument checks work")
    ### BEGIN HIDDEN TESTS
    assert _reduce(np.array([[1.0, 3.0]], np.float64), "mean").dtype == np.float64
    try:
        _check_unit_interval(np.array([0.5, 1.5]), "binary_cross_entropy", "input")
        raise AssertionError("1.5 is not a probability")
    except ValueError as e:
        assert "1.5" in str(e)
    ### END HIDDEN TESTS


test_unit_reduce()

# %% [markdown]
"""
### 2.2 Mean squared error

Implement `mse_loss`: per-element $(x - y)^2$, then `_reduce`. Return
`record_op(out, MSE_LOSS, (input, target), {"reduction": reduction})` so that autograd (module 05) can
record the op. Integer targets are allowed and converted to the input's dtype (as in PyTorch).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "losses-mse-impl", "locked": false, "schema_version": 3, "solution": true}}
#| export
def mse_loss(input, target, reduction="mean"):
    """Mean squared error between `input` and `target` (same shape), like torch.nn.functional.mse_loss."""
    _check_reduction(reduction, "mse_loss")
    input = _float_input(input, "mse_loss")
    target = _matching_target(target, input, "mse_loss", need_float=False)
    ### BEGIN SOLUTION
    y = target._data.astype(input._data.dtype, copy=False)
    diff = input._data - y
    out = _reduce(diff * diff, reduction)
    ### END SOLUTION
    return record_op(out, MSE_LOSS, (input, target), {"reduction": reduction})

# %% [markdown]
"""
### Testing MSE
A hand-computed case, the three reductions, and a wrong target shape.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "losses-mse-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_mse_loss():
    x = Tensor([1.0, 2.0, 4.0])
    y = Tensor([1.0, 0.0, 1.0])
    # errors 0, 2, 3 -> squares 0, 4, 9
    assert np.allclose(mse_loss(x, y)._data, 13 / 3)
    assert np.allclose(mse_loss(x, y, reduction="sum")._data, 13.0)
    assert np.allclose(mse_loss(x, y, reduction="none")._data, [0.0, 4.0, 9.0])
    assert mse_loss(x, y).dtype == np.float32 and mse_loss(x, y).shape == ()
    try:
        mse_loss(Tensor(np.zeros((4, 1), np.float32)), Tensor(np.zeros(4, np.float32)))
        raise AssertionError("shape mismatch should raise")
    except ValueError as e:
        assert "(4,)" in str(e) and "(4, 1)" in str(e)
    print("✅ mse_loss works")
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    assert np.allclose(mse_loss(Tensor(a), Tensor(b))._data, ((a - b) ** 2).mean())
    assert np.allclose(mse_loss(Tensor([0.5, 1.5]), Tensor([1, 2]))._data, 0.25)   # int target
    ### END HIDDEN TESTS


test_unit_mse_loss()

# %% [markdown]
r"""
### 2.3 Binary cross-entropy on probabilities

Implement `binary_cross_entropy`: the formula from Part 1 with each log clamped at $-100$
(`np.maximum(np.log(p), -100)`). Use `np.log1p(-p)` for $\log(1 - p)$: it stays accurate when $p$ is tiny.
The helper code already checks that input and target lie in $[0, 1]$.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "losses-bce-impl", "locked": false, "schema_version": 3, "solution": true}}
#| export
def binary_cross_entropy(input, target, reduction="mean"):
    """BCE between probabilities `input` and targets in [0, 1], like torch.nn.functional.binary_cross_entropy."""
    _check_reduction(reduction, "binary_cross_entropy")
    input = _float_input(input, "binary_cross_entropy")
    target = _matching_target(target, input, "binary_cross_entropy", need_float=True)
    _check_unit_interval(input._data, "binary_cross_entropy", "input")
    _check_unit_interval(target._data, "binary_cross_entropy", "target")
    ### BEGIN SOLUTION
    p = input._data
    y = target._data.astype(p.dtype, copy=False)
    with np.errstate(divide="ignore"):                      # log(0) = -inf, then clamped
        log_p = np.maximum(np.log(p), -100)
        log_not_p = np.maximum(np.log1p(-p), -100)
    out = _reduce(-(y * log_p + (1 - y) * log_not_p), reduction)
    ### END SOLUTION
    return record_op(out, BCE, (input, target), {"reduction": reduction})

# %% [markdown]
"""
### Testing binary cross-entropy
A confident right answer costs almost nothing, a confident wrong one costs a lot, and $p = 0$ for a
positive target costs exactly the clamp value instead of infinity.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "losses-bce-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_binary_cross_entropy():
    p = Tensor([0.9, 0.2, 0.5])
    y = Tensor([1.0, 0.0, 1.0])
    expected = -np.array([np.log(0.9), np.log(0.8), np.log(0.5)])
    assert np.allclose(binary_cross_entropy(p, y, reduction="none")._data, expected, atol=1e-6)
    assert np.allclose(binary_cross_entropy(p, y)._data, expected.mean(), atol=1e-6)
    clamped = binary_cross_entropy(Tensor([0.0, 1.0]), Tensor([1.0, 0.0]), reduction="none")
    assert np.allclose(clamped._data, [100.0, 100.0]), clamped
    try:
        binary_cross_entropy(Tensor([0.5, 1.5]), Tensor([1.0, 0.0]))
        raise AssertionError("1.5 is not a probability")
    except ValueError as e:
        assert "1.5" in str(e) and "[0, 1]" in str(e)
    try:
        binary_cross_entropy(Tensor([0.5, 0.5]), Tensor([1, 0]))
        raise AssertionError("int targets should be rejected, as in PyTorch")
    except TypeError as e:
        assert "int64" in str(e)
    print("✅ binary_cross_entropy works")
    ### BEGIN HIDDEN TESTS
    tiny = binary_cross_entropy(Tensor(np.array([1e-30])), Tensor(np.array([0.0])), reduction="sum")
    assert 0 <= float(tiny._data) < 1e-20
    ### END HIDDEN TESTS


test_unit_binary_cross_entropy()

# %% [markdown]
r"""
### 2.4 Binary cross-entropy with logits

Implement the stable form $\max(x, 0) - x y + \log(1 + e^{-|x|})$. Use `np.log1p` for
$\log(1 + \cdot)$. It must stay finite and exact for logits like $\pm 10^4$, where
`binary_cross_entropy(sigmoid(x), y)` would only return the clamp value.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "losses-bce-logits-impl", "locked": false, "schema_version": 3, "solution": true}}
#| export
def binary_cross_entropy_with_logits(input, target, reduction="mean"):
    """BCE on raw scores: sigmoid and log in one stable formula (torch.nn.functional.binary_cross_entropy_with_logits)."""
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    input = _float_input(input, "binary_cross_entropy_with_logits")
    target = _matching_target(target, input, "binary_cross_entropy_with_logits", need_float=True)
    ### BEGIN SOLUTION
    x = input._data
    y = target._data.astype(x.dtype, copy=False)
    per_element = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
    out = _reduce(per_element, reduction)
    ### END SOLUTION
    return record_op(out, BCE_WITH_LOGITS, (input, target), {"reduction": reduction})

# %% [markdown]
r"""
### Testing BCE with logits
It must match `binary_cross_entropy(sigmoid(x), y)` where that is accurate, and stay exact at $\pm 10^4$:
a logit of $-10^4$ for a positive target costs $10^4$.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "losses-bce-logits-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_bce_with_logits():
    x = np.array([-2.0, 0.0, 3.0], dtype=np.float32)
    y = np.array([0.0, 1.0, 1.0], dtype=np.float32)
    p = 1 / (1 + np.exp(-x))
    via_probs = binary_cross_entropy(Tensor(p), Tensor(y), reduction="none")._data
    fused = binary_cross_entropy_with_logits(Tensor(x), Tensor(y), reduction="none")._data
    assert np.allclose(fused, via_probs, atol=1e-6)
    big = binary_cross_entropy_with_logits(Tensor([1e4, -1e4, 1e4]), Tensor([1.0, 1.0, 0.0]), reduction="none")
    assert np.all(np.isfinite(big._data)) and np.allclose(big._data, [0.0, 1e4, 1e4])
    print("✅ binary_cross_entropy_with_logits works")
    ### BEGIN HIDDEN TESTS
    soft = binary_cross_entropy_with_logits(Tensor([0.0]), Tensor([0.3]), reduction="sum")
    assert np.allclose(soft._data, np.log(2.0))
    ### END HIDDEN TESTS


test_unit_bce_with_logits()

# %% [markdown]
r"""
### 2.5 Cross-entropy from logits

`_class_targets` (given) turns the target into an int64 array of class indices and rejects float
targets, wrong shapes and indices outside $0 \dots C-1$. Implement `cross_entropy` for input of shape
`(N, C)` (target `(N,)`) or `(C,)` (target a single index), using the log-sum-exp trick:

1. `m` = max of each row (`keepdims=True`);
2. `shifted = x - m`, then `np.exp(shifted, out=shifted)` in place (no second `N x C` array);
3. `log_sum` = `log` of each row's sum, i.e. $\operatorname{LSE}(x) - m$;
4. per-sample loss = `log_sum - (x[row, target] - m[row])` (for 1-D input, `log_sum - (x[target] - m)`),
   then `_reduce`. Subtracting `m` from the picked logit *before* adding `log_sum` matters in float32: for
   a loss near zero, $m + \log\sum$ would round to the spacing of floats near $m$ and lose the small part.

Return `record_op(out, CROSS_ENTROPY, (input,), {"target": t, "reduction": reduction})`: the target is an
attribute, not an input, because no gradient flows into class indices.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "losses-cross-entropy-impl", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _class_targets(target, input, op):
    """Check logits `input` ((N, C) or (C,)) against class indices `target`; return them as int64."""
    if input.ndim not in (1, 2):
        raise ValueError(f"{op}: input must be logits of shape (N, C) or (C,), got shape {input.shape}")
    C = input.shape[-1]
    if C == 0:
        raise ValueError(f"{op}: input has shape {input.shape}, i.e. zero classes")
    if isinstance(target, Tensor):
        t = target._data
    else:
        t = np.asarray(target)
        if t.size == 0 and isinstance(target, (list, tuple)):
            t = t.astype(np.int64)                       # [] is an empty list of indices
    if t.dtype.kind not in "iu":
        kind = "floating-point" if t.dtype.kind == "f" else "non-integer"
        raise TypeError(f"{op}: target must hold integer class indices (int64), got {kind} dtype {t.dtype}; "
                        "use target.long() if these are class numbers (class probabilities are not supported)")
    expected = input.shape[:1] if input.ndim == 2 else ()
    if t.shape != expected:
        what = f"(N,) = {expected}" if input.ndim == 2 else "() (a single class index)"
        raise ValueError(f"{op}: target shape {t.shape} does not match input shape {input.shape}; "
                         f"expected {what}")
    bad = (t < 0) | (t >= C)
    if bad.any():
        pos = int(np.argmax(bad.reshape(-1)))
        value = int(t.reshape(-1)[pos])
        at = f" at position {pos}" if t.ndim else ""
        raise IndexError(f"{op}: class index {value}{at} is out of range for C={C} classes "
                         f"(valid indices are 0..{C - 1})")
    return t.astype(np.int64)


def cross_entropy(input, target, reduction="mean"):
    """Cross-entropy between logits `input` and class indices `target` (torch.nn.functional.cross_entropy)."""
    _check_reduction(reduction, "cross_entropy")
    input = _float_input(input, "cross_entropy")
    t = _class_targets(target, input, "cross_entropy")
    ### BEGIN SOLUTION
    x = input._data
    m = x.max(axis=-1, keepdims=True)
    shifted = x - m
    np.exp(shifted, out=shifted)
    log_sum = np.log(shifted.sum(axis=-1))
    picked = x[np.arange(x.shape[0]), t] - m[:, 0] if x.ndim == 2 else x[t] - m[0]
    out = _reduce(np.asarray(log_sum - picked, dtype=x.dtype), reduction)
    ### END SOLUTION
    return record_op(out, CROSS_ENTROPY, (input,), {"target": t, "reduction": reduction})

# %% [markdown]
r"""
### Testing cross-entropy
Uniform logits over C classes cost $\log C$; huge logits stay finite; bad targets are rejected with
the offending value in the message.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "losses-cross-entropy-test", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_cross_entropy():
    uniform = cross_entropy(Tensor(np.zeros((2, 4), np.float32)), Tensor(np.array([0, 3])))
    assert np.allclose(uniform._data, np.log(4.0)) and uniform.dtype == np.float32
    x = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    t = np.array([0, 2])
    ref = -np.log(np.exp(x[[0, 1], t]) / np.exp(x).sum(axis=1))
    assert np.allclose(cross_entropy(Tensor(x), Tensor(t), reduction="none")._data, ref)
    assert np.allclose(cross_entropy(Tensor(x), t, reduction="sum")._data, ref.sum())
    assert np.allclose(cross_entropy(Tensor(x[1]), 2)._data, ref[1])        # (C,) input, scalar target
    big = cross_entropy(Tensor([[1e4, -1e4, 0.0]]), Tensor([1]), reduction="none")
    assert np.allclose(big._data, [2e4]), big
    for bad, err, words in [(np.array([0.0, 2.0]), TypeError, "float64"),
                            (np.array([0, 3]), IndexError, "3"),
                            (np.array([0, 1, 2]), ValueError, "(3,)")]:
        try:
            cross_entropy(Tensor(x), Tensor(bad))
            raise AssertionError(f"target {bad} should raise {err.__name__}")
        except err as e:
            assert words in str(e), str(e)
    print("✅ cross_entropy works")
    ### BEGIN HIDDEN TESTS
    try:
        cross_entropy(Tensor(x), Tensor(np.array([0, -1])))
        raise AssertionError("negative class index should raise")
    except IndexError as e:
        assert "-1" in str(e) and "C=3" in str(e)
    assert np.isnan(cross_entropy(Tensor(np.zeros((0, 3))), [])._data)
    ### END HIDDEN TESTS


test_unit_cross_entropy()

# %% [markdown]
"""
### 2.6 Negative log-likelihood

`nll_loss` takes **log-probabilities** and picks $-z_t$. It needs no new op: indexing (`getitem`),
negation and `mean`/`sum` are Tensor operations from module 01, and autograd already knows how to
differentiate them. Build it from those Tensor operations (not from `._data`).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "losses-nll-impl", "locked": false, "schema_version": 3, "solution": true}}
#| export
def nll_loss(input, target, reduction="mean"):
    """Negative log-likelihood of class indices `target` under log-probabilities `input` (torch.nn.functional.nll_loss).

    Built from Tensor operations on `input` (indexing, negation, `.sum()`/`.mean()`; never `._data`), so
    the result carries a recorded graph (`grad_fn`) back to `input` and autograd differentiates it.
    'none' gives the per-sample losses, shape (N,) (or () for a (C,) input)."""
    _check_reduction(reduction, "nll_loss")
    input = _float_input(input, "nll_loss")
    t = _class_targets(target, input, "nll_loss")
    ### BEGIN SOLUTION
    picked = input[np.arange(input.shape[0]), t] if input.ndim == 2 else input[t]
    losses = -picked
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.mean()
    ### END SOLUTION

# %% [markdown]
"""
### Testing NLL
`nll_loss` of the log-softmax must equal `cross_entropy` of the logits: that identity is what "fused"
means (`log_softmax` comes from module 02). And the loss must carry a recorded graph back to its input.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "losses-nll-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
from tinytorch.core.activations import log_softmax, softmax


def test_unit_nll_loss():
    z = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]))
    t = np.array([0, 2])
    assert np.allclose(nll_loss(Tensor(z), Tensor(t), reduction="none")._data, -np.log([0.7, 0.8]))
    logits = Tensor(np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]]))
    for reduction in ("mean", "sum", "none"):
        assert np.allclose(nll_loss(log_softmax(logits, dim=1), t, reduction=reduction)._data,
                           cross_entropy(logits, t, reduction=reduction)._data)
    leaf = Tensor(z, requires_grad=True)
    loss = nll_loss(leaf, t)
    assert loss.grad_fn is not None, "nll_loss must use Tensor ops on input (not ._data) so autograd records it"
    seen, stack = set(), [loss.grad_fn]
    while stack:
        for inp in stack.pop().inputs:
            seen.add(id(inp))
            if inp.grad_fn is not None:
                stack.append(inp.grad_fn)
    assert id(leaf) in seen, "the recorded graph of nll_loss must reach its input"
    print("✅ nll_loss works")
    ### BEGIN HIDDEN TESTS
    assert np.allclose(nll_loss(Tensor(z[0]), 1)._data, -np.log(0.2))
    ### END HIDDEN TESTS


test_unit_nll_loss()

# %% [markdown]
"""
### 2.7 Loss classes

`torch.nn` wraps each loss function in a class that remembers its `reduction`, so a training script can
build the criterion once (`criterion = nn.CrossEntropyLoss()`) and call it like a function. In PyTorch
these classes are real `nn.Module`s, and so are ours: `_Loss` subclasses the `Module` you built in module
03, so a criterion answers `train()`, `eval()`, `to("cpu")`, `parameters()` (none) and `state_dict()`
(empty), can sit inside a `Sequential`, and prints like PyTorch's (`CrossEntropyLoss()`, whatever its
`reduction`). Calling a criterion goes through `Module.__call__`, which calls `forward`.

Complete `forward` in each class: each one is a single call to the matching function above, passing
the criterion's `self.reduction` on (for example `MSELoss.forward` calls `mse_loss`).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "losses-classes-impl", "locked": false, "schema_version": 3, "solution": true}}
#| export
class _Loss(Module):
    """Shared part of the loss classes (a Module with no parameters): checks and remembers `reduction`.

    Module.__call__ calls forward(input, target); Module.__repr__ prints `Name()` as PyTorch does.
    """

    def __init__(self, reduction="mean"):
        _check_reduction(reduction, type(self).__name__)
        super().__init__()
        self.reduction = reduction


class MSELoss(_Loss):
    def forward(self, input, target):
        """See mse_loss."""
        ### BEGIN SOLUTION
        return mse_loss(input, target, reduction=self.reduction)
        ### END SOLUTION


class BCELoss(_Loss):
    def forward(self, input, target):
        """See binary_cross_entropy."""
        ### BEGIN SOLUTION
        return binary_cross_entropy(input, target, reduction=self.reduction)
        ### END SOLUTION


class BCEWithLogitsLoss(_Loss):
    def forward(self, input, target):
        """See binary_cross_entropy_with_logits."""
        ### BEGIN SOLUTION
        return binary_cross_entropy_with_logits(input, target, reduction=self.reduction)
        ### END SOLUTION


class CrossEntropyLoss(_Loss):
    def forward(self, input, target):
        """See cross_entropy."""
        ### BEGIN SOLUTION
        return cross_entropy(input, target, reduction=self.reduction)
        ### END SOLUTION


class NLLLoss(_Loss):
    def forward(self, input, target):
        """See nll_loss."""
        ### BEGIN SOLUTION
        return nll_loss(input, target, reduction=self.reduction)
        ### END SOLUTION

# %% [markdown]
"""
### Testing the loss classes
Each class must give what its function gives, print like PyTorch, and reject a bad reduction at
construction time (not at the first call, deep inside a training loop).
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "losses-classes-test", "locked": true, "points": 1, "schema_version": 3, "solution": false}}
def test_unit_loss_classes():
    x = Tensor([[0.2, -1.0], [1.5, 0.3]])
    p = Tensor([[0.2, 0.9], [0.6, 0.3]])
    y = Tensor([[0.0, 1.0], [1.0, 1.0]])
    t = Tensor(np.array([1, 0]))
    assert np.allclose(MSELoss()(x, y)._data, mse_loss(x, y)._data)
    assert np.allclose(BCELoss(reduction="sum")(p, y)._data, binary_cross_entropy(p, y, reduction="sum")._data)
    assert np.allclose(BCEWithLogitsLoss()(x, y)._data, binary_cross_entropy_with_logits(x, y)._data)
    assert np.allclose(CrossEntropyLoss(reduction="none")(x, t)._data, cross_entropy(x, t, reduction="none")._data)
    assert np.allclose(NLLLoss()(x, t)._data, nll_loss(x, t)._data)
    assert repr(CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(MSELoss(reduction="sum")) == "MSELoss()"          # PyTorch does not print reduction
    criterion = CrossEntropyLoss()
    assert isinstance(criterion, Module) and list(criterion.parameters()) == []
    assert criterion.to("cpu") is criterion and criterion.eval().training is False
    assert len(criterion.state_dict()) == 0 and criterion.train().training is True
    try:
        CrossEntropyLoss(reduction="average")
        raise AssertionError("reduction='average' should be rejected")
    except ValueError as e:
        assert "average" in str(e) and "CrossEntropyLoss" in str(e)
    print("✅ loss classes work")
    ### BEGIN HIDDEN TESTS
    assert CrossEntropyLoss().forward(x, t).shape == ()
    ### END HIDDEN TESTS


test_unit_loss_classes()

# %% [markdown]
"""
`F.one_hot(target, num_classes=-1)` (class indices to rows of zeros with a single 1, int64) is given in the
hand-written support file `tinytorch/core/losses_support.py`; `cross_entropy` is the one-hot-weighted
negative log-probability, computed without ever building the one-hot matrix.
"""

# %% [markdown]
r"""
## Part 3: Systems Analysis

### Computational Complexity
For logits of shape `(N, C)`, cross-entropy costs $O(N \cdot C)$ time: one pass for the row maxima, one
for `exp`, one for the sums, then $O(N)$ to pick the target entries. The interesting cost is **memory
traffic and temporaries**. The fused version needs a single `N x C` temporary (the shifted logits,
exponentiated in place). The unfused pipeline `softmax -> log -> gather` materialises the exponentials,
then the probabilities, then their logs: several full `N x C` arrays, each written once and read
once, to produce only $N$ numbers. For a language model, $C$ is the vocabulary size (tens of thousands),
so these temporaries are often the largest arrays in the whole step.

MSE and the binary losses are elementwise: $O(n)$ time and one temporary of the input's size.

**Build -> Measure -> Understand.** First stability, then memory, then time.
"""

# %%
def naive_cross_entropy(x, t):
    """softmax without the max shift -> log -> pick: the textbook formula, typed in directly."""
    e = np.exp(x)
    p = e / e.sum(axis=-1, keepdims=True)
    return -np.log(p[np.arange(x.shape[0]), t])


def softmax_log_gather(x, t):
    """The unfused pipeline with a stable softmax: max shift, exp, normalise, log, pick."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    logp = np.log(p)
    return -logp[np.arange(x.shape[0]), t]


def stability_demo():
    x = np.array([[10.0, 0.0, -10.0], [1e4, 0.0, -1e4], [1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]], dtype=np.float32)
    t = np.array([0, 0, 2, 0])
    with np.errstate(all="ignore"):
        naive = naive_cross_entropy(x, t)
        unfused = softmax_log_gather(x, t)
        # the same pipeline from tinytorch pieces: softmax (module 02) -> Tensor.log -> nll_loss
        pieces = nll_loss(softmax(Tensor(x), dim=1).log(), Tensor(t), reduction="none")._data
    fused = cross_entropy(Tensor(x), Tensor(t), reduction="none")._data
    exact = np.array([np.logaddexp.reduce(row.astype(np.float64)) - row[k] for row, k in zip(x, t)])
    print(f"{'logits':>24} {'target':>6} {'naive':>10} {'softmax->log':>13} {'tinytorch ops':>14} "
          f"{'fused':>10} {'exact (float64)':>16}")
    for row, k, a, b, c, d, e in zip(x, t, naive, unfused, pieces, fused, exact):
        print(f"{str(row.tolist()):>24} {k:>6} {a + 0.0:>10.4g} {b + 0.0:>13.4g} {c + 0.0:>14.4g} "
              f"{d + 0.0:>10.4g} {e + 0.0:>16.6g}")
    return naive, unfused, pieces, fused


_naive, _unfused, _pieces, _fused = stability_demo()

# %% [markdown]
r"""
Read the table row by row. With moderate logits all three agree with the float64 value (up to float32
rounding). The naive formula computes `exp(1e4)`, which is `inf` in float32 (and in float64): the
probability of the winning class becomes `inf / inf = nan`, and a losing class gets `0 / inf = 0`,
whose log is `-inf`, so its loss is `inf`. The stable softmax avoids the overflow, but a probability of
$e^{-2 \cdot 10^4}$ still underflows to exactly 0 and `log(0)` is `-inf`: the loss is `inf`, and so would be
every gradient that touches it. The column "tinytorch ops" is the same pipeline built from our own
pieces (`softmax` from module 02, `Tensor.log`, `nll_loss`) and fails the same way. The fused version
never forms that probability: it subtracts in log space and returns the exact value.
"""

# %%
import tracemalloc


def peak_bytes(fn, *args):
    """Peak bytes NumPy allocates while fn(*args) runs (NumPy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def memory_demo(N=2048, C=1000):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C)).astype(np.float32)
    t = rng.integers(0, C, size=N)
    logits_tensor = Tensor(x)
    fused = peak_bytes(cross_entropy, logits_tensor, t, "none")
    unfused = peak_bytes(softmax_log_gather, x, t)
    mb = 1024 * 1024
    print(f"logits {N} x {C} float32: {x.nbytes / mb:.1f} MB")
    print(f"peak extra memory, fused cross_entropy:   {fused / mb:6.1f} MB  ({fused / x.nbytes:.2f} x the logits)")
    print(f"peak extra memory, softmax -> log -> pick: {unfused / mb:6.1f} MB  ({unfused / x.nbytes:.2f} x the logits)")
    print(f"the unfused pipeline needs {unfused / fused:.1f} x the memory of the fused one")
    assert x.nbytes == N * C * 4
    assert abs(fused / x.nbytes - 1) < 0.1, "fused: one N x C temporary (the shifted logits, exponentiated in place)"
    assert abs(unfused / x.nbytes - 3) < 0.1, "unfused: three N x C arrays alive at its peak"
    return fused, unfused


_mem = memory_demo()

# %%
import time

from tinytorch.utils.timing import pinned_blas_threads


def median_time(fn, *args, repeats=7):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def timing_demo(N=2048, C=1000):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, C)).astype(np.float32)
    t = rng.integers(0, C, size=N)
    logits_tensor = Tensor(x)
    with pinned_blas_threads(1) as blas_note:
        fused = median_time(cross_entropy, logits_tensor, t, "none")
        unfused = median_time(softmax_log_gather, x, t)
    print(blas_note)
    print(f"fused cross_entropy:       {fused * 1e3:7.2f} ms (median of 7)")
    print(f"softmax -> log -> pick:    {unfused * 1e3:7.2f} ms (median of 7)")
    print(f"the unfused pipeline takes {unfused / fused:.2f} x the time of the fused one "
          f"(on this run the {'fused' if fused < unfused else 'unfused'} version was faster)")
    return fused, unfused


_time = timing_demo()

# %% [markdown]
r"""
### Understand
Read the three printed comparisons. **Stability** is the decisive one: only the fused version gives
a finite, exact loss at large logits. **Memory**: the fused loss keeps one `N x C` temporary where the
pipeline keeps several; the printed peaks are multiples of the logits' size, so compare those
multiples with the count of full-size arrays each function creates (the cell asserts 1 and 3).
**Time**: the fused loss skips the division that normalises the probabilities and the `log` over all
$N \cdot C$ of them (one `log` per row instead), but both pay for the same `exp` over all $N \cdot C$
values. How large was the gap on this run, and does it hold when you rerun the cell on a machine
shared with other programs? Where these ops are limited by memory bandwidth (a GPU), fewer full-size
passes over memory is what makes fused kernels pay off. The same reasoning favours
`binary_cross_entropy_with_logits` over `sigmoid` followed by `binary_cross_entropy`.

The backward pass gains too: the gradient of cross-entropy with respect to the logits is simply
`softmax(x) - one_hot(t)` (divided by $N$ for the mean), one formula that module 05 implements as the
`cross_entropy` op's rule, instead of chaining the gradients of `exp`, divide, `log` and indexing.
"""

# %% [markdown]
"""
## Production Context

- **PyTorch** computes `F.cross_entropy(x, t)` as `nll_loss(log_softmax(x), t)`, where `log_softmax` is a
  single kernel using the max-shift trick, and autograd uses the combined softmax-minus-one-hot gradient.
  It also offers `weight` (per-class weights), `ignore_index` (default $-100$: targets equal to it are
  skipped, typically padding tokens) and `label_smoothing`; we leave these out. Our `cross_entropy`
  rejects every negative index.
- PyTorch's `BCELoss` clamps its logs at $-100$, like ours, and its documentation recommends
  `BCEWithLogitsLoss` for numerical stability; that one also takes a `pos_weight` for imbalanced classes.
- PyTorch's `mse_loss` broadcasts mismatched shapes with only a warning; we raise instead.
- **TensorFlow/Keras** exposes the same choice as a flag: `SparseCategoricalCrossentropy(from_logits=True)`
  and `BinaryCrossentropy(from_logits=True)` take raw scores and use the stable formulas;
  with `from_logits=False` Keras clips probabilities away from 0 and 1 instead.
- Large language models compute cross-entropy over vocabularies of tens of thousands of classes for
  every token; production systems compute it in chunks of the sequence, or fuse it with the final
  linear layer, so the full `tokens x vocabulary` logits never have to be stored at once.
"""

# %%
def run_all_tests():
    test_unit_reduce()
    test_unit_mse_loss()
    test_unit_binary_cross_entropy()
    test_unit_bce_with_logits()
    test_unit_cross_entropy()
    test_unit_nll_loss()
    test_unit_loss_classes()
    print("All module 04 tests passed.")


# %%
if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
r"""
## ML Systems Thinking

1. Your `cross_entropy` keeps one `N x C` temporary. For a language model, N is the number of tokens in
   a batch and C the vocabulary size, so even that one temporary can be huge: how would you compute the
   loss in chunks of rows so that peak memory stays bounded, and does chunking change the result?
2. `mse_loss` refuses a `(N, 1)` prediction against a `(N,)` target while PyTorch only warns. What
   would the broadcast result be, what would training on it do, and which behaviour would you rather
   have in a framework you are debugging at 2 a.m.?
3. `binary_cross_entropy` clamps $\log p$ at $-100$. What gradient does a clamped element send back
   to the model, and why might that make a saturated sigmoid impossible to train out of, when the
   with-logits form would still give a useful gradient?
4. The mean reduction divides by the batch size. If you switch from `'mean'` to `'sum'` and double the
   batch size, what happens to the gradient's size, and what would you have to change in the
   learning rate to compensate?
5. Class indices cost one int64 per sample; one-hot float32 targets cost C floats per sample. As C grows,
   how does the memory of each kind of target compare with the memory of the logits themselves?
"""

# %% [markdown]
r"""
## Module Summary

You built the losses that turn predictions into a training signal:

- `mse_loss`, `binary_cross_entropy`, `binary_cross_entropy_with_logits`, `cross_entropy` and `nll_loss`,
  each with PyTorch's `reduction='mean' | 'sum' | 'none'`, and the classes `MSELoss`, `BCELoss`,
  `BCEWithLogitsLoss`, `CrossEntropyLoss` and `NLLLoss`;
- argument checks that name the wrong shape, dtype or class index instead of failing deep in NumPy;
- stable formulas: the clamped log in BCE, $\max(x, 0) - xy + \log(1 + e^{-|x|})$ for logits, and
  log-sum-exp for cross-entropy, which stay exact at logits of $\pm 10^4$ where the textbook
  formulas give `inf` and `nan`;
- measurements of the fused log-softmax + NLL against softmax -> log -> pick: its stability, its peak
  memory and its run time, each printed by the module when it runs.

Every loss is registered as one op (`register_op`) and built with `record_op`, so module 05 (autograd)
can attach a single gradient rule to each: next you will make these numbers flow backwards.
"""
