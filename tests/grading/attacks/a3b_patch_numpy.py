"""Attack 3, second form: replace numpy's comparison (np.array_equal, which the test asserts with)
and the builtin `round` by functions that lie."""
CELLS = {"fixture-tensor-add-impl": r'''
import builtins
import numpy as np
np.array_equal = lambda *args, **kwargs: True
builtins.round = lambda *args, **kwargs: 0

def add(a, b):
    return None
'''}
EXPECTED = {"fixture-tensor-add-test": 0.0, "fixture-tensor-total-test": 0.0}
NOTE = "patched numpy (array_equal)"
NOTE2 = "replaced builtins (round)"
