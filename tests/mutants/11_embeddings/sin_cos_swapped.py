"""The sinusoidal table puts cosines in the even columns and sines in the odd ones (sin/cos swapped)."""
CELL = "embeddings-positional"
FIND = '''    table[:, 0::2] = np.sin(angles)
    table[:, 1::2] = np.cos(angles[:, : d_model // 2])'''
REPLACE = '''    table[:, 0::2] = np.cos(angles)
    table[:, 1::2] = np.sin(angles[:, : d_model // 2])'''
