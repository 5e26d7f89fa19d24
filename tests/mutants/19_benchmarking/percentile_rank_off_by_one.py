"""Percentile rank q/100 * n instead of q/100 * (n - 1): every percentile shifts one position up (p90 of the fixture is 10, not 8), a tail that looks worse than it is."""
CELL = "benchmarking-stats"
FIND = '''    rank = q / 100 * (len(y) - 1)'''
REPLACE = '''    rank = min(q / 100 * len(y), len(y) - 1)'''
