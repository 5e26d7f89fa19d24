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
# Module 06: Optimizers

Autograd (module 05) tells you, for every parameter, which direction makes the loss grow. An
**optimizer** turns those gradients into parameter updates, step after step. In this module you build
the optimizers that train nearly every network today, with PyTorch's names, arguments and update
equations, so that a PyTorch training loop runs unchanged on TinyTorch:

```python
optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = CosineAnnealingLR(optimizer, T_max=100)
for x, y in batches:
    optimizer.zero_grad()
    loss = cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    scheduler.step()
```

**Learning Objectives:**
- Build the `Optimizer` base class: parameter groups with their own hyper-parameters, per-parameter
  state, `zero_grad()`, and `state_dict()` / `load_state_dict()` made of NumPy arrays and plain numbers
  (so a checkpoint is an `.npz` file, never a pickle).
- Implement `SGD` (momentum, dampening, Nesterov, weight decay), `Adam` (with bias correction and
  AMSGrad) and `AdamW` (decoupled weight decay) with exactly PyTorch's update equations.
- Build learning-rate schedules (`StepLR`, `LinearLR` warm-up, `CosineAnnealingLR`, `LambdaLR`,
  `SequentialLR`) the way PyTorch computes them: each new rate from the current one, so schedules compose.
- Measure the memory an optimizer keeps (Adam: two extra copies of the model) with `tracemalloc`, time
  one step, and compare convergence of all optimizers on one real problem.

**How this module works.** Each step is one code cell for you to complete (between the solution
markers, inside a function whose signature and docstring are given), followed by a graded test cell.
Code marked *given* is infrastructure: read it, you use it, but you do not write it. Cells that start
with `#| export` become `tinytorch/core/optimizers.py` when you run `tito export`.
"""

# %% [markdown]
r"""
## Part 1: Mathematical Foundations

Training minimises a loss $L(\theta)$ over the parameters $\theta$. Write $g_t = \nabla L(\theta_{t-1})$
for the gradient that `backward()` leaves in `p.grad` before step $t$, and $\gamma$ for the learning rate.

**Gradient descent** moves against the gradient: $\theta_t = \theta_{t-1} - \gamma\, g_t$.

**Weight decay (L2).** Adding $\frac{\lambda}{2}\lVert\theta\rVert^2$ to the loss adds $\lambda\theta$ to
the gradient: $g_t \leftarrow g_t + \lambda \theta_{t-1}$. This pulls every weight towards zero.

**Momentum** keeps a running direction $b$ (the *momentum buffer*), so consistent gradients add up and
oscillating ones cancel. PyTorch's form, with momentum $\mu$ and dampening $\tau$:

$$b_1 = g_1, \qquad b_t = \mu\, b_{t-1} + (1 - \tau)\, g_t \quad (t > 1), \qquad
\theta_t = \theta_{t-1} - \gamma\, b_t .$$

The first buffer is the gradient itself, not $(1-\tau) g_1$: that is PyTorch's convention and we follow it.

**Nesterov momentum** looks one step ahead: it updates with $g_t + \mu b_t$ instead of $b_t$.

**Adam** keeps two running averages per parameter: the mean of the gradients $m$ and the mean of their
squares $v$ (both start at zero), and divides one by the square root of the other, so every parameter
gets a step size adapted to the scale of its own gradients:

$$m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,$$
$$\hat m_t = \frac{m_t}{1-\beta_1^t}, \qquad \hat v_t = \frac{v_t}{1-\beta_2^t}, \qquad
\theta_t = \theta_{t-1} - \gamma \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}.$$

Because $m$ and $v$ start at zero, early averages are too small; dividing by $1-\beta^t$ (the **bias
correction**) undoes exactly that shrinkage. PyTorch computes $\sqrt{\hat v_t} + \epsilon$ as
$\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon$ and folds $1/(1-\beta_1^t)$ into the step size; we do the same.
**AMSGrad** replaces $v_t$ in the denominator by the largest $v$ seen so far.

**AdamW** *decouples* weight decay from the adaptive step: instead of adding $\lambda\theta$ to the
gradient (where Adam would divide it by $\sqrt{\hat v}$, so weights with large gradients barely decay),
it shrinks the weights directly, $\theta \leftarrow \theta (1 - \gamma\lambda)$, before the Adam update.

**Learning-rate schedules** change $\gamma$ over time: step decay $\gamma_t = \gamma_0\, \text{gamma}^{\lfloor t / s \rfloor}$,
cosine annealing $\gamma_t = \eta_{min} + \frac{1}{2}(\gamma_0 - \eta_{min})(1 + \cos(\pi t / T))$, and a
linear **warm-up** that starts small and grows to $\gamma_0$, which keeps the first steps (when Adam's
$v$ is still a poor estimate) from blowing up.

The cell below computes the bias correction for the first steps: how much too small $m_t$ is after
$t$ steps when every gradient equals 1.
"""

# %%
import numpy as np

beta1, beta2 = 0.9, 0.999
print(f"{'t':>3} {'m_t (g = 1)':>12} {'1 - beta1^t':>12} {'m_hat':>6} {'v_t (g = 1)':>12} {'1 - beta2^t':>12} {'v_hat':>6}")
m = v = 0.0
for t in range(1, 6):
    m = beta1 * m + (1 - beta1) * 1.0
    v = beta2 * v + (1 - beta2) * 1.0
    print(f"{t:3d} {m:12.6f} {1 - beta1 ** t:12.6f} {m / (1 - beta1 ** t):6.3f} "
          f"{v:12.6f} {1 - beta2 ** t:12.6f} {v / (1 - beta2 ** t):6.3f}")
print("Without the correction the first Adam step would be", f"{(1 - beta1) / np.sqrt(1 - beta2):.3f}",
      "x lr instead of 1 x lr (for a constant gradient).")

# %% [markdown]
"""
## Part 2: The Optimizer base class

### Setup (given)

Imports and the list of public names. The optimizer only needs the `Tensor` class (parameters are
tensors whose `.grad` autograd fills) and `enable_grad` from module 05, to run an optional *closure*.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "optimizers-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import math
import numbers
import types
import warnings
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from tinytorch.core.autograd import enable_grad
from tinytorch.core.tensor import Tensor

__all__ = [
    "Optimizer", "SGD", "Adam", "AdamW",
    "LRScheduler", "LambdaLR", "StepLR", "LinearLR", "CosineAnnealingLR", "SequentialLR",
]

# %% [markdown]
"""
### Step 1: Parameter groups, state, `zero_grad` and checkpoints

An optimizer holds two things:

- `param_groups`: a list of dicts. Each has `"params"` (a list of tensors) and the hyper-parameters for
  those tensors (`"lr"`, `"momentum"`, ...). The constructor's arguments are the **defaults**; a group
  may override any of them, which is how PyTorch programs give, say, the last layer a larger learning
  rate: `SGD([{"params": body.parameters()}, {"params": head.parameters(), "lr": 0.1}], lr=0.01)`.
- `state`: a dict from parameter to that parameter's own state (Adam's running averages, ...), created
  lazily at the first step that sees a gradient for it.

**The checkpoint layout** (`state_dict()`), the same as PyTorch's, with NumPy arrays and plain Python
numbers only:

```
{"state":        {0: {"momentum_buffer": ndarray}, 1: {...}, ...},   # only parameters that have state
 "param_groups": [{"lr": 0.1, "momentum": 0.9, ..., "params": [0, 1]}, ...]}
```

Parameters are numbered 0, 1, 2, ... in the order they appear across all groups, so a checkpoint does
not depend on object identities; `load_state_dict` maps the numbers back onto the parameters of the
optimizer it is loaded into (which must have the same group sizes). Arrays are copies: a saved state
does not change when training goes on. Numbers in the state (`"step"`) are Python ints. Loading also
accepts what comes back from an `.npz` file (0-d arrays for numbers, 1-d arrays for `betas`, string keys
`"0"`, `"1"`), so the Training module can flatten this dict into named arrays and back.

*Given:* the constructor, `add_param_group`'s input checks, the checkers for hyper-parameters,
`step()` (it loops over parameters with a gradient and calls `_update`, which each optimizer defines),
`load_state_dict` and `__repr__`.

**Your task:** fill the defaults into a new group (`add_param_group`), write `zero_grad` and
`state_dict`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "optimizers-base", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given: hyper-parameter checks with messages that say what is wrong -----------------------------
def _real(name, value):
    """`value` if it is a real number (not a bool), else a TypeError naming the hyper-parameter."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return value


