"""What every test folder shares: `load_file`, the one way a test imports a helper file that is not in a
package (tests/05_autograd/oracle.py, tests/tito/democourse.py, bench/run.py, a milestone script, ...).

Test files import it as `from tests.conftest import load_file`: pytest (importlib import mode, set in
pyproject.toml and in a student workspace's pytest.ini) registers this file as `tests.conftest`, and
the repository root is on sys.path, so the import works in the course repository and in a workspace
(`tito release` ships this file with the public tests).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

try:                                  # property tests draw the same examples on every run: CI never flakes
    from hypothesis import settings as _hypothesis_settings
    _hypothesis_settings.register_profile("tinytorch", derandomize=True, database=None)
    _hypothesis_settings.load_profile("tinytorch")
except ImportError:                   # hypothesis is a [dev] dependency; a student workspace may lack it
    pass


def load_file(path: str | Path, name: str | None = None):
    """The Python file at `path` as a module, registered in sys.modules under `name` (default: one
    derived from the path), so each helper is executed once however many test files ask for it.
    FileNotFoundError names the path when it does not exist.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"test helper {path} does not exist")
    name = name or "tinytorch_tests_" + "_".join(path.with_suffix("").parts[-2:]).replace("-", "_")
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
    return sys.modules[name]

