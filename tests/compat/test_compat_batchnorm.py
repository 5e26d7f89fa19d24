"""nn.BatchNorm1d / BatchNorm2d as PyTorch programs use them: train then eval, running statistics,
momentum (and momentum=None), affine=False, track_running_stats=False, eps, state_dict keys with
num_batches_tracked, a save/load round trip, and F.batch_norm."""
import os

import numpy as np
import pytest


def train_eval_cnn(torch, nn, F, x_np, y_np, folder):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                          nn.Linear(3 * 4 * 4, 8), nn.BatchNorm1d(8, momentum=0.3), nn.ReLU(), nn.Linear(8, 3))
    with torch.no_grad():                        # same starting weights on both sides
        rng = np.random.default_rng(7)
        for p in model.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x, y = torch.tensor(x_np), torch.tensor(y_np)
    losses = []
    model.train()
    for step in range(6):
        xb, yb = x[step % 2 * 8:(step % 2 + 1) * 8], y[step % 2 * 8:(step % 2 + 1) * 8]
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        eval_out = model(x)
        eval_again = model(x[:3])                # eval uses running stats: rows do not depend on the batch
    state = model.state_dict()
    path = os.path.join(folder, f"{torch.__name__}_bn.pt")
    torch.save(state, path)
    clone = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                          nn.Linear(3 * 4 * 4, 8), nn.BatchNorm1d(8, momentum=0.3), nn.ReLU(), nn.Linear(8, 3))
    clone.load_state_dict(torch.load(path))
    clone.eval()
    bn = model[1]
    return {"losses": losses, "eval": eval_out, "rows_independent": torch.allclose(eval_again, eval_out[:3]),
            "keys": list(state.keys()), "running_mean": bn.running_mean, "running_var": bn.running_var,
            "num_batches_tracked": int(bn.num_batches_tracked), "bn1d_mean": model[5].running_mean,
            "clone_same": torch.allclose(clone(x), eval_out, atol=1e-6), "bn_weight": bn.weight.detach(),
            "bn_bias_grad": bn.bias.grad}


def test_cnn_with_batchnorm_train_then_eval(both, tmp_path):
    rng = np.random.default_rng(11)
    both(train_eval_cnn, rng.standard_normal((16, 2, 4, 4)).astype(np.float32),
         rng.integers(0, 3, 16).astype(np.int64), str(tmp_path), rtol=1e-4, atol=1e-5)


def variants(torch, nn, F, x_np, seq_np):
    x, seq = torch.tensor(x_np), torch.tensor(seq_np)
    out = {}
    cumulative = nn.BatchNorm1d(4, momentum=None)
    for i in range(3):
        cumulative(x * (i + 1))
    out["cumulative_mean"], out["cumulative_var"] = cumulative.running_mean, cumulative.running_var
    out["cumulative_count"] = int(cumulative.num_batches_tracked)
    plain = nn.BatchNorm1d(4, affine=False, eps=1e-3)
    out["no_affine_train"] = plain(x)
    out["no_affine_params"] = len(list(plain.parameters()))
    untracked = nn.BatchNorm1d(4, track_running_stats=False)
    untracked.eval()
    out["untracked_eval"] = untracked(x).detach()            # batch statistics even in eval
    out["untracked_keys"] = list(untracked.state_dict().keys())
    seq_bn = nn.BatchNorm1d(3)
    out["sequence"] = seq_bn(seq).detach()                    # (N, C, L)
    out["sequence_var"] = seq_bn.running_var
    xg = torch.tensor(x_np, requires_grad=True)
    bn = nn.BatchNorm1d(4)
    (bn(xg) ** 3).sum().backward()
    out["x_grad"], out["w_grad"], out["b_grad"] = xg.grad, bn.weight.grad, bn.bias.grad
    rm, rv = torch.zeros(4), torch.ones(4)
    out["functional"] = F.batch_norm(x, rm, rv, training=True, momentum=0.5)
    out["functional_rm"], out["functional_rv"] = rm, rv
    out["functional_eval"] = F.batch_norm(x, rm, rv, torch.full((4,), 2.0), torch.full((4,), 0.5))
    out["repr"] = repr(nn.BatchNorm2d(5))
    bn.reset_running_stats()
    out["reset"] = [bn.running_mean, bn.running_var, int(bn.num_batches_tracked)]
    return out


def test_batchnorm_variants_match_pytorch(both):
    rng = np.random.default_rng(12)
    both(variants, rng.standard_normal((6, 4)).astype(np.float32), rng.standard_normal((2, 3, 5)).astype(np.float32),
         rtol=1e-5, atol=1e-5)


def test_batchnorm_errors_are_clear():
    import tinytorch as torch
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        torch.nn.BatchNorm1d(3)(torch.ones(1, 3))
    with pytest.raises(ValueError, match="4D"):
        torch.nn.BatchNorm2d(3)(torch.ones(2, 3))
    with pytest.raises(ValueError, match="channels"):
        torch.nn.BatchNorm1d(3)(torch.ones(2, 4))
