"""state_dict returns the optimizer's own arrays, not copies: a checkpoint kept in memory keeps changing as
training goes on, so restoring it restores the present, not the past."""
CELL = "optimizers-base"
FIND = '''                state[i] = {name: value.copy() if isinstance(value, np.ndarray) else value
                            for name, value in self.state[p].items()}'''
REPLACE = '''                state[i] = dict(self.state[p])'''
