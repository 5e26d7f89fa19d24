"""matmul_loops calls @ instead of looping: full marks for the numbers without rung 0, whose slowness the
module's ladder measures."""
CELL = "acceleration-loops"
FIND = '''    for i in range(m):
        for j in range(n):
            acc = 0
            for p in range(k):
                acc += a[i, p] * b[p, j]
            out[i, j] = acc'''
REPLACE = '''    out[...] = a @ b'''
