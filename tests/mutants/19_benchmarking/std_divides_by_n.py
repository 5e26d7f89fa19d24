"""The standard deviation divides by n (ddof=0), not n - 1: it underestimates the spread, most for small samples (the fixture gives 2.68, not 3)."""
CELL = "benchmarking-stats"
FIND = '''"std": float(np.std(x, ddof=1))'''
REPLACE = '''"std": float(np.std(x))'''
