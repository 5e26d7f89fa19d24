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
# Module 12: Attention

An embedding gives every token a vector, but each vector knows nothing about its neighbours. **Attention**
lets every position look at the other positions of the sequence and take a weighted average of what it
finds there, with weights that the model computes from the data itself. It is the one operation that
makes a transformer a transformer.

Attention is also the first layer in this course whose cost grows with the *square* of the sequence
length: every query scores every key. In this module you write it three times (a loop that reads like
the formula, a batched matrix version, and the fused op the package uses), measure what each costs, and
build PyTorch's `nn.MultiheadAttention` on top.

**Learning Objectives:**
- Derive scaled dot-product attention, `softmax(Q K^T / sqrt(d_k) + M) V`, and explain why the scores are
  divided by `sqrt(d_k)`.
- Use ONE mask convention and say it precisely: a boolean mask is True where a query **may attend**
  (PyTorch's `scaled_dot_product_attention`), a float mask is **added** to the scores (0 allowed, -inf
  blocked). Build causal masks, and probe that a model cannot see the future.
- Write attention as a loop, then as batched matrix products, then as one recorded op whose gradient
  rule you derive (`dV = P^T G`, `dS = P * (dP - rowsum(dP * P))`, ...).
- Build `nn.MultiheadAttention` (batch_first, PyTorch's parameter names `in_proj_weight`, `in_proj_bias`,
  `out_proj.*`), so a state_dict saved by PyTorch loads and gives the same output.
- Measure the `B*H*T*T` score matrix with `tracemalloc`, and the numerical range of the softmax in float32.

**How this module works.** Each step is a code cell to complete (between the solution markers, inside
functions whose signatures and docstrings are given), followed at once by a graded test. Cells that
start with `#| export` become `tinytorch/core/attention.py` when you run `tito export 12`.
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

**Queries, keys and values.** Each of `T` positions carries a query `q_i`, a key `k_j` and a value `v_j`
(vectors of size `d_k`, `d_k`, `d_v`). Query `i` scores every key, turns the scores into weights that are
positive and sum to 1, and returns the weighted average of the values:

    s_ij = q_i . k_j / sqrt(d_k) + m_ij            (scores, one per pair)
    p_ij = exp(s_ij) / sum_j' exp(s_ij')           (softmax over the keys j)
    out_i = sum_j p_ij v_j

In matrix form, with `Q` (T_q, d_k), `K` (T_k, d_k), `V` (T_k, d_v): `out = softmax(Q K^T / sqrt(d_k) + M) V`.

**Why divide by sqrt(d_k)?** If the entries of `q` and `k` are independent with mean 0 and variance 1,
`q . k` is a sum of `d_k` such products, so its variance is `d_k`. Without the scale, wider heads give
larger scores, the softmax saturates (one weight near 1, the rest near 0) and its gradient vanishes.
Dividing by `sqrt(d_k)` keeps the variance at 1 whatever the head size. The cell below measures it.

**The mask, one convention.** `m_ij` is added to the score: `0` where query `i` may look at key `j`,
`-inf` where it may not (`exp(-inf) = 0`, so a blocked key gets weight exactly 0). This **additive**
form is the only one the arithmetic uses. A **boolean** mask is accepted too, with PyTorch's
`scaled_dot_product_attention` meaning: **True = may attend**; it is turned into the additive form
(`True -> 0`, `False -> -inf`) before use. A **float** mask is already additive and is added as it is.

The original course of this kind mixed two conventions: its attention expected a 1/0 "allowed" mask and
added `(1 - mask) * -1e9`, while its model passed an additive 0/-inf mask. Every *allowed* score then
received `-1e9`, which in float32 swamps the score itself (the spacing of float32 numbers near 1e9 is
64), so every allowed key got the same weight: attention became a uniform average, and nothing noticed.
Our tests compare a boolean mask with its additive form, in float32, and check that weights are not
uniform.

(PyTorch's `nn.MultiheadAttention` predates `scaled_dot_product_attention` and gives a *boolean* mask the
opposite meaning, True = blocked. Our `MultiheadAttention` keeps that meaning for PyTorch programs and
converts at its door, so inside there is still one convention: the additive mask.)

**Causal masks.** A language model predicts token `t+1` from tokens `0..t`, so position `i` may attend only
to keys `j <= i`: the mask is True on and below the diagonal. When the queries are the last positions of a
longer key sequence (generation with a cache, module 17), query `i` sits at absolute position
`start + i` and may attend to keys `j <= start + i`.

**Cost.** For a batch `B`, `H` heads, `T` positions and head size `d`: `Q K^T` and `P V` each take
`2*B*H*T*T*d` FLOPs, and the score matrix holds `B*H*T*T` numbers. Doubling the context quadruples both.
"""

# %%
import numpy as np

rng_demo = np.random.default_rng(0)
for d_k in (4, 16, 64, 256):
    q_demo, k_demo = rng_demo.standard_normal((2, 20000, d_k))
    dots = np.sum(q_demo * k_demo, axis=1)
    print(f"d_k={d_k:4d}: variance of q.k = {dots.var():7.2f} (theory {d_k}), "
          f"after / sqrt(d_k): {(dots / np.sqrt(d_k)).var():.3f} (theory 1)")

B_demo, H_demo, T_demo, d_demo = 32, 4, 64, 16
print(f"\nB={B_demo}, H={H_demo}, T={T_demo}, d={d_demo}: Q K^T and P V take "
      f"{2 * 2 * B_demo * H_demo * T_demo * T_demo * d_demo / 1e6:.1f} MFLOP, the float32 score matrix "
      f"{B_demo * H_demo * T_demo * T_demo * 4 / 2**20:.1f} MiB")

# %% [markdown]
"""
## Part 2: Building attention

### Setup (given)

The package file imports `Tensor`, `record_op` and `register_op` from module 01 (to declare and record
the new op), `register_gradient` and `unbroadcast` from module 05 (to register its gradient rule: the
declared extension point of autograd), and `Module`, `Parameter`, `Linear` and the initialisers from
module 03.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "attention-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import math

import numpy as np

from tinytorch.core.activations import softmax
from tinytorch.core.autograd import register_gradient, unbroadcast
from tinytorch.core.layers import Linear, Module, Parameter, constant_, dropout, xavier_uniform_
from tinytorch.core.tensor import Tensor, default_generator, record_op, register_op

__all__ = [
    "scaled_dot_product_attention", "causal_mask", "mask_to_additive", "softmax_rows", "MultiheadAttention",
]

# The one differentiable op this module adds; its gradient rule is registered below with autograd's
# @register_gradient (the declared extension point of module 05).
SDPA = register_op("scaled_dot_product_attention", "12_attention")

