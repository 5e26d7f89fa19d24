"""A claim exactly at the tolerance's edge reported as a problem. The tolerance is stated as inclusive."""
CELL = "capstone-claims"
FIND = '''            ok, text = abs(c - m) <= tolerance["abs"], f"abs {tolerance['abs']:.6g}"'''
REPLACE = '''            ok, text = abs(c - m) < tolerance["abs"] or c == m, f"abs {tolerance['abs']:.6g}"'''
