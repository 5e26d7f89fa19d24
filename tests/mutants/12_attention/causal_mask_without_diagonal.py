"""The causal mask built with j < i instead of j <= i: a token cannot attend to itself, and the first
position has no key at all (its output is zeros)."""
CELL = "attention-masks"
FIND = '''    return Tensor.from_array(np.arange(key_len)[None, :] <= rows)'''
REPLACE = '''    return Tensor.from_array(np.arange(key_len)[None, :] < rows)'''
