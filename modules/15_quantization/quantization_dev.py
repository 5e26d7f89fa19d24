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
# Module 15: Quantization

A trained network's weights are float32: 4 bytes each. Most of those bits are noise: storing each weight
as an 8-bit integer plus one float scale per output channel loses almost no accuracy and takes a quarter
of the bytes. That is **quantization**, and it is how models are shipped to phones and served cheaply.

Here INT8 is real: the quantized weights are stored as `np.int8` arrays, the products accumulate in
`int32`, and the saving is measured in bytes on disk, not computed on paper. We also measure what INT8
does *not* buy you in NumPy (speed), and say why.

**Learning Objectives:**
- Derive affine quantization: scale, zero point, rounding, clamping; bound its round-trip error.
- Quantize weights symmetrically, per tensor and per output channel, and measure why per-channel wins.
- Calibrate activation ranges (min/max and percentile) on real data.
- Build `QuantizedLinear` and `QuantizedConv2d` with `int8` weights and `int32` accumulation, and
  quantize a trained model after training (post-training quantization, PTQ).
- Measure: file size on disk (at least 3.5x smaller), accuracy on digits (at most 1 point lost), and the
  speed of INT8 against float32 BLAS in NumPy.

**How this module works.** Each step is a code cell to complete (between the solution markers), followed
at once by a graded test; `#| export` cells become `tinytorch/perf/quantization.py` (`tito export 15`).
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

**Affine quantization** maps a real interval `[lo, hi]` onto the integers `[qmin, qmax]` (for INT8,
`[-128, 127]`) with a **scale** `s` (real units per integer step) and a **zero point** `z` (the integer
that represents the real 0):

    q = clamp(round(x / s) + z, qmin, qmax)          x_hat = (q - z) * s

    s = (hi - lo) / (qmax - qmin)                     z = qmin - round(lo / s)

The interval is first widened to contain 0 (`lo <= 0 <= hi`), so that 0, the value of padding and of
every ReLU-zeroed activation, is represented exactly: `x_hat = 0` when `q = z`. For any `x` inside the
interval, rounding moves it by at most half a step: `|x - x_hat| <= s / 2`. Outside, clamping
**saturates** it (the error grows): that is the trade-off calibration makes.

**Symmetric** quantization fixes `z = 0` and uses `[-127, 127]`: `s = max|w| / 127`. Weights are
roughly centred on 0, so little range is wasted, and `z = 0` removes a term from the integer product.
**Per-channel**: one scale per output row of a weight, so a row of small weights is not quantized with the
step of the row with the largest weight.

**Integer matmul.** With `x = s_x (q_x - z_x)` and `W = s_w q_w` (per output channel `o`):

    y[n, o] = sum_k x[n, k] W[o, k] + b[o] = s_x s_w[o] * sum_k (q_x[n, k] - z_x) q_w[o, k]  + b[o]

The sum is over integers: products of two 8-bit numbers fit in 16 bits, and a sum of `K` of them needs
`int32` (not `int8`, not `int16`: 127 * 255 * 64 already exceeds 2^16).

The cell below quantizes a few numbers by hand.
"""

# %%
import numpy as np

lo, hi = -1.0, 2.0
s = (hi - lo) / 255
z = -128 - round(lo / s)
x = np.array([-1.0, 0.0, 0.5, 2.0, 3.0])
q = np.clip(np.round(x / s) + z, -128, 127)
print(f"scale {s:.5f}, zero point {z}; x {x} -> q {q} -> x_hat {np.round((q - z) * s, 4)}")
print(f"largest error inside [lo, hi]: {np.abs(((q - z) * s - x)[:4]).max():.5f} <= s/2 = {s / 2:.5f}; "
      f"3.0 saturates to {(q[-1] - z) * s:.3f}")
assert np.abs(((q - z) * s - x)[:4]).max() <= s / 2 + 1e-12

# %% [markdown]
"""
## Part 2: Building INT8 quantization

### Setup (given)

The package file builds on `Module`, `Linear` (module 03), `Conv2d`, `im2col` and `conv2d_output_size`
(module 09), and on `leaf_layers` of module 14's profiler.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "quantization-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import numpy as np

from tinytorch.core.layers import Linear, Module, Sequential
from tinytorch.core.spatial import Conv2d, conv2d_output_size, im2col
from tinytorch.core.spatial_support import _conv_padding
from tinytorch.core.tensor import Tensor
from tinytorch.perf.profiling import leaf_layers

__all__ = ["affine_qparams", "quantize", "dequantize", "symmetric_scale", "calibrate", "QuantizedLinear",
           "QuantizedConv2d", "quantize_model"]

QMIN, QMAX = -128, 127          # INT8

