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
# Module 07: Training

You have tensors, layers, losses, autograd and optimisers. Training is the loop that ties them
together: draw a mini-batch, run the model, measure the loss, back-propagate, update, repeat. The loop
is short, but a useful one needs more than four lines: it must report progress, keep gradients from
exploding, measure accuracy on data it did not train on, stop when that stops improving, and survive
being interrupted. In this module you build those pieces, each small enough to read in one sitting.

**Learning Objectives:**
- Build mini-batch iteration with a seeded shuffle, and `train_epoch` / `evaluate` functions that work
  for any model, loss and optimiser with PyTorch's API
- Implement `clip_grad_norm_` with PyTorch's exact semantics (global norm, returned before clipping)
- Compute classification accuracy, keep a `History` of every epoch, and stop early with `patience`,
  `min_delta` and `mode`
- Save and load **training checkpoints** (`.npz`, no pickle) holding model, optimiser, scheduler, epoch
  and random-generator state, so that a resumed run is identical bit for bit to an uninterrupted one
- Run the pieces as a `Trainer` (its loop, progress bar, `History` and curves are given support code in
  `tinytorch/core/training_support.py`, not taught: read it)
- Measure where a training step spends its time (forward, backward, optimiser step) and its memory

**How this module works.** Each step is a code cell for you to complete (between the solution markers,
inside a function whose signature and docstring are given), followed by a graded test cell. Cells marked
*given* are infrastructure to read and use. Cells that start with `#| export` become
`tinytorch/core/training.py` when you run `tito export`.
"""

# %% [markdown]
r"""
## Part 1: Mathematical Foundations

### Mini-batch gradient descent
Training minimises the average loss over the $N$ training examples,
$L(\theta) = \frac{1}{N}\sum_{i=1}^{N} \ell(f_\theta(x_i), y_i)$. Computing its gradient exactly costs a
pass over all the data per update. Instead, each step uses a **mini-batch** $B$ of $b$ examples:

$$g_B = \frac{1}{b}\sum_{i \in B} \nabla_\theta\, \ell(f_\theta(x_i), y_i), \qquad \theta \leftarrow \theta - \eta\, g_B .$$

When $B$ is drawn uniformly at random, $g_B$ is an unbiased estimate of the full gradient, with a
variance that shrinks like $1/b$. One **epoch** is one pass over a random permutation of the data in
$\lceil N / b \rceil$ steps, so every example is used exactly once per epoch.

### Gradient clipping by norm
A single bad batch can produce a huge gradient and throw the parameters far away. Clipping by the
**global norm** treats all gradients $g_1, \dots, g_k$ (one per parameter) as one long vector:

$$\|g\|_p = \Big\| \big(\|g_1\|_p, \dots, \|g_k\|_p\big) \Big\|_p, \qquad
c = \min\Big(1, \frac{\text{max\_norm}}{\|g\|_p + 10^{-6}}\Big), \qquad g_j \leftarrow c\, g_j .$$

Every gradient is scaled by the same factor $c \le 1$, so the update keeps its **direction** and only
its length is capped. For $p = \infty$ the norm is the largest absolute entry.

### Accuracy and early stopping
For logits $z \in \mathbb{R}^{N \times C}$ the prediction is $\hat y_i = \arg\max_c z_{ic}$ and the
accuracy is $\frac{1}{N}\sum_i [\hat y_i = y_i]$. Training loss keeps falling while the loss on held-out
data starts to rise once the model memorises noise. **Early stopping** watches a held-out metric and
stops after `patience` epochs without an improvement of at least `min_delta`
(in `mode="min"`: $v < v_{best} - \delta$; in `mode="max"`: $v > v_{best} + \delta$).

The cell below checks the clipping rule on two small "gradients" with NumPy: the clipped vector has
exactly the requested norm and points the same way.
"""

# %%
import numpy as np

g1 = np.array([3.0, 0.0])           # gradient of a first parameter
g2 = np.array([[0.0], [4.0]])       # gradient of a second parameter, another shape
per_param = np.array([np.linalg.norm(g1), np.linalg.norm(g2)])
total = np.linalg.norm(per_param)
max_norm = 1.0
coef = min(1.0, max_norm / (total + 1e-6))
clipped = np.concatenate([g1 * coef, (g2 * coef).ravel()])
print(f"per-parameter norms {per_param.tolist()}, global norm {total}")
print(f"clip coefficient {coef:.6f}; norm after clipping {np.linalg.norm(clipped):.6f}")
cosine = clipped @ np.concatenate([g1, g2.ravel()]) / (np.linalg.norm(clipped) * total)
print(f"cosine between the gradient before and after clipping: {cosine:.6f} (same direction)")
n_examples, batch = 1438, 32
print(f"{n_examples} examples in batches of {batch}: {int(np.ceil(n_examples / batch))} steps per epoch, "
      f"the last batch holds {n_examples - (int(np.ceil(n_examples / batch)) - 1) * batch} examples")

# %% [markdown]
"""
## Part 2: Building the Training Loop

### Setup (given)

The package file starts with its imports and public names. Module 07 needs Tensors and the default
random generator (module 01), `no_grad` (module 05), and its support file (given code, listed in the
import), and nothing else by name: the model, the loss and
the optimiser are passed in, and anything with PyTorch's API works (`model(x)`, `loss_fn(out, y)`,
`optimizer.zero_grad()`, `optimizer.step()`, `state_dict()` / `load_state_dict()`).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "training-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import json
import math
import time
from pathlib import Path

import numpy as np

from tinytorch.core.autograd import no_grad
from tinytorch.core.tensor import Generator, Tensor, default_generator
# Given, not taught: checks, progress bar, tallies, History, .npz packing, the Trainer loop, plots.
from tinytorch.core.training_support import (CHECKPOINT_FORMAT, CHECKPOINT_VERSION, _META, History, ProgressBar,
                                             TrainerBase, _as_array, _batch_tensors, _check_batches,
                                             _monitored_number, _new_totals, _norm_type, _pack, _read_checkpoint,
                                             _summary, _tally, _unpack, _vector_norm, _write_atomic,
                                             generator_state, plot_history, set_generator_state)

__all__ = [
    "minibatches", "clip_grad_norm_", "accuracy", "ProgressBar", "train_epoch", "evaluate",
    "History", "EarlyStopping", "save_checkpoint", "load_checkpoint", "Trainer", "plot_history",
]

