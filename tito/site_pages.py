"""The pages of the course website (`tito site`), written into a mkdocs project folder.

Content is taken, never retyped: the home page, the student and instructor guides and the API page
include sections of README.md (cut at its `## ` headings); the milestone pages include each
milestone's README.md; the module pages are the executed notebooks (tito/site.py). Facts come from
the manifest (tito/manifest.py). Links into the repository that have a page on the site are pointed
at that page; other repository paths are shown as text (the site is not the repository).
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat

from .manifest import Course, Module
from .site import SiteBuild, student_page

README_SECTIONS = {"students": "For students", "instructors": "For instructors",
                   "website": "The course website", "authors": "For course authors", "api": "The API"}
AUTHOR_DOCS = ("MODULE_STANDARD.md", "ARCHITECTURE.md")
LINK = re.compile(r"(?<!!)\[(?P<text>[^\]\n]+)\]\((?P<target>[^)\s]+)\)")


# ---------------------------------------------------------------------------------------------
# README sections and links
# ---------------------------------------------------------------------------------------------
def readme_parts(root: Path) -> tuple[str, dict[str, str]]:
    """(the introduction before the first `## ` heading, {heading: body}) of README.md."""
    text = (root / "README.md").read_text(encoding="utf-8")
    chunks = re.split(r"^## +(.+?)\s*$", text, flags=re.M)
    intro = re.sub(r"^# .*\n", "", chunks[0], count=1).strip()
    sections = {chunks[i].strip(): chunks[i + 1].strip() for i in range(1, len(chunks) - 1, 2)}
    return intro, sections


def section(root: Path, key: str) -> str:
    heading = README_SECTIONS[key]
    _, sections = readme_parts(root)
    if heading not in sections:
        raise ValueError(f"README.md has no '## {heading}' section (the site includes it)")
    return sections[heading]


def site_path_of(course: Course, repo_path: str) -> str | None:
    """The page of the site for a repository path (relative to the root), or None."""
    path = repo_path.strip("/")
    for m in course.modules:
        if m.ready and (path == f"modules/{m.dirname}" or path.startswith(f"modules/{m.dirname}/")):
            return f"modules/{m.dirname}.ipynb"
    for name in AUTHOR_DOCS:
        if path == f"docs/{name}":
            return f"authors/{name}"
    if path == "README.md":
        return "index.md"
    return None


def fix_links(course: Course, text: str, source_dir: str, page: str) -> str:
    """Point the relative links of `text` (written in repository folder `source_dir`) at site pages,
    relative to `page`; a link with no page becomes its text and the repository path in code."""
    import posixpath

    def replace(match):
        label, target = match.group("text"), match.group("target")
        if re.match(r"^[a-z]+:|^#|^mailto:", target):
            return match.group(0)
        path, _, anchor = target.partition("#")
        repo = posixpath.normpath(posixpath.join(source_dir, path))
        dest = site_path_of(course, repo)
        if dest is None:
            shown = f"`{repo}`"
            return shown if label.strip("`") == repo.strip("/") or label.strip("`") == path else f"{label} ({shown})"
        rel = posixpath.relpath(dest, posixpath.dirname(page) or ".")
        return f"[{label}]({rel}{'#' + anchor if anchor else ''})"

    return LINK.sub(replace, text)


# ---------------------------------------------------------------------------------------------
# The module map
# ---------------------------------------------------------------------------------------------
def direct_requires(course: Course) -> dict[int, set[int]]:
    """Each module's prerequisites without the implied ones (the transitive reduction), for drawing."""
    reach: dict[int, set[int]] = {}
    for m in course.modules:                     # modules only require earlier modules
        reach[m.number] = set(m.requires).union(*(reach[r] for r in m.requires)) if m.requires else set()
    return {m.number: {r for r in m.requires if not any(r in reach[o] for o in m.requires if o != r)}
            for m in course.modules}


