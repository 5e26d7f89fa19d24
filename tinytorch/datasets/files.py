"""Hand-written support code of module 08 (dataloader), not taught: data files read only after a check.

ONE verified reader for every data file of the package: `read_verified(path, sha256)` returns a file's
bytes only when their sha256 digest is the expected one. The shipped digits (digits.py) and the MNIST /
Fashion-MNIST / CIFAR-10 readers (vision.py) all go through it, and raise `DatasetFileError` with a message
that starts with the file and says what is wrong.
"""
from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path

__all__ = ["DatasetFileError", "sha256_hex", "read_verified", "gunzip", "find_file", "expected_sha256",
           "PUBLISHED_SHA256"]


class DatasetFileError(ValueError):
    """A data file is missing, damaged or not the expected file."""


# sha256 digests published for the original files, per data set and file name. The four MNIST values are the
# ones that accompany the gzipped files on their mirrors and in many loaders; they were NOT re-computed here
# (no network). For Fashion-MNIST and CIFAR-10 only MD5 sums are published, so there is no sha256 to check
# against: pass checksums={...} with values you trust, or verify=False.
PUBLISHED_SHA256 = {
    "MNIST": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "FashionMNIST": {},
    "CIFAR10": {},
}


def sha256_hex(data: bytes) -> str:
    """The sha256 digest of `data` (bytes) as 64 lowercase hex characters."""
    return hashlib.sha256(data).hexdigest()


def read_verified(path, sha256, missing_hint=""):
    """The bytes of the file `path`, after checking that their sha256 is `sha256` (skipped when None).

    Raises DatasetFileError "<path>: no such file<missing_hint>" when it does not exist, "<path>: cannot be
    read (...)" when it cannot be read, and "<path>: sha256 mismatch: the file's sha256 is <digest>,
    expected <sha256>; ..." when the digest differs.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise DatasetFileError(f"{path}: no such file{missing_hint}") from None
    except OSError as exc:
        raise DatasetFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if sha256 is not None:
        digest = sha256_hex(data)
        if digest != sha256:
            raise DatasetFileError(f"{path}: sha256 mismatch: the file's sha256 is {digest}, expected {sha256}; "
                                   "the file is damaged, truncated or a different file: get it again")
    return data


def gunzip(data: bytes, name) -> bytes:
    """Decompress gzip data (checking its CRC); data that is not gzip is returned as it is."""
    if data[:2] != b"\x1f\x8b":
        if str(name).endswith(".gz"):
            raise DatasetFileError(f"{name}: named .gz but is not gzip data (it starts with {data[:4].hex() or 'nothing'})")
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:        # gzip.BadGzipFile (CRC, header) is an OSError
        raise DatasetFileError(f"{name}: corrupt gzip data ({exc}); the file is damaged: download it again") from None


def find_file(root, filename, subfolders, extensions=("",)) -> Path:
    """The first existing root/[subfolder/]filename[extension], or a DatasetFileError listing the tries."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetFileError(f"{root}: no such folder (the data set's root directory)")
    tried = []
    for folder in ("", *subfolders):
        for ext in extensions:
            candidate = root / folder / (filename + ext)
            if candidate.is_file():
                return candidate
            tried.append(str(candidate))
    raise DatasetFileError(f"{filename}: not found; looked for " + ", ".join(tried))


def expected_sha256(dataset, path, checksums, verify):
    """The digest the file at `path` must have: checksums[name], else PUBLISHED_SHA256; None if verify is off."""
    filename = Path(path).name
    if not verify:
        return None
    if checksums and filename in checksums:
        expected = str(checksums[filename]).strip().lower()
        if len(expected) != 64 or any(c not in "0123456789abcdef" for c in expected):
            raise ValueError(f"checksums[{filename!r}] = {checksums[filename]!r} is not a sha256 digest "
                             "(64 hexadecimal characters)")
        return expected
    published = PUBLISHED_SHA256.get(dataset, {}).get(filename)
    if published:
        return published
    raise DatasetFileError(
        f"{path}: no published sha256 is known for this {dataset} file, so it cannot be verified. Pass "
        f"checksums={{{filename!r}: '<sha256 from a source you trust>'}}, or verify=False to use it unchecked")
