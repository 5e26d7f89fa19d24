"""tiled_matmul tiles rows and columns but multiplies whole K-long panels: a (t, K) @ (K, t) block does not stay in cache for large K, so it is not the blocking asked for."""
CELL = "acceleration-tiled"
FIND = '''tile_ranges(k, tile)'''
REPLACE = '''[(0, k)]'''
