"""Object arrays saved (np.savez pickles them) instead of refused. A format that needs pickle runs code when loaded."""
CELL = "capstone-save"
FIND = '''        if array.dtype == object:
            raise ValueError(f"save_model: array {key!r} has dtype object, which only pickle can store")
'''
REPLACE = ''''''