# %% [markdown]
"""
### Step 1: Mini-batches

`minibatches(X, y, batch_size, shuffle, generator, drop_last)` splits the arrays `X` and `y` (same
first dimension) into batches of `batch_size` rows, returned one at a time as `(Tensor, Tensor)`
pairs. With `shuffle=True` the rows are visited in a random order drawn from a tinytorch `Generator`
(`generator.rng` is a NumPy generator); the same seed gives the same order, which a resumed run needs.
The last batch may be smaller, unless `drop_last=True` drops it (PyTorch's `DataLoader` has the same
options; module 08 builds that class, this function is all the Training module needs).

The order is drawn **when the function is called**, not when the first batch is taken: so a checkpoint
saved right after the call already holds the generator state that comes after this epoch's shuffle.

*Given:* the argument checks (`_as_array` is in the support file). **Your task:** compute the order and yield the batches
from the inner generator function `batches()`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "training-minibatches", "locked": false, "schema_version": 3, "solution": true}}
#| export
def minibatches(X, y, batch_size, shuffle=False, generator=None, drop_last=False):
    """Return an iterator over (Tensor x, Tensor y) batches of `batch_size` rows of X and y.

    shuffle:   visit the rows in the order `rng.permutation(len(X))`, where rng is `generator.rng`
               (tinytorch's default_generator when generator is None); else in order 0, 1, 2, ...
    drop_last: leave out the last batch when it has fewer than batch_size rows.
    The order is drawn now, before the first batch is requested.
    Raises (given checks): ValueError "X and y must have the same first dimension ..." naming both shapes,
    ValueError "batch_size must be a positive integer ..."; TypeError when X or y is not numbers.
    """
    X, y = _as_array(X, "X"), _as_array(y, "y")
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(f"X and y must have the same first dimension (one row per example); got shapes "
                         f"{X.shape} and {y.shape}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    ### BEGIN SOLUTION
    n = len(X)
    order = (generator or default_generator).rng.permutation(n) if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n

    def batches():
        for start in range(0, stop, batch_size):
            index = order[start:start + batch_size]
            yield Tensor(X[index]), Tensor(y[index])
    return batches()
    ### END SOLUTION


# %% [markdown]
"""
### Testing `minibatches`

Every row appears exactly once per epoch, the batch sizes are right, the same seed gives the same
order, and bad arguments are refused with a message that names them.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "training-minibatches-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_minibatches():
    X = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10, dtype=np.int64)
    plain = list(minibatches(X, y, batch_size=4))
    assert [len(b[1]) for b in plain] == [4, 4, 2], "10 rows in batches of 4: sizes 4, 4, 2"
    assert isinstance(plain[0][0], Tensor) and plain[0][1].dtype == np.int64, "batches are Tensors, dtype kept"
    np.testing.assert_array_equal(np.concatenate([b[1]._data for b in plain]), y)

    shuffled = list(minibatches(X, y, 4, shuffle=True, generator=Generator(0)))
    seen = np.concatenate([b[1]._data for b in shuffled])
    assert sorted(seen.tolist()) == list(range(10)), "every row exactly once per epoch"
    assert seen.tolist() != list(range(10)), "shuffle=True must change the order"
    for xb, yb in shuffled:
        np.testing.assert_array_equal(xb._data[:, 0], 2 * yb._data, err_msg="rows of X and y must stay paired")
    again = np.concatenate([b[1]._data for b in minibatches(X, y, 4, shuffle=True, generator=Generator(0))])
    np.testing.assert_array_equal(seen, again, err_msg="the same seed must give the same order")
    assert [len(b[1]) for b in minibatches(X, y, 4, drop_last=True)] == [4, 4], "drop_last drops the short batch"

    gen = Generator(1)
    batches = minibatches(X, y, 4, shuffle=True, generator=gen)
    state_after_call = gen.rng.bit_generator.state
    list(batches)
    assert gen.rng.bit_generator.state == state_after_call, "the order must be drawn at call time"

    for args, expected in (((X, y[:5], 2), "same first dimension"), ((X, y, 0), "batch_size")):
        try:
            minibatches(*args)
            raise AssertionError(f"minibatches{tuple(a.shape if hasattr(a, 'shape') else a for a in args)} must raise")
        except ValueError as exc:
            assert expected in str(exc), f"the message should mention {expected!r}: {exc}"
    ### BEGIN HIDDEN TESTS
    assert len(list(minibatches(X, y, 100))) == 1, "batch_size larger than the data: one batch"
    assert len(list(minibatches(X, y, 100, drop_last=True))) == 0
    tx = list(minibatches(Tensor(X), Tensor(y), 5))
    assert len(tx) == 2 and tx[0][0].shape == (5, 2), "Tensors are accepted as input"
    ### END HIDDEN TESTS
    print("✅ minibatches: every row once, seeded shuffle, clear errors")


test_unit_minibatches()

# %% [markdown]
"""
### Step 2: Gradient clipping by norm

`clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False)` follows
`torch.nn.utils.clip_grad_norm_` exactly:

1. `parameters` is one Tensor or an iterable of Tensors; only those whose `.grad` is not None count.
   With no gradients at all, return `Tensor(0.0)`.
2. The total norm is the `norm_type`-norm of the vector of per-parameter norms (for `inf`, the largest
   absolute entry of any gradient).
3. If `error_if_nonfinite` and the total norm is `nan` or `inf`, raise `RuntimeError`.
4. Multiply **every** gradient in place by `min(1, max_norm / (total_norm + 1e-6))`.
5. Return the total norm **before** clipping, as a 0-d Tensor (log it: it tells you how often you clip).

*Given:* the argument checks and (in the support file) `_vector_norm(array, p)`, the p-norm of all
entries of an array (computed in float64). **Your task:** steps 1-5 after the checks. A gradient is `p.grad`, a Tensor
whose numbers are `p.grad._data` (scale that array in place, e.g. `g *= coef`).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "training-clip", "locked": false, "schema_version": 3, "solution": true}}
#| export
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale the gradients of `parameters` in place so that their global norm is at most `max_norm`.

    Returns the total norm of the gradients before clipping, as a 0-d Tensor (torch.nn.utils.clip_grad_norm_)
    in the gradients' dtype. Raises ValueError "max_norm must be >= 0 ..." (given check), and RuntimeError
    when error_if_nonfinite is true and the total norm is nan or inf.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    try:
        parameters = list(parameters)
    except TypeError:
        raise TypeError("parameters must be a Tensor or an iterable of Tensors (e.g. model.parameters()), "
                        f"got {type(parameters).__name__}") from None
    try:
        max_norm = float(max_norm)
    except (TypeError, ValueError):
        raise TypeError(f"max_norm must be a number, got {max_norm!r}") from None
    if not max_norm >= 0:
        raise ValueError(f"max_norm must be >= 0, got {max_norm}")
    p = _norm_type(norm_type)
    ### BEGIN SOLUTION
    grads = [t.grad._data for t in parameters if t.grad is not None]
    if not grads:
        return Tensor(0.0)
    norms = [_vector_norm(g, p) for g in grads]
    total = _vector_norm(np.array(norms), p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {p} for gradients from `parameters` is non-finite "
                           f"({total}), so it cannot be clipped. To disable this error and scale the gradients "
                           "by the non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = min(1.0, max_norm / (total + 1e-6)) if math.isfinite(total) else max_norm / (total + 1e-6)
    for g in grads:
        g *= g.dtype.type(coef)
    return Tensor(np.array(total, dtype=grads[0].dtype))
    ### END SOLUTION


# %% [markdown]
"""
### Testing `clip_grad_norm_`

