"""The weight gradient averages over the batch instead of summing: dW is N times too small, so the
weights of a conv layer learn N times slower than autograd says (the loss is a sum over the batch's terms)."""
CELL = "spatial-conv2d-op"
FIND = '''        gw = gw_each.sum(axis=0).reshape(weight.shape)'''
REPLACE = '''        gw = gw_each.mean(axis=0).reshape(weight.shape)'''
