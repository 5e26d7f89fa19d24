"""tinytorch.perf.memoization: the KV cache gate on a TRAINED GPT (same tokens, logits within 1e-5), the
work per step counted on the model itself, the memory formula against the arrays, and clear errors.
No timing is asserted here (bench/run.py kv_cache judges the speed-ups)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.autograd import no_grad
from tinytorch.core.layers import Module
from tinytorch.core.losses import cross_entropy
from tinytorch.core.optimizers import AdamW
from tinytorch.core.tensor import Generator, Tensor, manual_seed
from tinytorch.datasets import load_pydoc_topics
from tinytorch.models.transformer import GPT, gpt_forward_flops
from tinytorch.perf.memoization import (KVCache, cached_attention, forward_cached, generate, generation_flops,
                                        kv_cache_bytes, positions_processed, tokens_per_second)
from tinytorch.utils.timing import pinned_blas_threads


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """Small matrices: several BLAS threads on a busy machine only slow these tests down."""
    with pinned_blas_threads(1):
        yield


@pytest.fixture(scope="module")
def corpus():
    text = load_pydoc_topics("train")[:100_000]
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    return np.array([stoi[c] for c in text], dtype=np.int64), len(chars)


@pytest.fixture(scope="module")
def trained(corpus, one_blas_thread):
    """A char-level GPT trained for 60 AdamW steps (a couple of seconds): its weights are not the init's."""
    data, vocab = corpus
    manual_seed(0)
    model = GPT(vocab, context_length=96, d_model=32, n_heads=4, n_layers=2)
    opt = AdamW(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(0)
    losses = []
    for _ in range(60):
        s = rng.integers(0, len(data) - 33, size=16)
        x = np.stack([data[i:i + 32] for i in s])
        y = np.stack([data[i + 1:i + 33] for i in s])
        loss = cross_entropy(model(Tensor(x)).reshape(-1, vocab), Tensor(y.reshape(-1)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < np.log(vocab) - 1.0, f"the model did not train: {losses[-5:]}"
    return model.eval()


class RowCounter(Module):
    """Wraps a block's MLP and records how many positions each forward pass sends through it."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.seen = inner, []

    def forward(self, x):
        self.seen.append(x.shape[1])
        return self.inner(x)


def test_trained_model_is_not_degenerate(trained, corpus):
    data, _ = corpus
    ids = Tensor(data[None, 500:540])
    with no_grad():
        logits = trained(ids).numpy()
        trained.uniform_attention = True
        for b in trained.blocks:
            b.attn.uniform_attention = True
        uniform = trained(ids).numpy()
        trained.uniform_attention = False
        for b in trained.blocks:
            b.attn.uniform_attention = False
    assert np.abs(logits - uniform).max() > 0.1, "attention matters in this model"
    assert np.abs(logits[0, 5] - logits[0, 25]).max() > 1e-2


def test_cached_equals_uncached_on_a_trained_model(trained, corpus):
    data, _ = corpus
    prompt = Tensor(np.stack([data[1000:1012], data[3000:3012], data[7000:7012]]))
    ids_c, log_c = generate(trained, prompt, 80, use_cache=True, return_logits=True)
    ids_u, log_u = generate(trained, prompt, 80, use_cache=False, return_logits=True)
    assert np.array_equal(ids_c.numpy(), ids_u.numpy())
    err = np.abs(log_c - log_u).max()
    assert err < 1e-5, f"cached and uncached logits differ by {err:.2e}"
    # sampled text visits many different contexts (greedy text of a briefly trained model repeats spaces)
    ids_c, log_c = generate(trained, prompt, 80, temperature=1.0, generator=Generator(3), return_logits=True)
    ids_u, log_u = generate(trained, prompt, 80, use_cache=False, temperature=1.0, generator=Generator(3),
                            return_logits=True)
    assert np.array_equal(ids_c.numpy(), ids_u.numpy()) and np.abs(log_c - log_u).max() < 1e-5
    assert len(set(ids_c.numpy()[0, 12:].tolist())) > 10, "the sampled continuation varies"


@pytest.mark.parametrize("temperature,top_k", [(1.0, None), (0.7, 8), (2.0, 3)])
def test_sampling_gives_the_same_tokens_with_the_same_seed(trained, temperature, top_k):
    prompt = Tensor(np.array([[5, 9, 12, 3], [1, 1, 2, 3]]))
    a = generate(trained, prompt, 40, temperature=temperature, top_k=top_k, generator=Generator(11))
    b = generate(trained, prompt, 40, use_cache=False, temperature=temperature, top_k=top_k, generator=Generator(11))
    assert np.array_equal(a.numpy(), b.numpy())


def test_decode_one_token_at_a_time_matches_every_prefix(trained, corpus):
    data, _ = corpus
    seq = data[None, 2000:2050]
    with no_grad():
        full = trained(Tensor(seq)).numpy()
    cache = KVCache.for_model(trained)
    for p in range(seq.shape[1]):                          # no prefill at all: 50 decode steps from position 0
        step = forward_cached(trained, Tensor(seq[:, p:p + 1]), cache).numpy()[0, 0]
        assert np.abs(step - full[0, p]).max() < 1e-5, f"position {p}"
    assert cache.length == 50


def test_sinusoidal_model_and_generate_restores_training_mode():
    manual_seed(4)
    model = GPT(17, 40, 24, 3, 2, positional="sinusoidal")
    state = {k: (v if ".ln" in k or k.startswith("ln") else v * 15.0) for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    model.train()
    prompt = Tensor(np.array([[1, 2, 3, 4, 5]]))
    a, la = generate(model, prompt, 30, return_logits=True)
    b, lb = generate(model, prompt, 30, use_cache=False, return_logits=True)
    assert np.array_equal(a.numpy(), b.numpy()) and np.abs(la - lb).max() < 1e-5
    assert model.training, "generate restores the model's mode"


def test_positions_processed_are_counted_on_the_model(trained):
    prompt = Tensor(np.array([[3, 4, 5, 6, 7, 8, 9, 10, 11, 12]]))
    mlp = trained.blocks[1].mlp
    try:
        for use_cache, n in ((True, 30), (False, 30), (False, 100)):     # 10 + 100 > 96: the window slides
            trained.blocks[1].mlp = RowCounter(mlp)
            generate(trained, prompt, n, use_cache=use_cache)
            seen = trained.blocks[1].mlp.seen
            assert seen == positions_processed(10, n, use_cache, context_length=96), (use_cache, n, seen)
    finally:
        trained.blocks[1].mlp = mlp
    assert sum(positions_processed(10, 30, True)) == 10 + 29
    assert sum(positions_processed(10, 30, False)) == 30 * 10 + 30 * 29 // 2


def test_generation_flops_against_closed_forms():
    V, d, N, T0 = 50, 16, 3, 7
    for n in (1, 5, 40):
        unc = sum(N * (24 * (T0 + s) * d * d + 4 * (T0 + s) ** 2 * d) + 2 * (T0 + s) * d * V for s in range(n))
        assert generation_flops(V, d, N, T0, n, False) == unc
        cached = gpt_forward_flops(V, d, N, 1, T0) + sum(N * (24 * d * d + 4 * (T0 + s) * d) + 2 * d * V
                                                         for s in range(1, n))
        assert generation_flops(V, d, N, T0, n, True) == cached
    # growth: doubling n multiplies the uncached work by ~8 (n^3 attention) and the cached by ~4 at most
    big_u = generation_flops(V, d, N, 0 + 1, 4096, False) / generation_flops(V, d, N, 1, 2048, False)
    big_c = generation_flops(V, d, N, 1, 4096, True) / generation_flops(V, d, N, 1, 2048, True)
    assert 6.0 < big_u <= 8.1 and 2.0 <= big_c <= 4.1, (big_u, big_c)
    assert generation_flops(V, d, N, T0, 0, True) == 0


@settings(max_examples=60, deadline=None)
@given(layers=st.integers(1, 4), heads=st.integers(1, 4), head_dim=st.integers(1, 9), max_len=st.integers(1, 20),
       batch=st.integers(1, 3), dtype=st.sampled_from([np.float16, np.float32, np.float64]))
def test_memory_formula_equals_the_arrays(layers, heads, head_dim, max_len, batch, dtype):
    cache = KVCache(layers, heads, head_dim, max_len, batch=batch, dtype=dtype)
    expected = kv_cache_bytes(layers, heads, max_len, head_dim, np.dtype(dtype).itemsize, batch=batch)
    assert cache.nbytes == expected == cache.keys.nbytes + cache.values.nbytes
    assert cache.keys.dtype == dtype and cache.keys.shape == (layers, batch, heads, max_len, head_dim)


def test_clear_errors():
    cache = KVCache(2, 2, 4, 6)
    with pytest.raises(ValueError, match=r"layer 0: 5 cached \+ 2 new = 7 > max_len 6"):
        cache.append(0, np.zeros((1, 2, 5, 4)), np.zeros((1, 2, 5, 4)))
        cache.append(0, np.zeros((1, 2, 2, 4)), np.zeros((1, 2, 2, 4)))
    with pytest.raises(ValueError, match=r"\(1, 3, 1, 4\)"):
        cache.append(1, np.zeros((1, 3, 1, 4)), np.zeros((1, 3, 1, 4)))
    with pytest.raises(ValueError, match="n_layers=2"):
        cache.append(2, np.zeros((1, 2, 1, 4)), np.zeros((1, 2, 1, 4)))
    with pytest.raises(ValueError, match="max_len"):
        KVCache(2, 2, 4, 0)
    model = GPT(11, 8, 8, 2, 1)
    with pytest.raises(ValueError, match=r"13 positions > context_length 8"):
        generate(model, Tensor(np.array([[1, 2, 3, 4]])), 10)
    assert generate(model, Tensor(np.array([[1, 2, 3, 4]])), 10, use_cache=False).shape == (1, 14), \
        "without the cache the window slides, as in module 13"
    with pytest.raises(ValueError, match=r"batch=1"):
        forward_cached(model, Tensor(np.zeros((2, 3), dtype=np.int64)), KVCache.for_model(model))
    with pytest.raises(ValueError, match=r"\(batch, time, 8\)"):
        cached_attention(model.blocks[0].attn, Tensor(np.zeros((1, 3, 5), dtype=np.float32)),
                         KVCache.for_model(model), 0)
    with pytest.raises(NotImplementedError):
        forward_cached(GPT(11, 8, 8, 2, 1, uniform_attention=True), Tensor(np.zeros((1, 2), dtype=np.int64)),
                       KVCache(1, 2, 4, 8))


def test_tokens_per_second_is_a_positive_rate():
    model = GPT(11, 16, 8, 2, 1)
    rate = tokens_per_second(model, Tensor(np.array([[1, 2]])), 5, use_cache=True, repeats=1)
    assert isinstance(rate, float) and rate > 0
