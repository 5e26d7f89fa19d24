"""On small images (columns ordered pixel, then image) the input gradient's columns are read back as if they
were ordered image, then pixel: every image gets a mix of the batch's gradients. A grade that only tries one
or two images never takes the small-image path (2 * out_w <= N) and misses it."""
CELL = "spatial-conv2d-op"
FIND = '''            dcols = np.matmul(w_mat.transpose(0, 2, 1), Gs).reshape(-1, pixels, n).transpose(2, 0, 1) \\'''
REPLACE = '''            dcols = np.matmul(w_mat.transpose(0, 2, 1), Gs).reshape(-1, n, pixels).transpose(1, 0, 2) \\'''
