"""Milestone 02 (XOR): run the script as `tito milestone run` does and check the gate and its failure modes."""
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "milestones" / "02_xor" / "xor.py"
GATE = re.compile(r"^GATE PASSED: 100% accuracy on XOR with a hidden layer \(single layer: best (\d+)%\)", re.M)


def run(*args, timeout=120):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_hidden_layer_solves_xor_and_single_layer_does_not(tmp_path):
    result = run("--out", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    gate = GATE.search(result.stdout)
    assert gate and int(gate.group(1)) <= 75, result.stdout
    best = re.search(r"best accuracy over \d+ epochs: (\d+)%", result.stdout)
    assert best and int(best.group(1)) <= 75
    assert re.search(r"^  \[hidden layer\] epoch +30/300 ", result.stdout, re.M)          # progress
    assert re.search(r"^  \[single layer\] epoch +300/300 ", result.stdout, re.M)
    if importlib.util.find_spec("matplotlib") is not None:
        png = tmp_path / "xor.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    else:
        assert (tmp_path / "xor.txt").is_file()


def test_other_seed_and_width_text_plot(tmp_path):
    result = run("--out", tmp_path, "--seed", "3", "--hidden", "8", "--plot", "text")
    assert result.returncode == 0, result.stdout + result.stderr
    text = (tmp_path / "xor.txt").read_text(encoding="utf-8")
    assert text.count("X") >= 4 and text.count("O") >= 4 and "hidden layer: 100%" in text


def test_no_learning_fails_the_gate(tmp_path):
    for args in (["--lr", "0"], ["--epochs", "0"]):
        result = run("--out", tmp_path, "--plot", "text", *args)
        assert result.returncode == 1, (args, result.stdout + result.stderr)
        assert "GATE FAILED" in result.stdout and not GATE.search(result.stdout)


def test_bad_arguments_are_rejected(tmp_path):
    for args in (["--epochs", "-1"], ["--lr", "-1"], ["--lr", "nan"], ["--hidden", "0"]):
        result = run("--out", tmp_path, *args)
        assert result.returncode == 2 and "must be" in result.stderr, (args, result.stderr)
