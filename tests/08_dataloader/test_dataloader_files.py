"""MNIST / Fashion-MNIST (IDX, gzip or plain) and CIFAR-10 (binary) readers on small fabricated files in the
real layouts: what they load, and every kind of damage refused with the file's name and nothing half-loaded."""
import gzip
import os
import shutil
from pathlib import Path

from tests.conftest import load_file

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinytorch.data.loader import (CIFAR10, MNIST, PUBLISHED_SHA256, DataLoader, DatasetFileError, DigitsDataset,
                                   FashionMNIST, ToTensor, parse_cifar_records, parse_idx, sha256_hex)
from tinytorch.datasets import digits as shipped_digits



_formats = load_file(Path(__file__).with_name("dataloader_formats.py"), "tinytorch_tests_dataloader_formats")
idx_bytes, cifar_bytes, sha256 = _formats.idx_bytes, _formats.cifar_bytes, _formats.sha256


def snapshot(root):
    """Every file under root with its size and modification time: a failed load must change nothing."""
    return sorted((str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in root.rglob("*") if p.is_file())


# ---- what loads -----------------------------------------------------------------------------------------
def test_mnist_train_gz_and_test_plain(mnist_files):
    fs = mnist_files
    train = MNIST(fs.root, train=True, checksums=fs.checksums)
    test = MNIST(fs.root, train=False, checksums=fs.checksums)
    for ds, split in ((train, "train"), (test, "t10k")):
        assert ds.data.dtype == np.uint8 and ds.data.shape == fs.images[split].shape
        np.testing.assert_array_equal(ds.data, fs.images[split])
        assert ds.targets.dtype == np.int64 and ds.targets.tolist() == fs.labels[split].tolist()
    image, label = train[3]
    assert image.shape == (28, 28) and image.dtype == np.uint8 and label == int(fs.labels["train"][3])
    x, y = next(iter(DataLoader(MNIST(fs.root, transform=ToTensor(), checksums=fs.checksums), batch_size=4)))
    assert x.shape == (4, 1, 28, 28) and x.dtype == np.float32 and float(x._data.max()) <= 1.0
    np.testing.assert_allclose(x._data[:, 0], fs.images["train"][:4] / 255.0, rtol=1e-6)
    assert y.dtype == np.int64


def test_torchvision_folder_layout_and_gz_preferred(mnist_files):
    fs = mnist_files
    raw = fs.root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in list(fs.checksums):
        shutil.move(fs.root / name, raw / name)
    assert len(MNIST(fs.root, checksums=fs.checksums)) == 6
    (raw / "train-images-idx3-ubyte").write_bytes(b"not an idx file")     # a plain file next to the .gz
    assert len(MNIST(fs.root, checksums=fs.checksums)) == 6, "the .gz (which has a published digest) is read first"


def test_fashion_mnist_reads_the_same_layout(mnist_files):
    fs = mnist_files
    ds = FashionMNIST(fs.root, train=False, checksums=fs.checksums)
    assert len(ds) == 4 and ds.classes[0] == "T-shirt/top" and len(ds.classes) == 10


def test_cifar10_train_and_test(cifar_files):
    fs = cifar_files
    train = CIFAR10(fs.root, train=True, checksums=fs.checksums)
    test = CIFAR10(fs.root, train=False, checksums=fs.checksums)
    np.testing.assert_array_equal(train.data, fs.images["train"])
    assert train.targets.tolist() == fs.labels["train"].tolist() and len(train) == 15
    np.testing.assert_array_equal(test.data, fs.images["test"])
    assert test.targets.tolist() == [3, 8] and test.classes[test[1][1]] == "ship"
    # channel order: the first 1024 pixel bytes of a record are the red plane
    raw = (fs.root / "cifar-10-batches-bin" / "test_batch.bin").read_bytes()
    assert test.data[0, 0].reshape(-1).tobytes() == raw[1:1025]
    assert test.data[0, 2].reshape(-1).tobytes() == raw[2049:3073]
    x, y = next(iter(DataLoader(CIFAR10(fs.root, transform=ToTensor(), checksums=fs.checksums), batch_size=5)))
    assert x.shape == (5, 3, 32, 32) and x.dtype == np.float32 and y.dtype == np.int64


def test_cifar_found_directly_in_root(cifar_files):
    fs = cifar_files
    for p in (fs.root / "cifar-10-batches-bin").iterdir():
        shutil.move(p, fs.root / p.name)
    assert len(CIFAR10(fs.root, train=False, checksums=fs.checksums)) == 2


# ---- the checksum policy ---------------------------------------------------------------------------------
def test_published_digest_is_checked_by_default(mnist_files):
    with pytest.raises(DatasetFileError, match=r"train-images-idx3-ubyte\.gz: sha256 mismatch: .* expected 440fcabf"):
        MNIST(mnist_files.root)


@pytest.mark.parametrize("make", [lambda root: FashionMNIST(root), lambda root: MNIST(root, train=False)])
def test_no_published_digest_asks_for_one(mnist_files, make):
    with pytest.raises(DatasetFileError, match=r"-ubyte(\.gz)?: no published sha256 .* checksums=.* verify=False"):
        make(mnist_files.root)


def test_cifar_without_checksums_is_refused(cifar_files):
    with pytest.raises(DatasetFileError, match=r"data_batch_1\.bin: no published sha256"):
        CIFAR10(cifar_files.root)


def test_verify_false_warns_and_loads(mnist_files, cifar_files):
    with pytest.warns(UserWarning, match="WITHOUT a sha256 check"):
        assert len(FashionMNIST(mnist_files.root, verify=False)) == 6
    with pytest.warns(UserWarning, match="WITHOUT a sha256 check"):
        assert len(CIFAR10(cifar_files.root, verify=False)) == 15


def test_checksum_argument_is_validated_and_case_insensitive(mnist_files):
    fs = mnist_files
    upper = {k: v.upper() for k, v in fs.checksums.items()}
    assert len(MNIST(fs.root, checksums=upper)) == 6
    with pytest.raises(ValueError, match="not a sha256 digest"):
        MNIST(fs.root, checksums=dict(fs.checksums, **{"train-images-idx3-ubyte.gz": "abc"}))


def test_published_table_holds_only_sha256_digests():
    for name, table in PUBLISHED_SHA256.items():
        for filename, digest in table.items():
            assert len(digest) == 64 and set(digest) <= set("0123456789abcdef"), (name, filename)
    assert set(PUBLISHED_SHA256) == {"MNIST", "FashionMNIST", "CIFAR10"}


# ---- every kind of damage: refused by name, nothing created, nothing written ---------------------------
def _rewrite(fs, name, data):
    (fs.root / name).write_bytes(data)
    return fs.refresh(name)


def bad_magic(fs):
    raw = bytearray(idx_bytes(fs.images["t10k"]))
    raw[0] = 0x1F          # not two zero bytes
    return _rewrite(fs, "t10k-images-idx3-ubyte", bytes(raw))


def signed_bytes(fs):
    return _rewrite(fs, "t10k-images-idx3-ubyte", idx_bytes(fs.images["t10k"], type_code=0x09, dtype=">i1"))


def truncated_data(fs):
    return _rewrite(fs, "t10k-images-idx3-ubyte", idx_bytes(fs.images["t10k"])[:-30])


def truncated_header(fs):
    return _rewrite(fs, "t10k-images-idx3-ubyte", idx_bytes(fs.images["t10k"])[:9])


def trailing_bytes(fs):
    return _rewrite(fs, "t10k-images-idx3-ubyte", idx_bytes(fs.images["t10k"]) + b"\x00\x00")


def swapped_files(fs):
    return _rewrite(fs, "t10k-images-idx3-ubyte", idx_bytes(fs.labels["t10k"]))


def count_mismatch(fs):
    return _rewrite(fs, "t10k-labels-idx1-ubyte", idx_bytes(fs.labels["t10k"][:3]))


def label_out_of_range(fs):
    labels = fs.labels["t10k"].copy()
    labels[1] = 10
    return _rewrite(fs, "t10k-labels-idx1-ubyte", idx_bytes(labels))


def flipped_byte(fs):
    path = fs.root / "t10k-images-idx3-ubyte"
    raw = bytearray(path.read_bytes())
    raw[500] ^= 0x01
    path.write_bytes(bytes(raw))
    return fs.checksums            # the digest of the undamaged file


def gzip_crc(fs):
    raw = bytearray((fs.root / "train-images-idx3-ubyte.gz").read_bytes())
    raw[-6] ^= 0xFF                # inside the stored CRC-32
    return _rewrite(fs, "train-images-idx3-ubyte.gz", bytes(raw))


def gzip_length(fs):
    raw = bytearray((fs.root / "train-images-idx3-ubyte.gz").read_bytes())
    raw[-1] ^= 0x01                # the stored length of the content
    return _rewrite(fs, "train-images-idx3-ubyte.gz", bytes(raw))


def gzip_cut(fs):
    raw = (fs.root / "train-labels-idx1-ubyte.gz").read_bytes()
    return _rewrite(fs, "train-labels-idx1-ubyte.gz", raw[:len(raw) // 2])


def gzip_garbage(fs):
    raw = bytearray((fs.root / "train-images-idx3-ubyte.gz").read_bytes())
    raw[12:40] = b"\xff" * 28      # the deflate stream
    return _rewrite(fs, "train-images-idx3-ubyte.gz", bytes(raw))


def not_gzip(fs):
    return _rewrite(fs, "train-images-idx3-ubyte.gz", idx_bytes(fs.images["train"]))


def missing_file(fs):
    (fs.root / "t10k-labels-idx1-ubyte").unlink()
    return fs.checksums


DAMAGE = [
    (bad_magic, False, "t10k-images-idx3-ubyte: bad magic number 0x1F000803"),
    (signed_bytes, False, "t10k-images-idx3-ubyte: expected uint8 images"),
    (truncated_data, False, "t10k-images-idx3-ubyte: truncated: the header says shape (4, 28, 28)"),
    (truncated_header, False, "t10k-images-idx3-ubyte: truncated header"),
    (trailing_bytes, False, "t10k-images-idx3-ubyte: 2 unexpected bytes after the data"),
    (swapped_files, False, "t10k-images-idx3-ubyte: expected uint8 images with 3 dimensions"),
    (count_mismatch, False, "holds 4 images but"),
    (label_out_of_range, False, "t10k-labels-idx1-ubyte: label 10 is not a class of MNIST"),
    (flipped_byte, False, "t10k-images-idx3-ubyte: sha256 mismatch"),
    (gzip_crc, True, "train-images-idx3-ubyte.gz: corrupt gzip data (CRC check failed"),
    (gzip_length, True, "train-images-idx3-ubyte.gz: corrupt gzip data (Incorrect length"),
    (gzip_cut, True, "train-labels-idx1-ubyte.gz: corrupt gzip data"),
    (gzip_garbage, True, "train-images-idx3-ubyte.gz: corrupt gzip data"),
    (not_gzip, True, "train-images-idx3-ubyte.gz: named .gz but is not gzip data"),
    (missing_file, False, "t10k-labels-idx1-ubyte: not found; looked for"),
]


@pytest.mark.parametrize("damage, train, message", DAMAGE, ids=[d[0].__name__ for d in DAMAGE])
def test_damaged_mnist_is_refused_by_name(mnist_files, damage, train, message):
    checksums = damage(mnist_files)
    before = snapshot(mnist_files.root)
    dataset = None
    with pytest.raises(DatasetFileError) as info:
        dataset = MNIST(mnist_files.root, train=train, checksums=checksums)
    assert message in str(info.value), f"expected {message!r} in: {info.value}"
    assert dataset is None, "no dataset object may exist after a failed load"
    assert snapshot(mnist_files.root) == before, "a failed load must not write or change files"
    assert isinstance(info.value, ValueError), "DatasetFileError is a ValueError"


def test_error_message_names_the_full_path(mnist_files):
    truncated_data(mnist_files)
    with pytest.raises(DatasetFileError) as info:
        MNIST(mnist_files.root, train=False, checksums=mnist_files.checksums)
    assert str(mnist_files.root / "t10k-images-idx3-ubyte") in str(info.value)


def test_missing_root_folder(tmp_path):
    with pytest.raises(DatasetFileError, match="no such folder"):
        MNIST(tmp_path / "nowhere")


CIFAR_DAMAGE = [
    ("truncated", lambda raw: raw[:-1], "data_batch_2.bin: truncated record: 9218 bytes are 2 whole records"),
    ("extra", lambda raw: raw + b"\x01", "data_batch_2.bin: truncated record"),
    ("empty", lambda raw: b"", "data_batch_2.bin: the file is empty"),
    ("label", lambda raw: raw[:3073] + b"\x0a" + raw[3074:], "data_batch_2.bin: record 1 has label 10"),
    ("cifar100", lambda raw: b"".join(raw[k:k + 3073][:1] + raw[k:k + 3073] for k in range(0, len(raw), 3073)),
     "data_batch_2.bin: truncated record"),
]


@pytest.mark.parametrize("name, damage, message", CIFAR_DAMAGE, ids=[d[0] for d in CIFAR_DAMAGE])
def test_damaged_cifar_is_refused_by_name(cifar_files, name, damage, message):
    folder = cifar_files.root / "cifar-10-batches-bin"
    path = folder / "data_batch_2.bin"
    path.write_bytes(damage(path.read_bytes()))
    checksums = cifar_files.refresh("data_batch_2.bin", folder)
    before = snapshot(cifar_files.root)
    dataset = None
    with pytest.raises(DatasetFileError) as info:
        dataset = CIFAR10(cifar_files.root, checksums=checksums)
    assert message in str(info.value), f"expected {message!r} in: {info.value}"
    assert dataset is None and snapshot(cifar_files.root) == before


def test_cifar_sha_mismatch_and_missing_batch(cifar_files):
    folder = cifar_files.root / "cifar-10-batches-bin"
    raw = bytearray((folder / "data_batch_4.bin").read_bytes())
    raw[100] ^= 0x80
    (folder / "data_batch_4.bin").write_bytes(bytes(raw))
    with pytest.raises(DatasetFileError, match=r"data_batch_4\.bin: sha256 mismatch"):
        CIFAR10(cifar_files.root, checksums=cifar_files.checksums)
    (folder / "data_batch_5.bin").unlink()
    with pytest.raises(DatasetFileError, match=r"data_batch_5\.bin: not found"), pytest.warns(UserWarning):
        CIFAR10(cifar_files.root, verify=False)


def test_damaged_shipped_digits_file(tmp_path):
    bad = tmp_path / "digits.npz"
    raw = bytearray(shipped_digits.PATH.read_bytes())
    raw[200] ^= 0xFF
    bad.write_bytes(bytes(raw))
    with pytest.raises(DatasetFileError, match=r"digits\.npz: sha256 mismatch"):
        DigitsDataset("train", path=bad)
    assert len(DigitsDataset("test")) > 0


# ---- the parsers on their own --------------------------------------------------------------------------
IDX_CODES = [(0x08, ">u1", np.uint8), (0x09, ">i1", np.int8), (0x0B, ">i2", np.int16), (0x0C, ">i4", np.int32),
             (0x0D, ">f4", np.float32), (0x0E, ">f8", np.float64)]


@settings(max_examples=80, deadline=None)
@given(data=st.data(), code=st.sampled_from(IDX_CODES))
def test_idx_roundtrip_every_type(data, code):
    type_code, wire, native = code
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5))
    elements = st.floats(-1e6, 1e6, width=32) if np.dtype(native).kind == "f" else None
    array = data.draw(hnp.arrays(native, shape, elements=elements))
    parsed = parse_idx(idx_bytes(array, type_code, wire), "x")
    assert parsed.dtype == np.dtype(native) and parsed.dtype.isnative and parsed.shape == array.shape
    np.testing.assert_array_equal(parsed, array)


def test_idx_header_of_real_mnist_shape():
    raw = idx_bytes(np.zeros((2, 28, 28), np.uint8))
    assert raw[:16] == bytes.fromhex("00000803" "00000002" "0000001c" "0000001c")
    assert parse_idx(raw).shape == (2, 28, 28)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 4), cut=st.integers(1, 3072), seed=st.integers(0, 100))
def test_cifar_any_cut_is_a_truncated_record(n, cut, seed):
    rng = np.random.default_rng(seed)
    raw = cifar_bytes(rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8), rng.integers(0, 10, n))
    images, labels = parse_cifar_records(raw, "b.bin")
    assert images.shape == (n, 3, 32, 32) and labels.shape == (n,)
    with pytest.raises(DatasetFileError, match="b.bin: truncated record"):
        parse_cifar_records(raw[:-cut], "b.bin")


def test_sha256_hex_matches_hashlib(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"tinytorch")
    assert sha256_hex(b"tinytorch") == sha256(path)
    assert sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_gzip_of_fixture_is_real_gzip(mnist_files):
    """The fixture .gz files decompress with the standard library to the IDX bytes."""
    raw = gzip.decompress((mnist_files.root / "train-labels-idx1-ubyte.gz").read_bytes())
    assert raw == idx_bytes(mnist_files.labels["train"])
    assert os.path.getsize(mnist_files.root / "t10k-images-idx3-ubyte") == 16 + 4 * 28 * 28
