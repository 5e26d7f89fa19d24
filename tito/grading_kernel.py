"""nbgrader's Execute step, hardened for grading hostile notebooks (`tito grade`, `tito mutants`).

- A kernel that dies (os._exit, a segfault from deep recursion, the memory or process limit) or stops
  answering (IOPub timeout) is not the end of the notebook: the cell where it happened gets an error
  (so a graded cell there scores 0), tito starts a fresh kernel, re-runs the cells before it (outputs
  discarded) to rebuild the student's definitions and goes on; cells that ran before keep their scores
  and the later cells are graded normally. After MAX_RESTARTS failures the remaining cells are marked
  as not run. Every such failure is recorded as an event that `tito grade` writes into the gradebook.
- Before and after each graded test cell, tito checks the kernel's integrity from outside the cell's
  code (an execute request's `user_expressions`, which IPython evaluates without its input or AST
  transformers): IPython's ast_transformers / input transformers, sys.settrace / sys.setprofile,
  python -O, the core builtins, numpy's comparison functions and numpy.testing, the standard-library functions
  trusted grading code uses (subprocess, json, importlib, time), sys.executable, and the test functions
  the instructor's cells defined. Any change from the fresh kernel's state (or, for test functions, from
  what the instructor's cell defined) marks the cell "TamperingDetected" and it scores 0.
- When tito.sandbox is configured (TITO_SANDBOX in the environment), the kernel runs inside bubblewrap
  (tito.sandbox.SandboxKernelManager).
A kernel-level attacker who also rewrites IPython's kernel machinery can in principle fool any
in-kernel check; the sandbox is what keeps answers, other students and the gradebook out of reach.
"""
from __future__ import annotations

import ast
import copy
import os

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute

KERNEL_DIED = "KernelDied"
NOT_RUN = "NotRun"
TAMPERING = "TamperingDetected"
IOPUB_TIMEOUT = "KernelUnresponsive"
# A graded cell that re-measures a student's claims raises this exception (tinytorch.capstone_support.ClaimsFlagged)
# when the claimed numbers differ from the re-measured ones: the gradebook flags it for the instructor.
CLAIMS_FLAGGED = "ClaimsFlagged"
FLAG_NOTE = "FLAGGED"
MAX_RESTARTS = 3
CHECK_TIMEOUT = 15

NUMPY_FUNCTIONS = ("allclose", "isclose", "array_equal", "array_equiv", "testing.assert_allclose",
                   "testing.assert_array_equal", "testing.assert_equal", "testing.assert_almost_equal",
                   "testing.assert_array_almost_equal", "testing.assert_raises", "testing.assert_array_less")
BUILTINS = ("print", "len", "abs", "isinstance", "issubclass", "range", "sum", "all", "any", "min", "max",
            "round", "float", "int", "bool", "str", "repr", "list", "dict", "tuple", "set", "type", "zip",
            "map", "enumerate", "sorted", "getattr", "hasattr", "setattr", "callable", "iter", "next", "id",
            "hash", "super", "compile", "exec", "eval", "__import__", "open", "object", "Exception",
            "BaseException", "AssertionError", "ValueError", "TypeError", "NotImplementedError")
# Standard-library functions that trusted grading code relies on (module 20's re-measurement runs a fresh
# process and reads its JSON answer; the hidden cells load a fresh copy of a support file). Each, when its
# module is imported, must still be the standard library's own function of that name, written in a file
# of the standard library's folder (or a builtin of that name).
STDLIB_FUNCTIONS = ("subprocess.run", "subprocess.Popen.__init__", "subprocess.Popen.communicate",
                    "subprocess.Popen._execute_child", "json.loads", "json.dumps", "json.load",
                    "os.path.getsize", "os.path.exists", "time.perf_counter", "time.process_time",
                    "importlib.util.spec_from_file_location", "importlib.util.module_from_spec",
                    "pathlib.Path.read_text", "tempfile.mkdtemp")

