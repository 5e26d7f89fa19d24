"""A low-rank layer counted as the dense k_in x k_out matrix. The plan's rank option must change the prediction."""
CELL = "capstone-predict"
FIND = '''        w_after = step["rank"] * (k_in + k_out) if "rank" in step else k_in * k_out'''
REPLACE = '''        w_after = k_in * k_out'''
