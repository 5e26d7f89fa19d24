"""Attention and transformer pieces as PyTorch programs use them: F.scaled_dot_product_attention with
is_causal / a boolean mask / a float mask, nn.MultiheadAttention (batch_first) loaded from a state_dict,
nn.LayerNorm and F.layer_norm, a hand-written pre-norm block with a tied output head, with gradients."""
import numpy as np


def attention_program(torch, nn, F, q_np, k_np, v_np, mask_np):
    q = torch.tensor(q_np, requires_grad=True)                    # (2, 3, 5, 4): batch, heads, time, dim
    k, v = torch.tensor(k_np), torch.tensor(v_np)
    out = {}
    causal = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    allowed = torch.tensor(mask_np)                               # bool, True = may attend
    boolean = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    additive = torch.zeros(5, 5).masked_fill(~allowed, float("-inf"))
    out["causal"], out["boolean"] = causal, boolean
    out["same_as_additive"] = bool(torch.allclose(boolean, F.scaled_dot_product_attention(q, k, v, attn_mask=additive),
                                                  atol=1e-6))
    out["scaled"] = F.scaled_dot_product_attention(q, k, v, scale=0.1)
    (causal.sum() + (boolean * boolean).sum()).backward()
    out["dq"] = q.grad
    return out


def test_attention_program(both):
    rng = np.random.default_rng(0)
    f32 = np.float32
    mask = rng.random((5, 5)) < 0.6
    mask[:, 0] = True
    result = both(attention_program, *(rng.standard_normal((2, 3, 5, 4)).astype(f32) for _ in range(3)), mask)
    assert result["same_as_additive"]


def transformer_program(torch, nn, F, weights, x_np, ids_np):
    d, vocab = 8, 11

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.attn = nn.MultiheadAttention(d, 2, batch_first=True)
            self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

        def forward(self, x):
            T = x.shape[1]
            blocked = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)   # module convention: True = blocked
            h = self.ln1(x)
            x = x + self.attn(h, h, h, attn_mask=blocked, need_weights=False)[0]
            return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))

    emb = nn.Embedding(vocab, d)
    block = Block()
    head = nn.Linear(d, vocab, bias=False)
    head.weight = emb.weight                                       # weight tying
    block.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
    emb.load_state_dict({"weight": torch.tensor(x_np)})
    out = {"keys": list(block.state_dict().keys())}
    ids = torch.tensor(ids_np)
    logits = head(F.layer_norm(block(emb(ids)), (d,)))
    out["logits"] = logits
    _, weights_avg = block.attn(emb(ids), emb(ids), emb(ids))
    out["attn_weights"] = weights_avg
    loss = F.cross_entropy(logits.reshape(-1, vocab), ids.reshape(-1))
    loss.backward()
    out["loss"] = loss.item()
    out["grads"] = [emb.weight.grad, block.attn.in_proj_weight.grad, block.ln1.weight.grad, block.fc2.bias.grad]
    return out


def test_transformer_program(both):
    rng = np.random.default_rng(1)
    d = 8
    shapes = {"ln1.weight": (d,), "ln1.bias": (d,), "ln2.weight": (d,), "ln2.bias": (d,),
              "attn.in_proj_weight": (3 * d, d), "attn.in_proj_bias": (3 * d,), "attn.out_proj.weight": (d, d),
              "attn.out_proj.bias": (d,), "fc1.weight": (4 * d, d), "fc1.bias": (4 * d,), "fc2.weight": (d, 4 * d),
              "fc2.bias": (d,)}
    weights = {k: (rng.standard_normal(s) * 0.3 + (1.0 if k.startswith("ln") and k.endswith("weight") else 0.0))
               .astype(np.float32) for k, s in shapes.items()}
    result = both(transformer_program, weights, (rng.standard_normal((11, d)) * 0.5).astype(np.float32),
                  rng.integers(0, 11, size=(3, 6)))
    assert result["keys"][4] == "attn.in_proj_weight"



def attention_weights_program(torch, nn, F, state, x_np, blocked_np):
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    mha.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    x = torch.tensor(x_np, requires_grad=True)
    out, weights = mha(x, x, x, attn_mask=torch.tensor(blocked_np))          # need_weights=True by default
    per_head = mha(x, x, x, attn_mask=torch.tensor(blocked_np), average_attn_weights=False)[1]
    (weights[:, :, 0].sum() + (out * out).sum()).backward()               # a loss that reads the weights
    return {"out": out, "weights": weights, "per_head_shape": list(per_head.shape),
            "weights_require_grad": weights.requires_grad, "dx": x.grad,
            "d_in_proj": mha.in_proj_weight.grad}


def test_multihead_attention_weights_are_differentiable(both):
    rng = np.random.default_rng(2)
    state = {"in_proj_weight": rng.standard_normal((12, 4)), "in_proj_bias": rng.standard_normal(12),
             "out_proj.weight": rng.standard_normal((4, 4)), "out_proj.bias": rng.standard_normal(4)}
    state = {k: (v * 0.5).astype(np.float32) for k, v in state.items()}
    blocked = np.triu(np.ones((5, 5), dtype=bool), 1)
    result = both(attention_weights_program, state, rng.standard_normal((2, 5, 4)).astype(np.float32), blocked)
    assert result["weights_require_grad"]
