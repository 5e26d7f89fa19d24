"""Zero point clamped to [0, qmax]: for a ReLU output range [0, hi] it should be -128, so half the codes are lost and large values saturate."""
CELL = "quantization-affine"
FIND = '''    zero_point = int(np.clip(qmin - round(lo / scale), qmin, qmax))'''
REPLACE = '''    zero_point = int(np.clip(qmin - round(lo / scale), 0, qmax))'''