# Evaluated in the kernel by IPython's user_expressions (no input/AST transformers involved). Returns
# a repr'd dict; tito compares it with the fresh kernel's.
FINGERPRINT = (
    "(lambda sys, b, ip: repr({"
    "'ip': (id(ip), type(ip).__module__), "
    "'builtins_module': id(b), "
    "'ast': [id(t) for t in ip.ast_transformers], "
    "'cleanup': [id(t) for t in ip.input_transformers_cleanup], "
    "'post': [id(t) for t in ip.input_transformers_post], "
    "'run': [id(getattr(type(ip), n, None)) for n in ('run_cell', 'run_ast_nodes', 'run_code', "
    "'transform_cell', 'showtraceback', 'user_expressions')] "
    "+ sorted(n for n in ('run_cell', 'run_ast_nodes', 'run_code', 'transform_cell', 'showtraceback', "
    "'user_expressions', 'compile') if n in vars(ip)), "
    "'trace': repr(sys.gettrace()), 'profile': repr(sys.getprofile()), 'optimize': sys.flags.optimize, "
    "'builtins': [(n, id(getattr(b, n, None))) for n in BUILTINS], "
    "'numpy': (lambda np: None if np is None else sorted("
    "n for n in NUMPY_FUNCTIONS if (lambda f: f is None or not str(getattr(f, '__module__', '')).startswith('numpy')"
    " or (hasattr(f, '__code__') and not f.__code__.co_filename.startswith(__import__('os').path.dirname(np.__file__))))"
    "((lambda o: [o := getattr(o, p, None) for p in n.split('.')][-1])(np)))"
    ")(sys.modules.get('numpy')), "
    "'stdlib': (lambda found: {'ids': {n: id(f) for n, f in found.items() if f is not None}, 'bad': sorted("
    "n for n, f in found.items() if f is not None and (getattr(f, '__name__', None) != n.split('.')[-1] or not ("
    "type(f).__name__ == 'builtin_function_or_method' or (hasattr(f, '__code__') and f.__code__.co_filename"
    ".startswith((__import__('os').path.dirname(__import__('os').__file__) + '/', '<frozen '))))))})("
    "{n: (lambda m: None if m is None "
    "else [o := m] and [o := getattr(o, p, None) for p in n[len(m.__name__) + 1:].split('.')][-1])(next(("
    "sys.modules[k] for k in ('.'.join(n.split('.')[:2]), n.split('.')[0]) if k in sys.modules), None)) "
    "for n in STDLIB_FUNCTIONS}), "
    "'stdlib_folder': __import__('os').path.dirname(__import__('os').__file__), 'executable': sys.executable, "
    "'tests': {k: hash((v.__code__.co_code, v.__code__.co_names)) for k, v in ip.user_ns.items() "
    "if k.startswith('test') and callable(v) and hasattr(v, '__code__')}, "
    "}))(__import__('sys'), __import__('builtins'), get_ipython())"
).replace("BUILTINS", repr(BUILTINS)).replace("NUMPY_FUNCTIONS", repr(NUMPY_FUNCTIONS)).replace(
    "STDLIB_FUNCTIONS", repr(STDLIB_FUNCTIONS))


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


def _is_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _is_locked(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("locked") or _is_test(cell)) and not meta.get("solution")


def _label(cell, index: int) -> str:
    gid = cell.metadata.get("nbgrader", {}).get("grade_id")
    return f"cell {index + 1}" + (f" ({gid})" if gid else " (ungraded)")


