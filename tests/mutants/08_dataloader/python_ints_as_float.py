"""default_collate turns Python ints into float64 (not int64): class labels stop being indices, and
cross-entropy refuses them (PyTorch makes int64)."""
CELL = "dataloader-collate"
FIND = '''        dtype = {"bool": np.bool_, "int": np.int64, "float": np.float64}[kind]'''
REPLACE = '''        dtype = {"bool": np.bool_, "int": np.float64, "float": np.float64}[kind]'''
