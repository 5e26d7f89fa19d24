"""A claim missing from the report passes silently. A report that leaves out an inconvenient number must be caught."""
CELL = "capstone-claims"
FIND = '''            problems.append(f"{key}: not claimed")
'''
REPLACE = ''''''
