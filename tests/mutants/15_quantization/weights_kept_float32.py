"""Quantized weights kept as float32 (the original course's bug): rounded values, but nothing gets smaller."""
CELL = "quantization-layers"
FIND = '''        self.register_buffer("weight_q", Tensor(quantize(w, scale, 0, -127, 127)))'''
REPLACE = '''        self.register_buffer("weight_q", Tensor(quantize(w, scale, 0, -127, 127).astype(np.float32)))'''
