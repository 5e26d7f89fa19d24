"""The softmax replaced by a uniform average over the allowed keys: a uniform-attention model.
It still respects the mask (so causality probes pass) and a position-only task can still be learned."""
CELL = "attention-fused-op"
FIND = '''    np.exp(scores, out=scores)'''
REPLACE = '''    scores[...] = np.where(np.isfinite(scores), 1.0, 0.0)'''