class RestartingExecute(Execute):
    """Execute that survives dead or unresponsive kernels and checks the kernel's integrity."""

    def create_kernel_manager(self):
        """With TITO_SANDBOX set, the kernel runs in bubblewrap (nbconvert re-runs __init__ in
        preprocess, so the class is chosen here, right before the kernel manager is made)."""
        if os.environ.get("TITO_SANDBOX"):
            from .sandbox import SandboxKernelManager
            self.kernel_manager_class = SandboxKernelManager
            km = super().create_kernel_manager()
            if not isinstance(km, SandboxKernelManager):      # fail closed, never run unsandboxed
                raise RuntimeError("tito: the grading kernel would not run in the sandbox")
            return km
        return super().create_kernel_manager()

    def preprocess(self, nb, resources=None, km=None):
        self._deaths: list[int] = []
        self._baseline: dict | None = None
        self._trusted_tests: dict[str, int] = {}
        self._student = ((resources or {}).get("nbgrader") or {}).get("student", "")
        return super().preprocess(nb, resources, km)

    # ------------------------------------------------------------ events and failures
    def _event(self, text: str) -> None:
        from .sandbox import record_event
        record_event(text, self._student)

    def preprocess_cell(self, cell, resources, index):
        if len(self._deaths) > MAX_RESTARTS:
            if cell.cell_type == "code":
                cell.outputs = [_error(NOT_RUN, "not run: the kernel failed too often in earlier cells")]
            return cell, self.resources
        if cell.cell_type != "code":
            return super().preprocess_cell(cell, resources, index)
        test = _is_test(cell)
        if self._baseline is None:
            self._baseline = self._fingerprint()
        if test:
            problem = self._tampering()
            if problem:
                cell.outputs = [_error(TAMPERING, f"tampering detected before this cell: {problem}")]
                self._event(f"{_label(cell, index)}: tampering detected ({problem}); the cell scores 0")
                return cell, self.resources
        try:
            result = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            why = getattr(self.km, "last_kill", "") or ""
            if hasattr(self.km, "last_kill"):
                self.km.last_kill = ""
            self._failed(cell, index, KERNEL_DIED,
                         (why + "; " if why else "") + "the kernel died while running this cell (os._exit, "
                         "a crash such as deep recursion, or the CPU/memory/process limit)")
            return cell, self.resources
        except CellTimeoutError as exc:
            self._failed(cell, index, IOPUB_TIMEOUT,
                         f"the kernel stopped answering while running this cell ({str(exc).splitlines()[0][:120]})")
            return cell, self.resources
        timeouts = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"
                    and o.get("ename") == "CellTimeoutError"]
        if timeouts:
            self._event(f"{_label(cell, index)}: CellTimeoutError: still running after the {self.timeout} s "
                        "cell timeout (an endless loop or a wait?); interrupted, the next cells ran on")
        if _is_locked(cell):
            self._trust_tests()
        if test:
            problem = self._tampering()
            if problem:
                cell.outputs.append(_error(TAMPERING, f"tampering detected while this cell ran: {problem}"))
                self._event(f"{_label(cell, index)}: tampering detected ({problem}); the cell scores 0")
        return result

    def _failed(self, cell, index: int, ename: str, what: str) -> None:
        self._deaths.append(index)
        cell.outputs = list(cell.get("outputs", [])) + [_error(
            ename, f"{what}; tito restarted the kernel and re-ran the earlier cells")]
        self._event(f"{_label(cell, index)}: {ename}: {what}; kernel restarted, earlier cells re-run, "
                    "cells that ran before keep their scores")
        if len(self._deaths) <= MAX_RESTARTS:
            self._restart(index)

    def _restart(self, index: int) -> None:
        """A fresh kernel (same cwd and environment), with cells 0..index-1 run again silently."""
        try:
            if self.kc is not None:
                self.kc.stop_channels()
        except Exception:  # the old channels may already be gone
            pass
        run_sync(self.km.restart_kernel)(now=True)
        self.start_new_kernel_client()
        self._baseline = self._fingerprint()
        for i in range(index):
            old = self.nb.cells[i]
            if old.cell_type != "code" or i in self._deaths:
                continue
            replay = copy.deepcopy(old)
            try:
                super().execute_cell(replay, i, store_history=False)
            except (DeadKernelError, CellTimeoutError):
                self._deaths.append(i)
                run_sync(self.km.restart_kernel)(now=True)
                self.start_new_kernel_client()
                self._baseline = self._fingerprint()

    # ------------------------------------------------------------ integrity
    def _fingerprint(self) -> dict | None:
        """The kernel's integrity fingerprint, or None when the kernel does not answer."""
        try:
            return run_sync(self._async_fingerprint)()
        except Exception:
            return None

    async def _async_fingerprint(self) -> dict | None:
        msg_id = self.kc.execute("", silent=True, store_history=False,
                                 user_expressions={"tito": FINGERPRINT})
        reply = await self.async_wait_for_reply(msg_id)
        if reply is None:
            return None
        value = reply["content"].get("user_expressions", {}).get("tito", {})
        if value.get("status") != "ok":
            return {"error": f"{value.get('ename', '')}: {value.get('evalue', '')}"}
        try:
            found = ast.literal_eval(value["data"]["text/plain"])    # the repr of the repr'd dict
            found = ast.literal_eval(found) if isinstance(found, str) else found
        except (KeyError, ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            found = None
        return found if isinstance(found, dict) else {"error": "unreadable fingerprint"}

    def _trust_tests(self) -> None:
        """After an instructor's (locked) cell ran: its test functions are the trusted ones."""
        now = self._fingerprint() or {}
        self._trusted_tests.update(now.get("tests", {}) if isinstance(now.get("tests"), dict) else {})

    def _tampering(self) -> str:
        try:
            return self._compare()
        except Exception as exc:         # never let a check crash the grading of the notebook
            return f"tito's integrity check could not be completed ({type(exc).__name__})"

    def _compare(self) -> str:
        now, base = self._fingerprint(), self._baseline or {}
        if now is None:
            return "the kernel did not answer tito's integrity check"
        if "error" in now:
            return f"tito's integrity check failed in the kernel ({now['error'][:100]})"
        what = []
        names = {"ip": "the IPython shell object", "builtins_module": "the builtins module",
                 "ast": "IPython ast_transformers", "cleanup": "IPython input_transformers_cleanup",
                 "post": "IPython input_transformers_post", "run": "IPython's cell-running methods",
                 "trace": "sys.settrace", "profile": "sys.setprofile", "optimize": "python -O (asserts off)",
                 "builtins": "replaced builtins", "stdlib_folder": "the standard library's folder (os.__file__)",
                 "executable": "sys.executable"}
        for key, text in names.items():
            if key in base and now.get(key) != base.get(key):
                if key == "builtins":
                    changed = [n for (n, i), (_, j) in zip(base[key], now.get(key, [])) if i != j]
                    text += f" ({', '.join(changed[:5])})"
                what.append(text)
        if now.get("numpy"):
            what.append("patched numpy (" + ", ".join(now["numpy"][:5]) + ")")
        std_now, std_base = now.get("stdlib") or {}, base.get("stdlib") or {}
        patched = sorted(set(std_now.get("bad", [])) | {n for n, i in std_now.get("ids", {}).items()
                                                         if n in std_base.get("ids", {}) and std_base["ids"][n] != i})
        if patched:
            what.append("patched the standard library (" + ", ".join(patched[:5]) + ")")
        tests = now.get("tests", {}) if isinstance(now.get("tests"), dict) else {}
        modified = sorted(k for k, h in self._trusted_tests.items() if k in tests and tests[k] != h)
        if modified:
            what.append("modified test function(s) " + ", ".join(modified[:5]))
        return "; ".join(what)


def autograde_preprocessors() -> list:
    """nbgrader's own autograde preprocessor list with Execute replaced by RestartingExecute."""
    from nbgrader.converters import Autograde

    default = Autograde.autograde_preprocessors.default()
    return [RestartingExecute if pp is Execute else pp for pp in default]
