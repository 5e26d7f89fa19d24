"""In-place updates and gradient bookkeeping: add_/mul_/zero_/fill_/copy_/clamp_/x[i] = v on leaf data
under no_grad, PyTorch's error for an in-place change of a leaf that requires grad, gradient
accumulation across two backward calls, retain_graph, x.grad.zero_(), x.data, requires_grad_(),
detach().numpy()."""
import numpy as np


def in_place(torch, nn, F, x_np):
    out = {}
    x = torch.tensor(x_np, requires_grad=True)
    errors = []
    for attempt in (lambda: x.add_(1.0), lambda: x.mul_(2), lambda: x.zero_(), lambda: x.fill_(3.0),
                    lambda: x.__isub__(1.0), lambda: x.__setitem__(0, 5.0), lambda: x.copy_(torch.ones(3)),
                    lambda: x.clamp_(min=0)):
        try:
            attempt()
            errors.append("no error")
        except RuntimeError as exc:
            errors.append("leaf Variable that requires grad is being used in an in-place operation" in str(exc))
    out["leaf_errors"] = errors
    with torch.no_grad():
        x.add_(1.0)
        x.mul_(torch.tensor([1.0, 2.0, 3.0]))
        x[0] = -1.0
        x.clamp_(max=4.0)
        out["after_updates"] = x.detach().clone()
        x += 0.5
        x /= 2
        out["after_augmented"] = x.detach().clone()
    out["still_leaf"] = [x.is_leaf, x.requires_grad]
    y = (x * x).sum()
    y.backward(retain_graph=True)
    out["grad1"] = x.grad.clone()
    y.backward()
    out["grad_accumulated"] = x.grad.clone()
    x.grad.zero_()
    out["grad_zeroed"] = x.grad.clone()
    (x ** 3).sum().backward()
    out["grad_after_zero"] = x.grad
    out["data"] = x.data.tolist()
    out["detach_numpy"] = x.detach().numpy().tolist()
    z = torch.zeros(3)
    out["plain_not_grad"] = z.requires_grad
    z.requires_grad_()
    out["now_grad"] = z.requires_grad
    buf = torch.zeros(2, 3)
    buf.fill_(2.0)
    buf[:, 1] = torch.tensor([7.0, 8.0])
    buf[buf > 7] = 0.0
    buf.copy_(buf * 3)
    out["buffer"] = buf
    t = torch.ones(3)
    t.zero_()
    out["zero_plain"] = t
    with torch.no_grad():
        frozen = x * 2
    out["no_grad_result"] = [frozen.requires_grad, frozen.grad_fn is None]
    return out


def test_in_place_updates_and_grad_bookkeeping(both):
    both(in_place, np.array([0.5, -1.0, 2.0], dtype=np.float32))


def test_tinytorch_refuses_in_place_on_a_graph_tensor():
    """tinytorch refuses an in-place change of a non-leaf in grad mode (PyTorch allows some of these and
    checks later with version counters, which tinytorch does not have): a clear error, never a wrong gradient."""
    import pytest
    import tinytorch as torch
    x = torch.ones(3, requires_grad=True)
    h = x * 2
    with pytest.raises(RuntimeError, match="part of the autograd graph"):
        h.mul_(2)
    with torch.no_grad():
        h.mul_(2)                                    # allowed when nothing is recorded
    assert h.tolist() == [4.0, 4.0, 4.0]
    with pytest.raises(RuntimeError, match="requires grad would not be recorded"):
        torch.zeros(3).add_(x)                       # the update would be lost to autograd
