"""Gradient-oracle case for module 13's op: layer_norm (F.layer_norm).

Loaded by tests/05_autograd/test_autograd_oracle.py (see tests/12_attention/attention_oracle_cases.py).
The draw covers one or two normalised dimensions, leading dimensions (none included), with and without
weight and bias, and eps; inputs come in contiguous, strided and transposed layouts.
"""
from __future__ import annotations

from hypothesis import strategies as st


def layer_norm_draw(oracle):
    arrays = oracle.arrays

    def draw(data):
        shape = data.draw(oracle.shapes(min_dims=1, max_dims=3, max_side=4), label="shape")
        n_norm = data.draw(st.integers(1, min(2, len(shape))), label="normalised dims")
        normalized = tuple(shape[len(shape) - n_norm:])
        inputs = [data.draw(arrays(shape))]
        affine = data.draw(st.sampled_from(["none", "weight", "both"]), label="affine")
        if affine != "none":
            inputs.append(data.draw(arrays(normalized)))
        if affine == "both":
            inputs.append(data.draw(arrays(normalized)))
        return inputs, {"normalized_shape": normalized, "eps": data.draw(st.sampled_from([1e-5, 0.1]))}
    return draw


def add_cases(case, oracle, api):
    """Register module 13's op with the oracle's `case(op, **fields)`."""
    case("layer_norm", module="transformers", draw=layer_norm_draw(oracle),
         tiny=lambda x, *wb, normalized_shape, eps: api("transformers").layer_norm(x, normalized_shape, *wb, eps=eps),
         torch=lambda x, *wb, normalized_shape, eps: oracle.torch.nn.functional.layer_norm(x, normalized_shape, *wb,
                                                                                          eps=eps))
