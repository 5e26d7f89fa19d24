"""`tito readme [--check]`: regenerate the README's course table from course.toml."""
from __future__ import annotations

import typer

from .. import manifest
from ..export import write_atomic
from ..readme import readme_path, render


def register(app: typer.Typer) -> None:
    @app.command("readme")
    def readme(check: bool = typer.Option(False, "--check", help="Only report whether the table is current.")):
        """Regenerate the module/milestone table in README.md from course.toml.

        Example: tito readme --check
        """
        course = manifest.load()
        path = readme_path(course)
        old = path.read_text(encoding="utf-8")
        new = render(old, course)
        if old == new:
            typer.echo("README.md course table is up to date.")
            return
        if check:
            typer.echo(f"{path}: the course table differs from course.toml; run `tito readme`.", err=True)
            raise typer.Exit(1)
        write_atomic(path, new)
        typer.echo(f"updated the course table in {path}")
