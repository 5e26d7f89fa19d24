"""Keys and values are fetched from the cache BEFORE the new ones are appended: a decoded token cannot attend to itself (the original course's second KV-cache bug)."""
CELL = "memoization-attention"
FIND = '''    keys, values = cache.append(layer, k, v)
'''
REPLACE = '''    keys, values = cache.get(layer) if start > 0 else (k, v)     # fetched before appending
    cache.append(layer, k, v)
'''
