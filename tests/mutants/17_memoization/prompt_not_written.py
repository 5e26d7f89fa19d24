"""The prompt is run without the cache, so it is never written: decoding starts from an empty cache at position 0 (the original course's first KV-cache bug)."""
CELL = "memoization-generate"
FIND = '''            pick(forward_cached(model, Tensor(ids), cache).numpy()[:, -1, :])          # prefill: the whole prompt'''
REPLACE = '''            pick(model(Tensor(ids)).numpy()[:, -1, :])          # prompt run by the plain model: never cached'''
