"""leaky_relu as max(x, slope * x): right only for 0 <= slope <= 1; a slope above 1 or negative (slope -1 gives |x|) is wrong."""
CELL = "activations-leaky-relu"
FIND = '''    out = np.maximum(w, 0) + slope * np.minimum(w, 0)'''
REPLACE = '''    out = np.maximum(w, slope * w)'''
