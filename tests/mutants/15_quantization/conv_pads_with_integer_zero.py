"""QuantizedConv2d pads the quantized input with the integer 0 instead of the zero point: the border sees a real value -z*s, not 0."""
CELL = "quantization-layers"
FIND = '''constant_values=z_x)'''
REPLACE = '''constant_values=0)'''
