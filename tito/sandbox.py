"""The grading sandbox: each notebook's Jupyter kernel runs under bubblewrap (`bwrap`).

nbgrader itself (checksums, putting the instructor's test cells back, scoring, the gradebook) runs
OUTSIDE the sandbox, in tito's per-notebook nbgrader folder; only the kernel that executes the
student's code runs inside. nbgrader talks to it over ZeroMQ `ipc` sockets (Unix sockets in a scratch
folder both sides see), so the sandbox needs no network at all.

What the kernel sees (a fresh mount view, nothing else of the host):
  - read-only: /usr, /etc and the host's top-level /bin, /lib... links, the Python installation
    (the venv and its base interpreter) and ONE package folder holding the `tinytorch` to import
    (for `tito grade`: the student-release package with the student's own exported modules);
  - writable: the copy of the submitted notebook's folder (the kernel's working directory), a scratch
    folder (HOME, the kernel's sockets) and a private /tmp;
  - not there: the course repository, the master/source notebooks, the gradebook, the other
    submissions, the SUBMISSIONS folder, the network (`--unshare-all`: new user, PID, network, IPC,
    UTS and cgroup namespaces), the grader's environment variables (`--clearenv`).
The kernel is PID 1's child in a new PID namespace in a new session, and bwrap runs with
--die-with-parent: killing bwrap (or the nbgrader process that started it) kills every process the
student started, double-forked and setsid() ones included.

Whole-tree limits: every process inherits RLIMIT_AS (memory) and RLIMIT_CPU; a watchdog thread in the
grading process sums the resident memory of ALL the sandbox's processes and counts them every 0.2 s,
and kills the whole sandbox when the sum passes the memory limit or the count passes the process
limit. (A cgroup v2 memory.max/pids.max would make that exact; tito does not create cgroups yet: a
tree can briefly overshoot the memory limit by what it allocates within one poll interval.)

The sandbox is configured by environment variables of the nbgrader process (TITO_SANDBOX_*), set by
tito.grading; nbgrader_config.py selects SandboxKernelManager as Execute's kernel manager.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

ENV = "TITO_SANDBOX"          # JSON settings for the kernel manager (see settings())
EVENTS = "TITO_GRADING_EVENTS"  # file where the grading process records what happened (kills, crashes)
WATCH_INTERVAL = 0.2


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def available() -> tuple[bool, str]:
    """(True, '') when bwrap can build a sandbox here, else (False, why)."""
    if not sys.platform.startswith("linux"):
        return False, f"the sandbox needs Linux (this is {sys.platform})"
    exe = bwrap_path()
    if not exe:
        return False, "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    try:
        done = subprocess.run([exe, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent",
                               "--new-session", "true"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap could not run: {exc}"
    if done.returncode != 0:
        return False, f"bwrap cannot create namespaces here: {done.stderr.strip()[:200]}"
    return True, ""


def python_roots() -> list[str]:
    """Folders the kernel's Python needs (the venv, the base installation), real paths, de-duplicated."""
    roots = []
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))):
        real = os.path.realpath(p)
        if real.startswith("/usr/") or real == "/usr":
            continue
        if not any(real == r or real.startswith(r + "/") for r in roots):
            roots = [r for r in roots if not r.startswith(real + "/")] + [real]
    return roots


def bwrap_args(workdir: str, scratch: str, package: str | None, pythonpath_extra: str = "") -> list[str]:
    """The bwrap command line (without the command) for one kernel."""
    args = [bwrap_path() or "bwrap", "--unshare-all", "--die-with-parent", "--new-session",
            "--clearenv", "--cap-drop", "ALL"]
    for top in ("usr", "etc"):
        args += ["--ro-bind", f"/{top}", f"/{top}"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = f"/{name}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for root in python_roots():
        args += ["--ro-bind", root, root]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    args += ["--bind", scratch, scratch, "--bind", workdir, workdir, "--chdir", workdir]
    path = "/usr/local/bin:/usr/bin:/bin"
    venv_bin = os.path.dirname(sys.executable)
    env = {"HOME": scratch, "PATH": f"{venv_bin}:{path}", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "JUPYTER_PLATFORM_DIRS": "1", "TMPDIR": "/tmp"}
    if package and os.path.isdir(package):       # the `tinytorch` folder to import, as /grader/lib/tinytorch
        args += ["--ro-bind", package, "/grader/lib/tinytorch"]
        env["PYTHONPATH"] = "/grader/lib"
    if os.environ.get("VIRTUAL_ENV"):
        env["VIRTUAL_ENV"] = os.environ["VIRTUAL_ENV"]
    for k, v in env.items():
        args += ["--setenv", k, v]
    return args


def record_event(text: str, student: str = "") -> None:
    """Append one line to the events file tito reads after the run (outside the sandbox)."""
    path = os.environ.get(EVENTS)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"student": student, "event": text}) + "\n")


