"""Probes that fail on the classic attention bugs, run on the exported package (float32, as a model runs):
a boolean mask equals its additive form, attention weights are not uniform, causality, the 1/sqrt(d_k) scale,
the mask helpers, dropout, and clear errors."""
import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.attention import (MultiheadAttention, causal_mask, mask_to_additive,
                                      scaled_dot_product_attention, softmax_rows)
from tinytorch.core.tensor import Tensor, manual_seed


def _qkv(seed, shape=(2, 3, 6, 8), dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [Tensor((rng.standard_normal(shape) * 2).astype(dtype)) for _ in range(3)]


@pytest.mark.parametrize("seed", range(5))
def test_boolean_mask_equals_its_additive_form_in_float32(seed):
    q, k, v = _qkv(seed)
    allowed = np.random.default_rng(seed).random((6, 6)) < 0.6
    allowed[:, 0] = True
    additive = np.where(allowed, 0.0, -np.inf).astype(np.float32)
    a = scaled_dot_product_attention(q, k, v, attn_mask=Tensor(allowed))._data
    b = scaled_dot_product_attention(q, k, v, attn_mask=Tensor(additive))._data
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert not np.allclose(a, scaled_dot_product_attention(q, k, v)._data, atol=1e-3), "the mask must matter"


def test_weights_are_not_uniform_and_follow_the_scores():
    q = Tensor(np.array([[[1.0, 0.0]]], dtype=np.float32))
    k = Tensor(np.array([[[4.0, 0.0], [0.0, 4.0], [-4.0, 0.0]]], dtype=np.float32))
    v = Tensor(np.eye(3, dtype=np.float32)[None])
    w = scaled_dot_product_attention(q, k, v, attn_mask=Tensor(np.zeros((1, 3), dtype=np.float32)))._data[0, 0]
    s = np.array([4.0, 0.0, -4.0]) / np.sqrt(2)
    np.testing.assert_allclose(w, np.exp(s) / np.exp(s).sum(), rtol=1e-5)
    _, weights = MultiheadAttention(8, 2, batch_first=True)(*(_qkv(1, (2, 5, 8))[:1] * 3))
    assert weights._data.std(axis=-1).max() > 1e-4, "MultiheadAttention's weights must not be uniform"


@pytest.mark.parametrize("T, k", [(6, 2), (9, 0), (9, 7)])
def test_causality_probe(T, k):
    rng = np.random.default_rng(T + k)
    x = rng.standard_normal((2, 2, T, 4)).astype(np.float32)
    y = x.copy()
    y[:, :, k + 1:] = rng.standard_normal(y[:, :, k + 1:].shape)
    a = scaled_dot_product_attention(Tensor(x), Tensor(x), Tensor(x), is_causal=True)._data
    b = scaled_dot_product_attention(Tensor(y), Tensor(y), Tensor(y), is_causal=True)._data
    assert np.abs(a[:, :, :k + 1] - b[:, :, :k + 1]).max() <= 1e-6
    assert np.abs(a[:, :, k + 1:] - b[:, :, k + 1:]).max() > 1e-3


def test_default_scale_is_one_over_sqrt_dk():
    q, k, v = _qkv(7, (1, 4, 16), np.float64)
    np.testing.assert_allclose(scaled_dot_product_attention(q, k, v)._data,
                               scaled_dot_product_attention(q, k, v, scale=0.25)._data)
    assert not np.allclose(scaled_dot_product_attention(q, k, v)._data, scaled_dot_product_attention(q, k, v, scale=1.0)._data)


def test_causal_mask_with_start_is_bottom_right_for_a_cache():
    assert causal_mask(3)._data.tolist() == np.tril(np.ones((3, 3), dtype=bool)).tolist()
    full = causal_mask(7)._data
    assert np.array_equal(causal_mask(3, start=4)._data, full[4:]), "the last 3 queries of 7 see what they would"
    assert causal_mask(2, 5)._data.tolist() == [[True, False, False, False, False], [True, True, False, False, False]]


def test_softmax_rows_range_and_masked_rows():
    s = np.array([[1000.0, 999.0, -np.inf], [-np.inf, -np.inf, -np.inf]], dtype=np.float32)
    p = softmax_rows(s)
    assert p is s and np.isfinite(p).all()
    np.testing.assert_allclose(p[0], [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1)), 0.0], rtol=1e-6)
    assert np.all(p[1] == 0)


def test_dropout_is_seeded_inverted_and_off_at_zero():
    q, k, v = _qkv(3, (2, 2, 5, 4), np.float64)
    base = scaled_dot_product_attention(q, k, v, dropout_p=0.0)._data
    manual_seed(11)
    a = scaled_dot_product_attention(q, k, v, dropout_p=0.5)._data
    manual_seed(11)
    b = scaled_dot_product_attention(q, k, v, dropout_p=0.5)._data
    assert np.array_equal(a, b) and not np.allclose(a, base)
    ones = Tensor(np.ones((1, 2000, 1)))
    manual_seed(0)
    kept = scaled_dot_product_attention(Tensor(np.zeros((1, 1, 1))), ones, ones, dropout_p=0.3)._data.item()
    assert abs(kept - 1.0) < 0.1, "inverted dropout keeps the expected value"
    assert np.all(scaled_dot_product_attention(q, k, v, dropout_p=1.0)._data == 0)


def test_clear_errors():
    q, k, v = _qkv(0, (2, 4, 3), np.float64)
    with pytest.raises(ValueError, match="both"):
        scaled_dot_product_attention(q, k, v, attn_mask=causal_mask(4), is_causal=True)
    with pytest.raises(ValueError, match=r"\(2, 4, 5\)"):
        scaled_dot_product_attention(q, Tensor(np.zeros((2, 4, 5))), v)
    with pytest.raises(ValueError, match="length"):
        scaled_dot_product_attention(q, k, Tensor(np.zeros((2, 3, 3))))
    with pytest.raises(TypeError, match="int64"):
        mask_to_additive(np.ones((4, 4), dtype=np.int64), np.float32)
    with pytest.raises(TypeError, match="dtype"):
        scaled_dot_product_attention(q, k, Tensor(v._data.astype(np.float32)))
    with pytest.raises(ValueError, match="broadcast"):
        scaled_dot_product_attention(q, k, v, attn_mask=np.ones((3, 3), dtype=bool))
    with pytest.raises(ValueError, match="num_heads"):
        MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="key_padding_mask"):
        m = MultiheadAttention(4, 2, batch_first=True)
        x = Tensor(np.zeros((2, 3, 4), dtype=np.float32))
        m(x, x, x, key_padding_mask=np.zeros((3, 2), dtype=bool))
