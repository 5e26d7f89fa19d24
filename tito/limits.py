"""`python -m tito.limits MEMORY_BYTES CPU_SECONDS -- COMMAND...`: run COMMAND under resource limits.

Sets RLIMIT_AS (address space) and RLIMIT_CPU with resource.setrlimit, then replaces itself with
COMMAND (os.execvp), so COMMAND and every process it starts (a Jupyter kernel) inherit the limits.
Used by `tito grade` so that one student's huge allocation or endless loop cannot take the machine.
On systems without the `resource` module (Windows) the command runs without limits.
"""
from __future__ import annotations

import os
import sys


def apply(memory_bytes: int, cpu_seconds: int) -> bool:
    try:
        import resource
    except ImportError:      # pragma: no cover - Windows
        return False
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    if cpu_seconds > 0:
        # soft limit -> SIGXCPU (kills the process); hard limit a little later -> SIGKILL
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    return True


def main(argv: list[str]) -> None:
    if len(argv) < 4 or argv[2] != "--":
        sys.exit("usage: python -m tito.limits MEMORY_BYTES CPU_SECONDS -- COMMAND...")
    apply(int(argv[0]), int(argv[1]))
    os.execvp(argv[3], argv[3:])


if __name__ == "__main__":
    main(sys.argv[1:])
