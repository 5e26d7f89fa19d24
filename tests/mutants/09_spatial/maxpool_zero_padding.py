"""max_pool2d pads with 0 instead of -inf: on negative inputs (after a layer without ReLU, or a normalised
image) a border window returns 0, a value that is not in the image. Scored full marks in the review (all
graded inputs were >= 0)."""
CELL = "spatial-pooling"
FIND = '''    xp = _pad(x._data, pads, -np.inf)
    out = None'''
REPLACE = '''    xp = _pad(x._data, pads)
    out = None'''
