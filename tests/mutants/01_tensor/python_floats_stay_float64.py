"""Python floats become float64 (NumPy's default) instead of float32 (PyTorch's): every parameter and
activation doubles in memory and no longer matches PyTorch's dtypes."""
CELL = "tensor-to-array"
FIND = '''        if dtype is None and arr.dtype == _F64:
            arr = arr.astype(get_default_dtype())'''
REPLACE = '''        pass'''
