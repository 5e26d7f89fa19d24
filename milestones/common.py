"""What every milestone script shares, and nothing else: a clear message when a module it needs is not
in the package yet, the --seed/--out/--plot arguments, argument checks, and saving a picture as a PNG
(matplotlib) or as text.

It depends on the standard library only (and reads course.toml as data to name a missing module);
never on the `tito` tool, so a milestone runs wherever the tinytorch package is: the course repository,
a student workspace, or a checkout without the tool. `tito milestone run` checks prerequisites before
it starts a script; this file covers a script run directly.

A script finds this file (and the package) by putting the repository root first on sys.path:

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))   # the root: tinytorch/, milestones/
    from milestones import common                                   # noqa: E402
    with common.needs_modules(__file__):
        from tinytorch.core.layers import Linear                    # exit 2 naming the module if missing
"""
from __future__ import annotations

import argparse
import contextlib
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLOT_MODES = ("auto", "png", "text")


# ---------------------------------------------------------------------------------------------
# A module that is not in the package yet
# ---------------------------------------------------------------------------------------------
def course_modules(root: Path = ROOT) -> list[dict]:
    """The [[modules]] tables of root/course.toml (number, slug, target, ...), or [] if unreadable."""
    try:
        import tomllib
    except ImportError:                      # Python 3.10: the project depends on tomli there
        try:
            import tomli as tomllib
        except ImportError:
            return []
    try:
        data = tomllib.loads((root / "course.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [m for m in data.get("modules", []) if isinstance(m, dict) and {"number", "slug", "target"} <= m.keys()]


def missing_module_message(script: str | Path, exc: ImportError, root: Path = ROOT) -> str:
    """One paragraph naming the course module whose package file failed to import (from `exc.name`,
    e.g. 'tinytorch.core.spatial' -> module 09 spatial, through course.toml's `target`) and what to do."""
    name = Path(script).parent.name or Path(script).stem
    failed = exc.name or ""
    for m in course_modules(root):
        target = f"tinytorch.{m['target']}"
        if failed == target or failed.startswith(target + "."):
            tag = f"{int(m['number']):02d}"
            return (f"milestone {name} needs module {tag} ({m['slug']}), which is not in the tinytorch package "
                    f"yet ({exc}).\nComplete module {tag} first: `tito module complete {tag}` in a student "
                    f"workspace, or `tito export {tag}` in the course repository.")
    if failed == "tinytorch" or not failed.startswith("tinytorch"):
        what = "the tinytorch package" if failed == "tinytorch" else f"the Python package '{failed or '?'}'"
        return f"milestone {name} cannot import {what} ({exc}); it looks for tinytorch in {root}."
    return (f"milestone {name} needs {failed}, which is not in the tinytorch package ({exc}); "
            "complete or export the module that provides it.")


@contextlib.contextmanager
def needs_modules(script: str | Path):
    """`with needs_modules(__file__): from tinytorch... import ...` -- on an ImportError, print
    missing_module_message to stderr and exit with status 2 (the milestones' "not ready" code)."""
    try:
        yield
    except ImportError as exc:
        print(missing_module_message(script, exc), file=sys.stderr)
        raise SystemExit(2) from None


# ---------------------------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------------------------
def at_least(low: int):
    """argparse type: an integer >= low ("must be at least 1, got 0" otherwise)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value
    return parse


def number(low: float = 0.0, high: float = math.inf, low_open: bool = False, high_open: bool = False):
    """argparse type: a finite float in the interval [low, high] (ends open when asked)."""
    left, right = "(" if low_open else "[", ")" if high_open else "]"
    interval = f">= {low}" if high == math.inf and not low_open else (
        f"> {low}" if high == math.inf else f"in {left}{low}, {high}{right}")

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
        inside = math.isfinite(value) and (value > low if low_open else value >= low) and \
            (value < high if high_open else value <= high)
        if not inside:
            raise argparse.ArgumentTypeError(f"must be a finite number {interval}, got {text}")
        return value
    return parse


def add_common_args(parser: argparse.ArgumentParser, script: str | Path, seed_help: str, plot: bool = True) -> None:
    """--seed, --out (default: the script's folder/out) and, with plot=True, --plot auto|png|text."""
    parser.add_argument("--seed", type=int, default=0, help=f"{seed_help} (default 0)")
    parser.add_argument("--out", type=Path, default=Path(script).resolve().parent / "out",
                        help="folder for the pictures and other outputs (default: %(default)s)")
    if plot:
        parser.add_argument("--plot", choices=PLOT_MODES, default="auto",
                            help="png (matplotlib), text, or auto: png when matplotlib is installed")


# ---------------------------------------------------------------------------------------------
# Pictures: PNG with matplotlib (Agg canvas, no display needed), else text
# ---------------------------------------------------------------------------------------------
def plot_mode(mode: str) -> str:
    """'png' or 'text': `auto` becomes png when matplotlib can be imported (and says so when not)."""
    if mode not in PLOT_MODES:
        raise ValueError(f"plot mode must be one of {PLOT_MODES}, got {mode!r}")
    if mode != "auto":
        return mode
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("matplotlib is not installed: drawing text pictures instead")
        return "text"
    return "png"


def new_figure(width: float, height: float):
    """A matplotlib Figure on the Agg canvas (no pyplot state, no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def save_pictures(out: Path, mode: str, pictures) -> list[Path]:
    """Save each picture in `out` (created if needed) and return the paths written.

    pictures: (stem, draw_png, text) triples; draw_png(path) writes a PNG, text() returns the
    picture as text. In text mode each text is also printed.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    mode = plot_mode(mode)
    paths = []
    for stem, draw_png, text in pictures:
        if mode == "png":
            path = out / f"{stem}.png"
            draw_png(path)
        else:
            body = text()
            print(body)
            path = out / f"{stem}.txt"
            path.write_text(body + "\n", encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------------------------
# The verdict
# ---------------------------------------------------------------------------------------------
def verdict(passed: bool, result: str, success: str, advice: str) -> int:
    """Print `GATE PASSED/FAILED: result` and the VERDICT line; return the exit code (0 or 1)."""
    if passed:
        print(f"GATE PASSED: {result}")
        print(f"VERDICT: {success}")
        return 0
    print(f"GATE FAILED: {result}")
    print(f"VERDICT: {advice}")
    return 1
