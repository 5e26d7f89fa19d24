"""state_dict() returns NumPy copies (the course's old design) instead of detached Tensors sharing storage:
PyTorch programs that call .size() on a value, or write through the state into the model, break (issue 17)."""
CELL = "layers-module"
FIND = '''        return OrderedDict((key, t.detach()) for key, t in self._state_tensors().items())'''
REPLACE = '''        return OrderedDict((key, t._data.copy()) for key, t in self._state_tensors().items())'''
