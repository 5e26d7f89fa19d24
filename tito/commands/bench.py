"""`tito bench [WORKLOAD ...] [--quick]`: run bench/run.py (tinytorch vs PyTorch CPU in one run)."""
from __future__ import annotations

import subprocess
import sys
from typing import List, Optional

import typer

from .. import manifest


def register(app: typer.Typer) -> None:
    @app.command("bench", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def bench(ctx: typer.Context,
              workloads: Optional[List[str]] = typer.Argument(None, help="workload names (default: all)"),
              quick: bool = typer.Option(False, "--quick", help="fewer repeats and epochs")):
        """Measure tinytorch against PyTorch CPU (2 threads) in one process and print the ratios.

        Example: tito bench autograd_overhead --quick
        """
        course = manifest.load()
        script = course.root / "bench" / "run.py"
        args = [sys.executable, str(script), *(workloads or []), *ctx.args]
        if quick:
            args.append("--quick")
        raise typer.Exit(subprocess.call(args, cwd=course.root))
