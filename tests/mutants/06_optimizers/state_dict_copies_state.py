"""state_dict wraps copies of the state arrays: unlike PyTorch, the returned dict no longer follows training,
so code written for PyTorch's semantics (the dict is live; snapshot with deepcopy) behaves differently."""
CELL = "optimizers-base"
FIND = '''Tensor.from_array(value) if isinstance(value, np.ndarray)'''
REPLACE = '''Tensor.from_array(value.copy()) if isinstance(value, np.ndarray)'''
