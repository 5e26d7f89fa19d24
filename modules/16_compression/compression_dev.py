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
# Module 16: Compression

A trained network holds far more numbers than it needs. Most of its weights can be set to zero
(**pruning**), a small network can be taught to imitate a large one (**knowledge distillation**), and a
weight matrix can often be replaced by the product of two thin ones (**low-rank factorisation**). Each
trades a little accuracy for bytes, FLOPs or time, and each has a classic way to go wrong: pruned
weights that grow back during fine-tuning because nothing holds them at zero, a distillation loss with
its KL divergence the wrong way round or without its `T^2` factor, a "compressed" size computed on paper.

**Learning Objectives:**
- Prune by weight magnitude: per tensor, and globally with one threshold across layers.
- Keep pruned weights at exactly zero through fine-tuning with a mask re-applied after every step.
- Prune structurally (whole neurons or channels), so the network really gets smaller and faster.
- Write the distillation loss `T^2 * KL(teacher || student)` from Tensor ops, so autograd differentiates it.
- Factorise a `Linear` layer by SVD and predict its error from the discarded singular values.
- Measure it all on digits: sparsity by counting zeros, accuracy on held-out data, bytes on disk, time.

**How this module works.** Each step is a code cell to complete (between the solution markers), followed
at once by a graded test; `#| export` cells become `tinytorch/perf/compression.py` (`tito export 16`).
"""

# %% [markdown]
r"""
## Part 1: Mathematical Foundations

**Magnitude pruning.** A weight's magnitude $|w|$ is a cheap proxy for its importance. Pruning a fraction
$s$ (the *sparsity*) of the $n$ weights of a tensor sets the $k = \mathrm{round}(s \cdot n)$ smallest in
magnitude to zero. A boolean *mask* $m$ (True = kept) records the choice; the pruned tensor is $w \odot m$.
*Per layer*, every tensor loses the same fraction. *Globally*, one ranking spans all tensors: layers
with many small weights lose more, and the total is still exactly $k$.

**Why a mask.** Fine-tuning updates every weight, including the pruned ones: their gradients are not
zero, and Adam's momentum moves them even when a gradient is. After one step a pruned weight is no
longer zero. The mask must be applied again after **every** optimizer step.

