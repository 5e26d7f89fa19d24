"""Build the course website: `tito site` (mkdocs-material + mkdocs-jupyter; see docs/ARCHITECTURE.md).

Every output on the site comes from a run:
  - each ready module's reference notebook is executed (nbclient, `jobs` workers in parallel); the
    executed notebook is cached under a key made of the module's .py content and the package (the
    tinytorch version and the content of every tinytorch/*.py file), so a rebuild with nothing changed
    executes nothing;
  - the page shows the executed outputs with the student's code: each cell's source is replaced by the
    cell of the student notebook that `tito release` makes (tito.release.student_notebooks: nbgrader's
    generate_assignment, stubs named), unless `with_solutions` (an instructor build);
  - each ready milestone script is run (output captured, pictures written to the cache, the date of the
    run recorded), cached the same way on the script, milestones/common.py and the package;
  - a picture a cell saved (it prints the path of a .png it wrote during the run) is shown below that cell.
The pages (tito/site_pages.py) are then written into a mkdocs project and `mkdocs build` makes the site.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from .manifest import Course, Milestone, Module
from .report import TitoError, child_env, relative, tail

# import name -> what to pip install (all in the `site` extra of pyproject.toml)
SITE_PACKAGES = {"mkdocs": "mkdocs", "material": "mkdocs-material", "mkdocs_jupyter": "mkdocs-jupyter",
                 "nbclient": "nbclient",
                 "ipykernel": "ipykernel", "matplotlib": "matplotlib", "nbgrader": "nbgrader"}
CELL_TIMEOUT = 1200           # s per cell: the timed cells of the systems modules are slow on a loaded machine
MILESTONE_TIMEOUT = 3600
CACHE_FORMAT = "1"            # bump when what is cached changes shape
SAVED_PICTURE = re.compile(r"(/[^\s'\"]+\.png)\b")


def missing_packages() -> list[str]:
    """The pip names of the site's requirements that cannot be imported here."""
    import importlib.util

    missing = []
    for name, pip_name in SITE_PACKAGES.items():
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(pip_name)
    return missing


