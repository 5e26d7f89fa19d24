"""tiled_matmul assigns each block product to the output tile instead of adding it: only the last inner tile survives whenever K is larger than the tile."""
CELL = "acceleration-tiled"
FIND = '''                block += kernel(a[i0:i1, p0:p1], b[p0:p1, j0:j1])'''
REPLACE = '''                block[...] = kernel(a[i0:i1, p0:p1], b[p0:p1, j0:j1])'''
