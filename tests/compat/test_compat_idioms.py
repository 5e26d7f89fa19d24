"""Small idioms that tutorial code is full of: f"{loss:.4f}" logging, torch.mm/bmm, split/chunk/unbind
(differentiable), comparison methods, torch.equal, in-place random init with uniform_/normal_, the
@torch.no_grad() decorator, torch.Tensor isinstance checks, iteration over rows."""
import numpy as np


def idioms(torch, nn, F, a_np, b_np):
    a = torch.tensor(a_np, requires_grad=True)       # (4, 6)
    b = torch.tensor(b_np)                           # (6, 3)
    out = {}
    loss = (a.mm(b) ** 2).mean()
    out["log_line"] = f"step {3:>2d} | loss {loss:.4f} | scaled {loss * 10:8.3f}"
    out["bmm"] = torch.bmm(a.reshape(2, 2, 6), b.reshape(2, 3, 3).repeat(1, 2, 1))
    halves = a.split(3, dim=1)
    out["split_shapes"] = [list(h.shape) for h in halves]
    out["split_sizes"] = [list(p.shape) for p in torch.split(a, [1, 3], dim=0)]
    chunks = a.chunk(3)
    out["chunk_shapes"] = [list(c.shape) for c in chunks]
    rows = a.unbind(0)
    out["unbind"] = [r.sum() for r in rows]
    out["iter_rows"] = [row.max().item() for row in a.detach()]
    out["cmp"] = [a.gt(0).sum().item(), a.le(0).sum().item(), a.ne(a).sum().item(), a.eq(a).all().item()]
    out["equal"] = [torch.equal(a, a), torch.equal(a, a * 2)]
    out["isinstance"] = isinstance(a, torch.Tensor)
    w = torch.empty(3, 5).uniform_(-0.1, 0.1)
    v = torch.zeros(1000).normal_(0.0, 2.0)
    out["init"] = [list(w.shape), bool((w.abs() <= 0.1).all()), abs(v.std().item() - 2.0) < 0.3]

    @torch.no_grad()
    def evaluate(x):
        return (x * 2).requires_grad

    out["decorated_no_grad"] = evaluate(a)
    total = loss + halves[1].pow(2).sum() + chunks[-1].sum() * 3 + rows[0].abs().sum()
    total.backward()
    out["grad"] = a.grad
    return out


def test_idioms(both):
    rng = np.random.default_rng(13)
    both(idioms, rng.standard_normal((4, 6)).astype(np.float32), rng.standard_normal((6, 3)).astype(np.float32))
