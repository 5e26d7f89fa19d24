"""`tito check [NN ...] [--all] [--rules]`: check modules against the module standard (rules TT1xx).

The rules themselves live in the package tito/checker/ (`check_modules(course, modules)`, one file per
rule family); this file only runs them and prints `file:line: RULE message` lines and a summary.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .. import checker as checker_rules
from .. import manifest
from ..report import EXIT_FAILED, TitoError, console, relative, select_modules


def format_issue(issue, root: Path) -> str:
    """`path:line: RULE message` for an issue object with path/line/rule/message, else its str()."""
    path, rule = getattr(issue, "path", None), getattr(issue, "rule", None)
    if path is None or rule is None:
        return str(issue)
    line = getattr(issue, "line", None)
    where = relative(Path(path), root) if Path(path).is_absolute() else Path(path).as_posix()
    return f"{where}:{0 if line is None else line}: {rule} {getattr(issue, 'message', '')}".rstrip()


def print_rules(checker) -> None:
    rules = getattr(checker, "RULES", None)
    if not rules:
        raise TitoError("tito/checker/ publishes no RULES table")
    items = rules.items() if isinstance(rules, dict) else rules
    for rule_id, text in items:
        console.print(f"[bold]{rule_id}[/]  {text}")


def register(app: typer.Typer) -> None:
    @app.command("check", epilog="Examples: tito check 01 | tito check --all | tito check --rules")
    def check(
        modules: Optional[List[str]] = typer.Argument(
            None, metavar="NN", help="Module numbers or slugs (default: every ready module)."),
        all_: bool = typer.Option(False, "--all", help="Every module marked ready in course.toml."),
        rules: bool = typer.Option(False, "--rules", help="List the rules (TT1xx) and exit."),
    ):
        """Check module sources against the module standard (docs/MODULE_STANDARD.md); exit 1 on any issue."""
        checker = checker_rules
        if rules:
            print_rules(checker)
            return
        course = manifest.load()
        selected = select_modules(course, modules, all_)
        issues = list(checker.check_modules(course, selected))
        for issue in issues:
            console.print(format_issue(issue, course.root), markup=False)
        names = ", ".join(m.tag for m in selected)
        if issues:
            console.print(f"{len(issues)} issue(s) in module(s) {names}")
            raise typer.Exit(EXIT_FAILED)
        console.print(f"module(s) {names}: no issues")
