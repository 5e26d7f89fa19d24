"""max/min with dim ignore keepdim for the values, so x - x.max(dim=1, keepdim=True).values (the stable
softmax of module 02) broadcasts the wrong way or fails."""
CELL = "tensor-reductions"
FIND = '''    values = record_op(np.asarray(reduce(a._data, axis=dim, keepdims=keepdim)), op, (a,),'''
REPLACE = '''    values = record_op(np.asarray(reduce(a._data, axis=dim)), op, (a,),'''
