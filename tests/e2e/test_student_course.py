"""A scripted student takes the whole course: every ready module, in order, then every ready milestone.

The student gets the instructor's release (`tito release`, all ready modules), sets it up as the
workspace README says (its own venv, `pip install -e .`: see student_venv.py), and with that venv's
`tito` runs, for each module in course order, `tito module start NN`, pastes the reference solution cells
into the student notebook (by grade_id, what a student does by hand) and `tito module complete NN`
(runs the notebook, exports it into the workspace's tinytorch/, runs the public tests). Then it runs
every ready milestone with `tito milestone run NN` from the workspace, and proves that each milestone's
Python process imported the workspace's tinytorch (the student's package, exported from the student's
notebooks), not the course's reference package. It ends with `tito module status`: every ready module
completed. Slow (real notebooks, real training): `pytest -m slow`. CI's milestone step is this test.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.e2e import student_venv

pytestmark = pytest.mark.slow


def test_student_completes_every_ready_module_and_runs_every_ready_milestone(course, course_release, tmp_path,
                                                                              h):
    ws = tmp_path / "tinytorch-work"
    shutil.copytree(course_release, ws, symlinks=True)
    venv = tmp_path / "venv"
    student_venv.make(ws, venv, tinytorch_probe=True)
    tito = venv / "bin" / "tito"
    env = student_venv.clean_env(venv)
    timings = []

    def step(label, cmd, cwd=ws, env=env, timeout=1800):
        start = time.perf_counter()
        done = student_venv.run(cmd, cwd, env, timeout=timeout)
        timings.append((label, time.perf_counter() - start))
        print(f"{label:>24}: {timings[-1][1]:6.1f} s (exit {done.returncode})", flush=True)
        return done

    modules = course.select(None)
    for m in modules:
        started = step(f"module start {m.tag}", [tito, "module", "start", m.tag])
        assert started.returncode == 0, started.stdout + started.stderr
        notebook = ws / "modules" / m.dirname / f"{m.slug}_dev.ipynb"
        pasted = h.paste_solutions(m.source, notebook)
        assert pasted, f"module {m.tag}: no solution cell to paste"
        done = step(f"module complete {m.tag}", [tito, "module", "complete", m.tag])
        assert done.returncode == 0, f"tito module complete {m.tag}:\n{done.stdout}\n{done.stderr}"
        assert f"Module {m.tag} ({m.title}) complete" in " ".join(done.stdout.split()), done.stdout

    students_package = (ws / "tinytorch" / "__init__.py").resolve()
    stones = [s for s in course.milestones if s.ready]
    for s in stones:
        log = tmp_path / f"milestone-{s.tag}.tinytorch"
        ran = step(f"milestone run {s.tag}", [tito, "milestone", "run", s.tag],
                   env={**env, "E2E_TINYTORCH_LOG": str(log)})
        print(f"--- milestone {s.tag} ({s.title})\n{ran.stdout[-3000:]}\n{ran.stderr[-2000:]}")
        assert ran.returncode == 0, f"tito milestone run {s.tag} from the workspace:\n{ran.stdout}\n{ran.stderr}"
        imported = {line for line in log.read_text().splitlines() if line != "None"}
        assert imported and {Path(p).resolve() for p in imported} == {students_package}, (s.tag, imported)

    status = step("module status", [tito, "module", "status"])
    text = " ".join(status.stdout.translate({ord(c): " " for c in "│┃"}).split())
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"({len(modules)} of {len(course.modules)} complete)" in text, status.stdout
    for m in modules:
        assert f"{m.tag} {m.title} completed" in text, (m.tag, status.stdout)
    print(f"student: {len(modules)} modules and {len(stones)} milestones in {sum(t for _, t in timings):.0f} s")
