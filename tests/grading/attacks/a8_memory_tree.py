"""Attack 8: four children of 700 MB each (touched) under a 2048 MiB limit: the per-process limit
allows each, the whole-tree limit must not."""
CELLS = {"fixture-tensor-add-impl": r'''
import os, time
kids = []
for i in range(4):
    pid = os.fork()
    if pid == 0:
        block = b"x" * (700 * 2**20)
        time.sleep(60)
        os._exit(0)
    kids.append(pid)
for pid in kids:
    os.waitpid(pid, 0)
'''}
EXPECTED = {"fixture-tensor-add-test": 0.0, "fixture-tensor-total-test": 0.0}
NOTE = "MemoryLimit"
