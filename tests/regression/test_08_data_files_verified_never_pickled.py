"""Regression (module 08), from a defect of earlier courses: MNIST/CIFAR were loaded (and downloaded)
without any checksum, and CIFAR-10 from its pickled version, where loading a file runs code. Here every
data file is checked against a sha256 before it is parsed, an unknown file is refused unless the user
gives a digest or opts out (with a warning), and nothing in the loader can unpickle."""
import ast
import gzip
from pathlib import Path

import numpy as np
import pytest

import tinytorch.data.loader as loader
from tinytorch.data.loader import CIFAR10, MNIST, DatasetFileError

IDX_LABELS = bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big") + bytes([1, 2, 3])
IDX_IMAGES = bytes([0, 0, 8, 3]) + b"".join(n.to_bytes(4, "big") for n in (3, 2, 2)) + bytes(12)


def test_a_file_that_is_not_the_published_one_is_refused(tmp_path):
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(IDX_IMAGES, mtime=0))
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(IDX_LABELS, mtime=0))
    with pytest.raises(DatasetFileError, match="sha256 mismatch"):
        MNIST(tmp_path)


def test_files_without_a_known_digest_are_refused_by_default(tmp_path):
    (tmp_path / "test_batch.bin").write_bytes(bytes([1]) + bytes(3072))
    with pytest.raises(DatasetFileError, match="no published sha256"):
        CIFAR10(tmp_path, train=False)
    with pytest.warns(UserWarning, match="WITHOUT a sha256 check"):
        assert len(CIFAR10(tmp_path, train=False, verify=False)) == 1


def test_the_loader_never_unpickles():
    source = Path(loader.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names} | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {"pickle", "cPickle", "dill", "joblib"} & imported
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "load":
            kwargs = {k.arg: k.value for k in node.keywords}
            assert "allow_pickle" in kwargs and kwargs["allow_pickle"].value is False, ast.unparse(node)


def test_shipped_digits_are_checked_too(tmp_path):
    from tinytorch.datasets import digits
    damaged = tmp_path / "digits.npz"
    raw = bytearray(digits.PATH.read_bytes())
    raw[-50] ^= 0x01
    damaged.write_bytes(bytes(raw))
    with pytest.raises(DatasetFileError, match="sha256"):
        loader.DigitsDataset("all", path=damaged)
    assert np.isfinite(loader.DigitsDataset("test").data).all()
