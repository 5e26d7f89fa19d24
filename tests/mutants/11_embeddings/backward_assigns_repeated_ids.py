"""The embedding gradient uses fancy-index `+=` instead of np.add.at: with a repeated id only the last contribution survives, so frequent tokens get too small a gradient."""
CELL = "embeddings-op"
FIND = '''    np.add.at(grad, ids.reshape(-1), g.reshape(-1, d))'''
REPLACE = '''    grad[ids.reshape(-1)] += g.reshape(-1, d)'''
