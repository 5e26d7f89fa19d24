"""contiguous copies with order="K" (keep the layout): a transposed view comes back as a Fortran-ordered copy, still not C-contiguous."""
CELL = "acceleration-layout"
FIND = '''    return x.copy(order="C")'''
REPLACE = '''    return x.copy(order="K")'''
