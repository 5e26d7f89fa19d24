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
# Module 11: Embeddings

Module 10 turned text into token ids. An id is a name, not a quantity: token 500 is not "more" than token
499. A network needs vectors. An **embedding** gives every token its own learned vector, a row of a table
`W` of shape `(V, d)`: the id picks the row. Training moves the rows so that tokens used alike end up
close together.

A transformer also needs to know *where* each token is: attention (module 12) treats its inputs as a set.
**Positional encodings** add a vector that depends on the position: fixed sine waves (the original
transformer, 2017) or a second learned table (GPT-2). Both take a **start** position, because a model that
generates text one token at a time with a KV cache (module 17) feeds token `t` alone and must still tell
it that it sits at position `t`.

**Learning Objectives:**
- Show that a lookup `W[ids]` equals `one_hot(ids) @ W`, and derive its gradient: each row of `W`
  receives the *sum* of the output gradients at the positions that used it.
- Implement `F.embedding` as a differentiable op with its gradient rule registered beside it, scattering
  with `np.add.at` so that repeated ids accumulate, and `padding_idx` rows receiving no gradient.
- Build `nn.Embedding` with PyTorch's arguments (`padding_idx`, `max_norm`), initialisation and
  `state_dict` key `weight`.
- Build sinusoidal and learned positional encodings that take a `start` position.
- Measure: embedding-table memory for real vocabularies (asserted against `V * d * itemsize`), and the
  cost of a dense against a sparse gradient.

**How this module works.** Each step is a code cell to complete (between the solution markers, inside
functions whose signatures and docstrings are given), followed at once by a graded test. Cells that
start with `#| export` become `tinytorch/text/embeddings.py` when you run `tito export 11`.
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

**A lookup is a matrix product.** Let `x` be a vector of `N` ids in `0..V-1` and `W` a `(V, d)` table. The
one-hot matrix `H` (`N x V`) has `H[n, x[n]] = 1` and zeros elsewhere. Then

    out = H @ W,   out[n] = W[x[n]]

so the embedding is a linear layer without bias whose input is one-hot. Nobody computes it that way:
`H` has `N*V` entries of which `N` are non-zero, and the product costs `2*N*V*d` FLOPs to copy `N*d`
numbers. The lookup `W[x]` does the same with no arithmetic at all.

**The gradient.** With `G = dL/d out` (`N x d`), the rule for a matrix product gives

    dL/dW = H^T @ G,   so row v of dL/dW = sum of G[n] over all n with x[n] == v.

A row used three times receives three contributions; a row never used receives zero. Written as a loop:
`for n: dW[x[n]] += G[n]`. The NumPy shortcut `dW[x] += G` is **wrong** when `x` repeats an id: fancy
indexing reads all rows first and writes them back, so only the last of the repeated contributions
survives. `np.add.at(dW, x, G)` is the unbuffered version that accumulates.

**Padding.** Batches of sentences of different lengths are padded with a special id. With
`padding_idx = p`, row `p` gets no gradient (it stays what it is, zeros at initialisation), so padding
never learns anything.

**Sinusoidal positions** (Vaswani et al., 2017). For position `pos` and column pair `i` (`0 <= 2i < d`):

    PE[pos, 2i]   = sin(pos * w_i)
    PE[pos, 2i+1] = cos(pos * w_i),     w_i = 10000^(-2i/d)

Each pair of columns is a clock turning at its own speed, from one radian per position (`i = 0`) down to
about `1/10000` radian per position. `PE[pos + k]` is a fixed rotation of `PE[pos]` for every pair, which
lets attention compare relative positions.

The cell below checks the lookup against the one-hot product and shows the fancy-index pitfall.
"""

# %%
import numpy as np

rng_demo = np.random.default_rng(0)
W_demo = rng_demo.standard_normal((5, 3))
x_demo = np.array([1, 3, 1, 1])
H_demo = np.eye(5)[x_demo]
print("lookup equals one-hot product:", np.allclose(W_demo[x_demo], H_demo @ W_demo))
G_demo = np.ones((4, 3))
wrong = np.zeros((5, 3))
wrong[x_demo] += G_demo
right = np.zeros((5, 3))
np.add.at(right, x_demo, G_demo)
print("row 1 is used 3 times: H^T @ G gives", (H_demo.T @ G_demo)[1], " np.add.at gives", right[1],
      " dW[x] += G gives", wrong[1])

# %% [markdown]
"""
## Part 2: Building the layers

### Setup (given)

The package file imports `Tensor`, `record_op` and `register_op` from module 01, `register_gradient` from
module 05 (the declared extension point of autograd), and `Module`, `Parameter` and `normal_` from module 03.
It declares the new op `"embedding"`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "embeddings-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import math

import numpy as np

from tinytorch.core.autograd import register_gradient
from tinytorch.core.layers import Module, Parameter, normal_
from tinytorch.core.tensor import Tensor, record_op, register_op

__all__ = ["embedding", "Embedding", "sinusoidal_table", "SinusoidalPositionalEncoding",
           "LearnedPositionalEmbedding"]

# The op this module adds; its gradient rule is registered below with autograd's @register_gradient.
EMBEDDING = register_op("embedding", "11_embeddings")