**Structured pruning.** Removing a whole hidden neuron $j$ of `fc1 -> fc2` deletes row $j$ of `fc1.weight`
(and `fc1.bias[j]`) and column $j$ of `fc2.weight`. The matrices get smaller, so dense matmuls do less
work; unstructured zeros leave the matrix shape (and a dense matmul's time) unchanged.

**Distillation** (Hinton, Vinyals, Dean 2015). With logits $z$ and temperature $T$, the softened
distribution is $p_i = e^{z_i/T} / \sum_j e^{z_j/T}$. With $p$ from the teacher and $q$ from the student,

$$L_{KD} = T^2 \cdot \mathrm{KL}(p \,\|\, q) = T^2 \sum_i p_i (\log p_i - \log q_i)$$

averaged over the batch. The direction matters: the expectation is under the **teacher's** distribution
(what PyTorch's `kl_div(log_q, p)` computes). The gradient with respect to the student's logits is
$T (q - p) / N$: it shrinks like $1/T$, and the $T^2$ factor restores its scale so that changing $T$
does not change the balance against the ordinary cross-entropy.

**Low rank.** A weight $W$ ($m \times n$) with SVD $W = U \Sigma V^\top$ is best approximated at rank $r$
(Eckart-Young) by keeping the $r$ largest singular values: $W_r = (U_r \Sigma_r^{1/2})(\Sigma_r^{1/2} V_r^\top)$,
two layers of $r n$ and $m r$ weights instead of $m n$. The error is exactly
$\|W - W_r\|_F = \sqrt{\sum_{i>r} \sigma_i^2}$.

The cell below works these counts for the digits model used later.
"""

# %%
import numpy as np

m, n = 256, 256
for r in (8, 32, 64, 128):
    print(f"Linear({n}, {m}) at rank {r:3d}: {r * (n + m) + m:6d} parameters instead of {m * n + m} "
          f"({(r * (n + m) + m) / (m * n + m):.2f}x)")
w_demo = np.array([[0.5, -0.1], [0.02, -2.0]])
k_demo = int(round(0.5 * w_demo.size))
print(f"pruning 50% of {w_demo.tolist()}: the {k_demo} smallest magnitudes are "
      f"{np.sort(np.abs(w_demo).ravel())[:k_demo].tolist()}")

# %% [markdown]
"""
## Part 2: Building the tools

### Setup (given)

The package file imports what it builds on: `Tensor` (module 01), `Module`, `Parameter` and `Linear`
(module 03) and the numerically stable `softmax` / `log_softmax` (module 02).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "compression-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import copy

import numpy as np

from tinytorch.core.activations import log_softmax, softmax
from tinytorch.core.layers import Linear, Module, Parameter
from tinytorch.core.tensor import Tensor

__all__ = ["magnitude_mask", "global_magnitude_masks", "Pruner", "prune_neurons", "distillation_loss",
           "LowRankLinear", "low_rank_linear", "save_sparse", "load_sparse"]


# %% [markdown]
"""
### Step 1: A magnitude mask for one tensor

**Your task:** `magnitude_mask(weight, sparsity)` returns a boolean array of the weight's shape, True
where a weight is **kept**. Exactly `k = round(sparsity * weight.size)` entries are False: those with the
smallest `|w|`, ties broken by position (use a *stable* argsort of the flattened magnitudes). Raise
ValueError for a sparsity outside [0, 1] (given check).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "compression-magnitude-mask", "locked": false, "schema_version": 3, "solution": true}}
#| export
# Given: _values (the array of a Tensor or array) and _check_sparsity (the ValueError).
def _values(weight, what="weight"):
    """The NumPy array of a Tensor or array-like (given)."""
    values = weight._data if isinstance(weight, Tensor) else np.asarray(weight)
    if values.dtype.kind not in "fiu":
        raise TypeError(f"{what} must hold numbers, got dtype {values.dtype}")
    return values


def _check_sparsity(sparsity):
    """ValueError naming the value unless 0 <= sparsity <= 1 (given)."""
    if isinstance(sparsity, bool) or not isinstance(sparsity, (int, float)) or not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity must be a number in [0, 1] (the fraction of weights set to zero), "
                         f"got {sparsity!r}")


# ---- your part --------------------------------------------------------------------------------------
def magnitude_mask(weight, sparsity):
    """Boolean keep-mask (weight's shape) pruning the round(sparsity * size) smallest |w| (stable ties).

    weight: a Tensor or array. Raises ValueError "sparsity must be a number in [0, 1] ..." otherwise.
    """
    values = _values(weight)
    _check_sparsity(sparsity)
    ### BEGIN SOLUTION
    k = int(round(sparsity * values.size))
    order = np.argsort(np.abs(values), axis=None, kind="stable")
    keep = np.ones(values.size, dtype=bool)
    keep[order[:k]] = False
    return keep.reshape(values.shape)
    ### END SOLUTION

# %% [markdown]
"""
### Testing `magnitude_mask`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "compression-magnitude-mask-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_magnitude_mask():
    w = np.array([[0.5, -0.1], [0.02, -2.0]], dtype=np.float32)
    mask = magnitude_mask(w, 0.5)
    assert mask.dtype == np.bool_ and mask.shape == (2, 2), f"a boolean mask of the weight's shape, got {mask}"
    assert mask.tolist() == [[True, False], [False, True]], f"-0.1 and 0.02 are the smallest |w|: {mask}"
    assert magnitude_mask(Tensor(w), 0.0).all() and not magnitude_mask(w, 1.0).any()
    w3 = np.random.default_rng(0).standard_normal((4, 5, 3))
    assert (~magnitude_mask(w3, 0.3)).sum() == 18, "exactly round(0.3 * 60) = 18 weights are pruned"
    try:
        magnitude_mask(w, 1.5)
        raise AssertionError("sparsity 1.5 must raise ValueError")
    except ValueError as exc:
        assert "1.5" in str(exc)
    ### BEGIN HIDDEN TESTS
    ties = np.ones(6)
    assert magnitude_mask(ties, 0.5).tolist() == [False] * 3 + [True] * 3, "ties: stable, by position"
    neg = -np.arange(1.0, 11.0)
    assert magnitude_mask(neg, 0.2).tolist() == [False, False] + [True] * 8, "magnitude, not signed value"
    assert (~magnitude_mask(np.arange(7.0), 0.5)).sum() == 4, "round(3.5) = 4"
    ### END HIDDEN TESTS
    print("✅ magnitude_mask prunes exactly the smallest magnitudes")


test_unit_magnitude_mask()

# %% [markdown]
"""
### Step 2: One threshold for all layers

**Your task:** `global_magnitude_masks(weights, sparsity)` takes a dict `{name: weight}` and returns
`{name: mask}` (same names, same order) where **one** ranking of all magnitudes of all tensors decides:
exactly `round(sparsity * total)` entries are pruned overall (stable ties, in the dict's order). A layer
whose weights are all small may lose all of them; one with large weights may lose none.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "compression-global-masks", "locked": false, "schema_version": 3, "solution": true}}
#| export
def global_magnitude_masks(weights, sparsity):
    """{name: keep-mask} for a dict {name: weight}, pruning the round(sparsity * total) smallest |w| overall.

    One global ranking (stable argsort of all magnitudes concatenated in the dict's order), not one per
    tensor. Raises ValueError for a sparsity outside [0, 1] or an empty dict.
    """
    _check_sparsity(sparsity)
    if not weights:
        raise ValueError("global_magnitude_masks needs at least one weight")
    arrays = {name: _values(w, name) for name, w in weights.items()}
    ### BEGIN SOLUTION
    magnitudes = np.concatenate([np.abs(a).ravel() for a in arrays.values()])
    k = int(round(sparsity * magnitudes.size))
    keep = np.ones(magnitudes.size, dtype=bool)
    keep[np.argsort(magnitudes, kind="stable")[:k]] = False
    masks, start = {}, 0
    for name, a in arrays.items():
        masks[name] = keep[start:start + a.size].reshape(a.shape)
        start += a.size
    return masks
    ### END SOLUTION

# %% [markdown]
"""
### Testing `global_magnitude_masks`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "compression-global-masks-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_global_masks():
    small = np.full((2, 3), 0.01, dtype=np.float32)
    large = np.arange(1.0, 7.0, dtype=np.float32).reshape(3, 2)
    masks = global_magnitude_masks({"a": small, "b": large}, 0.5)
    assert list(masks) == ["a", "b"], "same names, same order"
    assert not masks["a"].any(), f"one global threshold prunes the whole small layer: {masks['a']}"
    assert masks["b"].all(), f"and none of the large one: {masks['b']}"
    rng = np.random.default_rng(1)
    ws = {"x": rng.standard_normal((10, 10)), "y": 3 * rng.standard_normal((5, 4))}
    total = sum((~m).sum() for m in global_magnitude_masks(ws, 0.7).values())
    assert total == 84, f"exactly round(0.7 * 120) = 84 pruned overall, got {total}"
    ### BEGIN HIDDEN TESTS
    one = global_magnitude_masks({"only": ws["x"]}, 0.3)
    assert np.array_equal(one["only"], magnitude_mask(ws["x"], 0.3)), "one tensor: same as magnitude_mask"
    m2 = global_magnitude_masks({"p": -large, "q": small}, 0.25)
    assert m2["p"].all() and (~m2["q"]).sum() == 3, "magnitudes, not signed values"
    assert all(m.dtype == np.bool_ for m in m2.values())
    ### END HIDDEN TESTS
    print("✅ global_magnitude_masks ranks all layers together")


test_unit_global_masks()

# %% [markdown]
"""
### Step 3: A mask that holds through fine-tuning

`Pruner(model, sparsity, scope)` prunes the 2-D weights (`...weight` parameters with `ndim >= 2`) of a
model. The constructor (given) picks the parameters, computes the masks and applies them once. The
training loop then calls `pruner.apply()` **after every `optimizer.step()`**: an explicit call, so
neither the optimizer nor the layers are changed. `sparsity()` (given) counts the weights that are
exactly zero; it does not trust the masks.

**Your task:**
- `compute_masks(sparsity, scope)`: `"global"` -> `global_magnitude_masks` over `self.params`;
  `"layer"` -> `magnitude_mask` for each parameter.
- `apply()`: for every pruned parameter, set the pruned entries of its `._data` to exactly 0.0 **in
  place**, and the same entries of its `.grad` when it has one. It must do so every time it is called.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "compression-pruner", "locked": false, "schema_version": 3, "solution": true}}
#| export
class Pruner:
    """Magnitude pruning of a model's 2-D weights, kept exact by calling apply() after every optimizer step.

    Pruner(model, sparsity, scope="global" | "layer"). Raises ValueError for another scope (naming it),
    for a sparsity outside [0, 1], or for a model without 2-D weights.
    """

    def __init__(self, model, sparsity, scope="global"):
        if scope not in ("global", "layer"):
            raise ValueError(f"scope must be 'global' or 'layer', got {scope!r}")
        self.params = {name: p for name, p in model.named_parameters()
                       if name.split(".")[-1] == "weight" and p.ndim >= 2}
        if not self.params:
            raise ValueError(f"{type(model).__name__} has no 2-D weight to prune")
        self.masks = self.compute_masks(sparsity, scope)
        self.apply()

    def compute_masks(self, sparsity, scope):
        """{name: keep-mask} for self.params, one global ranking or one per layer."""
        ### BEGIN SOLUTION
        if scope == "global":
            return global_magnitude_masks(self.params, sparsity)
        return {name: magnitude_mask(p, sparsity) for name, p in self.params.items()}
        ### END SOLUTION

    def apply(self):
        """Zero every pruned weight (and its gradient, if any) in place. Call after every optimizer.step()."""
        ### BEGIN SOLUTION
        for name, p in self.params.items():
            pruned = ~self.masks[name]
            p._data[pruned] = 0.0
            if p.grad is not None:
                p.grad._data[pruned] = 0.0
        ### END SOLUTION

    def sparsity(self):
        """Fraction of the pruned parameters' entries that are exactly zero now (counted, given)."""
        zeros = sum(int((p._data == 0).sum()) for p in self.params.values())
        return zeros / sum(p._data.size for p in self.params.values())

    def layer_sparsity(self):
        """{name: fraction of exact zeros} per pruned parameter (given)."""
        return {name: float((p._data == 0).mean()) for name, p in self.params.items()}

# %% [markdown]
"""
### Testing `Pruner`

The test trains with Adam (whose momentum moves even weights with a zero gradient) and checks that the
pruned weights are still exactly zero after each step.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "compression-pruner-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_pruner():
    from tinytorch.core.layers import ReLU, Sequential
    from tinytorch.core.optimizers import Adam
    from tinytorch.core.tensor import manual_seed
    manual_seed(0)
    net = Sequential(Linear(6, 8), ReLU(), Linear(8, 3))
    pruner = Pruner(net, 0.75, scope="layer")
    assert set(pruner.params) == {"0.weight", "2.weight"}, f"only 2-D weights: {list(pruner.params)}"
    assert pruner.layer_sparsity() == {"0.weight": 0.75, "2.weight": 0.75}, pruner.layer_sparsity()
    before = {n: p._data.copy() for n, p in pruner.params.items()}
    opt = Adam(net.parameters(), lr=0.05)
    x = Tensor(np.random.default_rng(0).standard_normal((16, 6)).astype(np.float32))
    for step in range(3):
        opt.zero_grad()
        (net(x) ** 2).mean().backward()
        opt.step()
        pruner.apply()
        for name, p in pruner.params.items():
            assert (p._data[~pruner.masks[name]] == 0).all(), f"step {step}: pruned weights of {name} grew back"
    assert pruner.sparsity() == 0.75
    assert any(not np.allclose(p._data[pruner.masks[n]], before[n][pruner.masks[n]])
               for n, p in pruner.params.items()), "kept weights still train"
    glob = Pruner(Sequential(Linear(4, 4), Linear(4, 2)), 0.5)
    assert abs(glob.sparsity() - 0.5) < 1e-9 and glob.masks.keys() == glob.params.keys()
    ### BEGIN HIDDEN TESTS
    manual_seed(3)
    net2 = Sequential(Linear(5, 5), ReLU(), Linear(5, 2))
    net2[0].weight._data *= 100.0
    g = Pruner(net2, 10 / 35)
    assert g.layer_sparsity()["0.weight"] == 0.0 and g.layer_sparsity()["2.weight"] == 1.0, \
        f"scope='global' ranks the layers together: {g.layer_sparsity()}"
    opt2 = Adam(net2.parameters(), lr=0.1)
    for _ in range(2):
        opt2.zero_grad()
        (net2(Tensor(np.ones((3, 5), dtype=np.float32))) ** 2).sum().backward()
        opt2.step()
        g.apply()
    assert abs(g.sparsity() - 10 / 35) < 1e-12, "applied after every step, even the second"
    assert (net2[2].weight.grad._data == 0).all(), "the pruned gradients are zeroed too"
    try:
        Pruner(net2, 0.5, scope="channel")
        raise AssertionError("an unknown scope must raise ValueError")
    except ValueError as exc:
        assert "channel" in str(exc)
    ### END HIDDEN TESTS
    print("✅ Pruner keeps pruned weights at exactly zero through Adam steps")


test_unit_pruner()

# %% [markdown]
"""
### Step 4: Structured pruning (whole neurons or channels)

**Your task:** `prune_neurons(fc_in, fc_out, amount)` removes `round(amount * hidden)` hidden neurons
between two `Linear` layers (or output channels between two `Conv2d` layers: `hidden` is
`fc_in.weight.shape[0]` either way), keeping those whose slice `fc_in.weight[j]` has the largest L2
norm over all its entries (stable ties), **in their original order**. It returns `(new_in, new_out,
kept)`: two new layers built with the given `_with_weights(layer, weight, bias)` (`new_in` gets the kept
`fc_in.weight[kept]` and bias entries; `new_out` gets `fc_out.weight[:, kept]` and all of its bias) and
the kept indices as a sorted int array. At least one neuron is always kept. The old layers must not
change.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "compression-structured", "locked": false, "schema_version": 3, "solution": true}}
#| export
def _widths(layer):
    """(inputs, outputs) of a Linear (features) or a Conv2d with groups=1 (channels) (given)."""
    if hasattr(layer, "out_features"):
        return layer.in_features, layer.out_features
    if hasattr(layer, "out_channels") and getattr(layer, "groups", 1) == 1:
        return layer.in_channels, layer.out_channels
    raise TypeError(f"prune_neurons handles Linear and Conv2d (groups=1) layers, got {layer!r}")


def _with_weights(layer, weight, bias):
    """A copy of `layer` holding copies of weight and bias, its width attributes updated (given)."""
    new = copy.deepcopy(layer)
    new.weight = Parameter(np.array(weight, copy=True))
    if bias is not None:
        new.bias = Parameter(np.array(bias, copy=True))
    names = ("in_features", "out_features") if hasattr(layer, "out_features") else ("in_channels", "out_channels")
    setattr(new, names[0], weight.shape[1])
    setattr(new, names[1], weight.shape[0])
    return new


def prune_neurons(fc_in, fc_out, amount):
    """Remove the round(amount * hidden) hidden neurons (Linear) or channels (Conv2d) of smallest L2 norm.

    The norm of neuron j is that of fc_in.weight[j] (all its entries). Returns (new_in, new_out, kept):
    new layers and the sorted kept indices. Raises ValueError when fc_out's inputs != fc_in's outputs
    (naming both) or amount is outside [0, 1]; TypeError for another layer type.
    """
    _check_sparsity(amount)
    if _widths(fc_out)[0] != _widths(fc_in)[1]:
        raise ValueError(f"prune_neurons: fc_in has {_widths(fc_in)[1]} outputs but fc_out expects "
                         f"{_widths(fc_out)[0]} inputs")
    ### BEGIN SOLUTION
    w_in = fc_in.weight._data
    hidden = w_in.shape[0]
    n_keep = max(1, hidden - int(round(amount * hidden)))
    norms = np.sqrt((w_in.reshape(hidden, -1).astype(np.float64) ** 2).sum(axis=1))
    kept = np.sort(np.argsort(-norms, kind="stable")[:n_keep])
    bias_in = None if fc_in.bias is None else fc_in.bias._data[kept]
    bias_out = None if fc_out.bias is None else fc_out.bias._data
    new_in = _with_weights(fc_in, w_in[kept], bias_in)
    new_out = _with_weights(fc_out, fc_out.weight._data[:, kept], bias_out)
    return new_in, new_out, kept
    ### END SOLUTION

# %% [markdown]
"""
### Testing `prune_neurons`

Neurons whose incoming weights are all zero output a constant `relu(bias)`; with zero biases they output
0, so removing them must leave the network's function exactly unchanged.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "compression-structured-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_prune_neurons():
    from tinytorch.core.activations import relu
    from tinytorch.core.tensor import manual_seed
    manual_seed(1)
    fc1, fc2 = Linear(5, 6), Linear(6, 3)
    fc1.weight._data[[1, 4]] = 0.0
    fc1.bias._data[[1, 4]] = 0.0
    w1_before = fc1.weight._data.copy()
    new1, new2, kept = prune_neurons(fc1, fc2, 2 / 6)
    assert kept.tolist() == [0, 2, 3, 5], f"the zero rows 1 and 4 go, order is kept: {kept}"
    assert new1.weight.shape == (4, 5) and new1.bias.shape == (4,) and new2.weight.shape == (3, 4)
    x = Tensor(np.random.default_rng(2).standard_normal((7, 5)).astype(np.float32))
    assert np.allclose(new2(relu(new1(x)))._data, fc2(relu(fc1(x)))._data, atol=1e-6), "same function"
    assert np.array_equal(fc1.weight._data, w1_before), "the old layers are not changed"
    new1.weight._data[0, 0] = 123.0
    assert fc1.weight._data[0, 0] != 123.0, "copies, not views"
    ### BEGIN HIDDEN TESTS
    fc3 = Linear(3, 4)
    fc3.weight._data[:] = np.array([[1, 0, 0], [0, 3, 0], [0, 0, 2], [0.5, 0, 0]], dtype=np.float32)
    a, b, k = prune_neurons(fc3, Linear(4, 2), 0.5)
    assert k.tolist() == [1, 2], f"largest L2 row norms are rows 1 and 2: {k}"
    _, _, k_all = prune_neurons(fc3, Linear(4, 2), 1.0)
    assert len(k_all) == 1, "at least one neuron is kept"
    from tinytorch.core.spatial import Conv2d
    c1, c2 = Conv2d(2, 4, 3, padding=1), Conv2d(4, 3, 3)
    c1.weight._data[[0, 3]] = 0.0
    c1.bias._data[[0, 3]] = 0.0
    n1, n2, kc = prune_neurons(c1, c2, 0.5)
    assert kc.tolist() == [1, 2] and n1.weight.shape == (2, 2, 3, 3) and n2.weight.shape == (3, 2, 3, 3)
    xi = Tensor(np.random.default_rng(8).standard_normal((2, 2, 6, 6)).astype(np.float32))
    assert np.allclose(n2(relu(n1(xi)))._data, c2(relu(c1(xi)))._data, atol=1e-5), "Conv2d channels too"
    try:
        prune_neurons(fc3, Linear(5, 2), 0.5)
        raise AssertionError("mismatched layers must raise ValueError")
    except ValueError as exc:
        assert "4" in str(exc) and "5" in str(exc)
    ### END HIDDEN TESTS
    print("✅ prune_neurons removes whole neurons and keeps the function of what remains")


test_unit_prune_neurons()

# %% [markdown]
"""
### Step 5: The distillation loss, through autograd

**Your task:** `distillation_loss(student_logits, teacher_logits, temperature)` returns a 0-d Tensor,

    T^2 * (1/N) * sum over rows and classes of  p * (log p - log q)

with `p = softmax(teacher / T)`, `q = softmax(student / T)` along dim 1, and `N` the number of rows
(PyTorch's `kl_div(..., reduction="batchmean")` times `T^2`). Build it from Tensor ops (`log_softmax`,
`softmax`, `*`, `-`, `.sum()`) so that the gradient reaches the student. The teacher is a fixed target:
use `teacher_logits.detach()` (given) so no gradient flows into it. Its gradient with respect to the
student's logits is `T * (q - p) / N`. Shape and temperature checks are given: ValueError naming both
shapes, ValueError naming a temperature that is not positive.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "compression-distill", "locked": false, "schema_version": 3, "solution": true}}
#| export
def distillation_loss(student_logits, teacher_logits, temperature=4.0):
    """T^2 * KL(softmax(teacher/T) || softmax(student/T)), averaged over the N rows; a 0-d Tensor.

    student_logits, teacher_logits: Tensors of the same shape (N, C). The teacher is detached.
    Raises ValueError "... shapes ..." naming both shapes, ValueError naming a temperature <= 0.
    """
    if not isinstance(student_logits, Tensor) or not isinstance(teacher_logits, Tensor):
        raise TypeError("distillation_loss expects Tensors of logits")
    if student_logits.shape != teacher_logits.shape or student_logits.ndim != 2:
        raise ValueError(f"distillation_loss expects student and teacher logits of the same shape (N, C); "
                         f"got shapes {tuple(student_logits.shape)} and {tuple(teacher_logits.shape)}")
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature!r}")
    teacher = teacher_logits.detach()
    ### BEGIN SOLUTION
    t = float(temperature)
    log_p = log_softmax(teacher / t, dim=1)
    p = softmax(teacher / t, dim=1)
    log_q = log_softmax(student_logits / t, dim=1)
    kl = (p * (log_p - log_q)).sum() / student_logits.shape[0]
    return kl * (t * t)
    ### END SOLUTION

