"""Issue 10 items 3 and 6: the data-set file formats and the download live in tinytorch/datasets/, with ONE
verified reader (files.read_verified) used by the shipped digits and by the MNIST/CIFAR readers, and the
download writes through the framework's one atomic writer (write_atomic of module 01)."""
from pathlib import Path

import numpy as np
import pytest

import tinytorch.datasets as datasets
from tinytorch.datasets import digits, files, vision

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "tinytorch"


def test_only_the_verified_reader_hashes_files():
    hashing = sorted(p.relative_to(PKG).as_posix() for p in PKG.rglob("*.py") if "hashlib" in p.read_text())
    # files.py: read_verified; download.py: hashes the bytes while they stream in (then nothing is read back)
    assert [p for p in hashing if "datasets" in p or "data/" in p] == ["datasets/download.py", "datasets/files.py"]


def test_the_loader_holds_no_file_formats_or_downloads():
    text = (PKG / "data" / "loader.py").read_text()
    for word in ("hashlib", "gzip", "urllib", "tempfile", "os.replace", "def parse_idx", "def download_url"):
        assert word not in text, f"tinytorch/data/loader.py still holds {word!r}"


def test_download_uses_the_one_atomic_writer():
    text = (PKG / "datasets" / "download.py").read_text()
    assert "from tinytorch.core.tensor import write_atomic" in text and "write_atomic(dest" in text
    assert "os.replace" not in text and "mkstemp" not in text


def test_digits_and_loaders_share_the_reader(monkeypatch):
    calls = []
    real = files.read_verified

    def spy(path, sha256, *args):
        calls.append(Path(path).name)
        return real(path, sha256, *args)
    monkeypatch.setattr(digits, "read_verified", spy)
    digits.load_digits("test")
    assert calls == ["digits.npz"]
    assert vision.read_verified is files.read_verified and digits.read_verified is spy


def test_support_files_say_they_are_support_code():
    for path in [*sorted((PKG / "datasets").glob("*.py"))[1:], PKG / "data" / "support.py"]:
        if path.name in ("__init__.py",):
            continue
        head = path.read_text().splitlines()[0]
        if path.name in ("digits.py", "pydoc_topics.py"):     # shipped data sets, not readers
            continue
        assert "support code of module 08" in head and "not taught" in head, path


def test_public_surface(tmp_path):
    import tinytorch.data as data
    import tinytorch.data.loader as loader
    for name in ("MNIST", "CIFAR10", "FashionMNIST", "DigitsDataset", "parse_idx", "download_url", "DatasetFileError"):
        assert getattr(data, name) is getattr(datasets, name) is getattr(loader, name)
    with pytest.raises(datasets.DatasetFileError, match="no such file"):
        files.read_verified(tmp_path / "absent.bin", None)
    (tmp_path / "x.bin").write_bytes(b"abc")
    assert files.read_verified(tmp_path / "x.bin", files.sha256_hex(b"abc")) == b"abc"
    with pytest.raises(datasets.DatasetFileError, match="x.bin: sha256 mismatch"):
        files.read_verified(tmp_path / "x.bin", "0" * 64)
    assert np.asarray(datasets.DigitsDataset("test").data).shape[1:] == (8, 8)


def test_the_text_corpus_reads_through_the_one_verified_reader(monkeypatch):
    from tinytorch.datasets import pydoc_topics
    calls = []
    real = files.read_verified

    def spy(path, sha256, *args):
        calls.append(Path(path).name)
        return real(path, sha256, *args)
    monkeypatch.setattr(pydoc_topics, "read_verified", spy)
    pydoc_topics.load_pydoc_topics("valid")
    assert calls == ["pydoc_topics.txt"]