# %% [markdown]
"""
### Step 1: The lookup as a one-hot product

The definition first, on NumPy arrays, as the reference for the fast op. Not exported.

**Your task:** `one_hot(ids, num_classes)` (float64, shape `ids.shape + (num_classes,)`),
`embedding_onehot(ids, weight)` = `one_hot(ids) @ weight`, and its weight gradient
`embedding_onehot_grad(ids, grad_out, num_embeddings)` = `H^T @ G` with `H` and `G` flattened to 2-D.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "embeddings-onehot", "locked": false, "schema_version": 3, "solution": true}}
def one_hot(ids, num_classes):
    """float64 array of shape ids.shape + (num_classes,), 1.0 at [..., ids[...]] and 0.0 elsewhere."""
    ### BEGIN SOLUTION
    ids = np.asarray(ids)
    out = np.zeros(ids.shape + (num_classes,))
    np.put_along_axis(out, ids[..., None], 1.0, axis=-1)
    return out
    ### END SOLUTION


def embedding_onehot(ids, weight):
    """one_hot(ids, V) @ weight: shape ids.shape + (d,) for weight (V, d)."""
    ### BEGIN SOLUTION
    return one_hot(ids, weight.shape[0]) @ weight
    ### END SOLUTION


def embedding_onehot_grad(ids, grad_out, num_embeddings):
    """dL/dW = H^T @ G: H = one_hot(ids) as (N, V), G = grad_out as (N, d); result (V, d)."""
    ### BEGIN SOLUTION
    d = grad_out.shape[-1]
    H = one_hot(np.asarray(ids).reshape(-1), num_embeddings)
    return H.T @ grad_out.reshape(-1, d)
    ### END SOLUTION

# %% [markdown]
"""
### Testing the one-hot reference
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "embeddings-onehot-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_onehot():
    assert one_hot(np.array([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert one_hot(np.array([[1], [2]]), 4).shape == (2, 1, 4)
    rng = np.random.default_rng(1)
    W = rng.standard_normal((6, 4))
    ids = np.array([[0, 5, 5], [2, 5, 0]])
    out = embedding_onehot(ids, W)
    assert out.shape == (2, 3, 4) and np.allclose(out, W[ids]), "the product must equal the lookup"
    G = rng.standard_normal((2, 3, 4))
    dW = embedding_onehot_grad(ids, G, 6)
    assert dW.shape == (6, 4)
    assert np.allclose(dW[5], G[0, 1] + G[0, 2] + G[1, 1]), "row 5 is used three times: three contributions"
    assert np.allclose(dW[1], 0) and np.allclose(dW[2], G[1, 0])
    ### BEGIN HIDDEN TESTS
    assert np.allclose(embedding_onehot_grad(np.array([3, 3, 3, 3]), np.ones((4, 2)), 4)[3], [4, 4])
    assert one_hot(np.array(1), 2).tolist() == [0, 1]
    ### END HIDDEN TESTS
    print("✅ the lookup is a one-hot product, and its gradient sums over repeated ids")


test_unit_onehot()

# %% [markdown]
"""
### Step 2: `F.embedding` as a differentiable op

`embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0)` has PyTorch's signature. The
forward pass is the lookup `weight._data[ids]` (shape `ids.shape + (d,)`, weight's dtype), recorded with
`record_op(out, EMBEDDING, (weight,), attrs)`: the ids are not an input that gets a gradient, so they travel
in `attrs` (with the normalised `padding_idx`).

The gradient rule receives `g` (shape `ids.shape + (d,)`) and returns `(dW,)`: zeros of weight's shape
and dtype, `np.add.at` of the flattened `g` rows at the flattened ids, then row `padding_idx` set to 0.

*Given:* `_indices` (ids as an int64 array; `TypeError` for a non-integer dtype; `IndexError` naming the
bad id and `num_embeddings` when out of range, negative ids included, as PyTorch), `_padding_index` (a
negative `padding_idx` counts from the end, as in PyTorch; `ValueError` when out of range) and
`_renorm_` (PyTorch's `max_norm`: looked-up rows whose `norm_type`-norm exceeds `max_norm` are scaled
down to it, **in place** in the weight and outside autograd, before the lookup).

**Your task:** `embedding` and `embedding_grad`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "embeddings-op", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given ------------------------------------------------------------------------------------------
def _indices(input, num_embeddings, op="embedding"):
    """The ids as an int64 array, checked against 0..num_embeddings-1."""
    ids = input._data if isinstance(input, Tensor) else np.asarray(input)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{op}: the input must hold integer ids (int64), got dtype {ids.dtype}; "
                        "convert with .long()")
    ids = ids.astype(np.int64, copy=False)
    if ids.size and (ids.min() < 0 or ids.max() >= num_embeddings):
        bad = ids[(ids < 0) | (ids >= num_embeddings)].flat[0]
        raise IndexError(f"{op}: id {bad} is out of range for a table of num_embeddings={num_embeddings} "
                         f"rows (valid ids are 0..{num_embeddings - 1})")
    return ids


def _padding_index(padding_idx, num_embeddings, op="embedding"):
    """padding_idx as a row number in 0..num_embeddings-1 (negative counts from the end), or None."""
    if padding_idx is None:
        return None
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)) or \
            not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{op}: padding_idx must be an int in [-{num_embeddings}, {num_embeddings - 1}] "
                         f"(num_embeddings={num_embeddings}), got {padding_idx!r}")
    return int(padding_idx) % num_embeddings


def _renorm_(weight, ids, max_norm, norm_type=2.0):
    """PyTorch's max_norm: rows of `weight` used by `ids` with norm > max_norm are scaled, in place, to
    norm max_norm (factor max_norm / (norm + 1e-7)). Not recorded by autograd."""
    rows = np.unique(ids)
    norms = np.linalg.norm(weight._data[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    scale = (max_norm / (norms[big] + 1e-7)).astype(weight.dtype)
    weight._data[rows[big]] *= scale[:, None]


# ---- your part --------------------------------------------------------------------------------------
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0):
    """Rows of `weight` (V, d) picked by the integer ids in `input`: shape input.shape + (d,), recorded
    as op "embedding" with weight as the only input and the ids and padding row in attrs.

    Checks (given helpers): weight must be a 2-D Tensor (ValueError naming its shape otherwise); the ids
    via _indices; padding_idx via _padding_index. When max_norm is given, _renorm_ the weight first.
    """
    ### BEGIN SOLUTION
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(f"embedding: weight must be a 2-D Tensor (num_embeddings, embedding_dim), got "
                         f"{getattr(weight, 'shape', type(weight).__name__)}")
    num = weight.shape[0]
    ids = _indices(input, num)
    pad = _padding_index(padding_idx, num)
    if max_norm is not None:
        _renorm_(weight, ids, max_norm, norm_type)
    out = weight._data[ids]
    return record_op(out, EMBEDDING, (weight,), {"indices": ids, "padding_idx": pad})
    ### END SOLUTION


@register_gradient(EMBEDDING)
def embedding_grad(g, inputs, out, attrs):
    """dW: zeros like the weight; add each row of g at its id with np.add.at (repeated ids accumulate);
    then zero row padding_idx (if any). Returns (dW,)."""
    ### BEGIN SOLUTION
    weight = inputs[0]
    ids = attrs["indices"]
    d = weight.shape[1]
    grad = np.zeros(weight.shape, dtype=g.dtype)
    np.add.at(grad, ids.reshape(-1), g.reshape(-1, d))
    if attrs["padding_idx"] is not None:
        grad[attrs["padding_idx"]] = 0
    return (grad,)
    ### END SOLUTION

# %% [markdown]
"""
### Testing the `embedding` op

Values against the lookup, the gradient against the one-hot reference (repeated ids included), the
padding row, `max_norm`, and the errors.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "embeddings-op-tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
def test_unit_embedding_op():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((7, 3))
    ids = np.array([[1, 4, 4], [6, 1, 4]])
    weight = Tensor(W.copy(), requires_grad=True)
    out = embedding(Tensor(ids), weight)
    assert out.shape == (2, 3, 3) and np.allclose(out._data, W[ids]) and out.dtype == np.float64
    assert out.grad_fn is not None and out.grad_fn.op == "embedding", "record the op as 'embedding'"
    G = rng.standard_normal((2, 3, 3))
    out.backward(G)
    assert np.allclose(weight.grad._data, embedding_onehot_grad(ids, G, 7)), "gradient must equal H^T @ G"
    assert np.allclose(weight.grad._data[4], G[0, 1] + G[0, 2] + G[1, 2]), "id 4 is used 3 times: sum all 3"

    padded = Tensor(W.copy(), requires_grad=True)
    embedding(Tensor(ids), padded, padding_idx=4).backward(G)
    assert np.allclose(padded.grad._data[4], 0), "the padding row gets no gradient"
    assert np.allclose(padded.grad._data[1], G[0, 0] + G[1, 1]), "other rows are unchanged by padding_idx"
    neg = Tensor(W.copy(), requires_grad=True)
    embedding(Tensor(ids), neg, padding_idx=-1).backward(G)
    assert np.allclose(neg.grad._data[6], 0), "padding_idx=-1 is the last row"

    f32 = embedding(Tensor(np.array([0, 2])), Tensor(W.astype(np.float32)))
    assert f32.dtype == np.float32, "the output keeps the weight's dtype"
    big = Tensor(np.array([[3.0, 4.0], [0.3, 0.4]]))
    embedding(Tensor(np.array([0, 1])), big, max_norm=1.0)
    assert np.allclose(big._data[0], [0.6, 0.8], atol=1e-6) and np.allclose(big._data[1], [0.3, 0.4])
    try:
        embedding(Tensor(np.array([7])), weight)
        raise AssertionError("id 7 in a 7-row table must raise IndexError")
    except IndexError as exc:
        assert "7" in str(exc), f"name the id and the table size: {exc}"
    ### BEGIN HIDDEN TESTS
    w2 = Tensor(W.copy(), requires_grad=True)
    embedding(Tensor(np.array([2, 2, 2, 2, 2])), w2).backward(np.ones((5, 3)))
    assert np.allclose(w2.grad._data[2], 5) and np.allclose(np.delete(w2.grad._data, 2, axis=0), 0)
    w3 = Tensor(W.copy(), requires_grad=True)
    e = embedding(np.array(3), w3)
    assert e.shape == (3,), "a 0-d id gives one row"
    e.backward(np.ones(3))
    assert np.allclose(w3.grad._data[3], 1)
    try:
        embedding(Tensor(np.array([0.0])), weight)
        raise AssertionError("float ids must raise TypeError")
    except TypeError:
        pass
    try:
        embedding(Tensor(np.array([-1])), weight)
        raise AssertionError("a negative id must raise IndexError")
    except IndexError:
        pass
    ### END HIDDEN TESTS
    print("✅ embedding: lookup forward, scatter-add backward, padding row and max_norm")


test_unit_embedding_op()

# %% [markdown]
"""
### Step 3: `nn.Embedding`

The layer owns the table as a `Parameter` named `weight` (so `state_dict()` has the key `weight`, as in
PyTorch). PyTorch initialises it from the standard normal `N(0, 1)` and then zeros the `padding_idx` row;
we draw from tinytorch's seeded generator with `normal_`. `from_pretrained` (given) wraps an existing
table, frozen by default.

**Your task:** `reset_parameters` and `forward`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "embeddings-layer", "locked": false, "schema_version": 3, "solution": true}}
#| export
class Embedding(Module):
    """torch.nn.Embedding(num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0)."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 _weight=None, _freeze=False, dtype=None):
        super().__init__()
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Embedding: {name} must be a positive integer, got {value!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = _padding_index(padding_idx, self.num_embeddings, "Embedding")
        self.max_norm, self.norm_type = max_norm, norm_type
        if _weight is None:
            self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim),
                                             dtype=np.dtype(dtype or np.float32)))
            self.reset_parameters()
        else:
            data = _weight._data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if data.shape != (self.num_embeddings, self.embedding_dim):
                raise ValueError(f"Embedding: _weight has shape {data.shape}, expected "
                                 f"({self.num_embeddings}, {self.embedding_dim})")
            self.weight = Parameter(data, requires_grad=not _freeze)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0):
        """An Embedding whose weight is `embeddings` (2-D); frozen (requires_grad False) unless freeze=False."""
        data = embeddings._data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if data.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {data.shape}")
        return cls(data.shape[0], data.shape[1], padding_idx, max_norm, norm_type, _weight=data, _freeze=freeze)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        return text

    # ---- your part ----------------------------------------------------------------------------------
    def reset_parameters(self):
        """PyTorch's default: weight ~ N(0, 1) (normal_, seeded generator), then row padding_idx set to 0."""
        ### BEGIN SOLUTION
        normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0
        ### END SOLUTION

    def forward(self, input):
        """embedding(input, self.weight, ...) with this layer's padding_idx, max_norm and norm_type."""
        ### BEGIN SOLUTION
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type)
        ### END SOLUTION

