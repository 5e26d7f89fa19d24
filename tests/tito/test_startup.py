"""Issue 11: tito starts fast. `tito --help` reads the command list without importing any command
module, and `tito module ...` (status, argument errors) never imports nbgrader, nbclient, jupytext or
nbformat. Measured in a real subprocess; the bound is generous (a loaded CI machine), the value printed."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# pydantic: typer 0.29 imports it to parse arguments (+0.3 s on every start); pyproject pins typer < 0.29
HEAVY = ("nbgrader", "nbclient", "jupytext", "nbformat", "jupyter_client", "pydantic")
PROBE = """
import sys
from tito.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("HEAVY=" + ",".join(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)
"""


def _run(args, cwd, code=None):
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")
    best, done = None, None
    for _ in range(3):                      # the best of three: the machine may be busy
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code or PROBE.format(heavy=HEAVY), *args], cwd=cwd,
                              env=env, capture_output=True, text=True, timeout=120)
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return done, best


@pytest.mark.parametrize("args", [["--help"], ["module", "status"], ["module", "complete"],
                                  ["module", "start", "99"]], ids=" ".join)
def test_start_up_is_fast_and_imports_no_notebook_machinery(args, tmp_path):
    done, best = _run(args, tmp_path)
    _, bare = _run([], tmp_path, code="pass")
    print(f"this run measured `tito {' '.join(args)}`: {best:.3f} s, a bare `python -c pass` {bare:.3f} s "
          "(best of 3 each)")
    assert "HEAVY=\n" in done.stderr or done.stderr.rstrip().endswith("HEAVY="), done.stderr
    if args == ["--help"]:
        assert "Usage: tito" in done.stdout and "module" in done.stdout and "release" in done.stdout
    # The import check above is exact. The time bound is generous; on a machine whose load is more than
    # twice its cores (helpers sharing 2 cores) a start-up time measures the machine, not tito: then it is
    # printed but not asserted.
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load > 2 * cores:
        print(f"load average {load:.1f} on {cores} cores: start-up time printed, not asserted")
        return
    assert best < 1.5, f"`tito {' '.join(args)}` took {best:.2f} s to start ({bare:.2f} s bare)"
