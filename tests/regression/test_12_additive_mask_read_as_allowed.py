"""Regression: the original course's attention read a mask as 1/0 "allowed" and added (1 - mask) * -1e9, while
its GPT passed an additive 0/-inf causal mask; every allowed score got -1e9 and, in float32, attention became
a uniform average over the prefix (its milestone still passed). Here the additive causal mask a model builds
must give the same attention as the boolean one and as is_causal=True, with weights that follow the scores."""
import numpy as np

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.attention import causal_mask, scaled_dot_product_attention
from tinytorch.core.tensor import Tensor


def test_additive_causal_mask_is_not_read_as_allowed():
    rng = np.random.default_rng(0)
    q, k, v = (Tensor((rng.standard_normal((1, 2, 8, 4)) * 3).astype(np.float32)) for _ in range(3))
    allowed = causal_mask(8)
    additive = Tensor(np.where(allowed._data, 0.0, -np.inf).astype(np.float32))
    by_float = scaled_dot_product_attention(q, k, v, attn_mask=additive)._data
    by_bool = scaled_dot_product_attention(q, k, v, attn_mask=allowed)._data
    by_flag = scaled_dot_product_attention(q, k, v, is_causal=True)._data
    np.testing.assert_allclose(by_float, by_bool, atol=1e-6)
    np.testing.assert_allclose(by_float, by_flag, atol=1e-6)
    prefix_mean = np.cumsum(v._data, axis=2) / np.arange(1, 9)[:, None]
    assert np.abs(by_float - prefix_mean)[:, :, 1:].max() > 0.1, "attention is a uniform average of the prefix"
