"""Milestone 04 (LeNet-style CNN): run the script as `tito milestone run 04` does and check the gate, the
pictures, the failing gate, and the MNIST path on a fabricated IDX fixture (a few random images: it must
run end to end; its accuracy means nothing)."""
import gzip
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "milestones" / "04_cnn" / "cnn_digits.py"
GATE = re.compile(r"^GATE PASSED: test accuracy (\d+\.\d+)% \((\d+)/(\d+)\) >= 98\.00%", re.M)
PNG = b"\x89PNG\r\n\x1a\n"


def run(*args, timeout=300):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_gate_passes_on_digits_and_pictures_are_saved(tmp_path):
    result = run("--out", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    gate = GATE.search(result.stdout)
    assert gate, result.stdout
    assert float(gate.group(1)) >= 98.0 and int(gate.group(3)) == 359
    assert re.search(r"^  epoch   1/20  train loss [\d.]+ acc [\d.]+%  test loss [\d.]+ acc [\d.]+%  lr 3\.00e-03",
                     result.stdout, re.M)                                               # per-epoch progress (Trainer)
    assert re.search(r"^  epoch  20/20 ", result.stdout, re.M)
    assert "untrained test accuracy" in result.stdout and "training time" in result.stdout
    if importlib.util.find_spec("matplotlib") is not None:
        for name in ("cnn_curves.png", "cnn_filters.png"):
            data = (tmp_path / name).read_bytes()
            assert data[:8] == PNG and len(data) > 10_000, name
    else:
        assert (tmp_path / "cnn_curves.txt").is_file() and (tmp_path / "cnn_filters.txt").is_file()


def test_zero_epochs_fails_the_gate(tmp_path):
    result = run("--out", tmp_path, "--epochs", "0")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "GATE FAILED" in result.stdout and not GATE.search(result.stdout)


def test_text_pictures_when_asked(tmp_path):
    result = run("--out", tmp_path, "--plot", "text", "--epochs", "1", "--target", "0")
    assert result.returncode == 0, result.stdout + result.stderr
    filters = (tmp_path / "cnn_filters.txt").read_text(encoding="utf-8")
    assert "first-layer filters (16 of 3x3)" in filters and filters.strip() in result.stdout
    assert "epoch  train_loss" in (tmp_path / "cnn_curves.txt").read_text(encoding="utf-8")


def test_bad_arguments_are_rejected(tmp_path):
    for args in (["--epochs", "-1"], ["--lr", "0"], ["--lr", "nan"], ["--target", "1.5"], ["--data", "mnist"]):
        result = run("--out", tmp_path, *args)
        assert result.returncode == 2 and ("must be" in result.stderr or "needs --data-dir" in result.stderr), \
            (args, result.stderr)


def _idx(array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    return header + array.tobytes()


@pytest.fixture
def mnist_dir(tmp_path):
    """Four gzipped IDX files in MNIST's real layout, holding a few random 28x28 images."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "mnist"
    folder.mkdir()
    for prefix, n in (("train", 48), ("t10k", 16)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        (folder / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx(images)))
        (folder / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx(labels)))
    return folder


def test_mnist_path_runs_end_to_end_on_a_fixture(mnist_dir, tmp_path):
    out = tmp_path / "out"
    result = run("--data", "mnist", "--data-dir", mnist_dir, "--no-verify", "--epochs", "1", "--batch-size", "16",
                 "--target", "0", "--out", out, "--plot", "text")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "data: MNIST, 48 training and 16 test images of 28x28 pixels" in result.stdout
    assert "Linear(in_features=400, out_features=120" in result.stdout, "LeNet-5's 16*5*5 flatten size"
    assert re.search(r"^  epoch   1/1 ", result.stdout, re.M) and "GATE PASSED" in result.stdout
    assert "first-layer filters (6 of 5x5)" in (out / "cnn_filters.txt").read_text(encoding="utf-8")
    assert "WITHOUT a sha256 check" in result.stderr          # module 08 warns about unverified files


def test_mnist_files_are_verified_by_default(mnist_dir, tmp_path):
    result = run("--data", "mnist", "--data-dir", mnist_dir, "--epochs", "1", "--out", tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "cannot read MNIST" in result.stderr and "sha256" in result.stderr


def test_missing_mnist_folder_is_reported(tmp_path):
    result = run("--data", "mnist", "--data-dir", tmp_path / "nowhere", "--out", tmp_path)
    assert result.returncode == 2 and "nowhere" in result.stderr, result.stderr
