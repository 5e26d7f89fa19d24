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
# Module 09: Spatial (Convolution and Pooling)

A `Linear` layer connects every input pixel to every output, and it does not know that neighbouring
pixels belong together. A **convolution** slides one small filter over the whole image: the same few
weights are reused at every position, so a layer that looks at a 3 x 3 neighbourhood needs only
`C_in * 9` weights per output channel, whatever the image size. **Pooling** then summarises each
neighbourhood (its maximum or mean), shrinking the image so later layers see a wider area.

Convolution is where a from-scratch framework meets performance for real: you write the textbook loop,
measure it, then build the fast version step by step.

**Learning Objectives:**
- Compute the output size of a convolution or pooling window (kernel, stride, padding, dilation).
- Write the direct convolution loop, then **im2col**: a read-only strided *view* of every window
  (`as_strided`, no copy) turned into one matrix product.
- Make `conv2d`, `max_pool2d` and `avg_pool2d` differentiable ops: record them with `record_op`, and
  register their gradient rules with autograd's `@register_gradient` (col2im as a loop over kernel
  offsets; max-pool gradients routed to the first maximum, as PyTorch does).
- Build `Conv2d`, `MaxPool2d` and `AvgPool2d` layers with PyTorch's arguments, weight layout
  `(out, in/groups, kh, kw)` and default initialisation, and connect them to `Linear` with `Flatten`.
- Measure the memory im2col costs (`tracemalloc`), FLOPs and GFLOP/s, from the loop to the vectorised op.

**How this module works.** Each step is a code cell to complete (between the solution markers), followed
at once by a graded test; `#| export` cells become `tinytorch/core/spatial.py` (`tito export 09`). Given
code the module uses but does not teach is in `tinytorch/core/spatial_support.py`.
"""

# %% [markdown]
"""
## Part 1: Mathematical Foundations

**Convolution (as deep learning defines it).** For an input `x` of shape `(N, C_in, H, W)` and a weight
`w` of shape `(C_out, C_in, kh, kw)`:

    out[n, o, y, x] = bias[o] + sum over c, i, j of  w[o, c, i, j] * xpad[n, c, y*s + i*d, x*s + j*d]

where `s` is the **stride** (how far the window moves per output pixel), `d` the **dilation** (the gap
between the kernel's taps), and `xpad` the input with `p` rows/columns of zeros (**padding**) added on
each side. (Mathematicians call this a cross-correlation: the kernel is not flipped. PyTorch does the
same.)

**Output size.** Along one dimension the kernel covers `d*(k-1)+1` input pixels (its *effective* size).
It fits at positions `0, s, 2s, ...` as long as it stays inside the `n + 2p` padded pixels:

    out = floor((n + 2p - d*(k-1) - 1) / s) + 1

**Groups.** With `groups = g`, the input channels are split into `g` groups and each output channel sees
only the `C_in/g` channels of its group; the weight is `(C_out, C_in/g, kh, kw)`. `g = C_in` is a
*depthwise* convolution.

**Cost.** Each output value is a dot product of length `C_in/g * kh * kw`, so a forward pass takes
`2 * N * C_out * out_h * out_w * (C_in/g) * kh * kw` floating-point operations (FLOPs). The backward pass
costs as much again for the weight gradient, and again for the input gradient, but only when the input
requires one: the first layer, fed with data, skips it.

The cell below checks the formula against the positions a window can really take.
"""

# %%
import numpy as np

for n, k, s, p, d in [(32, 3, 1, 1, 1), (28, 5, 1, 0, 1), (7, 3, 2, 1, 1), (8, 3, 1, 0, 2), (9, 2, 2, 0, 1)]:
    formula = (n + 2 * p - d * (k - 1) - 1) // s + 1
    starts = [start for start in range(0, n + 2 * p, s) if start + d * (k - 1) < n + 2 * p]
    assert formula == len(starts)
    print(f"n={n:2d} k={k} stride={s} padding={p} dilation={d}: formula {formula:2d}, "
          f"window positions counted {len(starts):2d}")

N, C_in, H, W, C_out, K = 32, 3, 32, 32, 32, 3
flops = 2 * N * C_out * H * W * C_in * K * K          # padding 1, stride 1: out_h = H, out_w = W
print(f"Conv2d({C_in}->{C_out}, k{K}, pad 1) on a batch {N}x{C_in}x{H}x{W}: {flops / 1e6:.1f} MFLOP forward, "
      f"{C_out * C_in * K * K + C_out} parameters")

# %% [markdown]
"""
## Part 2: Building the layers

### Setup (given)

The package file imports what it builds on: `Tensor`, `record_op` and `register_op` from module 01 (to
declare and record the new ops), `register_gradient` from module 05 (to register their gradient rules:
the declared extension point of autograd, so no class is patched), and `Module`, `Parameter` and the
initialisers from module 03, and the given helpers of its support file, `tinytorch/core/spatial_support.py`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "spatial-setup", "locked": true, "schema_version": 3, "solution": false}}
#| export
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from tinytorch.core.autograd import register_gradient
from tinytorch.core.layers import fan_in_and_fan_out, kaiming_uniform_, uniform_
# Given, not taught: argument checks, padding, the layers' constructors, the threads' helpers
# (tinytorch/core/spatial_support.py, tinytorch/core/threads.py).
from tinytorch.core.spatial_support import (AvgPool2dBase, Conv2dBase, MaxPool2dBase, _batch_last, _check_conv_args,
                                            _conv_padding, _offset_view, _pad, _pair, _spatial_input,
                                            col2im_over_batch, for_each_chunk, parallel_apply, parallel_copy,
                                            pool_rule_over_batch)
from tinytorch.core.tensor import Tensor, record_op, register_op

__all__ = [
    "Conv2d", "MaxPool2d", "AvgPool2d", "conv2d", "max_pool2d", "avg_pool2d",
    "conv2d_output_size", "sliding_windows", "im2col", "col2im",
]

# The three differentiable ops this module adds; their gradient rules are registered below with
# autograd's @register_gradient (the declared extension point of module 05).
CONV2D = register_op("conv2d", "09_spatial")
MAX_POOL2D = register_op("max_pool2d", "09_spatial")
AVG_POOL2D = register_op("avg_pool2d", "09_spatial")