# %% [markdown]
"""
### Step 1: Attention as a loop

The definition, one query at a time, on NumPy arrays of one sequence: `q` (T_q, d), `k` (T_k, d),
`v` (T_k, d_v) and an optional **boolean** mask (T_q, T_k), True = may attend. For each query, score all
keys, drop the blocked ones, softmax what is left, average the values. A query with no allowed key
returns zeros (PyTorch 2.13's `scaled_dot_product_attention` does the same; we check that in Step 4).
This version is the reference the fast ones are tested against; it is not exported.

**Your task:** `attention_loop`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "attention-loop", "locked": false, "schema_version": 3, "solution": true}}
def attention_loop(q, k, v, mask=None):
    """Attention for one sequence of NumPy arrays, a Python loop over the queries.

    q (T_q, d), k (T_k, d), v (T_k, d_v); mask None or boolean (T_q, T_k), True = may attend.
    For query i: s_j = q[i] . k[j] / sqrt(d) for the allowed j; p = softmax(s) over those j (subtract
    the max before exp); out[i] = sum_j p_j v[j]. A query with no allowed key gives a row of zeros.
    Return the (T_q, d_v) output, of q's dtype.
    """
    ### BEGIN SOLUTION
    t_q, d = q.shape
    out = np.zeros((t_q, v.shape[1]), dtype=q.dtype)
    for i in range(t_q):
        allowed = np.ones(k.shape[0], dtype=bool) if mask is None else mask[i]
        if not allowed.any():
            continue
        scores = k[allowed] @ q[i] / np.sqrt(d)
        weights = np.exp(scores - scores.max())
        weights /= weights.sum()
        out[i] = weights @ v[allowed]
    return out
    ### END SOLUTION

# %% [markdown]
"""
### Testing `attention_loop`

