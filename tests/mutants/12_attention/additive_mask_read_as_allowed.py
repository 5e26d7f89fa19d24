"""A float (additive 0/-inf) mask read as a 1/0 "allowed" mask, (1 - mask) * -1e9: the original course's bug.
Every allowed score gets -1e9, which in float32 swamps the score, so attention becomes a uniform average."""
CELL = "attention-masks"
FIND = '''    return mask.astype(dtype, copy=False)'''
REPLACE = '''    return ((1.0 - mask) * -1e9).astype(dtype)'''
