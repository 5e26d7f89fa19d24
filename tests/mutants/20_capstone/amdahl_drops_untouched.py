"""Amdahl summed over the optimised parts only (f > 1). The untouched share is what bounds the speed-up; leaving it out claims 8x where 1.6x is true."""
CELL = "capstone-amdahl"
FIND = '''    return float(1.0 / np.sum(s / f))'''
REPLACE = '''    return float(1.0 / np.sum((s / f)[f > 1])) if np.any(f > 1) else 1.0'''