def _check_lr(lr):
    if not 0.0 <= _real("lr", lr):
        raise ValueError(f"Invalid learning rate: {lr} (lr must be >= 0)")


def _check_non_negative(name, value, label=None):
    if not 0.0 <= _real(name, value):
        raise ValueError(f"Invalid {label or name} value: {value} ({name} must be >= 0)")


def _grad_array(p, index):
    """The gradient of parameter `p` as an ndarray in p's dtype, or None if it has no gradient."""
    grad = p.grad
    if grad is None:
        return None
    if not isinstance(grad, (Tensor, np.ndarray, np.generic)):
        raise TypeError(f"parameter {index}: .grad must be a Tensor or a NumPy array (or None), "
                        f"got {type(grad).__name__}")
    grad = grad.data if isinstance(grad, Tensor) else np.asarray(grad)
    if grad.dtype.kind not in "biuf":
        raise TypeError(f"parameter {index}: .grad must hold numbers, got dtype {grad.dtype}")
    if grad.shape != p.data.shape:
        raise ValueError(f"parameter {index} has shape {tuple(p.data.shape)} but its .grad has shape "
                         f"{tuple(grad.shape)}; a gradient must have its parameter's shape")
    return grad if grad.dtype == p.data.dtype else grad.astype(p.data.dtype)


def _plain(value):
    """Undo what an .npz round trip does to a hyper-parameter: 0-d array -> number, 1-d array -> tuple."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.item() if np.ndim(value) == 0 else tuple(np.asarray(value).tolist())
    return value


class Optimizer:
    """Base class of all optimizers: `param_groups`, per-parameter `state`, `zero_grad`, `step`,
    `state_dict` / `load_state_dict`, `add_param_group` -- PyTorch's torch.optim.Optimizer API."""

    _scalar_state_keys = ("step",)   # state entries that are numbers; every other entry is an array

    def __init__(self, params, defaults):
        """`params`: an iterable of Tensors, or of dicts (parameter groups); `defaults`: hyper-parameters."""
        self.defaults = dict(defaults)
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got a single {type(params).__name__}: wrap it in a list, e.g. SGD([w], lr=0.1)")
        if isinstance(params, Mapping):
            raise TypeError("params must be an iterable of Tensors or a list of parameter-group dicts; got one "
                            "dict: write [{'params': ...}]")
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(f"params must be an iterable of Tensors or of dicts, got {type(params).__name__}") from None
        if not groups:
            raise ValueError("optimizer got an empty parameter list: pass model.parameters() of a model that has "
                             "parameters, or a non-empty list of tensors (note that a generator such as "
                             "model.parameters() is used up by the first optimizer it is given)")
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @staticmethod
    def _check_hyperparameters(group):
        """Raise if a group's hyper-parameters are invalid (each optimizer overrides this)."""

    def add_param_group(self, param_group):
        """Add a dict {"params": tensors, <hyper-parameter>: value, ...} to self.param_groups.

        Given: the checks of the input, turning "params" into a list, and (after your part) the checks
        of the hyper-parameters and of parameters that are already in another group.
        Your part: fill in the defaults -- for every (name, value) in self.defaults, set group[name] to
        value unless the group already has its own value.
        """
        if not isinstance(param_group, Mapping):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError(f"a parameter group needs a 'params' entry, got keys {sorted(param_group)}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                hint = ""
                if isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], Tensor):
                    hint = " (a (name, parameter) pair: pass model.parameters(), not model.named_parameters())"
                raise TypeError(f"optimizer can only optimize Tensors, but parameter {i} of the group is a "
                                f"{type(p).__name__}{hint}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (parameter {i} of the group was computed by "
                                 "an operation): optimize the tensor it was computed from")
        group["params"] = params
        ### BEGIN SOLUTION
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        ### END SOLUTION
        self._check_hyperparameters(group)
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; each is updated once "
                          "per duplicate", UserWarning, stacklevel=2)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of all parameters: `.grad = None` (PyTorch's default), or, with
        set_to_none=False, fill the existing gradient arrays with zeros in place.

        HINT: p.grad is a Tensor (its numbers are in p.grad.data) or, if someone assigned one, an ndarray.
        """
        ### BEGIN SOLUTION
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif isinstance(p.grad, Tensor):
                    p.grad.data[...] = 0
                else:
                    p.grad[...] = 0
        ### END SOLUTION

    def step(self, closure=None):
        """One update of every parameter that has a gradient. `closure` (optional) re-evaluates the model
        and returns the loss, which step returns. Given: each optimizer writes `_update`."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        index = 0
        for group in self.param_groups:
            for p in group["params"]:
                grad = _grad_array(p, index)
                index += 1
                if grad is None:
                    continue                 # no gradient reached this parameter: leave it alone
                state = self.state[p] if p in self.state else {}
                self._update(p.data, grad, state, group)
                if state and p not in self.state:       # keep only state that was actually created
                    self.state[p] = state
        return loss

    def _update(self, param, grad, state, group):
        """Update the ndarray `param` IN PLACE from `grad`, using and updating `state` (a dict)."""
        raise NotImplementedError(f"{type(self).__name__} must define _update(param, grad, state, group)")

    def _numbered_params(self):
        """All parameters in group order, each once: position in this list = its number in state_dict."""
        out, seen = [], set()
        for group in self.param_groups:
            for p in group["params"]:
                if id(p) not in seen:
                    seen.add(id(p))
                    out.append(p)
        return out

    def state_dict(self):
        """The optimizer's state as {"state": {number: {name: value}}, "param_groups": [group dicts]}.

        - Number the parameters with self._numbered_params() (0, 1, 2, ...).
        - "param_groups": for each group, a copy of the dict in which "params" is the list of the
          parameters' numbers instead of the tensors.
        - "state": for each parameter that has a NON-EMPTY entry in self.state, its number -> a dict
          with the same keys, where ndarrays are copied (`.copy()`) and numbers kept as they are.
          (Test membership with `p in self.state`; `self.state[p]` on a defaultdict would create an entry.)
        """
        ### BEGIN SOLUTION
        numbered = self._numbered_params()
        number = {id(p): i for i, p in enumerate(numbered)}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [number[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for i, p in enumerate(numbered):
            if p in self.state and self.state[p]:
                state[i] = {name: value.copy() if isinstance(value, np.ndarray) else value
                            for name, value in self.state[p].items()}
        return {"state": state, "param_groups": groups}
        ### END SOLUTION

    def load_state_dict(self, state_dict):
        """Restore what state_dict() returned (or its .npz round trip). Everything is checked before
        anything changes; arrays are copied into this optimizer in each parameter's dtype."""
        if not isinstance(state_dict, Mapping) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("load_state_dict expects the dict returned by Optimizer.state_dict(), with keys "
                             f"'state' and 'param_groups'; got {type(state_dict).__name__}"
                             + (f" with keys {sorted(state_dict)}" if isinstance(state_dict, Mapping) else ""))
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups: {len(saved_groups)} "
                             f"saved, {len(self.param_groups)} in this optimizer")
        by_number = {}
        for g, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            numbers_saved = [int(i) for i in np.asarray(saved["params"]).reshape(-1)]
            if len(numbers_saved) != len(group["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match the size of "
                                 f"optimizer's group: group {g} has {len(numbers_saved)} parameters saved, "
                                 f"{len(group['params'])} in this optimizer")
            by_number.update(zip(numbers_saved, group["params"]))
        new_state = defaultdict(dict)
        for key, entries in state_dict["state"].items():
            number = int(key)
            if number not in by_number:
                raise ValueError(f"loaded state dict has state for parameter {number}, but its param_groups only "
                                 f"number the parameters {sorted(by_number)}")
            p = by_number[number]
            restored = {}
            for name, value in entries.items():
                if name in self._scalar_state_keys:
                    restored[name] = _plain(value)
                    continue
                array = np.array(value.data if isinstance(value, Tensor) else value, dtype=p.data.dtype)
                if array.shape != p.data.shape:
                    raise ValueError(f"state '{name}' of parameter {number} has shape {tuple(array.shape)}, but "
                                     f"the parameter has shape {tuple(p.data.shape)}")
                restored[name] = array
            new_state[p] = restored
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            merged = dict(group)
            merged.update({key: _plain(value) for key, value in saved.items() if key != "params"})
            merged["params"] = group["params"]
            self._check_hyperparameters(merged)
            new_groups.append(merged)
        self.state = new_state
        self.param_groups = new_groups

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}"
            for key in sorted(group):
                if key != "params":
                    text += f"\n    {key}: {group[key]}"
        return text + "\n)"


# %% [markdown]
"""
### Testing the Optimizer base class

A tiny optimizer (plain gradient descent that counts its steps) exercises the base class before any
real optimizer exists: groups get the defaults, `zero_grad` works both ways, `state_dict` has the
documented layout and copies, and a load restores everything.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "optimizers-base-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
from tinytorch.core.layers import Parameter


class _CountingGD(Optimizer):
    """Test helper: p -= lr * grad, and state = {"step": count, "last": last gradient}."""

    def __init__(self, params, lr=0.1, tag="x"):
        super().__init__(params, {"lr": lr, "tag": tag})

    def _update(self, param, grad, state, group):
        state["step"] = state.get("step", 0) + 1
        state["last"] = grad.copy()
        param -= group["lr"] * grad


def test_unit_optimizer_base():
    a = Parameter(np.array([1.0, 2.0], dtype=np.float32))
    b = Parameter(np.array([[3.0]], dtype=np.float32))
    c = Parameter(np.zeros(3, dtype=np.float32))
    opt = _CountingGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5], "a group's own lr wins, others get the default"
    assert opt.param_groups[1]["tag"] == "x", "every default must be filled into every group"
    assert opt.param_groups[0]["params"][0] is a

    a.grad = Tensor(np.array([1.0, 1.0], dtype=np.float32))
    c.grad = Tensor(np.ones(3, dtype=np.float32))
    opt.step()                                  # b has no gradient: it must be skipped
    np.testing.assert_allclose(a.data, [0.9, 1.9], rtol=1e-6)
    np.testing.assert_allclose(c.data, [-0.5] * 3, rtol=1e-6)
    assert b.data[0, 0] == 3.0 and b not in opt.state, "a parameter without gradient gets no update and no state"

    opt.zero_grad(set_to_none=False)
    assert a.grad is not None and np.all(a.grad.data == 0), "set_to_none=False keeps zero-filled gradients"
    opt.zero_grad()
    assert a.grad is None and c.grad is None, "zero_grad() sets .grad to None by default"

    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]], "parameters are numbered across groups"
    assert sorted(sd["state"]) == [0, 2], "only parameters with state appear in 'state'"
    assert sd["state"][0]["step"] == 1 and isinstance(sd["state"][0]["step"], int)
    saved_last = sd["state"][0]["last"]
    assert not np.shares_memory(saved_last, opt.state[a]["last"]), "state_dict must copy arrays"

    a2, b2, c2 = (Parameter(p.data.copy()) for p in (a, b, c))
    opt2 = _CountingGD([{"params": [a2, b2]}, {"params": [c2]}], lr=0.3)
    opt2.load_state_dict(sd)
    assert [g["lr"] for g in opt2.param_groups] == [0.1, 0.5], "hyper-parameters come from the checkpoint"
    assert opt2.param_groups[0]["params"][0] is a2, "the loading optimizer keeps its own parameters"
    assert opt2.state[c2]["step"] == 1
    np.testing.assert_array_equal(opt2.state[a2]["last"], saved_last)

    for bad, kind in ((a, TypeError), ([], ValueError), ({"params": [a]}, TypeError), ({a}, TypeError)):
        try:
            _CountingGD(bad)
            raise AssertionError(f"_CountingGD({bad!r}) must raise {kind.__name__}")
        except kind:
            pass
    try:
        _CountingGD([{"params": [a]}, {"params": [a]}])
        raise AssertionError("a parameter in two groups must raise ValueError")
    except ValueError as exc:
        assert "more than one parameter group" in str(exc)
    ### BEGIN HIDDEN TESTS
    try:
        opt2.load_state_dict({"state": {}, "param_groups": sd["param_groups"][:1]})
        raise AssertionError("a different number of groups must raise")
    except ValueError as exc:
        assert "number of parameter groups" in str(exc)
    assert opt2.state[c2]["step"] == 1, "a refused load must change nothing"
    g = Parameter(np.zeros(2, dtype=np.float32))
    opt2.add_param_group({"params": g, "lr": 0.01})
    assert opt2.param_groups[-1]["params"] == [g] and opt2.param_groups[-1]["tag"] == "x"
    try:
        _CountingGD([a * 2])
        raise AssertionError("a non-leaf tensor must be refused")
    except ValueError as exc:
        assert "non-leaf" in str(exc)
    bad_grad = Parameter(np.zeros(2, dtype=np.float32))
    bad_grad.grad = Tensor(np.zeros(3, dtype=np.float32))
    try:
        _CountingGD([bad_grad]).step()
        raise AssertionError("a gradient of the wrong shape must raise")
    except ValueError as exc:
        assert "(2,)" in str(exc) and "(3,)" in str(exc)
    assert "Parameter Group 1" in repr(opt) and "lr: 0.5" in repr(opt)
    ### END HIDDEN TESTS
    print("✅ Optimizer base: groups, zero_grad, state_dict layout and load")


test_unit_optimizer_base()

# %% [markdown]
"""
## Part 3: The optimizers

### Step 2: SGD with momentum, Nesterov and weight decay

`SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False)`,
PyTorch's signature and defaults. `_update` receives:

- `param`: the parameter's ndarray. Change it **in place** (`param -= ...`): the Tensor, the model, and
  anything else holding the parameter must see the new values, and the dtype must stay the parameter's.
- `grad`: the gradient (an ndarray in the parameter's dtype). **Do not modify it in place**: it may be
  the parameter's own `.grad` array. Make a new array when you change it (`grad = grad + ...`).
- `state`: this parameter's dict. Store the momentum buffer as `state["momentum_buffer"]` (only when
  momentum is not 0, as PyTorch does), created at the first step as a **copy** of the gradient.
- `group`: the hyper-parameters.

Order of operations (PyTorch's): negate the gradient if `maximize`; add weight decay; update the
momentum buffer; choose the direction (`buf`, or `grad + momentum * buf` with Nesterov); step.

*Given:* the constructor and the hyper-parameter checks. **Your task:** `_update`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "optimizers-sgd", "locked": false, "schema_version": 3, "solution": true}}
#| export
class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay
    (torch.optim.SGD)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False):
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": bool(nesterov), "maximize": bool(maximize)}
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _check_hyperparameters(group):
        _check_lr(group["lr"])
        _check_non_negative("momentum", group["momentum"])
        _real("dampening", group["dampening"])
        _check_non_negative("weight_decay", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening "
                             f"(got momentum={group['momentum']}, dampening={group['dampening']})")

    def _update(self, param, grad, state, group):
        """One SGD step for one parameter (see the markdown above for the rules)."""
        ### BEGIN SOLUTION
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = np.array(grad, copy=True)
                state["momentum_buffer"] = buf
            else:
                buf *= momentum
                buf += (1 - dampening) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= lr * grad
        ### END SOLUTION