A large gradient is scaled to the requested norm and keeps its direction; a small one is left alone;
the returned value is the norm *before* clipping; parameters without gradients are skipped.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "training-clip-test", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_clip_grad_norm():
    a = Tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    b = Tensor(np.zeros((2, 1), dtype=np.float32), requires_grad=True)
    frozen = Tensor(np.zeros(3, dtype=np.float32), requires_grad=True)      # .grad stays None
    a.grad = Tensor(np.array([3.0, 0.0], dtype=np.float32))
    b.grad = Tensor(np.array([[0.0], [4.0]], dtype=np.float32))
    total = clip_grad_norm_([a, b, frozen], max_norm=1.0)
    assert isinstance(total, Tensor) and total.shape == () and total.dtype == np.float32
    assert abs(total.item() - 5.0) < 1e-6, f"the norm before clipping is 5, got {total.item()}"
    np.testing.assert_allclose(a.grad._data, [0.6, 0.0], rtol=1e-5)
    np.testing.assert_allclose(b.grad._data, [[0.0], [0.8]], rtol=1e-5)
    assert frozen.grad is None, "a parameter without a gradient is skipped"

    small = Tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    small.grad = Tensor(np.array([0.3, 0.4], dtype=np.float32))
    norm = clip_grad_norm_(small, max_norm=10.0)                  # a single Tensor is accepted too
    assert abs(norm.item() - 0.5) < 1e-6
    np.testing.assert_allclose(small.grad._data, [0.3, 0.4], rtol=1e-5, err_msg="below max_norm: unchanged")

    c = Tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    c.grad = Tensor(np.array([1.0, -7.0, 2.0], dtype=np.float32))
    assert clip_grad_norm_([c], 3.5, norm_type="inf").item() == 7.0, "the inf-norm is the largest |entry|"
    np.testing.assert_allclose(c.grad._data, [0.5, -3.5, 1.0], rtol=1e-5)
    assert clip_grad_norm_([frozen], 1.0).item() == 0.0, "no gradients: the norm is 0"
    try:
        clip_grad_norm_([c], -1.0)
        raise AssertionError("a negative max_norm must raise ValueError")
    except ValueError as exc:
        assert "max_norm" in str(exc)
    ### BEGIN HIDDEN TESTS
    d = Tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    d.grad = Tensor(np.array([np.inf, 1.0], dtype=np.float32))
    try:
        clip_grad_norm_([d], 1.0, error_if_nonfinite=True)
        raise AssertionError("a non-finite norm with error_if_nonfinite=True must raise RuntimeError")
    except RuntimeError:
        pass
    e = Tensor(np.zeros(4, dtype=np.float64), requires_grad=True)
    e.grad = Tensor(np.array([1.0, 1.0, 1.0, 1.0]))
    n1 = clip_grad_norm_([e], 2.0, norm_type=1)
    assert n1.item() == 4.0 and n1.dtype == np.float64
    np.testing.assert_allclose(e.grad._data.sum(), 2.0, rtol=1e-6)
    ### END HIDDEN TESTS
    print("✅ clip_grad_norm_: global norm returned, gradients scaled in place, direction kept")


test_unit_clip_grad_norm()

# %% [markdown]
"""
### Step 3: Accuracy

`accuracy(output, target)` takes logits (or probabilities) of shape `(N, C)` and class indices of shape
`(N,)`, and returns the fraction of rows whose largest entry is at the target class, as a Python float.
Both may be Tensors or arrays.

**Your task:** the computation after the given checks (`argmax` along dimension 1, compare, average).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "training-accuracy", "locked": false, "schema_version": 3, "solution": true}}
#| export
def accuracy(output, target):
    """Fraction (a float in [0, 1]) of the N rows of `output` (N, C) whose argmax equals `target` (N,).

    Given checks: ValueError "accuracy expects output of shape (N, C) and target of shape (N,); got <shapes>",
    TypeError for a target that is not integers, ValueError for N = 0.
    """
    scores, labels = _as_array(output, "output"), _as_array(target, "target")
    if scores.ndim != 2 or labels.ndim != 1 or len(scores) != len(labels):
        raise ValueError(f"accuracy expects output of shape (N, C) and target of shape (N,); got "
                         f"{scores.shape} and {labels.shape}")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"target must hold class indices (integers), got dtype {labels.dtype}")
    if len(labels) == 0:
        raise ValueError("accuracy of an empty batch is undefined (N = 0)")
    ### BEGIN SOLUTION
    return float(np.mean(np.argmax(scores, axis=1) == labels))
    ### END SOLUTION


# %% [markdown]
"""
### Testing `accuracy`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "training-accuracy-test", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_accuracy():
    logits = Tensor(np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [9.0, 0.0, 0.0]],
                             dtype=np.float32))
    assert accuracy(logits, Tensor(np.array([0, 1, 2, 0]))) == 1.0
    assert accuracy(logits, np.array([0, 1, 2, 1])) == 0.75
    assert isinstance(accuracy(logits._data, np.array([1, 0, 0, 1])), float)
    assert accuracy(logits._data, np.array([1, 0, 0, 1])) == 0.0
    for bad in (np.array([0, 1]), np.array([[0], [1], [2], [0]])):
        try:
            accuracy(logits, bad)
            raise AssertionError(f"target of shape {bad.shape} must raise ValueError")
        except ValueError as exc:
            assert "(N, C)" in str(exc) and str(bad.shape) in str(exc), str(exc)
    ### BEGIN HIDDEN TESTS
    try:
        accuracy(logits, np.array([0.0, 1.0, 2.0, 0.0]))
        raise AssertionError("float targets must raise TypeError")
    except TypeError:
        pass
    assert accuracy(np.array([[0.1, 0.9]]), np.array([1], dtype=np.int32)) == 1.0
    ### END HIDDEN TESTS
    print("✅ accuracy: argmax per row against the class index")


test_unit_accuracy()

