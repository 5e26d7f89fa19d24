"""Issue 12's attacks on `tito grade`, each a submission built from the fixture course's student
notebook with the attack's code in its cells (tests/grading/attacks/aN_*.py), graded in ONE
`tito grade` run together with two honest students. For every attack: no score above what its real
code earns, the honest students' scores unchanged, no file outside the sandbox changed (the course,
the repository's package and tools, site-packages, every submission), no process of any submission
alive after `tito grade` returns, and the run within the sum of its limits plus a margin."""
from __future__ import annotations

import csv
import hashlib
import os
import shutil
import site
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import load_file
from tito import sandbox

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sandbox.available()[0], reason="bubblewrap cannot run here")]

ATTACKS = sorted(Path(__file__).with_name("attacks").glob("a*.py"))
TIMEOUT, MEMORY_MB, JOBS = 8, 2048, 2
HONEST = {"honest-full": {"fixture-tensor-add-test": 2.0, "fixture-tensor-total-test": 3.0},
          "honest-partial": {"fixture-tensor-add-test": 2.0, "fixture-tensor-total-test": 0.0}}


def _stat_fingerprint(folder: Path) -> dict[str, tuple]:
    """path -> (size, mtime_ns, mode) of every file: site-packages is too big to hash whole."""
    out = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for f in files:
            p = os.path.join(root, f)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            out[p] = (st.st_size, st.st_mtime_ns, st.st_mode)
    return out


def _hash_tree(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _processes_with(marker: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in cmd:
                found.append(f"{pid}: {cmd[:120]}")
    return found


@pytest.fixture(scope="module")
def attacked(fixture_release, tmp_path_factory, h):
    root = tmp_path_factory.mktemp("attacks")
    subs, out = root / "submissions", root / "gradebook.csv"
    student_nb = fixture_release / "modules/01_tensor/tensor_dev.ipynb"
    source = h.FIXTURE_COURSE / "modules/01_tensor/tensor_dev.py"
    marker = f"tito-attack-{uuid.uuid4().hex[:12]}"
    attacks = {}

    def submit(student: str, module="01_tensor", nb=student_nb) -> Path:
        dest = subs / student / module / nb.name
        dest.parent.mkdir(parents=True)
        shutil.copy(nb, dest)
        return dest

    h.paste_solutions(source, submit("honest-full"))
    h.paste_solutions(source, submit("honest-partial"), only={"fixture-tensor-add-impl"})
    for path in ATTACKS:
        spec = load_file(path, f"attack_{path.stem}")
        student = path.stem.replace("_", "-")
        attacks[student] = spec
        nb = submit(student)
        if getattr(spec, "PASTE", None):
            h.paste_solutions(source, nb, only=spec.PASTE)
        for gid, code in spec.CELLS.items():
            for key, value in {"{COURSE}": h.FIXTURE_COURSE, "{REPO}": h.REPO, "{SUBS}": subs,
                               "{MARKER}": marker, "{GRADEBOOK}": out}.items():
                code = code.replace(key, str(value))
            h.set_cell(nb, gid, "#| export\n" + code.strip() + "\n")
        if getattr(spec, "SECOND_MODULE_STUB", False):
            submit(student, "02_activations", fixture_release / "modules/02_activations/activations_dev.ipynb")

    site_dirs = [Path(p) for p in dict.fromkeys(site.getsitepackages()) if Path(p).is_dir()]
    guarded = [h.FIXTURE_COURSE, h.REPO / "tito", h.REPO / "tinytorch", h.REPO / "modules"]
    before = ({str(d): _hash_tree(d) for d in guarded}, {str(d): _stat_fingerprint(d) for d in site_dirs},
              h.tree_hashes(subs))
    start = time.monotonic()
    run = h.tito(["grade", subs, "--out", out, "--timeout", TIMEOUT, "--jobs", JOBS, "--memory-mb", MEMORY_MB],
                 cwd=h.FIXTURE_COURSE)
    seconds = time.monotonic() - start
    survivors = _processes_with(marker)
    after = ({str(d): _hash_tree(d) for d in guarded}, {str(d): _stat_fingerprint(d) for d in site_dirs},
             h.tree_hashes(subs))
    rows = list(csv.DictReader(out.open())) if out.exists() else []
    time.sleep(1)
    csv_after = out.read_text() if out.exists() else ""
    return dict(run=run, rows=rows, before=before, after=after, seconds=seconds, survivors=survivors,
                marker=marker, attacks=attacks, subs=subs, csv_after=csv_after, out=out)


def _scores(rows, student, module="01_tensor"):
    return {r["grade_id"]: float(r["score"]) for r in rows if r["student_id"] == student and r["module"] == module}


def _notes(rows, student):
    return " ".join(r["note"] for r in rows if r["student_id"] == student)


def test_the_run_succeeded(attacked):
    assert attacked["run"].code == 0, attacked["run"]


@pytest.mark.parametrize("attack", [p.stem.replace("_", "-") for p in ATTACKS])
def test_attack_earns_no_more_than_its_code(attacked, attack):
    spec, rows = attacked["attacks"][attack], attacked["rows"]
    assert _scores(rows, attack) == spec.EXPECTED, _notes(rows, attack)
    if getattr(spec, "NOTE", None):
        assert spec.NOTE in _notes(rows, attack), _notes(rows, attack)
    if getattr(spec, "NOTE2", None):
        assert spec.NOTE2 in _notes(rows, attack), _notes(rows, attack)
    if getattr(spec, "SECOND_MODULE_STUB", False):
        assert _scores(rows, attack, "02_activations") == {"fixture-activations-relu-test": 0.0}


def test_honest_students_score_as_before(attacked):
    for student, expected in HONEST.items():
        assert _scores(attacked["rows"], student) == expected


def test_no_file_outside_the_sandbox_changed(attacked):
    (course0, site0, subs0), (course1, site1, subs1) = attacked["before"], attacked["after"]
    assert course0 == course1, "the course repository changed"
    assert site0 == site1, "site-packages changed"
    assert subs0 == subs1, "a submission changed"
    assert not list(attacked["subs"].parent.rglob("PWNED"))


def test_no_process_of_a_submission_survives(attacked):
    assert attacked["survivors"] == []
    assert attacked["marker"] not in attacked["csv_after"]


def test_the_run_stays_within_its_limits(attacked):
    from tito.grading import Limits

    notebooks = len(attacked["attacks"]) + len(HONEST) + 1
    cells = 11                                  # code + markdown cells of the fixture notebook
    bound = notebooks * Limits(cell_timeout=TIMEOUT).wall(cells) / JOBS + 60
    assert attacked["seconds"] < bound, attacked["seconds"]
    print(f"tito grade of {notebooks} notebooks ({len(ATTACKS)} attacks) took {attacked['seconds']:.0f} s")