# %% [markdown]
"""
### Step 1: Affine quantization

**Your task:** three functions.
- `affine_qparams(lo, hi, qmin, qmax)` -> `(scale, zero_point)`: widen `[lo, hi]` to contain 0, then
  the formulas above; `scale` a Python float (1.0 when `lo == hi == 0`), `zero_point` a Python int,
  clamped to `[qmin, qmax]`. Raise ValueError naming both values when `lo > hi`.
- `quantize(x, scale, zero_point, qmin, qmax)` -> `round(x / scale) + zero_point`, clamped, as `np.int8`
  (`scale` and `zero_point` may be arrays that broadcast against `x`, for per-channel use).
- `dequantize(q, scale, zero_point)` -> `(q - zero_point) * scale` as `np.float32` (subtract in `int32`
  or float: `q - z` must not wrap around in int8).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "quantization-affine", "locked": false, "schema_version": 3, "solution": true}}
#| export
def affine_qparams(lo, hi, qmin=QMIN, qmax=QMAX):
    """(scale, zero_point) mapping [min(lo, 0), max(hi, 0)] onto [qmin, qmax].

    scale = (hi - lo) / (qmax - qmin) (1.0 when the range is [0, 0]); zero_point = qmin - round(lo / scale),
    an int clamped to [qmin, qmax]. Raises ValueError naming lo and hi when lo > hi.
    """
    lo, hi = float(lo), float(hi)
    if lo > hi:
        raise ValueError(f"affine_qparams: lo {lo} is larger than hi {hi}")
    ### BEGIN SOLUTION
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = (hi - lo) / (qmax - qmin)
    if scale == 0.0:
        scale = 1.0
    zero_point = int(np.clip(qmin - round(lo / scale), qmin, qmax))
    return scale, zero_point
    ### END SOLUTION


def quantize(x, scale, zero_point, qmin=QMIN, qmax=QMAX):
    """np.int8 array clamp(round(x / scale) + zero_point, qmin, qmax); scale/zero_point may broadcast."""
    ### BEGIN SOLUTION
    q = np.round(np.asarray(x, dtype=np.float32) / scale) + zero_point
    return np.clip(q, qmin, qmax).astype(np.int8)
    ### END SOLUTION


def dequantize(q, scale, zero_point=0):
    """np.float32 array (q - zero_point) * scale, computed without int8 overflow."""
    ### BEGIN SOLUTION
    return ((np.asarray(q).astype(np.int32) - zero_point) * scale).astype(np.float32)
    ### END SOLUTION


# %% [markdown]
"""
### Testing affine quantization

A ReLU output lives in `[0, hi]`: its zero point must be `qmin` (-128), so that all 256 codes are used.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "quantization-affine-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_affine():
    scale, zp = affine_qparams(0.0, 2.55)
    assert np.isclose(scale, 0.01) and zp == -128, (scale, zp)
    x = np.array([0.0, 0.005, 1.0, 2.55], dtype=np.float32)
    q = quantize(x, scale, zp)
    assert q.dtype == np.int8 and q[0] == -128 and q[-1] == 127, q
    assert np.abs(dequantize(q, scale, zp) - x).max() <= scale / 2 + 1e-6, "error within half a step"
    scale, zp = affine_qparams(-1.0, 2.0)
    assert dequantize(quantize(np.zeros(1), scale, zp), scale, zp)[0] == 0.0, "0 is represented exactly"
    assert quantize(np.array([100.0]), scale, zp)[0] == 127, "values above the range saturate"
    try:
        affine_qparams(2.0, 1.0)
        raise AssertionError("lo > hi must raise ValueError")
    except ValueError as exc:
        assert "2.0" in str(exc) and "1.0" in str(exc)
    ### BEGIN HIDDEN TESTS
    scale, zp = affine_qparams(-5.1, -1.0)           # widened to [-5.1, 0]: zero at the top
    assert zp == 127 and np.isclose(scale, 5.1 / 255), (scale, zp)
    x = np.linspace(-5.1, 0, 50).astype(np.float32)
    assert np.abs(dequantize(quantize(x, scale, zp), scale, zp) - x).max() <= scale / 2 + 1e-6
    assert affine_qparams(0.0, 0.0) == (1.0, -128) or affine_qparams(0.0, 0.0)[0] == 1.0
    assert isinstance(affine_qparams(0.0, 1.0)[1], int)
    q = np.array([-128, 127], dtype=np.int8)
    assert np.allclose(dequantize(q, 0.5, 100), [-114.0, 13.5]), "q - z must not wrap in int8"
    per_row = quantize(np.array([[1.0, -1.0], [10.0, -10.0]]), np.array([[0.1], [1.0]]), 0)
    assert per_row.tolist() == [[10, -10], [10, -10]], "scales broadcast per row"
    ### END HIDDEN TESTS
    print("✅ affine quantization: 0 exact, error <= scale/2, saturation outside the range")


