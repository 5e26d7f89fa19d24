"""tinytorch.datasets: data sets and data-file readers (hand-written support code of module 08, not taught).

- digits.py: the 8 x 8 UCI digits shipped with the package (PROVENANCE.md), `load_digits`;
- files.py: the one verified reader (`read_verified`: sha256 first), `DatasetFileError`, published digests;
- formats.py: the MNIST IDX and CIFAR-10 binary formats; download.py: verified, atomic downloads;
- vision.py: `ArrayDataset`, `DigitsDataset`, `MNIST`, `FashionMNIST`, `CIFAR10` (also in tinytorch.data);
- pydoc_topics.py: CPython's help() topics, the text corpus of Part III, `load_pydoc_topics`.
"""
from .digits import load_digits
from .download import MIRRORS, download_url
from .files import PUBLISHED_SHA256, DatasetFileError, read_verified, sha256_hex
from .formats import parse_cifar_records, parse_idx
from .pydoc_topics import load_pydoc_topics
from .vision import CIFAR10, MNIST, ArrayDataset, DigitsDataset, FashionMNIST

__all__ = ["load_digits", "load_pydoc_topics", "DatasetFileError", "read_verified", "sha256_hex", "PUBLISHED_SHA256", "parse_idx",
           "parse_cifar_records", "download_url", "MIRRORS", "ArrayDataset", "DigitsDataset", "MNIST",
           "FashionMNIST", "CIFAR10"]
