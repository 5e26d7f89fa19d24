"""Amdahl as the share-weighted mean of the factors. The common wrong formula: it claims 2.5x where half the time 4x faster gives 1.6x."""
CELL = "capstone-amdahl"
FIND = '''    return float(1.0 / np.sum(s / f))'''
REPLACE = '''    return float(np.sum(s * f))'''
