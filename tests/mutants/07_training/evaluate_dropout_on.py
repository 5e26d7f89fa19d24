"""evaluate under no_grad() but without model.eval(): dropout stays active, so validation losses are noisy
and pessimistic, and early stopping reacts to noise."""
CELL = "training-epoch"
FIND = '''    was_training = model.training
    model.eval()'''
REPLACE = '''    was_training = model.training'''
