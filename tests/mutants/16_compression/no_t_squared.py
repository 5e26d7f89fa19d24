"""No T^2 factor in the distillation loss.
Its gradients shrink like 1/T^2, so the soft-target term fades against the cross-entropy as T grows."""
CELL = "compression-distill"
FIND = '''    return kl * (t * t)'''
REPLACE = '''    return kl'''
