"""Roofline placement reversed: a low-intensity layer (ReLU) called compute-bound, so the advice is backwards."""
CELL = "profiling-roofline"
FIND = '''"memory" if intensity < ridge else "compute"'''
REPLACE = '''"compute" if intensity < ridge else "memory"'''