# ---------------------------------------------------------------------------------------------
# Cache keys
# ---------------------------------------------------------------------------------------------
def _sha(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def package_key(root: Path) -> str:
    """The package's version and the content of every .py file of tinytorch/ (what a notebook imports)."""
    pkg = root / "tinytorch"
    init = (pkg / "__init__.py").read_text(encoding="utf-8") if (pkg / "__init__.py").is_file() else ""
    version = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", init)
    files = sorted(p for p in pkg.rglob("*.py") if "__pycache__" not in p.parts)
    parts = [CACHE_FORMAT.encode(), (version.group(1) if version else "?").encode()]
    for p in files:
        parts += [relative(p, root).encode(), p.read_bytes()]
    return _sha(*parts)


def module_key(module: Module, pkg: str) -> str:
    return _sha(module.source.read_bytes(), pkg.encode())[:20]


def milestone_key(course: Course, stone: Milestone, pkg: str) -> str:
    common = course.root / "milestones" / "common.py"
    return _sha(stone.path.read_bytes(), common.read_bytes() if common.is_file() else b"", pkg.encode())[:20]


def stub_key(module: Module) -> str:
    """The student view depends on the module source and on how tito stubs it (release + workspace)."""
    here = Path(__file__).resolve().parent
    return _sha(module.source.read_bytes(), (here / "release.py").read_bytes(),
                (here / "workspace.py").read_bytes(), CACHE_FORMAT.encode())[:20]


# ---------------------------------------------------------------------------------------------
# Work done in the worker processes
# ---------------------------------------------------------------------------------------------
def kernel_env(root: Path) -> dict[str, str]:
    env = child_env(root)
    # inline plots (CI exports MPLBACKEND=Agg, which would hide them); one BLAS thread per worker
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


def execute_module(source: str, dest: str, root: str) -> dict:
    """Execute the reference notebook of `source` (cwd: its module folder) and write it to `dest`.
    Returns {"ok", "seconds", "error"}; a failed run is written too (with its outputs up to the error)
    but as dest + '.failed', so it is never taken for a cached success."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from .notebooks import build_notebook

    source_path = Path(source)
    nb = build_notebook(source_path)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(source_path.parent)}})
    start = time.time()
    error = ""
    try:
        client.execute(env=kernel_env(Path(root)))       # the kernel's environment (this process's is left alone)
    except CellExecutionError as exc:
        error = str(exc)
    except Exception as exc:         # a dead kernel, a timeout: report it, never hide it
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.time() - start
    attach_saved_pictures(nb, start)
    nb.metadata["tinytorch_site"] = {"executed": _now(), "seconds": round(seconds, 1), "error": error[-4000:]}
    out = Path(dest) if not error else Path(dest + ".failed")
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return {"ok": not error, "seconds": seconds, "error": error}


def attach_saved_pictures(nb, since: float) -> None:
    """Below each cell that printed the path of a PNG it wrote during this run, show that PNG."""
    import base64

    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        for path in dict.fromkeys(SAVED_PICTURE.findall(text)):
            p = Path(path)
            if p.is_file() and p.stat().st_mtime >= since - 1:
                data = base64.b64encode(p.read_bytes()).decode("ascii")
                cell.outputs.append(nbformat.v4.new_output(
                    "display_data", data={"image/png": data, "text/plain": f"<picture saved to {p.name}>"}))


def run_milestone(script: str, dest: str, root: str) -> dict:
    """Run a milestone script with its pictures going to dest/; write dest/result.json and dest/log.txt."""
    dest_path = Path(dest)
    if dest_path.exists():
        shutil.rmtree(dest_path)
    work = Path(dest + ".running")
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = child_env(Path(root))
    env["MPLBACKEND"] = "Agg"
    start = time.time()
    try:
        done = subprocess.run([sys.executable, script, "--out", str(work)], cwd=root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              text=True, errors="replace", timeout=MILESTONE_TIMEOUT)
        code, log = done.returncode, done.stdout
    except subprocess.TimeoutExpired as exc:
        code, log = None, (exc.output or "") + f"\n[stopped after {MILESTONE_TIMEOUT} s]"
    seconds = time.time() - start
    log = log if isinstance(log, str) else log.decode(errors="replace")
    (work / "log.txt").write_text(log, encoding="utf-8")
    result = {"exit_code": code, "measured": _now(), "seconds": round(seconds, 1),
              "command": f"python {relative(Path(script), Path(root))} --out DIR"}
    (work / "result.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if code == 0:
        work.rename(dest_path)
    else:
        failed = Path(dest + ".failed")
        if failed.exists():
            shutil.rmtree(failed)
        work.rename(failed)
    return {"ok": code == 0, "seconds": seconds, "error": "" if code == 0 else tail(log, 15)}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# ---------------------------------------------------------------------------------------------
# The build
# ---------------------------------------------------------------------------------------------
@dataclass
class ModuleRun:
    module: Module
    notebook: Path            # the executed notebook (or its .failed partial run)
    ok: bool
    cached: bool
    seconds: float = 0.0
    error: str = ""


@dataclass
class MilestoneRun:
    milestone: Milestone
    folder: Path | None       # result.json, log.txt and the pictures; None when not run
    ok: bool
    cached: bool
    seconds: float = 0.0
    error: str = ""


@dataclass
class SiteBuild:
    out: Path
    with_solutions: bool
    modules: list[ModuleRun] = field(default_factory=list)
    milestones: list[MilestoneRun] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> list[str]:
        return ([f"module {r.module.tag} ({r.module.slug}): {tail(r.error, 12)}" for r in self.modules if not r.ok]
                + [f"milestone {r.milestone.tag} ({r.milestone.slug}): {tail(r.error, 12)}"
                   for r in self.milestones if r.folder is not None and not r.ok])


def build(course: Course, out: Path, cache: Path, with_solutions: bool = False, jobs: int = 2,
          milestones: bool = True, say=print) -> SiteBuild:
    """Execute (or take from the cache) every ready module and milestone, write the pages and run
    `mkdocs build` into `out`. Failures are reported in the result (and shown on the pages), not raised."""
    missing = missing_packages()
    if missing:
        raise TitoError("the site needs packages that are not installed: " + ", ".join(missing)
                        + ". Install them with: pip install -e '.[site]'")
    start = time.time()
    root = course.root
    out, cache = Path(out).resolve(), Path(cache).resolve()
    if out == root or out in root.parents:
        raise TitoError(f"--out {out} would overwrite the course; choose a folder for the site only")
    modules = [m for m in course.modules if m.ready and m.source.is_file()]
    stones = [s for s in course.milestones if s.ready and s.path.is_file()] if milestones else []
    pkg = package_key(root)
    result = SiteBuild(out=out, with_solutions=with_solutions)

    todo = []       # (kind, item, function, args)
    for m in modules:
        dest = cache / "executed" / f"{m.dirname}-{module_key(m, pkg)}.ipynb"
        if dest.is_file():
            result.modules.append(ModuleRun(m, dest, True, True))
        else:
            todo.append(("module", m, execute_module, (str(m.source), str(dest), str(root))))
    for s in stones:
        dest = cache / "milestones" / f"{s.tag}-{milestone_key(course, s, pkg)}"
        if (dest / "result.json").is_file():
            result.milestones.append(MilestoneRun(s, dest, True, True))
        else:
            todo.append(("milestone", s, run_milestone, (str(s.path), str(dest), str(root))))
    # the longest first, so that two workers end together: the milestones (they train networks; the later
    # ones are the bigger), then the notebooks, bigger files first
    todo.sort(key=lambda t: (t[0] != "milestone", -t[1].number if t[0] == "milestone" else -t[1].source.stat().st_size))
    cached = len(result.modules) + len(result.milestones)
    say(f"site: {len(todo)} to run ({sum(t[0] == 'module' for t in todo)} notebooks, "
        f"{sum(t[0] == 'milestone' for t in todo)} milestones) with {jobs} worker(s); {cached} from the cache")

    students: dict[str, nbformat.NotebookNode] = {}
    if todo:
        with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(fn, *args): (kind, item, args[1]) for kind, item, fn, args in todo}
            if not with_solutions:       # nbgrader runs here while the workers execute
                students = student_views(course, modules, cache, say)
            for future in as_completed(futures):
                kind, item, dest = futures[future]
                try:
                    info = future.result()
                except Exception as exc:            # the worker itself died
                    info = {"ok": False, "seconds": 0.0, "error": f"{type(exc).__name__}: {exc}"}
                word = "ok" if info["ok"] else "FAILED"
                say(f"  {kind} {item.tag} {item.slug}: {word} in {info['seconds']:.0f} s")
                if kind == "module":
                    nb = Path(dest) if info["ok"] else Path(dest + ".failed")
                    result.modules.append(ModuleRun(item, nb, info["ok"], False, info["seconds"], info["error"]))
                else:
                    folder = Path(dest) if info["ok"] else Path(dest + ".failed")
                    result.milestones.append(MilestoneRun(item, folder, info["ok"], False, info["seconds"],
                                                          info["error"]))
    elif not with_solutions:
        students = student_views(course, modules, cache, say)
    result.modules.sort(key=lambda r: r.module.number)
    result.milestones.sort(key=lambda r: r.milestone.number)
    for s in course.milestones:            # not ready, or not asked for: listed without a run
        if s not in [r.milestone for r in result.milestones]:
            result.milestones.append(MilestoneRun(s, None, False, False))
    result.milestones.sort(key=lambda r: r.milestone.number)

    from . import site_pages
    project = cache / ("mkdocs-instructor" if with_solutions else "mkdocs-student")
    site_pages.write_project(course, result, students, project)
    stamp = project_key(project, pkg)
    if (out / STAMP).is_file() and (out / STAMP).read_text(encoding="utf-8").strip() == stamp \
            and (out / "index.html").is_file():
        say(f"site: the pages are unchanged since the site in {out} was built; mkdocs not run")
    else:
        say("site: mkdocs build ...")
        code, log = mkdocs_build(project, out)
        if code != 0:
            raise TitoError(f"mkdocs build failed (project in {project}):\n{tail(log, 25)}")
        (out / STAMP).write_text(stamp + "\n", encoding="utf-8")
    result.seconds = time.time() - start
    return result


STAMP = ".tito-site-key"     # in the built site: the key of the project it was built from


def project_key(project: Path, pkg: str) -> str:
    """mkdocs.yml and docs/ of the project, the package (the API pages read it) and the generator's versions."""
    from importlib.metadata import PackageNotFoundError, version

    parts = [pkg.encode()]
    for dist in ("mkdocs", "mkdocs-material", "mkdocs-jupyter", "nbconvert", "Pygments"):
        try:
            parts.append(f"{dist}=={version(dist)}".encode())
        except PackageNotFoundError:
            parts.append(f"{dist} missing".encode())
    files = [project / "mkdocs.yml", *(project / "docs").rglob("*")]     # not mkdocs-jupyter's .cache/
    for path in sorted(p for p in files if p.is_file()):
        parts += [path.relative_to(project).as_posix().encode(), path.read_bytes()]
    return _sha(*parts)


def mkdocs_build(project: Path, out: Path) -> tuple[int | None, str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")     # mkdocs-material's notice about MkDocs 2.0
    env["PYTHONPATH"] = os.pathsep.join([str(project), *filter(None, [env.get("PYTHONPATH")])])
    try:
        done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--clean", "--strict", "-q",
                               "-f", str(project / "mkdocs.yml"), "-d", str(out)],
                              cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors="replace", timeout=1800)
    except subprocess.TimeoutExpired:
        return None, "mkdocs build still running after 1800 s"
    return done.returncode, done.stdout


