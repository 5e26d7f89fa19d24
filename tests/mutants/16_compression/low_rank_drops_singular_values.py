"""Low rank built from U_r and V_r without the singular values (not the best rank-r matrix).
The error is then not the Eckart-Young minimum."""
CELL = "compression-low-rank"
FIND = '''    root = np.sqrt(s[:rank])'''
REPLACE = '''    root = np.ones(rank)'''
