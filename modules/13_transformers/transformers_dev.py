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
# Module 13: Transformers

Attention mixes information across positions; a transformer wraps it into a block that can be stacked
dozens of times and still train: **LayerNorm** keeps every position's activations at a fixed scale, an
**MLP** transforms each position on its own, and **residual connections** carry the input straight
through so gradients reach the first layer. Stack `N` such blocks on top of token and position
embeddings, put a LayerNorm and a linear head on top, and you have GPT: a model that reads tokens
`0..t` and predicts token `t+1`, for every `t` at once.

**Learning Objectives:**
- Derive LayerNorm's gradient (the part the original course got wrong), write it as one recorded op, and
  check it against finite differences and against autograd through the composed version.
- Build the pre-norm residual block `x + attn(ln1(x))`, `x + mlp(ln2(x))` with GELU, and explain why the
  norm goes *before* each sub-layer.
- Assemble a GPT-style decoder (token + position embedding, `N` blocks, final norm, a head that shares
  the token embedding's weights), with `generate()` (greedy, temperature, top-k, seeded).
- Count parameters and FLOPs by formula and check both against the model itself.
- Probe the model the way a bug would show: causality (the future moves no logit of the past), positions
  (a repeated token gives different logits at different positions), a uniform-attention ablation.

**How this module works.** Each step is a code cell to complete (between the solution markers), followed
at once by a graded test. Cells that start with `#| export` become `tinytorch/models/transformer.py` when
you run `tito export 13`.
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

**LayerNorm.** For one position's vector `x` of `D` features (the normalised dimensions):

    mu = mean(x),   var = mean((x - mu)^2)        (the BIASED variance: divide by D, not D - 1)
    xhat = (x - mu) * r,   r = 1 / sqrt(var + eps)
    y = xhat * gamma + beta                        (gamma = weight, beta = bias, learned, size D)

PyTorch divides by `D`; dividing by `D - 1` (the "unbiased" estimate) gives a different `y`, by a factor
`sqrt((D-1)/D)`: small for `D = 768`, 13% for `D = 4`.

**Its gradient.** Let `G = dL/dy` and `Gh = G * gamma` (the gradient reaching `xhat`). `xhat` depends on
every `x_j` through `mu` and `r`, and the three paths add up to

    dL/dx = r * (Gh - mean(Gh) - xhat * mean(Gh * xhat))
    dL/dgamma = sum over positions of G * xhat,     dL/dbeta = sum over positions of G

(the two means are over the `D` features). The first term is the direct path, `- mean(Gh)` comes through
`mu`, `- xhat * mean(Gh * xhat)` through `r`. Dropping the last term (it vanishes when `G` happens to be
constant) is the classic mistake; a finite-difference check finds it at once.

**The pre-norm block.** With `x` of shape (B, T, d):

    x = x + Attention(LN1(x))       (causal multi-head self-attention, module 12)
    x = x + MLP(LN2(x))             MLP(z) = W2 GELU(W1 z + b1) + b2,  W1: d -> 4d, W2: 4d -> d

The residual path is the identity: at initialisation every block is close to the identity and the
gradient reaches the embeddings unchanged. The original transformer put the norm *after* the addition
(`x = LN(x + Attention(x))`, post-norm), which needs a learning-rate warm-up to train deep stacks.

**GPT.** `h0 = E_tok[idx] + E_pos[start : start + T]`, then `N` blocks, then `LN_f`, then
`logits = h W_head^T` with `W_head = E_tok` (**weight tying**: the same `V x d` matrix reads tokens in and
writes them out, saving `V*d` parameters).

**Counting.** With vocabulary `V`, context `C`, width `d`, `N` layers, MLP hidden `4d`:

    parameters = V*d (tokens, tied head) + C*d (learned positions) + N*(12 d^2 + 13 d) + 2 d (LN_f)
    forward FLOPs for T tokens = N * (24 T d^2 + 4 T^2 d) + 2 T d V

(per layer: q, k, v, out projections `8Td^2`, MLP `16Td^2`, `QK^T` and `PV` `4T^2 d`; the head `2TdV`).
"""

# %%
import numpy as np

V_demo, C_demo, d_demo, N_demo = 96, 64, 64, 2
params_demo = V_demo * d_demo + C_demo * d_demo + N_demo * (12 * d_demo ** 2 + 13 * d_demo) + 2 * d_demo
flops_demo = N_demo * (24 * C_demo * d_demo ** 2 + 4 * C_demo ** 2 * d_demo) + 2 * C_demo * d_demo * V_demo
print(f"GPT(V={V_demo}, C={C_demo}, d={d_demo}, N={N_demo}): {params_demo:,} parameters, "
      f"{flops_demo / 1e6:.1f} MFLOP per forward pass of {C_demo} tokens")
for D in (4, 64, 768):
    print(f"D={D:4d}: unbiased / biased normalisation differ by a factor {np.sqrt((D - 1) / D):.4f}")

# %% [markdown]
"""
## Part 2: Building the transformer

### Setup (given)

The package file builds on module 12 (`MultiheadAttention`, `scaled_dot_product_attention`,
`causal_mask`), module 11 (`Embedding` and the positional embeddings, which take a `start` position),
module 03 (`Module`, `Linear`, `Dropout`, `GELU`: module 02's one GELU), and module 05
(`register_gradient` for the new `layer_norm` op, `no_grad` for generation).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "transformers-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import math

import numpy as np

from tinytorch.core.attention import MultiheadAttention, causal_mask, scaled_dot_product_attention
from tinytorch.core.autograd import no_grad, register_gradient
from tinytorch.core.layers import GELU, Dropout, Linear, Module, ModuleList, Parameter
from tinytorch.core.tensor import Generator, Tensor, default_generator, record_op, register_op
from tinytorch.text.embeddings import Embedding, LearnedPositionalEmbedding, SinusoidalPositionalEncoding

__all__ = [
    "layer_norm", "LayerNorm", "MLP", "CausalSelfAttention", "TransformerBlock", "GPT", "next_token",
    "gpt_parameter_count", "gpt_forward_flops",
]

# The differentiable op this module adds; its gradient rule is registered below (module 05's extension point).
LAYER_NORM = register_op("layer_norm", "13_transformers")

# %% [markdown]
"""
### Step 1: LayerNorm from Tensor ops

First the formula as it reads, with Tensor ops (`mean`, `-`, `*`, `sqrt`), so autograd differentiates it
for us. It normalises over the last dimension. This version is the reference for Step 2; it is not
exported.

**Your task:** `layer_norm_composed`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "transformers-ln-composed", "locked": false, "schema_version": 3, "solution": true}}
def layer_norm_composed(x, weight, bias, eps=1e-5):
    """LayerNorm over the last dimension of Tensor x, from Tensor ops (autograd differentiates it).

    mu = x.mean(-1, keepdim=True); var = ((x - mu) * (x - mu)).mean(-1, keepdim=True) (biased: / D);
    return (x - mu) / (var + eps).sqrt() * weight + bias.
    """
    ### BEGIN SOLUTION
    mu = x.mean(-1, keepdim=True)
    centred = x - mu
    var = (centred * centred).mean(-1, keepdim=True)
    return centred / (var + eps).sqrt() * weight + bias
    ### END SOLUTION

# %% [markdown]
"""
### Testing `layer_norm_composed`

A vector you can do by hand: `[1, 2, 3, 4]` has mean 2.5 and biased variance 1.25. Then random rows
against NumPy, and the unbiased variance must NOT be what you used.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "transformers-ln-composed-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_layer_norm_composed():
    x = Tensor(np.array([[1.0, 2.0, 3.0, 4.0]]))
    ones, zeros = Tensor(np.ones(4)), Tensor(np.zeros(4))
    y = layer_norm_composed(x, ones, zeros, eps=0.0)
    expected = (np.array([1.0, 2.0, 3.0, 4.0]) - 2.5) / np.sqrt(1.25)
    assert np.allclose(y._data[0], expected), f"expected {expected} (biased variance 1.25), got {y._data[0]}"
    rng = np.random.default_rng(0)
    xs, w, b = rng.standard_normal((3, 5, 6)), rng.standard_normal(6), rng.standard_normal(6)
    ref = (xs - xs.mean(-1, keepdims=True)) / np.sqrt(xs.var(-1, keepdims=True) + 1e-5) * w + b
    assert np.allclose(layer_norm_composed(Tensor(xs), Tensor(w), Tensor(b))._data, ref)
    tx = Tensor(xs, requires_grad=True)
    layer_norm_composed(tx, Tensor(w), Tensor(b)).sum().backward()
    assert tx.grad is not None, "build it from Tensor ops so autograd can differentiate it"
    ### BEGIN HIDDEN TESTS
    assert np.allclose(layer_norm_composed(Tensor(xs), Tensor(w), Tensor(b), eps=0.5)._data,
                       (xs - xs.mean(-1, keepdims=True)) / np.sqrt(xs.var(-1, keepdims=True) + 0.5) * w + b)
    ### END HIDDEN TESTS
    print("✅ layer_norm_composed normalises with the biased variance")


test_unit_layer_norm_composed()

# %% [markdown]
"""
### Step 2: `layer_norm` as one op, and `nn.LayerNorm`

The composed version records eight ops and keeps their intermediates. The package records one,
`layer_norm`, with PyTorch's functional signature `F.layer_norm(input, normalized_shape, weight, bias,
eps)`: it normalises over the last `len(normalized_shape)` dimensions. The forward pass keeps `xhat`
and `r` (per position) in `attrs`; the gradient rule is the formula of Part 1, with the means taken over
the normalised dimensions and the parameter gradients summed over all the others.

*Given:* the public `layer_norm` (checks, then your `layer_norm_forward`, then `record_op`) and the
`LayerNorm` module (weight ones, bias zeros, as in PyTorch).

**Your task:** `layer_norm_forward` and `layer_norm_grad`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "transformers-ln-op", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given ------------------------------------------------------------------------------------------
def _shape_tuple(normalized_shape):
    return (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """F.layer_norm: normalise over the last len(normalized_shape) dims, then * weight + bias (if given).

    Raise ValueError naming both shapes when the input's last dimensions are not normalized_shape, or
    when weight/bias do not have shape normalized_shape.
    """
    shape = _shape_tuple(normalized_shape)
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        raise TypeError(f"layer_norm: input must be a float Tensor, got {type(input).__name__}")
    if tuple(input.shape[input.ndim - len(shape):]) != shape or input.ndim < len(shape):
        raise ValueError(f"layer_norm: input of shape {tuple(input.shape)} does not end with normalized_shape "
                         f"{shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ValueError(f"layer_norm: {name} must have shape normalized_shape {shape}, got {tuple(t.shape)}")
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    out, xhat, rstd = layer_norm_forward(input._data, axes, None if weight is None else weight._data,
                                         None if bias is None else bias._data, eps)
    inputs = (input,) + tuple(t for t in (weight, bias) if t is not None)
    return record_op(out, LAYER_NORM, inputs, {"axes": axes, "xhat": xhat, "rstd": rstd,
                                               "has_weight": weight is not None, "has_bias": bias is not None})


class LayerNorm(Module):
    """nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True): weight ones, bias zeros."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None):
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dt = np.dtype(dtype or np.float32)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


# ---- your part --------------------------------------------------------------------------------------
def layer_norm_forward(x, axes, weight, bias, eps):
    """(out, xhat, rstd) for the NumPy array x normalised over `axes` (weight/bias arrays or None).

    mu and the BIASED variance over `axes` (keepdims); rstd = 1 / sqrt(var + eps);
    xhat = (x - mu) * rstd; out = xhat * weight + bias (skip what is None). Keep x's dtype.
    """
    ### BEGIN SOLUTION
    mu = x.mean(axis=axes, keepdims=True)
    centred = x - mu
    var = np.mean(centred * centred, axis=axes, keepdims=True)
    rstd = 1.0 / np.sqrt(var + x.dtype.type(eps))
    xhat = centred
    xhat *= rstd                                   # in place: `centred` is ours, no new array
    out = xhat if weight is None else xhat * weight
    if bias is not None:
        out = out + bias if out is xhat else np.add(out, bias, out=out)
    return out, xhat, rstd
    ### END SOLUTION


@register_gradient(LAYER_NORM)
def layer_norm_grad(g, inputs, out, attrs):
    """Gradients for (input[, weight][, bias]) of layer_norm, from the saved xhat and rstd.

    gh = g * weight (or g); dx = rstd * (gh - mean(gh) - xhat * mean(gh * xhat)), means over attrs["axes"];
    dweight = sum of g * xhat and dbias = sum of g over every axis NOT in attrs["axes"].
    """
    ### BEGIN SOLUTION
    axes, xhat, rstd = attrs["axes"], attrs["xhat"], attrs["rstd"]
    x = inputs[0]
    weight = inputs[1] if attrs["has_weight"] else None
    lead = tuple(range(x.ndim - len(axes)))
    grads = []
    gh = g if weight is None else g * weight._data
    if x.requires_grad:
        grads.append(rstd * (gh - gh.mean(axis=axes, keepdims=True)
                             - xhat * (gh * xhat).mean(axis=axes, keepdims=True)))
    else:
        grads.append(None)
    if weight is not None:
        grads.append((g * xhat).sum(axis=lead) if weight.requires_grad else None)
    if attrs["has_bias"]:
        grads.append(g.sum(axis=lead) if inputs[-1].requires_grad else None)
    return tuple(grads)
    ### END SOLUTION

# %% [markdown]
"""
### Testing the `layer_norm` op

Values against the composed version; gradients against central finite differences in float64 for the
input, weight and bias, with a **random** upstream gradient (a constant one would hide a missing term),
and against autograd through the composed version; two normalised dimensions; `nn.LayerNorm`'s
parameters.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "transformers-ln-op-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
from tinytorch.core.autograd_support import numeric_gradient  # given: central differences (module 05)


def test_unit_layer_norm_op():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 3, 5)), rng.standard_normal(5), rng.standard_normal(5)
    out = layer_norm(Tensor(x), 5, Tensor(w), Tensor(b))
    assert np.allclose(out._data, layer_norm_composed(Tensor(x), Tensor(w), Tensor(b))._data), \
        "layer_norm differs from layer_norm_composed (biased variance, eps inside the square root)"
    rec = layer_norm(Tensor(x, requires_grad=True), (5,), Tensor(w), Tensor(b))
    assert rec.grad_fn is not None and rec.grad_fn.op == "layer_norm", "record ONE op named 'layer_norm'"
    upstream = rng.standard_normal(x.shape)
    tensors = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    layer_norm(tensors[0], 5, tensors[1], tensors[2]).backward(upstream)
    for i, name in enumerate(("input", "weight", "bias")):
        expected = numeric_gradient(lambda a, c, d: layer_norm(a, 5, c, d), [x, w, b], i, upstream)
        assert np.allclose(tensors[i].grad._data, expected, atol=1e-6), \
            f"d{name}: max error {np.abs(tensors[i].grad._data - expected).max():.2e} against finite differences"
    composed = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    layer_norm_composed(*composed).backward(upstream)
    assert np.allclose(tensors[0].grad._data, composed[0].grad._data), "dx differs from autograd through Step 1"
    two = rng.standard_normal((2, 3, 4))
    w2 = rng.standard_normal((3, 4))
    flat = (two - two.mean((1, 2), keepdims=True)) / np.sqrt(two.var((1, 2), keepdims=True) + 1e-5) * w2
    assert np.allclose(layer_norm(Tensor(two), (3, 4), Tensor(w2))._data, flat), "normalise over both dims"
    ln = LayerNorm(5)
    assert [n for n, _ in ln.named_parameters()] == ["weight", "bias"] and np.all(ln.weight._data == 1)
    assert ln(Tensor(x.astype(np.float32))).dtype == np.float32
    try:
        layer_norm(Tensor(x), 4)
        raise AssertionError("normalized_shape 4 on an input ending in 5 must raise ValueError")
    except ValueError as exc:
        assert "5" in str(exc) and "4" in str(exc)
    ### BEGIN HIDDEN TESTS
    t2 = [Tensor(a, requires_grad=True) for a in (two, w2)]
    up2 = rng.standard_normal(two.shape)
    layer_norm(t2[0], (3, 4), t2[1]).backward(up2)
    for i in range(2):
        expected = numeric_gradient(lambda a, c: layer_norm(a, (3, 4), c), [two, w2], i, up2)
        assert np.allclose(t2[i].grad._data, expected, atol=1e-6)
    tx = Tensor(x, requires_grad=True)
    layer_norm(tx, 5).backward(upstream)
    assert np.allclose(tx.grad._data, numeric_gradient(lambda a: layer_norm(a, 5), [x], 0, upstream), atol=1e-6)
    ### END HIDDEN TESTS
    print("✅ layer_norm is one op whose gradient matches finite differences")


test_unit_layer_norm_op()

# %% [markdown]
"""
### Step 3: The MLP and the pre-norm block

`MLP(d_model, hidden=4*d_model, dropout)`: `fc1` (d -> hidden), GELU, `fc2` (hidden -> d), dropout. The
GELU is module 02's (via `nn.GELU`), with `approximate="tanh"` as in GPT-2. Work on the rows
`x.reshape(-1, d)` and reshape back at the end: NumPy hands one `(B*T, d)` matrix to BLAS in a single
call, while a stack of `B` matrices is multiplied one matrix at a time (the Systems Analysis times both).

`CausalSelfAttention` is module 12's `MultiheadAttention` (same parameters, `batch_first=True`) used as
causal self-attention: `forward(x, start=0)`. `start` is the absolute position of `x`'s first token;
without a cache the keys are `x` itself and the mask is `causal_mask(T)` whatever `start` is, but module
17 keeps earlier keys in a cache and then needs `causal_mask(T, start + T, start)`. With
`uniform_attention=True`, every position takes the plain average of the values at positions `<= i`
(the ablation that milestone 05 trains to show what attention's weights are worth).

`TransformerBlock(d_model, n_heads, dropout=0.0, mlp_hidden=None, uniform_attention=False)` holds `ln1`,
`attn`, `ln2`, `mlp` and a dropout on the attention output, and applies the pre-norm residual formula.

*Given:* `CausalSelfAttention` and the constructors. **Your task:** `MLP.forward` and
`TransformerBlock.forward`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "transformers-block", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given ------------------------------------------------------------------------------------------
class CausalSelfAttention(MultiheadAttention):
    """Causal multi-head self-attention on (B, T, d) with MultiheadAttention's parameters."""

    def __init__(self, d_model, n_heads, dropout=0.0, uniform_attention=False, dtype=None):
        super().__init__(d_model, n_heads, dropout=dropout, batch_first=True, dtype=dtype)
        self.uniform_attention = uniform_attention

    def forward(self, x, start=0):
        """x (B, T, d) at absolute positions start..start+T-1 -> (B, T, d)."""
        if x.ndim != 3 or x.shape[-1] != self.embed_dim:
            raise ValueError(f"CausalSelfAttention(d_model={self.embed_dim}) expects (batch, time, {self.embed_dim}), "
                             f"got shape {tuple(x.shape)}")
        n, t, d = x.shape
        qkv = x.reshape(n * t, d) @ self.in_proj_weight.T          # one 2-D product (see Systems Analysis)
        if self.in_proj_bias is not None:
            qkv = qkv + self.in_proj_bias
        qkv = qkv.reshape(n, t, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        if self.uniform_attention:
            allowed = causal_mask(t)._data.astype(x.dtype)
            o = Tensor(allowed / allowed.sum(axis=-1, keepdims=True)) @ v
        else:
            o = scaled_dot_product_attention(q, k, v, is_causal=True,
                                             dropout_p=self.dropout if self.training else 0.0)
        return self.out_proj(self._merge_heads(o, n, t).reshape(n * t, d)).reshape(n, t, d)


class MLP(Module):
    """fc1 (d -> hidden), GELU (tanh approximation), fc2 (hidden -> d), dropout."""

    def __init__(self, d_model, hidden=None, dropout=0.0, dtype=None):
        super().__init__()
        hidden = 4 * d_model if hidden is None else hidden
        self.fc1 = Linear(d_model, hidden, dtype=dtype)
        self.act = GELU(approximate="tanh")
        self.fc2 = Linear(hidden, d_model, dtype=dtype)
        self.drop = Dropout(dropout)

    def forward(self, x):
        """drop(fc2(act(fc1(x)))), computed on the rows x.reshape(-1, d) and reshaped back to x's shape."""
        ### BEGIN SOLUTION
        rows = x.reshape(-1, x.shape[-1])
        return self.drop(self.fc2(self.act(self.fc1(rows)))).reshape(*x.shape)
        ### END SOLUTION


class TransformerBlock(Module):
    """Pre-norm block: x + drop(attn(ln1(x))), then + mlp(ln2(x))."""

    def __init__(self, d_model, n_heads, dropout=0.0, mlp_hidden=None, uniform_attention=False, dtype=None):
        super().__init__()
        self.ln1 = LayerNorm(d_model, dtype=dtype)
        self.attn = CausalSelfAttention(d_model, n_heads, dropout, uniform_attention, dtype=dtype)
        self.ln2 = LayerNorm(d_model, dtype=dtype)
        self.mlp = MLP(d_model, mlp_hidden, dropout, dtype=dtype)
        self.drop = Dropout(dropout)

    # ---- your part ----------------------------------------------------------------------------------
    def forward(self, x, start=0):
        """x (B, T, d) -> (B, T, d): x = x + drop(attn(ln1(x), start)); x = x + mlp(ln2(x))."""
        ### BEGIN SOLUTION
        x = x + self.drop(self.attn(self.ln1(x), start))
        return x + self.mlp(self.ln2(x))
        ### END SOLUTION

# %% [markdown]
"""
### Testing the block

The structure, probed: with the attention's and the MLP's output projections set to zero, a pre-norm
block is exactly the identity (a post-norm block would return `LN(x)`); with random weights the output
equals `x + attn(ln1(x))` then `+ mlp(ln2(x))` computed from its own parts; the uniform ablation averages
the prefix; causality holds through the block.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "transformers-block-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_block():
    from tinytorch.core.tensor import manual_seed
    manual_seed(0)
    block = TransformerBlock(8, 2, dtype=np.float64)
    names = [n for n, _ in block.named_parameters()]
    assert names[:4] == ["ln1.weight", "ln1.bias", "attn.in_proj_weight", "attn.in_proj_bias"], names
    assert "mlp.fc1.weight" in names and "mlp.fc2.bias" in names and block.mlp.fc1.out_features == 32
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 8)) * 3 + 1
    mlp_out = block.mlp(Tensor(x))
    h = x @ block.mlp.fc1.weight._data.T + block.mlp.fc1.bias._data
    gelu = 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h ** 3)))
    assert np.allclose(mlp_out._data, gelu @ block.mlp.fc2.weight._data.T + block.mlp.fc2.bias._data), "MLP formula"

    mid = x + block.attn(block.ln1(Tensor(x)))._data
    expected = mid + block.mlp(block.ln2(Tensor(mid)))._data
    assert np.allclose(block(Tensor(x))._data, expected), "x + attn(ln1(x)), then + mlp(ln2(x))"
    for lin in (block.attn.out_proj, block.mlp.fc2):
        lin.weight._data[...] = 0.0
        lin.bias._data[...] = 0.0
    assert np.allclose(block(Tensor(x))._data, x), "with zero sub-layer outputs a pre-norm block is the identity"

    uniform = CausalSelfAttention(4, 1, uniform_attention=True, dtype=np.float64)
    uniform.in_proj_weight._data[...] = np.tile(np.eye(4), (3, 1))
    uniform.out_proj.weight._data[...] = np.eye(4)
    xs = rng.standard_normal((1, 3, 4))
    avg = np.cumsum(xs[0], axis=0) / np.arange(1, 4)[:, None]
    assert np.allclose(uniform(Tensor(xs))._data[0], avg), "uniform attention averages positions <= i"

    manual_seed(1)
    fresh = TransformerBlock(8, 2, dtype=np.float64)
    x2 = x.copy()
    x2[:, 3:] += 1.0
    a, b = fresh(Tensor(x))._data, fresh(Tensor(x2))._data
    assert np.allclose(a[:, :3], b[:, :3], atol=1e-10) and not np.allclose(a[:, 3:], b[:, 3:]), "causality"
    ### BEGIN HIDDEN TESTS
    manual_seed(2)
    blk = TransformerBlock(6, 3, mlp_hidden=10, dtype=np.float64)
    assert blk.mlp.fc1.out_features == 10
    xt = Tensor(rng.standard_normal((1, 4, 6)), requires_grad=True)
    blk(xt).sum().backward()
    assert xt.grad is not None and all(p.grad is not None for p in blk.parameters())
    ### END HIDDEN TESTS
    print("✅ the pre-norm block: residuals around LN -> attention and LN -> MLP")


test_unit_block()

# %% [markdown]
"""
### Step 4: GPT

`GPT(vocab_size, context_length, d_model, n_heads, n_layers, dropout=0.0, positional="learned",
uniform_attention=False)` holds, with exactly these names (a state_dict depends on them):

- `tok_emb`: `Embedding(vocab_size, d_model)`;
- `pos_emb`: `LearnedPositionalEmbedding(context_length, d_model)` or, with `positional="sinusoidal"`,
  `SinusoidalPositionalEncoding(context_length, d_model)` (no parameters);
- `drop`: `Dropout(dropout)`; `blocks`: a `ModuleList` of `n_layers` `TransformerBlock`s;
- `ln_f`: `LayerNorm(d_model)`; `head`: `Linear(d_model, vocab_size, bias=False)` whose weight **is**
  `tok_emb.weight` (assign the Parameter: one tensor, two uses, gradients from both add up).

Initialisation (GPT-2's, *given* in `_init_weights`): weights normal with std 0.02, biases zero, and the
two projections that write into the residual stream (`attn.out_proj`, `mlp.fc2`) scaled by
`1/sqrt(2 * n_layers)`, so the residual's variance does not grow with depth.

`forward(idx, start=0)`: `idx` is an integer Tensor (B, T) with `start + T <= context_length`;
`h = tok_emb(idx) + pos_emb(T, start)`, dropout, the blocks (each given `start`), `ln_f`, `head`.

**Your task:** `GPT.__init__` (after the given checks) and `GPT.forward`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "transformers-gpt", "locked": false, "schema_version": 3, "solution": true}}
#| export
class GPT(Module):
    """A GPT-style decoder: token + position embedding, N pre-norm blocks, final LayerNorm, tied head.

    forward(idx (B, T) int, start=0) -> logits (B, T, vocab_size). generate(...) samples continuations.
    """

    def __init__(self, vocab_size, context_length, d_model, n_heads, n_layers, dropout=0.0,
                 positional="learned", uniform_attention=False):
        """Build the layers named above, tie head.weight to tok_emb.weight, then self._init_weights()."""
        super().__init__()
        if positional not in ("learned", "sinusoidal"):
            raise ValueError(f"GPT: positional must be 'learned' or 'sinusoidal', got {positional!r}")
        if d_model % n_heads:
            raise ValueError(f"GPT: d_model ({d_model}) must be a multiple of n_heads ({n_heads})")
        self.vocab_size, self.context_length, self.d_model = vocab_size, context_length, d_model
        self.n_heads, self.n_layers, self.positional = n_heads, n_layers, positional
        self.uniform_attention = uniform_attention
        ### BEGIN SOLUTION
        self.tok_emb = Embedding(vocab_size, d_model)
        if positional == "learned":
            self.pos_emb = LearnedPositionalEmbedding(context_length, d_model)
        else:
            self.pos_emb = SinusoidalPositionalEncoding(context_length, d_model)
        self.drop = Dropout(dropout)
        self.blocks = ModuleList([TransformerBlock(d_model, n_heads, dropout, uniform_attention=uniform_attention)
                                  for _ in range(n_layers)])
        self.ln_f = LayerNorm(d_model)
        self.head = Linear(d_model, vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight
        ### END SOLUTION
        self._init_weights()

    def _init_weights(self):
        """GPT-2's initialisation (given): N(0, 0.02) weights, zero biases, residual projections scaled."""
        rng = default_generator.rng
        residual_std = 0.02 / math.sqrt(2 * self.n_layers)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                p._data[...] = 0.0
            elif name.startswith("ln") or ".ln" in name:
                p._data[...] = 1.0
            else:
                std = residual_std if name.endswith(("out_proj.weight", "fc2.weight")) else 0.02
                p._data[...] = rng.normal(0.0, std, p.shape)

    def forward(self, idx, start=0):
        """Logits (B, T, vocab_size) for token ids idx (B, T) at positions start..start+T-1.

        Raise ValueError naming the lengths when start + T > context_length, and when idx is not 2-D.
        """
        ### BEGIN SOLUTION
        idx = idx if isinstance(idx, Tensor) else Tensor(np.asarray(idx, dtype=np.int64))
        if idx.ndim != 2:
            raise ValueError(f"GPT expects token ids of shape (batch, time), got shape {tuple(idx.shape)}")
        t = idx.shape[1]
        if start + t > self.context_length:
            raise ValueError(f"GPT: start {start} + sequence length {t} exceeds context_length "
                             f"{self.context_length}; crop the input to its last {self.context_length - start} tokens")
        x = self.drop(self.tok_emb(idx) + self.pos_emb(t, start))
        for block in self.blocks:
            x = block(x, start)
        b, t, d = x.shape
        return self.head(self.ln_f(x).reshape(b * t, d)).reshape(b, t, self.vocab_size)
        ### END SOLUTION

    def num_parameters(self, non_embedding=False):
        """Number of distinct parameters (the tied head counts once); without position embeddings if
        non_embedding=True."""
        total = sum(p.numel() for p in self.parameters())
        if non_embedding and self.positional == "learned":
            total -= self.pos_emb.weight.numel()
        return total

    @no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, generator=None):
        """Append max_new_tokens sampled tokens to idx (B, T); returns the (B, T + max_new_tokens) ids.

        Each step feeds the last context_length tokens, takes the last position's logits, and picks
        the next token with next_token (Step 5): the argmax when temperature == 0 (greedy), else a sample
        from softmax(logits / temperature), restricted to the top_k largest logits when top_k is given,
        drawn with `generator` (a tinytorch Generator; the default generator when None). The model runs
        in eval mode (no dropout) and is restored to its mode afterwards.
        """
        if temperature < 0:
            raise ValueError(f"generate: temperature must be >= 0 (0 = greedy), got {temperature}")
        if top_k is not None and top_k < 1:
            raise ValueError(f"generate: top_k must be a positive integer or None, got {top_k}")
        rng = (generator or default_generator).rng
        ids = np.array(idx._data if isinstance(idx, Tensor) else idx, dtype=np.int64)
        if ids.ndim != 2:
            raise ValueError(f"generate expects token ids of shape (batch, time), got shape {ids.shape}")
        was_training = self.training
        self.eval()
        try:
            for _ in range(max_new_tokens):
                logits = self(Tensor(ids[:, -self.context_length:]))._data[:, -1, :]
                nxt = next_token(logits, temperature, top_k, rng)
                ids = np.concatenate([ids, nxt[:, None]], axis=1)
        finally:
            self.train(was_training)
        return Tensor(ids)


def gpt_parameter_count(vocab_size, context_length, d_model, n_layers, positional="learned", mlp_hidden=None):
    """Parameters of GPT by formula: V*d + C*d (learned) + N*(4d^2 + 2dh + 9d + h) + 2d, h = mlp hidden."""
    d, h = d_model, 4 * d_model if mlp_hidden is None else mlp_hidden
    block = 4 * d + (3 * d * d + 3 * d) + (d * d + d) + (d * h + h) + (h * d + d)
    return vocab_size * d + (context_length * d if positional == "learned" else 0) + n_layers * block + 2 * d


def gpt_forward_flops(vocab_size, d_model, n_layers, batch, seq_len):
    """Matmul FLOPs of one forward pass: B * (N * (24 T d^2 + 4 T^2 d) + 2 T d V)."""
    d, t = d_model, seq_len
    return batch * (n_layers * (24 * t * d * d + 4 * t * t * d) + 2 * t * d * vocab_size)

# %% [markdown]
"""
### Testing GPT

Shapes and names; weight tying (one tensor, and its gradient collects both uses); the parameter count
against the formula; and the two probes that catch the classic bugs: **causality** (changing the tokens
after position `k` moves no logit at positions `<= k` by more than 1e-6) and **positions** (one token
repeated gives different logits at different positions).
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "transformers-gpt-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_gpt():
    from tinytorch.core.tensor import manual_seed
    manual_seed(0)
    model = GPT(vocab_size=11, context_length=8, d_model=16, n_heads=2, n_layers=2)
    idx = Tensor(np.random.default_rng(0).integers(0, 11, size=(3, 6)))
    logits = model(idx)
    assert logits.shape == (3, 6, 11) and logits.dtype == np.float32
    assert model.head.weight is model.tok_emb.weight, "the head must reuse tok_emb.weight (weight tying)"
    assert model.num_parameters() == gpt_parameter_count(11, 8, 16, 2), \
        f"{model.num_parameters()} parameters, formula {gpt_parameter_count(11, 8, 16, 2)}"
    keys = list(model.state_dict())
    assert keys[0] == "tok_emb.weight" and "blocks.1.attn.in_proj_weight" in keys and "ln_f.weight" in keys
    logits.sum().backward()
    assert model.tok_emb.weight.grad is not None

    ids = np.random.default_rng(1).integers(0, 11, size=(2, 8))
    changed = ids.copy()
    changed[:, 5:] = (changed[:, 5:] + 3) % 11
    a, b = model(Tensor(ids))._data, model(Tensor(changed))._data
    assert np.abs(a[:, :5] - b[:, :5]).max() <= 1e-6, "causality: later tokens moved earlier logits"
    assert np.abs(a[:, 5:] - b[:, 5:]).max() > 1e-4, "changed tokens must move their own logits"
    same = model(Tensor(np.full((1, 8), 4)))._data[0]
    assert np.abs(same[1:] - same[:1]).max(axis=-1).min() > 1e-3, "a repeated token must give different logits per position"
    try:
        model(Tensor(np.zeros((1, 9), dtype=np.int64)))
        raise AssertionError("9 tokens into context_length 8 must raise ValueError")
    except ValueError as exc:
        assert "8" in str(exc) and "9" in str(exc)
    ### BEGIN HIDDEN TESTS
    sinus = GPT(11, 8, 16, 2, 1, positional="sinusoidal")
    assert sinus.num_parameters() == gpt_parameter_count(11, 8, 16, 1, positional="sinusoidal")
    assert sinus(Tensor(ids[:, :4]), start=4).shape == (2, 4, 11)
    assert not np.allclose(sinus(Tensor(ids[:, :4]), start=4)._data, sinus(Tensor(ids[:, :4]))._data), \
        "start shifts the positions"
    ### END HIDDEN TESTS
    print("✅ GPT: tied head, counted parameters, causal, and it uses positions")


test_unit_gpt()

# %% [markdown]
"""
### Step 5: Choosing the next token

`GPT.generate` (given above) is the loop every language model runs at inference: feed the last
`context_length` tokens, take the last position's logits, choose a token, append it, repeat. Each step
re-runs the whole context: module 17's KV cache removes that waste. What remains is the choice itself:

- **greedy** (`temperature == 0`): the argmax;
- **temperature** `tau > 0`: sample from `softmax(logits / tau)`; `tau < 1` sharpens, `tau > 1` flattens;
- **top-k**: before sampling, set every logit below the `k`-th largest to `-inf`, so only the `k` most
  likely tokens can be drawn (ties with the `k`-th are kept);
- **seeded**: one uniform number `u` per row from the generator's NumPy `rng`, and the token is the first
  index whose cumulative probability exceeds `u` (inverse-CDF sampling), so a run repeats exactly.

**Your task:** `next_token`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "transformers-next-token", "locked": false, "schema_version": 3, "solution": true}}
#| export
def next_token(logits, temperature=1.0, top_k=None, rng=None):
    """Next token ids (int64 array (B,)) from the NumPy logits (B, V) of the last position.

    temperature == 0: argmax. Otherwise, in float64: z = logits / temperature; with top_k (< V), z = -inf
    where z < the k-th largest z of its row; p = softmax(z) (subtract the row max); u = rng.random((B, 1));
    the token is the number of entries of cumsum(p) that are < u (capped at V - 1 against rounding).
    rng defaults to tinytorch's default_generator.rng.
    """
    ### BEGIN SOLUTION
    rng = default_generator.rng if rng is None else rng
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return logits.argmax(axis=-1).astype(np.int64)
    z = logits / temperature
    if top_k is not None and top_k < z.shape[-1]:
        kth = np.sort(z, axis=-1)[:, -top_k][:, None]
        z = np.where(z < kth, -np.inf, z)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    u = rng.random((p.shape[0], 1))
    return np.minimum((np.cumsum(p, axis=-1) < u).sum(axis=-1), p.shape[-1] - 1).astype(np.int64)
    ### END SOLUTION

