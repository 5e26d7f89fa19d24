"""getitem's gradient scattered with fancy-index assignment: an element picked twice (x[[0, 0]]) keeps one contribution instead of their sum."""
CELL = "autograd-shape-rules"
FIND = '''        np.add.at(grad, index, g)'''
REPLACE = '''        grad[index] += g'''