test_unit_affine()

# %% [markdown]
"""
### Step 2: Symmetric weights, per tensor and per channel

**Your task:** `symmetric_scale(w, axis=None)`: the scale `max|w| / 127` over the whole tensor
(`axis=None`: a 0-d float32 array), or one per slice along `axis` (the output channel, 0 for `Linear`
and `Conv2d` weights), shaped to broadcast against `w` (e.g. `(out, 1)` or `(out, 1, 1, 1)`). A scale
of 0 (an all-zero slice) becomes 1.0. Weights are then `quantize(w, scale, 0, -127, 127)`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "quantization-symmetric", "locked": false, "schema_version": 3, "solution": true}}
#| export
def symmetric_scale(w, axis=None):
    """float32 scale max|w|/127 per tensor (axis=None, 0-d) or per slice along `axis` (keepdims shape).

    All-zero tensors or slices get scale 1.0.
    """
    w = np.asarray(w, dtype=np.float32)
    ### BEGIN SOLUTION
    if axis is None:
        peak = np.abs(w).max()
    else:
        other = tuple(i for i in range(w.ndim) if i != axis % w.ndim)
        peak = np.abs(w).max(axis=other, keepdims=True)
    scale = (peak / np.float32(127)).astype(np.float32)
    return np.where(scale == 0, np.float32(1.0), scale).astype(np.float32)
    ### END SOLUTION


# %% [markdown]
"""
### Testing `symmetric_scale`

Per-channel must beat per-tensor on a layer whose rows differ a lot in size.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "quantization-symmetric-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_symmetric():
    w = np.array([[0.01, -0.02, 0.005], [1.27, -0.5, 0.3]], dtype=np.float32)
    assert np.isclose(symmetric_scale(w), 0.01) and symmetric_scale(w).shape == ()
    per_ch = symmetric_scale(w, axis=0)
    assert per_ch.shape == (2, 1) and np.allclose(per_ch[:, 0], [0.02 / 127, 0.01]), per_ch
    err_t = np.abs(dequantize(quantize(w, symmetric_scale(w), 0, -127, 127), symmetric_scale(w)) - w).max(axis=1)
    err_c = np.abs(dequantize(quantize(w, per_ch, 0, -127, 127), per_ch) - w).max(axis=1)
    assert err_c[0] < err_t[0] / 10, f"the small row is quantized much better per channel: {err_c} vs {err_t}"
    ### BEGIN HIDDEN TESTS
    w4 = np.zeros((3, 2, 2, 2), dtype=np.float32)
    w4[1] = -2.54
    s4 = symmetric_scale(w4, axis=0)
    assert s4.shape == (3, 1, 1, 1) and np.allclose(s4.ravel(), [1.0, 0.02, 1.0]), s4.ravel()
    assert s4.dtype == np.float32
    assert symmetric_scale(np.zeros(4)) == 1.0
    assert np.allclose(symmetric_scale(w.T, axis=1).ravel(), per_ch.ravel())
    ### END HIDDEN TESTS
    print("✅ symmetric scales, per tensor and per channel")


test_unit_symmetric()

# %% [markdown]
"""
### Step 3: Calibration

Activations are not known in advance: we run **calibration data** through the float model and record
each layer's input range. `"minmax"` uses the extremes: exact for what was seen, but one outlier
stretches the scale for every value. `"percentile"` clips the rare tails (`np.percentile` at
`100 - percentile` and `percentile`), trading saturation of a few values for a finer step for all others.

**Your task:** `calibrate(x, method="minmax", percentile=99.9)` -> `(lo, hi)` as Python floats. Raise
ValueError naming the method for any other method, and when `percentile` is not in `(50, 100]`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "quantization-calibrate", "locked": false, "schema_version": 3, "solution": true}}
#| export
def calibrate(x, method="minmax", percentile=99.9):
    """(lo, hi) floats: min/max of x ("minmax") or its (100-p, p) percentiles ("percentile").

    Raises ValueError naming the method when it is neither, or when percentile is not in (50, 100].
    """
    x = np.asarray(x._data if isinstance(x, Tensor) else x, dtype=np.float64)
    ### BEGIN SOLUTION
    if method == "minmax":
        return float(x.min()), float(x.max())
    if method == "percentile":
        if not 50 < percentile <= 100:
            raise ValueError(f"calibrate: percentile must be in (50, 100], got {percentile}")
        return float(np.percentile(x, 100 - percentile)), float(np.percentile(x, percentile))
    raise ValueError(f"calibrate: unknown method {method!r}; use 'minmax' or 'percentile'")
    ### END SOLUTION


# %% [markdown]
"""
### Testing `calibrate`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "quantization-calibrate-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_calibrate():
    x = np.concatenate([np.linspace(-1, 1, 999), [50.0]])
    assert calibrate(x) == (-1.0, 50.0)
    lo, hi = calibrate(x, "percentile", 99.0)
    assert np.isclose(lo, np.percentile(x, 1)) and np.isclose(hi, np.percentile(x, 99)) and hi < 2, (lo, hi)
    try:
        calibrate(x, "entropy")
        raise AssertionError("an unknown method must raise ValueError")
    except ValueError as exc:
        assert "entropy" in str(exc)
    ### BEGIN HIDDEN TESTS
    assert calibrate(Tensor(np.array([[3.0, -2.0]], dtype=np.float32))) == (-2.0, 3.0)
    assert calibrate(x, "percentile", 100) == (-1.0, 50.0)
    for bad in (50, 120):
        try:
            calibrate(x, "percentile", bad)
            raise AssertionError(f"percentile {bad} must raise ValueError")
        except ValueError:
            pass
    ### END HIDDEN TESTS
    print("✅ calibrate: min/max and percentile ranges")


