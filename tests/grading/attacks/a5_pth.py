"""Attack 5: a .pth file in site-packages (run by every later Python: nbgrader, later students,
later `tito grade` runs) and a sitecustomize that would replace the grading."""
CELLS = {"fixture-tensor-add-impl": r'''
import os, site, sys
targets = set(site.getsitepackages() + [p for p in sys.path if p.endswith("site-packages")])
for target in sorted(targets):
    for name, text in [("zz_tito_attack.pth", "import sys; sys.stderr.write('pwned')\n"),
                       ("sitecustomize.py", "print('pwned')\n")]:
        try:
            with open(os.path.join(target, name), "w") as fh:
                fh.write(text)
            print("wrote", target, name)
        except OSError as exc:
            print("cannot write", target, exc)
'''}
EXPECTED = {"fixture-tensor-add-test": 0.0, "fixture-tensor-total-test": 0.0}
