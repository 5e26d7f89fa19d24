"""On small images (2 * out_w <= N) the product, laid out (C_out, out_h, out_w, N), is reshaped to (N, C_out,
out_h, out_w) instead of viewed through a transpose: the same numbers in the same memory, read as the wrong
images, channels and pixels. Only a batch of small images takes that path."""
CELL = "spatial-conv2d-op"
FIND = '''        return record_op(out.reshape((out_c,) + out_size + (n,)).transpose(3, 0, 1, 2), CONV2D, inputs, attrs)'''
REPLACE = '''        return record_op(out.reshape((n, out_c) + out_size), CONV2D, inputs, attrs)'''
