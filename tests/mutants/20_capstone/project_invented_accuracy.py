"""The report claims an accuracy the optimised file does not have (99%). The grader re-measures it: the claims cell must raise ClaimsFlagged."""
CELL = "capstone-project"
FIND = '''    claims["speedup"] = float(np.median(speedups))'''
REPLACE = '''    claims["speedup"] = float(np.median(speedups))
    claims["optimised_accuracy"] = 0.99'''
FLAGGED = True        # `tito mutants` also requires the gradebook's FLAGGED note (the claims cell raised ClaimsFlagged)
