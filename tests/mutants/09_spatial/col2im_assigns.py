"""col2im writes (=) instead of adding (+=): where windows overlap a pixel keeps only the last copy's
gradient, so conv2d's input gradient is wrong for every stride smaller than the kernel."""
CELL = "spatial-im2col"
FIND = '''            out[_offset_view(i, j, stride, dilation, out_size)] += blocks[:, :, i, j]'''
REPLACE = '''            out[_offset_view(i, j, stride, dilation, out_size)] = blocks[:, :, i, j]'''
