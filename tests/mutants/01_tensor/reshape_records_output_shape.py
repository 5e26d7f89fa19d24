"""reshape records the OUTPUT shape in its attrs instead of the input's. Autograd (module 05) reshapes the
gradient back to attrs["shape"], so every gradient through a reshape (flatten, view, heads) gets the wrong
shape; the review found this scoring full marks."""
CELL = "tensor-shape-ops"
FIND = '''    return record_op(out, "reshape", (a,), {"shape": a._data.shape})'''
REPLACE = '''    return record_op(out, "reshape", (a,), {"shape": out.shape})'''