# %% [markdown]
"""
### Testing `next_token` and `generate`

Greedy equals the argmax and, through `generate`, a hand-written loop with the context cropped; top-k = 1
is greedy at any temperature; a seeded generator repeats; the sampled frequencies follow
`softmax(logits / tau)`; top-k never draws outside the `k` largest.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "transformers-generate-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_generate():
    from tinytorch.core.tensor import manual_seed
    logits = np.array([[0.0, 2.0, 1.0, -1.0], [3.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    assert next_token(logits, 0).tolist() == [1, 0] and next_token(logits, 0).dtype == np.int64
    assert next_token(logits, 5.0, top_k=1, rng=np.random.default_rng(0)).tolist() == [1, 0], "top_k=1 is greedy"
    a = next_token(np.tile(logits, (50, 1)), 1.0, rng=np.random.default_rng(7))
    assert np.array_equal(a, next_token(np.tile(logits, (50, 1)), 1.0, rng=np.random.default_rng(7))), "seeded"
    row = np.array([[0.0, 1.0, 2.0, 0.5]])
    for tau in (0.5, 2.0):
        draws = next_token(np.repeat(row, 20000, axis=0), tau, rng=np.random.default_rng(1))
        p = np.exp(row[0] / tau) / np.exp(row[0] / tau).sum()
        freq = np.bincount(draws, minlength=4) / 20000
        assert np.abs(freq - p).max() < 0.02, f"temperature {tau}: frequencies {freq}, expected {p}"
    top2 = next_token(np.repeat(row, 2000, axis=0), 3.0, top_k=2, rng=np.random.default_rng(2))
    assert set(top2.tolist()) == {1, 2}, f"top_k=2 must draw only the two largest (1 and 2), got {set(top2.tolist())}"

    manual_seed(3)
    model = GPT(vocab_size=7, context_length=6, d_model=8, n_heads=2, n_layers=1)
    prompt = Tensor(np.array([[1, 2], [3, 4]]))
    greedy = model.generate(prompt, 8, temperature=0)
    assert greedy.shape == (2, 10) and np.array_equal(greedy._data[:, :2], prompt._data)
    manual_ids = prompt._data.copy()
    for _ in range(8):
        nxt = model(Tensor(manual_ids[:, -6:]))._data[:, -1].argmax(-1)
        manual_ids = np.concatenate([manual_ids, nxt[:, None]], axis=1)
    assert np.array_equal(greedy._data, manual_ids), "greedy = argmax of the last position, context cropped"
    s1 = model.generate(prompt, 6, temperature=1.0, generator=Generator(5))._data
    assert np.array_equal(s1, model.generate(prompt, 6, temperature=1.0, generator=Generator(5))._data)
    ### BEGIN HIDDEN TESTS
    assert model.generate(prompt, 0).shape == (2, 2)
    assert next_token(np.array([[1.0, 1.0, 1.0]]), 1.0, top_k=3, rng=np.random.default_rng(0)).shape == (1,)
    ### END HIDDEN TESTS
    print("✅ next_token and generate: greedy, temperature, top-k, seeded")


test_unit_generate()

# %% [markdown]
"""
## Part 3: Systems Analysis

