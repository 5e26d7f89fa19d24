"""binary_cross_entropy without clamping log(p) at -100: p = 0 for a positive target costs inf (PyTorch gives 100), and the gradient is inf/nan."""
CELL = "losses-bce-impl"
FIND = '''        log_p = np.maximum(np.log(p), -100)'''
REPLACE = '''        log_p = np.log(p)'''