test_unit_calibrate()

# %% [markdown]
"""
### Step 4: Quantized layers with INT8 weights

`QuantizedLinear(linear, input_range)` replaces a trained `Linear`. Its state is three or four buffers
(so `state_dict()` and `tinytorch.save` store them):
- `weight_q`: the weight quantized symmetrically per output channel, **`np.int8`**, shape `(out, in)`;
- `weight_scale`: float32, shape `(out,)`;
- `input_qparams`: float32 `[scale, zero_point]` of the input, from `affine_qparams(*input_range)`;
- `bias`: float32 `(out,)`, kept in float (it is tiny), only when the layer has one.

`forward(x)`: quantize the input (`quantize`, int8), subtract its zero point **in int32**, multiply with
`weight_q` **in int32** (`acc = (q_x - z_x) @ q_w.T`, dtype int32), then rescale:
`acc * (s_x * weight_scale) + bias`, returned as a float32 Tensor (no autograd: inference only).

`QuantizedConv2d(conv, input_range)` does the same for a `Conv2d` (groups 1) with `weight_q` of shape
`(out, in, kh, kw)`: pad the quantized input with its **zero point** (the code of the real 0, not the
integer 0), take `im2col` of it, and multiply `(out, in*kh*kw)` by the columns in int32.
*Given:* the padding as `(top, bottom, left, right)` (`_conv_padding`), and `conv2d_output_size`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "quantization-layers", "locked": false, "schema_version": 3, "solution": true}}
#| export
class QuantizedLinear(Module):
    """Inference-only Linear with int8 per-channel weights and int32 accumulation (see the markdown)."""

    def __init__(self, linear, input_range):
        """Buffers weight_q (int8, per-channel symmetric), weight_scale (out,), input_qparams [s, z], bias.

        Raises TypeError naming the type when `linear` is not a Linear.
        """
        super().__init__()
        if not isinstance(linear, Linear):
            raise TypeError(f"QuantizedLinear wraps a Linear, got {type(linear).__name__}")
        self.in_features, self.out_features = linear.in_features, linear.out_features
        w = linear.weight._data.astype(np.float32)
        ### BEGIN SOLUTION
        scale = symmetric_scale(w, axis=0)
        self.register_buffer("weight_q", Tensor(quantize(w, scale, 0, -127, 127)))
        self.register_buffer("weight_scale", Tensor(scale.reshape(-1)))
        s_x, z_x = affine_qparams(*input_range)
        self.register_buffer("input_qparams", Tensor(np.array([s_x, z_x], dtype=np.float32)))
        ### END SOLUTION
        if linear.bias is not None:
            self.register_buffer("bias", Tensor(linear.bias._data.astype(np.float32)))
        else:
            self.bias = None

    def forward(self, x):
        """float32 Tensor: quantize x, (q_x - z_x) @ weight_q.T in int32, times s_x * weight_scale, + bias."""
        x = np.asarray(x._data if isinstance(x, Tensor) else x, dtype=np.float32)
        ### BEGIN SOLUTION
        s_x, z_x = float(self.input_qparams._data[0]), int(self.input_qparams._data[1])
        q_x = quantize(x, s_x, z_x).astype(np.int32) - z_x
        acc = q_x @ self.weight_q._data.astype(np.int32).T
        y = acc.astype(np.float32) * (np.float32(s_x) * self.weight_scale._data)
        ### END SOLUTION
        if self.bias is not None:
            y = y + self.bias._data
        return Tensor(y.astype(np.float32))

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, weight=int8 per-channel"


class QuantizedConv2d(Module):
    """Inference-only Conv2d (groups 1) with int8 per-channel weights and int32 accumulation."""

    def __init__(self, conv, input_range):
        """Buffers as QuantizedLinear, weight_q of shape (out, in, kh, kw).

        Raises TypeError naming the type when `conv` is not a Conv2d, ValueError when groups != 1.
        """
        super().__init__()
        if not isinstance(conv, Conv2d):
            raise TypeError(f"QuantizedConv2d wraps a Conv2d, got {type(conv).__name__}")
        if conv.groups != 1:
            raise ValueError(f"QuantizedConv2d supports groups=1 only, got groups={conv.groups}")
        self.kernel_size, self.stride, self.dilation = conv.kernel_size, conv.stride, conv.dilation
        self.pads = _conv_padding(conv.padding, conv.kernel_size, conv.dilation, conv.stride)
        w = conv.weight._data.astype(np.float32)
        ### BEGIN SOLUTION
        scale = symmetric_scale(w, axis=0)                       # (out, 1, 1, 1)
        q_w = quantize(w, scale, 0, -127, 127)
        self.register_buffer("weight_q", Tensor(q_w))
        self.register_buffer("weight_scale", Tensor(scale.reshape(-1)))
        s_x, z_x = affine_qparams(*input_range)
        self.register_buffer("input_qparams", Tensor(np.array([s_x, z_x], dtype=np.float32)))
        ### END SOLUTION
        if conv.bias is not None:
            self.register_buffer("bias", Tensor(conv.bias._data.astype(np.float32)))
        else:
            self.bias = None

    def forward(self, x):
        """float32 Tensor (N, out, oh, ow): quantized input padded with its zero point, im2col, int32 matmul."""
        x = np.asarray(x._data if isinstance(x, Tensor) else x, dtype=np.float32)
        n, _, h, w = x.shape
        top, bottom, left, right = self.pads
        out_h, out_w = conv2d_output_size((h + top + bottom, w + left + right), self.kernel_size, self.stride, 0,
                                          self.dilation)
        c_out = self.weight_q.shape[0]
        ### BEGIN SOLUTION
        s_x, z_x = float(self.input_qparams._data[0]), int(self.input_qparams._data[1])
        q_x = quantize(x, s_x, z_x).astype(np.int32)
        q_x = np.pad(q_x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=z_x) - z_x
        cols = im2col(q_x, self.kernel_size, self.stride, self.dilation, (out_h, out_w))
        acc = np.matmul(self.weight_q._data.astype(np.int32).reshape(c_out, -1), cols)
        y = acc.astype(np.float32) * (np.float32(s_x) * self.weight_scale._data)[:, None]
        y = y.reshape(n, c_out, out_h, out_w)
        ### END SOLUTION
        if self.bias is not None:
            y = y + self.bias._data[:, None, None]
        return Tensor(y.astype(np.float32))


# %% [markdown]
"""
### Testing the quantized layers