### Computational Complexity

Per layer, for `B` sequences of `T` tokens, width `d`, MLP hidden `4d`:

| part | parameters | forward FLOPs | activation memory |
|---|---|---|---|
| LayerNorm x2 | `4d` | `~16 B T d` | `B T d` each |
| q, k, v, out projections | `4d^2 + 4d` | `8 B T d^2` | `4 B T d` |
| `QK^T`, `PV` | 0 | `4 B T^2 d` | `B H T^2` (the weights `P`) |
| MLP | `8d^2 + 5d` | `16 B T d^2` | `B T 4d` (x2: before and after GELU) |
| embeddings, head (once) | `V d + C d` | `2 B T d V` | `B T V` logits |

Below: where the parameters and FLOPs go as `T` and `d` grow (by formula, each checked against a real
model), memory measured with `tracemalloc`, and the time of the composed and fused LayerNorm.
"""

# %% [code]
def graph_matmul_flops(out):
    """Multiply-add FLOPs (x2) of every matmul and attention op recorded in the graph that made `out`."""
    flops, seen, stack = 0, set(), [out.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if node.op == "matmul":
            flops += 2 * node.out.size * node.inputs[0].shape[-1]
        elif node.op == "scaled_dot_product_attention":
            q, k = node.inputs[0], node.inputs[1]
            flops += 2 * node.out.size * k.shape[-2] + 2 * int(np.prod(q.shape)) * k.shape[-2]
        stack.extend(t.grad_fn for t in node.inputs)
    return flops


print(f"{'V':>5s} {'C=T':>5s} {'d':>5s} {'N':>3s} {'params':>10s} {'embed %':>8s} {'attn %':>7s} {'MLP %':>6s}"
      f" {'fwd MFLOP':>10s} {'QK/PV %':>8s} {'proj %':>7s} {'MLP %':>6s} {'head %':>7s}")
for V_s, T_s, d_s, N_s in [(96, 64, 64, 2), (96, 256, 64, 2), (96, 1024, 64, 2), (96, 64, 256, 2),
                           (50257, 1024, 768, 12)]:
    p_total = gpt_parameter_count(V_s, T_s, d_s, N_s)
    p_attn, p_mlp = N_s * (4 * d_s * d_s + 4 * d_s), N_s * (8 * d_s * d_s + 5 * d_s)
    f_total = gpt_forward_flops(V_s, d_s, N_s, 1, T_s)
    f_qk, f_proj, f_mlp = N_s * 4 * T_s * T_s * d_s, N_s * 8 * T_s * d_s * d_s, N_s * 16 * T_s * d_s * d_s
    print(f"{V_s:5d} {T_s:5d} {d_s:5d} {N_s:3d} {p_total:10,d} {100 * (V_s + T_s) * d_s / p_total:7.1f}% "
          f"{100 * p_attn / p_total:6.1f}% {100 * p_mlp / p_total:5.1f}% {f_total / 1e6:10.1f} "
          f"{100 * f_qk / f_total:7.1f}% {100 * f_proj / f_total:6.1f}% {100 * f_mlp / f_total:5.1f}% "
          f"{100 * 2 * T_s * d_s * V_s / f_total:6.1f}%")

# the formulas, checked against real (small) models: parameters, and the FLOPs of the recorded graph
for V_s, T_s, d_s, N_s, pos in [(96, 64, 64, 2, "learned"), (50, 32, 32, 3, "sinusoidal")]:
    m = GPT(V_s, T_s, d_s, 4, N_s, positional=pos)
    assert m.num_parameters() == gpt_parameter_count(V_s, T_s, d_s, N_s, positional=pos)
    x_ids = Tensor(np.zeros((2, T_s), dtype=np.int64))
    m.tok_emb.weight.requires_grad_(True)
    counted = graph_matmul_flops(m(x_ids))
    assert counted == gpt_forward_flops(V_s, d_s, N_s, 2, T_s), (counted, gpt_forward_flops(V_s, d_s, N_s, 2, T_s))
    print(f"GPT(V={V_s}, T={T_s}, d={d_s}, N={N_s}, {pos}): {m.num_parameters():,} parameters and "
          f"{counted / 1e6:.1f} MFLOP counted in the graph = the formulas")

# %% [markdown]
"""
**Understand.** At milestone 05's size (first row) the MLP holds about 60% of the parameters and the
embeddings under 10%; with learned positions the embeddings' share grows with the context. Attention's
`QK^T`/`PV` FLOPs grow with `T^2` and take over as the context grows at fixed `d` (compare the `T = 64`
and `T = 1024` rows), while widening `d` at fixed `T` shifts the FLOPs to the projections and the MLP
(`d^2`). At GPT-2 small's size the MLP
and projections dominate both. The graph walk proves the FLOP formula counts exactly the products the
model runs (the full `T x T` scores: a causal mask saves no arithmetic here).

