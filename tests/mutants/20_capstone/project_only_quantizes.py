"""Only int8 storage, while the report names pruning too. One technique is not the project, and a technique named must be visible in the files (and int8 storage alone is not faster)."""
CELL = "capstone-project"
FIND = '''        fc1, fc2, _ = prune_neurons(baseline.fc1, baseline.fc2, 0.5)
        fc2, fc3, _ = prune_neurons(fc2, baseline.fc3, 0.5)
        pruned = Sequential(OrderedDict(fc1=fc1, relu1=ReLU(), fc2=fc2, relu2=ReLU(), fc3=fc3))
        train_digits(pruned, x_train, y_train, finetune_epochs, 1e-3, seed + 1)'''
REPLACE = '''        pruned = copy.deepcopy(baseline)'''