# %% [markdown]
"""
### Testing `Embedding`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "embeddings-layer-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_embedding_layer():
    from tinytorch.core.tensor import manual_seed

    manual_seed(0)
    emb = Embedding(10, 4, padding_idx=0)
    assert emb.weight.shape == (10, 4) and emb.weight.dtype == np.float32
    assert [name for name, _ in emb.named_parameters()] == ["weight"]
    assert np.allclose(emb.weight._data[0], 0), "the padding row starts at zero"
    rest = emb.weight._data[1:]
    assert 0.5 < rest.std() < 1.5 and abs(rest.mean()) < 0.5, "N(0, 1) initialisation"
    manual_seed(0)
    assert np.array_equal(Embedding(10, 4, padding_idx=0).weight._data, emb.weight._data), "seeded init repeats"
    assert repr(emb) == "Embedding(10, 4, padding_idx=0)", repr(emb)

    ids = Tensor(np.array([[0, 3, 3], [9, 0, 3]]))
    out = emb(ids)
    assert out.shape == (2, 3, 4) and np.allclose(out._data[0, 0], 0), "id 0 (padding) looks up the zero row"
    out.sum().backward()
    assert np.allclose(emb.weight.grad._data[3], 3), "id 3 is used 3 times: gradient 3 in each column"
    assert np.allclose(emb.weight.grad._data[0], 0), "the padding row (id 0) gets no gradient"
    assert np.allclose(emb.weight.grad._data[9], 1) and np.allclose(emb.weight.grad._data[5], 0), "used once / never"

    pre = Embedding.from_pretrained(np.eye(3, dtype=np.float32))
    assert not pre.weight.requires_grad and np.allclose(pre(Tensor(np.array([2])))._data, [[0, 0, 1]])
    ### BEGIN HIDDEN TESTS
    capped = Embedding(5, 3, max_norm=0.5)
    capped(Tensor(np.array([1, 2])))
    assert np.all(np.linalg.norm(capped.weight._data[[1, 2]], axis=1) <= 0.5 + 1e-5)
    assert Embedding(5, 2, padding_idx=-1).padding_idx == 4
    try:
        Embedding(5, 2, padding_idx=5)
        raise AssertionError("padding_idx out of range must raise ValueError")
    except ValueError:
        pass
    ### END HIDDEN TESTS
    print("✅ Embedding: PyTorch's arguments, initialisation, padding row and gradients")


test_unit_embedding_layer()

# %% [markdown]
"""
### Step 4: Positional encodings that take a start position

