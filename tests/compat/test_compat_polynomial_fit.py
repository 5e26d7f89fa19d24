"""The classic "fit sin(x) with a cubic" warm-up, in its two usual forms: raw tensors with device=/dtype=
arguments and manual updates, then nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1)) with
nn.MSELoss(reduction="sum") and x.unsqueeze(-1).pow(p)."""
import math

import numpy as np


def raw_tensors(torch, nn, F, coeffs):
    dtype = torch.float
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.linspace(-math.pi, math.pi, 200, device=device, dtype=dtype)
    y = torch.sin(x)
    a, b, c, d = (torch.tensor(v, device=device, dtype=dtype, requires_grad=True) for v in coeffs)
    learning_rate, log, first = 1e-5, [], None
    for t in range(300):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        first = loss.item() if first is None else first
        if t % 50 == 49:
            log.append(f"{t} {loss.item():.3f}")
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
    assert math.isfinite(loss.item()) and loss.item() < first / 5, (first, loss.item())
    return {"log": log, "result": [a.item(), b.item(), c.item(), d.item()], "cos_check": torch.cos(x[:3])}


def with_nn(torch, nn, F, weight, bias):
    x = torch.linspace(-math.pi, math.pi, 200)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(weight))
        model[0].bias.fill_(bias)
    loss_fn = nn.MSELoss(reduction="sum")
    learning_rate, losses = 1e-5, []
    for t in range(200):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    assert np.isfinite(losses[-1]) and losses[-1] < losses[0] / 5, (losses[0], losses[-1])
    linear_layer = model[0]
    summary = (f"y = {linear_layer.bias.item():.4f} + {linear_layer.weight[:, 0].item():.4f} x + "
               f"{linear_layer.weight[:, 1].item():.4f} x^2 + {linear_layer.weight[:, 2].item():.4f} x^3")
    return {"losses": losses[::20], "summary": summary, "xx_dtype": xx.dtype}


def test_polynomial_fit_raw_tensors(both):
    both(raw_tensors, [0.1, -0.3, 0.2, 0.05], rtol=1e-4, atol=1e-5)


def test_polynomial_fit_with_nn(both):
    both(with_nn, np.array([[0.2, -0.1, 0.05]], np.float32), 0.1, rtol=1e-4, atol=1e-5)
