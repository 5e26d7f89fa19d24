"""Percentile rounded to the nearest rank instead of interpolated: p90 of the fixture becomes 10 (the max), and most percentiles disagree with NumPy's default."""
CELL = "benchmarking-stats"
FIND = '''    return float(y[k] + (rank - k) * (y[upper] - y[k]))'''
REPLACE = '''    return float(y[int(round(rank))])'''
