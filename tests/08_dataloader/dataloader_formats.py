"""Encoders for the real binary layouts of IDX (MNIST) and CIFAR-10 files, used to fabricate small test
files. Loaded by file path (tests run with --import-mode=importlib, so this folder is not on sys.path)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np


def idx_bytes(array, type_code=0x08, dtype=">u1"):
    """IDX encoding: 0, 0, type code, ndim; big-endian uint32 sizes; the values big-endian, C order."""
    array = np.ascontiguousarray(array)
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    return header + array.astype(dtype).tobytes()


def cifar_bytes(images, labels):
    """CIFAR-10 binary records: 1 label byte, then 1024 red, 1024 green, 1024 blue pixel bytes."""
    return b"".join(bytes([int(y)]) + np.asarray(x, np.uint8).tobytes() for x, y in zip(images, labels))


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
