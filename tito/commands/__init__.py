"""Sub-commands of `tito`. Every module here defines `register(app: typer.Typer) -> None`; tito/cli.py
finds them all, so adding a command is adding a file."""
