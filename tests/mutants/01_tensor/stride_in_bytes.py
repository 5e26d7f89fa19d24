"""stride() returns NumPy's byte strides instead of PyTorch's element strides. Every stride-based
reasoning (views, contiguity, the storage formula of Part 1) is then off by the item size."""
CELL = "tensor-class"
FIND = '''        strides = tuple(s // self._data.itemsize for s in self._data.strides)'''
REPLACE = '''        strides = tuple(self._data.strides)'''