# %% [markdown]
"""
### Step 1: Output sizes

*Given* (support file): `_pair(value, name, op, minimum)`, which accepts an int or a `(height, width)`
pair for every size argument (as PyTorch does; ValueError otherwise), and `_spatial_input`, which checks
that an input is a 4-D float Tensor.

**Your task:** `conv2d_output_size`, the formula above for both dimensions, with an error that names
the sizes when the kernel does not fit.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "spatial-output-size", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- your part --------------------------------------------------------------------------------------
def conv2d_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """(out_h, out_w) of a convolution or pooling window sliding over an input of (h, w) = input_size.

    Each argument is an int (the same for both dimensions) or a pair. For one dimension:
        out = floor((n + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
    Raise ValueError naming the input size and the effective kernel size when out < 1 (the kernel
    does not fit in the padded input).
    """
    ### BEGIN SOLUTION
    n = _pair(input_size, "input_size", "conv2d_output_size", 0)
    k = _pair(kernel_size, "kernel_size", "conv2d_output_size", 1)
    s = _pair(stride, "stride", "conv2d_output_size", 1)
    p = _pair(padding, "padding", "conv2d_output_size", 0)
    d = _pair(dilation, "dilation", "conv2d_output_size", 1)
    out = []
    for axis in range(2):
        span = d[axis] * (k[axis] - 1) + 1                  # the kernel's effective extent
        padded = n[axis] + 2 * p[axis]
        if padded < span:
            raise ValueError(
                f"the kernel does not fit: input size {n} padded by {p} is {padded} along "
                f"{'height' if axis == 0 else 'width'}, smaller than the effective kernel size {span} "
                f"(kernel {k[axis]}, dilation {d[axis]}); use a smaller kernel or more padding")
        out.append((padded - span) // s[axis] + 1)
    return tuple(out)
    ### END SOLUTION

# %% [markdown]
"""
### Testing `conv2d_output_size`
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "spatial-output-size-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_output_size():
    assert conv2d_output_size(32, 3, padding=1) == (32, 32), "3x3 with padding 1 keeps the size"
    assert conv2d_output_size((28, 28), 5) == (24, 24)
    assert conv2d_output_size((7, 8), 3, stride=2, padding=1) == (4, 4), "odd sizes round down"
    assert conv2d_output_size(8, 3, dilation=2) == (4, 4), "a dilated 3-tap kernel spans 5 pixels"
    assert conv2d_output_size((9, 10), (2, 3), stride=(2, 1)) == (4, 8), "pairs are (height, width)"
    try:
        conv2d_output_size(2, 5)
        raise AssertionError("a kernel larger than the input must raise ValueError")
    except ValueError as exc:
        assert "5" in str(exc) and "2" in str(exc), f"the message should name both sizes: {exc}"
    ### BEGIN HIDDEN TESTS
    assert conv2d_output_size(1, 1) == (1, 1)
    assert conv2d_output_size((5, 5), 5) == (1, 1)
    assert conv2d_output_size((4, 4), 3, stride=3) == (1, 1)
    for bad in (0, -1, 1.5, True):
        try:
            conv2d_output_size(8, bad)
            raise AssertionError(f"kernel_size {bad!r} must raise ValueError")
        except ValueError:
            pass
    ### END HIDDEN TESTS
    print("✅ conv2d_output_size follows the formula and explains a kernel that does not fit")


test_unit_output_size()

# %% [markdown]
"""
### Step 2: The direct loop

The definition, written as it reads: for every image, output channel and output position, multiply the
window by the filter and add it up. Only the innermost sum (over channels and kernel taps) is left to
NumPy; the four outer loops run in Python. This version is for understanding and as a reference to test
the fast ones against; it is not exported.

**Your task:** `conv2d_loops` for NumPy arrays (groups 1, dilation 1).
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "spatial-conv-loops", "locked": false, "schema_version": 3, "solution": true}}
def conv2d_loops(x, weight, bias=None, stride=1, padding=0):
    """Direct convolution of NumPy arrays: x (N, C, H, W), weight (O, C, kh, kw), bias (O,) or None.

    Pad x with `padding` zeros on each side (np.pad), then for each n, o, y, x:
        out[n, o, y, x] = sum(xpad[n, :, y*stride : y*stride+kh, x*stride : x*stride+kw] * weight[o]) + bias[o]
    Return an array of x's dtype and shape (N, O, out_h, out_w).
    """
    ### BEGIN SOLUTION
    n_img, _, h, w = x.shape
    n_out, _, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = conv2d_output_size((h, w), (kh, kw), stride, padding)
    out = np.zeros((n_img, n_out, oh, ow), dtype=x.dtype)
    for n in range(n_img):
        for o in range(n_out):
            for y in range(oh):
                for x_ in range(ow):
                    window = xp[n, :, y * stride:y * stride + kh, x_ * stride:x_ * stride + kw]
                    out[n, o, y, x_] = np.sum(window * weight[o]) + (bias[o] if bias is not None else 0)
    return out
    ### END SOLUTION


# %% [markdown]
"""
### Testing `conv2d_loops`

A case small enough to check by hand: a 3 x 3 image holding 0..8 and a 2 x 2 kernel of ones, so each
output is the sum of a 2 x 2 block.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "spatial-conv-loops-tests", "locked": true, "points": 2, "schema_version": 3, "solution": false}}
def test_unit_conv_loops():
    image = np.arange(9, dtype=np.float64).reshape(1, 1, 3, 3)
    ones = np.ones((1, 1, 2, 2))
    out = conv2d_loops(image, ones)
    assert out.shape == (1, 1, 2, 2)
    assert out[0, 0].tolist() == [[8.0, 12.0], [20.0, 24.0]], f"got {out[0, 0].tolist()}"
    padded = conv2d_loops(image, ones, bias=np.array([1.0]), padding=1)
    assert padded.shape == (1, 1, 4, 4) and padded[0, 0, 0, 0] == 0.0 + 1.0, "corner sees one pixel (0) + bias"
    strided = conv2d_loops(image, ones, stride=2, padding=1)
    assert strided[0, 0].tolist() == [[0.0, 3.0], [9.0, 24.0]], f"got {strided[0, 0].tolist()}"
    two = conv2d_loops(np.stack([image[0], image[0] * 10], axis=1).reshape(1, 2, 3, 3), np.ones((3, 2, 2, 2)))
    assert two.shape == (1, 3, 2, 2) and two[0, 2, 0, 0] == 8.0 * 11, "all input channels are summed"
    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(5)
    xs, ws = rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((3, 2, 3, 3))
    ref = np.zeros((2, 3, 3, 2))
    for n in range(2):
        for o in range(3):
            for y in range(3):
                for x_ in range(2):
                    ref[n, o, y, x_] = np.sum(xs[n, :, y:y + 3, x_:x_ + 3] * ws[o])
    assert np.allclose(conv2d_loops(xs, ws), ref)
    ### END HIDDEN TESTS
    print("✅ conv2d_loops computes the definition")


test_unit_conv_loops()

# %% [markdown]
"""
### Step 3: im2col, a view of every window and one matrix product

The loop does `N * C_out * out_h * out_w` small dot products, each paying Python's overhead. Rearrange
the work instead: copy the window that each output pixel sees into one column of a matrix, the
**column matrix** `cols` of shape `(C_in*kh*kw, out_h*out_w)` per image. The weight reshaped to
`(C_out, C_in*kh*kw)` times `cols` is then the whole convolution: one call into BLAS, which runs at the
speed of the hardware.

Building `cols` needs no loop either. An array is memory plus **strides** (module 01): the bytes to skip
per step along each axis. All windows together are a 6-D array `(N, C, kh, kw, out_h, out_w)` whose
element `[n, c, i, j, y, x]` is `xpad[n, c, y*s + i*d, x*s + j*d]`, and that is just a new set of
strides over the padded input's memory:

| axis | one step moves | stride in bytes |
|---|---|---|
| `i` (kernel row) | `d` input rows | `d * row_stride` |
| `j` (kernel column) | `d` input columns | `d * col_stride` |
| `y` (output row) | `s` input rows | `s * row_stride` |
| `x` (output column) | `s` input columns | `s * col_stride` |

`numpy.lib.stride_tricks.as_strided` makes that view for free; the one copy happens when it is made
contiguous as the column matrix. That copy is the price of im2col: each input pixel is copied once per
window it belongs to (about `kh*kw / s^2` times). We measure it in the Systems Analysis.

The backward pass needs the reverse, **col2im**: every column entry is *added* back to the pixel it came
from (a pixel in several windows collects several contributions). A loop over pixels would be slow, and
`np.add.at` (NumPy's unbuffered scatter-add) is slow too. But for a fixed kernel offset `(i, j)` the
pixels read form one strided slice of the input, `xpad[:, :, i*d : ... : s, j*d : ... : s]`, so col2im is
a loop of only `kh*kw` iterations, each adding a whole block at once. *Given* (support file):
`_pad(x, pads, value)` and `_offset_view(i, j, stride, dilation, out_size)`, the index of that slice.
The decorator `@col2im_over_batch` on col2im is given too: when `tinytorch.get_num_threads() > 1` it runs
your col2im on slices of the batch in parallel threads (NumPy releases the GIL in its loops), which is
correct because each image's columns only touch that image.

One systems detail: NumPy runs an elementwise operation as an inner loop over the innermost axis of its
operands, restarted once per row of the other axes. For small images that axis, a row of `out_w` pixels,
is short (4 or 8 pixels in a CNN on 8x8 digits), and restarting the loop costs more than the adds. When
`2 * out_w <= N`, let the batch be the innermost axis instead: accumulate in an array laid out
`(C, Hp, Wp, N)` (`.transpose` makes the views, no copy) and return it viewed as `(N, C, Hp, Wp)`.
The adds, and so the values, are the same; this run's Systems Analysis prints the time of both layouts.

**Your task:** `sliding_windows`, `im2col` and `col2im`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "spatial-im2col", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- your part --------------------------------------------------------------------------------------
def sliding_windows(xp, kernel_size, stride, dilation, out_size):
    """A read-only VIEW of shape (N, C, kh, kw, out_h, out_w) of the padded input xp (N, C, Hp, Wp):
    element [n, c, i, j, y, x] is xp[n, c, y*sh + i*dh, x*sw + j*dw]. No data is copied.

    HINT: numpy.lib.stride_tricks.as_strided(xp, shape, strides, writeable=False). Moving one step in
    i moves dh rows (dh * row stride bytes); one step in y moves sh rows; likewise for j, x and columns.
    """
    ### BEGIN SOLUTION
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel_size, stride, dilation, out_size
    s_n, s_c, s_h, s_w = xp.strides
    return as_strided(xp, shape=(xp.shape[0], xp.shape[1], kh, kw, oh, ow),
                      strides=(s_n, s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw), writeable=False)
    ### END SOLUTION


def im2col(xp, kernel_size, stride, dilation, out_size):
    """The column matrix of xp: a contiguous (N, C*kh*kw, out_h*out_w) array (a copy of the windows).

    Column [n, :, y*out_w + x] holds the C*kh*kw input values that output pixel (y, x) of image n
    sees, in the order (c, i, j): the same order as a weight (C_out, C, kh, kw) reshaped to
    (C_out, C*kh*kw). So the whole convolution is one matrix product: W_matrix @ cols.
    """
    ### BEGIN SOLUTION
    n, c = xp.shape[:2]
    (kh, kw), (oh, ow) = kernel_size, out_size
    return np.ascontiguousarray(sliding_windows(xp, kernel_size, stride, dilation, out_size)).reshape(
        n, c * kh * kw, oh * ow)
    ### END SOLUTION


@col2im_over_batch        # given: with several threads, runs on slices of the batch at once
def col2im(cols, padded_shape, kernel_size, stride, dilation, out_size):
    """The adjoint of im2col: add each column entry back onto the input pixel it was copied from.

    cols is (N, C*kh*kw, out_h*out_w); the result has `padded_shape` (N, C, Hp, Wp). Where windows
    overlap, a pixel receives the sum of its copies. Loop over the kh*kw kernel offsets (not over
    pixels): offset (i, j) adds a whole (N, C, out_h, out_w) block onto the strided slice it read.
    When 2 * out_w <= N (small images), accumulate in an array laid out (C, Hp, Wp, N), the batch
    innermost, and return it viewed as (N, C, Hp, Wp) (a transpose): same values, longer inner loops.
    """
    ### BEGIN SOLUTION
    n, c = padded_shape[:2]
    (kh, kw), (oh, ow) = kernel_size, out_size
    blocks = cols.reshape(n, c, kh, kw, oh, ow)
    batch_last = 2 * ow <= n             # short image rows: make the batch the innermost axis
    if batch_last:                       # views (1, C, kh, kw, oh, ow, N) and (1, C, Hp, Wp, N)
        blocks = blocks.transpose(1, 2, 3, 4, 5, 0)[None]
        out = np.zeros((1,) + tuple(padded_shape[1:]) + (n,), dtype=cols.dtype)
    else:
        out = np.zeros(padded_shape, dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            out[_offset_view(i, j, stride, dilation, out_size)] += blocks[:, :, i, j]
    return out[0].transpose(3, 0, 1, 2) if batch_last else out
    ### END SOLUTION

# %% [markdown]
"""
### Testing im2col and col2im

