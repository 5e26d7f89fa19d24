"""unbroadcast sums only the leading axes: a (3, 1) input broadcast along its size-1 axis gets a (3, 4) gradient (or a wrong shape) instead of the sum over that axis."""
CELL = "autograd-registry"
FIND = '''    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)'''
REPLACE = '''    axes = ()'''