def read_events(path: Path) -> list[dict]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def settings() -> dict:
    return json.loads(os.environ.get(ENV, "{}") or "{}")


# ------------------------------------------------------------------ process tree of a sandbox

def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode(errors="replace")
            ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def descendants(pid: int) -> list[int]:
    kids, out, todo = _children_map(), [], [pid]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Watchdog(threading.Thread):
    """Kills the sandbox rooted at `pid` (the bwrap process) when its whole tree passes the limits."""

    def __init__(self, pid: int, memory_bytes: int, max_procs: int, record):
        super().__init__(daemon=True, name=f"tito-watchdog-{pid}")
        self.pid, self.memory, self.max_procs, self.record = pid, memory_bytes, max_procs, record
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(WATCH_INTERVAL):
            try:
                os.kill(self.pid, 0)
            except OSError:
                return
            tree = descendants(self.pid)
            total = sum(_rss(p) for p in tree)
            why = ""
            if self.memory and total > self.memory:
                why = (f"MemoryLimit: the submission's processes together used {total / 2**20:.0f} MiB, "
                       f"over the {self.memory / 2**20:.0f} MiB limit; all of them were killed")
            elif self.max_procs and len(tree) > self.max_procs:
                why = (f"ProcessLimit: the submission ran {len(tree)} processes at once, over the limit of "
                       f"{self.max_procs}; all of them were killed")
            if why:
                self.record(why)
                kill_tree(self.pid)
                return


def kill_tree(pid: int) -> None:
    """SIGKILL bwrap and everything under it (the PID namespace dies with its init anyway)."""
    for p in [pid, *descendants(pid)]:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


# ------------------------------------------------------------------ the kernel manager

class SandboxKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernel runs inside bwrap, reached over ipc sockets."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        conf = settings()
        self._conf = conf
        self._scratch = conf.get("scratch") or os.path.join(os.getcwd(), "sandbox-scratch")
        os.makedirs(self._scratch, exist_ok=True)
        self.transport = "ipc"
        self.ip = os.path.join(self._scratch, "k")
        self.connection_file = os.path.join(self._scratch, "kernel.json")
        self._watchdog: Watchdog | None = None

    def _wrap(self, cmd: list[str], workdir: str) -> list[str]:
        return bwrap_args(os.path.realpath(workdir), self._scratch, self._conf.get("package")) + ["--", *cmd]

    last_kill = ""   # why the watchdog killed the sandbox (read by tito.grading_kernel)

    def _record(self, why: str) -> None:
        self.last_kill = why

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["stdin"] = subprocess.DEVNULL
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        kernel_cmd = self._wrap(list(kernel_cmd), kw.get("cwd") or os.getcwd())
        await super()._async_launch_kernel(kernel_cmd, **kw)
        pid = self._bwrap_pid()
        if pid and (self._conf.get("tree_memory") or self._conf.get("max_procs")):
            self._watchdog = Watchdog(pid, int(self._conf.get("tree_memory") or 0),
                                      int(self._conf.get("max_procs") or 0), self._record)
            self._watchdog.start()

    _launch_kernel = _async_launch_kernel

    def _bwrap_pid(self) -> int | None:
        proc = getattr(self.provisioner, "process", None)
        return getattr(proc, "pid", None)

    async def _async_interrupt_kernel(self):
        """bwrap does not forward SIGINT: send it to the Python kernel inside the sandbox."""
        pid = self._bwrap_pid()
        if not pid:
            return
        for p in descendants(pid):
            if "ipykernel" in _cmdline(p):
                try:
                    os.kill(p, signal.SIGINT)
                except OSError:
                    pass

    interrupt_kernel = _async_interrupt_kernel

    async def _async_kill_kernel(self, restart: bool = False):
        pid = self._bwrap_pid()
        if pid:
            kill_tree(pid)
        await super()._async_kill_kernel(restart=restart)

    _kill_kernel = _async_kill_kernel

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False):
        pid = self._bwrap_pid()
        try:
            await super()._async_shutdown_kernel(now=True, restart=restart)
        finally:
            if pid:
                kill_tree(pid)
            if self._watchdog:
                self._watchdog.stopped.set()

    shutdown_kernel = _async_shutdown_kernel
