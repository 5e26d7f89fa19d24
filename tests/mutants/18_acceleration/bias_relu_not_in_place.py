"""bias_relu_ computes max(x + b, 0) into new arrays and copies back: right values, two x-sized temporaries instead of none."""
CELL = "acceleration-fused"
FIND = '''    np.add(x, bias, out=x)
    np.maximum(x, 0, out=x)'''
REPLACE = '''    x[...] = np.maximum(x + bias, 0)'''