They must match the float layers within the quantization error, and really store `np.int8`.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "quantization-layers-tests", "locked": true, "points": 6, "schema_version": 3, "solution": false}}
def test_unit_quantized_layers():
    rng = np.random.default_rng(0)
    lin = Linear(16, 8)
    x = rng.uniform(0, 1, (5, 16)).astype(np.float32)
    ql = QuantizedLinear(lin, calibrate(x))
    assert ql.weight_q._data.dtype == np.int8, f"weights must be stored as int8, got {ql.weight_q._data.dtype}"
    assert ql.state_dict()["weight_q"].dtype == np.int8 and ql.weight_scale.shape == (8,)
    ref = lin(Tensor(x))._data
    out = ql(Tensor(x))._data
    assert out.dtype == np.float32 and np.abs(out - ref).max() < 0.02, np.abs(out - ref).max()
    conv = Conv2d(2, 4, 3, padding=1)
    xc = rng.uniform(-1, 1, (2, 2, 5, 5)).astype(np.float32)
    qc = QuantizedConv2d(conv, calibrate(xc))
    assert qc.weight_q._data.dtype == np.int8 and qc.weight_q.shape == (4, 2, 3, 3)
    err = np.abs(qc(Tensor(xc))._data - conv(Tensor(xc))._data).max()
    assert err < 0.03, f"QuantizedConv2d differs from Conv2d by {err}"
    ### BEGIN HIDDEN TESTS
    # a ReLU-like input in [0, 1]: zero point -128; the padding must be the code of the real 0
    xr = rng.uniform(0, 1, (1, 2, 4, 4)).astype(np.float32)
    qr = QuantizedConv2d(conv, calibrate(xr))
    assert int(qr.input_qparams._data[1]) == -128
    err = np.abs(qr(Tensor(xr))._data - conv(Tensor(xr))._data).max()
    assert err < 0.03, f"border outputs are wrong: pad with the zero point ({err})"
    # the integer path: outputs are exactly the int32 accumulation rescaled
    ql2 = QuantizedLinear(Linear(3, 2, bias=False), (-1.0, 1.0))
    assert ql2.bias is None and sorted(ql2.state_dict()) == ["input_qparams", "weight_q", "weight_scale"]
    xq = np.array([[1.0, -1.0, 0.5]], dtype=np.float32)
    s_x, z_x = affine_qparams(-1.0, 1.0)
    acc = (quantize(xq, s_x, z_x).astype(np.int64) - z_x) @ ql2.weight_q._data.astype(np.int64).T
    assert np.allclose(ql2(Tensor(xq))._data, acc * s_x * ql2.weight_scale._data, rtol=1e-5)
    big = Linear(512, 2)
    big.weight._data[...] = 1.0
    qb = QuantizedLinear(big, (0.0, 1.0))
    assert np.allclose(qb(Tensor(np.ones((1, 512), dtype=np.float32)))._data, big(Tensor(np.ones((1, 512),
                       dtype=np.float32)))._data, rtol=1e-2), "int32 accumulation: no int8/int16 overflow"
    try:
        QuantizedLinear(conv, (0, 1))
        raise AssertionError("QuantizedLinear(Conv2d) must raise TypeError")
    except TypeError:
        pass
    ### END HIDDEN TESTS
    print("✅ QuantizedLinear and QuantizedConv2d: int8 weights, int32 accumulation, float-close outputs")


