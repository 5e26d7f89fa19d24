"""GPT on the exported package: formulas against the model, probes (causality, positions, uniform attention,
the pre-norm identity), weight tying, generation (greedy, temperature, top-k, seeded), errors, checkpoints."""
import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.tensor import Generator, Tensor, manual_seed
from tinytorch.models.transformer import (GPT, MLP, CausalSelfAttention, LayerNorm, TransformerBlock,
                                          gpt_forward_flops, gpt_parameter_count)


@pytest.fixture
def model():
    manual_seed(0)
    return GPT(vocab_size=17, context_length=12, d_model=16, n_heads=4, n_layers=2)


@pytest.mark.parametrize("V, C, d, N, pos", [(17, 12, 16, 2, "learned"), (96, 64, 64, 2, "learned"),
                                             (5, 3, 8, 1, "sinusoidal"), (50, 40, 24, 3, "sinusoidal")])
def test_parameter_count_formula(V, C, d, N, pos):
    m = GPT(V, C, d, 4 if d % 4 == 0 else 2, N, positional=pos)
    assert m.num_parameters() == gpt_parameter_count(V, C, d, N, positional=pos)
    d2 = d
    assert gpt_parameter_count(V, C, d, N, pos) == V * d + (C * d if pos == "learned" else 0) + N * (12 * d2 * d2 + 13 * d2) + 2 * d2


def test_flop_formula_against_the_recorded_graph(model):
    flops, stack, seen = 0, [], set()
    model.tok_emb.weight.requires_grad_(True)
    out = model(Tensor(np.zeros((3, 12), dtype=np.int64)))
    stack.append(out.grad_fn)
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if node.op == "matmul":
            flops += 2 * node.out.size * node.inputs[0].shape[-1]
        elif node.op == "scaled_dot_product_attention":
            flops += 4 * node.out.size * node.inputs[1].shape[-2]          # QK^T and PV, d_v == d_k
        stack.extend(t.grad_fn for t in node.inputs)
    assert flops == gpt_forward_flops(17, 16, 2, 3, 12)


def test_causality_probe_on_every_split(model):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 17, size=(2, 12))
    base = model(Tensor(ids))._data
    for k in range(11):
        changed = ids.copy()
        changed[:, k + 1:] = rng.integers(0, 17, size=changed[:, k + 1:].shape)
        moved = model(Tensor(changed))._data
        assert np.abs(moved[:, :k + 1] - base[:, :k + 1]).max() <= 1e-6, f"position <= {k} saw the future"


@pytest.mark.parametrize("positional", ["learned", "sinusoidal"])
def test_position_probe(positional):
    manual_seed(1)
    m = GPT(9, 8, 16, 2, 1, positional=positional)
    logits = m(Tensor(np.full((1, 8), 3)))._data[0]
    diffs = np.abs(logits[1:] - logits[0]).max(axis=-1)
    assert diffs.min() > 1e-3, f"a repeated token gives the same logits at some position: {diffs}"


def test_start_offsets_positions_and_is_checked(model):
    ids = Tensor(np.arange(4)[None] % 17)
    assert not np.allclose(model(ids, start=0)._data, model(ids, start=5)._data)
    with pytest.raises(ValueError, match="12"):
        model(ids, start=9)


def test_uniform_attention_ablation_averages_the_prefix():
    manual_seed(2)
    m = GPT(11, 8, 8, 2, 1, uniform_attention=True)
    assert all(b.attn.uniform_attention for b in m.blocks)
    attn = CausalSelfAttention(4, 2, uniform_attention=True, dtype=np.float64)
    attn.in_proj_weight._data[...] = np.tile(np.eye(4), (3, 1))
    attn.out_proj.weight._data[...] = np.eye(4)
    x = np.random.default_rng(0).standard_normal((2, 5, 4))
    expected = np.cumsum(x, axis=1) / np.arange(1, 6)[None, :, None]
    np.testing.assert_allclose(attn(Tensor(x))._data, expected)
    ids = np.random.default_rng(3).integers(0, 11, size=(1, 8))
    changed = ids.copy()
    changed[0, 5:] = (changed[0, 5:] + 1) % 11
    np.testing.assert_allclose(m(Tensor(ids))._data[:, :5], m(Tensor(changed))._data[:, :5], atol=1e-6)


