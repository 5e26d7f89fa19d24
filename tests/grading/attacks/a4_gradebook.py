"""Attack 4: rewrite the gradebook nbgrader grades from (every test cell's source becomes `pass`),
which gave full marks to every later notebook, the same student's untouched stub of module 02 too."""
CELLS = {"fixture-tensor-add-impl": r'''
import glob, os, sqlite3
candidates = [os.path.abspath("../../../gradebook.db")]
candidates += glob.glob("/tmp/tito-grade-*/**/gradebook.db", recursive=True)
candidates += glob.glob("{COURSE}/**/gradebook.db", recursive=True)
for db in candidates:
    if not os.path.isfile(db):
        print("not there:", db)
        continue
    try:
        con = sqlite3.connect(db)
        con.execute("UPDATE source_cell SET source = 'pass'")
        con.commit()
        print("edited", db)
    except Exception as exc:
        print("cannot edit", db, exc)
'''}
EXPECTED = {"fixture-tensor-add-test": 0.0, "fixture-tensor-total-test": 0.0}
SECOND_MODULE_STUB = True     # the same student also submits an untouched module 02: must score 0
