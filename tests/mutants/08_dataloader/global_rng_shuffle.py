"""The shuffle drawn from NumPy's global generator instead of the loader's Generator: seeds are ignored, so
runs cannot be repeated or resumed."""
CELL = "dataloader-loader"
FIND = '''        rng = (self.generator or default_generator).rng
        return rng.permutation(n).astype(np.int64)'''
REPLACE = '''        return np.random.permutation(n).astype(np.int64)'''
