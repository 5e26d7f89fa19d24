"""measure_latency times the cold first calls (no warm-up): the median includes allocation and cache misses."""
CELL = "profiling-latency"
FIND = '''    for _ in range(warmup):
        fn()
'''
REPLACE = ''''''
