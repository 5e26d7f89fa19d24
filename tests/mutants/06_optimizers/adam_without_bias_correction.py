"""Adam without bias correction: the first steps are about sqrt(1 - beta2) / (1 - beta1) times too small or
large (3.16 x lr for a constant gradient with the default betas)."""
CELL = "optimizers-adam"
FIND = '''        denom = np.sqrt(second) / math.sqrt(1 - beta2 ** t) + eps
        param -= (lr / (1 - beta1 ** t)) * exp_avg / denom'''
REPLACE = '''        denom = np.sqrt(second) + eps
        param -= lr * exp_avg / denom'''
