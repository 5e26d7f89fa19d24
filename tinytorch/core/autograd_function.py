"""Hand-written support code of module 05 (autograd), NOT generated and NOT taught: torch.autograd.Function
(custom ops with ctx.save_for_backward / ctx.saved_tensors / ctx.needs_input_grad and .apply) and
Tensor.retain_grad().

Both go through the declared extension points only: each is one op declared with register_op and one
gradient rule filed with @register_gradient beside it, exactly as module 09 adds conv2d.
- "autograd_function": `MyFn.apply(*args)` runs MyFn.forward(ctx, *args) without recording, then records
  its result with record_op under this op, the Tensor arguments as inputs and (Function class, ctx) as
  attrs. The rule calls MyFn.backward(ctx, grad_output) (without recording) and hands back the gradient
  of each Tensor argument.
- "retain_grad": t.retain_grad() splices one identity node in front of t's own node (t keeps being the
  tensor its consumers hold; the engine reads t.grad_fn when it walks the graph), whose rule adds the
  gradient reaching t into t.grad and passes it on unchanged.
"""
import numpy as np

from tinytorch.core.autograd import Node, no_grad, register_gradient
from tinytorch.core.tensor import Tensor, record_op, register_op
from tinytorch.core.tensor_ops import register_retain_grad

AUTOGRAD_FUNCTION = register_op("autograd_function", "05_autograd")
RETAIN_GRAD = register_op("retain_grad", "05_autograd")

__all__ = ["Function", "FunctionCtx"]


class FunctionCtx:
    """The `ctx` handed to forward and backward: save_for_backward(*tensors), saved_tensors,
    needs_input_grad (one bool per forward argument), and any attribute you set on it."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self._saved = ()
        self.materialize_grads = True

    def save_for_backward(self, *tensors):
        """Keep tensors (or None) for backward; read them back as ctx.saved_tensors."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save tensors, but argument {i} is a "
                                f"{type(t).__name__}: store other values as attributes of ctx")
        self._saved = tuple(tensors)

    @property
    def saved_tensors(self):
        return self._saved

    def mark_non_differentiable(self, *tensors):
        """Accepted for compatibility; outputs of a Function carry the gradient its backward returns."""

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


class Function:
    """Base class of custom differentiable ops (torch.autograd.Function). Subclass it, write
    `forward(ctx, *args)` and `backward(ctx, grad_output)` as static methods, and call `MyFn.apply(*args)`.

    forward returns one Tensor; backward returns one gradient (Tensor, array or None) per forward
    argument. Raises TypeError when forward does not return a Tensor, RuntimeError when backward returns
    the wrong number of gradients or a gradient of the wrong shape (naming the Function)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, *args) as a static method")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, grad_output) to be "
                                  "differentiated")

    @classmethod
    def apply(cls, *args, **kwargs):
        if cls is Function:
            raise RuntimeError("call apply on a subclass of Function that defines forward and backward")
        needs = tuple(isinstance(a, Tensor) and bool(a.requires_grad) for a in args)
        ctx = FunctionCtx(needs)
        with no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return one Tensor, got {type(out).__name__} "
                            "(several outputs are not supported)")
        positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        inputs = tuple(args[i] for i in positions)
        return record_op(out._data, AUTOGRAD_FUNCTION, inputs,
                         {"function": cls, "ctx": ctx, "positions": positions, "n_args": len(args)})


@register_gradient(AUTOGRAD_FUNCTION)
def autograd_function_grad(g, inputs, out, attrs):
    cls, ctx = attrs["function"], attrs["ctx"]
    with no_grad():
        grads = cls.backward(ctx, Tensor.from_array(g))
    if not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) != attrs["n_args"]:
        raise RuntimeError(f"function {cls.__name__}Backward returned an incorrect number of gradients "
                           f"(expected {attrs['n_args']}, got {len(grads)})")
    result = []
    for i, t in zip(attrs["positions"], inputs):
        gi = grads[i]
        if gi is None:
            result.append(None)
            continue
        gi = np.asarray(gi._data if isinstance(gi, Tensor) else gi, dtype=t._data.dtype)
        if gi.shape != t._data.shape:
            raise RuntimeError(f"Function {cls.__name__}Backward returned an invalid gradient at index {i} - got "
                               f"{list(gi.shape)} but expected shape compatible with {list(t._data.shape)}")
        result.append(gi)
    return tuple(result)


def _retain_grad(t):
    """t.retain_grad(): keep the gradient of the non-leaf `t` in t.grad after backward."""
    if not t.requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if t.grad_fn is None or t.__dict__.get("_retains_grad"):
        return                                  # a leaf keeps its .grad anyway; retaining twice is once
    alias = Tensor.from_array(t._data)           # stands for t's old place in the graph
    alias.requires_grad, alias.grad_fn = True, t.grad_fn
    t.grad_fn = Node(RETAIN_GRAD, (alias,), t._data, {"tensor": t})
    t.__dict__["_retains_grad"] = True


@register_gradient(RETAIN_GRAD)
def retain_grad_grad(g, inputs, out, attrs):
    t = attrs["tensor"]
    if t.grad is None:
        t.grad = Tensor.from_array(np.array(g, dtype=t._data.dtype))
    else:
        t.grad._data += g
    return (g,)


register_retain_grad(_retain_grad)