# %% [markdown]
"""
### Testing `distillation_loss`

The value is checked against the formula in NumPy, and the gradient against `T * (q - p) / N`: a
reversed KL or a missing `T^2` gives other numbers.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "compression-distill-tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
def _np_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_unit_distillation_loss():
    rng = np.random.default_rng(4)
    s_np, t_np = rng.standard_normal((5, 4)) * 3, rng.standard_normal((5, 4)) * 3
    for temp in (1.0, 4.0):
        student = Tensor(s_np.copy(), requires_grad=True)
        teacher = Tensor(t_np.copy(), requires_grad=True)
        loss = distillation_loss(student, teacher, temp)
        p, q = _np_softmax(t_np / temp), _np_softmax(s_np / temp)
        expected = temp ** 2 * (p * (np.log(p) - np.log(q))).sum() / 5
        assert loss.shape == () and np.isclose(loss.item(), expected, rtol=1e-6), \
            f"T={temp}: {loss.item()} != T^2 * KL(p || q) = {expected}"
        loss.backward()
        assert np.allclose(student.grad._data, temp * (q - p) / 5, atol=1e-8), "gradient T * (q - p) / N"
        assert teacher.grad is None, "the teacher is a fixed target: no gradient flows into it"
    same = Tensor(s_np)
    assert abs(distillation_loss(same, same, 2.0).item()) < 1e-9, "KL(p || p) = 0"
    try:
        distillation_loss(Tensor(s_np), Tensor(t_np[:, :3]), 2.0)
        raise AssertionError("different shapes must raise ValueError")
    except ValueError as exc:
        assert "(5, 4)" in str(exc) and "(5, 3)" in str(exc)
    ### BEGIN HIDDEN TESTS
    s2 = rng.standard_normal((3, 6)) * 5
    t2 = np.array([[10.0, 0, 0, 0, 0, -10], [0, 0, 9, 0, 0, 0], [1, 2, 3, 4, 5, 6]])
    for temp in (0.5, 2.0, 8.0):
        st = Tensor(s2.copy(), requires_grad=True)
        loss = distillation_loss(st, Tensor(t2), temp)
        p, q = _np_softmax(t2 / temp), _np_softmax(s2 / temp)
        assert np.isclose(loss.item(), temp ** 2 * (p * (np.log(p) - np.log(q))).sum() / 3, rtol=1e-6)
        loss.backward()
        assert np.allclose(st.grad._data, temp * (q - p) / 3, atol=1e-8)
    try:
        distillation_loss(Tensor(s2), Tensor(t2), 0.0)
        raise AssertionError("temperature 0 must raise ValueError")
    except ValueError as exc:
        assert "0" in str(exc)
    ### END HIDDEN TESTS
    print("✅ distillation_loss is T^2 * KL(teacher || student), with the right gradient")


test_unit_distillation_loss()

# %% [markdown]
"""
### Step 6: Low-rank factorisation by SVD

