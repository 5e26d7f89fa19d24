"""append writes the new positions at index 0 instead of after the cached ones (the length still advances): each decode step overwrites the first position's key and value."""
CELL = "memoization-cache"
FIND = '''        self.keys[layer, :, :, start:start + t_new] = k
        self.values[layer, :, :, start:start + t_new] = v
'''
REPLACE = '''        self.keys[layer, :, :, :t_new] = k
        self.values[layer, :, :, :t_new] = v
'''
