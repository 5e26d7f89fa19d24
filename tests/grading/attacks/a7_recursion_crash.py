"""Attack 7 (an accident more than an attack): deep recursion in an ungraded cell, after a correct
add(). The add test that ran before keeps its 2 points and the gradebook says what happened."""
PASTE = {"fixture-tensor-add-impl"}
CELLS = {"fixture-tensor-class-impl": r'''
import sys
sys.setrecursionlimit(10**6)

def deep(n):
    return deep(n + 1) + 1

deep(0)
'''}
EXPECTED = {"fixture-tensor-add-test": 2.0, "fixture-tensor-total-test": 0.0}
NOTE = "fixture-tensor-class-impl"      # the note names the cell where it happened
