"""top_k ignored when sampling: generation draws from the whole vocabulary, so a "top-k" sample can pick
a token the user excluded."""
CELL = "transformers-next-token"
FIND = '''        z = np.where(z < kth, -np.inf, z)'''
REPLACE = '''        z = z + 0.0 * kth'''
