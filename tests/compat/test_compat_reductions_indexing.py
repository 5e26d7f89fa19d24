"""Reductions and indexing as tutorials write them: torch.sum(x, dim=1), x.sum(1), `values, idx =
x.max(dim=1)`, x.max(1) indexing, keepdim, size(0)/shape[0]/len, .T, @, fancy and boolean indexing,
.item() and .tolist()."""
import numpy as np


def reduce_and_index(torch, nn, F, x_np, w_np, idx_np):
    x = torch.tensor(x_np, requires_grad=True)      # (5, 3)
    w = torch.tensor(w_np)                           # (3, 2)
    out = {}
    out["sum_dim"] = torch.sum(x, dim=1)
    out["sum_pos"] = x.sum(1)
    out["sum_neg_keep"] = x.sum(-1, keepdim=True)
    out["sum_tuple"] = x.sum(dim=(0, 1))
    out["mean0"] = x.mean(0)
    out["mean_fn"] = torch.mean(x, dim=0, keepdim=True)
    values, idx = x.max(dim=1)
    out["max_values"], out["max_idx"] = values, idx
    out["max_pos_0"] = x.max(1)[0]
    out["max_pos_1"] = x.max(1)[1]
    out["max_attr"] = x.min(dim=0).indices
    out["max_all"] = torch.max(x)
    out["min_all"] = x.min()
    out["shape0"] = x.shape[0]
    out["size0"] = x.size(0)
    out["size_neg"] = x.size(-1)
    out["size"] = list(x.size())
    out["len"] = len(x)
    out["numel"] = x.numel()
    out["dim"] = x.dim()
    out["T"] = x.T
    out["matmul"] = x @ w
    out["matmul_fn"] = torch.matmul(x, w)
    out["row"] = x[1]
    out["col"] = x[:, 0]
    out["neg"] = x[-1, -2:]
    out["fancy"] = x[torch.tensor(idx_np)]
    out["fancy_list"] = x[[0, 0, 2]]
    out["mask"] = x[x > 0]
    out["pair"] = x[torch.arange(5), torch.tensor(idx_np % 3)]
    out["item"] = x[2, 1].item()
    out["tolist"] = x[:2].tolist()
    out["int_item"] = idx.sum().item()
    out["count"] = (x > 0).sum().item()
    out["bool_any"] = bool((x > 10).any())
    loss = (out["max_values"].sum() + out["pair"].pow(2).sum() + out["fancy"].mean() + out["mask"].sum()
            + out["matmul"].abs().sum() + out["sum_tuple"] * 0.1)
    loss.backward()
    out["grad"] = x.grad
    return out


def test_reductions_and_indexing(both):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    w = rng.standard_normal((3, 2)).astype(np.float32)
    both(reduce_and_index, x, w, np.array([4, 0, 0, 2, 1]))