The windows must be a view (no copy), im2col times the weight matrix must equal the direct loop, and
col2im must be the adjoint of im2col: for any `x` and `c`, `<im2col(x), c> == <x, col2im(c)>`. That
identity is exactly what makes col2im the correct gradient.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "spatial-im2col-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_im2col():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 5))
    view = sliding_windows(x, (3, 3), (1, 1), (1, 1), (4, 3))
    assert view.shape == (2, 3, 3, 3, 4, 3) and np.shares_memory(view, x), "the windows must be a view of x"
    assert view[1, 2, 1, 2, 3, 1] == x[1, 2, 3 + 1, 1 + 2]
    dil = sliding_windows(x, (2, 2), (2, 1), (2, 2), (2, 3))
    assert dil[0, 1, 1, 1, 1, 2] == x[0, 1, 1 * 2 + 1 * 2, 2 * 1 + 1 * 2], "stride and dilation both count"

    weight = rng.standard_normal((4, 3, 3, 3))
    for stride, padding in ((1, 0), (2, 1), (1, 2)):
        xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
        out_size = conv2d_output_size(x.shape[2:], 3, stride, padding)
        cols = im2col(xp, (3, 3), (stride, stride), (1, 1), out_size)
        assert cols.shape == (2, 27, out_size[0] * out_size[1]) and cols.flags.c_contiguous
        fast = (weight.reshape(4, 27) @ cols).reshape(2, 4, *out_size)
        assert np.allclose(fast, conv2d_loops(x, weight, stride=stride, padding=padding)), (stride, padding)

        c = rng.standard_normal(cols.shape)
        back = col2im(c, xp.shape, (3, 3), (stride, stride), (1, 1), out_size)
        assert back.shape == xp.shape
        assert np.isclose(np.sum(cols * c), np.sum(xp * back)), "col2im must be the adjoint of im2col"
    small = rng.standard_normal((8, 2, 5, 4))                 # 2 * out_w <= N: the batch-innermost layout
    cols = im2col(small, (3, 3), (1, 1), (1, 1), (3, 2))
    c = rng.standard_normal(cols.shape)
    back = col2im(c, small.shape, (3, 3), (1, 1), (1, 1), (3, 2))
    assert back.shape == small.shape and np.isclose(np.sum(cols * c), np.sum(small * back)), \
        "small images (batch innermost): col2im must still be the adjoint of im2col"
    one = col2im(c[5:6], (1,) + small.shape[1:], (3, 3), (1, 1), (1, 1), (3, 2))
    assert np.allclose(back[5:6], one), "image 5 of the batch gets what it gets on its own"
    ### BEGIN HIDDEN TESTS
    xp = rng.standard_normal((1, 2, 7, 7))
    cols = im2col(xp, (2, 3), (2, 1), (2, 1), (2, 5))
    c = rng.standard_normal(cols.shape)
    assert np.isclose(np.sum(cols * c), np.sum(xp * col2im(c, xp.shape, (2, 3), (2, 1), (2, 1), (2, 5))))
    ### END HIDDEN TESTS
    print("✅ im2col is a strided view made contiguous, and col2im is its adjoint")


test_unit_im2col()

