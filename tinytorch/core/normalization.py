"""Hand-written support code of module 09 (spatial), NOT generated and NOT taught: batch normalisation.

F.batch_norm, nn.BatchNorm1d and nn.BatchNorm2d with PyTorch's semantics: batch statistics in training
(biased variance to normalise, unbiased variance into the running estimate), running statistics in eval,
momentum (None = cumulative average), affine, eps, track_running_stats, and PyTorch's state_dict keys
(weight, bias, running_mean, running_var, num_batches_tracked). One op, "batch_norm", declared with
register_op and differentiated by the rule filed beside it (the gradient oracle checks it: see
tests/09_spatial/batchnorm_oracle_cases.py).
"""
import numpy as np

from tinytorch.core.autograd import no_grad, register_gradient
from tinytorch.core.layers import Module, Parameter
from tinytorch.core.tensor import Tensor, record_op, register_op

BATCH_NORM = register_op("batch_norm", "09_spatial")

__all__ = ["batch_norm", "BatchNorm1d", "BatchNorm2d"]


def _channel_shape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _array(t):
    return None if t is None else np.asarray(t._data if isinstance(t, Tensor) else t)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """F.batch_norm: normalise each channel (dim 1) of `input` (N, C, ...) over every other dim.

    training=True: use the batch's mean and biased variance, and (if running_mean/running_var are given)
    update them in place: running = (1 - momentum) * running + momentum * batch (the UNBIASED variance).
    training=False: use running_mean and running_var. Then * weight + bias per channel (if given).
    Raises TypeError for a non-float input, ValueError for fewer than 2 dims, a channel count that does not
    match the statistics, or (training) only one value per channel."""
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        raise TypeError(f"batch_norm: input must be a float Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: input must have shape (N, C, ...), got {tuple(input.shape)}")
    x = input._data
    c = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim))
    shape = _channel_shape(x)
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and tuple(np.shape(_array(t))) != (c,):
            raise ValueError(f"batch_norm: {name} must have shape ({c},) for an input with {c} channels, "
                             f"got {tuple(np.shape(_array(t)))}")
    if training:
        count = x.size // c
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{tuple(x.shape)}")
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
        if running_mean is not None and running_var is not None:
            with no_grad():
                rm, rv = _array(running_mean), _array(running_var)
                new_mean = (1 - momentum) * rm + momentum * mean
                new_var = (1 - momentum) * rv + momentum * var * (count / (count - 1))
                running_mean.copy_(Tensor.from_array(new_mean.astype(rm.dtype)))
                running_var.copy_(Tensor.from_array(new_var.astype(rv.dtype)))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when training=False")
        mean, var = _array(running_mean), _array(running_var)
    rstd = (1.0 / np.sqrt(var.astype(x.dtype) + x.dtype.type(eps))).reshape(shape)
    xhat = (x - mean.astype(x.dtype).reshape(shape)) * rstd
    out = xhat
    if weight is not None:
        out = out * weight._data.reshape(shape)
    if bias is not None:
        out = out + bias._data.reshape(shape)
    inputs = (input,) + tuple(t for t in (weight, bias) if t is not None)
    return record_op(out.astype(x.dtype, copy=False), BATCH_NORM, inputs,
                     {"axes": axes, "xhat": xhat, "rstd": rstd, "training": bool(training),
                      "has_weight": weight is not None, "has_bias": bias is not None})


@register_gradient(BATCH_NORM)
def batch_norm_grad(g, inputs, out, attrs):
    """(input[, weight][, bias]) gradients. gh = g * weight; training: dx = rstd * (gh - mean(gh) - xhat *
    mean(gh * xhat)) over the batch axes (the statistics depend on x); eval: dx = rstd * gh.
    dweight = sum(g * xhat), dbias = sum(g), over the batch axes."""
    axes, xhat, rstd = attrs["axes"], attrs["xhat"], attrs["rstd"]
    x = inputs[0]
    shape = _channel_shape(x._data)
    weight = inputs[1] if attrs["has_weight"] else None
    gh = g if weight is None else g * weight._data.reshape(shape)
    if not x.requires_grad:
        dx = None
    elif attrs["training"]:
        dx = rstd * (gh - gh.mean(axis=axes, keepdims=True) - xhat * (gh * xhat).mean(axis=axes, keepdims=True))
    else:
        dx = rstd * gh
    grads = [dx]
    if weight is not None:
        grads.append((g * xhat).sum(axis=axes) if weight.requires_grad else None)
    if attrs["has_bias"]:
        b = inputs[-1]
        grads.append(g.sum(axis=axes) if b.requires_grad else None)
    return tuple(grads)


class _BatchNorm(Module):
    _expected_dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__()
        if device is not None and str(device) != "cpu":
            raise ValueError(f"tinytorch runs on the CPU only; got device {str(device)!r}")
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats, self.use_bias = affine, track_running_stats, bool(bias)
        dt = np.dtype(dtype or np.float32)
        if affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(self.num_features, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(self.num_features, dtype=dt)))
            self.register_buffer("running_var", Tensor(np.ones(self.num_features, dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
                self.num_batches_tracked.zero_()

    def forward(self, input):
        if input.ndim not in self._expected_dims:
            raise ValueError(f"expected {' or '.join(f'{d}D' for d in self._expected_dims)} input "
                             f"(got {input.ndim}D input)")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) got an input with {input.shape[1]} "
                             f"channels (shape {tuple(input.shape)})")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.item())
        use_batch = self.training or not self.track_running_stats
        stats = (self.running_mean, self.running_var) if (not self.training or self.track_running_stats) \
            else (None, None)
        return batch_norm(input, stats[0], stats[1], self.weight, self.bias, use_batch, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.use_bias}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """nn.BatchNorm1d(num_features): input (N, C) or (N, C, L)."""
    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """nn.BatchNorm2d(num_features): input (N, C, H, W)."""
    _expected_dims = (4,)
