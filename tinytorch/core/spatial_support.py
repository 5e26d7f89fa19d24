"""Hand-written support code of module 09 (spatial), not taught: argument checks, padding, layer arguments.

Module 09 teaches output sizes, the direct loop, im2col / col2im, the conv2d op with its gradient, pooling
and the layers' forward passes. This file holds the given pieces they use: `_pair` and `_spatial_input`
(argument checks with clear messages), `_pad` and `_offset_view` (padding, and the strided slice one
kernel offset reads), `_conv_padding` and `_check_conv_args` (conv2d's padding forms and shape checks),
the layers' constructors and reprs (`Conv2dBase`, `MaxPool2dBase`, `AvgPool2dBase`), and two decorators
that run module 09's batch-independent kernels on slices of the batch in parallel threads
(`col2im_over_batch`, `pool_rule_over_batch`; see tinytorch/core/threads.py). It imports nothing of module 09.
"""
import functools

import numpy as np

from tinytorch.core import threads
from tinytorch.core.activations import KERNELS as _activation_kernels
from tinytorch.core.layers import Module, Parameter
from tinytorch.core.tensor import Tensor
from tinytorch.core.threads import (apply as parallel_apply, copy as parallel_copy,  # noqa: F401  (module 09)
                                     for_each_chunk, over_batch)

__all__ = ["Conv2dBase", "MaxPool2dBase", "AvgPool2dBase"]

# Module 02's declared extension point: its relu runs this kernel (the same values as np.maximum(a, 0), by
# get_num_threads() threads; tinytorch/core/threads.py) once module 09 is imported, and module 05's ReLU
# gradient rule runs "relu_grad" (g * (x > 0), split over the threads).
_activation_kernels.setdefault("relu", threads.relu)
_activation_kernels.setdefault("relu_grad", threads.relu_grad)      # read by module 05's ReLU gradient rule


def _pair(value, name, op, minimum):
    """An int or a pair of ints (height, width) as a tuple of two ints >= minimum."""
    if type(value) is int and value >= minimum:            # the usual cases first: every op calls this often
        return value, value
    if (type(value) is tuple and len(value) == 2 and type(value[0]) is int and type(value[1]) is int
            and value[0] >= minimum and value[1] >= minimum):
        return value
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum
                             for v in pair):
        rule = "positive integers" if minimum > 0 else "non-negative integers"
        raise ValueError(f"{op}: {name} must be an int or a pair of {rule}, got {value!r}")
    return int(pair[0]), int(pair[1])