# %% [markdown]
"""
### Step 4: `conv2d` as a differentiable op

Now the version the package uses. `conv2d(input, weight, bias, stride, padding, dilation, groups)` has
PyTorch's signature (`padding` may also be `'valid'` or `'same'`). The forward pass is im2col and one
matrix product per image, `(C_out, K) @ (K, L)` with `K = C_in*kh*kw` and `L = out_h * out_w`; NumPy's
`matmul` broadcasts the weight over a stack of column matrices, so one call multiplies many images, and
writes `(N, C_out, L)`, the output's own layout (no transpose); the bias is added in place. With groups,
the weight is `(groups, C_out/groups, C_in/groups*kh*kw)` and the columns `(N, groups, C_in/groups*kh*kw, L)`.

The batch goes through in **chunks** of images. *Given*: `for_each_chunk(n, per_image, fn, split=True)`
calls `fn(s)` for slices `s` of the batch, each about a million elements of work (`per_image` elements
per image), and shares the chunks among `tinytorch.get_num_threads()` threads; `fn` writes into arrays
allocated before the call. The chunks are what the threads share: each thread copies, multiplies and adds
the bias for its own images. Their size was chosen by measuring `bench/run.py`'s conv block on a 2-core
machine, not derived: smaller chunks made the gradient slower there, since every chunk pays its own
calls and col2im's Python loop.

**Small images** (`2 * out_w <= N`, as in `col2im`): rows of 4 or 8 pixels make every copy a loop of
short runs, so the whole batch goes in one piece (`split=False`) with the columns ordered (pixel, image),
`(groups, K/groups, L*N)`, the batch innermost: one product for the batch, and its `(C_out, L, N)`
result, plus the bias, **is** the output: return it as a view `(N, C_out, out_h, out_w)` with the batch
innermost in memory, no copy. In the gradient the same order makes `col2im`'s batch-innermost blocks
contiguous, and the next layers keep that layout (`_pad`, ReLU and pooling allocate like their input), so
the next convolution copies its windows in runs of `out_w * N` values instead of one value at a time.
*Given*: `_batch_last(a)`, `a (N, ...)` as a contiguous `(..., N)`: a view when `a` already has the batch
innermost, else a copy in two passes.

That layout is visible, as it is with PyTorch's `channels_last` tensors: `is_contiguous()` is False and
`stride()` shows the batch innermost. Every view that keeps the batch apart works (`x.view(N, -1)`,
`x.flatten(1)`); one that merges the batch with other axes (`x.view(-1)`) raises PyTorch's message asking
for `.reshape`, and `.contiguous()` gives the usual `(N, C, H, W)` layout.

The result is recorded with `record_op(out, "conv2d", inputs, attrs)`. The gradient rule, registered with
`@register_gradient("conv2d")`, receives the upstream gradient `g` (shape of the output) and returns
one gradient per input, from the same products per chunk (or for the whole batch of small images):

- weight: `dW = G @ cols^T`, per image (`G = g` viewed as `(n, groups, C_out/groups, L)`) or for the
  batch (`G` ordered like the columns), summed over the batch; it reuses the forward pass's column matrix
  (kept in `attrs`, so it is not rebuilt). The chunks' sums are kept apart (threads run them at once)
  and added at the end;
- input: `dcols = W^T @ G`, viewed as `(n, K, L)` for `col2im` into the chunk's rows of the padded
  input's gradient; crop the padding away at the end;
- bias: `g` summed over the pixels and the batch.

*Given* (support file): `_conv_padding` (padding as `(top, bottom, left, right)`; `'same'` puts an odd
extra row at the bottom, as PyTorch does) and `_check_conv_args`, whose errors (ValueError, TypeError for
mixed dtypes) name the shapes at fault, e.g. both channel counts when the input does not fit the weight.

**Your task:** `conv2d` and `conv2d_grad`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "spatial-conv2d-op", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- your part --------------------------------------------------------------------------------------
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (PyTorch's cross-correlation) as one recorded op, "conv2d".

    input (N, C_in, H, W), weight (C_out, C_in/groups, kh, kw), bias (C_out,) or None. Pad the input; with
    L = out_h*out_w and K/g = C_in/groups*kh*kw, allocate the output and cols:
      - small images (2 * out_w <= N): cols (groups, K/g, L*N), columns ordered (pixel, image), and the
        output allocated as the product, (groups, C_out/groups, L*N); in one piece (for_each_chunk(...,
        split=False)) fill cols with the windows, multiply W (groups, C_out/groups, K/g) @ cols into the
        output and add the bias; the output is (C_out, out_h, out_w, N) in memory, viewed (a transpose, no
        copy) as (N, C_out, out_h, out_w);
      - otherwise: the output (N, C_out, L) and cols (N, groups, K/g, L); for_each_chunk(N, elements per
        image, fn) with fn(s) filling cols[s] with the windows of images s and out[s] with W @ cols[s], plus
        the bias per channel; the output viewed as (N, C_out, out_h, out_w).
    Record it with record_op(output, CONV2D, inputs, attrs), attrs keeping what the gradient needs (the
    configuration, cols, batch_last, the padded shape).
    """
    ### BEGIN SOLUTION
    x = _check_conv_args(input, weight, bias, groups)
    kernel = weight.shape[2:]
    stride = _pair(stride, "stride", "conv2d", 1)
    dilation = _pair(dilation, "dilation", "conv2d", 1)
    pads = _conv_padding(padding, kernel, dilation, stride)
    n, _, h, w = x.shape
    if padding == "same":
        out_size = (h, w)
    else:
        out_size = conv2d_output_size((h, w), kernel, stride, (pads[0], pads[2]), dilation)
    xp = _pad(x._data, pads)
    out_c = weight.shape[0]
    pixels = out_size[0] * out_size[1]
    windows = sliding_windows(xp, kernel, stride, dilation, out_size)           # (N, C, kh, kw, oh, ow)
    w_mat = weight._data.reshape(groups, out_c // groups, -1)
    b = np.zeros((1, out_c, 1), xp.dtype) if bias is None else bias._data.reshape(1, out_c, 1)
    batch_last = 2 * out_size[1] <= n          # small images: one piece, columns ordered (pixel, image)
    if batch_last:                             # the product is the output: (C_out, L, N) in memory
        cols = np.empty((groups, w_mat.shape[2], pixels * n), dtype=xp.dtype)
        out = np.empty(w_mat.shape[:2] + (pixels * n,), dtype=xp.dtype)
    else:                                      # a column matrix per image and group
        cols = np.empty((n, groups, w_mat.shape[2], pixels), dtype=xp.dtype)
        out = np.empty((n, out_c, pixels), dtype=xp.dtype)

    def chunk(s):                              # images s: their columns, the products, the bias
        if batch_last:
            np.copyto(cols.reshape(windows.shape[1:] + (n,)), windows.transpose(1, 2, 3, 4, 5, 0))
            np.matmul(w_mat, cols, out=out)
            np.add(out, b.reshape(w_mat.shape[:2] + (1,)), out=out)
        else:
            np.copyto(cols[s].reshape(windows[s].shape), windows[s])
            np.matmul(w_mat, cols[s], out=out[s].reshape(cols[s].shape[:2] + (-1, pixels)))
            out[s] += b
    for_each_chunk(n, cols.size // n + out_c * pixels, chunk, split=not batch_last)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    attrs = {"stride": stride, "padding": pads, "dilation": dilation, "groups": groups,
             "cols": cols, "padded_shape": xp.shape, "batch_last": batch_last}
    if batch_last:                             # (C_out, oh, ow, N) seen as (N, C_out, oh, ow): a view
        return record_op(out.reshape((out_c,) + out_size + (n,)).transpose(3, 0, 1, 2), CONV2D, inputs, attrs)
    return record_op(out.reshape(n, out_c, *out_size), CONV2D, inputs, attrs)
    ### END SOLUTION


@register_gradient(CONV2D)
def conv2d_grad(g, inputs, out, attrs):
    """Gradients of conv2d for (input, weight[, bias]), from the products of the forward pass's layout.

    For the images s of each chunk (for_each_chunk, as in the forward pass):
      - small images (attrs["batch_last"], the whole batch): G = g ordered like cols, (groups, C_out/groups,
        L*N) (given: _batch_last); dW = G @ cols^T; dcols = W^T @ G, viewed as (N, K, L) with the batch
        innermost in memory;
      - otherwise: G = g[s] viewed as (n, groups, C_out/groups, L); dW = the sum over the chunk's images of
        G @ cols[s]^T; dcols = W^T @ G, viewed as (n, K, L).
    col2im(dcols) fills rows s of the padded input's gradient (cropped at the end) -> (N, C_in, H, W); for
    small images col2im's result for the whole batch IS that gradient (its batch innermost), not copied;
    dW and dbias (G summed over pixels and images) are kept per chunk (threads run chunks at once) and
    added at the end -> (C_out, C_in/groups, kh, kw) and (C_out,).
    """
    ### BEGIN SOLUTION
    x, weight = inputs[0], inputs[1]
    groups, cols = attrs["groups"], attrs["cols"]
    n, out_c = g.shape[:2]
    out_size = g.shape[2:]
    pixels = out_size[0] * out_size[1]
    w_mat = weight._data.reshape(groups, out_c // groups, -1)
    batch_last = attrs["batch_last"]
    gxp = None                                     # the padded input's gradient
    if x.requires_grad and not batch_last:
        gxp = np.empty(attrs["padded_shape"], dtype=g.dtype)
    parts = {}                                     # chunk start -> (its dW, its dbias)

    def chunk(s):
        nonlocal gxp
        if batch_last:                             # the whole batch, columns ordered (pixel, image) as in cols
            Gs = _batch_last(g.reshape(n, out_c, pixels)).reshape(w_mat.shape[:2] + (-1,))
            dw = np.matmul(Gs, cols.transpose(0, 2, 1)) if weight.requires_grad else None
            db = Gs.sum(axis=2)
            dcols = np.matmul(w_mat.transpose(0, 2, 1), Gs).reshape(-1, pixels, n).transpose(2, 0, 1) \
                if x.requires_grad else None
        else:                                      # one product per image and group
            Gs = g[s].reshape((-1,) + w_mat.shape[:2] + (pixels,))
            dw = np.matmul(Gs, cols[s].transpose(0, 1, 3, 2)).sum(axis=0) if weight.requires_grad else None
            db = Gs.sum(axis=(0, 3))
            dcols = np.matmul(w_mat.transpose(0, 2, 1), Gs).reshape(len(Gs), -1, pixels) if gxp is not None else None
        parts[s.start] = (dw, db)
        if dcols is not None and batch_last:       # the whole batch: col2im's result as it is, batch innermost
            gxp = col2im(dcols, attrs["padded_shape"], weight.shape[2:], attrs["stride"], attrs["dilation"],
                         out_size)
        elif dcols is not None:
            gxp[s] = col2im(dcols, gxp[s].shape, weight.shape[2:], attrs["stride"], attrs["dilation"], out_size)
    for_each_chunk(n, cols.size // n + out_c * pixels, chunk, split=not batch_last)
    gx = gw = None
    if gxp is not None:
        top, _, left, _ = attrs["padding"]
        gx = gxp[:, :, top:top + x.shape[2], left:left + x.shape[3]]
    if weight.requires_grad:
        gw = sum(dw for dw, _ in parts.values()).reshape(weight.shape)
    if len(inputs) == 2:
        return gx, gw
    gb = sum(db for _, db in parts.values()).reshape(out_c) if inputs[2].requires_grad else None
    return gx, gw, gb
    ### END SOLUTION

# %% [markdown]
"""
### Testing the `conv2d` op

Values against the direct loop; the gradients against central finite differences in float64 (a small
helper, `numeric_gradient`, nudges each input element by `eps` both ways) for stride, padding,
dilation, groups and a missing bias; and the error for a channel mismatch.
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "spatial-conv2d-op-tests", "locked": true, "points": 8, "schema_version": 3, "solution": false}}
from tinytorch.core import threads                              # given: for_each_chunk's chunk size
from tinytorch.core.autograd_support import numeric_gradient  # given: central differences (module 05)


def check_gradients(fn, arrays, atol=1e-6):
    """Backward of fn with a random upstream gradient, compared with numeric_gradient for every input."""
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    upstream = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(upstream)
    for k, t in enumerate(tensors):
        expected = numeric_gradient(fn, arrays, k, upstream)
        assert t.grad is not None and t.grad.shape == t.shape, f"input {k} got no gradient of its shape"
        assert np.allclose(t.grad._data, expected, atol=atol), f"input {k}: max error {np.abs(t.grad._data - expected).max()}"
    return out


def test_unit_conv2d_op():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    out = conv2d(Tensor(x), Tensor(w), Tensor(b), stride=2, padding=1)
    assert np.allclose(out._data, conv2d_loops(x, w, b, stride=2, padding=1)), "values differ from the loop"
    assert out.dtype == np.float64
    out32 = conv2d(Tensor(x.astype(np.float32)), Tensor(w.astype(np.float32)))
    assert out32.dtype == np.float32, "float32 in, float32 out"
    recorded = conv2d(Tensor(x, requires_grad=True), Tensor(w))
    assert recorded.grad_fn is not None and recorded.grad_fn.op == "conv2d", "record the op as 'conv2d'"

    small_x, small_w, small_b = x[:, :, :5, :5], w[:, :, :2, :3], b
    check_gradients(lambda a, k, c: conv2d(a, k, c), [small_x, small_w, small_b])
    check_gradients(lambda a, k, c: conv2d(a, k, c, stride=2, padding=1), [small_x, small_w, small_b])
    check_gradients(lambda a, k: conv2d(a, k, dilation=2, padding=(1, 0)), [small_x, small_w])
    grouped_x, grouped_w = rng.standard_normal((1, 4, 4, 5)), rng.standard_normal((6, 2, 2, 2))
    check_gradients(lambda a, k: conv2d(a, k, stride=(1, 2), groups=2), [grouped_x, grouped_w])
    assert conv2d(Tensor(x), Tensor(w), padding="same").shape == (2, 4, 7, 6), "'same' keeps the size"
    tiny_images, tiny_w, tiny_b = rng.standard_normal((8, 2, 3, 3)), rng.standard_normal((3, 2, 2, 2)), b[:3]
    out_tiny = conv2d(Tensor(tiny_images), Tensor(tiny_w), Tensor(tiny_b), padding=1)   # 2 * out_w <= N
    assert np.allclose(out_tiny._data, conv2d_loops(tiny_images, tiny_w, tiny_b, padding=1)), "small images"
    check_gradients(lambda a, k, c: conv2d(a, k, c, padding=1), [tiny_images, tiny_w, tiny_b])
    saved_chunk, threads.CHUNK_ELEMENTS = threads.CHUNK_ELEMENTS, 1        # chunks of one image each
    try:
        out_chunked = conv2d(Tensor(x), Tensor(w), Tensor(b), stride=2, padding=1)
        assert np.allclose(out_chunked._data, conv2d_loops(x, w, b, stride=2, padding=1)), "chunk by chunk"
        check_gradients(lambda a, k, c: conv2d(a, k, c, padding=1), [x[:, :, :4, :4], small_w, small_b])
    finally:
        threads.CHUNK_ELEMENTS = saved_chunk

    try:
        conv2d(Tensor(rng.standard_normal((1, 5, 8, 8))), Tensor(w))
        raise AssertionError("5 input channels for a weight expecting 3 must raise ValueError")
    except ValueError as exc:
        assert "5" in str(exc) and "3" in str(exc), f"the message should name both channel counts: {exc}"
    ### BEGIN HIDDEN TESTS
    check_gradients(lambda a, k, c: conv2d(a, k, c, stride=(2, 3), padding=(2, 1), dilation=(1, 2)),
                    [rng.standard_normal((2, 2, 6, 7)), rng.standard_normal((3, 2, 2, 2)), rng.standard_normal(3)])
    check_gradients(lambda a, k: conv2d(a, k, groups=3), [rng.standard_normal((1, 3, 4, 4)),
                                                          rng.standard_normal((3, 1, 3, 3))])
    check_gradients(lambda a, k: conv2d(a, k, padding="same"), [rng.standard_normal((1, 1, 4, 5)),
                                                               rng.standard_normal((1, 1, 2, 2))])
    ### END HIDDEN TESTS
    print("✅ conv2d matches the loop, and its gradients match finite differences")


test_unit_conv2d_op()

# %% [markdown]
"""
### Step 5: Pooling

Pooling has no weights: `max_pool2d` keeps the largest value of each window, `avg_pool2d` the mean. The
same trick as col2im makes both fast: for each of the `kh*kw` kernel offsets, the pixels read form one
strided `(N, C, out_h, out_w)` slice, so the forward pass is `kh*kw` vectorised `np.maximum` (or add)
operations. `stride` defaults to `kernel_size`, and padding may be at most half the kernel (PyTorch's
rule; the given `_pool_config` raises a ValueError naming the padding otherwise). Max pooling pads with minus infinity, average pooling with zeros.

**Gradients.** Average pooling spreads each window's gradient evenly over its pixels (divided by the
same divisor as the forward pass). Max pooling sends each window's whole gradient to the pixel that won.
When several pixels tie (after a ReLU, a window of zeros is common) PyTorch picks the **first** maximum in
row-major window order, so we do too: visit the offsets in that order and mark each window as served
once its winner is found. Where windows do not overlap (stride equal to the kernel, the usual
`MaxPool2d(2)`), each pixel belongs to one window at most, so the gradient is written (`=`) rather than
accumulated (`+=`): a faster path for the common case. As for col2im, the given decorator
`@pool_rule_over_batch` runs the gradient rule on slices of the batch in parallel threads (and hands it
`g` in the layout of `out`), and the forward pass can use the given `parallel_copy(a)` (a copy in `a`'s
memory order) and `parallel_apply(np.maximum, ...)`, which split large arrays among the threads.

**Memory layout.** After a small-image convolution the batch is the innermost axis in memory (Step 4).
Allocate the gradient's arrays *like* the arrays they meet (`np.zeros_like(xp, ...)`,
`np.empty_like(out, ...)`), not with a fresh `(N, C, H, W)` shape: an operation between two layouts walks
one of them a value at a time (the Systems Analysis times the gradient with one layout and with two).

**Your task:** `max_pool2d`, `max_pool2d_grad`, `avg_pool2d`, `avg_pool2d_grad`. *Given:* `_pool_config`
and `_crop`.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "spatial-pooling", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- given ------------------------------------------------------------------------------------------
def _pool_config(x, kernel_size, stride, padding, dilation, op):
    """Checked (kernel, stride, pads, dilation, out_size) of a pooling op; stride defaults to the kernel."""
    kernel = _pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _pair(stride, "stride", op, 1)
    ph, pw = _pair(padding, "padding", op, 0)
    if ph > kernel[0] // 2 or pw > kernel[1] // 2:
        raise ValueError(f"{op}: padding {(ph, pw)} must be at most half the kernel size {kernel} "
                         "(PyTorch's rule: otherwise a window could hold padding only)")
    dilation = _pair(dilation, "dilation", op, 1)
    out_size = conv2d_output_size(x.shape[2:], kernel, stride, (ph, pw), dilation)
    return kernel, stride, (ph, ph, pw, pw), dilation, out_size


def _crop(gxp, pads, shape):
    top, _, left, _ = pads
    return gxp[:, :, top:top + shape[2], left:left + shape[3]]


# ---- your part --------------------------------------------------------------------------------------
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1):
    """The largest value of each window, recorded as op "max_pool2d". Padding counts as -infinity.

    Loop over the kh*kw kernel offsets: each gives a strided (N, C, out_h, out_w) slice of the padded
    input; the output is their running np.maximum. (No Python loop over the batch or channels.)
    """
    ### BEGIN SOLUTION
    x = _spatial_input(input, "max_pool2d")
    kernel, stride, pads, dilation, out_size = _pool_config(x, kernel_size, stride, padding, dilation,
                                                            "max_pool2d")
    xp = _pad(x._data, pads, -np.inf)
    out = None
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            tap = xp[_offset_view(i, j, stride, dilation, out_size)]
            out = parallel_copy(tap) if out is None else parallel_apply(np.maximum, out, tap, out=out)
    attrs = {"kernel_size": kernel, "stride": stride, "padding": pads, "dilation": dilation}
    return record_op(out, MAX_POOL2D, (x,), attrs)
    ### END SOLUTION