Cases you can check by hand: identical keys give equal weights (the average of the values); a key that
matches the query much better than the others takes almost all the weight; a mask that allows one key
copies that key's value; a fully blocked query gives zeros. Then the scale: on a crafted input the two
weights must be exactly `softmax([2, 0] / sqrt(4))`.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "attention-loop-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_attention_loop():
    v = np.array([[1.0, 0.0], [0.0, 1.0], [3.0, 3.0]])
    same_keys = attention_loop(np.ones((1, 4)), np.ones((3, 4)), v)
    assert np.allclose(same_keys, v.mean(axis=0)), f"equal scores must average the values, got {same_keys}"
    q = np.array([[10.0, 0.0, 0.0, 0.0]])
    k = np.array([[10.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]])
    assert np.allclose(attention_loop(q, k, v), v[0], atol=1e-6), "the matching key should take all the weight"
    one = attention_loop(np.zeros((1, 4)), k, v, mask=np.array([[False, True, False]]))
    assert np.allclose(one, v[1]), "a mask allowing one key copies its value"
    blocked = attention_loop(np.ones((2, 4)), k, v, mask=np.array([[False, False, False], [True, True, True]]))
    assert np.allclose(blocked[0], 0.0), "a query with no allowed key must give zeros"
    # scale: q.k = 2 for the first key, 0 for the second, d = 4: weights softmax([1, 0])
    qs, ks, vs = np.array([[1.0, 1.0, 0.0, 0.0]]), np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]), np.eye(2)
    w = np.exp([1.0, 0.0]) / np.exp([1.0, 0.0]).sum()
    got = attention_loop(qs, ks, vs)
    assert np.allclose(got[0], w), f"scores must be divided by sqrt(d_k): expected weights {w}, got {got[0]}"
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(3)
    qh, kh, vh = rng.standard_normal((3, 5)), rng.standard_normal((4, 5)), rng.standard_normal((4, 2))
    s = qh @ kh.T / np.sqrt(5)
    p = np.exp(s - s.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    assert np.allclose(attention_loop(qh, kh, vh), p @ vh)
    assert attention_loop(qh.astype(np.float32), kh.astype(np.float32), vh.astype(np.float32)).dtype == np.float32
    ### END HIDDEN TESTS
    print("✅ attention_loop scores, scales, masks and averages as the formula says")


test_unit_attention_loop()

# %% [markdown]
"""
### Step 2: Masks

Two helpers the rest of the module uses.

`causal_mask(query_len, key_len=None, start=0)` returns the boolean mask (True = may attend) where query
`i`, at absolute position `start + i`, may attend to keys `j <= start + i`. With `start=0` and equal
lengths this is the lower triangle including the diagonal (a token always sees itself). PyTorch's
`is_causal=True` is the `start=0` case.

`mask_to_additive(attn_mask, dtype)` turns any accepted mask into the additive NumPy array that the
arithmetic uses: a boolean mask becomes `0.0` where True and `-inf` where False; a float mask is already
additive and is returned as it is (as an array of `dtype`). Integer masks are ambiguous (is 1 "allowed"
or "add 1"?), so they are refused with a TypeError that says what to pass instead.

**Your task:** `causal_mask` and `mask_to_additive`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "attention-masks", "locked": false, "schema_version": 3, "solution": true}}
#| export
def causal_mask(query_len, key_len=None, start=0):
    """Boolean Tensor (query_len, key_len), True where query i may attend key j, i.e. j <= start + i.

    key_len defaults to start + query_len (the queries are the last positions of the keys). With
    start=0 and key_len == query_len this is the lower triangle, diagonal included.
    """
    ### BEGIN SOLUTION
    if key_len is None:
        key_len = start + query_len
    rows = np.arange(query_len)[:, None] + start
    return Tensor.from_array(np.arange(key_len)[None, :] <= rows)
    ### END SOLUTION


def mask_to_additive(attn_mask, dtype):
    """The additive form (NumPy array of `dtype`) of a boolean or float mask (Tensor or array).

    Boolean (True = may attend) -> 0.0 where True, -inf where False. Float -> the same values (it is
    already additive: 0 allowed, -inf blocked, or any bias). Raise TypeError for any other dtype,
    naming the dtype and saying to pass a boolean or float mask.
    """
    mask = attn_mask._data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
    if mask.dtype.kind not in "bf":
        raise TypeError(f"attn_mask must be boolean (True = may attend) or float (added to the scores), got "
                        f"dtype {mask.dtype}; convert it with mask.bool() or mask.float()")
    ### BEGIN SOLUTION
    if mask.dtype == np.bool_:
        additive = np.zeros(mask.shape, dtype=dtype)
        additive[~mask] = -np.inf
        return additive
    return mask.astype(dtype, copy=False)
    ### END SOLUTION

# %% [markdown]
"""
### Testing the masks
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "attention-masks-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_masks():
    m = causal_mask(3)
    assert isinstance(m, Tensor) and m.dtype == np.bool_ and m.shape == (3, 3)
    assert m._data.tolist() == [[True, False, False], [True, True, False], [True, True, True]], m._data.tolist()
    cached = causal_mask(2, start=3)
    assert cached.shape == (2, 5), "key_len defaults to start + query_len"
    assert cached._data.tolist() == [[True] * 4 + [False], [True] * 5], "query 0 sits at position 3"
    assert causal_mask(2, 4)._data.tolist() == [[True, False, False, False], [True, True, False, False]]

    additive = mask_to_additive(m, np.float32)
    assert additive.dtype == np.float32 and additive[0, 0] == 0.0 and additive[0, 1] == -np.inf
    assert np.array_equal(np.isfinite(additive), m._data), "True -> 0, False -> -inf"
    bias = np.array([[0.0, -np.inf], [0.5, -1.0]], dtype=np.float32)
    assert np.array_equal(mask_to_additive(bias, np.float32), bias), "a float mask is already additive"
    assert np.array_equal(mask_to_additive(Tensor(bias), np.float32), bias)
    try:
        mask_to_additive(np.array([[1, 0]]), np.float32)
        raise AssertionError("an integer mask must raise TypeError")
    except TypeError as exc:
        assert "int" in str(exc), f"the message should name the dtype: {exc}"
    ### BEGIN HIDDEN TESTS
    assert causal_mask(1)._data.tolist() == [[True]]
    assert np.array_equal(mask_to_additive(np.array([[True, False]]), np.float64), [[0.0, -np.inf]])
    f64 = np.array([[0.0, -np.inf, 2.0]])
    assert np.array_equal(mask_to_additive(f64, np.float64), f64)
    ### END HIDDEN TESTS
    print("✅ causal masks and the additive form follow one convention")


test_unit_masks()

# %% [markdown]
"""
### Step 3: Batched attention from Tensor ops

The loop does one small product per query. Stack all queries of all heads of all sequences instead:
with `q` (..., T_q, d), `k` (..., T_k, d), `v` (..., T_k, d_v), two batched matrix products do all the
work, `scores = q @ k^T * scale` and `out = softmax(scores + mask) @ v`. Written with Tensor ops
(`@`, `transpose`, `*`, `+`, module 02's `softmax`), autograd differentiates it with no extra code. It
returns the weights too, so you can look at them.

One difference from the loop: module 02's `softmax` of a row that is all `-inf` is NaN (as
`torch.softmax` is), so a fully masked query gives NaN here. The fused op of Step 4 fixes that.

**Your task:** `attention_composed` (not exported: Step 4 replaces it in the package).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "attention-composed", "locked": false, "schema_version": 3, "solution": true}}
def attention_composed(q, k, v, attn_mask=None, scale=None):
    """(out, weights) of attention built from Tensor ops, for Tensors q (..., T_q, d), k (..., T_k, d),
    v (..., T_k, d_v) and an optional boolean or float attn_mask broadcastable to (..., T_q, T_k).

    scale defaults to 1 / sqrt(d). scores = q @ k.transpose(-2, -1) * scale, plus
    Tensor(mask_to_additive(attn_mask, q.dtype)) when a mask is given; weights = softmax(scores, dim=-1);
    out = weights @ v.
    """
    ### BEGIN SOLUTION
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ k.transpose(-2, -1)) * scale
    if attn_mask is not None:
        scores = scores + Tensor(mask_to_additive(attn_mask, q.dtype))
    weights = softmax(scores, dim=-1)
    return weights @ v, weights
    ### END SOLUTION

# %% [markdown]
"""
### Testing `attention_composed`

Against the loop on every (batch, head) slice, with a causal mask; the weights sum to 1 and are exactly 0
above the diagonal; gradients reach q, k and v through autograd.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "attention-composed-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_attention_composed():
    rng = np.random.default_rng(1)
    qa, ka, va = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((2, 3, 5, 6))
    mask = causal_mask(5)
    out, weights = attention_composed(Tensor(qa), Tensor(ka), Tensor(va), attn_mask=mask)
    assert out.shape == (2, 3, 5, 6) and weights.shape == (2, 3, 5, 5)
    for b in range(2):
        for h in range(3):
            ref = attention_loop(qa[b, h], ka[b, h], va[b, h], mask=mask._data)
            assert np.allclose(out._data[b, h], ref), f"batch {b}, head {h} differs from the loop"
    assert np.allclose(weights._data.sum(-1), 1.0) and np.all(weights._data[..., 0, 1:] == 0.0)
    scaled, _ = attention_composed(Tensor(qa), Tensor(ka), Tensor(va), scale=0.25)
    s = qa @ ka.transpose(0, 1, 3, 2) * 0.25
    p = np.exp(s - s.max(-1, keepdims=True))
    assert np.allclose(scaled._data, (p / p.sum(-1, keepdims=True)) @ va), "an explicit scale replaces 1/sqrt(d)"
    tq = Tensor(qa, requires_grad=True)
    tk = Tensor(ka, requires_grad=True)
    tv = Tensor(va, requires_grad=True)
    attention_composed(tq, tk, tv, attn_mask=mask)[0].sum().backward()
    assert all(t.grad is not None and t.grad.shape == t.shape for t in (tq, tk, tv)), "use Tensor ops only"
    ### BEGIN HIDDEN TESTS
    bias = rng.standard_normal((5, 5))
    out_b, _ = attention_composed(Tensor(qa), Tensor(ka), Tensor(va), attn_mask=bias)
    s = qa @ ka.transpose(0, 1, 3, 2) / 2.0 + bias
    p = np.exp(s - s.max(-1, keepdims=True))
    assert np.allclose(out_b._data, (p / p.sum(-1, keepdims=True)) @ va)
    ### END HIDDEN TESTS
    print("✅ batched attention equals the loop, and autograd differentiates it")


test_unit_attention_composed()

# %% [markdown]
"""
### Step 4: One fused op with its own gradient rule

`attention_composed` records five ops and keeps several `T x T` arrays alive for the backward pass
(scores, scaled scores, masked scores, weights). The package uses one op instead:
`scaled_dot_product_attention`, PyTorch's `F.scaled_dot_product_attention`. Its forward pass computes the
scores and the softmax **in place** in one array `P`, and keeps only `P` for the backward pass.

**The softmax, safely.** `softmax_rows(s)` works in place on the last axis: subtract each row's max,
`exp`, divide by the row sum. A row that is entirely `-inf` (a query with no allowed key) would give
`-inf - (-inf) = nan`; PyTorch 2.13's `scaled_dot_product_attention` returns zeros for such a query (and a
zero gradient), and so do we: where a row's max is `-inf`, subtract 0 instead (every `exp` is then 0), and
divide by 1 where the row sum is 0.

**The gradient.** With `S` the scores, `P = softmax(S)`, `O = P V` and `G = dL/dO`:

    dV = P^T G              dP = G V^T
    dS = P * (dP - rowsum(dP * P))       (the softmax's Jacobian-vector product, row by row)
    dQ = dS K * scale       dK = dS^T Q * scale       d(float mask) = dS (it was added to S)

**Dropout** (`dropout_p > 0`) zeroes weights with probability `p` and scales the rest by `1/(1-p)`
*after* the softmax: `O = (P * keep / (1-p)) V`. The backward pass uses the same `keep` mask. As in
PyTorch, the functional form applies dropout whenever `dropout_p > 0` (a module passes 0 in eval mode).

*Given:* `_check_attention_inputs` (errors that name the shapes) and the public wrapper
`scaled_dot_product_attention`, which builds the additive mask (from `attn_mask` or `is_causal`) and
calls your `attention_forward`.

**Your task:** `softmax_rows`, `attention_forward` and `attention_grad`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "attention-fused-op", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given ------------------------------------------------------------------------------------------
def _check_attention_inputs(query, key, value):
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention: {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim < 2 or t.dtype.kind != "f":
            raise ValueError(f"scaled_dot_product_attention: {name} must be a float Tensor of shape "
                             f"(..., length, features), got shape {tuple(t.shape)} and dtype {t.dtype}")
    if key.dtype != query.dtype or value.dtype != query.dtype:
        raise TypeError(f"scaled_dot_product_attention: query, key and value must have one dtype, got "
                        f"{query.dtype}, {key.dtype} and {value.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"scaled_dot_product_attention: query {tuple(query.shape)} and key {tuple(key.shape)} "
                         f"must have the same last dimension (d_k), got {query.shape[-1]} and {key.shape[-1]}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: key {tuple(key.shape)} and value {tuple(value.shape)} "
                         f"must have the same length (dimension -2), got {key.shape[-2]} and {value.shape[-2]}")
    try:
        np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise ValueError(f"scaled_dot_product_attention: the batch dimensions of query {tuple(query.shape)}, "
                         f"key {tuple(key.shape)} and value {tuple(value.shape)} do not broadcast") from None


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """F.scaled_dot_product_attention: softmax(query @ key^T * scale + mask) @ value, one recorded op.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev). attn_mask: None, boolean
    (True = may attend) or float (added to the scores), broadcastable to (..., L, S); a float mask
    Tensor that requires grad receives a gradient. is_causal=True uses causal_mask(L, S) and must not be
    combined with attn_mask (ValueError). scale defaults to 1/sqrt(E). dropout_p > 0 drops attention
    weights (always, as in PyTorch's functional form). A query with no allowed key gives zeros.
    """
    _check_attention_inputs(query, key, value)
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"scaled_dot_product_attention: dropout_p must be in [0, 1], got {dropout_p!r}")
    L, S = query.shape[-2], key.shape[-2]
    mask_input = None
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: pass either attn_mask or is_causal=True, not both "
                             "(PyTorch's rule): put the causal mask into attn_mask yourself")
        additive = mask_to_additive(causal_mask(L, S), query.dtype)
    elif attn_mask is not None:
        additive = mask_to_additive(attn_mask, query.dtype)
        try:
            np.broadcast_shapes(additive.shape, query.shape[:-1] + (S,))
        except ValueError:
            raise ValueError(f"scaled_dot_product_attention: attn_mask of shape {additive.shape} does not "
                             f"broadcast to the scores' shape {query.shape[:-1] + (S,)}") from None
        if isinstance(attn_mask, Tensor) and attn_mask.dtype.kind == "f" and attn_mask.requires_grad:
            mask_input = attn_mask
    else:
        additive = None
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    out, probs, keep = attention_forward(query._data, key._data, value._data, additive, dropout_p, scale)
    inputs = (query, key, value) if mask_input is None else (query, key, value, mask_input)
    return record_op(out, SDPA, inputs, {"probs": probs, "keep": keep, "dropout_p": dropout_p, "scale": scale})


# ---- your part --------------------------------------------------------------------------------------
def softmax_rows(scores):
    """Softmax over the last axis of the float array `scores`, IN PLACE; returns `scores`.

    Rows whose entries are all -inf become all zeros (not nan): subtract 0 instead of the row max there,
    and divide by 1 where the row sum is 0.
    """
    ### BEGIN SOLUTION
    row_max = scores.max(axis=-1, keepdims=True)
    row_max[~np.isfinite(row_max)] = 0.0
    scores -= row_max
    np.exp(scores, out=scores)
    total = scores.sum(axis=-1, keepdims=True)
    total[total == 0] = 1.0
    scores /= total
    return scores
    ### END SOLUTION


def attention_forward(q, k, v, additive, dropout_p, scale):
    """The forward pass on NumPy arrays: returns (out, probs, keep).

    probs = softmax_rows(q @ k^T * scale + additive) (additive may be None), computed in ONE array;
    keep = None when dropout_p == 0, else a float mask (random >= dropout_p, drawn with
    default_generator.rng.random) divided by (1 - dropout_p) (all zeros when dropout_p == 1);
    out = (probs * keep) @ v, or probs @ v without dropout.
    """
    ### BEGIN SOLUTION
    scores = np.matmul(q, np.swapaxes(k, -1, -2))
    scores *= scores.dtype.type(scale)
    if additive is not None:
        if np.broadcast_shapes(additive.shape, scores.shape) == scores.shape:
            scores += additive                       # in place: no second T x T array
        else:
            scores = scores + additive
    probs = softmax_rows(scores)
    keep = None
    if dropout_p > 0:
        if dropout_p >= 1.0:
            keep = np.zeros(probs.shape, dtype=probs.dtype)
        else:
            keep = (default_generator.rng.random(probs.shape) >= dropout_p).astype(probs.dtype)
            keep /= probs.dtype.type(1.0 - dropout_p)
        return np.matmul(probs * keep, v), probs, keep
    return np.matmul(probs, v), probs, keep
    ### END SOLUTION


@register_gradient(SDPA)
def attention_grad(g, inputs, out, attrs):
    """Gradients for (query, key, value[, float mask]) from the saved probs (and keep).

    dV = P_used^T g (P_used = probs * keep with dropout); dP = g v^T (times keep with dropout);
    dS = P * (dP - sum(dP * P, last axis)); dQ = dS k * scale; dK = dS^T q * scale; dmask = dS.
    Every gradient is summed back to its input's shape with unbroadcast (batch dims may broadcast).
    """
    ### BEGIN SOLUTION
    q, k, v = inputs[0], inputs[1], inputs[2]
    probs, keep, scale = attrs["probs"], attrs["keep"], attrs["scale"]
    used = probs if keep is None else probs * keep
    gv = unbroadcast(np.matmul(np.swapaxes(used, -1, -2), g), v.shape) if v.requires_grad else None
    ds = np.matmul(g, np.swapaxes(v._data, -1, -2))
    if keep is not None:
        ds *= keep
    ds -= np.sum(ds * probs, axis=-1, keepdims=True)
    ds *= probs
    gmask = unbroadcast(ds.copy(), inputs[3].shape) if len(inputs) == 4 else None
    ds *= ds.dtype.type(scale)
    gq = unbroadcast(np.matmul(ds, k._data), q.shape) if q.requires_grad else None
    gk = unbroadcast(np.matmul(np.swapaxes(ds, -1, -2), q._data), k.shape) if k.requires_grad else None
    return (gq, gk, gv) if len(inputs) == 3 else (gq, gk, gv, gmask)
    ### END SOLUTION

# %% [markdown]
"""
### Testing the fused op

The values against the loop; the gradients against the composed version (which autograd differentiates)
and against central finite differences in float64 (`numeric_gradient`, a small helper that nudges each
input element both ways). Then the probes that matter for a language model, in **float32** as a model
runs: a boolean mask and its additive form give the same result, the weights on a crafted input are not
uniform, and causality: changing the inputs after position `k` changes no output at positions `<= k`.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "attention-fused-op-tests", "locked": true, "points": 5, "schema_version": 3, "solution": false}}
from tinytorch.core.autograd_support import numeric_gradient  # given: central differences (module 05)


