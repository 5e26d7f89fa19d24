"""backward stores the last consumer's gradient instead of summing: a tensor used twice (x * x + x) gets only one of its contributions."""
CELL = "autograd-engine"
FIND = '''                        fn.grad = gi if fn.grad is None else fn.grad + gi'''
REPLACE = '''                        fn.grad = gi'''
