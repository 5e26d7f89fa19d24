"""gather, sort and topk as PyTorch programs use them: picking each example's log-probability with
`log_probs.gather(1, target.unsqueeze(1))` (the policy-gradient / hand-written NLL idiom), top-k accuracy,
keeping the k best scores (beam-search style) and sorting with gradients flowing through the values."""
import numpy as np


def pick_log_probs(torch, nn, F, logits_np, target_np, index_np):
    logits = torch.tensor(logits_np, requires_grad=True)          # (6, 5)
    target = torch.tensor(target_np)                              # (6,) int64
    out = {}
    log_probs = F.log_softmax(logits, dim=1)
    picked = log_probs.gather(1, target.unsqueeze(1)).squeeze(1)  # log p(target) per example
    out["picked"] = picked
    out["nll"] = -picked.mean()
    out["matches_cross_entropy"] = bool(abs(out["nll"].item() - F.cross_entropy(logits, target).item()) < 1e-5)
    out["gather_dim0"] = torch.gather(logits, 0, torch.tensor(index_np))     # (2, 5), repeated rows
    loss = out["nll"] + (out["gather_dim0"] ** 2).sum()
    loss.backward()
    out["grad"] = logits.grad
    return out


def test_gather_picks_log_probabilities(both):
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((6, 5)).astype(np.float32)
    index = np.array([[0, 5, 5, 1, 2], [5, 5, 0, 0, 3]])     # row 5 is read four times: gradients add up
    result = both(pick_log_probs, logits, np.array([4, 0, 2, 2, 1, 3]), index)
    assert result["matches_cross_entropy"]


def topk_and_sort(torch, nn, F, scores_np, target_np, ties_np):
    scores = torch.tensor(scores_np, requires_grad=True)          # (8, 6), no ties
    target = torch.tensor(target_np)
    out = {}
    top_values, top_idx = scores.topk(3, dim=1)
    out["top_values"], out["top_idx"] = top_values, top_idx
    out["top3_accuracy"] = (top_idx == target.unsqueeze(1)).any(dim=1).float().mean().item()
    smallest = torch.topk(scores, 2, dim=0, largest=False)
    out["smallest_values"], out["smallest_idx"] = smallest.values, smallest.indices
    ranked, order = torch.sort(scores, dim=-1, descending=True)
    out["ranked"], out["order"] = ranked, order
    col_sorted = scores.sort(dim=0)
    out["col_values"], out["col_idx"] = col_sorted.values, col_sorted.indices
    out["median_row0"] = scores[0].sort().values[2:4].mean()
    ties = torch.tensor(ties_np)
    out["ties_asc"] = torch.sort(ties, stable=True).indices          # equal values keep their order
    out["ties_desc"] = torch.sort(ties, descending=True, stable=True).indices
    loss = (top_values * torch.tensor([1.0, 2.0, 3.0])).sum() + ranked[:, 0].sum() + out["median_row0"]
    loss.backward()
    out["grad"] = scores.grad
    return out


def test_topk_and_sort(both):
    rng = np.random.default_rng(4)
    scores = rng.permutation(48).reshape(8, 6).astype(np.float32) / 7      # distinct values
    result = both(topk_and_sort, scores, rng.integers(0, 6, 8), np.array([3, 1, 2, 1, 3, 3, 0]))
    assert result["ties_asc"].tolist() == [6, 1, 3, 2, 0, 4, 5]
