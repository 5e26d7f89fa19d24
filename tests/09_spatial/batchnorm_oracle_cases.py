"""Gradient-oracle cases for "batch_norm" (module 09's support file tinytorch.core.normalization): training
mode (batch statistics, whose dependence on x the rule must include) and eval mode (fixed running
statistics), with and without the affine weight and bias, on (N, C), (N, C, L) and (N, C, H, W) inputs.

Not a test file by itself: tests/05_autograd/test_autograd_oracle.py loads it (add_cases)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


def add_cases(case, oracle, api):
    def draw(data):
        n = data.draw(st.integers(2, 3), label="batch")
        c = data.draw(st.integers(1, 3), label="channels")
        rest = data.draw(st.sampled_from([(), (3,), (2, 2)]), label="spatial")
        affine = data.draw(st.booleans(), label="affine")
        training = data.draw(st.booleans(), label="training")
        inputs = [data.draw(oracle.arrays((n, c) + rest))]
        if affine:
            inputs += [data.draw(oracle.arrays((c,))), data.draw(oracle.arrays((c,)))]
        rng = np.random.default_rng(data.draw(st.integers(0, 1000), label="stats seed"))
        stats = (rng.standard_normal(c), rng.uniform(0.5, 2.0, c))
        return inputs, {"training": training, "stats": stats, "eps": 1e-5}

    def tiny(x, w=None, b=None, *, training, stats, eps):
        from tinytorch.core.normalization import batch_norm
        from tinytorch.core.tensor import Tensor
        if training:
            return batch_norm(x, None, None, w, b, True, 0.1, eps)
        return batch_norm(x, Tensor(stats[0]), Tensor(stats[1]), w, b, False, 0.1, eps)

    def torch_fn(x, w=None, b=None, *, training, stats, eps):
        torch = oracle.torch
        if training:
            return torch.nn.functional.batch_norm(x, None, None, w, b, True, 0.1, eps)
        return torch.nn.functional.batch_norm(x, torch.tensor(stats[0]), torch.tensor(stats[1]), w, b, False,
                                              0.1, eps)

    case("batch_norm", module="spatial", draw=draw, tiny=tiny, torch=torch_fn)
