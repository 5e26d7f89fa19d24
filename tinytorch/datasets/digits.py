"""The UCI handwritten digits: 1,797 grey 8x8 images of the digits 0-9 (licence CC BY 4.0).

The file digits.npz beside this module was made by tools/make_digits.py; PROVENANCE.md says where the data
come from. Its sha256 is checked every time it is loaded, so a damaged or replaced file is caught.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

PATH = Path(__file__).with_name("digits.npz")
SHA256 = "eaac2f50ba6db9286cc2e96fcada8fe1f875d621f960335bf4ddcafba490fa51"
SPLITS = ("train", "test", "all")


class DatasetFileError(ValueError):
    """A data file is missing, damaged or not the expected file."""


def _verified_bytes(path: Path, sha256: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DatasetFileError(f"{path}: the digits data file is missing; reinstall tinytorch or rebuild it "
                               "with tools/make_digits.py") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise DatasetFileError(f"{path}: sha256 is {digest}, expected {sha256}; the file is damaged or not "
                               "the digits data set")
    return data


def load_digits(split: str = "train", path: str | Path | None = None, sha256: str = SHA256):
    """Return (images, labels) as numpy arrays: images float32 (N, 8, 8) scaled to [0, 1], labels int64.

    split: "train" (80%), "test" (20%) or "all"; the split is fixed inside the file, so it never changes.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    import io
    path = Path(path) if path is not None else PATH
    raw = _verified_bytes(path, sha256)
    with np.load(io.BytesIO(raw), allow_pickle=False) as f:
        images, labels = f["images"], f["labels"]
        index = slice(None) if split == "all" else f[f"{split}_idx"]
        images, labels = images[index], labels[index]
    return (images.astype(np.float32) / np.float32(16.0)), labels.astype(np.int64)