# %% [markdown]
"""
### Step 4: One epoch of training, one pass of evaluation

`train_epoch(model, batches, loss_fn, optimizer, max_grad_norm=None, progress=None)` runs the loop of
Part 1 over an iterable of `(x, y)` batches and returns a dict of what happened:

| key | meaning |
|---|---|
| `loss` | mean loss per example over the epoch (each batch's mean loss weighted by its size) |
| `accuracy` | fraction correct when the output is `(N, C)` logits and `y` holds class indices, else `None` |
| `samples`, `batches` | how many examples and steps |
| `seconds` | wall time of the epoch |
| `forward_s`, `backward_s`, `step_s` | time in `model(x)` + `loss_fn`, in `zero_grad` + `backward`, in clipping + `optimizer.step()` |

Each step: `output = model(x)`, `loss = loss_fn(output, y)`, `optimizer.zero_grad()`, `loss.backward()`,
optionally `clip_grad_norm_(model.parameters(), max_grad_norm)`, then `optimizer.step()`. Read the
clock with `time.perf_counter()` between the phases and add the differences to the three totals. Put
the model in training mode first (`model.train()`: dropout is active). A loss that is `nan` or `inf`
means training has diverged: check `loss.item()` right after computing it, **before** `backward()` and
`optimizer.step()`, and raise `FloatingPointError` with a message containing "diverged" and the batch
number ("batch 3"). Checked there, the parameters and the optimiser's state are exactly those before
the bad batch, so the run can be inspected or resumed; checked after the step, they are already `nan`.

`evaluate(model, batches, loss_fn)` computes the same `loss` / `accuracy` / `samples` without changing
anything: in `model.eval()` mode (dropout off: the same model gives the same loss every time), under
`no_grad()` (no graph is recorded: the outputs it passes to `loss_fn` have no `grad_fn`, and it is
cheaper), and it puts the model back in the mode it was in, even when an error is raised.

*Given* (support file): `_batch_tensors(batch)`, the `(x, y)` Tensors of one batch; `_new_totals()`;
`_tally(totals, output, y, loss_value)`, which accumulates loss and correct counts; and `_summary`, which
turns the totals into the result dict. **Your task:** the loop of `train_epoch` and the body of `evaluate`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "training-epoch", "locked": false, "schema_version": 3, "solution": true}}
#| export
def train_epoch(model, batches, loss_fn, optimizer, max_grad_norm=None, progress=None):
    """Train `model` for one pass over `batches` (an iterable of (x, y)); return a dict of measurements."""
    _check_batches(batches, "train_epoch")
    model.train()
    totals = _new_totals()
    forward_s = backward_s = step_s = 0.0
    start = time.perf_counter()
    ### BEGIN SOLUTION
    for batch in batches:
        x, y = _batch_tensors(batch)
        t0 = time.perf_counter()
        output = model(x)
        loss = loss_fn(output, y)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise FloatingPointError(f"the loss is {loss_value} at batch {totals['batches'] + 1}: training has "
                                     "diverged; lower the learning rate or clip gradients (max_grad_norm)")
        t1 = time.perf_counter()
        optimizer.zero_grad()
        loss.backward()
        t2 = time.perf_counter()
        if max_grad_norm is not None:
            clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()
        t3 = time.perf_counter()
        forward_s += t1 - t0
        backward_s += t2 - t1
        step_s += t3 - t2
        _tally(totals, output, y, loss_value)
        if progress is not None:
            progress.update(1, loss=loss_value)
    ### END SOLUTION
    result = _summary(totals)
    result.update(seconds=time.perf_counter() - start, forward_s=forward_s, backward_s=backward_s, step_s=step_s)
    return result


def evaluate(model, batches, loss_fn):
    """Mean loss and accuracy of `model` over `batches`, in eval mode and without recording a graph."""
    _check_batches(batches, "evaluate")
    ### BEGIN SOLUTION
    was_training = model.training
    model.eval()
    totals = _new_totals()
    try:
        with no_grad():
            for batch in batches:
                x, y = _batch_tensors(batch)
                output = model(x)
                _tally(totals, output, y, loss_fn(output, y).item())
    finally:
        model.train(was_training)
    return _summary(totals)
    ### END SOLUTION


# %% [markdown]
"""
### Testing `train_epoch` and `evaluate`

A small network on three well-separated clusters: ten epochs of SGD must lower the loss and reach a
high accuracy, and the time split must add up. `evaluate` runs a model with `Dropout` and a loss function
that looks at what it receives: the model must be in eval mode and no graph may be recorded. A batch
whose loss is `nan` must stop training with a clear error *before* any parameter or optimiser state changes. The model, loss and optimiser come from modules 03,
04 and 06.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "training-epoch-test", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
from tinytorch.core.layers import Dropout, Linear, ReLU, Sequential
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD, Adam
from tinytorch.core.tensor import manual_seed


def make_blobs(n_per_class=60, seed=0):
    """Three Gaussian clusters in 2-D with labels 0, 1, 2."""
    rng = np.random.default_rng(seed)
    centres = np.array([[2.0, 0.0], [-2.0, 1.5], [0.0, -2.5]])
    X = np.concatenate([c + 0.6 * rng.standard_normal((n_per_class, 2)) for c in centres]).astype(np.float32)
    y = np.repeat(np.arange(3), n_per_class).astype(np.int64)
    return X, y


def test_unit_train_epoch():
    X, y = make_blobs()
    manual_seed(0)
    model = Sequential(Linear(2, 16), ReLU(), Linear(16, 3))
    loss_fn = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=0.1)
    before = evaluate(model, minibatches(X, y, 64), loss_fn)
    gen = Generator(0)
    results = [train_epoch(model, minibatches(X, y, 16, shuffle=True, generator=gen), loss_fn, optimizer)
               for _ in range(10)]
    after = evaluate(model, minibatches(X, y, 64), loss_fn)
    assert results[0]["samples"] == len(X) and results[0]["batches"] == int(np.ceil(len(X) / 16))
    assert after["loss"] < 0.5 * before["loss"], f"loss should fall: {before['loss']:.3f} -> {after['loss']:.3f}"
    assert after["accuracy"] >= 0.95, f"three separated clusters: accuracy {after['accuracy']:.3f}"
    assert results[-1]["loss"] < results[0]["loss"]
    last = results[-1]
    parts = last["forward_s"] + last["backward_s"] + last["step_s"]
    assert 0 < parts <= last["seconds"], "forward + backward + step happen inside the epoch"

    manual_seed(2)
    dropped = Sequential(Linear(2, 32), ReLU(), Dropout(0.5), Linear(32, 3))
    seen = []

    def watching_loss(output, target):                  # records what evaluate passes to the loss
        seen.append((output.grad_fn is None, dropped.training))
        return loss_fn(output, target)
    params = [p._data.copy() for p in dropped.parameters()]
    dropped.train()
    first = evaluate(dropped, minibatches(X, y, 64), watching_loss)
    second = evaluate(dropped, minibatches(X, y, 64), watching_loss)
    assert seen and all(no_graph for no_graph, _ in seen), "evaluate must record no graph (no_grad())"
    assert not any(training for _, training in seen), "evaluate must run the model in eval mode (dropout off)"
    assert first["loss"] == second["loss"], "in eval mode dropout is off: the same loss every time"
    assert all(np.array_equal(a, p._data) for a, p in zip(params, dropped.parameters())), "evaluate changes nothing"
    assert dropped.training, "evaluate restores training mode"

    def adam_run(batches, seed=0):
        manual_seed(seed)
        net = Sequential(Linear(2, 16), ReLU(), Linear(16, 3))
        opt = Adam(net.parameters(), lr=0.1)
        for batch in batches:
            train_epoch(net, [batch], loss_fn, opt)
        return net, opt
    poisoned = X[8:16].copy()
    poisoned[3, 0] = np.nan                              # the loss of this batch is nan
    wild, wild_opt = adam_run([(X[:8], y[:8])])
    try:
        train_epoch(wild, [(X[:8], y[:8]), (poisoned, y[8:16])], loss_fn, wild_opt)
        raise AssertionError("a nan loss must raise FloatingPointError")
    except FloatingPointError as exc:
        assert "diverged" in str(exc) and "batch 2" in str(exc), str(exc)
    clean, clean_opt = adam_run([(X[:8], y[:8])] * 2)    # the same run without the bad batch
    for a, b in zip(clean.parameters(), wild.parameters()):
        assert np.array_equal(a._data, b._data), "the parameters must be untouched by the batch whose loss is nan"
    for a, b in zip(clean_opt.state.values(), wild_opt.state.values()):
        assert a["step"] == b["step"] == 2 and np.array_equal(a["exp_avg"], b["exp_avg"]), "optimizer state untouched"
    ### BEGIN HIDDEN TESTS
    manual_seed(1)
    clipped = Sequential(Linear(2, 8), ReLU(), Linear(8, 3))
    out = train_epoch(clipped, minibatches(X, y, 32), loss_fn, Adam(clipped.parameters(), lr=0.01), max_grad_norm=0.5)
    assert out["accuracy"] is not None and np.isfinite(out["loss"])
    reg = Sequential(Linear(2, 1))
    from tinytorch.core.losses import MSELoss
    res = train_epoch(reg, [(X[:8], X[:8, :1])], MSELoss(), SGD(reg.parameters(), lr=0.01))
    assert res["accuracy"] is None, "no accuracy for a regression"
    ### END HIDDEN TESTS
    print(f"✅ train_epoch / evaluate: loss {before['loss']:.3f} -> {after['loss']:.3f}, "
          f"accuracy {after['accuracy']:.1%}")