**Your task:** `low_rank_linear(layer, rank)` returns a `LowRankLinear` (given class: `first`, a
`Linear(in, rank, bias=False)`, then `second`, a `Linear(rank, out)`) whose product of weights is the
best rank-`rank` approximation of `layer.weight`: with `U, S, Vt = np.linalg.svd(W, full_matrices=False)`
(computed in float64), `first.weight = sqrt(S_r)[:, None] * Vt_r` and `second.weight = U_r * sqrt(S_r)`,
cast back to the layer's dtype; `second.bias` is a copy of the layer's bias. The rank check is given:
ValueError naming the rank and the largest possible one, `min(in, out)`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "compression-low-rank", "locked": false, "schema_version": 3, "solution": true}}
#| export
class LowRankLinear(Module):
    """x -> second(first(x)): a Linear(in, out) factorised as Linear(in, rank, bias=False), Linear(rank, out)."""

    def __init__(self, in_features, out_features, rank, bias=True, dtype=None):
        super().__init__()
        self.first = Linear(in_features, rank, bias=False, dtype=dtype)
        self.second = Linear(rank, out_features, bias=bias, dtype=dtype)

    def forward(self, x):
        return self.second(self.first(x))


def low_rank_linear(layer, rank):
    """The best rank-`rank` factorisation (truncated SVD) of a Linear layer, as a LowRankLinear.

    Raises ValueError naming the rank unless it is an int in [1, min(in_features, out_features)].
    """
    limit = min(layer.in_features, layer.out_features)
    if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or not 1 <= rank <= limit:
        raise ValueError(f"rank must be an integer from 1 to min(in_features, out_features) = {limit}, "
                         f"got {rank!r}")
    dtype = layer.weight.dtype
    out = LowRankLinear(layer.in_features, layer.out_features, int(rank), bias=layer.bias is not None,
                        dtype=dtype)
    ### BEGIN SOLUTION
    u, s, vt = np.linalg.svd(layer.weight._data.astype(np.float64), full_matrices=False)
    root = np.sqrt(s[:rank])
    out.first.weight = Parameter((root[:, None] * vt[:rank]).astype(dtype))
    out.second.weight = Parameter((u[:, :rank] * root).astype(dtype))
    if layer.bias is not None:
        out.second.bias = Parameter(layer.bias._data.copy())
    return out
    ### END SOLUTION

