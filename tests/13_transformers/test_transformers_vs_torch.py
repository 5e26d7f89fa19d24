"""Module 13 against PyTorch 2.13 in float64 (tolerance 1e-5) on random shapes: nn.LayerNorm forward and
gradients (input, weight, bias), a pre-norm block and a whole GPT against a PyTorch re-implementation with
the same weights (loaded through state_dict, names and layouts identical): logits, loss and the gradient of
every parameter, including the tied head."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.losses import cross_entropy
from tinytorch.core.tensor import Tensor, manual_seed
from tinytorch.models.transformer import GPT, LayerNorm, TransformerBlock, layer_norm

torch = pytest.importorskip("torch", reason="PyTorch is not installed (.venv/bin/pip install torch==2.13.0)")
nn = torch.nn
TOL = dict(rtol=1e-5, atol=1e-5)
pytestmark = pytest.mark.torch


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), lead=st.sampled_from([(), (3,), (2, 4)]), norm=st.sampled_from([(1,), (5,), (3, 4)]),
       affine=st.booleans(), bias=st.booleans(), eps=st.sampled_from([1e-5, 1e-2]))
def test_layer_norm_matches_torch(seed, lead, norm, affine, bias, eps):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(lead + norm) * 3 + 1
    ours = LayerNorm(norm, eps=eps, elementwise_affine=affine, bias=bias, dtype=np.float64)
    ref = nn.LayerNorm(norm, eps=eps, elementwise_affine=affine, bias=bias, dtype=torch.float64)
    with torch.no_grad():
        for p in ref.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(p.shape)))
    ours.load_state_dict(ref.state_dict())
    tx, rx = Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(tx), ref(rx)
    np.testing.assert_allclose(out._data, expected.detach().numpy(), **TOL)
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(tx.grad._data, rx.grad.numpy(), **TOL)
    for (name, p), (_, r) in zip(ours.named_parameters(), ref.named_parameters()):
        np.testing.assert_allclose(p.grad._data, r.grad.numpy(), **TOL, err_msg=name)


def test_layer_norm_is_not_the_unbiased_variance():
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    ours = layer_norm(Tensor(x), 4)._data
    assert np.allclose(ours, torch.nn.functional.layer_norm(torch.from_numpy(x), (4,)).numpy())
    assert not np.allclose(ours, (x - 2.5) / np.sqrt(x.var(ddof=1) + 1e-5))


class TorchMLP(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d, hidden), nn.Linear(hidden, d)

    def forward(self, x):
        return self.fc2(nn.functional.gelu(self.fc1(x), approximate="tanh"))


class TorchBlock(nn.Module):
    """The pre-norm block written independently with torch.nn (MultiheadAttention + explicit causal mask)."""

    def __init__(self, d, h):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, h, batch_first=True)
        self.mlp = TorchMLP(d, 4 * d)

    def forward(self, x):
        T = x.shape[1]
        blocked = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=blocked, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class TorchPositions(nn.Module):
    def __init__(self, C, d):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(C, d))


class TorchGPT(nn.Module):
    def __init__(self, V, C, d, h, N):
        super().__init__()
        self.tok_emb, self.pos_emb = nn.Embedding(V, d), TorchPositions(C, d)
        self.blocks = nn.ModuleList([TorchBlock(d, h) for _ in range(N)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, V, bias=False)
        self.head.weight = self.tok_emb.weight

    def forward(self, idx):
        x = self.tok_emb(idx) + self.pos_emb.weight[:idx.shape[1]]
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))


def _load_into_torch(ours, ref):
    ref.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    ref.double()


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31), heads=st.sampled_from([1, 2, 4]), T=st.integers(1, 7), B=st.integers(1, 3))
def test_block_matches_a_torch_reimplementation(seed, heads, T, B):
    d = 4 * heads
    manual_seed(seed)
    ours = TransformerBlock(d, heads, dtype=np.float64)
    rng = np.random.default_rng(seed)
    for p in ours.parameters():                            # random everything (LN and biases too)
        p._data[...] = rng.standard_normal(p.shape) * 0.5
    ref = TorchBlock(d, heads)
    _load_into_torch(ours, ref)
    x = rng.standard_normal((B, T, d))
    tx, rx = Tensor(x.copy(), requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(tx), ref(rx)
    np.testing.assert_allclose(out._data, expected.detach().numpy(), **TOL)
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(tx.grad._data, rx.grad.numpy(), **TOL)
    refs = dict(ref.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad._data, refs[name].grad.numpy(), **TOL, err_msg=name)


@pytest.mark.parametrize("V, C, d, heads, N, T", [(13, 8, 16, 2, 2, 8), (7, 10, 8, 4, 1, 5), (20, 6, 12, 3, 3, 6)])
def test_gpt_matches_a_torch_reimplementation(V, C, d, heads, N, T):
    manual_seed(V)
    ours = GPT(V, C, d, heads, N).to(np.float64)
    assert ours.head.weight is ours.tok_emb.weight
    rng = np.random.default_rng(V)
    for name, p in ours.named_parameters():
        if name.endswith("bias") or ".ln" in name or name.startswith("ln"):
            p._data[...] = rng.standard_normal(p.shape) * 0.3 + (1.0 if name.endswith("weight") else 0.0)
    ref = TorchGPT(V, C, d, heads, N)
    _load_into_torch(ours, ref)
    idx = rng.integers(0, V, size=(3, T))
    targets = rng.integers(0, V, size=3 * T)
    logits = ours(Tensor(idx))
    expected = ref(torch.from_numpy(idx))
    np.testing.assert_allclose(logits._data, expected.detach().numpy(), **TOL)
    loss = cross_entropy(logits.reshape(-1, V), Tensor(targets))
    ref_loss = nn.functional.cross_entropy(expected.reshape(-1, V), torch.from_numpy(targets))
    assert math.isclose(loss.item(), ref_loss.item(), rel_tol=1e-9)
    loss.backward()
    ref_loss.backward()
    refs = dict(ref.named_parameters())
    names = [n for n, _ in ours.named_parameters()]
    assert sorted(names) == sorted(refs) and len(names) == len(set(names)), "same parameters, tied head once"
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad._data, refs[name].grad.numpy(), **TOL, err_msg=name)
    assert ours.num_parameters() == sum(p.numel() for p in ref.parameters())
