"""tiled_matmul tiles with a fixed 64 whatever `tile` says (the original course's bug): correct numbers, but no cache blocking at the size asked for."""
CELL = "acceleration-tiled"
FIND = '''    rows, cols, inner = tile_ranges(m, tile), tile_ranges(n, tile), tile_ranges(k, tile)'''
REPLACE = '''    rows, cols, inner = tile_ranges(m, 64), tile_ranges(n, 64), tile_ranges(k, 64)'''