# %% [markdown]
"""
### Testing `low_rank_linear`

Eckart-Young gives the error exactly: `||W - W_r||_F` equals the root of the sum of the squared
discarded singular values.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "compression-low-rank-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_low_rank():
    from tinytorch.core.tensor import manual_seed
    manual_seed(5)
    layer = Linear(12, 8, dtype=np.float64)
    sv = np.linalg.svd(layer.weight._data, compute_uv=False)
    for r in (1, 3, 8):
        lr = low_rank_linear(layer, r)
        product = lr.second.weight._data @ lr.first.weight._data
        err = np.linalg.norm(layer.weight._data - product)
        assert np.isclose(err, np.sqrt((sv[r:] ** 2).sum()), atol=1e-9), f"rank {r}: error {err} is not optimal"
        n_params = sum(p._data.size for p in lr.parameters())
        assert n_params == r * (12 + 8) + 8, f"rank {r}: {n_params} parameters"
    x = Tensor(np.random.default_rng(6).standard_normal((4, 12)))
    assert np.allclose(low_rank_linear(layer, 8)(x)._data, layer(x)._data, atol=1e-9), "full rank is exact"
    try:
        low_rank_linear(layer, 9)
        raise AssertionError("rank 9 > min(12, 8) must raise ValueError")
    except ValueError as exc:
        assert "9" in str(exc) and "8" in str(exc)
    ### BEGIN HIDDEN TESTS
    l32 = Linear(6, 10)
    f = low_rank_linear(l32, 2)
    assert f.first.weight.dtype == np.float32 and f.first.weight.shape == (2, 6) and f.second.weight.shape == (10, 2)
    s32 = np.linalg.svd(l32.weight._data.astype(np.float64), compute_uv=False)
    assert np.allclose(np.linalg.svd(f.first.weight._data.astype(np.float64), compute_uv=False), np.sqrt(s32[:2]),
                       rtol=1e-5), "the singular values are split evenly: sqrt(S) on each side"
    assert np.array_equal(f.second.bias._data, l32.bias._data)
    ### END HIDDEN TESTS
    print("✅ low_rank_linear is the best rank-r approximation, with r(in + out) + out parameters")


test_unit_low_rank()

# %% [markdown]
"""
### Step 7: Sparse weights on disk

A pruned tensor stored densely takes as many bytes as before. **Your task:** `save_sparse(path, state)`
writes a dict `{name: array}` with `np.savez_compressed`, three entries per array: `name + "::shape"`
(an int64 array), `name + "::mask"` (`np.packbits` of the flattened `array != 0`: one bit per entry)
and `name + "::values"` (the non-zero entries, in order, in the array's dtype). `load_sparse(path)`
rebuilds `{name: array}` exactly (same dtypes, shapes and values).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "compression-sparse-save", "locked": false, "schema_version": 3, "solution": true}}
#| export
def save_sparse(path, state):
    """Write {name: array} as shape, packed bit mask of non-zeros and non-zero values (np.savez_compressed)."""
    ### BEGIN SOLUTION
    entries = {}
    for name, value in state.items():
        a = _values(value, name)
        nonzero = a.ravel() != 0
        entries[name + "::shape"] = np.array(a.shape, dtype=np.int64)
        entries[name + "::mask"] = np.packbits(nonzero)
        entries[name + "::values"] = a.ravel()[nonzero]
    np.savez_compressed(path, **entries)
    ### END SOLUTION


