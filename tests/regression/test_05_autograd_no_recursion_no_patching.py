"""Regressions for two defects of an earlier course's autograd:

- backward was recursive and died with RecursionError on deep graphs;
- autograd was added by monkey-patching Tensor methods at import time.

Here backward must not recurse at all (it runs under a tiny recursion limit), and importing the engine
must change nothing of module 01 except the declared hook `_HOOKS`.
"""
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.tensor import Tensor

ROOT = Path(__file__).resolve().parents[2]


def test_backward_needs_no_recursion():
    x = Tensor(np.array(1.0), requires_grad=True)
    y = x
    for _ in range(2000):
        y = y * 1.0 + 0.0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(100)             # a recursive walk of 4,000 nodes could not run under this
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert x.grad.item() == 1.0


def test_importing_autograd_patches_nothing_but_the_declared_hook():
    script = textwrap.dedent("""
        import sys, types
        # bypass tinytorch/__init__.py (it imports the engine): load module 01 on its own first
        for name, path in (("tinytorch", "tinytorch"), ("tinytorch.core", "tinytorch/core")):
            package = types.ModuleType(name)
            package.__path__ = [path]
            sys.modules[name] = package
        import tinytorch.core.tensor as T
        before_class = dict(vars(T.Tensor))
        before_module = {k: v for k, v in vars(T).items() if k != "_HOOKS"}
        assert T._HOOKS.record is None and T._HOOKS.backward is None
        import tinytorch.core.autograd as A
        assert dict(vars(T.Tensor)) == before_class, "Tensor's attributes changed"
        after_module = {k: v for k, v in vars(T).items() if k != "_HOOKS"}
        assert after_module.keys() == before_module.keys(), "module 01 gained or lost names"
        assert all(after_module[k] is before_module[k] for k in before_module), "a module 01 name was rebound"
        assert T._HOOKS.record is A.record and T._HOOKS.backward is A.backward
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