### Memory: what a training step keeps alive

**Build -> Measure -> Understand.** The activations saved for the backward pass, per layer, are about
`B*T*(c*d) + B*H*T^2` numbers for a small constant `c`. We measure the peak of a forward pass with
recording on, for contexts `T` and `2T`, and compare the growth with the score matrices' share.
"""

# %% [code]
import tracemalloc


def peak_bytes(fn):
    """Peak bytes allocated while fn() runs (its result freed afterwards)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del result
    return peak


mem_model = GPT(96, 256, 64, 4, 2)
print(f"{'T':>5s} {'forward peak (recording)':>25s} {'score matrices B*H*T*T*4*N':>27s} {'share':>6s}")
for T_s in (64, 128, 256):
    ids_m = Tensor(np.zeros((8, T_s), dtype=np.int64))
    peak = peak_bytes(lambda: mem_model(ids_m))
    scores = 8 * 4 * T_s * T_s * 4 * 2
    print(f"{T_s:5d} {peak / 2**20:22.2f} MiB {scores / 2**20:24.2f} MiB {scores / peak:6.1%}")

# %% [markdown]
"""
As `T` doubles, the score matrices' share of the peak grows: the `d`-wide activations and the `B*T*V`
logits grow like `T`, the attention weights like `T^2`, so past some context length the weights dominate
the memory of a training step.

### Speed: composed and fused LayerNorm, and one training step

Forward + backward of LayerNorm on a (32, 64, 64) float32 activation, best of several runs with
`time.perf_counter`; then one GPT training step of the benchmark's size (2 layers, d 64, 4 heads,
context 64, batch 32).
"""

