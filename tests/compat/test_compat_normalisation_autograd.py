"""Hand-written layers from tutorials, differentiated end to end: a layer norm from mean/var/sqrt, a
masked attention score with masked_fill + softmax, a Huber loss with torch.where, a feature
standardisation with std(dim=0, keepdim=True), and gradients compared with PyTorch's."""
import numpy as np


def hand_written(torch, nn, F, x_np, g_np, q_np, k_np):
    x = torch.tensor(x_np, requires_grad=True)            # (4, 6)
    gamma = torch.tensor(g_np, requires_grad=True)        # (6,)
    beta = torch.zeros(6, requires_grad=True)
    mu = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True, unbiased=False)
    normed = (x - mu) / torch.sqrt(var + 1e-5) * gamma + beta

    q = torch.tensor(q_np, requires_grad=True)             # (2, 3, 4): batch, tokens, dims
    k = torch.tensor(k_np, requires_grad=True)
    scores = q @ k.transpose(-2, -1) / np.sqrt(4.0)
    causal = torch.triu(torch.ones(3, 3), diagonal=1).bool()       # True above the diagonal
    scores = scores + torch.tril(torch.ones(3, 3), -1) * 0.1 * scores.tril()
    attention = F.softmax(scores.masked_fill(causal, float("-inf")), dim=-1)
    mixed = attention @ k

    diff = normed[:, :4] - mixed.reshape(4, -1)[:, :4] if mixed.numel() >= 16 else normed[:, :4]
    delta = 1.0
    huber = torch.where(diff.abs() < delta, 0.5 * diff ** 2, delta * (diff.abs() - 0.5 * delta)).mean()

    standardised = (x - x.mean(dim=0, keepdim=True)) / x.std(dim=0, keepdim=True)
    spread = standardised.pow(2).sum() * 0.01
    loss = huber + spread + attention.max() * 0.1
    loss.backward()
    return {"normed": normed, "attention": attention, "huber": huber, "loss": loss, "grad_x": x.grad,
            "grad_gamma": gamma.grad, "grad_beta": beta.grad, "grad_q": q.grad, "grad_k": k.grad}


def test_hand_written_layers_differentiate_like_pytorch(both):
    rng = np.random.default_rng(9)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
    both(hand_written, f32(4, 6), f32(6), f32(2, 3, 4), f32(2, 3, 4), rtol=1e-4, atol=1e-5)