def test_unit_fused_attention():
    rng = np.random.default_rng(2)
    qa, ka, va = rng.standard_normal((2, 2, 4, 3)), rng.standard_normal((2, 2, 5, 3)), rng.standard_normal((2, 2, 5, 2))
    bool_mask = rng.random((4, 5)) < 0.7
    bool_mask[:, 0] = True
    out = scaled_dot_product_attention(Tensor(qa), Tensor(ka), Tensor(va), attn_mask=Tensor(bool_mask))
    assert out.shape == (2, 2, 4, 2) and out.dtype == np.float64
    for b in range(2):
        for h in range(2):
            assert np.allclose(out._data[b, h], attention_loop(qa[b, h], ka[b, h], va[b, h], bool_mask)), \
                f"batch {b}, head {h}: the fused op differs from attention_loop"
    assert out.grad_fn is None or out.grad_fn.op == "scaled_dot_product_attention"
    rec = scaled_dot_product_attention(Tensor(qa, requires_grad=True), Tensor(ka), Tensor(va))
    assert rec.grad_fn is not None and rec.grad_fn.op == "scaled_dot_product_attention", "record ONE op"

    # gradients: against autograd through the composed version, and against finite differences
    upstream = rng.standard_normal((2, 2, 4, 2))
    fused = [Tensor(a, requires_grad=True) for a in (qa, ka, va)]
    scaled_dot_product_attention(*fused, attn_mask=bool_mask).backward(upstream)
    composed = [Tensor(a, requires_grad=True) for a in (qa, ka, va)]
    attention_composed(*composed, attn_mask=bool_mask)[0].backward(upstream)
    for name, f, c in zip("qkv", fused, composed):
        assert np.allclose(f.grad._data, c.grad._data), f"d{name} differs from autograd through the composed version"
    small = [qa[0, :1], ka[0, :1], va[0, :1]]
    up_small = rng.standard_normal((1, 4, 2))
    tensors = [Tensor(a, requires_grad=True) for a in small]
    scaled_dot_product_attention(*tensors, is_causal=True).backward(up_small)
    for i, t in enumerate(tensors):
        expected = numeric_gradient(lambda *x: scaled_dot_product_attention(*x, is_causal=True), small, i, up_small)
        assert np.allclose(t.grad._data, expected, atol=1e-6), f"input {i}: gradient differs from finite differences"

    # a fully masked query: zeros, and a zero gradient (PyTorch 2.13)
    none_allowed = np.ones((4, 5), dtype=bool)
    none_allowed[1] = False
    tq = Tensor(qa, requires_grad=True)
    o = scaled_dot_product_attention(tq, Tensor(ka), Tensor(va), attn_mask=none_allowed)
    assert np.all(o._data[:, :, 1] == 0.0) and np.isfinite(o._data).all(), "a fully masked query gives zeros"
    o.sum().backward()
    assert np.all(tq.grad._data[:, :, 1] == 0.0) and np.isfinite(tq.grad._data).all()

    # float32 probes: boolean mask == its additive form; weights not uniform; causality
    q32, k32, v32 = (Tensor((a * 2).astype(np.float32)) for a in (qa, ka, va))
    additive = np.where(bool_mask, 0.0, -np.inf).astype(np.float32)
    a_bool = scaled_dot_product_attention(q32, k32, v32, attn_mask=bool_mask)
    a_float = scaled_dot_product_attention(q32, k32, v32, attn_mask=Tensor(additive))
    assert a_bool.dtype == np.float32
    assert np.allclose(a_bool._data, a_float._data, atol=1e-5), \
        "a boolean mask and its additive (0 / -inf) form must give the same attention"
    crafted_k = Tensor(np.array([[5.0, 0.0], [0.0, 5.0], [-5.0, 0.0]], dtype=np.float32))
    crafted_q = Tensor(np.array([[1.0, 0.0], [1.0, 0.0]], dtype=np.float32))
    crafted_v = Tensor(np.eye(3, dtype=np.float32))
    weights = scaled_dot_product_attention(crafted_q, crafted_k, crafted_v,
                                           attn_mask=Tensor(np.zeros((2, 3), dtype=np.float32)))._data
    assert weights[0, 0] > 0.9, f"the query matching key 0 must weight it most, got weights {weights[0]} (uniform?)"
    x = rng.standard_normal((1, 6, 4)).astype(np.float32)
    x2 = x.copy()
    x2[:, 4:] += 3.0
    base = scaled_dot_product_attention(Tensor(x), Tensor(x), Tensor(x), is_causal=True)._data
    moved = scaled_dot_product_attention(Tensor(x2), Tensor(x2), Tensor(x2), is_causal=True)._data
    assert np.allclose(base[:, :4], moved[:, :4], atol=1e-6), "causality: positions <= 3 must not see positions 4, 5"
    assert not np.allclose(base[:, 4:], moved[:, 4:]), "positions 4, 5 changed and must move"
    try:
        scaled_dot_product_attention(Tensor(qa), Tensor(ka), Tensor(va), attn_mask=bool_mask, is_causal=True)
        raise AssertionError("attn_mask together with is_causal=True must raise ValueError")
    except ValueError:
        pass
    ### BEGIN HIDDEN TESTS
    s = qa @ ka.transpose(0, 1, 3, 2) * 0.5
    p = np.exp(s - s.max(-1, keepdims=True))
    assert np.allclose(scaled_dot_product_attention(Tensor(qa), Tensor(ka), Tensor(va), scale=0.5)._data,
                       (p / p.sum(-1, keepdims=True)) @ va), "an explicit scale replaces 1/sqrt(d)"
    fm = rng.standard_normal((4, 5))
    check = [qa[1, 1], ka[1, 1], va[1, 1], fm]
    ts = [Tensor(a, requires_grad=True) for a in check]
    up2 = rng.standard_normal((4, 2))
    scaled_dot_product_attention(ts[0], ts[1], ts[2], attn_mask=ts[3]).backward(up2)
    expected = numeric_gradient(lambda a, b, c, m: scaled_dot_product_attention(a, b, c, attn_mask=m), check, 3, up2)
    assert np.allclose(ts[3].grad._data, expected, atol=1e-6)
    ones = np.ones((3, 3), dtype=np.float32)
    assert np.allclose(scaled_dot_product_attention(Tensor(ones), Tensor(ones), Tensor(np.eye(3, dtype=np.float32)),
                                                    is_causal=True)._data[2], 1 / 3)
    ### END HIDDEN TESTS
    print("✅ the fused op matches the loop and autograd, handles masked rows, and is causal")


