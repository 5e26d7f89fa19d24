"""Tensor manipulation from tutorials: cat, stack, where, clamp/clamp_min, sqrt, abs, var/std with
dim/keepdim/unbiased/correction, maximum/minimum, argmax, masked_fill, unsqueeze/expand/repeat, flatten;
values AND gradients through all of them."""
import numpy as np


def manipulate(torch, nn, F, a_np, b_np):
    a = torch.tensor(a_np, requires_grad=True)          # (3, 4) float32
    b = torch.tensor(b_np, requires_grad=True)          # (3, 4)
    out = {}
    out["cat0"] = torch.cat([a, b], dim=0)
    out["cat1"] = torch.cat((a, b, a), 1)
    out["stack"] = torch.stack([a, b])
    out["stack_last"] = torch.stack([a, b], dim=-1)
    out["where"] = torch.where(a > 0, a, b)
    out["where_scalar"] = torch.where(a > b, a, 0.0)
    out["clamp"] = a.clamp(-0.5, 0.5)
    out["clamp_min"] = a.clamp_min(0.1)
    out["clamp_max"] = torch.clamp(a, max=0.2)
    out["sqrt_abs"] = torch.sqrt(torch.abs(a) + 1e-3)
    out["var_all"] = a.var()
    out["var_dim"] = a.var(dim=1)
    out["var_keep"] = torch.var(a, dim=0, keepdim=True)
    out["var_biased"] = a.var(1, unbiased=False)
    out["var_corr0"] = a.var(dim=1, correction=0)
    out["std"] = a.std(dim=1, keepdim=True)
    out["std_all_biased"] = b.std(unbiased=False)
    out["maximum"] = torch.maximum(a, b)
    out["minimum"] = torch.minimum(a, b.abs())
    out["max_pair"] = torch.max(a, b)
    out["argmax"] = a.argmax(dim=1)
    out["argmax_flat"] = torch.argmax(b)
    out["masked"] = a.masked_fill(a < 0, 0.0)
    out["masked_inf_softmax"] = F.softmax(b.masked_fill(torch.tensor(np.triu(np.ones((3, 4), bool), 1)),
                                                        float("-inf")), dim=-1)
    out["unsq"] = a.unsqueeze(0)
    out["unsq_neg"] = torch.unsqueeze(a, -1)
    out["expand"] = a[:, :1].expand(3, 5)
    out["expand_new"] = a[0].expand(2, -1)
    out["expand_as"] = a[:1].expand_as(b)
    out["repeat"] = a.repeat(2, 1)
    out["repeat_new_dim"] = a[0].repeat(2, 2)
    out["flatten"] = torch.stack([a, b]).flatten(1)
    out["flatten_all"] = torch.flatten(a)
    out["squeeze"] = a[:, :1].squeeze(1)
    out["norm"] = a.norm()
    out["mT"] = a.mT
    total = sum((v.float() * (i + 1) * 0.01).sum() for i, (k, v) in enumerate(sorted(out.items()))
                if v.dtype == torch.float32 and k != "masked_inf_softmax")
    total = total + out["masked_inf_softmax"][:, 0].sum()
    total.backward()
    out["grad_a"] = a.grad
    out["grad_b"] = b.grad
    out["total"] = total
    return out


def test_tensor_manipulation_values_and_gradients(both):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((3, 4)).astype(np.float32)
    b[0, 1] = a[0, 1]                  # a tie for maximum/minimum: the gradient is split in halves
    both(manipulate, a, b, rtol=2e-5, atol=2e-6)
