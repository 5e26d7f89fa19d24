"""matmul_loops keeps two loops and vectorises the inner product ((a[i, :] * b[:, j]).sum()): not the
triple loop of rung 0 (no NumPy arithmetic on whole arrays), so its timing is not rung 0's."""
CELL = "acceleration-loops"
FIND = '''            acc = 0
            for p in range(k):
                acc += a[i, p] * b[p, j]
            out[i, j] = acc'''
REPLACE = '''            out[i, j] = (a[i, :] * b[:, j]).sum()'''
