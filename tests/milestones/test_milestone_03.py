"""Milestone 03 (MLP on digits): run the script as `tito milestone run` does; check the gate, outputs, failures."""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import load_file

from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.training import evaluate, load_checkpoint, minibatches

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "milestones" / "03_mlp" / "mlp_digits.py"

GATE = re.compile(r"^GATE PASSED: test accuracy (\d+\.\d+)% >= 97%", re.M)


def run(*args, timeout=180):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_gate_passes_with_curves_and_checkpoint(tmp_path):
    result = run("--out", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    gate = GATE.search(result.stdout)
    assert gate and float(gate.group(1)) >= 97.0, result.stdout
    final = re.search(r"TEST accuracy (\d+\.\d+)% \((\d+)/(\d+)\)", result.stdout)
    assert final and int(final.group(2)) / int(final.group(3)) >= 0.97
    assert len(re.findall(r"^epoch +\d+/30  train loss", result.stdout, re.M)) == 30     # per-epoch progress
    if importlib.util.find_spec("matplotlib") is not None:
        png = tmp_path / "mlp_digits_curves.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    else:
        assert (tmp_path / "mlp_digits_curves.txt").is_file()
    assert (tmp_path / "mlp_digits_checkpoint.npz").stat().st_size > 0


def test_checkpoint_reloads_and_reproduces_the_test_accuracy(tmp_path, monkeypatch):
    result = run("--out", tmp_path, "--epochs", "3")
    assert result.returncode == 1, result.stdout + result.stderr          # 3 epochs are not enough for 97%
    final = re.search(r"TEST accuracy (\d+\.\d+)%", result.stdout)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, os.environ.get(var, "1"))                 # the script's setdefault changes nothing
    script = load_file(SCRIPT, "milestone_03_mlp_digits")
    (_, _), (X_test, y_test) = script.load_data()
    model = script.build_model(256, 0.1, 0.3)
    info = load_checkpoint(tmp_path / "mlp_digits_checkpoint.npz", model)
    assert info["epoch"] == 3
    acc = evaluate(model, minibatches(X_test, y_test, 512), CrossEntropyLoss())["accuracy"]
    assert f"{acc:.2%}" == final.group(1) + "%"


def test_no_learning_fails_the_gate(tmp_path):
    for args in (["--lr", "0", "--epochs", "2"], ["--epochs", "0"]):
        result = run("--out", tmp_path, *args)
        assert result.returncode == 1, (args, result.stdout + result.stderr)
        assert "GATE FAILED" in result.stdout and not GATE.search(result.stdout)


def test_bad_arguments_are_rejected(tmp_path):
    for args in (["--epochs", "-1"], ["--lr", "-0.1"], ["--hidden", "0"], ["--dropout", "1"]):
        result = run("--out", tmp_path, *args)
        assert result.returncode == 2 and "must be" in result.stderr, (args, result.stderr)