@register_gradient(MAX_POOL2D)
@pool_rule_over_batch     # given: with several threads, runs on slices of the batch at once
def max_pool2d_grad(g, inputs, out, attrs):
    """Each window's gradient goes to its maximum; on a tie, to the FIRST maximum in row-major window
    order (what PyTorch does). Visit the offsets in that order, remembering which windows are served.

    Fast path: when the windows do not overlap (stride == kernel, dilation 1) each input pixel belongs
    to at most one window, so the gradient can be written with `=` instead of accumulated with `+=`.
    """
    ### BEGIN SOLUTION
    x = inputs[0]._data
    kernel, stride, pads, dilation = attrs["kernel_size"], attrs["stride"], attrs["padding"], attrs["dilation"]
    out_size = out.shape[2:]
    xp = _pad(x, pads, -np.inf)
    gxp = np.zeros_like(xp, dtype=g.dtype)            # allocated like the arrays they meet: same layout
    served = np.zeros_like(out, dtype=bool)           # windows whose maximum has been found
    winner = np.empty_like(out, dtype=bool)
    disjoint = stride == kernel and dilation == (1, 1)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            view = _offset_view(i, j, stride, dilation, out_size)
            np.equal(xp[view], out, out=winner)
            np.greater(winner, served, out=winner)     # winner and not served (bools: a > b)
            np.logical_or(served, winner, out=served)
            if disjoint:
                np.multiply(g, winner, out=gxp[view])  # each pixel in one window: write, no add
            else:
                gxp[view] += g * winner
    return (_crop(gxp, pads, x.shape),)
    ### END SOLUTION


def avg_pool2d(input, kernel_size, stride=None, padding=0, count_include_pad=True, divisor_override=None):
    """The mean of each window, recorded as op "avg_pool2d" (zero padding).

    The divisor is kh*kw (count_include_pad=True, PyTorch's default), or the number of real (not
    padding) pixels in the window (count_include_pad=False), or divisor_override when given.
    """
    ### BEGIN SOLUTION
    x = _spatial_input(input, "avg_pool2d")
    kernel, stride, pads, dilation, out_size = _pool_config(x, kernel_size, stride, padding, 1, "avg_pool2d")
    if divisor_override is not None and (isinstance(divisor_override, bool) or
                                         not isinstance(divisor_override, (int, np.integer)) or
                                         divisor_override < 1):
        raise ValueError(f"avg_pool2d: divisor_override must be a positive integer, got {divisor_override!r}")
    xp = _pad(x._data, pads)
    total = None
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            tap = xp[_offset_view(i, j, stride, dilation, out_size)]
            total = tap.copy() if total is None else np.add(total, tap, out=total)
    if divisor_override is not None:
        divisor = np.asarray(divisor_override, dtype=x.dtype)
    elif count_include_pad or not any(pads):
        divisor = np.asarray(kernel[0] * kernel[1], dtype=x.dtype)
    else:                                   # count the real pixels of each window: pool a mask of ones
        real = _pad(np.ones((1, 1) + x.shape[2:], dtype=x.dtype), pads)
        divisor = sum(real[_offset_view(i, j, stride, dilation, out_size)]
                      for i in range(kernel[0]) for j in range(kernel[1]))
    attrs = {"kernel_size": kernel, "stride": stride, "padding": pads, "divisor": divisor}
    return record_op(total / divisor, AVG_POOL2D, (x,), attrs)
    ### END SOLUTION