test_unit_train_epoch()

# %% [markdown]
"""
### Step 5: Early stopping

(The `Trainer` logs one row per epoch in a `History`, given in the support file: `history["val_loss"]` is
a column, `history.table()` a text table.)

`EarlyStopping(patience=5, min_delta=0.0, mode="min", monitor="val_loss")` is told the monitored value
once per epoch with `step(value)` and returns True when training should stop:
- an **improvement** is `value < best - min_delta` in mode `"min"` (a loss) or `value > best + min_delta`
  in mode `"max"` (an accuracy); it sets `best = value` and `num_bad_epochs = 0`;
- anything else (including `nan`) adds one to `num_bad_epochs`;
- it returns (and stores in `should_stop`) whether `num_bad_epochs >= patience`.

`best` starts at `+inf` in mode `"min"` and `-inf` in mode `"max"`, so the first value always improves.

*Given:* the constructor, `state_dict` / `load_state_dict`, and `_monitored_number(value, monitor)`
(support file), which turns a number or 0-d Tensor into a float or raises TypeError.
**Your task:** `EarlyStopping.step`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "training-early-stopping", "locked": false, "schema_version": 3, "solution": true}}
#| export
class EarlyStopping:
    """Stop when the monitored value has not improved by `min_delta` for `patience` epochs."""

    def __init__(self, patience=5, min_delta=0.0, mode="min", monitor="val_loss"):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' (for a loss) or 'max' (for an accuracy), got {mode!r}")
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 1:
            raise ValueError(f"patience must be a positive integer, got {patience!r}")
        if not min_delta >= 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta!r}")
        self.patience, self.min_delta, self.mode, self.monitor = int(patience), float(min_delta), mode, monitor
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.should_stop = False

    def step(self, value):
        """Record this epoch's monitored `value`; return True when training should stop."""
        value = _monitored_number(value, self.monitor)
        ### BEGIN SOLUTION
        if self.mode == "min":
            improved = value < self.best - self.min_delta
        else:
            improved = value > self.best + self.min_delta
        if improved:
            self.best = value
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        self.should_stop = self.num_bad_epochs >= self.patience
        return self.should_stop
        ### END SOLUTION

    def state_dict(self):
        return {"best": self.best, "num_bad_epochs": self.num_bad_epochs, "should_stop": self.should_stop}

    def load_state_dict(self, state):
        self.best = float(state["best"])
        self.num_bad_epochs = int(state["num_bad_epochs"])
        self.should_stop = bool(state["should_stop"])


# %% [markdown]
"""
### Testing `EarlyStopping`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "training-early-stopping-test", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_early_stopping():
    stopper = EarlyStopping(patience=2, min_delta=0.1, mode="min")
    decisions = [stopper.step(v) for v in (1.0, 0.85, 0.8, 0.79)]
    assert decisions == [False, False, False, True], f"0.8 and 0.79 are not 0.1 better than 0.85: {decisions}"
    assert stopper.best == 0.85 and stopper.num_bad_epochs == 2

    acc = EarlyStopping(patience=1, mode="max")
    assert acc.step(0.5) is False and acc.step(0.6) is False and acc.step(0.6) is True, "max mode: equal is no gain"
    nan_run = EarlyStopping(patience=1)
    assert nan_run.step(float("nan")) is True, "nan never improves"
    for kwargs in ({"mode": "lowest"}, {"patience": 0}, {"min_delta": -1}):
        try:
            EarlyStopping(**kwargs)
            raise AssertionError(f"EarlyStopping(**{kwargs}) must raise ValueError")
        except ValueError:
            pass
    ### BEGIN HIDDEN TESTS
    again = EarlyStopping(patience=3)
    for v in (3.0, 2.0, 2.5, 1.0, 1.5, 1.6):
        stop = again.step(v)
    assert again.best == 1.0 and again.num_bad_epochs == 2 and stop is False
    resumed = EarlyStopping(patience=3)
    resumed.load_state_dict(again.state_dict())
    assert resumed.step(1.2) is True
    ### END HIDDEN TESTS
    print("✅ EarlyStopping(patience, min_delta, mode)")


test_unit_early_stopping()

# %% [markdown]
"""
### Step 6: Checkpoints that resume bit for bit

`Module.save()` (module 03) stores the weights. Resuming **training** needs everything that decides
what happens next:

