"""Gradient-oracle cases for the two ops of module 05's support file (tinytorch.core.autograd_function):
"autograd_function" (a custom torch.autograd.Function with two tensor arguments and a number, saving
tensors for backward) and "retain_grad" (the identity node t.retain_grad() splices in).

Not a test file by itself: tests/05_autograd/test_autograd_oracle.py loads it (add_cases)."""
from __future__ import annotations

from hypothesis import strategies as st


def _functions():
    """The same custom op written once for tinytorch and once for PyTorch: a*b*alpha + a**3."""
    import tinytorch.autograd as tiny_autograd

    def make(base):
        class ScaledProductPlusCube(base):
            @staticmethod
            def forward(ctx, a, b, alpha):
                ctx.save_for_backward(a, b)
                ctx.alpha = alpha
                return a * b * alpha + a ** 3

            @staticmethod
            def backward(ctx, grad_output):
                a, b = ctx.saved_tensors
                grad_a = grad_output * (b * ctx.alpha + 3 * a ** 2) if ctx.needs_input_grad[0] else None
                grad_b = grad_output * a * ctx.alpha if ctx.needs_input_grad[1] else None
                return grad_a, grad_b, None
        return ScaledProductPlusCube
    return make, tiny_autograd.Function


def add_cases(case, oracle, api):
    make, tiny_base = _functions()
    tiny_fn = make(tiny_base)
    torch_fn = make(oracle.torch.autograd.Function) if oracle.torch is not None else None

    def draw_pair(data):
        shape = data.draw(oracle.shapes(min_dims=0, max_dims=3), label="shape")
        alpha = data.draw(st.sampled_from([0.5, -2.0, 3.0]), label="alpha")
        return [data.draw(oracle.arrays(shape)), data.draw(oracle.arrays(shape))], {"alpha": alpha}

    case("autograd_function", module="autograd", draw=draw_pair,
         tiny=lambda a, b, alpha: tiny_fn.apply(a, b, alpha),
         torch=lambda a, b, alpha: torch_fn.apply(a, b, alpha))

    def draw_one(data):
        return [data.draw(oracle.arrays(data.draw(oracle.shapes(min_dims=0, max_dims=3), label="shape")))], {}

    def retained(x, factor=3.0):
        y = x * factor
        if y.requires_grad:                 # finite differences call it on plain tensors (PyTorch raises too)
            y.retain_grad()
        return y

    case("retain_grad", module="autograd", draw=draw_one, tiny=retained, torch=retained)
