"""How fast `tito` starts, measured in one run: `python bench/startup.py [--workspace DIR]`.

A student types `tito module status` or mistypes an argument dozens of times a day; the course's
target is an answer in under 0.5 s. Each command runs as a real subprocess, best of --repeats, beside a
bare `python -c pass` (the floor no command can beat). Run it on an idle machine: the load average is
printed with the figures, and a loaded machine measures itself, not tito. Without --workspace the
commands run in a fresh temporary folder (no workspace: status says so, which is still a start-up).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 0.5
COMMANDS = (["--help"], ["module", "status"], ["module", "start", "99"], ["module", "--bogus"])


def best_wall_time(argv, cwd, repeats):
    """Smallest wall time of `repeats` runs of argv in cwd (the least disturbed by other processes)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path, help="a released workspace to run the commands in")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    tito = shutil.which("tito")
    if tito is None:
        print("tito is not on PATH: pip install -e . first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        cwd = args.workspace or Path(scratch)
        bare = best_wall_time([sys.executable, "-c", "pass"], cwd, args.repeats)
        load = os.getloadavg()[0]
        print(f"tito start-up, best of {args.repeats}, in {cwd} (load average {load:.2f} on "
              f"{os.cpu_count()} cores; a bare `python -c pass` took {bare:.3f} s)")
        missed = []
        for command in COMMANDS:
            took = best_wall_time([tito, *command], cwd, args.repeats)
            met = took < TARGET_S
            missed += [] if met else [" ".join(command)]
            print(f"  tito {' '.join(command):<22} {took:6.3f} s   target < {TARGET_S} s: "
                  f"{'met' if met else 'NOT met'}")
    print("all start-up targets met" if not missed else f"NOT met: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
