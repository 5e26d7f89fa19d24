"""Dropout multiplying the raw arrays: right values, but the mask is applied outside autograd, so nothing before the dropout gets a gradient."""
CELL = "layers-dropout"
FIND = '''    return x * Tensor(mask)'''
REPLACE = '''    return Tensor(x._data * mask)'''
