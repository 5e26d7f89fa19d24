"""max_pool2d_grad sends the gradient to EVERY tied maximum instead of the first (no `served` mask): after a
ReLU a window of zeros passes its gradient four times, and results differ from PyTorch."""
CELL = "spatial-pooling"
FIND = '''            np.greater(winner, served, out=winner)     # winner and not served (bools: a > b)'''
REPLACE = '''            pass'''