def load_sparse(path):
    """{name: array} written by save_sparse, rebuilt exactly."""
    ### BEGIN SOLUTION
    state = {}
    with np.load(path, allow_pickle=False) as f:
        names = [key[:-len("::shape")] for key in f.files if key.endswith("::shape")]
        for name in names:
            shape = tuple(int(d) for d in f[name + "::shape"])
            values = f[name + "::values"]
            size = int(np.prod(shape))
            nonzero = np.unpackbits(f[name + "::mask"], count=size).astype(bool)
            a = np.zeros(size, dtype=values.dtype)
            a[nonzero] = values
            state[name] = a.reshape(shape)
    return state
    ### END SOLUTION

# %% [markdown]
"""
### Testing `save_sparse` and `load_sparse`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "compression-sparse-save-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_sparse_save():
    import os
    import tempfile
    rng = np.random.default_rng(7)
    w = rng.standard_normal((50, 40)).astype(np.float32)
    w[~magnitude_mask(w, 0.9)] = 0.0
    state = {"fc.weight": w, "fc.bias": rng.standard_normal(7), "empty": np.zeros((3, 0), np.float32)}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sparse.npz")
        save_sparse(path, state)
        back = load_sparse(path)
        with np.load(path) as f:
            assert f["fc.weight::mask"].dtype == np.uint8 and f["fc.weight::mask"].size == 250, "one bit per entry"
            assert f["fc.weight::values"].size == 200, "only the non-zero values"
        assert set(back) == set(state)
        for name in state:
            assert back[name].dtype == state[name].dtype and np.array_equal(back[name], state[name]), name
        dense, sparse = os.path.join(tmp, "dense.npy"), os.path.join(tmp, "w.npz")
        np.save(dense, w)
        save_sparse(sparse, {"w": w})
        assert os.path.getsize(sparse) < os.path.getsize(dense) / 3, "90% zeros: the sparse file is smaller"
    ### BEGIN HIDDEN TESTS
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "s.npz")
        odd = np.array([[0.0, -1.5, 0.0], [2.5, 0.0, 0.0], [0.0, 0.0, 7.0]])
        save_sparse(path, {"a.b": odd, "i": np.array([0, 3, 0, 0, 0, 0, 0, 0, 9], dtype=np.int64)})
        back = load_sparse(path)
        assert np.array_equal(back["a.b"], odd) and back["a.b"].dtype == np.float64
        assert back["i"].tolist() == [0, 3, 0, 0, 0, 0, 0, 0, 9]
    ### END HIDDEN TESTS
    print("✅ save_sparse / load_sparse round-trip exactly")


test_unit_sparse_save()

# %% [markdown]
"""
## Part 3: Systems Analysis

### Computational Complexity

For a `Linear(n, m)` layer (weight `m x n`) and a batch of `B` rows:

| method | parameters | forward FLOPs (dense kernels) | bytes stored |
|---|---|---|---|
| dense | `m*n + m` | `2*B*m*n` | `4*m*n` (float32) |
| unstructured, sparsity `s` | `(1-s)*m*n` non-zero | still `2*B*m*n`: a dense matmul multiplies the zeros too | `m*n/8` (bit mask) `+ 4*(1-s)*m*n` |
| structured, `h` of `m` neurons kept | `h*n + h` (and the next layer loses columns) | `2*B*h*n` | `4*h*n` |
| low rank `r` | `r*(n+m) + m` | `2*B*r*(n+m)` | `4*r*(n+m)` |
| masking after a step | - | `O(m*n)` per step (one pass over the weights) | one bool per weight (`m*n` bytes) |

Computing a mask sorts the magnitudes: `O(N log N)` for `N` weights (globally, all layers at once).
Distillation adds one teacher forward pass per batch (no teacher backward: the teacher is detached).

### The digits model

