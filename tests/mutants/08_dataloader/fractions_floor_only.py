"""random_split with fractions drops the remainder (floor only, no round-robin): the pieces do not cover
the dataset, so samples silently vanish from both training and validation."""
CELL = "dataloader-split"
FIND = '''    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1'''
REPLACE = '''    pass'''