test_unit_fused_attention()

# %% [markdown]
"""
### Step 5: `nn.MultiheadAttention`

One attention looks at the sequence in one way. **Multi-head** attention runs `H` attentions side by side,
each on its own `d = E / H` slice of learned projections, and mixes their outputs:

    q, k, v = x W_q^T + b_q, x W_k^T + b_k, x W_v^T + b_v        (E -> E each)
    split each into H heads: (N, L, E) -> (N, L, H, d) -> (N, H, L, d)
    o = scaled_dot_product_attention(q, k, v, mask)               (N, H, L, d)
    merge the heads: (N, H, L, d) -> (N, L, H, d) -> (N, L, E);  out = o W_o^T + b_o

PyTorch stores `W_q, W_k, W_v` stacked in one `in_proj_weight` (3E, E) with `in_proj_bias` (3E,), and the
output projection as a `Linear` called `out_proj`. Using the same names and layout means a `state_dict`
from `torch.nn.MultiheadAttention` loads as it is. Initialisation follows PyTorch too: `in_proj_weight`
Xavier-uniform, both biases zero, `out_proj.weight` a `Linear`'s default.

**Masks, PyTorch's way for this class.** `attn_mask` is (L, S) or (N*H, L, S); `key_padding_mask` is
(N, S). For both, a **boolean True means blocked** (the opposite of `scaled_dot_product_attention`: a
historical difference that PyTorch keeps, and so do we for its programs), and a float mask is added.
Both are converted to the additive form at the door and added together. `is_causal=True` without an
`attn_mask` applies `causal_mask(L, S)` (PyTorch requires you to pass the mask as well; we accept either).

*Given:* the constructor, `_heads` and `_merge_heads`, and `_module_mask`, which turns the two masks into
one additive (N, H, L, S) array.

**The weights.** `need_weights=True` is PyTorch's default, and PyTorch then computes attention the
composed way so that the weights it returns are differentiable: scores, plus the mask, module 02's
`softmax`, module 03's `dropout`, then `weights @ v` (a fully masked query gives NaN there, in PyTorch
and here). With `need_weights=False` it calls the fused kernel, and so do we (a fully masked query gives
zeros). The weights are averaged over the heads unless `average_attn_weights=False`.

**Your task:** `forward`: input layout (`batch_first`), the projections (one matrix product for
self-attention, where `query is key is value`), the split into heads, the two attention paths (dropout
only in training mode), the merge and `out_proj`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "attention-mha", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given ------------------------------------------------------------------------------------------
def _module_mask(attn_mask, key_padding_mask, n, h, L, S, dtype):
    """One additive (N, H, L, S)-broadcastable array from MultiheadAttention's masks (True = BLOCKED)."""
    total = None
    for name, mask, shapes in (("attn_mask", attn_mask, ((L, S), (n * h, L, S))),
                               ("key_padding_mask", key_padding_mask, ((n, S),))):
        if mask is None:
            continue
        m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
        if tuple(m.shape) not in shapes:
            raise ValueError(f"MultiheadAttention: {name} must have shape "
                             f"{' or '.join(str(s) for s in shapes)}, got {tuple(m.shape)}")
        if m.dtype == np.bool_:
            m = ~m                                      # PyTorch's module convention: True = blocked
        additive = mask_to_additive(m, dtype)
        if name == "key_padding_mask":
            additive = additive.reshape(n, 1, 1, S)
        elif additive.ndim == 3:
            additive = additive.reshape(n, h, L, S)
        total = additive if total is None else total + additive
    return total


