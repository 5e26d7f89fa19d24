"""compare calls any difference of the medians significant, without the interval: two runs of the same code are declared different, the noise reported as a speed-up."""
CELL = "benchmarking-compare"
FIND = '''    significant = bool(lo > 1 or hi < 1)'''
REPLACE = '''    significant = bool(speedup != 1.0)'''
