"""The weight gradient averages over the batch instead of summing: dW is N times too small, so the
weights of a conv layer learn N times slower than autograd says (the loss is a sum over the batch's terms)."""
CELL = "spatial-conv2d-op"
FIND = '''        gw = parallel_matmul(G, cols.transpose(0, 2, 1)).reshape(weight.shape)'''
REPLACE = '''        gw = (parallel_matmul(G, cols.transpose(0, 2, 1)) / n).reshape(weight.shape)'''