# %% [markdown]
"""
### Testing SGD

The expected numbers are worked out by hand in the comments, for a parameter `[1, 2]` whose gradient is
held at `[1, -1]` (so every step sees the same gradient). The test also checks that an update happens
in place, keeps the dtype, and never touches `.grad`.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "optimizers-sgd-tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
def _run_constant_grad(make_optimizer, steps, start=(1.0, 2.0), grad=(1.0, -1.0), dtype=np.float64):
    """Parameter values after each of `steps` steps with a fixed gradient."""
    p = Parameter(np.array(start, dtype=dtype))
    opt = make_optimizer([p])
    out = []
    for _ in range(steps):
        p.grad = Tensor(np.array(grad, dtype=dtype))
        opt.step()
        out.append(p.data.copy())
    return p, opt, out


def test_unit_sgd():
    # plain: each step moves by -lr * g = [-0.1, +0.1]
    _, _, path = _run_constant_grad(lambda ps: SGD(ps, lr=0.1), 2)
    np.testing.assert_allclose(path, [[0.9, 2.1], [0.8, 2.2]], rtol=1e-12)
    # momentum 0.9: buffers 1, 1.9, 2.71 (x g), so steps -0.1, -0.19, -0.271 on the first entry
    _, opt, path = _run_constant_grad(lambda ps: SGD(ps, lr=0.1, momentum=0.9), 3)
    np.testing.assert_allclose([x[0] for x in path], [0.9, 0.71, 0.439], rtol=1e-12)
    assert "momentum_buffer" in opt.state[opt.param_groups[0]["params"][0]]
    # dampening 0.5: the first buffer is the gradient (1), then 0.9 * 1 + 0.5 * 1 = 1.4
    _, _, path = _run_constant_grad(lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.5), 2)
    np.testing.assert_allclose([x[0] for x in path], [0.9, 0.76], rtol=1e-12)
    # Nesterov: direction g + 0.9 * buf: 1.9 then 1 + 0.9 * 1.9 = 2.71
    _, _, path = _run_constant_grad(lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True), 2)
    np.testing.assert_allclose([x[0] for x in path], [0.81, 0.539], rtol=1e-12)
    # weight decay 0.5 on p = [1, 2]: g + 0.5 p = [1.5, 0]
    _, _, path = _run_constant_grad(lambda ps: SGD(ps, lr=0.1, weight_decay=0.5), 1)
    np.testing.assert_allclose(path[0], [0.85, 2.0], rtol=1e-12)

    p = Parameter(np.array([1.0, 2.0], dtype=np.float32))
    storage = p.data
    p.grad = Tensor(np.array([0.5, 0.5], dtype=np.float32))
    grad_before = p.grad.data.copy()
    SGD([p], lr=0.1, momentum=0.9).step()
    assert p.data is storage, "the update must be in place (param -= ...), not a new array"
    assert p.data.dtype == np.float32, f"the dtype must stay float32, got {p.data.dtype}"
    np.testing.assert_array_equal(p.grad.data, grad_before, err_msg="the update must not modify .grad")

    for kwargs, fragment in (({"lr": -0.1}, "learning rate"), ({"momentum": -1}, "momentum"),
                             ({"weight_decay": -1e-4}, "weight_decay"), ({"nesterov": True}, "Nesterov")):
        try:
            SGD([p], **kwargs)
            raise AssertionError(f"SGD(**{kwargs}) must raise ValueError")
        except ValueError as exc:
            assert fragment in str(exc), f"the message should mention {fragment!r}: {exc}"
    ### BEGIN HIDDEN TESTS
    _, _, path = _run_constant_grad(lambda ps: SGD(ps, lr=0.1, maximize=True), 1)
    np.testing.assert_allclose(path[0], [1.1, 1.9], rtol=1e-12)
    # weight decay enters the momentum buffer: buf1 = g + wd p
    _, opt, path = _run_constant_grad(lambda ps: SGD(ps, lr=0.1, momentum=0.5, weight_decay=0.1), 2)
    p1 = 1 - 0.1 * 1.1
    buf2 = 0.5 * 1.1 + (1 + 0.1 * p1)
    np.testing.assert_allclose(path[1][0], p1 - 0.1 * buf2, rtol=1e-12)
    q = Parameter(np.ones(2, dtype=np.float32))
    opt = SGD([q], lr=0.1)
    opt.step()
    assert np.all(q.data == 1) and q not in opt.state, "no gradient: no update"
    try:
        SGD([q], lr="0.1")
        raise AssertionError("a string lr must raise TypeError")
    except TypeError as exc:
        assert "lr" in str(exc)
    ### END HIDDEN TESTS
    print("✅ SGD matches the hand-computed updates (momentum, dampening, Nesterov, weight decay)")


test_unit_sgd()

# %% [markdown]
"""
### Step 3: Adam, AMSGrad and AdamW

`Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, maximize=False,
decoupled_weight_decay=False)`; `AdamW` is the same class with `decoupled_weight_decay=True` and a
default `weight_decay` of `1e-2` (this is also how PyTorch 2.13 defines it).

State per parameter, created at its first step: `"step"` (an int, 0 before the first update),
`"exp_avg"` ($m$) and `"exp_avg_sq"` ($v$), arrays of zeros shaped and typed like the parameter
(`np.zeros_like(param)`), plus `"max_exp_avg_sq"` when `amsgrad` is on. Order of operations (PyTorch's):

1. negate the gradient if `maximize`; increase `state["step"]` by one, call it `t`;
2. weight decay, if not 0: decoupled -> `param *= 1 - lr * weight_decay`; otherwise `grad = grad + weight_decay * param`;
3. update `m` and `v` in place; with AMSGrad, `max_exp_avg_sq = maximum(max_exp_avg_sq, v)` and use it instead of `v` below;
4. `denom = sqrt(v) / sqrt(1 - beta2**t) + eps`, then `param -= (lr / (1 - beta1**t)) * m / denom`.

*Given:* the constructors and checks. **Your task:** `Adam._update`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "optimizers-adam", "locked": false, "schema_version": 3, "solution": true}}
#| export
class Adam(Optimizer):
    """Adam with bias correction, optional AMSGrad, L2 or decoupled weight decay (torch.optim.Adam)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False, decoupled_weight_decay=False):
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": bool(amsgrad), "maximize": bool(maximize),
                    "decoupled_weight_decay": bool(decoupled_weight_decay)}
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _check_hyperparameters(group):
        _check_lr(group["lr"])
        _check_non_negative("eps", group["eps"], label="epsilon")
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), e.g. (0.9, 0.999); got {betas!r}")
        for i, beta in enumerate(betas):
            if not 0.0 <= _real(f"betas[{i}]", beta) < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta} (each beta must be in [0, 1))")
        group["betas"] = tuple(float(b) for b in betas)
        _check_non_negative("weight_decay", group["weight_decay"])

    def _update(self, param, grad, state, group):
        """One Adam / AMSGrad / AdamW step for one parameter (see the markdown above for the rules)."""
        ### BEGIN SOLUTION
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if group["maximize"]:
            grad = -grad
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        t = state["step"]
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (grad * grad)
        second = exp_avg_sq
        if group["amsgrad"]:
            running_max = state.setdefault("max_exp_avg_sq", np.zeros_like(param))
            np.maximum(running_max, exp_avg_sq, out=running_max)
            second = running_max
        denom = np.sqrt(second) / math.sqrt(1 - beta2 ** t) + eps
        param -= (lr / (1 - beta1 ** t)) * exp_avg / denom
        ### END SOLUTION


class AdamW(Adam):
    """Adam with decoupled weight decay (torch.optim.AdamW): weights shrink by lr * weight_decay per step."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, decoupled_weight_decay=True)


