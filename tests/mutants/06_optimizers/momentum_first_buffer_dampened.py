"""The first momentum buffer is (1 - dampening) * g instead of g itself (PyTorch's convention): with
dampening the first steps are too small, and the trajectory differs from PyTorch's."""
CELL = "optimizers-sgd"
FIND = '''                buf = np.array(grad, copy=True)'''
REPLACE = '''                buf = np.array((1 - dampening) * grad, copy=True)'''