def test_pre_norm_block_with_zero_outputs_is_the_identity():
    block = TransformerBlock(8, 2, dtype=np.float64)
    for lin in (block.attn.out_proj, block.mlp.fc2):
        lin.weight._data[...] = 0
        lin.bias._data[...] = 0
    x = np.random.default_rng(1).standard_normal((2, 3, 8)) * 5
    np.testing.assert_array_equal(block(Tensor(x))._data, x)


def test_tied_head_collects_both_gradients(model):
    assert model.head.weight is model.tok_emb.weight
    assert [n for n, _ in model.named_parameters()].count("head.weight") == 0
    assert "head.weight" in model.state_dict() and "tok_emb.weight" in model.state_dict()
    ids = Tensor(np.array([[1, 2, 3]]))
    model(ids).sum().backward()
    g = model.tok_emb.weight.grad._data.copy()
    assert np.abs(g[[0, 4, 5]]).max() > 0, "rows never looked up still get the head's gradient"
    assert np.abs(g[1] - g[0]).max() > 0, "looked-up rows get the embedding's gradient as well"


def test_init_is_gpt2_and_seeded():
    manual_seed(5)
    a = GPT(50, 16, 32, 4, 4)
    manual_seed(5)
    b = GPT(50, 16, 32, 4, 4)
    for (n, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        assert np.array_equal(p._data, q._data), n
    assert abs(a.tok_emb.weight._data.std() - 0.02) < 0.002
    assert abs(a.blocks[0].mlp.fc2.weight._data.std() - 0.02 / np.sqrt(8)) < 0.001
    assert np.all(a.blocks[0].attn.in_proj_bias._data == 0) and np.all(a.blocks[1].ln2.weight._data == 1)


def test_generate_greedy_sampled_topk_and_seeded(model):
    prompt = np.array([[1, 2, 3], [4, 5, 6]])
    greedy = model.generate(Tensor(prompt), 15, temperature=0)._data
    assert greedy.shape == (2, 18) and greedy.dtype == np.int64
    ids = prompt.copy()
    for _ in range(15):
        ids = np.concatenate([ids, model(Tensor(ids[:, -12:]))._data[:, -1].argmax(-1)[:, None]], axis=1)
    np.testing.assert_array_equal(greedy, ids)
    a = model.generate(Tensor(prompt), 10, temperature=1.5, generator=Generator(3))._data
    b = model.generate(Tensor(prompt), 10, temperature=1.5, generator=Generator(3))._data
    c = model.generate(Tensor(prompt), 10, temperature=1.5, generator=Generator(4))._data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    top2 = model.generate(Tensor(prompt[:1]), 1, top_k=2, generator=Generator(0))._data[0, -1]
    logits = model(Tensor(prompt[:1]))._data[0, -1]
    assert top2 in np.argsort(logits)[-2:]
    model.train()
    model.generate(Tensor(prompt), 2)
    assert model.training
    with pytest.raises(ValueError, match="temperature"):
        model.generate(Tensor(prompt), 1, temperature=-1)


def test_sampling_follows_the_distribution():
    manual_seed(0)
    m = GPT(4, 4, 8, 2, 1)
    logits = m(Tensor(np.array([[1]])))._data[0, -1].astype(np.float64) / 0.5
    p = np.exp(logits - logits.max())
    p /= p.sum()
    draws = m.generate(Tensor(np.ones((4000, 1), dtype=np.int64)), 1, temperature=0.5, generator=Generator(1))._data[:, 1]
    freq = np.bincount(draws, minlength=4) / 4000
    assert np.abs(freq - p).max() < 0.03, (freq, p)


def test_state_dict_round_trip_and_errors(tmp_path, model):
    path = model.save(tmp_path / "gpt.npz")
    manual_seed(9)
    other = GPT(17, 12, 16, 4, 2)
    other.load(path)
    ids = Tensor(np.array([[3, 1, 4, 1, 5]]))
    np.testing.assert_array_equal(other(ids)._data, model(ids)._data)
    assert other.head.weight is other.tok_emb.weight
    with pytest.raises(ValueError, match="multiple"):
        GPT(10, 8, 10, 3, 1)
    with pytest.raises(ValueError, match="positional"):
        GPT(10, 8, 8, 2, 1, positional="rotary")
    with pytest.raises(ValueError, match="batch, time"):
        model(Tensor(np.array([1, 2, 3])))
    with pytest.raises(ValueError, match="normalized_shape"):
        LayerNorm(4)(Tensor(np.zeros((2, 5), dtype=np.float32)))
    assert MLP(8).fc1.out_features == 32