Everything below runs on the 8 x 8 digits shipped with tinytorch (its fixed train/test split) with a
fixed seed, BLAS pinned to one thread (on a shared machine, BLAS threads competing for the cores made
this small model's training many times slower). The training loop is written out so that you can see where
`pruner.apply()` goes: right after `optimizer.step()`.
"""


# %%
import os
import tempfile
import time
import tracemalloc

from tinytorch.core.autograd import no_grad
from tinytorch.core.layers import ReLU, Sequential
from tinytorch.core.losses import cross_entropy
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import Generator, manual_seed
from tinytorch.core.training import minibatches
from tinytorch.datasets import load_digits
from tinytorch.utils.timing import pinned_blas_threads

x_train, y_train = load_digits("train")
x_test, y_test = load_digits("test")
x_train, x_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
print(f"digits: {len(x_train)} training and {len(x_test)} test images of 64 pixels")


def fit(model, epochs, lr=3e-3, pruner=None, teacher=None, temperature=4.0, alpha=0.5, seed=0):
    """Adam on cross-entropy (mixed with distillation from `teacher` when given); pruner.apply() per step."""
    opt = Adam(model.parameters(), lr=lr)
    gen = Generator().manual_seed(seed)
    model.train()
    with pinned_blas_threads(1):
        for _ in range(epochs):
            for xb, yb in minibatches(x_train, y_train, 64, shuffle=True, generator=gen):
                logits = model(xb)
                loss = cross_entropy(logits, yb)
                if teacher is not None:
                    loss = (1 - alpha) * loss + alpha * distillation_loss(logits, teacher(xb), temperature)
                opt.zero_grad()
                loss.backward()
                opt.step()
                if pruner is not None:
                    pruner.apply()                     # after EVERY step: the mask holds
    return model


def held_out_accuracy(model):
    """Accuracy (%) on the held-out digits."""
    model.eval()
    pred = model(Tensor(x_test))._data.argmax(axis=1)
    return 100.0 * float((pred == y_test).mean())


def mlp(hidden=128):
    return Sequential(Linear(64, hidden), ReLU(), Linear(hidden, 10))


def copy_of(model):
    twin = mlp(model[0].out_features)
    twin.load_state_dict({k: v.clone() for k, v in model.state_dict().items()})
    return twin


manual_seed(0)
t0 = time.perf_counter()
dense = fit(mlp(), epochs=10)
dense_acc = held_out_accuracy(dense)
n_weights = sum(p._data.size for n, p in dense.named_parameters() if n.endswith("weight"))
assert n_weights == 64 * 128 + 128 * 10
print(f"dense MLP 64-128-10: {n_weights} weights, test accuracy {dense_acc:.2f}% "
      f"(10 epochs, {time.perf_counter() - t0:.1f} s in this run)")

# %% [markdown]
"""
### Gate: 80% sparsity, at most 1 point lost, still exactly sparse

One-shot pruning to 80% (global threshold), then 5 epochs of fine-tuning with the mask applied after
every step. The sparsity is counted from the weights (`== 0`), not taken from the masks. Beside it, the
same fine-tuning **without** the mask: count how many pruned weights are still zero afterwards.
"""

# %%
pruned = copy_of(dense)
pruner = Pruner(pruned, 0.8, scope="global")
one_shot_acc = held_out_accuracy(pruned)
unmasked = copy_of(pruned)                        # pruned too, but fine-tuned without the mask
fit(pruned, epochs=5, lr=1e-3, pruner=pruner, seed=1)
fit(unmasked, epochs=5, lr=1e-3, seed=1)
pruned_acc, sparsity = held_out_accuracy(pruned), pruner.sparsity()
zeros = sum(int((p._data == 0).sum()) for n, p in pruned.named_parameters() if n.endswith("weight"))
unmasked_zeros = sum(int((p._data == 0).sum()) for n, p in unmasked.named_parameters() if n.endswith("weight"))
print(f"{'model':44s} {'accuracy':>9s} {'zero weights':>13s}")
print(f"{'dense':44s} {dense_acc:8.2f}% {0:13d}")
print(f"{'pruned 80% (global), no fine-tuning':44s} {one_shot_acc:8.2f}% {int(round(0.8 * n_weights)):13d}")
print(f"{'+ 5 epochs fine-tuning WITH the mask':44s} {pruned_acc:8.2f}% {zeros:13d}")
print(f"{'+ 5 epochs fine-tuning WITHOUT the mask':44s} {held_out_accuracy(unmasked):8.2f}% {unmasked_zeros:13d}")
print("per-layer sparsity chosen by the global threshold:",
      {k: round(v, 3) for k, v in pruner.layer_sparsity().items()})
assert zeros == int(round(0.8 * n_weights)) and sparsity >= 0.8, "the sparsity is still exact after fine-tuning"
assert dense_acc - pruned_acc <= 1.0, f"lost {dense_acc - pruned_acc:.2f} points (gate: at most 1)"
assert unmasked_zeros < zeros, "without the mask, pruned weights grow back"

# %% [markdown]
"""
Without the mask, most pruned weights are non-zero again after fine-tuning (the table counts the zeros
left in this run; the gate asserts fewer than with the mask): the model is no longer sparse, whatever
its accuracy. With the mask, the count of zeros is exactly the pruned count (asserted).

### Memory: bytes on disk and in memory

A sparse model is only smaller if it is stored sparsely. Below, the pruned weights are written three
ways and the file sizes are **measured** with `os.path.getsize`: dense `np.save` (raw float32),
`np.savez_compressed` of the dense arrays (zlib finds the runs of zeros), and `save_sparse` (bit mask +
non-zero values). `tracemalloc` measures what the mask itself costs in memory.
"""

# %%
weights = {n: p._data for n, p in pruned.named_parameters()}
with tempfile.TemporaryDirectory() as tmp:
    sizes = {}
    raw_dir = os.path.join(tmp, "raw")
    os.mkdir(raw_dir)
    for n, a in weights.items():
        np.save(os.path.join(raw_dir, n + ".npy"), a)
    sizes["dense float32, np.save"] = sum(os.path.getsize(os.path.join(raw_dir, f)) for f in os.listdir(raw_dir))
    np.savez_compressed(os.path.join(tmp, "dense.npz"), **weights)
    sizes["dense, np.savez_compressed"] = os.path.getsize(os.path.join(tmp, "dense.npz"))
    save_sparse(os.path.join(tmp, "sparse.npz"), weights)
    sizes["save_sparse (bit mask + values)"] = os.path.getsize(os.path.join(tmp, "sparse.npz"))
    restored = load_sparse(os.path.join(tmp, "sparse.npz"))
assert all(np.array_equal(restored[n], weights[n]) for n in weights), "the file restores the model exactly"
raw_bytes = sizes["dense float32, np.save"]
for label, size in sizes.items():
    print(f"{label:34s} {size:8d} bytes on disk  ({raw_bytes / size:4.2f}x smaller than raw)")
assert sizes["save_sparse (bit mask + values)"] < raw_bytes / 3, "80% zeros: at least 3x smaller on disk"

tracemalloc.start()
mask_copy = {n: m.copy() for n, m in pruner.masks.items()}
mask_bytes = tracemalloc.get_traced_memory()[0]
tracemalloc.stop()
assert sum(m.nbytes for m in mask_copy.values()) == n_weights, "one byte per weight for a bool mask"
print(f"\nthe masks in memory: {mask_bytes} bytes traced for {n_weights} weights "
      f"(np.bool_ is one byte; np.packbits would make it {n_weights // 8})")

# %% [markdown]
"""
### Speed: structured pruning against unstructured zeros

Half of the hidden neurons are removed with `prune_neurons` (then 3 epochs of fine-tuning), and the
forward pass over a batch of the test set repeated 4 times is timed with `time.perf_counter` under
`no_grad()` (inference), best of several repeats, BLAS pinned to one thread. The 80%-sparse model is timed too: its matrices have the
dense shape, so a dense matmul does all the multiplications anyway.
"""

# %%
fc1, fc2, kept = prune_neurons(dense[0], dense[2], 0.5)
structured = Sequential(fc1, ReLU(), fc2)
structured_one_shot = held_out_accuracy(structured)
fit(structured, epochs=3, lr=1e-3, seed=2)
structured_acc = held_out_accuracy(structured)
big_batch = Tensor(np.tile(x_test, (4, 1)))


def best_forward_time(model, repeats=15):
    model.eval()
    best = float("inf")
    with pinned_blas_threads(1), no_grad():
        for _ in range(repeats):
            start = time.perf_counter()
            model(big_batch)
            best = min(best, time.perf_counter() - start)
    return best


t_dense, t_sparse, t_struct = (best_forward_time(m) for m in (dense, pruned, structured))
flops = {m: 2 * big_batch.shape[0] * (64 * h + h * 10) for m, h in (("dense", 128), ("structured", len(kept)))}
print(f"forward pass over {big_batch.shape[0]} rows, this run (best of 15, 1 BLAS thread):")
print(f"  dense 64-128-10          {t_dense * 1e3:7.2f} ms   {flops['dense'] / 1e6:6.1f} MFLOP   acc {dense_acc:.2f}%")
print(f"  80% unstructured zeros   {t_sparse * 1e3:7.2f} ms   {flops['dense'] / 1e6:6.1f} MFLOP   acc {pruned_acc:.2f}%")
print(f"  structured 64-{len(kept)}-10      {t_struct * 1e3:7.2f} ms   {flops['structured'] / 1e6:6.1f} MFLOP   "
      f"acc {structured_acc:.2f}% ({structured_one_shot:.2f}% before fine-tuning)")
print(f"  measured speed-up of structured pruning: {t_dense / t_struct:.2f}x")
assert len(kept) == 64 and fc1.weight.shape == (64, 64) and fc2.weight.shape == (10, 64)
assert t_struct < t_dense, "structured pruning must be faster in this run's measurement"

# %% [markdown]
"""
**Understand.** Compare the first two rows of your run: the unstructured model's matrices have the
dense shape, and a dense kernel multiplies zeros like any other number, so its FLOPs are the dense
ones. Sparse kernels only pay off at high sparsity and with formats or hardware built for them (see
Production Context). Removing neurons shrinks the matrices (and the hidden activation, which is
written and read again), so the time falls. Is the measured ratio equal to the FLOP ratio in your run?
Where it is not, the per-call overhead (which does not shrink) and memory traffic (which does, and may
move the activation into a faster cache level) explain the gap.

### Distillation on digits

A small student (64-16-10) trained on the labels alone, and the same student trained with
`0.5 * cross-entropy + 0.5 * distillation_loss(student, teacher, T=4)` from the dense model, same seed,
same epochs. The soft targets carry the teacher's similarities between classes (a 3 that looks like an
8); whether that helps depends on the teacher, the data and the budget. Read your run's two rows
before drawing a conclusion: on 1,438 small images, with a teacher at about 95% and only 10 epochs, the
labels alone may do as well or better (a thinking question below asks why).
"""

# %%
manual_seed(3)
student_plain = fit(mlp(16), epochs=10, seed=3)
manual_seed(3)
student_kd = fit(mlp(16), epochs=10, seed=3, teacher=dense, temperature=4.0, alpha=0.5)
n_student = sum(p._data.size for p in student_plain.parameters())
n_teacher = sum(p._data.size for p in dense.parameters())
assert n_student == 64 * 16 + 16 + 16 * 10 + 10 and n_teacher == 64 * 128 + 128 + 128 * 10 + 10
print(f"teacher 64-128-10 ({n_teacher} parameters): {dense_acc:.2f}%")
print(f"student 64-16-10 ({n_student} parameters), labels only:          {held_out_accuracy(student_plain):.2f}%")
print(f"student 64-16-10, labels + distillation (T=4, alpha=0.5):  {held_out_accuracy(student_kd):.2f}%")

# %% [markdown]
"""
### Low rank: error against rank

