"""Module 12 against PyTorch 2.13 in float64 (tolerance 1e-5) on random shapes: F.scaled_dot_product_attention
(no mask, causal, boolean and float masks, fully masked rows, scale, broadcasting) forward and gradients, and
nn.MultiheadAttention loaded with the state_dict of torch.nn.MultiheadAttention (both layouts, self- and
cross-attention, attn_mask / key_padding_mask in PyTorch's module convention, is_causal, the weights)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.attention import MultiheadAttention, causal_mask, scaled_dot_product_attention
from tinytorch.core.tensor import Tensor

torch = pytest.importorskip("torch", reason="PyTorch is not installed (.venv/bin/pip install torch==2.13.0)")
F = torch.nn.functional
TOL = dict(rtol=1e-5, atol=1e-5)
pytestmark = pytest.mark.torch


def _both(*arrays, grad=True):
    tiny = [Tensor(a.copy(), requires_grad=grad) for a in arrays]
    ref = [torch.tensor(a, requires_grad=grad) for a in arrays]
    return tiny, ref


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), mask=st.sampled_from(["none", "causal", "bool", "float", "bias"]),
       batch=st.sampled_from([(), (2,), (2, 3), (1, 2)]), L=st.integers(1, 7), S=st.integers(1, 7),
       E=st.integers(1, 6), Ev=st.integers(1, 5), scale=st.sampled_from([None, 0.5]))
def test_sdpa_forward_and_gradients_match_torch(seed, mask, batch, L, S, E, Ev, scale):
    rng = np.random.default_rng(seed)
    q, k, v = rng.standard_normal(batch + (L, E)), rng.standard_normal(batch + (S, E)), rng.standard_normal(batch + (S, Ev))
    tiny, ref = _both(q, k, v)
    kw_t, kw_r = {"scale": scale}, {"scale": scale}
    if mask == "causal":
        kw_t["is_causal"] = kw_r["is_causal"] = True
    elif mask == "bool":
        m = rng.random((L, S)) < 0.5                    # fully masked rows happen: zeros in both
        kw_t["attn_mask"], kw_r["attn_mask"] = Tensor(m), torch.from_numpy(m)
    elif mask == "float":
        m = np.where(rng.random(batch + (L, S)) < 0.6, 0.0, -np.inf)
        kw_t["attn_mask"], kw_r["attn_mask"] = Tensor(m), torch.from_numpy(m)
    elif mask == "bias":
        m = rng.standard_normal((L, S))
        mt, mr = Tensor(m.copy(), requires_grad=True), torch.tensor(m, requires_grad=True)
        kw_t["attn_mask"], kw_r["attn_mask"] = mt, mr
    out = scaled_dot_product_attention(*tiny, **kw_t)
    expected = F.scaled_dot_product_attention(*ref, **kw_r)
    np.testing.assert_allclose(out._data, expected.detach().numpy(), **TOL)
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)
    expected.backward(torch.from_numpy(upstream))
    for name, t, r in zip("qkv", tiny, ref):
        np.testing.assert_allclose(t.grad._data, r.grad.numpy(), **TOL, err_msg=f"d{name}")
    if mask == "bias":
        np.testing.assert_allclose(mt.grad._data, mr.grad.numpy(), **TOL, err_msg="d attn_mask")


def test_sdpa_broadcasts_batch_dimensions_like_torch():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((2, 1, 4, 3)), rng.standard_normal((1, 3, 5, 3)), rng.standard_normal((1, 3, 5, 2))
    tiny, ref = _both(q, k, v)
    out = scaled_dot_product_attention(*tiny, is_causal=True)
    expected = F.scaled_dot_product_attention(*ref, is_causal=True)
    np.testing.assert_allclose(out._data, expected.detach().numpy(), **TOL)
    out.sum().backward()
    expected.sum().backward()
    for t, r in zip(tiny, ref):
        np.testing.assert_allclose(t.grad._data, r.grad.numpy(), **TOL)


def test_fully_masked_rows_give_zeros_and_zero_gradients_as_torch_2_13():
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((2, 4, 3)) for _ in range(3))
    m = np.ones((4, 4), dtype=bool)
    m[2] = False
    tiny, ref = _both(q, k, v)
    out = scaled_dot_product_attention(*tiny, attn_mask=m)
    expected = F.scaled_dot_product_attention(*ref, attn_mask=torch.from_numpy(m))
    assert np.all(out._data[:, 2] == 0) and np.all(expected.detach().numpy()[:, 2] == 0)
    out.sum().backward()
    expected.sum().backward()
    for t, r in zip(tiny, ref):
        np.testing.assert_allclose(t.grad._data, r.grad.numpy(), **TOL)


def _torch_mha(E, H, batch_first, bias=True, seed=0):
    torch.manual_seed(seed)
    mha = torch.nn.MultiheadAttention(E, H, bias=bias, batch_first=batch_first, dtype=torch.float64)
    with torch.no_grad():                                # non-zero biases, so a missing bias shows
        for p in mha.parameters():
            if p.ndim == 1:
                p.normal_()
    return mha


def _loaded(ref_mha, E, H, batch_first, bias=True):
    mha = MultiheadAttention(E, H, bias=bias, batch_first=batch_first, dtype=np.float64)
    mha.load_state_dict(ref_mha.state_dict())
    assert list(mha.state_dict()) == list(ref_mha.state_dict())
    return mha


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), batch_first=st.booleans(), cross=st.booleans(), heads=st.sampled_from([1, 2, 4]),
       mask=st.sampled_from(["none", "bool", "float", "padding", "both", "causal", "per_head"]),
       need_weights=st.booleans(), average=st.booleans())
def test_multihead_attention_with_torch_state_dict_matches(seed, batch_first, cross, heads, mask, need_weights, average):
    rng = np.random.default_rng(seed)
    E, N, L = 4 * heads, 2, int(rng.integers(1, 6))
    S = int(rng.integers(1, 6)) if cross else L
    ref_mha = _torch_mha(E, heads, batch_first, seed=seed % 1000)
    mha = _loaded(ref_mha, E, heads, batch_first)
    layout = (lambda n, t: (n, t, E)) if batch_first else (lambda n, t: (t, n, E))
    xq = rng.standard_normal(layout(N, L))
    xk = rng.standard_normal(layout(N, S)) if cross else xq
    tq, rq = Tensor(xq.copy(), requires_grad=True), torch.tensor(xq, requires_grad=True)
    if cross:
        tk, rk = Tensor(xk.copy(), requires_grad=True), torch.tensor(xk, requires_grad=True)
    else:
        tk, rk = tq, rq
    kw = {"need_weights": need_weights, "average_attn_weights": average}
    kt, kr = dict(kw), dict(kw)
    blocked = rng.random((L, S)) < 0.3
    blocked[:, 0] = False                                    # keep a key for every query (torch gives NaN otherwise)
    padding = np.zeros((N, S), dtype=bool)
    padding[0, S - 1] = S > 1
    if mask in ("bool", "both"):
        kt["attn_mask"], kr["attn_mask"] = blocked, torch.from_numpy(blocked)
    if mask == "float":
        fm = rng.standard_normal((L, S))
        kt["attn_mask"], kr["attn_mask"] = fm, torch.from_numpy(fm)
    if mask == "per_head":
        ph = rng.standard_normal((N * heads, L, S))
        kt["attn_mask"], kr["attn_mask"] = ph, torch.from_numpy(ph)
    if mask in ("padding", "both"):
        kt["key_padding_mask"], kr["key_padding_mask"] = padding, torch.from_numpy(padding)
    if mask == "causal":
        cm = ~causal_mask(L, S)._data
        kt["is_causal"] = True
        kr["attn_mask"], kr["is_causal"] = torch.from_numpy(cm), True
    out, weights = mha(tq, tk, tk, **kt)
    expected, expected_w = ref_mha(rq, rk, rk, **kr)
    np.testing.assert_allclose(out._data, expected.detach().numpy(), **TOL)
    if need_weights:
        np.testing.assert_allclose(weights._data, expected_w.detach().numpy(), **TOL)
    else:
        assert weights is None and expected_w is None
    upstream = rng.standard_normal(out.shape)
    loss, ref_loss = (out * Tensor(upstream)).sum(), (expected * torch.from_numpy(upstream)).sum()
    if need_weights:                                         # a loss that reads the weights too
        uw = rng.standard_normal(weights.shape)
        loss, ref_loss = loss + (weights * Tensor(uw)).sum(), ref_loss + (expected_w * torch.from_numpy(uw)).sum()
    loss.backward()
    ref_loss.backward()
    np.testing.assert_allclose(tq.grad._data, rq.grad.numpy(), **TOL)
    if cross:
        np.testing.assert_allclose(tk.grad._data, rk.grad.numpy(), **TOL)
    for (name, p), (_, r) in zip(mha.named_parameters(), ref_mha.named_parameters()):
        np.testing.assert_allclose(p.grad._data, r.grad.numpy(), **TOL, err_msg=name)


def test_multihead_attention_without_bias_and_unbatched():
    ref_mha = _torch_mha(6, 3, batch_first=True, bias=False)
    mha = _loaded(ref_mha, 6, 3, batch_first=True, bias=False)
    assert mha.in_proj_bias is None and mha.out_proj.bias is None
    x = np.random.default_rng(2).standard_normal((5, 6))                  # unbatched (L, E)
    out, w = mha(Tensor(x), Tensor(x), Tensor(x))
    expected, expected_w = ref_mha(torch.from_numpy(x), torch.from_numpy(x), torch.from_numpy(x))
    np.testing.assert_allclose(out._data, expected.detach().numpy(), **TOL)
    np.testing.assert_allclose(w._data, expected_w.detach().numpy(), **TOL)


def test_multihead_attention_default_init_follows_torch():
    mha = MultiheadAttention(16, 4)
    assert np.all(mha.in_proj_bias._data == 0) and np.all(mha.out_proj.bias._data == 0)
    bound = np.sqrt(6 / (16 + 48))                                         # xavier_uniform on (48, 16)
    assert np.abs(mha.in_proj_weight._data).max() <= bound and np.abs(mha.in_proj_weight._data).max() > 0.8 * bound
    assert mha.in_proj_weight.dtype == np.float32
