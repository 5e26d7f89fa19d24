"""gelu_fused computes the GELU as one NumPy expression and copies it into out: right values, but every temporary is still allocated (nothing was fused)."""
CELL = "acceleration-fused"
FIND = '''    np.multiply(x, x, out=out)            # x^2
    np.multiply(out, x, out=out)          # x^3
    np.multiply(out, GELU_A, out=out)
    np.add(out, x, out=out)               # x + a x^3
    np.multiply(out, GELU_C, out=out)
    np.tanh(out, out=out)
    np.add(out, 1.0, out=out)
    np.multiply(out, x, out=out)
    np.multiply(out, 0.5, out=out)'''
REPLACE = '''    out[...] = 0.5 * x * (1.0 + np.tanh(GELU_C * (x + GELU_A * x ** 3)))'''