`low_rank_linear` replaces the first layer (64 -> 128, rank at most 64) at several ranks, without any
fine-tuning. The relative error is measured and asserted against the Eckart-Young formula.
"""

# %%
sv = np.linalg.svd(dense[0].weight._data.astype(np.float64), compute_uv=False)
print(f"{'rank':>4s} {'parameters':>10s} {'rel. error (measured)':>22s} {'formula':>8s} {'accuracy':>9s}")
for r in (4, 8, 16, 32, 64):
    factored = low_rank_linear(dense[0], r)
    product = factored.second.weight._data.astype(np.float64) @ factored.first.weight._data
    rel = np.linalg.norm(dense[0].weight._data - product) / np.linalg.norm(sv)
    formula = np.sqrt((sv[r:] ** 2).sum()) / np.linalg.norm(sv)
    assert abs(rel - formula) < 1e-5, "the error is the discarded singular values'"
    n_params = sum(p._data.size for p in factored.parameters())
    assert n_params == r * (64 + 128) + 128
    acc = held_out_accuracy(Sequential(factored, ReLU(), dense[2]))
    print(f"{r:4d} {n_params:10d} {rel:22.4f} {formula:8.4f} {acc:8.2f}%")
print(f"dense first layer: {64 * 128 + 128} parameters; low rank saves parameters only when "
      f"r < {64 * 128 // (64 + 128)}")

# %% [markdown]
"""
**Understand the bytes.** The raw float32 file is 4 bytes per weight whatever the sparsity. The bit mask
plus values costs about `1/8 + 4 * (1 - s)` bytes per weight. Compare the two compressed rows of your
run: zlib on the dense file also finds the runs of zeros, so a general-purpose compressor gets a good
part of the saving; an explicit sparse format has a size you can predict from the sparsity, and a
sparse kernel can compute on it directly.

## Production Context

**PyTorch** prunes with `torch.nn.utils.prune`: `l1_unstructured`, `random_unstructured`,
`ln_structured` (by channel norm) and `global_unstructured` (one threshold across the parameters you
list). It keeps the mask the way you did in spirit, but differently in mechanics: the parameter is
renamed `weight_orig`, a buffer `weight_mask` is registered, and a forward pre-hook recomputes
`weight = weight_orig * weight_mask` before every call, so gradient steps on `weight_orig` never show
in the effective weight. `prune.remove` makes it permanent. Distillation has no built-in; the usual
code is `F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction="batchmean") * T * T`,
exactly what `tests/16_compression` checks your function against.

**Where sparsity is fast.** NVIDIA's Ampere and later GPUs run 2:4 structured sparsity (two zeros in
every group of four weights) at up to twice the dense matmul throughput; cuSPARSELt and PyTorch's
`to_sparse_semi_structured` use it. Unstructured sparsity needs sparse formats (CSR) and kernels for
them, which usually beat dense BLAS on CPUs only at very high sparsity. TensorFlow's Model Optimization Toolkit offers
`prune_low_magnitude` with a polynomial sparsity schedule (prune gradually during training rather than
at once). Low-rank factorisation is the idea behind LoRA (fine-tuning through a rank-r update
`W + BA`) and SVD-compressed embedding and attention projections; DistilBERT (Sanh et al., 2019) is a
well-known distilled model.
"""

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/16_compression/compression_dev.py`) runs every test
above once more, through `run_all_tests()`.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_magnitude_mask()
    test_unit_global_masks()
    test_unit_pruner()
    test_unit_prune_neurons()
    test_unit_distillation_loss()
    test_unit_low_rank()
    test_unit_sparse_save()
    print("🎉 All Compression tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. The global threshold pruned the two layers of your digits model to different sparsities (printed
   above). Why would the small 128 -> 10 output layer keep a larger share of its weights, and what
   would per-layer pruning at 80% do to it?
2. Without the mask, fine-tuning brought back most of the pruned weights. Adam moved weights whose
   gradient was small or zero: which term of Adam's update does that, and would plain SGD without
   momentum regrow a weight whose gradient is exactly zero?
3. Your unstructured 80%-sparse model stored at about the bytes of `save_sparse` but ran at the dense
   model's time. What would a kernel need (format, sparsity level, hardware) to turn those zeros into time?
4. Distillation with labels alone did as well as or better than with the teacher in some runs on
   digits. How do the teacher's accuracy, the temperature and the training budget change the value of
   soft targets?
5. Low rank 32 of the first layer cost more parameters than the dense layer (printed above) yet lost
   little accuracy. For which layer shapes does factorisation save parameters, and at what rank?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built the three classic ways to compress a trained network and measured each:
- `magnitude_mask` and `global_magnitude_masks`: exact-count magnitude pruning, per tensor or with one
  threshold for all layers;
- `Pruner`: masks applied after every optimizer step, so pruned weights stay exactly zero through
  fine-tuning (counted, not assumed), while an unmasked copy visibly regrew;
- `prune_neurons`: structured pruning (neurons of `Linear`, channels of `Conv2d`) that really shrinks
  the matrices, timed against the dense and the unstructured model;
- `distillation_loss`: `T^2 * KL(teacher || student)` from Tensor ops, its gradient `T (q - p) / N`;
- `low_rank_linear`: the best rank-r factorisation, its error equal to the discarded singular values;
- `save_sparse` / `load_sparse`: bytes measured on disk.

On digits, your run printed the gate: 80% of the weights at zero after 5 masked epochs, within one
point of the dense model.

**Next:** module 17 (KV caching) makes generation fast by not recomputing what is already known.
"""
