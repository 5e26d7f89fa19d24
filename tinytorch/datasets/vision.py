"""Hand-written support code of module 08 (dataloader), not taught: image data sets held in memory.

`ArrayDataset` keeps all images in one array `data` and the labels in one int64 array `targets`, like
torchvision's data sets; `ds[i]` is `(image, label)` after the optional transforms, and `get_batch` fetches
a batch in one fancy index when there are no per-sample transforms (the DataLoader's one-step path).
`DigitsDataset` is the 8 x 8 digits shipped with tinytorch; `MNIST`, `FashionMNIST` and `CIFAR10` read the
original files (formats.py), each verified by its sha256 first (files.read_verified), and create no data
set object from a damaged file.
"""
from __future__ import annotations

import operator
import warnings
from pathlib import Path

import numpy as np

from tinytorch.core.tensor import Tensor

from .digits import load_digits
from .download import MIRRORS, download_missing
from .files import DatasetFileError, expected_sha256, find_file, gunzip, read_verified
from .formats import parse_cifar_records, parse_idx

__all__ = ["as_index", "ArrayDataset", "DigitsDataset", "MNIST", "FashionMNIST", "CIFAR10"]


def as_index(index, length, who):
    """A Python int in [0, length) from an int-like `index`; negative values count from the end.

    Raises TypeError ("<who> indices must be integers") or IndexError ("<who> index i is out of range for
    a dataset of n samples").
    """
    try:
        i = operator.index(index)
    except TypeError:
        raise TypeError(f"{who} indices must be integers, got {type(index).__name__} {index!r:.60}") from None
    if not -length <= i < length:
        raise IndexError(f"{who} index {i} is out of range for a dataset of {length} samples")
    return i % length


class ArrayDataset:
    """Images (or any samples) in one array `data`, class labels in one int64 array `targets`."""

    def __init__(self, data, targets, transform=None, target_transform=None):
        data, targets = np.asarray(data), np.asarray(targets)
        if targets.ndim != 1 or targets.dtype.kind not in "iu":
            raise TypeError(f"{type(self).__name__}: targets must be a 1-D array of integer class labels, got "
                            f"dtype {targets.dtype} and shape {targets.shape}")
        if data.ndim == 0 or len(data) != len(targets):
            raise ValueError(f"{type(self).__name__}: {len(data) if data.ndim else 0} samples but {len(targets)} "
                             "targets")
        for label, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and (isinstance(fn, type) or not callable(fn)):
                raise TypeError(f"{type(self).__name__}: {label} must be a callable such as ToTensor(), got {fn!r}")
        self.data = data
        self.targets = targets.astype(np.int64, copy=False)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        i = as_index(index, len(self.targets), type(self).__name__)
        image, label = self.data[i], int(self.targets[i])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def get_batch(self, indices):
        if self.transform is not None or self.target_transform is not None:
            return None
        return [Tensor(self.data[indices]), Tensor(self.targets[indices])]

    def __repr__(self):
        extra = f", transform={self.transform!r}" if self.transform is not None else ""
        return f"{type(self).__name__}({len(self)} samples, image shape {self.data.shape[1:]}{extra})"


class DigitsDataset(ArrayDataset):
    """The UCI handwritten digits shipped with tinytorch: float32 images (8, 8) in [0, 1], labels 0-9.

    split: "train", "test" or "all" (the split is fixed inside the verified file).
    """

    classes = [str(d) for d in range(10)]

    def __init__(self, split="train", transform=None, target_transform=None, path=None):
        images, labels = load_digits(split) if path is None else load_digits(split, path=path)
        super().__init__(images, labels, transform, target_transform)


def _warn_unverified(name, root):
    warnings.warn(f"{name}(verify=False): the files in {root} are used WITHOUT a sha256 check; a damaged or "
                  "substituted file may go unnoticed", UserWarning, stacklevel=3)