# %% [markdown]
r"""
### Testing Adam and AdamW

With a constant gradient, bias correction makes $\hat m = g$ and $\hat v = g^2$ at every step, so each
step moves every entry by almost exactly `lr` against the sign of its gradient, however large or small
the gradient is. That gives hand-checkable numbers. Then Adam with L2 decay and AdamW must differ
exactly as the formulas say.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "optimizers-adam-tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
def test_unit_adam():
    # constant gradient [1, -1]: every step is lr * g / (|g| + eps') = +-0.1 (eps is negligible)
    p, opt, path = _run_constant_grad(lambda ps: Adam(ps, lr=0.1), 3)
    np.testing.assert_allclose(path, [[0.9, 2.1], [0.8, 2.2], [0.7, 2.3]], rtol=1e-6)
    state = opt.state[p]
    assert state["step"] == 3 and isinstance(state["step"], int)
    np.testing.assert_allclose(state["exp_avg"], (1 - 0.9 ** 3) * np.array([1.0, -1.0]), rtol=1e-12)
    np.testing.assert_allclose(state["exp_avg_sq"], (1 - 0.999 ** 3) * np.ones(2), rtol=1e-12)
    assert set(state) == {"step", "exp_avg", "exp_avg_sq"}, f"Adam keeps two arrays and a counter: {set(state)}"

    # a gradient 1000x smaller moves the parameter just as far: Adam's step is scale-free
    _, _, tiny = _run_constant_grad(lambda ps: Adam(ps, lr=0.1), 1, grad=(1e-3, -1e-3))
    np.testing.assert_allclose(tiny[0], [0.9, 2.1], rtol=1e-4)

    # one step from p = [1, 2], g = [1, -1], lr = 0.1, weight_decay = 0.5
    # Adam (L2): g' = g + 0.5 p = [1.5, 0]  -> the second entry does not move at all
    _, _, l2 = _run_constant_grad(lambda ps: Adam(ps, lr=0.1, weight_decay=0.5), 1)
    np.testing.assert_allclose(l2[0], [0.9, 2.0], atol=1e-6)
    # AdamW: p *= 1 - 0.1 * 0.5 first -> [0.95, 1.9], then the Adam step -+0.1
    _, _, decoupled = _run_constant_grad(lambda ps: AdamW(ps, lr=0.1, weight_decay=0.5), 1)
    np.testing.assert_allclose(decoupled[0], [0.85, 2.0], atol=1e-6)
    assert AdamW([Parameter(np.zeros(1))]).param_groups[0]["weight_decay"] == 1e-2, "AdamW's default decay is 1e-2"

    q = Parameter(np.ones((2, 3), dtype=np.float32))
    q.grad = Tensor(np.full((2, 3), 0.5, dtype=np.float32))
    storage = q.data
    opt = Adam([q], lr=0.01, amsgrad=True)
    opt.step()
    assert q.data is storage and q.data.dtype == np.float32, "in place, dtype kept"
    assert all(opt.state[q][k].dtype == np.float32 for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"))

    for kwargs, fragment in (({"lr": -1e-3}, "learning rate"), ({"betas": (1.0, 0.999)}, "index 0"),
                             ({"betas": (0.9, -0.1)}, "index 1"), ({"eps": -1e-8}, "epsilon"),
                             ({"weight_decay": -0.1}, "weight_decay")):
        try:
            Adam([q], **kwargs)
            raise AssertionError(f"Adam(**{kwargs}) must raise ValueError")
        except ValueError as exc:
            assert fragment in str(exc), f"the message should mention {fragment!r}: {exc}"
    ### BEGIN HIDDEN TESTS
    # AMSGrad: a gradient that shrinks keeps the largest v in the denominator
    r = Parameter(np.array([0.0]))
    opt = Adam([r], lr=0.1, betas=(0.0, 0.5), amsgrad=True)
    r.grad = Tensor(np.array([2.0]))
    opt.step()                                   # v = 2, max = 2, step = 0.1 * 2 / (2/sqrt(0.5)*sqrt(0.5))
    np.testing.assert_allclose(r.data, [-0.1], rtol=1e-6)
    r.grad = Tensor(np.array([0.0]))
    opt.step()
    assert opt.state[r]["max_exp_avg_sq"][0] == 2.0 and opt.state[r]["exp_avg_sq"][0] == 1.0
    _, _, up = _run_constant_grad(lambda ps: Adam(ps, lr=0.1, maximize=True), 1)
    np.testing.assert_allclose(up[0], [1.1, 1.9], rtol=1e-6)
    try:
        Adam([q], betas=0.9)
        raise AssertionError("a single beta must raise")
    except ValueError as exc:
        assert "pair" in str(exc)
    ### END HIDDEN TESTS
    print("✅ Adam, AMSGrad and AdamW match the hand-computed updates")


test_unit_adam()

# %% [markdown]
"""
## Part 4: Learning-rate schedules

### Step 4: The scheduler base class, `LambdaLR` and `SequentialLR` (given)

A scheduler owns no learning rate of its own: it **writes `group["lr"]` in the optimizer**. PyTorch's
protocol, which we follow exactly:

- On construction it stores each group's starting rate as `group["initial_lr"]` (its `base_lrs`) and
  takes a first step, which sets `last_epoch = 0` and the rate for step 0.
- Each `scheduler.step()` (call it after `optimizer.step()`) adds one to `last_epoch` and sets every
  group's `lr` to what `get_lr()` returns; `get_last_lr()` returns those rates.
- `get_lr()` is **chainable**: most schedules compute the new rate from the *current* `group["lr"]`
  (for example, "multiply by gamma now"), not from scratch. That is what lets two schedulers act on one
  optimizer, or a user change the rate by hand mid-run. Each schedule also has a *closed form* that
  computes the rate at `last_epoch` from `base_lrs`; `SequentialLR` uses it when it switches schedules.
- `state_dict()` is every attribute except the optimizer (plain numbers and lists), and
  `load_state_dict()` puts them back.

`LambdaLR(optimizer, lr_lambda)` sets `lr = base_lr * lr_lambda(last_epoch)`: the simplest way to write
any schedule, for example a warm-up `lambda step: min(1.0, (step + 1) / warmup_steps)`.
`SequentialLR(optimizer, schedulers, milestones)` runs `schedulers[0]` until `milestones[0]`, then
`schedulers[1]` restarted from its step 0, and so on: *warm-up, then cosine decay* is
`SequentialLR(opt, [LinearLR(opt, 0.01, total_iters=w), CosineAnnealingLR(opt, T_max=n - w)], [w])`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "optimizers-scheduler-base", "locked": true, "schema_version": 3, "solution": false}}
#| export
def _need_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer: a scheduler needs the optimizer whose "
                        "learning rates it sets, e.g. StepLR(optimizer, step_size=10)")


def _positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)


class LRScheduler:
    """Base class of learning-rate schedules (torch.optim.lr_scheduler.LRScheduler); subclasses write get_lr."""

    def __init__(self, optimizer, last_epoch=-1):
        _need_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a "
                                   f"scheduler with last_epoch={last_epoch}: load the optimizer's state_dict "
                                   "(which holds it) first, or use last_epoch=-1 for a fresh run")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        """The step taken on construction: sets the rate of step last_epoch + 1 (0 for a fresh run)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The new learning rate of every group (chainable form); each schedule defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def get_last_lr(self):
        """The learning rates set by the last step, one per parameter group."""
        return list(self._last_lr)

    def step(self, epoch=None):
        """Advance the schedule by one step and write the new rates into the optimizer."""
        self._step_count += 1
        if epoch is not None:
            warnings.warn("scheduler.step(epoch) is deprecated (as in PyTorch): call scheduler.step() once per "
                          "step; the closed form is used for this call", UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """Every attribute but the optimizer: plain numbers, bools and lists of numbers."""
        return {key: list(value) if isinstance(value, list) else value
                for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore state_dict() (also after an .npz round trip: arrays become numbers and lists again)."""
        for key, value in state_dict.items():
            if isinstance(value, (np.ndarray, np.generic)):
                value = value.item() if np.ndim(value) == 0 else np.asarray(value).tolist()
            setattr(self, key, value)


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(last_epoch), one function for all groups or one per group."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _need_optimizer(optimizer)
        n_groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n_groups:
                raise ValueError(f"Expected {n_groups} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n_groups
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda must be a function of the step number, got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        """As PyTorch: functions are not saved (None); callable objects save their attributes."""
        state = {key: value for key, value in super().state_dict().items() if key != "lr_lambdas"}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else dict(fn.__dict__)
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", None) or []
        super().load_state_dict(state)
        for fn, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                fn.__dict__.update(attributes)


class SequentialLR(LRScheduler):
    """Run schedulers one after another, switching at the milestones (torch.optim.lr_scheduler.SequentialLR)."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _need_optimizer(optimizer)
        schedulers, milestones = list(schedulers), list(milestones)
        if not schedulers:
            raise ValueError("SequentialLR expects at least one scheduler, but got no scheduler")
        for i, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(f"SequentialLR: scheduler {i} is a {type(scheduler).__name__}, not a scheduler")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR expects all schedulers to belong to the same optimizer, but "
                                 f"scheduler {i} ({type(scheduler).__name__}) has a different one")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR expects one milestone fewer than schedulers: got {len(schedulers)} "
                             f"schedulers and {len(milestones)} milestones")
        if any(later <= earlier for earlier, later in zip(milestones, milestones[1:])):
            raise ValueError(f"SequentialLR: milestones must increase, got {milestones}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:      # every scheduler's construction moved the rate: start over
            group["lr"] = group["initial_lr"]
        self._undo_initial_steps(self)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _undo_initial_steps(self, scheduler):
        if isinstance(scheduler, SequentialLR):
            for inner in scheduler._schedulers:
                self._undo_initial_steps(inner)
        else:
            scheduler.last_epoch -= 1

    def step(self):
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)                # a new phase starts at its own step 0 (closed form)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        state = {key: value for key, value in super().state_dict().items() if key != "_schedulers"}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        inner = state.pop("_schedulers")
        super().load_state_dict(state)
        for scheduler, saved in zip(self._schedulers, inner):
            scheduler.load_state_dict(saved)


# %% [markdown]
"""
### Testing the scheduler protocol

A linear warm-up written with `LambdaLR`, the rates it writes into the optimizer, `get_last_lr()`,
two groups with different base rates, and a `state_dict` round trip that resumes the same sequence.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "optimizers-scheduler-base-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def _two_group_sgd(lrs=(0.1, 0.01)):
    return SGD([{"params": [Parameter(np.zeros(2))], "lr": lr} for lr in lrs])


def test_unit_scheduler_protocol():
    opt = _two_group_sgd()
    warmup = LambdaLR(opt, lambda step: min(1.0, (step + 1) / 4))
    rates = [warmup.get_last_lr()]
    for _ in range(5):
        opt.step()
        warmup.step()
        rates.append(warmup.get_last_lr())
    expected = [[0.1 * f, 0.01 * f] for f in (0.25, 0.5, 0.75, 1.0, 1.0, 1.0)]
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    assert [g["lr"] for g in opt.param_groups] == rates[-1], "the scheduler writes group['lr']"
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.01] and warmup.last_epoch == 5

    saved = warmup.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 5 and saved["base_lrs"] == [0.1, 0.01]
    opt2 = _two_group_sgd()
    resumed = LambdaLR(opt2, lambda step: min(1.0, (step + 1) / 4))
    resumed.load_state_dict(saved)
    assert resumed.last_epoch == 5 and resumed.get_last_lr() == warmup.get_last_lr()

    try:
        LambdaLR(opt, [lambda s: 1.0])
        raise AssertionError("one lambda for two groups must raise ValueError")
    except ValueError as exc:
        assert "Expected 2 lr_lambdas" in str(exc)
    try:
        LambdaLR("not an optimizer", lambda s: 1.0)
        raise AssertionError("a scheduler needs an optimizer")
    except TypeError as exc:
        assert "not an Optimizer" in str(exc)
    ### BEGIN HIDDEN TESTS
    opt3 = _two_group_sgd((1.0,))
    seq = SequentialLR(opt3, [LambdaLR(opt3, lambda s: 0.5), LambdaLR(opt3, lambda s: 0.1 * (s + 1))], [2])
    lrs = [seq.get_last_lr()[0]]
    for _ in range(4):
        opt3.step()
        seq.step()
        lrs.append(seq.get_last_lr()[0])
    np.testing.assert_allclose(lrs, [0.5, 0.5, 0.1, 0.2, 0.3], rtol=1e-12)
    try:
        SequentialLR(opt3, [LambdaLR(opt3, lambda s: 1.0)], [3])
        raise AssertionError("milestones must be one fewer than schedulers")
    except ValueError:
        pass
    try:
        LambdaLR(_two_group_sgd(), lambda s: 1.0, last_epoch=3)
        raise AssertionError("resuming without initial_lr must raise KeyError")
    except KeyError as exc:
        assert "initial_lr" in str(exc)
    ### END HIDDEN TESTS
    print("✅ scheduler protocol: warm-up via LambdaLR, get_last_lr, state_dict round trip")