class MultiheadAttention(Module):
    """nn.MultiheadAttention: H heads of scaled dot-product attention with PyTorch's parameters.

    Parameters: in_proj_weight (3E, E), in_proj_bias (3E,) (None when bias=False), out_proj (Linear E->E).
    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (attn_output, attn_weights or None).
    Inputs are (L, N, E), or (N, L, E) with batch_first=True, or unbatched (L, E).
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be a positive multiple of "
                             f"num_heads ({num_heads})")
        if add_bias_kv or add_zero_attn or kdim not in (None, embed_dim) or vdim not in (None, embed_dim):
            raise NotImplementedError("MultiheadAttention: add_bias_kv, add_zero_attn and kdim/vdim different "
                                      "from embed_dim are not implemented")
        if device is not None and str(device) != "cpu":
            raise ValueError(f"MultiheadAttention: tinytorch runs on the CPU only, got device {device!r}")
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.dropout, self.batch_first = float(dropout), batch_first
        dt = np.dtype(dtype or np.float32)
        self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype=dt))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype=dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dt)
        xavier_uniform_(self.in_proj_weight)
        if bias:
            constant_(self.out_proj.bias, 0.0)

    def _heads(self, x, n, length):
        """(N, length, E) -> (N, H, length, d)."""
        return x.reshape(n, length, self.num_heads, self.head_dim).permute(0, 2, 1, 3)

    def _merge_heads(self, o, n, length):
        """(N, H, length, d) -> (N, length, E)."""
        return o.permute(0, 2, 1, 3).reshape(n, length, self.embed_dim)

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"

    # ---- your part ----------------------------------------------------------------------------------
    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """Multi-head attention, as described above. Returns (attn_output, attn_weights or None).

        attn_output has the input's layout. attn_weights (differentiable, after dropout as in PyTorch) is
        (N, L, S) averaged over heads, or (N, H, L, S) with average_attn_weights=False (no N for unbatched
        input); None with need_weights=False, which uses scaled_dot_product_attention.
        Raise ValueError naming embed_dim and the query's shape when its last dimension is not embed_dim.
        """
        ### BEGIN SOLUTION
        if query.shape[-1] != self.embed_dim:
            raise ValueError(f"MultiheadAttention(embed_dim={self.embed_dim}) got a query of shape "
                             f"{tuple(query.shape)}: its last dimension must be {self.embed_dim}")
        unbatched = query.ndim == 2
        self_attention = query is key and key is value
        if unbatched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if unbatched or not self.batch_first:
            query = query.transpose(0, 1)
            key = query if self_attention else key.transpose(0, 1)
            value = query if self_attention else value.transpose(0, 1)
        n, L, E = query.shape
        S = key.shape[1]
        w, b = self.in_proj_weight, self.in_proj_bias
        if self_attention:
            qkv = (query.reshape(n * L, E) @ w.T).reshape(n, L, 3 * E)   # 2-D products: BLAS's fast path
            if b is not None:
                qkv = qkv + b
            qkv = qkv.reshape(n, L, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
        else:
            projected = []
            for i, x in enumerate((query, key, value)):
                y = (x.reshape(-1, E) @ w[i * E:(i + 1) * E].T).reshape(n, x.shape[1], E)
                if b is not None:
                    y = y + b[i * E:(i + 1) * E]
                projected.append(self._heads(y, n, x.shape[1]))
            q, k, v = projected
        if is_causal and attn_mask is None:
            attn_mask = ~causal_mask(L, S)
        additive = _module_mask(attn_mask, key_padding_mask, n, self.num_heads, L, S, q.dtype)
        dropout_p = self.dropout if self.training else 0.0
        weights = None
        if need_weights:                       # PyTorch's path for weights: softmax, dropout, then P V
            scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
            if additive is not None:
                scores = scores + Tensor(additive)
            weights = dropout(softmax(scores, dim=-1), dropout_p)
            o = weights @ v
            if average_attn_weights:
                weights = weights.mean(1)
            if unbatched:
                weights = weights[0]
        else:
            o = scaled_dot_product_attention(q, k, v, attn_mask=additive, dropout_p=dropout_p)
        o = self.out_proj(self._merge_heads(o, n, L).reshape(n * L, E)).reshape(n, L, E)
        if unbatched or not self.batch_first:
            o = o.transpose(0, 1)
        if unbatched:
            o = o.squeeze(1)
        return o, weights
        ### END SOLUTION

# %% [markdown]
"""
### Testing `MultiheadAttention`

Parameter names and shapes as in PyTorch; the output against a NumPy re-implementation of the formula
above with the same weights; both layouts; self- and cross-attention; PyTorch's boolean mask meaning
(True = blocked) for `attn_mask` and `key_padding_mask`; gradients reach every parameter.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "attention-mha-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def _mha_reference(x_q, x_kv, mha, blocked=None):
    """NumPy multi-head attention for batch-first arrays (N, L, E), blocked: boolean (L, S) or None."""
    E, H = mha.embed_dim, mha.num_heads
    d = E // H
    w, b = mha.in_proj_weight._data, mha.in_proj_bias._data
    q, k, v = x_q @ w[:E].T + b[:E], x_kv @ w[E:2 * E].T + b[E:2 * E], x_kv @ w[2 * E:].T + b[2 * E:]
    n, L, S = x_q.shape[0], x_q.shape[1], x_kv.shape[1]
    heads = np.zeros((n, L, E))
    for i in range(n):
        for h in range(H):
            cols = slice(h * d, (h + 1) * d)
            allowed = None if blocked is None else ~blocked
            heads[i, :, cols] = attention_loop(q[i, :, cols], k[i, :, cols], v[i, :, cols], allowed)
    return heads @ mha.out_proj.weight._data.T + mha.out_proj.bias._data


