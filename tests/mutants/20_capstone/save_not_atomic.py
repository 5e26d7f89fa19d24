"""The model file written in place instead of through write_atomic. A crash mid-write would leave half a file over a good one."""
CELL = "capstone-save"
FIND = '''    write_atomic(path, lambda fh: np.savez_compressed(fh, **arrays))'''
REPLACE = '''    np.savez_compressed(path, **arrays)'''