def draw_module_map(course: Course, dest: Path) -> Path:
    """An SVG of the prerequisite graph: one column per depth, an arrow per direct prerequisite."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    depth: dict[int, int] = {}
    for m in course.modules:
        depth[m.number] = 1 + max((depth[r] for r in m.requires), default=-1)
    columns: dict[int, list[Module]] = {}
    for m in course.modules:
        columns.setdefault(depth[m.number], []).append(m)
    tallest = max(len(c) for c in columns.values())
    pos = {}
    for d, mods in columns.items():
        for i, m in enumerate(mods):
            pos[m.number] = (d * 2.2, (tallest - 1) / 2 - i + (len(mods) - 1) / 2 - (tallest - 1) / 2)
    width, height = 2.2 * (max(columns) + 1) + 0.6, 1.1 * tallest + 1.0
    fig = Figure(figsize=(width * 0.75, height * 0.75))
    FigureCanvasAgg(fig)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(-1.2, width - 1.0)
    ax.set_ylim(-tallest / 2 - 0.3, tallest / 2 + 0.6)
    ax.axis("off")
    box_w, box_h = 1.75, 0.62
    for number, reqs in direct_requires(course).items():
        for r in reqs:
            (x0, y0), (x1, y1) = pos[r], pos[number]
            ax.add_patch(FancyArrowPatch((x0 + box_w / 2, y0), (x1 - box_w / 2, y1), arrowstyle="-|>",
                                         mutation_scale=9, color="#7a7a7a", lw=0.8,
                                         connectionstyle="arc3,rad=0.08"))
    for m in course.modules:
        x, y = pos[m.number]
        ready = m.ready
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0.02,rounding_size=0.08",
                                    facecolor="#dff3e4" if ready else "#f2f2f2",
                                    edgecolor="#2e7d32" if ready else "#9e9e9e",
                                    linestyle="-" if ready else "--", lw=1.2))
        title = m.title if len(m.title) <= 17 else m.title.split(" (")[0][:17]
        ax.text(x, y + 0.1, m.tag, ha="center", va="center", fontsize=8, weight="bold")
        ax.text(x, y - 0.13, title, ha="center", va="center", fontsize=7.5)
    ax.text(-1.1, tallest / 2 + 0.35, "green: ready    grey, dashed: planned    arrow: direct prerequisite "
            "(implied ones not drawn)", fontsize=8, color="#555555")
    dest.parent.mkdir(parents=True, exist_ok=True)
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "tinytorch"}):        # same course, same bytes
        fig.savefig(dest, format="svg", metadata={"Date": None})
    return dest


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------
def module_table(course: Course, build: SiteBuild, page: str) -> str:
    runs = {r.module.number: r for r in build.modules}
    lines = ["| # | module | package | needs | status | page |", "|---|---|---|---|---|---|"]
    for m in course.modules:
        needs = ", ".join(f"{r:02d}" for r in m.requires) or "-"
        run = runs.get(m.number)
        if run is None:
            name, shown = m.title, "no page yet"
        else:
            name = f"[{m.title}](modules/{m.dirname}.ipynb)"
            meta = nbformat.read(run.notebook, as_version=4).metadata.get("tinytorch_site", {})
            shown = (f"executed {meta.get('executed', '?')}" if run.ok
                     else "**execution failed** (see the page)")
        lines.append(f"| {m.tag} | {name} | `{m.package_module}` | {needs} | {m.status} | {shown} |")
    return "\n".join(lines)


def home_page(course: Course, build: SiteBuild) -> str:
    intro, _ = readme_parts(course.root)
    kind = ("**Instructor build: the solutions and hidden tests are shown.**\n\n" if build.with_solutions
            else "")
    return (f"# {course.name}\n\n{kind}{fix_links(course, intro, '', 'index.md')}\n\n"
            "## The module map\n\nEach module needs the ones its arrows come from (course.toml's "
            "`requires`).\n\n![The module map: the prerequisite graph of the course](module_map.svg)\n\n"
            "## The modules\n\nEvery ready module's page is its notebook, executed when this site was "
            "built: the outputs, tables and plots are from that run"
            + ("" if build.with_solutions else ", and the code is what a student gets (solutions are "
               "stubs, hidden tests removed)") + ".\n\n"
            + module_table(course, build, "index.md") + "\n\n"
            "Next: [Student guide](guides/student.md) · [Instructor guide](guides/instructor.md) · "
            "[Milestones](milestones.md) · [API reference](api/index.md)\n")


def milestones_page(course: Course, build: SiteBuild, docs: Path) -> str:
    parts = ["# Milestones\n",
             "Historical results re-run on the reference framework. The numbers, logs and curves below were "
             "produced by running each milestone script when this site was built (or taken from the build "
             "cache, which keeps a run while the script and the package are unchanged); the date of each "
             "run is given.\n"]
    for run in build.milestones:
        s = run.milestone
        parts.append(f"## {s.tag} {s.title} ({s.year})\n")
        needs = ", ".join(f"[{r:02d}](modules/{course.module(r).dirname}.ipynb)" if course.module(r).ready
                          else f"{r:02d}" for r in s.requires)
        parts.append(f"Needs modules {needs}. Status in course.toml: {s.status}.\n")
        if run.folder is None:
            parts.append("*Not run for this site* (planned, or the build was asked not to run milestones).\n")
            continue
        result = json.loads((run.folder / "result.json").read_text(encoding="utf-8"))
        log = (run.folder / "log.txt").read_text(encoding="utf-8", errors="replace")
        key_lines = [ln for ln in log.splitlines() if ln.startswith(("GATE ", "VERDICT"))]
        state = "passed" if result["exit_code"] == 0 else f"**FAILED (exit {result['exit_code']})**"
        parts.append(f"**Measured {result['measured']}** (`{result['command']}`, {result['seconds']:.0f} s, "
                     f"{state}):\n")
        parts.append("```text\n" + ("\n".join(key_lines) or "(no GATE line printed)") + "\n```\n")
        target = docs / "milestones" / s.tag
        target.mkdir(parents=True, exist_ok=True)
        for picture in sorted(run.folder.glob("*.png")):
            shutil.copy2(picture, target / picture.name)
            parts.append(f"![{s.title}: {picture.stem}](milestones/{s.tag}/{picture.name})\n")
        parts.append("??? note \"The whole output of that run\"\n\n" + "\n".join(
            "    " + ln for ln in ["```text", *log.rstrip().splitlines(), "```"]) + "\n")
        readme = s.path.parent / "README.md"
        if readme.is_file():
            body = re.sub(r"^# .*\n", "", readme.read_text(encoding="utf-8"), count=1)
            body = re.sub(r"^(#+) ", lambda mm: "#" + mm.group(1) + " ", body, flags=re.M)   # below our heading
            folder = s.path.parent.relative_to(course.root).as_posix()
            parts.append("### About this milestone\n\n" + fix_links(course, body.strip(), folder, "milestones.md") + "\n")
    return "\n".join(parts)


def guide_page(course: Course, title: str, keys: list[str], page: str, lead: str = "") -> str:
    body = [f"# {title}\n", lead]
    for key in keys:
        text = section(course.root, key)
        if len(keys) > 1:
            body.append(f"## {README_SECTIONS[key]}\n")
        body.append(fix_links(course, text, "", page) + "\n")
    return "\n".join(body)


def api_module_page(m: Module) -> str:
    """The public names of a module's package file (its __all__), each with its signature and its
    docstring shown as written (the docstrings are plain-text contracts: aligned columns, `Raises` lines)."""
    import importlib
    import inspect

    mod = importlib.import_module(m.package_module)
    names = list(getattr(mod, "__all__", None) or [
        n for n, v in vars(mod).items() if not n.startswith("_") and getattr(v, "__module__", None) == mod.__name__
        and (inspect.isclass(v) or inspect.isfunction(v))])
    parts = [f"# {m.tag} {m.title}: `{m.package_module}`\n",
             f"Exported from [module {m.tag}](../modules/{m.dirname}.ipynb) (`{m.package_file.as_posix()}`). "
             "The docstrings are the contracts the tests check.\n"]
    if mod.__doc__:
        parts.append(_doc_block(inspect.cleandoc(mod.__doc__)))
    for name in names:
        obj = getattr(mod, name, None)
        if obj is None:
            continue
        parts.append(f"## `{name}`\n")
        parts.append(_signature_block(name, obj))
        doc = inspect.getdoc(obj) if (inspect.isclass(obj) or callable(obj)) else None
        if doc:
            parts.append(_doc_block(doc))
        if inspect.isclass(obj):
            for attr, value in vars(obj).items():
                func = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
                if attr.startswith("_") and attr != "__init__" or not (inspect.isfunction(func) or isinstance(value, property)):
                    continue
                doc = inspect.getdoc(value.fget if isinstance(value, property) else func)
                if not doc or attr == "__init__" and doc == inspect.getdoc(obj):
                    continue
                parts.append(f"### `{name}.{attr}`\n")
                if not isinstance(value, property):
                    parts.append(_signature_block(attr, func, method=True))
                parts.append(_doc_block(doc))
    return "\n".join(parts)


def _signature_block(name: str, obj, method: bool = False) -> str:
    import inspect

    try:
        sig = str(inspect.signature(obj))
    except (TypeError, ValueError):
        sig = ""
    if inspect.isclass(obj):
        head = f"class {name}{sig}"
    elif inspect.isfunction(obj) or inspect.isbuiltin(obj) or callable(obj):
        head = f"def {name}{sig}" if sig or inspect.isfunction(obj) else name
    else:
        text = re.sub(r" at 0x[0-9a-f]+", "", repr(obj))          # no memory address: same bytes every build
        head = f"{name} = {text if len(text) < 100 else text[:97] + '...'}"
    return f"```python\n{head}\n```\n"


def _doc_block(doc: str) -> str:
    fence = "````" if "```" in doc else "```"
    return f"{fence}text\n{doc.rstrip()}\n{fence}\n"


HEADING = re.compile(r"^(#{1,6} .*)$", re.M)


def plain_headings(nb) -> None:
    """Drop the backticks of markdown headings: mkdocs-jupyter leaves code out of a heading's table-of-
    contents link but not out of the heading's id, so the link would point nowhere (the browser test
    checks every anchor)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = HEADING.sub(lambda mm: mm.group(1).replace("`", ""), cell.source)