`sinusoidal_table(max_len, d_model)` returns the `(max_len, d_model)` float64 table of Part 1. Column
`2i` holds `sin(pos * w_i)` and column `2i+1` `cos(pos * w_i)`, with `w_i = 10000^(-2i/d_model)`; when
`d_model` is odd the last column is a sine. Careful with the two sizes: rows are positions (`max_len`),
columns are features (`d_model`); a swap goes unnoticed when both are 32.

`SinusoidalPositionalEncoding(max_len, d_model)` keeps the table as a non-persistent buffer `pe` (no
parameters, nothing in `state_dict`) in float32. `LearnedPositionalEmbedding(max_len, d_model)` owns a
`Parameter` `weight` (`max_len, d_model`), initialised like `Embedding`, and looks rows up with your
`embedding` op, so its gradient flows to the rows used.

Both have `forward(seq_len, start=0)` returning the `(seq_len, d_model)` Tensor for positions
`start, ..., start + seq_len - 1`. *Given:* `_positions`, which checks the arguments and raises
`ValueError` naming `start`, `seq_len` and `max_len` when `start + seq_len > max_len`.

**Your task:** `sinusoidal_table` and the two `forward` methods.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "embeddings-positional", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given ------------------------------------------------------------------------------------------
def _positions(seq_len, start, max_len, who):
    """(start, stop) of the positions asked for, checked against the table's max_len."""
    for name, value in (("seq_len", seq_len), ("start", start)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{who}: {name} must be a non-negative integer, got {value!r}")
    if start + seq_len > max_len:
        raise ValueError(f"{who}: positions start={start} to start+seq_len-1={start + seq_len - 1} "
                         f"(seq_len={seq_len}) go beyond max_len={max_len}; build it with a larger max_len")
    return int(start), int(start + seq_len)


def _check_sizes(max_len, d_model, who):
    for name, value in (("max_len", max_len), ("d_model", d_model)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{who}: {name} must be a positive integer, got {value!r}")


# ---- your part --------------------------------------------------------------------------------------
def sinusoidal_table(max_len, d_model):
    """float64 (max_len, d_model): [pos, 2i] = sin(pos * w_i), [pos, 2i+1] = cos(pos * w_i),
    w_i = 10000 ** (-2i / d_model); rows are positions 0..max_len-1."""
    ### BEGIN SOLUTION
    _check_sizes(max_len, d_model, "sinusoidal_table")
    pos = np.arange(max_len, dtype=np.float64)[:, None]                     # (max_len, 1)
    freq = 10000.0 ** (-np.arange(0, d_model, 2, dtype=np.float64) / d_model)   # (ceil(d/2),)
    angles = pos * freq                                                     # (max_len, ceil(d/2))
    table = np.empty((max_len, d_model))
    table[:, 0::2] = np.sin(angles)
    table[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return table
    ### END SOLUTION


class SinusoidalPositionalEncoding(Module):
    """Fixed sine/cosine positions (Vaswani et al. 2017); forward(seq_len, start=0) -> (seq_len, d_model)."""

    def __init__(self, max_len, d_model):
        super().__init__()
        _check_sizes(max_len, d_model, "SinusoidalPositionalEncoding")
        self.max_len, self.d_model = int(max_len), int(d_model)
        self.register_buffer("pe", Tensor(sinusoidal_table(max_len, d_model).astype(np.float32)),
                             persistent=False)

    def extra_repr(self):
        return f"max_len={self.max_len}, d_model={self.d_model}"

    def forward(self, seq_len, start=0):
        """Rows start .. start+seq_len-1 of the table as a new Tensor (no gradient); checked by _positions."""
        ### BEGIN SOLUTION
        lo, hi = _positions(seq_len, start, self.max_len, "SinusoidalPositionalEncoding")
        return Tensor(self.pe._data[lo:hi].copy())
        ### END SOLUTION


class LearnedPositionalEmbedding(Module):
    """A learned table of positions (GPT-2); forward(seq_len, start=0) -> (seq_len, d_model)."""

    def __init__(self, max_len, d_model, dtype=None):
        super().__init__()
        _check_sizes(max_len, d_model, "LearnedPositionalEmbedding")
        self.max_len, self.d_model = int(max_len), int(d_model)
        self.weight = Parameter(np.empty((self.max_len, self.d_model), dtype=np.dtype(dtype or np.float32)))
        normal_(self.weight)

    def extra_repr(self):
        return f"max_len={self.max_len}, d_model={self.d_model}"

    def forward(self, seq_len, start=0):
        """embedding of the positions start .. start+seq_len-1 in self.weight (checked by _positions)."""
        ### BEGIN SOLUTION
        lo, hi = _positions(seq_len, start, self.max_len, "LearnedPositionalEmbedding")
        return embedding(np.arange(lo, hi, dtype=np.int64), self.weight)
        ### END SOLUTION

# %% [markdown]
"""
### Testing the positional encodings

Known values (position 0 is `[0, 1, 0, 1, ...]`; position 1 starts with `sin 1, cos 1`), a table whose
two sizes differ, `start` (the rows of a later window equal the same rows of the full table), the
relative-position property, and the gradient of the learned table.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "embeddings-positional-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_positional():
    pe = sinusoidal_table(50, 6)
    assert pe.shape == (50, 6), "rows are positions (max_len), columns features (d_model)"
    assert np.allclose(pe[0], [0, 1, 0, 1, 0, 1]), f"position 0 is sin 0 = 0, cos 0 = 1 in each pair: {pe[0]}"
    w = 10000.0 ** (-np.array([0, 2, 4]) / 6)
    assert np.allclose(pe[1], [np.sin(w[0]), np.cos(w[0]), np.sin(w[1]), np.cos(w[1]), np.sin(w[2]), np.cos(w[2])]), \
        f"position 1: sin in even columns, cos in odd, w_i = 10000^(-2i/d_model); got {pe[1]}"
    assert np.allclose(pe[37, 2:4], [np.sin(37 * w[1]), np.cos(37 * w[1])]), "position 37, column pair i = 1"
    odd = sinusoidal_table(4, 5)
    assert odd.shape == (4, 5) and np.allclose(odd[3, 4], np.sin(3 * 10000.0 ** (-4 / 5))), \
        "an odd d_model ends with a sine column"
    # relative positions: PE[pos + k] is a rotation of PE[pos] in each (sin, cos) pair, for every pos
    k, c, s = 3, np.cos(3 * w[1]), np.sin(3 * w[1])
    rotated = np.stack([pe[:-k, 2] * c + pe[:-k, 3] * s, pe[:-k, 3] * c - pe[:-k, 2] * s], axis=1)
    assert np.allclose(rotated, pe[k:, 2:4]), "PE[pos + 3] must be a rotation of PE[pos] in each pair"

    enc = SinusoidalPositionalEncoding(40, 8)
    assert list(enc.parameters()) == [] and "pe" not in enc.state_dict()
    assert enc(5).shape == (5, 8) and np.allclose(enc(5)._data, sinusoidal_table(40, 8)[:5], atol=1e-6)
    assert np.allclose(enc(3, start=7)._data, enc(10)._data[7:10]), "start selects later positions"
    assert not np.allclose(enc(1, start=0)._data, enc(1, start=1)._data), "positions differ"
    try:
        enc(5, start=36)
        raise AssertionError("positions beyond max_len must raise ValueError")
    except ValueError as exc:
        assert "36" in str(exc) and "40" in str(exc), f"name start and max_len: {exc}"

    learned = LearnedPositionalEmbedding(12, 3)
    assert [n for n, _ in learned.named_parameters()] == ["weight"] and learned.weight.shape == (12, 3)
    out = learned(4, start=5)
    assert out.shape == (4, 3) and np.allclose(out._data, learned.weight._data[5:9]), "rows 5..8"
    out.sum().backward()
    assert np.allclose(learned.weight.grad._data[5:9], 1) and np.allclose(learned.weight.grad._data[:5], 0)
    ### BEGIN HIDDEN TESTS
    tall = sinusoidal_table(3, 40)
    assert tall.shape == (3, 40) and np.allclose(tall[2, 38:40], [np.sin(2 * 10000.0 ** (-38 / 40)),
                                                                  np.cos(2 * 10000.0 ** (-38 / 40))])
    assert np.allclose(enc(1, start=39)._data, sinusoidal_table(40, 8)[39], atol=1e-6)
    assert np.allclose(learned(2, start=10)._data, learned.weight._data[10:12])
    for bad in ((13, 0), (2, 11), (-1, 0)):
        try:
            learned(*bad)
            raise AssertionError(f"learned({bad}) must raise ValueError")
        except ValueError:
            pass
    ### END HIDDEN TESTS
    print("✅ sinusoidal and learned positions, from any start position")


test_unit_positional()

# %% [markdown]
"""
## Part 3: Systems Analysis

### Computational Complexity

For `N` ids (batch times sequence length), a table of `V` rows of width `d`, and `U <= min(N, V)` distinct
ids:

| step | time | memory |
|---|---|---|
| one-hot product (forward) | `2*N*V*d` FLOPs | the `N x V` one-hot matrix |
| lookup `W[ids]` (forward) | `N*d` copies | the output, `N*d` |
| one-hot gradient `H^T @ G` | `2*N*V*d` FLOPs | `N x V` again, plus `V*d` |
| dense gradient: zeros `(V, d)` + `np.add.at` | `V*d` to clear + `N*d` adds | `V*d`, whatever `N` is |
| sparse gradient: `U` rows + their ids | `N log N` to find the distinct ids + `N*d` adds | `U*d` |
| sinusoidal table | `max_len*d` sin/cos, once | `max_len*d` (a buffer) |

The table is usually the largest single tensor of a small language model, and its dense gradient is
as large as the table even when a batch uses a few hundred rows.
"""

# %% [markdown]
"""
### Memory: embedding tables of real vocabularies

**Build -> Measure -> Understand.** The table costs `V * d * itemsize` bytes, a deterministic quantity:
we print it by formula for real models, measure the allocation of BERT's and GPT-2's tables with
`tracemalloc` (reserved with `np.empty`, never filled, so they cost this shared machine nothing), and
build two `Embedding` layers for real, asserting each against its formula.
"""

# %% [code]
import os
import time
import tracemalloc

from tinytorch.core.tensor import manual_seed

models = [("our char model (pydoc corpus)", 103, 128), ("our BPE, 512 merges", 768, 128),
          ("BERT-base (WordPiece)", 30522, 768), ("GPT-2 small (BPE)", 50257, 768),
          ("LLaMA 2 7B (SentencePiece)", 32000, 4096), ("LLaMA 3 8B (tiktoken BPE)", 128256, 4096)]
print(f"{'model':32s} {'V':>7s} {'d':>5s} {'parameters':>13s} {'float32':>10s} {'bfloat16':>10s}")
for name, V, d in models:
    print(f"{name:32s} {V:7d} {d:5d} {V * d:13,d} {V * d * 4 / 2**20:8.1f}MiB {V * d * 2 / 2**20:8.1f}MiB")

# Real vocabularies, measured: np.empty reserves the table without touching its pages, so tracemalloc sees
# the full allocation while the machine spends no memory on it.
for name, V, d in models[2:4]:
    tracemalloc.start()
    table = np.empty((V, d), dtype=np.float32)
    reserved = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert abs(reserved - V * d * 4) < 4096, f"{name}: reserved {reserved:,} bytes, formula {V * d * 4:,}"
    print(f"{name}: np.empty(({V}, {d}), float32) reserved {reserved:,} bytes, formula V*d*4 = {V * d * 4:,}")
    del table

manual_seed(0)
for V, d in [(768, 128), (50257, 32)]:
    tracemalloc.start()
    layer = Embedding(V, d)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert layer.weight._data.nbytes == V * d * 4, "float32 table: V * d * 4 bytes"
    predicted_peak = V * d * (4 + 8)            # the float32 table + normal_'s float64 draw, alive together
    assert abs(peak - predicted_peak) < 64 * 1024, f"measured peak {peak:,}, predicted {predicted_peak:,}"
    print(f"allocated Embedding({V}, {d}): weight {layer.weight._data.nbytes:,} bytes = V*d*4; peak while "
          f"building {peak:,} bytes, predicted V*d*(4+8) = {predicted_peak:,}")
    del layer

gpt2_params = 124_439_808           # GPT-2 small, tied embeddings (Radford et al. 2019; Hugging Face count)
print(f"\nGPT-2 small: the token table holds {50257 * 768 / gpt2_params:.0%} of its {gpt2_params:,} parameters")

# %% [markdown]
"""
**Understand.** A vocabulary of 50,000 tokens at `d = 768` is 147 MiB in float32 before a single layer;
LLaMA 3's 128K-token vocabulary at `d = 4096` is 2 GiB (and its untied output layer as much again).
Our course models are tiny in comparison: the character table is 103 rows. The peak during construction
is three times the table, as predicted and asserted: `normal_` draws the numbers in float64 (8 bytes
each) and copies them into the float32 weight (4 bytes each), and both exist at that moment.
"""

# %% [markdown]
"""
### Dense against sparse gradients

A batch of 32 sequences of 64 tokens uses at most 2,048 distinct rows. The dense gradient is a full
`(V, d)` array, mostly zeros; a **sparse** gradient keeps only the distinct ids and their summed rows
(what PyTorch returns with `nn.Embedding(..., sparse=True)`). We time three ways to get the gradient on
the same batch (best of repeats, this run) and measure their peak memory, and check they agree. A
fourth way builds the same dense gradient without `np.add.at`: sort the ids, then add up each run of equal
ids with `np.add.reduceat` (sorting is how PyTorch's CPU backward avoids conflicting writes). The one-hot
product is only run for a small vocabulary (its `N x V` matrix would be 400 MB at GPT-2's `V`).
"""

# %% [code]
from tinytorch.utils.timing import best_time  # fastest of `repeats` calls, BLAS pinned to one thread


def peak_bytes(fn):
    tracemalloc.start()
    result = fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del result
    return peak


def dense_grad(ids, G, V):
    grad = np.zeros((V, G.shape[-1]), dtype=G.dtype)
    np.add.at(grad, ids.reshape(-1), G.reshape(-1, G.shape[-1]))
    return grad


def sparse_grad(ids, G):
    rows, inverse = np.unique(ids.reshape(-1), return_inverse=True)
    values = np.zeros((len(rows), G.shape[-1]), dtype=G.dtype)
    np.add.at(values, inverse, G.reshape(-1, G.shape[-1]))
    return rows, values


def sorted_dense_grad(ids, G, V):
    """Dense gradient without np.add.at: sort the ids, then sum each run of equal ids with reduceat."""
    flat, rows2d = ids.reshape(-1), G.reshape(-1, G.shape[-1])
    order = np.argsort(flat, kind="stable")
    ordered = flat[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    grad = np.zeros((V, G.shape[-1]), dtype=G.dtype)
    grad[ordered[starts]] = np.add.reduceat(rows2d[order], starts, axis=0)
    return grad


rng_b = np.random.default_rng(0)
d_b, batch_ids_shape = 64, (32, 64)
print(f"batch {batch_ids_shape[0]}x{batch_ids_shape[1]} = {np.prod(batch_ids_shape)} ids, d = {d_b}, float32, this run "
      f"(OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; only the one-hot product uses BLAS):")
print(f"{'V':>7s} {'method':24s} {'ms':>8s} {'peak MiB':>9s} {'result MiB':>11s}")
for V in (2048, 50257):
    ids_b = rng_b.integers(0, V, size=batch_ids_shape)
    G_b = rng_b.standard_normal(batch_ids_shape + (d_b,)).astype(np.float32)
    dense = dense_grad(ids_b, G_b, V)
    rows, values = sparse_grad(ids_b, G_b)
    assert np.allclose(dense[rows], values, atol=1e-5) and np.count_nonzero(dense.any(axis=1)) == len(rows)
    assert np.allclose(sorted_dense_grad(ids_b, G_b, V), dense, atol=1e-5)
    methods = [("dense (np.add.at)", lambda: dense_grad(ids_b, G_b, V), V * d_b * 4),
               ("dense (sort + reduceat)", lambda: sorted_dense_grad(ids_b, G_b, V), V * d_b * 4),
               ("sparse (unique rows)", lambda: sparse_grad(ids_b, G_b), len(rows) * d_b * 4 + len(rows) * 8)]
    if V <= 4096:
        onehot_g = embedding_onehot_grad(ids_b, G_b.astype(np.float64), V)
        assert np.allclose(onehot_g, dense, atol=1e-4)
        methods.insert(0, ("one-hot product", lambda: embedding_onehot_grad(ids_b, G_b, V), V * d_b * 8))
    for name, fn, result_bytes in methods:
        t = best_time(fn, repeats=3)
        print(f"{V:7d} {name:24s} {t * 1e3:8.2f} {peak_bytes(fn) / 2**20:9.2f} {result_bytes / 2**20:11.2f}")
    print(f"{'':7s} distinct rows used: {len(rows)} of {V} ({len(rows) / V:.1%})")

# %% [markdown]
"""
**Understand.** Compare the rows of the printed table rather than trusting a rule: the dense gradient's
size is fixed by `V`, the sparse one's by the batch. At a small vocabulary the batch touches most rows
and the two are alike; at GPT-2's vocabulary the batch touches a few percent of the rows, and the
dense gradient spends its time and memory on zeros. The one-hot product does `V` times more arithmetic
than needed. Compare the two dense rows too: `np.add.at` handles each repeated index one at a time,
while sorting turns the scatter into a few vectorised passes; your rule uses `np.add.at` because it is
the plain statement of the maths, and the table shows what the alternative would buy here. Sparse gradients have a cost elsewhere: optimizers such as Adam keep dense moment buffers,
so PyTorch offers `SparseAdam` for them, and distributed training must all-reduce ids and rows instead
of one dense array.
"""

# %% [markdown]
"""
## Production Context

**PyTorch.** `nn.Embedding` and `F.embedding` have the signature you built (plus `scale_grad_by_freq`
and `sparse`). On CPU the forward is `index_select`; the backward `embedding_dense_backward` sorts the
ids so that each row is summed by one thread without atomics, which is the parallel form of your
`np.add.at`. With `sparse=True` the gradient is a `torch.sparse_coo_tensor` of the used rows, to be
paired with `optim.SparseAdam` or `SGD`. `max_norm` renormalises rows in place exactly as here, which is
why PyTorch warns that the weight is modified during the forward pass. `nn.EmbeddingBag` fuses the lookup
with a sum or mean over bags of ids (recommendation models).

**Large models.** Recommendation systems (DLRM) hold embedding tables of billions of rows, sharded
across machines (TorchRec); the lookups and their sparse gradients dominate training. Language models
tie the output layer to the token table (GPT-2, module 13) to save `V*d` parameters. Positional
information has moved from added vectors to rotations inside attention (RoPE: LLaMA, GPT-NeoX), a
descendant of the sine/cosine pairs you built; ALiBi instead biases attention scores by distance.
"""

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/11_embeddings/embeddings_dev.py`) runs every test above
once more, through `run_all_tests()`.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_onehot()
    test_unit_embedding_op()
    test_unit_embedding_layer()
    test_unit_positional()
    print("🎉 All Embeddings tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. Your dense gradient for GPT-2's vocabulary was as large as the table while the batch used a few
   percent of its rows. After one Adam step, which rows of the table have changed, and why does that
   make sparse gradients awkward with Adam?
2. Module 10's 512-merge tokenizer shortened the held-out text compared with bytes. With `d = 128`, how
   many rows could you add to the table for the memory of one batch of 32 x 256 activations of width `d`?
3. The sinusoidal table has no parameters and the learned one has `max_len * d`. What does each do for a
   position beyond the longest training sequence, and which would you pick for a KV-cached model that
   generates past its training length?
4. `padding_idx` stops gradients to one row. If you forgot it, how would the padding row's vector drift
   during training, and would it change the loss on padded positions that are masked out of the loss?
5. A lookup with repeated ids accumulated their gradients. Which other op of this course has the same
   scatter-add gradient, and how did module 09 avoid `np.add.at` there?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built the first layer of a language model:
- the lookup as a one-hot product, and its gradient `H^T @ G` that sums over repeated ids;
- `embedding` as a recorded op whose gradient rule you registered with autograd: `np.add.at` so repeats
  accumulate, no gradient for the padding row, PyTorch's in-place `max_norm`;
- `nn.Embedding` with PyTorch's arguments, `N(0, 1)` initialisation and `weight` key;
- sinusoidal and learned positional encodings that start at any position, ready for a KV cache.

You measured what embedding tables of real vocabularies cost, and the time and memory of dense, sparse
and one-hot gradients.

**Next:** `tito export 11`, then module 12 lets tokens look at each other with attention.
"""