test_unit_quantized_layers()

# %% [markdown]
"""
### Step 5: Post-training quantization of a model

**Your task:** `quantize_model(model, calibration_input, method="minmax")`. Run the model's
`leaf_layers` one after another on the calibration input (float, no autograd needed); before each
`Linear` or `Conv2d`, `calibrate` its input with `method` and replace it by `QuantizedLinear` /
`QuantizedConv2d` with that range. Other layers are kept as they are. Return a new `Sequential` of the
layers in order; the original model is unchanged.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "quantization-ptq", "locked": false, "schema_version": 3, "solution": true}}
#| export
def quantize_model(model, calibration_input, method="minmax"):
    """A new Sequential: model's leaf layers in order, Linear/Conv2d replaced by their quantized versions,
    each calibrated (calibrate(..., method)) on the input it receives from calibration_input."""
    h = calibration_input if isinstance(calibration_input, Tensor) else Tensor(np.asarray(calibration_input))
    layers = []
    ### BEGIN SOLUTION
    for _, layer in leaf_layers(model):
        if isinstance(layer, Linear):
            layers.append(QuantizedLinear(layer, calibrate(h, method)))
        elif isinstance(layer, Conv2d):
            layers.append(QuantizedConv2d(layer, calibrate(h, method)))
        else:
            layers.append(layer)
        h = Tensor(np.asarray(layer(h)._data))
    ### END SOLUTION
    return Sequential(*layers)


# %% [markdown]
"""
### Testing `quantize_model`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "quantization-ptq-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_quantize_model():
    from tinytorch.core.layers import Flatten, ReLU
    rng = np.random.default_rng(1)
    model = Sequential(Conv2d(1, 4, 3, padding=1), ReLU(), Flatten(), Linear(4 * 36, 10))
    x = rng.uniform(0, 1, (8, 1, 6, 6)).astype(np.float32)
    before = model[0].weight._data.copy()
    qmodel = quantize_model(model, x)
    kinds = [type(layer).__name__ for layer in qmodel]
    assert kinds == ["QuantizedConv2d", "ReLU", "Flatten", "QuantizedLinear"], kinds
    assert np.array_equal(model[0].weight._data, before), "the float model is unchanged"
    ref = model(Tensor(x))._data
    err = np.abs(qmodel(Tensor(x))._data - ref).max()
    assert err < 0.05 * np.abs(ref).max(), f"quantized model far from float model: {err}"
    ### BEGIN HIDDEN TESTS
    relu_in = int(qmodel[3].input_qparams._data[1])
    assert relu_in == -128, f"the Linear after ReLU sees inputs >= 0: zero point -128, got {relu_in}"
    s_lin = float(qmodel[3].input_qparams._data[0])
    h = np.maximum(model[0](Tensor(x))._data, 0).reshape(8, -1)
    assert np.isclose(s_lin, h.max() / 255, rtol=1e-5), "calibrated on the layer's own input"
    q2 = quantize_model(model, x, method="percentile")
    assert float(q2[3].input_qparams._data[0]) <= s_lin
    sd = qmodel.state_dict()
    assert sd["0.weight_q"].dtype == np.int8 and sd["3.weight_q"].dtype == np.int8
    ### END HIDDEN TESTS
    print("✅ quantize_model: calibrated, int8, close to the float model")


test_unit_quantize_model()