| part | why |
|---|---|
| model parameters and buffers | the function being trained |
| optimiser state (`momentum_buffer`, Adam's `exp_avg`, `exp_avg_sq`, `step`) and hyper-parameters | without it Adam restarts its bias correction and its running averages, and the run changes |
| scheduler state | the learning rate of the next epoch |
| epoch, history, early-stopping counters | where we are |
| random-generator states (the shuffle generator, tinytorch's `default_generator` used by dropout) | the next batch order and dropout masks |

The file is an `.npz` archive (never pickle: loading a pickle runs code from the file). Optimiser and
scheduler states are nested dicts, lists and tuples with arrays and numbers inside, which `np.savez`
cannot store directly. The given `_pack` walks such a structure, moves every array into the archive
under a path-like name (`/optimizer/state/0/exp_avg`) and leaves a JSON description behind in which
each array is replaced by `{"__array__": name}` (a NumPy scalar by `{"__scalar__": name}`); `_unpack`
reverses it. The JSON text is stored in the archive too, as an array of bytes (`uint8`), so
`np.load(..., allow_pickle=False)` reads everything.
JSON keeps Python floats exactly (it writes the shortest text that reads back to the same float) and
big integers exactly (a generator state holds 128-bit numbers).

*Given* (support file): `_pack`, `_unpack`, the atomic writer `_write_atomic(path, write)`,
`generator_state` / `set_generator_state`, and `_read_checkpoint(path)`, which returns `(meta, arrays)` or
raises a ValueError saying what is wrong with the file. **Your task:** `save_checkpoint`
(collect the parts into one dict, pack it, write it) and `load_checkpoint` (read, unpack, restore each
part into the objects passed in).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "training-checkpoint", "locked": false, "schema_version": 3, "solution": true}}
#| export
def save_checkpoint(path, model, optimizer=None, *, epoch=0, scheduler=None, history=None,
                    early_stopping=None, generator=None, extra=None):
    """Write everything needed to resume training to `path` (.npz); returns the path.

    The state of tinytorch's default_generator is always saved; `generator` (e.g. the shuffle generator)
    too when given. `extra` is any JSON-like dict of your own (numbers, strings, lists, arrays).
    """
    ### BEGIN SOLUTION
    state = {"model": model.state_dict(), "epoch": int(epoch),
             "rng": {"default": generator_state(default_generator)}}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        state["scheduler"] = scheduler.state_dict()
    if history is not None:
        state["history"] = history.state_dict()
    if early_stopping is not None:
        state["early_stopping"] = early_stopping.state_dict()
    if generator is not None:
        state["rng"]["generator"] = generator_state(generator)
    if extra is not None:
        state["extra"] = extra
    arrays = {}
    meta = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "state": _pack(state, arrays, "")}
    arrays[_META] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    return _write_atomic(path, lambda fh: np.savez(fh, **arrays))
    ### END SOLUTION


def load_checkpoint(path, model, optimizer=None, *, scheduler=None, history=None, early_stopping=None,
                    generator=None):
    """Restore a checkpoint written by save_checkpoint into the objects passed (in place).

    Also restores tinytorch's default_generator. Returns {"epoch": int, "extra": dict or None}.
    Every object passed must have its part in the checkpoint (else ValueError naming the missing parts,
    e.g. "early_stopping", before anything changes). A file that is not a training checkpoint raises
    ValueError from _read_checkpoint (a model saved with Module.save(): "... loads with model.load(path)").
    """
    meta, arrays = _read_checkpoint(path)
    state = _unpack(meta["state"], arrays)
    wanted = {"optimizer": optimizer, "scheduler": scheduler, "history": history, "early_stopping": early_stopping}
    missing = [name for name, obj in wanted.items() if obj is not None and name not in state]
    if generator is not None and "generator" not in state["rng"]:
        missing.append("generator")
    if missing:
        raise ValueError(f"checkpoint {path} has no saved state for: {', '.join(missing)} (it holds "
                         f"{', '.join(sorted(state))}); do not pass those objects, or save them too")
    ### BEGIN SOLUTION
    model.load_state_dict(state["model"])
    for name, obj in wanted.items():
        if obj is not None:
            obj.load_state_dict(state[name])
    set_generator_state(default_generator, state["rng"]["default"])
    if generator is not None:
        set_generator_state(generator, state["rng"]["generator"])
    return {"epoch": int(state["epoch"]), "extra": state.get("extra")}
    ### END SOLUTION


# ---- given: the Trainer runs this module's functions ------------------------------------------------
class Trainer(TrainerBase):
    """`Trainer(model, loss_fn, optimizer, *, scheduler=None, batch_size=32, max_grad_norm=None,
    early_stopping=None, seed=0, log=print)`: `fit(train_data, epochs, val_data=None)` trains until epoch
    `epochs` (one `train_epoch` + `evaluate` per epoch, logged in `self.history`), `save(path)` / `load(path)`
    checkpoint every part. The loop is given in training_support.py; the functions are yours."""

    train_epoch, evaluate = staticmethod(train_epoch), staticmethod(evaluate)
    minibatches = staticmethod(minibatches)
    save_checkpoint, load_checkpoint = staticmethod(save_checkpoint), staticmethod(load_checkpoint)


# %% [markdown]
"""
### Testing the checkpoints

After a few Adam steps, the checkpoint goes into a *fresh* model and optimiser (different initial
weights). Then both pairs take the same further step: the results must be identical, which shows that
the optimiser's moment estimates and step count came back too. The archive must load with
`allow_pickle=False`, and a model-only file must be refused with a useful message.

Then the test the whole module was built for, through the `Trainer`: run A trains 4 epochs straight; run
B trains 2 and saves; run C, a fresh model, optimiser, scheduler and trainer from another seed, loads B's
checkpoint and trains to epoch 4. With dropout (the default generator), shuffling (the trainer's
generator), Adam and a schedule, every part of the checkpoint matters: C must equal A exactly
(`np.array_equal`, not `allclose`), parameters and logged losses alike.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "training-checkpoint-test", "locked": true, "points": 6, "schema_version": 3, "solution": false}}
def test_unit_checkpoint():
    import tempfile as _tempfile
    X, y = make_blobs(20, seed=1)
    loss_fn = CrossEntropyLoss()

    def setup(seed):
        manual_seed(seed)
        net = Sequential(Linear(2, 8), ReLU(), Linear(8, 3))
        return net, Adam(net.parameters(), lr=0.05)

    model, opt = setup(0)
    for _ in range(3):
        train_epoch(model, minibatches(X, y, 16), loss_fn, opt)
    history = History()
    history.log(epoch=3, train_loss=0.25)
    with _tempfile.TemporaryDirectory() as folder:
        path = save_checkpoint(Path(folder) / "ckpt.npz", model, opt, epoch=3, history=history,
                               extra={"note": "test", "seed": 0})
        with np.load(path, allow_pickle=False) as archive:
            assert "__meta__" in archive.files and any("exp_avg" in name for name in archive.files)
        fresh_model, fresh_opt = setup(1)
        fresh_history = History()
        info = load_checkpoint(path, fresh_model, fresh_opt, history=fresh_history)
        assert info == {"epoch": 3, "extra": {"note": "test", "seed": 0}}, info
        assert fresh_history.rows == history.rows
        for a, b in zip(model.parameters(), fresh_model.parameters()):
            assert np.array_equal(a._data, b._data)
        train_epoch(model, minibatches(X, y, 16), loss_fn, opt)
        train_epoch(fresh_model, minibatches(X, y, 16), loss_fn, fresh_opt)
        for a, b in zip(model.parameters(), fresh_model.parameters()):
            assert np.array_equal(a._data, b._data), "after loading, the next Adam step must match exactly"

        model_only = Path(folder) / "weights.npz"
        model.save(model_only)
        try:
            load_checkpoint(model_only, fresh_model)
            raise AssertionError("a model-only file is not a training checkpoint")
        except ValueError as exc:
            assert "model.load" in str(exc), str(exc)
        try:
            load_checkpoint(path, fresh_model, early_stopping=EarlyStopping())
            raise AssertionError("asking for a part the checkpoint lacks must raise")
        except ValueError as exc:
            assert "early_stopping" in str(exc)

    # The Trainer (given) with your functions: 4 epochs straight == 2 epochs + checkpoint + 2 epochs.
    from tinytorch.core.optimizers import StepLR
    X, y = make_blobs(40, seed=2)
    Xv, yv = make_blobs(15, seed=3)

    def run(seed):
        manual_seed(seed)
        net = Sequential(Linear(2, 16), ReLU(), Dropout(0.2), Linear(16, 3))
        opt = Adam(net.parameters(), lr=0.02)
        sched = StepLR(opt, step_size=1, gamma=0.7)
        return Trainer(net, CrossEntropyLoss(), opt, scheduler=sched, batch_size=16, seed=seed,
                       early_stopping=EarlyStopping(patience=10), log=None)

    straight = run(0)
    straight.fit((X, y), epochs=4, val_data=(Xv, yv))
    first_half = run(0)
    first_half.fit((X, y), epochs=2, val_data=(Xv, yv))
    with _tempfile.TemporaryDirectory() as folder:
        path = first_half.save(Path(folder) / "half.npz")
        resumed = run(123)                           # different weights, generators, everything
        resumed.load(path)
    assert resumed.epoch == 2
    resumed.fit((X, y), epochs=4, val_data=(Xv, yv))
    for (name, a), b in zip(straight.model.named_parameters(), resumed.model.parameters()):
        assert np.array_equal(a._data, b._data), f"{name} differs after resuming"
    assert straight.history["train_loss"] == resumed.history["train_loss"]
    assert straight.history["val_loss"] == resumed.history["val_loss"]
    assert straight.history["lr"] == resumed.history["lr"] and len(resumed.history) == 4
    ### BEGIN HIDDEN TESTS
    packed_arrays = {}
    nested = {"a": (1, 2.5), 3: [np.arange(3), None, True], "b": {"c": np.float32(1.5)}}
    restored = _unpack(json.loads(json.dumps(_pack(nested, packed_arrays, ""))), packed_arrays)
    assert restored["a"] == (1, 2.5) and restored[3][1] is None and restored[3][2] is True
    assert type(restored["b"]["c"]) is np.float32 and np.array_equal(restored[3][0], np.arange(3))
    try:
        _pack({"f": print}, {}, "")
        raise AssertionError("a function cannot be checkpointed")
    except TypeError as exc:
        assert "/f" in str(exc)
    ### END HIDDEN TESTS
    print("✅ save_checkpoint / load_checkpoint: model, Adam state, history, generators; a resumed Trainer "
          "equals an uninterrupted one bit for bit")


test_unit_checkpoint()

# %% [markdown]
r"""
## Part 3: Systems Analysis