def _spatial_input(x, op):
    """The input as a 4-D (N, C, H, W) float Tensor, with a clear message otherwise."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op} expects a Tensor input, got {type(x).__name__}: wrap data with Tensor(...)")
    if x.ndim != 4:
        raise ValueError(f"{op} expects a 4-D input (batch, channels, height, width), got shape "
                         f"{tuple(x.shape)}; add a batch dimension with x.unsqueeze(0) for one image")
    if x.dtype.kind != "f":
        raise TypeError(f"{op} needs a floating-point input, got dtype {x.dtype}; convert it with .float()")
    return x


def _pad(x, pads, value=0.0):
    """x (N, C, H, W) with `pads` = (top, bottom, left, right) rows/columns of `value` around it, in x's memory
    order (a small-image convolution's output, the batch innermost, stays so: the copy runs in long runs)."""
    top, bottom, left, right = pads
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    out = np.empty_like(x, shape=(n, c, h + top + bottom, w + left + right))
    out.fill(value)
    out[:, :, top:top + h, left:left + w] = x
    return out


def _batch_last(a):
    """a (N, d1, d2, ...) as a contiguous (d1, d2, ..., N): the batch moved innermost. A view when a's memory
    already has the batch innermost (the gradient of a small-image convolution's output, usually). Otherwise
    a copy in two passes, (d1, N, d2, ...) first and then the batch past the rest: reading a whole image's
    worth of memory apart at every step of one pass is about 3 times slower here (32 x 32 x 64 float32:
    170 us against 46 us). Transposes, not np.moveaxis: that costs about 6 us a call, in Python."""
    moved = a.transpose(tuple(range(1, a.ndim)) + (0,))
    if moved.flags.c_contiguous or a.ndim < 3:
        return np.ascontiguousarray(moved)
    first = np.ascontiguousarray(a.swapaxes(0, 1))
    return np.ascontiguousarray(first.transpose((0,) + tuple(range(2, a.ndim)) + (1,)))


def _offset_view(i, j, stride, dilation, out_size):
    """Index for the input pixels that kernel offset (i, j) touches, one per output position.

    For output (y, x) the kernel tap (i, j) reads padded input row y*stride + i*dilation and column
    x*stride + j*dilation: as y runs over out_h values that is a strided slice.
    """
    try:
        return _offset_view_cached(i, j, stride, dilation, out_size)
    except TypeError:                       # unhashable arguments (lists): the same index, not remembered
        return _offset_view_cached.__wrapped__(i, j, stride, dilation, out_size)


@functools.lru_cache(maxsize=4096)          # the same few indexes, asked for on every call of a layer
def _offset_view_cached(i, j, stride, dilation, out_size):
    (sh, sw), (dh, dw), (oh, ow) = stride, dilation, out_size
    return (slice(None), slice(None),
            slice(i * dh, i * dh + sh * (oh - 1) + 1, sh), slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


# col2im(cols, padded_shape, kernel_size, stride, dilation, out_size): cols (N, K, L) and the result
# (N, C, Hp, Wp) are sliced along the batch.
col2im_over_batch = over_batch(
    lambda args: (args[1][0], args[0].size),
    lambda args, s: (args[0][s], (s.stop - s.start,) + tuple(args[1][1:])) + tuple(args[2:]))

# A gradient rule(g, inputs, out, attrs) of a one-input op whose images are independent (max pooling):
# g, the input and the output are sliced along the batch.
_rule_over_batch = over_batch(
    lambda args: (args[1][0].shape[0], args[1][0]._data.size),
    lambda args, s: (args[0][s], (Tensor.from_array(args[1][0]._data[s]),), args[2][s], args[3]))


def pool_rule_over_batch(rule):
    """Decorator of a pooling gradient rule(g, inputs, out, attrs): runs it on slices of the batch in threads
    (above), and first copies g into out's memory order when the two differ (after a small-image convolution
    out has the batch innermost, while g may come from a Flatten in the usual layout): one copy here instead
    of every operation of the rule walking two layouts."""
    sliced = _rule_over_batch(rule)

    @functools.wraps(rule)
    def run(g, inputs, out, attrs):
        if g.shape == out.shape and g.strides != out.strides and g.dtype == out.dtype:
            like = np.empty_like(out)
            np.copyto(like, g)
            g = like
        return sliced(g, inputs, out, attrs)
    run.serial = rule
    return run


def _conv_padding(padding, kernel, dilation, stride):
    """Padding as (top, bottom, left, right); 'valid' is none, 'same' keeps the size (stride 1 only)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(f"conv2d: padding='same' is not supported for strided convolutions "
                                 f"(stride {stride}), as in PyTorch")
            th, tw = dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)
            return (th // 2, th - th // 2, tw // 2, tw - tw // 2)      # the extra row/column at the end
        raise ValueError(f"conv2d: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    ph, pw = _pair(padding, "padding", "conv2d", 0)
    return (ph, ph, pw, pw)


def _check_conv_args(x, weight, bias, groups):
    x = _spatial_input(x, "conv2d")
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be a 4-D Tensor (out_channels, in_channels/groups, kh, kw), "
                         f"got {getattr(weight, 'shape', type(weight).__name__)}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"conv2d: groups must be a positive integer, got {groups!r}")
    out_c, in_per_group = weight.shape[:2]
    if out_c % groups:
        raise ValueError(f"conv2d: out_channels {out_c} (weight shape {tuple(weight.shape)}) is not divisible "
                         f"by groups={groups}")
    if x.shape[1] != in_per_group * groups:
        raise ValueError(
            f"conv2d: the input has {x.shape[1]} channels (shape {tuple(x.shape)}), but weight "
            f"{tuple(weight.shape)} with groups={groups} expects {in_per_group * groups} "
            f"(= in_channels/groups {in_per_group} x groups {groups})")
    if bias is not None and (not isinstance(bias, Tensor) or tuple(bias.shape) != (out_c,)):
        raise ValueError(f"conv2d: bias must be a Tensor of shape ({out_c},), one value per output channel, "
                         f"got {getattr(bias, 'shape', type(bias).__name__)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"conv2d: input dtype {x.dtype} and {name} dtype {t.dtype} differ; they must be "
                            f"the same (convert with .float() or .double())")
    return x


class Conv2dBase(Module):
    """The arguments, parameters and repr of torch.nn.Conv2d; module 09's Conv2d adds reset_parameters and
    forward. Raises ValueError for channel counts or groups that are not positive integers or do not divide."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, dtype=None):
        super().__init__()
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Conv2d: {name} must be a positive integer, got {value!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: in_channels ({in_channels}) and out_channels ({out_channels}) must both "
                             f"be divisible by groups ({groups})")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = _pair(stride, "stride", "Conv2d", 1)
        self.dilation = _pair(dilation, "dilation", "Conv2d", 1)
        self.padding = padding if isinstance(padding, str) else _pair(padding, "padding", "Conv2d", 0)
        _conv_padding(self.padding, self.kernel_size, self.dilation, self.stride)      # reject bad strings now
        dtype = np.dtype(dtype or np.float32)
        shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((self.out_channels,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class MaxPool2dBase(Module):
    """The arguments of torch.nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1); stride defaults to kernel_size."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1):
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        _pair(kernel_size, "kernel_size", "MaxPool2d", 1)

    def extra_repr(self):
        stride = self.kernel_size if self.stride is None else self.stride
        return f"kernel_size={self.kernel_size}, stride={stride}, padding={self.padding}, dilation={self.dilation}"


class AvgPool2dBase(Module):
    """The arguments of torch.nn.AvgPool2d(kernel_size, stride=None, padding=0, count_include_pad=True, divisor_override=None)."""

    def __init__(self, kernel_size, stride=None, padding=0, count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override
        _pair(kernel_size, "kernel_size", "AvgPool2d", 1)

    def extra_repr(self):
        stride = self.kernel_size if self.stride is None else self.stride
        return f"kernel_size={self.kernel_size}, stride={stride}, padding={self.padding}"