# %% [markdown]
"""
## Part 3: Systems Analysis

### Computational complexity

Quantizing a weight is O(its size), once. At inference, a quantized Linear adds O(N*in) to quantize the
input and O(N*out) to rescale the output around the same `2*N*in*out` multiply-adds: the extra work is
small against the product. Memory: weights take 1 byte instead of 4, plus 4 bytes of scale per output
channel.

### Build -> Measure -> Understand: PTQ of a trained digits MLP

We train a 64-256-256-10 MLP on the 8x8 digits for a few seconds, quantize it after training with 200
calibration images, and measure accuracy on the held-out test split and bytes on disk.
"""

# %% [code]
import os
import tempfile
import time
import tracemalloc

import tinytorch
from tinytorch.core.autograd import no_grad
from tinytorch.core.layers import ReLU
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import manual_seed
from tinytorch.datasets import load_digits
from tinytorch.utils.timing import pinned_blas_threads

x_train, y_train = load_digits("train")
x_test, y_test = load_digits("test")
x_train, x_test = x_train.reshape(len(x_train), 64), x_test.reshape(len(x_test), 64)
manual_seed(0)
net = Sequential(Linear(64, 256), ReLU(), Linear(256, 256), ReLU(), Linear(256, 10))
opt, loss_fn, order_rng = Adam(net.parameters(), lr=2e-3), CrossEntropyLoss(), np.random.default_rng(0)
start = time.perf_counter()
with pinned_blas_threads(1):              # on a shared machine, competing BLAS threads slow training badly
    for epoch in range(15):
        for idx in np.array_split(order_rng.permutation(len(x_train)), len(x_train) // 64):
            loss = loss_fn(net(Tensor(x_train[idx])), Tensor(y_train[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
print(f"trained 15 epochs in {time.perf_counter() - start:.1f} s (this run)")


def accuracy(model):
    with no_grad():
        return 100.0 * float((model(Tensor(x_test))._data.argmax(axis=1) == y_test).mean())


qnet = quantize_model(net, x_train[:200])
acc_float, acc_int8 = accuracy(net), accuracy(qnet)
print(f"test accuracy ({len(y_test)} images): float32 {acc_float:.2f}%, int8 {acc_int8:.2f}% "
      f"(drop {acc_float - acc_int8:.2f} points)")
assert acc_float >= 90, "the float model must be trained first"
assert acc_float - acc_int8 <= 1.0, "PTQ may cost at most 1 point on digits"

with tempfile.TemporaryDirectory() as folder:
    float_path, int8_path = os.path.join(folder, "float.npz"), os.path.join(folder, "int8.npz")
    tinytorch.save(net.state_dict(), float_path)
    tinytorch.save(qnet.state_dict(), int8_path)
    float_bytes, int8_bytes = os.path.getsize(float_path), os.path.getsize(int8_path)
    reloaded = tinytorch.load(int8_path)
print(f"on disk: float32 {float_bytes:,} bytes, int8 {int8_bytes:,} bytes: {float_bytes / int8_bytes:.2f}x smaller")
assert np.asarray(reloaded["0.weight_q"]).dtype == np.int8, "the file holds int8 weights"
assert float_bytes / int8_bytes >= 3.5, "measured on disk"

# %% [markdown]
"""
The accuracy drop and the ratio above are this run's measurements, each asserted against its bound.
The ratio is below 4 because the biases, one float32 scale per output channel and the file format's
headers stay; on a larger layer they matter less.

### Per-channel against per-tensor, and min/max against percentile

A layer whose output channels have very different scales: measured error of both schemes. Then an
activation with one outlier: the step size each calibration gives.
"""

# %% [code]
w_uneven = np.random.default_rng(2).standard_normal((8, 64)).astype(np.float32) * np.logspace(-2, 0, 8,
                                                                                              dtype=np.float32)[:, None]
errors = {}
for name, scale in (("per-tensor", symmetric_scale(w_uneven)), ("per-channel", symmetric_scale(w_uneven, axis=0))):
    w_hat = dequantize(quantize(w_uneven, scale, 0, -127, 127), scale)
    errors[name] = np.abs(w_hat - w_uneven).mean(axis=1) / np.abs(w_uneven).mean(axis=1)
    print(f"{name:12s} relative error per channel: " + " ".join(f"{e:.4f}" for e in errors[name]))
assert errors["per-channel"].mean() < errors["per-tensor"].mean(), "measured: per-channel is more accurate"

acts = np.concatenate([np.abs(np.random.default_rng(3).standard_normal(10000)), [40.0]]).astype(np.float32)
for method in ("minmax", "percentile"):
    lo_, hi_ = calibrate(acts, method, 99.9)
    sc, zp = affine_qparams(lo_, hi_)
    err = np.abs(dequantize(quantize(acts, sc, zp), sc, zp) - acts).mean()
    print(f"{method:10s}: range [{lo_:.2f}, {hi_:.2f}], step {sc:.4f}, mean abs error {err:.4f}")

# %% [markdown]
"""
### Speed: INT8 in NumPy is slower (measured)

The same product `(256, 256) @ (256, 256)` in float32 (BLAS) and in int32 (NumPy's integer matmul,
which has no BLAS), BLAS pinned to one thread, and the memory each needs (`tracemalloc`).
"""

# %% [code]
a_f = np.random.default_rng(4).standard_normal((256, 256)).astype(np.float32)
a_q = quantize(a_f, symmetric_scale(a_f), 0, -127, 127)


from tinytorch.utils.timing import best_time  # fastest of `repeats` calls, BLAS pinned to one thread

with pinned_blas_threads(1) as note:
    t_f32 = best_time(lambda: a_f @ a_f, warmup=1)
    t_i32 = best_time(lambda: a_q.astype(np.int32) @ a_q.astype(np.int32), warmup=1)
print(note)
verdict = f"{t_i32 / t_f32:.0f}x slower" if t_i32 > t_f32 else f"{t_f32 / t_i32:.1f}x faster (unexpected: see below)"
print(f"this run: float32 BLAS {t_f32 * 1e3:.2f} ms, int8 -> int32 NumPy matmul {t_i32 * 1e3:.2f} ms: "
      f"INT8 was {verdict} here")
tracemalloc.start()
a_q.astype(np.int32) @ a_q.astype(np.int32)
peak_int = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(f"int8 operands {2 * a_q.nbytes:,} bytes, but the int32 copies and result peak at {peak_int:,} bytes")

# %% [markdown]
"""
**Understand.** Read the verdict printed above (this run's measurement). Expect the integer product to
be many times slower than float32: NumPy's integer matmul is a plain loop without BLAS's blocking and
SIMD kernels, and it needs int32 copies of the int8 operands (the traced peak above). INT8 pays off where hardware multiplies 8-bit numbers natively: x86
VNNI (`vpdpbusd`: four int8 multiply-adds into int32 per lane) and ARM's `sdot`, used by FBGEMM, QNNPACK
and oneDNN, and accelerators (GPU tensor cores, TPUs, phone NPUs) with 2-4x the int8 throughput of their
float throughput. What INT8 always buys, even here, is memory: 4x fewer weight bytes to store, download
and stream from RAM, which is what limits memory-bound layers (module 14's roofline).

## Production Context

PyTorch offers `torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)` (weights
int8, activations quantized on the fly) and static PTQ with observers (`MinMaxObserver`,
`HistogramObserver`, `PerChannelMinMaxObserver`) inserted by `prepare`, run on calibration data and
replaced by `convert`: the steps you wrote. Its quantized tensors store `int8` with `q_scale()` and
`q_zero_point()`, activations as `quint8` (0 to 255) with a zero point, weights as symmetric `qint8`.
Quantization-aware training (QAT) simulates the rounding during training ("fake quantization") for
models that lose too much with PTQ. LLMs use 8- and 4-bit weight-only schemes (GPTQ, AWQ,
bitsandbytes' LLM.int8() with outliers kept in float16).
"""

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/15_quantization/quantization_dev.py`) runs every test
above once more, through `run_all_tests()`.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_affine()
    test_unit_symmetric()
    test_unit_calibrate()
    test_unit_quantized_layers()
    test_unit_quantize_model()
    print("🎉 All Quantization tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. Your file shrank by less than 4x. Which entries of the quantized state_dict are not int8, and how
   large would a layer need to be for the ratio to reach 3.9x?
2. The activation after a ReLU got zero point -128. What would symmetric quantization (zero point 0)
   waste for that layer, in codes and in resolution?
3. In your calibration comparison, percentile gave a finer step but saturated the outlier. For which
   layers of a network would you accept that, and how would you check on held-out data?
4. Your int8 matmul was slower than float32 here. On a CPU with VNNI, what would change, and what would
   still cost the same (quantizing inputs, rescaling outputs)?
5. Per-channel scales improved the small channels' error. Why is per-channel common for weights but
   rare for activations (think of what the int32 accumulation would have to do)?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built real INT8 quantization:
- affine quantization (scale, zero point, rounding, clamping) with its `scale/2` error bound, and
  symmetric per-tensor and per-channel scales;
- calibration by min/max and by percentile;
- `QuantizedLinear` and `QuantizedConv2d` storing `np.int8` weights and accumulating in `int32`;
- `quantize_model`, post-training quantization of a trained model.

You measured a trained digits MLP lose at most a point of accuracy and its file shrink by over 3.5x
on disk, and you measured, honestly, that INT8 in NumPy is slower than float32 BLAS.

**Next:** `tito export 15`; module 16 removes weights altogether (pruning) and distils models.
"""
