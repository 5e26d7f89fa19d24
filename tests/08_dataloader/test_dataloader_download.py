"""download=True and download_url, against file:// URLs and fake openers only: never the network."""
import io

import pytest

from tinytorch.data.loader import CIFAR10, MIRRORS, MNIST, DatasetFileError, FashionMNIST, download_url, sha256_hex


def served(mnist_files, tmp_path):
    """Move the fixture's train .gz files into a 'server' folder; return its file:// URL and a subclass using it."""
    server = tmp_path / "server"
    server.mkdir()
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (mnist_files.root / name).rename(server / name)

    class LocalMNIST(MNIST):
        mirrors = ("file:///nonexistent-mirror/", server.as_uri() + "/")     # the first mirror fails
    return server, LocalMNIST


def test_download_then_load(mnist_files, tmp_path, capsys):
    server, LocalMNIST = served(mnist_files, tmp_path)
    root = tmp_path / "fresh" / "data"
    ds = LocalMNIST(root, train=True, download=True, checksums=mnist_files.checksums)
    assert len(ds) == 6 and sorted(p.name for p in root.iterdir()) == ["train-images-idx3-ubyte.gz",
                                                                       "train-labels-idx1-ubyte.gz"]
    assert "100.0%" in capsys.readouterr().err, "a progress bar is shown on stderr"
    again = LocalMNIST(root, train=True, download=True, checksums=mnist_files.checksums)
    assert len(again) == 6, "files already present are not downloaded again"


def test_download_with_wrong_digest_saves_nothing(mnist_files, tmp_path):
    server, LocalMNIST = served(mnist_files, tmp_path)
    root = tmp_path / "fresh"
    wrong = dict(mnist_files.checksums, **{"train-images-idx3-ubyte.gz": "f" * 64})
    with pytest.raises(DatasetFileError, match="could not be downloaded from any mirror.*sha256 mismatch"):
        LocalMNIST(root, download=True, checksums=wrong)
    assert list(root.iterdir()) == [], "neither the file nor a .part file may remain"


def test_download_needs_a_digest_first(mnist_files, tmp_path):
    server, LocalMNIST = served(mnist_files, tmp_path)

    class LocalFashion(FashionMNIST):
        mirrors = LocalMNIST.mirrors
    with pytest.raises(DatasetFileError, match="no published sha256"):
        LocalFashion(tmp_path / "fresh", download=True)
    assert list((tmp_path / "fresh").iterdir()) == [], "nothing is downloaded without a digest to check"


def test_cifar_download_is_refused_with_a_reason(tmp_path):
    with pytest.raises(ValueError, match="cifar-10-binary.tar.gz"):
        CIFAR10(tmp_path, download=True)


def test_download_url_checks(tmp_path):
    payload = b"x" * 200_000
    src = tmp_path / "src.bin"
    src.write_bytes(payload)
    dest = tmp_path / "d" / "out.bin"
    download_url(src.as_uri(), dest, sha256_hex(payload), progress=False)
    assert dest.read_bytes() == payload

    class Short(io.BytesIO):
        headers = {"Content-Length": "999999"}
    with pytest.raises(DatasetFileError, match="incomplete: 10 of 999999 bytes"):
        download_url("https://example.invalid/short", tmp_path / "e" / "s.bin", None, progress=False,
                     opener=lambda url: Short(b"0123456789"))
    assert list((tmp_path / "e").iterdir()) == []

    def bad_url(url):
        raise ValueError("unknown url type")
    with pytest.raises(DatasetFileError, match="nope: download failed"):
        download_url("nope", tmp_path / "f" / "n.bin", None, opener=bad_url, progress=False)


def test_mirror_table():
    assert all(url.endswith("/") for urls in MIRRORS.values() for url in urls)
    assert MNIST.mirrors == MIRRORS["MNIST"] and FashionMNIST.mirrors == MIRRORS["FashionMNIST"]