# %% [code]
import os
import time


from tinytorch.utils.timing import best_time  # fastest of `repeats` calls, BLAS pinned to one thread


rng_t = np.random.default_rng(0)
x_t = rng_t.standard_normal((32, 64, 64)).astype(np.float32)
w_t, b_t = np.ones(64, dtype=np.float32), np.zeros(64, dtype=np.float32)


def ln_step(fn):
    ts = [Tensor(x_t, requires_grad=True), Tensor(w_t, requires_grad=True), Tensor(b_t, requires_grad=True)]
    fn(*ts).sum().backward()


t_comp = best_time(lambda: ln_step(layer_norm_composed))
t_fused = best_time(lambda: ln_step(lambda a, c, d: layer_norm(a, 64, c, d)))
print(f"BLAS threads from the environment: OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')} "
      "(set it to 1 before starting Python for steadier timings)")
print(f"LayerNorm fwd+bwd on (32, 64, 64): composed {t_comp * 1e3:.2f} ms, fused {t_fused * 1e3:.2f} ms "
      f"(this run: {t_comp / t_fused:.1f}x)")

x3_t = rng_t.standard_normal((32, 64, 64)).astype(np.float32)
w3_t = rng_t.standard_normal((256, 64)).astype(np.float32)
t_stack = best_time(lambda: x3_t @ w3_t.T)
t_rows = best_time(lambda: (x3_t.reshape(-1, 64) @ w3_t.T).reshape(32, 64, 256))
assert np.allclose(x3_t @ w3_t.T, (x3_t.reshape(-1, 64) @ w3_t.T).reshape(32, 64, 256), atol=1e-3)
print(f"(32, 64, 64) @ W^T (64 -> 256): as a stack of 32 matrices {t_stack * 1e3:.2f} ms, as one (2048, 64) "
      f"matrix {t_rows * 1e3:.2f} ms (this run: {t_stack / t_rows:.1f}x)")