@register_gradient(AVG_POOL2D)
def avg_pool2d_grad(g, inputs, out, attrs):
    """Every pixel of a window receives the window's gradient divided by its divisor."""
    ### BEGIN SOLUTION
    x = inputs[0]._data
    kernel, stride, pads = attrs["kernel_size"], attrs["stride"], attrs["padding"]
    share = g / attrs["divisor"]
    gxp = np.zeros((x.shape[0], x.shape[1], x.shape[2] + pads[0] + pads[1], x.shape[3] + pads[2] + pads[3]),
                   dtype=g.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            gxp[_offset_view(i, j, stride, (1, 1), g.shape[2:])] += share
    return (_crop(gxp, pads, x.shape),)
    ### END SOLUTION

# %% [markdown]
"""
### Testing pooling
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "spatial-pooling-tests", "locked": true, "points": 4, "schema_version": 3, "solution": false}}
def test_unit_pooling():
    image = np.array([[1, 2, 5, 0], [3, 4, 1, 1], [0, 0, 2, 2], [7, 0, 2, 9]], dtype=np.float32).reshape(1, 1, 4, 4)
    pooled = max_pool2d(Tensor(image), 2)
    assert pooled.shape == (1, 1, 2, 2) and pooled._data[0, 0].tolist() == [[4, 5], [7, 9]]
    assert avg_pool2d(Tensor(image), 2)._data[0, 0].tolist() == [[2.5, 1.75], [1.75, 3.75]]
    assert max_pool2d(Tensor(image), 3, stride=1)._data[0, 0].tolist() == [[5, 5], [7, 9]], "overlapping windows"
    assert max_pool2d(Tensor(image[:, :, :3, :3]), 2).shape == (1, 1, 1, 1), "odd sizes: the remainder is dropped"
    assert max_pool2d(Tensor(image), 2, padding=1).shape == (1, 1, 3, 3)
    negative = -image - 1                                   # all values < 0: padding must never win
    assert max_pool2d(Tensor(negative), 2, padding=1)._data[0, 0].tolist() == [[-2, -3, -1], [-1, -1, -2], [-8, -1, -10]], \
        "max pooling pads with -inf: a window of padding and pixels returns its largest pixel, even if negative"
    edge = Tensor(negative, requires_grad=True)
    max_pool2d(edge, 3, stride=1, padding=1).sum().backward()
    assert edge.grad._data.sum() == 16, "every window's gradient reaches a real pixel (none is lost to padding)"

    ties = Tensor(np.zeros((1, 1, 2, 2)), requires_grad=True)
    max_pool2d(ties, 2).sum().backward()
    assert ties.grad._data[0, 0].tolist() == [[1, 0], [0, 0]], "a tie sends the gradient to the first maximum"
    out = max_pool2d(Tensor(image, requires_grad=True), 2)
    assert out.grad_fn.op == "max_pool2d"

    rng = np.random.default_rng(2)
    distinct = rng.permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6) * 0.1    # no ties: finite differences are exact
    check_gradients(lambda a: max_pool2d(a, 2), [distinct])
    check_gradients(lambda a: max_pool2d(a, 3, stride=1, padding=1), [distinct])
    check_gradients(lambda a: avg_pool2d(a, 2), [distinct])
    check_gradients(lambda a: avg_pool2d(a, 3, stride=2, padding=1, count_include_pad=False), [distinct])
    try:
        max_pool2d(Tensor(image), 2, padding=2)
        raise AssertionError("padding larger than half the kernel must raise ValueError")
    except ValueError as exc:
        assert "padding" in str(exc)
    ### BEGIN HIDDEN TESTS
    check_gradients(lambda a: max_pool2d(a, (2, 3), stride=(1, 2), dilation=(2, 1)), [distinct])
    check_gradients(lambda a: avg_pool2d(a, (3, 2), stride=1, padding=(1, 1)), [distinct])
    check_gradients(lambda a: avg_pool2d(a, 2, divisor_override=3), [distinct])
    assert avg_pool2d(Tensor(image), 3, stride=1, padding=1, count_include_pad=False)._data[0, 0, 0, 0] == 2.5
    ### END HIDDEN TESTS
    print("✅ max and average pooling: values, tie-breaking and gradients")


test_unit_pooling()

# %% [markdown]
"""
### Step 6: The layers, and the bridge to `Linear`

`Conv2d`, `MaxPool2d` and `AvgPool2d` are `Module`s (module 03) with PyTorch's arguments. `Conv2d` owns
two `Parameter`s, registered automatically by `Module.__setattr__`: `weight` of shape
`(out_channels, in_channels/groups, kh, kw)` and `bias` of shape `(out_channels,)`, so `state_dict()` keys
are `weight` and `bias` as in PyTorch. Their initialisation is PyTorch's default, drawn from tinytorch's
seeded generator: `kaiming_uniform_(weight, a=sqrt(5))`, which works out to `U(-1/sqrt(fan_in),
1/sqrt(fan_in))` with `fan_in = in_channels/groups * kh * kw`, and the same bound for the bias.

**The bridge to `Linear`.** A classifier ends with `Linear` layers, which want `(N, features)`. Module
03's `Flatten()` turns `(N, C, H, W)` into `(N, C*H*W)`, and `in_features` of the next `Linear` must be
exactly `C*H*W` of the last conv/pool output. Compute it with `conv2d_output_size` layer by layer, or by
running one dummy batch through the convolutional part and reading the shape. When it is wrong,
`Linear` names both sizes.

**Your task:** `Conv2d.reset_parameters` and the three `forward` methods.
"""

# %% [code] {"nbgrader": {"grade": false, "grade_id": "spatial-layers", "locked": false, "schema_version": 3, "solution": true}}
#| export
# ---- your part --------------------------------------------------------------------------------------
class Conv2d(Conv2dBase):
    """A learnable 2-D convolution, like torch.nn.Conv2d: weight (out, in/groups, kh, kw), bias (out,).
    The constructor (argument checks, parameters) and the repr are given in Conv2dBase."""

    def reset_parameters(self):
        """PyTorch's default, from the seeded generator: kaiming_uniform_(a=sqrt(5)) for the weight, which
        is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias; fan_in = in/groups*kh*kw."""
        ### BEGIN SOLUTION
        kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = fan_in_and_fan_out(self.weight)
            bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            uniform_(self.bias, -bound, bound)
        ### END SOLUTION

    def forward(self, x):
        """conv2d of x with this layer's weight, bias and settings; first, if x is 4-D and its channel
        count (dimension 1) differs from in_channels, raise ValueError naming both."""
        ### BEGIN SOLUTION
        if isinstance(x, Tensor) and x.ndim == 4 and x.shape[1] != self.in_channels:
            raise ValueError(f"{self!r} expects an input with {self.in_channels} channels, got shape "
                             f"{tuple(x.shape)} ({x.shape[1]} channels at dimension 1 of (N, C, H, W))")
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        ### END SOLUTION


class MaxPool2d(MaxPool2dBase):
    """torch.nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1); stride defaults to kernel_size."""

    def forward(self, x):
        """max_pool2d of x with this layer's settings."""
        ### BEGIN SOLUTION
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)
        ### END SOLUTION


class AvgPool2d(AvgPool2dBase):
    """torch.nn.AvgPool2d(kernel_size, stride=None, padding=0, count_include_pad=True, divisor_override=None)."""

    def forward(self, x):
        """avg_pool2d of x with this layer's settings."""
        ### BEGIN SOLUTION
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.count_include_pad,
                          self.divisor_override)
        ### END SOLUTION

# %% [markdown]
"""
### Testing the layers
"""

