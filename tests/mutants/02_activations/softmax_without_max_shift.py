"""softmax straight from the definition, without subtracting the slice maximum: exp overflows to inf and inf / inf gives nan for large logits."""
CELL = "activations-softmax"
FIND = '''        shifted = w - w.max(axis=d, keepdims=True)
        e = np.exp(shifted)'''
REPLACE = '''        e = np.exp(w)'''
