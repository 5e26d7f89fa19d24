"""sigmoid as 1 / (1 + exp(-x)) with overflow warnings silenced: returns 0 where exp(-x) overflows (float32 x = -95) although sigmoid(x) is still representable; log(sigmoid) becomes -inf."""
CELL = "activations-sigmoid"
FIND = '''    out = np.exp(np.minimum(w, 0)) / (1 + np.exp(-np.abs(w)))'''
REPLACE = '''    with np.errstate(all="ignore"):
        out = 1 / (1 + np.exp(-w))'''
