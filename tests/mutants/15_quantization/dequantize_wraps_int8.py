"""dequantize subtracts the zero point in int8: q - z wraps around (e.g. -128 - 100), giving garbage far from the range's ends."""
CELL = "quantization-affine"
FIND = '''    return ((np.asarray(q).astype(np.int32) - zero_point) * scale).astype(np.float32)'''
REPLACE = '''    return ((np.asarray(q) - np.int8(zero_point)) * scale).astype(np.float32)'''
