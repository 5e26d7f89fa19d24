"""state_dict() returns the live Parameters themselves (PyTorch's keep_vars=True) instead of detached
Tensors: the values require grad, so writing into a loaded state records graph or fails in place."""
CELL = "layers-module"
FIND = '''        return OrderedDict((key, t.detach()) for key, t in self._state_tensors().items())'''
REPLACE = '''        return OrderedDict(self._state_tensors())'''
