"""The attention gradient without the softmax's row-sum term: dS = P * dP instead of P * (dP - rowsum(dP * P)).
Forward values are right and training still moves, so only a gradient check catches it."""
CELL = "attention-fused-op"
FIND = '''    ds -= np.sum(ds * probs, axis=-1, keepdims=True)'''
REPLACE = '''    ds -= 0.0'''
