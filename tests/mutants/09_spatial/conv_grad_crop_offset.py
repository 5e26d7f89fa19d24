"""conv2d's input gradient forgets the padding crop offset (takes the top-left corner of the padded
gradient): gradients are shifted by the padding for every padded convolution."""
CELL = "spatial-conv2d-op"
FIND = '''        gx = gxp[:, :, top:top + x.shape[2], left:left + x.shape[3]]'''
REPLACE = '''        gx = gxp[:, :, :x.shape[2], :x.shape[3]]'''
