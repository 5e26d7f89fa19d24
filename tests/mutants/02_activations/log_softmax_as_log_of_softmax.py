"""log_softmax computed as log(softmax(x)): -inf where softmax rounds to 0, exactly where a loss needs a finite value."""
CELL = "activations-log-softmax"
FIND = '''        out = shifted - np.log(np.exp(shifted).sum(axis=d, keepdims=True))'''
REPLACE = '''        e = np.exp(shifted)
        out = np.log(e / e.sum(axis=d, keepdims=True))'''
