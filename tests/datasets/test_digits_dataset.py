import numpy as np
import pytest

from tinytorch.datasets import DatasetFileError, load_digits
from tinytorch.datasets import digits


def test_split_sizes_disjoint_and_complete():
    xa, ya = load_digits("all")
    xtr, ytr = load_digits("train")
    xte, yte = load_digits("test")
    assert xa.shape == (1797, 8, 8) and ya.shape == (1797,)
    assert len(ytr) + len(yte) == 1797
    with np.load(digits.PATH, allow_pickle=False) as f:
        assert not set(f["train_idx"]) & set(f["test_idx"])
    assert xtr.dtype == np.float32 and ytr.dtype == np.int64
    assert 0.0 <= xa.min() and xa.max() == 1.0
    assert set(np.unique(ya)) == set(range(10))
    # every class is in both parts, roughly 80/20
    for c in range(10):
        n_tr, n_te = (ytr == c).sum(), (yte == c).sum()
        assert 0.15 < n_te / (n_tr + n_te) < 0.25


def test_load_is_deterministic():
    a, la = load_digits("test")
    b, lb = load_digits("test")
    assert np.array_equal(a, b) and np.array_equal(la, lb)


def test_damaged_file_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "digits.npz"
    data = bytearray(digits.PATH.read_bytes())
    data[100] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(DatasetFileError, match=r"digits\.npz: sha256 mismatch: the file.s sha256 is [0-9a-f]{64}, expected"):
        load_digits(path=bad)


def test_missing_file_and_bad_split(tmp_path):
    with pytest.raises(DatasetFileError, match="missing"):
        load_digits(path=tmp_path / "nope.npz")
    with pytest.raises(ValueError, match="split must be one of"):
        load_digits("validation")
