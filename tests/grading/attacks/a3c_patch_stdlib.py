"""Attack 3, third form: replace standard-library functions that trusted grading code calls (module 20's
re-measurement runs a fresh process with subprocess.run) by one that returns what the student wants, and
swap time.perf_counter for a clock that barely moves. (Replacing json.loads as well stops the kernel from
reading its own messages: the cell then scores 0 as an unresponsive kernel.)"""
CELLS = {"fixture-tensor-add-impl": r'''
import subprocess
import time
subprocess.run = lambda *args, **kwargs: None
time.perf_counter = time.process_time

def add(a, b):
    return None
'''}
EXPECTED = {"fixture-tensor-add-test": 0.0, "fixture-tensor-total-test": 0.0}
NOTE = "patched the standard library (subprocess.run, time.perf_counter)"
