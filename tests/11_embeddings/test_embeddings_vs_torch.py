"""Module 11 against PyTorch 2.13 (float64, 1e-5): F.embedding and nn.Embedding forward and gradients on
random shapes with repeated ids and padding_idx, max_norm's in-place renormalisation, state_dict loading;
positional encodings against the formula; the op and its rule are declared by module 11."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinytorch
from tinytorch.core.tensor import Tensor
from tinytorch.text import (
    Embedding, LearnedPositionalEmbedding, SinusoidalPositionalEncoding, embedding, sinusoidal_table,
)

torch = pytest.importorskip("torch")
TOL = dict(rtol=1e-5, atol=1e-5)


@st.composite
def lookups(draw):
    num = draw(st.integers(1, 30))
    dim = draw(st.integers(1, 9))
    shape = tuple(draw(st.lists(st.integers(1, 7), min_size=1, max_size=3)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    high = draw(st.sampled_from([num, min(num, 3)]))             # often only a few rows: many repeats
    ids = rng.integers(0, high, size=shape)
    weight = rng.standard_normal((num, dim))
    upstream = rng.standard_normal(shape + (dim,))
    padding_idx = draw(st.one_of(st.none(), st.integers(-num, num - 1)))
    return ids, weight, upstream, padding_idx


@given(lookups())
@settings(max_examples=150, deadline=None)
def test_functional_embedding_matches_torch(case):
    ids, weight, upstream, padding_idx = case
    w = Tensor(weight.copy(), requires_grad=True)
    out = embedding(Tensor(ids), w, padding_idx=padding_idx)
    out.backward(upstream)
    tw = torch.tensor(weight, requires_grad=True)
    tout = torch.nn.functional.embedding(torch.tensor(ids), tw, padding_idx=padding_idx)
    tout.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out._data, tout.detach().numpy(), **TOL)
    np.testing.assert_allclose(w.grad._data, tw.grad.numpy(), **TOL)


@given(lookups())
@settings(max_examples=60, deadline=None)
def test_module_matches_torch_with_same_state_dict(case):
    ids, weight, upstream, padding_idx = case
    num, dim = weight.shape
    ref = torch.nn.Embedding(num, dim, padding_idx=padding_idx, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(weight))
    ours = tinytorch.nn.Embedding(num, dim, padding_idx=padding_idx, dtype=np.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    assert list(ours.state_dict()) == list(ref.state_dict()) == ["weight"]
    out = ours(Tensor(ids))
    out.backward(upstream)
    tout = ref(torch.tensor(ids))
    tout.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out._data, tout.detach().numpy(), **TOL)
    np.testing.assert_allclose(ours.weight.grad._data, ref.weight.grad.numpy(), **TOL)


@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (0.5, 1.0), (2.0, 3.0)])
def test_max_norm_renormalises_in_place_like_torch(max_norm, norm_type):
    rng = np.random.default_rng(3)
    weight = rng.standard_normal((8, 5)) * 2
    ids = np.array([[1, 3, 3], [7, 1, 0]])
    ours = Tensor(weight.copy(), requires_grad=True)
    out = embedding(Tensor(ids), ours, max_norm=max_norm, norm_type=norm_type)
    theirs = torch.tensor(weight.copy(), requires_grad=True)
    tout = torch.nn.functional.embedding(torch.tensor(ids), theirs, max_norm=max_norm, norm_type=norm_type)
    np.testing.assert_allclose(out._data, tout.detach().numpy(), **TOL)
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), **TOL)     # the weight itself changed
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    tout.backward(torch.tensor(upstream))
    np.testing.assert_allclose(ours.grad._data, theirs.grad.numpy(), **TOL)


def test_default_init_and_padding_row_like_torch():
    tinytorch.manual_seed(0)
    emb = tinytorch.nn.Embedding(1000, 16, padding_idx=3)
    assert np.all(emb.weight._data[3] == 0)
    rest = np.delete(emb.weight._data, 3, axis=0)
    assert abs(rest.mean()) < 0.02 and abs(rest.std() - 1) < 0.02, "N(0, 1), like torch.nn.Embedding"
    assert repr(emb) == repr(torch.nn.Embedding(1000, 16, padding_idx=3))


def test_errors_name_what_is_wrong():
    w = Tensor(np.zeros((4, 2)))
    with pytest.raises(IndexError, match="id 4 is out of range.*num_embeddings=4"):
        embedding(Tensor(np.array([0, 4])), w)
    with pytest.raises(IndexError, match="id -1"):
        embedding(np.array([-1]), w)
    with pytest.raises(TypeError, match="integer ids"):
        embedding(Tensor(np.array([0.0])), w)
    with pytest.raises(ValueError, match=r"weight must be a 2-D Tensor.*\(4,\)"):
        embedding(np.array([0]), Tensor(np.zeros(4)))
    with pytest.raises(ValueError, match="padding_idx"):
        tinytorch.nn.Embedding(4, 2, padding_idx=4)
    with pytest.raises(ValueError, match="num_embeddings must be a positive integer"):
        tinytorch.nn.Embedding(0, 2)


def _torch_sinusoidal(max_len, d):
    """The formula written independently with torch ops (the 'Annotated Transformer' form)."""
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float64) * (-np.log(10000.0) / d))
    pe = torch.zeros(max_len, d, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)[:, : d // 2]
    return pe.numpy()


@pytest.mark.parametrize("max_len, d", [(50, 6), (7, 32), (32, 32), (128, 64), (5, 1), (9, 7)])
def test_sinusoidal_table_matches_formula(max_len, d):
    np.testing.assert_allclose(sinusoidal_table(max_len, d), _torch_sinusoidal(max_len, d), rtol=1e-12, atol=1e-12)


@given(st.integers(1, 40), st.integers(1, 16), st.data())
@settings(max_examples=60, deadline=None)
def test_positions_from_any_start(max_len, d, data):
    start = data.draw(st.integers(0, max_len - 1))
    seq_len = data.draw(st.integers(0, max_len - start))
    enc = SinusoidalPositionalEncoding(max_len, d)
    np.testing.assert_allclose(enc(seq_len, start=start)._data, _torch_sinusoidal(max_len, d)[start:start + seq_len],
                               atol=1e-6)
    learned = LearnedPositionalEmbedding(max_len, d)
    out = learned(seq_len, start=start)
    np.testing.assert_array_equal(out._data, learned.weight._data[start:start + seq_len])
    if seq_len:
        out.sum().backward()
        used = np.zeros(max_len, dtype=bool)
        used[start:start + seq_len] = True
        assert np.all(learned.weight.grad._data[used] == 1) and np.all(learned.weight.grad._data[~used] == 0)
    with pytest.raises(ValueError, match=f"max_len={max_len}"):
        enc(max_len - start + 1, start=start)
    with pytest.raises(ValueError, match=f"max_len={max_len}"):
        learned(max_len - start + 1, start=start)


def test_one_token_repeated_differs_across_positions():
    """The probe of milestone 05 in miniature: the same token at different positions gives different inputs."""
    emb, pos = tinytorch.nn.Embedding(10, 16), SinusoidalPositionalEncoding(64, 16)
    x = emb(Tensor(np.full(20, 7))) + pos(20)
    rows = x._data
    assert min(np.abs(rows[i] - rows[j]).max() for i in range(20) for j in range(i)) > 1e-3


def test_op_and_rule_declared_by_module_11():
    from tinytorch.core.autograd import GRADIENTS
    from tinytorch.core.tensor import OPS
    assert OPS["embedding"] == "11_embeddings"
    assert GRADIENTS["embedding"].__module__ == "tinytorch.text.embeddings"


def test_nn_and_functional_expose_embedding():
    assert tinytorch.nn.Embedding is Embedding
    assert tinytorch.nn.functional.embedding is embedding
