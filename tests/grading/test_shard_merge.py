"""`tito grade --shard K/N --course PATH` and `tito gradebook merge` on the three-submission fixture
(full, partial, empty), with a misnamed folder that is noted in the gradebook instead of stopping the
run; plus the fast checks of the slicing, the merge's refusals, misnamed folders and --unsafe."""
from __future__ import annotations

import csv
import shutil

import pytest

from tito import grading, manifest
from tito.report import TitoError

FULL = {"fixture-tensor-add-test": 2.0, "fixture-tensor-total-test": 3.0}
PARTIAL = {"fixture-tensor-add-test": 2.0, "fixture-tensor-total-test": 0.0}
EMPTY = {"fixture-tensor-add-test": 0.0, "fixture-tensor-total-test": 0.0}


def _class(root, fixture_release, h):
    subs = root / "submissions"
    student_nb = fixture_release / "modules/01_tensor/tensor_dev.ipynb"
    source = h.FIXTURE_COURSE / "modules/01_tensor/tensor_dev.py"
    for student in ("full", "partial", "empty"):
        (subs / student / "01_tensor").mkdir(parents=True)
        shutil.copy(student_nb, subs / student / "01_tensor" / "tensor_dev.ipynb")
    h.paste_solutions(source, subs / "full/01_tensor/tensor_dev.ipynb")
    h.paste_solutions(source, subs / "partial/01_tensor/tensor_dev.ipynb", only={"fixture-tensor-add-impl"})
    (subs / "full" / "1_tensor").mkdir()                  # misnamed: noted, not fatal
    return subs


def _scores(path):
    out = {}
    for r in csv.DictReader(path.open()):
        if r["grade_id"]:
            out.setdefault(r["student_id"], {})[r["grade_id"]] = float(r["score"])
    return out


@pytest.mark.slow
def test_shards_merge_to_the_whole_class(fixture_release, tmp_path, h):
    subs = _class(tmp_path, fixture_release, h)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    parts = []
    for k in (1, 2):
        out = tmp_path / f"gradebook-{k}.csv"
        run = h.tito(["grade", subs, "--course", h.FIXTURE_COURSE, "--shard", f"{k}/2", "--out", out,
                      "--timeout", "10", "--jobs", "2"], cwd=elsewhere)
        assert run.code == 0, run
        parts.append(out)
    one, two = _scores(parts[0]), _scores(parts[1])
    assert set(one) | set(two) == {"full", "partial", "empty"} and not set(one) & set(two)
    merged = tmp_path / "gradebook.csv"
    run = h.tito(["gradebook", "merge", *parts, "--out", merged], cwd=elsewhere)
    assert run.code == 0, run
    assert _scores(merged) == {"full": FULL, "partial": PARTIAL, "empty": EMPTY}
    notes = [r for r in csv.DictReader(merged.open()) if not r["grade_id"]]
    assert len(notes) == 1 and "'1_tensor' is not a module folder" in notes[0]["note"]
    assert "Not graded (misnamed folders)" in merged.with_suffix(".md").read_text()


def test_shard_is_a_deterministic_partition(h):
    course = manifest.load(h.FIXTURE_COURSE)
    m1, m2 = course.modules[0], course.modules[1]
    subs = [grading.Submission(s, m, h.FIXTURE_COURSE) for s in ("c", "a", "b", "d", "e") for m in (m2, m1)]
    slices = [grading.shard(list(reversed(subs)), f"{k}/3") for k in (1, 2, 3)]
    keys = [sorted((s.student, s.module.tag) for s in part) for part in slices]
    assert sorted(sum(keys, [])) == sorted((s.student, s.module.tag) for s in subs)
    assert keys == [sorted((s.student, s.module.tag) for s in grading.shard(subs, f"{k}/3")) for k in (1, 2, 3)]
    for bad in ("0/3", "4/3", "x"):
        with pytest.raises(TitoError, match="--shard"):
            grading.shard(subs, bad)


def test_merge_refuses_overlapping_or_foreign_parts(tmp_path):
    part = tmp_path / "a.csv"
    part.write_text("student_id,module,grade_id,score,max_score,note\nann,01_tensor,t1,1,2,\n")
    with pytest.raises(TitoError, match="graded in .* too"):
        grading.merge_gradebooks([part, part], tmp_path / "out.csv")
    other = tmp_path / "b.csv"
    other.write_text("name,points\nann,3\n")
    with pytest.raises(TitoError, match="not a tito gradebook"):
        grading.merge_gradebooks([other], tmp_path / "out.csv")


def test_misnamed_folders_are_noted_not_fatal(tmp_path, h):
    course = manifest.load(h.FIXTURE_COURSE)
    (tmp_path / "ann" / "01_tensor").mkdir(parents=True)
    (tmp_path / "ann" / "tensor").mkdir()
    (tmp_path / "bad id!" / "01_tensor").mkdir(parents=True)
    skipped: list[str] = []
    found = grading.find_submissions(course, tmp_path, skipped)
    assert [(s.student, s.module.dirname) for s in found] == [("ann", "01_tensor")]
    assert len(skipped) == 2 and any("'tensor' is not a module folder" in p for p in skipped)
    with pytest.raises(TitoError):           # without a list to note them in, the old strict behaviour
        grading.find_submissions(course, tmp_path)


def test_no_sandbox_refuses_unless_unsafe(monkeypatch):
    monkeypatch.setattr(grading.sandbox, "available", lambda: (False, "bubblewrap (bwrap) is not installed"))
    with pytest.raises(TitoError, match="--unsafe"):
        grading.sandbox_mode(unsafe=False)
    assert grading.sandbox_mode(unsafe=True).startswith("NOT SANDBOXED")


def test_a_shard_builds_each_students_package_from_all_their_submissions():
    """Found by the scripted instructor (issue 16): a shard holding alice's module 02 but not her module 01
    built her package from the shard alone, so module 02 ran against the stub of 01 and the merged
    gradebook differed from one run's."""
    course = manifest.load()
    m1, m2 = course.module(1), course.module(2)
    everything = [grading.Submission(st, m, f"/x/{st}/{m.dirname}") for st in ("alice", "bob") for m in (m1, m2)]
    one_shard = grading.shard(everything, "2/2")          # sorted (student, module): alice 02 and bob 02
    assert [(s.student, s.module.number) for s in one_shard] == [("alice", 2), ("bob", 2)]
    built_from = grading.package_sources(one_shard, everything)
    assert sorted((s.student, s.module.number) for s in built_from) == [("alice", 1), ("alice", 2),
                                                                       ("bob", 1), ("bob", 2)]
    assert grading.package_sources(one_shard[:1], everything) == everything[:2]     # only the graded students
    assert grading.package_sources(one_shard, None) == one_shard
