"""Run a command only at moments when the machine is idle, N times: `python bench/when_idle.py [--busy F] [--wait S] N CMD ...`.

On a shared machine the timings of bench/run.py depend on what else runs. Before each run this samples
/proc/stat (Linux) for 0.4 s and starts the command only when the CPUs were busy less than --busy (default
8%) of that time; it gives up after --wait seconds (default 240). Each run's output is printed on one line
with the time it started. A run can still be disturbed once started: take the best of several.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time


def busy_fraction(seconds=0.4):
    """The fraction of CPU time spent not idle over `seconds`, from /proc/stat (all CPUs)."""
    def read():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return sum(values), values[3] + values[4]          # total, idle + iowait
    total0, idle0 = read()
    time.sleep(seconds)
    total1, idle1 = read()
    return 1.0 - (idle1 - idle0) / max(1, total1 - total0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=int, help="how many idle-gated runs")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="the command and its arguments")
    ap.add_argument("--busy", type=float, default=0.08, help="start only below this busy fraction (0.08)")
    ap.add_argument("--wait", type=float, default=240.0, help="give up after this many seconds (240)")
    args = ap.parse_args(argv)
    if not args.command:
        ap.error("give the command to run, e.g. python bench/when_idle.py 3 python bench/run.py cnn_digits")
    try:
        busy_fraction(0.01)
    except OSError:
        ap.error("needs /proc/stat (Linux)")
    done, deadline = 0, time.time() + args.wait
    while done < args.runs and time.time() < deadline:
        if busy_fraction() < args.busy:
            started = time.strftime("%H:%M:%S")
            result = subprocess.run(args.command, capture_output=True, text=True)
            print(f"[idle at {started}] " + result.stdout.strip().replace("\n", " | "), flush=True)
            if result.returncode:
                print(result.stderr, file=sys.stderr)
                return result.returncode
            done += 1
        else:
            time.sleep(0.5)
    if done < args.runs:
        print(f"only {done} of {args.runs} run(s): the machine was not idle within {args.wait:.0f} s")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
