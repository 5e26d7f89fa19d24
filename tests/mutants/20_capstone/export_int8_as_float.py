"""Quantized weights stored as float32 values. The file then saves nothing; the grade checks dtype == int8."""
CELL = "capstone-export"
FIND = '''                state[key + ".q"] = quantize(value, scale, 0)'''
REPLACE = '''                state[key + ".q"] = quantize(value, scale, 0).astype(np.float32)'''