test_unit_scheduler_protocol()

# %% [markdown]
r"""
### Step 5: `StepLR`, `LinearLR` and `CosineAnnealingLR`

Each schedule below has a closed form (given, `_get_closed_form_lr`) and a chainable `get_lr` (yours),
which computes the new rate from the current `group["lr"]` at step `t = self.last_epoch`:

- **StepLR**`(optimizer, step_size, gamma=0.1)`, closed form $\gamma_0\,\text{gamma}^{\lfloor t/s \rfloor}$.
  Chainable: multiply the current rate by `gamma` when `t` is a non-zero multiple of `step_size`,
  otherwise keep it.
- **LinearLR**`(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5)`, closed form
  $\gamma_0\,(s + (e - s)\min(t, T)/T)$: a linear ramp from `start_factor` to `end_factor` over
  `total_iters` steps (the warm-up). Chainable: at `t == 0` multiply by `start_factor`; keep the rate
  during the initial step (`self._is_initial`) and once `t > total_iters`; otherwise multiply by the
  ratio of consecutive factors, $1 + \frac{e - s}{T s + (t-1)(e - s)}$.
- **CosineAnnealingLR**`(optimizer, T_max, eta_min=0)`, closed form
  $\eta_{min} + \frac{1}{2}(\gamma_0 - \eta_{min})(1 + \cos(\pi t / T))$. Chainable, as PyTorch does:
  during the initial step keep the rate; otherwise
  $\text{lr} \leftarrow \eta_{min} + (\text{lr} - \eta_{min})\,\frac{1 + \cos(\pi t/T)}{1 + \cos(\pi (t-1)/T)}$,
  except where that ratio is $0/0$ (the previous step was the bottom of the cosine, `(t - 1 - T_max) % (2 * T_max) == 0`),
  where it adds the closed form's difference instead:
  $\text{lr} + (\gamma_0 - \eta_{min})(1 - \cos(\pi/T))/2$. Past `T_max` the cosine climbs again (PyTorch's
  schedule does not stop; set `T_max` to the length of training).

Return one rate per parameter group (`self.optimizer.param_groups`, with `self.base_lrs` in the same order).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "optimizers-schedules", "locked": false, "schema_version": 3, "solution": true}}
#| export
class StepLR(LRScheduler):
    """Multiply the learning rate by gamma every step_size steps."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        self.gamma = _real("gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """Chainable: the current rate times gamma at non-zero multiples of step_size, else unchanged."""
        ### BEGIN SOLUTION
        current = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return current
        return [lr * self.gamma for lr in current]
        ### END SOLUTION

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the learning rate linearly from start_factor to end_factor over total_iters steps (warm-up)."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        if not 0 < _real("start_factor", start_factor) <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor} (the rate at step 0 is "
                             "lr * start_factor)")
        if not 0 <= _real("end_factor", end_factor) <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = _positive_int("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """Chainable: see the markdown above."""
        ### BEGIN SOLUTION
        current = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in current]
        if self._is_initial or self.last_epoch > self.total_iters:
            return current
        change = self.end_factor - self.start_factor
        ratio = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [lr * ratio for lr in current]
        ### END SOLUTION

    def _get_closed_form_lr(self):
        fraction = min(self.total_iters, self.last_epoch) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * fraction
        return [base_lr * factor for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Anneal the learning rate from its base value to eta_min along half a cosine over T_max steps."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = _real("eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        """Chainable: see the markdown above."""
        ### BEGIN SOLUTION
        current = [group["lr"] for group in self.optimizer.param_groups]
        t, period, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return current
        if (t - 1 - period) % (2 * period) == 0:
            rise = (1 - math.cos(math.pi / period)) / 2
            return [lr + (base_lr - low) * rise for lr, base_lr in zip(current, self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [low + (lr - low) * ratio for lr in current]
        ### END SOLUTION

    def _get_closed_form_lr(self):
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]


# %% [markdown]
"""
### Testing the schedules

Your chainable `get_lr` must reproduce each closed form step after step, including the turn of the
cosine past `T_max`, and the classic *linear warm-up then cosine decay* built with `SequentialLR`.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "optimizers-schedules-tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
def _lr_sequence(make_scheduler, steps, lrs=(0.1, 0.02)):
    opt = _two_group_sgd(lrs)
    scheduler = make_scheduler(opt)
    out = [scheduler.get_last_lr()]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        out.append(scheduler.get_last_lr())
    return np.array(out)


def test_unit_schedules():
    steps = np.arange(13)[:, None]
    base = np.array([[0.1, 0.02]])
    np.testing.assert_allclose(_lr_sequence(lambda o: StepLR(o, step_size=3, gamma=0.5), 12),
                               base * 0.5 ** (steps // 3), rtol=1e-12)
    ramp = 0.25 + (1 - 0.25) * np.minimum(steps, 4) / 4
    np.testing.assert_allclose(_lr_sequence(lambda o: LinearLR(o, start_factor=0.25, total_iters=4), 12),
                               base * ramp, rtol=1e-12)
    t = np.arange(31)[:, None]
    cosine = 0.001 + (base - 0.001) * (1 + np.cos(np.pi * t / 10)) / 2       # 3 x T_max: down, up, down
    np.testing.assert_allclose(_lr_sequence(lambda o: CosineAnnealingLR(o, T_max=10, eta_min=0.001), 30),
                               cosine, rtol=1e-9)

    def warmup_then_cosine(opt):
        return SequentialLR(opt, [LinearLR(opt, start_factor=0.1, total_iters=3),
                                  CosineAnnealingLR(opt, T_max=6)], milestones=[3])
    seq = _lr_sequence(warmup_then_cosine, 9, lrs=(1.0,))[:, 0]
    expected = [0.1, 0.4, 0.7] + [(1 + np.cos(np.pi * k / 6)) / 2 for k in range(7)]
    np.testing.assert_allclose(seq, expected, rtol=1e-9, atol=1e-15)

    for make, fragment in ((lambda o: StepLR(o, step_size=0), "step_size"),
                           (lambda o: LinearLR(o, start_factor=0), "start_factor"),
                           (lambda o: CosineAnnealingLR(o, T_max=0), "T_max")):
        try:
            make(_two_group_sgd())
            raise AssertionError(f"a bad {fragment} must raise ValueError")
        except ValueError as exc:
            assert fragment in str(exc)
    ### BEGIN HIDDEN TESTS
    # chainable: a StepLR stacked on an ExponentialLR-like LambdaLR-free setup: two StepLRs compose
    opt = _two_group_sgd((1.0,))
    first, second = StepLR(opt, step_size=2, gamma=0.5), StepLR(opt, step_size=3, gamma=0.1)
    for _ in range(6):
        opt.step()
        first.step()
        second.step()
    np.testing.assert_allclose(opt.param_groups[0]["lr"], 0.5 ** 3 * 0.1 ** 2, rtol=1e-12)
    # decreasing LinearLR
    np.testing.assert_allclose(_lr_sequence(lambda o: LinearLR(o, 1.0, 0.5, total_iters=2), 3, lrs=(1.0,))[:, 0],
                               [1.0, 0.75, 0.5, 0.5], rtol=1e-12)
    ### END HIDDEN TESTS
    print("✅ StepLR, LinearLR, CosineAnnealingLR and warm-up + cosine match their closed forms")


test_unit_schedules()

# %% [markdown]
"""
## Part 5: Systems Analysis

### Computational Complexity

For a model with `P` parameters (numbers, not tensors), one optimizer step costs:

| optimizer | work per parameter and step | extra memory kept between steps | total training memory (params + grads + state) |
|---|---|---|---|
| SGD | `p -= lr * g`: a multiply and a subtract | none | 2P |
| SGD + momentum | plus the buffer update `b = mu * b + (1 - tau) * g` | 1 buffer: P | 3P |
| Adam / AdamW | two running averages, a square root, a division, bias corrections | `exp_avg` + `exp_avg_sq`: 2P | 4P |
| Adam + AMSGrad | plus a running maximum | 3P | 5P |

Time is O(P) for every optimizer and tiny next to forward and backward (which cost O(P) *per example*).
Memory is the real cost: Adam's state alone takes twice the memory of the parameters, on top of the
gradients. Every step also reads and writes all of that memory once, so the step is limited by memory
bandwidth, not by arithmetic. The cells below measure both, and then compare how fast each optimizer actually learns.
"""

# %% [markdown]
"""
### Memory: the state each optimizer keeps

**Build -> Measure -> Understand.** We give an MLP gradients, take one step with each optimizer, and
ask `tracemalloc` how many bytes are still allocated after the step (the state) and how many were
allocated at the peak (state plus the temporary arrays the update made).
"""

# %%
import tracemalloc

from tinytorch.core.layers import Linear, ReLU, Sequential


def optimizer_memory(make_optimizer, model):
    """(bytes kept after the first step, peak bytes during it) for a fresh optimizer on `model`."""
    params = list(model.parameters())
    for p in params:
        p.grad = Tensor(np.ones_like(p.data))
    optimizer = make_optimizer(params)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    optimizer.step()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return kept - before, peak - before


memory_model = Sequential(Linear(784, 512), ReLU(), Linear(512, 256), ReLU(), Linear(256, 10))
param_bytes = sum(p.data.nbytes for p in memory_model.parameters())
n_params = sum(p.numel() for p in memory_model.parameters())
print(f"model: {n_params:,} float32 parameters = {param_bytes / 2**20:.2f} MiB (the gradients take as much again)")
print(f"{'optimizer':<22}{'state kept':>12}{'copies of params':>18}{'peak during step':>18}")
memory_rows = {}
for label, make in [("SGD", lambda ps: SGD(ps, lr=0.1)),
                    ("SGD momentum=0.9", lambda ps: SGD(ps, lr=0.1, momentum=0.9)),
                    ("Adam", lambda ps: Adam(ps)),
                    ("AdamW", lambda ps: AdamW(ps)),
                    ("Adam amsgrad=True", lambda ps: Adam(ps, amsgrad=True))]:
    kept, peak = optimizer_memory(make, memory_model)
    memory_rows[label] = kept / param_bytes
    print(f"{label:<22}{kept / 2**20:>9.2f} MiB{kept / param_bytes:>18.2f}{peak / 2**20:>14.2f} MiB")
print(f"Understand: Adam keeps {memory_rows['Adam']:.2f} copies of the parameters, momentum SGD "
      f"{memory_rows['SGD momentum=0.9']:.2f}, plain SGD {memory_rows['SGD']:.2f}.")

# %% [markdown]
"""
The *state kept* column is the table's prediction measured: 0, 1, 2 and 3 copies of the parameters (plus
a little for the Python dicts that hold the state). The *peak* column is higher: expressions such as
`(lr / bc1) * m / denom` build temporary arrays as large as the parameter before the result is
subtracted. Fused implementations (PyTorch's `fused=True`) compute the whole update element by element
without those temporaries.

### Speed: one step, per parameter

Next we time `optimizer.step()` with `time.perf_counter` on the same model (best of several runs, to
ignore background load), and express it per parameter.
"""

# %%
import time


def time_step(optimizer, repeats=7):
    """Fastest of `repeats` timed steps, in seconds."""
    optimizer.step()                                   # the first step creates the state: not timed
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        optimizer.step()
        best = min(best, time.perf_counter() - start)
    return best


timing_params = list(memory_model.parameters())
print(f"{'optimizer':<22}{'ms / step':>10}{'ns / parameter':>16}{'vs SGD':>8}")
sgd_seconds = None
for label, make in [("SGD", lambda ps: SGD(ps, lr=1e-6)),
                    ("SGD momentum=0.9", lambda ps: SGD(ps, lr=1e-6, momentum=0.9)),
                    ("SGD nesterov", lambda ps: SGD(ps, lr=1e-6, momentum=0.9, nesterov=True)),
                    ("Adam", lambda ps: Adam(ps, lr=1e-6)),
                    ("AdamW", lambda ps: AdamW(ps, lr=1e-6))]:
    seconds = time_step(make(timing_params))
    sgd_seconds = sgd_seconds or seconds
    print(f"{label:<22}{seconds * 1e3:>10.3f}{seconds / n_params * 1e9:>16.2f}{seconds / sgd_seconds:>7.1f}x")

# %% [markdown]
"""
**Understand.** Adam costs several times more than SGD per step (the last column) because it makes
several passes over memory (two averages, a square root, a division, temporaries). Still, a step costs
O(P) once per batch, while forward and backward cost O(P) per *example* of the batch, so the optimizer's
share of training time is small. What limits Adam in large models is the memory table above, not this one.

### Convergence: the same problem, every optimizer

Memory and speed are only worth paying for if the optimizer learns faster. We train the same MLP
(64 -> 32 -> 10, same initial weights) on the training split of the UCI handwritten digits (grey images
of 8 x 8 pixels; the cell prints how many) with mini-batches of 128, the same batches in the same order for every optimizer, and record
each epoch's mean training loss. The learning rates are typical settings for each method, not tuned
ones. The plot is saved as a PNG in a temporary folder when matplotlib is installed; otherwise the
table printed below is the comparison.
"""

# %%
import tempfile
from pathlib import Path

from tinytorch.core.autograd import no_grad
from tinytorch.core.losses import cross_entropy
from tinytorch.datasets.digits import load_digits

train_images, train_labels = load_digits("train")
test_images, test_labels = load_digits("test")
batch_size, epochs = 128, 12
batches_per_epoch = len(train_images) // batch_size          # the last, partial batch is dropped
order_rng = np.random.default_rng(0)
epoch_orders = [order_rng.permutation(len(train_images)) for _ in range(epochs)]   # shared by every run
total_steps = epochs * batches_per_epoch
print(f"{len(train_images)} training images, {len(test_images)} test images; {batches_per_epoch} batches of "
      f"{batch_size} per epoch ({len(train_images) - batches_per_epoch * batch_size} images left out of each epoch)")


def make_mlp(seed=0):
    """The same initial weights for every optimizer."""
    model = Sequential(Linear(64, 32), ReLU(), Linear(32, 10))
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        p.data[...] = rng.uniform(-0.3, 0.3, size=p.shape).astype(np.float32)
    return model


def accuracy(model, images, labels):
    with no_grad():
        logits = np.concatenate([model(Tensor(images[i:i + batch_size].reshape(-1, 64))).data
                                 for i in range(0, len(images), batch_size)])
    return float((logits.argmax(axis=1) == labels).mean())


def train_losses(make_optimizer, make_scheduler=None):
    """Mean training loss of every epoch, and the final test accuracy."""
    model = make_mlp()
    optimizer = make_optimizer(model.parameters())
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    epoch_losses = []
    for order in epoch_orders:
        total = 0.0
        for b in range(batches_per_epoch):
            idx = order[b * batch_size:(b + 1) * batch_size]
            optimizer.zero_grad()
            loss = cross_entropy(model(Tensor(train_images[idx].reshape(-1, 64))), Tensor(train_labels[idx]))
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            total += loss.item()
        epoch_losses.append(total / batches_per_epoch)
    return epoch_losses, accuracy(model, test_images, test_labels)


def warmup_cosine(optimizer, warmup=10):
    return SequentialLR(optimizer, [LinearLR(optimizer, start_factor=0.1, total_iters=warmup),
                                    CosineAnnealingLR(optimizer, T_max=total_steps - warmup)], [warmup])


runs = {
    "SGD lr=0.1": (lambda ps: SGD(ps, lr=0.1), None),
    "SGD lr=0.1 momentum=0.9": (lambda ps: SGD(ps, lr=0.1, momentum=0.9), None),
    "SGD lr=0.1 Nesterov": (lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True), None),
    "Adam lr=0.01": (lambda ps: Adam(ps, lr=0.01), None),
    "AdamW lr=0.01 wd=0.01": (lambda ps: AdamW(ps, lr=0.01, weight_decay=0.01), None),
    "Adam lr=0.03 warm-up+cosine": (lambda ps: Adam(ps, lr=0.03), warmup_cosine),
}
start_time = time.perf_counter()
curves, accuracies = {}, {}
for label, (make_opt, make_sched) in runs.items():
    curves[label], accuracies[label] = train_losses(make_opt, make_sched)
print(f"trained {len(runs)} runs x {epochs} epochs x {batches_per_epoch} steps of {batch_size} images "
      f"in {time.perf_counter() - start_time:.1f} s")

shown_epochs = [1, 2, 3, 5, 8, epochs]
target_loss = 0.5


def epochs_to_reach(losses, level):
    """First epoch (1-based) whose mean loss is below `level`, or None."""
    return next((i + 1 for i, value in enumerate(losses) if value < level), None)


print(f"{'optimizer':<30}" + "".join(f"{'epoch ' + str(e):>9}" for e in shown_epochs)
      + f"{'test acc':>10}{'epochs to loss < ' + str(target_loss):>23}")
for label, losses in curves.items():
    reached = epochs_to_reach(losses, target_loss)
    print(f"{label:<30}" + "".join(f"{losses[e - 1]:>9.4f}" for e in shown_epochs) + f"{accuracies[label]:>10.1%}"
          + f"{reached if reached else 'not in ' + str(epochs):>23}")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
if plt is None:
    print("matplotlib is not installed: the table above is the comparison")
else:
    figure, axis = plt.subplots(figsize=(7, 4))
    for label, losses in curves.items():
        axis.plot(range(1, epochs + 1), losses, marker="o", markersize=3, label=label)
    axis.set_xlabel("epoch")
    axis.set_ylabel("mean training loss (cross-entropy)")
    axis.set_yscale("log")
    axis.set_title(f"Optimizers on the digits MLP (64-32-10), batches of {batch_size}")
    axis.legend(fontsize=8)
    figure.tight_layout()
    plot_path = Path(tempfile.mkdtemp(prefix="tinytorch-optimizers-")) / "convergence.png"
    figure.savefig(plot_path, dpi=100)
    plt.close(figure)
    print(f"plot saved to {plot_path}")
best_label = min(curves, key=lambda k: curves[k][-1])
print(f"lowest final loss: {best_label} ({curves[best_label][-1]:.4f}); "
      f"plain SGD ends at {curves['SGD lr=0.1'][-1]:.4f}")

# %% [markdown]
"""
**Understand.** Compare the rows, and especially the last column (how many epochs each optimizer needed
to bring the mean loss below 0.5). Plain SGD falls slowly and steadily. Momentum, with the same learning rate,
gets there in far fewer steps, because steps in a consistent direction add up. The Adam rows give every
weight a step of about `lr` whatever the size of its gradient. The warm-up run starts gently (its first
steps use a tenth of the rate) and the cosine tail lets it settle at the end. None of these rates were
tuned: how much of each gap is the method and how much is the chosen learning rate is exactly what the
ML Systems Thinking section asks you to think about. Run the module again with other rates and see
which rows move.

## Production Context

- **PyTorch's `torch.optim`** has the same structure you built: `Optimizer` with `param_groups`,
  `state` keyed by parameter, and `state_dict()` numbering parameters across groups. Its `step()` is
  decorated with `torch.no_grad()`, and each algorithm has three implementations: a per-tensor loop like
  ours, a `foreach` version that applies each operation to a whole list of tensors in one call (fewer
  kernel launches on GPUs), and a `fused` version that does the entire update of many tensors in one
  kernel, without the temporaries our peak-memory column showed.
- **Schedulers** in `torch.optim.lr_scheduler` are chainable like ours, and PyTorch warns when
  `scheduler.step()` is called before `optimizer.step()`. Large-model training almost always uses a
  linear warm-up followed by cosine (or linear) decay.
- **Memory is the bottleneck at scale.** Mixed-precision training keeps a float32 "master" copy of the
  float16/bfloat16 weights besides Adam's two float32 averages, so the optimizer's share of memory grows
  beyond what you measured here (ML Systems Thinking question 1 asks you to count it). Systems therefore shard
  optimizer state across GPUs (DeepSpeed ZeRO, PyTorch FSDP), store it in 8 bits (bitsandbytes'
  8-bit Adam), or use optimizers with smaller state (Adafactor factorises the second moment).
- **TensorFlow/Keras** have the same algorithms (`tf.keras.optimizers.SGD`, `Adam`, `AdamW`); a schedule
  there is a `LearningRateSchedule` object that the optimizer calls with the step number (a closed form),
  instead of a separate scheduler that writes into the optimizer.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_optimizer_base()
    test_unit_sgd()
    test_unit_adam()
    test_unit_scheduler_protocol()
    test_unit_schedules()
    print("🎉 All Optimizers tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. Your measurement showed Adam keeping two copies of the parameters. For a 7-billion-parameter model in
   float32, how many gigabytes do the parameters, gradients and Adam's state need together, and which
   of them could you shard across 8 GPUs without changing the maths?
2. The peak memory of a step was above the state kept. Which lines of your `Adam._update` create
   temporaries, and how would you rewrite them with NumPy's `out=` arguments to remove them?
3. In the convergence comparison every optimizer had one untuned learning rate. How would you design a
   fair comparison, and how many training runs would it cost?
4. Adam with L2 weight decay and AdamW gave different updates for the same `weight_decay`. For a weight
   whose gradients are large, which of the two actually shrinks it, and why?
5. Why does PyTorch compute each scheduled learning rate from the current one (chainable) instead of
   from the step number, and what breaks if a user changes `group["lr"]` by hand mid-training with a
   closed-form schedule?
6. `state_dict()` numbers parameters instead of naming them. What goes wrong if a checkpoint is loaded
   into an optimizer whose model lists its layers in a different order, and how would you detect it?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built `tinytorch.core.optimizers`, with PyTorch's names and semantics:
- `Optimizer`: parameter groups with their own hyper-parameters, lazily created per-parameter state,
  `zero_grad(set_to_none=True)`, `step(closure=None)`, `add_param_group`, and checkpoints as
  `state_dict()` / `load_state_dict()` holding only NumPy arrays and plain numbers, checked before loading;
- `SGD` with momentum, dampening, Nesterov and weight decay; `Adam` with bias correction and AMSGrad;
  `AdamW` with decoupled weight decay -- all updating parameters in place, in their own dtype, and
  skipping parameters without a gradient;
- chainable learning-rate schedules: `StepLR`, `LinearLR` (warm-up), `CosineAnnealingLR`, `LambdaLR`
  and `SequentialLR`, each reproducing its closed form.

You measured the state each optimizer keeps (none, one or two copies of the model, three with AMSGrad),
the time of a step, and how quickly each optimizer trains the same network.

**Next:** run `tito export` to write `tinytorch/core/optimizers.py`; the Training module puts model,
loss, optimizer and scheduler into a training loop with checkpoints.
"""
