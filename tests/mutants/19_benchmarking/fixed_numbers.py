"""The harness reports a fixed number instead of the measured duration (the original course's benchmark printed invented figures): every sample is 1 ms whatever fn costs."""
CELL = "benchmarking-harness"
FIND = '''            samples[i] = clock() - start'''
REPLACE = '''            clock()
            samples[i] = 0.001'''
