"""Dropout that zeroes with probability p but does not scale the survivors by 1/(1-p): the expected activation shrinks in training and differs from eval."""
CELL = "layers-dropout"
FIND = '''        mask = keep.astype(x.dtype) / x.dtype.type(1.0 - p)'''
REPLACE = '''        mask = keep.astype(x.dtype)'''
