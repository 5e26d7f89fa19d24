"""The sinusoidal frequencies divide by max_len instead of d_model: the argument-order swap that went unnoticed in the original course because both sizes were 32."""
CELL = "embeddings-positional"
FIND = '''    freq = 10000.0 ** (-np.arange(0, d_model, 2, dtype=np.float64) / d_model)'''
REPLACE = '''    freq = 10000.0 ** (-np.arange(0, d_model, 2, dtype=np.float64) / max_len)'''
