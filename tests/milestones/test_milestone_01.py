"""Milestone 01 (Rosenblatt's perceptron): run the script as `tito milestone run` does and check the gate."""
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "milestones" / "01_perceptron" / "perceptron.py"
GATE = re.compile(r"^GATE PASSED: 100\.0% training accuracy on the separable set", re.M)


def run(*args, timeout=60):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_gate_passes_and_plot_is_saved(tmp_path):
    result = run("--out", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert GATE.search(result.stdout), result.stdout
    assert re.search(r"^  \[separable\] epoch +1 ", result.stdout, re.M)          # per-epoch progress
    assert "XOR" in result.stdout and "best training accuracy 75%" in result.stdout
    if importlib.util.find_spec("matplotlib") is not None:
        png = tmp_path / "perceptron.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    else:
        assert (tmp_path / "perceptron.txt").is_file()


def test_text_plot_when_asked(tmp_path):
    result = run("--out", tmp_path, "--plot", "text", "--seed", "3")
    assert result.returncode == 0, result.stdout + result.stderr
    text = (tmp_path / "perceptron.txt").read_text(encoding="utf-8")
    assert text.count("X") >= 2 and text.count("O") >= 2 and "+" in text and "." in text
    assert "XOR" in text and text.strip() in result.stdout                 # also printed to the terminal


def test_learning_rate_zero_fails_the_gate(tmp_path):
    result = run("--out", tmp_path, "--lr", "0", "--plot", "text")
    assert result.returncode != 0
    assert "GATE FAILED" in result.stdout and not GATE.search(result.stdout)


def test_bad_arguments_are_rejected(tmp_path):
    for args in (["--epochs", "0"], ["--lr", "-1"], ["--lr", "nan"]):
        result = run("--out", tmp_path, *args)
        assert result.returncode == 2 and "must be" in result.stderr, (args, result.stderr)
