"""One int8 scale per weight tensor instead of one per output row. The format and the docstring ask for per-row scales (module 15's per-channel quantization)."""
CELL = "capstone-export"
FIND = '''                scale = symmetric_scale(value, axis=0)'''
REPLACE = '''                scale = symmetric_scale(value)'''
