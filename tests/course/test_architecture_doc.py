"""docs/ARCHITECTURE.md is the map of what exists: every top-level folder, every package folder under
tinytorch/ and tito/, and every .py file under them is named in it by its path.

A package's __init__.py is not listed separately: the entry of its folder (e.g. `tinytorch/nn/`)
describes what the package exposes, and an __init__.py exists in every one of those folders, so naming
it again would say nothing. The files are those git knows (tracked, or new and not ignored), so build
output (__pycache__, milestone out/ folders, a CI venv) never counts.
"""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ARCHITECTURE.md"
PACKAGES = ("tinytorch", "tito")
SKIP_PARTS = {"__pycache__", ".git"}


def project_files(root: Path) -> list[str]:
    """Repository-relative paths of the project's files (POSIX), from git when it is there."""
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=root,
                             capture_output=True, text=True, check=True, timeout=60).stdout
        files = [line for line in out.splitlines() if line and (root / line).is_file()]
    except (OSError, subprocess.CalledProcessError):
        files = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    return sorted(f for f in files if not SKIP_PARTS & set(f.split("/")))


def names_needed(files: list[str]) -> list[str]:
    """What the map must name: top-level folders (`tests/`), package folders (`tinytorch/core/`) and
    .py files (`tito/cli.py`) of the packages, __init__.py excepted."""
    needed = {f.split("/")[0] + "/" for f in files if "/" in f}
    for f in files:
        parts = f.split("/")
        if parts[0] not in PACKAGES or not f.endswith(".py"):
            continue
        for depth in range(1, len(parts)):
            needed.add("/".join(parts[:depth]) + "/")
        if parts[-1] != "__init__.py":
            needed.add(f)
    return sorted(needed)


def is_named(path: str, text: str) -> bool:
    """`path` occurs in `text` as a whole path: not as the tail of a longer one (tests/tito/ does not
    name tito/) nor as the head of a longer name (tito/cli.pyc does not name tito/cli.py)."""
    return re.search(r"(?<![\w./-])" + re.escape(path) + r"(?![\w.-]*\w)" if path.endswith("/")
                     else r"(?<![\w./-])" + re.escape(path) + r"(?![\w-])", text) is not None


def missing_from_doc(files: list[str], text: str) -> list[str]:
    return [p for p in names_needed(files) if not is_named(p, text)]


def test_every_folder_and_package_file_is_on_the_map():
    missing = missing_from_doc(project_files(ROOT), DOC.read_text(encoding="utf-8"))
    assert not missing, ("docs/ARCHITECTURE.md does not name these (add a line for each, by its path, "
                         "saying what it is):\n  " + "\n  ".join(missing))


def test_the_check_finds_what_is_missing():
    files = ["tito/cli.py", "tito/checker/__init__.py", "tito/checker/rules.py", "tinytorch/text/tokenizer.py",
             "bench/run.py", ".ci/run", "README.md"]
    text = "tito/cli.py  tests/tito/checker/ bench/  .ci/ tito/checker/rules.pyc tinytorch/ tito/"
    assert missing_from_doc(files, text) == ["tinytorch/text/", "tinytorch/text/tokenizer.py", "tito/checker/",
                                             "tito/checker/rules.py"]
    assert is_named("tito/checker/", "see `tito/checker/` and") and is_named("tito/", "tito/checker/ ok tito/ x")
    assert not is_named("tito/", "tests/tito/ only") and not is_named("tito/cli.py", "tito/cli.pyc")
