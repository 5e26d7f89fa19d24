"""A multiply-add counted as 1 FLOP (fvcore's MAC convention mixed into a FLOP table): every matmul halves."""
PATCHES = [
    ("profiling-flops", '''        flops = 2 * batch * layer.in_features * layer.out_features''',
     '''        flops = batch * layer.in_features * layer.out_features'''),
    ("profiling-flops", '''        flops = 2 * outputs * (layer.in_channels // layer.groups) * kh * kw''',
     '''        flops = outputs * (layer.in_channels // layer.groups) * kh * kw'''),
]
