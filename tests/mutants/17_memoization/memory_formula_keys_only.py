"""The memory formula counts the keys only (no factor 2 for the values): every cache is reported at half its size."""
CELL = "memoization-bytes"
FIND = '''2 * n_layers * batch'''
REPLACE = '''n_layers * batch'''
