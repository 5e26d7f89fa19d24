"""bench workload `kv_cache`: module 17's KV cache, generation with and without it, tinytorch alone
(registered in bench/run.py; the speed-up is a ratio of two tinytorch runs, so no PyTorch side).

The model: module 13's GPT (vocabulary 96, context 336, d_model 128, 4 heads, 2 layers, GPT-2 init), one
sequence (batch 1), a 64-token prompt (a short instruction; the longer the prompt, the more the uncached
loop recomputes and the larger the ratio: module 17 also measures a 16-token prompt), greedy decoding of 64, 128 and 256 new tokens with
`tinytorch.perf.memoization.generate(use_cache=True)` and with the plain loop (`use_cache=False`), each
the fastest of a few runs with BLAS pinned to one thread (tinytorch.utils.timing.best_time). The two must
produce the same tokens (checked). The targets (issue 15): >= 3x at 128 new tokens, >= 8x at 256. The load
average is recorded before and after: on a loaded machine every ratio shrinks.
"""
from __future__ import annotations

import os

import numpy as np

VOCAB, CONTEXT, D_MODEL, N_HEADS, N_LAYERS, PROMPT = 96, 336, 128, 4, 2, 64
NEW_TOKENS = (64, 128, 256)


def kv_cache(tt, torch, quick):
    try:
        from tinytorch.models.transformer import GPT
        from tinytorch.perf.memoization import generate
    except ImportError as exc:
        return {"skipped": f"module 17 (memoization) or 13 is not exported: {exc}"}
    from tinytorch.core.tensor import Tensor, manual_seed
    from tinytorch.utils.timing import best_time

    manual_seed(0)
    model = GPT(VOCAB, CONTEXT, D_MODEL, N_HEADS, N_LAYERS)
    prompt = Tensor(np.random.default_rng(0).integers(0, VOCAB, size=(1, PROMPT)))
    same = np.array_equal(generate(model, prompt, 64).numpy(), generate(model, prompt, 64, use_cache=False).numpy())
    out = {"unit": "x speed-up of cached over uncached generation at 256 new tokens",
           "same_tokens": bool(same), "load_before": os.getloadavg()[0]}
    for n in NEW_TOKENS:
        cached = best_time(lambda: generate(model, prompt, n, use_cache=True), repeats=1 if quick else 3)
        plain = best_time(lambda: generate(model, prompt, n, use_cache=False), repeats=1 if quick else 2)
        out[f"speedup_{n}"] = plain / cached
        out[f"cached_tokens_per_s_{n}"] = n / cached
        out[f"uncached_tokens_per_s_{n}"] = n / plain
    out["load_after"] = os.getloadavg()[0]
    out["tinytorch"] = out["speedup_256"]
    return out