### Computational Complexity

For an MLP with layer sizes $d_0, d_1, \dots, d_L$, $P = \sum_l (d_{l-1} + 1) d_l$ parameters, and a
batch of $B$ examples:

| phase | time | memory it needs |
|---|---|---|
| forward | $\approx 2 B P$ FLOPs (one multiply-add per weight per example) | the activations of every layer, kept for backward: $O(B \sum_l d_l)$ |
| backward | $\approx 4 B P$ FLOPs (two matmuls per layer: gradient w.r.t. the input and w.r.t. the weights) | one gradient per parameter: $P$ numbers |
| optimiser step | $O(P)$: a few elementwise passes, independent of $B$ | SGD+momentum: $P$ more; Adam: $2P$ more (`exp_avg`, `exp_avg_sq`) |
| checkpoint | $O(P)$ to write | model $P$ + Adam $2P$ numbers on disk |

So a training step costs about three forward passes, and Adam training holds four copies of the
parameters (weights, gradients, two moments) plus the activations. For a small model the FLOPs are
tiny and the **fixed cost per operation** (Python, creating Tensors, recording the graph) dominates:
then time per epoch depends on the number of steps, not on their size. The cells below measure both.
"""

# %% [markdown]
"""
### Memory of one training step

**Build -> Measure -> Understand.** A 64-256-10 MLP (the digits model of milestone 03) with Adam. We
count the bytes of parameters, gradients and Adam's state from the arrays themselves, and measure with
`tracemalloc` the peak memory allocated during one step (forward, backward, update) for growing batch
sizes. NumPy reports its buffers to `tracemalloc`, so the measurement includes every temporary array.
"""

# %% [code]
import tracemalloc

from tinytorch.datasets import load_digits

digits_X, digits_y = load_digits("train")
digits_X = digits_X.reshape(len(digits_X), -1)


def nbytes(arrays):
    return int(np.sum([a.nbytes for a in arrays]))


def one_step_peak(batch_size):
    """Peak bytes allocated by one training step (after a warm-up step that creates Adam's state)."""
    manual_seed(0)
    net = Sequential(Linear(64, 256), ReLU(), Linear(256, 10))
    opt = Adam(net.parameters(), lr=1e-3)
    loss_fn = CrossEntropyLoss()
    x, y = Tensor(digits_X[:batch_size]), Tensor(digits_y[:batch_size])
    train_epoch(net, [(x, y)], loss_fn, opt)               # warm-up: Adam's state exists from now on
    tracemalloc.start()
    train_epoch(net, [(x, y)], loss_fn, opt)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    sizes = {"parameters": nbytes(p._data for p in net.parameters()),
             "gradients": nbytes(p.grad._data for p in net.parameters()),
             "adam state": nbytes(a for s in opt.state.values() for a in s.values() if isinstance(a, np.ndarray))}
    return peak, sizes


print(f"{'batch':>6s} {'peak of a step':>15s} {'params':>9s} {'grads':>9s} {'Adam':>9s} {'peak / batch':>13s}")
peaks = {}
n_params = (64 * 256 + 256) + (256 * 10 + 10)                     # weights + biases of 64-256-10
for b in (32, 128, 512, 1024):
    peak, sizes = one_step_peak(b)
    assert sizes["parameters"] == sizes["gradients"] == 4 * n_params, "float32: 4 bytes per parameter"
    assert sizes["adam state"] == 2 * sizes["parameters"], "Adam keeps exp_avg and exp_avg_sq"
    peaks[b] = peak
    print(f"{b:6d} {peak / 1e3:12.1f} KB {sizes['parameters'] / 1e3:6.1f} KB {sizes['gradients'] / 1e3:6.1f} KB "
          f"{sizes['adam state'] / 1e3:6.1f} KB {peak / b / 1e3:10.2f} KB")
slope = (peaks[1024] - peaks[32]) / (1024 - 32)
print(f"Understand: each extra example costs about {slope / 1e3:.2f} KB during a step "
      f"({slope / 4:.0f} float32 numbers); the 64 inputs + 256 hidden + 10 logits of one example are "
      f"{64 + 256 + 10} numbers, and backward keeps a few copies of them at once.")

# %% [markdown]
"""
The parameters, gradients and Adam's two moments are fixed costs (Adam's state is exactly twice the
parameters). What grows with the batch is the activations and their gradients: each example's hidden
layer exists as the matmul output, the ReLU output, and their gradients during backward. That is why
large models run out of memory in the *activations*, and why tricks like gradient checkpointing trade
recomputation for memory.
"""

# %% [markdown]
"""
### Where the time of an epoch goes

`train_epoch` measures its three phases with `time.perf_counter()`. We train the same model for one
epoch of the digits training set at several batch sizes and print the split (the fastest of three
epochs, since other programs share the machine). The number of examples is the same each time; only
the number of steps changes.
"""

# %% [code]
import time

from tinytorch.utils.timing import pinned_blas_threads

with pinned_blas_threads(1) as blas_note:          # the same BLAS threads for every row
    print(blas_note)
    print(f"{'batch':>6s} {'steps':>6s} {'epoch':>8s} {'forward':>8s} {'backward':>9s} {'step':>7s} {'other':>7s} "
          f"{'us/step':>8s} {'examples/s':>11s}")
    throughput = {}
    for b in (8, 32, 128, 512):
        manual_seed(0)
        net = Sequential(Linear(64, 256), ReLU(), Linear(256, 10))
        opt = Adam(net.parameters(), lr=1e-3)
        runs = []
        for repeat in range(3):
            started = time.perf_counter()
            r = train_epoch(net, minibatches(digits_X, digits_y, b, shuffle=True, generator=Generator(repeat)),
                            CrossEntropyLoss(), opt)
            r["wall"] = time.perf_counter() - started
            runs.append(r)
        r = min(runs, key=lambda run: run["wall"])
        other = r["seconds"] - r["forward_s"] - r["backward_s"] - r["step_s"]
        print(f"{b:6d} {r['batches']:6d} {r['wall']:7.3f}s {r['forward_s']:7.3f}s {r['backward_s']:8.3f}s "
              f"{r['step_s']:6.3f}s {other:6.3f}s {r['seconds'] / r['batches'] * 1e6:8.0f} {r['samples'] / r['wall']:11.0f}")
        throughput[b] = (r["samples"] / r["wall"], r["seconds"] / r["batches"])
print(f"In this run, batch 512 processed {throughput[512][0] / throughput[8][0]:.1f}x as many examples per "
      f"second as batch 8, and one of its steps took {throughput[512][1] / throughput[8][1]:.1f}x as long for 64x "
      "the examples.")

# %% [markdown]
"""
Compare with your own table (timings vary between runs, and other programs may share the cores).
Each step runs the same couple of dozen operations whatever its size (Linear, ReLU, the loss,
backward through each, the Adam update of four arrays), and each operation pays a fixed cost in
Python. With small batches that fixed cost is most of the step, so the time per step hardly shrinks
with the batch and the epoch time follows the number of steps; with large batches the matrix products
take over. This is the systems argument for mini-batches, beside the statistics of Part 1: a batch
amortises the per-step overhead over many examples. The optimiser step does not depend on the batch
size at all (it touches each parameter once per step).

If the rows look erratic (a smaller batch slower per step than a larger one), other programs are
competing for the cores: run the cell again. The first line of the output says whether BLAS was pinned
to one thread (with `threadpoolctl`), which keeps a multithreaded BLAS from adding its own noise.
"""

# %% [markdown]
"""
## Part 4: Production Context

**PyTorch** has no built-in `Trainer`: the loop is written by hand from the same pieces
(`model.train()`, `optimizer.zero_grad()`, `loss.backward()`, `torch.nn.utils.clip_grad_norm_`,
`optimizer.step()`, `model.eval()` + `torch.no_grad()`). Libraries wrap it: PyTorch Lightning's
`Trainer` with callbacks (`EarlyStopping(monitor, min_delta, patience, mode)` has our arguments),
Hugging Face's `Trainer`, Keras' `model.fit` with a `History` object and callbacks.

**Checkpoints.** `torch.save` writes a zip archive whose objects are pickled; since PyTorch 2.6
`torch.load` defaults to `weights_only=True`, which refuses arbitrary objects, for the same reason our
checkpoints never pickle. `safetensors`, used for model weights on the Hugging Face Hub, stores only
tensors plus a JSON header: the same design as our `.npz` with a JSON entry. Exact resumption needs
the RNG states too: `torch.get_rng_state()`, `torch.cuda.get_rng_state_all()`, the `DataLoader`
sampler's generator, and Python's and NumPy's generators if the data pipeline uses them. On GPUs
bitwise reproducibility additionally needs deterministic kernels
(`torch.use_deterministic_algorithms(True)`), because some parallel reductions add in a varying order.

**At scale.** Large runs checkpoint every few hundred steps (not epochs), asynchronously and sharded
across machines (`torch.distributed.checkpoint`), because failures are routine. Gradient clipping by
global norm is standard for transformers (max norm 1.0 is common), and the returned norm is logged:
spikes in it are an early warning of divergence. Mixed-precision training adds a gradient scaler whose
state is checkpointed as well.
"""

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/07_training/training_dev.py`) runs every test once
more, through `run_all_tests()`.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_minibatches()
    test_unit_clip_grad_norm()
    test_unit_accuracy()
    test_unit_train_epoch()
    test_unit_early_stopping()
    test_unit_checkpoint()
    print("🎉 All Training tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. Your epoch-time table showed the time per step barely changing for small batches. If you had to
   train this model ten times faster without changing its size, which would you try first: a larger
   batch, fusing operations, or a faster optimiser step? What would each cost in accuracy or code?
2. The memory of a step grew linearly with the batch size, by the KB per example your run printed. With
   that slope, what is the largest batch whose step fits in 64 MB, and why is the slope several times the
   330 numbers of one example's activations?
3. `clip_grad_norm_` returns the norm before clipping. What would a plot of that value over training
   tell you, and why does clipping by the *global* norm keep the update direction while clipping each
   value separately does not?
4. Our checkpoint restores the dropout generator and the shuffle order. Which sources of randomness
   would you also have to save in a pipeline with data augmentation in worker processes?
5. Early stopping monitors the validation loss. Why might the validation *accuracy* keep improving for
   a while after the validation loss has started to rise?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built the training loop as small, reusable pieces:
- `minibatches`: seeded shuffling into batches, every example once per epoch;
- `clip_grad_norm_` with PyTorch's semantics (global norm, returned before clipping, direction kept);
- `accuracy`, `train_epoch` and `evaluate`, which work with any model, loss and optimiser that follow
  PyTorch's API, and measure forward, backward and optimiser time separately;
- `EarlyStopping(patience, min_delta, mode)`, and a `train_epoch` that stops on a non-finite loss before
  it touches the parameters;
- `.npz` training checkpoints with model, optimiser, scheduler, epoch, history and generator states,
  stored without pickle, and a test that a resumed run equals an uninterrupted one bit for bit;
- and ran them through the given `Trainer` (its loop, progress bar, `History` and `plot_history` are
  support code in `tinytorch/core/training_support.py`).

You measured that a small model's epoch time is set by the number of steps (fixed cost per
operation), and that a step's memory grows with the batch through the activations, on top of four
copies of the parameters under Adam.

**Next:** `tito export 07`, then milestone 03 (`tito milestone run 03`) trains an MLP on handwritten
digits with these pieces. Module 08 builds the `DataLoader` that `Trainer.fit` also accepts.
"""
