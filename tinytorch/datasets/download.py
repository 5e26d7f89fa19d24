"""Hand-written support code of module 08 (dataloader), not taught: verified downloads of MNIST files.

`download_url` hashes the bytes while they arrive and writes them through the framework's one atomic
writer (`write_atomic` of module 01): the destination appears only when the download is complete and its
sha256 is the expected one; a failure leaves no file (not even a partial one) behind.
"""
from __future__ import annotations

import hashlib
import sys
import urllib.request
from pathlib import Path

from tinytorch.core.tensor import write_atomic

from .files import DatasetFileError, expected_sha256, find_file

__all__ = ["MIRRORS", "download_url", "download_missing"]

MIRRORS = {
    "MNIST": ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    "FashionMNIST": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
}


def _show_progress(name, done, total):
    if total:
        filled = int(30 * done / total)
        sys.stderr.write(f"\r{name}: [{'#' * filled}{' ' * (30 - filled)}] {100 * done / total:5.1f}% "
                         f"of {total / 1e6:.1f} MB")
    else:
        sys.stderr.write(f"\r{name}: {done / 1e6:.1f} MB")
    sys.stderr.flush()


def download_url(url, dest, sha256=None, progress=True, opener=None, chunk_size=1 << 16):
    """Download `url` to `dest`, checking its sha256 on the way; `dest` appears only if all is well.

    opener(url) must return a file-like response with .read(n) (default: urllib.request.urlopen with a
    60 s timeout; tests pass their own). Any failure raises DatasetFileError naming the URL ("download
    failed", "download interrupted after N bytes", "download incomplete", "sha256 mismatch") and leaves no
    file behind.
    """
    dest = Path(dest)
    open_url = opener or (lambda u: urllib.request.urlopen(u, timeout=60))
    dest.parent.mkdir(parents=True, exist_ok=True)

    def stream(out):
        digest, done, total = hashlib.sha256(), 0, 0
        try:
            response = open_url(url)
        except (OSError, ValueError) as exc:          # urllib's URLError is an OSError
            raise DatasetFileError(f"{url}: download failed ({exc})") from None
        with response:
            headers = getattr(response, "headers", None)
            total = int(headers.get("Content-Length") or 0) if headers is not None else 0
            while True:
                try:
                    chunk = response.read(chunk_size)
                except OSError as exc:
                    raise DatasetFileError(f"{url}: download interrupted after {done} bytes ({exc})") from None
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    _show_progress(dest.name, done, total)
        if progress:
            sys.stderr.write("\n")
        if total and done != total:
            raise DatasetFileError(f"{url}: download incomplete: {done} of {total} bytes arrived")
        if sha256 is not None and digest.hexdigest() != sha256:
            raise DatasetFileError(f"{url}: sha256 mismatch: the downloaded bytes have sha256 {digest.hexdigest()}, "
                                   f"expected {sha256}; nothing was saved")

    write_atomic(dest, stream)
    return dest


def download_missing(dataset, checksums, verify):
    """Download the files of `dataset`'s split that are not on disk yet (MNIST and FashionMNIST)."""
    mirrors = getattr(dataset, "mirrors", ())
    if not mirrors:
        raise ValueError(f"{type(dataset).__name__}(download=True) is not offered: download the files yourself")
    dataset.root.mkdir(parents=True, exist_ok=True)
    for base in dataset.files[dataset.train]:
        try:
            find_file(dataset.root, base, [f"{dataset.name}/raw"], extensions=(".gz", ""))
            continue                                     # already there: it is verified when it is read
        except DatasetFileError:
            pass
        filename = base + ".gz"
        expected = expected_sha256(dataset.name, dataset.root / filename, checksums, verify)
        failures = []
        for mirror in mirrors:
            try:
                download_url(mirror + filename, dataset.root / filename, expected)
                break
            except DatasetFileError as exc:
                failures.append(str(exc))
        else:
            raise DatasetFileError(f"{filename}: could not be downloaded from any mirror: " + "; ".join(failures))
