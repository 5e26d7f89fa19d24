"""state_dict returns NumPy copies instead of Tensors (the old layout): a PyTorch program that calls
`.size()`, `.clone()` or `torch.equal` on an optimizer's saved state breaks, and the step is not a Tensor."""
CELL = "optimizers-base"
FIND = '''                state[i] = {name: Tensor.from_array(value) if isinstance(value, np.ndarray)
                            else Tensor(float(value)) for name, value in self.state[p].items()}'''
REPLACE = '''                state[i] = {name: value.copy() if isinstance(value, np.ndarray) else value
                            for name, value in self.state[p].items()}'''
