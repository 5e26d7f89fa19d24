"""nll_loss picking log-probabilities from input._data: the values are right but the graph is cut at the input, so no gradient reaches the model."""
CELL = "losses-nll-impl"
FIND = '''    picked = input[np.arange(input.shape[0]), t] if input.ndim == 2 else input[t]'''
REPLACE = '''    picked = Tensor(input._data[np.arange(input.shape[0]), t] if input.ndim == 2 else input._data[t])'''
