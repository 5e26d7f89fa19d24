"""The composed LayerNorm with the unbiased variance (divide by D - 1 instead of D)."""
CELL = "transformers-ln-composed"
FIND = '''    var = (centred * centred).mean(-1, keepdim=True)'''
REPLACE = '''    var = (centred * centred).sum(-1, keepdim=True) / (x.shape[-1] - 1)'''