def test_unit_multihead_attention():
    from tinytorch.core.tensor import manual_seed
    manual_seed(0)
    mha = MultiheadAttention(8, 2, batch_first=True, dtype=np.float64)
    names = [name for name, _ in mha.named_parameters()]
    assert names == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"], names
    assert mha.in_proj_weight.shape == (24, 8) and mha.in_proj_bias.shape == (24,)
    rng = np.random.default_rng(4)
    mha.in_proj_bias._data[...] = rng.standard_normal(24)           # non-zero biases catch a missing bias
    mha.out_proj.bias._data[...] = rng.standard_normal(8)
    x, y = rng.standard_normal((3, 5, 8)), rng.standard_normal((3, 4, 8))

    tx = Tensor(x)
    out, weights = mha(tx, tx, tx)
    assert out.shape == (3, 5, 8) and weights.shape == (3, 5, 5)
    assert np.allclose(out._data, _mha_reference(x, x, mha)), "self-attention differs from the formula"
    assert np.allclose(weights._data.sum(-1), 1.0), "averaged weights still sum to 1 over the keys"
    cross, _ = mha(tx, Tensor(y), Tensor(y), need_weights=False)
    assert np.allclose(cross._data, _mha_reference(x, y, mha)), "cross-attention differs from the formula"

    blocked = ~causal_mask(5)._data                                 # PyTorch's module convention
    masked, _ = mha(tx, tx, tx, attn_mask=blocked)
    assert np.allclose(masked._data, _mha_reference(x, x, mha, blocked)), "attn_mask: True means blocked"
    same, _ = mha(tx, tx, tx, is_causal=True, need_weights=False)
    assert np.allclose(same._data, masked._data), "is_causal=True applies the causal mask"
    padding = np.zeros((3, 5), dtype=bool)
    padding[:, 3:] = True
    padded, _ = mha(tx, tx, tx, key_padding_mask=padding)
    assert np.allclose(padded._data, _mha_reference(x, x, mha, np.broadcast_to(padding[0], (5, 5)))), \
        "key_padding_mask: True means that key is ignored"

    seq_first = MultiheadAttention(8, 2, dtype=np.float64)
    seq_first.load_state_dict(mha.state_dict())
    xs = Tensor(x.transpose(1, 0, 2))
    out_sf, _ = seq_first(xs, xs, xs)
    assert out_sf.shape == (5, 3, 8) and np.allclose(out_sf._data.transpose(1, 0, 2), out._data), \
        "batch_first=False takes and returns (L, N, E)"

    tx = Tensor(x, requires_grad=True)
    mha(tx, tx, tx)[0].sum().backward()
    assert all(p.grad is not None for p in mha.parameters()) and tx.grad is not None
    assert mha(tx, tx, tx)[1].requires_grad, "with need_weights=True the weights are differentiable, as in PyTorch"
    try:
        mha(Tensor(np.zeros((1, 2, 6))), Tensor(np.zeros((1, 2, 6))), Tensor(np.zeros((1, 2, 6))))
        raise AssertionError("a query with 6 features into embed_dim 8 must raise ValueError")
    except ValueError as exc:
        assert "8" in str(exc) and "6" in str(exc)
    ### BEGIN HIDDEN TESTS
    per_head = mha(Tensor(x), Tensor(x), Tensor(x), average_attn_weights=False)[1]
    assert per_head.shape == (3, 2, 5, 5)
    un, _ = mha(Tensor(x[0]), Tensor(x[0]), Tensor(x[0]))
    assert un.shape == (5, 8) and np.allclose(un._data, out._data[0])
    mha.train()
    mha.dropout = 1.0
    dropped, _ = mha(Tensor(x), Tensor(x), Tensor(x), need_weights=False)
    assert np.allclose(dropped._data, mha.out_proj.bias._data), "dropout 1 drops every weight in training mode"
    mha.eval()
    assert np.allclose(mha(Tensor(x), Tensor(x), Tensor(x))[0]._data, out._data), "no dropout in eval mode"
    ### END HIDDEN TESTS
    print("✅ MultiheadAttention matches the formula with PyTorch's names, layouts and mask conventions")


test_unit_multihead_attention()

# %% [markdown]
"""
## Part 3: Systems Analysis

### Computational Complexity

For `B` sequences, `H` heads, `T` positions (keys and queries), head size `d`, model width `E = H*d`:

| step | FLOPs | memory kept for backward |
|---|---|---|
| projections `x W^T` (q, k, v, out) | `4 * 2*B*T*E*E` | the inputs, `B*T*E` each |
| scores `Q K^T` | `2*B*H*T*T*d = 2*B*T*T*E` | - |
| softmax (in place) | about `5*B*H*T*T` | `P`: `B*H*T*T` numbers |
| `P V` | `2*B*T*T*E` | - |
| backward of attention | about twice the forward | - |

The projections grow like `T*E^2`, attention like `T^2*E`: attention dominates once `T > 4E`-ish, and
its memory grows with `T^2` whatever `E` is. The composed version of Step 3 keeps about four `T x T`
arrays alive for the backward pass; the fused op keeps one.
"""

# %% [markdown]
"""
### Memory: the score matrix grows with T^2

**Build -> Measure -> Understand.** `tracemalloc` sees NumPy's buffers. The peak while the fused op runs
(recording off) should be the score matrix `B*H*T*T*itemsize` plus the output and row statistics, small
next to it. We assert that the peak minus the output is within 10% of the formula for every `T`, and
print the ratio as T doubles.
"""

# %% [code]
import tracemalloc

from tinytorch.core.autograd import no_grad


def peak_bytes(fn):
    """Peak bytes allocated while fn() runs (its result freed afterwards)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del result
    return peak


B_m, H_m, d_m = 8, 4, 16
print(f"{'T':>5s} {'formula B*H*T*T*4':>18s} {'measured peak - output':>23s} {'ratio':>6s} {'growth':>7s}")
previous = None
for T_m in (64, 128, 256, 512):
    rng_m = np.random.default_rng(T_m)
    qm, km, vm = (Tensor(rng_m.standard_normal((B_m, H_m, T_m, d_m)).astype(np.float32)) for _ in range(3))
    with no_grad():
        peak = peak_bytes(lambda: scaled_dot_product_attention(qm, km, vm, is_causal=True))
    formula = B_m * H_m * T_m * T_m * 4
    extra = peak - B_m * H_m * T_m * d_m * 4
    assert abs(extra / formula - 1) < 0.10, f"T={T_m}: peak {extra} is not the score matrix {formula}"
    growth = "" if previous is None else f"{extra / previous:6.1f}x"
    print(f"{T_m:5d} {formula / 2**20:15.2f} MiB {extra / 2**20:20.2f} MiB {extra / formula:6.2f} {growth:>7s}")
    previous = extra

# %% [markdown]
"""
Doubling `T` multiplies the peak by about 4: the score matrix is the memory of attention. At `T = 512`
with only 8 sequences and 4 heads it is already 32 MiB; a model with 32 heads and `T = 8192` would need
8 GiB per sequence for it, which is why production kernels never store it (see Production Context).

### The softmax's numerical range

