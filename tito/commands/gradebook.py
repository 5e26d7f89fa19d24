"""`tito gradebook merge PARTS... --out gradebook.csv`: combine the gradebooks of `tito grade --shard`."""
from __future__ import annotations

from pathlib import Path

import typer

from ..report import console


def register(app: typer.Typer) -> None:
    book = typer.Typer(help="Work with tito gradebooks (CSV).", no_args_is_help=True)
    app.add_typer(book, name="gradebook")

    @book.command("merge", epilog="Example: tito gradebook merge shards/gradebook-*.csv --out gradebook.csv")
    def merge_cmd(
        parts: list[Path] = typer.Argument(..., metavar="PARTS...", help="CSV gradebooks written by `tito grade --shard K/N`."),
        out: Path = typer.Option(Path("gradebook.csv"), "--out", help="Merged CSV; the markdown one is written beside it (.md)."),
    ):
        """Merge the gradebooks of several `tito grade --shard K/N` runs into one CSV and markdown
        gradebook. A graded cell that appears in two parts is an error (shards of different runs?)."""
        from ..grading import merge_gradebooks

        rows, md = merge_gradebooks(list(parts), out)
        console.print(f"{len(parts)} gradebooks merged: {rows} graded cells. Gradebook: {out} and {md}")
