"""Fixture files for module 08: tiny MNIST (IDX) and CIFAR-10 (binary) data sets written byte by byte in
the real layouts, with the sha256 digests computed from these files (the only digests a test can know)."""
from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import load_file

import numpy as np
import pytest


_formats = load_file(Path(__file__).with_name("dataloader_formats.py"), "tinytorch_tests_dataloader_formats")
idx_bytes, cifar_bytes, sha256 = _formats.idx_bytes, _formats.cifar_bytes, _formats.sha256


@dataclass
class FixtureSet:
    root: Path
    images: dict = field(default_factory=dict)       # split -> uint8 images
    labels: dict = field(default_factory=dict)       # split -> labels
    checksums: dict = field(default_factory=dict)    # file name -> sha256

    def refresh(self, name, folder=None):
        """Recompute the digest of one file after a test changed it on purpose."""
        self.checksums[name] = sha256((folder or self.root) / name)
        return self.checksums


@pytest.fixture
def mnist_files(tmp_path):
    """train: 6 images, gzipped; t10k: 4 images, plain files. 28 x 28 like the real thing."""
    rng = np.random.default_rng(8)
    fs = FixtureSet(tmp_path)
    for split, n, gz in (("train", 6, True), ("t10k", 4, False)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        fs.images[split], fs.labels[split] = images, labels
        for kind, data in (("images-idx3", images), ("labels-idx1", labels)):
            name = f"{split}-{kind}-ubyte" + (".gz" if gz else "")
            raw = idx_bytes(data)
            (tmp_path / name).write_bytes(gzip.compress(raw, mtime=0) if gz else raw)
            fs.checksums[name] = sha256(tmp_path / name)
    return fs


@pytest.fixture
def cifar_files(tmp_path):
    """data_batch_1..5.bin with 3 records each, test_batch.bin with 2, in root/cifar-10-batches-bin."""
    rng = np.random.default_rng(10)
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    fs = FixtureSet(tmp_path)
    train_x, train_y = [], []
    for k in range(1, 6):
        x = rng.integers(0, 256, size=(3, 3, 32, 32), dtype=np.uint8)
        y = rng.integers(0, 10, size=3)
        (folder / f"data_batch_{k}.bin").write_bytes(cifar_bytes(x, y))
        train_x.append(x)
        train_y.append(y)
    test_x = rng.integers(0, 256, size=(2, 3, 32, 32), dtype=np.uint8)
    test_y = np.array([3, 8])
    (folder / "test_batch.bin").write_bytes(cifar_bytes(test_x, test_y))
    fs.images = {"train": np.concatenate(train_x), "test": test_x}
    fs.labels = {"train": np.concatenate(train_y), "test": test_y}
    fs.checksums = {p.name: sha256(p) for p in folder.iterdir()}
    return fs
