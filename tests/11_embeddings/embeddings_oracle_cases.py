"""Gradient-oracle case for module 11's op: embedding.

Not a test file by itself: tests/05_autograd/test_autograd_oracle.py loads every tests/*/*_oracle_cases.py
and calls `add_cases(case, oracle, api)`, so its coverage test (every op in OPS has a case) finds this one,
and the case runs there against central finite differences and PyTorch. The draw covers index tensors of
0 to 3 dimensions with repeated ids (a small table) and a weight in a drawn memory layout. padding_idx
is not drawn: its zero gradient is a convention, not the derivative, so central differences disagree
with it by design; tests/11_embeddings/test_embeddings_vs_torch.py checks it against PyTorch.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


def embedding_draw(oracle):
    arrays = oracle.arrays

    def draw(data):
        num = data.draw(st.integers(1, 6), label="num_embeddings")
        dim = data.draw(st.integers(1, 4), label="embedding_dim")
        shape = data.draw(oracle.shapes(min_dims=0, max_dims=3), label="ids shape")
        rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
        ids = rng.integers(0, num, size=shape).astype(np.int64)          # few rows: repeats are the rule
        return [ids, data.draw(arrays((num, dim)))], {}
    return draw


def add_cases(case, oracle, api):
    """Register module 11's op with the oracle's `case(op, **fields)`."""
    case("embedding", module="embeddings", draw=embedding_draw(oracle),
         tiny=lambda ids, w: api("embeddings").embedding(ids, w),
         torch=lambda ids, w: oracle.torch.nn.functional.embedding(ids, w))
