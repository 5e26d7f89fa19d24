"""The student workspace as its own Python project (written by `tito release`).

A workspace carries a pyproject.toml, a copy of the `tito` tool and a README, so that

    python -m venv .venv && . .venv/bin/activate
    pip install -e .

gives the student the `tito` command and THEIR `tinytorch` (the workspace's package) in a venv of
their own: a Jupyter kernel started anywhere in the workspace, `python modules/NN_*/*_dev.py`, the
milestones and the public tests all import the student's package. Nothing of the course's reference
package is installed: the tool is copied as source (tito holds no reference solution: those live only
in the course's modules/*_dev.py and its exported tinytorch/), and at run time the installed tito reads
only the workspace (its course.toml copy, modules/, tests/, milestones/, .tinytorch/).
"""
from __future__ import annotations

import shutil
from pathlib import Path

# The project's distribution name differs from the course's ("tinytorch"), so a venv never mistakes one
# for the other.
DIST_NAME = "tinytorch-workspace"

PYPROJECT = """\
# Written by `tito release`: this workspace is a Python project of its own.
#   python -m venv .venv && . .venv/bin/activate && pip install -e .
# gives the `tito` command and YOUR tinytorch package (the tinytorch/ folder here), nothing else.
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "0.1.0"
description = "A TinyTorch student workspace: your own tinytorch package and the tito tool."
requires-python = ">=3.10"
dependencies = [
    "numpy",
    "threadpoolctl",
    "typer>=0.27,<0.29",      # 0.29 imports pydantic to parse arguments: +0.3 s on every tito start-up
    "rich",
    "jupytext",
    "nbformat",
    "nbclient",
    "ipykernel",
    "pytest",
    'tomli; python_version < "3.11"',
]

[project.optional-dependencies]
lab = ["jupyterlab"]

[project.scripts]
tito = "tito.cli:main"

[tool.setuptools.packages.find]
where = ["."]
include = ["tinytorch*", "tito*"]

[tool.setuptools.package-data]
tinytorch = ["**/*.npz", "**/*.txt", "**/*.md", "**/*.json", "**/*.csv"]
"""

README = """\
# {course}: your workspace

This folder is yours: the notebooks in `modules/`, your `tinytorch/` package (built from your
notebooks), the public tests and the milestones. Set up once, then start the first module:

    python -m venv .venv && . .venv/bin/activate && pip install -e ".[lab]"
    tito module start {first} --open

(On Windows: `.venv\\Scripts\\activate` instead of `. .venv/bin/activate`.) Inside this venv every way
you run code imports YOUR tinytorch: a Jupyter kernel, `python modules/NN_*/*_dev.py`, the milestones
and `pytest`. Use this venv, not one where the course repository is installed.

- `tito module status`: where you are.
- `tito module complete NN`: runs your notebook, exports your code into `tinytorch/`, runs the tests.
- `tito module reset NN`: a fresh copy of a module (your work is backed up in `.tinytorch/backups/`).
"""


def tool_source() -> Path:
    """The folder of the running tito package (copied into the workspace as source)."""
    return Path(__file__).resolve().parent


def write(stage: Path, course_name: str, first_module: str) -> None:
    """Write pyproject.toml, README.md and a copy of the tito package into `stage`."""
    (stage / "pyproject.toml").write_text(PYPROJECT.format(name=DIST_NAME), encoding="utf-8")
    (stage / "README.md").write_text(README.format(course=course_name, first=first_module), encoding="utf-8")
    src = tool_source()
    for path in sorted(src.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        target = stage / "tito" / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