# %% [code] {"nbgrader": {"grade": true, "grade_id": "spatial-layers-tests", "locked": true, "points": 3, "schema_version": 3, "solution": false}}
def test_unit_layers():
    from tinytorch.core.layers import Flatten, Linear, ReLU, Sequential
    from tinytorch.core.tensor import manual_seed

    manual_seed(0)
    conv = Conv2d(3, 8, 3, padding=1)
    assert conv.weight.shape == (8, 3, 3, 3) and conv.bias.shape == (8,)
    assert [name for name, _ in conv.named_parameters()] == ["weight", "bias"]
    bound = 1 / np.sqrt(3 * 3 * 3)
    assert np.abs(conv.weight._data).max() <= bound and np.abs(conv.bias._data).max() <= bound
    assert np.abs(conv.weight._data).max() > 0.5 * bound, "use the whole range U(-bound, bound)"
    manual_seed(0)
    assert np.array_equal(Conv2d(3, 8, 3, padding=1).weight._data, conv.weight._data), "seeded init repeats"
    assert Conv2d(4, 6, (2, 3), groups=2, bias=False).weight.shape == (6, 2, 2, 3)
    assert Conv2d(4, 6, 3, bias=False).bias is None
    assert repr(conv) == "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))", repr(conv)

    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 9, 9)).astype(np.float32))
    features = Sequential(conv, ReLU(), MaxPool2d(2), Conv2d(8, 4, 3), ReLU(), AvgPool2d(2))
    c, h, w = features(x).shape[1:]
    assert (c, h, w) == (4, 1, 1), f"9 -> pool 4 -> conv 2 -> pool 1, got {(c, h, w)}"
    model = Sequential(features, Flatten(), Linear(c * h * w, 10))
    assert model(x).shape == (2, 10)
    model(x).sum().backward()
    assert conv.weight.grad is not None and conv.weight.grad.shape == conv.weight.shape

    wrong = Sequential(Conv2d(3, 8, 3), Flatten(), Linear(100, 10))
    try:
        wrong(x)
        raise AssertionError("a Linear whose in_features differ from C*H*W must raise ValueError")
    except ValueError as exc:
        assert "100" in str(exc) and str(8 * 7 * 7) in str(exc), f"the message should name both sizes: {exc}"
    try:
        conv(Tensor(np.zeros((1, 4, 5, 5), dtype=np.float32)))
        raise AssertionError("4 channels into Conv2d(3, ...) must raise ValueError")
    except ValueError as exc:
        assert "3" in str(exc) and "4" in str(exc)
    ### BEGIN HIDDEN TESTS
    assert MaxPool2d(2)(x).shape == (2, 3, 4, 4) and AvgPool2d(3, stride=2)(x).shape == (2, 3, 4, 4)
    assert "dilation=(2, 2)" in repr(Conv2d(1, 1, 3, dilation=2))
    assert Conv2d(2, 2, 3, padding="same")(Tensor(np.zeros((1, 2, 5, 4), dtype=np.float32))).shape == (1, 2, 5, 4)
    ### END HIDDEN TESTS
    print("✅ Conv2d, MaxPool2d and AvgPool2d behave like their PyTorch namesakes")


test_unit_layers()

# %% [markdown]
"""
## Part 3: Systems Analysis

### Computational Complexity

For an input `(N, C_in, H, W)`, `C_out` filters of `kh x kw`, output `out_h x out_w`, `L = out_h*out_w`,
`K = C_in*kh*kw` (groups 1):

| step | time | extra memory |
|---|---|---|
| direct loop | `N*C_out*L` Python iterations, each a dot product of length `K` | none |
| im2col windows (`as_strided`) | O(1): a view | none |
| column matrix (the copy) | O(N*K*L) | `N*K*L` elements, about `kh*kw/s^2` times the input |
| forward matmul | `2*N*C_out*K*L` FLOPs | the output, `N*C_out*L` (the product, then its transpose) |
| weight gradient | `2*N*C_out*K*L` FLOPs (reuses the column matrix) | `C_out*K` |
| input gradient | `2*N*C_out*K*L` FLOPs + col2im (`kh*kw` slice additions) | `N*K*L` for `dcols`, `N*C_out*L` for `G` |
| max/avg pool, forward and backward | `kh*kw` vectorised passes over `N*C*L` values | the output |

The arithmetic is the same in all versions; what changes is how much of it runs in Python and how much
memory is moved. The column matrix trades memory for speed: it duplicates every pixel once per window.
"""

# %% [markdown]
"""
### Memory: what the column matrix costs

**Build -> Measure -> Understand.** `tracemalloc` sees NumPy's buffers, so the peak while building the
column matrix shows the copy. We compare it with the size of the input and with the prediction
`N * C_in*kh*kw * L * itemsize`, for the layer of Part 1 and for a wider one.
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


print(f"{'layer':38s} {'input':>9s} {'cols predicted':>15s} {'cols measured':>14s} {'cols / input':>12s}")
for c_in, c_out, size, k, pad in [(3, 32, 32, 3, 1), (64, 64, 16, 3, 1), (16, 16, 16, 5, 2)]:
    x_mem = np.random.default_rng(0).standard_normal((32, c_in, size, size)).astype(np.float32)
    xp_mem = np.pad(x_mem, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out_hw = conv2d_output_size(size, k, 1, pad)
    predicted = 32 * c_in * k * k * out_hw[0] * out_hw[1] * 4
    measured = peak_bytes(lambda: im2col(xp_mem, (k, k), (1, 1), (1, 1), out_hw))
    assert im2col(xp_mem, (k, k), (1, 1), (1, 1), out_hw).nbytes == predicted, "the formula is exact"
    label = f"Conv2d({c_in}->{c_out}, k{k}) on 32x{c_in}x{size}x{size}"
    print(f"{label:38s} {x_mem.nbytes / 1e6:7.2f}MB {predicted / 1e6:13.2f}MB {measured / 1e6:12.2f}MB "
          f"{measured / x_mem.nbytes:11.1f}x")

layer = Conv2d(64, 64, 3, padding=1)
x_big = Tensor(np.random.default_rng(1).standard_normal((32, 64, 16, 16)).astype(np.float32), requires_grad=True)
train_peak = peak_bytes(lambda: layer(x_big).sum().backward())
print(f"\nforward + backward of Conv2d(64->64, k3) on 32x64x16x16: peak {train_peak / 1e6:.1f} MB "
      f"for an input of {x_big._data.nbytes / 1e6:.1f} MB (the column matrix, kept for the weight "
      f"gradient, and dcols dominate)")

# %% [markdown]
"""
The column matrix's bytes equal the formula exactly (asserted), and the peak `tracemalloc` measured while
building it is that size: the column matrix is about `kh*kw` times the input (9x for a
3 x 3 kernel at stride 1, 25x for 5 x 5). For the small first layer of a CNN that is cheap; for wide
layers on large images it is the reason production libraries avoid materialising it (see Production
Context).
"""

# %% [markdown]
"""
### Speed: from the loop to one matrix product

