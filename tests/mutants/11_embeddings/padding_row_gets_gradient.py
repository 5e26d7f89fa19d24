"""The padding_idx row is not excluded from the gradient, so the padding vector learns from padded positions (PyTorch gives it none)."""
CELL = "embeddings-op"
FIND = '''        grad[attrs["padding_idx"]] = 0'''
REPLACE = '''        pass'''