from tinytorch.core.losses import cross_entropy  # noqa: E402

bench_model = GPT(96, 64, 64, 4, 2)
ids_b = Tensor(rng_t.integers(0, 96, size=(32, 64)))
targets_b = rng_t.integers(0, 96, size=32 * 64)


def train_step():
    loss = cross_entropy(bench_model(ids_b).reshape(-1, 96), Tensor(targets_b))
    bench_model.zero_grad()
    loss.backward()


train_step()
t_step = best_time(train_step, repeats=3)
step_flops = 3 * gpt_forward_flops(96, 64, 2, 32, 64)
print(f"GPT training step (forward + backward, no optimizer), batch 32 x 64: {t_step * 1e3:.1f} ms, "
      f"{step_flops / t_step / 1e9:.2f} GFLOP/s on the matmuls")

# %% [markdown]
"""
**Understand.** The fused LayerNorm records one op instead of eight and keeps two arrays instead of
about six, so it moves less memory; your ratio above is what this machine gave in this run. The same
product written as a stack of matrices or as one tall matrix did not take the same time either: one big
BLAS call (which may also use several threads) against one call per matrix. Compare your two numbers; the
gap depends on the BLAS thread count and on what else the machine is doing, and the single call was never
the slower one in our runs, which is why every layer here works on `(B*T, d)` rows. The training
step runs about `3x` the forward FLOPs (the backward pass of a matmul is two matmuls); `bench/` compares
the same step, with AdamW, against PyTorch.
"""

