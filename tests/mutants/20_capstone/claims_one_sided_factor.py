"""A factor tolerance checked only upwards. A claim far below the measurement is as wrong as one far above."""
CELL = "capstone-claims"
FIND = '''            ok, text = m != 0 and 1 / f <= c / m <= f, f"factor {f:.6g}"'''
REPLACE = '''            ok, text = m != 0 and c / m <= f, f"factor {f:.6g}"'''