class MNIST(ArrayDataset):
    """MNIST from the standard IDX files: uint8 images (N, 28, 28), int64 labels (N,).

    MNIST(root, train=True, transform=None, target_transform=None, download=False, checksums=None,
    verify=True) reads train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] (or the t10k-* files
    when train is False) from root or root/MNIST/raw. Each file's sha256 is checked first (see
    PUBLISHED_SHA256). download=True fetches missing .gz files from `mirrors` (verified, download.py).
    """

    name = "MNIST"
    mirrors = MIRRORS["MNIST"]
    classes = [str(d) for d in range(10)]
    files = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False, checksums=None,
                 verify=True):
        if not verify:
            _warn_unverified(type(self).__name__, root)
        self.root, self.train = Path(root), bool(train)
        if download:
            download_missing(self, checksums, verify)
        images, labels = self._load(checksums, verify)
        super().__init__(images, labels, transform, target_transform)

    def _read_idx(self, filename, checksums, verify):
        """(path, array) of one IDX file, found, verified, decompressed if gzipped, and parsed."""
        path = find_file(self.root, filename, [f"{self.name}/raw"], extensions=(".gz", ""))
        expected = expected_sha256(self.name, path, checksums, verify)
        return path, parse_idx(gunzip(read_verified(path, expected), path), str(path))

    def _load(self, checksums, verify):
        """(images uint8 (N, 28, 28), labels int64 (N,)) of this split, checked: DatasetFileError naming the
        file when the arrays are not MNIST images/labels, their counts differ, or a label is not a class."""
        image_name, label_name = self.files[self.train]
        image_path, images = self._read_idx(image_name, checksums, verify)
        label_path, labels = self._read_idx(label_name, checksums, verify)
        if images.dtype != np.uint8 or images.ndim != 3:
            raise DatasetFileError(f"{image_path}: expected uint8 images with 3 dimensions (count, rows, columns; "
                                   f"magic 0x00000803), found {images.dtype} with shape {images.shape}")
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise DatasetFileError(f"{label_path}: expected uint8 labels with 1 dimension (magic 0x00000801), "
                                   f"found {labels.dtype} with shape {labels.shape}")
        if len(images) != len(labels):
            raise DatasetFileError(f"{image_path} holds {len(images)} images but {label_path} holds {len(labels)} "
                                   "labels: the files do not belong together")
        if labels.size and int(labels.max()) >= len(self.classes):
            raise DatasetFileError(f"{label_path}: label {int(labels.max())} is not a class of {self.name} "
                                   f"(0-{len(self.classes) - 1})")
        return images, labels.astype(np.int64)


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): the same IDX files and layout as MNIST (root or root/FashionMNIST/raw)."""

    name = "FashionMNIST"
    mirrors = MIRRORS["FashionMNIST"]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class CIFAR10(ArrayDataset):
    """CIFAR-10 from its binary version: uint8 images (N, 3, 32, 32), int64 labels (N,).

    CIFAR10(root, train=True, transform=None, target_transform=None, download=False, checksums=None,
    verify=True) reads data_batch_1.bin ... data_batch_5.bin (or test_batch.bin) from root or
    root/cifar-10-batches-bin. The pickled "python version" of CIFAR-10 is deliberately not supported:
    unpickling runs code. download=True is refused with an explanation (the binary version is one
    tar.gz archive with only an MD5 sum published).
    """

    name = "CIFAR10"
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    files = {True: [f"data_batch_{k}.bin" for k in range(1, 6)], False: ["test_batch.bin"]}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False, checksums=None,
                 verify=True):
        if download:
            raise ValueError("CIFAR10(download=True) is not offered: the binary version is distributed as one "
                             "archive, cifar-10-binary.tar.gz; download and extract it yourself, then pass the "
                             "folder as root (with checksums= for its .bin files)")
        if not verify:
            _warn_unverified(type(self).__name__, root)
        self.root, self.train = Path(root), bool(train)
        parts = []
        for filename in self.files[self.train]:
            path = find_file(self.root, filename, ["cifar-10-batches-bin"])
            expected = expected_sha256(self.name, path, checksums, verify)
            parts.append(parse_cifar_records(read_verified(path, expected), str(path)))
        images = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        super().__init__(images, labels, transform, target_transform)
