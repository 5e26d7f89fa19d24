"""Each chunk's images get the column matrix of the batch's first images (cols[s] filled from the wrong rows of
the windows): the first chunk is right, every later one is not, so a test on a batch that fits one chunk passes.
A grade must check a batch of several chunks (the bug of a loop over chunks that forgets its offset)."""
CELL = "spatial-conv2d-op"
FIND = '''        np.copyto(cols[s].reshape(windows[s].shape), windows[s])'''
REPLACE = '''        np.copyto(cols[s].reshape(windows[s].shape), windows[:s.stop - s.start])'''
