"""torch.autograd.Function as in "Learning PyTorch with Examples" (LegendrePolynomial3 fitting sin(x)),
ctx.save_for_backward / saved_tensors / needs_input_grad, non-tensor arguments, and Tensor.retain_grad()."""
import math

import numpy as np
import pytest


def legendre_fit(torch, nn, F):
    """The tutorial's program, shortened to 200 steps (same numbers on both)."""

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    dtype = torch.float
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    losses = []
    for t in range(200):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return {"losses": losses[::20], "a": a.item(), "b": b.item(), "c": c.item(), "d": d.item()}


def test_legendre_polynomial3_tutorial(both):
    both(legendre_fit, rtol=1e-4, atol=1e-5)


def ctx_features(torch, nn, F, a_np, b_np):
    seen = {}

    class MulAdd(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            ctx.save_for_backward(a, b)
            ctx.scale = scale
            seen["needs"] = list(ctx.needs_input_grad)
            return a * b * scale + b

        @staticmethod
        def backward(ctx, grad_output):
            a, b = ctx.saved_tensors
            grad_a = grad_b = None
            if ctx.needs_input_grad[0]:
                grad_a = grad_output * b * ctx.scale
            if ctx.needs_input_grad[1]:
                grad_b = grad_output * (a * ctx.scale + 1)
            return grad_a, grad_b, None

    a = torch.tensor(a_np, requires_grad=True)
    b = torch.tensor(b_np)                       # no gradient wanted
    out = MulAdd.apply(a, b, 2.5)
    (out * out).sum().backward()
    needs_one = seen["needs"]
    b2 = torch.tensor(b_np, requires_grad=True)
    out2 = MulAdd.apply(torch.tensor(a_np), b2, -1.0)
    out2.sum().backward()
    with torch.no_grad():
        plain = MulAdd.apply(torch.tensor(a_np, requires_grad=True), b2, 1.0)
    return {"out": out.detach(), "a_grad": a.grad, "b_grad_none": b.grad is None, "needs": needs_one,
            "needs_two": seen["needs"], "b2_grad": b2.grad, "requires_grad": out.requires_grad,
            "no_grad_requires": plain.requires_grad, "is_leaf": out.is_leaf}


def test_ctx_needs_input_grad_and_non_tensor_arguments(both):
    rng = np.random.default_rng(3)
    both(ctx_features, rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((2, 3)).astype(np.float32))


def retain(torch, nn, F, x_np, w_np):
    x = torch.tensor(x_np)
    w = torch.tensor(w_np, requires_grad=True)
    hidden = x @ w
    hidden.retain_grad()
    activated = torch.tanh(hidden)
    activated.retain_grad()
    loss = (activated * activated).sum() + hidden.sum()
    loss.backward()
    first = hidden.grad.clone()
    hidden2 = x @ w
    out = hidden2 * 2
    hidden2.retain_grad()                        # after it was used, as PyTorch allows
    out.sum().backward()
    leaf = torch.ones(2, requires_grad=True)
    leaf.retain_grad()                           # no effect on a leaf
    (leaf * 3).sum().backward()
    return {"hidden_grad": first, "activated_grad": activated.grad, "w_grad": w.grad,
            "retains": hidden.retains_grad, "plain_retains": out.retains_grad, "out_grad_none": out.grad is None,
            "hidden2_grad": hidden2.grad, "leaf_grad": leaf.grad, "leaf_retains": leaf.retains_grad}


def test_retain_grad_keeps_non_leaf_gradients(both):
    rng = np.random.default_rng(5)
    both(retain, rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((3, 2)).astype(np.float32))


def test_function_errors_are_clear():
    import tinytorch as torch

    class WrongCount(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    x = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        WrongCount.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        torch.ones(2).retain_grad()