def student_views(course: Course, modules: list[Module], cache: Path, say=print) -> dict[str, nbformat.NotebookNode]:
    """{dirname: the student notebook `tito release` makes}, cached on the module source and tito's
    stubbing code; nbgrader runs once for the modules not in the cache."""
    from . import release

    views, missing = {}, []
    for m in modules:
        path = cache / "student" / f"{m.dirname}-{stub_key(m)}.ipynb"
        if path.is_file():
            views[m.dirname] = nbformat.read(path, as_version=4)
        else:
            missing.append((m, path))
    if missing:
        made = release.student_notebooks(course, [m for m, _ in missing], say=say)
        for m, path in missing:
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(made[m.dirname], path)
            views[m.dirname] = made[m.dirname]
    return views


def student_page(executed: nbformat.NotebookNode, student: nbformat.NotebookNode | None):
    """The executed notebook with each cell's source as the student gets it (matched by cell id; a
    cell the student notebook does not have is left out). With no student notebook: unchanged."""
    if student is None:
        return executed
    sources = {c.get("id"): c.source for c in student.cells}
    nb = nbformat.from_dict(json.loads(json.dumps(executed)))
    shown = []
    for cell in nb.cells:
        if cell.get("id") in sources:
            cell.source = sources[cell.get("id")]
            shown.append(cell)
    nb.cells = shown
    return nb