In float32, `exp(x)` overflows to `inf` above about 88.7, and `inf / inf` is `nan`. Scores that large are
easy to reach: without the `1/sqrt(d)` scale, a head of size 256 with unit-variance entries has score
standard deviation 16, so a five-sigma score is 80. The stable softmax subtracts the row max first, so
the largest exponent is `exp(0) = 1` and nothing overflows. The cell below shows both and measures how
peaked the weights get (their entropy) with and without the scale.
"""

# %% [code]
big = np.array([[10.0, 50.0, 90.0, 100.0]], dtype=np.float32)
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(big) / np.exp(big).sum(axis=-1, keepdims=True)
stable = softmax_rows(big.copy())
print(f"float32 scores {big[0].tolist()}: naive softmax {naive[0].tolist()}, stable {np.round(stable[0], 6).tolist()}")
print(f"largest float32 whose exp is finite: {np.log(np.finfo(np.float32).max):.2f}")
assert np.isnan(naive).any() and np.isfinite(stable).all() and abs(stable.sum() - 1) < 1e-6

rng_s = np.random.default_rng(0)
print(f"\n{'d_k':>5s} {'score std, unscaled':>20s} {'entropy unscaled':>17s} {'entropy scaled':>15s} (max {np.log(64):.2f} nats)")
for d_k in (16, 64, 256):
    qs_, ks_ = rng_s.standard_normal((2, 64, 64, d_k)).astype(np.float32)
    raw = qs_ @ ks_.transpose(0, 2, 1)
    entropies = []
    for s in (raw, raw / np.sqrt(d_k)):
        p = softmax_rows(s.copy())
        entropies.append(float(-(p * np.log(np.maximum(p, 1e-30))).sum(-1).mean()))
    print(f"{d_k:5d} {raw.std():20.1f} {entropies[0]:17.2f} {entropies[1]:15.2f}")

# %% [markdown]
"""
Unscaled, the entropy of the weights falls as `d_k` grows: attention collapses onto one key, and the
softmax's gradient `P * (dP - ...)` becomes tiny for every other key. Scaled, the entropy stays about
the same at every width. That is the `1/sqrt(d_k)`.

### Speed: loop, composed, fused

Forward + backward of causal self-attention on a GPT-sized batch (32 sequences, 4 heads, `T = 64`,
`d = 16`), best of several runs with `time.perf_counter`. The loop is timed forward only, on one head of
one sequence, and scaled up by the number of (sequence, head) pairs.
"""

# %% [code]
import os
import time


from tinytorch.utils.timing import best_time  # fastest of `repeats` calls, BLAS pinned to one thread


rng_t = np.random.default_rng(0)
shape_t = (32, 4, 64, 16)
arrays_t = [rng_t.standard_normal(shape_t).astype(np.float32) for _ in range(3)]
mask_t = causal_mask(64)
upstream_t = np.ones(shape_t, dtype=np.float32)


def composed_step():
    ts = [Tensor(a, requires_grad=True) for a in arrays_t]
    attention_composed(*ts, attn_mask=mask_t)[0].backward(upstream_t)


def fused_step():
    ts = [Tensor(a, requires_grad=True) for a in arrays_t]
    scaled_dot_product_attention(*ts, is_causal=True).backward(upstream_t)


t_loop = best_time(lambda: attention_loop(arrays_t[0][0, 0], arrays_t[1][0, 0], arrays_t[2][0, 0], mask_t._data),
                   repeats=5) * 32 * 4
t_composed = best_time(composed_step)
t_fused = best_time(fused_step)
print(f"causal attention, batch {shape_t}, float32 (OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})")
print(f"{'version':34s} {'ms':>9s}")
print(f"{'loop (forward only, scaled up)':34s} {t_loop * 1e3:9.2f}")
print(f"{'composed Tensor ops (fwd + bwd)':34s} {t_composed * 1e3:9.2f}")
print(f"{'fused op (fwd + bwd)':34s} {t_fused * 1e3:9.2f}")
print(f"this run: fused / composed = {t_fused / t_composed:.2f}")

# %% [markdown]
"""
**Understand.** The loop pays Python's overhead once per query; the two batched versions do the same
arithmetic in a handful of large NumPy calls. Between those two, the difference is memory traffic: the
composed version writes and reads several `T x T` arrays (scaled scores, masked scores, weights, and
their gradients, one per recorded op), while the fused op works in place in one. Compare the numbers of
your own run; on a loaded machine they vary from run to run.
"""

# %% [markdown]
"""
## Production Context

**PyTorch's `F.scaled_dot_product_attention`** chooses a backend by device, dtype and arguments. On CPU
it has a fused "flash attention" kernel and a "math" fallback that is the composed version you wrote
(`torch.nn.attention.sdpa_kernel` can force one). In PyTorch 2.13 both return zeros for a query whose
keys are all masked (older versions returned NaN), while `nn.MultiheadAttention` with `need_weights=True`
(which computes its weights with a plain softmax) still returns NaN there. Our `MultiheadAttention`
follows both: NaN with `need_weights=True`, zeros without.

**FlashAttention** (Dao et al., 2022) never stores the `T x T` matrix: it walks over blocks of keys,
keeping for each query a running max and a running sum (the *online softmax*), and rescales the partial
output when the max changes. Memory falls from `O(T^2)` to `O(T)`, and because the blocks stay in fast
on-chip memory, it is also faster on GPUs, where attention is limited by memory traffic, not FLOPs. The
backward pass recomputes the scores block by block instead of saving `P`: a little more arithmetic for
much less memory.

**Masks in other libraries.** TensorFlow/Keras `MultiHeadAttention` takes a boolean `attention_mask` with
True = may attend (like `scaled_dot_product_attention`), JAX/Flax `dot_product_attention` too; older
PyTorch modules use True = blocked. Mixing them silently is exactly the bug of Part 1: a probe that
compares a boolean mask with its additive form, or checks causality, catches it.

**Multi-head variants.** Grouped-query attention (GQA, used by Llama 2/3) shares each key/value head
among several query heads (`enable_gqa` in PyTorch's sdpa), shrinking the KV cache of module 17;
multi-query attention shares one.
"""

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/12_attention/attention_dev.py`) runs every test above once
more, through `run_all_tests()`.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_attention_loop()
    test_unit_masks()
    test_unit_attention_composed()
    test_unit_fused_attention()
    test_unit_multihead_attention()
    print("🎉 All Attention tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. Your memory table grew by about 4x per doubling of `T`. At what `T` does the float32 score matrix of
   one sequence with 12 heads pass 1 GiB, and what would FlashAttention's memory be there?
2. The fused op keeps `P` for the backward pass; FlashAttention recomputes it. Using your timing of the
   forward pass, what would recomputation cost per training step, and what memory would it save?
3. In your entropy table, the unscaled weights collapsed as `d_k` grew. What does that do to the
   gradient reaching the keys that lost, and why would training stall rather than fail loudly?
4. The mask bug of Part 1 is invisible in float64 (adding `-1e9` keeps about 7 significant digits of a
   score) and total in float32. Which of this module's tests would still pass if they ran in float64?
5. Projections cost `8*B*T*E^2` FLOPs and attention `4*B*T^2*E`. For `E = 64`, at what context length
   does attention take more FLOPs than the projections? And for `E = 4096`?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built attention three ways and the layer around it:
- `attention_loop`, the definition one query at a time, the reference for everything else;
- `causal_mask` and `mask_to_additive`: one convention (boolean True = may attend, float added),
  with a start position for cached generation;
- `attention_composed` from Tensor ops, differentiated by autograd for free;
- `scaled_dot_product_attention`, one recorded op with an in-place safe softmax, dropout, fully masked
  queries giving zeros (as PyTorch 2.13), and the gradient rule you derived;
- `MultiheadAttention` with PyTorch's parameter names, layouts and module mask convention.

You measured the `B*H*T*T` score matrix growing 4x per doubling of `T`, the float32 range of the softmax,
what the `1/sqrt(d_k)` scale does to the weights, and the three versions' speed.

**Next:** `tito export 12`; module 13 stacks attention, LayerNorm and an MLP into a GPT.
"""
