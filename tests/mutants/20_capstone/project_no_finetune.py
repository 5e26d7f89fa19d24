"""Pruned to half the units without fine-tuning. The accuracy falls by about 10 points: the accuracy target must catch it."""
CELL = "capstone-project"
FIND = '''        train_digits(pruned, x_train, y_train, finetune_epochs, 1e-3, seed + 1)'''
REPLACE = '''        pruned.eval()'''
