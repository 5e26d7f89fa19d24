"""A two-layer network written with raw tensors and trained with hand-written SGD (the classic
"autograd from scratch" tutorial): requires_grad leaves, `with torch.no_grad(): p -= lr * p.grad`,
then `p.grad.zero_()` (or `p.grad = None`)."""
import numpy as np


def data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((32, 4)).astype(np.float32)
    y = (np.sin(x[:, :1]) + 0.5 * x[:, 1:2] ** 2).astype(np.float32)
    w1 = (0.5 * rng.standard_normal((4, 16))).astype(np.float32)
    w2 = (0.5 * rng.standard_normal((16, 1))).astype(np.float32)
    return x, y, w1, w2


def mlp_zero_grad(torch, nn, F, x_np, y_np, w1_np, w2_np):
    x, y = torch.tensor(x_np), torch.from_numpy(y_np)
    w1 = torch.tensor(w1_np, requires_grad=True)
    b1 = torch.zeros(16, requires_grad=True)
    w2 = torch.tensor(w2_np).requires_grad_()
    b2 = torch.zeros(1, requires_grad=True)
    lr, losses = 0.05, []
    for step in range(25):
        h = (x @ w1 + b1).clamp(min=0)
        pred = h @ w2 + b2
        loss = ((pred - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in (w1, b1, w2, b2):
                p -= lr * p.grad
                p.grad.zero_()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    return {"losses": losses, "w1": w1, "b2": b2, "grad_after_zero": w1.grad,
            "requires_grad": w1.requires_grad, "is_leaf": w1.is_leaf}


def mlp_grad_none(torch, nn, F, x_np, y_np, w1_np, w2_np):
    x, y = torch.tensor(x_np), torch.tensor(y_np)
    w1 = torch.tensor(w1_np, requires_grad=True)
    w2 = torch.tensor(w2_np, requires_grad=True)
    params = [w1, w2]
    losses = []
    for step in range(15):
        loss = F.mse_loss(F.relu(x @ w1) @ w2, y)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=0.05)        # the optimizer's spelling
        losses.append(float(loss.item()))
    return {"losses": losses, "w2": w2.detach().numpy(), "grad": w2.grad}


def mlp_data_update(torch, nn, F, x_np, y_np, w1_np, w2_np):
    """The older idiom: update through .data (a detached Tensor sharing the storage), outside no_grad."""
    x, y = torch.tensor(x_np), torch.tensor(y_np)
    w1 = torch.tensor(w1_np, requires_grad=True)
    w2 = torch.tensor(w2_np, requires_grad=True)
    losses = []
    for step in range(10):
        loss = (torch.tanh(x @ w1) @ w2 - y).pow(2).sum() / len(x)
        loss.backward()
        w1.data -= 0.02 * w1.grad.data
        w2.data -= 0.02 * w2.grad.data
        w1.grad.zero_()
        w2.grad = None
        losses.append(round(loss.item(), 5))
    return {"losses": losses, "w1": w1}


def test_mlp_manual_sgd_with_grad_zero(both):
    both(mlp_zero_grad, *data())


def test_mlp_manual_sgd_with_grad_none(both):
    both(mlp_grad_none, *data(1))


def test_mlp_update_through_data(both):
    both(mlp_data_update, *data(2), rtol=1e-4, atol=1e-5)
