"""Structured pruning removes the neurons with the LARGEST norms (a sign slip in the ranking).
It deletes the most important neurons."""
CELL = "compression-structured"
FIND = '''    kept = np.sort(np.argsort(-norms, kind="stable")[:n_keep])'''
REPLACE = '''    kept = np.sort(np.argsort(norms, kind="stable")[:n_keep])'''
