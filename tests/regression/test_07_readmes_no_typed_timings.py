"""Regression (modules 02-07, milestones 01-03): READMEs carried typed-in figures.

The READMEs of module 07 and milestones 02/03 quoted timings from one run (epoch times, "script time
1.19 s", "training time 0.72-1.32 s"), and milestone 03 a ten-seed accuracy sweep that no command
prints. Timings depend on the machine and its load, so they are removed; other figures may be quoted
only as an example output of a named command that prints them. This test keeps it so: no timing
figure in these READMEs, a README with a table of figures says whose example output it is, and the
milestones' quoted lines are exactly what their scripts print.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READMES = ["modules/02_activations/README.md", "modules/03_layers/README.md", "modules/04_losses/README.md",
           "modules/06_optimizers/README.md", "modules/07_training/README.md",
           "milestones/01_perceptron/README.md", "milestones/02_xor/README.md", "milestones/03_mlp/README.md"]
TIMING = re.compile(r"\b\d+(?:[.,]\d+)?(?:\s?-\s?\d+(?:\.\d+)?)?\s?(?:ms|us|µs|s|s/epoch|s/step)\b(?!\w)")
FIGURE = re.compile(r"\d+\.\d+")


def fenced_blocks(text):
    return re.findall(r"```[a-z]*\n(.*?)```", text, re.S)


@pytest.mark.parametrize("readme", READMES)
def test_no_timing_figures(readme):
    text = (ROOT / readme).read_text(encoding="utf-8")
    hits = [line.strip() for line in text.splitlines() if TIMING.search(line)]
    assert hits == [], f"{readme} quotes timings (they depend on the machine; remove them): {hits}"


@pytest.mark.parametrize("readme", READMES)
def test_quoted_figures_are_labelled_example_output(readme):
    text = (ROOT / readme).read_text(encoding="utf-8")
    assert "## Measured" not in text, f"{readme}: say whose example output the figures are"
    with_figures = [b for b in fenced_blocks(text) if FIGURE.search(b) and "python " not in b and "tito " not in b]
    if with_figures:
        assert re.search(r"Example output (of|from) `[^`]+`", text), (
            f"{readme} quotes figures without naming the command whose example output they are")


@pytest.mark.parametrize("folder, script", [("02_xor", "xor.py"), ("03_mlp", "mlp_digits.py")])
def test_milestone_readme_quotes_what_the_script_prints(folder, script, tmp_path):
    text = (ROOT / "milestones" / folder / "README.md").read_text(encoding="utf-8")
    section = text.split("Example output of `tito milestone run", 1)[1]
    quoted = [line.strip() for line in fenced_blocks(section)[0].splitlines() if line.strip()]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    run = subprocess.run([sys.executable, str(ROOT / "milestones" / folder / script), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    printed = {line.strip() for line in run.stdout.splitlines()}
    missing = [line for line in quoted if line not in printed]
    assert missing == [], f"README lines not printed by the script: {missing}"
