"""The weight gradient averages over the batch instead of summing: dW is N times too small, so the
weights of a conv layer learn N times slower than autograd says (the loss is a sum over the batch's terms)."""
CELL = "spatial-conv2d-op"
FIND = '''        gw = sum(dw for dw, _ in parts.values()).reshape(weight.shape)'''
REPLACE = '''        gw = (sum(dw for dw, _ in parts.values()) / n).reshape(weight.shape)'''
