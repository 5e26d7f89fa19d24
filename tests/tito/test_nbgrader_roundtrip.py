"""Generated notebooks survive the real nbgrader round trip (nbgrader run as a subprocess).

In a temporary nbgrader course: generate_assignment gives a release without solution code and without
hidden-test lines; autograding the reference notebook gives full points on every graded cell; the
untouched release gets 0 on every graded cell.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import load_file

import pytest

from tito import manifest
from tito.cells import hidden_blocks, parse_py, solution_blocks
from tito.notebooks import to_notebook

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "a1"


democourse = load_file(Path(__file__).with_name("democourse.py"), "tito_tests_democourse")


def nbgrader(course_dir: Path, *args: str, timeout: float = 600) -> str:
    """Run `nbgrader ARGS` in `course_dir`; the venv's bin/ is on PATH (nbgrader shells out to alembic)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["MPLBACKEND"] = "Agg"
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir, env=env,
                          capture_output=True, text=True, timeout=timeout)
    print(f"nbgrader {args[0]}: {time.perf_counter() - t0:.1f} s")
    log = done.stdout + done.stderr
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{log[-4000:]}"
    return log


def exclusive_lines(source: str, blocks: list[tuple[int, int]]) -> set[str]:
    """Stripped non-empty lines inside the blocks that do not also occur outside them."""
    lines = source.splitlines()
    inside = {i for a, b in blocks for i in range(a, b + 1)}
    outside = {lines[i].strip() for i in range(len(lines)) if i not in inside}
    return {lines[i].strip() for i in inside if lines[i].strip() and lines[i].strip() not in outside}


def roundtrip(source_py: Path, work: Path) -> dict:
    """Run the round trip for one module source; return what the assertions need."""
    name = source_py.stem
    course_dir = work / "course"
    (course_dir / "source" / ASSIGNMENT).mkdir(parents=True)
    (course_dir / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course_dir)!r}\n"
        "c.CourseDirectory.course_id = 'tinytorch-roundtrip'\n"
        "c.ExecutePreprocessor.timeout = 300\n")
    reference = to_notebook(source_py, course_dir / "source" / ASSIGNMENT / f"{name}.ipynb")

    nbgrader(course_dir, "generate_assignment", ASSIGNMENT, "--force", "--create")
    release = course_dir / "release" / ASSIGNMENT / f"{name}.ipynb"
    assert release.is_file(), "generate_assignment wrote no release notebook"

    for student, notebook in (("ref", reference), ("blank", release)):
        dest = course_dir / "submitted" / student / ASSIGNMENT / f"{name}.ipynb"
        dest.parent.mkdir(parents=True)
        shutil.copy(notebook, dest)
    nbgrader(course_dir, "autograde", ASSIGNMENT, "--create")

    from nbgrader.api import Gradebook
    gradebook_url = f"sqlite:///{course_dir / 'gradebook.db'}"
    scores = {}
    with Gradebook(gradebook_url) as gb:
        for student in ("ref", "blank"):
            nb = gb.find_submission_notebook(name, ASSIGNMENT, student)
            scores[student] = {g.name: (g.score, g.max_score) for g in nb.grades if g.cell_type == "code"}
    return {"release": json.loads(release.read_text(encoding="utf-8")), "scores": scores}


def check_roundtrip(source_py: Path, work: Path) -> float:
    start = time.perf_counter()
    result = roundtrip(source_py, work)
    elapsed = time.perf_counter() - start
    cells = parse_py(source_py.read_text(encoding="utf-8"), source_py)

    # The release: no solution code, no hidden-test lines, no markers, stubs where solutions were.
    release_cells = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"])
                     for c in result["release"]["cells"] if "nbgrader" in c["metadata"]}
    whole_release = "\n".join("".join(c["source"]) for c in result["release"]["cells"])
    assert "BEGIN SOLUTION" not in whole_release and "BEGIN HIDDEN TESTS" not in whole_release
    graded_points = {}
    for cell in cells:
        meta = cell.nbgrader
        if not meta:
            continue
        released = release_cells[meta["grade_id"]]
        released_lines = {l.strip() for l in released.splitlines()}
        if meta.get("solution") and cell.kind == "code":
            solution = exclusive_lines(cell.source, solution_blocks(cell.source))
            assert solution, f"{meta['grade_id']}: a solution cell without solution code"
            assert not solution & released_lines, f"{meta['grade_id']}: solution code in the release"
            assert "NotImplementedError" in released
        if meta.get("grade") and not meta.get("solution"):
            graded_points[meta["grade_id"]] = meta["points"]
            hidden = exclusive_lines(cell.source, hidden_blocks(cell.source))
            assert not hidden & released_lines, f"{meta['grade_id']}: hidden-test lines in the release"
    assert graded_points, "the module has no graded test cell"

    # Autograding: the reference scores full points, the untouched release 0, on every graded cell.
    ref, blank = result["scores"]["ref"], result["scores"]["blank"]
    assert set(ref) == set(graded_points) == set(blank)
    for grade_id, points in graded_points.items():
        assert ref[grade_id] == (points, points), f"reference lost points on {grade_id}: {ref[grade_id]}"
        assert blank[grade_id] == (0, points), f"the untouched release scores on {grade_id}: {blank[grade_id]}"
    return elapsed


def test_roundtrip_demo_module(tmp_path):
    """The small demo module (14 s idle, most of it nbgrader's start-up): in the default run."""
    democourse.make_course(tmp_path / "demo")
    elapsed = check_roundtrip(tmp_path / "demo" / "modules" / "01_demo" / "demo_dev.py", tmp_path / "work")
    print(f"demo round trip: {elapsed:.1f} s")


@pytest.mark.slow      # measured 15 s on an idle 2-core machine, 36-39 s while other jobs ran
def test_roundtrip_module_01(tmp_path):
    module = manifest.load(REPO).module(1)
    if not module.source.is_file():
        pytest.skip(f"{module.source.relative_to(REPO)} does not exist yet (module 01 is being written)")
    elapsed = check_roundtrip(module.source, tmp_path)
    print(f"module 01 round trip: {elapsed:.1f} s")
