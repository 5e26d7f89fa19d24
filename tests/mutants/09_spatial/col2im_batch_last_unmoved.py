"""col2im's small-image path (batch innermost, 2 * out_w <= N) reshapes its (C, Hp, Wp, N) result to
(N, C, Hp, Wp) instead of moving the batch axis back: the values land on the wrong images and pixels, so
conv2d's input gradient is scrambled for every batch of small images (a CNN on 8x8 digits)."""
CELL = "spatial-im2col"
FIND = '''    return out[0].transpose(3, 0, 1, 2) if batch_last else out'''
REPLACE = '''    return out[0].reshape(padded_shape) if batch_last else out'''
