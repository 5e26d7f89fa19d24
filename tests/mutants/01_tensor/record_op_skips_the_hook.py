"""record_op wraps the result but never calls the autograd hook. Every forward still gives the right
numbers, but module 05 records nothing, so backward() finds no graph and no gradient flows."""
CELL = "tensor-extension-point"
FIND = '''        record(op, out, inputs, attrs)'''
REPLACE = '''        pass'''
