"""The report claims an accuracy the optimised file does not have (99%). The grader re-measures it: the claims cell must raise ClaimsFlagged."""
CELL = "capstone-project"
FIND = '''    claims["speedup"] = compare(runs["baseline"], runs["optimised"])["speedup"]'''
REPLACE = '''    claims["speedup"] = compare(runs["baseline"], runs["optimised"])["speedup"]
    claims["optimised_accuracy"] = 0.99'''
