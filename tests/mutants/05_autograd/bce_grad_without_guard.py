"""BCE gradient (p - y) / (p (1 - p)) without PyTorch's max(., 1e-12) guard: nan at p = 1 (float32 sigmoid(20) rounds to 1.0) where torch gives 0, and one nan poisons every parameter."""
CELL = "autograd-loss-rules"
FIND = '''    gx = w * (p - t) / np.maximum(p * (1 - p), 1e-12)'''
REPLACE = '''    gx = w * (p - t) / (p * (1 - p))'''
