"""The `tito` command line: a typer app that picks up every sub-command module in tito/commands/.

Each module in tito/commands/ defines `register(app: typer.Typer) -> None`. Errors the user can fix
(unknown module number, no course.toml, a broken notebook) are printed as one line and exit with 2.
"""
from __future__ import annotations

import errno
import importlib
import pkgutil
import sys

import typer
from typer.core import TyperGroup

from . import commands
from .cells import CellParseError
from .manifest import ManifestError
from .report import EXIT_USAGE, TitoError, error, warn

USER_ERRORS = (TitoError, ManifestError, CellParseError, FileNotFoundError)
CANNOT_WRITE = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT)


class TitoGroup(TyperGroup):
    """Runs a sub-command and turns a user error into one line on stderr and exit status 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            error(str(exc))
            raise typer.Exit(EXIT_USAGE) from None
        except OSError as exc:
            if exc.errno not in CANNOT_WRITE or not exc.filename:
                raise
            # A read-only workspace (or a full disk): one line naming the path, not a traceback.
            error(f"cannot write {exc.filename}: {exc.strerror}")
            raise typer.Exit(EXIT_USAGE) from None


APP_HELP = ("TinyTorch course tool: export modules into the package, build notebooks, check the "
            "module standard, run tests and milestones.\n\nRun it inside the course repository (or a "
            "student workspace). Example: tito export --check")


def command_modules() -> list[str]:
    """Names of the sub-command modules, sorted (private `_x.py` files are skipped)."""
    return sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_"))


def register_all(app: typer.Typer, strict: bool = False, only: str | None = None) -> list[str]:
    """Import every command module (or just `only`) and call its `register(app)`. A module that fails
    to load is reported on stderr and skipped (so one half-written command cannot break the others),
    or raised with strict=True (the tests use that)."""
    loaded = []
    for name in [only] if only else command_modules():
        try:
            module = importlib.import_module(f"{commands.__name__}.{name}")
            register = getattr(module, "register", None)
            if not callable(register):
                raise TypeError(f"tito/commands/{name}.py defines no register(app) function")
            register(app)
        except Exception as exc:
            if strict:
                raise
            warn(f"command module tito/commands/{name}.py could not be loaded: {type(exc).__name__}: {exc}")
            continue
        loaded.append(name)
    return loaded


def build_app(strict: bool = False, only: str | None = None) -> typer.Typer:
    """The tito app with every sub-command, or with only the command module `only` (faster start)."""
    app = typer.Typer(
        name="tito",
        cls=TitoGroup,
        help=APP_HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _group() -> None:
        """(A callback keeps `tito` a command group even when only one command module is loaded.)"""

    register_all(app, strict=strict, only=only)
    return app


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point (`tito = tito.cli:main`).

    A command module registers the command of its own name (tito/commands/export.py -> `tito export`),
    so `tito export ...` imports only that module; the heavy imports of other commands (nbgrader,
    nbclient) are not paid. Top-level help (or an unknown name) loads them all.
    """
    args = list(argv if argv is not None else sys.argv[1:])
    if args in ([], ["--help"], ["-h"]):
        print(quick_help())          # without importing any command module (nbgrader, jupytext, ...)
        return
    first = args[0] if args else None
    only = first if first in command_modules() else None
    build_app(only=only)(args=args, prog_name="tito")


def quick_help() -> str:
    """`tito --help`: the command list from each command module's docstring (read, not imported)."""
    import ast
    from pathlib import Path

    lines = ["Usage: tito [OPTIONS] COMMAND [ARGS]...", ""] + APP_HELP.split("\n") + ["", "Commands:"]
    for name in command_modules():
        path = Path(commands.__path__[0]) / f"{name}.py"
        try:
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        except (OSError, SyntaxError):
            doc = ""
        first = " ".join(doc.strip().split("\n\n")[0].split())
        summary = first.split("`: ", 1)[1] if first.startswith("`") and "`: " in first else first
        summary = summary.split(". ")[0].rstrip(".") + "."
        lines.append(f"  {name:<10} {summary}")
    lines += ["", "Run `tito COMMAND --help` for a command's options and an example."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
