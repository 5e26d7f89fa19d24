"""count_parameters skips 1-D parameters (biases): a 64-32-10 MLP reports 2,368 instead of 2,410."""
CELL = "profiling-params"
FIND = '''    for param in model.parameters():
        total += int(param._data.size)'''
REPLACE = '''    for param in model.parameters():
        if param._data.ndim > 1:
            total += int(param._data.size)'''
