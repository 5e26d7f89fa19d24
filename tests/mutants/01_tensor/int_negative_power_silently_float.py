"""An int tensor to a negative int power silently becomes float (the old behaviour) instead of raising
PyTorch's RuntimeError: programs ported from PyTorch change meaning without a word."""
CELL = "tensor-elementwise"
FIND = '''        raise RuntimeError("Integers to negative integer powers are not allowed.")'''
REPLACE = '''        base = base.astype(DEFAULT_DTYPE)'''
