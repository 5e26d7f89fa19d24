"""is_c_contiguous compares every stride, even of length-1 axes (never stepped): x[:, :1] or x[1:2, ::3] is reported non-contiguous and copied for nothing."""
CELL = "acceleration-layout"
FIND = '''    return all(size == 1 or got == want for size, got, want in zip(x.shape, x.strides, expected))'''
REPLACE = '''    return tuple(x.strides) == expected'''
