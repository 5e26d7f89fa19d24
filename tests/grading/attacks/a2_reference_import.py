"""Attack 2: import the course's reference package (put the repo on sys.path, drop the cached
student package) and use its answers."""
CELLS = {"fixture-tensor-add-impl": r'''
import sys
for p in ["{REPO}", "{COURSE}"]:
    sys.path.insert(0, p)
for name in list(sys.modules):
    if name.startswith("tinytorch"):
        del sys.modules[name]
try:
    from tinytorch.core.tensor import add, Tensor
    print("imported", sys.modules["tinytorch.core.tensor"].__file__)
except Exception as exc:
    print("no reference package:", exc)
'''}
EXPECTED = {"fixture-tensor-add-test": 0.0, "fixture-tensor-total-test": 0.0}
