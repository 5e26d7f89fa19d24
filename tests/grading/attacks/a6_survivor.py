"""Attack 6: a double-forked, setsid() process that outlives grading and later rewrites the gradebook
CSV, then a cell that sleeps forever (grading must still end, within its limits)."""
CELLS = {"fixture-tensor-add-impl": r'''
import os, time
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sh", ["sh", "-c", "sleep 300; echo {MARKER} > {GRADEBOOK}"])
    os._exit(0)
os.waitpid(pid, 0)
time.sleep(10**6)
'''}
EXPECTED = {"fixture-tensor-add-test": 0.0, "fixture-tensor-total-test": 0.0}
NOTE = "CellTimeoutError"
