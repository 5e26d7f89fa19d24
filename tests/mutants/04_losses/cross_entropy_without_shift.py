"""cross_entropy without subtracting the row maximum: exp(1e4) overflows, and the loss of large logits becomes inf or nan instead of its exact value."""
CELL = "losses-cross-entropy-impl"
FIND = '''    m = x.max(axis=-1, keepdims=True)'''
REPLACE = '''    m = np.zeros_like(x.max(axis=-1, keepdims=True))'''
