"""Gradient-oracle case for module 12's op: scaled_dot_product_attention.

Not a test file by itself: tests/05_autograd/test_autograd_oracle.py loads every tests/*/*_oracle_cases.py
and calls `add_cases(case, oracle, api)`, so that its coverage test (every op in OPS has a case) finds it,
and the case runs there against central finite differences (float64) and PyTorch.

The draw covers batch dimensions (0 to 2, broadcasting between query and key/value), query and key lengths
that differ, value width different from the key width, an explicit scale, and four kinds of mask: none,
is_causal, a boolean mask (some rows fully masked: PyTorch 2.13 returns zeros there, and so do we) and a
float mask that is itself differentiated (it is the op's fourth input).
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


def sdpa_draw(oracle):
    arrays = oracle.arrays

    def draw(data):
        batch = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2), label="batch"))
        kv_batch = tuple(1 if data.draw(st.booleans()) else n for n in batch)     # broadcast some dims
        L, S = data.draw(st.integers(1, 4), label="L"), data.draw(st.integers(1, 5), label="S")
        E, Ev = data.draw(st.integers(1, 4), label="E"), data.draw(st.integers(1, 3), label="Ev")
        inputs = [data.draw(arrays(batch + (L, E))), data.draw(arrays(kv_batch + (S, E))),
                  data.draw(arrays(kv_batch + (S, Ev)))]
        kw = {"scale": data.draw(st.sampled_from([None, None, 0.3, 1.7]), label="scale"),
              "is_causal": False, "bool_mask": None}
        kind = data.draw(st.sampled_from(["none", "causal", "bool", "float"]), label="mask")
        rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
        if kind == "causal":
            kw["is_causal"] = True
        elif kind == "bool":
            kw["bool_mask"] = rng.random((L, S)) < 0.6
        elif kind == "float":
            inputs.append(data.draw(arrays((L, S))))
        return inputs, kw
    return draw


def _tiny(api):
    def run(q, k, v, mask=None, scale=None, is_causal=False, bool_mask=None):
        attn = mask if mask is not None else bool_mask
        return api("attention").scaled_dot_product_attention(q, k, v, attn_mask=attn, is_causal=is_causal,
                                                             scale=scale)
    return run


def _torch(oracle):
    def run(q, k, v, mask=None, scale=None, is_causal=False, bool_mask=None):
        attn = mask if mask is not None else (None if bool_mask is None else oracle.torch.from_numpy(bool_mask))
        return oracle.torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=attn,
                                                                       is_causal=is_causal, scale=scale)
    return run


def add_cases(case, oracle, api):
    """Register module 12's op with the oracle's `case(op, **fields)`."""
    case("scaled_dot_product_attention", module="attention", draw=sdpa_draw(oracle), tiny=_tiny(api),
         torch=_torch(oracle))