MKDOCS_YML = """\
# Written by `tito site` (tito/site_pages.py); rebuilt on every build.
site_name: {name}
site_description: Build a deep-learning framework from scratch, one module at a time.
docs_dir: docs
use_directory_urls: false
theme:
  name: material
  features: [navigation.sections, navigation.top, search.highlight, search.suggest, content.code.copy]
  palette:
    primary: deep orange
plugins:
  - search
  - mkdocs-jupyter:
      execute: false
      include_source: true
      ignore_h1_titles: false
      include_requirejs: false
      remove_tag_config: {{}}
markdown_extensions:
  - tables
  - admonition
  - pymdownx.details
  - pymdownx.superfences
  - pymdownx.highlight
  - toc:
      permalink: true
validation:
  omitted_files: warn
  absolute_links: warn
  unrecognized_links: warn
  anchors: warn
nav:
{nav}
"""


def write_project(course: Course, build: SiteBuild, students: dict, project: Path) -> Path:
    """Write mkdocs.yml and docs/ for `build` into `project` (its docs/ is replaced). The API pages import
    the package of `course` (put first on sys.path here)."""
    import sys

    if str(course.root) not in sys.path:
        sys.path.insert(0, str(course.root))
    docs = project / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    (docs / "modules").mkdir(parents=True)
    draw_module_map(course, docs / "module_map.svg")
    (docs / "index.md").write_text(home_page(course, build), encoding="utf-8")
    for run in build.modules:
        nb = nbformat.read(run.notebook, as_version=4)
        if not build.with_solutions:
            nb = student_page(nb, students.get(run.module.dirname))
        if not run.ok:
            banner = nbformat.v4.new_markdown_cell(
                "!!! danger \"This notebook failed to execute when the site was built\"\n    The outputs stop "
                "at the failing cell:\n\n    ```text\n" + "\n".join(
                    "    " + ln for ln in run.error.strip().splitlines()[-20:]) + "\n    ```")
            nb.cells.insert(1 if nb.cells else 0, banner)
        plain_headings(nb)
        nbformat.write(nb, docs / "modules" / f"{run.module.dirname}.ipynb")
    (docs / "milestones.md").write_text(milestones_page(course, build, docs), encoding="utf-8")
    (docs / "guides").mkdir()
    (docs / "guides" / "student.md").write_text(guide_page(
        course, "Student guide", ["students"], "guides/student.md"), encoding="utf-8")
    (docs / "guides" / "instructor.md").write_text(guide_page(
        course, "Instructor guide", ["instructors", "website"], "guides/instructor.md",
        "Release the modules, grade the submissions in a sandbox, shard a big class, build this site.\n"),
        encoding="utf-8")
    (docs / "authors").mkdir()
    (docs / "authors" / "index.md").write_text(guide_page(
        course, "Course authors", ["authors"], "authors/index.md"), encoding="utf-8")
    for name in AUTHOR_DOCS:
        src = course.root / "docs" / name
        if src.is_file():
            (docs / "authors" / name).write_text(
                fix_links(course, src.read_text(encoding="utf-8"), "docs", f"authors/{name}"), encoding="utf-8")
    (docs / "api").mkdir()
    (docs / "api" / "index.md").write_text(guide_page(
        course, "API reference", ["api"], "api/index.md",
        "The package surface module by module, from the docstrings (one page per exported module, in the "
        "menu).\n"), encoding="utf-8")
    api_pages = []
    for run in build.modules:
        page = f"api/{run.module.dirname}.md"
        (docs / page).write_text(api_module_page(run.module), encoding="utf-8")
        api_pages.append((f"{run.module.tag} {run.module.package_module}", page))
    nav = ["  - Home: index.md",
           "  - Modules:",
           *[f"      - '{r.module.tag} {r.module.title}': modules/{r.module.dirname}.ipynb" for r in build.modules],
           "  - Milestones: milestones.md",
           "  - Student guide: guides/student.md",
           "  - Instructor guide: guides/instructor.md",
           "  - Course authors:",
           "      - authors/index.md",
           *[f"      - authors/{n}" for n in AUTHOR_DOCS if (docs / "authors" / n).is_file()],
           "  - API reference:",
           "      - api/index.md",
           *[f"      - '{label}': {page}" for label, page in api_pages]]
    (project / "mkdocs.yml").write_text(MKDOCS_YML.format(
        name=course.name, nav="\n".join(nav)), encoding="utf-8")
    return project