# %% [markdown]
"""
## Production Context

**PyTorch** has `nn.LayerNorm` as one fused kernel (`native_layer_norm`, saving the mean and `rstd` per
row exactly like your op) and `nn.TransformerEncoderLayer(norm_first=True)` for the pre-norm block; GPT
implementations (nanoGPT, Hugging Face's `GPT2LMHeadModel`) write the block by hand as you did, tie
`lm_head.weight` to the token embedding, and use the GPT-2 initialisation with residual projections
scaled by `1/sqrt(2N)`. Newer models replace LayerNorm with **RMSNorm** (no mean subtraction, no bias:
Llama, Gemma), GELU with **SwiGLU**, and learned positions with **rotary** embeddings (RoPE) applied to
`q` and `k` inside attention.

**Training at scale** keeps the FLOP formula you checked: `6 * parameters` FLOPs per token for a
training step (forward 2x, backward 4x) plus the attention term, which is how papers report compute.
Activation memory, not parameters, usually limits batch size; *activation checkpointing* recomputes a
block's forward pass in the backward pass instead of storing it. **Inference** is dominated by reading
weights and the KV cache from memory, one token at a time (module 17).
"""

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/13_transformers/transformers_dev.py`) runs every test
above once more, through `run_all_tests()`.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_layer_norm_composed()
    test_unit_layer_norm_op()
    test_unit_block()
    test_unit_gpt()
    test_unit_generate()
    print("🎉 All Transformers tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. In your parameter table, what share of the `T = 64, d = 64` model is embeddings? What does weight
   tying save there, and why does it matter less for GPT-2 small?
2. Your graph walk counted the full `T x T` scores even though a causal mask discards half. How would a
   kernel skip the masked half, and what share of the step's FLOPs would that save at `T = 1024`?
3. The memory table showed the score matrices' share growing with `T`. At which `T` would they pass the
   `d`-wide activations for `d = 64`, and what does that suggest about long-context training?
4. Your LayerNorm gradient has three terms. Which test of this module would still pass if the third term
   were missing, and why does a random upstream gradient catch it?
5. A pre-norm block with zero output projections is the identity. Why does that make deep stacks easier
   to train than post-norm, and what did the original transformer need instead?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built a GPT:
- LayerNorm from Tensor ops, then as one op with the gradient you derived (three terms, the biased
  variance), checked against finite differences and autograd;
- the MLP with module 02's GELU and the pre-norm residual block around causal self-attention, with a
  uniform-attention ablation;
- `GPT`: token + position embeddings (with a start position), `N` blocks, final norm, a weight-tied
  head, and `generate()` with greedy, temperature and top-k sampling from a seeded generator;
- parameter and FLOP formulas, checked against the model and its recorded graph.

You measured where parameters and FLOPs go as `T` and `d` grow, the memory a forward pass keeps alive,
and the cost of LayerNorm and of a training step.

**Next:** `tito export 13`, then milestone 05 trains this model on reversal, addition and real text,
and proves with probes that its attention is doing the work.
"""
