"""Global pruning computed with one threshold per layer (every layer loses the same fraction).
Layers of small weights must be pruned harder by one global ranking."""
CELL = "compression-global-masks"
FIND = '''    magnitudes = np.concatenate([np.abs(a).ravel() for a in arrays.values()])'''
REPLACE = '''    return {name: magnitude_mask(a, sparsity) for name, a in arrays.items()}
    magnitudes = np.concatenate([np.abs(a).ravel() for a in arrays.values()])'''
