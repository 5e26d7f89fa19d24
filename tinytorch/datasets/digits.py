"""The UCI handwritten digits: 1,797 grey 8x8 images of the digits 0-9 (licence CC BY 4.0).

The file digits.npz beside this module was made by tools/make_digits.py; PROVENANCE.md says where the data
come from. Its sha256 is checked every time it is loaded (by files.read_verified, the package's one verified
reader), so a damaged or replaced file is caught.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from .files import DatasetFileError, read_verified

__all__ = ["load_digits", "DatasetFileError", "PATH", "SHA256"]

PATH = Path(__file__).with_name("digits.npz")
SHA256 = "eaac2f50ba6db9286cc2e96fcada8fe1f875d621f960335bf4ddcafba490fa51"
SPLITS = ("train", "test", "all")
MISSING_HINT = " (the digits data file is missing: reinstall tinytorch or rebuild it with tools/make_digits.py)"


def load_digits(split: str = "train", path: str | Path | None = None, sha256: str = SHA256):
    """Return (images, labels) as numpy arrays: images float32 (N, 8, 8) scaled to [0, 1], labels int64.

    split: "train" (80%), "test" (20%) or "all"; the split is fixed inside the file, so it never changes.
    Raises ValueError for another split, DatasetFileError for a missing file or a sha256 mismatch.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    path = Path(path) if path is not None else PATH
    raw = read_verified(path, sha256, MISSING_HINT)
    with np.load(io.BytesIO(raw), allow_pickle=False) as f:
        images, labels = f["images"], f["labels"]
        index = slice(None) if split == "all" else f[f"{split}_idx"]
        images, labels = images[index], labels[index]
    return (images.astype(np.float32) / np.float32(16.0)), labels.astype(np.int64)
