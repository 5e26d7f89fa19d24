"""LayerNorm's op normalising with the unbiased variance (divide by D - 1): not PyTorch's LayerNorm, and 13%
off for D = 4. The original course's LayerNorm also got this layer wrong."""
CELL = "transformers-ln-op"
FIND = '''    var = np.mean(centred * centred, axis=axes, keepdims=True)'''
REPLACE = '''    var = np.sum(centred * centred, axis=axes, keepdims=True) / (centred.size / mu.size - 1)'''
