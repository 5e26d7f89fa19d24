"""Each gradient is clipped to max_norm on its own instead of by the global norm: the update changes
direction, and the returned norm is not the total."""
CELL = "training-clip"
FIND = '''    norms = [_vector_norm(g, p) for g in grads]
    total = _vector_norm(np.array(norms), p)'''
REPLACE = '''    norms = [_vector_norm(g, p) for g in grads]
    total = max(norms)'''