The direct loop, im2col with one matmul, and the exported op on one small input; then the op forward +
backward on the workload of Part 1, and two ways of writing col2im. Timed with `time.perf_counter`, best
of several runs, BLAS pinned; GFLOP/s = FLOPs (asserted from the shapes that ran) / time.
"""

# %% [code]
import time

from tinytorch.core.activations import relu
from tinytorch.utils.timing import pinned_blas_threads

with pinned_blas_threads(1) as blas_note:
    print(blas_note)


from tinytorch.utils.timing import best_time  # fastest of `repeats` calls, BLAS pinned to one thread


rng_t = np.random.default_rng(0)
xs = rng_t.standard_normal((4, 3, 16, 16)).astype(np.float32)
ws = (rng_t.standard_normal((32, 3, 3, 3)) * 0.2).astype(np.float32)
bs = np.zeros(32, dtype=np.float32)
small_flops = 2 * 4 * 32 * 16 * 16 * 3 * 3 * 3                   # 2 * N * C_out * L * (C_in * kh * kw)


def im2col_forward():
    xp = np.pad(xs, ((0, 0), (0, 0), (1, 1), (1, 1)))
    return (ws.reshape(32, -1) @ im2col(xp, (3, 3), (1, 1), (1, 1), (16, 16))).reshape(4, 32, 16, 16)


t_loop = best_time(lambda: conv2d_loops(xs, ws, bs, padding=1), repeats=1)
t_cols = best_time(im2col_forward, repeats=20)
t_op = best_time(lambda: conv2d(Tensor(xs), Tensor(ws), Tensor(bs), padding=1), repeats=20)
assert np.allclose(im2col_forward(), conv2d_loops(xs, ws, padding=1), atol=1e-4)
n_, c_out_, oh_, ow_ = im2col_forward().shape
assert small_flops == 2 * n_ * c_out_ * oh_ * ow_ * ws[0].size, "FLOPs from the shapes that ran"
print(f"forward, Conv2d(3->32, k3, pad 1) on 4x3x16x16 ({small_flops / 1e6:.2f} MFLOP)")
print(f"{'version':28s} {'ms':>10s} {'GFLOP/s':>9s} {'speed-up vs loop':>17s}")
for name, t in (("direct loop", t_loop), ("im2col + one matmul", t_cols), ("exported conv2d op", t_op)):
    print(f"{name:28s} {t * 1e3:10.3f} {small_flops / t / 1e9:9.3f} {t_loop / t:16.0f}x")

x_bench = Tensor(rng_t.standard_normal((32, 3, 32, 32)).astype(np.float32))
block_conv, block_pool = Conv2d(3, 32, 3, padding=1), MaxPool2d(2)


def train_step():
    block_pool(relu(block_conv(x_bench))).sum().backward()


train_step()
t_step = best_time(train_step, repeats=10)
# x_bench is data (requires_grad False), so conv2d_grad computes dW but skips dcols = W^T @ G: the step
# runs TWO products of the convolution's size (forward, weight gradient), not three. Count what runs:
assert x_bench.grad is None and block_conv.weight.grad is not None, "no input gradient was computed"
conv_flops = 2 * 32 * 32 * (32 * 32) * (3 * 3 * 3)                # 2 * N * C_out * L * K for one product
step_flops = 2 * conv_flops                                      # forward + weight gradient
print(f"\nConv2d(3->32, k3, pad 1) + ReLU + MaxPool2d(2), forward + backward, batch 32x3x32x32: "
      f"{t_step * 1e3:.2f} ms/step, {step_flops / t_step / 1e9:.2f} GFLOP/s for the two products that ran "
      "(forward and weight gradient; the input needs no gradient)")
print(f"(the loop's time scales with batch x pixels: about {t_loop * 32 / 4 * 4:.1f} s for this forward pass)")

# col2im two ways: np.add.at (scatter-add by index) against the loop over kernel offsets
xp_b = np.pad(x_bench._data, ((0, 0), (0, 0), (1, 1), (1, 1)))
dcols = im2col(xp_b, (3, 3), (1, 1), (1, 1), (32, 32))


def col2im_add_at():
    out = np.zeros(xp_b.shape, dtype=np.float32)
    blocks = dcols.reshape(32, 3, 3, 3, 32, 32)
    y_idx = (np.arange(32)[None, :] + np.arange(3)[:, None])        # (i, y)
    x_idx = (np.arange(32)[None, :] + np.arange(3)[:, None])        # (j, x)
    rr = y_idx[:, None, :, None]                                    # (i, 1, y, 1)
    cc = x_idx[None, :, None, :]                                    # (1, j, 1, x)
    np.add.at(out, (slice(None), slice(None), rr, cc), blocks)
    return out


t_add_at = best_time(col2im_add_at, repeats=3)
t_offsets = best_time(lambda: col2im(dcols, xp_b.shape, (3, 3), (1, 1), (1, 1), (32, 32)), repeats=10)
assert np.allclose(col2im_add_at(), col2im(dcols, xp_b.shape, (3, 3), (1, 1), (1, 1), (32, 32)), atol=1e-4)
print(f"\ncol2im for that batch, in this run: np.add.at {t_add_at * 1e3:.1f} ms, loop over the 9 kernel "
      f"offsets {t_offsets * 1e3:.2f} ms (ratio {t_add_at / t_offsets:.0f}x)")

# col2im on small images (a CNN on 8x8 digits: batch 32, 16 channels): image rows innermost, or the batch
small_shape, small_cols = (32, 16, 10, 10), rng_t.standard_normal((32, 16 * 9, 64)).astype(np.float32)


def col2im_rows_innermost():
    out = np.zeros(small_shape, dtype=np.float32)
    blocks = small_cols.reshape(32, 16, 3, 3, 8, 8)
    for i in range(3):
        for j in range(3):
            out[_offset_view(i, j, (1, 1), (1, 1), (8, 8))] += blocks[:, :, i, j]
    return out


assert np.array_equal(col2im_rows_innermost(), col2im(small_cols, small_shape, (3, 3), (1, 1), (1, 1), (8, 8)))
t_rows = best_time(col2im_rows_innermost, repeats=10)
t_batch = best_time(lambda: col2im(small_cols, small_shape, (3, 3), (1, 1), (1, 1), (8, 8)), repeats=10)
print(f"col2im, 32 images of 16x8x8, in this run: rows of 8 pixels innermost {t_rows * 1e3:.2f} ms, the batch "
      f"of 32 innermost (your col2im) {t_batch * 1e3:.2f} ms")

# Layouts: the max-pool gradient of a small-image conv's output (batch innermost in memory), with the input in
# that layout too or in the usual (N, C, H, W) layout (its padded copy and gradient array then follow it)
small_out = np.moveaxis(rng_t.standard_normal((16, 8, 8, 32)).astype(np.float32), -1, 0)   # (N, C, H, W) view
pooled = max_pool2d(Tensor(small_out), 2)._data
g_like = np.empty_like(pooled)
g_like[...] = rng_t.standard_normal(pooled.shape)
pool_attrs = {"kernel_size": (2, 2), "stride": (2, 2), "padding": (0, 0, 0, 0), "dilation": (1, 1)}
t_like = best_time(lambda: max_pool2d_grad(g_like, (Tensor(small_out),), pooled, pool_attrs), repeats=20)
usual_in, usual_g = np.ascontiguousarray(small_out), np.ascontiguousarray(g_like)
t_fresh = best_time(lambda: max_pool2d_grad(usual_g, (Tensor(usual_in),), pooled, pool_attrs), repeats=20)
print(f"max-pool gradient, 32 images of 16x8x8 with the output laid out batch innermost, in this run: the "
      f"input in that layout too {t_like * 1e3:.3f} ms, the input in the (N, C, H, W) layout {t_fresh * 1e3:.3f} ms")

# %% [markdown]
"""
**Understand** (from this run's numbers; timings vary between runs and machines). The loop and the
matmul do the same arithmetic; the table shows what Python's per-iteration overhead costs when it sits
in the innermost loops. im2col moves all iteration into
compiled code (the strided copy and BLAS), at the price of the memory measured above. The exported op
does the same work plus checking and recording: compare its row with im2col's. For col2im, `np.add.at` handles arbitrary
repeated indices one element at a time, while the offset loop turns the scatter into a few large
strided additions: same result, far fewer trips through Python and much better memory access. The same
reasoning made pooling a loop over kernel offsets. `bench/run.py` (`tito bench`) compares the training
step above with PyTorch.
"""

# %% [markdown]
"""
## Production Context

**How PyTorch convolves on a CPU.** `torch.nn.functional.conv2d` dispatches to a backend chosen by
shape and hardware. On x86 CPUs the usual path is oneDNN (formerly MKL-DNN), which stores activations
in *blocked* layouts such as `nChw8c` / `nChw16c` (channels grouped in blocks that fill a SIMD register)
and runs hand-vectorised direct-convolution kernels that never build the full column matrix. Where no
such kernel applies, PyTorch falls back to its own im2col ("unfold") plus a BLAS GEMM, which is what you
built; it processes the batch in chunks so the column matrix stays small. Winograd and FFT algorithms
reduce the multiplications for 3 x 3 and large kernels respectively. `channels_last` memory format
(`N, H, W, C` in memory) makes the window's channel values contiguous, which helps most kernels.

**On GPUs**, cuDNN offers several algorithms per layer (implicit GEMM, which computes im2col indices on
the fly, FFT, Winograd); `torch.backends.cudnn.benchmark = True` times them and keeps the fastest. XLA
(TensorFlow, JAX) fuses the bias add and activation into the convolution kernel.

**Pooling** in PyTorch records the argmax index in the forward pass (`return_indices=True` exposes it)
and scatters through it backward; ours recomputes the winners from the saved input and output, trading a
little compute for not storing an index array.
"""

# %% [markdown]
"""
## Run all tests

Running this file as a script (`python modules/09_spatial/spatial_dev.py`) runs every test above once
more, through `run_all_tests()`.
"""

# %%
def run_all_tests():
    """Run every unit test of this module."""
    test_unit_output_size()
    test_unit_conv_loops()
    test_unit_im2col()
    test_unit_conv2d_op()
    test_unit_pooling()
    test_unit_layers()
    print("🎉 All Spatial tests passed")


if __name__ == "__main__":
    run_all_tests()

# %% [markdown]
"""
## 🤔 ML Systems Thinking

1. The column matrix of a 3 x 3 convolution is about nine times its input. For a batch of 256 images
   of 224 x 224 x 64 channels, how large is it in float32, and how would you bound it without giving up
   the single matrix product (hint: process the batch in chunks)?
2. Your timed training step ran two products, not three: its input needed no gradient. Which layer of a
   CNN is the only one that skips `dcols`, and what would saving the column matrix cost if not reused?
3. Max pooling's gradient goes to one pixel per window. Why does PyTorch define the tie-break (first
   maximum), and what would go wrong in a test against PyTorch after a ReLU if you split ties instead?
4. A `MaxPool2d(2)` halves height and width, so the next convolution does a quarter of the work per
   channel. Where in a CNN are most FLOPs spent, and where is most activation memory held?
5. Your exported op spends part of its time on copies (padding, the column matrix, transposes) rather
   than arithmetic. How would a `channels_last` layout change which copies are needed?
"""

# %% [markdown]
"""
## 🎯 Module Summary

You built the spatial layers of a CNN:
- `conv2d_output_size`, the formula behind every shape in a CNN;
- the direct loop (the definition), then im2col: every window as a strided view, one copy, one
  matrix product for the whole batch (one per group), with dilation in the strides;
- `conv2d`, `max_pool2d` and `avg_pool2d` as recorded ops whose gradient rules you registered with
  autograd's `@register_gradient`: col2im as a loop over kernel offsets, max-pool gradients to the
  first maximum as in PyTorch;
- `Conv2d`, `MaxPool2d` and `AvgPool2d` modules with PyTorch's arguments, weight layout and default
  initialisation, connected to `Linear` through `Flatten`.

You measured the memory the column matrix costs (exactly its formula) and, in your run, the GFLOP/s of
each version from the loop to the vectorised op, and `np.add.at` against strided additions.

**Next:** `tito export 09`, then milestone 04 trains a LeNet-style CNN with these layers.
"""
