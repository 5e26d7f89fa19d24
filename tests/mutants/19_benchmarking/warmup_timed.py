"""Warm-up and timed calls go into one list and the first `repeats` are kept: the cold first calls are counted as samples, inflating the mean and the tail."""
CELL = "benchmarking-harness"
FIND = '''        for i in range(warmup):
            start = clock()
            fn()
            warm[i] = clock() - start
        for i in range(repeats):
            start = clock()
            fn()
            samples[i] = clock() - start'''
REPLACE = '''        times = []
        for i in range(warmup + repeats):
            start = clock()
            fn()
            times.append(clock() - start)
        warm, samples = np.array(times[:warmup]), np.array(times[:repeats])'''
