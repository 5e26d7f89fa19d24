"""matmul_outer returns a @ b: the right numbers from the BLAS rung the function exists to avoid, so the
ladder's rung 1 (and the tiled kernel built on it) would measure BLAS, not vectorised NumPy."""
CELL = "acceleration-outer"
FIND = '''    for p in range(a.shape[1]):
        out += a[:, p:p + 1] * b[p:p + 1, :]'''
REPLACE = '''    out[...] = a @ b'''
