"""tile_ranges stops at the last full tile (range(0, n - n % tile, tile)): sizes that are not multiples of the tile lose their last rows, columns and inner terms."""
CELL = "acceleration-tile-ranges"
FIND = '''    return [(start, min(start + tile, n)) for start in range(0, n, tile)]'''
REPLACE = '''    return [(start, start + tile) for start in range(0, n - n % tile, tile)]'''
